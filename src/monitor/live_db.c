/* SPDX-License-Identifier: MIT */
/*
 * SQL of the live stream: the enterprises inside a scope (live_db.h). The scope
 * fragments are the same as the risk and hazard lists' (core/scope's scope_bounds).
 */
#define LOG_MODULE "live"
#include "monitor/live_db.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "db/db.h"
#include "core/banned.h"

int live_db_scope_enterprises(struct db *db, const struct scope_bounds *b, int64_t only_id,
			      int64_t **ids, size_t *n)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	int64_t *v = NULL;
	size_t cap = 0, used = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	buf_adds(&sql, "SELECT enterprise.id FROM enterprise WHERE 1 = 1");
	if (b->prefix)
		buf_adds(&sql, " AND enterprise.region_code >= :sp AND enterprise.region_code < "
			       ":sp_end");
	if (b->grid_user)
		buf_adds(&sql, " AND enterprise.grid_id IN (SELECT user_grid.grid_id FROM "
			       "user_grid WHERE user_grid.user_id = :grid_user)");
	if (b->uscc)
		buf_adds(&sql, " AND enterprise.uscc = :scope_uscc");
	if (only_id > 0)
		buf_adds(&sql, " AND enterprise.id = :only_id");
	buf_adds(&sql, " ORDER BY enterprise.id");
	st = db_stmt_dyn(db, buf_str(&sql));
	buf_release(&sql);
	if (st == NULL)
		return ERR_DB;
	if (b->prefix) {
		db_bind_text(st, ":sp", b->prefix);
		db_bind_text(st, ":sp_end", b->prefix_end);
	}
	if (b->grid_user)
		db_bind_i64(st, ":grid_user", b->grid_user);
	if (b->uscc)
		db_bind_text(st, ":scope_uscc", b->uscc);
	if (only_id > 0)
		db_bind_i64(st, ":only_id", only_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (used == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[used++] = db_col_i64(st, 0);
	}
	if (rc < 0) {
		free(v);
		return rc;
	}
	*ids = v;
	*n = used;
	return 0;
}

static const char SQL_SESSION_PRINCIPAL[] =
	"SELECT app_user.role, app_user.scope FROM session JOIN app_user ON app_user.id = "
	"session.user_id WHERE session.id = :id AND session.revoked_ms = 0 AND "
	"app_user.locked = 0";
static const char SQL_TOKEN_PRINCIPAL[] =
	"SELECT app_user.role, app_user.scope FROM api_token JOIN app_user ON app_user.id = "
	"api_token.user_id WHERE api_token.id = :id AND api_token.revoked_ms = 0 AND "
	"app_user.locked = 0";

int live_db_principal(struct db *db, int64_t session_id, int64_t token_id, char *out, size_t n)
{
	struct db_stmt *st =
		db_stmt(db, session_id > 0 ? SQL_SESSION_PRINCIPAL : SQL_TOKEN_PRINCIPAL);
	const char *role, *scope;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", session_id > 0 ? session_id : token_id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc != DB_ROW)
		return ERR_DB;
	role = db_col_text(st, 0);
	scope = db_col_text(st, 1);
	snprintf(out, n, "%s %s", role ? role : "", scope ? scope : "");
	db_reset(st);
	return 0;
}
