/* SPDX-License-Identifier: MIT */
/*
 * The monitoring runtime's SOE rows, live events and evaluation (monitor_int.h): the transitions of
 * a batch become SOE rows in one transaction and "alarm" events; latest values are pushed
 * as "values" events at most every value_push_ms per enterprise.
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

/* ---- SOE rows and live events ---- */

void mrt_batch_add(struct batch *b, const struct mon_soe *s, struct mpoint *p)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->r = xrealloc(b->r, b->cap * sizeof(*b->r));
	}
	b->r[b->n++] = (struct pending){ .s = *s, .p = p };
}

void mrt_soe_from(struct mon_soe *s, const struct alarm_transition *t, const struct mpoint *p,
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
int64_t mrt_next_sub(struct mpoint *p, uint64_t seq)
{
	if (p->sub_seq != seq) {
		p->sub_seq = seq;
		p->sub = 0;
	}
	return ++p->sub;
}

/* Writes b's rows in one transaction (mu held). Returns 0 or ERR_DB. */
int mrt_batch_commit(struct monitor *m, struct batch *b)
{
	int64_t now = mrt_now(m);
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

void mrt_batch_publish(struct monitor *m, const struct batch *b, const char *user_name)
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
void mrt_dirty_del(struct monitor *m, struct mpoint *p)
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
void mrt_publish_values(struct monitor *m, int64_t now)
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
void mrt_eval_one(struct monitor *m, const struct wal_reading *r, uint64_t seq, struct batch *b,
		  size_t *late)
{
	struct mpoint *p = mrt_point_get(m, r->point_id);
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

		mrt_soe_from(&s, &tr[i], p, 0, "reading");
		mrt_batch_add(b, &s, p);
		p->since_ms = tr[i].source_ms;
		p->sub_seq = seq;
		p->sub = 0;
	}
}
