/* SPDX-License-Identifier: MIT */
/*
 * Internals of the monitoring runtime shared by its files (not for other modules):
 *   monitor.c          open/close, the ingest gate, ingest, resolve, actions, configuration
 *                      changes, the live view, ticks, checkpoints, counters;
 *   monitor_cache.c    the point cache: the tag and credit-code maps, the point id set;
 *   monitor_events.c   SOE rows of a batch, live "alarm" and "values" events, evaluation;
 *   monitor_recover.c  the alarm snapshot and the recovery from the log and the SOE.
 * The locks and their order are described at the top of monitor.c.
 */
#ifndef MONITOR_MONITOR_INT_H
#define MONITOR_MONITOR_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "monitor/monitor.h"
#include "monitor/monitor_db.h"
/*
 * The hub (live.c). Weak, so that a unit test may link the runtime without the hub and
 * capture the events with a live_publish of its own (tests/unit/monitor/test_monitor.c).
 */
void live_publish(struct live_hub *h, int64_t enterprise_id, const char *name, const char *data,
		  size_t len) __attribute__((weak));

#define SNAP_MAGIC   0x4e534a41u /* "AJSN" little-endian */
#define SNAP_VERSION 1u
#define SNAP_HEADER  16
#define SNAP_RECORD  80

/* ---- the point cache ---- */

struct mpoint {
	int64_t id, enterprise_id;
	char *tag, *name, *ent_name, *uscc;
	struct alarm_cfg cfg;
	struct alarm_point p;
	int64_t since_ms; /* source time of the last transition, INT64_MIN: none */
	uint64_t sub_seq; /* (sub_seq, sub): the point's last SOE key */
	int64_t sub;
	size_t idx;	     /* position in monitor.pts */
	int replay_skip;     /* recovery: tick rows already reproduced by one alarm_tick */
	bool value_dirty;    /* a reading since the last "values" push: in its push list */
	size_t push_idx;     /* 1 + index of its enterprise in monitor.push, 0: not yet */
	struct mpoint *next; /* id hash chain */
};

/* Chained string map: key -> (value, count). */
struct snode {
	struct snode *next;
	uint64_t h;
	int64_t val;
	int count;
	size_t len;
	char key[];
};
struct smap {
	struct snode **b;
	size_t nb, n;
};

/* Per enterprise: when its latest values were last pushed, and the points read since. */
struct ent_push {
	int64_t enterprise_id;
	int64_t last_push_ms;
	struct mpoint **dirty;
	size_t n, cap;
};

struct monitor {
	struct monitor_config cfg;
	char *wal_dir;
	struct live_hub *live;
	struct store *store;
	struct db *db;	/* SOE, snapshot, point loads: under mu */
	struct db *dbq; /* enterprise lookups of decoders: under dbq_mu */
	pthread_mutex_t dbq_mu;

	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	int inflight;
	bool closing;

	pthread_mutex_t mu;
	pthread_cond_t ticket_cv;
	uint64_t next_eval; /* seq of the next reading to evaluate */
	int failed;	    /* sticky: a store or SOE write failed; reopen to recover */
	struct mpoint **pts;
	size_t npts, cappts;
	struct mpoint **ids; /* hash by id (chains), written under mu + rw */
	size_t nids;
	struct monitor_stats stats;
	struct ent_push *push;
	size_t npush, cappush;
	int64_t last_checkpoint_ms;

	pthread_rwlock_t rw;
	struct smap tags; /* "<enterprise id>:<tag>" -> point id */
	struct smap tag1; /* "<tag>" -> point id, count of enterprises having it */
	struct smap uscc; /* credit code -> enterprise id, count of points */

	/* recovery */
	uint64_t snap_seq;
	struct mon_soe *ops;
	char **ops_action;
	size_t nops, capops, opi;

	pthread_t tick;
	bool tick_running, stop;
	pthread_mutex_t stop_mu;
	pthread_cond_t stop_cv;
};

struct pending {
	struct mon_soe s;
	struct mpoint *p;
	int64_t id;
};

struct batch {
	struct pending *r;
	size_t n, cap;
};

/* The runtime's clock: the injected one (tests) or the system's. UTC ms. */
static inline int64_t mrt_now(const struct monitor *m)
{
	return m->cfg.now_ms ? m->cfg.now_ms(m->cfg.now_ctx) : now_ms();
}

