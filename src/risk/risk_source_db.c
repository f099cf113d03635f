/* SPDX-License-Identifier: MIT */
/*
 * The SQL of danger sources, their assessments with the derived grades of the point, unit
 * and enterprise, and control measures (risk_db.h). Rules come from risk.c; nothing here
 * decides a grade by itself: the point's, unit's and enterprise's grades are computed by
 * risk_point_grade / risk_enterprise_grade over the rows read back.
 */
#include "risk/risk_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "db/db.h"
#include "risk/risk_db_int.h"
#include "core/banned.h"

/* ------------------------------------------------------------ danger sources */

#define SOURCE_SELECT                                                                           \
	"SELECT s.id, s.point_id, s.name, s.factor, s.accident_types, s.description, s.grade, " \
	"s.assessment_id, s.enterprise_id, e.uscc, e.region_code, e.grid_id "                   \
	"FROM danger_source s JOIN enterprise e ON e.id = s.enterprise_id "

static json_t *source_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			      "point_id", (json_int_t)db_col_i64(st, 1), "name", db_col_text(st, 2),
			      "factor", db_col_text(st, 3), "accident_types",
			      risk_db_json_col(st, 4), "description", db_col_text(st, 5));

	risk_json_grade(o, (int)db_col_i64(st, 6));
	json_object_set_new(o, "_assessment_id", json_integer(db_col_i64(st, 7)));
	json_object_set_new(o, "_enterprise_id", json_integer(db_col_i64(st, 8)));
	risk_db_scope_cols(o, st, 9);
	return o;
}

static const char SQL_SOURCE_INSERT[] =
	"INSERT INTO danger_source (enterprise_id, point_id, name, factor, accident_types, "
	"description, created_ms, updated_ms) VALUES (:eid, :point, :name, :factor, :types, "
	":description, :now, :now)";

static void bind_source(struct db_stmt *st, const json_t *s, char **types)
{
	json_t *t = json_object_get(s, "accident_types");

	*types = t ? json_dump_compact(t) : xstrdup("[]");
	db_bind_text(st, ":name", json_str(s, "name"));
	db_bind_text(st, ":factor", json_str(s, "factor"));
	db_bind_text(st, ":types", *types);
	db_bind_text(st, ":description",
		     json_str(s, "description") ? json_str(s, "description") : "");
}

int risk_db_source_insert(struct db *db, int64_t enterprise_id, int64_t point_id, const json_t *s,
			  int64_t now_ms, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_SOURCE_INSERT);
	char *types = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":point", point_id);
	db_bind_i64(st, ":now", now_ms);
	bind_source(st, s, &types);
	rc = db_step_done(st);
	free(types);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_SOURCE_UPDATE[] =
	"UPDATE danger_source SET name = :name, factor = :factor, accident_types = :types, "
	"description = :description, updated_ms = :now WHERE id = :id";

int risk_db_source_update(struct db *db, int64_t id, const json_t *s, int64_t now_ms)
{
	return risk_db_update_row(db, SQL_SOURCE_UPDATE, bind_source, s, id, now_ms);
}

static const char SQL_SOURCE_USED[] =
	"SELECT (SELECT COUNT(*) FROM risk_assessment WHERE danger_source_id = :id) + "
	"(SELECT COUNT(*) FROM control_measure WHERE danger_source_id = :id)";
static const char SQL_SOURCE_DELETE[] = "DELETE FROM danger_source WHERE id = :id";

int risk_db_source_delete(struct db *db, int64_t id)
{
	return risk_db_delete_unless(db, SQL_SOURCE_USED, SQL_SOURCE_DELETE, id);
}

/* Adds assessment (latest or null) to a source row. */
static int source_complete(struct db *db, json_t *o)
{
	int64_t aid = json_i64(o, "_assessment_id", 0);
	json_t *a = NULL;
	int rc = aid ? risk_db_assessment_get(db, aid, &a) : 0;

	if (rc < 0)
		return rc;
	json_object_set_new(o, "assessment", a ? a : json_null());
	return 0;
}

static const char SQL_SOURCE_GET[] = SOURCE_SELECT "WHERE s.id = :id";

