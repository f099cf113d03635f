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
#include "core/banned.h"

#define LOG_MODULE "monitor"

/*
 * The hub's implementation (live.c) is branch mon-live's. Until it is linked in, nothing
 * gives monitor_open() a hub, and this weak reference stays unresolved (NULL).
 */
void live_publish(struct live_hub *h, int64_t enterprise_id, const char *name, const char *data,
		  size_t len) __attribute__((weak));

struct mpoint;
static void publish(struct monitor *m, int64_t ent, const char *name, const char *txt);
static void dirty_del(struct monitor *m, struct mpoint *p);

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

static int64_t clock_now(const struct monitor *m)
{
	return m->cfg.now_ms ? m->cfg.now_ms(m->cfg.now_ctx) : now_ms();
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static struct snode *smap_find(const struct smap *m, const char *k, size_t n)
{
	uint64_t h;

	if (m->nb == 0)
		return NULL;
	h = hash_bytes(k, n);
	for (struct snode *e = m->b[h % m->nb]; e; e = e->next)
		if (e->h == h && e->len == n && memcmp(e->key, k, n) == 0)
			return e;
	return NULL;
}

static void smap_grow(struct smap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64;
	struct snode **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < m->nb; i++)
		for (struct snode *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			e->next = b[e->h % nb];
			b[e->h % nb] = e;
		}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

/* Adds one holder of k: a new key gets val, an existing one counts one more. */
static void smap_add(struct smap *m, const char *k, size_t n, int64_t val)
{
	struct snode *e = smap_find(m, k, n);

	if (e) {
		e->count++;
		return;
	}
	if (m->n + 1 > m->nb)
		smap_grow(m);
	e = xmalloc(sizeof(*e) + n + 1);
	e->h = hash_bytes(k, n);
	e->val = val;
	e->count = 1;
	e->len = n;
	memcpy(e->key, k, n);
	e->key[n] = '\0';
	e->next = m->b[e->h % m->nb];
	m->b[e->h % m->nb] = e;
	m->n++;
}

/* Removes one holder of k; returns the node when holders remain, else NULL. */
static struct snode *smap_del(struct smap *m, const char *k, size_t n)
{
	uint64_t h;
	struct snode **pp;

	if (m->nb == 0)
		return NULL;
	h = hash_bytes(k, n);
	for (pp = &m->b[h % m->nb]; *pp; pp = &(*pp)->next) {
		struct snode *e = *pp;

		if (e->h == h && e->len == n && memcmp(e->key, k, n) == 0) {
			if (--e->count > 0)
				return e;
			*pp = e->next;
			free(e);
			m->n--;
			return NULL;
		}
	}
	return NULL;
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct snode *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			free(e);
		}
	free(m->b);
	memset(m, 0, sizeof(*m));
}

