/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the org module, each right above the function that
 * runs it, with bound parameters only. Lists use db_list_sql() (static
 * fragments) and keyset paging.
 */
#define LOG_MODULE "org"
#include "org/org.h"
#include "org/org_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

#define COPY(dst, src) utf8_copy((dst), sizeof(dst), (src))

/* Binds "contains q" as a portable LIKE pattern (q's own % _ \ escaped); NULL binds NULL. */
static void bind_like(struct db_stmt *st, const char *name, const char *q)
{
	char *pat = q ? db_like_contains(q) : NULL;

	db_bind_text(st, name, pat);
	free(pat);
}

/* ---------------------------------------------------------------- scope anchor */

static const char SQL_GRID_REGION[] = "SELECT region_code FROM grid WHERE id = :id";

int org_db_grid_regions(struct db *db, const struct scope *s, char out[][16])
{
	for (size_t i = 0; i < s->ngrids; i++) {
		int rc = org_grid_region(db, s->grids[i], out[i], 16);

		if (rc < 0)
			return rc;
	}
	return 0;
}

bool org_region_exists(struct db *db, const char *code)
{
	return org_db_region_exists(db, code);
}

int org_grid_region(struct db *db, int64_t id, char *out, size_t n)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_REGION);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	utf8_copy(out, n, db_col_text(st, 0));
	db_reset(st);
	return 0;
}

int org_person_get(struct db *db, int64_t id, struct org_person *out)
{
	struct org_user u;
	int rc = org_db_user_by_id(db, id, &u);

	memset(out, 0, sizeof(*out));
	if (rc < 0)
		return rc;
	out->id = u.id;
	COPY(out->name, u.display_name[0] ? u.display_name : u.login);
	out->role = u.role;
	out->scope = u.scope;
	out->machine = u.machine;
	out->locked = u.locked;
	return 0;
}

int org_dept_brief(struct db *db, int64_t id, char *name, size_t name_n, char *region,
		   size_t region_n)
{
	json_t *d = NULL;
	int rc = org_db_dept_get(db, id, &d);

	if (rc < 0)
		return rc;
	utf8_copy(name, name_n, json_str(d, "name"));
	utf8_copy(region, region_n, json_str(d, "region_code"));
	json_decref(d);
	return 0;
}

bool org_scope_covers(struct db *db, const struct scope *outer, const struct scope *inner)
{
	return org_db_scope_covers(db, outer, inner);
}

int org_region_get(struct db *db, const char *code, json_t **out)
{
	return org_db_region_get(db, code, out);
}

int org_region_children(struct db *db, const char *code, json_t **items)
{
	return org_db_region_children(db, code, items);
}

static const char SQL_GRID_FIND[] = "SELECT id, region_code FROM grid WHERE code = :code";

int org_grid_find(struct db *db, const char *code, int64_t *id, char *region, size_t n)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_FIND);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":code", code);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	*id = db_col_i64(st, 0);
	utf8_copy(region, n, db_col_text(st, 1));
	db_reset(st);
	return 0;
}

static const char SQL_GRID_CODE[] = "SELECT code FROM grid WHERE id = :id";

int org_grid_code(struct db *db, int64_t id, char *out, size_t n)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_CODE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	utf8_copy(out, n, db_col_text(st, 0));
	db_reset(st);
	return 0;
}

bool org_db_scope_covers(struct db *db, const struct scope *outer, const struct scope *inner)
{
	char regions[SCOPE_MAX_GRIDS][16];
	const char *ptrs[SCOPE_MAX_GRIDS];

	if (inner->kind != SCOPE_GRIDS)
		return scope_covers(outer, inner, NULL);
	if (org_db_grid_regions(db, inner, regions) < 0)
		return false;
	for (size_t i = 0; i < inner->ngrids; i++)
		ptrs[i] = regions[i];
	return scope_covers(outer, inner, ptrs);
}

int org_db_scope_anchor(struct db *db, const struct scope *s, char *out, size_t n)
{
	char regions[SCOPE_MAX_GRIDS][16];
	size_t common;
	int rc;

	switch (s->kind) {
	case SCOPE_ALL:
		snprintf(out, n, "%s", "");
		return 0;
	case SCOPE_REGION:
		snprintf(out, n, "%.*s", (int)region_prefix_len(s->region), s->region);
		return 0;
	case SCOPE_ENTERPRISE:
		/* USCC positions 3-8: the registering authority's division (GB 32100). */
		snprintf(out, n, "%.6s", s->enterprise + 2);
		return 0;
	case SCOPE_GRIDS:
		rc = org_db_grid_regions(db, s, regions);
		if (rc < 0)
			return rc;
		common = strlen(regions[0]);
		for (size_t i = 1; i < s->ngrids; i++) {
			size_t k = 0;

			while (k < common && regions[i][k] == regions[0][k])
				k++;
			common = k;
		}
		snprintf(out, n, "%.*s", (int)common, regions[0]);
		return 0;
	}
	return ERR_INTERNAL;
}

