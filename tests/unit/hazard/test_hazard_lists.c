/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/hazard/hazard_lists.c: the overdue scan's decisions (issue 4 §3: due
 * at the end of the deadline day UTC+8, overdue_30 beyond 30 days, listed supervision for
 * every overdue major hazard and every hazard overdue > 30 days; blacklist rules B1/B2 of
 * docs/hazard.md), the scan's cut-off dates against hazard_deadline_state(), who is
 * notified, the grid warning, the supervision and blacklist state machines over every
 * state x action, and the statistics' arithmetic. No server, no database.
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
#include "hazard/hazard_lists.h"
#include "core/banned.h"

static int64_t d(const char *s)
{
	int64_t day = 0;

	if (date_parse(s, &day) != 0)
		fail_msg("'%s' does not parse", s);
	return day;
}

/* The instant of hh:mm:ss local time (UTC+8) on local date s. */
static int64_t local(const char *s, int hh, int mm, int ss)
{
	return d(s) * 86400000LL - CLOCK_LOCAL_OFFSET_MS + ((hh * 60 + mm) * 60 + ss) * 1000LL;
}

static const struct hazard_scan_rules rules = { { 3, 30 }, 0 };

static struct hazard_scan_facts facts(enum hazard_level level, const char *deadline)
{
	struct hazard_scan_facts f;

	memset(&f, 0, sizeof(f));
	f.level = level;
	f.deadline = d(deadline);
	return f;
}

static void test_scan_nothing_on_the_deadline_day_overdue_at_midnight(void **state)
{
	struct hazard_scan_facts f = facts(HAZARD_MAJOR, "2026-12-01");
	enum hazard_supervision_reason why;

	(void)state;
	/* Due at the end of 2026-12-01 in UTC+8, i.e. 2026-12-01T16:00:00Z. */
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-01", 23, 59, 59), &rules, &why), 0);
	assert_int_equal(why, HAZARD_SUP_NONE);
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-02", 0, 0, 0), &rules, &why),
			 HAZARD_SCAN_OVERDUE | HAZARD_SCAN_PROPOSE | HAZARD_SCAN_B1);
	assert_int_equal(why, HAZARD_SUP_OVERDUE_MAJOR);
	assert_string_equal(hazard_supervision_reason_name(why), "overdue_major");
}

static void test_scan_general_hazard_is_proposed_only_beyond_30_days(void **state)
{
	struct hazard_scan_facts f = facts(HAZARD_GENERAL, "2026-12-01");
	enum hazard_supervision_reason why;

	(void)state;
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-02", 12, 0, 0), &rules, &why),
			 HAZARD_SCAN_OVERDUE);
	f.had_overdue = true;
	/* 30 days past (2026-12-31): still "overdue"; 31 days past: overdue_30. */
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-31", 23, 59, 59), &rules, &why), 0);
	assert_int_equal(hazard_scan_decide(&f, local("2027-01-01", 0, 0, 0), &rules, &why),
			 HAZARD_SCAN_LONG | HAZARD_SCAN_PROPOSE);
	assert_int_equal(why, HAZARD_SUP_OVERDUE_30);
	assert_string_equal(hazard_supervision_reason_name(why), "overdue_30");
	/* Every step taken already: a second pass does nothing. */
	f.had_long = true;
	f.has_supervision = true;
	assert_int_equal(hazard_scan_decide(&f, local("2027-01-01", 0, 0, 0), &rules, &why), 0);
	assert_int_equal(why, HAZARD_SUP_NONE);
}

static void test_scan_first_pass_after_a_long_time_takes_every_step(void **state)
{
	struct hazard_scan_facts f = facts(HAZARD_MAJOR, "2026-02-28");
	enum hazard_supervision_reason why;

	(void)state;
	assert_int_equal(hazard_scan_decide(&f, local("2026-06-01", 9, 0, 0), &rules, &why),
			 HAZARD_SCAN_OVERDUE | HAZARD_SCAN_LONG | HAZARD_SCAN_PROPOSE |
				 HAZARD_SCAN_B1);
	assert_int_equal(why, HAZARD_SUP_OVERDUE_MAJOR);
}