static size_t ent_tag_key(char *out, size_t cap, int64_t ent, const char *tag, size_t len)
{
	/* "<ent>:<tag>", the decimal written by hand: this runs once per decoded reading */
	char d[24];
	size_t nd = 0, k = 0;
	uint64_t u = ent < 0 ? (uint64_t)0 - (uint64_t)ent : (uint64_t)ent;

	do {
		d[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if ((ent < 0 ? 1 : 0) + nd + 1 + len >= cap)
		return 0;
	if (ent < 0)
		out[k++] = '-';
	while (nd)
		out[k++] = d[--nd];
	out[k++] = ':';
	memcpy(out + k, tag, len);
	out[k + len] = '\0';
	return k + len;
}

static struct mpoint *point_get(const struct monitor *m, int64_t id)
{
	if (m->nids == 0)
		return NULL;
	for (struct mpoint *p = m->ids[(uint64_t)id % m->nids]; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static void ids_grow(struct monitor *m)
{
	size_t nb = m->nids ? m->nids * 2 : 256;
	struct mpoint **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < m->nids; i++)
		for (struct mpoint *p = m->ids[i], *nx; p; p = nx) {
			nx = p->next;
			p->next = b[(uint64_t)p->id % nb];
			b[(uint64_t)p->id % nb] = p;
		}
	free(m->ids);
	m->ids = b;
	m->nids = nb;
}

/* Registers the resolve keys of p (rw write-locked). */
static void keys_add(struct monitor *m, struct mpoint *p)
{
	char k[600];
	size_t n = ent_tag_key(k, sizeof(k), p->enterprise_id, p->tag, strlen(p->tag));

	if (n)
		smap_add(&m->tags, k, n, p->id);
	smap_add(&m->tag1, p->tag, strlen(p->tag), p->id);
	smap_add(&m->uscc, p->uscc, strlen(p->uscc), p->enterprise_id);
}

static void keys_del(struct monitor *m, struct mpoint *p)
{
	char k[600];
	size_t n = ent_tag_key(k, sizeof(k), p->enterprise_id, p->tag, strlen(p->tag));
	struct snode *left;

	if (n)
		smap_del(&m->tags, k, n);
	left = smap_del(&m->tag1, p->tag, strlen(p->tag));
	if (left && left->count == 1) /* the tag is unique again: find its remaining holder */
		for (size_t i = 0; i < m->npts; i++)
			if (m->pts[i] != p && strcmp(m->pts[i]->tag, p->tag) == 0)
				left->val = m->pts[i]->id;
	smap_del(&m->uscc, p->uscc, strlen(p->uscc));
}

static void point_free(struct mpoint *p)
{
	if (p == NULL)
		return;
	free(p->tag);
	free(p->name);
	free(p->ent_name);
	free(p->uscc);
	free(p);
}

/* Inserts p into the cache (mu held; rw write-locked by the caller when running). */
static void point_insert(struct monitor *m, struct mpoint *p)
{
	if (m->npts + 1 > m->nids)
		ids_grow(m);
	p->next = m->ids[(uint64_t)p->id % m->nids];
	m->ids[(uint64_t)p->id % m->nids] = p;
	if (m->npts == m->cappts) {
		m->cappts = m->cappts ? m->cappts * 2 : 256;
		m->pts = xrealloc(m->pts, m->cappts * sizeof(*m->pts));
	}
	p->idx = m->npts;
	m->pts[m->npts++] = p;
	keys_add(m, p);
	m->stats.points = m->npts;
}

static void point_remove(struct monitor *m, struct mpoint *p)
{
	struct mpoint **pp = &m->ids[(uint64_t)p->id % m->nids];

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	keys_del(m, p);
	dirty_del(m, p);
	m->pts[p->idx] = m->pts[m->npts - 1];
	m->pts[p->idx]->idx = p->idx;
	m->npts--;
	m->stats.points = m->npts;
	point_free(p);
}

/* A new cache entry from a row whose configuration passed alarm_cfg_check. */
static struct mpoint *point_new(const struct mon_point_row *r, int64_t now)
{
	struct mpoint *p = xcalloc(1, sizeof(*p));

	p->id = r->id;
	p->enterprise_id = r->enterprise_id;
	p->tag = xstrdup(r->tag ? r->tag : "");
	p->name = xstrdup(r->name ? r->name : "");
	p->ent_name = xstrdup(r->enterprise_name ? r->enterprise_name : "");
	p->uscc = xstrdup(r->uscc ? r->uscc : "");
	p->cfg = r->cfg;
	alarm_point_init(&p->p, now);
	p->since_ms = INT64_MIN;
	return p;
}

static int cfg_ok(const struct mon_point_row *r)
{
	struct errmsg why = { 0 };

	if (alarm_cfg_check(&r->cfg, &why) < 0) {
		log_warn("monitoring point %" PRId64 " (%s) skipped: invalid alarm configuration: "
			 "%s %s",
			 r->id, r->tag ? r->tag : "", why.field, why.text);
		return 0;
	}
	return 1;
}

static int load_row(void *ctx, const struct mon_point_row *r)
{
	struct monitor *m = ctx;

	if (cfg_ok(r))
		point_insert(m, point_new(r, clock_now(m)));
	return 0;
}

/* ---- SOE rows and live events ---- */

struct pending {
	struct mon_soe s;
	struct mpoint *p;
	int64_t id;
};

struct batch {
	struct pending *r;
	size_t n, cap;
};

static void batch_add(struct batch *b, const struct mon_soe *s, struct mpoint *p)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->r = xrealloc(b->r, b->cap * sizeof(*b->r));
	}
	b->r[b->n++] = (struct pending){ .s = *s, .p = p };
}

static void soe_from(struct mon_soe *s, const struct alarm_transition *t, const struct mpoint *p,
		     int64_t sub, const char *cause)
{
	memset(s, 0, sizeof(*s));
	s->point_id = t->point_id;
	s->enterprise_id = p->enterprise_id;
	s->source_ms = t->source_ms;
	s->seq = t->seq;
	s->sub = sub;
	s->value = t->value;
	s->from_state = t->from_state;
	s->to_state = t->to_state;
	s->from_cond = t->from_cond;
	s->to_cond = t->to_cond;
	s->cause = cause;
}

/* The SOE key of a tick or action transition of p: the last evaluated seq, the next sub. */
static int64_t next_sub(struct mpoint *p, uint64_t seq)
{
	if (p->sub_seq != seq) {
		p->sub_seq = seq;
		p->sub = 0;
	}
	return ++p->sub;
}

/* Writes b's rows in one transaction (mu held). Returns 0 or ERR_DB. */
static int batch_commit(struct monitor *m, struct batch *b)
{
	int64_t now = clock_now(m);
	int rc;

	if (b->n == 0)
		return 0;
	rc = db_begin(m->db);
	for (size_t i = 0; i < b->n && rc == 0; i++)
		rc = mon_db_soe_insert(m->db, &b->r[i].s, now, &b->r[i].id);
	rc = db_finish(m->db, rc);
	if (rc < 0) {
		for (size_t i = 0; i < b->n; i++)
			b->r[i].id = 0;
		log_error("cannot write %zu SOE rows: %s", b->n, err_str(rc));
		return ERR_DB;
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->r[i].id != 0) /* not there already (recovery) */
			m->stats.transitions++;
	return 0;
}

static void publish(struct monitor *m, int64_t ent, const char *name, const char *txt)
{
	if (m->live != NULL && live_publish != NULL)
		live_publish(m->live, ent, name, txt, strlen(txt));
}

static json_t *json_ms_or_null(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

/* The SOE row as GET /api/v1/monitor/soe shows it (docs/api.md), for the "alarm" event. */
static void publish_alarm(struct monitor *m, const struct pending *r, const char *user_name)
{
	const struct mon_soe *s = &r->s;
	json_t *o;
	char *txt;

	if (m->live == NULL || r->id == 0)
		return;
	o = json_object();
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "point_id", json_integer(s->point_id));
	json_object_set_new(o, "tag", json_string(r->p->tag));
	json_object_set_new(o, "point_name", json_string(r->p->name));
	json_object_set_new(o, "enterprise_id", json_integer(s->enterprise_id));
	json_object_set_new(o, "enterprise_name", json_string(r->p->ent_name));
	json_object_set_new(o, "source_ms", json_integer(s->source_ms));
	json_object_set_new(o, "seq", json_integer((json_int_t)s->seq));
	json_object_set_new(o, "sub", json_integer(s->sub));
	json_object_set_new(o, "value", isfinite(s->value) ? json_real(s->value) : json_null());
	json_object_set_new(o, "from_state", json_string(alarm_state_name(s->from_state)));
	json_object_set_new(o, "to_state", json_string(alarm_state_name(s->to_state)));
	json_object_set_new(o, "from_cond", json_string(alarm_cond_name(s->from_cond)));
	json_object_set_new(o, "to_cond", json_string(alarm_cond_name(s->to_cond)));
	json_object_set_new(o, "cause", json_string(s->cause));
	json_object_set_new(o, "action", s->action ? json_string(s->action) : json_null());
	json_object_set_new(o, "until_ms", json_ms_or_null(s->until_ms));
	json_object_set_new(o, "user_name",
			    user_name && user_name[0] ? json_string(user_name) : json_null());
	json_object_set_new(o, "comment",
			    s->comment && s->comment[0] ? json_string(s->comment) : json_null());
	json_object_set_new(o, "hazard_id", json_null());
	txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (txt) {
		publish(m, s->enterprise_id, "alarm", txt);
		free(txt);
	}
}

static void batch_publish(struct monitor *m, const struct batch *b, const char *user_name)
{
	for (size_t i = 0; i < b->n; i++)
		publish_alarm(m, &b->r[i], user_name);
}

static size_t push_index(struct monitor *m, int64_t ent)
{
	for (size_t i = 0; i < m->npush; i++)
		if (m->push[i].enterprise_id == ent)
			return i;
	if (m->npush == m->cappush) {
		m->cappush = m->cappush ? m->cappush * 2 : 16;
		m->push = xrealloc(m->push, m->cappush * sizeof(*m->push));
	}
	m->push[m->npush] = (struct ent_push){ .enterprise_id = ent, .last_push_ms = INT64_MIN };
	return m->npush++;
}

/* Puts p in its enterprise's list of points to push (mu held; only with a hub). */
static void mark_dirty(struct monitor *m, struct mpoint *p)
{
	struct ent_push *e;

	if (m->live == NULL || p->value_dirty)
		return;
	if (p->push_idx == 0)
		p->push_idx = push_index(m, p->enterprise_id) + 1;
	e = &m->push[p->push_idx - 1];
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->dirty = xrealloc(e->dirty, e->cap * sizeof(*e->dirty));
	}
	e->dirty[e->n++] = p;
	p->value_dirty = true;
}

