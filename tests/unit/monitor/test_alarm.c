/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/alarm.c (issue 6 §4, first slice): every condition at its
 * set point and one representable step on the quiet side (nextafter), the deadband
 * return at set point minus deadband on both sides, on-delay and off-delay against
 * chattering, sensor fault at the range margin, NaN, infinity and bad quality, comms loss
 * and shelve expiry exactly at their times with an injected clock, out-of-order readings,
 * acknowledge from every ISA-18.2 state, shelve / suppress / out of service, oxygen low
 * and high (GB/T 50493-2019: 19.5 / 23.5 %VOL) and the SOE order. No I/O.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "core/err.h"
#include "monitor/alarm.h"
#include "core/banned.h"

_Static_assert(sizeof(struct alarm_point) == 48, "per-point state stays small and flat");

/* Methane detector, GB/T 50493-2019 defaults: 25 / 50 %LEL, range 0..100 %LEL. */
static struct alarm_cfg ch4(double deadband, uint32_t on_ms, uint32_t off_ms)
{
	struct alarm_cfg c = {
		.point_id = 7,
		.range_lo = 0,
		.range_hi = 100,
		.high1 = 25,
		.high2 = 50,
		.low1 = NAN,
		.low2 = NAN,
		.deadband = deadband,
		.on_delay_ms = on_ms,
		.off_delay_ms = off_ms,
		.comms_timeout_ms = 10000,
		.kind = ALARM_KIND_COMBUSTIBLE,
	};

	assert_int_equal(alarm_cfg_check(&c, NULL), 0);
	return c;
}

/* Oxygen detector: lean 19.5, rich 23.5 %VOL, range 0..25 (GB/T 50493-2019). */
static struct alarm_cfg o2(double deadband)
{
	struct alarm_cfg c = {
		.point_id = 8,
		.range_lo = 0,
		.range_hi = 25,
		.high1 = 23.5,
		.high2 = NAN,
		.low1 = 19.5,
		.low2 = NAN,
		.deadband = deadband,
		.kind = ALARM_KIND_OXYGEN,
	};

	assert_int_equal(alarm_cfg_check(&c, NULL), 0);
	return c;
}

static uint64_t seq_next;

/* Feeds (t, v) with good quality; returns the number of transitions, last one in *tr. */
static int feed_q(const struct alarm_cfg *c, struct alarm_point *p, int64_t t, double v, uint8_t q,
		  struct alarm_transition *tr)
{
	struct alarm_transition out[ALARM_TRANSITIONS_MAX];
	struct alarm_reading r = { .source_ms = t, .seq = ++seq_next, .value = v, .quality = q };
	bool late = true;
	int n = alarm_eval(c, p, &r, out, &late);

	assert_true(n >= 0 && n <= 1);
	assert_false(late);
	if (n > 0 && tr)
		*tr = out[n - 1];
	if (n > 0) {
		assert_int_equal(out[0].point_id, c->point_id);
		assert_int_equal(out[0].source_ms, t);
		assert_int_equal(out[0].seq, r.seq);
		assert_true(memcmp(&out[0].value, &v, sizeof(v)) == 0 || (isnan(v)));
	}
	return n;
}

static int feed(const struct alarm_cfg *c, struct alarm_point *p, int64_t t, double v,
		struct alarm_transition *tr)
{
	return feed_q(c, p, t, v, ALARM_QUALITY_GOOD, tr);
}

static void expect(const struct alarm_transition *tr, enum alarm_state fs, enum alarm_state ts,
		   enum alarm_cond fc, enum alarm_cond tc)
{
	assert_string_equal(alarm_state_name(tr->from_state), alarm_state_name(fs));
	assert_string_equal(alarm_state_name(tr->to_state), alarm_state_name(ts));
	assert_string_equal(alarm_cond_name(tr->from_cond), alarm_cond_name(fc));
	assert_string_equal(alarm_cond_name(tr->to_cond), alarm_cond_name(tc));
}

