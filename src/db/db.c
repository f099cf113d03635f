/* SPDX-License-Identifier: MIT */
/*
 * SQLite driver behind db.h. Statements are prepared once per connection
 * (SQLITE_PREPARE_PERSISTENT) and cached by the address of their SQL text
 * (static strings) or by the text itself (db_stmt_dyn).
 */
#define LOG_MODULE "db"
#include "db/db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

struct stmt_slot {
	const char *key; /* address of the static SQL, or owned copy for dyn */
	bool owned_key;
	struct db_stmt *st;
};

struct db_stmt {
	sqlite3_stmt *s;
	struct db *db;
};

struct db {
	sqlite3 *h;
	struct stmt_slot *slots;
	size_t nslots, cap;
	int depth; /* open transaction */
};

static void sqlite_log(void *arg, int code, const char *msg)
{
	(void)arg;
	/* Schema changes and busy retries are normal; keep them at debug. */
	log_debug("sqlite code=%d %s", code, msg);
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void config_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
}

int db_open(const char *path, int busy_timeout_ms, struct db **out)
{
	struct db *db = NULL;
	int rc;

	*out = NULL;
	pthread_once(&config_once, config_sqlite);
	db = xcalloc(1, sizeof(*db));
	rc = sqlite3_open_v2(path, &db->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open database '%s': %s", path,
			  db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		db_close(db);
		return ERR_IO;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, busy_timeout_ms);
	if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
			"PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;") < 0) {
		db_close(db);
		return ERR_DB;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->nslots; i++) {
		sqlite3_finalize(db->slots[i].st->s);
		free(db->slots[i].st);
		if (db->slots[i].owned_key)
			free((char *)db->slots[i].key);
	}
	free(db->slots);
	sqlite3_close_v2(db->h);
	free(db);
}

static int map_rc(struct db *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_TIMEOUT;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return ERR_CONFLICT;
		return ERR_INVALID;
	default:
		log_error("sqlite error %d: %s", rc, sqlite3_errmsg(db->h));
		return ERR_DB;
	}
}

int db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_error("sql failed: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_rc(db, rc) == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_DB;
	}
	return 0;
}

int db_begin(struct db *db)
{
	int rc = db_exec(db, "BEGIN IMMEDIATE");

	if (rc == 0)
		db->depth = 1;
	return rc;
}

int db_begin_read(struct db *db)
{
	int rc = db_exec(db, "BEGIN");

	if (rc == 0)
		db->depth = 1;
	return rc;
}

int db_commit(struct db *db)
{
	int rc = db_exec(db, "COMMIT");

	if (rc == 0)
		db->depth = 0;
	else
		db_rollback(db);
	return rc;
}

bool db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

int db_finish(struct db *db, int rc)
{
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->depth = 0;
}

/*
 * Statements built at run time (db_stmt_dyn: list queries from whitelisted fragments) are
 * cached too, but at most DB_DYN_STMTS_MAX of them per connection: a client trying every
 * filter combination must not grow the cache without bound. The oldest is finalized first;
 * a request holds at most a few dynamic statements at once, never this many, so the one
 * dropped is not in use.
 */
#define DB_DYN_STMTS_MAX 64

static size_t count_dyn(const struct db *db)
{
	size_t n = 0;

	for (size_t i = 0; i < db->nslots; i++)
		n += db->slots[i].owned_key;
	return n;
}

static void drop_oldest_dyn(struct db *db)
{
	for (size_t i = 0; i < db->nslots; i++) {
		struct stmt_slot *sl = &db->slots[i];

		if (!sl->owned_key)
			continue;
		sqlite3_finalize(sl->st->s);
		free(sl->st);
		free((char *)sl->key);
		memmove(sl, sl + 1, (db->nslots - i - 1) * sizeof(*sl));
		db->nslots--;
		return;
	}
}

size_t db_stmt_count(const struct db *db)
{
	return db->nslots;
}

static struct db_stmt *prepare(struct db *db, const char *sql, bool dyn)
{
	struct db_stmt *st;
	sqlite3_stmt *s = NULL;
	int rc;

	for (size_t i = 0; i < db->nslots; i++) {
		struct stmt_slot *sl = &db->slots[i];

		if (dyn ? (sl->owned_key && strcmp(sl->key, sql) == 0)
			: (!sl->owned_key && sl->key == sql))
			return sl->st;
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot prepare sql: %s: %.200s", sqlite3_errmsg(db->h), sql);
		return NULL;
	}
	if (dyn && count_dyn(db) >= DB_DYN_STMTS_MAX)
		drop_oldest_dyn(db);
	if (db->nslots == db->cap) {
		db->cap = db->cap ? db->cap * 2 : 32;
		db->slots = xrealloc(db->slots, db->cap * sizeof(*db->slots));
	}
	st = xcalloc(1, sizeof(*st));
	st->s = s;
	st->db = db;
	db->slots[db->nslots].key = dyn ? xstrdup(sql) : sql;
	db->slots[db->nslots].owned_key = dyn;
	db->slots[db->nslots].st = st;
	db->nslots++;
	return st;
}