/* Takes p out of its push list (before it is freed or changes enterprise). */
static void dirty_del(struct monitor *m, struct mpoint *p)
{
	struct ent_push *e;

	if (!p->value_dirty)
		return;
	e = &m->push[p->push_idx - 1];
	for (size_t i = 0; i < e->n; i++)
		if (e->dirty[i] == p) {
			e->dirty[i] = e->dirty[--e->n];
			break;
		}
	p->value_dirty = false;
}

/*
 * The "values" events (mu held): for each enterprise with points read since its last push,
 * when that push is at least value_push_ms ago, one event with those points' latest
 * values, state and condition. O(enterprises) when nothing is due.
 */
static void publish_values(struct monitor *m, int64_t now)
{
	if (m->live == NULL)
		return;
	for (size_t i = 0; i < m->npush; i++) {
		struct ent_push *e = &m->push[i];
		json_t *o, *arr;
		char *txt;

		if (e->n == 0 ||
		    (e->last_push_ms != INT64_MIN && now - e->last_push_ms < m->cfg.value_push_ms))
			continue;
		e->last_push_ms = now;
		o = json_object();
		arr = json_array();
		json_object_set_new(o, "enterprise_id", json_integer(e->enterprise_id));
		for (size_t j = 0; j < e->n; j++) {
			struct mpoint *q = e->dirty[j];
			json_t *pt = json_object();

			q->value_dirty = false;
			json_object_set_new(pt, "id", json_integer(q->id));
			json_object_set_new(pt, "v",
					    isfinite(q->p.last_value) ? json_real(q->p.last_value)
								      : json_null());
			json_object_set_new(pt, "ts",
					    q->p.last_ms == INT64_MIN ? json_null()
								      : json_integer(q->p.last_ms));
			json_object_set_new(pt, "state", json_string(alarm_state_name(q->p.state)));
			json_object_set_new(pt, "cond", json_string(alarm_cond_name(q->p.cond)));
			json_array_append_new(arr, pt);
		}
		e->n = 0;
		json_object_set_new(o, "points", arr);
		txt = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (txt) {
			publish(m, e->enterprise_id, "values", txt);
			free(txt);
		}
	}
}