static void test_scan_rule_b1_threshold_is_configurable(void **state)
{
	struct hazard_scan_rules r = { { 3, 30 }, 5 };
	struct hazard_scan_facts f = facts(HAZARD_MAJOR, "2026-12-01");
	enum hazard_supervision_reason why;

	(void)state;
	f.had_overdue = true;
	f.has_supervision = true;
	/* 5 days past: not more than 5; 6 days past: B1. */
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-06", 12, 0, 0), &r, &why), 0);
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-07", 12, 0, 0), &r, &why),
			 HAZARD_SCAN_B1);
	f.b1_proposed = true;
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-07", 12, 0, 0), &r, &why), 0);
	/* A general hazard never meets B1. */
	f = facts(HAZARD_GENERAL, "2026-12-01");
	f.had_overdue = true;
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-20", 12, 0, 0), &r, &why), 0);
}

static void test_scan_rule_b2_refusing_rectification(void **state)
{
	struct hazard_scan_facts f = facts(HAZARD_GENERAL, "2026-12-20");
	enum hazard_supervision_reason why;

	(void)state;
	/* Sent back once: nothing; twice: B2 even before the deadline. */
	f.send_backs = 1;
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-02", 12, 0, 0), &rules, &why), 0);
	f.send_backs = 2;
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-02", 12, 0, 0), &rules, &why),
			 HAZARD_SCAN_B2);
	f.b2_proposed = true;
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-02", 12, 0, 0), &rules, &why), 0);
	/* An extension refused and overdue_30 (not merely overdue). */
	f = facts(HAZARD_GENERAL, "2026-12-01");
	f.extension_refused = true;
	f.had_overdue = true;
	assert_int_equal(hazard_scan_decide(&f, local("2026-12-31", 12, 0, 0), &rules, &why), 0);
	f.had_long = true;
	f.has_supervision = true;
	assert_int_equal(hazard_scan_decide(&f, local("2027-01-01", 12, 0, 0), &rules, &why),
			 HAZARD_SCAN_B2);
}

/* The scan's SQL bounds give the state hazard_deadline_state() gives, around every edge. */
static void test_scan_cutoffs_agree_with_the_deadline_state(void **state)
{
	static const struct hazard_deadline_bands bands[] = { { 3, 30 }, { 0, 1 }, { 7, 90 } };
	static const char *const nows[] = { "2026-12-01", "2028-02-29", "2027-01-01",
					    "2026-03-01" };

	(void)state;
	for (size_t b = 0; b < sizeof(bands) / sizeof(bands[0]); b++)
		for (size_t n = 0; n < sizeof(nows) / sizeof(nows[0]); n++)
			for (int hh = 0; hh < 24; hh += 23) {
				int64_t now = local(nows[n], hh, 59, 59), over, lng;

				hazard_scan_cutoffs(now, &bands[b], &over, &lng);
				for (int64_t dl = d(nows[n]) - 120; dl < d(nows[n]) + 10; dl++) {
					enum hazard_deadline_state s =
						hazard_deadline_state(dl, now, &bands[b]);

					assert_int_equal(dl < over,
							 s == HAZARD_OVERDUE ||
								 s == HAZARD_OVERDUE_LONG);
					assert_int_equal(dl < lng, s == HAZARD_OVERDUE_LONG);
				}
			}
}

static void test_who_is_notified(void **state)
{
	(void)state;
	assert_int_equal(hazard_notify_recipients("hazard.overdue"),
			 HAZARD_TO_OFFICERS | HAZARD_TO_GRID | HAZARD_TO_DEPT);
	assert_int_equal(hazard_notify_recipients("hazard.overdue_30"),
			 HAZARD_TO_OFFICERS | HAZARD_TO_GRID | HAZARD_TO_DEPT);
	assert_int_equal(hazard_notify_recipients("hazard.supervision_proposed"),
			 HAZARD_TO_LEADERS);
	assert_int_equal(hazard_notify_recipients("hazard.unknown"), 0);
}

static void test_grid_warning_when_the_overdue_count_rises(void **state)
{
	(void)state;
	assert_true(hazard_grid_warning(3, true, 2));
	assert_true(hazard_grid_warning(1, true, 0)); /* missing from the snapshot: 0 */
	assert_false(hazard_grid_warning(2, true, 2));
	assert_false(hazard_grid_warning(1, true, 4));
	assert_false(hazard_grid_warning(5, false, 0)); /* no snapshot before today */
}

