/* SPDX-License-Identifier: MIT */
/*
 * The monitoring runtime (issue 6 §3-§6, DESIGN §4): one per process (struct app.monitor).
 * It owns the readings store (store.h), the per-point alarm state (alarm.h) and the point
 * configuration cache loaded from monitor_point; every ingestion path (MQTT, HTTP, Modbus,
 * replay) hands it resolved readings through monitor_ingest(), which returns only once
 * the readings are durable in the store's write-ahead log AND evaluated, with their alarm
 * transitions committed to the SOE table; only then may the caller acknowledge (MQTT PUBACK,
 * HTTP 2xx). Transitions and (throttled) latest values are published to the live hub.
 *
 * Recovery (docs/monitoring.md "Runtime"): a checkpoint saves every point's alarm state
 * with the store's checkpoint seq; on open the log's readings after it are re-evaluated in
 * seq order, interleaved with the SOE's tick and action rows after it, and their
 * transitions are inserted idempotently (soe UNIQUE (point_id, seq, sub)): no gap, no
 * duplicate.
 *
 * Threads: every function may be called from any thread.
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/alarm.h"
#include "monitor/wal.h"

struct app;
struct store;
struct live_hub;
struct errmsg;

struct monitor;

/* Configuration (config keys monitor.*, docs/configuration.md). */
struct monitor_config {
	const char *db_path;	   /* the application's SQLite database (borrowed) */
	const char *wal_dir;	   /* monitor.wal_dir; default "<db_path>.wal" */
	int checkpoint_s;	   /* monitor.checkpoint_s: seconds between checkpoints; 60 */
	int64_t max_future_ms;	   /* monitor.max_future_ms: a source time further ahead of the
				       arrival time is replaced by the arrival time; 60000 */
	int value_push_ms;	   /* monitor.value_push_ms: latest values pushed at most this
				       often per enterprise; 1000 */
	int retention_raw_days;	   /* monitor.retention_raw_days; 30 */
	int retention_minute_days; /* monitor.retention_minute_days; 730 */
	bool tick_thread;	   /* run the 1 s tick thread (comms loss, shelve expiry,
				       store flush, checkpoints); false in unit tests */
	int64_t (*now_ms)(void *); /* clock; NULL = the system clock (tests inject one) */
	void *now_ctx;
};

void monitor_config_defaults(struct monitor_config *c);

/*
 * Opens the runtime: the store, the point cache (active points of monitor_point), the
 * last alarm snapshot and recovery as above. live may be NULL (no publishing).
 * Returns 0 with *out owned (monitor_close), ERR_INVALID, ERR_IO or ERR_DB.
 */
int monitor_open(const struct monitor_config *cfg, struct live_hub *live, struct monitor **out);
/* Stops the tick thread, checkpoints, closes. NULL-safe. */
void monitor_close(struct monitor *m);

/* One reading resolved to its point (the WAL's record). */
typedef struct wal_reading monitor_reading;

/* What became of a batch: counts for the caller's answer and metrics. */
struct monitor_ingest_result {
	uint64_t seq_first; /* arrival seq of r[0] */
	size_t accepted;    /* stored (late ones included) */
	size_t late;	    /* older than the point's last reading: stored, not evaluated */
	size_t unknown;	    /* point not in the cache (inactive or deleted): dropped */
	size_t future;	    /* source time clamped to the arrival time (max_future_ms) */
	size_t transitions; /* SOE rows written */
};

/*
 * Stores and evaluates r[0..n) (1 <= n <= WAL_BATCH_MAX, any points, any order). Returns
 * only when the readings are in the log (fdatasync, group commit) and their transitions in
 * the SOE. Readings of unknown points are dropped and counted. Returns 0 (res filled, may
 * be NULL), ERR_INVALID (n), ERR_IO or ERR_DB: then nothing may be acknowledged.
 */
int monitor_ingest(struct monitor *m, const monitor_reading *r, size_t n,
		   struct monitor_ingest_result *res);

/*
 * Resolves a tag of an enterprise to its point: 0 with *point_id, or ERR_NOT_FOUND.
 * enterprise_id 0 matches a tag in any enterprise only when it is unique (ERR_CONFLICT
 * otherwise). A read lock of the cache (writers: monitor_point_changed only); for decoders.
 */
int monitor_resolve(struct monitor *m, int64_t enterprise_id, const char *tag, size_t tag_len,
		    int64_t *point_id);
