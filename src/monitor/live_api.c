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
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "monitor/live.h"
#include "monitor/live_db.h"
#include "core/banned.h"

/* How often an open stream checks that its session still is what it was (ms). */
#define PRINCIPAL_CHECK_MS 1000

/*
 * An open stream: its subscriber and who opened it. The scope and the session are checked
 * when the stream opens; a logout, a lock, a revoked token or a changed role or scope
 * afterwards must end it too, else it would push the enterprise's alarms for ever.
 */
struct stream {
	struct live_sub *sub;
	struct db_pool *pool;
	int64_t session_id, token_id;
	int64_t check_ms;    /* the next check, at a read */
	char principal[160]; /* live_db_principal when it opened */
};

/* False when the stream's principal is gone or no longer the one that opened it. */
static bool principal_same(struct stream *s)
{
	char now[sizeof(s->principal)];
	struct db *db;
	int rc;

	if (now_ms() < s->check_ms)
		return true;
	s->check_ms = now_ms() + PRINCIPAL_CHECK_MS;
	db = db_pool_get(s->pool);
	if (db == NULL)
		return true; /* logged; the next check tries again */
	rc = live_db_principal(db, s->session_id, s->token_id, now, sizeof(now));
	if (rc == ERR_NOT_FOUND || (rc == 0 && strcmp(now, s->principal) != 0)) {
		log_info("stream ended: its session or user changed (session=%" PRId64
			 " token=%" PRId64 ")",
			 s->session_id, s->token_id);
		return false;
	}
	return true; /* a database error is not a reason to cut an operator's alarms */
}

static ssize_t stream_read(void *ctx, char *buf, size_t max)
{
	struct stream *s = ctx;

	if (!principal_same(s))
		return -1;
	return live_sub_read(s->sub, buf, max);
}

static void stream_free(void *ctx)
{
	struct stream *s = ctx;

	live_unsubscribe(s->sub);
	free(s);
}

static int live_api_stream(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "enterprise_id", NULL };
	struct field_errors fe = { 0 };
	struct scope_bounds b;
	struct http_stream *handle;
	struct live_sub *sub;
	struct stream *st;
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
	st = xcalloc(1, sizeof(*st));
	st->pool = rq->app->pool;
	st->session_id = rq->user->session_id;
	st->token_id = rq->user->token_id;
	st->check_ms = now_ms() + PRINCIPAL_CHECK_MS;
	rc = live_db_principal(rq->db, st->session_id, st->token_id, st->principal,
			       sizeof(st->principal));
	if (rc < 0) {
		free(st);
		free(ids);
		return rc == ERR_NOT_FOUND ? ERR_UNAUTHORIZED : rc;
	}
	sub = live_subscribe(rq->app->live, ids, n, all);
	free(ids);
	if (sub == NULL) {
		free(st);
		resp_header(rs, "Retry-After", "30");
		return resp_problem(rs, 503, NULL,
				    "too many live streams are open (monitor.sse_max_clients)",
				    NULL);
	}
	resp_header(rs, "X-Accel-Buffering", "no"); /* a proxy must not hold events back */
	st->sub = sub;
	resp_stream(rs, "text/event-stream; charset=utf-8", stream_read, stream_free, st, &handle);
	/* The hub frees a subscriber after its connection ended: it keeps the handle alive. */
	http_stream_ref(handle);
	live_sub_set_wake(sub, http_stream_wake, http_stream_unref, handle);
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
