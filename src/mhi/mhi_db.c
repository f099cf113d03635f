/* SPDX-License-Identifier: MIT */
/*
 * The SQL of major hazard installations (mhi_db.h). Nothing here decides S, R or a grade:
 * the caller passes mhi_assess()'s result and this file stores it next to the inventory
 * it was computed from, in the caller's transaction.
 */
#include "mhi/mhi_db.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "db/db.h"
#include "http/req.h"
#include "mhi/mhi.h"
#include "core/banned.h"

#define INSTALLATION_SELECT                                                                    \
	"SELECT i.id, i.enterprise_id, e.name, i.name, i.unit_kind, i.people_500m, "           \
	"i.description, i.lon, i.lat, i.s_value, i.major, i.r_value, i.grade, i.assessed_ms, " \
	"i.created_ms, i.updated_ms, "                                                         \
	"(SELECT COUNT(*) FROM monitor_point p WHERE p.installation_id = i.id), e.uscc, "      \
	"e.region_code, e.grid_id, e.lon, e.lat, "                                             \
	"(SELECT group_concat(COALESCE(NULLIF(v.chemical, ''), v.categories, '') || ' ' || "   \
	"printf('%.3f', v.q_kg / 1000.0) || ' t', '; ') FROM (SELECT * FROM mhi_inventory "    \
	"WHERE installation_id = i.id ORDER BY position) v) "                                  \
	"FROM mhi_installation i JOIN enterprise e ON e.id = i.enterprise_id "

static json_t *real_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_real(db_col_f64(st, col));
}

static json_t *installation_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s}", "id",
			      (json_int_t)db_col_i64(st, 0), "enterprise_id",
			      (json_int_t)db_col_i64(st, 1), "enterprise_name", db_col_text(st, 2),
			      "name", db_col_text(st, 3), "unit_kind", db_col_text(st, 4),
			      "people_500m", (int)db_col_i64(st, 5), "description",
			      db_col_text(st, 6));
	int g = (int)db_col_i64(st, 12);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "lon", real_or_null(st, 7));
	json_object_set_new(o, "lat", real_or_null(st, 8));
	json_object_set_new(o, "s", real_or_null(st, 9));
	json_object_set_new(o, "major", json_boolean(db_col_i64(st, 10) != 0));
	json_object_set_new(o, "r", real_or_null(st, 11));
	json_object_set_new(o, "r_known", json_boolean(!db_col_null(st, 11)));
	json_object_set_new(o, "grade", g >= 1 && g <= 4 ? json_integer(g) : json_null());
	json_object_set_new(o, "grade_name",
			    g >= 1 && g <= 4 ? json_string(mhi_grade_name_zh(g)) : json_null());
	json_object_set_new(o, "assessed_ms",
			    db_col_null(st, 13) ? json_null() : json_integer(db_col_i64(st, 13)));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, 14)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, 15)));
	json_object_set_new(o, "point_count", json_integer(db_col_i64(st, 16)));
	json_object_set_new(o, "_uscc", json_string(db_col_text(st, 17)));
	json_object_set_new(o, "_region_code", json_string(db_col_text(st, 18)));
	json_object_set_new(o, "_grid_id", json_integer(db_col_i64(st, 19)));
	json_object_set_new(o, "_e_lon", real_or_null(st, 20));
	json_object_set_new(o, "_e_lat", real_or_null(st, 21));
	json_object_set_new(o, "_inventory_text",
			    json_string(db_col_text(st, 22) ? db_col_text(st, 22) : ""));
	return o;
}

static const char SQL_INSERT[] =
	"INSERT INTO mhi_installation (enterprise_id, name, unit_kind, people_500m, description, "
	"lon, lat, s_value, major, r_value, grade, assessed_ms, created_ms, updated_ms) VALUES "
	"(:eid, :name, :kind, :people, :description, :lon, :lat, :s, :major, :r, :grade, :now, "
	":now, :now)";
static const char SQL_UPDATE[] =
	"UPDATE mhi_installation SET name = :name, unit_kind = :kind, people_500m = :people, "
	"description = :description, lon = :lon, lat = :lat, s_value = :s, major = :major, "
	"r_value = :r, grade = :grade, assessed_ms = :now, updated_ms = :now WHERE id = :id";
