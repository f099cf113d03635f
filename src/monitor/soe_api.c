/* SPDX-License-Identifier: MIT */
/*
 * The sequence of events over HTTP (issue 6 §4; docs/monitoring.md "Operator API"): the
 * SOE list with its filters, paged by a cursor in SOE order (source_ms, seq, sub,
 * point_id), its export as XLSX or CSV with Chinese headers, and the one-action turn of
 * an alarm into a hidden hazard (hazard_report_in_tx, source self_check, one hazard per
 * SOE row). Scope as in point_api.c: rows carry their enterprise.
 */
#define LOG_MODULE "monitor"
#include "monitor/point_api.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise_api.h"
#include "enterprise/enterprise.h"
#include "hazard/hazard.h"
#include "hazard/hazard_api.h"
#include "monitor/alarm_names.h"
#include "monitor/point_db.h"
#include "report/table.h"
#include "core/banned.h"

static const char *const soe_sorts[] = { "time", NULL };
static const char *const causes[] = { "reading", "tick", "action", NULL };
#define SOE_FILTERS \
	"enterprise_id", "point_id", "from_ms", "to_ms", "cause", "to_state", "to_cond", "order"

/* A query argument as a non-negative int64 (instants), else an error in fe. */
static bool query_ms(struct req *rq, const char *name, int64_t *out, struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	if (v == NULL)
		return false;
	if (parse_i64(v, out) < 0 || *out < 0) {
		field_errors_add(fe, name, "must be an instant in UTC ms");
		return false;
	}
	return true;
}

/* The SOE filters of the query into f (scope included). */
static void soe_filter_parse(struct req *rq, struct soe_filter *f, char pre[16], char end[16],
			     struct field_errors *fe)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	f->to_state = -1;
	f->to_cond = -1;
	point_api_query_id(rq, "enterprise_id", &f->pf.enterprise_id, fe);
	point_api_query_id(rq, "point_id", &f->point_id, fe);
	f->has_from = query_ms(rq, "from_ms", &f->from_ms, fe);
	f->has_to = query_ms(rq, "to_ms", &f->to_ms, fe);
	if (f->has_from && f->has_to && f->from_ms >= f->to_ms)
		field_errors_add(fe, "from_ms", "must be before to_ms");
	if ((v = req_query(rq, "cause"))) {
		if (!str_one_of(v, causes))
			field_errors_add(fe, "cause", "must be one of: reading, tick, action");
		f->cause = v;
	}
	if ((v = req_query(rq, "to_state")) && alarm_state_parse(v, &f->to_state) < 0)
		field_errors_add(fe, "to_state",
				 "must be one of: normal, unack, acked, rtn_unack, shelved, "
				 "suppressed, out_of_service");
	if ((v = req_query(rq, "to_cond")) && alarm_cond_parse(v, &f->to_cond) < 0)
		field_errors_add(fe, "to_cond",
				 "must be one of: normal, high1, high2, low1, low2, fault, "
				 "comms_loss");
	v = req_query(rq, "order");
	if (v && strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0)
		field_errors_add(fe, "order", "must be asc or desc");
	f->asc = v && strcmp(v, "asc") == 0;
	point_api_scope(rq, &f->pf, pre, end);
}

static int soe_list(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = { SOE_FILTERS, NULL };
	struct field_errors fe = { 0 };
	struct soe_filter f;
	struct list_params lp;
	char pre[16], end[16];
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, soe_sorts, filters, &lp, &fe);
	if (req_query(rq, "sort"))
		field_errors_add(&fe, "sort", "the SOE is in its own order: use order=asc|desc");
	soe_filter_parse(rq, &f, pre, end, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = point_db_soe_list(rq->db, &f, &lp, &items);
	return rc < 0 ? rc : resp_json(rs, 200, list_page(json_strip_private(items), &lp));
}

/* "YYYY-MM-DD HH:MM:SS.mmm" of instant ms in UTC+8 (the county's local time). */
static void local_time(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)((ms - ((ms % 1000) + 1000) % 1000) / 1000) + 8 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(((ms % 1000) + 1000) % 1000));
}

