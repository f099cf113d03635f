/* SPDX-License-Identifier: MIT */
/*
 * The operator's routes of the monitoring API (issue 6 §4, §6; docs/monitoring.md "Operator
 * API"): a point's trend from the readings store, the alarm console, and the operator actions
 * (acknowledge, shelve, suppress, out of service ...) through the runtime, each an SOE row.
 * The configuration routes (devices, points, set points) are point_api.c's.
 */
#include "monitor/point_api.h"

#define LOG_MODULE "monitor"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise_api.h"
#include "monitor/alarm_names.h"
#include "monitor/monitor.h"
#include "monitor/point.h"
#include "monitor/point_db.h"
#include "monitor/store.h"
#include "core/banned.h"

/* ------------------------------------------------------------ trend */

/* A query argument as an int64 within [lo, hi], else an error in fe. Absent: dflt. */
static int64_t query_i64(struct req *rq, const char *name, int64_t dflt, int64_t lo, int64_t hi,
			 struct field_errors *fe)
{
	const char *v = req_query(rq, name);
	int64_t x;

	if (v == NULL)
		return dflt;
	if (parse_i64(v, &x) < 0 || x < lo || x > hi) {
		field_errors_add(fe, name, "must be an integer from %" PRId64 " to %" PRId64, lo,
				 hi);
		return dflt;
	}
	return x;
}

#define TREND_MAX_WINDOW_MS (400LL * 86400000LL) /* a little over the minute retention year */

static int trend(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "from_ms", "to_ms", "budget", NULL };
	struct field_errors fe = { 0 };
	enum store_resolution res;
	struct store_row *rows = NULL;
	struct store_minute *mins = NULL;
	struct store *st;
	json_t *row = NULL, *pts;
	int64_t id, from, to, budget, now = point_api_now(rq);
	size_t n = 0;
	int rc = enterprise_api_load_row(rq, point_db_point_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	json_decref(row);
	query_params_check(rq, allowed, &fe);
	to = query_i64(rq, "to_ms", now, 1, INT64_MAX / 2, &fe);
	from = query_i64(rq, "from_ms", to - 3600000, 0, INT64_MAX / 2, &fe);
	budget = query_i64(rq, "budget", 1000, 10, 100000, &fe);
	if (fe.n == 0 && from >= to)
		field_errors_add(&fe, "from_ms", "must be before to_ms");
	if (fe.n == 0 && to - from > TREND_MAX_WINDOW_MS)
		field_errors_add(&fe, "from_ms", "the window is at most 400 days");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (rq->app->monitor == NULL)
		return resp_problem(rs, 503, NULL, "the monitoring runtime is not running", NULL);
	st = monitor_store(rq->app->monitor);
	rc = store_pick_resolution(st, id, from, to, (size_t)budget, &res);
	if (rc < 0)
		return rc;
	pts = json_array();
	if (res == STORE_RESOLUTION_RAW) {
		rc = store_read(st, id, from, to, &rows, &n);
		for (size_t i = 0; rc == 0 && i < n; i++)
			json_array_append_new(
				pts, json_pack("[I, o]", (json_int_t)rows[i].source_ms,
					       isfinite(rows[i].value) ? json_real(rows[i].value)
								       : json_null()));
		free(rows);
	} else {
		rc = store_minutes(st, id, from, to, &mins, &n);
		for (size_t i = 0; rc == 0 && i < n; i++)
			json_array_append_new(
				pts,
				json_pack("[I, o, o, o, I]", (json_int_t)mins[i].minute_ms,
					  mins[i].n ? json_real(mins[i].min) : json_null(),
					  mins[i].n ? json_real(mins[i].max) : json_null(),
					  mins[i].n ? json_real(mins[i].sum / (double)mins[i].n)
						    : json_null(),
					  (json_int_t)mins[i].n));
		free(mins);
	}
	if (rc < 0) {
		json_decref(pts);
		return rc;
	}
	return resp_json(rs, 200,
			 json_pack("{s:s, s:I, s:I, s:o}", "resolution",
				   res == STORE_RESOLUTION_RAW ? "raw" : "minute", "from_ms",
				   (json_int_t)from, "to_ms", (json_int_t)to, "points", pts));
}

