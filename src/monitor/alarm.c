/* SPDX-License-Identifier: MIT */
/*
 * The alarm engine of one monitoring point: conditions from readings, ISA-18.2 states
 * from conditions and operator actions, SOE records for every change. Pure and
 * allocation-free (alarm.h says the rules; docs/monitoring.md gives their sources).
 * Not here: where readings come from, where transitions go.
 */
#include "monitor/alarm.h"

#include <math.h>

#include "core/err.h"
#include "core/banned.h"

/* ------------------------------------------------------------ condition algebra */

/* Severity: 0 normal, 1 first level, 2 second level, 3 diagnostic (fault, comms loss). */
static int cond_sev(uint8_t c)
{
	static const int8_t sev[ALARM_COND_COUNT_] = { 0, 1, 2, 1, 2, 3, 3 };

	return c < ALARM_COND_COUNT_ ? sev[c] : 3;
}

/* Direction: +1 high, -1 low, 0 otherwise. */
static int cond_dir(uint8_t c)
{
	static const int8_t dir[ALARM_COND_COUNT_] = { 0, 1, 1, -1, -1, 0, 0 };

	return c < ALARM_COND_COUNT_ ? dir[c] : 0;
}

enum change {
	CHANGE_RAISE = 0, /* new, more severe, other direction or diagnostic: annunciate */
	CHANGE_MILDER,	  /* a lower level of the same direction, still active */
	CHANGE_CLEAR,	  /* back to normal */
};

static enum change classify(uint8_t from, uint8_t to)
{
	if (to == ALARM_COND_NORMAL)
		return CHANGE_CLEAR;
	if (from != ALARM_COND_NORMAL && cond_dir(to) != 0 && cond_dir(to) == cond_dir(from) &&
	    cond_sev(to) < cond_sev(from))
		return CHANGE_MILDER;
	return CHANGE_RAISE;
}

/* The condition a reading shows, given the condition in force (for the deadband). */
static uint8_t reading_cond(const struct alarm_cfg *c, uint8_t cur, double v, uint8_t quality)
{
	double span = c->range_hi - c->range_lo;
	double db = c->deadband;

	if (quality == ALARM_QUALITY_BAD || !isfinite(v))
		return ALARM_COND_FAULT;
	if (v < c->range_lo - span * ALARM_MARGIN_LO || v > c->range_hi + span * ALARM_MARGIN_HI)
		return ALARM_COND_FAULT;
	/* NaN set points compare false: a disabled level never matches. */
	if (v >= c->high2 || (cur == ALARM_COND_HIGH2 && v >= c->high2 - db))
		return ALARM_COND_HIGH2;
	if (v >= c->high1 ||
	    ((cur == ALARM_COND_HIGH1 || cur == ALARM_COND_HIGH2) && v >= c->high1 - db))
		return ALARM_COND_HIGH1;
	if (v <= c->low2 || (cur == ALARM_COND_LOW2 && v <= c->low2 + db))
		return ALARM_COND_LOW2;
	if (v <= c->low1 ||
	    ((cur == ALARM_COND_LOW1 || cur == ALARM_COND_LOW2) && v <= c->low1 + db))
		return ALARM_COND_LOW1;
	return ALARM_COND_NORMAL;
}

/* ------------------------------------------------------------ transitions */

static int emit(const struct alarm_cfg *c, const struct alarm_point *p, int64_t t_ms, uint64_t seq,
		uint8_t from_state, uint8_t from_cond, struct alarm_transition *out)
{
	out->point_id = c->point_id;
	out->source_ms = t_ms;
	out->seq = seq;
	out->value = p->last_value;
	out->from_state = from_state;
	out->to_state = p->state;
	out->from_cond = from_cond;
	out->to_cond = p->cond;
	return 1;
}

/* Puts condition nc in force and moves the state as alarm_eval documents. */
static int apply_cond(const struct alarm_cfg *c, struct alarm_point *p, uint8_t nc, int64_t t_ms,
		      uint64_t seq, struct alarm_transition *out)
{
	uint8_t from_state = p->state, from_cond = p->cond;
	enum change ch = classify(p->cond, nc);

	p->cond = nc;
	p->pending = nc;
	switch (p->state) {
	case ALARM_STATE_NORMAL:
	case ALARM_STATE_UNACK:
	case ALARM_STATE_ACKED:
	case ALARM_STATE_RTN_UNACK:
		if (ch == CHANGE_RAISE)
			p->state = ALARM_STATE_UNACK;
		else if (ch == CHANGE_CLEAR)
			p->state = p->state == ALARM_STATE_UNACK ? ALARM_STATE_RTN_UNACK
								 : ALARM_STATE_NORMAL;
		break;
	default:
		break; /* shelved, suppressed: the condition is recorded, the state stays */
	}
	return emit(c, p, t_ms, seq, from_state, from_cond, out);
}

