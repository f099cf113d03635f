/* SPDX-License-Identifier: MIT */
/*
 * Administrative divisions (read-only reference data), departments and grids
 * over HTTP. Grids are read within the caller's data scope; departments are
 * the bureau's directory and readable by every role that has dept.read, but
 * only written inside the writer's scope.
 */
#define LOG_MODULE "org"
#include "org/org.h"
#include "org/org_api.h"
#include "org/org_db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/util.h"
#include "db/db.h"
#include "http/req.h"
#include "core/banned.h"

/* The caller's region prefix for SQL filters: NULL for all, "-" (matches nothing) otherwise. */
static const char *scope_prefix(struct req *rq, char *buf, size_t n)
{
	const struct scope *s = &rq->user->scope;

	if (s->kind == SCOPE_ALL || s->kind == SCOPE_GRIDS)
		return NULL;
	if (s->kind == SCOPE_REGION) {
		snprintf(buf, n, "%.*s", (int)region_prefix_len(s->region), s->region);
		return buf;
	}
	snprintf(buf, n, "-");
	return buf;
}

/* ------------------------------------------------------------ regions */

static int regions_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "code", NULL };
	static const char *const filters[] = { "q", "parent", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	char pbuf[16];
	const char *q = req_query(rq, "q"), *parent;
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, sorts, filters, &lp, &fe);
	if (lp.after)
		field_errors_add(&fe, "after", "regions come in one page; no cursor is needed");
	parent = req_query_region(rq, "parent", pbuf, sizeof(pbuf), &fe);
	if (q && utf8_len(q) > 50)
		field_errors_add(&fe, "q", "longer than 50 characters");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (q && q[0])
		rc = org_db_region_search(rq->db, q, parent, lp.limit, &items);
	else
		rc = org_db_region_children(rq->db, req_query(rq, "parent"), &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

static int regions_get(struct req *rq, struct resp *rs)
{
	json_t *r = NULL;
	int rc = org_db_region_get(rq->db, req_param(rq, "code"), &r);

	if (rc == ERR_NOT_FOUND)
		return resp_problem(rs, 404, NULL, "no such administrative division", NULL);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, r);
}