int risk_db_source_get(struct db *db, int64_t id, json_t **row)
{
	int rc = risk_db_get_by_id(db, SQL_SOURCE_GET, source_row, id, row);

	if (rc == 0)
		rc = source_complete(db, *row);
	if (rc < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}

#define MEASURE_SELECT                                                                          \
	"SELECT m.id, m.danger_source_id, m.point_id, m.kind, m.description, m.control_level, " \
	"m.responsible_name, m.responsible_user_id, m.active, s.grade, m.enterprise_id, "       \
	"e.uscc, e.region_code, e.grid_id FROM control_measure m "                              \
	"JOIN danger_source s ON s.id = m.danger_source_id "                                    \
	"JOIN enterprise e ON e.id = m.enterprise_id "

static json_t *measure_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_i64(st, 0), "danger_source_id",
			      (json_int_t)db_col_i64(st, 1), "point_id",
			      (json_int_t)db_col_i64(st, 2), "kind", db_col_text(st, 3),
			      "description", db_col_text(st, 4), "control_level",
			      db_col_text(st, 5), "responsible_name", db_col_text(st, 6));
	enum risk_control_level lv = risk_control_level_parse(db_col_text(st, 5));

	json_object_set_new(o, "responsible_user_id",
			    db_col_null(st, 7) ? json_null() : json_integer(db_col_i64(st, 7)));
	json_object_set_new(o, "active", json_boolean(db_col_i64(st, 8) != 0));
	json_object_set_new(
		o, "level_short",
		json_boolean(!risk_control_level_enough(lv, (enum risk_grade)db_col_i64(st, 9))));
	json_object_set_new(o, "_enterprise_id", json_integer(db_col_i64(st, 10)));
	risk_db_scope_cols(o, st, 11);
	return o;
}

static const char SQL_SOURCE_MEASURES[] = MEASURE_SELECT "WHERE m.danger_source_id = :id "
							 "ORDER BY m.id";
static const char SQL_POINT_SOURCE_LIST[] = SOURCE_SELECT "WHERE s.point_id = :id ORDER BY s.id";

int risk_db_point_sources(struct db *db, int64_t point_id, json_t **items)
{
	json_t *v;
	size_t i;
	int rc = risk_db_rows_by_id(db, SQL_POINT_SOURCE_LIST, source_row, point_id, items);

	json_array_foreach(*items, i, v) {
		json_t *ms = NULL;

		if (rc == 0)
			rc = source_complete(db, v);
		if (rc == 0)
			rc = risk_db_rows_by_id(db, SQL_SOURCE_MEASURES, measure_row,
						json_i64(v, "id", 0), &ms);
		if (rc == 0)
			json_object_set_new(v, "measures", ms);
	}
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
	}
	return rc;
}

/* ------------------------------------------------------------ assessments */

#define ASSESSMENT_SELECT                                                                      \
	"SELECT a.id, a.danger_source_id, a.point_id, a.method, a.table_id, a.lec_l_x10, "     \
	"a.lec_e_x10, a.lec_c_x10, a.ls_l, a.ls_s, a.value_x1000, a.grade, a.assessed_day, "   \
	"a.assessed_ms, a.assessor_id, COALESCE(NULLIF(u.display_name, ''), u.login), a.note " \
	"FROM risk_assessment a LEFT JOIN app_user u ON u.id = a.assessor_id "

static json_t *assessment_row(struct db_stmt *st)
{
	bool lec = strcmp(db_col_text(st, 3), "lec") == 0;
	json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			      "danger_source_id", (json_int_t)db_col_i64(st, 1), "point_id",
			      (json_int_t)db_col_i64(st, 2), "method", db_col_text(st, 3),
			      "table_id", db_col_text(st, 4));
	int64_t v = db_col_i64(st, 10);

	if (lec) {
		json_object_set_new(o, "l", json_real((double)db_col_i64(st, 5) / 10.0));
		json_object_set_new(o, "e", json_real((double)db_col_i64(st, 6) / 10.0));
		json_object_set_new(o, "c", json_real((double)db_col_i64(st, 7) / 10.0));
	} else {
		json_object_set_new(o, "l", json_integer(db_col_i64(st, 8)));
		json_object_set_new(o, "s", json_integer(db_col_i64(st, 9)));
	}
	/* D is exact in thousandths; an integral value is shown as an integer. */
	json_object_set_new(o, "value",
			    v % 1000 == 0 ? json_integer(v / 1000) : json_real((double)v / 1000.0));
	risk_json_grade(o, (int)db_col_i64(st, 11));
	json_object_set_new(o, "assessed_day", json_string(db_col_text(st, 12)));
	json_object_set_new(o, "assessed_ms", json_integer(db_col_i64(st, 13)));
	json_object_set_new(o, "assessor_id",
			    db_col_null(st, 14) ? json_null() : json_integer(db_col_i64(st, 14)));
	json_object_set_new(o, "assessor_name", risk_db_text_or_null(st, 15));
	json_object_set_new(o, "note", json_string(db_col_text(st, 16)));
	return o;
}

