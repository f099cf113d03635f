/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/risk/risk_check.c (issue 5 §4, "How it must be shown": schedules):
 * a daily task across midnight UTC+8, a monthly task on the 31st (and February of the
 * leap year 2028), a weekly task across the year end (ISO 8601 week 2026-W53), shifts
 * across midnight with the default "08:00,16:00,00:00", bad risk.shift_starts refused,
 * the bounded list of periods between two instants, the missed rule and the completion
 * rate. Instants are written as RFC 3339 UTC; the process's TZ plays no part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "risk/risk_check.h"
#include "core/banned.h"

/* "2026-11-29T15:59:59.999Z" -> UTC ms (the test's own parser: fixed layout). */
static int64_t utc(const char *s)
{
	int64_t day = 0, ms;
	char date[11];

	memcpy(date, s, 10);
	date[10] = '\0';
	if (date_parse(date, &day) != 0 || strlen(s) < 20)
		fail_msg("bad instant %s", s);
	ms = day * 86400000LL + ((s[11] - '0') * 10 + (s[12] - '0')) * 3600000LL +
	     ((s[14] - '0') * 10 + (s[15] - '0')) * 60000LL +
	     ((s[17] - '0') * 10 + (s[18] - '0')) * 1000LL;
	if (s[19] == '.')
		ms += (s[20] - '0') * 100 + (s[21] - '0') * 10 + (s[22] - '0');
	return ms;
}

static struct risk_period at(enum risk_schedule s, const struct risk_shifts *sh, const char *t)
{
	struct risk_period p;

	assert_int_equal(risk_period_at(s, sh, utc(t), &p), 0);
	return p;
}

static struct risk_shifts default_shifts(void)
{
	struct risk_shifts sh;
	struct errmsg why;

	assert_int_equal(risk_shifts_parse(RISK_SHIFT_STARTS_DEFAULT, &sh, &why), 0);
	return sh;
}

/* A daily task: 2026-11-29T15:59:59.999Z is 23:59:59.999 local on the 29th; 16:00Z is 30th. */
static void test_daily_across_midnight_utc8(void **state)
{
	struct risk_period a = at(RISK_SCHED_DAILY, NULL, "2026-11-29T15:59:59.999Z");
	struct risk_period b = at(RISK_SCHED_DAILY, NULL, "2026-11-29T16:00:00.000Z");
	struct risk_period n;

	(void)state;
	assert_string_equal(a.label, "2026-11-29");
	assert_int_equal(a.start_ms, utc("2026-11-28T16:00:00Z"));
	assert_int_equal(a.end_ms, utc("2026-11-29T16:00:00Z"));
	assert_string_equal(b.label, "2026-11-30");
	assert_int_equal(b.start_ms, a.end_ms);
	assert_int_equal(risk_period_next(RISK_SCHED_DAILY, NULL, &a, &n), 0);
	assert_string_equal(n.label, b.label);
	/* the 00:00 local instant itself belongs to the new day (half-open periods) */
	assert_string_equal(at(RISK_SCHED_DAILY, NULL, "2026-11-28T16:00:00.000Z").label,
			    "2026-11-29");
}

/* A monthly task on the 31st: Jan 31 23:59 local is January; Feb 1 00:00 local is February. */
static void test_monthly_on_the_31st_and_leap_february(void **state)
{
	struct risk_period jan = at(RISK_SCHED_MONTHLY, NULL, "2027-01-31T15:59:00Z");
	struct risk_period feb = at(RISK_SCHED_MONTHLY, NULL, "2027-01-31T16:00:00Z");
	struct risk_period f28, mar;

	(void)state;
	assert_string_equal(jan.label, "2027-01");
	assert_int_equal(jan.start_ms, utc("2026-12-31T16:00:00Z"));
	assert_int_equal(jan.end_ms, utc("2027-01-31T16:00:00Z"));
	assert_string_equal(feb.label, "2027-02");
	assert_int_equal(feb.end_ms, utc("2027-02-28T16:00:00Z")); /* 28 days in 2027 */
	/* 2028 is a leap year (GB/T 7408 / ISO 8601 Gregorian): February has 29 days */
	f28 = at(RISK_SCHED_MONTHLY, NULL, "2028-02-29T15:59:59.999Z");
	assert_string_equal(f28.label, "2028-02");
	assert_int_equal(f28.start_ms, utc("2028-01-31T16:00:00Z"));
	assert_int_equal(f28.end_ms, utc("2028-02-29T16:00:00Z"));
	assert_int_equal(risk_period_next(RISK_SCHED_MONTHLY, NULL, &f28, &mar), 0);
	assert_string_equal(mar.label, "2028-03");
	assert_int_equal(mar.end_ms, utc("2028-03-31T16:00:00Z"));
	/* December rolls into the next year */
	assert_string_equal(at(RISK_SCHED_MONTHLY, NULL, "2026-12-31T15:59:59Z").label, "2026-12");
	assert_string_equal(at(RISK_SCHED_MONTHLY, NULL, "2026-12-31T16:00:00Z").label, "2027-01");
}

