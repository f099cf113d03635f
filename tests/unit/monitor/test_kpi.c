/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/kpi.c (issue 6 §7): the alarm-management KPIs at each
 * boundary with the thresholds of EEMUA 191 / ISA-18.2 as configured by default (kpi.h):
 * what counts as an alarm (annunciation), the period's edges, 10 and 11 alarms in a
 * 10-minute window (a flood is MORE than 10), merged flood windows and time in flood, 3
 * alarms of a point within 59.999 s and within 60 s (chattering is 3 or more within
 * 1 min), a condition active exactly 24 h and 24 h + 1 ms (standing is longer than 24 h),
 * open and pre-existing episodes, the top 10 sources and their ties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "monitor/alarm.h"
#include "monitor/kpi.h"
#include "core/banned.h"

#define MIN_MS	60000LL
#define HOUR_MS 3600000LL
#define DAY_MS	86400000LL
/* 2026-11-29 00:00 UTC+8 */
#define T0 1764345600000LL

/* An annunciation of point p at t: normal/high1 -> unack. */
static struct kpi_soe raise(int64_t p, int64_t t)
{
	return (struct kpi_soe){
		p, t, ALARM_STATE_NORMAL, ALARM_STATE_UNACK, ALARM_COND_NORMAL, ALARM_COND_HIGH1
	};
}

/* The condition of point p returning to normal at t (acked -> normal). */
static struct kpi_soe clear(int64_t p, int64_t t)
{
	return (struct kpi_soe){
		p, t, ALARM_STATE_ACKED, ALARM_STATE_NORMAL, ALARM_COND_HIGH1, ALARM_COND_NORMAL
	};
}

static struct kpi_config defaults(void)
{
	struct kpi_config c;

	kpi_config_defaults(&c);
	return c;
}

static void test_kpi_defaults_are_the_documented_thresholds(void **state)
{
	struct kpi_config c = defaults();

	(void)state;
	assert_int_equal(c.flood_alarms, 10);
	assert_int_equal(c.flood_window_ms, 10 * MIN_MS);
	assert_int_equal(c.chatter_alarms, 3);
	assert_int_equal(c.chatter_window_ms, MIN_MS);
	assert_int_equal(c.standing_ms, 24 * HOUR_MS);
	assert_int_equal(c.top_n, 10);
}

static void test_kpi_counts_annunciations_only(void **state)
{
	struct kpi_config c = defaults();
	struct kpi_soe rows[] = {
		raise(1, T0 + 1000), /* normal -> unack: an alarm */
		{ 1, T0 + 2000, ALARM_STATE_UNACK, ALARM_STATE_UNACK, ALARM_COND_HIGH1,
		  ALARM_COND_HIGH2 }, /* unack -> unack (escalation while unack): not again */
		{ 1, T0 + 3000, ALARM_STATE_UNACK, ALARM_STATE_ACKED, ALARM_COND_HIGH2,
		  ALARM_COND_HIGH2 }, /* acknowledged */
		{ 1, T0 + 4000, ALARM_STATE_ACKED, ALARM_STATE_RTN_UNACK, ALARM_COND_HIGH2,
		  ALARM_COND_NORMAL },
		{ 1, T0 + 5000, ALARM_STATE_RTN_UNACK, ALARM_STATE_UNACK, ALARM_COND_NORMAL,
		  ALARM_COND_HIGH1 }, /* returned, active again: an alarm */
		{ 2, T0 + 6000, ALARM_STATE_NORMAL, ALARM_STATE_SHELVED, ALARM_COND_NORMAL,
		  ALARM_COND_NORMAL }, /* an action, not an alarm */
	};
	struct kpi_result r;

	(void)state;
	assert_int_equal(kpi_compute(&c, rows, 6, T0, T0 + DAY_MS, T0 + DAY_MS, &r), 0);
	assert_int_equal(r.alarms, 2);
	assert_int_equal(r.ntop, 1);
	assert_int_equal(r.top[0].point_id, 1);
	assert_int_equal(r.top[0].alarms, 2);
	kpi_result_release(&r);
}

