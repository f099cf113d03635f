/* SPDX-License-Identifier: MIT */
/*
 * The regulator's risk views (issue 5 §6, docs/risk.md "Regulator views"): counts per
 * grade by region, grade or industry; the major-risk list (重大风险清单) and the points due
 * for reassessment, with their Excel/CSV exports; the enterprises with their risk grades
 * (and export); one enterprise's dual-prevention data export. Every route needs risk.read
 * and reads inside the caller's data scope (region prefix, own grids, own enterprise, on
 * the enterprise's region, grid and credit code); a single enterprise outside it is 404.
 * Read-only: nothing here writes.
 */
#define LOG_MODULE "risk"
#include "risk/risk_views_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "hazard/hazard_lists.h"
#include "http/req.h"
#include "report/table.h"
#include "risk/risk.h"
#include "risk/risk_views.h"
#include "core/banned.h"

/* ------------------------------------------------------------ scope and dates */

/* The local day of the date rules: fake.now_ms in tests, else the clock. */
static int64_t rule_today(const struct req *rq)
{
	return today_local(rq->app->cfg.fake_now_ms);
}

/* Room for the filter's own texts. */
struct fbufs {
	char scope[16], region[16], today[16];
};

/*
 * Fills f from the scope and the query: region (a division code), enterprise_id (when
 * with_enterprise), grade (when with_grade: 1..4 or none). Bad values go into fe.
 */
static void filter_from_query(struct req *rq, struct risk_views_filter *f, struct fbufs *b,
			      bool with_enterprise, bool with_grade, struct field_errors *fe)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	scope_bounds_of(&rq->user->scope, rq->user->user_id, b->scope, sizeof(b->scope), &f->scope);
	if ((f->region = req_query_region(rq, "region", b->region, sizeof(b->region), fe)) != NULL)
		scope_prefix_end(f->region, f->region_end, sizeof(f->region_end));
	if (with_enterprise && (v = req_query(rq, "enterprise_id")) != NULL &&
	    (parse_i64(v, &f->enterprise_id) < 0 || f->enterprise_id < 1))
		field_errors_add(fe, "enterprise_id", "must be an enterprise id");
	if (with_grade && (v = req_query(rq, "grade")) != NULL) {
		if (strcmp(v, "none") == 0)
			f->grade = -1;
		else if (strlen(v) == 1 && v[0] >= '1' && v[0] <= '4')
			f->grade = v[0] - '0';
		else
			field_errors_add(fe, "grade", "must be 1, 2, 3, 4 or none");
	}
	date_format(rule_today(rq), b->today, sizeof(b->today));
	f->today = b->today;
}

/* ------------------------------------------------------------ derived fields */

/* Returns: static Chinese name of a control level ("" for none). */
static const char *level_zh(enum risk_control_level l)
{
	switch (l) {
	case RISK_LEVEL_COMPANY:
		return "公司级";
	case RISK_LEVEL_DEPARTMENT:
		return "部门级";
	case RISK_LEVEL_TEAM:
		return "班组级";
	case RISK_LEVEL_POST:
		return "岗位级";
	default:
		return "";
	}
}

/* Adds colour and grade_name (null when not graded) after o's grade. */
static void grade_fields(json_t *o)
{
	json_t *g = json_object_get(o, "grade");
	enum risk_grade grade = json_is_integer(g) ? (enum risk_grade)json_integer_value(g)
						   : RISK_GRADE_NONE;

	if (grade >= RISK_RED && grade <= RISK_BLUE) {
		json_object_set_new(o, "colour", json_string(risk_grade_colour(grade)));
		json_object_set_new(o, "grade_name", json_string(risk_grade_name_zh(grade)));
	} else {
		json_object_set_new(o, "colour", json_null());
		json_object_set_new(o, "grade_name", json_null());
	}
}

