/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the regulator's risk views (risk_views.h): the counts per grade,
 * the point lists, the enterprise list and the rows of the dual-prevention export. They
 * read the grades the risk-core writes keep derived (0012: danger_source, risk_point,
 * risk_unit, risk_enterprise), never recompute them. Queries are composed of static
 * fragments only; every value is bound. The scope conditions are over the enterprise's
 * region, grid and credit code, as in the hazard module.
 */
#define LOG_MODULE "risk"
#include "risk/risk_views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

static const char *const by_names[RISK_BY_COUNT_] = { "region", "grade", "industry" };

int risk_stats_by_parse(const char *s, enum risk_stats_by *out)
{
	for (int i = 0; s && i < RISK_BY_COUNT_; i++)
		if (strcmp(s, by_names[i]) == 0) {
			*out = (enum risk_stats_by)i;
			return 0;
		}
	return ERR_INVALID;
}

/* Appends the scope and filter conditions over table enterprise (static fragments). */
static void where_of(const struct risk_views_filter *f, struct buf *w)
{
	if (f->scope.prefix)
		buf_adds(w, " AND enterprise.region_code >= :sp AND enterprise.region_code < "
			    ":sp_end");
	if (f->scope.grid_user)
		buf_adds(w, " AND enterprise.grid_id IN (SELECT user_grid.grid_id FROM user_grid "
			    "WHERE user_grid.user_id = :grid_user)");
	if (f->scope.uscc)
		buf_adds(w, " AND enterprise.uscc = :scope_uscc");
	if (f->region)
		buf_adds(w, " AND enterprise.region_code >= :region AND enterprise.region_code < "
			    ":region_end");
	if (f->enterprise_id)
		buf_adds(w, " AND enterprise.id = :enterprise_id");
}

static void bind_filter(struct db_stmt *st, const struct risk_views_filter *f)
{
	if (f->scope.prefix) {
		db_bind_text(st, ":sp", f->scope.prefix);
		db_bind_text(st, ":sp_end", f->scope.prefix_end);
	}
	if (f->scope.grid_user)
		db_bind_i64(st, ":grid_user", f->scope.grid_user);
	if (f->scope.uscc)
		db_bind_text(st, ":scope_uscc", f->scope.uscc);
	if (f->region) {
		db_bind_text(st, ":region", f->region);
		db_bind_text(st, ":region_end", f->region_end);
	}
	if (f->enterprise_id)
		db_bind_i64(st, ":enterprise_id", f->enterprise_id);
}

static struct db_stmt *prepare(struct db *db, struct buf *sql)
{
	struct db_stmt *st = db_stmt_dyn(db, buf_str(sql));

	buf_release(sql);
	return st;
}

/* ------------------------------------------------------------ statistics */

/*
 * Per grouping: the key of an enterprise row, the key of a point row (both over table
 * enterprise, the point's as risk_point), whether keys are integers, the name of key g.k.
 */
static const struct {
	const char *ent_key, *point_key;
	bool integer;
	const char *name;
} groupings[RISK_BY_COUNT_] = {
	[RISK_BY_REGION] = { "substr(enterprise.region_code, 1, :klen) || :pad",
			     "substr(enterprise.region_code, 1, :klen) || :pad", false,
			     "(SELECT region.name FROM region WHERE region.code = g.k)" },
	[RISK_BY_GRADE] = { "risk_enterprise.grade", "risk_point.grade", true, "NULL" },
	[RISK_BY_INDUSTRY] = { "substr(enterprise.industry_code, 1, 2)",
			       "substr(enterprise.industry_code, 1, 2)", false,
			       "(SELECT industry.name FROM industry WHERE industry.code = g.k)" },
};

/* The first select of the union names the columns. */
#define ENT_SUMS                                                                                   \
	"CASE WHEN risk_enterprise.grade = 1 THEN 1 ELSE 0 END AS e1, CASE WHEN "                  \
	"risk_enterprise.grade = 2 THEN 1 ELSE 0 END AS e2, CASE WHEN risk_enterprise.grade = 3 "  \
	"THEN 1 ELSE 0 END AS e3, CASE WHEN risk_enterprise.grade = 4 THEN 1 ELSE 0 END AS e4, "   \
	"CASE WHEN risk_enterprise.grade IS NULL THEN 1 ELSE 0 END AS e0, 0 AS p1, 0 AS p2, 0 AS " \
	"p3, 0 AS p4"