/* ---- evaluation ---- */

/* Evaluates one stored reading (mu held); transitions go to b. */
static void eval_one(struct monitor *m, const struct wal_reading *r, uint64_t seq, struct batch *b,
		     size_t *late)
{
	struct mpoint *p = point_get(m, r->point_id);
	struct alarm_transition tr[ALARM_TRANSITIONS_MAX];
	struct alarm_reading ar;
	bool is_late = false;
	int n;

	if (p == NULL)
		return; /* deleted or deactivated since it was stored */
	ar = (struct alarm_reading){
		.source_ms = r->source_ms, .seq = seq, .value = r->value, .quality = r->quality
	};
	n = alarm_eval(&p->cfg, &p->p, &ar, tr, &is_late);
	if (is_late) {
		(*late)++;
		return;
	}
	mark_dirty(m, p);
	for (int i = 0; i < n; i++) {
		struct mon_soe s;

		soe_from(&s, &tr[i], p, 0, "reading");
		batch_add(b, &s, p);
		p->since_ms = tr[i].source_ms;
		p->sub_seq = seq;
		p->sub = 0;
	}
}

/* ---- recovery ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t f64_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double bits_f64(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/*
 * Snapshot blob: u32 magic, u32 version, u64 count, then count records of 80 bytes: i64
 * point_id, last_ms, heard_ms, pending_since_ms, shelve_until_ms, f64 last_value, u8 state,
 * cond, pending, 0, u32 late, i64 since_ms, u64 sub_seq, i64 sub; little-endian.
 */
