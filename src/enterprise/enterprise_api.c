/* SPDX-License-Identifier: MIT */
/*
 * The enterprise file over HTTP: list (scoped, filtered, searched, paged),
 * create, read, change and delete. Every write runs in one transaction with
 * its audit record. Who may do what (docs/enterprise.md):
 *   - every role reads enterprises inside its data scope (enterprise.read);
 *   - administrators, inspectors and grid managers create, change and delete
 *     enterprises inside their scope (enterprise.write);
 *   - an enterprise officer changes only its own enterprise's contact and
 *     location details (enterprise.write, limited here to non-identity fields),
 *     and neither creates nor deletes;
 *   - phones are masked for every role but administrators, inspectors and the
 *     enterprise's own officer;
 *   - named supervision (挂牌责任制: supervising department and named inspector)
 *     is set by the writers above but officers, to a department and a person
 *     inside the writer's scope who can see the enterprise;
 *   - GET .../{id}/history shows the audit records of the enterprise and its
 *     licences, phones masked as in the record itself.
 */
#define LOG_MODULE "enterprise"
#include "enterprise/enterprise.h"
#include "enterprise/enterprise_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "enterprise/licence.h"
#include "core/err.h"
#include "core/geo.h"
#include "core/util.h"
#include "db/db.h"
#include "http/req.h"
#include "org/org.h"
#include "core/banned.h"

#define NAME_LEN 200

