/* SPDX-License-Identifier: MIT */
/*
 * The monitoring runtime's alarm snapshot and recovery (monitor_int.h, docs/monitoring.md
 * "Runtime"): every point's alarm state saved with the store checkpoint; on open the log's
 * readings after it are re-evaluated, interleaved with the SOE's tick and action rows.
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
int mrt_snap_apply(struct monitor *m, const uint8_t *b, size_t len)
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
		struct mpoint *p = mrt_point_get(m, (int64_t)get_u64(q));

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
int mrt_snapshot_save(struct monitor *m)
{
	size_t len;
	uint8_t *b = snap_encode(m, &len);
	uint64_t seq = m->next_eval - 1;
	int rc;

	rc = db_begin(m->db);
	if (rc == 0)
		rc = mon_db_snapshot_save(m->db, seq, mrt_now(m), b, len);
	rc = db_finish(m->db, rc);
	free(b);
	if (rc < 0)
		log_error("cannot save the alarm snapshot at seq %" PRIu64, seq);
	else
		m->snap_seq = seq;
	return rc < 0 ? ERR_DB : 0;
}

int mrt_op_collect(void *ctx, const struct mon_soe *s)
{
	struct monitor *m = ctx;
	struct mpoint *p = mrt_point_get(m, s->point_id);

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
	struct mpoint *p = mrt_point_get(m, s->point_id);
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
void mrt_ops_until(struct monitor *m, uint64_t before)
{
	while (m->opi < m->nops && m->ops[m->opi].seq < before)
		op_apply(m, &m->ops[m->opi++]);
}

/* store_config.on_replay: re-evaluates a replayed log record after the snapshot. */
int mrt_on_replay(void *ctx, uint64_t seq_first, const struct wal_reading *r, size_t n)
{
	struct monitor *m = ctx;
	struct batch b = { 0 };
	size_t late = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		uint64_t seq = seq_first + i;

		if (seq <= m->snap_seq)
			continue;
		mrt_ops_until(m, seq);
		mrt_eval_one(m, &r[i], seq, &b, &late);
		m->stats.replayed++;
	}
	rc = mrt_batch_commit(m, &b);
	free(b.r);
	return rc;
}

int mrt_sub_fix(void *ctx, int64_t point_id, uint64_t seq, int64_t sub)
{
	struct mpoint *p = mrt_point_get(ctx, point_id);

	if (p && (seq > p->sub_seq || (seq == p->sub_seq && sub > p->sub))) {
		p->sub_seq = seq;
		p->sub = sub;
	}
	return 0;
}