static const char SQL_ASSESSMENT_GET[] = ASSESSMENT_SELECT "WHERE a.id = :id";

int risk_db_assessment_get(struct db *db, int64_t id, json_t **row)
{
	return risk_db_get_by_id(db, SQL_ASSESSMENT_GET, assessment_row, id, row);
}

static const char SQL_POINT_ASSESSMENTS[] = ASSESSMENT_SELECT
	"WHERE a.point_id = :id ORDER BY a.assessed_ms DESC, a.id DESC";

int risk_db_point_assessments(struct db *db, int64_t point_id, json_t **items)
{
	return risk_db_rows_by_id(db, SQL_POINT_ASSESSMENTS, assessment_row, point_id, items);
}

static const char SQL_ASSESSMENT_INSERT[] =
	"INSERT INTO risk_assessment (enterprise_id, point_id, danger_source_id, method, "
	"table_id, lec_l_x10, lec_e_x10, lec_c_x10, ls_l, ls_s, value_x1000, grade, "
	"assessed_day, assessed_ms, assessor_id, note) VALUES (:eid, :point, :source, :method, "
	":table, :l10, :e10, :c10, :ls_l, :ls_s, :value, :grade, :day, :ms, :assessor, :note)";
static const char SQL_SOURCE_GRADE[] = "UPDATE danger_source SET grade = :grade, assessment_id = "
				       ":aid, updated_ms = :now WHERE id = :id";
static const char SQL_POINT_UNIT[] = "SELECT unit_id FROM risk_point WHERE id = :id";

int risk_db_assessment_insert(struct db *db, int64_t enterprise_id, int64_t point_id,
			      int64_t source_id, const struct risk_assessment_in *a, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ASSESSMENT_INSERT);
	bool lec = a->method == RISK_LEC;
	int64_t unit_id = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":point", point_id);
	db_bind_i64(st, ":source", source_id);
	db_bind_text(st, ":method", lec ? "lec" : "ls");
	db_bind_text(st, ":table", a->table_id);
	if (lec) {
		db_bind_i64(st, ":l10", a->l10);
		db_bind_i64(st, ":e10", a->e10);
		db_bind_i64(st, ":c10", a->c10);
		db_bind_null(st, ":ls_l");
		db_bind_null(st, ":ls_s");
	} else {
		db_bind_null(st, ":l10");
		db_bind_null(st, ":e10");
		db_bind_null(st, ":c10");
		db_bind_i64(st, ":ls_l", a->ls_l);
		db_bind_i64(st, ":ls_s", a->ls_s);
	}
	db_bind_i64(st, ":value", a->value_x1000);
	db_bind_i64(st, ":grade", a->grade);
	db_bind_text(st, ":day", a->assessed_day);
	db_bind_i64(st, ":ms", a->assessed_ms);
	db_bind_id_or_null(st, ":assessor", a->assessor_id);
	db_bind_text(st, ":note", a->note ? a->note : "");
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	*id = db_last_id(db);
	st = db_stmt(db, SQL_SOURCE_GRADE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":grade", a->grade);
	db_bind_i64(st, ":aid", *id);
	db_bind_i64(st, ":now", a->assessed_ms);
	db_bind_i64(st, ":id", source_id);
	rc = db_step_change(st);
	if (rc == 0)
		rc = risk_db_count_of(db, SQL_POINT_UNIT, point_id, &unit_id);
	if (rc == 0)
		rc = risk_db_regrade(db, enterprise_id, unit_id, point_id, a->assessed_ms);
	return rc;
}

/* Reads the grades a bound statement answers (first column) into a growing array. */
static int grades_of(struct db_stmt *st, enum risk_grade **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = (enum risk_grade)db_col_i64(st, 0);
	}
	return rc < 0 ? rc : 0;
}