static const char SQL_ITEMS_CLEAR[] = "DELETE FROM mhi_inventory WHERE installation_id = :id";
static const char SQL_ITEM_INSERT[] =
	"INSERT INTO mhi_inventory (installation_id, chemical, seq, categories, q_kg, position) "
	"VALUES (:id, :chemical, :seq, :categories, :q, :pos)";

static void bind_installation(struct db_stmt *st, const struct mhi_installation_in *in)
{
	const struct mhi_result *r = in->res;

	db_bind_text(st, ":name", in->name);
	db_bind_text(st, ":kind", in->unit_kind);
	db_bind_i64(st, ":people", in->people_500m);
	db_bind_text(st, ":description", in->description ? in->description : "");
	if (in->has_pos) {
		db_bind_f64(st, ":lon", in->lon);
		db_bind_f64(st, ":lat", in->lat);
	} else {
		db_bind_null(st, ":lon");
		db_bind_null(st, ":lat");
	}
	db_bind_f64(st, ":s", r->s);
	db_bind_i64(st, ":major", r->major ? 1 : 0);
	if (r->r_known)
		db_bind_f64(st, ":r", r->r);
	else
		db_bind_null(st, ":r");
	db_bind_id_or_null(st, ":grade", r->grade);
	db_bind_i64(st, ":now", in->now_ms);
}

/* Replaces the inventory of installation id with in's items, in their order. */
static int write_items(struct db *db, int64_t id, const struct mhi_installation_in *in)
{
	struct db_stmt *st = db_stmt(db, SQL_ITEMS_CLEAR);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_done(st);
	for (size_t i = 0; rc == 0 && i < in->nitems; i++) {
		const struct mhi_item *it = &in->items[i];

		st = db_stmt(db, SQL_ITEM_INSERT);
		if (st == NULL)
			return ERR_DB;
		db_bind_i64(st, ":id", id);
		db_bind_text(st, ":chemical", it->chemical && *it->chemical ? it->chemical : NULL);
		db_bind_id_or_null(st, ":seq", it->seq);
		db_bind_text(st, ":categories",
			     it->categories && *it->categories ? it->categories : NULL);
		db_bind_i64(st, ":q", it->q_kg);
		db_bind_i64(st, ":pos", (int64_t)i);
		rc = db_step_done(st);
	}
	return rc;
}

int mhi_db_insert(struct db *db, int64_t enterprise_id, const struct mhi_installation_in *in,
		  int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	bind_installation(st, in);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	*id = db_last_id(db);
	return write_items(db, *id, in);
}

int mhi_db_update(struct db *db, int64_t id, const struct mhi_installation_in *in)
{
	struct db_stmt *st = db_stmt(db, SQL_UPDATE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	bind_installation(st, in);
	db_bind_i64(st, ":id", id);
	rc = db_step_change(st);
	return rc < 0 ? rc : write_items(db, id, in);
}

static const char SQL_POINTS[] = "SELECT COUNT(*) FROM monitor_point WHERE installation_id = :id";
static const char SQL_DELETE[] = "DELETE FROM mhi_installation WHERE id = :id";

int mhi_db_delete(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, SQL_POINTS);
	int64_t n = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_i64(st, &n);
	if (rc < 0)
		return rc;
	if (n > 0)
		return ERR_CONFLICT;
	st = db_stmt(db, SQL_ITEMS_CLEAR);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_DELETE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_change(st);
}

static const char SQL_GET[] = INSTALLATION_SELECT "WHERE i.id = :id";
static const char SQL_ITEMS[] = "SELECT chemical, seq, categories, q_kg FROM mhi_inventory "
				"WHERE installation_id = :id ORDER BY position, id";

static json_t *item_row(struct db_stmt *st)
{
	return json_pack("{s:o, s:o, s:o, s:f}", "chemical",
			 db_col_null(st, 0) ? json_null() : json_string(db_col_text(st, 0)), "seq",
			 db_col_null(st, 1) ? json_null() : json_integer(db_col_i64(st, 1)),
			 "categories",
			 db_col_null(st, 2) ? json_null() : json_string(db_col_text(st, 2)),
			 "quantity_t", (double)db_col_i64(st, 3) / 1000.0);
}

int mhi_db_get(struct db *db, int64_t id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_GET);
	json_t *items = NULL;
	int rc;

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_DB;
	*row = installation_row(st);
	db_reset(st);
	if (*row == NULL)
		return ERR_DB;
	st = db_stmt(db, SQL_ITEMS);
	if (st == NULL)
		rc = ERR_DB;
	else {
		db_bind_i64(st, ":id", id);
		rc = db_rows_json(st, item_row, &items);
	}
	if (rc < 0) {
		json_decref(*row);
		*row = NULL;
		return rc;
	}
	json_object_set_new(*row, "items", items);
	return 0;
}

