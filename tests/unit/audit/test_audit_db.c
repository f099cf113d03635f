/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/audit/audit_db.c: appending to the SM3 chain and
 * verifying it, against an in-memory SQLite database with every migration
 * applied. Each tamper test drops the append-only triggers (as someone
 * editing the file with the sqlite3 CLI would), changes history one way,
 * and checks that audit_verify() names the first broken record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "core/banned.h"

#define NRECORDS 6

static const char SQL_DROP_TRIGGERS[] = "DROP TRIGGER audit_log_no_update; "
					"DROP TRIGGER audit_log_no_delete;";

/* Opens :memory:, migrates, appends NRECORDS records in one transaction. */
static int setup(void **state)
{
	struct audit_actor admin = { .id = 1, .login = "admin", .ip = "192.0.2.10" };
	struct audit_actor cli = { .id = 0, .login = "cli:root", .ip = "local" };
	struct db *db = NULL;
	int applied = 0;

	log_set_level(LL_ERROR);
	if (db_open(":memory:", 1000, &db) != 0)
		return -1;
	if (db_migrate(db, db_migrations, db_migrations_n, &applied) != 0 || applied < 2)
		goto fail;
	if (db_begin(db) != 0)
		goto fail;
	for (int i = 1; i <= NRECORDS; i++) {
		/* Record 3 has an empty (but present) summary. */
		json_t *sum = i == 3 ? json_object()
				     : json_pack("{s:i, s:s}", "n", i, "name", "西湖区网格 😀");
		char eid[16];
		int rc;

		snprintf(eid, sizeof(eid), "%d", 100 + i);
		rc = audit_append(db, i % 2 ? &admin : &cli, i == 1 ? "login.ok" : "grid.update",
				  "grid", eid, sum);
		json_decref(sum);
		if (rc != 0)
			goto fail;
	}
	if (db_commit(db) != 0)
		goto fail;
	*state = db;
	return 0;
fail:
	db_close(db);
	return -1;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static void expect_intact(struct db *db, int64_t n)
{
	struct errmsg why = { 0 };
	int64_t count = -1, bad = -1;
	int rc = audit_verify(db, &count, &bad, &why);

	if (rc != 0)
		fail_msg("audit_verify: %d (%s)", rc, why.text);
	assert_int_equal(count, n);
	assert_int_equal(bad, 0);
}

/* Expects the chain to break at record first_bad after `verified` good records. */
static void expect_broken_at(struct db *db, int64_t first_bad, int64_t verified)
{
	struct errmsg why = { 0 };
	int64_t count = -1, bad = -1;
	int rc = audit_verify(db, &count, &bad, &why);

	assert_int_equal(rc, ERR_CONFLICT);
	if (bad != first_bad)
		fail_msg("first bad record %lld, want %lld (%s)", (long long)bad,
			 (long long)first_bad, why.text);
	assert_int_equal(count, verified);
	assert_true(why.text[0] != '\0');
}

static void tamper(struct db *db, const char *sql)
{
	assert_int_equal(db_exec(db, SQL_DROP_TRIGGERS), 0);
	if (db_exec(db, sql) != 0)
		fail_msg("tamper sql failed: %s", sql);
}

static void test_verify_empty_log(void **state)
{
	struct db *db = NULL;

	(void)state;
	log_set_level(LL_ERROR);
	assert_int_equal(db_open(":memory:", 1000, &db), 0);
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, NULL), 0);
	expect_intact(db, 0);
	db_close(db);
}

static void test_verify_intact_chain(void **state)
{
	expect_intact(*state, NRECORDS);
}

static const char SQL_ROWS[] = "SELECT id, at_ms, actor_id, actor_login, ip, action, entity, "
			       "entity_id, summary, prev_hash, hash FROM audit_log ORDER BY id";

/*
 * audit.h: hash = SM3(prev_hash || canonical(record)), the first prev_hash is
 * 64 zeros, each prev_hash is the hash of the record before. Recomputed here
 * from the stored columns, independently of audit_verify.
 */
