/* SPDX-License-Identifier: MIT */
/*
 * The store facade. Modules write portable SQL with named parameters
 * (`:name`) and never see the engine; today the engine is SQLite (WAL,
 * foreign keys on, busy timeout), and a PostgreSQL driver can be added
 * behind the same calls (`:name` rewritten to `$n`). No SQL text is ever
 * built from input: statements are static strings, or compositions of
 * static fragments chosen from a whitelist (db_stmt_dyn).
 *
 * Threads: a struct db is one connection and is used by one thread at a
 * time. struct db_pool hands each thread its own connection.
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;
struct db_stmt;
struct db_pool;
struct list_params;

enum { DB_DONE = 0, DB_ROW = 1 };

/* Opens (creating) the database at path with the project's settings. Returns 0 or ERR_DB/ERR_IO. */
int db_open(const char *path, int busy_timeout_ms, struct db **out);
/* Closes the connection and its cached statements. NULL-safe. */
void db_close(struct db *db);

/* Runs SQL text with no parameters (DDL, several statements allowed). Returns 0 or ERR_DB. */
int db_exec(struct db *db, const char *sql);

/* BEGIN IMMEDIATE (a write transaction). Returns 0 or ERR_DB / ERR_TIMEOUT when busy. */
int db_begin(struct db *db);
/* BEGIN (deferred: a consistent read snapshot). */
int db_begin_read(struct db *db);
int db_commit(struct db *db);
/* True while a transaction is open on this connection. */
bool db_in_transaction(struct db *db);
/* Rolls back if a transaction is open; never fails. */
void db_rollback(struct db *db);
/*
 * Ends a write transaction: commits when rc >= 0, else rolls back. Returns rc when it
 * was an error, otherwise the commit's result.
 */
int db_finish(struct db *db, int rc);

/*
 * Returns: the prepared statement for sql, borrowed, cached per connection
 * by the address of sql (sql must be a static string). NULL on a prepare
 * error (logged).
 */
struct db_stmt *db_stmt(struct db *db, const char *sql);
/* As db_stmt, but cached by the text (for compositions of whitelisted static fragments). */
struct db_stmt *db_stmt_dyn(struct db *db, const char *sql);

/* Binding by parameter name (":name"); an unknown name is a programming error (BUG). */
void db_bind_i64(struct db_stmt *st, const char *name, int64_t v);
void db_bind_f64(struct db_stmt *st, const char *name, double v);
/* Binds text (copied); NULL binds SQL NULL. */
void db_bind_text(struct db_stmt *st, const char *name, const char *s);
void db_bind_blob(struct db_stmt *st, const char *name, const void *p, size_t n);
void db_bind_null(struct db_stmt *st, const char *name);

/*
 * Steps. Returns DB_ROW, DB_DONE (statement reset), or a negative err
 * (statement reset): ERR_CONFLICT for a unique/primary-key violation,
 * ERR_INVALID for a foreign-key/check/not-null violation, ERR_TIMEOUT when
 * busy, ERR_DB otherwise.
 */
int db_step(struct db_stmt *st);
/* Steps once expecting no row, then resets and clears bindings. Returns 0 or as db_step. */
int db_step_done(struct db_stmt *st);
/* As db_step_done, but ERR_NOT_FOUND when the statement changed no row (UPDATE/DELETE by id). */
int db_step_change(struct db_stmt *st);
/*
 * Steps a query that answers one row (a COUNT, a MAX ...) and reads its first column
 * into *out, then resets. Returns 0, ERR_NOT_FOUND (no row) or as db_step.
 */
int db_step_i64(struct db_stmt *st, int64_t *out);
/*
 * Steps st, whose other parameters the caller bound, with :limit bound to limit + 1, and
 * calls row(st, ctx) for at most limit rows (a negative return stops the walk and is
 * returned). *truncated tells whether more rows matched. For whole answers with a cap
 * (map layers) rather than pages. Returns 0 or as db_step.
 */
int db_rows_capped(struct db_stmt *st, int64_t limit, int (*row)(struct db_stmt *st, void *ctx),
		   void *ctx, bool *truncated);
