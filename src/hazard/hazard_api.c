/* SPDX-License-Identifier: MIT */
/*
 * Hidden hazards over HTTP (issue 4, docs/hazard.md): report, list (scoped, filtered,
 * keyset paged), export, detail with its timeline and photos, the life-cycle actions
 * (hazard_transition() decides; 409 names the allowed actions), and the criteria for
 * major hazards of an enterprise's industry. Every write is one transaction holding the
 * hazard row, its timeline row and its audit record.
 *
 * Scope: a hazard carries its enterprise's region, grid and enterprise; a caller sees it
 * when it would see the enterprise (enterprise_api_in_scope), else 404.
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
#include "hazard/hazard_db.h"
#include "http/req.h"
#include "report/table.h"
#include "core/banned.h"

/* ------------------------------------------------------------ helpers */

int64_t hazard_api_now(const struct req *rq)
{
	return config_now_ms(&rq->app->cfg);
}

int hazard_bands(const struct config *c, struct hazard_deadline_bands *b)
{
	b->due_soon_days = c->hazard_due_soon_days;
	b->overdue_long_days = c->hazard_overdue_long_days;
	return 0;
}

const char *hazard_api_nz(const char *s)
{
	return s ? s : "";
}

bool hazard_api_blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

static bool is_sha256(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

bool hazard_api_visible(const struct req *rq, const json_t *h)
{
	return enterprise_api_in_scope(rq, hazard_api_nz(json_str(h, "_uscc")),
				       json_str(h, "region_code"), json_i64(h, "grid_id", 0));
}

/* Who acts: the officer's own enterprise looked up from its scope's code. */
static void actor_of(struct req *rq, struct hazard_actor *who)
{
	const struct principal *u = rq->user;

	who->role = u->role;
	who->user_id = u->user_id;
	who->enterprise_id = 0;
	if (u->scope.kind == SCOPE_ENTERPRISE &&
	    hazard_db_enterprise_by_uscc(rq->db, u->scope.enterprise, &who->enterprise_id) < 0)
		who->enterprise_id = 0;
}

static int level_of(const char *s)
{
	return s && strcmp(s, "major") == 0 ? HAZARD_MAJOR : HAZARD_GENERAL;
}

static enum hazard_state state_of(const char *s)
{
	for (int i = 0; i < HAZARD_STATE_COUNT_; i++)
		if (s && strcmp(s, hazard_state_name((enum hazard_state)i)) == 0)
			return (enum hazard_state)i;
	return HAZARD_STATE_COUNT_;
}

static int64_t day_of(const json_t *h, const char *key)
{
	int64_t d = 0;
	const char *s = json_str(h, key);

	if (s == NULL || date_parse(s, &d) < 0)
		return 0;
	return d;
}

/* The facts of hazard h for the pure rules. */
void hazard_api_state_in(struct req *rq, const json_t *h, struct hazard_state_in *in)
{
	memset(in, 0, sizeof(*in));
	in->state = state_of(json_str(h, "state"));
	in->level = level_of(json_str(h, "level"));
	in->enterprise_id = json_i64(h, "enterprise_id", 0);
	in->rectifier_id = json_i64(h, "rectifier_id", 0);
	in->deadline = day_of(h, "deadline");
	in->extension_pending = json_is_true(json_object_get(h, "extension_pending"));
	in->pending_deadline = day_of(h, "pending_deadline");
	in->extension_requests = (int)json_i64(h, "extension_requests", 0);
	in->max_extensions = rq->app->cfg.hazard_max_extensions;
	in->today = today_local(rq->app->cfg.fake_now_ms);
}

void hazard_api_caller_init(struct req *rq, struct hazard_caller *c)
{
	actor_of(rq, &c->who);
	c->dept_id = 0;
	if (hazard_db_user_dept(rq->db, rq->user->user_id, &c->dept_id) < 0)
		c->dept_id = 0;
}

/*
 * True when the caller may take a dept action on h: a major hazard whose enterprise names a
 * supervising department is decided by an inspector of that department.
 */
bool hazard_api_dept_ok(const struct hazard_caller *c, const json_t *h)
{
	int64_t dept = json_i64(h, "_supervising_dept_id", 0);

	return level_of(json_str(h, "level")) != HAZARD_MAJOR || dept == 0 || c->dept_id == dept;
}

static unsigned allowed_for(struct req *rq, const struct hazard_caller *c, const json_t *h)
{
	struct hazard_state_in in;
	unsigned mask;

	hazard_api_state_in(rq, h, &in);
	mask = hazard_allowed_actions(&in, &c->who);
	if (!hazard_api_dept_ok(c, h))
		mask &= ~DEPT_ACTIONS;
	return mask;
}

json_t *hazard_api_actions_json(unsigned mask)
{
	json_t *a = json_array();

	for (int i = 0; i < HAZARD_ACTION_COUNT_; i++)
		if (mask & BIT(i))
			json_array_append_new(
				a, json_string(hazard_action_name((enum hazard_action)i)));
	return a;
}

/* Adds the computed fields to h and removes the internal ones. */
void hazard_api_decorate(struct req *rq, const struct hazard_caller *c, json_t *h)
{
	const struct config *cfg = &rq->app->cfg;
	struct hazard_deadline_bands b;
	enum hazard_state s = state_of(json_str(h, "state"));
	const char *dl = json_str(h, "deadline");
	int64_t day;

	hazard_bands(cfg, &b);
	if (dl && date_parse(dl, &day) == 0 && s != HAZARD_CLOSED && s != HAZARD_DISMISSED) {
		int64_t now = hazard_api_now(rq);

		json_object_set_new(h, "deadline_state",
				    json_string(hazard_deadline_state_name(
					    hazard_deadline_state(day, now, &b))));
		json_object_set_new(h, "days_left", json_integer(day - local_day(now)));
	} else {
		json_object_set_new(h, "deadline_state", json_null());
		json_object_set_new(h, "days_left", json_null());
	}
	json_object_set_new(h, "max_extensions", json_integer(cfg->hazard_max_extensions));
	json_object_set_new(h, "allowed_actions", hazard_api_actions_json(allowed_for(rq, c, h)));
	json_object_del(h, "_uscc");
	json_object_del(h, "_supervising_dept_id");
}

static json_t *photo_refs(json_t *shas)
{
	json_t *out = json_array(), *v;
	size_t i;
	char url[128], thumb[160];

	json_array_foreach(shas, i, v) {
		const char *sha = json_string_value(v);

		snprintf(url, sizeof(url), "/api/v1/photos/%s", sha);
		snprintf(thumb, sizeof(thumb), "/api/v1/photos/%s/thumb", sha);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "sha256", sha, "url", url,
						     "thumb_url", thumb));
	}
	return out;
}