static void test_append_links_each_record_to_the_previous(void **state)
{
	struct db *db = *state;
	struct db_stmt *st = db_stmt(db, SQL_ROWS);
	char prev[65] = AUDIT_GENESIS_HASH;
	int64_t n = 0;

	assert_non_null(st);
	while (db_step(st) == DB_ROW) {
		struct audit_record r = {
			.id = db_col_i64(st, 0),
			.at_ms = db_col_i64(st, 1),
			.actor_id = db_col_null(st, 2) ? 0 : db_col_i64(st, 2),
			.actor_login = db_col_text(st, 3),
			.ip = db_col_text(st, 4),
			.action = db_col_text(st, 5),
			.entity = db_col_text(st, 6),
			.entity_id = db_col_text(st, 7),
			.summary = db_col_text(st, 8),
		};
		char hash[65];
		char *canon = audit_canonical(&r);

		n++;
		assert_int_equal(r.id, n);
		assert_true(r.at_ms > 1600000000000LL);
		assert_string_equal(db_col_text(st, 9), prev);
		audit_chain_hash(prev, canon, hash);
		free(canon);
		assert_string_equal(db_col_text(st, 10), hash);
		snprintf(prev, sizeof(prev), "%s", hash);
		if (n % 2) {
			assert_int_equal(r.actor_id, 1);
			assert_string_equal(r.ip, "192.0.2.10");
		} else {
			assert_true(db_col_null(st, 2)); /* the CLI has no user id */
			assert_string_equal(r.actor_login, "cli:root");
		}
		if (n == 3)
			assert_string_equal(r.summary, "{}");
		else if (n == 2)
			assert_string_equal(r.summary, "{\"n\":2,\"name\":\"西湖区网格 😀\"}");
	}
	assert_int_equal(n, NRECORDS);
}

/* Migration 0002: the table is append-only; UPDATE and DELETE are refused by triggers. */
static void test_triggers_refuse_update_and_delete(void **state)
{
	struct db *db = *state;

	assert_int_equal(db_exec(db, "UPDATE audit_log SET summary = '{}' WHERE id = 2"), ERR_DB);
	assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id = 2"), ERR_DB);
	assert_int_equal(db_exec(db, "DELETE FROM audit_log"), ERR_DB);
	expect_intact(db, NRECORDS);
}

static void test_tamper_edited_summary(void **state)
{
	tamper(*state, "UPDATE audit_log SET summary = '{\"n\":4,\"name\":\"x\"}' WHERE id = 4");
	expect_broken_at(*state, 4, 3);
}

static void test_tamper_edited_time(void **state)
{
	tamper(*state, "UPDATE audit_log SET at_ms = at_ms - 86400000 WHERE id = 2");
	expect_broken_at(*state, 2, 1);
}

static void test_tamper_edited_actor(void **state)
{
	tamper(*state, "UPDATE audit_log SET actor_id = NULL WHERE id = 5");
	expect_broken_at(*state, 5, 4);
}

static void test_tamper_edited_last_record(void **state)
{
	tamper(*state, "UPDATE audit_log SET ip = '10.0.0.1' WHERE id = 6");
	expect_broken_at(*state, NRECORDS, NRECORDS - 1);
}

static void test_tamper_deleted_middle_record(void **state)
{
	tamper(*state, "DELETE FROM audit_log WHERE id = 3");
	expect_broken_at(*state, 4, 2);
}

/* Deleting a record and renumbering the rest keeps the ids dense; the chain still breaks. */
static void test_tamper_deleted_and_renumbered(void **state)
{
	tamper(*state, "DELETE FROM audit_log WHERE id = 3; "
		       "UPDATE audit_log SET id = id + 100 WHERE id > 3; "
		       "UPDATE audit_log SET id = id - 101 WHERE id > 100;");
	expect_broken_at(*state, 3, 2);
}