static struct alarm_point fresh(void)
{
	struct alarm_point p;

	alarm_point_init(&p, 0);
	return p;
}

/* ------------------------------------------------------------ configuration */

static void test_alarm_cfg_check_rejects_bad_config(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct errmsg m;

	(void)state;
	c.high2 = 20; /* below high1 */
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "high2");
	c = ch4(0, 0, 0);
	c.high2 = 101; /* outside the range */
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "high2");
	c = ch4(0, 0, 0);
	c.high1 = NAN; /* a gas detector needs a first level */
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "high1");
	c = ch4(0, 0, 0);
	c.deadband = -1;
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "deadband");
	c = ch4(0, 0, 0);
	c.range_hi = 0;
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "range");
	c = o2(0);
	c.low1 = NAN;
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "low1");
	c = o2(0);
	c.low1 = 24; /* above high1 */
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "high1");
	c = ch4(0, 0, 0);
	c.kind = ALARM_KIND_COUNT_;
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "kind");
}

/*
 * A range of finite ends whose span overflows (-1e308 .. 1e308: span +inf) made the NAMUR NE
 * 43 fault band (range_lo - 1.25 % .. range_hi + 3.125 % of the span) infinite, so no value
 * was ever a sensor fault, and let any finite deadband pass "below the span" (1e308 with high1
 * 1e308: an alarm that never returns). The span must be finite too.
 */
static void test_alarm_cfg_check_rejects_an_infinite_span(void **state)
{
	struct alarm_cfg c = {
		.point_id = 9,
		.range_lo = -1e308,
		.range_hi = 1e308,
		.high1 = 1e307,
		.high2 = NAN,
		.low1 = NAN,
		.low2 = NAN,
		.kind = ALARM_KIND_LEVEL,
	};
	struct errmsg m;
	struct alarm_point p;
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(alarm_cfg_check(&c, &m), ERR_INVALID);
	assert_string_equal(m.field, "range");
	/* The widest span that is finite still is a range, and its fault band works. */
	c.range_lo = 0;
	c.range_hi = 1.7e308;
	assert_int_equal(alarm_cfg_check(&c, &m), 0);
	alarm_point_init(&p, 0);
	assert_int_equal(feed(&c, &p, 1000, 1.77e308, &tr), 1); /* > 1.7e308 + 3.125 % */
	assert_int_equal(tr.to_cond, ALARM_COND_FAULT);
}

/* ------------------------------------------------------------ set points */

/* GB/T 50493-2019: first level at 25 %LEL, second at 50 %LEL, "at or above". */
static void test_alarm_high_levels_at_set_point_not_one_step_below(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 1000, nextafter(25, 0), &tr), 0);
	assert_int_equal(feed(&c, &p, 2000, 25, &tr), 1);
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH1);
	assert_int_equal(feed(&c, &p, 3000, nextafter(50, 0), &tr), 0);
	assert_int_equal(feed(&c, &p, 4000, 50, &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_UNACK, ALARM_COND_HIGH1, ALARM_COND_HIGH2);
	/* straight from normal to the second level */
	p = fresh();
	assert_int_equal(feed(&c, &p, 1000, 50, &tr), 1);
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH2);
}