#define POINT_SUMS                                                                                 \
	"CASE WHEN risk_point.grade = 1 THEN 1 ELSE 0 END, CASE WHEN risk_point.grade = 2 THEN 1 " \
	"ELSE 0 END, CASE WHEN risk_point.grade = 3 THEN 1 ELSE 0 END, CASE WHEN "                 \
	"risk_point.grade "                                                                        \
	"= 4 THEN 1 ELSE 0 END"

int risk_views_db_stats(struct db *db, enum risk_stats_by by, const struct risk_views_filter *f,
			size_t key_len, const char *pad, json_t **items)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	json_t *a;
	int rc;

	*items = NULL;
	/*
	 * Enterprises (each once, under its grade or none) and graded points (each under its
	 * own grade) in one pass each, added up per key.
	 */
	buf_addf(&sql,
		 "SELECT g.k, %s, SUM(g.e1), SUM(g.e2), SUM(g.e3), SUM(g.e4), SUM(g.e0), "
		 "SUM(g.p1), SUM(g.p2), SUM(g.p3), SUM(g.p4) FROM (SELECT %s AS k, " ENT_SUMS
		 " FROM enterprise LEFT JOIN risk_enterprise ON risk_enterprise.enterprise_id = "
		 "enterprise.id WHERE 1 = 1",
		 groupings[by].name, groupings[by].ent_key);
	where_of(f, &sql);
	buf_addf(&sql,
		 " UNION ALL SELECT %s, 0, 0, 0, 0, 0, " POINT_SUMS
		 " FROM risk_point JOIN enterprise "
		 "ON enterprise.id = risk_point.enterprise_id WHERE risk_point.grade IS NOT NULL",
		 groupings[by].point_key);
	where_of(f, &sql);
	/* The union's column names are those of its first select. */
	buf_adds(&sql, ") AS g GROUP BY g.k ORDER BY g.k");
	st = prepare(db, &sql);
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	if (by == RISK_BY_REGION) {
		db_bind_i64(st, ":klen", (int64_t)key_len);
		db_bind_text(st, ":pad", pad);
	}
	a = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *key;

		if (db_col_null(st, 0))
			key = json_null();
		else if (groupings[by].integer)
			key = json_integer(db_col_i64(st, 0));
		else
			key = json_string(db_col_text(st, 0));
		json_array_append_new(
			a,
			json_pack("{s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}}",
				  "key", key ? key : json_null(), "name",
				  db_col_null(st, 1) ? json_null()
						     : json_string(db_col_text(st, 1)),
				  "enterprises", "red", (json_int_t)db_col_i64(st, 2), "orange",
				  (json_int_t)db_col_i64(st, 3), "yellow",
				  (json_int_t)db_col_i64(st, 4), "blue",
				  (json_int_t)db_col_i64(st, 5), "none",
				  (json_int_t)db_col_i64(st, 6), "points", "red",
				  (json_int_t)db_col_i64(st, 7), "orange",
				  (json_int_t)db_col_i64(st, 8), "yellow",
				  (json_int_t)db_col_i64(st, 9), "blue",
				  (json_int_t)db_col_i64(st, 10)));
	}
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*items = a;
	return 0;
}

/* ------------------------------------------------------------ rows as JSON */

/* A column of a row: its key in JSON and its type: 'i' integer, 's' text. */
struct col {
	const char *key;
	char type;
};

static json_t *row_json(struct db_stmt *st, const struct col *cols)
{
	json_t *o = json_object();

	for (int i = 0; cols[i].key; i++) {
		json_t *v;

		if (db_col_null(st, i))
			v = json_null();
		else if (cols[i].type == 'i')
			v = json_integer(db_col_i64(st, i));
		else
			v = json_string(db_col_text(st, i));
		json_object_set_new(o, cols[i].key, v ? v : json_null());
	}
	return o;
}

