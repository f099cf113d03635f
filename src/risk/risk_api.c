/* SPDX-License-Identifier: MIT */
/*
 * Risk graded control over HTTP (issue 5, docs/risk.md, docs/api.md): units, points and
 * the reference tables (grading tables, accident types), plus the helpers the other risk
 * route files share (risk_api.h). Danger sources, assessments and measures are in
 * risk_source_api.c; zones, the site plan and the enterprise's summary in risk_plan_api.c;
 * check items and tasks are not here.
 *
 * Scope: every object carries its enterprise; the caller sees it when it would see the
 * enterprise (region prefix, own grids, own enterprise), else 404. Writes need risk.write
 * (officers and administrators) and the object's enterprise in scope. Every write is one
 * transaction with its audit record.
 */
#define LOG_MODULE "risk"
#include "risk/risk_api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise.h"
#include "enterprise/enterprise_api.h"
#include "risk/risk.h"
#include "risk/risk_db.h"
#include "core/banned.h"

/* ------------------------------------------------------------ shared helpers */

int64_t risk_api_now(const struct req *rq)
{
	return config_now_ms(&rq->app->cfg);
}

void risk_api_today(const struct req *rq, char out[16])
{
	date_format(today_local(rq->app->cfg.fake_now_ms), out, 16);
}

void risk_api_scope(const struct req *rq, struct risk_filter *f, char prefix[16],
		    char prefix_end[16])
{
	const char *p = NULL, *uscc = NULL;
	int64_t grid_user = 0;

	enterprise_api_scope_filter(rq, prefix, 16, &p, &grid_user, &uscc);
	f->scope_prefix = p;
	f->scope_prefix_end = NULL;
	if (p != NULL) {
		if (!enterprise_code_prefix_end(p, prefix_end, 16))
			snprintf(prefix_end, 16, "%s", p); /* an empty range */
		f->scope_prefix_end = prefix_end;
	}
	f->grid_user = grid_user;
	f->scope_uscc = uscc;
}

int64_t risk_api_enterprise_of(struct req *rq, const json_t *body, struct field_errors *fe)
{
	json_t *v = json_object_get(body, "enterprise_id"), *e = NULL;
	int64_t id = 0;
	int rc;

	if (v == NULL) {
		if (rq->user->scope.kind == SCOPE_ENTERPRISE &&
		    risk_db_enterprise_by_uscc(rq->db, rq->user->scope.enterprise, &id) == 0)
			return id;
		field_errors_add(fe, "enterprise_id", "is required");
		return 0;
	}
	id = json_integer_value(v);
	rc = risk_db_enterprise(rq->db, id, &e);
	if (rc < 0) {
		field_errors_add(fe, "enterprise_id", "does not exist");
		id = 0;
	} else if (!enterprise_api_in_scope(rq, json_str(e, "uscc"), json_str(e, "region_code"),
					    json_i64(e, "grid_id", 0))) {
		field_errors_add(fe, "enterprise_id", "is outside your data scope");
		fe->forbidden = true;
		id = 0;
	}
	json_decref(e);
	return id;
}

int risk_api_polygon(struct req *rq, int64_t enterprise_id, const json_t *v,
		     struct field_errors *fe)
{
	json_t *plan = NULL, *pt;
	double *xy;
	size_t i, n;
	int w = 0, h = 0, rc;
	struct errmsg m;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		field_errors_add(fe, "polygon", "must be an array of [x, y] pairs or null");
		return ERR_INVALID;
	}
	n = json_array_size(v);
	if (n > RISK_POLYGON_MAX) {
		field_errors_add(fe, "polygon", "must have 3 to %d vertices, not %zu",
				 RISK_POLYGON_MAX, n);
		return ERR_INVALID;
	}
	rc = risk_db_site_plan_get(rq->db, enterprise_id, &plan);
	if (rc < 0 && rc != ERR_NOT_FOUND)
		return rc;
	if (plan) {
		w = (int)json_i64(plan, "width", 0);
		h = (int)json_i64(plan, "height", 0);
		json_decref(plan);
	}
	xy = calloc(2 * n + 2, sizeof(double));
	if (xy == NULL)
		abort();
	json_array_foreach(v, i, pt) {
		json_t *x = json_array_get(pt, 0), *y = json_array_get(pt, 1);

		if (!json_is_array(pt) || json_array_size(pt) != 2 || !json_is_number(x) ||
		    !json_is_number(y)) {
			xy[2 * i] = NAN;
			xy[2 * i + 1] = NAN;
		} else {
			xy[2 * i] = json_number_value(x);
			xy[2 * i + 1] = json_number_value(y);
		}
	}
	rc = risk_polygon_check(xy, n, w, h, &m);
	free(xy);
	if (rc < 0)
		field_errors_add(fe, "polygon", "%s", m.text);
	return rc;
}