static uint8_t *snap_encode(const struct monitor *m, size_t *len)
{
	uint8_t *b = xmalloc(SNAP_HEADER + m->npts * SNAP_RECORD), *q;

	put_u32(b, SNAP_MAGIC);
	put_u32(b + 4, SNAP_VERSION);
	put_u64(b + 8, m->npts);
	q = b + SNAP_HEADER;
	for (size_t i = 0; i < m->npts; i++, q += SNAP_RECORD) {
		const struct mpoint *p = m->pts[i];

		put_u64(q, (uint64_t)p->id);
		put_u64(q + 8, (uint64_t)p->p.last_ms);
		put_u64(q + 16, (uint64_t)p->p.heard_ms);
		put_u64(q + 24, (uint64_t)p->p.pending_since_ms);
		put_u64(q + 32, (uint64_t)p->p.shelve_until_ms);
		put_u64(q + 40, f64_bits(p->p.last_value));
		q[48] = p->p.state;
		q[49] = p->p.cond;
		q[50] = p->p.pending;
		q[51] = 0;
		put_u32(q + 52, p->p.late);
		put_u64(q + 56, (uint64_t)p->since_ms);
		put_u64(q + 64, p->sub_seq);
		put_u64(q + 72, (uint64_t)p->sub);
	}
	*len = SNAP_HEADER + m->npts * SNAP_RECORD;
	return b;
}

/* Restores the cached points' state from a snapshot blob; points no longer cached are
 * ignored. Returns 0 or ERR_INVALID (not a snapshot of this version). */
static int snap_apply(struct monitor *m, const uint8_t *b, size_t len)
{
	uint64_t n;
	const uint8_t *q;

	if (len < SNAP_HEADER || get_u32(b) != SNAP_MAGIC || get_u32(b + 4) != SNAP_VERSION)
		return ERR_INVALID;
	n = get_u64(b + 8);
	if (n > (len - SNAP_HEADER) / SNAP_RECORD)
		return ERR_INVALID;
	q = b + SNAP_HEADER;
	for (uint64_t i = 0; i < n; i++, q += SNAP_RECORD) {
		struct mpoint *p = point_get(m, (int64_t)get_u64(q));

		if (p == NULL)
			continue;
		p->p.last_ms = (int64_t)get_u64(q + 8);
		p->p.heard_ms = (int64_t)get_u64(q + 16);
		p->p.pending_since_ms = (int64_t)get_u64(q + 24);
		p->p.shelve_until_ms = (int64_t)get_u64(q + 32);
		p->p.last_value = bits_f64(get_u64(q + 40));
		p->p.state = q[48] < ALARM_STATE_COUNT_ ? q[48] : ALARM_STATE_NORMAL;
		p->p.cond = q[49] < ALARM_COND_COUNT_ ? q[49] : ALARM_COND_NORMAL;
		p->p.pending = q[50] < ALARM_COND_COUNT_ ? q[50] : p->p.cond;
		p->p.late = get_u32(q + 52);
		p->since_ms = (int64_t)get_u64(q + 56);
		p->sub_seq = get_u64(q + 64);
		p->sub = (int64_t)get_u64(q + 72);
	}
	return 0;
}