/* Steps st to its end, calling row with each row as JSON. Returns 0, row's return or ERR_DB. */
static int walk(struct db_stmt *st, const struct col *cols, int (*row)(json_t *item, void *ctx),
		void *ctx)
{
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		rc = row(row_json(st, cols), ctx);
		if (rc < 0) {
			db_reset(st);
			return rc;
		}
	}
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ point lists */

static const char *const point_sorts[] = { "id", "enterprise_id", NULL };
static const char *const point_sort_cols[] = { "id", "enterprise_id" };
const char *const *const risk_point_list_sorts[RISK_LIST_COUNT_] = { point_sorts, point_sorts };

static const struct col point_cols[] = {
	{ "id", 'i' },
	{ "enterprise_id", 'i' },
	{ "enterprise_name", 's' },
	{ "uscc", 's' },
	{ "region_code", 's' },
	{ "unit_id", 'i' },
	{ "unit_name", 's' },
	{ "kind", 's' },
	{ "name", 's' },
	{ "location", 's' },
	{ "grade", 'i' },
	{ "last_assessed_day", 's' },
	{ "reassess_due", 's' },
	{ "source_count", 'i' },
	{ "unassessed_sources", 'i' },
	{ "measure_count", 'i' },
	{ NULL, 0 },
};

static const char SQL_POINTS_SELECT[] =
	"SELECT risk_point.id, risk_point.enterprise_id, enterprise.name, enterprise.uscc, "
	"enterprise.region_code, risk_point.unit_id, risk_unit.name, risk_point.kind, "
	"risk_point.name, risk_point.location, risk_point.grade, risk_point.last_assessed_day, "
	"risk_point.reassess_due, (SELECT COUNT(*) FROM danger_source WHERE "
	"danger_source.point_id = risk_point.id), (SELECT COUNT(*) FROM danger_source WHERE "
	"danger_source.point_id = risk_point.id AND danger_source.assessment_id IS NULL), (SELECT "
	"COUNT(*) FROM control_measure WHERE control_measure.point_id = risk_point.id AND "
	"control_measure.active = 1) FROM risk_point JOIN enterprise ON enterprise.id = "
	"risk_point.enterprise_id JOIN risk_unit ON risk_unit.id = risk_point.unit_id";

/* Each list's own condition. */
static const char *const list_where[RISK_LIST_COUNT_] = {
	[RISK_LIST_MAJOR] = "risk_point.grade = 1",
	[RISK_LIST_REASSESS] = "(risk_point.reassess_due <= :today OR EXISTS (SELECT 1 FROM "
			       "danger_source WHERE danger_source.point_id = risk_point.id AND "
			       "danger_source.assessment_id IS NULL))",
};

int risk_views_db_points(struct db *db, enum risk_point_list list,
			 const struct risk_views_filter *f, const struct list_params *lp,
			 int (*row)(json_t *item, void *ctx), void *ctx)
{
	struct buf w = BUF_INIT;
	struct db_stmt *st;
	char *sql;

	buf_adds(&w, list_where[list]);
	where_of(f, &w);
	sql = db_list_sql(SQL_POINTS_SELECT, buf_str(&w), "risk_point", point_sort_cols[lp->sort],
			  lp->desc);
	buf_release(&w);
	st = db_stmt_dyn(db, sql);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	if (list == RISK_LIST_REASSESS)
		db_bind_text(st, ":today", f->today);
	db_bind_page(st, lp);
	return walk(st, point_cols, row, ctx);
}

/* ------------------------------------------------------------ enterprises */

const char *const risk_enterprise_sorts[] = { "id", "name", NULL };
static const char *const enterprise_sort_cols[] = { "id", "name" };

static const struct col enterprise_cols[] = {
	{ "id", 'i' },
	{ "enterprise_id", 'i' },
	{ "enterprise_name", 's' },
	{ "uscc", 's' },
	{ "region_code", 's' },
	{ "region_name", 's' },
	{ "industry_code", 's' },
	{ "grade", 'i' },
	{ "red", 'i' },
	{ "orange", 'i' },
	{ "yellow", 'i' },
	{ "blue", 'i' },
	{ "units", 'i' },
	{ "points", 'i' },
	{ "reassess_due_points", 'i' },
	{ NULL, 0 },
};

