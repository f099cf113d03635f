/* SPDX-License-Identifier: MIT */
/*
 * Risk check items and tasks over HTTP (issue 5 §4, docs/risk.md "Check tasks"): the
 * items of a control measure (risk.read / risk.write), the tasks generated from them
 * (risk.read; GET /risk/tasks first runs the check-task pass for an officer's own
 * enterprise), pass and fail (risk.check, the assignee; a failed check opens exactly one
 * hidden hazard through hazard_report_in_tx() in the same transaction), and completion
 * rates. Every write is one transaction with its audit record.
 *
 * Scope: rows carry enterprise_id; a caller sees a row when it would see the enterprise
 * (enterprise_api_in_scope), else 404. A task is done by its assignee; when the assignee
 * is no longer an officer of the enterprise, by any officer of it (403 otherwise).
 */
#define LOG_MODULE "risk"
#include "risk/risk_check_api.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/perm.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise.h"
#include "enterprise/enterprise_api.h"
#include "hazard/hazard.h"
#include "hazard/hazard_api.h"
#include "report/table.h"
#include "risk/risk_check.h"
#include "risk/risk_check_db.h"
#include "risk/risk_scan.h"
#include "core/banned.h"

/* ------------------------------------------------------------ helpers */

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* The caller's scope as a list filter; buf holds the region prefix. */
static void scope_of(const struct req *rq, struct risk_check_scope *s, char *buf, size_t n)
{
	memset(s, 0, sizeof(*s));
	enterprise_api_scope_filter(rq, buf, n, &s->prefix, &s->grid_user, &s->uscc);
}

static bool visible(const struct req *rq, const json_t *o)
{
	const char *uscc = json_str(o, "_uscc");

	return enterprise_api_in_scope(rq, uscc ? uscc : "", json_str(o, "_region_code"),
				       json_i64(o, "_grid_id", 0));
}

/* Removes the internal members (names starting with '_') of o and of each item of a list. */
static void strip(json_t *o)
{
	json_object_del(o, "_uscc");
	json_object_del(o, "_region_code");
	json_object_del(o, "_grid_id");
}

static void strip_all(json_t *items)
{
	json_t *v;
	size_t i;

	json_array_foreach(items, i, v)
		strip(v);
}

/* A query argument that is a positive id; 0 when absent; an error in fe when malformed. */
static int64_t query_id(struct req *rq, const char *name, struct field_errors *fe)
{
	const char *v = req_query(rq, name);
	int64_t id = 0;

	if (v == NULL)
		return 0;
	if (parse_i64(v, &id) < 0 || id < 1)
		field_errors_add(fe, name, "must be a positive integer");
	return id;
}

/* A "YYYY-MM-DD" query argument as the UTC instant of local midnight (+ add_days); -1 = absent. */
static int64_t query_day(struct req *rq, const char *name, int add_days, struct field_errors *fe)
{
	const char *v = req_query(rq, name);
	int64_t day = 0;

	if (v == NULL)
		return -1;
	if (date_parse(v, &day) < 0) {
		field_errors_add(fe, name, "must be a real date YYYY-MM-DD (UTC+8)");
		return -1;
	}
	return (day + add_days) * 86400000LL - CLOCK_LOCAL_OFFSET_MS;
}

/* ------------------------------------------------------------ items */