static const struct json_field create_fields[] = {
	{ "uscc", JF_STRING, JF_REQUIRED, 18, 0, 0 },
	{ "name", JF_STRING, JF_REQUIRED, NAME_LEN, 0, 0 },
	{ "former_names", JF_ARRAY, 0, 20, 0, 0 },
	{ "industry_code", JF_STRING, JF_REQUIRED, 4, 0, 0 },
	{ "region_code", JF_STRING, JF_REQUIRED, 12, 0, 0 },
	{ "grid_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "address", JF_STRING, 0, NAME_LEN, 0, 0 },
	{ "lat", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "lon", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "coord_system", JF_STRING, 0, 16, 0, 0 },
	{ "legal_rep", JF_STRING, 0, 60, 0, 0 },
	{ "legal_rep_phone", JF_STRING, 0, 20, 0, 0 },
	{ "safety_officer", JF_STRING, 0, 60, 0, 0 },
	{ "safety_officer_phone", JF_STRING, 0, 20, 0, 0 },
	{ "employees", JF_INT, JF_NULLABLE, 0, 0, 10000000 },
	{ "scale", JF_STRING, JF_NULLABLE, 8, 0, 0 },
	{ "std_grade", JF_STRING, 0, 4, 0, 0 },
	{ "status", JF_STRING, 0, 12, 0, 0 },
	{ "supervising_dept_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "supervisor_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* PATCH: the same fields, none required. */
static const struct json_field patch_fields[] = {
	{ "uscc", JF_STRING, 0, 18, 0, 0 },
	{ "name", JF_STRING, 0, NAME_LEN, 0, 0 },
	{ "former_names", JF_ARRAY, 0, 20, 0, 0 },
	{ "industry_code", JF_STRING, 0, 4, 0, 0 },
	{ "region_code", JF_STRING, 0, 12, 0, 0 },
	{ "grid_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "address", JF_STRING, 0, NAME_LEN, 0, 0 },
	{ "lat", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "lon", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "coord_system", JF_STRING, 0, 16, 0, 0 },
	{ "legal_rep", JF_STRING, 0, 60, 0, 0 },
	{ "legal_rep_phone", JF_STRING, 0, 20, 0, 0 },
	{ "safety_officer", JF_STRING, 0, 60, 0, 0 },
	{ "safety_officer_phone", JF_STRING, 0, 20, 0, 0 },
	{ "employees", JF_INT, JF_NULLABLE, 0, 0, 10000000 },
	{ "scale", JF_STRING, JF_NULLABLE, 8, 0, 0 },
	{ "std_grade", JF_STRING, 0, 4, 0, 0 },
	{ "status", JF_STRING, 0, 12, 0, 0 },
	{ "supervising_dept_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "supervisor_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Fields an enterprise officer may change on its own enterprise (contact and location). */
static const char *const officer_fields[] = {
	"address",
	"lat",
	"lon",
	"coord_system",
	"legal_rep",
	"legal_rep_phone",
	"safety_officer",
	"safety_officer_phone",
	"employees",
	"scale",
	NULL,
};

static bool is_officer(const struct req *rq)
{
	return rq->user->role == ROLE_ENTERPRISE_OFFICER;
}

bool enterprise_api_in_scope(const struct req *rq, const char *uscc, const char *region_code,
			     int64_t grid_id)
{
	const struct scope *s = &rq->user->scope;

	if (s->kind == SCOPE_GRIDS)
		return grid_id != 0 && scope_has_grid(s, grid_id, region_code);
	return scope_has_enterprise(s, uscc, region_code);
}

static bool in_scope(const struct req *rq, const struct enterprise *e)
{
	return enterprise_api_in_scope(rq, e->uscc, e->region_code, e->grid_id);
}

void enterprise_api_scope_filter(const struct req *rq, char *buf, size_t n, const char **prefix,
				 int64_t *grid_user, const char **uscc)
{
	struct enterprise_filter f = { 0 };

	enterprise_filter_scope(&f, &rq->user->scope, rq->user->user_id, buf, n);
	*prefix = f.scope_prefix;
	*grid_user = f.grid_user;
	*uscc = f.scope_uscc;
}

void enterprise_api_licence_rules(const struct req *rq, struct licence_rules *out)
{
	const struct config *c = &rq->app->cfg;

	out->today = today_local(c->fake_now_ms);
	out->bands.days_90 = c->licence_expiring_90_days;
	out->bands.days_60 = c->licence_expiring_60_days;
	out->bands.days_30 = c->licence_expiring_30_days;
}

int enterprise_api_record(struct req *rq, const char *action, const char *entity, int64_t id,
			  int64_t enterprise_id, json_t *summary)
{
	int64_t audit_id = 0;
	int rc = audit_record(rq, action, entity, id, summary);

	if (rc == 0)
		rc = audit_last_id(rq->db, &audit_id);
	if (rc == 0)
		rc = enterprise_db_history_add(rq->db, audit_id, enterprise_id);
	return rc;
}

/*
 * Fills what enterprise_json() shows beside the row: the names of the supervising
 * department and the named inspector (org's lookups), and the worst licence state on
 * the request's date.
 */
static void enrich(struct req *rq, struct enterprise *e, const struct licence_rules *lr)
{
	struct org_person p;
	char region[16];
	int64_t until;

	e->supervising_dept_name[0] = e->supervisor_name[0] = '\0';
	if (e->supervising_dept_id &&
	    org_dept_brief(rq->db, e->supervising_dept_id, e->supervising_dept_name,
			   sizeof(e->supervising_dept_name), region, sizeof(region)) < 0)
		e->supervising_dept_name[0] = '\0';
	if (e->supervisor_id && org_person_get(rq->db, e->supervisor_id, &p) == 0)
		utf8_copy(e->supervisor_name, sizeof(e->supervisor_name), p.name);
	e->licence_state = NULL;
	if (e->worst_valid_until[0] && date_parse(e->worst_valid_until, &until) == 0)
		e->licence_state = licence_state_name(licence_state(until, lr->today, &lr->bands));
}

/* enterprise_json() after enrich(), with the phones masked as the caller must see them. */
static json_t *shown(struct req *rq, struct enterprise *e, bool mask)
{
	struct licence_rules lr;

	enterprise_api_licence_rules(rq, &lr);
	enrich(rq, e, &lr);
	return enterprise_json(e, mask);
}

/* Phones in clear for administrators, inspectors and the enterprise's own officer only. */
static bool mask_for(const struct req *rq, const struct enterprise *e)
{
	const struct principal *u = rq->user;

	if (u->role == ROLE_ADMIN || u->role == ROLE_INSPECTOR)
		return false;
	if (u->role == ROLE_ENTERPRISE_OFFICER && u->scope.kind == SCOPE_ENTERPRISE && e)
		return strcmp(u->scope.enterprise, e->uscc) != 0;
	return true;
}

static void copy_str(const json_t *body, const char *key, char *dst, size_t n)
{
	const char *v = json_str(body, key);

	if (v != NULL)
		utf8_copy(dst, n, v);
}

/* Reads the location of body into e: lat and lon together, converted from GCJ-02 if marked. */
static void apply_location(const json_t *body, struct enterprise *e, struct field_errors *fe)
{
	const char *cs = json_str(body, "coord_system");
	json_t *lat = json_object_get(body, "lat"), *lon = json_object_get(body, "lon");
	bool gcj = false;

	if (cs != NULL) {
		if (strcmp(cs, "gcj02") == 0)
			gcj = true;
		else if (strcmp(cs, "cgcs2000") != 0)
			field_errors_add(fe, "coord_system", "must be cgcs2000 or gcj02");
	}
	if (lat == NULL && lon == NULL) {
		if (cs != NULL)
			field_errors_add(fe, "coord_system", "is given without lat and lon");
		return;
	}
	if (lat == NULL || lon == NULL || json_is_null(lat) != json_is_null(lon)) {
		field_errors_add(fe, lat == NULL || json_is_null(lat) ? "lat" : "lon",
				 "lat and lon are given together (both numbers or both null)");
		return;
	}
	if (json_is_null(lat)) {
		e->has_location = false;
		return;
	}
	e->has_location = true;
	e->lat = json_number_value(lat);
	e->lon = json_number_value(lon);
	if (!enterprise_in_china(e->lat, e->lon))
		return; /* enterprise_check names it */
	if (gcj)
		geo_gcj02_to_wgs84(e->lat, e->lon, &e->lat, &e->lon);
}

/*
 * Named supervision (挂牌责任制, DESIGN §2). A department named in the body must exist and
 * lie inside the writer's scope; a person named must exist, work inside the writer's scope
 * (else 403, checked before anything that would tell the person's role or kind of account
 * to a writer who may not read users), and be a person (not a machine account) with the
 * role inspector or leader. Named means changed: old_dept and old_user are the ids before
 * the request (0 for a new enterprise), so that a form sending them back unchanged does
 * not name again someone the writer could not name. Whether named now or kept while the
 * enterprise moves (region_code in the body), the department's region must include the
 * enterprise's, and the person must be able to see the enterprise (else 422): a named
 * inspector who cannot open the file cannot supervise it.
 */
static void check_supervision(struct req *rq, const json_t *body, const struct enterprise *e,
			      int64_t old_dept, int64_t old_user, struct field_errors *fe)
{
	const struct scope *s = &rq->user->scope;
	bool moved = json_has(body, "region_code");
	bool named_dept = e->supervising_dept_id != old_dept;
	bool named_user = e->supervisor_id != old_user;
	char name[ENTERPRISE_LABEL_MAX], region[16];
	struct org_person p;

	if (e->supervising_dept_id && (named_dept || moved)) {
		if (org_dept_brief(rq->db, e->supervising_dept_id, name, sizeof(name), region,
				   sizeof(region)) < 0) {
			field_errors_add(fe, "supervising_dept_id", "no department has id %" PRId64,
					 e->supervising_dept_id);
		} else if (named_dept && !scope_has_region(s, region)) {
			field_errors_add(fe, "supervising_dept_id",
					 "department %" PRId64 " (%s) is outside your data scope",
					 e->supervising_dept_id, region);
			fe->forbidden = true;
		} else if (!region_in_subtree(region, e->region_code)) {
			field_errors_add(fe, "supervising_dept_id",
					 "department %" PRId64
					 " belongs to %s, which does not include "
					 "the enterprise's region %s",
					 e->supervising_dept_id, region, e->region_code);
		}
	}
	if (e->supervisor_id && (named_user || moved)) {
		if (org_person_get(rq->db, e->supervisor_id, &p) < 0) {
			field_errors_add(fe, "supervisor_id", "no user has id %" PRId64,
					 e->supervisor_id);
		} else if (named_user && !org_scope_covers(rq->db, s, &p.scope)) {
			/* First: writers without user.read learn nothing of users outside. */
			field_errors_add(fe, "supervisor_id",
					 "user %" PRId64 " works outside your data scope",
					 e->supervisor_id);
			fe->forbidden = true;
		} else if (p.machine) {
			field_errors_add(fe, "supervisor_id",
					 "user %" PRId64 " is a machine account, not a person",
					 e->supervisor_id);
		} else if (p.role != ROLE_INSPECTOR && p.role != ROLE_LEADER) {
			field_errors_add(fe, "supervisor_id",
					 "user %" PRId64 " is a %s; the named person must be an "
					 "inspector or a leader",
					 e->supervisor_id, role_name(p.role));
		} else if (!scope_has_enterprise(&p.scope, e->uscc, e->region_code)) {
			field_errors_add(fe, "supervisor_id",
					 "user %" PRId64
					 " cannot see this enterprise (region %s) in "
					 "their data scope",
					 e->supervisor_id, e->region_code);
		}
	}
}

/* Applies body to e, checks the result against the rules, the reference tables and the scope. */
static void apply(struct req *rq, const json_t *body, struct enterprise *e, struct field_errors *fe)
{
	const struct scope *s = &rq->user->scope;
	int64_t old_dept = e->supervising_dept_id, old_user = e->supervisor_id;
	char grid_region[16];
	json_t *v;

	copy_str(body, "uscc", e->uscc, sizeof(e->uscc));
	copy_str(body, "name", e->name, sizeof(e->name));
	if ((v = json_object_get(body, "former_names")) != NULL) {
		free(e->former_names);
		e->former_names = json_dump_compact(v);
	}
	copy_str(body, "industry_code", e->industry_code, sizeof(e->industry_code));
	copy_str(body, "region_code", e->region_code, sizeof(e->region_code));
	if (json_has(body, "grid_id"))
		e->grid_id = json_i64(body, "grid_id", 0);
	copy_str(body, "address", e->address, sizeof(e->address));
	apply_location(body, e, fe);
	copy_str(body, "legal_rep", e->legal_rep, sizeof(e->legal_rep));
	copy_str(body, "legal_rep_phone", e->legal_rep_phone, sizeof(e->legal_rep_phone));
	copy_str(body, "safety_officer", e->safety_officer, sizeof(e->safety_officer));
	copy_str(body, "safety_officer_phone", e->safety_officer_phone,
		 sizeof(e->safety_officer_phone));
	if (json_has(body, "employees"))
		e->employees = json_i64(body, "employees", -1);
	if (json_has(body, "scale"))
		utf8_copy(e->scale, sizeof(e->scale),
			  json_str(body, "scale") ? json_str(body, "scale") : "");
	copy_str(body, "std_grade", e->std_grade, sizeof(e->std_grade));
	copy_str(body, "status", e->status, sizeof(e->status));
	if (json_has(body, "supervising_dept_id"))
		e->supervising_dept_id = json_i64(body, "supervising_dept_id", 0);
	if (json_has(body, "supervisor_id"))
		e->supervisor_id = json_i64(body, "supervisor_id", 0);

	if (enterprise_check(e, fe) < 0)
		return;
	/* A county or a town: a coarser code would take the record out of its district's view. */
	if (region_prefix_len(e->region_code) < 6)
		field_errors_add(fe, "region_code", "must be a county-level or town code, not '%s'",
				 e->region_code);
	e->high_risk = enterprise_high_risk(e->industry_code) != NULL;
	if (!enterprise_db_industry_is_class(rq->db, e->industry_code))
		field_errors_add(fe, "industry_code", "no GB/T 4754-2017 class has code '%s'",
				 e->industry_code);
	if (!org_region_exists(rq->db, e->region_code))
		field_errors_add(fe, "region_code", "no administrative division has code '%s'",
				 e->region_code);
	if (e->grid_id != 0) {
		if (org_grid_region(rq->db, e->grid_id, grid_region, sizeof(grid_region)) < 0)
			field_errors_add(fe, "grid_id", "no grid has id %" PRId64, e->grid_id);
		else if (!region_in_subtree(e->region_code, grid_region) &&
			 !region_in_subtree(grid_region, e->region_code))
			field_errors_add(fe, "grid_id", "grid %" PRId64 " lies in %s, not in %s",
					 e->grid_id, grid_region, e->region_code);
	}
	if (fe->n)
		return;
	check_supervision(rq, body, e, old_dept, old_user, fe);
	if (fe->n)
		return;
	if (!in_scope(rq, e)) {
		field_errors_add(fe, s->kind == SCOPE_GRIDS ? "grid_id" : "region_code",
				 "is outside your data scope");
		fe->forbidden = true;
	}
}

/* ------------------------------------------------------------ list */

static const char *query_enum(struct req *rq, const char *name, const char *const *set,
			      struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	if (v == NULL)
		return NULL;
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return v;
	field_errors_add(fe, name, "has no such value");
	return NULL;
}

struct list_ctx {
	struct req *rq;
	struct licence_rules lr;
};

static json_t *list_row(struct enterprise *e, void *ctx)
{
	struct list_ctx *c = ctx;

	enrich(c->rq, e, &c->lr);
	return enterprise_json(e, mask_for(c->rq, e));
}

static int list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = {
		"id", "name", "uscc", "region_code", "updated_ms", NULL
	};
	static const char *const filters[] = { "region",	"grid",	  "industry", "high_risk",
					       "std_grade",	"status", "q",	      "supervision",
					       "licence_state", NULL };
	static const char *const supervision[] = { "none", "assigned", NULL };
	static const char *const lic_states[] = { "valid",	 "expiring_90", "expiring_60",
						  "expiring_30", "expired",	"expiring",
						  NULL };
	static const char *const grades[] = { "none", "1", "2", "3", NULL };
	static const char *const statuses[] = { "operating", "suspended", "closed", NULL };
	static const char *const bools[] = { "true", "false", "1", "0", NULL };
	struct list_ctx ctx = { .rq = rq };
	struct licence_range range;
	char from[16], to[16];
	struct enterprise_filter f = { .high_risk = -1, .supervision = -1 };
	struct field_errors fe = { 0 };
	struct list_params lp;
	char pbuf[16], rbuf[16];
	const char *v;
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, sorts, filters, &lp, &fe);
	if ((v = req_query(rq, "region")) != NULL) {
		size_t p = region_prefix_len(v);

		if (p == 0)
			field_errors_add(&fe, "region",
					 "must be a GB/T 2260 code of 6 or 9 digits");
		snprintf(rbuf, sizeof(rbuf), "%.*s", (int)p, v);
		f.region = rbuf;
	}
	if ((v = req_query(rq, "grid")) != NULL && parse_i64(v, &f.grid_id) < 0)
		field_errors_add(&fe, "grid", "must be a grid id");
	if ((v = req_query(rq, "industry")) != NULL) {
		size_t n = strlen(v);

		if (n < 2 || n > 4 || strspn(v, "0123456789") != n)
			field_errors_add(&fe, "industry",
					 "must be a GB/T 4754 code of 2 to 4 digits");
		f.industry = v;
	}
	if ((v = query_enum(rq, "high_risk", bools, &fe)) != NULL)
		f.high_risk = (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) ? 1 : 0;
	f.std_grade = query_enum(rq, "std_grade", grades, &fe);
	f.status = query_enum(rq, "status", statuses, &fe);
	if ((v = req_query(rq, "q")) != NULL) {
		if (v[0] == '\0' || utf8_len(v) > 100)
			field_errors_add(&fe, "q", "must be 1 to 100 characters");
		f.q = v;
	}
	if ((v = query_enum(rq, "supervision", supervision, &fe)) != NULL)
		f.supervision = strcmp(v, "assigned") == 0 ? 1 : 0;
	enterprise_api_licence_rules(rq, &ctx.lr);
	if ((v = query_enum(rq, "licence_state", lic_states, &fe)) != NULL &&
	    licence_filter_range(v, -1, &ctx.lr, &range) == 0) {
		/* The worst state is the state of the earliest valid_until. */
		f.licence_filter = true;
		if (range.has_from) {
			date_format(range.from, from, sizeof(from));
			f.licence_from = from;
		}
		if (range.has_to) {
			date_format(range.to, to, sizeof(to));
			f.licence_to = to;
		}
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	enterprise_api_scope_filter(rq, pbuf, sizeof(pbuf), &f.scope_prefix, &f.grid_user,
				    &f.scope_uscc);
	/* Masked per row: an officer's list holds only its own enterprise, in clear. */
	rc = enterprise_db_list(rq->db, &f, &lp, list_row, &ctx, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &lp));
}

/* ------------------------------------------------------------ one enterprise */

/* Loads enterprise {id} when it is inside the caller's scope; otherwise answers. *ok tells. */
static int load(struct req *rq, struct resp *rs, struct enterprise *e, bool *ok)
{
	int64_t id;
	int rc;

	*ok = false;
	enterprise_init(e);
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the enterprise id must be a positive integer",
				    NULL);
	rc = enterprise_db_get(rq->db, id, e);
	if (rc < 0)
		return rc;
	if (!in_scope(rq, e)) {
		enterprise_release(e);
		return resp_problem(rs, 403, NULL, "this enterprise is outside your data scope",
				    NULL);
	}
	*ok = true;
	return 0;
}

static int get(struct req *rq, struct resp *rs)
{
	struct enterprise e;
	bool ok;
	int rc = load(rq, rs, &e, &ok);
	json_t *o;

	if (rc < 0 || !ok)
		return rc;
	o = shown(rq, &e, mask_for(rq, &e));
	enterprise_release(&e);
	return resp_json(rs, 200, o);
}

static int officer_refused(struct resp *rs)
{
	return resp_problem(rs, 403, NULL,
			    "an enterprise officer only changes the details of its own enterprise",
			    NULL);
}

static int create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct enterprise e;
	json_t *o = NULL;
	int rc;

	if (is_officer(rq))
		return officer_refused(rs);
	if (json_check(rq->body, create_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	enterprise_init(&e);
	apply(rq, rq->body, &e, &fe);
	if (fe.n) {
		rc = resp_invalid(rs, &fe);
		goto out;
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = enterprise_db_insert(rq->db, &e, now_ms());
	if (rc == 0)
		rc = enterprise_api_record(rq, "enterprise.create", "enterprise", e.id, e.id,
					   shown(rq, &e, false));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT) {
		rc = resp_problem(rs, 409, NULL,
				  "an enterprise with this unified social credit code exists",
				  NULL);
		goto out;
	}
	if (rc < 0)
		goto out;
	o = shown(rq, &e, mask_for(rq, &e));
	rc = resp_json(rs, 201, o);
out:
	enterprise_release(&e);
	return rc;
}

/* Derived or bookkeeping keys that are not changes of their own in the history. */
static const char *const not_changes[] = { "created_ms",    "updated_ms",   "phones_masked",
					   "licence_state", "coord_system", NULL };

/*
 * Load, check and write in one write transaction: a concurrent change is never undone.
 * The audit record holds the enterprise as it was (before) and the field-level changes
 * [{field, old, new}] (json_changes()).
 */
static int patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct enterprise e;
	json_t *before = NULL, *after = NULL;
	const char *key;
	json_t *v;
	bool ok = false;
	int rc;

	if (json_check(rq->body, patch_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	if (is_officer(rq)) {
		json_object_foreach(rq->body, key, v) {
			bool allowed = false;

			for (const char *const *k = officer_fields; *k; k++)
				allowed = allowed || strcmp(*k, key) == 0;
			if (!allowed)
				field_errors_add(&fe, key,
						 "an enterprise officer may not change this field");
		}
		if (fe.n) {
			fe.forbidden = true;
			return resp_invalid(rs, &fe);
		}
	}
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = load(rq, rs, &e, &ok);
	if (rc < 0 || !ok)
		goto out;
	before = shown(rq, &e, false);
	apply(rq, rq->body, &e, &fe);
	if (fe.n) {
		rc = resp_invalid(rs, &fe);
		ok = false;
		goto out;
	}
	rc = enterprise_db_update(rq->db, &e, now_ms());
	if (rc == 0) {
		after = shown(rq, &e, false);
		rc = enterprise_api_record(rq, "enterprise.update", "enterprise", e.id, e.id,
					   json_pack("{s:O, s:o}", "before", before, "changes",
						     json_changes(before, after, not_changes)));
	}
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		rc = resp_problem(rs, 409, NULL,
				  "an enterprise with this unified social credit code exists",
				  NULL);
	else if (rc == 0)
		rc = resp_json(rs, 200, shown(rq, &e, mask_for(rq, &e)));
out:
	if (db_in_transaction(rq->db))
		db_rollback(rq->db);
	json_decref(after);
	json_decref(before);
	enterprise_release(&e); /* load() initialised it */
	return rc;
}

static int enterprise_delete(struct req *rq, struct resp *rs)
{
	struct enterprise e;
	json_t *licences = NULL;
	bool ok = false;
	int rc;

	if (is_officer(rq))
		return officer_refused(rs);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = load(rq, rs, &e, &ok);
	if (rc < 0 || !ok) {
		db_rollback(rq->db);
		return rc;
	}
	/* Its licences and history index go with it (ON DELETE CASCADE): the record lists them. */
	rc = licence_db_all_json(rq->db, e.id, &licences);
	if (rc == 0)
		rc = enterprise_db_delete(rq->db, e.id);
	if (rc == 0) {
		json_t *summary = shown(rq, &e, false);

		json_object_set_new(summary, "licences", licences);
		licences = NULL;
		rc = audit_record(rq, "enterprise.delete", "enterprise", e.id, summary);
	}
	json_decref(licences);
	enterprise_release(&e);
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL,
				    "other records still name this enterprise; set its status to "
				    "closed instead",
				    NULL);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

/* ------------------------------------------------------------ history */

/*
 * GET /api/v1/enterprises/{id}/history: the audit records filed under the enterprise
 * (its own and its licences'), newest first, keyset paged by record id. Phones are
 * masked for the roles that see them masked in the enterprise itself.
 */
static int history(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct enterprise e;
	int64_t *ids = NULL;
	size_t n = 0;
	json_t *items = NULL;
	bool ok = false, mask;
	int rc;

	list_params_parse(rq, sorts, NULL, &lp, &fe);
	if (fe.n == 0 && req_query(rq, "sort") != NULL && !lp.desc)
		field_errors_add(&fe, "sort", "history is newest first: only -id");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = db_begin_read(rq->db);
	if (rc < 0)
		return rc;
	rc = load(rq, rs, &e, &ok);
	if (rc < 0 || !ok)
		goto out;
	mask = mask_for(rq, &e);
	lp.desc = true;
	rc = enterprise_db_history_ids(rq->db, e.id, lp.after, lp.limit, &ids, &n);
	if (rc < 0)
		goto out;
	items = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *record = NULL;

		rc = audit_db_get(rq->db, ids[i], &record);
		if (rc < 0)
			goto out;
		json_array_append_new(items, enterprise_history_item(record, mask));
		json_decref(record);
	}
	rc = resp_json(rs, 200, list_page(items, &lp));
	items = NULL;
out:
	if (ok)
		enterprise_release(&e);
	db_rollback(rq->db); /* a read: nothing to commit */
	json_decref(items);
	free(ids);
	return rc;
}

const struct route enterprise_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/enterprises",
	  .handler = list,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "enterprises in your scope; filters region (subtree), grid, industry (code "
		     "prefix), high_risk, std_grade, status, q (name, former name or code), "
		     "supervision (none, assigned), licence_state (a state or expiring)" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/enterprises",
	  .handler = create,
	  .perm = PERM_ENTERPRISE_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 65536,
	  .summary = "create an enterprise (coordinates CGCS2000, or GCJ-02 converted on entry)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/enterprises/{id}",
	  .handler = get,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "one enterprise (phones masked unless your role needs them)" },
	{ .method = HTTP_PATCH,
	  .path = "/api/v1/enterprises/{id}",
	  .handler = patch,
	  .perm = PERM_ENTERPRISE_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 65536,
	  .summary = "change an enterprise (its officer: contact and location fields only)" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/enterprises/{id}",
	  .handler = enterprise_delete,
	  .perm = PERM_ENTERPRISE_WRITE,
	  .summary = "delete an enterprise entered by mistake, with its licences (audit keeps "
		     "its record)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/enterprises/{id}/history",
	  .handler = history,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "changes of an enterprise and its licences from the audit log, newest first, "
		     "with field-level old/new values (phones masked as in the enterprise)" },
	{ 0 },
};