/* Adds what a point item derives: grade words, control_level, overdue flags, reason. */
static void point_fields(json_t *o, int64_t today)
{
	json_t *g = json_object_get(o, "grade");
	const char *due = json_str(o, "reassess_due");
	int64_t due_day = 0;
	bool overdue = due && date_parse(due, &due_day) == 0 && today >= due_day;
	enum risk_control_level lv =
		json_is_integer(g)
			? risk_grade_control_level((enum risk_grade)json_integer_value(g))
			: RISK_LEVEL_NONE;

	grade_fields(o);
	json_object_set_new(o, "control_level",
			    lv == RISK_LEVEL_NONE ? json_null()
						  : json_string(risk_control_level_name(lv)));
	json_object_set_new(o, "reassess_overdue", json_boolean(overdue));
	json_object_set_new(o, "days_overdue",
			    overdue ? json_integer(today - due_day) : json_null());
	json_object_set_new(o, "reason",
			    json_string(overdue					   ? "overdue"
					: json_i64(o, "unassessed_sources", 0) > 0 ? "unassessed"
										   : "none"));
}

/* ------------------------------------------------------------ statistics */

static int stats(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "by", "region", NULL };
	struct field_errors fe = { 0 };
	struct risk_views_filter f;
	struct fbufs b;
	enum risk_stats_by by = RISK_BY_REGION;
	const char *pad = "";
	size_t key_len = 0;
	json_t *items = NULL, *total, *it;
	int64_t sums[9] = { 0 };
	static const char *const ekeys[] = { "red", "orange", "yellow", "blue", "none" };
	size_t i;
	int rc;

	query_params_check(rq, allowed, &fe);
	if (req_query(rq, "by") == NULL)
		field_errors_add(&fe, "by", "is required: region, grade or industry");
	else if (risk_stats_by_parse(req_query(rq, "by"), &by) < 0)
		field_errors_add(&fe, "by", "must be region, grade or industry");
	filter_from_query(rq, &f, &b, false, false, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (by == RISK_BY_REGION) {
		/* One level below the region asked for, or below the caller's region. */
		size_t p = f.region	    ? strlen(f.region)
			   : f.scope.prefix ? strlen(f.scope.prefix)
					    : 0;

		if (hazard_stats_region_key(p, &key_len, &pad) < 0)
			return ERR_INTERNAL;
	}
	rc = risk_views_db_stats(rq->db, by, &f, key_len, pad, &items);
	if (rc < 0)
		return rc;
	json_array_foreach(items, i, it) {
		json_t *e = json_object_get(it, "enterprises"), *p = json_object_get(it, "points");

		for (int k = 0; k < 5; k++)
			sums[k] += json_i64(e, ekeys[k], 0);
		for (int k = 0; k < 4; k++)
			sums[5 + k] += json_i64(p, ekeys[k], 0);
		if (by == RISK_BY_GRADE) {
			json_t *key = json_object_get(it, "key");

			json_object_set_new(
				it, "name",
				json_is_integer(key)
					? json_string(risk_grade_name_zh(
						  (enum risk_grade)json_integer_value(key)))
					: json_string("未评估"));
			json_object_set_new(
				it, "colour",
				json_is_integer(key)
					? json_string(risk_grade_colour(
						  (enum risk_grade)json_integer_value(key)))
					: json_null());
		}
	}
	total = json_pack("{s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}}", "enterprises",
			  "red", (json_int_t)sums[0], "orange", (json_int_t)sums[1], "yellow",
			  (json_int_t)sums[2], "blue", (json_int_t)sums[3], "none",
			  (json_int_t)sums[4], "points", "red", (json_int_t)sums[5], "orange",
			  (json_int_t)sums[6], "yellow", (json_int_t)sums[7], "blue",
			  (json_int_t)sums[8]);
	return resp_json(rs, 200,
			 json_pack("{s:s, s:s, s:o, s:o}", "by", req_query(rq, "by"), "today",
				   f.today, "items", items, "total", total));
}

/* ------------------------------------------------------------ point lists */

static const char *const point_filters[] = { "region", "enterprise_id", NULL };

struct page_ctx {
	int64_t today;
	json_t *items;
	bool enterprises;
};

static int page_row(json_t *item, void *arg)
{
	struct page_ctx *c = arg;

	if (c->enterprises)
		grade_fields(item);
	else
		point_fields(item, c->today);
	json_array_append_new(c->items, item);
	return 0;
}