/* The detail: the hazard with its photos and timeline. Steals h. Returns: owned. */
static int detail_json(struct req *rq, json_t *h, json_t **out)
{
	struct hazard_caller c;
	json_t *photos = NULL, *timeline = NULL;
	int64_t id = json_i64(h, "id", 0);
	int rc;

	*out = NULL;
	rc = hazard_db_photos(rq->db, id, &photos);
	if (rc == 0)
		rc = hazard_db_timeline(rq->db, id, &timeline);
	if (rc == 0)
		rc = hazard_db_risk_link(rq->db, id, h);
	if (rc < 0) {
		json_decref(photos);
		json_decref(h);
		return rc;
	}
	hazard_api_caller_init(rq, &c);
	hazard_api_decorate(rq, &c, h);
	json_object_set_new(h, "photos",
			    json_pack("{s:o, s:o}", "before",
				      photo_refs(json_object_get(photos, "before")), "after",
				      photo_refs(json_object_get(photos, "after"))));
	json_object_set_new(h, "timeline", timeline);
	json_decref(photos);
	*out = h;
	return 0;
}

/*
 * Loads hazard {id} when the caller may see it. *h NULL with rc 0: the answer (400/404)
 * is written.
 */
int hazard_api_load(struct req *rq, struct resp *rs, json_t **h)
{
	int64_t id;
	int rc;

	*h = NULL;
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the hazard id must be a positive integer",
				    NULL);
	rc = hazard_db_get(rq->db, id, h);
	if (rc == ERR_NOT_FOUND || (rc == 0 && !hazard_api_visible(rq, *h))) {
		json_decref(*h);
		*h = NULL;
		return resp_problem(rs, 404, NULL, "no such hazard", NULL);
	}
	return rc;
}