/* The state a point leaving shelving or suppression takes from its condition. */
static int to_derived_state(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms,
			    uint64_t seq, struct alarm_transition *out)
{
	uint8_t from_state = p->state;

	p->state = alarm_cond_active(p->cond) ? ALARM_STATE_UNACK : ALARM_STATE_NORMAL;
	return emit(c, p, now_ms, seq, from_state, p->cond, out);
}

/* ------------------------------------------------------------ public */

int alarm_cfg_check(const struct alarm_cfg *c, struct errmsg *m)
{
	double sp[4] = { c->low2, c->low1, c->high1, c->high2 };
	static const char *const sp_name[4] = { "low2", "low1", "high1", "high2" };
	double prev = -INFINITY;
	int prev_i = -1;

	if (c->kind >= ALARM_KIND_COUNT_)
		return errmsg_set(m, "kind", "unknown kind %u", (unsigned)c->kind);
	/* the span too: -1e308 .. 1e308 would make the fault band and the deadband bound
	 * infinite (no value a fault, any deadband "below the span") */
	if (!isfinite(c->range_lo) || !isfinite(c->range_hi) || !(c->range_lo < c->range_hi) ||
	    !isfinite(c->range_hi - c->range_lo))
		return errmsg_set(m, "range",
				  "must be finite with range_lo < range_hi, and so must "
				  "range_hi - range_lo");
	for (int i = 0; i < 4; i++) {
		if (isnan(sp[i]))
			continue;
		if (!isfinite(sp[i]))
			return errmsg_set(m, sp_name[i], "must be a finite number or unset");
		if (sp[i] < c->range_lo || sp[i] > c->range_hi)
			return errmsg_set(m, sp_name[i], "outside the range %g .. %g", c->range_lo,
					  c->range_hi);
		if (!(sp[i] > prev))
			return errmsg_set(m, sp_name[i], "must be above %s", sp_name[prev_i]);
		prev = sp[i];
		prev_i = i;
	}
	if (!isfinite(c->deadband) || c->deadband < 0 || !(c->deadband < c->range_hi - c->range_lo))
		return errmsg_set(m, "deadband", "must be >= 0 and below the span");
	switch (c->kind) {
	case ALARM_KIND_COMBUSTIBLE:
	case ALARM_KIND_TOXIC:
		if (isnan(c->high1))
			return errmsg_set(m, "high1", "a gas detector needs a first-level alarm");
		break;
	case ALARM_KIND_OXYGEN:
		if (isnan(c->low1))
			return errmsg_set(m, "low1", "an oxygen detector needs a lean alarm");
		if (isnan(c->high1))
			return errmsg_set(m, "high1", "an oxygen detector needs a rich alarm");
		break;
	default:
		break;
	}
	return 0;
}

void alarm_point_init(struct alarm_point *p, int64_t since_ms)
{
	p->last_ms = INT64_MIN;
	p->heard_ms = since_ms;
	p->pending_since_ms = 0;
	p->shelve_until_ms = 0;
	p->last_value = NAN;
	p->state = ALARM_STATE_NORMAL;
	p->cond = ALARM_COND_NORMAL;
	p->pending = ALARM_COND_NORMAL;
	p->pad_ = 0;
	p->late = 0;
}

int alarm_eval(const struct alarm_cfg *c, struct alarm_point *p, const struct alarm_reading *r,
	       struct alarm_transition *out, bool *late)
{
	int64_t t = r->source_ms;
	uint8_t want;
	uint32_t delay;

	if (t < p->last_ms) {
		p->late++;
		if (late)
			*late = true;
		return 0;
	}
	if (late)
		*late = false;
	p->last_ms = t;
	if (t > p->heard_ms)
		p->heard_ms = t;
	p->last_value = r->value;
	if (p->state == ALARM_STATE_OUT_OF_SERVICE)
		return 0;

	want = reading_cond(c, p->cond, r->value, r->quality);
	if (want == p->cond) {
		p->pending = p->cond;
		return 0;
	}
	if (want != p->pending) {
		/* A new wait, unless it continues the one under way in the same direction. */
		if (p->pending == p->cond || (classify(p->cond, p->pending) == CHANGE_RAISE) !=
						     (classify(p->cond, want) == CHANGE_RAISE))
			p->pending_since_ms = t;
		p->pending = want;
	}
	if (want == ALARM_COND_FAULT || p->cond == ALARM_COND_FAULT ||
	    p->cond == ALARM_COND_COMMS_LOSS)
		delay = 0;
	else if (classify(p->cond, want) == CHANGE_RAISE)
		delay = c->on_delay_ms;
	else
		delay = c->off_delay_ms;
	if (t - p->pending_since_ms < (int64_t)delay)
		return 0;
	return apply_cond(c, p, want, t, r->seq, out);
}

