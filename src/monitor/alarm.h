/* SPDX-License-Identifier: MIT */
/*
 * The alarm engine of one monitoring point (DESIGN §4, issue 6 §4): pure rules over a
 * small flat per-point state. No I/O, no clock, no allocation: every time is an argument
 * (int64 ms since the epoch, UTC), and every function writes its transitions into an
 * array the caller provides. Storage of readings and of the SOE, ingestion, SSE and the
 * UI are not here (docs/monitoring.md says what is built).
 *
 * Two layers, as ISA-18.2 separates them:
 *   the condition  what the process is doing: normal, first/second-level high or low,
 *                  sensor fault, communication loss (enum alarm_cond), decided from the
 *                  readings with set points, deadband, on-delay and off-delay;
 *   the state      what the operator has done about it: normal, unacknowledged,
 *                  acknowledged, returned-unacknowledged, shelved, suppressed, out of
 *                  service (enum alarm_state, ISA-18.2 §11 state model).
 * Every change of either is one struct alarm_transition, the SOE record.
 *
 * Threading: a struct alarm_point is mutated by one thread only (the alarm thread);
 * struct alarm_cfg is read-only once checked.
 */
#ifndef MONITOR_ALARM_H
#define MONITOR_ALARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errmsg;

/* What a point measures (issue 6 §2). */
enum alarm_kind {
	ALARM_KIND_COMBUSTIBLE = 0, /* combustible gas, %LEL */
	ALARM_KIND_TOXIC,	    /* toxic gas, mg/m3 (or ppm, as configured) */
	ALARM_KIND_OXYGEN,	    /* oxygen, %VOL: low (lean) and high (rich) */
	ALARM_KIND_LEVEL,	    /* tank level */
	ALARM_KIND_TEMPERATURE,
	ALARM_KIND_PRESSURE,
	ALARM_KIND_FLOW,
	ALARM_KIND_COUNT_,
};

/*
 * The alarm condition of a point. Levels 1 and 2 are GB/T 50493-2019's 一级 / 二级;
 * FAULT is a sensor fault (bad quality, NaN or infinite value, out of range beyond the
 * margin); COMMS_LOSS is no reading for the communication timeout.
 */
enum alarm_cond {
	ALARM_COND_NORMAL = 0,
	ALARM_COND_HIGH1,
	ALARM_COND_HIGH2,
	ALARM_COND_LOW1,
	ALARM_COND_LOW2,
	ALARM_COND_FAULT,
	ALARM_COND_COMMS_LOSS,
	ALARM_COND_COUNT_,
};

/* ISA-18.2 alarm states (ANSI/ISA-18.2-2016 §11, figure "alarm state transition"). */
enum alarm_state {
	ALARM_STATE_NORMAL = 0,	    /* A: inactive, acknowledged */
	ALARM_STATE_UNACK,	    /* B: active, unacknowledged */
	ALARM_STATE_ACKED,	    /* C: active, acknowledged */
	ALARM_STATE_RTN_UNACK,	    /* D: returned to normal, unacknowledged */
	ALARM_STATE_SHELVED,	    /* E: shelved by an operator until an expiry */
	ALARM_STATE_SUPPRESSED,	    /* F: suppressed by design (e.g. equipment stopped) */
	ALARM_STATE_OUT_OF_SERVICE, /* G: removed from service (maintenance) */
	ALARM_STATE_COUNT_,
};

/* Reading quality as the device reports it. */
enum alarm_quality {
	ALARM_QUALITY_GOOD = 0,
	ALARM_QUALITY_UNCERTAIN, /* evaluated like GOOD; kept for the record */
	ALARM_QUALITY_BAD,	 /* the device says the value is not valid: sensor fault */
};

/*
 * The range margin (docs/monitoring.md): a value is a measurement while it lies in
 * [range_lo - span x ALARM_MARGIN_LO, range_hi + span x ALARM_MARGIN_HI], span =
 * range_hi - range_lo; outside it is a sensor fault. The fractions are NAMUR NE 43's
 * measurement band of a 4-20 mA loop, 3.8 .. 20.5 mA: -0.2 / 16 and +0.5 / 16 of span
 * ([U]: NE 43 is not in ../shared/reference). A value between range_hi and its margin
 * is the detector saturating over scale and is evaluated against the set points, so an
 * over-scale gas reading still raises the second-level alarm.
 */
#define ALARM_MARGIN_LO 0.0125
#define ALARM_MARGIN_HI 0.03125