static const struct json_field item_create_fields[] = {
	{ "content", JF_STRING, JF_REQUIRED, 500, 0, 0 },
	{ "schedule", JF_STRING, JF_REQUIRED, 10, 0, 0 },
	{ "assignee_id", JF_INT, JF_REQUIRED, 0, 1, INT64_MAX },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ "start_ms", JF_INT, 0, 0, 0, 32503680000000LL },
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field item_patch_fields[] = {
	{ "content", JF_STRING, 0, 500, 0, 0 },
	{ "schedule", JF_STRING, 0, 10, 0, 0 },
	{ "assignee_id", JF_INT, 0, 0, 1, INT64_MAX },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/*
 * Checks the fields an item's create and patch share; in holds the values to write. The
 * assignee is checked when the body names one or the item becomes active (was_active false):
 * an item whose assignee was locked or left can still be made inactive or reworded.
 */
static void check_item(struct req *rq, const json_t *body, struct risk_check_item_in *in,
		       bool was_active, struct field_errors *fe)
{
	enum risk_schedule s;
	bool ok = false;

	if (json_has(body, "content"))
		in->content = json_str(body, "content");
	if (blank(in->content))
		field_errors_add(fe, "content", "what to check is required");
	if (json_has(body, "schedule"))
		in->schedule = json_str(body, "schedule");
	if (risk_schedule_parse(in->schedule, &s) < 0)
		field_errors_add(fe, "schedule", "must be shift, daily, weekly or monthly");
	if (json_has(body, "assignee_id"))
		in->assignee_id = json_i64(body, "assignee_id", 0);
	if (json_has(body, "active"))
		in->active = json_is_true(json_object_get(body, "active"));
	if (in->assignee_id > 0 && (json_has(body, "assignee_id") || (in->active && !was_active)) &&
	    (risk_check_db_officer_of(rq->db, in->assignee_id, in->enterprise_id, &ok) < 0 || !ok))
		field_errors_add(fe, "assignee_id",
				 "must be an unlocked enterprise_officer account of the item's "
				 "enterprise");
}

/* Loads measure {id} when the caller sees it; *ok false: the answer (400/404) is written. */
static int load_measure(struct req *rq, struct resp *rs, struct risk_check_measure *m, bool *ok)
{
	int64_t id;
	int rc;

	*ok = false;
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the measure id must be a positive integer",
				    NULL);
	rc = risk_check_db_measure(rq->db, id, m);
	if (rc == ERR_NOT_FOUND ||
	    (rc == 0 && !enterprise_api_in_scope(rq, m->uscc, m->region_code, m->grid_id)))
		return resp_problem(rs, 404, NULL, "no such control measure", NULL);
	*ok = rc == 0;
	return rc;
}

static int answer_item(struct req *rq, struct resp *rs, int64_t id, int status)
{
	json_t *o = NULL;
	int rc = risk_check_db_item_get(rq->db, id, &o);

	if (rc < 0)
		return rc;
	strip(o);
	return resp_json(rs, status, o);
}

static const char *const item_sorts[] = { "id", NULL };