/* Deadband 2 %LEL: stays at exactly 25 - 2 = 23, returns one step below it. */
static void test_alarm_deadband_return_both_sides(void **state)
{
	struct alarm_cfg c = ch4(2, 0, 0);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 1000, 26, &tr), 1);
	assert_int_equal(feed(&c, &p, 2000, 24, &tr), 0); /* below 25, inside the band */
	assert_int_equal(feed(&c, &p, 3000, 23, &tr), 0); /* exactly set point - deadband */
	assert_int_equal(feed(&c, &p, 4000, 25, &tr), 0); /* back up: no second raise */
	assert_int_equal(feed(&c, &p, 5000, nextafter(23, 0), &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_RTN_UNACK, ALARM_COND_HIGH1, ALARM_COND_NORMAL);

	/* second level: 48 keeps HIGH2, below 48 falls to HIGH1 (milder: state unchanged) */
	p = fresh();
	assert_int_equal(feed(&c, &p, 1000, 55, &tr), 1);
	assert_int_equal(feed(&c, &p, 2000, 48, &tr), 0);
	assert_int_equal(feed(&c, &p, 3000, nextafter(48, 0), &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_UNACK, ALARM_COND_HIGH2, ALARM_COND_HIGH1);
}

/* A reading chattering across 25 %LEL raises once with a deadband, many times without. */
static void test_alarm_deadband_stops_chattering(void **state)
{
	struct alarm_cfg with = ch4(1, 0, 0), without = ch4(0, 0, 0);
	struct alarm_point p = fresh(), q = fresh();
	int n_with = 0, n_without = 0;

	(void)state;
	for (int i = 0; i < 20; i++) {
		double v = (i % 2) ? 24.6 : 25.2;

		n_with += feed(&with, &p, 1000 * i, v, NULL);
		n_without += feed(&without, &q, 1000 * i, v, NULL);
	}
	assert_int_equal(n_with, 1);
	assert_int_equal(n_without, 20);
}

/* Oxygen, GB/T 50493-2019: lean alarm at 19.5 %VOL ("at or below"), rich at 23.5. */
static void test_alarm_oxygen_low_and_high(void **state)
{
	struct alarm_cfg c = o2(0.5);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 1000, 20.9, &tr), 0);
	assert_int_equal(feed(&c, &p, 2000, nextafter(19.5, 25), &tr), 0);
	assert_int_equal(feed(&c, &p, 3000, 19.5, &tr), 1);
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_LOW1);
	assert_int_equal(feed(&c, &p, 4000, 20, &tr), 0); /* 19.5 + 0.5: still lean */
	assert_int_equal(feed(&c, &p, 5000, nextafter(20, 25), &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_RTN_UNACK, ALARM_COND_LOW1, ALARM_COND_NORMAL);
	assert_int_equal(feed(&c, &p, 6000, nextafter(23.5, 0), &tr), 0);
	assert_int_equal(feed(&c, &p, 7000, 23.5, &tr), 1);
	expect(&tr, ALARM_STATE_RTN_UNACK, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH1);
	/* rich straight to lean: the other direction is a new alarm */
	assert_int_equal(alarm_acknowledge(&c, &p, 7500, 1, &tr), 1);
	assert_int_equal(feed(&c, &p, 8000, 18, &tr), 1);
	expect(&tr, ALARM_STATE_ACKED, ALARM_STATE_UNACK, ALARM_COND_HIGH1, ALARM_COND_LOW1);
}

/* Low and second-low of a tank level. */
static void test_alarm_level_low2(void **state)
{
	struct alarm_cfg c = {
		.point_id = 9,
		.range_lo = 0,
		.range_hi = 10,
		.high1 = 8,
		.high2 = 9,
		.low1 = 2,
		.low2 = 1,
		.deadband = 0.25,
		.kind = ALARM_KIND_LEVEL,
	};
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(alarm_cfg_check(&c, NULL), 0);
	assert_int_equal(feed(&c, &p, 1000, 2, &tr), 1);
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_LOW1);
	assert_int_equal(feed(&c, &p, 2000, nextafter(1, 2), &tr), 0);
	assert_int_equal(feed(&c, &p, 3000, 1, &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_UNACK, ALARM_COND_LOW1, ALARM_COND_LOW2);
	assert_int_equal(feed(&c, &p, 4000, 1.25, &tr), 0);
	assert_int_equal(feed(&c, &p, 5000, nextafter(1.25, 2), &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_UNACK, ALARM_COND_LOW2, ALARM_COND_LOW1);
}

/* ------------------------------------------------------------ delays */

/* On-delay 5 s: a spike shorter than the delay raises nothing; one lasting it does. */
static void test_alarm_on_delay(void **state)
{
	struct alarm_cfg c = ch4(0, 5000, 0);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 0, 30, &tr), 0);
	assert_int_equal(feed(&c, &p, 4999, 30, &tr), 0);
	assert_int_equal(feed(&c, &p, 4999, 10, &tr), 0); /* gone before 5 s: nothing */
	assert_int_equal(feed(&c, &p, 10000, 30, &tr), 0);
	assert_int_equal(feed(&c, &p, 14999, 30, &tr), 0);
	assert_int_equal(feed(&c, &p, 15000, 30, &tr), 1); /* lasted exactly the delay */
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH1);
	assert_int_equal(tr.source_ms, 15000);
}