static int point_list(struct req *rq, struct resp *rs, enum risk_point_list list)
{
	struct risk_views_filter f;
	struct fbufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct page_ctx c = { rule_today(rq), NULL, false };
	int rc;

	list_params_parse(rq, risk_point_list_sorts[list], point_filters, &lp, &fe);
	filter_from_query(rq, &f, &b, true, false, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	c.items = json_array();
	rc = risk_views_db_points(rq->db, list, &f, &lp, page_row, &c);
	if (rc < 0) {
		json_decref(c.items);
		return rc;
	}
	return resp_json(rs, 200, list_page(c.items, &lp));
}

static int major_list(struct req *rq, struct resp *rs)
{
	return point_list(rq, rs, RISK_LIST_MAJOR);
}

static int reassess_list(struct req *rq, struct resp *rs)
{
	return point_list(rq, rs, RISK_LIST_REASSESS);
}

static const char *const enterprise_filters[] = { "region", "grade", NULL };

static int enterprise_list(struct req *rq, struct resp *rs)
{
	struct risk_views_filter f;
	struct fbufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct page_ctx c = { rule_today(rq), NULL, true };
	int rc;

	list_params_parse(rq, risk_enterprise_sorts, enterprise_filters, &lp, &fe);
	filter_from_query(rq, &f, &b, false, true, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	c.items = json_array();
	rc = risk_views_db_enterprises(rq->db, &f, &lp, page_row, &c);
	if (rc < 0) {
		json_decref(c.items);
		return rc;
	}
	return resp_json(rs, 200, list_page(c.items, &lp));
}

/* ------------------------------------------------------------ exports */

/* A column: the item's key and the Chinese header. */
struct xcol {
	const char *key, *zh;
};

enum xkind { X_MAJOR = 0, X_REASSESS, X_ENTERPRISES };

static const struct xcol xcols[3][16] = {
	[X_MAJOR] = { { "enterprise_name", "企业名称" },
		      { "uscc", "统一社会信用代码" },
		      { "unit_name", "风险分析单元" },
		      { "name", "风险点" },
		      { "location", "位置" },
		      { "grade_name", "风险等级" },
		      { "colour_zh", "风险颜色" },
		      { "control_level_zh", "管控层级" },
		      { "last_assessed_day", "最近评估日期" },
		      { "reassess_due", "应复评日期" },
		      { "source_count", "危险源数" },
		      { "measure_count", "管控措施数" },
		      { NULL, NULL } },
	[X_REASSESS] = { { "enterprise_name", "企业名称" },
			 { "uscc", "统一社会信用代码" },
			 { "unit_name", "风险分析单元" },
			 { "name", "风险点" },
			 { "grade_name", "风险等级" },
			 { "last_assessed_day", "最近评估日期" },
			 { "reassess_due", "应复评日期" },
			 { "days_overdue", "逾期天数" },
			 { "reason_zh", "原因" },
			 { "unassessed_sources", "未评估危险源数" },
			 { NULL, NULL } },
	[X_ENTERPRISES] = { { "enterprise_name", "企业名称" },
			    { "uscc", "统一社会信用代码" },
			    { "region_name", "行政区划" },
			    { "industry_code", "行业代码" },
			    { "grade_name", "企业风险等级" },
			    { "red", "重大风险点" },
			    { "orange", "较大风险点" },
			    { "yellow", "一般风险点" },
			    { "blue", "低风险点" },
			    { "units", "风险分析单元数" },
			    { "points", "风险点数" },
			    { "reassess_due_points", "待复评风险点数" },
			    { NULL, NULL } },
};

static const char *const sheet_names[3] = { "重大风险清单", "待复评风险点", "企业风险等级" };
static const char *const file_names[3] = { "risk-major", "risk-reassess", "risk-enterprises" };

struct export_ctx {
	enum xkind kind;
	int64_t today;
	struct table_writer *w;
};

/* The Chinese words the file shows for the codes (the API keeps the codes). */
static void words(json_t *o, enum xkind kind)
{
	json_t *g = json_object_get(o, "grade");
	enum risk_grade grade = json_is_integer(g) ? (enum risk_grade)json_integer_value(g)
						   : RISK_GRADE_NONE;
	const char *reason = json_str(o, "reason");

	if (kind == X_ENTERPRISES && grade == RISK_GRADE_NONE)
		json_object_set_new(o, "grade_name", json_string("未评估"));
	if (grade != RISK_GRADE_NONE) {
		json_object_set_new(o, "colour_zh", json_string(risk_grade_colour_zh(grade)));
		json_object_set_new(o, "control_level_zh",
				    json_string(level_zh(risk_grade_control_level(grade))));
	}
	if (reason)
		json_object_set_new(o, "reason_zh",
				    json_string(strcmp(reason, "overdue") == 0 ? "逾期未复评"
						: strcmp(reason, "unassessed") == 0 ? "危险源未评估"
										    : ""));
}

static int export_row(json_t *item, void *arg)
{
	struct export_ctx *x = arg;
	const struct xcol *cols = xcols[x->kind];
	char *cells[16] = { 0 };
	size_t n = 0;

	if (x->kind == X_ENTERPRISES)
		grade_fields(item);
	else
		point_fields(item, x->today);
	words(item, x->kind);
	for (; cols[n].key; n++) {
		json_t *v = json_object_get(item, cols[n].key);

		if (json_is_string(v))
			cells[n] = xstrdup(json_string_value(v));
		else if (json_is_integer(v)) {
			char num[24];

			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			cells[n] = xstrdup(num);
		} else
			cells[n] = xstrdup("");
	}
	table_writer_row(x->w, (const char *const *)cells, n);
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	json_decref(item);
	return 0;
}

static int export_file(struct req *rq, struct resp *rs, enum xkind kind)
{
	const char *filters[8];
	const char *header[16];
	const char *const *own = kind == X_ENTERPRISES ? enterprise_filters : point_filters;
	struct risk_views_filter f;
	struct fbufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct export_ctx x = { kind, rule_today(rq), NULL };
	enum table_format fmt = TABLE_XLSX;
	const char *v;
	char *data = NULL, disp[128];
	size_t len = 0, nf = 0, nh = 0;
	int fd = -1, rc;

	for (; own[nf]; nf++)
		filters[nf] = own[nf];
	filters[nf++] = "format";
	filters[nf] = NULL;
	list_params_parse(rq,
			  kind == X_ENTERPRISES
				  ? risk_enterprise_sorts
				  : risk_point_list_sorts[kind == X_MAJOR ? RISK_LIST_MAJOR
									  : RISK_LIST_REASSESS],
			  filters, &lp, &fe);
	if (req_query(rq, "limit") || req_query(rq, "after"))
		field_errors_add(&fe, req_query(rq, "limit") ? "limit" : "after",
				 "the export is not paged");
	filter_from_query(rq, &f, &b, kind != X_ENTERPRISES, kind == X_ENTERPRISES, &fe);
	if ((v = req_query(rq, "format")) != NULL) {
		if (strcmp(v, "csv") == 0)
			fmt = TABLE_CSV;
		else if (strcmp(v, "xlsx") != 0)
			field_errors_add(&fe, "format", "must be xlsx or csv");
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	x.w = table_writer_new(fmt, sheet_names[kind], NULL);
	if (x.w == NULL)
		return ERR_IO;
	for (; xcols[kind][nh].key; nh++)
		header[nh] = xcols[kind][nh].zh;
	table_writer_row(x.w, header, nh);
	lp.after = 0;
	lp.limit = INT64_MAX / 2;   /* the whole filtered list */
	rc = db_begin_read(rq->db); /* one snapshot for the whole file */
	if (rc == 0)
		rc = kind == X_ENTERPRISES
			     ? risk_views_db_enterprises(rq->db, &f, &lp, export_row, &x)
			     : risk_views_db_points(rq->db,
						    kind == X_MAJOR ? RISK_LIST_MAJOR
								    : RISK_LIST_REASSESS,
						    &f, &lp, export_row, &x);
	db_rollback(rq->db);
	if (rc < 0) {
		table_writer_free(x.w);
		return rc;
	}
	rc = table_writer_finish(x.w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	snprintf(disp, sizeof(disp), "%s-%s.%s", file_names[kind], f.today,
		 fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, disp,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
}

static int major_export(struct req *rq, struct resp *rs)
{
	return export_file(rq, rs, X_MAJOR);
}

static int reassess_export(struct req *rq, struct resp *rs)
{
	return export_file(rq, rs, X_REASSESS);
}

static int enterprise_export(struct req *rq, struct resp *rs)
{
	return export_file(rq, rs, X_ENTERPRISES);
}

/* ------------------------------------------------------------ dual-prevention export */

static int dual_prevention(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct risk_views_enterprise e;
	json_t *units = NULL, *points = NULL, *sources = NULL, *measures = NULL, *items = NULL;
	json_t *doc;
	char *text, name[96], day[16];
	/* the rule clock (fake.now_ms in tests), as the lists' file names */
	int64_t id, now = config_now_ms(&rq->app->cfg);
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the enterprise id must be a positive integer",
				    NULL);
	rc = db_begin_read(rq->db); /* one snapshot for the whole file */
	if (rc < 0)
		return rc;
	rc = risk_views_db_enterprise(rq->db, id, &e);
	if (rc == 0 && !scope_has_row(&rq->user->scope, e.region_code, e.grid_id, e.uscc))
		rc = ERR_NOT_FOUND;
	if (rc == 0)
		rc = risk_views_db_export_rows(rq->db, id, &units, &points, &sources, &measures,
					       &items);
	db_rollback(rq->db);
	if (rc == ERR_NOT_FOUND)
		return resp_problem(rs, 404, NULL, "no enterprise with this id in your data scope",
				    NULL);
	if (rc < 0)
		return rc;
	doc = risk_export_dual_prevention(&e, units, points, sources, measures, items, now);
	json_decref(units);
	json_decref(points);
	json_decref(sources);
	json_decref(measures);
	json_decref(items);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (text == NULL)
		return ERR_INTERNAL;
	date_format(local_day(now), day, sizeof(day));
	/* YYYYMMDD: the date without its dashes. */
	snprintf(name, sizeof(name), "dual-prevention-%s-%.4s%.2s%.2s.json", e.uscc, day, day + 5,
		 day + 8);
	return resp_attachment(rs, name, "application/json; charset=utf-8", text, strlen(text), -1);
}

/* ------------------------------------------------------------ routes */

const struct route risk_views_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/stats",
	  .handler = stats,
	  .perm = PERM_RISK_READ,
	  .summary = "enterprises and graded points per grade in your scope, ?by=region, grade or "
		     "industry, filter region: {by, today, items [{key, name, enterprises {red, "
		     "orange, yellow, blue, none}, points {red, orange, yellow, blue}}], total}" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/lists/major",
	  .handler = major_list,
	  .perm = PERM_RISK_READ,
	  .summary =
		  "the major-risk list (重大风险清单): red points in your scope; filters region, "
		  "enterprise_id; sort id, enterprise_id" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/lists/major/export",
	  .handler = major_export,
	  .perm = PERM_RISK_READ,
	  .summary = "the major-risk list as a file, ?format=xlsx (default) or csv, Chinese "
		     "headers; the list's filters" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/lists/reassess",
	  .handler = reassess_list,
	  .perm = PERM_RISK_READ,
	  .summary = "points due for reassessment (reassess_due on or before today, UTC+8) or "
		     "with a danger source never assessed, in your scope; filters region, "
		     "enterprise_id" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/lists/reassess/export",
	  .handler = reassess_export,
	  .perm = PERM_RISK_READ,
	  .summary = "the reassessment list as a file, ?format=xlsx (default) or csv" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/enterprises",
	  .handler = enterprise_list,
	  .perm = PERM_RISK_READ,
	  .summary = "enterprises in your scope with their risk grade and points per grade; "
		     "filters region, grade (1..4 or none); sort id, name" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/enterprises/export",
	  .handler = enterprise_export,
	  .perm = PERM_RISK_READ,
	  .summary = "the enterprises' risk grades as a file, ?format=xlsx (default) or csv" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/enterprises/{id}/dual-prevention-export",
	  .handler = dual_prevention,
	  .perm = PERM_RISK_READ,
	  .summary = "one enterprise's risk data as a JSON file in the dual-prevention exchange's "
		     "structure (risk object -> unit -> event -> measure -> check task, keyed by "
		     "the credit code; docs/risk.md)" },
	{ 0 },
};