/* Saves the snapshot at the last evaluated seq (mu held, gate closed). 0 or ERR_DB. */
static int snapshot_save(struct monitor *m)
{
	size_t len;
	uint8_t *b = snap_encode(m, &len);
	uint64_t seq = m->next_eval - 1;
	int rc;

	rc = db_begin(m->db);
	if (rc == 0)
		rc = mon_db_snapshot_save(m->db, seq, clock_now(m), b, len);
	rc = db_finish(m->db, rc);
	free(b);
	if (rc < 0)
		log_error("cannot save the alarm snapshot at seq %" PRIu64, seq);
	else
		m->snap_seq = seq;
	return rc < 0 ? ERR_DB : 0;
}

static int op_collect(void *ctx, const struct mon_soe *s)
{
	struct monitor *m = ctx;
	struct mpoint *p = point_get(m, s->point_id);

	/* rows at the snapshot's seq that the snapshot already holds */
	if (p && s->seq == m->snap_seq && p->sub_seq == s->seq && s->sub <= p->sub)
		return 0;
	if (m->nops == m->capops) {
		m->capops = m->capops ? m->capops * 2 : 64;
		m->ops = xrealloc(m->ops, m->capops * sizeof(*m->ops));
		m->ops_action = xrealloc(m->ops_action, m->capops * sizeof(*m->ops_action));
	}
	m->ops[m->nops] = *s;
	m->ops_action[m->nops] = s->action ? xstrdup(s->action) : NULL;
	m->ops[m->nops].action = m->ops_action[m->nops];
	m->ops[m->nops].cause = strcmp(s->cause, "tick") == 0 ? "tick" : "action";
	m->ops[m->nops].comment = NULL;
	m->nops++;
	return 0;
}

/* Re-applies one tick or action row of the SOE to its point's state (recovery). */
static void op_apply(struct monitor *m, const struct mon_soe *s)
{
	struct mpoint *p = point_get(m, s->point_id);
	struct alarm_transition tr[ALARM_TRANSITIONS_MAX];
	enum monitor_action a;
	int n = 0;

	if (p == NULL)
		return;
	if (p->sub_seq != s->seq || s->sub > p->sub) {
		p->sub_seq = s->seq;
		p->sub = s->sub;
	}
	p->since_ms = s->source_ms;
	if (strcmp(s->cause, "tick") == 0) {
		if (p->replay_skip > 0) {
			p->replay_skip--;
			return;
		}
		n = alarm_tick(&p->cfg, &p->p, s->source_ms, s->seq, tr);
		p->replay_skip = n > 1 ? n - 1 : 0;
	} else if (s->action && monitor_action_parse(s->action, &a) == 0) {
		switch (a) {
		case MONITOR_ACK:
			n = alarm_acknowledge(&p->cfg, &p->p, s->source_ms, s->seq, tr);
			break;
		case MONITOR_SHELVE:
			n = alarm_shelve(&p->cfg, &p->p, s->source_ms, s->seq, s->until_ms, tr);
			break;
		case MONITOR_UNSHELVE:
			n = alarm_unshelve(&p->cfg, &p->p, s->source_ms, s->seq, tr);
			break;
		case MONITOR_SUPPRESS:
			n = alarm_suppress(&p->cfg, &p->p, s->source_ms, s->seq, tr);
			break;
		case MONITOR_UNSUPPRESS:
			n = alarm_unsuppress(&p->cfg, &p->p, s->source_ms, s->seq, tr);
			break;
		case MONITOR_OUT_OF_SERVICE:
			n = alarm_out_of_service(&p->cfg, &p->p, s->source_ms, s->seq, tr);
			break;
		case MONITOR_RETURN_TO_SERVICE:
			n = alarm_return_to_service(&p->cfg, &p->p, s->source_ms, s->seq, tr);
			break;
		}
	}
	if (n <= 0 || tr[0].to_state != s->to_state || tr[0].to_cond != s->to_cond) {
		/* the configuration changed since (monitor_point_changed saves a snapshot, so
		 * only a crash in between gets here): the SOE is the record, follow it */
		log_warn("recovery: point %" PRId64 " SOE row (seq %" PRIu64 ", sub %" PRId64
			 ") not reproduced: state set from the row",
			 p->id, s->seq, s->sub);
		p->p.state = s->to_state;
		p->p.cond = s->to_cond;
		p->p.pending = s->to_cond;
		p->replay_skip = 0;
	}
}

