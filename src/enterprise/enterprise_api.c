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
#include "enterprise/enterprise_io.h"

#include <inttypes.h>
#include <malloc.h>
#include <strings.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/log.h"
#include "enterprise/licence.h"
#include "core/err.h"
#include "core/geo.h"
#include "core/util.h"
#include "db/db.h"
#include "http/req.h"
#include "org/org.h"
#include "core/buf.h"
#include "core/mem.h"
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
	return scope_has_row(&rq->user->scope, region_code, grid_id, uscc);
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
 * Names of supervising departments and named inspectors already looked up (org's header)
 * while answering one request: a list page of one county names the same few again and
 * again, so each distinct id costs one lookup a page, not one a row. A full cache
 * replaces its entries in turn.
 */
#define NAME_CACHE_N 16
struct name_cache {
	struct {
		int64_t id; /* 0 = unused */
		bool dept;  /* a department's name, else a person's */
		char name[ENTERPRISE_LABEL_MAX];
	} e[NAME_CACHE_N];
	size_t next; /* the entry to fill next */
};

/*
 * The name of department id (dept) or user id (else), "" when there is none or the
 * lookup failed. Returns: borrowed from c, valid until its next lookup.
 */
static const char *cached_name(struct req *rq, struct name_cache *c, bool dept, int64_t id)
{
	char region[16];
	struct org_person p;
	size_t i;

	for (i = 0; i < NAME_CACHE_N; i++)
		if (c->e[i].id == id && c->e[i].dept == dept)
			return c->e[i].name;
	i = c->next;
	c->next = (c->next + 1) % NAME_CACHE_N;
	c->e[i].id = id;
	c->e[i].dept = dept;
	c->e[i].name[0] = '\0';
	if (dept) {
		if (org_dept_brief(rq->db, id, c->e[i].name, sizeof(c->e[i].name), region,
				   sizeof(region)) < 0)
			c->e[i].name[0] = '\0';
	} else if (org_person_get(rq->db, id, &p) == 0) {
		utf8_copy(c->e[i].name, sizeof(c->e[i].name), p.name);
	}
	return c->e[i].name;
}

/*
 * Fills what enterprise_json() shows beside the row: the names of the supervising
 * department and the named inspector (org's lookups, through names), and the worst
 * licence state on the request's date.
 */
static void enrich(struct req *rq, struct name_cache *names, struct enterprise *e,
		   const struct licence_rules *lr)
{
	int64_t until;

	e->supervising_dept_name[0] = e->supervisor_name[0] = '\0';
	if (e->supervising_dept_id)
		utf8_copy(e->supervising_dept_name, sizeof(e->supervising_dept_name),
			  cached_name(rq, names, true, e->supervising_dept_id));
	if (e->supervisor_id)
		utf8_copy(e->supervisor_name, sizeof(e->supervisor_name),
			  cached_name(rq, names, false, e->supervisor_id));
	e->licence_state = NULL;
	if (e->worst_valid_until[0] && date_parse(e->worst_valid_until, &until) == 0)
		e->licence_state = licence_state_name(licence_state(until, lr->today, &lr->bands));
}

/* enterprise_json() after enrich(), with the phones masked as the caller must see them. */
static json_t *shown(struct req *rq, struct enterprise *e, bool mask)
{
	struct name_cache names = { 0 };
	struct licence_rules lr;

	enterprise_api_licence_rules(rq, &lr);
	enrich(rq, &names, e, &lr);
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
	enterprise_check_refs(rq->db, e, NULL, fe);
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

/* The list's filters; the export takes the same ones (and format). */
static const char *const list_filters[] = { "region",	     "grid",   "industry", "high_risk",
					    "std_grade",     "status", "q",	   "supervision",
					    "licence_state", NULL };
static const char *const list_sorts[] = { "id", "name", "uscc", "region_code", "updated_ms", NULL };

/* Room for the filter's texts that are not borrowed from the query. */
struct filter_bufs {
	char prefix[16], region[16];
	char lic_from[16], lic_to[16];
	struct licence_rules lr; /* today and the warning bands of this request */
};

/*
 * Fills f from the list's query filters and the caller's data scope (shared by the
 * list and the export). Adds each bad argument to fe.
 */
static void filter_from_query(struct req *rq, struct enterprise_filter *f, struct filter_bufs *b,
			      struct field_errors *fe)
{
	static const char *const grades[] = { "none", "1", "2", "3", NULL };
	static const char *const statuses[] = { "operating", "suspended", "closed", NULL };
	static const char *const bools[] = { "true", "false", "1", "0", NULL };
	static const char *const supervision[] = { "none", "assigned", NULL };
	static const char *const lic_states[] = { "valid",	 "expiring_90", "expiring_60",
						  "expiring_30", "expired",	"expiring",
						  NULL };
	struct licence_range range;
	const char *v;

	memset(f, 0, sizeof(*f));
	f->high_risk = -1;
	f->supervision = -1;
	enterprise_api_licence_rules(rq, &b->lr);
	if ((v = req_query(rq, "region")) != NULL) {
		size_t p = region_prefix_len(v);

		if (p == 0)
			field_errors_add(fe, "region", "must be a GB/T 2260 code of 6 or 9 digits");
		snprintf(b->region, sizeof(b->region), "%.*s", (int)p, v);
		f->region = b->region;
	}
	if ((v = req_query(rq, "grid")) != NULL && parse_i64(v, &f->grid_id) < 0)
		field_errors_add(fe, "grid", "must be a grid id");
	if ((v = req_query(rq, "industry")) != NULL) {
		size_t n = strlen(v);

		if (n < 2 || n > 4 || strspn(v, "0123456789") != n)
			field_errors_add(fe, "industry",
					 "must be a GB/T 4754 code of 2 to 4 digits");
		f->industry = v;
	}
	if ((v = query_enum(rq, "high_risk", bools, fe)) != NULL)
		f->high_risk = (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) ? 1 : 0;
	f->std_grade = query_enum(rq, "std_grade", grades, fe);
	f->status = query_enum(rq, "status", statuses, fe);
	if ((v = req_query(rq, "q")) != NULL) {
		if (v[0] == '\0' || utf8_len(v) > 100)
			field_errors_add(fe, "q", "must be 1 to 100 characters");
		f->q = v;
	}
	if ((v = query_enum(rq, "supervision", supervision, fe)) != NULL)
		f->supervision = strcmp(v, "assigned") == 0 ? 1 : 0;
	if ((v = query_enum(rq, "licence_state", lic_states, fe)) != NULL &&
	    licence_filter_range(v, -1, &b->lr, &range) == 0) {
		/* The worst state is the state of the earliest valid_until. */
		f->licence_filter = true;
		if (range.has_from) {
			date_format(range.from, b->lic_from, sizeof(b->lic_from));
			f->licence_from = b->lic_from;
		}
		if (range.has_to) {
			date_format(range.to, b->lic_to, sizeof(b->lic_to));
			f->licence_to = b->lic_to;
		}
	}
	enterprise_filter_scope(f, &rq->user->scope, rq->user->user_id, b->prefix,
				sizeof(b->prefix));
}

/* Lists hold only in-scope rows: an officer sees its own enterprise, in clear. */
static bool list_masked(const struct req *rq)
{
	return mask_for(rq, NULL) && !is_officer(rq);
}

/* One list page being written: the items as JSON text, straight from the rows. */
struct list_ctx {
	struct req *rq;
	const struct licence_rules *lr;
	const struct list_params *lp;
	struct name_cache names;
	struct buf items;
	int64_t rows;	 /* rows read, the one after the page included */
	int64_t last_id; /* of the last item written */
};

static int list_row(void *arg, struct enterprise *e)
{
	struct list_ctx *c = arg;

	if (c->rows++ == c->lp->limit) /* the row after the page: there is a next page */
		return 0;
	enrich(c->rq, &c->names, e, c->lr);
	if (c->items.len > 0)
		buf_add(&c->items, ",", 1);
	enterprise_json_write(&c->items, e, mask_for(c->rq, e));
	c->last_id = e->id;
	return 0;
}

/*
 * The list writes each item's JSON straight into the answer (enterprise_json_write(), the
 * same bytes as enterprise_json()): building ~30 jansson values a record and serialising
 * them took most of the time of a page (docs/benchmarks.md, issue 3).
 */
static int list(struct req *rq, struct resp *rs)
{
	struct enterprise_filter f;
	struct filter_bufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct list_ctx *ctx = NULL;
	int rc;

	list_params_parse(rq, list_sorts, list_filters, &lp, &fe);
	filter_from_query(rq, &f, &b, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->rq = rq;
	ctx->lr = &b.lr;
	ctx->lp = &lp;
	/* Masked per row: an officer's list holds only its own enterprise, in clear. */
	rc = enterprise_db_page(rq->db, &f, &lp, list_row, ctx);
	if (rc == 0)
		rc = resp_list_page_text(rs, &ctx->items, ctx->rows > lp.limit ? ctx->last_id : 0);
	buf_release(&ctx->items);
	free(ctx);
	return rc;
}

/* ------------------------------------------------------------ one enterprise */

int enterprise_api_load(struct req *rq, struct resp *rs, struct enterprise *e, bool *ok)
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
	int rc = enterprise_api_load(rq, rs, &e, &ok);
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
	rc = enterprise_api_load(rq, rs, &e, &ok);
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
	enterprise_release(&e); /* enterprise_api_load() initialised it */
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
	rc = enterprise_api_load(rq, rs, &e, &ok);
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
	rc = enterprise_api_load(rq, rs, &e, &ok);
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

/* ------------------------------------------------------------ import */

static const char *const upload_types[] = {
	"text/csv",
	TABLE_XLSX_MIME,
	"application/octet-stream",
	NULL,
};

/* The charset parameter of a Content-Type, or NULL. */
static const char *content_charset(const char *ct, char *out, size_t n)
{
	const char *p = ct ? strcasestr(ct, "charset=") : NULL;

	if (p == NULL)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	snprintf(out, n, "%.*s", (int)strcspn(p, "\"; "), p);
	return out;
}

/* Query arguments that are not the list convention's: refuses limit, after and sort. */
static void no_paging(struct req *rq, struct field_errors *fe, const char *what)
{
	static const char *const paging[] = { "limit", "after", "sort", NULL };

	for (const char *const *k = paging; *k; k++)
		if (req_query(rq, *k) && !(strcmp(*k, "sort") == 0 && strcmp(what, "export") == 0))
			field_errors_add(fe, *k, "the %s is not paged", what);
}

/*
 * The route's refusal (struct route.refuse, asked before the body is read): officers and
 * grid roles hold enterprise.write for single records; imports are the bureau's.
 */
static const char *import_refused(const struct principal *u)
{
	if (u->role == ROLE_ENTERPRISE_OFFICER || u->role == ROLE_GRID_MANAGER ||
	    u->scope.kind == SCOPE_GRIDS || u->scope.kind == SCOPE_ENTERPRISE)
		return "enterprises are imported by administrators and inspectors; grid roles and "
		       "enterprise officers enter them one by one";
	return NULL;
}

static int import_file(struct req *rq, struct resp *rs)
{
	static const char *const args[] = { "dry_run", "format", "encoding", NULL };
	const struct principal *u = rq->user;
	const struct config *cfg = &rq->app->cfg;
	const char *ct = req_header(rq, "Content-Type"), *v;
	struct enterprise_import_opts o;
	struct enterprise_import_result res;
	struct field_errors fe = { 0 };
	struct audit_actor actor;
	struct list_params lp;
	char charset[32];
	json_t *body;
	int rc;

	if ((v = import_refused(u)) != NULL) /* the gate asked already; kept for safety */
		return resp_problem(rs, 403, NULL, v, NULL);
	memset(&o, 0, sizeof(o));
	o.format = -1;
	list_params_parse(rq, NULL, args, &lp, &fe);
	no_paging(rq, &fe, "import");
	if ((v = req_query(rq, "dry_run")) != NULL) {
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			o.dry_run = true;
		else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0)
			field_errors_add(&fe, "dry_run", "must be 1, true, 0 or false");
	}
	if ((v = req_query(rq, "format")) != NULL) {
		if (strcmp(v, "csv") == 0)
			o.format = TABLE_CSV;
		else if (strcmp(v, "xlsx") == 0)
			o.format = TABLE_XLSX;
		else
			field_errors_add(&fe, "format", "must be csv or xlsx");
	} else if (ct && strncasecmp(ct, "text/csv", 8) == 0) {
		o.format = TABLE_CSV;
	} else if (ct && strncasecmp(ct, upload_types[1], strlen(upload_types[1])) == 0) {
		o.format = TABLE_XLSX;
	}
	v = req_query(rq, "encoding");
	if (v == NULL)
		v = content_charset(ct, charset, sizeof(charset));
	if (v != NULL && text_encoding_parse(v, &o.encoding) < 0)
		field_errors_add(&fe, "encoding", "must be auto, utf-8 or gb18030 (gbk)");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	audit_actor_from_req(rq, &actor);
	o.scope = &u->scope;
	o.actor = &actor;
	table_limits_default(&o.limits);
	o.limits.max_rows = (size_t)cfg->import_max_rows;
	o.limits.max_xml_bytes = cfg->import_max_xml_bytes;
	o.max_errors = (size_t)cfg->import_max_errors;
	rc = enterprise_import(rq->db, rq->raw_body, rq->raw_len, &o, &res);
	/* A large file leaves ~100 MB of freed cells in this thread's heap: give it back. */
	malloc_trim(0);
	if (rc < 0) {
		enterprise_import_result_release(&res);
		return rc;
	}
	body = enterprise_import_json(&res);
	log_info("import rows=%zu valid=%zu imported=%zu errors=%zu dry_run=%d user=%s",
		 res.total_rows, res.valid_rows, res.imported, res.errors_total, o.dry_run,
		 u->login);
	if (!o.dry_run && res.errors_total > 0) {
		char detail[128];

		/* RFC 9457 with the report as extension members: nothing was written. */
		snprintf(detail, sizeof(detail), "%zu problems in the file; nothing was imported",
			 res.errors_total);
		json_object_set_new(body, "type", json_string("about:blank"));
		json_object_set_new(body, "title", json_string("Unprocessable Content"));
		json_object_set_new(body, "status", json_integer(422));
		json_object_set_new(body, "detail", json_string(detail));
		enterprise_import_result_release(&res);
		resp_json(rs, 422, body);
		rs->content_type = "application/problem+json";
		return 0;
	}
	enterprise_import_result_release(&res);
	return resp_json(rs, 200, body);
}

/* ------------------------------------------------------------ export */

struct export_ctx {
	struct db *db;
	struct table_writer *w;
	struct enterprise_ref_cache *cache;
	bool mask;
};

static int export_row(void *ctx, struct enterprise *e)
{
	struct export_ctx *x = ctx;
	char grid[72] = "", *cells[ECOL_N];

	if (e->grid_id && enterprise_grid_code(x->db, x->cache, e->grid_id, grid, sizeof(grid)) < 0)
		grid[0] = '\0';
	enterprise_sheet_cells(e, grid, x->mask, cells);
	table_writer_row(x->w, (const char *const *)cells, ECOL_N);
	enterprise_sheet_cells_free(cells);
	return 0;
}

static int export_file(struct req *rq, struct resp *rs)
{
	const char *filters[sizeof(list_filters) / sizeof(list_filters[0]) + 1];
	const char *header[ECOL_N];
	struct export_ctx x = { rq->db, NULL, NULL, list_masked(rq) };
	struct enterprise_filter f;
	struct filter_bufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	enum table_format fmt = TABLE_XLSX;
	const char *v;
	char *data = NULL, disp[96], day[16];
	size_t len = 0, nf = 0;
	int fd = -1, rc;
	time_t t = (time_t)(now_ms() / 1000 + 8 * 3600); /* the date in China (UTC+8) */
	struct tm tm;

	for (; list_filters[nf]; nf++)
		filters[nf] = list_filters[nf];
	filters[nf++] = "format";
	filters[nf] = NULL;
	list_params_parse(rq, list_sorts, filters, &lp, &fe);
	no_paging(rq, &fe, "export");
	filter_from_query(rq, &f, &b, &fe);
	if ((v = req_query(rq, "format")) != NULL) {
		if (strcmp(v, "csv") == 0)
			fmt = TABLE_CSV;
		else if (strcmp(v, "xlsx") != 0)
			field_errors_add(&fe, "format", "must be xlsx or csv");
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	x.w = table_writer_new(fmt, "企业", NULL);
	if (x.w == NULL)
		return ERR_IO;
	x.cache = enterprise_ref_cache_new();
	for (int c = 0; c < ECOL_N; c++)
		header[c] = enterprise_columns[c].zh;
	table_writer_row(x.w, header, ECOL_N);
	rc = db_begin_read(rq->db); /* one snapshot for the whole file */
	if (rc == 0)
		rc = enterprise_db_each(rq->db, &f, lp.sort, lp.desc, export_row, &x);
	db_rollback(rq->db);
	enterprise_ref_cache_free(x.cache);
	if (rc < 0) {
		table_writer_free(x.w);
		return rc;
	}
	rc = table_writer_finish(x.w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(disp, sizeof(disp), "enterprises-%s.%s", day, fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, disp,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
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
	{ .method = HTTP_POST,
	  .path = "/api/v1/enterprises/import",
	  .handler = import_file,
	  .perm = PERM_ENTERPRISE_WRITE,
	  .flags = ROUTE_UPLOAD,
	  .accept = upload_types,
	  .refuse = import_refused,
	  .summary = "import enterprises from CSV (UTF-8 or GB18030) or XLSX, all rows or none; "
		     "?dry_run=1 reports every bad row; ?format=csv|xlsx, ?encoding=auto|utf-8|"
		     "gb18030" },
	/* Before /enterprises/{id}, which would take "export" for an id. */
	{ .method = HTTP_GET,
	  .path = "/api/v1/enterprises/export",
	  .handler = export_file,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "the filtered list as a file (?format=xlsx|csv and the list's filters), not "
		     "paged, phones masked as in the list" },
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

bool enterprise_api_row_in_scope(const struct req *rq, const json_t *row)
{
	const char *uscc = json_str(row, "_uscc");

	return enterprise_api_in_scope(rq, uscc ? uscc : "", json_str(row, "_region_code"),
				       json_i64(row, "_grid_id", 0));
}

int enterprise_api_load_row(struct req *rq, int (*getter)(struct db *, int64_t, json_t **),
			    json_t **row)
{
	int64_t id;
	int rc;

	*row = NULL;
	if (req_param_id(rq, "id", &id) < 0)
		return ERR_INVALID;
	rc = getter(rq->db, id, row);
	if (rc == 0 && !enterprise_api_row_in_scope(rq, *row)) {
		json_decref(*row);
		*row = NULL;
		rc = ERR_NOT_FOUND;
	}
	return rc;
}