/* ISO 8601 §3.2.2: 2026-12-31 is a Thursday, so 2026 has 53 weeks: W53 = Mon 12-28 .. Sun 01-03. */
static void test_weekly_across_the_year_end(void **state)
{
	struct risk_period w53 = at(RISK_SCHED_WEEKLY, NULL, "2026-12-31T12:00:00Z");
	struct risk_period sun = at(RISK_SCHED_WEEKLY, NULL, "2027-01-03T15:59:59.999Z");
	struct risk_period w1 = at(RISK_SCHED_WEEKLY, NULL, "2027-01-03T16:00:00Z");
	struct risk_period mon = at(RISK_SCHED_WEEKLY, NULL, "2026-12-27T16:00:00Z");
	struct risk_period w52 = at(RISK_SCHED_WEEKLY, NULL, "2026-12-27T15:59:59.999Z");

	(void)state;
	assert_string_equal(w53.label, "2026-W53");
	assert_int_equal(w53.start_ms, utc("2026-12-27T16:00:00Z")); /* Mon 28 Dec 00:00 local */
	assert_int_equal(w53.end_ms, utc("2027-01-03T16:00:00Z"));   /* Mon 4 Jan 00:00 local */
	assert_string_equal(sun.label, "2026-W53");
	assert_string_equal(mon.label, "2026-W53");
	assert_string_equal(w52.label, "2026-W52");
	assert_string_equal(w1.label, "2027-W01");
	/* 2026-W01 starts on Mon 2025-12-29 (2026-01-01 is a Thursday) */
	assert_string_equal(at(RISK_SCHED_WEEKLY, NULL, "2025-12-28T16:00:00Z").label, "2026-W01");
	assert_string_equal(at(RISK_SCHED_WEEKLY, NULL, "2025-12-28T15:59:59Z").label, "2025-W52");
	/* 2026-11-29 is a Sunday: still W48 */
	assert_string_equal(at(RISK_SCHED_WEEKLY, NULL, "2026-11-29T12:00:00Z").label, "2026-W48");
}

/* Default shifts 00:00 (#1), 08:00 (#2), 16:00 (#3) local; #3 runs across midnight. */
static void test_shifts_across_midnight(void **state)
{
	struct risk_shifts sh = default_shifts();
	struct risk_period night, late, early, next;

	(void)state;
	assert_int_equal(sh.n, 3);
	assert_int_equal(sh.start_min[0], 0);
	assert_int_equal(sh.start_min[1], 8 * 60);
	assert_int_equal(sh.start_min[2], 16 * 60);
	/* 23:59:59.999 local on the 29th: the shift that started at 16:00 local */
	late = at(RISK_SCHED_SHIFT, &sh, "2026-11-29T15:59:59.999Z");
	assert_string_equal(late.label, "2026-11-29#3");
	assert_int_equal(late.start_ms, utc("2026-11-29T08:00:00Z"));
	assert_int_equal(late.end_ms, utc("2026-11-29T16:00:00Z"));
	/* 00:00 local on the 30th: shift #1 of the 30th */
	night = at(RISK_SCHED_SHIFT, &sh, "2026-11-29T16:00:00Z");
	assert_string_equal(night.label, "2026-11-30#1");
	assert_int_equal(night.end_ms, utc("2026-11-30T00:00:00Z"));
	assert_int_equal(risk_period_next(RISK_SCHED_SHIFT, &sh, &night, &next), 0);
	assert_string_equal(next.label, "2026-11-30#2");
	/* Shifts 08:00 and 20:00: 03:00 local on the 30th is still the 29th's night shift */
	assert_int_equal(risk_shifts_parse("20:00,08:00", &sh, NULL), 0);
	early = at(RISK_SCHED_SHIFT, &sh, "2026-11-29T19:00:00Z");
	assert_string_equal(early.label, "2026-11-29#2");
	assert_int_equal(early.start_ms, utc("2026-11-29T12:00:00Z"));
	assert_int_equal(early.end_ms, utc("2026-11-30T00:00:00Z"));
}

