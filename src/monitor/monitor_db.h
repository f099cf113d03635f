/* SPDX-License-Identifier: MIT */
/*
 * The SQL of the monitoring runtime (monitor.c): the point cache's rows, enterprise lookup,
 * SOE inserts and reads, the alarm snapshot. Internal to src/monitor; every function runs
 * on the connection it is given, inside the caller's transaction when there is one.
 */
#ifndef MONITOR_MONITOR_DB_H
#define MONITOR_MONITOR_DB_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/alarm.h"

struct db;

/* One active monitor_point row with its enterprise (strings borrowed for the callback). */
struct mon_point_row {
	int64_t id, enterprise_id;
	const char *tag, *name, *enterprise_name, *uscc;
	struct alarm_cfg cfg; /* NULL set points as NAN; not yet checked */
};

/*
 * Calls fn for every active point (only_id 0) or for point only_id when it is active.
 * A kind the database holds but alarm.h does not know is kind ALARM_KIND_COUNT_ (so that
 * alarm_cfg_check rejects it). Returns 0, fn's negative return, or ERR_DB.
 */
int mon_db_points(struct db *db, int64_t only_id,
		  int (*fn)(void *ctx, const struct mon_point_row *row), void *ctx);

/* Enterprise id of a unified social credit code: 0, ERR_NOT_FOUND or ERR_DB. */
int mon_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id);

/* One SOE row to write. until_ms and user_id 0 are stored as NULL; NaN value as NULL. */
struct mon_soe {
	int64_t point_id, enterprise_id, source_ms;
	uint64_t seq;
	int64_t sub;
	double value;
	uint8_t from_state, to_state, from_cond, to_cond;
	const char *cause;   /* "reading", "tick", "action" */
	const char *action;  /* monitor_action_name, or NULL */
	int64_t until_ms;    /* shelve expiry, or 0 */
	int64_t user_id;     /* or 0 */
	const char *comment; /* or NULL */
};

/*
 * Inserts s unless (point_id, seq, sub) is there already (the idempotence of recovery).
 * *id gets the new row's id, or 0 when it was there. Returns 0 or ERR_DB.
 */
int mon_db_soe_insert(struct db *db, const struct mon_soe *s, int64_t recorded_ms, int64_t *id);

/* Display name (else login) of a user into out (n bytes; "" when none). Returns 0 or ERR_DB. */
int mon_db_user_name(struct db *db, int64_t user_id, char *out, size_t n);

/*
 * For every point: its highest SOE seq and the highest sub at that seq. fn returns 0 or a
 * negative err that stops the walk. Returns 0, fn's error or ERR_DB.
 */
int mon_db_last_subs(struct db *db,
		     int (*fn)(void *ctx, int64_t point_id, uint64_t seq, int64_t sub), void *ctx);

/*
 * The same for one point: fn is called once with point_id's highest SOE seq and the highest
 * sub at it, or not at all when it has no SOE row. For a point entering the runtime's cache
 * after start (created, or activated again), whose next tick or action key must follow its
 * earlier rows. Returns 0, fn's error or ERR_DB.
 */
int mon_db_last_sub_of(struct db *db, int64_t point_id,
		       int (*fn)(void *ctx, int64_t point_id, uint64_t seq, int64_t sub),
		       void *ctx);

/*
 * The tick and action rows with seq >= from_seq, in (seq, sub, point_id) order, for
 * recovery. fn gets each row (strings borrowed); returns 0 or stops with a negative err.
 */
int mon_db_soe_ops_after(struct db *db, uint64_t from_seq,
			 int (*fn)(void *ctx, const struct mon_soe *s), void *ctx);

/*
 * The alarm snapshot (migration 0016): seq and an opaque blob (monitor.c's format).
 * load: 0 with *blob owned (free) or ERR_NOT_FOUND (none yet) or ERR_DB.
 */
int mon_db_snapshot_load(struct db *db, uint64_t *seq, void **blob, size_t *n);
/* Replaces the snapshot in one transaction with synchronous=FULL semantics left to the
 * caller. Returns 0 or ERR_DB. */
int mon_db_snapshot_save(struct db *db, uint64_t seq, int64_t saved_ms, const void *blob, size_t n);

#endif
