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
#include "hazard/hazard_db.h"
#include "http/req.h"
#include "report/table.h"
#include "core/banned.h"

/* ------------------------------------------------------------ helpers */

int64_t hazard_api_now(const struct req *rq)
{
	return rq->app->cfg.fake_now_ms > 0 ? rq->app->cfg.fake_now_ms : now_ms();
}

int hazard_bands(const struct config *c, struct hazard_deadline_bands *b)
{
	b->due_soon_days = c->hazard_due_soon_days;
	b->overdue_long_days = c->hazard_overdue_long_days;
	return 0;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool blank(const char *s)
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
	return enterprise_api_in_scope(rq, nz(json_str(h, "_uscc")), json_str(h, "region_code"),
				       json_i64(h, "grid_id", 0));
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
static void state_in(struct req *rq, const json_t *h, struct hazard_state_in *in)
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

#define BIT(a) (1u << (a))
/* Decisions that a major hazard's supervising department takes (contract of issue 4). */
#define DEPT_ACTIONS                                                                  \
	(BIT(HAZARD_VERIFY) | BIT(HAZARD_SEND_BACK) | BIT(HAZARD_APPROVE_EXTENSION) | \
	 BIT(HAZARD_REFUSE_EXTENSION))

/*
 * Per request: the caller as actor and its department, looked up once for a list page.
 */
struct caller {
	struct hazard_actor who;
	int64_t dept_id;
};

static void caller_init(struct req *rq, struct caller *c)
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
static bool dept_ok(const struct caller *c, const json_t *h)
{
	int64_t dept = json_i64(h, "_supervising_dept_id", 0);

	return level_of(json_str(h, "level")) != HAZARD_MAJOR || dept == 0 || c->dept_id == dept;
}

static unsigned allowed_for(struct req *rq, const struct caller *c, const json_t *h)
{
	struct hazard_state_in in;
	unsigned mask;

	state_in(rq, h, &in);
	mask = hazard_allowed_actions(&in, &c->who);
	if (!dept_ok(c, h))
		mask &= ~DEPT_ACTIONS;
	return mask;
}

static json_t *actions_json(unsigned mask)
{
	json_t *a = json_array();

	for (int i = 0; i < HAZARD_ACTION_COUNT_; i++)
		if (mask & BIT(i))
			json_array_append_new(
				a, json_string(hazard_action_name((enum hazard_action)i)));
	return a;
}

/* Adds the computed fields to h and removes the internal ones. */
static void decorate(struct req *rq, const struct caller *c, json_t *h)
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
	json_object_set_new(h, "allowed_actions", actions_json(allowed_for(rq, c, h)));
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
	struct caller c;
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
	caller_init(rq, &c);
	decorate(rq, &c, h);
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
static int load(struct req *rq, struct resp *rs, json_t **h)
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
static void first_per_field(struct field_errors *fe)
{
	size_t k = 0;

	for (size_t i = 0; i < fe->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < k && !seen; j++)
			seen = strcmp(fe->e[j].field, fe->e[i].field) == 0;
		if (!seen)
			fe->e[k++] = fe->e[i];
	}
	fe->n = k;
}