/* Escalating while waiting keeps the start: 30 then 60 %LEL raise at 5 s, to HIGH2. */
static void test_alarm_on_delay_escalation_keeps_start(void **state)
{
	struct alarm_cfg c = ch4(0, 5000, 0);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 0, 30, &tr), 0);
	assert_int_equal(feed(&c, &p, 3000, 60, &tr), 0);
	assert_int_equal(feed(&c, &p, 5000, 60, &tr), 1);
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH2);
}

/* Off-delay 3 s: a dip shorter than the delay keeps the alarm; one lasting it clears. */
static void test_alarm_off_delay(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 3000);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 0, 30, &tr), 1); /* no on-delay: at once */
	assert_int_equal(feed(&c, &p, 1000, 10, &tr), 0);
	assert_int_equal(feed(&c, &p, 3999, 10, &tr), 0);
	assert_int_equal(feed(&c, &p, 3999, 30, &tr), 0); /* back before 3 s */
	assert_int_equal(feed(&c, &p, 5000, 10, &tr), 0);
	assert_int_equal(feed(&c, &p, 7999, 10, &tr), 0);
	assert_int_equal(feed(&c, &p, 8000, 10, &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_RTN_UNACK, ALARM_COND_HIGH1, ALARM_COND_NORMAL);
}

/* ------------------------------------------------------------ sensor fault */

static void test_alarm_fault_nan_inf_bad_quality(void **state)
{
	struct alarm_cfg c = ch4(0, 5000, 5000);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 1000, NAN, &tr), 1); /* no delay for a fault */
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_FAULT);
	assert_int_equal(feed(&c, &p, 2000, 10, &tr), 1); /* leaving it: at once too */
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_RTN_UNACK, ALARM_COND_FAULT, ALARM_COND_NORMAL);
	assert_int_equal(feed(&c, &p, 3000, INFINITY, &tr), 1);
	assert_int_equal(tr.to_cond, ALARM_COND_FAULT);
	assert_int_equal(feed(&c, &p, 4000, -INFINITY, &tr), 0); /* still a fault */
	assert_int_equal(feed(&c, &p, 5000, 10, &tr), 1);
	assert_int_equal(feed_q(&c, &p, 6000, 10, ALARM_QUALITY_BAD, &tr), 1);
	assert_int_equal(tr.to_cond, ALARM_COND_FAULT);
	assert_int_equal(feed_q(&c, &p, 7000, 10, ALARM_QUALITY_UNCERTAIN, &tr), 1);
	assert_int_equal(tr.to_cond, ALARM_COND_NORMAL);
}

/* Range 0..100 %LEL: margin -1.25 .. 103.125 (NAMUR NE 43 band); over scale is HIGH2. */
static void test_alarm_fault_out_of_range_margin(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 1000, -1.25, &tr), 0);
	assert_int_equal(feed(&c, &p, 2000, nextafter(-1.25, -2), &tr), 1);
	expect(&tr, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_FAULT);
	p = fresh();
	assert_int_equal(feed(&c, &p, 1000, 103.125, &tr), 1);
	assert_int_equal(tr.to_cond, ALARM_COND_HIGH2);
	assert_int_equal(feed(&c, &p, 2000, nextafter(103.125, 200), &tr), 1);
	expect(&tr, ALARM_STATE_UNACK, ALARM_STATE_UNACK, ALARM_COND_HIGH2, ALARM_COND_FAULT);
}