static const char SQL_POINT_SOURCE_GRADES[] =
	"SELECT COALESCE(grade, 0) FROM danger_source WHERE point_id = :id";
static const char SQL_POINT_OLDEST[] =
	"SELECT MIN(a.assessed_day) FROM danger_source s JOIN risk_assessment a "
	"ON a.id = s.assessment_id WHERE s.point_id = :id";
static const char SQL_POINT_REGRADE[] =
	"UPDATE risk_point SET grade = :grade, last_assessed_day = :day, reassess_due = :due, "
	"updated_ms = :now WHERE id = :id";
static const char SQL_UNIT_POINT_GRADES[] =
	"SELECT COALESCE(grade, 0) FROM risk_point WHERE unit_id = :id";
static const char SQL_UNIT_REGRADE[] =
	"UPDATE risk_unit SET grade = :grade, updated_ms = :now WHERE id = :id";
static const char SQL_ENTERPRISE_POINT_GRADES[] =
	"SELECT COALESCE(grade, 0) FROM risk_point WHERE enterprise_id = :id";
static const char SQL_ENTERPRISE_REGRADE[] =
	"INSERT INTO risk_enterprise (enterprise_id, grade, red, orange, yellow, blue, "
	"updated_ms) VALUES (:id, :grade, :red, :orange, :yellow, :blue, :now) "
	"ON CONFLICT (enterprise_id) DO UPDATE SET grade = excluded.grade, red = excluded.red, "
	"orange = excluded.orange, yellow = excluded.yellow, blue = excluded.blue, "
	"updated_ms = excluded.updated_ms";

/* Reads the grades of sql(:id) and applies rule to them into *g. */
static int grade_by(struct db *db, const char *sql, int64_t id,
		    enum risk_grade (*rule)(const enum risk_grade *, size_t), enum risk_grade *g,
		    size_t counts[5])
{
	struct db_stmt *st = db_stmt(db, sql);
	enum risk_grade *gs = NULL;
	size_t n = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = grades_of(st, &gs, &n);
	if (rc == 0) {
		*g = rule(gs, n);
		for (size_t i = 0; counts && i < n; i++)
			if (gs[i] >= 1 && gs[i] <= 4)
				counts[gs[i]]++;
	}
	free(gs);
	return rc;
}

static int regrade_point(struct db *db, int64_t point_id, int64_t now_ms)
{
	struct db_stmt *st;
	enum risk_grade g = RISK_GRADE_NONE;
	char day[16] = "", due[16] = "";
	int64_t dn = 0;
	int rc = grade_by(db, SQL_POINT_SOURCE_GRADES, point_id, risk_point_grade, &g, NULL);

	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_POINT_OLDEST);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", point_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (!db_col_null(st, 0))
			snprintf(day, sizeof(day), "%s", db_col_text(st, 0));
		db_reset(st);
	} else if (rc < 0) {
		return rc;
	}
	if (day[0] && date_parse(day, &dn) == 0)
		date_format(risk_reassess_due(dn), due, sizeof(due));
	st = db_stmt(db, SQL_POINT_REGRADE);
	if (st == NULL)
		return ERR_DB;
	db_bind_id_or_null(st, ":grade", g);
	db_bind_text(st, ":day", day[0] ? day : NULL);
	db_bind_text(st, ":due", due[0] ? due : NULL);
	db_bind_i64(st, ":now", now_ms);
	db_bind_i64(st, ":id", point_id);
	return db_step_done(st);
}

int risk_db_regrade(struct db *db, int64_t enterprise_id, int64_t unit_id, int64_t point_id,
		    int64_t now_ms)
{
	struct db_stmt *st;
	enum risk_grade g = RISK_GRADE_NONE;
	size_t counts[5] = { 0 };
	int rc = point_id ? regrade_point(db, point_id, now_ms) : 0;

	if (rc == 0 && unit_id)
		rc = grade_by(db, SQL_UNIT_POINT_GRADES, unit_id, risk_point_grade, &g, NULL);
	if (rc == 0 && unit_id) {
		st = db_stmt(db, SQL_UNIT_REGRADE);
		if (st == NULL)
			return ERR_DB;
		db_bind_id_or_null(st, ":grade", g);
		db_bind_i64(st, ":now", now_ms);
		db_bind_i64(st, ":id", unit_id);
		rc = db_step_done(st);
	}
	if (rc == 0)
		rc = grade_by(db, SQL_ENTERPRISE_POINT_GRADES, enterprise_id, risk_enterprise_grade,
			      &g, counts);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_ENTERPRISE_REGRADE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", enterprise_id);
	db_bind_id_or_null(st, ":grade", g);
	db_bind_i64(st, ":red", (int64_t)counts[RISK_RED]);
	db_bind_i64(st, ":orange", (int64_t)counts[RISK_ORANGE]);
	db_bind_i64(st, ":yellow", (int64_t)counts[RISK_YELLOW]);
	db_bind_i64(st, ":blue", (int64_t)counts[RISK_BLUE]);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}