static const char SQL_ENTERPRISES_SELECT[] =
	"SELECT enterprise.id, enterprise.id, enterprise.name, enterprise.uscc, "
	"enterprise.region_code, (SELECT region.name FROM region WHERE region.code = "
	"enterprise.region_code), enterprise.industry_code, risk_enterprise.grade, "
	"COALESCE(risk_enterprise.red, 0), COALESCE(risk_enterprise.orange, 0), "
	"COALESCE(risk_enterprise.yellow, 0), COALESCE(risk_enterprise.blue, 0), (SELECT "
	"COUNT(*) FROM risk_unit WHERE risk_unit.enterprise_id = enterprise.id), (SELECT COUNT(*) "
	"FROM risk_point WHERE risk_point.enterprise_id = enterprise.id), (SELECT COUNT(*) FROM "
	"risk_point WHERE risk_point.enterprise_id = enterprise.id AND risk_point.reassess_due <= "
	":today) FROM enterprise LEFT JOIN risk_enterprise ON risk_enterprise.enterprise_id = "
	"enterprise.id";

int risk_views_db_enterprises(struct db *db, const struct risk_views_filter *f,
			      const struct list_params *lp, int (*row)(json_t *item, void *ctx),
			      void *ctx)
{
	struct buf w = BUF_INIT;
	struct db_stmt *st;
	char *sql;

	buf_adds(&w, "1 = 1");
	where_of(f, &w);
	if (f->grade > 0)
		buf_adds(&w, " AND risk_enterprise.grade = :grade");
	else if (f->grade < 0)
		buf_adds(&w, " AND risk_enterprise.grade IS NULL");
	sql = db_list_sql(SQL_ENTERPRISES_SELECT, buf_str(&w), "enterprise",
			  enterprise_sort_cols[lp->sort], lp->desc);
	buf_release(&w);
	st = db_stmt_dyn(db, sql);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	if (f->grade > 0)
		db_bind_i64(st, ":grade", f->grade);
	db_bind_text(st, ":today", f->today);
	db_bind_page(st, lp);
	return walk(st, enterprise_cols, row, ctx);
}

/* ------------------------------------------------------------ one enterprise's rows */

static const char SQL_ENTERPRISE[] =
	"SELECT enterprise.id, enterprise.uscc, enterprise.name, enterprise.region_code, "
	"COALESCE(enterprise.grid_id, 0), risk_enterprise.grade FROM enterprise LEFT JOIN "
	"risk_enterprise ON risk_enterprise.enterprise_id = enterprise.id WHERE enterprise.id = "
	":id";

int risk_views_db_enterprise(struct db *db, int64_t id, struct risk_views_enterprise *out)
{
	struct db_stmt *st = db_stmt(db, SQL_ENTERPRISE);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	out->id = db_col_i64(st, 0);
	utf8_copy(out->uscc, sizeof(out->uscc), db_col_text(st, 1));
	utf8_copy(out->name, sizeof(out->name), db_col_text(st, 2));
	utf8_copy(out->region_code, sizeof(out->region_code), db_col_text(st, 3));
	out->grid_id = db_col_i64(st, 4);
	out->grade = db_col_null(st, 5) ? 0 : (int)db_col_i64(st, 5);
	db_reset(st);
	return 0;
}

static const char SQL_X_UNITS[] =
	"SELECT id, kind, name, code, description, grade FROM risk_unit WHERE enterprise_id = :e "
	"ORDER BY id";
static const struct col x_unit_cols[] = {
	{ "id", 'i' },		{ "kind", 's' },  { "name", 's' }, { "code", 's' },
	{ "description", 's' }, { "grade", 'i' }, { NULL, 0 },
};

static const char SQL_X_POINTS[] =
	"SELECT id, unit_id, kind, name, location, grade, last_assessed_day, reassess_due FROM "
	"risk_point WHERE enterprise_id = :e ORDER BY id";