/* ------------------------------------------------------------ report */

static const struct json_field create_fields[] = {
	{ "enterprise_id", JF_INT, JF_REQUIRED, 0, 1, INT64_MAX },
	{ "source", JF_STRING, 0, 20, 0, 0 },
	{ "found_date", JF_STRING, 0, 10, 0, 0 },
	{ "location", JF_STRING, JF_REQUIRED, 200, 0, 0 },
	{ "lat", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "lon", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "coord_sys", JF_STRING, 0, 8, 0, 0 },
	{ "category", JF_STRING, JF_REQUIRED, 12, 0, 0 },
	{ "subcategory", JF_STRING, 0, 60, 0, 0 },
	{ "level", JF_STRING, JF_REQUIRED, 8, 0, 0 },
	{ "criterion_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "criterion_text", JF_STRING, 0, 500, 0, 0 },
	{ "description", JF_STRING, JF_REQUIRED, 2000, 0, 0 },
	{ "photos", JF_ARRAY, 0, 20, 0, 0 },
	{ "client_ref", JF_STRING, 0, 64, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* The sources each role may report from; the first is the default. */
static const char *const *sources_of(enum role r)
{
	static const char *const officer[] = { "self_check", NULL };
	static const char *const grid[] = { "grid_patrol", NULL };
	static const char *const inspector[] = { "enforcement", "tipoff", NULL };
	static const char *const leader[] = { "leader_inspection", NULL };
	static const char *const none[] = { NULL };

	switch (r) {
	case ROLE_ENTERPRISE_OFFICER:
		return officer;
	case ROLE_GRID_MANAGER:
	case ROLE_GRID_PATROLLER:
	case ROLE_GRID_SUPERVISOR:
		return grid;
	case ROLE_INSPECTOR:
		return inspector;
	case ROLE_LEADER:
		return leader;
	default:
		return none;
	}
}

/*
 * Keeps the first error of each field (the type or range error json_check found, which is
 * the most specific: a field of the wrong type also fails its rule), so that every bad
 * field is named once.
 */
/*
 * Checks the criterion of a major hazard (or of a re-grading): covered -> criterion_id of a
 * set covering the industry; not covered -> criterion_text. A general hazard names none
 * (criterion_id / criterion_text: "only for a major hazard").
 */
void hazard_api_check_criterion(struct req *rq, const char *level, int64_t criterion_id,
				const char *criterion_text, const char *industry,
				struct field_errors *fe)
{
	json_t *items = NULL;
	bool covered = false, covers = false;

	if (strcmp(level, "major") != 0) {
		/* 重大事故隐患判定标准 grade major hazards only: a general one names none. */
		if (criterion_id > 0)
			field_errors_add(fe, "criterion_id", "only for a major hazard");
		if (!hazard_api_blank(criterion_text))
			field_errors_add(fe, "criterion_text", "only for a major hazard");
		return;
	}
	if (hazard_db_criteria(rq->db, industry, &items) == 0)
		covered = json_array_size(items) > 0;
	json_decref(items);
	if (criterion_id > 0) {
		if (hazard_db_criterion_covers(rq->db, criterion_id, industry, &covers) < 0 ||
		    !covers)
			field_errors_add(fe, "criterion_id",
					 "is not an item of the criteria for industry %s",
					 industry);
		return;
	}
	if (covered)
		field_errors_add(fe, "criterion_id",
				 "a major hazard names the criterion item it meets (the industry's "
				 "criteria: GET /api/v1/hazard-criteria)");
	else if (hazard_api_blank(criterion_text))
		field_errors_add(
			fe, "criterion_text",
			"a major hazard names the criterion it meets (no loaded set covers "
			"industry %s)",
			industry);
}

void hazard_api_check_photos(struct req *rq, const json_t *arr, const char *field,
			     struct field_errors *fe)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (!is_sha256(s)) {
			field_errors_add(fe, field, "item %zu is not a SHA-256 in lower-case hex",
					 i);
			return;
		}
		if (!hazard_api_photo_visible(rq,
					      s)) { /* not stored, or not the caller's to show */
			field_errors_add(fe, field, "item %zu: no photo %s was uploaded", i, s);
			return;
		}
	}
}

int hazard_api_answer(struct req *rq, struct resp *rs, int64_t id, int status)
{
	json_t *h = NULL, *o = NULL;
	int rc = hazard_db_get(rq->db, id, &h);

	if (rc == 0)
		rc = detail_json(rq, h, &o);
	if (rc < 0)
		return rc;
	return resp_json(rs, status, o);
}

int hazard_report_in_tx(struct req *rq, const struct hazard_new *hn, const json_t *photos,
			int64_t *id, char *number)
{
	json_t *summary;
	int64_t event_id = 0, audit_id = 0;
	int rc = hazard_db_insert(rq->db, hn, id, number, &event_id);

	for (size_t i = 0; rc == 0 && photos && i < json_array_size(photos); i++)
		rc = hazard_db_photo_link(rq->db, *id, json_string_value(json_array_get(photos, i)),
					  "before", event_id, hn->now_ms);
	if (rc == 0) {
		summary = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "number", number,
				    "enterprise_id", (json_int_t)hn->enterprise_id, "source",
				    hn->source, "level", hn->level, "category", hn->category,
				    "location", hazard_api_nz(hn->location), "description",
				    hn->description);
		if (summary && photos)
			json_object_set(summary, "photos", (json_t *)photos);
		if (summary && hn->risk_point_id > 0)
			json_object_set_new(summary, "risk_point_id",
					    json_integer(hn->risk_point_id));
		if (summary && hn->check_task_id > 0)
			json_object_set_new(summary, "check_task_id",
					    json_integer(hn->check_task_id));
		rc = audit_record(rq, "hazard.report", "hazard", *id, summary);
	}
	if (rc == 0)
		rc = audit_last_id(rq->db, &audit_id);
	if (rc == 0)
		rc = hazard_db_event_set_audit(rq->db, event_id, audit_id);
	return rc;
}