#define LIST_WHERE                                                                               \
	"WHERE (:prefix IS NULL OR (e.region_code >= :prefix AND e.region_code < :prefix_end)) " \
	"AND (:grid_user IS NULL OR e.grid_id IN (SELECT user_grid.grid_id FROM user_grid "      \
	"WHERE user_grid.user_id = :grid_user)) "                                                \
	"AND (:scope_uscc IS NULL OR e.uscc = :scope_uscc) "                                     \
	"AND (:eid IS NULL OR e.id = :eid) AND (:grade IS NULL OR i.grade = :grade) "            \
	"AND (:major IS NULL OR i.major = :major) "                                              \
	"AND (:region IS NULL OR (e.region_code >= :region AND e.region_code < :region_end)) "   \
	"AND (:q IS NULL OR instr(i.name, :q) > 0 OR instr(e.name, :q) > 0) "

static const char SQL_LIST[] = INSTALLATION_SELECT LIST_WHERE
	"AND (:after IS NULL OR i.id > :after) ORDER BY i.id LIMIT :limit";
static const char SQL_LIST_DESC[] = INSTALLATION_SELECT LIST_WHERE
	"AND (:after IS NULL OR i.id < :after) ORDER BY i.id DESC LIMIT :limit";
static const char SQL_ALL[] = INSTALLATION_SELECT LIST_WHERE
	"ORDER BY COALESCE(i.grade, 9), e.name, i.name, i.id LIMIT :limit";

static void bind_filter(struct db_stmt *st, const struct mhi_filter *f)
{
	const struct scope_bounds *b = &f->scope;

	db_bind_text(st, ":prefix", b->prefix);
	db_bind_text(st, ":prefix_end", b->prefix ? b->prefix_end : NULL);
	db_bind_id_or_null(st, ":grid_user", b->grid_user);
	db_bind_text(st, ":scope_uscc", b->uscc);
	db_bind_id_or_null(st, ":eid", f->enterprise_id);
	db_bind_id_or_null(st, ":grade", f->grade);
	if (f->major >= 0)
		db_bind_i64(st, ":major", f->major);
	else
		db_bind_null(st, ":major");
	db_bind_text(st, ":region", f->region);
	db_bind_text(st, ":region_end", f->region ? f->region_end : NULL);
	db_bind_text(st, ":q", f->q && *f->q ? f->q : NULL);
}

int mhi_db_list(struct db *db, const struct mhi_filter *f, const struct list_params *lp,
		json_t **items)
{
	struct db_stmt *st = db_stmt(db, lp->desc ? SQL_LIST_DESC : SQL_LIST);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	db_bind_page(st, lp);
	return db_rows_json(st, installation_row, items);
}

int mhi_db_all(struct db *db, const struct mhi_filter *f, int64_t max, json_t **items,
	       bool *truncated)
{
	struct db_stmt *st = db_stmt(db, SQL_ALL);
	int rc;

	*items = NULL;
	*truncated = false;
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	db_bind_i64(st, ":limit", max + 1);
	rc = db_rows_json(st, installation_row, items);
	if (rc == 0 && (int64_t)json_array_size(*items) > max) {
		json_array_remove(*items, json_array_size(*items) - 1);
		*truncated = true;
	}
	return rc;
}

static const char SQL_ENTERPRISE[] =
	"SELECT uscc, region_code, COALESCE(grid_id, 0) FROM enterprise WHERE id = :id";
static const char SQL_ENTERPRISE_BY_USCC[] = "SELECT id FROM enterprise WHERE uscc = :uscc";

int mhi_db_enterprise(struct db *db, int64_t id, char uscc[20], char region[16], int64_t *grid_id)
{
	struct db_stmt *st = db_stmt(db, SQL_ENTERPRISE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_DB;
	db_col_copy(st, 0, uscc, 20);
	db_col_copy(st, 1, region, 16);
	*grid_id = db_col_i64(st, 2);
	db_reset(st);
	return 0;
}

int mhi_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ENTERPRISE_BY_USCC);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":uscc", uscc);
	return db_step_i64(st, id);
}