static const struct col x_point_cols[] = {
	{ "id", 'i' },
	{ "unit_id", 'i' },
	{ "kind", 's' },
	{ "name", 's' },
	{ "location", 's' },
	{ "grade", 'i' },
	{ "last_assessed_day", 's' },
	{ "reassess_due", 's' },
	{ NULL, 0 },
};

static const char SQL_X_SOURCES[] =
	"SELECT danger_source.id, danger_source.point_id, danger_source.name, "
	"danger_source.factor, danger_source.accident_types, danger_source.description, "
	"danger_source.grade, risk_assessment.method, risk_assessment.table_id, "
	"risk_assessment.value_x1000, risk_assessment.assessed_day FROM danger_source LEFT JOIN "
	"risk_assessment ON risk_assessment.id = danger_source.assessment_id WHERE "
	"danger_source.enterprise_id = :e ORDER BY danger_source.id";
static const struct col x_source_cols[] = {
	{ "id", 'i' },		{ "point_id", 'i' },	   { "name", 's' },
	{ "factor", 's' },	{ "accident_types", 's' }, { "description", 's' },
	{ "grade", 'i' },	{ "method", 's' },	   { "table_id", 's' },
	{ "value_x1000", 'i' }, { "assessed_day", 's' },   { NULL, 0 },
};

static const char SQL_X_MEASURES[] =
	"SELECT id, danger_source_id, kind, description, control_level, responsible_name, active "
	"FROM control_measure WHERE enterprise_id = :e ORDER BY id";
static const struct col x_measure_cols[] = {
	{ "id", 'i' },
	{ "danger_source_id", 'i' },
	{ "kind", 's' },
	{ "description", 's' },
	{ "control_level", 's' },
	{ "responsible_name", 's' },
	{ "active", 'i' },
	{ NULL, 0 },
};

static const char SQL_X_ITEMS[] =
	"SELECT check_item.id, check_item.measure_id, check_item.content, check_item.schedule, "
	"COALESCE(NULLIF(app_user.display_name, ''), app_user.login), check_item.active, "
	"check_item.start_ms FROM check_item LEFT JOIN app_user ON app_user.id = "
	"check_item.assignee_id WHERE check_item.enterprise_id = :e ORDER BY check_item.id";
static const struct col x_item_cols[] = {
	{ "id", 'i' },
	{ "measure_id", 'i' },
	{ "content", 's' },
	{ "schedule", 's' },
	{ "assignee_name", 's' },
	{ "active", 'i' },
	{ "start_ms", 'i' },
	{ NULL, 0 },
};

static int append(json_t *item, void *ctx)
{
	json_array_append_new(ctx, item);
	return 0;
}

/* The rows of sql for enterprise e into a new array *out. Returns 0 or ERR_DB. */
static int rows_of(struct db *db, const char *sql, const struct col *cols, int64_t e, json_t **out)
{
	struct db_stmt *st = db_stmt(db, sql);
	int rc;

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":e", e);
	*out = json_array();
	rc = walk(st, cols, append, *out);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int risk_views_db_export_rows(struct db *db, int64_t enterprise_id, json_t **units, json_t **points,
			      json_t **sources, json_t **measures, json_t **items)
{
	int rc = rows_of(db, SQL_X_UNITS, x_unit_cols, enterprise_id, units);

	*points = *sources = *measures = *items = NULL;
	if (rc == 0)
		rc = rows_of(db, SQL_X_POINTS, x_point_cols, enterprise_id, points);
	if (rc == 0)
		rc = rows_of(db, SQL_X_SOURCES, x_source_cols, enterprise_id, sources);
	if (rc == 0)
		rc = rows_of(db, SQL_X_MEASURES, x_measure_cols, enterprise_id, measures);
	if (rc == 0)
		rc = rows_of(db, SQL_X_ITEMS, x_item_cols, enterprise_id, items);
	if (rc < 0) {
		json_decref(*units);
		json_decref(*points);
		json_decref(*sources);
		json_decref(*measures);
		json_decref(*items);
		*units = *points = *sources = *measures = *items = NULL;
	}
	return rc;
}
