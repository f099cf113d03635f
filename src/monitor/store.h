/* SPDX-License-Identifier: MIT */
/*
 * The readings store of issue 6 §5, built as time-series engines are: an append-only
 * write-ahead log (wal.h) makes a batch durable before store_append() returns; per-point
 * in-memory buffers take the readings; a buffer is flushed as compressed chunks (tsz.h,
 * plus quality and arrival seq) into SQLite blobs, with one-minute aggregates beside them;
 * a checkpoint records the log position fully reflected in SQLite and deletes older log
 * segments. Opening replays the log after the checkpoint, idempotently. Queries merge the
 * flushed chunks with the buffers. Design, formats and figures: docs/monitoring.md "Store".
 *
 * Not for: parsing payloads, alarm evaluation, HTTP. The caller applies the migrations
 * (0014_readings) to the database before store_open().
 *
 * Threads: every function may be called from any thread; one mutex (struct store.mu)
 * serialises them, and is released while a group-commit leader runs fdatasync(), so that
 * appenders arriving meanwhile share the next one.
 */
#ifndef MONITOR_STORE_H
#define MONITOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/wal.h"

/* A chunk never spans more source time than this, so that a query scans a bounded range. */
#define STORE_CHUNK_SPAN_MS (24 * 3600 * 1000LL)
/* Most readings per chunk accepted in the configuration. */
#define STORE_CHUNK_POINTS_MAX 8192

struct store;

struct store_config {
	const char *db_path;	/* SQLite database with the migrations applied (borrowed) */
	const char *wal_dir;	/* write-ahead log directory, created if missing (borrowed) */
	int64_t segment_bytes;	/* roll the log at this size; default 64 MiB */
	size_t chunk_points;	/* readings per flushed chunk, 16..8192; default 1024 */
	int64_t flush_age_ms;	/* store_tick() flushes buffers older than this; default 10 min */
	int retention_raw_days; /* store_retention(): raw chunks kept; default 30 */
	int retention_minute_days; /* store_retention(): minute aggregates kept; default 730 */
	/*
	 * Optional (NULL = none): called by store_open() for each intact log record it replays
	 * (one holding a seq after the checkpoint), in log order, after the record's readings
	 * went into the buffers; the whole record is given, seqs at or below the checkpoint
	 * included. A negative return stops the open with that error. The monitoring runtime
	 * re-evaluates alarms through it (monitor.h "Recovery").
	 */
	wal_replay_fn on_replay;
	void *on_replay_ctx;
};

/* One reading of a query answer. */
struct store_row {
	int64_t source_ms;
	uint64_t seq; /* arrival sequence number, assigned by store_append() */
	double value;
	uint8_t quality;
};

/* One-minute aggregate; mean = sum / n. NaN values are not aggregated. */
struct store_minute {
	int64_t minute_ms; /* source time floored to the minute, UTC ms */
	double min, max, sum;
	int64_t n;
};

enum store_resolution {
	STORE_RESOLUTION_RAW,
	STORE_RESOLUTION_MINUTE,
};

/* Counters since store_open(). */
struct store_stats {
	uint64_t appended;	 /* readings acknowledged */
	uint64_t batches;	 /* store_append() calls acknowledged */
	uint64_t syncs;		 /* fdatasync() of the log by group-commit leaders */
	uint64_t chunks_flushed; /* chunk rows written */
	uint64_t replayed;	 /* readings replayed from the log at open */
	uint64_t replay_skipped; /* log readings already in SQLite at open (idempotence rule) */
	uint64_t last_seq;	 /* highest arrival seq assigned */
	uint64_t checkpoint_seq; /* log position fully reflected in SQLite */
	size_t buffered;	 /* readings in the in-memory buffers */
};

/* Fills c with the defaults above (db_path and wal_dir NULL). */
void store_config_defaults(struct store_config *c);

/*
 * Opens the store: SQLite connection, checkpoint and per-point flushed seqs, then the log
 * (torn tail truncated), whose readings after the checkpoint are replayed into the buffers
 * except those a point already flushed (seq <= reading_point.flushed_seq). Returns 0 with
 * *out owned (store_close), ERR_INVALID (configuration), ERR_IO or ERR_DB.
 */
int store_open(const struct store_config *cfg, struct store **out);

/*
 * Closes the store without a checkpoint (the log keeps what the buffers hold; the next
 * open replays it). NULL-safe.
 */
void store_close(struct store *st);

/*
 * Appends the batch r[0..n) (1 <= n <= WAL_BATCH_MAX; any point order, any source times,
 * late ones included) and returns only once its log record is on disk (fdatasync), shared
 * by the appenders waiting at the same time (group commit). The readings get the arrival
 * seqs *seq_first .. *seq_first + n - 1 (seq_first may be NULL). Full buffers are flushed to
 * SQLite on the way. Returns 0, ERR_INVALID, ERR_IO (the log could not be written or
 * synced: the store refuses further appends) or ERR_DB (a flush failed: likewise; reopen
 * to recover from the log). A batch answered with an error may still be in the log and come
 * back at the next open (at least once, never lost once acknowledged).
 */
int store_append(struct store *st, const struct wal_reading *r, size_t n, uint64_t *seq_first);

/* Flushes the buffers whose first reading arrived before now_ms - flush_age_ms. Returns 0 or ERR_DB. */
int store_tick(struct store *st, int64_t now_ms);

/*
 * Syncs the log, flushes every buffer, records the checkpoint (the last assigned seq) in
 * the same SQLite transaction with synchronous=FULL, then starts a new log segment and
 * deletes the older ones. Appends wait meanwhile. Returns 0, ERR_IO or ERR_DB.
 */
int store_checkpoint(struct store *st);

/*
 * Readings of point_id with from_ms <= source_ms < to_ms, flushed and buffered, ordered by
 * source time then arrival seq. Returns 0 with *rows owned (free(); NULL when *n is 0) or
 * ERR_INVALID / ERR_DB.
 */
int store_read(struct store *st, int64_t point_id, int64_t from_ms, int64_t to_ms,
	       struct store_row **rows, size_t *n);

/*
 * One-minute aggregates of point_id for the minutes starting in [floor(from_ms), to_ms),
 * flushed and buffered readings together, ascending. Returns 0 with *out owned (free()) or
 * ERR_INVALID / ERR_DB.
 */
int store_minutes(struct store *st, int64_t point_id, int64_t from_ms, int64_t to_ms,
		  struct store_minute **out, size_t *n);

/*
 * Picks the resolution of a trend of point_id over [from_ms, to_ms) for a chart that shows
 * at most budget points: raw when the readings in the window (counted from the minute
 * aggregates, whole minutes, plus the buffers) are <= budget, else minute. Returns 0 or
 * ERR_INVALID / ERR_DB.
 */
int store_pick_resolution(struct store *st, int64_t point_id, int64_t from_ms, int64_t to_ms,
			  size_t budget, enum store_resolution *res);

/*
 * Deletes raw chunks that end before now_ms - retention_raw_days and minute aggregates
 * before now_ms - retention_minute_days (whole chunks: a chunk straddling the cut stays).
 * *chunks and *minutes (may be NULL) get the rows deleted. Returns 0 or ERR_DB.
 */
int store_retention(struct store *st, int64_t now_ms, int64_t *chunks, int64_t *minutes);

/* Copies the counters. */
void store_stats_get(struct store *st, struct store_stats *out);

#endif
