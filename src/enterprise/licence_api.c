/* SPDX-License-Identifier: MIT */
/*
 * Licences over HTTP: an enterprise's licences (list, add), one licence
 * (change, delete), and the expiry list of every licence in the caller's
 * scope (GET /api/v1/licences, soonest end first). Who may do what
 * (docs/enterprise.md):
 *   - every role reads the licences of the enterprises inside its data scope
 *     (enterprise.read);
 *   - administrators, inspectors and grid managers add, change and delete them
 *     inside their scope (enterprise.write); an enterprise officer does not:
 *     licences are issued by the authorities and entered by the bureau, like
 *     the standardisation grade.
 * Every write runs in one transaction with its audit record, which is also
 * filed in the enterprise's history.
 */
#define LOG_MODULE "enterprise"
#include "enterprise/licence.h"
#include "enterprise/enterprise_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/util.h"
#include "db/db.h"
#include "http/req.h"
#include "core/banned.h"

static const struct json_field create_fields[] = {
	{ "type", JF_STRING, JF_REQUIRED, 24, 0, 0 },
	{ "number", JF_STRING, JF_REQUIRED, 64, 0, 0 },
	{ "issuer", JF_STRING, 0, 100, 0, 0 },
	{ "valid_from", JF_STRING, JF_REQUIRED, 10, 0, 0 },
	{ "valid_until", JF_STRING, JF_REQUIRED, 10, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field patch_fields[] = {
	{ "type", JF_STRING, 0, 24, 0, 0 },	   { "number", JF_STRING, 0, 64, 0, 0 },
	{ "issuer", JF_STRING, 0, 100, 0, 0 },	   { "valid_from", JF_STRING, 0, 10, 0, 0 },
	{ "valid_until", JF_STRING, 0, 10, 0, 0 }, { NULL, 0, 0, 0, 0, 0 },
};

/* Keys of licence_json() that are not changes of their own in the history. */
static const char *const not_changes[] = { "created_ms", "updated_ms", "enterprise_name", NULL };

static int officer_refused(struct resp *rs)
{
	return resp_problem(rs, 403, NULL,
			    "licences are entered by the bureau, not by the enterprise's officer",
			    NULL);
}

static bool licence_in_scope(const struct req *rq, const struct licence *l)
{
	return enterprise_api_in_scope(rq, l->enterprise_uscc, l->enterprise_region,
				       l->enterprise_grid_id);
}

static void copy_str(const json_t *body, const char *key, char *dst, size_t n)
{
	const char *v = json_str(body, key);

	if (v != NULL)
		utf8_copy(dst, n, v);
}

static void apply(const json_t *body, struct licence *l)
{
	copy_str(body, "type", l->type, sizeof(l->type));
	copy_str(body, "number", l->number, sizeof(l->number));
	copy_str(body, "issuer", l->issuer, sizeof(l->issuer));
	copy_str(body, "valid_from", l->valid_from, sizeof(l->valid_from));
	copy_str(body, "valid_until", l->valid_until, sizeof(l->valid_until));
}

static int conflict(struct resp *rs)
{
	return resp_problem(rs, 409, NULL,
			    "this enterprise already holds a licence of this type with this number",
			    NULL);
}

/* ------------------------------------------------------------ lists */

/* The query of both licence lists: filters state, within_days, type (and region). */
struct list_query {
	struct licence_filter f;
	struct licence_rules lr;
	struct list_params lp;
	char from[16], to[16], region[16], scope[16];
};

static int parse_list(struct req *rq, const char *const *filters, struct list_query *q,
		      struct field_errors *fe)
{
	static const char *const sorts[] = { "valid_until", "id", "valid_from", "type", NULL };
	static const char *const states[] = { "valid",	     "expiring_90", "expiring_60",
					      "expiring_30", "expired",	    "expiring",
					      NULL };
	const char *state = NULL, *v;
	int64_t within = -1;
	struct licence_range range;

	memset(q, 0, sizeof(*q));
	list_params_parse(rq, sorts, filters, &q->lp, fe);
	enterprise_api_licence_rules(rq, &q->lr);
	if ((v = req_query(rq, "state")) != NULL) {
		for (const char *const *s = states; *s; s++)
			if (strcmp(v, *s) == 0)
				state = v;
		if (state == NULL)
			field_errors_add(fe, "state",
					 "must be valid, expiring_90, expiring_60, expiring_30, "
					 "expired or expiring");
	}
	if ((v = req_query(rq, "within_days")) != NULL &&
	    (parse_i64(v, &within) < 0 || within < 0 || within > 3650 ||
	     (v[0] == '0' && v[1] != '\0'))) {
		field_errors_add(fe, "within_days", "must be a number of days from 0 to 3650");
		within = -1;
	}
	if ((v = req_query(rq, "type")) != NULL) {
		if (licence_type_zh(v) == NULL)
			field_errors_add(fe, "type",
					 "must be safety_production, hazchem_business, "
					 "hazchem_use, fireworks_business, mining or other");
		q->f.type = v;
	}
	if ((v = req_query(rq, "region")) != NULL) {
		size_t p = region_prefix_len(v);

		if (p == 0)
			field_errors_add(fe, "region", "must be a GB/T 2260 code of 6 or 9 digits");
		snprintf(q->region, sizeof(q->region), "%.*s", (int)p, v);
		q->f.region = q->region;
	}
	if (fe->n)
		return ERR_INVALID;
	if (licence_filter_range(state, within, &q->lr, &range) < 0)
		return ERR_INVALID; /* not reached: state is one of the list */
	if (range.has_from) {
		date_format(range.from, q->from, sizeof(q->from));
		q->f.until_from = q->from;
	}
	if (range.has_to) {
		date_format(range.to, q->to, sizeof(q->to));
		q->f.until_to = q->to;
	}
	enterprise_api_scope_filter(rq, q->scope, sizeof(q->scope), &q->f.scope_prefix,
				    &q->f.grid_user, &q->f.scope_uscc);
	return 0;
}

/* GET /api/v1/licences: the licences of every enterprise in the caller's scope. */
static int list_all(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = { "state", "within_days", "type", "region", NULL };
	struct field_errors fe = { 0 };
	struct list_query q;
	json_t *items = NULL;
	int rc;

	if (parse_list(rq, filters, &q, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = licence_db_list(rq->db, &q.f, &q.lp, &q.lr, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &q.lp));
}

/* GET /api/v1/enterprises/{id}/licences */
static int list_of(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = { "state", "within_days", "type", NULL };
	struct field_errors fe = { 0 };
	struct enterprise e;
	struct list_query q;
	json_t *items = NULL;
	bool ok;
	int rc;

	if (parse_list(rq, filters, &q, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = enterprise_api_load(rq, rs, &e, &ok);
	if (rc < 0 || !ok)
		return rc;
	q.f.enterprise_id = e.id;
	enterprise_release(&e);
	rc = licence_db_list(rq->db, &q.f, &q.lp, &q.lr, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &q.lp));
}

/* ------------------------------------------------------------ writes */

/* POST /api/v1/enterprises/{id}/licences */
static int create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct licence_rules lr;
	struct enterprise e;
	struct licence l;
	bool ok = false;
	int rc;

	if (rq->user->role == ROLE_ENTERPRISE_OFFICER)
		return officer_refused(rs);
	if (json_check(rq->body, create_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	memset(&l, 0, sizeof(l));
	apply(rq->body, &l);
	if (licence_check(&l, &fe) < 0)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = enterprise_api_load(rq, rs, &e, &ok);
	if (rc < 0 || !ok)
		goto out;
	l.enterprise_id = e.id;
	utf8_copy(l.enterprise_name, sizeof(l.enterprise_name), e.name);
	enterprise_release(&e);
	rc = licence_db_insert(rq->db, &l, now_ms());
	if (rc == 0)
		rc = enterprise_api_record(rq, "licence.create", "licence", l.id, l.enterprise_id,
					   json_pack("{s:o}", "licence", licence_json(&l, NULL)));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		rc = conflict(rs);
	else if (rc == 0) {
		enterprise_api_licence_rules(rq, &lr);
		rc = resp_json(rs, 201, licence_json(&l, &lr));
	}
out:
	if (db_in_transaction(rq->db))
		db_rollback(rq->db);
	return rc;
}

/* Loads licence {id} inside a write transaction, refusing what the caller may not change. */
static int load_for_write(struct req *rq, struct resp *rs, struct licence *l, bool *ok)
{
	int64_t id;
	int rc;

	*ok = false;
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the licence id must be a positive integer",
				    NULL);
	rc = licence_db_get(rq->db, id, l);
	if (rc < 0)
		return rc;
	if (!licence_in_scope(rq, l))
		return resp_problem(rs, 403, NULL,
				    "this licence's enterprise is outside your data scope", NULL);
	if (rq->user->role == ROLE_ENTERPRISE_OFFICER)
		return officer_refused(rs);
	*ok = true;
	return 0;
}

/* PATCH /api/v1/licences/{id}: the record holds the field-level changes. */
static int patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct licence_rules lr;
	struct licence l;
	json_t *before = NULL, *after = NULL;
	bool ok = false;
	int rc;

	if (json_check(rq->body, patch_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = load_for_write(rq, rs, &l, &ok);
	if (rc < 0 || !ok)
		goto out;
	before = licence_json(&l, NULL);
	apply(rq->body, &l);
	if (licence_check(&l, &fe) < 0) {
		rc = resp_invalid(rs, &fe);
		goto out;
	}
	rc = licence_db_update(rq->db, &l, now_ms());
	if (rc == 0) {
		after = licence_json(&l, NULL);
		rc = enterprise_api_record(rq, "licence.update", "licence", l.id, l.enterprise_id,
					   json_pack("{s:O, s:o}", "before", before, "changes",
						     json_changes(before, after, not_changes)));
	}
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		rc = conflict(rs);
	else if (rc == 0) {
		enterprise_api_licence_rules(rq, &lr);
		rc = resp_json(rs, 200, licence_json(&l, &lr));
	}
out:
	if (db_in_transaction(rq->db))
		db_rollback(rq->db);
	json_decref(after);
	json_decref(before);
	return rc;
}

/* DELETE /api/v1/licences/{id}: the record keeps the licence as it was. */
static int licence_delete(struct req *rq, struct resp *rs)
{
	struct licence l;
	bool ok = false;
	int rc;

	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = load_for_write(rq, rs, &l, &ok);
	if (rc < 0 || !ok) {
		db_rollback(rq->db);
		return rc;
	}
	rc = licence_db_delete(rq->db, l.id);
	if (rc == 0)
		rc = enterprise_api_record(rq, "licence.delete", "licence", l.id, l.enterprise_id,
					   json_pack("{s:o}", "licence", licence_json(&l, NULL)));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

const struct route licence_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/enterprises/{id}/licences",
	  .handler = list_of,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "an enterprise's licences with their state and days_left, soonest end "
		     "first; filters state (a state or expiring), within_days, type" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/enterprises/{id}/licences",
	  .handler = create,
	  .perm = PERM_ENTERPRISE_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 8192,
	  .summary = "add a licence {type, number, issuer, valid_from, valid_until} (not by the "
		     "enterprise's officer)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/licences",
	  .handler = list_all,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "licences of the enterprises in your scope, soonest end first; filters state "
		     "(a state or expiring), within_days, type, region" },
	{ .method = HTTP_PATCH,
	  .path = "/api/v1/licences/{id}",
	  .handler = patch,
	  .perm = PERM_ENTERPRISE_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 8192,
	  .summary = "change a licence (not by the enterprise's officer)" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/licences/{id}",
	  .handler = licence_delete,
	  .perm = PERM_ENTERPRISE_WRITE,
	  .summary = "delete a licence (the audit log and the enterprise's history keep it)" },
	{ 0 },
};