static int create(struct req *rq, struct resp *rs)
{
	const json_t *body = rq->body;
	const struct principal *u = rq->user;
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	struct enterprise e;
	struct hazard_new hn;
	struct audit_actor actor;
	const char *const *sources = sources_of(u->role);
	const char *v, *ref = json_str(body, "client_ref");
	json_t *lat, *lon, *photos;
	int64_t today = today_local(cfg->fake_now_ms), found_day = today, id = 0, existing = 0,
		reporter = 0;
	char number[HAZARD_NUMBER_MAX], year[16];
	bool have_e = false;
	int rc;

	/* Type errors first; the rules then name the other fields (first_per_field). */
	if (json_check(body, create_fields, &fe) < 0 && !json_is_object(body))
		return resp_invalid(rs, &fe);
	memset(&hn, 0, sizeof(hn));
	enterprise_init(&e);
	rc = enterprise_db_get(rq->db, json_i64(body, "enterprise_id", 0), &e);
	if (rc == ERR_NOT_FOUND) {
		field_errors_add(&fe, "enterprise_id", "no enterprise has this id");
	} else if (rc < 0) {
		goto out;
	} else {
		have_e = true;
		if (!enterprise_api_in_scope(rq, e.uscc, e.region_code, e.grid_id)) {
			field_errors_add(&fe, "enterprise_id", "is outside your data scope");
			fe.forbidden = true;
		}
	}
	hn.source = sources[0];
	if ((v = json_str(body, "source")) != NULL) {
		if (!str_one_of(v, sources))
			field_errors_add(&fe, "source", "your role (%s) reports only as %s%s%s",
					 role_name(u->role), hazard_api_nz(sources[0]),
					 sources[0] && sources[1] ? " or " : "",
					 sources[0] && sources[1] ? sources[1] : "");
		hn.source = v;
	}
	if (hn.source == NULL)
		field_errors_add(&fe, "source", "your role does not report hazards");
	if ((v = json_str(body, "found_date")) != NULL) {
		if (date_parse(v, &found_day) < 0)
			field_errors_add(&fe, "found_date", "must be a real date YYYY-MM-DD");
		else if (found_day > today)
			field_errors_add(&fe, "found_date", "must not be in the future (UTC+8)");
	}
	lat = json_object_get(body, "lat");
	lon = json_object_get(body, "lon");
	if ((lat && !json_is_null(lat)) != (lon && !json_is_null(lon))) {
		field_errors_add(&fe, lat && !json_is_null(lat) ? "lon" : "lat",
				 "lat and lon are given together");
	} else if (lat && !json_is_null(lat)) {
		hn.has_coord = true;
		hn.lat = json_number_value(lat);
		hn.lon = json_number_value(lon);
		if (!enterprise_in_china(hn.lat, hn.lon))
			field_errors_add(&fe, "lat", "the point is not in China");
		if ((v = json_str(body, "coord_sys")) != NULL && strcmp(v, "gcj02") != 0 &&
		    strcmp(v, "wgs84") != 0)
			field_errors_add(&fe, "coord_sys", "must be gcj02 or wgs84");
		else if (v && strcmp(v, "gcj02") == 0)
			geo_gcj02_to_wgs84(hn.lat, hn.lon, &hn.lat, &hn.lon);
	}
	hn.category = json_str(body, "category");
	if (!str_one_of(hn.category, (const char *const[]){ "management", "site", NULL }))
		field_errors_add(&fe, "category", "must be management or site");
	hn.level = json_str(body, "level");
	if (!str_one_of(hn.level, (const char *const[]){ "general", "major", NULL }))
		field_errors_add(&fe, "level", "must be general or major");
	hn.location = json_str(body, "location");
	if (hazard_api_blank(hn.location))
		field_errors_add(&fe, "location", "where in the enterprise is required");
	hn.description = json_str(body, "description");
	if (hazard_api_blank(hn.description))
		field_errors_add(&fe, "description", "a description is required");
	hn.criterion_id = json_i64(body, "criterion_id", 0);
	hn.criterion_text = json_str(body, "criterion_text");
	if (have_e && !fe.forbidden &&
	    str_one_of(hn.level, (const char *const[]){ "general", "major", NULL }))
		hazard_api_check_criterion(rq, hn.level, hn.criterion_id, hn.criterion_text,
					   e.industry_code, &fe);
	photos = json_object_get(body, "photos");
	if (photos)
		hazard_api_check_photos(rq, photos, "photos", &fe);
	if (ref != NULL && hazard_api_blank(ref))
		field_errors_add(&fe, "client_ref", "must not be blank");
	if (fe.n) {
		field_errors_first_per_field(&fe);
		rc = resp_invalid(rs, &fe);
		goto out;
	}
	hn.enterprise_id = e.id;
	hn.region_code = e.region_code;
	hn.grid_id = e.grid_id;
	hn.industry_code = e.industry_code;
	hn.reporter_id = u->user_id;
	hn.actor_login = u->login;
	hn.subcategory = json_str(body, "subcategory");
	hn.client_ref = ref;
	hn.found_ms = found_day == today ? hazard_api_now(rq)
					 : found_day * 86400000LL - CLOCK_LOCAL_OFFSET_MS;
	date_format(today, year, sizeof(year));
	hn.year = (year[0] - '0') * 1000 + (year[1] - '0') * 100 + (year[2] - '0') * 10 +
		  (year[3] - '0');
	hn.now_ms = now_ms();

	rc = db_begin(rq->db);
	if (rc < 0)
		goto out;
	if (ref && hazard_db_by_client_ref(rq->db, ref, &existing, &reporter) == 0) {
		db_rollback(rq->db);
		if (reporter != u->user_id) {
			rc = resp_invalid1(rs, "client_ref", "is taken by another report");
			goto out;
		}
		rc = hazard_api_answer(rq, rs, existing, 200); /* a retry: the first answer again */
		goto out;
	}
	rc = hazard_report_in_tx(rq, &hn, photos, &id, number);
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT) { /* the same client_ref raced in */
		rc = resp_invalid1(rs, "client_ref", "was reported at the same time; retry");
		goto out;
	}
	if (rc < 0)
		goto out;
	audit_actor_from_req(rq, &actor);
	log_info("hazard %s reported by %s", number, actor.login);
	rc = hazard_api_answer(rq, rs, id, 201);
