/* SPDX-License-Identifier: MIT */
/*
 * The monitoring runtime: see monitor.h and docs/monitoring.md "Runtime".
 *
 * Locks, in the order they are taken:
 *   gate_mu   the ingest gate: monitor_ingest() holds a pass (inflight) from before
 *             store_append() until its transitions are committed; monitor_checkpoint() and
 *             monitor_point_changed() close the gate and wait for inflight == 0, so that
 *             every seq the store assigned is evaluated while they run;
 *   mu        the alarm lock: the points' alarm state, the ticket (next_eval), the SOE
 *             connection, the counters;
 *   rw        the resolve maps (tags, credit codes, the point id set): read-locked by
 *             decoders and the pre-filter of monitor_ingest(), write-locked (under mu) by
 *             monitor_point_changed().
 * The store has its own lock, taken inside store_*() only, never while mu is held except
 * by the checkpoint (store_checkpoint) and the tick (store_tick): store calls never take mu.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "monitor/live.h"
#include "monitor/monitor.h"
#include "monitor/monitor_db.h"
#include "monitor/store.h"
#include "monitor/monitor_int.h"
#include "core/banned.h"

#define LOG_MODULE "monitor"

void monitor_config_defaults(struct monitor_config *c)
{
	memset(c, 0, sizeof(*c));
	c->checkpoint_s = 60;
	c->max_future_ms = 60000;
	c->value_push_ms = 1000;
	c->retention_raw_days = 30;
	c->retention_minute_days = 730;
	c->tick_thread = true;
}

/* ---- open / close ---- */

static void *tick_main(void *arg);
static void monitor_free(struct monitor *m);

int monitor_open(const struct monitor_config *cfg, struct live_hub *live, struct monitor **out)
{
	struct monitor *m;
	struct store_config sc;
	struct store_stats ss;
	void *blob = NULL;
	size_t blen = 0;
	int rc;

	*out = NULL;
	if (cfg->db_path == NULL || cfg->checkpoint_s <= 0 || cfg->max_future_ms < 0 ||
	    cfg->value_push_ms < 0 || cfg->retention_raw_days <= 0 ||
	    cfg->retention_minute_days <= 0) {
		log_error("invalid monitoring configuration");
		return ERR_INVALID;
	}
	m = xcalloc(1, sizeof(*m));
	m->cfg = *cfg;
	m->cfg.db_path = NULL;
	if (cfg->wal_dir && cfg->wal_dir[0]) {
		m->wal_dir = xstrdup(cfg->wal_dir);
	} else {
		size_t n = strlen(cfg->db_path) + 5;

		m->wal_dir = xmalloc(n);
		snprintf(m->wal_dir, n, "%s.wal", cfg->db_path);
	}
	m->cfg.wal_dir = m->wal_dir;
	pthread_mutex_init(&m->dbq_mu, NULL);
	pthread_mutex_init(&m->gate_mu, NULL);
	pthread_cond_init(&m->gate_cv, NULL);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->ticket_cv, NULL);
	pthread_rwlock_init(&m->rw, NULL);
	pthread_mutex_init(&m->stop_mu, NULL);
	pthread_cond_init(&m->stop_cv, NULL);
	rc = db_open(cfg->db_path, 5000, &m->db);
	if (rc == 0)
		rc = db_open(cfg->db_path, 5000, &m->dbq);
	if (rc < 0)
		goto fail;
	rc = mon_db_points(m->db, 0, mrt_load_row, m);
	if (rc < 0)
		goto fail;
	/* the snapshot's states and SOE keys; a point it lacks starts normal with key (0, 0),
	 * so that every tick and action row of it after the snapshot is re-applied */
	rc = mon_db_snapshot_load(m->db, &m->snap_seq, &blob, &blen);
	if (rc == 0) {
		if (mrt_snap_apply(m, blob, blen) < 0) {
			log_error("the alarm snapshot is not of this version");
			rc = ERR_INVALID;
		}
	} else if (rc == ERR_NOT_FOUND) {
		m->snap_seq = 0;
		rc = 0;
	}
	free(blob);
	if (rc < 0)
		goto fail;
	rc = mon_db_soe_ops_after(m->db, m->snap_seq, mrt_op_collect, m);
	if (rc < 0)
		goto fail;
	store_config_defaults(&sc);
	sc.db_path = cfg->db_path;
	sc.wal_dir = m->wal_dir;
	sc.retention_raw_days = cfg->retention_raw_days;
	sc.retention_minute_days = cfg->retention_minute_days;
	sc.on_replay = mrt_on_replay;
	sc.on_replay_ctx = m;
	rc = store_open(&sc, &m->store);
	if (rc < 0)
		goto fail;
	mrt_ops_until(m, UINT64_MAX);
	for (size_t i = 0; i < m->nops; i++)
		free(m->ops_action[i]);
	free(m->ops);
	free(m->ops_action);
	m->ops = NULL;
	m->ops_action = NULL;
	m->nops = m->capops = m->opi = 0;
	rc = mon_db_last_subs(m->db, mrt_sub_fix, m);
	if (rc < 0)
		goto fail;
	store_stats_get(m->store, &ss);
	m->next_eval = (ss.last_seq > m->snap_seq ? ss.last_seq : m->snap_seq) + 1;
	m->last_checkpoint_ms = mrt_now(m);
	if (m->stats.replayed > 0)
		log_info("alarm state recovered: snapshot_seq=%" PRIu64 " replayed=%" PRIu64
			 " transitions=%" PRIu64,
			 m->snap_seq, m->stats.replayed, m->stats.transitions);
	m->live = live; /* not during recovery: nobody listens yet */
	if (cfg->tick_thread) {
		if (pthread_create(&m->tick, NULL, tick_main, m) != 0) {
			rc = ERR_INTERNAL;
			goto fail;
		}
		m->tick_running = true;
	}
	log_info("monitoring runtime open: points=%zu last_seq=%" PRIu64, m->npts,
		 m->next_eval - 1);
	*out = m;
	return 0;
