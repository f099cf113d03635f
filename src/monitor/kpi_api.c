/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/monitor/kpi and /api/v1/monitor/kpi/export (issue 6 §7): the alarm-
 * management KPIs of kpi.h over the SOE rows of a period of local (UTC+8) days, for one
 * enterprise (?enterprise_id=), a region subtree (?region=, the county view) or the
 * whole scope, always inside the caller's data scope.
 *
 * Not for: the definitions (kpi.c) or the SQL (kpi_db.c).
 */
#define LOG_MODULE "kpi"
#include "monitor/kpi_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/util.h"
#include "monitor/kpi.h"
#include "monitor/kpi_db.h"
#include "report/table.h"
#include "core/banned.h"

#define DAY_MS 86400000LL

/* What one request asks for, parsed. */
struct kpi_query {
	struct kpi_filter f;
	char scope_buf[16], region_buf[16];
	int64_t from_day, to_day;
	int64_t from_ms, to_ms, now_ms;
	enum table_format fmt;
};

static int64_t day_start_ms(int64_t day)
{
	return day * DAY_MS - CLOCK_LOCAL_OFFSET_MS;
}

/* Parses the query; 0, or a problem already in rs (returns 0 with rs filled: *done). */
static int parse_query(struct req *rq, struct resp *rs, bool export, struct kpi_query *q,
		       bool *done)
{
	static const char *const allowed[] = { "enterprise_id", "region", "from_day", "to_day",
					       NULL };
	static const char *const allowed_x[] = { "enterprise_id", "region", "from_day",
						 "to_day",	  "format", NULL };
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	const char *v;
	int rc;

	*done = false;
	memset(q, 0, sizeof(*q));
	q->fmt = TABLE_XLSX;
	query_params_check(rq, export ? allowed_x : allowed, &fe);
	if ((v = req_query(rq, "enterprise_id")) != NULL &&
	    (parse_i64(v, &q->f.enterprise_id) < 0 || q->f.enterprise_id <= 0))
		field_errors_add(&fe, "enterprise_id", "must be a positive integer");
	q->f.region = req_query_region(rq, "region", q->region_buf, sizeof(q->region_buf), &fe);
	if (q->f.region && !scope_prefix_end(q->f.region, q->f.region_end, sizeof(q->f.region_end)))
		q->f.region = NULL;
	q->to_day = today_local(cfg->fake_now_ms);
	if ((v = req_query(rq, "to_day")) != NULL && date_parse(v, &q->to_day) < 0)
		field_errors_add(&fe, "to_day", "must be a date YYYY-MM-DD");
	q->from_day = q->to_day - 6;
	if ((v = req_query(rq, "from_day")) != NULL && date_parse(v, &q->from_day) < 0)
		field_errors_add(&fe, "from_day", "must be a date YYYY-MM-DD");
	if (fe.n == 0 && q->from_day > q->to_day)
		field_errors_add(&fe, "from_day", "is after to_day");
	if (fe.n == 0 && q->to_day - q->from_day + 1 > cfg->monitor_kpi_max_days)
		field_errors_add(&fe, "to_day",
				 "the period is longer than %d days "
				 "(monitor.kpi_max_days)",
				 cfg->monitor_kpi_max_days);
	if (export && (v = req_query(rq, "format")) != NULL) {
		if (strcmp(v, "csv") == 0)
			q->fmt = TABLE_CSV;
		else if (strcmp(v, "xlsx") != 0)
			field_errors_add(&fe, "format", "must be xlsx or csv");
	}
	if (fe.n) {
		*done = true;
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	q->from_ms = day_start_ms(q->from_day);
	q->to_ms = day_start_ms(q->to_day + 1);
	q->now_ms = config_now_ms(cfg);
	scope_bounds_of(&rq->user->scope, rq->user->user_id, q->scope_buf, sizeof(q->scope_buf),
			&q->f.scope);
	if (q->f.enterprise_id) {
		rc = kpi_db_enterprise_in_scope(rq->db, &q->f.scope, q->f.enterprise_id);
		if (rc == ERR_NOT_FOUND) {
			*done = true;
			return resp_problem(rs, 404, NULL,
					    "no enterprise with this id in your data scope", NULL);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void config_of(const struct config *cfg, struct kpi_config *c)
{
	kpi_config_defaults(c);
	c->flood_alarms = (size_t)cfg->monitor_kpi_flood_alarms;
	c->flood_window_ms = (int64_t)cfg->monitor_kpi_flood_window_min * 60000;
	c->chatter_alarms = (size_t)cfg->monitor_kpi_chatter_alarms;
	c->chatter_window_ms = (int64_t)cfg->monitor_kpi_chatter_window_s * 1000;
	c->standing_ms = (int64_t)cfg->monitor_kpi_standing_h * 3600000;
}

/* Reads the rows and computes. 0 with *r filled (kpi_result_release), or an err. */
static int compute(struct req *rq, const struct kpi_query *q, struct kpi_result *r)
{
	struct kpi_config c;
	struct kpi_soe *rows = NULL;
	size_t n = 0;
	int rc;

	config_of(&rq->app->cfg, &c);
	rc = db_begin_read(rq->db); /* one snapshot */
	if (rc < 0)
		return rc;
	rc = kpi_db_rows(rq->db, &q->f, q->from_ms, q->to_ms, &rows, &n);
	db_rollback(rq->db);
	if (rc == 0)
		rc = kpi_compute(&c, rows, n, q->from_ms, q->to_ms, q->now_ms, r);
	free(rows);
	return rc;
}

static json_t *point_json(struct req *rq, int64_t point_id)
{
	struct kpi_point_info pi;

	kpi_db_point(rq->db, point_id, &pi); /* a deleted point keeps its id, empty names */
	return json_pack("{s:I, s:s, s:s, s:I, s:s}", "point_id", (json_int_t)point_id, "tag",
			 pi.tag, "point_name", pi.name, "enterprise_id",
			 (json_int_t)pi.enterprise_id, "enterprise_name", pi.enterprise_name);
}

static json_t *result_json(struct req *rq, const struct kpi_query *q, const struct kpi_result *r)
{
	const struct config *cfg = &rq->app->cfg;
	json_t *days = json_array(), *floods = json_array(), *chat = json_array();
	json_t *standing = json_array(), *top = json_array();
	char d1[16], d2[16];

	for (size_t i = 0; i < r->ndays; i++) {
		char day[16];

		date_format(q->from_day + (int64_t)i, day, sizeof(day));
		json_array_append_new(days, json_pack("{s:s, s:I}", "day", day, "alarms",
						      (json_int_t)r->per_day[i]));
	}
	for (size_t i = 0; i < r->floods; i++)
		json_array_append_new(floods, json_pack("{s:I, s:I, s:I}", "start_ms",
							(json_int_t)r->flood[i].start_ms, "end_ms",
							(json_int_t)r->flood[i].end_ms, "alarms",
							(json_int_t)r->flood[i].alarms));
	for (size_t i = 0; i < r->nchattering; i++) {
		json_t *p = point_json(rq, r->chattering[i].point_id);

		json_object_set_new(p, "alarms", json_integer((json_int_t)r->chattering[i].alarms));
		json_object_set_new(p, "max_in_window",
				    json_integer((json_int_t)r->chattering[i].max_in_window));
		json_array_append_new(chat, p);
	}
	for (size_t i = 0; i < r->nstanding; i++) {
		json_t *p = point_json(rq, r->standing[i].point_id);

		json_object_set_new(p, "since_ms", json_integer(r->standing[i].since_ms));
		json_object_set_new(p, "until_ms",
				    r->standing[i].until_ms ? json_integer(r->standing[i].until_ms)
							    : json_null());
		json_object_set_new(p, "duration_ms", json_integer(r->standing[i].duration_ms));
		json_array_append_new(standing, p);
	}
	for (size_t i = 0; i < r->ntop; i++) {
		json_t *p = point_json(rq, r->top[i].point_id);

		json_object_set_new(p, "alarms", json_integer((json_int_t)r->top[i].alarms));
		json_object_set_new(
			p, "share_pct",
			json_real(r->alarms ? 100.0 * (double)r->top[i].alarms / (double)r->alarms
					    : 0.0));
		json_array_append_new(top, p);
	}
	date_format(q->from_day, d1, sizeof(d1));
	date_format(q->to_day, d2, sizeof(d2));
	return json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:i}, s:I, s:{s:f, s:I}, s:f, s:o, "
		"s:{s:I, s:I, s:f, s:o}, s:o, s:o, s:o}",
		"from_day", d1, "to_day", d2, "enterprise_id",
		q->f.enterprise_id ? json_integer(q->f.enterprise_id) : json_null(), "region",
		req_query(rq, "region") ? json_string(req_query(rq, "region")) : json_null(),
		"thresholds", "flood_alarms", cfg->monitor_kpi_flood_alarms, "flood_window_min",
		cfg->monitor_kpi_flood_window_min, "chatter_alarms",
		cfg->monitor_kpi_chatter_alarms, "chatter_window_s",
		cfg->monitor_kpi_chatter_window_s, "standing_h", cfg->monitor_kpi_standing_h,
		"alarms", (json_int_t)r->alarms, "per_window", "mean", r->per_window_mean, "max",
		(json_int_t)r->per_window_max, "per_day_mean",
		r->ndays ? (double)r->alarms / (double)r->ndays : 0.0, "per_day", days, "floods",
		"count", (json_int_t)r->floods, "time_ms", (json_int_t)r->flood_ms, "time_pct",
		r->flood_pct, "items", floods, "chattering", chat, "standing", standing, "top",
		top);
}

static int kpi_get(struct req *rq, struct resp *rs)
{
	struct kpi_query q;
	struct kpi_result r;
	bool done;
	int rc;

	rc = parse_query(rq, rs, false, &q, &done);
	if (rc < 0 || done)
		return rc;
	rc = compute(rq, &q, &r);
	if (rc < 0)
		return rc;
	rc = resp_json(rs, 200, result_json(rq, &q, &r));
	kpi_result_release(&r);
	return rc;
}

/* "YYYY-MM-DD HH:MM:SS" local (UTC+8) time of ms. */
static void local_fmt(int64_t ms, char *out, size_t n)
{
	time_t s = (time_t)((ms + CLOCK_LOCAL_OFFSET_MS) / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static void xrow(struct table_writer *w, const char *what, const char *when, struct req *rq,
		 int64_t point_id, const char *value, const char *unit)
{
	struct kpi_point_info pi = { 0 };
	const char *cells[7];

	if (point_id)
		kpi_db_point(rq->db, point_id, &pi);
	cells[0] = what;
	cells[1] = when;
	cells[2] = pi.tag;
	cells[3] = pi.name;
	cells[4] = pi.enterprise_name;
	cells[5] = value;
	cells[6] = unit;
	table_writer_row(w, cells, 7);
}

static int kpi_export(struct req *rq, struct resp *rs)
{
	static const char *const header[] = { "指标", "日期或时段", "位号", "点位名称",
					      "企业", "数值",	    "单位" };
	struct kpi_query q;
	struct kpi_result r;
	struct table_writer *w;
	char period[40], d1[16], d2[16], val[64], when[64], t1[24], t2[24], name[80];
	char *data = NULL;
	size_t len = 0;
	int fd = -1, rc;
	bool done;

	rc = parse_query(rq, rs, true, &q, &done);
	if (rc < 0 || done)
		return rc;
	rc = compute(rq, &q, &r);
	if (rc < 0)
		return rc;
	w = table_writer_new(q.fmt, "报警指标", NULL);
	if (w == NULL) {
		kpi_result_release(&r);
		return ERR_IO;
	}
	date_format(q.from_day, d1, sizeof(d1));
	date_format(q.to_day, d2, sizeof(d2));
	snprintf(period, sizeof(period), "%s~%s", d1, d2);
	table_writer_row(w, header, 7);
	snprintf(val, sizeof(val), "%zu", r.alarms);
	xrow(w, "报警总数", period, rq, 0, val, "次");
	snprintf(val, sizeof(val), "%.3f", r.per_window_mean);
	xrow(w, "每10分钟平均报警数", period, rq, 0, val, "次");
	snprintf(val, sizeof(val), "%zu", r.per_window_max);
	xrow(w, "每10分钟最大报警数", period, rq, 0, val, "次");
	for (size_t i = 0; i < r.ndays; i++) {
		date_format(q.from_day + (int64_t)i, when, sizeof(when));
		snprintf(val, sizeof(val), "%zu", r.per_day[i]);
		xrow(w, "每日报警数", when, rq, 0, val, "次");
	}
	snprintf(val, sizeof(val), "%zu", r.floods);
	xrow(w, "报警泛滥次数", period, rq, 0, val, "次");
	snprintf(val, sizeof(val), "%.3f", r.flood_pct);
	xrow(w, "泛滥时间占比", period, rq, 0, val, "%");
	for (size_t i = 0; i < r.floods; i++) {
		local_fmt(r.flood[i].start_ms, t1, sizeof(t1));
		local_fmt(r.flood[i].end_ms, t2, sizeof(t2));
		snprintf(when, sizeof(when), "%s~%s", t1, t2);
		snprintf(val, sizeof(val), "%zu", r.flood[i].alarms);
		xrow(w, "报警泛滥", when, rq, 0, val, "次");
	}
	for (size_t i = 0; i < r.nchattering; i++) {
		snprintf(val, sizeof(val), "%zu", r.chattering[i].max_in_window);
		xrow(w, "振荡报警（窗口内最多报警数）", period, rq, r.chattering[i].point_id, val,
		     "次");
	}
	for (size_t i = 0; i < r.nstanding; i++) {
		local_fmt(r.standing[i].since_ms, t1, sizeof(t1));
		if (r.standing[i].until_ms)
			local_fmt(r.standing[i].until_ms, t2, sizeof(t2));
		else
			snprintf(t2, sizeof(t2), "仍在报警");
		snprintf(when, sizeof(when), "%s~%s", t1, t2);
		snprintf(val, sizeof(val), "%.1f", (double)r.standing[i].duration_ms / 3600000.0);
		xrow(w, "长期报警", when, rq, r.standing[i].point_id, val, "小时");
	}
	for (size_t i = 0; i < r.ntop; i++) {
		snprintf(name, sizeof(name), "报警源前10（第%zu）", i + 1);
		snprintf(val, sizeof(val), "%zu", r.top[i].alarms);
		xrow(w, name, period, rq, r.top[i].point_id, val, "次");
	}
	kpi_result_release(&r);
	rc = table_writer_finish(w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "alarm-kpi-%s-%s.%s", d1, d2,
		 q.fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, name,
			       q.fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME,
			       data, len, fd);
}

const struct route kpi_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/monitor/kpi",
	  .handler = kpi_get,
	  .perm = PERM_MONITOR_READ,
	  .summary = "alarm-management KPIs (EEMUA 191 / ISA-18.2) of a period "
		     "(?enterprise_id=&region=&from_day=&to_day=) inside your data scope" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/monitor/kpi/export",
	  .handler = kpi_export,
	  .perm = PERM_MONITOR_READ,
	  .summary = "the alarm KPIs as a file (?format=xlsx|csv, same filters)" },
	{ 0 },
};
