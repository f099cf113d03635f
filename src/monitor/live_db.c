/* SPDX-License-Identifier: MIT */
/*
 * SQL of the live stream: the enterprises inside a scope (live_db.h). The scope
 * fragments are the same as the risk and hazard lists' (core/scope's scope_bounds).
 */
#define LOG_MODULE "live"
#include "monitor/live_db.h"

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