/* ---------------------------------------------------------------- users */

#define USER_COLS                                                                             \
	"app_user.id, app_user.login, app_user.display_name, app_user.role, app_user.scope, " \
	"app_user.scope_anchor, app_user.dept_id, app_user.phone, app_user.password_hash, "   \
	"app_user.must_change_password, app_user.locked, app_user.failed_logins, "            \
	"app_user.locked_until_ms, app_user.password_changed_ms, app_user.created_ms, "       \
	"app_user.updated_ms, app_user.machine"

/* Reads the USER_COLS columns starting at column `at`. */
static int user_from_row_at(struct db_stmt *st, int at, struct org_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = db_col_i64(st, at + 0);
	COPY(u->login, db_col_text(st, at + 1));
	COPY(u->display_name, db_col_text(st, at + 2));
	if (role_parse(db_col_text(st, at + 3), &u->role) < 0 ||
	    scope_parse(db_col_text(st, at + 4), &u->scope, NULL) < 0) {
		log_error("user %lld has a bad role or scope in the database", (long long)u->id);
		return ERR_DB;
	}
	COPY(u->scope_anchor, db_col_text(st, at + 5));
	u->dept_id = db_col_null(st, at + 6) ? 0 : db_col_i64(st, at + 6);
	COPY(u->phone, db_col_text(st, at + 7));
	COPY(u->password_hash, db_col_text(st, at + 8));
	u->must_change_password = db_col_i64(st, at + 9) != 0;
	u->locked = db_col_i64(st, at + 10) != 0;
	u->failed_logins = (int)db_col_i64(st, at + 11);
	u->locked_until_ms = db_col_i64(st, at + 12);
	u->password_changed_ms = db_col_i64(st, at + 13);
	u->created_ms = db_col_i64(st, at + 14);
	u->updated_ms = db_col_i64(st, at + 15);
	u->machine = db_col_i64(st, at + 16) != 0;
	return 0;
}

static int user_from_row(struct db_stmt *st, struct org_user *u)
{
	return user_from_row_at(st, 0, u);
}

static int user_one(struct db_stmt *st, struct org_user *u)
{
	int rc = db_step(st);

	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	rc = user_from_row(st, u);
	db_reset(st);
	return rc;
}

static const char SQL_USER_BY_LOGIN[] = "SELECT " USER_COLS " FROM app_user WHERE login = :login";

int org_db_user_by_login(struct db *db, const char *login, struct org_user *u)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_BY_LOGIN);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":login", login);
	return user_one(st, u);
}

static const char SQL_USER_BY_ID[] = "SELECT " USER_COLS " FROM app_user WHERE id = :id";

int org_db_user_by_id(struct db *db, int64_t id, struct org_user *u)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_BY_ID);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return user_one(st, u);
}

static const char SQL_USER_GRID_CLEAR[] = "DELETE FROM user_grid WHERE user_id = :user_id";
static const char SQL_USER_GRID_ADD[] =
	"INSERT INTO user_grid (user_id, grid_id) VALUES (:user_id, :grid_id)";

