/* SPDX-License-Identifier: MIT */
/*
 * The write-ahead log of the readings store (issue 6 §5): append-only segment files of
 * reading batches, each record framed by its length and a CRC-32 (zlib's crc32, the
 * ISO-HDLC polynomial), so that a torn tail left by a crash is detected and cut off on open,
 * never misread. This file only formats, writes, scans and deletes segments; it takes no
 * lock and never syncs on its own except where named: src/monitor/store.c serialises the
 * calls and runs the group commit (docs/monitoring.md "Store").
 *
 * Segment file: <dir>/<first seq, 20 decimal digits>.wal, records back to back:
 *   u32 magic 0x4c574a41 ("AJWL" little-endian), u32 payload length L, u32 CRC-32 over the
 *   4 length bytes then the payload; payload: u64 seq_first, u32 n, then n readings of 25
 *   bytes (i64 point_id, i64 source_ms, f64 value bits, u8 quality); all little-endian.
 *   The readings of a record carry the arrival seqs seq_first .. seq_first + n - 1.
 */
#ifndef MONITOR_WAL_H
#define MONITOR_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most readings one record (one batch) may hold. */
#define WAL_BATCH_MAX	  1000000
#define WAL_RECORD_HEADER 12
#define WAL_READING_BYTES 25

struct wal;

/* One reading as logged. */
struct wal_reading {
	int64_t point_id;
	int64_t source_ms; /* source (device) time, UTC ms */
	double value;
	uint8_t quality;
};

/*
 * Called by wal_open() for each intact record holding a seq > after_seq, in log order.
 * r[0..n) is borrowed for the call. Return 0, or a negative err to stop the open.
 */
typedef int (*wal_replay_fn)(void *ctx, uint64_t seq_first, const struct wal_reading *r, size_t n);

/*
 * Opens the log in dir (created if missing), replays through fn the records with any seq
 * > after_seq, truncates a torn or garbage tail of the last segment (logged at warn, then
 * synced), and makes the log ready to append after the last intact record. A bad record in
 * a segment that is not the last is corruption: ERR_IO, nothing truncated. *last_seq gets
 * the highest seq in the log (after_seq when higher or the log is empty).
 * segment_bytes: roll to a new segment once the current one reaches this size.
 * Returns 0 with *out owned (wal_close), ERR_IO, or fn's error.
 */
int wal_open(const char *dir, int64_t segment_bytes, uint64_t after_seq, wal_replay_fn fn,
	     void *ctx, struct wal **out, uint64_t *last_seq);

/*
 * Writes one record of r[0..n) (1 <= n <= WAL_BATCH_MAX) with seqs seq_first.. (which must
 * follow the last written seq), rolling first to a new segment when the current one is
 * full (the full one is fdatasync'ed before it is closed). Not durable until wal_sync() or
 * fdatasync(wal_fd()). A failed write is cut back off the file. Returns 0, ERR_INVALID or
 * ERR_IO. The caller must not run this while another thread syncs wal_fd().
 */
int wal_write(struct wal *w, uint64_t seq_first, const struct wal_reading *r, size_t n);

/* True when the next wal_write() rolls to a new segment (it syncs and closes the current fd). */
bool wal_full(const struct wal *w);

/* The descriptor of the current segment, for fdatasync() outside the caller's lock. */
int wal_fd(const struct wal *w);

/* fdatasync of the current segment. Returns 0 or ERR_IO. */
int wal_sync(struct wal *w);

/*
 * Closes the current segment (synced) and starts a new one, when the current one holds any
 * record; so that after a checkpoint every older segment can be dropped. Returns 0 or ERR_IO.
 */
int wal_roll(struct wal *w);

/*
 * Deletes every segment all of whose seqs are <= upto_seq (never the current one), then
 * syncs the directory. Returns the number deleted, or ERR_IO.
 */
int wal_drop(struct wal *w, uint64_t upto_seq);

/* Number of segment files, and bytes written to the current one (tests, metrics). */
size_t wal_segment_count(const struct wal *w);
int64_t wal_current_bytes(const struct wal *w);

/* Closes the log (no sync). NULL-safe. */
void wal_close(struct wal *w);

#endif