static int regions_children(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "code", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	json_t *items = NULL;
	int rc;

	/* One page (a division has at most a few hundred children); arguments are still checked. */
	if (list_params_parse(rq, sorts, NULL, &lp, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);

	if (!org_db_region_exists(rq->db, req_param(rq, "code")))
		return resp_problem(rs, 404, NULL, "no such administrative division", NULL);
	rc = org_db_region_children(rq->db, req_param(rq, "code"), &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

/* ------------------------------------------------------------ departments */

static const struct json_field dept_fields[] = {
	{ "name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "region_code", JF_STRING, JF_REQUIRED, 12, 0, 0 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field dept_patch_fields[] = {
	{ "name", JF_STRING, 0, 100, 0, 0 },
	{ "region_code", JF_STRING, 0, 12, 0, 0 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Checks name and region of a department; region must be inside the writer's scope. */
static void dept_check(struct req *rq, const char *name, const char *region,
		       struct field_errors *fe)
{
	if (name && name[0] == '\0')
		field_errors_add(fe, "name", "must not be empty");
	if (region && !org_db_region_exists(rq->db, region))
		field_errors_add(fe, "region_code", "no administrative division has code '%s'",
				 region);
	else if (region && !scope_has_region(&rq->user->scope, region)) {
		field_errors_add(fe, "region_code", "is outside your data scope");
		fe->forbidden = true;
	}
}

static int depts_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", "name", "region_code", NULL };
	static const char *const filters[] = { "region", "q", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	char rbuf[16];
	const char *region;
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, sorts, filters, &lp, &fe);
	region = req_query_region(rq, "region", rbuf, sizeof(rbuf), &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = org_db_dept_list(rq->db, region, req_query(rq, "q"), &lp, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &lp));
}

static int dept_id(struct req *rq, struct resp *rs, int64_t *id)
{
	if (req_param_id(rq, "id", id) < 0) {
		resp_problem(rs, 400, NULL, "the department id must be a positive integer", NULL);
		return 1;
	}
	return 0;
}

static int depts_get(struct req *rq, struct resp *rs)
{
	json_t *d = NULL;
	int64_t id;
	int rc;

	if (dept_id(rq, rs, &id))
		return 0;
	rc = org_db_dept_get(rq->db, id, &d);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, d);
}

static int depts_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	const char *name, *region, *desc;
	json_t *d = NULL;
	int64_t id;
	int rc;

	if (json_check(rq->body, dept_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	name = json_str(rq->body, "name");
	region = json_str(rq->body, "region_code");
	desc = json_str(rq->body, "description");
	dept_check(rq, name, region, &fe);
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = org_db_dept_insert(rq->db, name, region, desc, now_ms(), &id);
	if (rc == 0)
		rc = org_db_dept_get(rq->db, id, &d);
	if (rc == 0)
		rc = audit_record(rq, "dept.create", "dept", id, json_incref(d));
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		json_decref(d);
		if (rc == ERR_CONFLICT)
			return resp_problem(rs, 409, NULL,
					    "a department of this name exists in this region",
					    NULL);
		return rc;
	}
	return resp_json(rs, 201, d);
}

static int depts_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *before = NULL, *after = NULL;
	const char *name, *region, *desc;
	int64_t id;
	int rc;

	if (dept_id(rq, rs, &id))
		return 0;
	if (json_check(rq->body, dept_patch_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = org_db_dept_get(rq->db, id, &before);
	if (rc < 0)
		return db_finish(rq->db, rc);
	if (!scope_has_region(&rq->user->scope, json_str(before, "region_code"))) {
		db_rollback(rq->db);
		json_decref(before);
		return resp_problem(rs, 403, NULL, "this department is outside your data scope",
				    NULL);
	}
	name = json_has(rq->body, "name") ? json_str(rq->body, "name") : json_str(before, "name");
	region = json_has(rq->body, "region_code") ? json_str(rq->body, "region_code")
						   : json_str(before, "region_code");
	desc = json_has(rq->body, "description") ? json_str(rq->body, "description")
						 : json_str(before, "description");
	dept_check(rq, name, region, &fe);
	if (fe.n) {
		db_rollback(rq->db);
		json_decref(before);
		return resp_invalid(rs, &fe);
	}
	rc = org_db_dept_update(rq->db, id, name, region, desc, now_ms());
	if (rc == 0)
		rc = org_db_dept_get(rq->db, id, &after);
	if (rc == 0)
		rc = audit_record(rq, "dept.update", "dept", id,
				  json_pack("{s:O, s:O}", "before", before, "changes", rq->body));
	json_decref(before);
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		json_decref(after);
		if (rc == ERR_CONFLICT)
			return resp_problem(rs, 409, NULL,
					    "a department of this name exists in this region",
					    NULL);
		return rc;
	}
	return resp_json(rs, 200, after);
}

static int depts_delete(struct req *rq, struct resp *rs)
{
	json_t *before = NULL;
	int64_t id;
	int rc;

	if (dept_id(rq, rs, &id))
		return 0;
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = org_db_dept_get(rq->db, id, &before);
	if (rc < 0)
		return db_finish(rq->db, rc);
	if (!scope_has_region(&rq->user->scope, json_str(before, "region_code"))) {
		db_rollback(rq->db);
		json_decref(before);
		return resp_problem(rs, 403, NULL, "this department is outside your data scope",
				    NULL);
	}
	rc = org_db_dept_delete(rq->db, id);
	if (rc == 0)
		rc = audit_record(rq, "dept.delete", "dept", id, json_incref(before));
	json_decref(before);
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL,
				    "users still belong to this department, or enterprises name it "
				    "as their supervising department",
				    NULL);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

/* ------------------------------------------------------------ grids */

static const struct json_field grid_fields[] = {
	{ "code", JF_STRING, JF_REQUIRED, 64, 0, 0 },
	{ "name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "region_code", JF_STRING, JF_REQUIRED, 12, 0, 0 },
	{ "geometry", JF_OBJECT, JF_NULLABLE, 0, 0, 0 },
	{ "manager_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "patroller_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "supervisor_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field grid_patch_fields[] = {
	{ "code", JF_STRING, 0, 64, 0, 0 },
	{ "name", JF_STRING, 0, 100, 0, 0 },
	{ "region_code", JF_STRING, 0, 12, 0, 0 },
	{ "geometry", JF_OBJECT, JF_NULLABLE, 0, 0, 0 },
	{ "manager_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "patroller_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "supervisor_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* One of the three grid roles (一格三员) must be held by a user of that role. */
static void grid_role_check(struct req *rq, const char *field, int64_t user_id, enum role want,
			    struct field_errors *fe)
{
	struct org_user u;

	if (user_id == 0)
		return;
	if (org_db_user_by_id(rq->db, user_id, &u) < 0)
		field_errors_add(fe, field, "no user has id %" PRId64, user_id);
	else if (u.role != want)
		field_errors_add(fe, field, "user %" PRId64 " is a %s, not a %s", user_id,
				 role_name(u.role), role_name(want));
	else if (!org_db_scope_covers(rq->db, &rq->user->scope, &u.scope)) {
		/* Naming someone outside the writer's scope is refused (403), as for dept_id. */
		field_errors_add(fe, field, "user %" PRId64 " works outside your data scope",
				 user_id);
		fe->forbidden = true;
	}
}

/* Applies body to g and checks the result. */
static void grid_apply(struct req *rq, const json_t *body, struct org_grid *g,
		       struct field_errors *fe)
{
	struct errmsg why = { 0 };
	const char *v;
	json_t *geo;

	if ((v = json_str(body, "code")) != NULL) {
		if (v[0] == '\0')
			field_errors_add(fe, "code", "must not be empty");
		utf8_copy(g->code, sizeof(g->code), v);
	}
	if ((v = json_str(body, "name")) != NULL) {
		if (v[0] == '\0')
			field_errors_add(fe, "name", "must not be empty");
		utf8_copy(g->name, sizeof(g->name), v);
	}
	if ((v = json_str(body, "region_code")) != NULL)
		utf8_copy(g->region_code, sizeof(g->region_code), v);
	if (!org_db_region_exists(rq->db, g->region_code))
		field_errors_add(fe, "region_code", "no administrative division has code '%s'",
				 g->region_code);
	else if (!scope_has_region(&rq->user->scope, g->region_code)) {
		field_errors_add(fe, "region_code", "is outside your data scope");
		fe->forbidden = true;
	}
	if (json_has(body, "geometry")) {
		geo = json_object_get(body, "geometry");
		free(g->geometry);
		g->geometry = NULL;
		if (!json_is_null(geo)) {
			if (org_geometry_check(geo, &why) < 0)
				field_errors_add(fe, "geometry", "%s", why.text);
			else
				g->geometry = json_dumps(geo, JSON_COMPACT);
			/* json_check() sees only top-level strings; NUL would not load back. */
			if (g->geometry && strstr(g->geometry, "\\u0000"))
				field_errors_add(fe, "geometry", "must not contain NUL characters");
		}
	}
	if (json_has(body, "manager_id"))
		g->manager_id = json_i64(body, "manager_id", 0);
	if (json_has(body, "patroller_id"))
		g->patroller_id = json_i64(body, "patroller_id", 0);
	if (json_has(body, "supervisor_id"))
		g->supervisor_id = json_i64(body, "supervisor_id", 0);
	/* Only the roles this body sets: unchanged ones were checked when they were set. */
	if (json_has(body, "manager_id"))
		grid_role_check(rq, "manager_id", g->manager_id, ROLE_GRID_MANAGER, fe);
	if (json_has(body, "patroller_id"))
		grid_role_check(rq, "patroller_id", g->patroller_id, ROLE_GRID_PATROLLER, fe);
	if (json_has(body, "supervisor_id"))
		grid_role_check(rq, "supervisor_id", g->supervisor_id, ROLE_GRID_SUPERVISOR, fe);
}

static int grids_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", "code", "name", "region_code", NULL };
	static const char *const filters[] = { "region", "q", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	char pbuf[16], rbuf[16];
	const char *region;
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, sorts, filters, &lp, &fe);
	region = req_query_region(rq, "region", rbuf, sizeof(rbuf), &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = org_db_grid_list(rq->db, scope_prefix(rq, pbuf, sizeof(pbuf)),
			      rq->user->scope.kind == SCOPE_GRIDS ? rq->user->user_id : 0, region,
			      req_query(rq, "q"), &lp, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &lp));
}

/* Loads grid {id} when it is inside the caller's scope; otherwise answers. *ok tells. */
static int grid_load(struct req *rq, struct resp *rs, struct org_grid *g, bool *ok)
{
	int64_t id;
	int rc;

	*ok = false;
	memset(g, 0, sizeof(*g));
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the grid id must be a positive integer", NULL);
	rc = org_db_grid_get(rq->db, id, g);
	if (rc < 0)
		return rc;
	if (!scope_has_grid(&rq->user->scope, g->id, g->region_code)) {
		org_grid_release(g);
		return resp_problem(rs, 403, NULL, "this grid is outside your data scope", NULL);
	}
	*ok = true;
	return 0;
}

/* Opens the write transaction and loads grid {id} inside it; rolled back when *ok is false. */
static int grid_begin_load(struct req *rq, struct resp *rs, struct org_grid *g, bool *ok)
{
	int rc = db_begin(rq->db);

	*ok = false;
	memset(g, 0, sizeof(*g));
	if (rc < 0)
		return rc;
	rc = grid_load(rq, rs, g, ok);
	if (rc < 0 || !*ok)
		db_rollback(rq->db);
	return rc;
}

static int grids_get(struct req *rq, struct resp *rs)
{
	struct org_grid g;
	bool ok;
	int rc = grid_load(rq, rs, &g, &ok);
	json_t *o;

	if (rc < 0 || !ok)
		return rc;
	o = org_grid_json(&g, true);
	org_grid_release(&g);
	return resp_json(rs, 200, o);
}

static int grids_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct org_grid g;
	json_t *o;
	int rc;

	if (json_check(rq->body, grid_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	memset(&g, 0, sizeof(g));
	grid_apply(rq, rq->body, &g, &fe);
	if (fe.n) {
		org_grid_release(&g);
		return resp_invalid(rs, &fe);
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = org_db_grid_insert(rq->db, &g, now_ms());
	if (rc == 0)
		rc = audit_record(rq, "grid.create", "grid", g.id, org_grid_json(&g, true));
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		org_grid_release(&g);
		if (rc == ERR_CONFLICT)
			return resp_problem(rs, 409, NULL, "a grid with this code exists", NULL);
		return rc;
	}
	o = org_grid_json(&g, true);
	org_grid_release(&g);
	return resp_json(rs, 201, o);
}

/* Load, check and write in one write transaction: a concurrent change is never undone. */
static int grids_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct org_grid g;
	json_t *before, *o;
	bool ok;
	int rc;

	if (json_check(rq->body, grid_patch_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	rc = grid_begin_load(rq, rs, &g, &ok);
	if (rc < 0 || !ok)
		return rc;
	before = org_grid_json(&g, false);
	grid_apply(rq, rq->body, &g, &fe);
	if (fe.n) {
		db_rollback(rq->db);
		json_decref(before);
		org_grid_release(&g);
		return resp_invalid(rs, &fe);
	}
	rc = org_db_grid_update(rq->db, &g, now_ms());
	if (rc == 0)
		rc = audit_record(rq, "grid.update", "grid", g.id,
				  json_pack("{s:O, s:O}", "before", before, "changes", rq->body));
	json_decref(before);
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		org_grid_release(&g);
		if (rc == ERR_CONFLICT)
			return resp_problem(rs, 409, NULL, "a grid with this code exists", NULL);
		return rc;
	}
	o = org_grid_json(&g, true);
	org_grid_release(&g);
	return resp_json(rs, 200, o);
}

static int grids_delete(struct req *rq, struct resp *rs)
{
	struct org_grid g;
	bool ok;
	int rc;

	rc = grid_begin_load(rq, rs, &g, &ok);
	if (rc < 0 || !ok)
		return rc;
	rc = org_db_grid_delete(rq->db, g.id);
	if (rc == 0)
		rc = audit_record(rq, "grid.delete", "grid", g.id, org_grid_json(&g, false));
	org_grid_release(&g);
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL, "users still have this grid in their scope",
				    NULL);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

const struct route org_unit_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/regions",
	  .handler = regions_list,
	  .perm = PERM_REGION_READ,
	  .summary = "administrative divisions: children of ?parent (provinces without it), or "
		     "search ?q by name" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/regions/{code}",
	  .handler = regions_get,
	  .perm = PERM_REGION_READ,
	  .summary = "one administrative division by GB/T 2260 code" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/regions/{code}/children",
	  .handler = regions_children,
	  .perm = PERM_REGION_READ,
	  .summary = "the divisions directly under one" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/depts",
	  .handler = depts_list,
	  .perm = PERM_DEPT_READ,
	  .summary = "departments; filters region, q" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/depts",
	  .handler = depts_create,
	  .perm = PERM_DEPT_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 32768,
	  .summary = "create a department" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/depts/{id}",
	  .handler = depts_get,
	  .perm = PERM_DEPT_READ,
	  .summary = "one department" },
	{ .method = HTTP_PATCH,
	  .path = "/api/v1/depts/{id}",
	  .handler = depts_patch,
	  .perm = PERM_DEPT_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 32768,
	  .summary = "change a department" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/depts/{id}",
	  .handler = depts_delete,
	  .perm = PERM_DEPT_WRITE,
	  .summary = "delete a department no user belongs to" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/grids",
	  .handler = grids_list,
	  .perm = PERM_GRID_READ,
	  .summary = "grids in your scope; filters region, q" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/grids",
	  .handler = grids_create,
	  .perm = PERM_GRID_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 4 * 1024 * 1024,
	  .summary = "create a grid with its boundary and its three roles" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/grids/{id}",
	  .handler = grids_get,
	  .perm = PERM_GRID_READ,
	  .summary = "one grid with its boundary (GeoJSON)" },
	{ .method = HTTP_PATCH,
	  .path = "/api/v1/grids/{id}",
	  .handler = grids_patch,
	  .perm = PERM_GRID_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 4 * 1024 * 1024,
	  .summary = "change a grid" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/grids/{id}",
	  .handler = grids_delete,
	  .perm = PERM_GRID_WRITE,
	  .summary = "delete a grid no user is scoped to" },
	{ 0 },
};
