/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/db/migrate.c and the embedded migrations (STYLE §2.7:
 * every migration has a test that applies all steps to an empty database
 * and checks the resulting schema). Runs against :memory: SQLite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "core/banned.h"

static int setup(void **state)
{
	struct db *db = NULL;

	log_set_level(LL_ERROR);
	if (db_open(":memory:", 1000, &db) != 0)
		return -1;
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static const char SQL_HAS[] =
	"SELECT count(*) FROM sqlite_master WHERE type = :type AND name = :name";

static bool has(struct db *db, const char *type, const char *name)
{
	struct db_stmt *st = db_stmt(db, SQL_HAS);
	int64_t n;

	assert_non_null(st);
	db_bind_text(st, ":type", type);
	db_bind_text(st, ":name", name);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_i64(st, 0);
	db_reset(st);
	return n == 1;
}

static const char SQL_COLUMN[] = "SELECT count(*) FROM pragma_table_info(:t) WHERE name = :c";

static bool has_column(struct db *db, const char *table, const char *column)
{
	struct db_stmt *st = db_stmt(db, SQL_COLUMN);
	int64_t n;

	db_bind_text(st, ":t", table);
	db_bind_text(st, ":c", column);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_i64(st, 0);
	db_reset(st);
	return n == 1;
}

static const char SQL_RECORDED[] = "SELECT version, name FROM schema_migration ORDER BY version";

/*
 * Every embedded step is numbered upwards and has both dialects (issue #2 §4: portable).
 * Numbers may leave a gap while the branch that reserved it is not merged (issue 3:
 * 0005 belongs to ent-licence, 0006 to demo-map).
 */
static void test_steps_are_ordered_with_both_dialects(void **state)
{
	(void)state;
	assert_true(db_migrations_n >= 2);
	assert_int_equal(db_migrations[0].version, 1);
	for (size_t i = 0; i < db_migrations_n; i++) {
		const struct migration *m = &db_migrations[i];

		if (i > 0)
			assert_true(m->version > db_migrations[i - 1].version);
		assert_non_null(m->name);
		assert_true(m->sql_sqlite != NULL && m->sql_sqlite[0] != '\0');
		assert_true(m->sql_pg != NULL && m->sql_pg[0] != '\0');
	}
}

static void test_empty_database_gets_every_table(void **state)
{
	static const char *const tables[] = { "region",	    "dept",	 "app_user",
					      "grid",	    "user_grid", "session",
					      "api_token",  "audit_log", "schema_migration",
					      "enterprise", "licence",	 "enterprise_history" };
	struct db *db = *state;
	int applied = -1;
	int64_t version = -1;

	assert_false(has(db, "table", "region"));
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, &applied), 0);
	assert_int_equal(applied, (int)db_migrations_n);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (!has(db, "table", tables[i]))
			fail_msg("no table '%s' after migrating", tables[i]);
	assert_true(has(db, "trigger", "audit_log_no_update"));
	assert_true(has(db, "trigger", "audit_log_no_delete"));
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, db_migrations[db_migrations_n - 1].version);
}

/* The columns the account rules rely on (lockout, forced change, sessions, audit chain). */
static void test_schema_columns(void **state)
{
	static const char *const cols[][2] = {
		{ "app_user", "password_hash" },
		{ "app_user", "must_change_password" },
		{ "app_user", "failed_logins" },
		{ "app_user", "locked_until_ms" },
		{ "app_user", "scope" },
		{ "session", "token_hash" },
		{ "session", "csrf_token" },
		{ "session", "last_seen_ms" },
		{ "api_token", "token_hash" },
		{ "grid", "geometry" },
		{ "grid", "manager_id" },
		{ "grid", "patroller_id" },
		{ "grid", "supervisor_id" },
		{ "region", "parent_code" },
		{ "audit_log", "prev_hash" },
		{ "audit_log", "hash" },
		{ "schema_migration", "applied_ms" },
		{ "enterprise", "supervising_dept_id" },
		{ "enterprise", "supervisor_id" },
		{ "licence", "valid_until" },
		{ "licence", "enterprise_id" },
		{ "enterprise_history", "audit_id" },
	};
	struct db *db = *state;

	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, NULL), 0);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (!has_column(db, cols[i][0], cols[i][1]))
			fail_msg("no column %s.%s", cols[i][0], cols[i][1]);
	assert_false(has_column(db, "app_user", "password")); /* never a clear-text column */
}