fail:
	monitor_free(m); /* no checkpoint: nothing was evaluated by this open */
	return rc < 0 ? rc : ERR_INTERNAL;
}

static void monitor_free(struct monitor *m)
{
	store_close(m->store);
	db_close(m->db);
	db_close(m->dbq);
	for (size_t i = 0; i < m->npts; i++)
		mrt_point_free(m->pts[i]);
	for (size_t i = 0; i < m->nops; i++)
		free(m->ops_action[i]);
	free(m->ops);
	free(m->ops_action);
	free(m->pts);
	free(m->ids);
	for (size_t i = 0; i < m->npush; i++)
		free(m->push[i].dirty);
	free(m->push);
	mrt_smap_free(&m->tags);
	mrt_smap_free(&m->tag1);
	mrt_smap_free(&m->uscc);
	pthread_rwlock_destroy(&m->rw);
	pthread_cond_destroy(&m->ticket_cv);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->gate_cv);
	pthread_mutex_destroy(&m->gate_mu);
	pthread_mutex_destroy(&m->dbq_mu);
	pthread_cond_destroy(&m->stop_cv);
	pthread_mutex_destroy(&m->stop_mu);
	free(m->wal_dir);
	free(m);
}

void monitor_close(struct monitor *m)
{
	if (m == NULL)
		return;
	if (m->tick_running) {
		pthread_mutex_lock(&m->stop_mu);
		m->stop = true;
		pthread_cond_signal(&m->stop_cv);
		pthread_mutex_unlock(&m->stop_mu);
		pthread_join(m->tick, NULL);
		m->tick_running = false;
	}
	if (m->store && !m->failed && monitor_checkpoint(m) < 0)
		log_warn("no checkpoint at close: the next start replays the log");
	monitor_free(m);
}

/* ---- the gate ---- */

static void gate_enter(struct monitor *m)
{
	pthread_mutex_lock(&m->gate_mu);
	while (m->closing)
		pthread_cond_wait(&m->gate_cv, &m->gate_mu);
	m->inflight++;
	pthread_mutex_unlock(&m->gate_mu);
}

static void gate_leave(struct monitor *m)
{
	pthread_mutex_lock(&m->gate_mu);
	if (--m->inflight == 0)
		pthread_cond_broadcast(&m->gate_cv);
	pthread_mutex_unlock(&m->gate_mu);
}

static void gate_close(struct monitor *m)
{
	pthread_mutex_lock(&m->gate_mu);
	while (m->closing)
		pthread_cond_wait(&m->gate_cv, &m->gate_mu);
	m->closing = true;
	while (m->inflight > 0)
		pthread_cond_wait(&m->gate_cv, &m->gate_mu);
	pthread_mutex_unlock(&m->gate_mu);
}