/* ------------------------------------------------------------ comms loss */

/* Timeout 10 s: lost at exactly 10 s after the last reading, not 1 ms before. */
static void test_alarm_comms_loss_exactly_at_timeout(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_point p;
	struct alarm_transition out[ALARM_TRANSITIONS_MAX];

	(void)state;
	alarm_point_init(&p, 100000);
	assert_int_equal(alarm_tick(&c, &p, 109999, 1, out), 0); /* never heard: from since */
	assert_int_equal(alarm_tick(&c, &p, 110000, 2, out), 1);
	expect(&out[0], ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL,
	       ALARM_COND_COMMS_LOSS);
	assert_int_equal(out[0].source_ms, 110000);
	assert_int_equal(alarm_tick(&c, &p, 200000, 3, out), 0); /* already lost */
	assert_int_equal(feed(&c, &p, 200500, 10, out), 1);
	expect(&out[0], ALARM_STATE_UNACK, ALARM_STATE_RTN_UNACK, ALARM_COND_COMMS_LOSS,
	       ALARM_COND_NORMAL);
	assert_int_equal(alarm_tick(&c, &p, 210499, 4, out), 0);
	assert_int_equal(alarm_tick(&c, &p, 210500, 5, out), 1);
	assert_int_equal(out[0].to_cond, ALARM_COND_COMMS_LOSS);
	assert_int_equal(out[0].to_state, ALARM_STATE_UNACK);
	/* timeout 0: never */
	c.comms_timeout_ms = 0;
	alarm_point_init(&p, 0);
	assert_int_equal(alarm_tick(&c, &p, INT64_MAX / 2, 6, out), 0);
}

/* ------------------------------------------------------------ out of order */

static void test_alarm_late_reading_changes_nothing(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_point p = fresh();
	struct alarm_transition out[ALARM_TRANSITIONS_MAX];
	struct alarm_reading r = { .source_ms = 1000, .seq = 2, .value = 60 };
	bool late = false;

	(void)state;
	assert_int_equal(feed(&c, &p, 2000, 10, out), 0);
	assert_int_equal(alarm_eval(&c, &p, &r, out, &late), 0); /* older: stored, not evaluated */
	assert_true(late);
	assert_int_equal(p.late, 1);
	assert_int_equal(p.cond, ALARM_COND_NORMAL);
	assert_int_equal(p.last_ms, 2000);
	assert_true(p.last_value == 10);
	/* the same source time as the last one is evaluated: arrival order breaks the tie */
	assert_int_equal(feed(&c, &p, 2000, 60, out), 1);
	assert_int_equal(out[0].to_cond, ALARM_COND_HIGH2);
	/* a late reading cannot clear an alarm either */
	r.value = 0;
	assert_int_equal(alarm_eval(&c, &p, &r, out, NULL), 0);
	assert_int_equal(p.cond, ALARM_COND_HIGH2);
	assert_int_equal(p.late, 2);
}

/* ------------------------------------------------------------ ISA-18.2 states */

/* Brings a fresh point to state s (condition HIGH1 if active is true). */
static struct alarm_point in_state(const struct alarm_cfg *c, enum alarm_state s)
{
	struct alarm_point p = fresh();
	struct alarm_transition tr;