static void test_kpi_period_edges_and_days(void **state)
{
	struct kpi_config c = defaults();
	struct kpi_soe rows[] = {
		raise(1, T0 - 1),	       /* before the period: ignored */
		raise(1, T0),		       /* first instant: day 0 */
		raise(2, T0 + DAY_MS - 1),     /* last ms of day 0 */
		raise(3, T0 + DAY_MS),	       /* day 1 */
		raise(4, T0 + 2 * DAY_MS - 1), /* last instant of the period */
		raise(5, T0 + 2 * DAY_MS),     /* the end is exclusive: ignored */
	};
	struct kpi_result r;

	(void)state;
	assert_int_equal(kpi_compute(&c, rows, 6, T0, T0 + 2 * DAY_MS, T0 + 3 * DAY_MS, &r), 0);
	assert_int_equal(r.alarms, 4);
	assert_int_equal(r.ndays, 2);
	assert_int_equal(r.per_day[0], 2);
	assert_int_equal(r.per_day[1], 2);
	assert_int_equal(r.windows, 2 * 144); /* 144 ten-minute windows a day */
	assert_int_equal(r.per_window_max, 1);
	assert_true(r.per_window_mean > 4.0 / 288 - 1e-12 && r.per_window_mean < 4.0 / 288 + 1e-12);
	kpi_result_release(&r);
	assert_int_equal(kpi_compute(&c, rows, 6, T0, T0, T0, &r), ERR_INVALID);
}

/* n alarms of distinct points in the window starting at start (10 s apart). */
static size_t fill(struct kpi_soe *rows, size_t at, size_t n, int64_t start, int64_t first_point)
{
	for (size_t i = 0; i < n; i++)
		rows[at + i] = raise(first_point + (int64_t)i, start + (int64_t)i * 10000);
	return at + n;
}

static void test_kpi_flood_is_more_than_10_in_10_min(void **state)
{
	struct kpi_config c = defaults();
	struct kpi_soe rows[64];
	struct kpi_result r;
	size_t n = 0;

	(void)state;
	n = fill(rows, n, 10, T0, 100);		      /* window 0: exactly 10, not a flood */
	n = fill(rows, n, 11, T0 + 10 * MIN_MS, 200); /* window 1: 11, a flood */
	n = fill(rows, n, 12, T0 + 20 * MIN_MS, 300); /* window 2: 12, the same flood */
	n = fill(rows, n, 11, T0 + 40 * MIN_MS, 400); /* window 4: a second flood */
	assert_int_equal(kpi_compute(&c, rows, n, T0, T0 + DAY_MS, T0 + DAY_MS, &r), 0);
	assert_int_equal(r.alarms, 44);
	assert_int_equal(r.per_window_max, 12);
	assert_int_equal(r.floods, 2);
	assert_int_equal(r.flood[0].start_ms, T0 + 10 * MIN_MS);
	assert_int_equal(r.flood[0].end_ms, T0 + 30 * MIN_MS);
	assert_int_equal(r.flood[0].alarms, 23);
	assert_int_equal(r.flood[1].start_ms, T0 + 40 * MIN_MS);
	assert_int_equal(r.flood[1].alarms, 11);
	assert_int_equal(r.flood_ms, 30 * MIN_MS);
	/* 30 min of 1440: 2.083 % */
	assert_true(r.flood_pct > 100.0 * 30 / 1440 - 1e-9 &&
		    r.flood_pct < 100.0 * 30 / 1440 + 1e-9);
	kpi_result_release(&r);
}

static void test_kpi_chattering_is_3_within_1_min(void **state)
{
	struct kpi_config c = defaults();
	struct kpi_soe rows[] = {
		raise(7, T0), raise(7, T0 + 30000), raise(7, T0 + 59999), /* 3 within 59.999 s */
		raise(8, T0), raise(8, T0 + 30000), raise(8, T0 + 60000), /* 3 spanning 60 s: no */
		raise(9, T0), raise(9, T0 + 1000),			  /* 2 only */
	};
	struct kpi_result r;

	(void)state;
	assert_int_equal(kpi_compute(&c, rows, 8, T0, T0 + DAY_MS, T0 + DAY_MS, &r), 0);
	assert_int_equal(r.nchattering, 1);
	assert_int_equal(r.chattering[0].point_id, 7);
	assert_int_equal(r.chattering[0].alarms, 3);
	assert_int_equal(r.chattering[0].max_in_window, 3);
	kpi_result_release(&r);
}