static int user_grids_write(struct db *db, const struct org_user *u)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_GRID_CLEAR);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":user_id", u->id);
	rc = db_step_done(st);
	if (rc < 0 || u->scope.kind != SCOPE_GRIDS)
		return rc;
	st = db_stmt(db, SQL_USER_GRID_ADD);
	if (st == NULL)
		return ERR_DB;
	for (size_t i = 0; i < u->scope.ngrids; i++) {
		db_bind_i64(st, ":user_id", u->id);
		db_bind_i64(st, ":grid_id", u->scope.grids[i]);
		rc = db_step_done(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *scope_kind_name(enum scope_kind k)
{
	static const char *const names[] = { "all", "region", "grids", "enterprise" };

	return names[k];
}

static void bind_user(struct db_stmt *st, const struct org_user *u)
{
	char scope[1024];

	scope_format(&u->scope, scope, sizeof(scope));
	db_bind_text(st, ":display_name", u->display_name);
	db_bind_text(st, ":role", role_name(u->role));
	db_bind_text(st, ":scope_kind", scope_kind_name(u->scope.kind));
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_anchor", u->scope_anchor);
	db_bind_id_or_null(st, ":dept_id", u->dept_id);
	db_bind_text(st, ":phone", u->phone);
	db_bind_text(st, ":password_hash", u->password_hash);
	db_bind_i64(st, ":must_change_password", u->must_change_password);
	db_bind_i64(st, ":machine", u->machine);
	db_bind_i64(st, ":locked", u->locked);
	db_bind_i64(st, ":failed_logins", u->failed_logins);
	db_bind_i64(st, ":locked_until_ms", u->locked_until_ms);
	db_bind_i64(st, ":password_changed_ms", u->password_changed_ms);
	db_bind_i64(st, ":updated_ms", u->updated_ms);
}

static const char SQL_USER_INSERT[] =
	"INSERT INTO app_user (login, display_name, role, scope_kind, scope, scope_anchor, "
	"dept_id, phone, password_hash, machine, must_change_password, locked, failed_logins, "
	"locked_until_ms, password_changed_ms, created_ms, updated_ms) VALUES (:login, "
	":display_name, :role, :scope_kind, :scope, :scope_anchor, :dept_id, :phone, "
	":password_hash, :machine, :must_change_password, :locked, :failed_logins, "
	":locked_until_ms, :password_changed_ms, :created_ms, :updated_ms)";

int org_db_user_insert(struct db *db, struct org_user *u)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":login", u->login);
	db_bind_i64(st, ":created_ms", u->created_ms);
	bind_user(st, u);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	u->id = db_last_id(db);
	return user_grids_write(db, u);
}

static const char SQL_USER_UPDATE[] =
	"UPDATE app_user SET display_name = :display_name, role = :role, scope_kind = :scope_kind, "
	"scope = :scope, scope_anchor = :scope_anchor, dept_id = :dept_id, phone = :phone, "
	"password_hash = :password_hash, machine = :machine, "
	"must_change_password = :must_change_password, locked = :locked, "
	"failed_logins = :failed_logins, locked_until_ms = :locked_until_ms, "
	"password_changed_ms = :password_changed_ms, updated_ms = :updated_ms WHERE id = :id";

int org_db_user_update(struct db *db, const struct org_user *u)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_UPDATE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", u->id);
	bind_user(st, u);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	if (db_changes(db) == 0)
		return ERR_NOT_FOUND;
	return user_grids_write(db, u);
}

static const char SQL_USER_DEL_SESSIONS[] = "DELETE FROM session WHERE user_id = :id";
static const char SQL_USER_DEL_TOKENS[] = "DELETE FROM api_token WHERE user_id = :id";
static const char SQL_USER_DELETE[] = "DELETE FROM app_user WHERE id = :id";

int org_db_user_delete(struct db *db, int64_t id)
{
	const char *const steps[] = { SQL_USER_DEL_SESSIONS, SQL_USER_DEL_TOKENS };
	struct db_stmt *st;
	int rc;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		st = db_stmt(db, steps[i]);
		if (st == NULL)
			return ERR_DB;
		db_bind_i64(st, ":id", id);
		rc = db_step_done(st);
		if (rc < 0)
			return rc;
	}
	st = db_stmt(db, SQL_USER_DELETE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_change(st);
	/* A foreign key from grid.manager_id, patroller_id, supervisor_id or enterprise.supervisor_id. */
	return rc == ERR_INVALID ? ERR_CONFLICT : rc;
}

static const char SQL_USER_COUNT[] = "SELECT COUNT(*) FROM app_user";

int org_db_user_count(struct db *db, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_COUNT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_DB;
	*n = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

static const char SQL_USER_LOGIN_STATE[] =
	"UPDATE app_user SET failed_logins = :failed_logins, locked_until_ms = :locked_until_ms "
	"WHERE id = :id";

int org_db_user_set_login_state(struct db *db, int64_t id, int failed_logins,
				int64_t locked_until_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_LOGIN_STATE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":failed_logins", failed_logins);
	db_bind_i64(st, ":locked_until_ms", locked_until_ms);
	return db_step_change(st);
}

static const char SQL_USER_SET_PASSWORD[] =
	"UPDATE app_user SET password_hash = :hash, must_change_password = :must_change, "
	"password_changed_ms = :now, updated_ms = :now, failed_logins = 0, locked_until_ms = 0 "
	"WHERE id = :id";