/* Most transitions one call can write (a tick: shelve expiry, then comms loss). */
#define ALARM_TRANSITIONS_MAX 2

/*
 * A point's alarm configuration. Set points use the point's unit; NAN disables one.
 * Enabled set points must satisfy range_lo <= low2 < low1 < high1 < high2 <= range_hi.
 * A high alarm is active at value >= its set point and returns at value < set point -
 * deadband; a low alarm is active at value <= its set point and returns at value > set
 * point + deadband. Times are ms; 0 disables an on-delay, off-delay or comms timeout.
 */
struct alarm_cfg {
	int64_t point_id;
	double range_lo, range_hi;
	double high1, high2; /* first / second-level high (一级 / 二级) */
	double low1, low2;   /* first / second-level low */
	double deadband;     /* >= 0, in the point's unit */
	uint32_t on_delay_ms;
	uint32_t off_delay_ms;
	uint32_t comms_timeout_ms;
	uint8_t kind; /* enum alarm_kind */
};

/*
 * The per-point mutable state: 48 bytes, flat, no pointers, set by alarm_point_init.
 * last_ms is the source time of the last reading evaluated (INT64_MIN before the first).
 */
struct alarm_point {
	int64_t last_ms;
	int64_t heard_ms;	  /* latest reading's source time, or since_ms; for comms loss */
	int64_t pending_since_ms; /* source time the pending condition was first seen */
	int64_t shelve_until_ms;  /* expiry while SHELVED */
	double last_value;	  /* value of the last reading evaluated (NAN before any) */
	uint8_t state;		  /* enum alarm_state */
	uint8_t cond;		  /* enum alarm_cond: the condition in force */
	uint8_t pending; /* enum alarm_cond waiting for its on/off-delay; == cond if none */
	uint8_t pad_;
	uint32_t late; /* count of late (out-of-order) readings, wraps */
};

/* One reading of a point. seq is the arrival sequence the caller assigned. */
struct alarm_reading {
	int64_t source_ms;
	uint64_t seq;
	double value;
	uint8_t quality; /* enum alarm_quality */
};

/*
 * One SOE record: a change of condition and/or state of one point, at source time
 * source_ms (the reading's, or the now_ms of a tick or an operator action) and arrival
 * sequence seq. Both conditions and both states are given; value is the reading's value
 * (for a tick or an action: the last value evaluated).
 */
struct alarm_transition {
	int64_t point_id;
	int64_t source_ms;
	uint64_t seq;
	double value;
	uint8_t from_state, to_state; /* enum alarm_state */
	uint8_t from_cond, to_cond;   /* enum alarm_cond */
};

/*
 * Checks c: kind known, range finite with range_lo < range_hi and a finite span (the NAMUR
 * NE 43 fault band is a share of it), enabled set points finite, ordered low2 < low1 < high1
 * < high2 and inside the range, deadband finite, >= 0 and below the span; combustible and toxic points need high1, oxygen points need low1 and high1.
 * Returns 0, or ERR_INVALID with m (may be NULL) naming the field.
 */
int alarm_cfg_check(const struct alarm_cfg *c, struct errmsg *m);

/* Prepares p at since_ms (when the point was configured or the engine started): state
 * NORMAL, condition NORMAL, no reading yet; the comms timeout counts from since_ms. */
void alarm_point_init(struct alarm_point *p, int64_t since_ms);

/*
 * Evaluates one reading r of the point (c, p); c must have passed alarm_cfg_check.
 * Writes 0 or 1 transitions into out (room for ALARM_TRANSITIONS_MAX) and returns how
 * many. Never allocates; O(1).
 *
 * Out-of-order rule: a reading older than the last one evaluated (r->source_ms <
 * p->last_ms) is late: it changes nothing but p->late (the caller still stores it) and
 * *late is set; a reading with the same source time is evaluated (arrival order breaks
 * the tie, as in the SOE key). late may be NULL.
 *
 * Condition: FAULT for ALARM_QUALITY_BAD, NaN, infinity or a value outside the range
 * with its margin; otherwise the most severe set point reached (second level before
 * first), with the deadband keeping an active level until the value is past it. Delays,
 * measured between readings' source times: a condition more severe than the one in
 * force (or of the other direction) is taken only once a reading at least on_delay_ms
 * after the first reading that showed it still shows it; a milder one (or NORMAL) only
 * after off_delay_ms the same way. While it waits, a further change in the same
 * direction keeps the start time. FAULT and leaving FAULT or COMMS_LOSS take effect at
 * once. In OUT_OF_SERVICE the condition is not evaluated.
 *
 * State (not latching): a new or more severe condition makes NORMAL, ACKED and RTN_UNACK
 * UNACK; a milder active level keeps the state; a return to NORMAL makes UNACK RTN_UNACK
 * and ACKED NORMAL. SHELVED and SUPPRESSED keep their state while the condition is
 * still tracked and recorded.
 */