/* STYLE §2.7: steps are recorded; a second run applies nothing. */
static void test_second_migrate_applies_nothing(void **state)
{
	struct db *db = *state;
	struct db_stmt *st;
	int applied = -1;
	size_t n = 0;

	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, &applied), 0);
	assert_int_equal(applied, (int)db_migrations_n);
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, &applied), 0);
	assert_int_equal(applied, 0);
	st = db_stmt(db, SQL_RECORDED);
	while (db_step(st) == DB_ROW) {
		assert_true(n < db_migrations_n);
		assert_int_equal(db_col_i64(st, 0), db_migrations[n].version);
		assert_string_equal(db_col_text(st, 1), db_migrations[n].name);
		n++;
	}
	assert_int_equal(n, db_migrations_n);
}

/* Forward-only: only the steps newer than the database run. */
static void test_only_newer_steps_run(void **state)
{
	struct db *db = *state;
	int applied = -1;

	assert_int_equal(db_migrate(db, db_migrations, 1, &applied), 0);
	assert_int_equal(applied, 1);
	assert_true(has(db, "table", "app_user"));
	assert_false(has(db, "table", "audit_log"));
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, &applied), 0);
	assert_int_equal(applied, (int)db_migrations_n - 1);
	assert_true(has(db, "table", "audit_log"));
}

/*
 * 0003 adds app_user.machine to a database made by 0001-0002: existing accounts are people
 * (machine = 0), and nothing else changes.
 */
static const char SQL_OLD_USER[] =
	"INSERT INTO app_user (login, role, scope_kind, scope, password_hash, created_ms, "
	"updated_ms) VALUES ('old.user', 'inspector', 'all', 'all', 'x', 1, 1)";
static const char SQL_MACHINE_OF_OLD[] = "SELECT machine FROM app_user WHERE login = 'old.user'";

static void test_upgrade_adds_machine_accounts(void **state)
{
	struct db *db = *state;
	struct db_stmt *st;
	int applied = -1;

	assert_int_equal(db_migrate(db, db_migrations, 2, &applied), 0);
	assert_false(has_column(db, "app_user", "machine"));
	assert_int_equal(db_exec(db, SQL_OLD_USER), 0);
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, &applied), 0);
	assert_true(applied >= 1);
	assert_true(has_column(db, "app_user", "machine"));
	st = db_stmt(db, SQL_MACHINE_OF_OLD);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_i64(st, 0), 0);
	db_reset(st);
}

/* STYLE §2.7: the binary refuses a database newer than itself. */
static void test_newer_database_is_refused(void **state)
{
	struct db *db = *state;
	int applied = -1;

	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, NULL), 0);
	assert_int_equal(db_exec(db, "INSERT INTO schema_migration VALUES (9999, 'future', 0)"), 0);
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, &applied), ERR_CONFLICT);
	assert_int_equal(applied, 0);
}

/* A step merged later with a lower number than one applied already still runs, once. */
static void test_missing_lower_step_runs_later(void **state)
{
	static const struct migration with_gap[] = {
		{ 1, "one", "CREATE TABLE t1 (x INTEGER);", "-" },
		{ 3, "three", "CREATE TABLE t3 (x INTEGER);", "-" },
	};
	static const struct migration all[] = {
		{ 1, "one", "CREATE TABLE t1 (x INTEGER);", "-" },
		{ 2, "two", "CREATE TABLE t2 (x INTEGER);", "-" },
		{ 3, "three", "CREATE TABLE t3 (x INTEGER);", "-" },
	};
	struct db *db = *state;
	int applied = -1;

	assert_int_equal(db_migrate(db, with_gap, 2, &applied), 0);
	assert_int_equal(applied, 2);
	assert_false(has(db, "table", "t2"));
	assert_int_equal(db_migrate(db, all, 3, &applied), 0);
	assert_int_equal(applied, 1);
	assert_true(has(db, "table", "t2"));
	assert_int_equal(db_migrate(db, all, 3, &applied), 0);
	assert_int_equal(applied, 0);
}

/* A database with a step this binary lacks came from another build: refused, untouched. */
static void test_unknown_recorded_step_is_refused(void **state)
{
	static const struct migration other[] = {
		{ 1, "one", "CREATE TABLE t1 (x INTEGER);", "-" },
		{ 2, "theirs", "CREATE TABLE theirs (x INTEGER);", "-" },
	};
	static const struct migration ours[] = {
		{ 1, "one", "CREATE TABLE t1 (x INTEGER);", "-" },
		{ 3, "ours", "CREATE TABLE ours (x INTEGER);", "-" },
	};
	struct db *db = *state;
	int applied = -1;

	assert_int_equal(db_migrate(db, other, 2, &applied), 0);
	assert_int_equal(db_migrate(db, ours, 2, &applied), ERR_CONFLICT);
	assert_int_equal(applied, 0);
	assert_false(has(db, "table", "ours"));
}

