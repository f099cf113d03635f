/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/db/db.c, the store facade, against :memory: SQLite:
 * the keyset list query composed by db_list_sql() (its text, and paging
 * through ties without skipping or repeating a row), LIKE escaping, the
 * mapping of constraint errors to enum err, the statement cache, and
 * transactions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "core/banned.h"

static const char SQL_SCHEMA[] =
	"CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	"code TEXT NOT NULL UNIQUE, parent_id INTEGER REFERENCES item(id));"
	"INSERT INTO item (id, name, code) VALUES (1, 'b', 'c1'), (2, 'a', 'c2'), (3, 'c', 'c3'), "
	"(4, 'a', 'c4'), (5, 'b', 'c5'), (6, 'a', 'c6'), (7, 'c', 'c7'), (8, 'b', 'c8'), "
	"(9, 'a', 'c9');";

static int setup(void **state)
{
	struct db *db = NULL;

	log_set_level(LL_ERROR);
	if (db_open(":memory:", 1000, &db) != 0)
		return -1;
	if (db_exec(db, SQL_SCHEMA) != 0) {
		db_close(db);
		return -1;
	}
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

/* db.h: the composed text, fragment by fragment. */
static void test_list_sql_shape(void **state)
{
	char *sql;

	(void)state;
	sql = db_list_sql("SELECT item.id, item.name FROM item", "item.name <> ''", "item", "name",
			  false);
	assert_string_equal(sql, "SELECT item.id, item.name FROM item WHERE (item.name <> '') AND "
				 "(:after IS NULL OR (item.name, item.id) > (SELECT item.name, "
				 "item.id FROM item WHERE item.id = :after AND (item.name <> ''))) "
				 "ORDER BY item.name ASC, item.id ASC LIMIT :limit");
	free(sql);
	sql = db_list_sql("SELECT item.id FROM item", NULL, "item", "id", true);
	assert_string_equal(sql, "SELECT item.id FROM item WHERE (1=1) AND (:after IS NULL OR "
				 "(item.id, item.id) < (SELECT item.id, item.id FROM item WHERE "
				 "item.id = :after AND (1=1))) ORDER BY item.id DESC, item.id DESC "
				 "LIMIT :limit");
	free(sql);
	sql = db_list_sql("SELECT item.id FROM item", "", "item", "id", false);
	assert_non_null(strstr(sql, "WHERE (1=1) AND"));
	free(sql);
	/* A column that is a subquery has its own FROM: the cursor uses the outer one. */
	sql = db_list_sql("SELECT item.id, (SELECT MIN(x) FROM tag WHERE tag.item = item.id), "
			  "') FROM (' FROM item JOIN box ON box.id = item.box",
			  NULL, "item", "id", false);
	assert_non_null(strstr(sql, "(SELECT item.id, item.id FROM item JOIN box ON box.id = "
				    "item.box WHERE item.id = :after"));
	free(sql);
}

/*
 * A cursor naming a row the filter hides (another scope) pages like a cursor naming no row:
 * empty, so the cursor cannot reveal hidden rows or tell that they exist.
 */
static void test_list_cursor_outside_the_filter_is_empty(void **state)
{
	struct db *db = *state;
	char *sql = db_list_sql("SELECT item.id, item.name FROM item", "item.name <> 'a0'", "item",
				"name", false);
	struct db_stmt *st = db_stmt_dyn(db, sql);
	int64_t hidden = 0;

	free(sql);
	assert_non_null(st);
	assert_int_equal(db_exec(db, "INSERT INTO item (name, code) VALUES ('a0', 'hidden')"), 0);
	hidden = db_last_id(db);
	db_bind_i64(st, ":after", hidden);
	db_bind_i64(st, ":limit", 100);
	assert_int_equal(db_step(st), DB_DONE);
	db_bind_i64(st, ":after", hidden + 1000);
	db_bind_i64(st, ":limit", 100);
	assert_int_equal(db_step(st), DB_DONE);
}

/* Pages through the query limit rows at a time; returns the ids in order. */
static size_t page_all(struct db *db, const char *where, const char *sort, bool desc, int limit,
		       int64_t *ids, size_t max)
{
	char *sql = db_list_sql("SELECT item.id, item.name FROM item", where, "item", sort, desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);
	int64_t after = 0;
	size_t n = 0;

	free(sql);
	assert_non_null(st);
	for (int pages = 0; pages < 20; pages++) {
		size_t got = 0;

		if (after)
			db_bind_i64(st, ":after", after);
		else
			db_bind_null(st, ":after");
		db_bind_i64(st, ":limit", limit);
		while (db_step(st) == DB_ROW) {
			assert_true(n < max);
			ids[n++] = after = db_col_i64(st, 0);
			got++;
		}
		if (got < (size_t)limit)
			return n;
	}
	fail_msg("paging did not end");
	return n;
}

static void expect_ids(const int64_t *got, size_t n, const int64_t *want, size_t wn)
{
	assert_int_equal(n, wn);
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("row %zu: id %lld, want %lld", i, (long long)got[i],
				 (long long)want[i]);
}

/* Keyset paging by (sort column, id): ties in the sort column are neither skipped nor repeated. */
static void test_list_sql_pages_through_ties(void **state)
{
	static const int64_t asc[] = { 2, 4, 6, 9, 1, 5, 8, 3, 7 };
	static const int64_t desc[] = { 7, 3, 8, 5, 1, 9, 6, 4, 2 };
	static const int64_t by_id[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct db *db = *state;
	int64_t ids[32];
	size_t n;

	for (int limit = 1; limit <= 10; limit++) {
		n = page_all(db, NULL, "name", false, limit, ids, 32);
		expect_ids(ids, n, asc, 9);
		n = page_all(db, NULL, "name", true, limit, ids, 32);
		expect_ids(ids, n, desc, 9);
		n = page_all(db, NULL, "id", false, limit, ids, 32);
		expect_ids(ids, n, by_id, 9);
	}
}

/* The caller's filter is parenthesised: an OR in it cannot escape the cursor condition. */
static void test_list_sql_filter_with_or(void **state)
{
	static const int64_t want[] = { 2, 4, 6, 9, 3, 7 };
	struct db *db = *state;
	int64_t ids[32];
	size_t n;

	n = page_all(db, "item.name = 'a' OR item.name = 'c'", "name", false, 2, ids, 32);
	expect_ids(ids, n, want, 6);
}

static const char SQL_LIKE[] = "SELECT count(*) FROM item WHERE name LIKE :p ESCAPE '\\'";
static const char SQL_ADD[] = "INSERT INTO item (id, name, code, parent_id) "
			      "VALUES (:id, :name, :code, :parent)";

static int64_t count_like(struct db *db, const char *q)
{
	char *p = db_like_contains(q);
	struct db_stmt *st = db_stmt(db, SQL_LIKE);
	int64_t n;

	db_bind_text(st, ":p", p);
	free(p);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_i64(st, 0);
	db_reset(st);
	return n;
}

static int add(struct db *db, int64_t id, const char *name, const char *code, int64_t parent)
{
	struct db_stmt *st = db_stmt(db, SQL_ADD);

	assert_non_null(st);
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":name", name);
	db_bind_text(st, ":code", code);
	if (parent)
		db_bind_i64(st, ":parent", parent);
	else
		db_bind_null(st, ":parent");
	return db_step_done(st);
}

/* LIKE metacharacters in a search are literal: "50%" does not match "500". */
static void test_like_contains_escapes(void **state)
{
	struct db *db = *state;
	char *p;

	p = db_like_contains("a%b_c\\d");
	assert_string_equal(p, "%a\\%b\\_c\\\\d%");
	free(p);
	assert_int_equal(add(db, 20, "50% 浓度", "x20", 0), 0);
	assert_int_equal(add(db, 21, "500 ppm", "x21", 0), 0);
	assert_int_equal(add(db, 22, "a_b", "x22", 0), 0);
	assert_int_equal(add(db, 23, "axb", "x23", 0), 0);
	assert_int_equal(add(db, 24, "c:\\tmp", "x24", 0), 0);
	assert_int_equal(count_like(db, "50%"), 1);
	assert_int_equal(count_like(db, "50"), 2);
	assert_int_equal(count_like(db, "a_b"), 1);
	assert_int_equal(count_like(db, "\\"), 1);
	assert_int_equal(count_like(db, "浓度"), 1);
	assert_int_equal(count_like(db, "%"), 1);
}

/* db.h: unique violation -> ERR_CONFLICT (409); not-null and foreign key -> ERR_INVALID. */
static void test_constraint_errors_map_to_err(void **state)
{
	struct db *db = *state;

	assert_int_equal(add(db, 30, "n", "c30", 0), 0);
	assert_int_equal(add(db, 31, "n", "c30", 0), ERR_CONFLICT);  /* UNIQUE code */
	assert_int_equal(add(db, 30, "n", "c31", 0), ERR_CONFLICT);  /* PRIMARY KEY */
	assert_int_equal(add(db, 32, NULL, "c32", 0), ERR_INVALID);  /* NOT NULL */
	assert_int_equal(add(db, 33, "n", "c33", 999), ERR_INVALID); /* foreign_keys=ON */
	assert_int_equal(add(db, 34, "n", "c34", 30), 0);
	/* the statement is usable again after each failure */
	assert_int_equal(add(db, 35, "n", "c35", 0), 0);
}

static const char SQL_ONE[] = "SELECT 1";

/* STYLE §2.7: a statement is prepared once per connection, keyed by its SQL's address. */
static void test_statement_cache(void **state)
{
	struct db *db = *state;
	char text[] = "SELECT 1";
	struct db_stmt *a = db_stmt(db, SQL_ONE), *b = db_stmt(db, SQL_ONE);

	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_equal(db_stmt_dyn(db, text), db_stmt_dyn(db, "SELECT 1"));
	assert_null(db_stmt(db, "SELEC 1"));
}

/* A client trying every filter combination does not grow the cache without bound. */
static void test_dynamic_statements_are_capped(void **state)
{
	struct db *db = *state;
	struct db_stmt *fixed = db_stmt(db, SQL_ONE), *last = NULL;
	size_t before = db_stmt_count(db);
	char sql[64];

	for (int i = 0; i < 500; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		last = db_stmt_dyn(db, sql);
		assert_non_null(last);
	}
	assert_true(db_stmt_count(db) <= before + 64);
	assert_true(db_stmt_count(db) >= 64);
	/* The newest dynamic and every static statement stay cached and usable. */
	assert_ptr_equal(db_stmt_dyn(db, "SELECT 499"), last);
	assert_ptr_equal(db_stmt(db, SQL_ONE), fixed);
	assert_int_equal(db_step(last), DB_ROW);
	assert_int_equal(db_col_i64(last, 0), 499);
	db_reset(last);
}

static const char SQL_COUNT[] = "SELECT count(*) FROM item";

static int64_t count_items(struct db *db)
{
	struct db_stmt *st = db_stmt(db, SQL_COUNT);
	int64_t n;

	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_i64(st, 0);
	db_reset(st);
	return n;
}

static void test_transaction_rollback_and_commit(void **state)
{
	struct db *db = *state;

	assert_int_equal(count_items(db), 9);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(add(db, 40, "n", "c40", 0), 0);
	assert_int_equal(count_items(db), 10);
	db_rollback(db);
	assert_int_equal(count_items(db), 9);
	db_rollback(db); /* no transaction open: harmless */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(add(db, 40, "n", "c40", 0), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(count_items(db), 10);
	assert_int_equal(db_last_id(db), 40);
}

static const char SQL_COUNT_A[] = "SELECT COUNT(*) FROM item WHERE name = 'a'";
static const char SQL_NONE[] = "SELECT id FROM item WHERE id > 100";

/* db_step_i64: the one value of a one-row query; no row is ERR_NOT_FOUND. */
static void test_step_i64(void **state)
{
	struct db *db = *state;
	int64_t n = -1;

	assert_int_equal(db_step_i64(db_stmt(db, SQL_COUNT_A), &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(db_step_i64(db_stmt(db, SQL_NONE), &n), ERR_NOT_FOUND);
	assert_int_equal(db_step_i64(db_stmt(db, SQL_COUNT_A), &n), 0); /* reset: runs again */
}

static const char SQL_CAPPED[] = "SELECT id FROM item WHERE name = :name ORDER BY id LIMIT :limit";

/* ids[0] counts, ids[1..] collect. */
static int collect(struct db_stmt *st, void *ctx)
{
	int64_t *ids = ctx;

	ids[++ids[0]] = db_col_i64(st, 0);
	return 0;
}

static int fail_second(struct db_stmt *st, void *ctx)
{
	int *calls = ctx;

	(void)st;
	return ++*calls == 2 ? ERR_CONFLICT : 0;
}

/* db_rows_capped: at most limit rows, and whether more matched; a callback error stops it. */
static void test_rows_capped(void **state)
{
	struct db *db = *state;
	struct db_stmt *st = db_stmt(db, SQL_CAPPED);
	int64_t ids[16] = { 0 };
	bool truncated = false;
	int calls = 0;

	db_bind_text(st, ":name", "a"); /* ids 2, 4, 6, 9 */
	assert_int_equal(db_rows_capped(st, 3, collect, ids, &truncated), 0);
	assert_true(truncated);
	assert_true(ids[0] == 3 && ids[1] == 2 && ids[2] == 4 && ids[3] == 6);
	memset(ids, 0, sizeof(ids));
	db_bind_text(st, ":name", "a");
	assert_int_equal(db_rows_capped(st, 4, collect, ids, &truncated), 0);
	assert_false(truncated);
	assert_int_equal(ids[0], 4);
	memset(ids, 0, sizeof(ids));
	db_bind_text(st, ":name", "b"); /* 1, 5, 8 */
	assert_int_equal(db_rows_capped(st, 100, collect, ids, &truncated), 0);
	assert_true(!truncated && ids[0] == 3);
	db_bind_text(st, ":name", "a");
	assert_int_equal(db_rows_capped(st, 100, fail_second, &calls, &truncated), ERR_CONFLICT);
	assert_int_equal(calls, 2);
	db_bind_text(st, ":name", "c"); /* the statement was reset: it runs again */
	memset(ids, 0, sizeof(ids));
	assert_int_equal(db_rows_capped(st, 100, collect, ids, &truncated), 0);
	assert_true(ids[0] == 2 && ids[1] == 3 && ids[2] == 7);
}

static void test_close_null(void **state)
{
	(void)state;
	db_close(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_sql_shape),
		T(test_list_sql_pages_through_ties),
		T(test_list_sql_filter_with_or),
		T(test_list_cursor_outside_the_filter_is_empty),
		T(test_like_contains_escapes),
		T(test_constraint_errors_map_to_err),
		T(test_statement_cache),
		T(test_dynamic_statements_are_capped),
		T(test_transaction_rollback_and_commit),
		T(test_step_i64),
		T(test_rows_capped),
		cmocka_unit_test(test_close_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