int risk_api_reply(struct resp *rs, int status, json_t *o)
{
	return resp_json(rs, status, json_strip_private(o));
}

json_t *risk_api_merged(const json_t *row, const json_t *body)
{
	json_t *m = json_deep_copy(row);

	json_object_update(m, (json_t *)body);
	return m;
}

void risk_api_check_enum(const json_t *o, const char *key, const char *const *allowed,
			 struct field_errors *fe)
{
	char list[160] = "";

	if (str_one_of(json_str(o, key), allowed))
		return;
	for (size_t i = 0; allowed[i]; i++) {
		size_t used = strlen(list);

		snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", allowed[i]);
	}
	field_errors_add(fe, key, "must be one of: %s", list);
}

static const char *const kinds[] = { "installation", "workshop", "equipment",
				     "operation",    "place",	 NULL };

json_t *risk_api_changes(const json_t *before, const json_t *after)
{
	static const char *const skip[] = { "updated_ms", "_uscc", "_region_code", "_grid_id",
					    NULL };

	return json_pack("{s:o}", "changes", json_changes(before, after, skip));
}

int risk_api_update(struct req *rq, const char *action, const char *table, int64_t id,
		    int (*update)(struct db *, int64_t, const json_t *, int64_t),
		    int (*get)(struct db *, int64_t, json_t **), const json_t *before,
		    const json_t *m, json_t **after)
{
	int rc = db_begin(rq->db);

	*after = NULL;
	if (rc == 0)
		rc = update(rq->db, id, m, risk_api_now(rq));
	if (rc == 0)
		rc = get(rq->db, id, after);
	if (rc == 0)
		rc = audit_record(rq, action, table, id, risk_api_changes(before, *after));
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		json_decref(*after);
		*after = NULL;
	}
	return rc;
}

int risk_api_delete(struct req *rq, struct resp *rs, int (*get)(struct db *, int64_t, json_t **),
		    int (*del)(struct db *, int64_t), const char *action, const char *table,
		    const char *id_key, const char *text_key, const char *conflict)
{
	json_t *row = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = del(rq->db, id);
	if (rc == 0)
		rc = audit_record(rq, action, table, id,
				  json_pack("{s:I, s:s}", id_key,
					    (json_int_t)json_i64(row, id_key, 0), text_key,
					    json_str(row, text_key)));
	rc = db_finish(rq->db, rc);
	json_decref(row);
	if (rc == ERR_CONFLICT && conflict)
		return resp_problem(rs, 409, NULL, conflict, NULL);
	return rc < 0 ? rc : resp_no_content(rs);
}

/* The lists' sort whitelist (keyset on id). */
static const char *const id_sorts[] = { "id", NULL };

/* ------------------------------------------------------------ units */