static void test_bad_shift_starts_refused(void **state)
{
	static const char *const bad[] = { "",
					   "8:00",
					   "08:00, 16:00",
					   "24:00",
					   "08:60",
					   "08:00,08:00",
					   "08:00,",
					   "0800",
					   "08:00;16:00",
					   "00:00,01:00,02:00,03:00,04:00,05:00,06:00,"
					   "07:00,08:00" };
	struct risk_shifts sh;
	struct errmsg why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&why, 0, sizeof(why));
		if (risk_shifts_parse(bad[i], &sh, &why) != ERR_INVALID)
			fail_msg("'%s' was accepted", bad[i]);
		assert_string_equal(why.field, "risk.shift_starts");
	}
	assert_int_equal(risk_shifts_parse(NULL, &sh, NULL), ERR_INVALID);
	assert_int_equal(risk_shifts_parse("06:30", &sh, NULL), 0);
	assert_int_equal(sh.n, 1);
	/* one shift: a whole day from 06:30 local */
	assert_string_equal(at(RISK_SCHED_SHIFT, &sh, "2026-11-29T22:29:00Z").label,
			    "2026-11-29#1");
	assert_string_equal(at(RISK_SCHED_SHIFT, &sh, "2026-11-29T22:30:00Z").label,
			    "2026-11-30#1");
}

static void test_periods_between_is_bounded(void **state)
{
	struct risk_shifts sh = default_shifts();
	struct risk_period p[5];
	size_t n;

	(void)state;
	/* 2026-11-27 12:00 local .. 2026-11-29 12:00 local: three days */
	n = risk_periods_between(RISK_SCHED_DAILY, NULL, utc("2026-11-27T04:00:00Z"),
				 utc("2026-11-29T04:00:00Z"), p, 5);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].label, "2026-11-27");
	assert_string_equal(p[2].label, "2026-11-29");
	/* nine shifts in three days: only the newest five are kept */
	n = risk_periods_between(RISK_SCHED_SHIFT, &sh, utc("2026-11-26T16:00:00Z"),
				 utc("2026-11-29T15:59:59Z"), p, 5);
	assert_int_equal(n, 5);
	assert_string_equal(p[0].label, "2026-11-28#2");
	assert_string_equal(p[4].label, "2026-11-29#3");
	assert_int_equal(risk_periods_between(RISK_SCHED_DAILY, NULL, 10, 5, p, 5), 0);
}

static void test_missed_rule_and_completion_rate(void **state)
{
	int64_t end = utc("2026-11-29T16:00:00Z");
	double r = -1;

	(void)state;
	assert_false(risk_task_missed(RISK_TASK_OPEN, end, end - 1));
	assert_true(risk_task_missed(RISK_TASK_OPEN, end, end));
	/* counted once: a missed (or done) task is never missed again */
	assert_false(risk_task_missed(RISK_TASK_MISSED, end, end + 1));
	assert_false(risk_task_missed(RISK_TASK_PASSED, end, end + 1));
	assert_false(risk_task_missed(RISK_TASK_FAILED, end, end + 1));
	assert_false(risk_completion_rate(0, 0, 0, &r));
	assert_true(risk_completion_rate(2, 1, 1, &r));
	assert_true(r > 0.7499 && r < 0.7501);
	assert_true(risk_completion_rate(0, 0, 3, &r));
	assert_true(r == 0.0);
}

static void test_names(void **state)
{
	enum risk_schedule s;

	(void)state;
	assert_int_equal(risk_schedule_parse("weekly", &s), 0);
	assert_int_equal(s, RISK_SCHED_WEEKLY);
	assert_int_equal(risk_schedule_parse("hourly", &s), ERR_INVALID);
	assert_string_equal(risk_schedule_name(RISK_SCHED_SHIFT), "shift");
	assert_null(risk_schedule_name(RISK_SCHED_COUNT_));
	assert_string_equal(risk_task_state_name(RISK_TASK_MISSED), "missed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daily_across_midnight_utc8),
		cmocka_unit_test(test_monthly_on_the_31st_and_leap_february),
		cmocka_unit_test(test_weekly_across_the_year_end),
		cmocka_unit_test(test_shifts_across_midnight),
		cmocka_unit_test(test_bad_shift_starts_refused),
		cmocka_unit_test(test_periods_between_is_bounded),
		cmocka_unit_test(test_missed_rule_and_completion_rate),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
