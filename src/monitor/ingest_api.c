/* SPDX-License-Identifier: MIT */
/*
 * POST /api/v1/readings?enterprise=<credit code> (docs/ingestion.md "HTTP"): a batch
 * object (application/json) or NDJSON (application/x-ndjson) of one enterprise's
 * readings, decoded by payload.c with the tags resolved within that enterprise, handed
 * to the runtime (monitor_ingest), and answered 200 only once the runtime returned: the
 * readings are then durable in the store's log and their alarm transitions in the SOE.
 *
 * Permission readings.ingest (enterprise officers and machine accounts' API tokens), and
 * the enterprise in the caller's scope (else 404, as for any object outside it; a caller
 * in enterprise scope may leave ?enterprise out). A body that does not decode is a 400
 * naming the field or line, nothing stored, and counted as a bad payload. The readings
 * are not audited one batch at a time: they are the SOE's and the store's own record.
 */
#define LOG_MODULE "ingest"
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/scope.h"
#include "http/req.h"
#include "monitor/ingest.h"
#include "monitor/monitor.h"
#include "monitor/payload.h"
#include "core/banned.h"

/* The resolver for payload.c: a tag within one enterprise. */
struct resolve_ctx {
	struct monitor *m;
	int64_t enterprise_id;
};

static int resolve(void *ctx, const char *tag, size_t len, int64_t *point_id)
{
	const struct resolve_ctx *c = ctx;

	return monitor_resolve(c->m, c->enterprise_id, tag, len, point_id);
}

/* True when the Content-Type (parameters ignored) is application/x-ndjson. */
static bool is_ndjson(const char *ct)
{
	static const char t[] = "application/x-ndjson";

	if (ct == NULL || strncasecmp(ct, t, sizeof(t) - 1) != 0)
		return false;
	ct += sizeof(t) - 1;
	return *ct == '\0' || *ct == ';' || *ct == ' ';
}

static int readings_post(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "enterprise", NULL };
	struct monitor *m = rq->app->monitor;
	struct field_errors fe = { 0 };
	struct ingest_enterprise e;
	struct payload_out out = { 0 };
	struct monitor_ingest_result res = { 0 };
	struct errmsg err = { { 0 }, { 0 } };
	const char *uscc;
	int rc;

	if (query_params_check(rq, allowed, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	uscc = req_query(rq, "enterprise");
	if ((uscc == NULL || *uscc == '\0') && rq->user->scope.kind == SCOPE_ENTERPRISE)
		uscc = rq->user->scope.enterprise;
	if (uscc == NULL || *uscc == '\0') {
		field_errors_add(&fe, "enterprise", "is required (the unified social credit code)");
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	if ((int64_t)rq->raw_len > rq->app->cfg.monitor_ingest_max_body) {
		field_errors_add(&fe, "body", "is larger than %lld bytes (monitor.ingest_max_body)",
				 (long long)rq->app->cfg.monitor_ingest_max_body);
		return resp_problem(rs, 413, NULL, fe.e[0].reason, &fe);
	}
	rc = ingest_db_enterprise(rq->db, uscc, &e);
	if (rc == ERR_NOT_FOUND ||
	    (rc == 0 && !scope_has_row(&rq->user->scope, e.region_code, e.grid_id, uscc)))
		return resp_problem(rs, 404, NULL, "no such enterprise in your data scope", NULL);
	if (rc < 0)
		return rc;
	if (m == NULL)
		return resp_problem(rs, 503, NULL, "the monitoring runtime is not running", NULL);

	struct resolve_ctx ctx = { .m = m, .enterprise_id = e.id };
	int64_t arrival = now_ms();
	if (is_ndjson(req_header(rq, "Content-Type")))
		rc = payload_decode_ndjson(rq->raw_body, rq->raw_len, arrival, resolve, &ctx, &out,
					   &err);
	else
		rc = payload_decode_batch(rq->raw_body, rq->raw_len, arrival, resolve, &ctx, &out,
					  &err);
	if (rc == ERR_INVALID || rc == ERR_TOO_MANY) {
		char detail[384];

		monitor_count_bad_payload(m);
		log_info("bad readings payload from %s for %s: %s %s (line %zu, offset %zu)",
			 rq->user->login, uscc, err.field, err.text, out.line, out.offset);
		field_errors_add(&fe, err.field, "%s (line %zu, byte %zu)", err.text, out.line,
				 out.offset);
		snprintf(detail, sizeof(detail), "the readings do not decode: %s %s", err.field,
			 err.text);
		payload_free(&out);
		return resp_problem(rs, rc == ERR_TOO_MANY ? 413 : 400, NULL, detail, &fe);
	}
	if (rc < 0) {
		payload_free(&out);
		return rc;
	}
	if (out.n > 0) {
		rc = monitor_ingest(m, out.r, out.n, &res);
		if (rc < 0) {
			log_error("ingest of %zu readings for %s failed: %s", out.n, uscc,
				  err_str(rc));
			payload_free(&out);
			return resp_problem(rs, 503, NULL,
					    "the readings could not be stored; send them again",
					    NULL);
		}
	}
	if (out.unknown)
		log_every_ms(10000, LL_INFO, "%zu readings for %s name unknown tags (first: %s)",
			     out.unknown, uscc, out.unknown_tag);
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "accepted", (json_int_t)res.accepted,
			      "late", (json_int_t)res.late, "unknown",
			      (json_int_t)(res.unknown + out.unknown), "future",
			      (json_int_t)res.future, "transitions", (json_int_t)res.transitions);
	json_object_set_new(o, "seq_first",
			    out.n > 0 ? json_integer((json_int_t)res.seq_first) : json_null());
	payload_free(&out);
	return resp_json(rs, 200, o);
}

static const char *const reading_types[] = { "application/json", "application/x-ndjson", NULL };

const struct route ingest_routes[] = {
	{ .method = HTTP_POST,
	  .path = "/api/v1/readings",
	  .handler = readings_post,
	  .perm = PERM_READINGS_INGEST,
	  .flags = ROUTE_UPLOAD,
	  .accept = reading_types,
	  .summary = "ingest readings of an enterprise (?enterprise=<credit code>): "
		     "{\"readings\":[{tag, ts?, v, q?}]} or NDJSON, at most "
		     "monitor.ingest_max_body -> {accepted, late, unknown, future, transitions, "
		     "seq_first} once stored and evaluated" },
	{ 0 },
};