static const struct json_field unit_fields[] = {
	{ "enterprise_id", JF_INT, 0, 0, 1, INT64_MAX },
	{ "kind", JF_STRING, JF_REQUIRED, 20, 0, 0 },
	{ "name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "code", JF_STRING, 0, 50, 0, 0 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ "polygon", JF_ARRAY, JF_NULLABLE, 100000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field unit_patch_fields[] = {
	{ "kind", JF_STRING, 0, 20, 0, 0 },
	{ "name", JF_STRING, 0, 100, 0, 0 },
	{ "code", JF_STRING, 0, 50, 0, 0 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ "polygon", JF_ARRAY, JF_NULLABLE, 100000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

bool risk_api_blank(const char *s)
{
	while (s && *s) {
		if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
		else if ((unsigned char)s[0] == 0xe3 && (unsigned char)s[1] == 0x80 &&
			 (unsigned char)s[2] == 0x80)
			s += 3; /* U+3000 IDEOGRAPHIC SPACE */
		else
			return false;
	}
	return true;
}

void risk_api_check_name(const json_t *o, struct field_errors *fe)
{
	if (risk_api_blank(json_str(o, "name")))
		field_errors_add(fe, "name", "must not be empty or blank");
}

static int unit_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL;
	int64_t eid, id = 0;
	int rc;

	if (json_check(rq->body, unit_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	eid = risk_api_enterprise_of(rq, rq->body, &fe);
	risk_api_check_enum(rq->body, "kind", kinds, &fe);
	risk_api_check_name(rq->body, &fe);
	if (eid && risk_api_polygon(rq, eid, json_object_get(rq->body, "polygon"), &fe) == ERR_DB)
		return ERR_DB;
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_unit_insert(rq->db, eid, rq->body, risk_api_now(rq), &id);
	if (rc == 0)
		rc = audit_record(rq, "risk.unit.create", "risk_unit", id,
				  json_pack("{s:I, s:s, s:s}", "enterprise_id", (json_int_t)eid,
					    "kind", json_str(rq->body, "kind"), "name",
					    json_str(rq->body, "name")));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_invalid1(rs, "name", "is already the name of a unit of the enterprise");
	if (rc == 0)
		rc = risk_db_unit_get(rq->db, id, &row);
	return rc < 0 ? rc : risk_api_reply(rs, 201, row);
}

static int unit_get(struct req *rq, struct resp *rs)
{
	json_t *row = NULL;
	int rc = enterprise_api_load_row(rq, risk_db_unit_get, &row);

	return rc < 0 ? rc : risk_api_reply(rs, 200, row);
}

static int unit_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL, *m = NULL, *after = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, risk_db_unit_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	if (json_check(rq->body, unit_patch_fields, &fe) == 0) {
		m = risk_api_merged(row, rq->body);
		risk_api_check_enum(m, "kind", kinds, &fe);
		risk_api_check_name(m, &fe);
		rc = risk_api_polygon(rq, json_i64(row, "enterprise_id", 0),
				      json_object_get(rq->body, "polygon"), &fe);
	}
	if (fe.n || rc == ERR_DB) {
		json_decref(row);
		json_decref(m);
		return rc == ERR_DB ? rc : resp_invalid(rs, &fe);
	}
	rc = risk_api_update(rq, "risk.unit.update", "risk_unit", id, risk_db_unit_update,
			     risk_db_unit_get, row, m, &after);
	json_decref(row);
	json_decref(m);
	if (rc == ERR_CONFLICT)
		return resp_invalid1(rs, "name", "is already the name of a unit of the enterprise");
	return rc < 0 ? rc : risk_api_reply(rs, 200, after);
}

static int unit_delete(struct req *rq, struct resp *rs)
{
	return risk_api_delete(rq, rs, risk_db_unit_get, risk_db_unit_delete, "risk.unit.delete",
			       "risk_unit", "enterprise_id", "name",
			       "the unit still has risk points");
}

/* Parses ?enterprise_id= into f (0 when absent). */
static void enterprise_filter(struct req *rq, struct risk_filter *f, struct field_errors *fe)
{
	const char *v = req_query(rq, "enterprise_id");

	if (v && (parse_i64(v, &f->enterprise_id) < 0 || f->enterprise_id < 1))
		field_errors_add(fe, "enterprise_id", "must be a positive integer");
}

static int unit_list(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = { "enterprise_id", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct risk_filter f = { 0 };
	char pre[16], end[16];
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, id_sorts, filters, &lp, &fe);
	enterprise_filter(rq, &f, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	risk_api_scope(rq, &f, pre, end);
	rc = risk_db_unit_list(rq->db, &f, &lp, &items);
	return rc < 0 ? rc : resp_json(rs, 200, list_page(json_strip_private(items), &lp));
}

/* ------------------------------------------------------------ points */

static const struct json_field point_fields[] = {
	{ "unit_id", JF_INT, JF_REQUIRED, 0, 1, INT64_MAX },
	{ "kind", JF_STRING, JF_REQUIRED, 20, 0, 0 },
	{ "name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "location", JF_STRING, 0, 200, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field point_patch_fields[] = {
	{ "kind", JF_STRING, 0, 20, 0, 0 },
	{ "name", JF_STRING, 0, 100, 0, 0 },
	{ "location", JF_STRING, 0, 200, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int point_get_row(struct req *rq, int64_t id, json_t **row)
{
	char today[16];

	risk_api_today(rq, today);
	return risk_db_point_get(rq->db, id, today, row);
}

/* enterprise_api_load_row() for points (their rows need today). */
int risk_api_point_load(struct req *rq, json_t **row)
{
	int64_t id;
	int rc;

	*row = NULL;
	if (req_param_id(rq, "id", &id) < 0)
		return ERR_INVALID;
	rc = point_get_row(rq, id, row);
	if (rc == 0 && !enterprise_api_row_in_scope(rq, *row)) {
		json_decref(*row);
		*row = NULL;
		rc = ERR_NOT_FOUND;
	}
	return rc;
}

static int point_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *unit = NULL, *row = NULL;
	int64_t id = 0, eid = 0, uid;
	int rc;

	if (json_check(rq->body, point_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	uid = json_i64(rq->body, "unit_id", 0);
	rc = risk_db_unit_get(rq->db, uid, &unit);
	if (rc == ERR_NOT_FOUND || (rc == 0 && !enterprise_api_row_in_scope(rq, unit)))
		field_errors_add(&fe, "unit_id", "is not a unit you can see");
	else if (rc < 0)
		return rc;
	else
		eid = json_i64(unit, "enterprise_id", 0);
	json_decref(unit);
	risk_api_check_enum(rq->body, "kind", kinds, &fe);
	risk_api_check_name(rq->body, &fe);
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_point_insert(rq->db, eid, uid, rq->body, risk_api_now(rq), &id);
	if (rc == 0)
		rc = audit_record(rq, "risk.point.create", "risk_point", id,
				  json_pack("{s:I, s:I, s:s}", "enterprise_id", (json_int_t)eid,
					    "unit_id", (json_int_t)uid, "name",
					    json_str(rq->body, "name")));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_invalid1(rs, "name", "is already the name of a point of the unit");
	if (rc == 0)
		rc = point_get_row(rq, id, &row);
	return rc < 0 ? rc : risk_api_reply(rs, 201, row);
}

static int point_get(struct req *rq, struct resp *rs)
{
	json_t *row = NULL, *sources = NULL;
	int rc = risk_api_point_load(rq, &row);

	if (rc == 0)
		rc = risk_db_point_sources(rq->db, json_i64(row, "id", 0), &sources);
	if (rc < 0) {
		json_decref(row);
		return rc;
	}
	json_object_set_new(row, "sources", sources);
	return risk_api_reply(rs, 200, row);
}

static int point_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL, *m = NULL, *after = NULL;
	int64_t id;
	int rc = risk_api_point_load(rq, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	if (json_check(rq->body, point_patch_fields, &fe) == 0) {
		m = risk_api_merged(row, rq->body);
		risk_api_check_enum(m, "kind", kinds, &fe);
		risk_api_check_name(m, &fe);
	}
	if (fe.n) {
		json_decref(row);
		json_decref(m);
		return resp_invalid(rs, &fe);
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_point_update(rq->db, id, m, risk_api_now(rq));
	if (rc == 0)
		rc = point_get_row(rq, id, &after);
	if (rc == 0)
		rc = audit_record(rq, "risk.point.update", "risk_point", id,
				  risk_api_changes(row, after));
	rc = db_finish(rq->db, rc);
	json_decref(row);
	json_decref(m);
	if (rc < 0) {
		json_decref(after);
		return rc == ERR_CONFLICT ? resp_invalid1(rs, "name",
							  "is already the name of a point of the "
							  "unit")
					  : rc;
	}
	return risk_api_reply(rs, 200, after);
}

static int point_delete(struct req *rq, struct resp *rs)
{
	json_t *row = NULL;
	int64_t id, eid, uid;
	int rc = risk_api_point_load(rq, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	eid = json_i64(row, "enterprise_id", 0);
	uid = json_i64(row, "unit_id", 0);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_point_delete(rq->db, id);
	if (rc == 0)
		rc = risk_db_regrade(rq->db, eid, uid, 0, risk_api_now(rq));
	if (rc == 0)
		rc = audit_record(rq, "risk.point.delete", "risk_point", id,
				  json_pack("{s:I, s:s}", "enterprise_id", (json_int_t)eid, "name",
					    json_str(row, "name")));
	rc = db_finish(rq->db, rc);
	json_decref(row);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL, "the point still has danger sources", NULL);
	return rc < 0 ? rc : resp_no_content(rs);
}

static int point_list(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = { "enterprise_id", "unit_id", "grade", "region",
					       "reassess",	"q",	   NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct risk_filter f = { 0 };
	char pre[16], end[16], rpre[16], rend[16], today[16], due[16];
	char *like = NULL;
	const char *v;
	json_t *items = NULL;
	int64_t n;
	int rc;

	list_params_parse(rq, id_sorts, filters, &lp, &fe);
	enterprise_filter(rq, &f, &fe);
	if ((v = req_query(rq, "unit_id")) && (parse_i64(v, &f.unit_id) < 0 || f.unit_id < 1))
		field_errors_add(&fe, "unit_id", "must be a positive integer");
	if ((v = req_query(rq, "grade"))) {
		if (parse_i64(v, &n) < 0 || n < 1 || n > 4)
			field_errors_add(&fe, "grade", "must be 1, 2, 3 or 4");
		else
			f.grade = (int)n;
	}
	f.region_prefix = req_query_region(rq, "region", rpre, sizeof(rpre), &fe);
	if (f.region_prefix) {
		if (!enterprise_code_prefix_end(rpre, rend, sizeof(rend)))
			snprintf(rend, sizeof(rend), "%s", rpre);
		f.region_prefix_end = rend;
	}
	risk_api_today(rq, today);
	f.today = today;
	if ((v = req_query(rq, "reassess"))) {
		int64_t t = today_local(rq->app->cfg.fake_now_ms);

		if (strcmp(v, "overdue") == 0)
			date_format(t, due, sizeof(due));
		else if (strcmp(v, "due_30") == 0)
			date_format(t + 30, due, sizeof(due));
		else
			field_errors_add(&fe, "reassess", "must be overdue or due_30");
		f.due_before = due;
	}
	if ((v = req_query(rq, "q"))) {
		if (v[0] == '\0' || utf8_len(v) > 100)
			field_errors_add(&fe, "q", "must be 1 to 100 characters");
		like = db_like_contains(v);
		f.q_like = like;
	}
	if (fe.n) {
		free(like);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	risk_api_scope(rq, &f, pre, end);
	rc = risk_db_point_list(rq->db, &f, &lp, &items);
	free(like);
	return rc < 0 ? rc : resp_json(rs, 200, list_page(json_strip_private(items), &lp));
}

static int point_assessments(struct req *rq, struct resp *rs)
{
	json_t *row = NULL, *items = NULL;
	int rc = risk_api_point_load(rq, &row);

	if (rc == 0)
		rc = risk_db_point_assessments(rq->db, json_i64(row, "id", 0), &items);
	json_decref(row);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

/* ------------------------------------------------------------ reference data */

static int tables(struct req *rq, struct resp *rs)
{
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	json_t *items = NULL;
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = risk_db_tables(rq->db, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200,
			 json_pack("{s:{s:s, s:s}, s:o, s:o}", "in_force", "lec",
				   cfg->risk_lec_table, "ls", cfg->risk_ls_table, "industry",
				   risk_db_industry_tables_json(rq->db), "items", items));
}

static int accident_types(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *items = NULL;
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = risk_db_accident_types(rq->db, &items);
	return rc < 0 ? rc : resp_json(rs, 200, json_pack("{s:o}", "items", items));
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

const struct route risk_routes[] = {
	R(HTTP_GET, "/api/v1/risk/units", unit_list, PERM_RISK_READ,
	  "risk units in your scope (?enterprise_id=, limit, after, sort=id|-id)"),
	W(HTTP_POST, "/api/v1/risk/units", unit_create,
	  "create a risk unit {enterprise_id (officers: own by default), kind, name, code?, "
	  "description?, polygon?}"),
	R(HTTP_GET, "/api/v1/risk/units/{id}", unit_get, PERM_RISK_READ,
	  "a risk unit in your scope, else 404"),
	W(HTTP_PATCH, "/api/v1/risk/units/{id}", unit_patch,
	  "change a unit (kind, name, code, description, polygon: 3..500 [x, y] within the site "
	  "plan)"),
	R(HTTP_DELETE, "/api/v1/risk/units/{id}", unit_delete, PERM_RISK_WRITE,
	  "delete a unit (409 while it has points)"),
	R(HTTP_GET, "/api/v1/risk/points", point_list, PERM_RISK_READ,
	  "risk points in your scope (filters enterprise_id, unit_id, grade, region, "
	  "reassess=overdue|due_30, q)"),
	W(HTTP_POST, "/api/v1/risk/points", point_create,
	  "create a risk point {unit_id, kind, name, location?}"),
	R(HTTP_GET, "/api/v1/risk/points/{id}", point_get, PERM_RISK_READ,
	  "a risk point with its danger sources, their latest assessments and measures"),
	W(HTTP_PATCH, "/api/v1/risk/points/{id}", point_patch,
	  "change a point (kind, name, location)"),
	R(HTTP_DELETE, "/api/v1/risk/points/{id}", point_delete, PERM_RISK_WRITE,
	  "delete a point (409 while it has danger sources)"),
	R(HTTP_GET, "/api/v1/risk/points/{id}/assessments", point_assessments, PERM_RISK_READ,
	  "every assessment of the point's danger sources, newest first"),
	R(HTTP_GET, "/api/v1/risk/tables", tables, PERM_RISK_READ,
	  "the grading tables in force (settings risk.lec_table / risk.ls_table), the "
	  "per-industry ones and every loaded table"),
	R(HTTP_GET, "/api/v1/risk/accident-types", accident_types, PERM_RISK_READ,
	  "GB 6441-2025's 27 accident types {number, name, standard, code}"),
	{ 0 },
};
