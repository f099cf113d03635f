/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/enterprise/licence.c and the local-date helpers of
 * src/core/clock.c: the local (UTC+8, China Standard Time, no DST: DESIGN §3)
 * calendar day of an instant, strict YYYY-MM-DD parsing of real calendar dates
 * (Gregorian leap years), the licence warning states at every band edge
 * (docs/enterprise.md: days_left -1, 0, 30, 31, 60, 61, 90, 91 with the default
 * 90/60/30 bands, and with other bands), the date ranges of the list filters,
 * and the field checks. No server, no database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "enterprise/licence.h"
#include "core/banned.h"

static const struct licence_bands defaults = { .days_90 = 90, .days_60 = 60, .days_30 = 30 };

/* Day number of a date that must parse. */
static int64_t d(const char *s)
{
	int64_t day = 0;

	if (date_parse(s, &day) != 0)
		fail_msg("'%s' does not parse", s);
	return day;
}

static void assert_local_date(int64_t ms, const char *want)
{
	char got[16];

	date_format(local_day(ms), got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("%lld ms: local date %s, want %s", (long long)ms, got, want);
}

/* 2026-11-29T16:00:00Z = 1795968000000 ms: midnight of 2026-11-30 in UTC+8. */
static void test_local_day_changes_at_16_utc(void **state)
{
	(void)state;
	assert_local_date(1795968000000LL - 1000, "2026-11-29");	      /* 15:59:59Z */
	assert_local_date(1795968000000LL - 1, "2026-11-29");		      /* 15:59:59.999Z */
	assert_local_date(1795968000000LL, "2026-11-30");		      /* 16:00:00Z */
	assert_local_date(1795968000000LL + 8 * 3600000LL - 1, "2026-11-30"); /* 23:59:59.999Z */
	assert_int_equal(local_day(1795968000000LL), d("2026-11-30"));
	/* The epoch: 1970-01-01T00:00Z is 08:00 local; the day began at 1969-12-31T16:00Z. */
	assert_int_equal(local_day(0), 0);
	assert_int_equal(local_day(-8 * 3600000LL), 0);
	assert_int_equal(local_day(-8 * 3600000LL - 1), -1);
	assert_local_date(-8 * 3600000LL - 1, "1969-12-31");
	/* A fixed "now" (setting fake.now_ms) gives that day; 0 means the clock. */
	assert_int_equal(today_local(1795968000000LL), d("2026-11-30"));
	assert_int_equal(today_local(0), local_day(now_ms()));
}

static void test_dates_are_real_calendar_dates(void **state)
{
	static const char *const good[] = {
		"2026-01-01", "2026-12-31", "2024-02-29", "2000-02-29",
		"1900-01-01", "2999-12-31", "2026-04-30", "2028-02-29"
	};
	static const char *const bad[] = {
		"2026-02-29", /* 2026 is not a leap year */
		"1900-02-29", /* divisible by 100, not by 400 */
		"2026-04-31",  "2026-06-31",  "2026-13-01",	  "2026-00-10", "2026-01-00",
		"2026-01-32",  "2026-1-01",   "2026-01-1",	  "26-01-01",	"2026/01/01",
		"2026-01-01 ", " 2026-01-01", "2026-01-01T00:00", "",		"1899-12-31",
		"3000-01-01",  "+026-01-01",  "2026-0a-01",	  "20260101",
	};
	int64_t day;
	char back[16];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (date_parse(good[i], &day) != 0)
			fail_msg("'%s' refused", good[i]);
		date_format(day, back, sizeof(back));
		assert_string_equal(back, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (date_parse(bad[i], &day) != ERR_INVALID)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(date_parse(NULL, &day), ERR_INVALID);
	/* Day numbers: consecutive dates differ by one, across month, year and leap day. */
	assert_int_equal(d("1970-01-01"), 0);
	assert_int_equal(d("2024-03-01") - d("2024-02-28"), 2);
	assert_int_equal(d("2026-03-01") - d("2026-02-28"), 1);
	assert_int_equal(d("2027-01-01") - d("2026-12-31"), 1);
	assert_int_equal(d("2027-01-01") - d("2026-01-01"), 365);
	assert_int_equal(d("2029-01-01") - d("2028-01-01"), 366);
	/* Every day of 1900..2100 formats and parses back to itself. */
	for (day = d("1900-01-01"); day <= d("2100-12-31"); day++) {
		int64_t again = -1;

		date_format(day, back, sizeof(back));
		if (date_parse(back, &again) != 0 || again != day)
			fail_msg("day %lld -> %s -> %lld", (long long)day, back, (long long)again);
	}
}

/* The bands at every edge (docs/enterprise.md): days_left = valid_until - today. */
static void test_states_at_every_band_edge(void **state)
{
	static const struct {
		int days_left;
		enum licence_state want;
	} cases[] = {
		{ -365, LICENCE_STATE_EXPIRED },   { -1, LICENCE_STATE_EXPIRED },
		{ 0, LICENCE_STATE_EXPIRING_30 },  { 1, LICENCE_STATE_EXPIRING_30 },
		{ 30, LICENCE_STATE_EXPIRING_30 }, { 31, LICENCE_STATE_EXPIRING_60 },
		{ 60, LICENCE_STATE_EXPIRING_60 }, { 61, LICENCE_STATE_EXPIRING_90 },
		{ 90, LICENCE_STATE_EXPIRING_90 }, { 91, LICENCE_STATE_VALID },
		{ 1095, LICENCE_STATE_VALID },
	};
	int64_t today = d("2026-11-30");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum licence_state got =
			licence_state(today + cases[i].days_left, today, &defaults);

		if (got != cases[i].want)
			fail_msg("days_left %d: %s, want %s", cases[i].days_left,
				 licence_state_name(got), licence_state_name(cases[i].want));
	}
	/* The last day of validity is 2026-11-30 itself: still valid that day (0 left). */
	assert_int_equal(licence_state(d("2026-11-30"), today, &defaults),
			 LICENCE_STATE_EXPIRING_30);
	assert_int_equal(licence_state(d("2026-11-29"), today, &defaults), LICENCE_STATE_EXPIRED);
	/* Ordered from best to worst: the worst state of several is the largest value. */
	assert_true(LICENCE_STATE_VALID < LICENCE_STATE_EXPIRING_90);
	assert_true(LICENCE_STATE_EXPIRING_90 < LICENCE_STATE_EXPIRING_60);
	assert_true(LICENCE_STATE_EXPIRING_60 < LICENCE_STATE_EXPIRING_30);
	assert_true(LICENCE_STATE_EXPIRING_30 < LICENCE_STATE_EXPIRED);
}

static void test_states_follow_configured_bands(void **state)
{
	const struct licence_bands b = { .days_90 = 120, .days_60 = 45, .days_30 = 0 };

	(void)state;
	assert_int_equal(licence_state(100, 100, &b), LICENCE_STATE_EXPIRING_30);
	assert_int_equal(licence_state(101, 100, &b), LICENCE_STATE_EXPIRING_60);
	assert_int_equal(licence_state(145, 100, &b), LICENCE_STATE_EXPIRING_60);
	assert_int_equal(licence_state(146, 100, &b), LICENCE_STATE_EXPIRING_90);
	assert_int_equal(licence_state(220, 100, &b), LICENCE_STATE_EXPIRING_90);
	assert_int_equal(licence_state(221, 100, &b), LICENCE_STATE_VALID);
	assert_int_equal(licence_state(99, 100, &b), LICENCE_STATE_EXPIRED);
}

static void test_state_names(void **state)
{
	static const char *const names[] = { "valid", "expiring_90", "expiring_60", "expiring_30",
					     "expired" };
	enum licence_state s;

	(void)state;
	for (int i = 0; i < 5; i++) {
		assert_string_equal(licence_state_name((enum licence_state)i), names[i]);
		assert_int_equal(licence_state_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(licence_state_parse("expiring", &s), ERR_INVALID);
	assert_int_equal(licence_state_parse("", &s), ERR_INVALID);
	assert_int_equal(licence_state_parse(NULL, &s), ERR_INVALID);
}

static void assert_range(const char *state, int64_t within, bool has_from, int64_t from,
			 bool has_to, int64_t to)
{
	const struct licence_rules r = { .today = 1000, .bands = defaults };
	struct licence_range got;

	assert_int_equal(licence_filter_range(state, within, &r, &got), 0);
	if (got.has_from != has_from || (has_from && got.from != from) || got.has_to != has_to ||
	    (has_to && got.to != to))
		fail_msg("%s/%lld: [%s%lld, %s%lld], want [%s%lld, %s%lld]", state ? state : "-",
			 (long long)within, got.has_from ? "" : "open ", (long long)got.from,
			 got.has_to ? "" : "open ", (long long)got.to, has_from ? "" : "open ",
			 (long long)from, has_to ? "" : "open ", (long long)to);
}

/* Each state is a range of valid_until days; filters intersect. today = day 1000. */
static void test_filter_ranges(void **state)
{
	const struct licence_rules r = { .today = 1000, .bands = defaults };
	struct licence_range got;

	(void)state;
	assert_range(NULL, -1, false, 0, false, 0);
	assert_range("expired", -1, false, 0, true, 999);
	assert_range("expiring_30", -1, true, 1000, true, 1030);
	assert_range("expiring_60", -1, true, 1031, true, 1060);
	assert_range("expiring_90", -1, true, 1061, true, 1090);
	assert_range("valid", -1, true, 1091, false, 0);
	assert_range("expiring", -1, true, 1000, true, 1090);
	assert_range(NULL, 30, true, 1000, true, 1030);
	assert_range(NULL, 0, true, 1000, true, 1000);
	assert_range("expiring_60", 45, true, 1031, true, 1045);
	assert_range("valid", 400, true, 1091, true, 1400);
	/* An empty intersection: from > to selects nothing. */
	assert_range("expired", 10, true, 1000, true, 999);
	assert_int_equal(licence_filter_range("soon", -1, &r, &got), ERR_INVALID);
}

static void fill(struct licence *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->type, sizeof(l->type), "hazchem_business");
	snprintf(l->number, sizeof(l->number), "苏（盐）危化经字〔2024〕000123");
	snprintf(l->issuer, sizeof(l->issuer), "盐城市应急管理局");
	snprintf(l->valid_from, sizeof(l->valid_from), "2024-03-01");
	snprintf(l->valid_until, sizeof(l->valid_until), "2027-02-28");
}

/* One bad field at a time; the error names it. */
static void test_check_names_each_field(void **state)
{
	static const struct {
		const char *field, *value, *want;
	} cases[] = {
		{ "type", "driving", "type" },
		{ "type", "", "type" },
		{ "number", "", "number" },
		{ "number", "  ", "number" },
		/* Blank in any common way: line breaks, the ideographic space of Chinese input
		 * methods (U+3000), the no-break space (U+00A0). */
		{ "number", "\n", "number" },
		{ "number", " \t\r\n\v\f", "number" },
		{ "number", "\xe3\x80\x80", "number" },
		{ "number", "\xc2\xa0\xe3\x80\x80 ", "number" },
		{ "valid_from", "2026-02-29", "valid_from" },
		{ "valid_from", "2024-3-1", "valid_from" },
		{ "valid_until", "2027-02-29", "valid_until" },
		{ "valid_until", "2024-02-29", "valid_until" }, /* before valid_from */
		{ "valid_until", "", "valid_until" },
	};
	struct field_errors fe;
	struct licence l;

	(void)state;
	fill(&l);
	memset(&fe, 0, sizeof(fe));
	assert_int_equal(licence_check(&l, &fe), 0);
	assert_int_equal(fe.n, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dst;
		size_t n;

		fill(&l);
		if (strcmp(cases[i].field, "type") == 0) {
			dst = l.type;
			n = sizeof(l.type);
		} else if (strcmp(cases[i].field, "number") == 0) {
			dst = l.number;
			n = sizeof(l.number);
		} else if (strcmp(cases[i].field, "valid_from") == 0) {
			dst = l.valid_from;
			n = sizeof(l.valid_from);
		} else {
			dst = l.valid_until;
			n = sizeof(l.valid_until);
		}
		snprintf(dst, n, "%s", cases[i].value);
		memset(&fe, 0, sizeof(fe));
		assert_int_equal(licence_check(&l, &fe), ERR_INVALID);
		if (fe.n != 1 || strcmp(fe.e[0].field, cases[i].want) != 0)
			fail_msg("%s='%s': %zu errors, first '%s'", cases[i].field, cases[i].value,
				 fe.n, fe.n ? fe.e[0].field : "");
	}
	/* One day of validity is a period too. */
	fill(&l);
	snprintf(l.valid_until, sizeof(l.valid_until), "2024-03-01");
	memset(&fe, 0, sizeof(fe));
	assert_int_equal(licence_check(&l, &fe), 0);
}

static void test_types(void **state)
{
	static const char *const types[] = {
		"safety_production",  "hazchem_business", "hazchem_use",
		"fireworks_business", "mining",		  "other"
	};

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_non_null(licence_type_zh(types[i]));
	assert_string_equal(licence_type_zh("safety_production"), "安全生产许可证");
	assert_string_equal(licence_type_zh("hazchem_use"), "危险化学品安全使用许可证");
	assert_null(licence_type_zh("Safety_production"));
	assert_null(licence_type_zh(""));
	assert_null(licence_type_zh(NULL));
}

static void test_json_with_and_without_state(void **state)
{
	struct licence_rules r = { .bands = defaults };
	struct licence l;
	json_t *o;

	(void)state;
	fill(&l);
	l.id = 7;
	l.enterprise_id = 3;
	o = licence_json(&l, NULL); /* audit records: no state of the day */
	assert_null(json_object_get(o, "state"));
	assert_null(json_object_get(o, "days_left"));
	assert_string_equal(json_str(o, "number"), "苏（盐）危化经字〔2024〕000123");
	assert_int_equal(json_i64(o, "enterprise_id", 0), 3);
	json_decref(o);
	r.today = d("2027-01-29"); /* valid until 2027-02-28: 30 days left */
	o = licence_json(&l, &r);
	assert_string_equal(json_str(o, "state"), "expiring_30");
	assert_int_equal(json_i64(o, "days_left", -99), 30);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_day_changes_at_16_utc),
		cmocka_unit_test(test_dates_are_real_calendar_dates),
		cmocka_unit_test(test_states_at_every_band_edge),
		cmocka_unit_test(test_states_follow_configured_bands),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_filter_ranges),
		cmocka_unit_test(test_check_names_each_field),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_json_with_and_without_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