int org_db_user_set_password(struct db *db, int64_t id, const char *hash, bool must_change,
			     int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_SET_PASSWORD);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":hash", hash);
	db_bind_i64(st, ":must_change", must_change);
	db_bind_i64(st, ":now", now);
	return db_step_change(st);
}

static const char SQL_USER_SET_LOCKED[] =
	"UPDATE app_user SET locked = :locked, updated_ms = :now, "
	"failed_logins = CASE WHEN :locked = 0 THEN 0 ELSE failed_logins END, "
	"locked_until_ms = CASE WHEN :locked = 0 THEN 0 ELSE locked_until_ms END WHERE id = :id";

int org_db_user_set_locked(struct db *db, int64_t id, bool locked, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_SET_LOCKED);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":locked", locked);
	db_bind_i64(st, ":now", now);
	return db_step_change(st);
}

json_t *org_user_json(const struct org_user *u)
{
	char scope[1024];

	scope_format(&u->scope, scope, sizeof(scope));
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:b, s:I, s:I, s:I}",
			 "id", (json_int_t)u->id, "login", u->login, "display_name",
			 u->display_name, "role", role_name(u->role), "role_name",
			 role_name_zh(u->role), "scope", scope, "dept_id",
			 u->dept_id ? json_integer(u->dept_id) : json_null(), "phone", u->phone,
			 "machine", u->machine, "must_change_password", u->must_change_password,
			 "locked", u->locked, "locked_until_ms", (json_int_t)u->locked_until_ms,
			 "created_ms", (json_int_t)u->created_ms, "updated_ms",
			 (json_int_t)u->updated_ms);
}

static json_t *user_row_json(struct db_stmt *st)
{
	struct org_user u;

	return user_from_row(st, &u) < 0 ? NULL : org_user_json(&u);
}

static const char SQL_USER_LIST_SELECT[] = "SELECT " USER_COLS " FROM app_user";
static const char SQL_USER_LIST_WHERE[] =
	"(:prefix IS NULL OR (app_user.scope_kind <> 'all' AND "
	"substr(app_user.scope_anchor, 1, length(:prefix)) = :prefix)) AND "
	"(:role IS NULL OR app_user.role = :role) AND "
	"(:q IS NULL OR app_user.login LIKE :q ESCAPE '\\' OR app_user.display_name LIKE :q ESCAPE "
	"'\\')";
static const char *const user_sort_cols[] = { "id", "login", "display_name", "created_ms" };

int org_db_user_list(struct db *db, const char *anchor_prefix, const char *role, const char *q,
		     const struct list_params *lp, json_t **items)
{
	char *sql = db_list_sql(SQL_USER_LIST_SELECT, SQL_USER_LIST_WHERE, "app_user",
				user_sort_cols[lp->sort], lp->desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":prefix", anchor_prefix);
	db_bind_text(st, ":role", role);
	bind_like(st, ":q", q);
	db_bind_page(st, lp);
	return db_rows_json(st, user_row_json, items);
}

/* ---------------------------------------------------------------- sessions */

static const char SQL_SESSION_INSERT[] =
	"INSERT INTO session (token_hash, csrf_token, user_id, ip, created_ms, last_seen_ms) "
	"VALUES (:token_hash, :csrf, :user_id, :ip, :now, :now)";

int org_db_session_insert(struct db *db, const char *token_hash, const char *csrf, int64_t user_id,
			  const char *ip, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_SESSION_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":token_hash", token_hash);
	db_bind_text(st, ":csrf", csrf);
	db_bind_i64(st, ":user_id", user_id);
	db_bind_text(st, ":ip", ip);
	db_bind_i64(st, ":now", now);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_SESSION_FIND[] =
	"SELECT session.id, session.created_ms, session.last_seen_ms, session.revoked_ms, "
	"session.csrf_token, " USER_COLS " FROM session JOIN app_user ON app_user.id = "
	"session.user_id WHERE session.token_hash = :token_hash";

int org_db_session_find(struct db *db, const char *token_hash, struct org_session *s,
			struct org_user *u)
{
	struct db_stmt *st = db_stmt(db, SQL_SESSION_FIND);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":token_hash", token_hash);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	s->id = db_col_i64(st, 0);
	s->created_ms = db_col_i64(st, 1);
	s->last_seen_ms = db_col_i64(st, 2);
	s->revoked_ms = db_col_i64(st, 3);
	COPY(s->csrf, db_col_text(st, 4));
	rc = user_from_row_at(st, 5, u);
	s->user_id = u->id;
	db_reset(st);
	return rc;
}