static void gate_open(struct monitor *m)
{
	pthread_mutex_lock(&m->gate_mu);
	m->closing = false;
	pthread_cond_broadcast(&m->gate_cv);
	pthread_mutex_unlock(&m->gate_mu);
}

/* ---- ingest ---- */

static void set_failed(struct monitor *m, int rc)
{
	if (!m->failed) {
		m->failed = rc;
		log_error("monitoring runtime stops accepting readings (%s): restart to recover "
			  "from the log",
			  err_str(rc));
	}
	pthread_cond_broadcast(&m->ticket_cv);
}

int monitor_ingest(struct monitor *m, const monitor_reading *r, size_t n,
		   struct monitor_ingest_result *res)
{
	struct monitor_ingest_result local = { 0 };
	struct wal_reading *keep;
	struct batch b = { 0 };
	int64_t now;
	uint64_t first = 0;
	size_t k = 0, late = 0;
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	if (n == 0 || n > WAL_BATCH_MAX)
		return ERR_INVALID;
	now = mrt_now(m);
	keep = xmalloc(n * sizeof(*keep));
	pthread_rwlock_rdlock(&m->rw);
	for (size_t i = 0; i < n; i++) {
		if (mrt_point_get(m, r[i].point_id) == NULL) {
			res->unknown++;
			continue;
		}
		keep[k] = r[i];
		if (keep[k].source_ms > now + m->cfg.max_future_ms) {
			keep[k].source_ms = now; /* clock skew: the arrival time stands in */
			res->future++;
		}
		k++;
	}
	pthread_rwlock_unlock(&m->rw);
	if (k == 0) {
		pthread_mutex_lock(&m->mu);
		m->stats.unknown += res->unknown;
		m->stats.batches++;
		pthread_mutex_unlock(&m->mu);
		free(keep);
		return 0;
	}
	gate_enter(m);
	rc = m->failed ? m->failed : store_append(m->store, keep, k, &first);
	pthread_mutex_lock(&m->mu);
	if (rc < 0) {
		set_failed(m, rc);
		goto out;
	}
	/* the ticket: evaluation in arrival-seq order */
	while (m->next_eval != first && !m->failed)
		pthread_cond_wait(&m->ticket_cv, &m->mu);
	if (m->failed) {
		rc = m->failed;
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		mrt_eval_one(m, &keep[i], first + i, &b, &late);
	rc = mrt_batch_commit(m, &b);
	if (rc < 0) {
		set_failed(m, rc);
		goto out;
	}
	m->next_eval = first + k;
	pthread_cond_broadcast(&m->ticket_cv);
	mrt_batch_publish(m, &b, NULL);
	mrt_publish_values(m, now);
	res->seq_first = first;
	res->accepted = k;
	res->late = late;
	res->transitions = b.n;
	m->stats.readings += k;
	m->stats.batches++;
	m->stats.late += late;
	m->stats.unknown += res->unknown;
	m->stats.future += res->future;
out:
	pthread_mutex_unlock(&m->mu);
	gate_leave(m);
	free(b.r);
	free(keep);
	return rc;
}

/* ---- resolve ---- */

int monitor_resolve(struct monitor *m, int64_t enterprise_id, const char *tag, size_t tag_len,
		    int64_t *point_id)
{
	int rc;

	pthread_rwlock_rdlock(&m->rw);
	rc = monitor_resolve_held(m, enterprise_id, tag, tag_len, point_id);
	pthread_rwlock_unlock(&m->rw);
	return rc;
}

void monitor_resolve_hold(struct monitor *m)
{
	pthread_rwlock_rdlock(&m->rw);
}

void monitor_resolve_release(struct monitor *m)
{
	pthread_rwlock_unlock(&m->rw);
}

int monitor_resolve_held(struct monitor *m, int64_t enterprise_id, const char *tag, size_t tag_len,
			 int64_t *point_id)
{
	struct snode *e;
	int rc = ERR_NOT_FOUND;

	if (enterprise_id == 0) {
		e = mrt_smap_find(&m->tag1, tag, tag_len);
		if (e && e->count > 1)
			rc = ERR_CONFLICT;
		else if (e)
			*point_id = e->val, rc = 0;
	} else {
		char k[600];
		size_t n = mrt_ent_tag_key(k, sizeof(k), enterprise_id, tag, tag_len);

		e = n ? mrt_smap_find(&m->tags, k, n) : NULL;
		if (e)
			*point_id = e->val, rc = 0;
	}
	return rc;
}

int monitor_resolve_enterprise(struct monitor *m, const char *credit_code, size_t len,
			       int64_t *enterprise_id)
{
	struct snode *e;
	char buf[64];
	int rc;

	if (len == 0 || len >= sizeof(buf))
		return ERR_NOT_FOUND;
	pthread_rwlock_rdlock(&m->rw);
	e = mrt_smap_find(&m->uscc, credit_code, len);
	if (e)
		*enterprise_id = e->val;
	pthread_rwlock_unlock(&m->rw);
	if (e)
		return 0;
	/* an enterprise without active points: its readings are all unknown, but it exists */
	memcpy(buf, credit_code, len);
	buf[len] = '\0';
	pthread_mutex_lock(&m->dbq_mu);
	rc = mon_db_enterprise_by_uscc(m->dbq, buf, enterprise_id);
	pthread_mutex_unlock(&m->dbq_mu);
	return rc;
}

/* ---- actions ---- */

static const char *const action_names[] = {
	[MONITOR_ACK] = "acknowledge",
	[MONITOR_SHELVE] = "shelve",
	[MONITOR_UNSHELVE] = "unshelve",
	[MONITOR_SUPPRESS] = "suppress",
	[MONITOR_UNSUPPRESS] = "unsuppress",
	[MONITOR_OUT_OF_SERVICE] = "out_of_service",
	[MONITOR_RETURN_TO_SERVICE] = "return_to_service",
};

const char *monitor_action_name(enum monitor_action a)
{
	return (unsigned)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "?";
}

int monitor_action_parse(const char *s, enum monitor_action *out)
{
	if (s == NULL)
		return ERR_INVALID;
	for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(s, action_names[i]) == 0) {
			*out = (enum monitor_action)i;
			return 0;
		}
	return ERR_INVALID;
}