struct db_stmt *db_stmt(struct db *db, const char *sql)
{
	return prepare(db, sql, false);
}

struct db_stmt *db_stmt_dyn(struct db *db, const char *sql)
{
	return prepare(db, sql, true);
}

static int param(struct db_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st->s, name);

	if (i == 0) {
		log_error("BUG: no parameter '%s' in: %.200s", name, sqlite3_sql(st->s));
		abort();
	}
	return i;
}

void db_bind_i64(struct db_stmt *st, const char *name, int64_t v)
{
	sqlite3_bind_int64(st->s, param(st, name), v);
}

void db_bind_f64(struct db_stmt *st, const char *name, double v)
{
	sqlite3_bind_double(st->s, param(st, name), v);
}

void db_bind_text(struct db_stmt *st, const char *name, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st->s, param(st, name));
	else
		sqlite3_bind_text(st->s, param(st, name), s, -1, SQLITE_TRANSIENT);
}

void db_bind_blob(struct db_stmt *st, const char *name, const void *p, size_t n)
{
	sqlite3_bind_blob64(st->s, param(st, name), p, n, SQLITE_TRANSIENT);
}

void db_bind_null(struct db_stmt *st, const char *name)
{
	sqlite3_bind_null(st->s, param(st, name));
}

int db_step(struct db_stmt *st)
{
	int rc = sqlite3_step(st->s);

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE) {
		db_reset(st);
		return DB_DONE;
	}
	rc = map_rc(st->db, rc);
	db_reset(st);
	return rc;
}

int db_step_done(struct db_stmt *st)
{
	int rc = db_step(st);

	if (rc == DB_ROW) {
		db_reset(st);
		return 0;
	}
	return rc;
}

int db_step_change(struct db_stmt *st)
{
	int rc = db_step_done(st);

	if (rc == 0 && db_changes(st->db) == 0)
		return ERR_NOT_FOUND;
	return rc;
}

int db_step_i64(struct db_stmt *st, int64_t *out)
{
	int rc = db_step(st);

	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	*out = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

int db_rows_capped(struct db_stmt *st, int64_t limit, int (*row)(struct db_stmt *st, void *ctx),
		   void *ctx, bool *truncated)
{
	int64_t n = 0;
	int rc;

	*truncated = false;
	db_bind_i64(st, ":limit", limit + 1); /* one more tells whether the cap cut the rows */
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == limit) {
			*truncated = true;
			db_reset(st);
			return 0;
		}
		rc = row(st, ctx);
		if (rc < 0) {
			db_reset(st);
			return rc;
		}
		n++;
	}
	return rc < 0 ? rc : 0;
}

void db_bind_id_or_null(struct db_stmt *st, const char *name, int64_t v)
{
	if (v)
		db_bind_i64(st, name, v);
	else
		db_bind_null(st, name);
}

void db_bind_page(struct db_stmt *st, const struct list_params *lp)
{
	db_bind_id_or_null(st, ":after", lp->after);
	db_bind_i64(st, ":limit", lp->limit + 1);
}

void db_reset(struct db_stmt *st)
{
	sqlite3_reset(st->s);
	sqlite3_clear_bindings(st->s);
}

int64_t db_col_i64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(st->s, col);
}

double db_col_f64(struct db_stmt *st, int col)
{
	return sqlite3_column_double(st->s, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->s, col);
}

void db_col_copy(struct db_stmt *st, int col, char *dst, size_t n)
{
	const char *v = db_col_text(st, col);

	snprintf(dst, n, "%s", v ? v : "");
}

bool db_col_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(st->s, col) == SQLITE_NULL;
}

const void *db_col_blob(struct db_stmt *st, int col, size_t *n)
{
	const void *p = sqlite3_column_blob(st->s, col);

	*n = (size_t)sqlite3_column_bytes(st->s, col);
	return p;
}

int64_t db_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

int64_t db_changes(struct db *db)
{
	return sqlite3_changes64(db->h);
}