	switch (s) {
	case ALARM_STATE_NORMAL:
		break;
	case ALARM_STATE_UNACK:
		assert_int_equal(feed(c, &p, 1000, 30, &tr), 1);
		break;
	case ALARM_STATE_ACKED:
		assert_int_equal(feed(c, &p, 1000, 30, &tr), 1);
		assert_int_equal(alarm_acknowledge(c, &p, 1500, 1, &tr), 1);
		break;
	case ALARM_STATE_RTN_UNACK:
		assert_int_equal(feed(c, &p, 1000, 30, &tr), 1);
		assert_int_equal(feed(c, &p, 2000, 10, &tr), 1);
		break;
	case ALARM_STATE_SHELVED:
		assert_int_equal(alarm_shelve(c, &p, 1000, 1, 60000, &tr), 1);
		break;
	case ALARM_STATE_SUPPRESSED:
		assert_int_equal(alarm_suppress(c, &p, 1000, 1, &tr), 1);
		break;
	case ALARM_STATE_OUT_OF_SERVICE:
		assert_int_equal(alarm_out_of_service(c, &p, 1000, 1, &tr), 1);
		break;
	default:
		fail();
	}
	assert_int_equal(p.state, s);
	return p;
}

static void test_alarm_acknowledge_from_each_state(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_transition tr;
	static const struct {
		enum alarm_state from;
		int rc;
		enum alarm_state to;
	} cases[] = {
		{ ALARM_STATE_NORMAL, ERR_CONFLICT, ALARM_STATE_NORMAL },
		{ ALARM_STATE_UNACK, 1, ALARM_STATE_ACKED },
		{ ALARM_STATE_ACKED, ERR_CONFLICT, ALARM_STATE_ACKED },
		{ ALARM_STATE_RTN_UNACK, 1, ALARM_STATE_NORMAL },
		{ ALARM_STATE_SHELVED, ERR_CONFLICT, ALARM_STATE_SHELVED },
		{ ALARM_STATE_SUPPRESSED, ERR_CONFLICT, ALARM_STATE_SUPPRESSED },
		{ ALARM_STATE_OUT_OF_SERVICE, ERR_CONFLICT, ALARM_STATE_OUT_OF_SERVICE },
	};

	(void)state;
	assert_int_equal(sizeof(cases) / sizeof(cases[0]), ALARM_STATE_COUNT_);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct alarm_point p = in_state(&c, cases[i].from);
		struct alarm_point before = p;

		assert_int_equal(alarm_acknowledge(&c, &p, 9000, 99, &tr), cases[i].rc);
		assert_int_equal(p.state, cases[i].to);
		if (cases[i].rc == 1) {
			assert_int_equal(tr.from_state, cases[i].from);
			assert_int_equal(tr.to_state, cases[i].to);
			assert_int_equal(tr.source_ms, 9000);
			assert_int_equal(tr.seq, 99);
		} else {
			assert_memory_equal(&p, &before, sizeof(p));
		}
	}
}

/* Not latching: ACKED returns to NORMAL; a new alarm from ACKED or RTN_UNACK is UNACK. */
static void test_alarm_state_machine_paths(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_point p = in_state(&c, ALARM_STATE_ACKED);
	struct alarm_transition tr;

	(void)state;
	assert_int_equal(feed(&c, &p, 2000, 10, &tr), 1);
	expect(&tr, ALARM_STATE_ACKED, ALARM_STATE_NORMAL, ALARM_COND_HIGH1, ALARM_COND_NORMAL);
	p = in_state(&c, ALARM_STATE_ACKED);
	assert_int_equal(feed(&c, &p, 2000, 60, &tr), 1); /* escalation re-annunciates */
	expect(&tr, ALARM_STATE_ACKED, ALARM_STATE_UNACK, ALARM_COND_HIGH1, ALARM_COND_HIGH2);
	assert_int_equal(alarm_acknowledge(&c, &p, 2500, 1, &tr), 1);
	assert_int_equal(feed(&c, &p, 3000, 30, &tr), 1); /* milder: stays acknowledged */
	expect(&tr, ALARM_STATE_ACKED, ALARM_STATE_ACKED, ALARM_COND_HIGH2, ALARM_COND_HIGH1);
	p = in_state(&c, ALARM_STATE_RTN_UNACK);
	assert_int_equal(feed(&c, &p, 3000, 30, &tr), 1);
	expect(&tr, ALARM_STATE_RTN_UNACK, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH1);
}