out:
	enterprise_release(&e);
	return rc;
}

/* ------------------------------------------------------------ detail */

static int get(struct req *rq, struct resp *rs)
{
	json_t *h = NULL, *o = NULL;
	int rc = hazard_api_load(rq, rs, &h);

	if (rc < 0 || h == NULL)
		return rc;
	rc = detail_json(rq, h, &o);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, o);
}

/* ------------------------------------------------------------ criteria */

static int criteria(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "enterprise_id", NULL };
	struct field_errors fe = { 0 };
	struct enterprise e;
	json_t *items = NULL;
	const char *v = req_query(rq, "enterprise_id");
	int64_t id = 0;
	int rc;

	query_params_check(rq, allowed, &fe);
	if (v == NULL || parse_i64(v, &id) < 0 || id < 1)
		field_errors_add(&fe, "enterprise_id", "an enterprise id is required");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	enterprise_init(&e);
	rc = enterprise_db_get(rq->db, id, &e);
	if (rc == ERR_NOT_FOUND ||
	    (rc == 0 && !enterprise_api_in_scope(rq, e.uscc, e.region_code, e.grid_id))) {
		enterprise_release(&e);
		return resp_problem(rs, 404, NULL, "no such enterprise", NULL);
	}
	if (rc == 0)
		rc = hazard_db_criteria(rq->db, e.industry_code, &items);
	if (rc == 0)
		rc = resp_json(rs, 200,
			       json_pack("{s:s, s:b, s:o}", "industry_code", e.industry_code,
					 "covered", json_array_size(items) > 0, "items", items));
	enterprise_release(&e);
	return rc;
}

const struct route hazard_routes[] = {
	{ .method = HTTP_POST,
	  .path = "/api/v1/hazards",
	  .handler = create,
	  .perm = PERM_HAZARD_REPORT,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 65536,
	  .summary = "report a hidden hazard (numbered YH-<region>-<year>-<seq>; a retry with the "
		     "same client_ref returns the first report)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards/{id}",
	  .handler = get,
	  .perm = PERM_HAZARD_READ,
	  .summary = "one hazard with its photos, timeline and the actions you may take" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-criteria",
	  .handler = criteria,
	  .perm = PERM_HAZARD_READ,
	  .summary = "criteria items for major hazards of an enterprise's industry "
		     "(?enterprise_id=; covered=false: none loaded, name the criterion in words)" },
	{ 0 },
};