static const char SQL_SESSION_TOUCH[] = "UPDATE session SET last_seen_ms = :now WHERE id = :id";

int org_db_session_touch(struct db *db, int64_t id, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_SESSION_TOUCH);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now);
	return db_step_done(st);
}

static const char SQL_SESSION_REVOKE[] =
	"UPDATE session SET revoked_ms = :now WHERE id = :id AND revoked_ms = 0";

int org_db_session_revoke(struct db *db, int64_t id, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_SESSION_REVOKE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now);
	return db_step_done(st);
}

static const char SQL_SESSIONS_REVOKE_USER[] =
	"UPDATE session SET revoked_ms = :now WHERE user_id = :user_id AND revoked_ms = 0 AND "
	"id <> :except_id";

int org_db_sessions_revoke_user(struct db *db, int64_t user_id, int64_t except_id, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_SESSIONS_REVOKE_USER);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":user_id", user_id);
	db_bind_i64(st, ":except_id", except_id);
	db_bind_i64(st, ":now", now);
	return db_step_done(st);
}

static const char SQL_SESSIONS_ACTIVE[] =
	"SELECT COUNT(*) FROM session WHERE revoked_ms = 0 AND last_seen_ms >= :since";

int org_db_sessions_active(struct db *db, int64_t since_ms, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_SESSIONS_ACTIVE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":since", since_ms);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_DB;
	*n = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

/* ---------------------------------------------------------------- API tokens */

static const char SQL_TOKEN_INSERT[] =
	"INSERT INTO api_token (user_id, name, prefix, token_hash, created_ms) VALUES (:user_id, "
	":name, :prefix, :token_hash, :now)";

int org_db_token_insert(struct db *db, int64_t user_id, const char *name, const char *prefix,
			const char *token_hash, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_TOKEN_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":user_id", user_id);
	db_bind_text(st, ":name", name);
	db_bind_text(st, ":prefix", prefix);
	db_bind_text(st, ":token_hash", token_hash);
	db_bind_i64(st, ":now", now);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_TOKEN_FIND[] =
	"SELECT api_token.id, api_token.last_used_ms, " USER_COLS " FROM api_token JOIN app_user "
	"ON app_user.id = api_token.user_id WHERE api_token.token_hash = :token_hash AND "
	"api_token.revoked_ms = 0";

int org_db_token_find(struct db *db, const char *token_hash, int64_t *id, int64_t *last_used_ms,
		      struct org_user *u)
{
	struct db_stmt *st = db_stmt(db, SQL_TOKEN_FIND);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":token_hash", token_hash);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	*id = db_col_i64(st, 0);
	*last_used_ms = db_col_i64(st, 1);
	rc = user_from_row_at(st, 2, u);
	db_reset(st);
	return rc;
}

static const char SQL_TOKEN_TOUCH[] = "UPDATE api_token SET last_used_ms = :now WHERE id = :id";

int org_db_token_touch(struct db *db, int64_t id, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_TOKEN_TOUCH);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now);
	return db_step_done(st);
}

static const char SQL_TOKEN_USER[] = "SELECT user_id FROM api_token WHERE id = :id";

int org_db_token_user(struct db *db, int64_t id, int64_t *user_id)
{
	struct db_stmt *st = db_stmt(db, SQL_TOKEN_USER);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	*user_id = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

static const char SQL_TOKEN_REVOKE[] =
	"UPDATE api_token SET revoked_ms = :now WHERE id = :id AND revoked_ms = 0 AND user_id IN "
	"(SELECT app_user.id FROM app_user WHERE :prefix IS NULL OR (app_user.scope_kind <> 'all' "
	"AND substr(app_user.scope_anchor, 1, length(:prefix)) = :prefix)) RETURNING user_id";

int org_db_token_revoke(struct db *db, int64_t id, const char *anchor_prefix, int64_t now,
			int64_t *user_id)
{
	struct db_stmt *st = db_stmt(db, SQL_TOKEN_REVOKE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":prefix", anchor_prefix);
	db_bind_i64(st, ":now", now);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	*user_id = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

static json_t *token_row_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:I}", "id",
			 (json_int_t)db_col_i64(st, 0), "user_id", (json_int_t)db_col_i64(st, 1),
			 "login", db_col_text(st, 2), "name", db_col_text(st, 3), "prefix",
			 db_col_text(st, 4), "created_ms", (json_int_t)db_col_i64(st, 5),
			 "last_used_ms", (json_int_t)db_col_i64(st, 6), "revoked_ms",
			 (json_int_t)db_col_i64(st, 7));
}