int monitor_action(struct monitor *m, int64_t point_id, enum monitor_action a, int64_t until_ms,
		   int64_t user_id, const char *comment, int64_t *soe_id)
{
	struct alarm_transition tr[ALARM_TRANSITIONS_MAX];
	struct alarm_point before;
	struct batch b = { 0 };
	struct mpoint *p;
	struct mon_soe s;
	char user[128] = "";
	uint64_t seq;
	int64_t now;
	int n, rc;

	if (soe_id)
		*soe_id = 0;
	pthread_mutex_lock(&m->mu);
	p = mrt_point_get(m, point_id);
	if (p == NULL) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	now = mrt_now(m);
	seq = m->next_eval - 1;
	before = p->p;
	switch (a) {
	case MONITOR_ACK:
		n = alarm_acknowledge(&p->cfg, &p->p, now, seq, tr);
		break;
	case MONITOR_SHELVE:
		n = alarm_shelve(&p->cfg, &p->p, now, seq, until_ms, tr);
		break;
	case MONITOR_UNSHELVE:
		n = alarm_unshelve(&p->cfg, &p->p, now, seq, tr);
		break;
	case MONITOR_SUPPRESS:
		n = alarm_suppress(&p->cfg, &p->p, now, seq, tr);
		break;
	case MONITOR_UNSUPPRESS:
		n = alarm_unsuppress(&p->cfg, &p->p, now, seq, tr);
		break;
	case MONITOR_OUT_OF_SERVICE:
		n = alarm_out_of_service(&p->cfg, &p->p, now, seq, tr);
		break;
	case MONITOR_RETURN_TO_SERVICE:
		n = alarm_return_to_service(&p->cfg, &p->p, now, seq, tr);
		break;
	default:
		n = ERR_INVALID;
	}
	if (n < 0) {
		rc = n;
		goto out;
	}
	if (n == 0) { /* the engine changed nothing it records: nothing to write */
		rc = ERR_CONFLICT;
		goto out;
	}
	{
		uint64_t save_seq = p->sub_seq;
		int64_t save_sub = p->sub;

		mrt_soe_from(&s, &tr[0], p, mrt_next_sub(p, seq), "action");
		s.action = monitor_action_name(a);
		s.until_ms = a == MONITOR_SHELVE ? until_ms : 0;
		s.user_id = user_id;
		s.comment = comment;
		mrt_batch_add(&b, &s, p);
		rc = mrt_batch_commit(m, &b);
		if (rc < 0) {
			p->p = before;
			p->sub_seq = save_seq;
			p->sub = save_sub;
			goto out;
		}
	}
	p->since_ms = now;
	if (soe_id)
		*soe_id = b.r[0].id;
	if (m->live && user_id)
		mon_db_user_name(m->db, user_id, user, sizeof(user));
	mrt_batch_publish(m, &b, user);
	rc = 0;
out:
	pthread_mutex_unlock(&m->mu);
	free(b.r);
	return rc;
}

