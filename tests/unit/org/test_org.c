/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/org/org.c, the account rules: password policy,
 * generated passwords, Argon2id round trip, login names, lockout, session
 * expiry, which scope a role may hold, and grid geometry. No server, no
 * database.
 *
 * Policy numbers come from DESIGN §6 (GB/T 22239-2019 level 3, 8.1.4.1 a:
 * authentication information has complexity requirements; b: login failure
 * handling, limits on failed logins, automatic logout on timeout) and the issue: >= 8 characters,
 * three of four classes, not the login, lockout after 5 failures for 15 min,
 * idle timeout 30 min, absolute 12 h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "core/perm.h"
#include "core/scope.h"
#include "org/org.h"
#include "core/banned.h"

#define MIN_MS (60 * 1000LL)
#define T0     1767225600000LL /* 2026-01-01T00:00:00Z */

static void pw_ok(const char *login, const char *pw)
{
	struct errmsg why = { 0 };

	if (org_password_check(login, pw, &why) != 0)
		fail_msg("password '%s' (login '%s') rejected: %s", pw, login ? login : "(null)",
			 why.text);
}

static void pw_bad(const char *login, const char *pw, const char *reason_part)
{
	struct errmsg why = { 0 };

	if (org_password_check(login, pw, &why) != ERR_INVALID)
		fail_msg("password '%s' (login '%s') accepted", pw, login ? login : "(null)");
	assert_string_equal(why.field, "password");
	if (strstr(why.text, reason_part) == NULL)
		fail_msg("password '%s': reason '%s' does not mention '%s'", pw, why.text,
			 reason_part);
}

/* Repeats unit (a UTF-8 string) n times after prefix into out. */
static void repeat(char *out, size_t size, const char *prefix, const char *unit, int n)
{
	size_t used = (size_t)snprintf(out, size, "%s", prefix);

	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, size - used, "%s", unit);
	assert_true(used < size);
}

/* GB/T 22239-2019 8.1.4.1 a), DESIGN §6: at least 8 characters. */
static void test_password_needs_at_least_8_characters(void **state)
{
	(void)state;
	pw_ok("zhangsan", "Abcdef1!");
	pw_ok("zhangsan", "Xy7#Xy7#Xy7#");
	pw_bad("zhangsan", "Abcde1!", "at least 8");
	pw_bad("zhangsan", "", "at least 8");
	pw_bad("zhangsan", "aB3$", "at least 8");
}

/*
 * The minimum counts characters (code points), not bytes: 安全生产Ab1! is 8
 * characters (16 bytes) and passes; 安全生Ab1! is 7 characters (13 bytes) and fails.
 */
static void test_password_length_counts_code_points(void **state)
{
	(void)state;
	pw_ok("zhangsan", "安全生产Ab1!");
	pw_ok("zhangsan", "安全生产监管Ab"); /* 8 characters: other, upper, lower */
	pw_bad("zhangsan", "安全生Ab1!", "at least 8");
	pw_bad("zhangsan", "安全生产监Ab", "at least 8");
	pw_ok("zhangsan", "😀😀😀😀Ab1x"); /* 4-byte characters count once each */
	pw_bad("zhangsan", "😀😀😀Ab1", "at least 8");
}

/* At most 128 characters, also counted in code points. */
static void test_password_at_most_128_characters(void **state)
{
	char pw[1024];

	(void)state;
	repeat(pw, sizeof(pw), "", "Aa1!", 32); /* 128 */
	pw_ok("zhangsan", pw);
	repeat(pw, sizeof(pw), "x", "Aa1!", 32); /* 129 */
	pw_bad("zhangsan", pw, "at most 128");
	repeat(pw, sizeof(pw), "Aa1", "安", 125); /* 128 characters, 378 bytes */
	pw_ok("zhangsan", pw);
	repeat(pw, sizeof(pw), "Aa1", "安", 126); /* 129 characters */
	pw_bad("zhangsan", pw, "at most 128");
}