static const char SQL_TOKEN_LIST_SELECT[] =
	"SELECT api_token.id, api_token.user_id, app_user.login, api_token.name, api_token.prefix, "
	"api_token.created_ms, api_token.last_used_ms, api_token.revoked_ms FROM api_token JOIN "
	"app_user ON app_user.id = api_token.user_id";
static const char SQL_TOKEN_LIST_WHERE[] =
	":prefix IS NULL OR (app_user.scope_kind <> 'all' AND "
	"substr(app_user.scope_anchor, 1, length(:prefix)) = :prefix)";

int org_db_token_list(struct db *db, const char *anchor_prefix, const struct list_params *lp,
		      json_t **items)
{
	char *sql = db_list_sql(SQL_TOKEN_LIST_SELECT, SQL_TOKEN_LIST_WHERE, "api_token", "id",
				lp->desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":prefix", anchor_prefix);
	db_bind_page(st, lp);
	return db_rows_json(st, token_row_json, items);
}

/* ---------------------------------------------------------------- regions */

static json_t *region_json(struct db_stmt *st)
{
	const char *parent = db_col_text(st, 3);

	return json_pack("{s:s, s:s, s:I, s:o}", "code", db_col_text(st, 0), "name",
			 db_col_text(st, 1), "level", (json_int_t)db_col_i64(st, 2), "parent_code",
			 parent ? json_string(parent) : json_null());
}

static const char SQL_REGION_GET[] =
	"SELECT code, name, level, parent_code FROM region WHERE code = :code";

int org_db_region_get(struct db *db, const char *code, json_t **out)
{
	struct db_stmt *st = db_stmt(db, SQL_REGION_GET);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":code", code);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	*out = region_json(st);
	db_reset(st);
	return 0;
}

bool org_db_region_exists(struct db *db, const char *code)
{
	json_t *r = NULL;
	bool ok = org_db_region_get(db, code, &r) == 0;

	json_decref(r);
	return ok;
}

static int region_rows(struct db_stmt *st, json_t **items)
{
	return db_rows_json(st, region_json, items);
}

static const char SQL_REGION_CHILDREN[] =
	"SELECT code, name, level, parent_code FROM region WHERE "
	"(:code IS NULL AND parent_code IS NULL) OR parent_code = :code ORDER BY code";

int org_db_region_children(struct db *db, const char *code, json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_REGION_CHILDREN);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":code", code);
	return region_rows(st, items);
}

static const char SQL_REGION_SEARCH[] =
	"SELECT code, name, level, parent_code FROM region WHERE name LIKE :q ESCAPE '\\' AND "
	"(:prefix IS NULL OR substr(code, 1, length(:prefix)) = :prefix) "
	"ORDER BY level, code LIMIT :limit";

int org_db_region_search(struct db *db, const char *q, const char *under_prefix, int64_t limit,
			 json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_REGION_SEARCH);

	if (st == NULL)
		return ERR_DB;
	bind_like(st, ":q", q);
	db_bind_text(st, ":prefix", under_prefix);
	db_bind_i64(st, ":limit", limit);
	return region_rows(st, items);
}

static const char SQL_REGION_COUNT[] = "SELECT COUNT(*) FROM region";

int org_db_region_count(struct db *db, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_REGION_COUNT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_DB;
	*n = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

/* ---------------------------------------------------------------- departments */

#define DEPT_COLS \
	"dept.id, dept.name, dept.region_code, dept.description, dept.created_ms, dept.updated_ms"

static json_t *dept_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}", "id", (json_int_t)db_col_i64(st, 0),
			 "name", db_col_text(st, 1), "region_code", db_col_text(st, 2),
			 "description", db_col_text(st, 3), "created_ms",
			 (json_int_t)db_col_i64(st, 4), "updated_ms",
			 (json_int_t)db_col_i64(st, 5));
}

static const char SQL_DEPT_GET[] = "SELECT " DEPT_COLS " FROM dept WHERE id = :id";

int org_db_dept_get(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = db_stmt(db, SQL_DEPT_GET);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	*out = dept_json(st);
	db_reset(st);
	return 0;
}

static const char SQL_DEPT_INSERT[] =
	"INSERT INTO dept (name, region_code, description, created_ms, updated_ms) VALUES (:name, "
	":region_code, :description, :now, :now)";