/* Every supervision state x action against the table of docs/hazard.md. */
static void test_supervision_state_machine(void **state)
{
	static const int want[HAZARD_SUP_STATE_COUNT_][HAZARD_SUP_ACTION_COUNT_] = {
		/* list, decline, progress, lift, manual (-1 = 409) */
		[HAZARD_SUP_PROPOSED] = { HAZARD_SUP_LISTED, HAZARD_SUP_DECLINED, -1, -1,
					  HAZARD_SUP_LISTED },
		[HAZARD_SUP_LISTED] = { -1, -1, HAZARD_SUP_LISTED, HAZARD_SUP_LIFTED, -1 },
		[HAZARD_SUP_DECLINED] = { -1, -1, -1, -1, HAZARD_SUP_LISTED },
		[HAZARD_SUP_LIFTED] = { -1, -1, -1, -1, HAZARD_SUP_LISTED },
	};
	enum hazard_sup_action a;
	char names[128];

	(void)state;
	for (int s = 0; s < HAZARD_SUP_STATE_COUNT_; s++) {
		enum hazard_sup_state parsed;

		assert_int_equal(hazard_sup_state_parse(hazard_sup_state_name(s), &parsed), 0);
		assert_int_equal(parsed, s);
		for (int k = 0; k < HAZARD_SUP_ACTION_COUNT_; k++) {
			enum hazard_sup_state next = HAZARD_SUP_STATE_COUNT_;
			unsigned allowed = 0;
			int rc = hazard_sup_transition(s, k, &next, &allowed);

			if (want[s][k] < 0) {
				assert_int_equal(rc, ERR_CONFLICT);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(next, want[s][k]);
			}
			assert_int_equal((allowed >> k) & 1u, want[s][k] >= 0);
		}
	}
	hazard_lists_actions_format(true, (1u << HAZARD_SUP_PROGRESS) | (1u << HAZARD_SUP_LIFT),
				    names, sizeof(names));
	assert_string_equal(names, "progress, lift");
	hazard_lists_actions_format(true, (1u << HAZARD_SUP_PROGRESS) | (1u << HAZARD_SUP_LIFT),
				    names, 12);
	assert_string_equal(names, "progress"); /* whole names only */
	/* "supervise" (manual) is its own route, not an action path. */
	assert_int_equal(hazard_sup_action_parse("lift", &a), 0);
	assert_int_equal(a, HAZARD_SUP_LIFT);
	assert_int_equal(hazard_sup_action_parse("supervise", &a), ERR_INVALID);
	assert_int_equal(hazard_sup_action_parse("shout", &a), ERR_INVALID);
}

static void test_blacklist_state_machine(void **state)
{
	static const int want[HAZARD_BL_STATE_COUNT_][HAZARD_BL_ACTION_COUNT_] = {
		/* confirm, reject, review, remove */
		[HAZARD_BL_PROPOSED] = { HAZARD_BL_LISTED, HAZARD_BL_REJECTED, -1, -1 },
		[HAZARD_BL_LISTED] = { -1, -1, HAZARD_BL_LISTED, HAZARD_BL_REMOVED },
		[HAZARD_BL_REJECTED] = { -1, -1, -1, -1 },
		[HAZARD_BL_REMOVED] = { -1, -1, -1, -1 },
	};
	char names[64];

	(void)state;
	for (int s = 0; s < HAZARD_BL_STATE_COUNT_; s++) {
		enum hazard_bl_state parsed;

		assert_int_equal(hazard_bl_state_parse(hazard_bl_state_name(s), &parsed), 0);
		assert_int_equal(parsed, s);
		for (int a = 0; a < HAZARD_BL_ACTION_COUNT_; a++) {
			enum hazard_bl_state next = HAZARD_BL_STATE_COUNT_;
			enum hazard_bl_action pa;
			unsigned allowed = 0;
			int rc = hazard_bl_transition(s, a, &next, &allowed);

			assert_int_equal(hazard_bl_action_parse(hazard_bl_action_name(a), &pa), 0);
			assert_int_equal(pa, a);
			if (want[s][a] < 0) {
				assert_int_equal(rc, ERR_CONFLICT);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(next, want[s][a]);
			}
			assert_int_equal((allowed >> a) & 1u, want[s][a] >= 0);
		}
	}
	hazard_lists_actions_format(false, (1u << HAZARD_BL_CONFIRM) | (1u << HAZARD_BL_REJECT),
				    names, sizeof(names));
	assert_string_equal(names, "confirm, reject");
}

