/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of licences, each right above the function that runs
 * it, with bound parameters only. Lists join the enterprise for its name and
 * for the caller's data scope (the same scope rule as the enterprise list) and
 * page by keyset on (valid_until, id) by default.
 */
#define LOG_MODULE "enterprise"
#include "enterprise/licence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

#define COPY(dst, src) utf8_copy((dst), sizeof(dst), (src) ? (src) : "")

#define LIC_COLS                                                                              \
	"licence.id, licence.enterprise_id, enterprise.name, enterprise.region_code, "        \
	"enterprise.uscc, enterprise.grid_id, licence.type, licence.number, licence.issuer, " \
	"licence.valid_from, licence.valid_until, licence.created_ms, licence.updated_ms"
#define LIC_FROM " FROM licence JOIN enterprise ON enterprise.id = licence.enterprise_id"

static void from_row(struct db_stmt *st, struct licence *l)
{
	memset(l, 0, sizeof(*l));
	l->id = db_col_i64(st, 0);
	l->enterprise_id = db_col_i64(st, 1);
	COPY(l->enterprise_name, db_col_text(st, 2));
	COPY(l->enterprise_region, db_col_text(st, 3));
	COPY(l->enterprise_uscc, db_col_text(st, 4));
	l->enterprise_grid_id = db_col_null(st, 5) ? 0 : db_col_i64(st, 5);
	COPY(l->type, db_col_text(st, 6));
	COPY(l->number, db_col_text(st, 7));
	COPY(l->issuer, db_col_text(st, 8));
	COPY(l->valid_from, db_col_text(st, 9));
	COPY(l->valid_until, db_col_text(st, 10));
	l->created_ms = db_col_i64(st, 11);
	l->updated_ms = db_col_i64(st, 12);
}

static const char SQL_GET[] = "SELECT " LIC_COLS LIC_FROM " WHERE licence.id = :id";

int licence_db_get(struct db *db, int64_t id, struct licence *l)
{
	struct db_stmt *st = db_stmt(db, SQL_GET);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	from_row(st, l);
	db_reset(st);
	return 0;
}

static void bind_fields(struct db_stmt *st, const struct licence *l, int64_t now)
{
	db_bind_text(st, ":type", l->type);
	db_bind_text(st, ":number", l->number);
	db_bind_text(st, ":issuer", l->issuer);
	db_bind_text(st, ":valid_from", l->valid_from);
	db_bind_text(st, ":valid_until", l->valid_until);
	db_bind_i64(st, ":now", now);
}

static const char SQL_INSERT[] =
	"INSERT INTO licence (enterprise_id, type, number, issuer, valid_from, valid_until, "
	"created_ms, updated_ms) VALUES (:enterprise_id, :type, :number, :issuer, :valid_from, "
	":valid_until, :now, :now)";

int licence_db_insert(struct db *db, struct licence *l, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":enterprise_id", l->enterprise_id);
	bind_fields(st, l, now_ms);
	rc = db_step_done(st);
	if (rc == 0) {
		l->id = db_last_id(db);
		l->created_ms = l->updated_ms = now_ms;
	}
	return rc;
}

static const char SQL_UPDATE[] =
	"UPDATE licence SET type = :type, number = :number, issuer = :issuer, valid_from = "
	":valid_from, valid_until = :valid_until, updated_ms = :now WHERE id = :id";

int licence_db_update(struct db *db, struct licence *l, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_UPDATE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	bind_fields(st, l, now_ms);
	db_bind_i64(st, ":id", l->id);
	rc = db_step_change(st);
	if (rc == 0)
		l->updated_ms = now_ms;
	return rc;
}

static const char SQL_DELETE[] = "DELETE FROM licence WHERE id = :id";

int licence_db_delete(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, SQL_DELETE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_change(st);
}

static json_t *row_json(struct db_stmt *st, void *ctx)
{
	struct licence l;

	from_row(st, &l);
	return licence_json(&l, ctx);
}

/* Collects licence_json(row, r) for every row of st. */
static int rows_json(struct db_stmt *st, const struct licence_rules *r, json_t **items)
{
	return db_rows_json_ctx(st, row_json, (void *)r, items);
}

static const char SQL_LIST_SELECT[] = "SELECT " LIC_COLS LIC_FROM;
static const char SQL_LIST_WHERE[] =
	"(:prefix IS NULL OR substr(enterprise.region_code, 1, length(:prefix)) = :prefix) AND "
	"(:grid_user IS NULL OR enterprise.grid_id IN (SELECT user_grid.grid_id FROM user_grid "
	"WHERE user_grid.user_id = :grid_user)) AND "
	"(:scope_uscc IS NULL OR enterprise.uscc = :scope_uscc) AND "
	"(:enterprise_id IS NULL OR licence.enterprise_id = :enterprise_id) AND "
	"(:type IS NULL OR licence.type = :type) AND "
	"(:region IS NULL OR substr(enterprise.region_code, 1, length(:region)) = :region) AND "
	"(:until_from IS NULL OR licence.valid_until >= :until_from) AND "
	"(:until_to IS NULL OR licence.valid_until <= :until_to)";
static const char *const sort_cols[] = { "valid_until", "id", "valid_from", "type" };

int licence_db_list(struct db *db, const struct licence_filter *f, const struct list_params *lp,
		    const struct licence_rules *r, json_t **items)
{
	char *sql = db_list_sql(SQL_LIST_SELECT, SQL_LIST_WHERE, "licence", sort_cols[lp->sort],
				lp->desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":prefix", f->scope_prefix);
	db_bind_id_or_null(st, ":grid_user", f->grid_user);
	db_bind_text(st, ":scope_uscc", f->scope_uscc);
	db_bind_id_or_null(st, ":enterprise_id", f->enterprise_id);
	db_bind_text(st, ":type", f->type);
	db_bind_text(st, ":region", f->region);
	db_bind_text(st, ":until_from", f->until_from);
	db_bind_text(st, ":until_to", f->until_to);
	db_bind_page(st, lp);
	return rows_json(st, r, items);
}

static const char SQL_ALL_OF[] = "SELECT " LIC_COLS LIC_FROM
				 " WHERE licence.enterprise_id = :id ORDER BY licence.id";

int licence_db_all_json(struct db *db, int64_t enterprise_id, json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_ALL_OF);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", enterprise_id);
	return rows_json(st, NULL, items);
}