int db_backup(struct db *db, const char *dest_path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	int rc;

	rc = sqlite3_open_v2(dest_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot create backup '%s': %s", dest_path, sqlite3_errstr(rc));
		rc = ERR_IO;
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", db->h, "main");
	if (b == NULL) {
		log_error("cannot start backup to '%s': %s", dest_path, sqlite3_errmsg(dst));
		rc = ERR_DB;
		goto out;
	}
	/* One step copies every page under one read transaction: a consistent snapshot. */
	rc = sqlite3_backup_step(b, -1);
	if (rc != SQLITE_DONE) {
		log_error("backup to '%s' failed: %s", dest_path, sqlite3_errstr(rc));
		rc = ERR_DB;
		goto out;
	}
	rc = 0;
out:
	if (b && sqlite3_backup_finish(b) != SQLITE_OK && rc == 0)
		rc = ERR_DB;
	sqlite3_close(dst);
	return rc;
}

int64_t db_size_bytes(struct db *db)
{
	static const char sql[] = "SELECT page_count * page_size FROM pragma_page_count(), "
				  "pragma_page_size()";
	struct db_stmt *st = db_stmt(db, sql);
	int64_t n = -1;

	if (st && db_step(st) == DB_ROW)
		n = db_col_i64(st, 0);
	if (st)
		db_reset(st);
	return n;
}

/* pool */

struct db_pool {
	char *path;
	int busy_timeout_ms;
	pthread_key_t key;
	pthread_mutex_t lock; /* protects conns; leaf lock */
	struct db **conns;
	int n, cap;
};

int db_pool_new(const char *path, int busy_timeout_ms, struct db_pool **out)
{
	struct db_pool *p = xcalloc(1, sizeof(*p));

	p->path = xstrdup(path);
	p->busy_timeout_ms = busy_timeout_ms;
	pthread_key_create(&p->key, NULL);
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
}

struct db *db_pool_get(struct db_pool *p)
{
	struct db *db = pthread_getspecific(p->key);

	if (db)
		return db;
	if (db_open(p->path, p->busy_timeout_ms, &db) < 0)
		return NULL;
	pthread_setspecific(p->key, db);
	pthread_mutex_lock(&p->lock);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->conns = xrealloc(p->conns, (size_t)p->cap * sizeof(*p->conns));
	}
	p->conns[p->n++] = db;
	pthread_mutex_unlock(&p->lock);
	return db;
}

int db_pool_size(struct db_pool *p)
{
	int n;

	pthread_mutex_lock(&p->lock);
	n = p->n;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void db_pool_free(struct db_pool *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->n; i++)
		db_close(p->conns[i]);
	free(p->conns);
	pthread_key_delete(p->key);
	pthread_mutex_destroy(&p->lock);
	free(p->path);
	free(p);
}

/* The first " FROM " of sql outside parentheses and quotes (a subquery column has its own). */
static const char *top_level_from(const char *sql)
{
	int depth = 0;
	bool quoted = false;

	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (depth == 0 && strncmp(p, " FROM ", 6) == 0)
			return p;
	}
	return NULL;
}

char *db_list_sql(const char *select, const char *where, const char *table, const char *sort_col,
		  bool desc)
{
	struct buf b = BUF_INIT;
	const char *from = top_level_from(select);
	const char *w = where && *where ? where : "1=1";

	if (from == NULL) {
		log_error("BUG: list select without ' FROM ': %.120s", select);
		abort();
	}
	/*
	 * The cursor row is looked up through the same FROM and the same filter as the page:
	 * an id the caller may not see (or that does not exist) gives an empty page, so the
	 * cursor can neither reveal rows outside the caller's scope nor tell that they exist.
	 */
	buf_addf(&b,
		 "%s WHERE (%s) AND (:after IS NULL OR (%s.%s, %s.id) %s (SELECT %s.%s, %s.id%s "
		 "WHERE %s.id = :after AND (%s))) ORDER BY %s.%s %s, %s.id %s LIMIT :limit",
		 select, w, table, sort_col, table, desc ? "<" : ">", table, sort_col, table, from,
		 table, w, table, sort_col, desc ? "DESC" : "ASC", table, desc ? "DESC" : "ASC");
	return buf_detach(&b);
}

char *db_like_contains(const char *q)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "%");
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_add(&b, "\\", 1);
		buf_add(&b, p, 1);
	}
	buf_adds(&b, "%");
	return buf_detach(&b);
}

int db_rows_json_ctx(struct db_stmt *st, json_t *(*row)(struct db_stmt *st, void *ctx), void *ctx,
		     json_t **items)
{
	json_t *a = json_array();
	int rc;

	*items = NULL;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = row(st, ctx);

		if (o == NULL) {
			db_reset(st);
			rc = ERR_DB;
			break;
		}
		json_array_append_new(a, o);
	}
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*items = a;
	return 0;
}

struct rows_plain {
	json_t *(*row)(struct db_stmt *st);
};

static json_t *row_plain(struct db_stmt *st, void *ctx)
{
	return ((struct rows_plain *)ctx)->row(st);
}

int db_rows_json(struct db_stmt *st, json_t *(*row)(struct db_stmt *st), json_t **items)
{
	struct rows_plain p = { row };

	return db_rows_json_ctx(st, row_plain, &p, items);
}