/* ------------------------------------------------------------ alarm console */

static int since_desc(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	int64_t sx = json_i64(json_object_get(x, "live"), "since_ms", 0);
	int64_t sy = json_i64(json_object_get(y, "live"), "since_ms", 0);

	if (sx != sy)
		return sx < sy ? 1 : -1;
	return json_i64(x, "id", 0) < json_i64(y, "id", 0) ? 1 : -1;
}

#define ALARMS_SCAN_MAX 100000 /* active points looked at; docs/monitoring.md */

static int alarms(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "enterprise_id", "state", "limit", NULL };
	struct field_errors fe = { 0 };
	struct point_filter f = { 0 };
	struct list_params lp = { ALARMS_SCAN_MAX, 0, 0, false };
	struct monitor_live l;
	char pre[16], end[16];
	const char *v;
	json_t *items = NULL, *out, *it, **v_items = NULL;
	int64_t limit;
	int state = -1;
	size_t i, n = 0;
	int rc;

	query_params_check(rq, allowed, &fe);
	point_api_query_id(rq, "enterprise_id", &f.enterprise_id, &fe);
	if ((v = req_query(rq, "state")) &&
	    (alarm_state_parse(v, &state) < 0 || state == ALARM_STATE_NORMAL))
		field_errors_add(&fe, "state",
				 "must be one of: unack, acked, rtn_unack, shelved, suppressed, "
				 "out_of_service");
	limit = query_i64(rq, "limit", 200, 1, 500, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	out = json_array();
	if (rq->app->monitor == NULL)
		return resp_json(rs, 200, json_pack("{s:o, s:n}", "items", out, "next"));
	point_api_scope(rq, &f, pre, end);
	f.active_only = true;
	rc = point_db_point_list(rq->db, &f, &lp, &items);
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	v_items = calloc(json_array_size(items) + 1, sizeof(*v_items));
	if (v_items == NULL)
		abort();
	json_array_foreach(items, i, it) {
		if (!point_api_in_alarm(rq, json_i64(it, "id", 0), &l))
			continue;
		if (state >= 0 && l.state != state)
			continue;
		json_object_set_new(it, "live", point_api_live_json(rq, json_i64(it, "id", 0)));
		v_items[n++] = it;
	}
	qsort(v_items, n, sizeof(*v_items), since_desc);
	for (i = 0; i < n && i < (size_t)limit; i++)
		json_array_append(out, v_items[i]);
	free(v_items);
	json_decref(items);
	return resp_json(rs, 200,
			 json_pack("{s:o, s:n}", "items", json_strip_private(out), "next"));
}

/* ------------------------------------------------------------ operator actions */