/* ---- configuration changes ---- */

struct reload {
	struct monitor *m;
	bool found;
};

static int reload_row(void *ctx, const struct mon_point_row *r)
{
	struct reload *x = ctx;
	struct monitor *m = x->m;
	struct mpoint *p = mrt_point_get(m, r->id);

	if (!mrt_cfg_ok(r))
		return 0; /* invalid now: dropped from the cache below */
	x->found = true;
	if (p == NULL) {
		mrt_point_insert(m, mrt_point_new(r, mrt_now(m)));
		/* activated again: its next SOE key follows its earlier rows (a key taken twice
		 * would be dropped by the SOE's ON CONFLICT DO NOTHING) */
		return mon_db_last_sub_of(m->db, r->id, mrt_sub_fix, m);
	}
	/* same point: keep the alarm state, take the new configuration and names */
	mrt_keys_del(m, p);
	if (p->enterprise_id != r->enterprise_id) {
		mrt_dirty_del(m, p);
		p->push_idx = 0;
	}
	free(p->tag);
	free(p->name);
	free(p->ent_name);
	free(p->uscc);
	p->tag = xstrdup(r->tag ? r->tag : "");
	p->name = xstrdup(r->name ? r->name : "");
	p->ent_name = xstrdup(r->enterprise_name ? r->enterprise_name : "");
	p->uscc = xstrdup(r->uscc ? r->uscc : "");
	p->enterprise_id = r->enterprise_id;
	p->cfg = r->cfg;
	mrt_keys_add(m, p);
	return 0;
}

int monitor_point_changed(struct monitor *m, int64_t point_id)
{
	struct reload x = { .m = m };
	int rc;

	gate_close(m);
	pthread_mutex_lock(&m->mu);
	pthread_rwlock_wrlock(&m->rw);
	rc = mon_db_points(m->db, point_id, reload_row, &x);
	if (rc == 0 && !x.found) {
		struct mpoint *p = mrt_point_get(m, point_id);

		if (p)
			mrt_point_remove(m, p);
	}
	pthread_rwlock_unlock(&m->rw);
	/* the change is a boundary of recovery: readings before it were evaluated with the
	 * old configuration, those after with the new one */
	if (rc == 0 && !m->failed)
		rc = mrt_snapshot_save(m);
	pthread_mutex_unlock(&m->mu);
	gate_open(m);
	return rc < 0 ? ERR_DB : 0;
}

/* ---- live view, ticks, checkpoints, counters ---- */