/* ------------------------------------------------------------ control measures */

static void bind_measure(struct db_stmt *st, const json_t *m)
{
	json_t *ruid = json_object_get(m, "responsible_user_id");
	json_t *active = json_object_get(m, "active");

	db_bind_text(st, ":kind", json_str(m, "kind"));
	db_bind_text(st, ":description", json_str(m, "description"));
	db_bind_text(st, ":level", json_str(m, "control_level"));
	db_bind_text(st, ":rname", json_str(m, "responsible_name"));
	db_bind_id_or_null(st, ":ruid", json_is_integer(ruid) ? json_integer_value(ruid) : 0);
	db_bind_i64(st, ":active", active == NULL || json_is_true(active));
}

static const char SQL_MEASURE_INSERT[] =
	"INSERT INTO control_measure (enterprise_id, point_id, danger_source_id, kind, "
	"description, control_level, responsible_name, responsible_user_id, active, created_ms, "
	"updated_ms) VALUES (:eid, :point, :source, :kind, :description, :level, :rname, :ruid, "
	":active, :now, :now)";

int risk_db_measure_insert(struct db *db, int64_t enterprise_id, int64_t point_id,
			   int64_t source_id, const json_t *m, int64_t now_ms, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_MEASURE_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":point", point_id);
	db_bind_i64(st, ":source", source_id);
	db_bind_i64(st, ":now", now_ms);
	bind_measure(st, m);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_MEASURE_UPDATE[] =
	"UPDATE control_measure SET kind = :kind, description = :description, control_level = "
	":level, responsible_name = :rname, responsible_user_id = :ruid, active = :active, "
	"updated_ms = :now WHERE id = :id";

/* A measure made active again: its items owe tasks from now on, not for the inactive days. */
static const char SQL_MEASURE_ITEMS_RESTART[] =
	"UPDATE check_item SET start_ms = CASE WHEN start_ms > :now THEN start_ms ELSE :now END "
	"WHERE measure_id = :id AND :active = 1 AND EXISTS (SELECT 1 FROM control_measure WHERE "
	"control_measure.id = :id AND control_measure.active = 0)";

int risk_db_measure_update(struct db *db, int64_t id, const json_t *m, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_MEASURE_ITEMS_RESTART);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	db_bind_i64(st, ":active", json_is_false(json_object_get(m, "active")) ? 0 : 1);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_MEASURE_UPDATE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	bind_measure(st, m);
	return db_step_change(st);
}

static const char SQL_MEASURE_ITEMS[] = "SELECT COUNT(*) FROM check_item WHERE measure_id = :id";
static const char SQL_MEASURE_DELETE[] = "DELETE FROM control_measure WHERE id = :id";

int risk_db_measure_delete(struct db *db, int64_t id)
{
	return risk_db_delete_unless(db, SQL_MEASURE_ITEMS, SQL_MEASURE_DELETE, id);
}

static const char SQL_MEASURE_GET[] = MEASURE_SELECT "WHERE m.id = :id";

int risk_db_measure_get(struct db *db, int64_t id, json_t **row)
{
	return risk_db_get_by_id(db, SQL_MEASURE_GET, measure_row, id, row);
}

static const char SQL_USER_OFFICER[] =
	"SELECT COUNT(*) FROM app_user WHERE id = :id AND role = 'enterprise_officer' "
	"AND scope = 'enterprise:' || :uscc";

bool risk_db_user_is_officer_of(struct db *db, int64_t user_id, const char *uscc)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_OFFICER);
	int64_t n = 0;

	if (st == NULL)
		return false;
	db_bind_i64(st, ":id", user_id);
	db_bind_text(st, ":uscc", uscc);
	return db_step_i64(st, &n) == 0 && n > 0;
}