/* GB/T 22239-2019 8.1.4.1 a) complexity: three of lower, upper, digit, other. */
static void test_password_needs_three_of_four_classes(void **state)
{
	(void)state;
	pw_bad("zhangsan", "abcdefgh", "three");
	pw_bad("zhangsan", "ABCDEFGH", "three");
	pw_bad("zhangsan", "12345678", "three");
	pw_bad("zhangsan", "!@#$%^&*", "three");
	pw_bad("zhangsan", "abcdEFGH", "three");
	pw_bad("zhangsan", "abcd1234", "three");
	pw_bad("zhangsan", "ABCD!@#$", "three");
	pw_bad("zhangsan", "安全生产监管部门", "three"); /* all "other" */
	pw_bad("zhangsan", "安全生产监管ab", "three");
	pw_ok("zhangsan", "abcdEF12");
	pw_ok("zhangsan", "abcd12!@");
	pw_ok("zhangsan", "ABCD12!@");
	pw_ok("zhangsan", "abcdEF!@");
	pw_ok("zhangsan", "ab CD 12"); /* a space is an "other" character */
}

/* GB/T 22239-2019 8.1.4.1 a): the password is not the login name nor contains it. */
static void test_password_must_not_be_or_contain_login(void **state)
{
	(void)state;
	pw_bad("zhangsan", "Zhangsan1!", "login");
	pw_bad("zhangsan", "1!ZHANGSAN", "login");
	pw_bad("zhangsan", "Ab1!zhangsanAb1!", "login");
	pw_bad("li.si-01", "li.si-01", "login");
	pw_bad("li.si-01", "LI.SI-01", "login");
	pw_ok("zhangsan", "Zhang-San1"); /* the login split is not the login */
	pw_ok(NULL, "Zhangsan1!");	 /* no login known yet */
}

static void test_password_rejects_invalid_utf8(void **state)
{
	(void)state;
	pw_bad("zhangsan", "Abcdef1!\xff", "UTF-8");
	pw_bad("zhangsan", "Abcdef1!\xe5\xae", "UTF-8");
}

/* A generated password (first admin, `user add` without one) always meets the policy. */
static void test_password_generate_always_meets_policy(void **state)
{
	char prev[17] = "";

	(void)state;
	for (int i = 0; i < 200; i++) {
		char pw[17];
		struct errmsg why = { 0 };

		memset(pw, 'x', sizeof(pw));
		org_password_generate(pw, sizeof(pw));
		assert_int_equal(strlen(pw), 16);
		if (org_password_check("admin", pw, &why) != 0)
			fail_msg("generated '%s' fails the policy: %s", pw, why.text);
		/* no look-alikes: people type it once from a terminal */
		assert_null(strpbrk(pw, "0O1lI"));
		assert_string_not_equal(pw, prev);
		snprintf(prev, sizeof(prev), "%s", pw);
	}
}

static void test_password_generate_respects_buffer_size(void **state)
{
	char buf[40];

	(void)state;
	memset(buf, '#', sizeof(buf));
	org_password_generate(buf, 17);
	assert_int_equal(strlen(buf), 16);
	assert_int_equal(buf[17], '#'); /* nothing written past n */
	memset(buf, '#', sizeof(buf));
	org_password_generate(buf, sizeof(buf));
	assert_int_equal(strlen(buf), 16);
}

static void fast_config(struct config *c)
{
	struct errmsg why = { 0 };

	config_defaults(c);
	assert_int_equal(config_set(c, "security.argon2_m_kib", "1024", &why), 0);
	assert_int_equal(config_set(c, "security.argon2_t_cost", "1", &why), 0);
}

/* DESIGN §6: Argon2id, in the PHC string form, salted, verified. */
static void test_password_hash_verify_round_trip(void **state)
{
	struct config cfg;
	char h1[256], h2[256];

	(void)state;
	fast_config(&cfg);
	assert_int_equal(org_password_hash(&cfg, "安全生产Ab1!", h1, sizeof(h1)), 0);
	assert_int_equal(strncmp(h1, "$argon2id$v=19$m=1024,t=1,p=1$", 30), 0);
	assert_true(org_password_verify(h1, "安全生产Ab1!"));
	assert_false(org_password_verify(h1, "安全生产Ab1?"));
	assert_false(org_password_verify(h1, "安全生产Ab1"));
	assert_false(org_password_verify(h1, ""));
	/* a fresh random salt each time */
	assert_int_equal(org_password_hash(&cfg, "安全生产Ab1!", h2, sizeof(h2)), 0);
	assert_string_not_equal(h1, h2);
	assert_true(org_password_verify(h2, "安全生产Ab1!"));
	/* garbage is not a hash of anything */
	assert_false(org_password_verify("not a hash", "安全生产Ab1!"));
	assert_false(org_password_verify("", ""));
}