static void test_tamper_deleted_first_record(void **state)
{
	tamper(*state, "DELETE FROM audit_log WHERE id = 1");
	expect_broken_at(*state, 2, 0);
}

static void test_tamper_swapped_ids(void **state)
{
	tamper(*state, "UPDATE audit_log SET id = -1 WHERE id = 2; "
		       "UPDATE audit_log SET id = 2 WHERE id = 4; "
		       "UPDATE audit_log SET id = 4 WHERE id = -1;");
	expect_broken_at(*state, 2, 1);
}

/* Swapping the contents (not the ids) of two adjacent records. */
static void test_tamper_swapped_contents(void **state)
{
	tamper(*state,
	       "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE id IN (4, 5); "
	       "UPDATE audit_log SET (at_ms, actor_id, actor_login, ip, action, entity, entity_id, "
	       "summary, prev_hash, hash) = (SELECT at_ms, actor_id, actor_login, ip, action, "
	       "entity, entity_id, summary, prev_hash, hash FROM t WHERE t.id = 9 - audit_log.id) "
	       "WHERE id IN (4, 5); DROP TABLE t;");
	expect_broken_at(*state, 4, 3);
}

static void test_tamper_forged_row_appended(void **state)
{
	struct db *db = *state;
	char sql[1024];

	/* chained to the real last hash, but the forger cannot produce the right hash */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO audit_log (id, at_ms, actor_id, actor_login, ip, action, entity, "
		 "entity_id, summary, prev_hash, hash) SELECT 7, at_ms + 1, 1, 'admin', "
		 "'192.0.2.10', 'user.delete', 'user', '2', '{}', hash, '%s' FROM audit_log "
		 "WHERE id = 6",
		 AUDIT_GENESIS_HASH);
	tamper(db, sql);
	expect_broken_at(db, NRECORDS + 1, NRECORDS);
}

static void test_tamper_forged_row_with_gap(void **state)
{
	tamper(*state, "INSERT INTO audit_log SELECT 100, at_ms, actor_id, actor_login, ip, "
		       "action, entity, entity_id, summary, hash, hash "
		       "FROM audit_log WHERE id = 6");
	expect_broken_at(*state, 100, NRECORDS);
}

static const char SQL_FORGE[] =
	"INSERT INTO audit_log (id, at_ms, actor_id, actor_login, ip, action, entity, entity_id, "
	"summary, prev_hash, hash) VALUES (:id, :at_ms, NULL, :login, :ip, :action, :entity, "
	":entity_id, :summary, :prev_hash, :hash)";
static const char SQL_HASH_OF[] = "SELECT hash, at_ms FROM audit_log WHERE id = :id";

/*
 * The strongest forger: shifts records 3.. up by one and inserts a record 3
 * whose own hash is computed correctly over the real record 2. Record 3
 * verifies; record 4 (the old 3) no longer chains to it.
 */
static void test_tamper_forged_row_inserted_with_valid_hash(void **state)
{
	struct db *db = *state;
	struct db_stmt *st;
	struct audit_record r = { .id = 3,
				  .actor_login = "admin",
				  .ip = "192.0.2.10",
				  .action = "user.delete",
				  .entity = "user",
				  .entity_id = "2",
				  .summary = "{}" };
	char prev[65], hash[65];
	char *canon;

	tamper(db, "UPDATE audit_log SET id = id + 100 WHERE id >= 3; "
		   "UPDATE audit_log SET id = id - 99 WHERE id > 100;");
	st = db_stmt(db, SQL_HASH_OF);
	assert_non_null(st);
	db_bind_i64(st, ":id", 2);
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(prev, sizeof(prev), "%s", db_col_text(st, 0));
	r.at_ms = db_col_i64(st, 1) + 1;
	db_reset(st);
	canon = audit_canonical(&r);
	audit_chain_hash(prev, canon, hash);
	free(canon);

	st = db_stmt(db, SQL_FORGE);
	assert_non_null(st);
	db_bind_i64(st, ":id", r.id);
	db_bind_i64(st, ":at_ms", r.at_ms);
	db_bind_text(st, ":login", r.actor_login);
	db_bind_text(st, ":ip", r.ip);
	db_bind_text(st, ":action", r.action);
	db_bind_text(st, ":entity", r.entity);
	db_bind_text(st, ":entity_id", r.entity_id);
	db_bind_text(st, ":summary", r.summary);
	db_bind_text(st, ":prev_hash", prev);
	db_bind_text(st, ":hash", hash);
	assert_int_equal(db_step_done(st), 0);
	expect_broken_at(db, 4, 3);
}