int monitor_live_get(struct monitor *m, int64_t point_id, struct monitor_live *out)
{
	struct mpoint *p;
	int rc = ERR_NOT_FOUND;

	pthread_mutex_lock(&m->mu);
	p = mrt_point_get(m, point_id);
	if (p) {
		*out = (struct monitor_live){ .point_id = p->id,
					      .enterprise_id = p->enterprise_id,
					      .last_ms = p->p.last_ms,
					      .last_value = p->p.last_value,
					      .state = p->p.state,
					      .cond = p->p.cond,
					      .shelve_until_ms = p->p.state == ALARM_STATE_SHELVED
									 ? p->p.shelve_until_ms
									 : 0,
					      .since_ms = p->since_ms,
					      .late = p->p.late };
		rc = 0;
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

struct store *monitor_store(struct monitor *m)
{
	return m->store;
}

int monitor_tick(struct monitor *m)
{
	struct batch b = { 0 };
	int64_t now;
	uint64_t seq;
	int rc;

	pthread_mutex_lock(&m->mu);
	if (m->failed) {
		rc = m->failed;
		pthread_mutex_unlock(&m->mu);
		return rc;
	}
	now = mrt_now(m);
	seq = m->next_eval - 1;
	for (size_t i = 0; i < m->npts; i++) {
		struct mpoint *p = m->pts[i];
		struct alarm_transition tr[ALARM_TRANSITIONS_MAX];
		int n = alarm_tick(&p->cfg, &p->p, now, seq, tr);

		for (int j = 0; j < n; j++) {
			struct mon_soe s;

			mrt_soe_from(&s, &tr[j], p, mrt_next_sub(p, seq), "tick");
			mrt_batch_add(&b, &s, p);
			p->since_ms = now;
		}
	}
	rc = mrt_batch_commit(m, &b);
	if (rc < 0)
		set_failed(m, rc); /* the states moved on without their rows: recover */
	else
		mrt_batch_publish(m, &b, NULL);
	mrt_publish_values(m, now);
	pthread_mutex_unlock(&m->mu);
	free(b.r);
	if (rc == 0)
		rc = store_tick(m->store, now_ms());
	return rc;
}

int monitor_checkpoint(struct monitor *m)
{
	int rc;

	gate_close(m);
	pthread_mutex_lock(&m->mu);
	rc = m->failed;
	/* the snapshot first: a crash before the store's checkpoint only replays more */
	if (rc == 0)
		rc = mrt_snapshot_save(m);
	if (rc == 0)
		rc = store_checkpoint(m->store);
	if (rc == 0)
		m->last_checkpoint_ms = mrt_now(m);
	pthread_mutex_unlock(&m->mu);
	gate_open(m);
	return rc;
}

static void *tick_main(void *arg)
{
	struct monitor *m = arg;
	int64_t last_retention = INT64_MIN;

	pthread_mutex_lock(&m->stop_mu);
	while (!m->stop) {
		struct timespec ts;
		int64_t now;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&m->stop_cv, &m->stop_mu, &ts);
		if (m->stop)
			break;
		pthread_mutex_unlock(&m->stop_mu);
		if (monitor_tick(m) < 0)
			log_warn("monitoring tick failed");
		now = mrt_now(m);
		if (now - m->last_checkpoint_ms >= (int64_t)m->cfg.checkpoint_s * 1000 &&
		    monitor_checkpoint(m) < 0)
			log_warn("monitoring checkpoint failed");
		if (last_retention == INT64_MIN || now - last_retention >= 3600 * 1000LL) {
			last_retention = now;
			if (store_retention(m->store, now, NULL, NULL) < 0)
				log_warn("readings retention failed");
		}
		pthread_mutex_lock(&m->stop_mu);
	}
	pthread_mutex_unlock(&m->stop_mu);
	return NULL;
}

void monitor_stats_get(struct monitor *m, struct monitor_stats *out)
{
	pthread_mutex_lock(&m->mu);
	*out = m->stats;
	out->points = m->npts;
	pthread_mutex_unlock(&m->mu);
}

void monitor_count_bad_payload(struct monitor *m)
{
	pthread_mutex_lock(&m->mu);
	m->stats.bad_payloads++;
	pthread_mutex_unlock(&m->mu);
}

void monitor_gauges(struct monitor *m, struct buf *out)
{
	static const char *const names[] = {
		"readings", "batches",	    "late",	   "unknown",
		"future",   "bad_payloads", "transitions", "replayed"
	};
	static const char *const help[] = {
		"Readings stored by the monitoring runtime.",
		"Batches ingested (monitor_ingest calls that succeeded).",
		"Readings older than their point's latest: stored, not evaluated.",
		"Readings of points not in the cache: dropped.",
		"Readings whose source time was ahead of arrival by more than "
		"monitor.max_future_ms: clamped.",
		"Payloads an ingestion path could not decode.",
		"SOE rows written (alarm transitions).",
		"Log readings re-evaluated at start (recovery).",
	};
	struct monitor_stats s;
	uint64_t v[8];

	if (m == NULL)
		return;
	monitor_stats_get(m, &s);
	v[0] = s.readings;
	v[1] = s.batches;
	v[2] = s.late;
	v[3] = s.unknown;
	v[4] = s.future;
	v[5] = s.bad_payloads;
	v[6] = s.transitions;
	v[7] = s.replayed;
	for (size_t i = 0; i < 8; i++)
		buf_addf(out,
			 "# HELP anjian_monitor_%s_total %s\n# TYPE anjian_monitor_%s_total "
			 "counter\nanjian_monitor_%s_total %" PRIu64 "\n",
			 names[i], help[i], names[i], names[i], v[i]);
	buf_addf(out,
		 "# HELP anjian_monitor_points Active monitoring points in the runtime's cache.\n"
		 "# TYPE anjian_monitor_points gauge\nanjian_monitor_points %zu\n",
		 s.points);
}
