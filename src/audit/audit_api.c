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
#include "db/db.h"
#include "http/req.h"
#include "core/banned.h"

void audit_actor_from_req(const struct req *rq, struct audit_actor *a)
{
	memset(a, 0, sizeof(*a));
	if (rq->user) {
		a->id = rq->user->user_id;
		snprintf(a->login, sizeof(a->login), "%s", rq->user->login);
	} else {
		snprintf(a->login, sizeof(a->login), "anonymous");
	}
	snprintf(a->ip, sizeof(a->ip), "%s", rq->ip ? rq->ip : "unknown");
}

static const char SQL_LIST_SELECT[] =
	"SELECT audit_log.id, audit_log.at_ms, audit_log.actor_id, audit_log.actor_login, "
	"audit_log.ip, audit_log.action, audit_log.entity, audit_log.entity_id, "
	"audit_log.summary, audit_log.hash FROM audit_log";
static const char SQL_LIST_WHERE[] =
	"(:actor IS NULL OR audit_log.actor_login = :actor) AND "
	"(:action IS NULL OR audit_log.action = :action) AND "
	"(:entity IS NULL OR audit_log.entity = :entity) AND "
	"(:entity_id IS NULL OR audit_log.entity_id = :entity_id) AND "
	"(:since_ms IS NULL OR audit_log.at_ms >= :since_ms) AND "
	"(:until_ms IS NULL OR audit_log.at_ms < :until_ms)";

static int bind_ms(struct req *rq, struct db_stmt *st, const char *name, const char *param,
		   struct field_errors *fe)
{
	const char *v = req_query(rq, name);
	int64_t ms;

	if (v == NULL) {
		db_bind_null(st, param);
		return 0;
	}
	if (parse_i64(v, &ms) < 0 || ms < 0) {
		field_errors_add(fe, name, "must be milliseconds since 1970-01-01 UTC");
		return ERR_INVALID;
	}
	db_bind_i64(st, param, ms);
	return 0;
}

static int audit_api_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", NULL };
	static const char *const filters[] = { "actor", "action", "entity", "entity_id",
					       "since_ms", "until_ms", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct db_stmt *st;
	char *sql = NULL;
	json_t *items = NULL;
	int rc;

	if (rq->user->scope.kind != SCOPE_ALL)
		return resp_problem(rs, 403, NULL, "the audit log needs an all-regions scope", NULL);
	if (list_params_parse(rq, sorts, filters, &lp, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (req_query(rq, "sort") == NULL)
		lp.desc = true; /* newest first */
	sql = db_list_sql(SQL_LIST_SELECT, SQL_LIST_WHERE, "audit_log", "id", lp.desc);
	st = db_stmt_dyn(rq->db, sql);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":actor", req_query(rq, "actor"));
	db_bind_text(st, ":action", req_query(rq, "action"));
	db_bind_text(st, ":entity", req_query(rq, "entity"));
	db_bind_text(st, ":entity_id", req_query(rq, "entity_id"));
	bind_ms(rq, st, "since_ms", ":since_ms", &fe);
	bind_ms(rq, st, "until_ms", ":until_ms", &fe);
	if (fe.n) {
		db_reset(st);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	if (lp.after)
		db_bind_i64(st, ":after", lp.after);
	else
		db_bind_null(st, ":after");
	db_bind_i64(st, ":limit", lp.limit + 1);
	items = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *summary = json_loads(db_col_text(st, 8), 0, NULL);

		json_array_append_new(
			items,
			json_pack("{s:I, s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "id",
				  (json_int_t)db_col_i64(st, 0), "at_ms",
				  (json_int_t)db_col_i64(st, 1), "actor_id",
				  db_col_null(st, 2) ? json_null() : json_integer(db_col_i64(st, 2)),
				  "actor", db_col_text(st, 3), "ip", db_col_text(st, 4), "action",
				  db_col_text(st, 5), "entity", db_col_text(st, 6), "entity_id",
				  db_col_text(st, 7), "summary", summary ? summary : json_object(),
				  "hash", db_col_text(st, 9)));
	}
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	return resp_json(rs, 200, list_page(items, &lp));
}

const struct route audit_routes[] = {
	{ .method = HTTP_GET, .path = "/api/v1/audit", .handler = audit_api_list,
	  .perm = PERM_AUDIT_READ,
	  .summary = "the audit log, newest first; filters actor, action, entity, entity_id, "
		     "since_ms, until_ms" },
	{ 0 },
};