int org_db_dept_insert(struct db *db, const char *name, const char *region_code,
		       const char *description, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_DEPT_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":name", name);
	db_bind_text(st, ":region_code", region_code);
	db_bind_text(st, ":description", description ? description : "");
	db_bind_i64(st, ":now", now);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_DEPT_UPDATE[] =
	"UPDATE dept SET name = :name, region_code = :region_code, description = :description, "
	"updated_ms = :now WHERE id = :id";

int org_db_dept_update(struct db *db, int64_t id, const char *name, const char *region_code,
		       const char *description, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_DEPT_UPDATE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":name", name);
	db_bind_text(st, ":region_code", region_code);
	db_bind_text(st, ":description", description);
	db_bind_i64(st, ":now", now);
	return db_step_change(st);
}

static const char SQL_DEPT_DELETE[] = "DELETE FROM dept WHERE id = :id";

int org_db_dept_delete(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, SQL_DEPT_DELETE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_done(st);
	if (rc == ERR_INVALID)
		return ERR_CONFLICT; /* still referenced by users or enterprises */
	if (rc == 0 && db_changes(db) == 0)
		return ERR_NOT_FOUND;
	return rc;
}

static const char SQL_DEPT_LIST_SELECT[] = "SELECT " DEPT_COLS " FROM dept";
static const char SQL_DEPT_LIST_WHERE[] =
	"(:prefix IS NULL OR substr(dept.region_code, 1, length(:prefix)) = :prefix) AND "
	"(:q IS NULL OR dept.name LIKE :q ESCAPE '\\')";
static const char *const dept_sort_cols[] = { "id", "name", "region_code" };

int org_db_dept_list(struct db *db, const char *region_prefix, const char *q,
		     const struct list_params *lp, json_t **items)
{
	char *sql = db_list_sql(SQL_DEPT_LIST_SELECT, SQL_DEPT_LIST_WHERE, "dept",
				dept_sort_cols[lp->sort], lp->desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":prefix", region_prefix);
	bind_like(st, ":q", q);
	db_bind_page(st, lp);
	return db_rows_json(st, dept_json, items);
}

/* ---------------------------------------------------------------- grids */

#define GRID_COLS                                                                           \
	"grid.id, grid.code, grid.name, grid.region_code, grid.geometry, grid.manager_id, " \
	"grid.patroller_id, grid.supervisor_id"

void org_grid_release(struct org_grid *g)
{
	free(g->geometry);
	g->geometry = NULL;
}

static void grid_from_row(struct db_stmt *st, struct org_grid *g)
{
	const char *geo = db_col_text(st, 4);

	memset(g, 0, sizeof(*g));
	g->id = db_col_i64(st, 0);
	COPY(g->code, db_col_text(st, 1));
	COPY(g->name, db_col_text(st, 2));
	COPY(g->region_code, db_col_text(st, 3));
	g->geometry = geo ? xstrdup(geo) : NULL;
	g->manager_id = db_col_null(st, 5) ? 0 : db_col_i64(st, 5);
	g->patroller_id = db_col_null(st, 6) ? 0 : db_col_i64(st, 6);
	g->supervisor_id = db_col_null(st, 7) ? 0 : db_col_i64(st, 7);
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

json_t *org_grid_json(const struct org_grid *g, bool with_geometry)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)g->id,
			      "code", g->code, "name", g->name, "region_code", g->region_code,
			      "manager_id", id_or_null(g->manager_id), "patroller_id",
			      id_or_null(g->patroller_id), "supervisor_id",
			      id_or_null(g->supervisor_id));

	if (with_geometry) {
		json_t *geo = g->geometry ? json_loads(g->geometry, 0, NULL) : NULL;

		json_object_set_new(o, "geometry", geo ? geo : json_null());
	}
	return o;
}

static const char SQL_GRID_GET[] = "SELECT " GRID_COLS " FROM grid WHERE id = :id";

int org_db_grid_get(struct db *db, int64_t id, struct org_grid *g)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_GET);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	grid_from_row(st, g);
	db_reset(st);
	return 0;
}

static void bind_grid(struct db_stmt *st, const struct org_grid *g, int64_t now)
{
	db_bind_text(st, ":code", g->code);
	db_bind_text(st, ":name", g->name);
	db_bind_text(st, ":region_code", g->region_code);
	db_bind_text(st, ":geometry", g->geometry);
	db_bind_id_or_null(st, ":manager_id", g->manager_id);
	db_bind_id_or_null(st, ":patroller_id", g->patroller_id);
	db_bind_id_or_null(st, ":supervisor_id", g->supervisor_id);
	db_bind_i64(st, ":now", now);
}