static void test_kpi_standing_is_longer_than_24_h(void **state)
{
	struct kpi_config c = defaults();
	struct kpi_soe rows[] = {
		raise(1, T0),
		raise(2, T0),
		raise(3, T0 + HOUR_MS),
		/* point 4 was already abnormal when the period began */
		{ 4, T0 + 2 * HOUR_MS, ALARM_STATE_UNACK, ALARM_STATE_ACKED, ALARM_COND_HIGH1,
		  ALARM_COND_HIGH1 },
		clear(1, T0 + 24 * HOUR_MS),	 /* exactly 24 h: not standing */
		clear(2, T0 + 24 * HOUR_MS + 1), /* 24 h + 1 ms: standing */
		/* point 3 never clears: open, measured up to now (T0 + 30 h) */
	};
	struct kpi_result r;

	(void)state;
	assert_int_equal(kpi_compute(&c, rows, 6, T0, T0 + 2 * DAY_MS, T0 + 30 * HOUR_MS, &r), 0);
	assert_int_equal(r.nstanding, 3);
	/* by duration: point 4 (30 h from the period start), point 3 (29 h), point 2 */
	assert_int_equal(r.standing[0].point_id, 4);
	assert_int_equal(r.standing[0].since_ms, T0);
	assert_int_equal(r.standing[0].until_ms, 0);
	assert_int_equal(r.standing[0].duration_ms, 30 * HOUR_MS);
	assert_int_equal(r.standing[1].point_id, 3);
	assert_int_equal(r.standing[1].duration_ms, 29 * HOUR_MS);
	assert_int_equal(r.standing[2].point_id, 2);
	assert_int_equal(r.standing[2].until_ms, T0 + 24 * HOUR_MS + 1);
	assert_int_equal(r.standing[2].duration_ms, 24 * HOUR_MS + 1);
	kpi_result_release(&r);
	/* A past period: an open episode ends at the period's end, not now. */
	assert_int_equal(kpi_compute(&c, rows, 6, T0, T0 + 25 * HOUR_MS, T0 + 40 * HOUR_MS, &r), 0);
	assert_int_equal(r.standing[0].duration_ms, 25 * HOUR_MS);
	kpi_result_release(&r);
}

static void test_kpi_top_10_by_alarms_then_point(void **state)
{
	struct kpi_config c = defaults();
	struct kpi_soe rows[80];
	struct kpi_result r;
	size_t n = 0;

	(void)state;
	/* points 1..12; point p has p alarms except points 11 and 12 with 2 each (ties) */
	for (int64_t p = 1; p <= 12; p++) {
		int64_t k = p <= 10 ? p : 2;

		for (int64_t i = 0; i < k; i++)
			rows[n++] = raise(p, T0 + (p * 100 + i) * MIN_MS);
	}
	/* rows must be in time order: they are (p * 100 + i minutes grows) */
	assert_int_equal(kpi_compute(&c, rows, n, T0, T0 + 2 * DAY_MS, T0, &r), 0);
	assert_int_equal(r.ntop, 10);
	assert_int_equal(r.top[0].point_id, 10);
	assert_int_equal(r.top[0].alarms, 10);
	assert_int_equal(r.top[7].point_id, 3);
	/* three points with 2 alarms: 2, 11, 12 by id; only point 2 fits in the top 10 */
	assert_int_equal(r.top[8].point_id, 2);
	assert_int_equal(r.top[9].point_id, 11);
	kpi_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kpi_defaults_are_the_documented_thresholds),
		cmocka_unit_test(test_kpi_counts_annunciations_only),
		cmocka_unit_test(test_kpi_period_edges_and_days),
		cmocka_unit_test(test_kpi_flood_is_more_than_10_in_10_min),
		cmocka_unit_test(test_kpi_chattering_is_3_within_1_min),
		cmocka_unit_test(test_kpi_standing_is_longer_than_24_h),
		cmocka_unit_test(test_kpi_top_10_by_alarms_then_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