static bool one_of(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

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
		if (!blank(criterion_text))
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
	else if (blank(criterion_text))
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

static int answer_hazard(struct req *rq, struct resp *rs, int64_t id, int status)
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
				    "location", nz(hn->location), "description", hn->description);
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
		if (!one_of(v, sources))
			field_errors_add(&fe, "source", "your role (%s) reports only as %s%s%s",
					 role_name(u->role), nz(sources[0]),
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
	if (!one_of(hn.category, (const char *const[]){ "management", "site", NULL }))
		field_errors_add(&fe, "category", "must be management or site");
	hn.level = json_str(body, "level");
	if (!one_of(hn.level, (const char *const[]){ "general", "major", NULL }))
		field_errors_add(&fe, "level", "must be general or major");
	hn.location = json_str(body, "location");
	if (blank(hn.location))
		field_errors_add(&fe, "location", "where in the enterprise is required");
	hn.description = json_str(body, "description");
	if (blank(hn.description))
		field_errors_add(&fe, "description", "a description is required");
	hn.criterion_id = json_i64(body, "criterion_id", 0);
	hn.criterion_text = json_str(body, "criterion_text");
	if (have_e && !fe.forbidden &&
	    one_of(hn.level, (const char *const[]){ "general", "major", NULL }))
		hazard_api_check_criterion(rq, hn.level, hn.criterion_id, hn.criterion_text,
					   e.industry_code, &fe);
	photos = json_object_get(body, "photos");
	if (photos)
		hazard_api_check_photos(rq, photos, "photos", &fe);
	if (ref != NULL && blank(ref))
		field_errors_add(&fe, "client_ref", "must not be blank");
	if (fe.n) {
		first_per_field(&fe);
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
		rc = answer_hazard(rq, rs, existing, 200); /* a retry: the first answer again */
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
	rc = answer_hazard(rq, rs, id, 201);
out:
	enterprise_release(&e);
	return rc;
}

/* ------------------------------------------------------------ list, export */

static const char *const list_filters[] = {
	"state",	 "level",    "source",	       "category", "region",	 "grid",
	"enterprise_id", "industry", "deadline_state", "q",	   "found_from", "found_to",
	"supervision",	 NULL,
};
static const char *const list_sorts[] = { "created_ms", "deadline", "found_ms", "number", NULL };

struct filter_bufs {
	char rfrom[16], rto[16], ifrom[8], ito[8], sfrom[16], sto[16];
	char dfrom[16], dto[16];
	char *q_like;
};

static const char *query_enum(struct req *rq, const char *name, const char *const *set,
			      struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	if (v == NULL)
		return NULL;
	if (!one_of(v, set))
		field_errors_add(fe, name, "has no such value");
	return v;
}

/* The local day's first instant (UTC ms) of a date argument; -1 when absent or bad. */
static int64_t date_arg(struct req *rq, const char *name, int add_days, struct field_errors *fe)
{
	const char *v = req_query(rq, name);
	int64_t d;

	if (v == NULL)
		return -1;
	if (date_parse(v, &d) < 0) {
		field_errors_add(fe, name, "must be a date YYYY-MM-DD");
		return -1;
	}
	return (d + add_days) * 86400000LL - CLOCK_LOCAL_OFFSET_MS;
}

static void filter_from_query(struct req *rq, struct hazard_filter *f, struct filter_bufs *b,
			      struct field_errors *fe)
{
	static const char *const levels[] = { "general", "major", NULL };
	static const char *const sources[] = { "self_check",  "grid_patrol",	   "tipoff",
					       "enforcement", "leader_inspection", NULL };
	static const char *const categories[] = { "management", "site", NULL };
	static const char *const dstates[] = { "on_time", "due_soon", "overdue", "overdue_30",
					       NULL };
	static const char *const sups[] = { "proposed", "listed", NULL };
	const struct principal *u = rq->user;
	const struct config *cfg = &rq->app->cfg;
	const char *v;
	char tmp[16];

	memset(f, 0, sizeof(*f));
	memset(b, 0, sizeof(*b));
	f->found_from_ms = f->found_to_ms = -1;
	if ((v = req_query(rq, "state")) != NULL) {
		if (strcmp(v, "open") == 0) {
			static const char *const open[] = { "reported", "confirmed", "rectifying",
							    "submitted" };
			for (int i = 0; i < 4; i++)
				f->states[i] = open[i];
		} else {
			/* a comma list of states, each borrowed from the static names */
			const char *p = v;
			int n = 0;

			while (*p && n < HAZARD_STATE_COUNT_) {
				size_t len = strcspn(p, ",");
				enum hazard_state s = HAZARD_STATE_COUNT_;

				for (int i = 0; i < HAZARD_STATE_COUNT_; i++) {
					const char *name = hazard_state_name((enum hazard_state)i);
					if (strlen(name) == len && strncmp(name, p, len) == 0)
						s = (enum hazard_state)i;
				}
				if (s == HAZARD_STATE_COUNT_) {
					field_errors_add(fe, "state",
							 "must be open or a comma list of states");
					break;
				}
				f->states[n++] = hazard_state_name(s);
				p += len;
				if (*p == ',')
					p++;
			}
		}
	}
	f->level = query_enum(rq, "level", levels, fe);
	f->source = query_enum(rq, "source", sources, fe);
	f->category = query_enum(rq, "category", categories, fe);
	if ((v = req_query(rq, "region")) != NULL) {
		size_t p = region_prefix_len(v);

		snprintf(b->rfrom, sizeof(b->rfrom), "%.*s", (int)p, v);
		if (p == 0 || !enterprise_code_prefix_end(b->rfrom, b->rto, sizeof(b->rto)))
			field_errors_add(fe, "region", "must be a GB/T 2260 code");
		f->region_from = b->rfrom;
		f->region_to = b->rto;
	}
	if ((v = req_query(rq, "grid")) != NULL &&
	    (parse_i64(v, &f->grid_id) < 0 || f->grid_id < 1))
		field_errors_add(fe, "grid", "must be a grid id");
	if ((v = req_query(rq, "enterprise_id")) != NULL &&
	    (parse_i64(v, &f->enterprise_id) < 0 || f->enterprise_id < 1))
		field_errors_add(fe, "enterprise_id", "must be an enterprise id");
	if ((v = req_query(rq, "industry")) != NULL) {
		size_t n = strlen(v);

		snprintf(b->ifrom, sizeof(b->ifrom), "%s", v);
		if (n < 1 || n > 4 || strspn(v, "0123456789") != n ||
		    !enterprise_code_prefix_end(b->ifrom, b->ito, sizeof(b->ito)))
			field_errors_add(fe, "industry",
					 "must be a GB/T 4754 code of 1 to 4 digits");
		f->industry_from = b->ifrom;
		f->industry_to = b->ito;
	}
	if ((v = query_enum(rq, "deadline_state", dstates, fe)) != NULL) {
		int64_t today = today_local(cfg->fake_now_ms);
		int64_t soon = today + cfg->hazard_due_soon_days;
		int64_t long_ago = today - cfg->hazard_overdue_long_days;

		if (strcmp(v, "on_time") == 0) {
			date_format(soon + 1, b->dfrom, sizeof(b->dfrom));
		} else if (strcmp(v, "due_soon") == 0) {
			date_format(today, b->dfrom, sizeof(b->dfrom));
			date_format(soon, b->dto, sizeof(b->dto));
		} else if (strcmp(v, "overdue") == 0) {
			date_format(long_ago, b->dfrom, sizeof(b->dfrom));
			date_format(today - 1, b->dto, sizeof(b->dto));
		} else if (strcmp(v, "overdue_30") == 0) {
			date_format(long_ago - 1, b->dto, sizeof(b->dto));
		}
		f->deadline_from = b->dfrom[0] ? b->dfrom : NULL;
		f->deadline_to = b->dto[0] ? b->dto : NULL;
	}
	if ((v = req_query(rq, "q")) != NULL) {
		if (v[0] == '\0' || utf8_len(v) > 100)
			field_errors_add(fe, "q", "must be 1 to 100 characters");
		f->q_number = v;
		b->q_like = db_like_contains(v);
		f->q_like = b->q_like;
	}
	f->found_from_ms = date_arg(rq, "found_from", 0, fe);
	f->found_to_ms = date_arg(rq, "found_to", 1, fe);
	/* As the statistics' from/to: an empty range is a mistake, not an empty answer. */
	if (f->found_from_ms >= 0 && f->found_to_ms >= 0 && f->found_to_ms <= f->found_from_ms)
		field_errors_add(fe, "found_to", "must not be before found_from");
	f->supervision = query_enum(rq, "supervision", sups, fe);
	switch (u->scope.kind) {
	case SCOPE_ALL:
		break;
	case SCOPE_REGION:
		snprintf(tmp, sizeof(tmp), "%.*s", (int)region_prefix_len(u->scope.region),
			 u->scope.region);
		snprintf(b->sfrom, sizeof(b->sfrom), "%s", tmp);
		if (!enterprise_code_prefix_end(b->sfrom, b->sto, sizeof(b->sto)))
			snprintf(b->sto, sizeof(b->sto), "%s", b->sfrom); /* empty range */
		f->scope_from = b->sfrom;
		f->scope_to = b->sto;
		break;
	case SCOPE_GRIDS:
		f->scope_grid_user = u->user_id;
		break;
	case SCOPE_ENTERPRISE:
		f->scope_uscc = u->scope.enterprise;
		break;
	}
}

static int list(struct req *rq, struct resp *rs)
{
	struct hazard_filter f;
	struct filter_bufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct caller c;
	json_t *items = NULL, *v;
	size_t i;
	int rc;

	list_params_parse(rq, list_sorts, list_filters, &lp, &fe);
	if (req_query(rq, "sort") == NULL)
		lp.desc = true; /* newest first */
	filter_from_query(rq, &f, &b, &fe);
	if (fe.n) {
		free(b.q_like);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	rc = hazard_db_list(rq->db, &f, &lp, &items);
	free(b.q_like);
	if (rc < 0)
		return rc;
	caller_init(rq, &c);
	json_array_foreach(items, i, v)
		decorate(rq, &c, v);
	return resp_json(rs, 200, list_page(items, &lp));
}

/* The columns of the export (Chinese headers, as offices exchange them). */
static const struct {
	const char *zh, *key;
} export_cols[] = {
	{ "隐患编号", "number" },
	{ "企业", "enterprise_name" },
	{ "行政区划", "region_code" },
	{ "行业", "industry_code" },
	{ "来源", "source" },
	{ "发现日期", "found_ms" },
	{ "位置", "location" },
	{ "类别", "category" },
	{ "隐患等级", "level" },
	{ "隐患描述", "description" },
	{ "判定依据", "criterion_text" },
	{ "状态", "state" },
	{ "整改措施", "measures" },
	{ "责任人", "responsible" },
	{ "整改资金（元）", "funds_yuan" },
	{ "整改期限", "deadline" },
	{ "期限状态", "deadline_state" },
	{ "剩余天数", "days_left" },
};
#define EXPORT_NCOLS (sizeof(export_cols) / sizeof(export_cols[0]))
/* Bytes of one cell: the longest field (2000 characters) in UTF-8, with room to spare. */
#define CELL_MAX 8192

static void cell_text(const json_t *h, const char *key, char *out, size_t n)
{
	const json_t *plan = json_object_get(h, "plan");
	const json_t *v = json_object_get(h, key);

	if (v == NULL && plan && json_is_object(plan))
		v = json_object_get(plan, key);
	out[0] = '\0';
	if (strcmp(key, "found_ms") == 0 && json_is_integer(v)) {
		date_format(local_day(json_integer_value(v)), out, n);
	} else if (strcmp(key, "criterion_text") == 0) {
		const json_t *c = json_object_get(h, "criterion");

		if (c && json_is_object(c))
			snprintf(out, n, "%s 第%" JSON_INTEGER_FORMAT "项 %s",
				 nz(json_str(c, "doc")),
				 json_integer_value(json_object_get(c, "item")),
				 nz(json_str(c, "topic_zh")));
		else
			snprintf(out, n, "%s", nz(json_string_value(v)));
	} else if (json_is_string(v) &&
		   (strcmp(key, "source") == 0 || strcmp(key, "category") == 0 ||
		    strcmp(key, "level") == 0 || strcmp(key, "state") == 0 ||
		    strcmp(key, "deadline_state") == 0)) {
		snprintf(out, n, "%s", hazard_label(key, json_string_value(v)));
	} else if (json_is_string(v)) {
		utf8_copy(out, n, json_string_value(v)); /* cut at a character, never inside one */
	} else if (json_is_integer(v)) {
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	}
}

static int export_file(struct req *rq, struct resp *rs)
{
	const char *filters[sizeof(list_filters) / sizeof(list_filters[0]) + 1];
	const char *cells[EXPORT_NCOLS];
	char *texts[EXPORT_NCOLS];
	struct hazard_filter f;
	struct filter_bufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct caller c;
	struct table_writer *w;
	enum table_format fmt = TABLE_XLSX;
	json_t *items = NULL, *v;
	const char *arg;
	char *data = NULL, disp[96], day[16];
	size_t len = 0, nf = 0, i;
	int fd = -1, rc;

	for (; list_filters[nf]; nf++)
		filters[nf] = list_filters[nf];
	filters[nf++] = "format";
	filters[nf] = NULL;
	list_params_parse(rq, list_sorts, filters, &lp, &fe);
	if (req_query(rq, "limit") || req_query(rq, "after"))
		field_errors_add(&fe, req_query(rq, "limit") ? "limit" : "after",
				 "the export is not paged");
	if (req_query(rq, "sort") == NULL)
		lp.desc = true;
	filter_from_query(rq, &f, &b, &fe);
	if ((arg = req_query(rq, "format")) != NULL) {
		if (strcmp(arg, "csv") == 0)
			fmt = TABLE_CSV;
		else if (strcmp(arg, "xlsx") != 0)
			field_errors_add(&fe, "format", "must be xlsx or csv");
	}
	if (fe.n) {
		free(b.q_like);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	lp.limit = 0; /* every row */
	lp.after = 0;
	rc = db_begin_read(rq->db);
	if (rc == 0)
		rc = hazard_db_list(rq->db, &f, &lp, &items);
	db_rollback(rq->db);
	free(b.q_like);
	if (rc < 0)
		return rc;
	w = table_writer_new(fmt, "隐患", NULL);
	if (w == NULL) {
		json_decref(items);
		return ERR_IO;
	}
	for (i = 0; i < EXPORT_NCOLS; i++)
		cells[i] = export_cols[i].zh;
	table_writer_row(w, cells, EXPORT_NCOLS);
	caller_init(rq, &c);
	for (i = 0; i < EXPORT_NCOLS; i++)
		texts[i] = xmalloc(CELL_MAX);
	json_array_foreach(items, nf, v) {
		decorate(rq, &c, v);
		for (i = 0; i < EXPORT_NCOLS; i++) {
			cell_text(v, export_cols[i].key, texts[i], CELL_MAX);
			cells[i] = texts[i];
		}
		table_writer_row(w, cells, EXPORT_NCOLS);
	}
	for (i = 0; i < EXPORT_NCOLS; i++)
		free(texts[i]);
	json_decref(items);
	rc = table_writer_finish(w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	date_format(local_day(now_ms()), day, sizeof(day));
	snprintf(disp, sizeof(disp), "hazards-%s.%s", day, fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, disp,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
}

/* ------------------------------------------------------------ detail */

static int get(struct req *rq, struct resp *rs)
{
	json_t *h = NULL, *o = NULL;
	int rc = load(rq, rs, &h);

	if (rc < 0 || h == NULL)
		return rc;
	rc = detail_json(rq, h, &o);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, o);
}

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
	json_object_set_new(rs->json, "allowed", actions_json(allowed));
	return 0;
}

/*
 * Why who may not take a (legal in the state) on the hazard h, for the 403's detail: the
 * role's rule (hazard_role_may: not this action, or not for this level), else the person's
 * (an officer of another enterprise; the rectifier verifying their own work), else the
 * supervising department of a major hazard.
 */
static void forbidden_reason(const struct caller *c, const json_t *h,
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
	} else if ((BIT(a) & DEPT_ACTIONS) && !dept_ok(c, h)) {
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
	struct caller c;
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
	rc = load(rq, rs, &h);
	if (rc < 0 || h == NULL)
		goto out;
	id = json_i64(h, "id", 0);
	from = json_str(h, "state");
	caller_init(rq, &c);
	state_in(rq, h, &in);
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
	if ((rc == 0 || rc == ERR_INVALID) && (BIT(a) & DEPT_ACTIONS) && !dept_ok(&c, h))
		rc = ERR_FORBIDDEN;
	if (!typed_ok && (rc == ERR_CONFLICT || rc == ERR_FORBIDDEN))
		rc = ERR_INVALID; /* a malformed body is 422, as before the hazard is read */
	if (rc == ERR_CONFLICT) {
		unsigned allowed = out.allowed;

		if (!dept_ok(&c, h))
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
	    (json_i64(body, "criterion_id", 0) > 0 || !blank(json_str(body, "criterion_text"))))
		new_level = json_str(h, "level"); /* a criterion for the level it has */
	if (a == HAZARD_CONFIRM && new_level != NULL) {
		if (!one_of(new_level, (const char *const[]){ "general", "major", NULL })) {
			field_errors_add(&fe, "level", "must be general or major");
		} else if (strcmp(new_level, "major") == 0 && rq->user->role != ROLE_INSPECTOR) {
			rc = resp_problem(rs, 403, NULL,
					  "a major hazard is confirmed by an inspector", NULL);
			goto out;
		} else {
			crit = json_i64(body, "criterion_id", 0);
			hazard_api_check_criterion(rq, new_level, crit,
						   json_str(body, "criterion_text"),
						   nz(json_str(h, "industry_code")), &fe);
		}
	}
	if (rc == ERR_INVALID || fe.n) {
		rename_fields(&fe);
		first_per_field(&fe);
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
		summary = json_pack("{s:s, s:s, s:s, s:O}", "number", nz(json_str(h, "number")),
				    "from", from, "to", up.state, "detail", detail);
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
		rc = answer_hazard(rq, rs, id, 200);
out:
	if (db_in_transaction(rq->db))
		db_rollback(rq->db);
	free(detail_text);
	json_decref(detail);
	json_decref(h);
	return rc;
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
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards",
	  .handler = list,
	  .perm = PERM_HAZARD_READ,
	  .summary = "hidden hazards in your scope, newest first; filters state (a comma list or "
		     "open), level, source, category, region, grid, enterprise_id, industry, "
		     "deadline_state, q (number or description), found_from/found_to, "
		     "supervision; sort created_ms, deadline, found_ms, number" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/hazards",
	  .handler = create,
	  .perm = PERM_HAZARD_REPORT,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 65536,
	  .summary = "report a hidden hazard (numbered YH-<region>-<year>-<seq>; a retry with the "
		     "same client_ref returns the first report)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards/export",
	  .handler = export_file,
	  .perm = PERM_HAZARD_READ,
	  .summary = "the filtered hazard list as a file (?format=xlsx|csv and the list's "
		     "filters), Chinese headers, not paged" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards/{id}",
	  .handler = get,
	  .perm = PERM_HAZARD_READ,
	  .summary = "one hazard with its photos, timeline and the actions you may take" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/hazards/{id}/actions/{action}",
	  .handler = act,
	  .perm = PERM_HAZARD_ACT,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 65536,
	  .summary = "a life-cycle action: confirm, dismiss, plan, submit, verify, send_back, "
		     "request_extension, approve_extension, refuse_extension, reopen (409 "
		     "names the allowed actions)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-criteria",
	  .handler = criteria,
	  .perm = PERM_HAZARD_READ,
	  .summary = "criteria items for major hazards of an enterprise's industry "
		     "(?enterprise_id=; covered=false: none loaded, name the criterion in words)" },
	{ 0 },
};