static const char SQL_GRID_INSERT[] =
	"INSERT INTO grid (code, name, region_code, geometry, manager_id, patroller_id, "
	"supervisor_id, created_ms, updated_ms) VALUES (:code, :name, :region_code, :geometry, "
	":manager_id, :patroller_id, :supervisor_id, :now, :now)";

int org_db_grid_insert(struct db *db, struct org_grid *g, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	bind_grid(st, g, now);
	rc = db_step_done(st);
	if (rc == 0)
		g->id = db_last_id(db);
	return rc;
}

static const char SQL_GRID_UPDATE[] =
	"UPDATE grid SET code = :code, name = :name, region_code = :region_code, geometry = "
	":geometry, manager_id = :manager_id, patroller_id = :patroller_id, supervisor_id = "
	":supervisor_id, updated_ms = :now WHERE id = :id";

int org_db_grid_update(struct db *db, const struct org_grid *g, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_UPDATE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", g->id);
	bind_grid(st, g, now);
	return db_step_change(st);
}

static const char SQL_GRID_DELETE[] = "DELETE FROM grid WHERE id = :id";

int org_db_grid_delete(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_DELETE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_done(st);
	if (rc == ERR_INVALID)
		return ERR_CONFLICT; /* still in a user's scope */
	if (rc == 0 && db_changes(db) == 0)
		return ERR_NOT_FOUND;
	return rc;
}

static json_t *grid_row_json(struct db_stmt *st)
{
	struct org_grid g;
	json_t *o;

	grid_from_row(st, &g);
	o = org_grid_json(&g, false);
	org_grid_release(&g);
	return o;
}

static const char SQL_GRID_LIST_SELECT[] = "SELECT " GRID_COLS " FROM grid";
static const char SQL_GRID_LIST_WHERE[] =
	"(:prefix IS NULL OR substr(grid.region_code, 1, length(:prefix)) = :prefix) AND "
	"(:grid_user IS NULL OR grid.id IN (SELECT user_grid.grid_id FROM user_grid WHERE "
	"user_grid.user_id = :grid_user)) AND "
	"(:region IS NULL OR substr(grid.region_code, 1, length(:region)) = :region) AND "
	"(:q IS NULL OR grid.name LIKE :q ESCAPE '\\' OR grid.code LIKE :q ESCAPE '\\')";
static const char *const grid_sort_cols[] = { "id", "code", "name", "region_code" };

int org_db_grid_list(struct db *db, const char *prefix, int64_t grid_user, const char *region,
		     const char *q, const struct list_params *lp, json_t **items)
{
	char *sql = db_list_sql(SQL_GRID_LIST_SELECT, SQL_GRID_LIST_WHERE, "grid",
				grid_sort_cols[lp->sort], lp->desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":prefix", prefix);
	db_bind_id_or_null(st, ":grid_user", grid_user);
	db_bind_text(st, ":region", region);
	bind_like(st, ":q", q);
	db_bind_page(st, lp);
	return db_rows_json(st, grid_row_json, items);
}

static const char SQL_GRID_SHAPES[] =
	"SELECT grid.id, grid.name, grid.region_code, grid.geometry FROM grid WHERE "
	"grid.geometry IS NOT NULL AND "
	"(:prefix IS NULL OR substr(grid.region_code, 1, length(:prefix)) = :prefix) AND "
	"(:grid_user IS NULL OR grid.id IN (SELECT user_grid.grid_id FROM user_grid WHERE "
	"user_grid.user_id = :grid_user)) AND "
	"(:region IS NULL OR substr(grid.region_code, 1, length(:region)) = :region) "
	"ORDER BY grid.id LIMIT :limit";

struct shapes_ctx {
	org_grid_shape_fn fn;
	void *ctx;
};

static int shape_row(struct db_stmt *st, void *arg)
{
	struct shapes_ctx *c = arg;

	return c->fn(c->ctx, db_col_i64(st, 0), db_col_text(st, 1), db_col_text(st, 2),
		     db_col_text(st, 3));
}

int org_grid_shapes(struct db *db, const char *prefix, int64_t grid_user, const char *region,
		    int64_t limit, org_grid_shape_fn fn, void *ctx, bool *truncated)
{
	struct db_stmt *st = db_stmt(db, SQL_GRID_SHAPES);
	struct shapes_ctx c = { fn, ctx };

	*truncated = false;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":prefix", prefix);
	db_bind_id_or_null(st, ":grid_user", grid_user);
	db_bind_text(st, ":region", region);
	return db_rows_capped(st, limit, shape_row, &c, truncated);
}
