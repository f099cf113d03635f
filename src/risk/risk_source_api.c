/* SPDX-License-Identifier: MIT */
/*
 * Danger sources, their assessments and their control measures over HTTP (issue 5 §2, §3,
 * docs/risk.md): a source's hazardous factor class and GB 6441 accident types; assessment by
 * LEC or LS through risk.c with the table in force (risk.lec_table / risk.ls_table, or the
 * enterprise's industry's in data/risk/industry_tables.csv), the table id recorded and the
 * grades of source, point, unit and enterprise rewritten in the same transaction; control
 * measures held at the level the grade demands (422 naming control_level below it). Scope and
 * audit as in risk_api.c.
 */
#define LOG_MODULE "risk"
#include "risk/risk_api.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/err.h"
#include "db/db.h"
#include "enterprise/enterprise_api.h"
#include "risk/risk.h"
#include "risk/risk_db.h"
#include "core/banned.h"

static const char *const levels[] = { "company", "department", "team", "post", NULL };
static const char *const measure_kinds[] = { "engineering", "management", "training",
					     "ppe",	    "emergency",  NULL };
static const char *const factors[] = { "person", "object", "environment", "management", NULL };
/* ------------------------------------------------------------ danger sources */

static const struct json_field source_fields[] = {
	{ "name", JF_STRING, JF_REQUIRED, 200, 0, 0 },
	{ "factor", JF_STRING, JF_REQUIRED, 20, 0, 0 },
	{ "accident_types", JF_ARRAY, 0, 27, 0, 0 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field source_patch_fields[] = {
	{ "name", JF_STRING, 0, 200, 0, 0 },
	{ "factor", JF_STRING, 0, 20, 0, 0 },
	{ "accident_types", JF_ARRAY, 0, 27, 0, 0 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static void check_source(struct req *rq, const json_t *s, struct field_errors *fe)
{
	json_t *types = json_object_get(s, "accident_types"), *v;
	size_t i, j;

	risk_api_check_name(s, fe);
	risk_api_check_enum(s, "factor", factors, fe);
	json_array_foreach(types, i, v) {
		bool dup = false;

		for (j = 0; j < i; j++)
			dup = dup || json_equal(json_array_get(types, j), v);
		if (!json_is_integer(v) ||
		    !risk_db_accident_type_exists(rq->db, json_integer_value(v)) || dup) {
			field_errors_add(fe, "accident_types",
					 "must hold distinct GB 6441-2025 accident type numbers "
					 "(GET /api/v1/risk/accident-types)");
			break;
		}
	}
}

static int source_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *point = NULL, *row = NULL;
	int64_t id = 0, pid, eid;
	int rc = risk_api_point_load(rq, &point);

	if (rc < 0)
		return rc;
	pid = json_i64(point, "id", 0);
	eid = json_i64(point, "enterprise_id", 0);
	json_decref(point);
	if (json_check(rq->body, source_fields, &fe) == 0)
		check_source(rq, rq->body, &fe);
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_source_insert(rq->db, eid, pid, rq->body, risk_api_now(rq), &id);
	if (rc == 0)
		rc = audit_record(rq, "risk.source.create", "danger_source", id,
				  json_pack("{s:I, s:I, s:s, s:s}", "enterprise_id",
					    (json_int_t)eid, "point_id", (json_int_t)pid, "name",
					    json_str(rq->body, "name"), "factor",
					    json_str(rq->body, "factor")));
	rc = db_finish(rq->db, rc);
	if (rc == 0)
		rc = risk_db_source_get(rq->db, id, &row);
	return rc < 0 ? rc : risk_api_reply(rs, 201, row);
}

static int source_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL, *m = NULL, *after = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, risk_db_source_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	if (json_check(rq->body, source_patch_fields, &fe) == 0) {
		m = risk_api_merged(row, rq->body);
		check_source(rq, m, &fe);
	}
	if (fe.n) {
		json_decref(row);
		json_decref(m);
		return resp_invalid(rs, &fe);
	}
	rc = risk_api_update(rq, "risk.source.update", "danger_source", id, risk_db_source_update,
			     risk_db_source_get, row, m, &after);
	json_decref(row);
	json_decref(m);
	return rc < 0 ? rc : risk_api_reply(rs, 200, after);
}

static int source_delete(struct req *rq, struct resp *rs)
{
	return risk_api_delete(
		rq, rs, risk_db_source_get, risk_db_source_delete, "risk.source.delete",
		"danger_source", "point_id", "name",
		"the danger source has assessments or control measures (kept as its history)");
}

/* ------------------------------------------------------------ assessments */

static const struct json_field assess_fields[] = {
	{ "method", JF_STRING, JF_REQUIRED, 3, 0, 0 },
	{ "l", JF_NUMBER, JF_REQUIRED, 0, 0, 0 },
	{ "e", JF_NUMBER, 0, 0, 0, 0 },
	{ "c", JF_NUMBER, 0, 0, 0, 0 },
	{ "s", JF_NUMBER, 0, 0, 0, 0 },
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* An LS factor: an integer 1..5 (a number like 3.0 is refused: it is not on the scale). */
static int ls_factor(const json_t *body, const char *key, struct field_errors *fe)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL) {
		field_errors_add(fe, key, "is required for method ls");
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 5) {
		field_errors_add(fe, key, "must be an integer from 1 to 5");
		return 0;
	}
	return (int)json_integer_value(v);
}

static int assess(struct req *rq, struct resp *rs)
{
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	struct risk_assessment_in a = { 0 };
	struct risk_table t;
	struct errmsg m;
	json_t *src = NULL, *row = NULL, *b = rq->body;
	const char *method;
	char day[16];
	int64_t id = 0, sid, pid, eid;
	int rc = enterprise_api_load_row(rq, risk_db_source_get, &src);

	if (rc < 0)
		return rc;
	sid = json_i64(src, "id", 0);
	pid = json_i64(src, "point_id", 0);
	eid = json_i64(src, "_enterprise_id", 0);
	json_decref(src);
	if (json_check(b, assess_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	method = json_str(b, "method");
	if (strcmp(method, "lec") == 0) {
		a.method = RISK_LEC;
		if (json_has(b, "s"))
			field_errors_add(&fe, "s", "belongs to method ls");
		if (!json_has(b, "e"))
			field_errors_add(&fe, "e", "is required for method lec");
		if (!json_has(b, "c"))
			field_errors_add(&fe, "c", "is required for method lec");
	} else if (strcmp(method, "ls") == 0) {
		a.method = RISK_LS;
		if (json_has(b, "e"))
			field_errors_add(&fe, "e", "belongs to method lec");
		if (json_has(b, "c"))
			field_errors_add(&fe, "c", "belongs to method lec");
		a.ls_l = ls_factor(b, "l", &fe);
		a.ls_s = ls_factor(b, "s", &fe);
	} else {
		field_errors_add(&fe, "method", "must be lec or ls");
	}
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = risk_db_table_choose(rq->db, eid, a.method,
				  a.method == RISK_LEC ? cfg->risk_lec_table : cfg->risk_ls_table,
				  &t);
	if (rc < 0)
		return rc;
	if (a.method == RISK_LEC) {
		const char *const keys[] = { "l", "e", "c" };
		int *x10[] = { &a.l10, &a.e10, &a.c10 };

		/* Each factor checked against its scale, every bad one named. */
		for (int i = 0; i < 3; i++)
			if (risk_lec_factor((enum risk_factor)i,
					    json_number_value(json_object_get(b, keys[i])), x10[i],
					    &m) < 0)
				field_errors_add(&fe, keys[i], "%s", m.text);
		if (fe.n)
			return resp_invalid(rs, &fe);
		rc = risk_lec_assess(&t, a.l10 / 10.0, a.e10 / 10.0, a.c10 / 10.0, &a.value_x1000,
				     &a.grade, &m);
	} else {
		int r = 0;

		rc = risk_ls_assess(&t, a.ls_l, a.ls_s, &r, &a.grade, &m);
		a.value_x1000 = (int64_t)r * 1000;
	}
	if (rc < 0)
		return resp_invalid1(rs, m.field[0] ? m.field : "method", m.text);
	risk_api_today(rq, day);
	a.table_id = t.id;
	a.assessed_day = day;
	a.assessed_ms = risk_api_now(rq);
	a.assessor_id = rq->user->user_id;
	a.note = json_str(b, "note");
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_assessment_insert(rq->db, eid, pid, sid, &a, &id);
	if (rc == 0)
		rc = audit_record(rq, "risk.assess", "risk_assessment", id,
				  json_pack("{s:I, s:I, s:s, s:s, s:I, s:i}", "danger_source_id",
					    (json_int_t)sid, "point_id", (json_int_t)pid, "method",
					    method, "table_id", t.id, "value_x1000",
					    (json_int_t)a.value_x1000, "grade", (int)a.grade));
	rc = db_finish(rq->db, rc);
	if (rc == 0)
		rc = risk_db_assessment_get(rq->db, id, &row);
	return rc < 0 ? rc : risk_api_reply(rs, 201, row);
}

/* ------------------------------------------------------------ control measures */

static const struct json_field measure_fields[] = {
	{ "kind", JF_STRING, JF_REQUIRED, 20, 0, 0 },
	{ "description", JF_STRING, JF_REQUIRED, 2000, 0, 0 },
	{ "control_level", JF_STRING, JF_REQUIRED, 20, 0, 0 },
	{ "responsible_name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "responsible_user_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field measure_patch_fields[] = {
	{ "kind", JF_STRING, 0, 20, 0, 0 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ "control_level", JF_STRING, 0, 20, 0, 0 },
	{ "responsible_name", JF_STRING, 0, 100, 0, 0 },
	{ "responsible_user_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/*
 * The measure m of a source of grade g (1..4 or 0) in enterprise uscc: its enums, its
 * texts, its responsible account when the request names one (an account that has since
 * left does not block other changes), and the control level (issue 5 §3) when
 * level_checked.
 */
static void check_measure(struct req *rq, const json_t *m, int g, const char *uscc,
			  bool level_checked, struct field_errors *fe)
{
	json_t *ruid = json_object_get(m, "responsible_user_id");
	enum risk_control_level lv = risk_control_level_parse(json_str(m, "control_level"));
	const char *d = json_str(m, "description"), *r = json_str(m, "responsible_name");

	risk_api_check_enum(m, "kind", measure_kinds, fe);
	if (risk_api_blank(d))
		field_errors_add(fe, "description", "must not be empty or blank");
	if (risk_api_blank(r))
		field_errors_add(fe, "responsible_name", "must not be empty or blank");
	if (lv == RISK_LEVEL_NONE)
		risk_api_check_enum(m, "control_level", levels, fe);
	else if (level_checked && !risk_control_level_enough(lv, (enum risk_grade)g))
		field_errors_add(
			fe, "control_level",
			"is below what the source's grade (%s, %s) demands: %s or higher",
			risk_grade_colour((enum risk_grade)g),
			risk_grade_name_zh((enum risk_grade)g),
			risk_control_level_name(risk_grade_control_level((enum risk_grade)g)));
	if (json_is_integer(ruid) && json_has(rq->body, "responsible_user_id") &&
	    !risk_db_user_is_officer_of(rq->db, json_integer_value(ruid), uscc))
		field_errors_add(fe, "responsible_user_id",
				 "must be an enterprise officer account of the enterprise");
}

static int measure_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *src = NULL, *row = NULL;
	int64_t id = 0, sid, pid, eid;
	int rc = enterprise_api_load_row(rq, risk_db_source_get, &src);

	if (rc < 0)
		return rc;
	sid = json_i64(src, "id", 0);
	pid = json_i64(src, "point_id", 0);
	eid = json_i64(src, "_enterprise_id", 0);
	if (json_check(rq->body, measure_fields, &fe) == 0)
		check_measure(rq, rq->body, (int)json_i64(src, "grade", 0), json_str(src, "_uscc"),
			      true, &fe);
	json_decref(src);
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_measure_insert(rq->db, eid, pid, sid, rq->body, risk_api_now(rq), &id);
	if (rc == 0)
		rc = audit_record(rq, "risk.measure.create", "control_measure", id,
				  json_pack("{s:I, s:s, s:s}", "danger_source_id", (json_int_t)sid,
					    "kind", json_str(rq->body, "kind"), "control_level",
					    json_str(rq->body, "control_level")));
	rc = db_finish(rq->db, rc);
	if (rc == 0)
		rc = risk_db_measure_get(rq->db, id, &row);
	return rc < 0 ? rc : risk_api_reply(rs, 201, row);
}

static int measure_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL, *m = NULL, *after = NULL, *src = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, risk_db_measure_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	rc = risk_db_source_get(rq->db, json_i64(row, "danger_source_id", 0), &src);
	if (rc == 0 && json_check(rq->body, measure_patch_fields, &fe) == 0) {
		m = risk_api_merged(row, rq->body);
		/* The level is checked when it changes (a standing short one stays flagged). */
		check_measure(rq, m, (int)json_i64(src, "grade", 0), json_str(row, "_uscc"),
			      json_has(rq->body, "control_level"), &fe);
	}
	json_decref(src);
	if (rc < 0 || fe.n) {
		json_decref(row);
		json_decref(m);
		return rc < 0 ? rc : resp_invalid(rs, &fe);
	}
	rc = risk_api_update(rq, "risk.measure.update", "control_measure", id,
			     risk_db_measure_update, risk_db_measure_get, row, m, &after);
	json_decref(row);
	json_decref(m);
	return rc < 0 ? rc : risk_api_reply(rs, 200, after);
}

static int measure_delete(struct req *rq, struct resp *rs)
{
	return risk_api_delete(rq, rs, risk_db_measure_get, risk_db_measure_delete,
			       "risk.measure.delete", "control_measure", "danger_source_id",
			       "description",
			       "check items use this measure: deactivate it (active false)");
}

#define R(m, p, h, perm_, s)                                                      \
	{                                                                         \
		.method = m, .path = p, .handler = h, .perm = perm_, .summary = s \
	}
#define W(m, p, h, s)                                                          \
	{                                                                      \
		.method = m, .path = p, .handler = h, .perm = PERM_RISK_WRITE, \
		.flags = ROUTE_JSON_BODY, .summary = s                         \
	}

const struct route risk_source_routes[] = {
	W(HTTP_POST, "/api/v1/risk/points/{id}/sources", source_create,
	  "add a danger source {name, factor, accident_types?, description?}"),
	W(HTTP_PATCH, "/api/v1/risk/sources/{id}", source_patch,
	  "change a danger source (name, factor, accident_types, description)"),
	R(HTTP_DELETE, "/api/v1/risk/sources/{id}", source_delete, PERM_RISK_WRITE,
	  "delete a danger source (409 once assessed or with measures)"),
	W(HTTP_POST, "/api/v1/risk/sources/{id}/assessments", assess,
	  "assess a danger source {method: lec, l, e, c | ls, l, s; note?}: graded by the table "
	  "in force, grades of source, point, unit and enterprise rewritten"),
	W(HTTP_POST, "/api/v1/risk/sources/{id}/measures", measure_create,
	  "add a control measure {kind, description, control_level (at least what the grade "
	  "demands, else 422), responsible_name, responsible_user_id?, active?}"),
	W(HTTP_PATCH, "/api/v1/risk/measures/{id}", measure_patch,
	  "change a control measure (the level rule applies when control_level changes)"),
	R(HTTP_DELETE, "/api/v1/risk/measures/{id}", measure_delete, PERM_RISK_WRITE,
	  "delete a control measure (409 while check items use it)"),
	{ 0 },
};