/* Applies the collected ops with seq < before (recovery). */
static void ops_until(struct monitor *m, uint64_t before)
{
	while (m->opi < m->nops && m->ops[m->opi].seq < before)
		op_apply(m, &m->ops[m->opi++]);
}

/* store_config.on_replay: re-evaluates a replayed log record after the snapshot. */
static int on_replay(void *ctx, uint64_t seq_first, const struct wal_reading *r, size_t n)
{
	struct monitor *m = ctx;
	struct batch b = { 0 };
	size_t late = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		uint64_t seq = seq_first + i;

		if (seq <= m->snap_seq)
			continue;
		ops_until(m, seq);
		eval_one(m, &r[i], seq, &b, &late);
		m->stats.replayed++;
	}
	rc = batch_commit(m, &b);
	free(b.r);
	return rc;
}

static int sub_fix(void *ctx, int64_t point_id, uint64_t seq, int64_t sub)
{
	struct mpoint *p = point_get(ctx, point_id);

	if (p && (seq > p->sub_seq || (seq == p->sub_seq && sub > p->sub))) {
		p->sub_seq = seq;
		p->sub = sub;
	}
	return 0;
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
	rc = mon_db_points(m->db, 0, load_row, m);
	if (rc < 0)
		goto fail;
	/* the snapshot's states and SOE keys; a point it lacks starts normal with key (0, 0),
	 * so that every tick and action row of it after the snapshot is re-applied */
	rc = mon_db_snapshot_load(m->db, &m->snap_seq, &blob, &blen);
	if (rc == 0) {
		if (snap_apply(m, blob, blen) < 0) {
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
	rc = mon_db_soe_ops_after(m->db, m->snap_seq, op_collect, m);
	if (rc < 0)
		goto fail;
	store_config_defaults(&sc);
	sc.db_path = cfg->db_path;
	sc.wal_dir = m->wal_dir;
	sc.retention_raw_days = cfg->retention_raw_days;
	sc.retention_minute_days = cfg->retention_minute_days;
	sc.on_replay = on_replay;
	sc.on_replay_ctx = m;
	rc = store_open(&sc, &m->store);
	if (rc < 0)
		goto fail;
	ops_until(m, UINT64_MAX);
	for (size_t i = 0; i < m->nops; i++)
		free(m->ops_action[i]);
	free(m->ops);
	free(m->ops_action);
	m->ops = NULL;
	m->ops_action = NULL;
	m->nops = m->capops = m->opi = 0;
	rc = mon_db_last_subs(m->db, sub_fix, m);
	if (rc < 0)
		goto fail;
	store_stats_get(m->store, &ss);
	m->next_eval = (ss.last_seq > m->snap_seq ? ss.last_seq : m->snap_seq) + 1;
	m->last_checkpoint_ms = clock_now(m);
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
		point_free(m->pts[i]);
	for (size_t i = 0; i < m->nops; i++)
		free(m->ops_action[i]);
	free(m->ops);
	free(m->ops_action);
	free(m->pts);
	free(m->ids);
	for (size_t i = 0; i < m->npush; i++)
		free(m->push[i].dirty);
	free(m->push);
	smap_free(&m->tags);
	smap_free(&m->tag1);
	smap_free(&m->uscc);
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
	now = clock_now(m);
	keep = xmalloc(n * sizeof(*keep));
	pthread_rwlock_rdlock(&m->rw);
	for (size_t i = 0; i < n; i++) {
		if (point_get(m, r[i].point_id) == NULL) {
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
		eval_one(m, &keep[i], first + i, &b, &late);
	rc = batch_commit(m, &b);
	if (rc < 0) {
		set_failed(m, rc);
		goto out;
	}
	m->next_eval = first + k;
	pthread_cond_broadcast(&m->ticket_cv);
	batch_publish(m, &b, NULL);
	publish_values(m, now);
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
		e = smap_find(&m->tag1, tag, tag_len);
		if (e && e->count > 1)
			rc = ERR_CONFLICT;
		else if (e)
			*point_id = e->val, rc = 0;
	} else {
		char k[600];
		size_t n = ent_tag_key(k, sizeof(k), enterprise_id, tag, tag_len);

		e = n ? smap_find(&m->tags, k, n) : NULL;
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
	e = smap_find(&m->uscc, credit_code, len);
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
	p = point_get(m, point_id);
	if (p == NULL) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	now = clock_now(m);
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

		soe_from(&s, &tr[0], p, next_sub(p, seq), "action");
		s.action = monitor_action_name(a);
		s.until_ms = a == MONITOR_SHELVE ? until_ms : 0;
		s.user_id = user_id;
		s.comment = comment;
		batch_add(&b, &s, p);
		rc = batch_commit(m, &b);
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
	batch_publish(m, &b, user);
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
	struct mpoint *p = point_get(m, r->id);

	if (!cfg_ok(r))
		return 0; /* invalid now: dropped from the cache below */
	x->found = true;
	if (p == NULL) {
		point_insert(m, point_new(r, clock_now(m)));
		/* activated again: its next SOE key follows its earlier rows (a key taken twice
		 * would be dropped by the SOE's ON CONFLICT DO NOTHING) */
		return mon_db_last_sub_of(m->db, r->id, sub_fix, m);
	}
	/* same point: keep the alarm state, take the new configuration and names */
	keys_del(m, p);
	if (p->enterprise_id != r->enterprise_id) {
		dirty_del(m, p);
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
	keys_add(m, p);
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
		struct mpoint *p = point_get(m, point_id);

		if (p)
			point_remove(m, p);
	}
	pthread_rwlock_unlock(&m->rw);
	/* the change is a boundary of recovery: readings before it were evaluated with the
	 * old configuration, those after with the new one */
	if (rc == 0 && !m->failed)
		rc = snapshot_save(m);
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
	p = point_get(m, point_id);
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
	now = clock_now(m);
	seq = m->next_eval - 1;
	for (size_t i = 0; i < m->npts; i++) {
		struct mpoint *p = m->pts[i];
		struct alarm_transition tr[ALARM_TRANSITIONS_MAX];
		int n = alarm_tick(&p->cfg, &p->p, now, seq, tr);

		for (int j = 0; j < n; j++) {
			struct mon_soe s;

			soe_from(&s, &tr[j], p, next_sub(p, seq), "tick");
			batch_add(&b, &s, p);
			p->since_ms = now;
		}
	}
	rc = batch_commit(m, &b);
	if (rc < 0)
		set_failed(m, rc); /* the states moved on without their rows: recover */
	else
		batch_publish(m, &b, NULL);
	publish_values(m, now);
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
		rc = snapshot_save(m);
	if (rc == 0)
		rc = store_checkpoint(m->store);
	if (rc == 0)
		m->last_checkpoint_ms = clock_now(m);
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
		now = clock_now(m);
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
