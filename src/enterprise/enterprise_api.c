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
 *     enterprise's own officer.
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

/* True when e lies inside the caller's data scope (grid scopes: by the enterprise's grid). */
static bool in_scope(const struct req *rq, const struct enterprise *e)
{
	const struct scope *s = &rq->user->scope;

	if (s->kind == SCOPE_GRIDS)
		return e->grid_id != 0 && scope_has_grid(s, e->grid_id, e->region_code);
	return scope_has_enterprise(s, e->uscc, e->region_code);
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

/* Applies body to e, checks the result against the rules, the reference tables and the scope. */
static void apply(struct req *rq, const json_t *body, struct enterprise *e, struct field_errors *fe)
{
	const struct scope *s = &rq->user->scope;
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

static int list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = {
		"id", "name", "uscc", "region_code", "updated_ms", NULL
	};
	static const char *const filters[] = { "region",    "grid",   "industry", "high_risk",
					       "std_grade", "status", "q",	  NULL };
	static const char *const grades[] = { "none", "1", "2", "3", NULL };
	static const char *const statuses[] = { "operating", "suspended", "closed", NULL };
	static const char *const bools[] = { "true", "false", "1", "0", NULL };
	const struct scope *s = &rq->user->scope;
	struct enterprise_filter f = { .high_risk = -1 };
	struct field_errors fe = { 0 };
	struct list_params lp;
	char pbuf[16], rbuf[16];
	const char *v;
	json_t *items = NULL, *it;
	size_t i;
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
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	enterprise_filter_scope(&f, s, rq->user->user_id, pbuf, sizeof(pbuf));
	rc = enterprise_db_list(rq->db, &f, &lp, &items);
	if (rc < 0)
		return rc;
	/* Lists hold only in-scope rows: an officer sees its own enterprise, in clear. */
	if (mask_for(rq, NULL) && !is_officer(rq)) {
		json_array_foreach(items, i, it) {
			static const char *const keys[] = { "legal_rep_phone",
							    "safety_officer_phone", NULL };
			char masked[ENTERPRISE_PHONE_MAX];

			for (const char *const *k = keys; *k; k++) {
				enterprise_phone_mask(json_string_value(json_object_get(it, *k)),
						      masked, sizeof(masked));
				json_object_set_new(it, *k, json_string(masked));
			}
			json_object_set_new(it, "phones_masked", json_true());
		}
	}
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
	o = enterprise_json(&e, mask_for(rq, &e));
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
		rc = audit_record(rq, "enterprise.create", "enterprise", e.id,
				  enterprise_json(&e, false));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT) {
		rc = resp_problem(rs, 409, NULL,
				  "an enterprise with this unified social credit code exists",
				  NULL);
		goto out;
	}
	if (rc < 0)
		goto out;
	o = enterprise_json(&e, mask_for(rq, &e));
	rc = resp_json(rs, 201, o);
out:
	enterprise_release(&e);
	return rc;
}

/* Load, check and write in one write transaction: a concurrent change is never undone. */
static int patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct enterprise e;
	json_t *before = NULL;
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
	before = enterprise_json(&e, false);
	apply(rq, rq->body, &e, &fe);
	if (fe.n) {
		rc = resp_invalid(rs, &fe);
		ok = false;
		goto out;
	}
	rc = enterprise_db_update(rq->db, &e, now_ms());
	if (rc == 0)
		rc = audit_record(rq, "enterprise.update", "enterprise", e.id,
				  json_pack("{s:O, s:O}", "before", before, "changes", rq->body));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		rc = resp_problem(rs, 409, NULL,
				  "an enterprise with this unified social credit code exists",
				  NULL);
	else if (rc == 0)
		rc = resp_json(rs, 200, enterprise_json(&e, mask_for(rq, &e)));
out:
	if (db_in_transaction(rq->db))
		db_rollback(rq->db);
	json_decref(before);
	enterprise_release(&e); /* load() initialised it */
	return rc;
}

static int enterprise_delete(struct req *rq, struct resp *rs)
{
	struct enterprise e;
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
	rc = enterprise_db_delete(rq->db, e.id);
	if (rc == 0)
		rc = audit_record(rq, "enterprise.delete", "enterprise", e.id,
				  enterprise_json(&e, false));
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

const struct route enterprise_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/enterprises",
	  .handler = list,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "enterprises in your scope; filters region (subtree), grid, industry (code "
		     "prefix), high_risk, std_grade, status, q (name, former name or code)" },
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
	  .summary = "delete an enterprise entered by mistake (audit keeps its record)" },
	{ 0 },
};
