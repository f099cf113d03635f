/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/core/ratelimit.c, the fixed-window limiter behind the
 * login rate limit per client IP (issue #2 §6; 429 with Retry-After, RFC 9110
 * §10.2.3, in whole seconds). Times are given, not read from a clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/ratelimit.h"
#include "core/banned.h"

#define T0     1767225600000LL
#define MINUTE 60000

static void test_limit_per_window(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(3, MINUTE);
	int retry = -1;

	(void)state;
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0, &retry));
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0 + 10, &retry));
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0 + 20, &retry));
	assert_int_equal(retry, -1); /* untouched while allowed */
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0 + 30, &retry));
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0 + MINUTE - 1, NULL));
	rate_limiter_free(rl);
}

/* Retry-After is the rest of the window, rounded up to whole seconds. */
static void test_retry_after_rounds_up(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(1, MINUTE);
	int retry = -1;

	(void)state;
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0, &retry));
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0, &retry));
	assert_int_equal(retry, 60);
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0 + 1500, &retry));
	assert_int_equal(retry, 59);
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0 + MINUTE - 1, &retry));
	assert_int_equal(retry, 1);
	rate_limiter_free(rl);
}

static void test_new_window_allows_again(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(2, MINUTE);

	(void)state;
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0, NULL));
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0, NULL));
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0 + MINUTE - 1, NULL));
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0 + MINUTE, NULL));
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0 + MINUTE + 1, NULL));
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0 + MINUTE + 2, NULL));
	rate_limiter_free(rl);
}

static void test_keys_are_independent(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(1, MINUTE);

	(void)state;
	assert_true(rate_limiter_allow(rl, "192.0.2.1", T0, NULL));
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0, NULL));
	assert_true(rate_limiter_allow(rl, "192.0.2.2", T0, NULL));
	assert_true(rate_limiter_allow(rl, "2001:db8::1", T0, NULL));
	assert_false(rate_limiter_allow(rl, "2001:db8::1", T0, NULL));
	assert_false(rate_limiter_allow(rl, "192.0.2.2", T0, NULL));
	rate_limiter_free(rl);
}

/* Many clients at once: each keeps its own count. */
static void test_many_keys(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(2, MINUTE);
	char key[48];

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 1000; i++) {
			snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
			assert_true(rate_limiter_allow(rl, key, T0 + round, NULL));
		}
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		if (rate_limiter_allow(rl, key, T0 + 2, NULL))
			fail_msg("client %s allowed a third time", key);
	}
	rate_limiter_free(rl);
}

/* The longest textual IPv6 address with a zone must still be limited. */
static void test_long_key_is_limited(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(1, MINUTE);
	const char *key = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%enp0s31f6-long-zone-id";

	(void)state;
	assert_true(rate_limiter_allow(rl, key, T0, NULL));
	assert_false(rate_limiter_allow(rl, key, T0 + 1, NULL));
	assert_false(rate_limiter_allow(rl, key, T0 + 2, NULL));
	rate_limiter_free(rl);
}

/*
 * ratelimit.h: rate_limiter_allow_ex reports the number of the event within its key's
 * window, refused events included, so limit + 1 is the first refusal (the one login
 * audits) and the count starts again at 1 in a new window.
 */
static void test_allow_ex_reports_the_attempt_number(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(3, MINUTE);
	int retry = -1, attempt = -1;

	(void)state;
	for (int i = 1; i <= 3; i++) {
		assert_true(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + i, &retry, &attempt));
		assert_int_equal(attempt, i);
	}
	assert_int_equal(retry, -1);
	assert_false(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + 10, &retry, &attempt));
	assert_int_equal(attempt, 4); /* the first refusal */
	assert_int_equal(retry, 60);
	assert_false(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + 20, &retry, &attempt));
	assert_int_equal(attempt, 5); /* refused ones count too */
	/* another key has its own count */
	assert_true(rate_limiter_allow_ex(rl, "192.0.2.2", T0 + 20, NULL, &attempt));
	assert_int_equal(attempt, 1);
	/* plain rate_limiter_allow counts in the same window */
	assert_false(rate_limiter_allow(rl, "192.0.2.1", T0 + 30, NULL));
	assert_false(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + 40, NULL, &attempt));
	assert_int_equal(attempt, 7);
	/* a new window starts again at 1, and allows */
	assert_true(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + MINUTE + 1, NULL, &attempt));
	assert_int_equal(attempt, 1);
	/* attempt may be NULL */
	assert_true(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + MINUTE + 2, NULL, NULL));
	assert_true(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + MINUTE + 3, NULL, &attempt));
	assert_int_equal(attempt, 3);
	assert_false(rate_limiter_allow_ex(rl, "192.0.2.1", T0 + MINUTE + 4, NULL, &attempt));
	assert_int_equal(attempt, 4);
	rate_limiter_free(rl);
}

/* A flood of refused events keeps being refused (the count cannot wrap into "allowed"). */
static void test_allow_ex_flood_stays_refused(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(1, MINUTE);
	int attempt = 0;

	(void)state;
	assert_true(rate_limiter_allow_ex(rl, "192.0.2.9", T0, NULL, &attempt));
	for (int i = 2; i <= 10000; i++) {
		if (rate_limiter_allow_ex(rl, "192.0.2.9", T0 + 1, NULL, &attempt))
			fail_msg("event %d allowed", i);
		if (attempt != i)
			fail_msg("event %d reported as %d", i, attempt);
	}
	rate_limiter_free(rl);
}

static void test_free_null(void **state)
{
	(void)state;
	rate_limiter_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_window),
		cmocka_unit_test(test_retry_after_rounds_up),
		cmocka_unit_test(test_new_window_allows_again),
		cmocka_unit_test(test_keys_are_independent),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_long_key_is_limited),
		cmocka_unit_test(test_allow_ex_reports_the_attempt_number),
		cmocka_unit_test(test_allow_ex_flood_stays_refused),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