static const char *const action_zh[][2] = {
	{ "acknowledge", "确认" },	 { "shelve", "搁置" },	       { "unshelve", "解除搁置" },
	{ "suppress", "抑制" },		 { "unsuppress", "解除抑制" }, { "out_of_service", "停用" },
	{ "return_to_service", "恢复" },
};

static const char *cause_zh(const char *c)
{
	return strcmp(c, "reading") == 0 ? "读数" : strcmp(c, "tick") == 0 ? "时钟" : "操作";
}

#define SOE_EXPORT_MAX 200000 /* rows of one file; docs/monitoring.md */

static int soe_export(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = { SOE_FILTERS, "format", NULL };
	static const char *const header[] = { "时间",	"企业",	  "位号",   "点位名称",
					      "数值",	"单位",	  "原状态", "新状态",
					      "原条件", "新条件", "原因",   "操作",
					      "搁置至", "操作人", "说明",   "隐患编号ID",
					      "序号" };
	struct field_errors fe = { 0 };
	struct soe_filter f;
	struct list_params lp;
	struct table_writer *w;
	enum table_format fmt = TABLE_XLSX;
	char pre[16], end[16], disp[96], when[40], until[40], value[40], hz[24], seq[48];
	char *data = NULL;
	const char *v;
	json_t *items = NULL, *it;
	size_t len = 0, i;
	int fd = -1, rc;

	list_params_parse(rq, soe_sorts, filters, &lp, &fe);
	if (req_query(rq, "limit") || req_query(rq, "after"))
		field_errors_add(&fe, req_query(rq, "limit") ? "limit" : "after",
				 "the export is not paged");
	if (req_query(rq, "sort"))
		field_errors_add(&fe, "sort", "the SOE is in its own order: use order=asc|desc");
	soe_filter_parse(rq, &f, pre, end, &fe);
	if ((v = req_query(rq, "format")) != NULL) {
		if (strcmp(v, "csv") == 0)
			fmt = TABLE_CSV;
		else if (strcmp(v, "xlsx") != 0)
			field_errors_add(&fe, "format", "must be xlsx or csv");
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	lp.after = 0;
	lp.limit = SOE_EXPORT_MAX;
	rc = point_db_soe_list(rq->db, &f, &lp, &items);
	if (rc < 0)
		return rc;
	w = table_writer_new(fmt, "报警事件序列", NULL);
	if (w == NULL) {
		json_decref(items);
		return ERR_IO;
	}
	table_writer_row(w, header, sizeof(header) / sizeof(header[0]));
	json_array_foreach(items, i, it) {
		const char *act = json_str(it, "action"), *act_text = "";
		const json_t *val = json_object_get(it, "value");
		const char *cells[17];

		if (i >= SOE_EXPORT_MAX)
			break;
		for (size_t k = 0; act && k < sizeof(action_zh) / sizeof(action_zh[0]); k++)
			if (strcmp(act, action_zh[k][0]) == 0)
				act_text = action_zh[k][1];
		local_time(json_i64(it, "source_ms", 0), when, sizeof(when));
		if (json_is_integer(json_object_get(it, "until_ms")))
			local_time(json_i64(it, "until_ms", 0), until, sizeof(until));
		else
			until[0] = '\0';
		if (json_is_number(val))
			snprintf(value, sizeof(value), "%.15g", json_number_value(val));
		else
			value[0] = '\0';
		if (json_is_integer(json_object_get(it, "hazard_id")))
			snprintf(hz, sizeof(hz), "%" PRId64, json_i64(it, "hazard_id", 0));
		else
			hz[0] = '\0';
		snprintf(seq, sizeof(seq), "%" PRId64 ".%" PRId64, json_i64(it, "seq", 0),
			 json_i64(it, "sub", 0));
		cells[0] = when;
		cells[1] = json_str(it, "enterprise_name");
		cells[2] = json_str(it, "tag");
		cells[3] = json_str(it, "point_name");
		cells[4] = value;
		cells[5] = json_str(it, "_unit");
		cells[6] = alarm_state_name_zh((int)json_i64(it, "_from_state", 0));
		cells[7] = alarm_state_name_zh((int)json_i64(it, "_to_state", 0));
		cells[8] = alarm_cond_name_zh((int)json_i64(it, "_from_cond", 0));
		cells[9] = alarm_cond_name_zh((int)json_i64(it, "_to_cond", 0));
		cells[10] = cause_zh(json_str(it, "cause"));
		cells[11] = act_text;
		cells[12] = until;
		cells[13] = json_str(it, "user_name");
		cells[14] = json_str(it, "comment");
		cells[15] = hz;
		cells[16] = seq;
		table_writer_row(w, cells, 17);
	}
	json_decref(items);
	rc = table_writer_finish(w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	date_format(today_local(rq->app->cfg.fake_now_ms), when, sizeof(when));
	snprintf(disp, sizeof(disp), "soe-%s.%s", when, fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, disp,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
}

/* ------------------------------------------------------------ alarm -> hazard */

static const struct json_field hazard_fields[] = {
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ "level", JF_STRING, 0, 8, 0, 0 },
	{ "criterion_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "criterion_text", JF_STRING, 0, 500, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static bool blank(const char *s)
{
	while (s && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++;
	return s == NULL || *s == '\0';
}

/*
 * The default description of the hazard an SOE row becomes: point, condition, value and
 * time in Chinese, "监测点 GT-101（1号罐区甲烷）二级报警(高)：数值 55 %LEL，时间 2026-11-30
 * 08:00:00.123（报警事件 12）" (the condition as alarm_cond_name_zh names it).
 */
static void default_description(const json_t *s, char *out, size_t n)
{
	char when[40], value[48];
	const json_t *v = json_object_get(s, "value");
	int cond = (int)json_i64(s, "_to_cond", 0);

	local_time(json_i64(s, "source_ms", 0), when, sizeof(when));
	if (json_is_number(v))
		snprintf(value, sizeof(value), "%.15g %s", json_number_value(v),
			 json_str(s, "_unit") ? json_str(s, "_unit") : "");
	else
		snprintf(value, sizeof(value), "无");
	snprintf(out, n, "监测点 %s（%s）%s：数值 %s，时间 %s（报警事件 %" PRId64 "）",
		 json_str(s, "tag") ? json_str(s, "tag") : "?",
		 json_str(s, "point_name") ? json_str(s, "point_name") : "",
		 alarm_cond_name_zh(cond), value, when, json_i64(s, "id", 0));
}

static int soe_hazard(struct req *rq, struct resp *rs)
{
	const json_t *body = rq->body;
	struct field_errors fe = { 0 };
	struct enterprise e;
	struct hazard_new hn;
	json_t *s = NULL;
	int64_t id, hazard_id = 0, today = today_local(rq->app->cfg.fake_now_ms);
	char number[HAZARD_NUMBER_MAX] = "", year[16], text[1024], where[240];
	int rc;

	if (!(rq->user->perms & PERM_HAZARD_REPORT))
		return resp_problem(rs, 403, NULL, "your role may not report hidden hazards", NULL);
	if (req_param_id(rq, "id", &id) < 0)
		return ERR_INVALID;
	rc = point_db_soe_get(rq->db, id, &s);
	if (rc == 0 && !enterprise_api_row_in_scope(rq, s))
		rc = ERR_NOT_FOUND;
	if (rc < 0) {
		json_decref(s);
		return rc;
	}
	enterprise_init(&e);
	if (json_check(body, hazard_fields, &fe) < 0) {
		rc = resp_invalid(rs, &fe);
		goto out;
	}
	if (json_is_integer(json_object_get(s, "hazard_id"))) {
		rc = resp_problem(rs, 409, NULL, "the alarm event is a hidden hazard already",
				  NULL);
		goto out;
	}
	rc = enterprise_db_get(rq->db, json_i64(s, "enterprise_id", 0), &e);
	if (rc < 0)
		goto out;
	memset(&hn, 0, sizeof(hn));
	if (json_has(body, "description") && blank(json_str(body, "description")))
		field_errors_add(&fe, "description",
				 "must not be blank (leave it out for the default)");
	default_description(s, text, sizeof(text));
	hn.description = json_has(body, "description") ? json_str(body, "description") : text;
	hn.level = json_str(body, "level") ? json_str(body, "level") : "general";
	if (strcmp(hn.level, "general") != 0 && strcmp(hn.level, "major") != 0)
		field_errors_add(&fe, "level", "must be general or major");
	else
		hazard_api_check_criterion(rq, hn.level, json_i64(body, "criterion_id", 0),
					   json_str(body, "criterion_text"), e.industry_code, &fe);
	if (fe.n) {
		field_errors_first_per_field(&fe);
		rc = resp_invalid(rs, &fe);
		goto out;
	}
	snprintf(where, sizeof(where), "监测点 %s %s", json_str(s, "tag") ? json_str(s, "tag") : "",
		 json_str(s, "point_name") ? json_str(s, "point_name") : "");
	hn.location = where;
	hn.enterprise_id = e.id;
	hn.region_code = e.region_code;
	hn.grid_id = e.grid_id;
	hn.industry_code = e.industry_code;
	hn.source = "self_check";
	hn.reporter_id = rq->user->user_id;
	hn.actor_login = rq->user->login;
	hn.category = "site";
	hn.subcategory = "监测报警";
	hn.criterion_id = json_i64(body, "criterion_id", 0);
	hn.criterion_text = json_str(body, "criterion_text");
	hn.found_ms = json_i64(s, "source_ms", 0);
	date_format(today, year, sizeof(year));
	hn.year = (year[0] - '0') * 1000 + (year[1] - '0') * 100 + (year[2] - '0') * 10 +
		  (year[3] - '0');
	hn.now_ms = point_api_now(rq);
	/* One transaction: the hazard (its event and audit), the link, the link's audit. */
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = hazard_report_in_tx(rq, &hn, NULL, &hazard_id, number);
	if (rc == 0)
		rc = point_db_alarm_hazard(rq->db, id, json_i64(s, "point_id", 0), hazard_id,
					   rq->user->user_id, point_api_now(rq));
	if (rc == 0)
		rc = audit_record(rq, "monitor.alarm.hazard", "soe", id,
				  json_pack("{s:I, s:I, s:s}", "point_id",
					    (json_int_t)json_i64(s, "point_id", 0), "hazard_id",
					    (json_int_t)hazard_id, "hazard_number", number));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT) {
		rc = resp_problem(rs, 409, NULL, "the alarm event is a hidden hazard already",
				  NULL);
		goto out;
	}
	if (rc < 0)
		goto out;
	log_info("soe %" PRId64 " reported as hazard %s by %s", id, number, rq->user->login);
	rc = resp_json(rs, 201,
		       json_pack("{s:I, s:s}", "hazard_id", (json_int_t)hazard_id, "number",
				 number));
out:
	enterprise_release(&e);
	json_decref(s);
	return rc;
}

const struct route soe_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/monitor/soe",
	  .handler = soe_list,
	  .perm = PERM_MONITOR_READ,
	  .summary = "the sequence of events in your scope, in SOE order (filters enterprise_id, "
		     "point_id, from_ms, to_ms, cause, to_state, to_cond; order=asc|desc "
		     "(desc); limit, after)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/monitor/soe/export",
	  .handler = soe_export,
	  .perm = PERM_MONITOR_READ,
	  .summary = "the filtered SOE as a file, ?format=xlsx (default) or csv, Chinese "
		     "headers" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/monitor/soe/{id}/hazard",
	  .handler = soe_hazard,
	  .perm = PERM_ALARM_OPERATE,
	  .flags = ROUTE_JSON_BODY,
	  .summary = "turn an alarm event into a hidden hazard {description?, level?, "
		     "criterion_id?, criterion_text?} (also needs hazard.report; 409 when it is "
		     "one already)" },
	{ 0 },
};