/* Shelved until 5000: still shelved at 4999, unshelved at exactly 5000. */
static void test_alarm_shelve_expiry_exactly(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_point p = fresh();
	struct alarm_transition out[ALARM_TRANSITIONS_MAX];

	(void)state;
	assert_int_equal(alarm_shelve(&c, &p, 1000, 1, 1000, out), ERR_INVALID);
	assert_int_equal(alarm_shelve(&c, &p, 1000, 1, 5000, out), 1);
	expect(&out[0], ALARM_STATE_NORMAL, ALARM_STATE_SHELVED, ALARM_COND_NORMAL,
	       ALARM_COND_NORMAL);
	/* the condition is still tracked and recorded while shelved */
	assert_int_equal(feed(&c, &p, 2000, 30, out), 1);
	expect(&out[0], ALARM_STATE_SHELVED, ALARM_STATE_SHELVED, ALARM_COND_NORMAL,
	       ALARM_COND_HIGH1);
	assert_int_equal(alarm_tick(&c, &p, 4999, 2, out), 0);
	assert_int_equal(alarm_tick(&c, &p, 5000, 3, out), 1);
	expect(&out[0], ALARM_STATE_SHELVED, ALARM_STATE_UNACK, ALARM_COND_HIGH1,
	       ALARM_COND_HIGH1); /* still active: annunciated again */
	/* expiry and comms loss in one tick */
	p = fresh();
	assert_int_equal(alarm_shelve(&c, &p, 1000, 1, 20000, out), 1);
	assert_int_equal(alarm_tick(&c, &p, 20000, 4, out), 2);
	expect(&out[0], ALARM_STATE_SHELVED, ALARM_STATE_NORMAL, ALARM_COND_NORMAL,
	       ALARM_COND_NORMAL);
	expect(&out[1], ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL,
	       ALARM_COND_COMMS_LOSS);
	/* unshelve by hand */
	p = in_state(&c, ALARM_STATE_SHELVED);
	assert_int_equal(alarm_unshelve(&c, &p, 2000, 1, out), 1);
	assert_int_equal(p.state, ALARM_STATE_NORMAL);
	assert_int_equal(alarm_unshelve(&c, &p, 2000, 1, out), ERR_CONFLICT);
	p = in_state(&c, ALARM_STATE_OUT_OF_SERVICE);
	assert_int_equal(alarm_shelve(&c, &p, 2000, 1, 9000, out), ERR_CONFLICT);
}

static void test_alarm_suppress_and_out_of_service(void **state)
{
	struct alarm_cfg c = ch4(0, 0, 0);
	struct alarm_point p = in_state(&c, ALARM_STATE_UNACK);
	struct alarm_transition out[ALARM_TRANSITIONS_MAX];

	(void)state;
	assert_int_equal(alarm_suppress(&c, &p, 2000, 1, out), 1);
	assert_int_equal(alarm_suppress(&c, &p, 2000, 1, out), ERR_CONFLICT);
	assert_int_equal(feed(&c, &p, 3000, 60, out), 1);
	expect(&out[0], ALARM_STATE_SUPPRESSED, ALARM_STATE_SUPPRESSED, ALARM_COND_HIGH1,
	       ALARM_COND_HIGH2);
	assert_int_equal(alarm_unsuppress(&c, &p, 4000, 1, out), 1);
	expect(&out[0], ALARM_STATE_SUPPRESSED, ALARM_STATE_UNACK, ALARM_COND_HIGH2,
	       ALARM_COND_HIGH2);
	assert_int_equal(alarm_unsuppress(&c, &p, 4000, 1, out), ERR_CONFLICT);

	/* out of service: condition cleared, readings and comms loss ignored */
	assert_int_equal(alarm_out_of_service(&c, &p, 5000, 1, out), 1);
	expect(&out[0], ALARM_STATE_UNACK, ALARM_STATE_OUT_OF_SERVICE, ALARM_COND_HIGH2,
	       ALARM_COND_NORMAL);
	assert_int_equal(alarm_out_of_service(&c, &p, 5000, 1, out), ERR_CONFLICT);
	assert_int_equal(feed(&c, &p, 6000, 80, out), 0);
	assert_int_equal(alarm_tick(&c, &p, 100000, 2, out), 0);
	assert_int_equal(alarm_return_to_service(&c, &p, 100000, 3, out), 1);
	expect(&out[0], ALARM_STATE_OUT_OF_SERVICE, ALARM_STATE_NORMAL, ALARM_COND_NORMAL,
	       ALARM_COND_NORMAL);
	assert_int_equal(alarm_return_to_service(&c, &p, 100000, 3, out), ERR_CONFLICT);
	assert_int_equal(alarm_tick(&c, &p, 109999, 4, out), 0); /* timeout counts from return */
	assert_int_equal(feed(&c, &p, 101000, 80, out), 1);
	expect(&out[0], ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH2);
}