/* Appending after verification continues the chain from the last stored hash. */
static void test_append_continues_the_chain(void **state)
{
	struct db *db = *state;
	struct audit_actor a = { .id = 1, .login = "admin", .ip = "::1" };

	json_t *sum = json_pack("{s:i}", "session_id", 9);

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(audit_append(db, &a, "session.delete", "session", "9", sum), 0);
	assert_int_equal(db_commit(db), 0);
	json_decref(sum);
	expect_intact(db, NRECORDS + 1);
}

/* A record appended in a transaction that rolls back leaves no trace and no gap. */
static void test_append_rolled_back_leaves_chain_intact(void **state)
{
	struct db *db = *state;
	struct audit_actor a = { .id = 1, .login = "admin", .ip = "::1" };

	json_t *sum = json_pack("{s:s}", "code", "G1");

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(audit_append(db, &a, "grid.create", "grid", "1", sum), 0);
	db_rollback(db);
	expect_intact(db, NRECORDS);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(audit_append(db, &a, "grid.create", "grid", "1", sum), 0);
	assert_int_equal(db_commit(db), 0);
	json_decref(sum);
	expect_intact(db, NRECORDS + 1);
}

static const char SQL_COUNT[] = "SELECT count(*), max(id) FROM audit_log";

/*
 * audit.h: a NULL summary (a json_pack() that failed) is refused with ERR_INTERNAL and
 * writes nothing, so that no change is recorded without its description; the chain goes
 * on from the last real record.
 */
static void test_append_refuses_null_summary(void **state)
{
	struct db *db = *state;
	struct audit_actor a = { .id = 1, .login = "admin", .ip = "::1" };
	struct db_stmt *st;
	json_t *sum = json_pack("{s:s}", "code", "G2");

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(audit_append(db, &a, "grid.update", "grid", "2", NULL), ERR_INTERNAL);
	st = db_stmt(db, SQL_COUNT);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_i64(st, 0), NRECORDS); /* nothing written, not even "{}" */
	assert_int_equal(db_col_i64(st, 1), NRECORDS);
	db_reset(st);
	/* the same transaction can still append a described record, as the next one */
	assert_int_equal(audit_append(db, &a, "grid.update", "grid", "2", sum), 0);
	assert_int_equal(db_commit(db), 0);
	json_decref(sum);
	expect_intact(db, NRECORDS + 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_empty_log),
		T(test_verify_intact_chain),
		T(test_append_links_each_record_to_the_previous),
		T(test_triggers_refuse_update_and_delete),
		T(test_tamper_edited_summary),
		T(test_tamper_edited_time),
		T(test_tamper_edited_actor),
		T(test_tamper_edited_last_record),
		T(test_tamper_deleted_middle_record),
		T(test_tamper_deleted_and_renumbered),
		T(test_tamper_deleted_first_record),
		T(test_tamper_swapped_ids),
		T(test_tamper_swapped_contents),
		T(test_tamper_forged_row_appended),
		T(test_tamper_forged_row_with_gap),
		T(test_tamper_forged_row_inserted_with_valid_hash),
		T(test_append_continues_the_chain),
		T(test_append_rolled_back_leaves_chain_intact),
		T(test_append_refuses_null_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
