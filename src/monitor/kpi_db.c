/* SPDX-License-Identifier: MIT */
/*
 * SQL of the alarm KPIs (kpi_db.h). Scope fragments as the risk and hazard lists'
 * (core/scope's scope_bounds) over the SOE row's enterprise.
 */
#define LOG_MODULE "kpi"
#include "monitor/kpi_db.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "db/db.h"
#include "core/banned.h"

static void where_of(const struct scope_bounds *b, struct buf *w)
{
	if (b->prefix)
		buf_adds(w, " AND enterprise.region_code >= :sp AND enterprise.region_code < "
			    ":sp_end");
	if (b->grid_user)
		buf_adds(w, " AND enterprise.grid_id IN (SELECT user_grid.grid_id FROM user_grid "
			    "WHERE user_grid.user_id = :grid_user)");
	if (b->uscc)
		buf_adds(w, " AND enterprise.uscc = :scope_uscc");
}

static void bind_scope(struct db_stmt *st, const struct scope_bounds *b)
{
	if (b->prefix) {
		db_bind_text(st, ":sp", b->prefix);
		db_bind_text(st, ":sp_end", b->prefix_end);
	}
	if (b->grid_user)
		db_bind_i64(st, ":grid_user", b->grid_user);
	if (b->uscc)
		db_bind_text(st, ":scope_uscc", b->uscc);
}

int kpi_db_rows(struct db *db, const struct kpi_filter *f, int64_t from_ms, int64_t to_ms,
		struct kpi_soe **rows, size_t *n)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	struct kpi_soe *v = NULL;
	size_t cap = 0, used = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	buf_adds(&sql, "SELECT soe.point_id, soe.source_ms, soe.from_state, soe.to_state, "
		       "soe.from_cond, soe.to_cond FROM soe JOIN enterprise ON enterprise.id = "
		       "soe.enterprise_id WHERE soe.source_ms >= :from_ms AND soe.source_ms < "
		       ":to_ms");
	where_of(&f->scope, &sql);
	if (f->enterprise_id)
		buf_adds(&sql, " AND soe.enterprise_id = :enterprise_id");
	if (f->region)
		buf_adds(&sql, " AND enterprise.region_code >= :region AND enterprise.region_code "
			       "< :region_end");
	buf_adds(&sql, " ORDER BY soe.source_ms, soe.seq, soe.sub, soe.point_id");
	st = db_stmt_dyn(db, buf_str(&sql));
	buf_release(&sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":from_ms", from_ms);
	db_bind_i64(st, ":to_ms", to_ms);
	bind_scope(st, &f->scope);
	if (f->enterprise_id)
		db_bind_i64(st, ":enterprise_id", f->enterprise_id);
	if (f->region) {
		db_bind_text(st, ":region", f->region);
		db_bind_text(st, ":region_end", f->region_end);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		if (used == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[used++] =
			(struct kpi_soe){ db_col_i64(st, 0),	      db_col_i64(st, 1),
					  (uint8_t)db_col_i64(st, 2), (uint8_t)db_col_i64(st, 3),
					  (uint8_t)db_col_i64(st, 4), (uint8_t)db_col_i64(st, 5) };
	}
	if (rc < 0) {
		free(v);
		return rc;
	}
	*rows = v;
	*n = used;
	return 0;
}

static const char SQL_POINT[] =
	"SELECT monitor_point.enterprise_id, monitor_point.tag, monitor_point.name, "
	"enterprise.name FROM monitor_point JOIN enterprise ON enterprise.id = "
	"monitor_point.enterprise_id WHERE monitor_point.id = :id";

int kpi_db_point(struct db *db, int64_t point_id, struct kpi_point_info *out)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", point_id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	out->enterprise_id = db_col_i64(st, 0);
	db_col_copy(st, 1, out->tag, sizeof(out->tag));
	db_col_copy(st, 2, out->name, sizeof(out->name));
	db_col_copy(st, 3, out->enterprise_name, sizeof(out->enterprise_name));
	db_reset(st);
	return 0;
}

int kpi_db_enterprise_in_scope(struct db *db, const struct scope_bounds *b, int64_t id)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	int rc;

	buf_adds(&sql, "SELECT enterprise.id FROM enterprise WHERE enterprise.id = :id");
	where_of(b, &sql);
	st = db_stmt_dyn(db, buf_str(&sql));
	buf_release(&sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	bind_scope(st, b);
	rc = db_step(st);
	if (rc == DB_ROW) {
		db_reset(st);
		return 0;
	}
	return rc < 0 ? rc : ERR_NOT_FOUND;
}