/* One transaction per step: a failing step leaves nothing of itself behind. */
static void test_failing_step_rolls_back(void **state)
{
	static const struct migration steps[] = {
		{ 1, "good", "CREATE TABLE t1 (x INTEGER);", "CREATE TABLE t1 (x INTEGER);" },
		{ 2, "bad", "CREATE TABLE t2 (x INTEGER); CREATE TABLE oops (;",
		  "CREATE TABLE t2 (x INTEGER);" },
	};
	struct db *db = *state;
	int applied = -1;
	int64_t version = -1;

	assert_int_equal(db_migrate(db, steps, 2, &applied), ERR_DB);
	assert_true(has(db, "table", "t1"));
	assert_false(has(db, "table", "t2"));
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 1);
}

static const char SQL_FK[] = "PRAGMA foreign_keys";

/* STYLE §2.7: foreign keys are enforced on every connection. */
static void test_foreign_keys_on(void **state)
{
	struct db *db = *state;
	struct db_stmt *st = db_stmt(db, SQL_FK);

	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_i64(st, 0), 1);
	db_reset(st);
}

/*
 * 0005 files the audit records of enterprises that exist into their history: those since
 * the enterprise's id was last deleted (a deleted enterprise's records do not pass to a
 * new enterprise that got its id), and none of other entities.
 */
static const char SQL_SEED_0004[] =
	"INSERT INTO region (code, name, level) VALUES ('320902', '亭湖区', 3);"
	"INSERT INTO industry (code, name, level, section) VALUES ('C', '制造业', 1, 'C');"
	"INSERT INTO industry (code, name, level, section, parent_code) VALUES "
	"('2614', '有机化学原料制造', 4, 'C', 'C');"
	"INSERT INTO enterprise (id, uscc, name, industry_code, region_code, created_ms, "
	"updated_ms) VALUES (1, 'A', '甲', '2614', '320902', 1, 1), (2, 'B', '乙', '2614', "
	"'320902', 1, 1);"
	"INSERT INTO audit_log (id, at_ms, actor_login, ip, action, entity, entity_id, summary, "
	"prev_hash, hash) VALUES "
	"(1, 1, 'a', 'l', 'enterprise.create', 'enterprise', '2', '{}', '', ''),"
	"(2, 1, 'a', 'l', 'enterprise.delete', 'enterprise', '2', '{}', '', ''),"
	"(3, 1, 'a', 'l', 'enterprise.create', 'enterprise', '1', '{}', '', ''),"
	"(4, 1, 'a', 'l', 'user.create', 'user', '1', '{}', '', ''),"
	"(5, 1, 'a', 'l', 'enterprise.create', 'enterprise', '2', '{}', '', ''),"
	"(6, 1, 'a', 'l', 'enterprise.update', 'enterprise', '1', '{}', '', ''),"
	"(7, 1, 'a', 'l', 'enterprise.create', 'enterprise', '3', '{}', '', '');";
static const char SQL_HISTORY[] =
	"SELECT group_concat(enterprise_id || ':' || audit_id, ' ') FROM (SELECT * FROM "
	"enterprise_history ORDER BY audit_id)";

static void test_upgrade_files_existing_history(void **state)
{
	struct db *db = *state;
	struct db_stmt *st;
	int applied = -1;

	assert_int_equal(db_migrate(db, db_migrations, 4, &applied), 0);
	assert_int_equal(db_exec(db, SQL_SEED_0004), 0);
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, &applied), 0);
	assert_true(applied >= 1);
	st = db_stmt(db, SQL_HISTORY);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "1:3 2:5 1:6");
	db_reset(st);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps_are_ordered_with_both_dialects),
		T(test_empty_database_gets_every_table),
		T(test_schema_columns),
		T(test_second_migrate_applies_nothing),
		T(test_only_newer_steps_run),
		T(test_upgrade_adds_machine_accounts),
		T(test_newer_database_is_refused),
		T(test_missing_lower_step_runs_later),
		T(test_unknown_recorded_step_is_refused),
		T(test_failing_step_rolls_back),
		T(test_foreign_keys_on),
		T(test_upgrade_files_existing_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