static const struct json_field action_fields[] = {
	{ "comment", JF_STRING, 0, 500, 0, 0 },
	{ "until_ms", JF_INT, 0, 0, 1, INT64_MAX / 2 },
	{ "duration_min", JF_INT, 0, 0, 1, 10080 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int action(struct req *rq, struct resp *rs)
{
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	enum monitor_action a;
	json_t *row = NULL, *b = rq->body;
	const char *comment = json_str(b, "comment"), *name = req_param(rq, "action");
	/* The runtime acts at its own clock, the system clock in the server. */
	int64_t id, soe_id = 0, until = 0, now = now_ms();
	int64_t max_ms = (int64_t)cfg->monitor_shelve_max_min * 60000;
	int rc = enterprise_api_load_row(rq, point_db_point_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	json_decref(row);
	if (json_check(b, action_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	if (rq->app->monitor == NULL)
		return resp_problem(rs, 503, NULL, "the monitoring runtime is not running", NULL);
	if (monitor_action_parse(name, &a) < 0)
		return resp_problem(rs, 404, NULL,
				    "no such action: acknowledge, shelve, unshelve, suppress, "
				    "unsuppress, out_of_service or return_to_service",
				    NULL);
	if ((a == MONITOR_SHELVE || a == MONITOR_SUPPRESS || a == MONITOR_OUT_OF_SERVICE) &&
	    point_api_blank(comment))
		field_errors_add(&fe, "comment", "%s needs a comment saying why",
				 monitor_action_name(a));
	if (a == MONITOR_SHELVE) {
		bool has_until = json_has(b, "until_ms"), has_dur = json_has(b, "duration_min");

		if (has_until == has_dur)
			field_errors_add(&fe, has_until ? "duration_min" : "until_ms",
					 "shelve takes until_ms or duration_min (one of them)");
		else if (has_dur && json_i64(b, "duration_min", 0) > cfg->monitor_shelve_max_min)
			field_errors_add(&fe, "duration_min",
					 "must be at most %d minutes (monitor.shelve_max_min)",
					 cfg->monitor_shelve_max_min);
		else if (has_dur)
			until = now + json_i64(b, "duration_min", 0) * 60000;
		else if ((until = json_i64(b, "until_ms", 0)) <= now)
			field_errors_add(&fe, "until_ms", "must be in the future");
		else if (until - now > max_ms)
			field_errors_add(
				&fe, "until_ms",
				"must be at most %d minutes ahead (monitor.shelve_max_min)",
				cfg->monitor_shelve_max_min);
	} else {
		if (json_has(b, "until_ms"))
			field_errors_add(&fe, "until_ms", "is only for shelve");
		if (json_has(b, "duration_min"))
			field_errors_add(&fe, "duration_min", "is only for shelve");
	}
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = monitor_action(rq->app->monitor, id, a, until, rq->user->user_id, comment, &soe_id);
	if (rc == ERR_CONFLICT) {
		struct monitor_live l;
		const char *st = monitor_live_get(rq->app->monitor, id, &l) == 0
					 ? alarm_state_name((enum alarm_state)l.state)
					 : "unknown";
		char detail[160];

		snprintf(detail, sizeof(detail), "the alarm's state (%s) does not allow %s", st,
			 monitor_action_name(a));
		return resp_problem(rs, 409, NULL, detail, NULL);
	}
	if (rc == ERR_NOT_FOUND)
		return resp_problem(rs, 409, NULL, "the point is not active", NULL);
	if (rc < 0)
		return rc;
	/* The SOE row (user, comment) is the runtime's record; the audit trail follows it. */
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = audit_record(rq, "monitor.alarm.action", "monitor_point", id,
				  json_pack("{s:s, s:I, s:s?, s:o}", "action",
					    monitor_action_name(a), "soe_id", (json_int_t)soe_id,
					    "comment", comment, "until_ms",
					    until ? json_integer(until) : json_null()));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		log_error("action %s on point %" PRId64 " done (soe %" PRId64
			  ") but its audit record failed",
			  monitor_action_name(a), id, soe_id);
	return resp_json(rs, 200,
			 json_pack("{s:I, s:o}", "soe_id", (json_int_t)soe_id, "live",
				   point_api_live_json(rq, id)));
}

/* ------------------------------------------------------------ routes */

#define R(m, p, h, perm_, s)                                                      \
	{                                                                         \
		.method = m, .path = p, .handler = h, .perm = perm_, .summary = s \
	}
#define W(m, p, h, perm_, s)                                                                   \
	{                                                                                      \
		.method = m, .path = p, .handler = h, .perm = perm_, .flags = ROUTE_JSON_BODY, \
		.summary = s                                                                   \
	}

const struct route alarm_routes[] = {
	R(HTTP_GET, "/api/v1/monitor/points/{id}/trend", trend, PERM_MONITOR_READ,
	  "readings of a point over [from_ms, to_ms) (default the last hour), raw or one-minute "
	  "aggregates to fit budget (default 1000)"),
	R(HTTP_GET, "/api/v1/monitor/alarms", alarms, PERM_MONITOR_READ,
	  "the alarm console: points in your scope not in the normal state, newest transition "
	  "first (filters enterprise_id, state; limit)"),
	W(HTTP_POST, "/api/v1/monitor/points/{id}/actions/{action}", action, PERM_ALARM_OPERATE,
	  "an operator action (acknowledge, shelve, unshelve, suppress, unsuppress, "
	  "out_of_service, return_to_service) {comment, until_ms | duration_min}: SOE row, 409 "
	  "when the state does not allow it"),
	{ 0 },
};