/* Binds v, or SQL NULL when v is 0 (optional references). */
void db_bind_id_or_null(struct db_stmt *st, const char *name, int64_t v);
/* Binds the keyset page of lp: :after (NULL from the start) and :limit (lp->limit + 1). */
void db_bind_page(struct db_stmt *st, const struct list_params *lp);
/* Resets and clears bindings (call after reading the rows you need). */
void db_reset(struct db_stmt *st);

/* Statements this connection keeps prepared (static ones, and at most 64 dynamic ones). */
size_t db_stmt_count(const struct db *db);

/*
 * Steps st to its end and collects row(st) for each row in a JSON array. row returns an
 * owned value, or NULL for a row it cannot read (then ERR_DB). Returns 0 with *items
 * owned, or a negative err with *items NULL.
 */
int db_rows_json(struct db_stmt *st, json_t *(*row)(struct db_stmt *st), json_t **items);
/* db_rows_json() with a context passed to row(st, ctx) (borrowed). */
int db_rows_json_ctx(struct db_stmt *st, json_t *(*row)(struct db_stmt *st, void *ctx), void *ctx,
		     json_t **items);

int64_t db_col_i64(struct db_stmt *st, int col);
double db_col_f64(struct db_stmt *st, int col);
/* Returns: borrowed text valid until the next step/reset; NULL for SQL NULL. */
const char *db_col_text(struct db_stmt *st, int col);
/* Copies column col's text into dst (n bytes, truncated, always terminated; "" for NULL). */
void db_col_copy(struct db_stmt *st, int col, char *dst, size_t n);
bool db_col_null(struct db_stmt *st, int col);
const void *db_col_blob(struct db_stmt *st, int col, size_t *n);

/* Row id of the last insert on this connection. */
int64_t db_last_id(struct db *db);
/* Rows changed by the last statement. */
int64_t db_changes(struct db *db);

/*
 * Copies the whole database to dest_path as one consistent snapshot while
 * other connections keep writing (SQLite online backup API). Returns 0,
 * ERR_IO or ERR_DB.
 */
int db_backup(struct db *db, const char *dest_path);

/* Database file size in bytes (page_count * page_size), or -1. */
int64_t db_size_bytes(struct db *db);

/* A pool handing each thread its own lazily opened connection. */
int db_pool_new(const char *path, int busy_timeout_ms, struct db_pool **out);
/* Returns: this thread's connection, borrowed; NULL when it cannot be opened (logged). */
struct db *db_pool_get(struct db_pool *p);
/* Number of open connections. */
int db_pool_size(struct db_pool *p);
/* Closes every connection; call after all threads stopped. NULL-safe. */
void db_pool_free(struct db_pool *p);

/* One page request of a list (parsed by http's list_params_parse). */
struct list_params {
	int64_t limit; /* rows wanted, 1..500 */
	int64_t after; /* keyset cursor: id of the last row seen, 0 = from the start */
	int sort;      /* index into the route's sort whitelist */
	bool desc;
};

/*
 * Composes a keyset-paged list query from static fragments (never from input):
 *   <select> WHERE (<where>) AND (:after IS NULL OR (<table>.<sort_col>, <table>.id) >|<
 *   (SELECT <table>.<sort_col>, <table>.id <FROM part of select> WHERE <table>.id = :after
 *   AND (<where>))) ORDER BY <sort_col> ASC|DESC, id ASC|DESC LIMIT :limit
 * The cursor row must pass the same filter (scope included) as the page. select must
 * contain " FROM " outside parentheses (columns may be subqueries) and name the listed
 * table as `table`. Returns: owned text.
 */
char *db_list_sql(const char *select, const char *where, const char *table, const char *sort_col,
		  bool desc);

/*
 * Returns: owned LIKE pattern "%q%" with q's %, _ and \ escaped by \, for
 * "col LIKE :p ESCAPE '\'" (portable to PostgreSQL, unlike instr()).
 */
char *db_like_contains(const char *q);

#endif