int alarm_eval(const struct alarm_cfg *c, struct alarm_point *p, const struct alarm_reading *r,
	       struct alarm_transition *out, bool *late);

/*
 * The clock tick at now_ms (arrival sequence seq): (1) a SHELVED point whose
 * shelve_until_ms <= now_ms is unshelved (as alarm_unshelve); (2) communication loss:
 * when c->comms_timeout_ms > 0, the point is not OUT_OF_SERVICE, its condition is not
 * already COMMS_LOSS, and now_ms - p->heard_ms >= comms_timeout_ms (exactly at the
 * timeout counts), the condition becomes COMMS_LOSS at once, with the state change a new
 * condition makes. p->heard_ms is the latest source time of a reading, or the since_ms
 * given to alarm_point_init while none came, so a point that never reports is lost too.
 * The tick's clock and the readings' source times are assumed to be one clock (UTC ms);
 * ingestion must bound the skew of device clocks (docs/monitoring.md). Returns the number
 * of transitions written to out (0..2).
 */
int alarm_tick(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
	       struct alarm_transition *out);

/*
 * Operator actions at now_ms. Each returns the number of transitions written to out
 * (0 or 1), or ERR_CONFLICT when the action does not apply to the current state (the
 * point is unchanged):
 *   acknowledge        UNACK -> ACKED, RTN_UNACK -> NORMAL; any other state: conflict;
 *   shelve             NORMAL, UNACK, ACKED, RTN_UNACK -> SHELVED until until_ms
 *                      (until_ms > now_ms, else ERR_INVALID); other states: conflict;
 *   unshelve           SHELVED -> the state its condition calls for;
 *   suppress           any state but SUPPRESSED and OUT_OF_SERVICE -> SUPPRESSED;
 *   unsuppress         SUPPRESSED -> the state its condition calls for;
 *   out of service     any state but OUT_OF_SERVICE -> OUT_OF_SERVICE; the condition,
 *                      pending change and delays are cleared (no alarm while in it);
 *   return to service  OUT_OF_SERVICE -> NORMAL; evaluation resumes with the next reading.
 * "The state its condition calls for" is UNACK when the condition is active (ISA-18.2:
 * an alarm leaving shelving or suppression active is annunciated again), else NORMAL.
 * The comment and the operator are recorded by the caller with the transition.
 */
int alarm_acknowledge(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms,
		      uint64_t seq, struct alarm_transition *out);
int alarm_shelve(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		 int64_t until_ms, struct alarm_transition *out);
int alarm_unshelve(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		   struct alarm_transition *out);
int alarm_suppress(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		   struct alarm_transition *out);
int alarm_unsuppress(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms, uint64_t seq,
		     struct alarm_transition *out);
int alarm_out_of_service(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms,
			 uint64_t seq, struct alarm_transition *out);
int alarm_return_to_service(const struct alarm_cfg *c, struct alarm_point *p, int64_t now_ms,
			    uint64_t seq, struct alarm_transition *out);

/*
 * The SOE order (issue 6 §4): source time, then arrival sequence, then point id (a tick
 * may give several points the same time and sequence). A qsort/bsearch comparator over
 * struct alarm_transition; returns <0, 0, >0.
 */
int alarm_transition_cmp(const void *a, const void *b);

/* True for the conditions that annunciate (all but NORMAL). */
static inline bool alarm_cond_active(enum alarm_cond c)
{
	return c != ALARM_COND_NORMAL;
}

/* Returns: static "normal", "high1", "high2", "low1", "low2", "fault", "comms_loss", or "?". */
const char *alarm_cond_name(enum alarm_cond c);
/* Returns: static "normal", "unack", "acked", "rtn_unack", "shelved", "suppressed",
 * "out_of_service", or "?". */
const char *alarm_state_name(enum alarm_state s);
/* Returns: static "combustible", "toxic", "oxygen", "level", "temperature", "pressure",
 * "flow", or "?". */
const char *alarm_kind_name(enum alarm_kind k);

#endif