static void test_password_hash_fails_on_small_buffer(void **state)
{
	struct config cfg;
	char h[16];

	(void)state;
	fast_config(&cfg);
	assert_int_equal(org_password_hash(&cfg, "Abcdef1!", h, sizeof(h)), ERR_INTERNAL);
}

static void login_bad(const char *login)
{
	struct errmsg why = { 0 };

	if (org_login_check(login, &why) != ERR_INVALID)
		fail_msg("login '%s' accepted", login);
	assert_string_equal(why.field, "login");
}

static void test_login_check(void **state)
{
	char l[80];
	struct errmsg why = { 0 };

	(void)state;
	assert_int_equal(org_login_check("abc", &why), 0);
	assert_int_equal(org_login_check("zhang.san_01-x@hz", &why), 0);
	repeat(l, sizeof(l), "", "a", 64);
	assert_int_equal(org_login_check(l, &why), 0);
	repeat(l, sizeof(l), "", "a", 65);
	login_bad(l);
	login_bad("ab");
	login_bad("");
	login_bad("Zhangsan");
	login_bad("zhang san");
	login_bad("张三丰");
	login_bad("zhang/san");
	login_bad("zhang'san");
}

/* DESIGN §6, GB/T 22239-2019 8.1.4.1 b): locked for 15 min after 5 consecutive failures. */
static void test_lockout_after_5_failures_for_15_minutes(void **state)
{
	(void)state;
	assert_int_equal(org_lockout_until(0, T0, 5, 15), 0);
	assert_int_equal(org_lockout_until(4, T0, 5, 15), 0);
	assert_int_equal(org_lockout_until(5, T0, 5, 15), T0 + 15 * MIN_MS);
	assert_int_equal(org_lockout_until(6, T0, 5, 15), T0 + 15 * MIN_MS);
	/* the configured numbers are used, not built-in ones */
	assert_int_equal(org_lockout_until(2, T0, 3, 60), 0);
	assert_int_equal(org_lockout_until(3, T0, 3, 60), T0 + 60 * MIN_MS);
}

/* A lockout that has run out starts the count again: one wrong password does not re-lock. */
static void test_failed_logins_restart_after_lockout(void **state)
{
	(void)state;
	assert_int_equal(org_failed_logins_after(0, 0, T0), 1);
	assert_int_equal(org_failed_logins_after(4, 0, T0), 5);
	/* locked until T0 + 1 ms: still locked, the count goes on */
	assert_int_equal(org_failed_logins_after(5, T0 + 1, T0), 6);
	/* the lock ran out at T0 (or earlier): the count restarts */
	assert_int_equal(org_failed_logins_after(5, T0, T0), 1);
	assert_int_equal(org_failed_logins_after(7, T0 - 60000, T0), 1);
	assert_int_equal(org_lockout_until(org_failed_logins_after(5, T0 - 1, T0), T0, 5, 15), 0);
}

/*
 * DESIGN §6, GB/T 22239-2019 8.1.4.1 b): idle timeout 30 min; at exactly 30
 * min idle the session has expired.
 */
static void test_session_idle_30_minutes(void **state)
{
	(void)state;
	assert_true(org_session_valid(T0, T0, T0, 30, 720));
	assert_true(org_session_valid(T0, T0, T0 + 30 * MIN_MS - 1, 30, 720));
	assert_false(org_session_valid(T0, T0, T0 + 30 * MIN_MS, 30, 720));
	assert_false(org_session_valid(T0, T0, T0 + 31 * MIN_MS, 30, 720));
	/* activity moves the idle window */
	assert_true(org_session_valid(T0, T0 + 20 * MIN_MS, T0 + 49 * MIN_MS, 30, 720));
	assert_false(org_session_valid(T0, T0 + 20 * MIN_MS, T0 + 50 * MIN_MS, 30, 720));
}

/* Issue #2 §6: absolute lifetime 12 h, even when used all the time; 12 h exactly is expired. */
static void test_session_absolute_12_hours(void **state)
{
	const int64_t h12 = 12 * 60 * MIN_MS;

	(void)state;
	assert_true(org_session_valid(T0, T0 + h12 - 2, T0 + h12 - 1, 30, 720));
	assert_false(org_session_valid(T0, T0 + h12 - 1, T0 + h12, 30, 720));
	assert_false(org_session_valid(T0, T0 + h12, T0 + h12 + 1, 30, 720));
}