/*
 * The same without taking the lock each time, for a decoder resolving many tags: call
 * monitor_resolve_held only between monitor_resolve_hold (takes the cache's read lock) and
 * monitor_resolve_release, on the same thread, and call nothing else of the monitor in
 * between (a point change waits for the release).
 */
void monitor_resolve_hold(struct monitor *m);
void monitor_resolve_release(struct monitor *m);
int monitor_resolve_held(struct monitor *m, int64_t enterprise_id, const char *tag, size_t tag_len,
			 int64_t *point_id);
/* Resolves an enterprise's unified social credit code (topic, payload) to its id. */
int monitor_resolve_enterprise(struct monitor *m, const char *credit_code, size_t len,
			       int64_t *enterprise_id);

/* Operator actions on a point's alarm (alarm.h), recorded in the SOE with user and comment. */
enum monitor_action {
	MONITOR_ACK = 0,
	MONITOR_SHELVE,
	MONITOR_UNSHELVE,
	MONITOR_SUPPRESS,
	MONITOR_UNSUPPRESS,
	MONITOR_OUT_OF_SERVICE,
	MONITOR_RETURN_TO_SERVICE,
};
/* Returns: static "acknowledge", "shelve", ... ; monitor_action_parse the reverse (0/ERR_INVALID). */
const char *monitor_action_name(enum monitor_action a);
int monitor_action_parse(const char *s, enum monitor_action *out);

/*
 * Applies action a to point_id at the clock's now (until_ms: shelve expiry, else 0) by
 * user_id with comment (may be NULL/empty except as the API requires). Returns 0 with
 * *soe_id (may be NULL) the SOE row written, ERR_NOT_FOUND (no such active point),
 * ERR_CONFLICT (not allowed in the current state: nothing written), ERR_INVALID (until),
 * ERR_DB.
 */
int monitor_action(struct monitor *m, int64_t point_id, enum monitor_action a, int64_t until_ms,
		   int64_t user_id, const char *comment, int64_t *soe_id);

/*
 * Reloads one point's configuration from monitor_point after the caller's transaction
 * committed (created, changed, deactivated, deleted). A changed alarm configuration keeps
 * the state and takes effect with the next reading. Returns 0 or ERR_DB.
 */
int monitor_point_changed(struct monitor *m, int64_t point_id);

/* The live view of one point. */
struct monitor_live {
	int64_t point_id;
	int64_t enterprise_id;
	int64_t last_ms;   /* source time of the latest reading evaluated, INT64_MIN: none */
	double last_value; /* NAN: none */
	uint8_t state;	   /* enum alarm_state */
	uint8_t cond;	   /* enum alarm_cond */
	int64_t shelve_until_ms;
	int64_t since_ms; /* source time of the last transition, INT64_MIN: none */
	uint32_t late;
};
/* 0 with *out, or ERR_NOT_FOUND (not in the cache). */
int monitor_live_get(struct monitor *m, int64_t point_id, struct monitor_live *out);

/* The store, for trend queries (store_read, store_minutes, store_pick_resolution). Borrowed. */
struct store *monitor_store(struct monitor *m);

/* Runs one tick at the clock's now: shelve expiry, comms loss, store flush; tests call it
 * with tick_thread false. Returns 0 or ERR_DB. */
int monitor_tick(struct monitor *m);
/* Snapshot + store checkpoint (as the tick thread does every checkpoint_s). 0, ERR_IO, ERR_DB. */
int monitor_checkpoint(struct monitor *m);

/* Counters since open, for /metrics and tests. */
struct monitor_stats {
	uint64_t readings, batches, late, unknown, future, transitions, replayed, bad_payloads;
	size_t points;
};
void monitor_stats_get(struct monitor *m, struct monitor_stats *out);
/* A bad payload seen by an ingestion path (counted here, logged by the caller). */
void monitor_count_bad_payload(struct monitor *m);

struct buf;
/*
 * Appends the runtime's counters to a /metrics answer (Prometheus text): anjian_monitor_
 * readings_total, _batches_total, _late_total, _unknown_total, _future_total,
 * _bad_payloads_total, _transitions_total, _replayed_total (counters since start) and
 * anjian_monitor_points (gauge). NULL m appends nothing.
 */
void monitor_gauges(struct monitor *m, struct buf *out);

#endif