static void test_region_key_one_level_below(void **state)
{
	size_t len;
	const char *pad;

	(void)state;
	/* GB/T 2260: 32 (province) -> 3209 + "00" (cities) -> 320902 (counties) -> towns. */
	assert_int_equal(hazard_stats_region_key(0, &len, &pad), 0);
	assert_int_equal(len, 2);
	assert_string_equal(pad, "0000");
	assert_int_equal(hazard_stats_region_key(2, &len, &pad), 0);
	assert_int_equal(len, 4);
	assert_string_equal(pad, "00");
	assert_int_equal(hazard_stats_region_key(4, &len, &pad), 0);
	assert_int_equal(len, 6);
	assert_string_equal(pad, "");
	assert_int_equal(hazard_stats_region_key(6, &len, &pad), 0);
	assert_int_equal(len, 9);
	assert_int_equal(hazard_stats_region_key(9, &len, &pad), 0);
	assert_int_equal(len, 12);
	assert_int_equal(hazard_stats_region_key(12, &len, &pad), 0);
	assert_int_equal(len, 12);
	assert_int_equal(hazard_stats_region_key(5, &len, &pad), ERR_INVALID);
}

static void test_rates(void **state)
{
	(void)state;
	assert_true(hazard_rate(5, 6) == 0.8333);
	assert_true(hazard_rate(2, 3) == 0.6667);
	assert_true(hazard_rate(1, 2) == 0.5);
	assert_true(hazard_rate(0, 4) == 0.0);
	assert_true(hazard_rate(3, 3) == 1.0);
	assert_true(hazard_rate(0, 0) < 0); /* no denominator: null */
}

static void test_months_are_local_months(void **state)
{
	int64_t starts[13];
	char labels[12][8];

	(void)state;
	/* 2026-01-31T16:00:00Z is 2026-02-01 00:00 in UTC+8: February is the current month. */
	hazard_stats_months(local("2026-02-01", 0, 0, 0), starts, labels);
	assert_string_equal(labels[0], "2025-03");
	assert_string_equal(labels[11], "2026-02");
	assert_true(starts[0] == local("2025-03-01", 0, 0, 0));
	assert_true(starts[11] == local("2026-02-01", 0, 0, 0));
	assert_true(starts[12] == local("2026-03-01", 0, 0, 0));
	hazard_stats_months(local("2026-01-31", 23, 59, 59), starts, labels);
	assert_string_equal(labels[11], "2026-01");
	assert_string_equal(labels[0], "2025-02");
	/* A leap February has 29 days. */
	hazard_stats_months(local("2028-02-29", 12, 0, 0), starts, labels);
	assert_true(starts[12] - starts[11] == 29 * 86400000LL);
	for (int i = 0; i < 12; i++)
		assert_true(starts[i] < starts[i + 1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_nothing_on_the_deadline_day_overdue_at_midnight),
		cmocka_unit_test(test_scan_general_hazard_is_proposed_only_beyond_30_days),
		cmocka_unit_test(test_scan_first_pass_after_a_long_time_takes_every_step),
		cmocka_unit_test(test_scan_rule_b1_threshold_is_configurable),
		cmocka_unit_test(test_scan_rule_b2_refusing_rectification),
		cmocka_unit_test(test_scan_cutoffs_agree_with_the_deadline_state),
		cmocka_unit_test(test_who_is_notified),
		cmocka_unit_test(test_grid_warning_when_the_overdue_count_rises),
		cmocka_unit_test(test_supervision_state_machine),
		cmocka_unit_test(test_blacklist_state_machine),
		cmocka_unit_test(test_region_key_one_level_below),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_months_are_local_months),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