static void role_scope(enum role r, const char *scope_text, int want)
{
	struct scope s;
	struct errmsg why = { 0 };
	int rc;

	assert_int_equal(scope_parse(scope_text, &s, &why), 0);
	rc = org_role_scope_check(r, &s, &why);
	if (rc != want)
		fail_msg("role %s with scope '%s': got %d, want %d", role_name(r), scope_text, rc,
			 want);
	if (want != 0)
		assert_string_equal(why.field, "scope");
}

/* DESIGN §1: which kind of data scope each role may hold. */
static void test_role_scope_check_matrix(void **state)
{
	static const enum role office[] = { ROLE_ADMIN, ROLE_LEADER, ROLE_INSPECTOR };
	static const enum role grid[] = { ROLE_GRID_MANAGER, ROLE_GRID_PATROLLER,
					  ROLE_GRID_SUPERVISOR };
	const char *ent = "enterprise:91330100716105852F";

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		role_scope(office[i], "all", 0);
		role_scope(office[i], "region:330106", 0);
		role_scope(office[i], "grids:1,2", ERR_INVALID);
		role_scope(office[i], ent, ERR_INVALID);
		role_scope(grid[i], "all", ERR_INVALID);
		role_scope(grid[i], "region:330106001", 0);
		role_scope(grid[i], "grids:1,2", 0);
		role_scope(grid[i], ent, ERR_INVALID);
	}
	role_scope(ROLE_ENTERPRISE_OFFICER, ent, 0);
	role_scope(ROLE_ENTERPRISE_OFFICER, "all", ERR_INVALID);
	role_scope(ROLE_ENTERPRISE_OFFICER, "region:330106", ERR_INVALID);
	role_scope(ROLE_ENTERPRISE_OFFICER, "grids:1", ERR_INVALID);
}

static void test_role_scope_check_unknown_role(void **state)
{
	struct scope s;
	struct errmsg why = { 0 };

	(void)state;
	assert_int_equal(scope_parse("all", &s, &why), 0);
	assert_int_equal(org_role_scope_check(ROLE_NONE, &s, &why), ERR_INVALID);
	assert_string_equal(why.field, "role");
}

static int geometry(const char *text, struct errmsg *why)
{
	json_error_t jerr;
	json_t *g = json_loads(text, 0, &jerr);
	int rc;

	if (g == NULL)
		fail_msg("test geometry is not JSON: %s: %s", jerr.text, text);
	rc = org_geometry_check(g, why);
	json_decref(g);
	return rc;
}

static void geometry_ok(const char *text)
{
	struct errmsg why = { 0 };

	if (geometry(text, &why) != 0)
		fail_msg("geometry rejected: %s: %s", why.text, text);
}

static void geometry_bad(const char *text, const char *reason_part)
{
	struct errmsg why = { 0 };

	if (geometry(text, &why) != ERR_INVALID)
		fail_msg("geometry accepted: %s", text);
	assert_string_equal(why.field, "geometry");
	if (strstr(why.text, reason_part) == NULL)
		fail_msg("reason '%s' does not mention '%s'", why.text, reason_part);
}

/* A ring around 西湖区, Hangzhou (CGCS2000 lon/lat). */
#define RING_HZ "[[120.10,30.20],[120.20,30.20],[120.20,30.30],[120.10,30.30],[120.10,30.20]]"
#define HOLE_HZ "[[120.12,30.22],[120.14,30.22],[120.14,30.24],[120.12,30.22]]"

