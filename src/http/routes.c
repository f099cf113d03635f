/* SPDX-License-Identifier: MIT */
/*
 * The whole API in one list: every module's route table, plus the system
 * routes (/healthz, /metrics, /api/v1/version). docs/api.md is generated
 * from these tables (`anjian routes --markdown`).
 */
#define LOG_MODULE "http"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_api.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "db/db.h"
#include "enterprise/enterprise_api.h"
#include "hazard/hazard_lists_api.h"
#include "hazard/hazard_api.h"
#include "http/metrics.h"
#include "http/router.h"
#include "map/map_api.h"
#include "monitor/ingest.h"
#include "monitor/kpi_api.h"
#include "monitor/live_api.h"
#include "monitor/point_api.h"
#include "mhi/mhi_api.h"
#include "notify/notify_api.h"
#include "org/org_api.h"
#include "risk/risk_check_api.h"
#include "risk/risk_views_api.h"
#include "risk/risk_api.h"
#include "version.h"
#include "core/banned.h"

static const char SQL_PING[] = "SELECT 1";

static int healthz(struct req *rq, struct resp *rs)
{
	struct db_stmt *st = db_stmt(rq->db, SQL_PING);
	int rc = st ? db_step(st) : ERR_DB;

	if (rc == DB_ROW)
		db_reset(st);
	if (rc != DB_ROW)
		return resp_problem(rs, 503, NULL, "the database does not answer", NULL);
	return resp_json(rs, 200,
			 json_pack("{s:s, s:s}", "status", "ok", "version", ANJIAN_VERSION));
}

static int version(struct req *rq, struct resp *rs)
{
	(void)rq;
	return resp_json(rs, 200,
			 json_pack("{s:s, s:I}", "version", ANJIAN_VERSION, "started_ms",
				   (json_int_t)rq->app->started_ms));
}

static int64_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : (int64_t)rss * 4096;
}

static int metrics(struct req *rq, struct resp *rs)
{
	struct buf b = BUF_INIT;

	if (!rq->app->cfg.metrics_public) {
		if (rq->user == NULL)
			return resp_problem(rs, 401, NULL, "log in first", NULL);
		if (!(rq->user->perms & PERM_METRICS))
			return resp_problem(rs, 403, NULL, "your role may not do this", NULL);
	}
	metrics_render(rq->app->metrics, &b);
	buf_addf(
		&b,
		"# HELP anjian_db_size_bytes Size of the database file.\n"
		"# TYPE anjian_db_size_bytes gauge\nanjian_db_size_bytes %" PRId64 "\n"
		"# HELP anjian_db_connections Open database connections.\n"
		"# TYPE anjian_db_connections gauge\nanjian_db_connections %d\n"
		"# HELP process_resident_memory_bytes Resident memory.\n"
		"# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %" PRId64
		"\n# HELP process_start_time_seconds Start time of the process.\n"
		"# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %" PRId64 "\n",
		db_size_bytes(rq->db), db_pool_size(rq->app->pool), rss_bytes(),
		rq->app->started_ms / 1000);
	if (rq->app->gauges)
		rq->app->gauges(rq->app, rq->db, &b);
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rs->body_len = b.len;
	rs->body = buf_detach(&b);
	return 0;
}

static const struct route system_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/healthz",
	  .handler = healthz,
	  .flags = ROUTE_PUBLIC | ROUTE_NOT_API,
	  .summary = "liveness and database check" },
	{ .method = HTTP_GET,
	  .path = "/metrics",
	  .handler = metrics,
	  .flags = ROUTE_PUBLIC | ROUTE_NOT_API,
	  .summary = "Prometheus metrics (login with the metrics permission when "
		     "security.metrics_public is false)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/version",
	  .handler = version,
	  .flags = ROUTE_PUBLIC,
	  .summary = "the server's version" },
	{ 0 },
};

const struct route *const route_tables[] = {
	system_routes,
	org_account_routes,
	org_unit_routes,
	enterprise_routes,
	licence_routes,
	map_routes,
	audit_routes,
	hazard_routes,
	hazard_list_routes,
	hazard_action_routes,
	photo_routes,
	notify_routes,
	/*
	 * hazard_lists_routes has literal paths under /api/v1/hazards/ (stats): the router
	 * prefers the pattern with fewer parameters, so the order of tables does not matter.
	 */
	hazard_lists_routes,
	risk_check_routes,
	risk_views_routes,
	risk_routes,
	risk_source_routes,
	risk_plan_routes,
	ingest_routes,
	live_routes,
	kpi_routes,
	device_routes,
	point_routes,
	alarm_routes,
	soe_routes,
	mhi_routes,
	NULL,
};