int alarm_tick(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
	       struct alarm_transition *out)
{
	int n = 0;

	if (p->state == ALARM_STATE_SHELVED && now_ms >= p->shelve_until_ms)
		n += to_derived_state(c, p, now_ms, seq, &out[n]);
	if (c->comms_timeout_ms > 0 && p->state != ALARM_STATE_OUT_OF_SERVICE &&
	    p->cond != ALARM_COND_COMMS_LOSS &&
	    now_ms - p->heard_ms >= (int64_t)c->comms_timeout_ms)
		n += apply_cond(c, p, ALARM_COND_COMMS_LOSS, now_ms, seq, &out[n]);
	return n;
}

int alarm_acknowledge(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms,
		      uint64_t seq, struct alarm_transition *out)
{
	uint8_t from = p->state;

	if (p->state == ALARM_STATE_UNACK)
		p->state = ALARM_STATE_ACKED;
	else if (p->state == ALARM_STATE_RTN_UNACK)
		p->state = ALARM_STATE_NORMAL;
	else
		return ERR_CONFLICT;
	return emit(c, p, now_ms, seq, from, p->cond, out);
}

int alarm_shelve(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		 int64_t until_ms, struct alarm_transition *out)
{
	uint8_t from = p->state;

	if (from != ALARM_STATE_NORMAL && from != ALARM_STATE_UNACK && from != ALARM_STATE_ACKED &&
	    from != ALARM_STATE_RTN_UNACK)
		return ERR_CONFLICT;
	if (until_ms <= now_ms)
		return ERR_INVALID;
	p->state = ALARM_STATE_SHELVED;
	p->shelve_until_ms = until_ms;
	return emit(c, p, now_ms, seq, from, p->cond, out);
}

int alarm_unshelve(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		   struct alarm_transition *out)
{
	if (p->state != ALARM_STATE_SHELVED)
		return ERR_CONFLICT;
	return to_derived_state(c, p, now_ms, seq, out);
}

int alarm_suppress(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		   struct alarm_transition *out)
{
	uint8_t from = p->state;

	if (from == ALARM_STATE_SUPPRESSED || from == ALARM_STATE_OUT_OF_SERVICE)
		return ERR_CONFLICT;
	p->state = ALARM_STATE_SUPPRESSED;
	return emit(c, p, now_ms, seq, from, p->cond, out);
}

int alarm_unsuppress(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		     struct alarm_transition *out)
{
	if (p->state != ALARM_STATE_SUPPRESSED)
		return ERR_CONFLICT;
	return to_derived_state(c, p, now_ms, seq, out);
}

int alarm_out_of_service(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms,
			 uint64_t seq, struct alarm_transition *out)
{
	uint8_t from = p->state, from_cond = p->cond;

	if (from == ALARM_STATE_OUT_OF_SERVICE)
		return ERR_CONFLICT;
	p->state = ALARM_STATE_OUT_OF_SERVICE;
	p->cond = ALARM_COND_NORMAL;
	p->pending = ALARM_COND_NORMAL;
	return emit(c, p, now_ms, seq, from, from_cond, out);
}

int alarm_return_to_service(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms,
			    uint64_t seq, struct alarm_transition *out)
{
	if (p->state != ALARM_STATE_OUT_OF_SERVICE)
		return ERR_CONFLICT;
	p->state = ALARM_STATE_NORMAL;
	if (now_ms > p->heard_ms)
		p->heard_ms = now_ms; /* the comms timeout counts again from now */
	return emit(c, p, now_ms, seq, ALARM_STATE_OUT_OF_SERVICE, p->cond, out);
}

int alarm_transition_cmp(const void *a, const void *b)
{
	const struct alarm_transition *x = a, *y = b;

	if (x->source_ms != y->source_ms)
		return x->source_ms < y->source_ms ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->point_id != y->point_id)
		return x->point_id < y->point_id ? -1 : 1;
	return 0;
}

const char *alarm_cond_name(enum alarm_cond c)
{
	static const char *const n[ALARM_COND_COUNT_] = {
		"normal", "high1", "high2", "low1", "low2", "fault", "comms_loss",
	};

	return (unsigned)c < ALARM_COND_COUNT_ ? n[c] : "?";
}

const char *alarm_state_name(enum alarm_state s)
{
	static const char *const n[ALARM_STATE_COUNT_] = {
		"normal", "unack", "acked", "rtn_unack", "shelved", "suppressed", "out_of_service",
	};

	return (unsigned)s < ALARM_STATE_COUNT_ ? n[s] : "?";
}

const char *alarm_kind_name(enum alarm_kind k)
{
	static const char *const n[ALARM_KIND_COUNT_] = {
		"combustible", "toxic", "oxygen", "level", "temperature", "pressure", "flow",
	};

	return (unsigned)k < ALARM_KIND_COUNT_ ? n[k] : "?";
}
