/* SPDX-License-Identifier: MIT */
/*
 * The life-cycle actions of a hidden hazard over HTTP (issue 4, docs/hazard.md):
 * hazard_transition() decides; 409 names the allowed actions, 403 says whether the role or
 * the person was refused, 422 names every bad field. Every action is one transaction
 * holding the hazard row, its timeline row and its audit record.
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_api.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/geo.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise.h"
#include "enterprise/enterprise_api.h"
#include "hazard/hazard.h"
#include "hazard/hazard_api_int.h"
#include "hazard/hazard_api_int.h"
#include "hazard/hazard_db.h"
#include "http/req.h"
#include "report/table.h"
#include "core/banned.h"

/* ------------------------------------------------------------ actions */

static const struct json_field reason_fields[] = {
	{ "reason", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field plan_fields[] = {
	{ "measures", JF_STRING, 0, 2000, 0, 0 },
	{ "responsible", JF_STRING, 0, 100, 0, 0 },
	{ "funds_yuan", JF_INT, 0, 0, 0, 1000000000000LL },
	{ "emergency", JF_STRING, 0, 2000, 0, 0 },
	{ "deadline", JF_STRING, 0, 10, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field submit_fields[] = {
	{ "photos", JF_ARRAY, 0, 20, 0, 0 },
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field extension_fields[] = {
	{ "reason", JF_STRING, 0, 1000, 0, 0 },
	{ "new_deadline", JF_STRING, 0, 10, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field verify_fields[] = {
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field confirm_fields[] = {
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ "level", JF_STRING, 0, 8, 0, 0 },
	{ "criterion_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "criterion_text", JF_STRING, 0, 500, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field *fields_of(enum hazard_action a)
{
	switch (a) {
	case HAZARD_PLAN:
		return plan_fields;
	case HAZARD_SUBMIT:
		return submit_fields;
	case HAZARD_REQUEST_EXTENSION:
		return extension_fields;
	case HAZARD_VERIFY:
		return verify_fields;
	case HAZARD_CONFIRM:
		return confirm_fields;
	default:
		return reason_fields;
	}
}

/* The pure rules' field names as the body names them. */
static void rename_fields(struct field_errors *fe)
{
	for (size_t i = 0; i < fe->n; i++) {
		if (strcmp(fe->e[i].field, "funds") == 0)
			snprintf(fe->e[i].field, sizeof(fe->e[i].field), "funds_yuan");
		else if (strcmp(fe->e[i].field, "after_photos") == 0)
			snprintf(fe->e[i].field, sizeof(fe->e[i].field), "photos");
	}
}

static int conflict(struct resp *rs, const char *action, const char *state, unsigned allowed)
{
	char names[200], detail[320];

	hazard_actions_format(allowed, names, sizeof(names));
	snprintf(detail, sizeof(detail), "'%s' is not possible in state %s; allowed: %s", action,
		 state, names[0] ? names : "none");
	resp_problem(rs, 409, NULL, detail, NULL);
	json_object_set_new(rs->json, "allowed", hazard_api_actions_json(allowed));
	return 0;
}

/*
 * Why who may not take a (legal in the state) on the hazard h, for the 403's detail: the
 * role's rule (hazard_role_may: not this action, or not for this level), else the person's
 * (an officer of another enterprise; the rectifier verifying their own work), else the
 * supervising department of a major hazard.
 */
static void forbidden_reason(const struct hazard_caller *c, const json_t *h,
			     const struct hazard_state_in *in, enum hazard_action a, char *out,
			     size_t n)
{
	const char *role = role_name(c->who.role), *action = hazard_action_name(a);
	enum hazard_level other = in->level == HAZARD_MAJOR ? HAZARD_GENERAL : HAZARD_MAJOR;

	if (!hazard_role_may(c->who.role, a, in->level)) {
		if (hazard_role_may(c->who.role, a, other))
			snprintf(out, n,
				 "your role (%s) may not %s a %s hazard: that is for an inspector "
				 "(a role rule)",
				 role, action, in->level == HAZARD_MAJOR ? "major" : "general");
		else
			snprintf(out, n, "your role (%s) may not take the action %s (a role rule)",
				 role, action);
	} else if (c->who.role == ROLE_ENTERPRISE_OFFICER &&
		   (c->who.enterprise_id <= 0 || c->who.enterprise_id != in->enterprise_id)) {
		snprintf(out, n, "you may not %s: the hazard is not of your enterprise", action);
	} else if ((a == HAZARD_VERIFY || a == HAZARD_SEND_BACK) && in->rectifier_id > 0 &&
		   c->who.user_id == in->rectifier_id) {
		snprintf(out, n,
			 "you may not %s: you submitted this rectification, and the verifier is "
			 "never the rectifier",
			 action);
	} else if ((BIT(a) & DEPT_ACTIONS) && !hazard_api_dept_ok(c, h)) {
		snprintf(out, n,
			 "a major hazard is decided by an inspector of the enterprise's "
			 "supervising department");
	} else {
		snprintf(out, n, "you may not %s this hazard", action);
	}
}

static int act(struct req *rq, struct resp *rs)
{
	const json_t *body = rq->body;
	struct field_errors fe = { 0 };
	struct hazard_state_in in;
	struct hazard_args args;
	struct hazard_outcome out;
	struct hazard_update up;
	struct hazard_caller c;
	enum hazard_action a;
	json_t *h = NULL, *photos, *detail = NULL, *summary;
	const char *aname = req_param(rq, "action"), *from, *new_level = NULL;
	char deadline[16] = "", pending[16] = "", audit_action[64], *detail_text = NULL;
	int64_t id, now = now_ms(), event_id = 0, audit_id = 0, crit = 0;
	bool typed_ok;
	int rc;

	if (hazard_action_parse(aname, &a) < 0)
		return resp_problem(rs, 404, NULL, "no such action", NULL);
	/* Type errors first; the rules then name the other fields (first_per_field). */
	typed_ok = json_check(body, fields_of(a), &fe) == 0;
	if (!json_is_object(body))
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = hazard_api_load(rq, rs, &h);
	if (rc < 0 || h == NULL)
		goto out;
	id = json_i64(h, "id", 0);
	from = json_str(h, "state");
	hazard_api_caller_init(rq, &c);
	hazard_api_state_in(rq, h, &in);
	memset(&args, 0, sizeof(args));
	args.reason = json_str(body, "reason");
	args.plan.measures = json_str(body, "measures");
	args.plan.responsible = json_str(body, "responsible");
	args.plan.funds_yuan = json_i64(body, "funds_yuan", -1);
	args.plan.emergency = json_str(body, "emergency");
	args.plan.deadline = json_str(body, "deadline");
	args.new_deadline = json_str(body, "new_deadline");
	photos = json_object_get(body, "photos");
	args.after_photos = photos ? (int)json_array_size(photos) : 0;
	rc = hazard_transition(&in, a, &args, &c.who, &out, &fe);
	if ((rc == 0 || rc == ERR_INVALID) && (BIT(a) & DEPT_ACTIONS) && !hazard_api_dept_ok(&c, h))
		rc = ERR_FORBIDDEN;
	if (!typed_ok && (rc == ERR_CONFLICT || rc == ERR_FORBIDDEN))
		rc = ERR_INVALID; /* a malformed body is 422, as before the hazard is read */
	if (rc == ERR_CONFLICT) {
		unsigned allowed = out.allowed;

		if (!hazard_api_dept_ok(&c, h))
			allowed &= ~DEPT_ACTIONS;
		rc = conflict(rs, aname, from, allowed);
		goto out;
	}
	if (rc == ERR_FORBIDDEN) {
		char why[300];

		forbidden_reason(&c, h, &in, a, why, sizeof(why));
		rc = resp_problem(rs, 403, NULL, why, NULL);
		goto out;
	}
	/* Checks beyond the pure rules: photos stored, a re-grading's criterion. */
	if (a == HAZARD_SUBMIT && photos)
		hazard_api_check_photos(rq, photos, "photos", &fe);
	if (a == HAZARD_CONFIRM && (new_level = json_str(body, "level")) == NULL &&
	    (json_i64(body, "criterion_id", 0) > 0 ||
	     !hazard_api_blank(json_str(body, "criterion_text"))))
		new_level = json_str(h, "level"); /* a criterion for the level it has */
	if (a == HAZARD_CONFIRM && new_level != NULL) {
		if (!str_one_of(new_level, (const char *const[]){ "general", "major", NULL })) {
			field_errors_add(&fe, "level", "must be general or major");
		} else if (strcmp(new_level, "major") == 0 && rq->user->role != ROLE_INSPECTOR) {
			rc = resp_problem(rs, 403, NULL,
					  "a major hazard is confirmed by an inspector", NULL);
			goto out;
		} else {
			crit = json_i64(body, "criterion_id", 0);
			hazard_api_check_criterion(rq, new_level, crit,
						   json_str(body, "criterion_text"),
						   hazard_api_nz(json_str(h, "industry_code")),
						   &fe);
		}
	}
	if (rc == ERR_INVALID || fe.n) {
		rename_fields(&fe);
		field_errors_first_per_field(&fe);
		rc = resp_invalid(rs, &fe);
		goto out;
	}
	if (rc < 0)
		goto out;

	memset(&up, 0, sizeof(up));
	up.state = hazard_state_name(out.state);
	if (out.deadline)
		date_format(out.deadline, deadline, sizeof(deadline));
	up.deadline = deadline[0] ? deadline : NULL;
	up.extension_pending = out.extension_pending;
	if (out.extension_pending)
		date_format(out.pending_deadline, pending, sizeof(pending));
	up.pending_deadline = pending[0] ? pending : NULL;
	up.extension_requests = out.extension_requests;
	up.rectifier_id = out.rectifier_id;
	up.verifier_id = json_i64(h, "verifier_id", 0);
	up.send_backs = (int)json_i64(h, "send_backs", 0);
	up.closed_ms = json_i64(h, "closed_ms", 0);
	up.updated_ms = now;
	detail = json_object();
	switch (a) {
	case HAZARD_PLAN:
		up.set_plan = true;
		up.measures = args.plan.measures;
		up.responsible = args.plan.responsible;
		up.funds_yuan = args.plan.funds_yuan;
		up.emergency = args.plan.emergency ? args.plan.emergency : "";
		json_object_set_new(detail, "plan",
				    json_pack("{s:s, s:s, s:I, s:s, s:s}", "measures", up.measures,
					      "responsible", up.responsible, "funds_yuan",
					      (json_int_t)up.funds_yuan, "emergency", up.emergency,
					      "deadline", deadline));
		break;
	case HAZARD_SUBMIT:
		json_object_set(detail, "photos", photos);
		break;
	case HAZARD_VERIFY:
		up.verifier_id = c.who.user_id;
		up.closed_ms = now;
		break;
	case HAZARD_SEND_BACK:
		up.verifier_id = c.who.user_id;
		up.send_backs++;
		break;
	case HAZARD_REQUEST_EXTENSION:
		json_object_set_new(detail, "new_deadline", json_string(pending));
		break;
	case HAZARD_APPROVE_EXTENSION:
		json_object_set_new(detail, "deadline", json_string(deadline));
		break;
	case HAZARD_REOPEN:
		up.closed_ms = 0;
		break;
	case HAZARD_CONFIRM:
		if (new_level) {
			up.set_level = true;
			up.level = new_level;
			up.criterion_id = crit;
			up.criterion_text = json_str(body, "criterion_text");
			json_object_set_new(detail, "level", json_string(new_level));
		}
		break;
	default:
		break;
	}
	if (json_str(body, "note"))
		json_object_set_new(detail, "note", json_string(json_str(body, "note")));
	rc = hazard_db_update(rq->db, id, from, &up);
	detail_text = json_dump_compact(detail);
	if (rc == 0)
		rc = hazard_db_event_add(rq->db, id, now, c.who.user_id, rq->user->login, aname,
					 from, up.state, args.reason, detail_text, &event_id);
	for (size_t i = 0; rc == 0 && a == HAZARD_SUBMIT && i < json_array_size(photos); i++)
		rc = hazard_db_photo_link(rq->db, id, json_string_value(json_array_get(photos, i)),
					  "after", event_id, now);
	if (rc == 0 && a == HAZARD_REOPEN) {
		const json_t *plan = json_object_get(h, "plan");

		rc = hazard_db_false_closure(rq->db, id, now,
					     plan ? json_str(plan, "responsible") : "",
					     json_i64(h, "rectifier_id", 0),
					     json_i64(h, "verifier_id", 0), args.reason);
	}
	if (rc == 0) {
		snprintf(audit_action, sizeof(audit_action), "hazard.%s", aname);
		summary = json_pack("{s:s, s:s, s:s, s:O}", "number",
				    hazard_api_nz(json_str(h, "number")), "from", from, "to",
				    up.state, "detail", detail);
		if (args.reason)
			json_object_set_new(summary, "reason", json_string(args.reason));
		rc = audit_record(rq, audit_action, "hazard", id, summary);
	}
	if (rc == 0)
		rc = audit_last_id(rq->db, &audit_id);
	if (rc == 0)
		rc = hazard_db_event_set_audit(rq->db, event_id, audit_id);
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT) {
		rc = resp_problem(rs, 409, NULL, "the hazard changed meanwhile; reload it", NULL);
		goto out;
	}
	if (rc == 0)
		rc = hazard_api_answer(rq, rs, id, 200);
out:
	if (db_in_transaction(rq->db))
		db_rollback(rq->db);
	free(detail_text);
	json_decref(detail);
	json_decref(h);
	return rc;
}

const struct route hazard_action_routes[] = {
	{ .method = HTTP_POST,
	  .path = "/api/v1/hazards/{id}/actions/{action}",
	  .handler = act,
	  .perm = PERM_HAZARD_ACT,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 65536,
	  .summary = "a life-cycle action: confirm, dismiss, plan, submit, verify, send_back, "
		     "request_extension, approve_extension, refuse_extension, reopen (409 "
		     "names the allowed actions)" },
	{ 0 },
};
