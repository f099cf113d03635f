/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/monitor/stream (issue 6 §6): Server-Sent Events of the live hub
 * (live.h) for the enterprises the user's scope covers, read once from the enterprise
 * table when the stream opens (a scope of everything follows every enterprise, new ones
 * included). Events "alarm" and "values" as the runtime publishes them
 * (docs/monitoring.md "Live (SSE)"), "overflow" when this reader was too slow, a ": ping"
 * comment every monitor.sse_ping_s, a "retry:" hint first.
 *
 * Not for: producing events (monitor.c) or the wire mechanics of a parked stream
 * (http/server.c, resp_stream).
 */
#define LOG_MODULE "live"
#include "monitor/live_api.h"

#include <inttypes.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "monitor/live.h"
#include "monitor/live_db.h"
#include "core/banned.h"

static ssize_t stream_read(void *ctx, char *buf, size_t max)
{
	return live_sub_read(ctx, buf, max);
}

static void stream_free(void *ctx)
{
	live_unsubscribe(ctx);
}

static int live_api_stream(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "enterprise_id", NULL };
	struct field_errors fe = { 0 };
	struct scope_bounds b;
	struct http_stream *handle;
	struct live_sub *sub;
	const char *arg;
	char scope_buf[16];
	int64_t only = 0, *ids = NULL;
	size_t n = 0;
	bool all;
	int rc;

	if (query_params_check(rq, allowed, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	arg = req_query(rq, "enterprise_id");
	if (arg && (parse_i64(arg, &only) < 0 || only <= 0)) {
		field_errors_add(&fe, "enterprise_id", "must be a positive integer");
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	if (rq->app->live == NULL)
		return resp_problem(rs, 503, NULL, "live monitoring is not running", NULL);
	all = rq->user->scope.kind == SCOPE_ALL && only == 0;
	if (!all) {
		scope_bounds_of(&rq->user->scope, rq->user->user_id, scope_buf, sizeof(scope_buf),
				&b);
		rc = live_db_scope_enterprises(rq->db, &b, only, &ids, &n);
		if (rc < 0)
			return rc;
		if (only > 0 && n == 0)
			return resp_problem(rs, 404, NULL,
					    "no enterprise with this id in your data scope", NULL);
	}
	sub = live_subscribe(rq->app->live, ids, n, all);
	free(ids);
	if (sub == NULL) {
		resp_header(rs, "Retry-After", "30");
		return resp_problem(rs, 503, NULL,
				    "too many live streams are open (monitor.sse_max_clients)",
				    NULL);
	}
	resp_header(rs, "X-Accel-Buffering", "no"); /* a proxy must not hold events back */
	resp_stream(rs, "text/event-stream; charset=utf-8", stream_read, stream_free, sub, &handle);
	live_sub_set_wake(sub, http_stream_wake, handle);
	log_debug("stream opened user=%" PRId64 " enterprises=%s%zu", rq->user->user_id,
		  all ? "all:" : "", n);
	return 0;
}

const struct route live_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/monitor/stream",
	  .handler = live_api_stream,
	  .perm = PERM_MONITOR_READ,
	  .summary = "Server-Sent Events of alarm transitions and latest values "
		     "(?enterprise_id=), only enterprises in your data scope" },
	{ 0 },
};