/* RFC 7946 §3.1.6: a Polygon's rings are closed LinearRings of >= 4 positions. */
static void test_geometry_polygon_rings(void **state)
{
	(void)state;
	geometry_ok("{\"type\":\"Polygon\",\"coordinates\":[" RING_HZ "]}");
	geometry_ok("{\"type\":\"Polygon\",\"coordinates\":[" RING_HZ "," HOLE_HZ "]}");
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[[[120.1,30.2],[120.2,30.2],"
		     "[120.2,30.3],[120.1,30.3]]]}",
		     "end where it starts");
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[[[120.1,30.2],[120.2,30.2],"
		     "[120.1,30.2]]]}",
		     "at least 4");
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[]}", "at least one ring");
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[" RING_HZ ",[]]}", "at least 4");
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[[[120.1,30.2],[120.2],"
		     "[120.2,30.3],[120.1,30.2]]]}",
		     "position 1");
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[[[120.1,30.2],[\"120.2\",30.2],"
		     "[120.2,30.3],[120.1,30.2]]]}",
		     "position 1");
}

/* Issue #2: CGCS2000 positions inside China's extent, 73..136 E, 3..54 N. */
static void test_geometry_outside_china(void **state)
{
	(void)state;
	/* Tokyo */
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[[[139.6,35.6],[139.8,35.6],"
		     "[139.8,35.8],[139.6,35.6]]]}",
		     "outside China");
	/* latitude and longitude swapped */
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[[[30.2,120.1],[30.2,120.2],"
		     "[30.3,120.2],[30.2,120.1]]]}",
		     "outside China");
	/* one position just south of 3 N */
	geometry_bad("{\"type\":\"Polygon\",\"coordinates\":[[[112.0,3.5],[112.5,2.9],"
		     "[112.5,3.5],[112.0,3.5]]]}",
		     "outside China");
	/* the extent's corners are inside */
	geometry_ok("{\"type\":\"Polygon\",\"coordinates\":[[[73,3],[136,3],[136,54],[73,3]]]}");
}

/* RFC 7946 §3.1.7: a MultiPolygon is an array of Polygon coordinate arrays. */
static void test_geometry_multipolygon(void **state)
{
	(void)state;
	geometry_ok("{\"type\":\"MultiPolygon\",\"coordinates\":[[" RING_HZ "],"
		    "[" RING_HZ "," HOLE_HZ "]]}");
	geometry_bad("{\"type\":\"MultiPolygon\",\"coordinates\":[]}", "needs polygons");
	geometry_bad("{\"type\":\"MultiPolygon\",\"coordinates\":[[" RING_HZ "],"
		     "[[[120.1,30.2],[120.2,30.2],[120.2,30.3],[120.1,30.3]]]]}",
		     "end where it starts");
	/* Polygon coordinates given as a MultiPolygon: rings are not polygons */
	geometry_bad("{\"type\":\"MultiPolygon\",\"coordinates\":[" RING_HZ "]}", "at least 4");
}

static void test_geometry_wrong_type(void **state)
{
	struct errmsg why = { 0 };
	json_t *arr = json_array();

	(void)state;
	geometry_bad("{\"type\":\"Point\",\"coordinates\":[120.1,30.2]}",
		     "Polygon or MultiPolygon");
	geometry_bad("{\"type\":\"LineString\",\"coordinates\":" RING_HZ "}",
		     "Polygon or MultiPolygon");
	geometry_bad("{\"type\":\"polygon\",\"coordinates\":[" RING_HZ "]}",
		     "Polygon or MultiPolygon");
	geometry_bad("{\"type\":\"Polygon\"}", "'type' and 'coordinates'");
	geometry_bad("{\"coordinates\":[" RING_HZ "]}", "'type' and 'coordinates'");
	geometry_bad("{\"type\":7,\"coordinates\":[" RING_HZ "]}", "'type' and 'coordinates'");
	geometry_bad(
		"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" RING_HZ
		"]}}",
		"'type' and 'coordinates'");
	assert_int_equal(org_geometry_check(arr, &why), ERR_INVALID);
	json_decref(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_needs_at_least_8_characters),
		cmocka_unit_test(test_password_length_counts_code_points),
		cmocka_unit_test(test_password_at_most_128_characters),
		cmocka_unit_test(test_password_needs_three_of_four_classes),
		cmocka_unit_test(test_password_must_not_be_or_contain_login),
		cmocka_unit_test(test_password_rejects_invalid_utf8),
		cmocka_unit_test(test_password_generate_always_meets_policy),
		cmocka_unit_test(test_password_generate_respects_buffer_size),
		cmocka_unit_test(test_password_hash_verify_round_trip),
		cmocka_unit_test(test_password_hash_fails_on_small_buffer),
		cmocka_unit_test(test_login_check),
		cmocka_unit_test(test_lockout_after_5_failures_for_15_minutes),
		cmocka_unit_test(test_failed_logins_restart_after_lockout),
		cmocka_unit_test(test_session_idle_30_minutes),
		cmocka_unit_test(test_session_absolute_12_hours),
		cmocka_unit_test(test_role_scope_check_matrix),
		cmocka_unit_test(test_role_scope_check_unknown_role),
		cmocka_unit_test(test_geometry_polygon_rings),
		cmocka_unit_test(test_geometry_outside_china),
		cmocka_unit_test(test_geometry_multipolygon),
		cmocka_unit_test(test_geometry_wrong_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
