/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/core/perm.c, the role table (DESIGN §1, issue #2 §6):
 * the seven roles by name, and the permission bits each grants. Only the
 * system administrator administers accounts, tokens and reads the audit log
 * (DESIGN §1 "system administrator: accounts, roles, data scopes, backups,
 * audit"); an enterprise officer does not see the organisation's grids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/perm.h"
#include "core/banned.h"

static const char *const names[] = {
	"admin",	  "leader",	     "inspector",	  "grid_manager",
	"grid_patroller", "grid_supervisor", "enterprise_officer"
};

static void test_role_names_round_trip(void **state)
{
	(void)state;
	assert_int_equal(ROLE_COUNT_ - 1, 7);
	for (size_t i = 0; i < 7; i++) {
		enum role r = ROLE_NONE;

		assert_int_equal(role_parse(names[i], &r), 0);
		assert_int_equal(r, (enum role)(ROLE_ADMIN + i));
		assert_string_equal(role_name(r), names[i]);
		assert_true(strlen(role_name_zh(r)) > 0);
		assert_string_not_equal(role_name_zh(r), "无");
	}
}

static void test_role_parse_rejects_unknown(void **state)
{
	enum role r = ROLE_LEADER;

	(void)state;
	assert_int_equal(role_parse("none", &r), ERR_INVALID);
	assert_int_equal(role_parse("Admin", &r), ERR_INVALID);
	assert_int_equal(role_parse("", &r), ERR_INVALID);
	assert_int_equal(role_parse("root", &r), ERR_INVALID);
	assert_int_equal(r, ROLE_LEADER);
	assert_string_equal(role_name(ROLE_NONE), "none");
	assert_string_equal(role_name(ROLE_COUNT_), "none");
	assert_int_equal(role_perms(ROLE_NONE), 0);
	assert_int_equal(role_perms(ROLE_COUNT_), 0);
}

/* Every role may manage its own session and password and read the divisions. */
static void test_every_role_has_self_and_regions(void **state)
{
	(void)state;
	for (int r = ROLE_ADMIN; r < ROLE_COUNT_; r++) {
		uint64_t p = role_perms((enum role)r);

		assert_true(p & PERM_SELF);
		assert_true(p & PERM_REGION_READ);
	}
}

/* DESIGN §1: accounts, audit, tokens and writes to the organisation are the administrator's. */
static void test_only_admin_administers(void **state)
{
	const uint64_t admin_only = PERM_USER_WRITE | PERM_AUDIT_READ | PERM_TOKEN_ADMIN |
				    PERM_DEPT_WRITE | PERM_GRID_WRITE | PERM_METRICS;

	(void)state;
	assert_int_equal(role_perms(ROLE_ADMIN) & admin_only, admin_only);
	for (int r = ROLE_LEADER; r < ROLE_COUNT_; r++)
		if (role_perms((enum role)r) & admin_only)
			fail_msg("role '%s' holds an administrator's permission",
				 role_name((enum role)r));
}

static void test_read_permissions_by_role(void **state)
{
	(void)state;
	assert_true(role_perms(ROLE_LEADER) & PERM_USER_READ);
	assert_false(role_perms(ROLE_INSPECTOR) & PERM_USER_READ);
	for (int r = ROLE_ADMIN; r <= ROLE_GRID_SUPERVISOR; r++) {
		assert_true(role_perms((enum role)r) & PERM_GRID_READ);
		assert_true(role_perms((enum role)r) & PERM_DEPT_READ);
	}
	assert_false(role_perms(ROLE_ENTERPRISE_OFFICER) & PERM_GRID_READ);
	assert_false(role_perms(ROLE_ENTERPRISE_OFFICER) & PERM_DEPT_READ);
	assert_false(role_perms(ROLE_ENTERPRISE_OFFICER) & PERM_USER_READ);
}

/* docs/enterprise.md: every role reads enterprises; leader and grid patrol/supervision do not write. */
static void test_enterprise_permissions_by_role(void **state)
{
	static const enum role writers[] = { ROLE_ADMIN, ROLE_INSPECTOR, ROLE_GRID_MANAGER,
					     ROLE_ENTERPRISE_OFFICER };
	static const enum role readers_only[] = { ROLE_LEADER, ROLE_GRID_PATROLLER,
						  ROLE_GRID_SUPERVISOR };

	(void)state;
	for (int r = ROLE_ADMIN; r < ROLE_COUNT_; r++)
		assert_true(role_perms((enum role)r) & PERM_ENTERPRISE_READ);
	for (size_t i = 0; i < 4; i++)
		assert_true(role_perms(writers[i]) & PERM_ENTERPRISE_WRITE);
	for (size_t i = 0; i < 3; i++)
		assert_false(role_perms(readers_only[i]) & PERM_ENTERPRISE_WRITE);
	assert_string_equal(perm_name(PERM_ENTERPRISE_READ), "enterprise.read");
	assert_string_equal(perm_name(PERM_ENTERPRISE_WRITE), "enterprise.write");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_names_round_trip),
		cmocka_unit_test(test_role_parse_rejects_unknown),
		cmocka_unit_test(test_every_role_has_self_and_regions),
		cmocka_unit_test(test_only_admin_administers),
		cmocka_unit_test(test_read_permissions_by_role),
		cmocka_unit_test(test_enterprise_permissions_by_role),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
