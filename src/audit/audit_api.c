/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/audit (administrators with an all-regions scope): the audit
 * log with filters, newest first by default; and the actor helper every
 * module's handlers use.
 */
#define LOG_MODULE "audit"
#include "audit/audit.h"
#include "audit/audit_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "http/req.h"
#include "core/banned.h"

void audit_actor_from_req(const struct req *rq, struct audit_actor *a)
{
	memset(a, 0, sizeof(*a));
	if (rq->user && rq->user->token_id) {
		/* A machine client: its account and which of its tokens acted. */
		a->id = rq->user->user_id;
		snprintf(a->login, sizeof(a->login), "%s#token%lld", rq->user->login,
			 (long long)rq->user->token_id);
	} else if (rq->user) {
		a->id = rq->user->user_id;
		snprintf(a->login, sizeof(a->login), "%s", rq->user->login);
	} else {
		snprintf(a->login, sizeof(a->login), "anonymous");
	}
	snprintf(a->ip, sizeof(a->ip), "%s", rq->ip ? rq->ip : "unknown");
}

int audit_record(const struct req *rq, const char *action, const char *entity, int64_t id,
		 json_t *summary)
{
	struct audit_actor a;
	char sid[24];
	int rc;

	audit_actor_from_req(rq, &a);
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	rc = audit_append(rq->db, &a, action, entity, sid, summary);
	json_decref(summary);
	return rc;
}

/* Parses an optional millisecond query argument into *out (-1 when absent). */
static void query_ms(struct req *rq, const char *name, int64_t *out, struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	*out = -1;
	if (v && (parse_i64(v, out) < 0 || *out < 0)) {
		*out = -1;
		field_errors_add(fe, name, "must be milliseconds since 1970-01-01 UTC");
	}
}

static int audit_api_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", NULL };
	static const char *const filters[] = { "actor",	   "action",   "entity", "entity_id",
					       "since_ms", "until_ms", NULL };
	struct field_errors fe = { 0 };
	struct audit_filter f = { 0 };
	struct list_params lp;
	json_t *items = NULL;
	int rc;

	if (rq->user->scope.kind != SCOPE_ALL)
		return resp_problem(rs, 403, NULL, "the audit log needs an all-regions scope",
				    NULL);
	list_params_parse(rq, sorts, filters, &lp, &fe);
	if (req_query(rq, "sort") == NULL)
		lp.desc = true; /* newest first */
	f.actor = req_query(rq, "actor");
	f.action = req_query(rq, "action");
	f.entity = req_query(rq, "entity");
	f.entity_id = req_query(rq, "entity_id");
	query_ms(rq, "since_ms", &f.since_ms, &fe);
	query_ms(rq, "until_ms", &f.until_ms, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = audit_db_list(rq->db, &f, &lp, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &lp));
}

const struct route audit_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/audit",
	  .handler = audit_api_list,
	  .perm = PERM_AUDIT_READ,
	  .summary = "the audit log, newest first; filters actor, action, entity, entity_id, "
		     "since_ms, until_ms" },
	{ 0 },
};