/* ---- monitor_cache.c (mu held unless said; the rw lock as monitor.c's comment says) ---- */

/* The map node of key k[0..n), or NULL. */
struct snode *mrt_smap_find(const struct smap *m, const char *k, size_t n);
/* Frees every node of m. */
void mrt_smap_free(struct smap *m);
/* Writes the "<enterprise id>:<tag>" key of the tag map into out (cap bytes); returns its length. */
size_t mrt_ent_tag_key(char *out, size_t cap, int64_t ent, const char *tag, size_t len);
/* The cached point id, or NULL (binary search of the id set). */
struct mpoint *mrt_point_get(const struct monitor *m, int64_t id);
/* Registers / removes the resolve keys of p (rw write-locked). */
void mrt_keys_add(struct monitor *m, struct mpoint *p);
void mrt_keys_del(struct monitor *m, struct mpoint *p);
/* Frees p and its strings. NULL-safe. */
void mrt_point_free(struct mpoint *p);
/* Inserts p into the cache / takes it out (rw write-locked by the caller when running). */
void mrt_point_insert(struct monitor *m, struct mpoint *p);
void mrt_point_remove(struct monitor *m, struct mpoint *p);
/* A new cache entry from a row whose configuration passed alarm_cfg_check. Owned. */
struct mpoint *mrt_point_new(const struct mon_point_row *r, int64_t now);
/* 1 when the row's alarm configuration passes alarm_cfg_check (else logged), 0 otherwise. */
int mrt_cfg_ok(const struct mon_point_row *r);
/* mon_db_points callback at open: caches one valid row. */
int mrt_load_row(void *ctx, const struct mon_point_row *r);

/* ---- monitor_events.c (mu held) ---- */

/* Appends SOE row s of point p to b. */
void mrt_batch_add(struct batch *b, const struct mon_soe *s, struct mpoint *p);
/* Fills SOE row s from transition t of p with key sub and cause ("reading", "tick", "action"). */
void mrt_soe_from(struct mon_soe *s, const struct alarm_transition *t, const struct mpoint *p,
		  int64_t sub, const char *cause);
/* The SOE key of a tick or action transition of p: the last evaluated seq, the next sub. */
int64_t mrt_next_sub(struct mpoint *p, uint64_t seq);
/* Writes b's rows in one transaction. Returns 0 or ERR_DB. */
int mrt_batch_commit(struct monitor *m, struct batch *b);
/* Publishes b's rows as "alarm" events (user_name: the actor of an action, or NULL). */
void mrt_batch_publish(struct monitor *m, const struct batch *b, const char *user_name);
/* Takes p out of its enterprise's push list (before it is freed or changes enterprise). */
void mrt_dirty_del(struct monitor *m, struct mpoint *p);
/* Pushes the "values" events that are due at now. */
void mrt_publish_values(struct monitor *m, int64_t now);
/* Evaluates one stored reading of arrival seq; transitions go to b, *late counts late ones. */
void mrt_eval_one(struct monitor *m, const struct wal_reading *r, uint64_t seq, struct batch *b,
		  size_t *late);

/* ---- monitor_recover.c ---- */

/* Restores the cached points' state from a snapshot blob; points no longer cached are
 * ignored. Returns 0 or ERR_INVALID (not a snapshot of this version). */
int mrt_snap_apply(struct monitor *m, const uint8_t *b, size_t len);
/* Saves the snapshot at the last evaluated seq (mu held, gate closed). 0 or ERR_DB. */
int mrt_snapshot_save(struct monitor *m);
/* mon_db_soe_ops_after callback: collects one tick/action SOE row after the snapshot. */
int mrt_op_collect(void *ctx, const struct mon_soe *s);
/* Applies the collected ops with seq < before (recovery). */
void mrt_ops_until(struct monitor *m, uint64_t before);
/* store_config.on_replay: re-evaluates a replayed log record after the snapshot. */
int mrt_on_replay(void *ctx, uint64_t seq_first, const struct wal_reading *r, size_t n);
/* Callback of the points' last SOE keys at open: sets (sub_seq, sub) of a cached point. */
int mrt_sub_fix(void *ctx, int64_t point_id, uint64_t seq, int64_t sub);

#endif