static int list_items_of(struct req *rq, struct resp *rs, struct risk_check_item_filter *f)
{
	struct field_errors fe = { 0 };
	struct list_params lp;
	json_t *items = NULL;
	char buf[16];
	int rc;

	list_params_parse(rq, item_sorts,
			  (const char *const[]){ "enterprise_id", "point_id", NULL }, &lp, &fe);
	if (f->measure_id == 0) {
		f->enterprise_id = query_id(rq, "enterprise_id", &fe);
		f->point_id = query_id(rq, "point_id", &fe);
	} else if (req_query(rq, "enterprise_id") || req_query(rq, "point_id")) {
		field_errors_add(&fe, req_query(rq, "point_id") ? "point_id" : "enterprise_id",
				 "is not a filter of a measure's items");
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	scope_of(rq, &f->scope, buf, sizeof(buf));
	rc = risk_check_db_items(rq->db, f, &lp, &items);
	if (rc < 0)
		return rc;
	strip_all(items);
	return resp_json(rs, 200, list_page(items, &lp));
}

static int measure_items(struct req *rq, struct resp *rs)
{
	struct risk_check_measure m;
	struct risk_check_item_filter f = { 0 };
	bool ok;
	int rc = load_measure(rq, rs, &m, &ok);

	if (!ok)
		return rc;
	f.measure_id = m.id;
	return list_items_of(rq, rs, &f);
}

static int check_items(struct req *rq, struct resp *rs)
{
	struct risk_check_item_filter f = { 0 };

	return list_items_of(rq, rs, &f);
}

static int item_create(struct req *rq, struct resp *rs)
{
	struct risk_check_measure m;
	struct risk_check_item_in in = { 0 };
	struct field_errors fe = { 0 };
	int64_t id = 0;
	bool ok;
	int rc = load_measure(rq, rs, &m, &ok);

	if (!ok)
		return rc;
	if (json_check(rq->body, item_create_fields, &fe) < 0 && !json_is_object(rq->body))
		return resp_invalid(rs, &fe);
	in.enterprise_id = m.enterprise_id;
	in.point_id = m.point_id;
	in.measure_id = m.id;
	in.active = true;
	in.now_ms = now_ms();
	in.start_ms = json_i64(rq->body, "start_ms", hazard_api_now(rq));
	check_item(rq, rq->body, &in, false, &fe);
	if (fe.n) {
		field_errors_first_per_field(&fe);
		return resp_invalid(rs, &fe);
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_check_db_item_insert(rq->db, &in, &id);
	if (rc == 0)
		rc = audit_record(rq, "risk.check_item.create", "check_item", id,
				  json_pack("{s:I, s:I, s:s, s:s, s:I, s:b}", "enterprise_id",
					    (json_int_t)in.enterprise_id, "measure_id",
					    (json_int_t)in.measure_id, "content", in.content,
					    "schedule", in.schedule, "assignee_id",
					    (json_int_t)in.assignee_id, "active", in.active));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	return answer_item(rq, rs, id, 201);
}

/* Loads check item {id} when the caller sees it; NULL with rc 0: the answer is written. */
static int load_item(struct req *rq, struct resp *rs, json_t **o)
{
	int64_t id;
	int rc;

	*o = NULL;
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the check item id must be a positive integer",
				    NULL);
	rc = risk_check_db_item_get(rq->db, id, o);
	if (rc == ERR_NOT_FOUND || (rc == 0 && !visible(rq, *o))) {
		json_decref(*o);
		*o = NULL;
		return resp_problem(rs, 404, NULL, "no such check item", NULL);
	}
	return rc;
}

static int item_patch(struct req *rq, struct resp *rs)
{
	struct risk_check_item_in in = { 0 };
	struct field_errors fe = { 0 };
	json_t *o = NULL, *summary;
	int64_t id;
	int rc = load_item(rq, rs, &o);

	if (o == NULL)
		return rc;
	id = json_i64(o, "id", 0);
	if (json_check(rq->body, item_patch_fields, &fe) < 0 && !json_is_object(rq->body)) {
		json_decref(o);
		return resp_invalid(rs, &fe);
	}
	in.enterprise_id = json_i64(o, "enterprise_id", 0);
	in.content = json_str(o, "content");
	in.schedule = json_str(o, "schedule");
	in.assignee_id = json_i64(o, "assignee_id", 0);
	in.active = json_is_true(json_object_get(o, "active"));
	in.now_ms = hazard_api_now(rq); /* fake.now_ms aware: it may restart the item */
	check_item(rq, rq->body, &in, json_is_true(json_object_get(o, "active")), &fe);
	if (fe.n) {
		json_decref(o);
		field_errors_first_per_field(&fe);
		return resp_invalid(rs, &fe);
	}
	summary = json_pack("{s:s, s:s, s:I, s:b}", "content", in.content, "schedule", in.schedule,
			    "assignee_id", (json_int_t)in.assignee_id, "active", in.active);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_check_db_item_update(rq->db, id, &in);
	if (rc == 0)
		rc = audit_record(rq, "risk.check_item.update", "check_item", id, summary);
	else
		json_decref(summary);
	rc = db_finish(rq->db, rc);
	json_decref(o);
	if (rc == ERR_CONFLICT) {
		struct field_errors conflict = { 0 };

		field_errors_add(&conflict, "schedule",
				 "the item has check tasks: set active to false and add a new item "
				 "with the new schedule");
		return resp_problem(rs, 409, NULL, "the item's schedule cannot change", &conflict);
	}
	if (rc < 0)
		return rc;
	return answer_item(rq, rs, id, 200);
}

static int item_delete(struct req *rq, struct resp *rs)
{
	json_t *o = NULL;
	int64_t id;
	int rc = load_item(rq, rs, &o);

	if (o == NULL)
		return rc;
	id = json_i64(o, "id", 0);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_check_db_item_delete(rq->db, id);
	if (rc == 0)
		rc = audit_record(rq, "risk.check_item.delete", "check_item", id,
				  json_pack("{s:I, s:s}", "enterprise_id",
					    (json_int_t)json_i64(o, "enterprise_id", 0), "content",
					    json_str(o, "content")));
	rc = db_finish(rq->db, rc);
	json_decref(o);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL,
				    "the item has check tasks: set active to false instead", NULL);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

/* ------------------------------------------------------------ tasks */

static const char *const task_filters[] = {
	"state", "enterprise_id", "point_id", "assignee", "from", "to", "schedule", NULL
};
static const char *const task_sorts[] = { "period_start_ms", "id", NULL };

/* Runs the check-task pass for an officer's own enterprise (it never waits for the scheduler). */
static int generate_own(struct req *rq)
{
	struct audit_actor actor;
	struct risk_scan_result res;
	int64_t eid = 0;

	if (rq->user->scope.kind != SCOPE_ENTERPRISE ||
	    risk_check_db_enterprise_by_uscc(rq->db, rq->user->scope.enterprise, &eid) < 0)
		return 0;
	audit_actor_from_req(rq, &actor);
	return risk_scan(rq->db, &rq->app->cfg, hazard_api_now(rq), eid, &actor, &res);
}

static int tasks(struct req *rq, struct resp *rs)
{
	struct risk_check_task_filter f;
	struct field_errors fe = { 0 };
	struct list_params lp;
	json_t *items = NULL;
	const char *v;
	enum risk_schedule sch;
	char buf[16];
	int rc;

	memset(&f, 0, sizeof(f));
	list_params_parse(rq, task_sorts, task_filters, &lp, &fe);
	if (req_query(rq, "sort") == NULL)
		lp.desc = true; /* newest period first */
	if ((v = req_query(rq, "state")) != NULL) {
		bool known = false;

		for (int i = 0; i < RISK_TASK_STATE_COUNT_; i++)
			known |= strcmp(v, risk_task_state_name((enum risk_task_state)i)) == 0;
		if (!known)
			field_errors_add(&fe, "state", "must be open, passed, failed or missed");
		f.state = v;
	}
	if ((v = req_query(rq, "schedule")) != NULL) {
		if (risk_schedule_parse(v, &sch) < 0)
			field_errors_add(&fe, "schedule",
					 "must be shift, daily, weekly or monthly");
		f.schedule = v;
	}
	if ((v = req_query(rq, "assignee")) != NULL) {
		if (strcmp(v, "me") != 0)
			field_errors_add(&fe, "assignee", "must be me");
		f.assignee_id = rq->user->user_id;
	}
	f.enterprise_id = query_id(rq, "enterprise_id", &fe);
	f.point_id = query_id(rq, "point_id", &fe);
	f.from_ms = query_day(rq, "from", 0, &fe);
	f.to_ms = query_day(rq, "to", 1, &fe);
	if (f.from_ms >= 0 && f.to_ms >= 0 && f.to_ms <= f.from_ms)
		field_errors_add(&fe, "to", "must not be before from");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = generate_own(rq);
	if (rc < 0)
		log_warn("check tasks of %s not generated: %s", rq->user->login, err_str(rc));
	scope_of(rq, &f.scope, buf, sizeof(buf));
	rc = risk_check_db_tasks(rq->db, &f, &lp, &items);
	if (rc < 0)
		return rc;
	strip_all(items);
	return resp_json(rs, 200, list_page(items, &lp));
}

/* Loads task {id} when the caller sees it; NULL with rc 0: the answer is written. */
static int load_task(struct req *rq, struct resp *rs, json_t **o)
{
	int64_t id;
	int rc;

	*o = NULL;
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the task id must be a positive integer", NULL);
	rc = risk_check_db_task_get(rq->db, id, o);
	if (rc == ERR_NOT_FOUND || (rc == 0 && !visible(rq, *o))) {
		json_decref(*o);
		*o = NULL;
		return resp_problem(rs, 404, NULL, "no such check task", NULL);
	}
	return rc;
}

static int answer_task(struct req *rq, struct resp *rs, int64_t id, int status)
{
	json_t *o = NULL;
	int rc = risk_check_db_task_get(rq->db, id, &o);

	if (rc < 0)
		return rc;
	strip(o);
	return resp_json(rs, status, o);
}

static int task_get(struct req *rq, struct resp *rs)
{
	json_t *o = NULL;
	int rc = load_task(rq, rs, &o);

	if (o == NULL)
		return rc;
	strip(o);
	return resp_json(rs, 200, o);
}

/*
 * Whether the caller may do task t now: its assignee (or an officer of its enterprise
 * when the assignee no longer is one), the task still open and its period not ended.
 * Returns 0 when it may; else the answer (403 / 409) is written and *done set.
 */
static int may_do(struct req *rq, struct resp *rs, const json_t *t, bool *done)
{
	enum risk_task_state st = RISK_TASK_STATE_COUNT_;
	const char *s = json_str(t, "state");
	int64_t assignee = json_i64(t, "assignee_id", 0);
	bool still = true;

	*done = true;
	if (assignee != rq->user->user_id) {
		if (risk_check_db_officer_of(rq->db, assignee, json_i64(t, "enterprise_id", 0),
					     &still) < 0)
			return ERR_DB;
		if (still)
			return resp_problem(rs, 403, NULL,
					    "this check task is assigned to another officer", NULL);
	}
	for (int i = 0; i < RISK_TASK_STATE_COUNT_; i++)
		if (s && strcmp(s, risk_task_state_name((enum risk_task_state)i)) == 0)
			st = (enum risk_task_state)i;
	if (st != RISK_TASK_OPEN)
		return resp_problem(rs, 409, NULL, "the check task is done already", NULL);
	if (risk_task_missed(st, json_i64(t, "period_end_ms", 0), hazard_api_now(rq)))
		return resp_problem(rs, 409, NULL,
				    "the check task's period has ended: it is missed", NULL);
	*done = false;
	return 0;
}

static const struct json_field pass_fields[] = {
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int task_pass(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *t = NULL;
	const char *note;
	int64_t id;
	bool done;
	int rc = load_task(rq, rs, &t);

	if (t == NULL)
		return rc;
	id = json_i64(t, "id", 0);
	if (json_check(rq->body, pass_fields, &fe) < 0) {
		json_decref(t);
		return resp_invalid(rs, &fe);
	}
	rc = may_do(rq, rs, t, &done);
	json_decref(t);
	if (done)
		return rc;
	note = json_str(rq->body, "note");
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_check_db_task_done(rq->db, id, "passed", hazard_api_now(rq),
					     rq->user->user_id, note, 0);
	if (rc == 0)
		rc = audit_record(rq, "risk.task.pass", "check_task", id,
				  json_pack("{s:s}", "note", note ? note : ""));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL, "the check task is done already", NULL);
	if (rc < 0)
		return rc;
	return answer_task(rq, rs, id, 200);
}

static const struct json_field fail_fields[] = {
	{ "description", JF_STRING, JF_REQUIRED, 2000, 0, 0 },
	{ "level", JF_STRING, 0, 8, 0, 0 },
	{ "category", JF_STRING, 0, 12, 0, 0 },
	{ "location", JF_STRING, 0, 200, 0, 0 },
	{ "criterion_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "criterion_text", JF_STRING, 0, 500, 0, 0 },
	{ "photos", JF_ARRAY, 0, 20, 0, 0 },
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int task_fail(struct req *rq, struct resp *rs)
{
	const json_t *body = rq->body;
	struct field_errors fe = { 0 };
	struct enterprise e;
	struct hazard_new hn;
	json_t *t = NULL, *photos;
	int64_t id, hazard_id = 0, today = today_local(rq->app->cfg.fake_now_ms);
	char number[HAZARD_NUMBER_MAX], year[16], where[240];
	bool done;
	int rc = load_task(rq, rs, &t);

	if (t == NULL)
		return rc;
	id = json_i64(t, "id", 0);
	if (json_check(body, fail_fields, &fe) < 0 && !json_is_object(body)) {
		json_decref(t);
		return resp_invalid(rs, &fe);
	}
	rc = may_do(rq, rs, t, &done);
	if (done) {
		json_decref(t);
		return rc;
	}
	enterprise_init(&e);
	rc = enterprise_db_get(rq->db, json_i64(t, "enterprise_id", 0), &e);
	if (rc < 0)
		goto out;
	memset(&hn, 0, sizeof(hn));
	hn.description = json_str(body, "description");
	if (blank(hn.description))
		field_errors_add(&fe, "description", "what was found is required");
	hn.level = json_str(body, "level") ? json_str(body, "level") : "general";
	if (strcmp(hn.level, "general") != 0 && strcmp(hn.level, "major") != 0)
		field_errors_add(&fe, "level", "must be general or major");
	else
		hazard_api_check_criterion(rq, hn.level, json_i64(body, "criterion_id", 0),
					   json_str(body, "criterion_text"), e.industry_code, &fe);
	hn.category = json_str(body, "category") ? json_str(body, "category") : "site";
	if (strcmp(hn.category, "site") != 0 && strcmp(hn.category, "management") != 0)
		field_errors_add(&fe, "category", "must be management or site");
	photos = json_object_get(body, "photos");
	if (photos)
		hazard_api_check_photos(rq, photos, "photos", &fe);
	if (fe.n) {
		field_errors_first_per_field(&fe);
		rc = resp_invalid(rs, &fe);
		goto out;
	}
	snprintf(where, sizeof(where), "%s",
		 blank(json_str(body, "location")) ? json_str(t, "point_name")
						   : json_str(body, "location"));
	hn.location = where;
	hn.enterprise_id = e.id;
	hn.region_code = e.region_code;
	hn.grid_id = e.grid_id;
	hn.industry_code = e.industry_code;
	hn.source = "self_check";
	hn.reporter_id = rq->user->user_id;
	hn.actor_login = rq->user->login;
	hn.subcategory = json_str(t, "content");
	hn.criterion_id = json_i64(body, "criterion_id", 0);
	hn.criterion_text = json_str(body, "criterion_text");
	hn.found_ms = hazard_api_now(rq);
	date_format(today, year, sizeof(year));
	hn.year = (year[0] - '0') * 1000 + (year[1] - '0') * 100 + (year[2] - '0') * 10 +
		  (year[3] - '0');
	hn.now_ms = now_ms();
	hn.risk_point_id = json_i64(t, "point_id", 0);
	hn.check_task_id = id;
	/* One transaction: the hazard (its event, photos, audit), the task, the task's audit. */
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = hazard_report_in_tx(rq, &hn, photos, &hazard_id, number);
	if (rc == 0)
		rc = risk_check_db_task_done(rq->db, id, "failed", hazard_api_now(rq),
					     rq->user->user_id, json_str(body, "note"), hazard_id);
	if (rc == 0)
		rc = audit_record(rq, "risk.task.fail", "check_task", id,
				  json_pack("{s:I, s:s, s:s}", "hazard_id", (json_int_t)hazard_id,
					    "hazard_number", number, "description",
					    hn.description));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT) {
		rc = resp_problem(rs, 409, NULL, "the check task is done already", NULL);
		goto out;
	}
	if (rc < 0)
		goto out;
	log_info("check task %" PRId64 " failed by %s: hazard %s", id, rq->user->login, number);
	rc = answer_task(rq, rs, id, 200);
out:
	enterprise_release(&e);
	json_decref(t);
	return rc;
}

/* ------------------------------------------------------------ completion */

static const char *const completion_bys[] = { "enterprise", "level", "region", NULL };

/*
 * The completion items of the query (by, from, to, and format when file) in the caller's
 * scope, each with its completion_rate (risk_completion_rate(), 4 decimals; null when no
 * ended task) and the level's Chinese name for by=level. Returns 0 with *items owned and
 * *by set; a bad query is answered (400 in rs) with *items NULL; or a negative err.
 */
static int completion_items(struct req *rq, struct resp *rs, bool file, enum risk_check_by *by,
			    json_t **items)
{
	static const char *const allowed[] = { "by", "from", "to", NULL };
	static const char *const allowed_file[] = { "by", "from", "to", "format", NULL };
	static const char *const level_names[][2] = {
		{ "company", "公司级" },
		{ "department", "部门级" },
		{ "team", "班组级" },
		{ "post", "岗位级" },
	};
	struct field_errors fe = { 0 };
	struct risk_check_scope sc;
	const char *v = req_query(rq, "by");
	int64_t from, to;
	json_t *it;
	char buf[16];
	size_t i;
	int rc;

	*items = NULL;
	*by = RISK_BY_ENTERPRISE;
	query_params_check(rq, file ? allowed_file : allowed, &fe);
	if (v) {
		bool known = false;

		for (int k = 0; completion_bys[k]; k++)
			if (strcmp(v, completion_bys[k]) == 0) {
				*by = (enum risk_check_by)k;
				known = true;
			}
		if (!known)
			field_errors_add(&fe, "by", "must be enterprise, level or region");
	}
	from = query_day(rq, "from", 0, &fe);
	to = query_day(rq, "to", 1, &fe);
	if (from >= 0 && to >= 0 && to <= from)
		field_errors_add(&fe, "to", "must not be before from");
	v = req_query(rq, "format");
	if (file && v && strcmp(v, "xlsx") != 0 && strcmp(v, "csv") != 0)
		field_errors_add(&fe, "format", "must be xlsx or csv");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	scope_of(rq, &sc, buf, sizeof(buf));
	rc = risk_check_db_completion(rq->db, *by, from, to, hazard_api_now(rq), &sc, items);
	if (rc < 0)
		return rc;
	json_array_foreach(*items, i, it) {
		double r = 0;
		int64_t done = json_i64(it, "ended_done", 0), missed = json_i64(it, "missed", 0);

		json_object_set_new(it, "completion_rate",
				    risk_completion_rate(done, 0, missed, &r)
					    ? json_real((double)(int64_t)(r * 10000 + 0.5) / 10000)
					    : json_null());
		json_object_del(it, "ended_done");
		for (size_t k = 0; *by == RISK_BY_LEVEL && k < 4; k++)
			if (strcmp(json_str(it, "key"), level_names[k][0]) == 0)
				json_object_set_new(it, "name", json_string(level_names[k][1]));
	}
	return 0;
}

static int completion(struct req *rq, struct resp *rs)
{
	enum risk_check_by by;
	json_t *items = NULL;
	int rc = completion_items(rq, rs, false, &by, &items);

	if (items == NULL)
		return rc;
	return resp_json(rs, 200, json_pack("{s:o}", "items", items));
}

/*
 * GET /risk/check-completion/export: the same items as a file (report/table.h), one row
 * each with the Chinese headers the overview page shows; the rate as a percentage with
 * one decimal, empty while no task has ended.
 */
static int completion_export(struct req *rq, struct resp *rs)
{
	static const char *const first[] = { "企业名称", "管控层级", "行政区划" };
	static const char *const keys[] = { "total", "passed", "failed", "missed", "open" };
	const char *header[] = { NULL, "任务数", "正常", "有隐患", "漏检", "待检查", "完成率" };
	const char *v = req_query(rq, "format");
	enum table_format fmt = v && strcmp(v, "csv") == 0 ? TABLE_CSV : TABLE_XLSX;
	enum risk_check_by by;
	struct table_writer *w;
	json_t *items = NULL, *it;
	char *data = NULL, name[96], day[16];
	size_t len = 0, i;
	int fd = -1, rc = completion_items(rq, rs, true, &by, &items);

	if (items == NULL)
		return rc;
	w = table_writer_new(fmt, "检查完成率", NULL);
	if (w == NULL) {
		json_decref(items);
		return ERR_IO;
	}
	header[0] = first[by];
	table_writer_row(w, header, 7);
	json_array_foreach(items, i, it) {
		char num[5][24], rate[16] = "";
		const char *cells[7];
		json_t *r = json_object_get(it, "completion_rate");

		cells[0] = json_str(it, "name") ? json_str(it, "name") : json_str(it, "key");
		for (int k = 0; k < 5; k++) {
			snprintf(num[k], sizeof(num[k]), "%" PRId64, json_i64(it, keys[k], 0));
			cells[1 + k] = num[k];
		}
		if (json_is_number(r))
			snprintf(rate, sizeof(rate), "%.1f%%", json_number_value(r) * 100);
		cells[6] = rate;
		table_writer_row(w, cells, 7);
	}
	json_decref(items);
	rc = table_writer_finish(w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	date_format(today_local(rq->app->cfg.fake_now_ms), day, sizeof(day));
	snprintf(name, sizeof(name), "risk-check-completion-%s-%s.%s", completion_bys[by], day,
		 fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, name,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
}

/* ------------------------------------------------------------ routes */

const struct route risk_check_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/measures/{id}/items",
	  .handler = measure_items,
	  .perm = PERM_RISK_READ,
	  .summary = "the check items of a control measure" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/risk/measures/{id}/items",
	  .handler = item_create,
	  .perm = PERM_RISK_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "add a check item {content, schedule shift|daily|weekly|monthly, "
		     "assignee_id (an officer of the enterprise), active?, start_ms?}" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/check-items",
	  .handler = check_items,
	  .perm = PERM_RISK_READ,
	  .summary = "check items in your scope; filters enterprise_id, point_id" },
	{ .method = HTTP_PATCH,
	  .path = "/api/v1/risk/check-items/{id}",
	  .handler = item_patch,
	  .perm = PERM_RISK_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "change a check item's content, schedule, assignee_id or active" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/risk/check-items/{id}",
	  .handler = item_delete,
	  .perm = PERM_RISK_WRITE,
	  .summary = "delete a check item without tasks (409 once it has tasks: deactivate it)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/tasks",
	  .handler = tasks,
	  .perm = PERM_RISK_READ,
	  .summary = "check tasks in your scope, newest period first (an officer's current tasks "
		     "are generated first); filters state, enterprise_id, point_id, assignee=me, "
		     "from, to (local dates of the period start), schedule; sort "
		     "period_start_ms, id" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/tasks/{id}",
	  .handler = task_get,
	  .perm = PERM_RISK_READ,
	  .summary = "one check task" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/risk/tasks/{id}/pass",
	  .handler = task_pass,
	  .perm = PERM_RISK_CHECK,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "the check passed {note?} (the assignee; 409 once done or missed)" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/risk/tasks/{id}/fail",
	  .handler = task_fail,
	  .perm = PERM_RISK_CHECK,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 65536,
	  .summary = "the check failed {description, level?, category?, location?, photos?, "
		     "note?}: opens one hidden hazard (source self_check) with the task's point" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/check-completion",
	  .handler = completion,
	  .perm = PERM_RISK_READ,
	  .summary = "check completion in your scope ?by=enterprise|level|region&from=&to=: "
		     "total, passed, failed, missed, open, completion_rate" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/check-completion/export",
	  .handler = completion_export,
	  .perm = PERM_RISK_READ,
	  .summary = "check completion as a file, ?format=xlsx (default) or csv, Chinese "
		     "headers; the same by, from, to and scope as /risk/check-completion" },
	{ 0 },
};