/* ------------------------------------------------------------ SOE order */

static void test_alarm_soe_order_source_time_then_arrival(void **state)
{
	struct alarm_transition t[5] = {
		{ .point_id = 1, .source_ms = 2000, .seq = 1 },
		{ .point_id = 2, .source_ms = 1000, .seq = 5 },
		{ .point_id = 3, .source_ms = 1000, .seq = 4 },
		{ .point_id = 5, .source_ms = 3000, .seq = 2 },
		{ .point_id = 4, .source_ms = 3000, .seq = 2 },
	};
	static const int64_t want[5] = { 3, 2, 1, 4, 5 };

	(void)state;
	qsort(t, 5, sizeof(t[0]), alarm_transition_cmp);
	for (int i = 0; i < 5; i++)
		assert_int_equal(t[i].point_id, want[i]);
	assert_int_equal(alarm_transition_cmp(&t[0], &t[0]), 0);
}

static void test_alarm_names(void **state)
{
	(void)state;
	assert_string_equal(alarm_cond_name(ALARM_COND_COMMS_LOSS), "comms_loss");
	assert_string_equal(alarm_cond_name(ALARM_COND_COUNT_), "?");
	assert_string_equal(alarm_state_name(ALARM_STATE_RTN_UNACK), "rtn_unack");
	assert_string_equal(alarm_state_name(ALARM_STATE_COUNT_), "?");
	assert_string_equal(alarm_kind_name(ALARM_KIND_FLOW), "flow");
	assert_string_equal(alarm_kind_name(ALARM_KIND_COUNT_), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alarm_cfg_check_rejects_bad_config),
		cmocka_unit_test(test_alarm_cfg_check_rejects_an_infinite_span),
		cmocka_unit_test(test_alarm_high_levels_at_set_point_not_one_step_below),
		cmocka_unit_test(test_alarm_deadband_return_both_sides),
		cmocka_unit_test(test_alarm_deadband_stops_chattering),
		cmocka_unit_test(test_alarm_oxygen_low_and_high),
		cmocka_unit_test(test_alarm_level_low2),
		cmocka_unit_test(test_alarm_on_delay),
		cmocka_unit_test(test_alarm_on_delay_escalation_keeps_start),
		cmocka_unit_test(test_alarm_off_delay),
		cmocka_unit_test(test_alarm_fault_nan_inf_bad_quality),
		cmocka_unit_test(test_alarm_fault_out_of_range_margin),
		cmocka_unit_test(test_alarm_comms_loss_exactly_at_timeout),
		cmocka_unit_test(test_alarm_late_reading_changes_nothing),
		cmocka_unit_test(test_alarm_acknowledge_from_each_state),
		cmocka_unit_test(test_alarm_state_machine_paths),
		cmocka_unit_test(test_alarm_shelve_expiry_exactly),
		cmocka_unit_test(test_alarm_suppress_and_out_of_service),
		cmocka_unit_test(test_alarm_soe_order_source_time_then_arrival),
		cmocka_unit_test(test_alarm_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
