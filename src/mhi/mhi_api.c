/* SPDX-License-Identifier: MIT */
/*
 * Major hazard installations over HTTP (mhi_api.h; docs/mhi.md "Storage and API").
 *
 * A write takes the whole unit (PATCH: the stored unit with the body's members over it;
 * items replace the inventory as a whole), checks every field, runs mhi_assess() (GB
 * 18218-2018 4.2.1 identification, 4.3 grading) over the loaded tables, and stores the
 * unit, its inventory and S, major, R and grade in one transaction with its audit record.
 * A read of one installation runs mhi_assess() again over the stored inventory for the
 * explanation (lines: each item's Q, beta, q/Q and share of R, largest first).
 *
 * Field errors name items[i].<member>: an unknown chemical (not in Table 1 and without
 * categories), a key matching several Table 1 rows (with the candidates and their seq),
 * quantity_t <= 0, an unknown category, a major unit with an item whose beta is unknown.
 *
 * Scope: an installation is visible when its enterprise is (region prefix, the user's
 * grids, own enterprise), else 404; a write also needs the enterprise in scope (a create
 * for an enterprise outside: 403 naming enterprise_id).
 */
#define LOG_MODULE "mhi"
#include "mhi/mhi_api.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/perm.h"
#include "core/scope.h"
#include "core/util.h"
#include "db/db.h"
#include "mhi/mhi.h"
#include "mhi/mhi_db.h"
#include "mhi/mhi_load.h"
#include "report/table.h"
#include "core/banned.h"

#define CATS_MAX   128 /* bytes of one item's categories, joined with ',' */
#define EXPORT_MAX 100000
#define MAP_MAX	   5000
#define CANDIDATES 8

static const char *const unit_kinds[] = { "production", "storage", NULL };

/* An inventory as mhi_assess() takes it; strings borrowed from the JSON body or cats. */
struct inventory {
	struct mhi_item items[MHI_ITEMS_MAX];
	char cats[MHI_ITEMS_MAX][CATS_MAX];
	size_t n;
};

static int64_t api_now(const struct req *rq)
{
	return config_now_ms(&rq->app->cfg);
}

static bool row_visible(const struct req *rq, const json_t *row)
{
	return scope_has_row(&rq->user->scope, json_str(row, "_region_code"),
			     json_i64(row, "_grid_id", 0), json_str(row, "_uscc"));
}

static int tables_or_503(struct resp *rs, const struct mhi_tables **t)
{
	*t = mhi_data();
	if (*t == NULL)
		return resp_problem(rs, 503, NULL,
				    "the GB 18218-2018 tables (data/mhi/) are not loaded", NULL);
	return 1;
}

/* ------------------------------------------------------------ inventory checks */

/* Categories: a string of symbols, or an array of symbol strings, joined into out. */
static void item_categories(const json_t *v, const char *field, char *out, struct field_errors *fe)
{
	size_t i;
	json_t *c;

	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return;
	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) >= CATS_MAX)
			field_errors_add(fe, field, "is too long");
		else
			snprintf(out, CATS_MAX, "%s", json_string_value(v));
		return;
	}
	if (!json_is_array(v)) {
		field_errors_add(fe, field, "must be Table 2 symbols (\"W5.3\" or [\"W5.3\"])");
		return;
	}
	json_array_foreach(v, i, c) {
		size_t len = strlen(out);

		if (!json_is_string(c) || len + strlen(json_string_value(c)) + 2 >= CATS_MAX) {
			field_errors_add(fe, field,
					 "must be Table 2 symbols (\"W5.3\" or [\"W5.3\"])");
			out[0] = '\0';
			return;
		}
		snprintf(out + len, CATS_MAX - len, "%s%s", len ? "," : "", json_string_value(c));
	}
}

/* Adds why key matches several Table 1 rows, with the candidates' seq, to fe. */
static void ambiguous(const struct mhi_tables *t, const char *key, const char *field,
		      struct field_errors *fe)
{
	const struct mhi_chemical *c[CANDIDATES];
	size_t n = mhi_chemical_matches(t, key, c, CANDIDATES);
	char list[64] = "";

	for (size_t k = 0; k < n && k < CANDIDATES; k++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof(list) - len, "%s%d", k ? ", " : "", c[k]->seq);
	}
	field_errors_add(fe, field, "'%.40s' matches %zu rows of Table 1: give seq, one of %s", key,
			 n, list);
}

/*
 * Adds to fe why seq disagrees with chemical: when chemical names Table 1 rows (compared as
 * in mhi_chemical_find) seq only picks among them, never another substance, whose Q (GB
 * 18218-2018 4.1.2 a) and beta (Table 3) would be taken for the named one. A chemical that
 * names no row (a name that only begins one, "汽油") leaves the choice to seq.
 */
static void seq_agrees(const struct mhi_tables *t, const char *chemical, int seq, const char *field,
		       struct field_errors *fe)
{
	const struct mhi_chemical *c[CANDIDATES];
	size_t n = mhi_chemical_matches(t, chemical, c, CANDIDATES);
	char list[64] = "";

	if (n == 0 || n > CANDIDATES)
		return;
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(list);

		if (c[k]->seq == seq)
			return;
		snprintf(list + len, sizeof(list) - len, "%s%d", k ? ", " : "", c[k]->seq);
	}
	field_errors_add(fe, field,
			 "'%.40s' is row %s of Table 1 (%s), not row %d: give its seq or leave "
			 "seq out",
			 chemical, list, c[0]->name_zh, seq);
}

/*
 * A key that is no Table 1 name as written but begins one ("汽油" for row 66 "汽油(乙醇
 * 汽油、甲醇汽油)"): the rows it begins, so that the user picks one by seq, or gives the
 * categories when it is none of them (a qualifier such as 甲醛's "含量>90%" is a condition,
 * so the row is never taken silently). Returns false when no row begins with key.
 */
static bool suggest(const struct mhi_tables *t, const char *key, const char *field,
		    struct field_errors *fe)
{
	char list[64] = "";
	size_t n = 0, klen = strlen(key);

	for (size_t i = 0; klen && i < t->nchemicals; i++) {
		size_t len = strlen(list);

		if (strncmp(t->chemicals[i].name_zh, key, klen) != 0)
			continue;
		if (n++ < CANDIDATES)
			snprintf(list + len, sizeof(list) - len, "%s%d", len ? ", " : "",
				 t->chemicals[i].seq);
	}
	if (n == 0)
		return false;
	field_errors_add(fe, field,
			 "'%.40s' is no Table 1 name as written: give seq (rows %s begin so) or "
			 "its hazard categories (Table 2)",
			 key, list);
	return true;
}

/*
 * Reads the items array into inv, naming every bad member items[i].<member>. A chemical
 * that matches several Table 1 rows (without seq) is refused with its candidates.
 */
static void read_items(const struct mhi_tables *t, const json_t *arr, struct inventory *inv,
		       struct field_errors *fe)
{
	static const char *const members[] = { "chemical", "seq", "categories", "quantity_t",
					       NULL };
	json_t *it;
	size_t i;

	inv->n = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		field_errors_add(fe, "items", "must be a non-empty array of chemicals");
		return;
	}
	if (json_array_size(arr) > MHI_ITEMS_MAX) {
		field_errors_add(fe, "items", "must have at most %d items", MHI_ITEMS_MAX);
		return;
	}
	json_array_foreach(arr, i, it) {
		struct mhi_item *m = &inv->items[i];
		char field[48];
		const char *k;
		json_t *v, *q;
		int rc;

		memset(m, 0, sizeof(*m));
		if (!json_is_object(it)) {
			snprintf(field, sizeof(field), "items[%zu]", i);
			field_errors_add(fe, field,
					 "must be an object {chemical?, seq?, "
					 "categories?, quantity_t}");
			continue;
		}
		json_object_foreach(it, k, v) {
			if (!str_one_of(k, members)) {
				snprintf(field, sizeof(field), "items[%zu].%s", i, k);
				field_errors_add(fe, field, "is not a field of an item");
			}
		}
		v = json_object_get(it, "chemical");
		snprintf(field, sizeof(field), "items[%zu].chemical", i);
		if (v && !json_is_null(v) &&
		    (!json_is_string(v) || strlen(json_string_value(v)) > 400))
			field_errors_add(fe, field, "must be a name, alias or CAS number");
		else if (v && json_is_string(v))
			m->chemical = json_string_value(v);
		v = json_object_get(it, "seq");
		if (v && !json_is_null(v)) {
			snprintf(field, sizeof(field), "items[%zu].seq", i);
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 1000)
				field_errors_add(fe, field, "must be a Table 1 number (序号)");
			else if (!mhi_chemical_by_seq(t, (int)json_integer_value(v)))
				field_errors_add(fe, field,
						 "no row %" JSON_INTEGER_FORMAT " in Table 1",
						 json_integer_value(v));
			else
				m->seq = (int)json_integer_value(v);
		}
		snprintf(field, sizeof(field), "items[%zu].categories", i);
		item_categories(json_object_get(it, "categories"), field, inv->cats[i], fe);
		m->categories = inv->cats[i];
		q = json_object_get(it, "quantity_t");
		snprintf(field, sizeof(field), "items[%zu].quantity_t", i);
		if (q == NULL)
			field_errors_add(fe, field, "is required (design maximum, tonnes)");
		else if (!json_is_number(q) || json_number_value(q) <= 0)
			field_errors_add(fe, field, "must be a number of tonnes > 0");
		else if (mhi_tonnes_from_double(json_number_value(q), &m->q_kg) < 0 || m->q_kg < 1)
			field_errors_add(fe, field, "must be 0.001 t .. 1e9 t");
		if (m->chemical && *m->chemical && m->seq == 0) {
			const struct mhi_chemical *c;

			snprintf(field, sizeof(field), "items[%zu].chemical", i);
			rc = mhi_chemical_find(t, m->chemical, &c, NULL);
			if (rc == ERR_CONFLICT)
				ambiguous(t, m->chemical, field, fe);
			else if (rc == ERR_NOT_FOUND && inv->cats[i][0] == '\0')
				suggest(t, m->chemical, field, fe);
		} else if (m->chemical && *m->chemical) {
			snprintf(field, sizeof(field), "items[%zu].seq", i);
			seq_agrees(t, m->chemical, m->seq, field, fe);
		}
	}
	inv->n = json_array_size(arr);
}

/* mhi_assess()'s field as the API's: q_kg is quantity_t, people is people_500m. */
static void api_field(const char *f, char *out, size_t n)
{
	const char *q = strstr(f, "q_kg");

	if (strcmp(f, "people") == 0)
		snprintf(out, n, "people_500m");
	else if (q)
		snprintf(out, n, "%.*squantity_t", (int)(q - f), f);
	else
		snprintf(out, n, "%s", f[0] ? f : "items");
}

/*
 * Checks a whole unit u (create body, or the stored unit with a PATCH over it) and
 * assesses it. Returns 0 with *res filled (release it), or ERR_INVALID with fe filled.
 */
static int check_unit(const struct mhi_tables *t, const json_t *u, struct inventory *inv,
		      struct mhi_result *res, struct field_errors *fe)
{
	const char *name = json_str(u, "name");
	json_t *lon = json_object_get(u, "lon"), *lat = json_object_get(u, "lat");
	struct errmsg m;

	memset(res, 0, sizeof(*res));
	if (name == NULL || name[strspn(name, " \t")] == '\0')
		field_errors_add(fe, "name", "must not be empty or blank");
	if (!str_one_of(json_str(u, "unit_kind"), unit_kinds))
		field_errors_add(fe, "unit_kind", "must be production or storage");
	if (json_is_number(lon) != json_is_number(lat))
		field_errors_add(fe, json_is_number(lon) ? "lat" : "lon",
				 "lon and lat are given together");
	if (json_is_number(lon) && fabs(json_number_value(lon)) > 180)
		field_errors_add(fe, "lon", "must be -180..180");
	if (json_is_number(lat) && fabs(json_number_value(lat)) > 90)
		field_errors_add(fe, "lat", "must be -90..90");
	read_items(t, json_object_get(u, "items"), inv, fe);
	if (fe->n)
		return ERR_INVALID;
	if (mhi_assess(t, inv->items, inv->n, (int)json_i64(u, "people_500m", 0), res, &m) < 0) {
		char field[64];

		api_field(m.field, field, sizeof(field));
		field_errors_add(fe, field, "%s", m.text);
		return ERR_INVALID;
	}
	/* Store the Table 1 row each item resolved to, so later reads need no name search. */
	for (size_t k = 0; k < res->nlines; k++) {
		const struct mhi_line *l = &res->lines[k];

		if (l->chemical)
			inv->items[l->item].seq = l->chemical->seq;
	}
	return 0;
}

/* ------------------------------------------------------------ explanation */

static const char *beta_source_name(enum mhi_beta_source s)
{
	switch (s) {
	case MHI_BETA_TABLE3:
		return "table3";
	case MHI_BETA_TABLE4:
		return "table4";
	case MHI_BETA_NONE:
		break;
	}
	return "none";
}

/* The explanation lines of res over inventory inv, as JSON. Returns: owned. */
static json_t *lines_json(const struct inventory *inv, const struct mhi_result *res)
{
	json_t *a = json_array();

	for (size_t k = 0; k < res->nlines; k++) {
		const struct mhi_line *l = &res->lines[k];
		const struct mhi_item *it = &inv->items[l->item];
		const char *cats = it->categories && *it->categories ? it->categories : NULL;
		json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:f, s:f, s:f, s:s}", "item",
				      (json_int_t)l->item, "chemical",
				      it->chemical ? json_string(it->chemical) : json_null(), "seq",
				      l->chemical ? json_integer(l->chemical->seq) : json_null(),
				      "name_zh",
				      l->chemical ? json_string(l->chemical->name_zh) : json_null(),
				      "categories", cats ? json_string(cats) : json_null(),
				      "quantity_t", (double)l->q_kg / 1000.0, "threshold_t",
				      (double)l->threshold_kg / 1000.0, "ratio", l->ratio,
				      "beta_source", beta_source_name(l->beta_source));

		json_object_set_new(o, "q_source", json_string(l->chemical ? "table1" : "table2"));
		json_object_set_new(o, "q_category",
				    l->q_category ? json_string(l->q_category->symbol)
						  : json_null());
		json_object_set_new(o, "beta",
				    l->beta_source != MHI_BETA_NONE
					    ? json_real((double)l->beta_milli / 1000.0)
					    : json_null());
		json_object_set_new(o, "beta_category",
				    l->b_category ? json_string(l->b_category->symbol)
						  : json_null());
		json_object_set_new(o, "r_term", res->r_known ? json_real(l->r_term) : json_null());
		json_object_set_new(o, "r_share",
				    res->r_known ? json_real(l->r_share) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* Stored items (mhi_db_get's) into inv, borrowed from row. Returns 0 or ERR_INVALID. */
static int stored_items(const json_t *row, struct inventory *inv)
{
	json_t *arr = json_object_get(row, "items"), *it;
	size_t i;

	inv->n = 0;
	if (json_array_size(arr) > MHI_ITEMS_MAX)
		return ERR_INVALID;
	json_array_foreach(arr, i, it) {
		struct mhi_item *m = &inv->items[i];

		memset(m, 0, sizeof(*m));
		m->chemical = json_str(it, "chemical");
		m->seq = (int)json_i64(it, "seq", 0);
		snprintf(inv->cats[i], CATS_MAX, "%s",
			 json_str(it, "categories") ? json_str(it, "categories") : "");
		m->categories = inv->cats[i];
		if (mhi_tonnes_from_double(json_number_value(json_object_get(it, "quantity_t")),
					   &m->q_kg) < 0)
			return ERR_INVALID;
	}
	inv->n = json_array_size(arr);
	return 0;
}

/*
 * Adds alpha, lines and the fresh S/R to a stored row (its detail). A row whose stored
 * inventory no longer assesses (tables changed) keeps its stored values, lines [] and
 * assess_error.
 */
static void add_explanation(const struct mhi_tables *t, json_t *row)
{
	struct inventory *inv = xcalloc(1, sizeof(*inv));
	struct mhi_result res;
	struct errmsg m = { "", "the stored inventory cannot be read" };
	int people = (int)json_i64(row, "people_500m", 0);

	json_object_set_new(row, "alpha", json_real((double)mhi_alpha_milli(t, people) / 1000.0));
	if (stored_items(row, inv) < 0 || mhi_assess(t, inv->items, inv->n, people, &res, &m) < 0) {
		json_object_set_new(row, "lines", json_array());
		json_object_set_new(row, "assess_error", json_string(m.text));
		free(inv);
		return;
	}
	json_object_set_new(row, "lines", lines_json(inv, &res));
	mhi_result_release(&res);
	free(inv);
}

/* ------------------------------------------------------------ installations */

static const struct json_field create_fields[] = {
	{ "enterprise_id", JF_INT, 0, 0, 1, INT64_MAX },
	{ "name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "unit_kind", JF_STRING, JF_REQUIRED, 20, 0, 0 },
	{ "people_500m", JF_INT, JF_REQUIRED, 0, 0, 100000000 },
	{ "description", JF_STRING, 0, 2000, 0, 0 },
	{ "lon", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "lat", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "items", JF_ARRAY, JF_REQUIRED, MHI_ITEMS_MAX, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field patch_fields[] = {
	{ "name", JF_STRING, 0, 100, 0, 0 },	       { "unit_kind", JF_STRING, 0, 20, 0, 0 },
	{ "people_500m", JF_INT, 0, 0, 0, 100000000 }, { "description", JF_STRING, 0, 2000, 0, 0 },
	{ "lon", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },    { "lat", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "items", JF_ARRAY, 0, MHI_ITEMS_MAX, 0, 0 }, { NULL, 0, 0, 0, 0, 0 },
};

static void unit_in(const json_t *u, const struct inventory *inv, const struct mhi_result *res,
		    int64_t now, struct mhi_installation_in *in)
{
	json_t *lon = json_object_get(u, "lon"), *lat = json_object_get(u, "lat");

	memset(in, 0, sizeof(*in));
	in->name = json_str(u, "name");
	in->unit_kind = json_str(u, "unit_kind");
	in->description = json_str(u, "description");
	in->people_500m = (int)json_i64(u, "people_500m", 0);
	in->has_pos = json_is_number(lon) && json_is_number(lat);
	in->lon = json_number_value(lon);
	in->lat = json_number_value(lat);
	in->items = inv->items;
	in->nitems = inv->n;
	in->res = res;
	in->now_ms = now;
}

static json_t *audit_summary(const json_t *u, const struct mhi_result *res)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:f, s:b, s:i}", "name", json_str(u, "name"),
			      "unit_kind", json_str(u, "unit_kind"), "people_500m",
			      (int)json_i64(u, "people_500m", 0), "s", res->s, "major", res->major,
			      "grade", res->grade);

	json_object_set_new(o, "r", res->r_known ? json_real(res->r) : json_null());
	json_object_set(o, "items", json_object_get(u, "items"));
	return o;
}

/* Loads installation {id} inside the caller's scope (else ERR_NOT_FOUND). */
static int load(struct req *rq, json_t **row)
{
	int64_t id;
	int rc;

	*row = NULL;
	if (req_param_id(rq, "id", &id) < 0)
		return ERR_INVALID;
	rc = mhi_db_get(rq->db, id, row);
	if (rc == 0 && !row_visible(rq, *row)) {
		json_decref(*row);
		*row = NULL;
		rc = ERR_NOT_FOUND;
	}
	return rc;
}

/* The detail reply of installation id (after a write). */
static int reply_one(struct req *rq, struct resp *rs, const struct mhi_tables *t, int status,
		     int64_t id)
{
	json_t *row = NULL;
	int rc = mhi_db_get(rq->db, id, &row);

	if (rc < 0)
		return rc;
	add_explanation(t, row);
	return resp_json(rs, status, json_strip_private(row));
}

/* The enterprise a create names (or the officer's own), checked against the scope. */
static int64_t enterprise_of(struct req *rq, struct field_errors *fe)
{
	json_t *v = json_object_get(rq->body, "enterprise_id");
	char uscc[20], region[16];
	int64_t id = 0, grid = 0;

	if (v == NULL) {
		if (rq->user->scope.kind == SCOPE_ENTERPRISE &&
		    mhi_db_enterprise_by_uscc(rq->db, rq->user->scope.enterprise, &id) == 0)
			return id;
		field_errors_add(fe, "enterprise_id", "is required");
		return 0;
	}
	id = json_integer_value(v);
	if (mhi_db_enterprise(rq->db, id, uscc, region, &grid) < 0) {
		field_errors_add(fe, "enterprise_id", "does not exist");
		return 0;
	}
	if (!scope_has_row(&rq->user->scope, region, grid, uscc)) {
		field_errors_add(fe, "enterprise_id", "is outside your data scope");
		fe->forbidden = true;
		return 0;
	}
	return id;
}

static int conflict_name(struct resp *rs)
{
	struct field_errors fe = { 0 };

	field_errors_add(&fe, "name", "the enterprise already has an installation of this name");
	return resp_problem(rs, 409, NULL, "an installation of this name exists", &fe);
}

static int installation_create(struct req *rq, struct resp *rs)
{
	const struct mhi_tables *t;
	struct field_errors fe = { 0 };
	struct inventory *inv;
	struct mhi_result res;
	struct mhi_installation_in in;
	int64_t eid = 0, id = 0;
	int rc = tables_or_503(rs, &t);

	if (rc <= 0)
		return rc;
	if (json_check(rq->body, create_fields, &fe) == 0)
		eid = enterprise_of(rq, &fe);
	if (fe.n)
		return resp_invalid(rs, &fe);
	inv = xcalloc(1, sizeof(*inv));
	if (check_unit(t, rq->body, inv, &res, &fe) < 0) {
		free(inv);
		return resp_invalid(rs, &fe);
	}
	unit_in(rq->body, inv, &res, api_now(rq), &in);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = mhi_db_insert(rq->db, eid, &in, &id);
	if (rc == 0) {
		json_t *sum = audit_summary(rq->body, &res);

		json_object_set_new(sum, "enterprise_id", json_integer(eid));
		rc = audit_record(rq, "mhi.installation.create", "mhi_installation", id, sum);
	}
	rc = db_finish(rq->db, rc);
	mhi_result_release(&res);
	free(inv);
	if (rc == ERR_CONFLICT)
		return conflict_name(rs);
	return rc < 0 ? rc : reply_one(rq, rs, t, 201, id);
}

static int installation_get(struct req *rq, struct resp *rs)
{
	const struct mhi_tables *t;
	json_t *row = NULL;
	int rc = tables_or_503(rs, &t);

	if (rc <= 0)
		return rc;
	rc = load(rq, &row);
	if (rc < 0)
		return rc;
	add_explanation(t, row);
	return resp_json(rs, 200, json_strip_private(row));
}

static int installation_patch(struct req *rq, struct resp *rs)
{
	static const char *const kept[] = { "name", "unit_kind", "people_500m", "description",
					    "lon",  "lat",	 "items",	NULL };
	const struct mhi_tables *t;
	struct field_errors fe = { 0 };
	struct inventory *inv;
	struct mhi_result res;
	struct mhi_installation_in in;
	json_t *row = NULL, *u;
	int64_t id;
	int rc = tables_or_503(rs, &t);

	if (rc <= 0)
		return rc;
	rc = load(rq, &row);
	if (rc < 0)
		return rc;
	if (json_check(rq->body, patch_fields, &fe) < 0) {
		json_decref(row);
		return resp_invalid(rs, &fe);
	}
	id = json_i64(row, "id", 0);
	u = json_object();
	for (size_t k = 0; kept[k]; k++)
		json_object_set(u, kept[k], json_object_get(row, kept[k]));
	json_object_update(u, rq->body);
	inv = xcalloc(1, sizeof(*inv));
	if (check_unit(t, u, inv, &res, &fe) < 0) {
		free(inv);
		json_decref(u);
		json_decref(row);
		return resp_invalid(rs, &fe);
	}
	unit_in(u, inv, &res, api_now(rq), &in);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = mhi_db_update(rq->db, id, &in);
	if (rc == 0) {
		json_t *sum = audit_summary(u, &res);

		json_object_set_new(sum, "before_grade",
				    json_incref(json_object_get(row, "grade")));
		json_object_set_new(sum, "before_s", json_incref(json_object_get(row, "s")));
		rc = audit_record(rq, "mhi.installation.update", "mhi_installation", id, sum);
	}
	rc = db_finish(rq->db, rc);
	mhi_result_release(&res);
	free(inv);
	json_decref(u);
	json_decref(row);
	if (rc == ERR_CONFLICT)
		return conflict_name(rs);
	return rc < 0 ? rc : reply_one(rq, rs, t, 200, id);
}

static int installation_delete(struct req *rq, struct resp *rs)
{
	json_t *row = NULL;
	int64_t id;
	int rc = load(rq, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = mhi_db_delete(rq->db, id);
	if (rc == 0)
		rc = audit_record(rq, "mhi.installation.delete", "mhi_installation", id,
				  json_pack("{s:I, s:s, s:O}", "enterprise_id",
					    (json_int_t)json_i64(row, "enterprise_id", 0), "name",
					    json_str(row, "name"), "grade",
					    json_object_get(row, "grade")));
	rc = db_finish(rq->db, rc);
	json_decref(row);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL,
				    "monitoring points belong to this installation: move or "
				    "delete them first",
				    NULL);
	return rc < 0 ? rc : resp_no_content(rs);
}

/* ------------------------------------------------------------ lists */

/* The query's filters (enterprise_id, grade, major, region, q) and the caller's scope. */
static void read_filter(struct req *rq, struct mhi_filter *f, char scope_buf[16],
			char region_buf[16], struct field_errors *fe)
{
	const char *v;
	int64_t n;

	memset(f, 0, sizeof(*f));
	f->major = -1;
	scope_bounds_of(&rq->user->scope, rq->user->user_id, scope_buf, 16, &f->scope);
	v = req_query(rq, "enterprise_id");
	if (v && (parse_i64(v, &f->enterprise_id) < 0 || f->enterprise_id < 1))
		field_errors_add(fe, "enterprise_id", "must be a positive integer");
	v = req_query(rq, "grade");
	if (v) {
		if (parse_i64(v, &n) < 0 || n < 1 || n > 4)
			field_errors_add(fe, "grade",
					 "must be 1, 2, 3 or 4 (GB 18218-2018 Table 6)");
		else
			f->grade = (int)n;
	}
	v = req_query(rq, "major");
	if (v) {
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			f->major = 1;
		else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
			f->major = 0;
		else
			field_errors_add(fe, "major", "must be true or false");
	}
	f->region = req_query_region(rq, "region", region_buf, 16, fe);
	if (f->region && !scope_prefix_end(f->region, f->region_end, sizeof(f->region_end)))
		snprintf(f->region_end, sizeof(f->region_end), "%s", f->region);
	f->q = req_query(rq, "q");
	if (f->q && strlen(f->q) > 200)
		field_errors_add(fe, "q", "must be at most 200 bytes");
}

static const char *const list_filters[] = {
	"enterprise_id", "grade", "major", "region", "q", NULL
};

static void add_alpha(const struct mhi_tables *t, json_t *items)
{
	json_t *v;
	size_t i;

	json_array_foreach(items, i, v) {
		json_object_set_new(
			v, "alpha",
			json_real((double)mhi_alpha_milli(t, (int)json_i64(v, "people_500m", 0)) /
				  1000.0));
		json_object_set_new(v, "inventory_text",
				    json_string(json_str(v, "_inventory_text")
							? json_str(v, "_inventory_text")
							: ""));
	}
}

static int installation_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", NULL };
	const struct mhi_tables *t;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct mhi_filter f;
	char sb[16], rb[16];
	json_t *items = NULL;
	int rc = tables_or_503(rs, &t);

	if (rc <= 0)
		return rc;
	list_params_parse(rq, sorts, list_filters, &lp, &fe);
	read_filter(rq, &f, sb, rb, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = mhi_db_list(rq->db, &f, &lp, &items);
	if (rc < 0)
		return rc;
	add_alpha(t, items);
	return resp_json(rs, 200, list_page(json_strip_private(items), &lp));
}

static const char *kind_zh(const char *k)
{
	return k && strcmp(k, "production") == 0 ? "生产单元" : "储存单元";
}

/*
 * GET /mhi/installations/export?format=xlsx|csv (+ the list's filters): every
 * installation in scope, most severe grade first, with Chinese headers (formula injection
 * guarded by report/table.h).
 */
static int installation_export(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "enterprise_id", "grade", "major", "region", "q",
					       "format",	NULL };
	static const char *const header[] = { "企业名称",
					      "统一社会信用代码",
					      "行政区划",
					      "重大危险源名称",
					      "单元类型",
					      "厂界外500米内常住人数",
					      "危险化学品及设计最大量",
					      "S(Σq/Q)",
					      "是否构成重大危险源",
					      "α",
					      "R",
					      "级别",
					      "关联监测点数" };
	const struct mhi_tables *t;
	struct field_errors fe = { 0 };
	struct mhi_filter f;
	struct table_writer *w;
	enum table_format fmt = TABLE_XLSX;
	const char *v = req_query(rq, "format");
	char sb[16], rb[16], *data = NULL, name[80], day[16];
	json_t *items = NULL, *it;
	bool truncated;
	size_t len = 0, i;
	int fd = -1, rc = tables_or_503(rs, &t);

	if (rc <= 0)
		return rc;
	query_params_check(rq, allowed, &fe);
	read_filter(rq, &f, sb, rb, &fe);
	if (v && strcmp(v, "csv") == 0)
		fmt = TABLE_CSV;
	else if (v && strcmp(v, "xlsx") != 0)
		field_errors_add(&fe, "format", "must be xlsx or csv");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = mhi_db_all(rq->db, &f, EXPORT_MAX, &items, &truncated);
	if (rc < 0)
		return rc;
	w = table_writer_new(fmt, "重大危险源", NULL);
	if (w == NULL) {
		json_decref(items);
		return ERR_IO;
	}
	table_writer_row(w, header, sizeof(header) / sizeof(header[0]));
	json_array_foreach(items, i, it) {
		char people[24], s[32], a[16], r[32], points[24];
		json_t *rv = json_object_get(it, "r");
		const char *cells[13];

		snprintf(people, sizeof(people), "%" PRId64, json_i64(it, "people_500m", 0));
		snprintf(s, sizeof(s), "%.4f", json_number_value(json_object_get(it, "s")));
		snprintf(a, sizeof(a), "%.1f",
			 (double)mhi_alpha_milli(t, (int)json_i64(it, "people_500m", 0)) / 1000.0);
		if (json_is_number(rv))
			snprintf(r, sizeof(r), "%.2f", json_number_value(rv));
		else
			r[0] = '\0';
		snprintf(points, sizeof(points), "%" PRId64, json_i64(it, "point_count", 0));
		cells[0] = json_str(it, "enterprise_name");
		cells[1] = json_str(it, "_uscc");
		cells[2] = json_str(it, "_region_code");
		cells[3] = json_str(it, "name");
		cells[4] = kind_zh(json_str(it, "unit_kind"));
		cells[5] = people;
		cells[6] = json_str(it, "_inventory_text");
		cells[7] = s;
		cells[8] = json_is_true(json_object_get(it, "major")) ? "是" : "否";
		cells[9] = a;
		cells[10] = r;
		cells[11] = json_str(it, "grade_name") ? json_str(it, "grade_name") : "";
		cells[12] = points;
		table_writer_row(w, cells, 13);
	}
	json_decref(items);
	rc = table_writer_finish(w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	if (truncated)
		resp_header(rs, "X-Truncated", "true");
	date_format(today_local(rq->app->cfg.fake_now_ms), day, sizeof(day));
	snprintf(name, sizeof(name), "mhi-installations-%s.%s", day,
		 fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, name,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
}

/*
 * GET /mhi/map: the installations in scope with a position (their own, else their
 * enterprise's) and grade, for the enterprise map's layer: {items:[{id, enterprise_id,
 * enterprise_name, name, major, grade, grade_name, s, r, lon, lat}], truncated}.
 */
static int installation_map(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "enterprise_id", "grade", "major",
					       "region",	"q",	 NULL };
	struct field_errors fe = { 0 };
	struct mhi_filter f;
	char sb[16], rb[16];
	json_t *items = NULL, *out = json_array(), *it;
	bool truncated;
	size_t i;
	int rc;

	query_params_check(rq, allowed, &fe);
	read_filter(rq, &f, sb, rb, &fe);
	if (fe.n) {
		json_decref(out);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	rc = mhi_db_all(rq->db, &f, MAP_MAX, &items, &truncated);
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	json_array_foreach(items, i, it) {
		json_t *lon = json_object_get(it, "lon"), *lat = json_object_get(it, "lat");

		if (!json_is_number(lon)) {
			lon = json_object_get(it, "_e_lon");
			lat = json_object_get(it, "_e_lat");
		}
		if (!json_is_number(lon) || !json_is_number(lat))
			continue;
		json_array_append_new(
			out,
			json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id",
				  json_object_get(it, "id"), "enterprise_id",
				  json_object_get(it, "enterprise_id"), "enterprise_name",
				  json_object_get(it, "enterprise_name"), "name",
				  json_object_get(it, "name"), "major",
				  json_object_get(it, "major"), "grade",
				  json_object_get(it, "grade"), "grade_name",
				  json_object_get(it, "grade_name"), "s", json_object_get(it, "s"),
				  "r", json_object_get(it, "r"), "lon", lon, "lat", lat));
	}
	json_decref(items);
	return resp_json(rs, 200, json_pack("{s:o, s:b}", "items", out, "truncated", truncated));
}

/* ------------------------------------------------------------ lookups */

/* True when needle (ASCII case ignored) occurs in hay. */
static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (hay == NULL)
		return false;
	for (; *hay; hay++) {
		size_t k = 0;

		while (k < n && hay[k] &&
		       tolower((unsigned char)hay[k]) == tolower((unsigned char)needle[k]))
			k++;
		if (k == n)
			return true;
	}
	return n == 0;
}

static json_t *named_beta_json(const struct mhi_tables *t, const struct mhi_chemical *c)
{
	const struct mhi_named_beta *b = NULL;
	const char *p = c->cas;

	/* By each CAS number of the row, as mhi_assess() matches Table 3. */
	while (b == NULL && p && *p) {
		char cas[24];
		size_t len = strcspn(p, ";");

		snprintf(cas, sizeof(cas), "%.*s", (int)(len < sizeof(cas) ? len : 0), p);
		if (cas[0])
			b = mhi_named_beta_find(t, cas);
		p += len;
		if (*p == ';')
			p++;
	}
	if (b == NULL)
		b = mhi_named_beta_find(t, c->name_zh);
	return b ? json_real((double)b->beta_milli / 1000.0) : json_null();
}

/* GET /mhi/chemicals?q=: Table 1 rows whose name, alias, English name or CAS hold q. */
static int chemicals(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "q", NULL };
	const struct mhi_tables *t;
	struct field_errors fe = { 0 };
	const char *q = req_query(rq, "q");
	json_t *items;
	int rc = tables_or_503(rs, &t);

	if (rc <= 0)
		return rc;
	if (query_params_check(rq, allowed, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (q == NULL)
		q = "";
	items = json_array();
	for (size_t i = 0; i < t->nchemicals; i++) {
		const struct mhi_chemical *c = &t->chemicals[i];

		if (!contains(c->name_zh, q) && !contains(c->aliases, q) &&
		    !contains(c->name_en, q) && !contains(c->cas, q))
			continue;
		json_array_append_new(items, json_pack("{s:i, s:s, s:s, s:s, s:s, s:f, s:o}", "seq",
						       c->seq, "name_zh", c->name_zh, "name_en",
						       c->name_en ? c->name_en : "", "aliases",
						       c->aliases ? c->aliases : "", "cas",
						       c->cas ? c->cas : "", "threshold_t",
						       (double)c->threshold_kg / 1000.0, "beta",
						       named_beta_json(t, c)));
	}
	return resp_json(rs, 200, json_pack("{s:o}", "items", items));
}

/* GET /mhi/categories: Table 2 with Table 4's beta, Table 5 and Table 6. */
static int categories(struct req *rq, struct resp *rs)
{
	const struct mhi_tables *t;
	struct field_errors fe = { 0 };
	json_t *cats = json_array(), *alphas = json_array(), *grades = json_array();
	int rc = tables_or_503(rs, &t);

	if (rc <= 0 || query_params_check(rq, NULL, &fe) < 0) {
		json_decref(cats);
		json_decref(alphas);
		json_decref(grades);
		return rc <= 0 ? rc : resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	for (size_t i = 0; i < t->ncategories; i++) {
		const struct mhi_category *c = &t->categories[i];

		json_array_append_new(cats,
				      json_pack("{s:s, s:s, s:s, s:s, s:f, s:f}", "symbol",
						c->symbol, "class_zh", c->class_zh, "desc_zh",
						c->desc_zh, "desc_en", c->desc_en ? c->desc_en : "",
						"threshold_t", (double)c->threshold_kg / 1000.0,
						"beta", (double)c->beta_milli / 1000.0));
	}
	for (size_t i = 0; i < t->nalphas; i++) {
		const struct mhi_alpha *a = &t->alphas[i];

		json_array_append_new(alphas,
				      json_pack("{s:s, s:i, s:o, s:f}", "label_zh", a->label_zh,
						"people_min", a->people_min, "people_max",
						a->people_max < 0 ? json_null()
								  : json_integer(a->people_max),
						"alpha", (double)a->alpha_milli / 1000.0));
	}
	for (size_t i = 0; i < t->ngrades; i++) {
		const struct mhi_grade_band *g = &t->grades[i];

		json_array_append_new(
			grades,
			json_pack("{s:i, s:s, s:o, s:o}", "grade", g->grade, "label_zh",
				  g->label_zh, "r_min",
				  g->r_min_milli < 0 ? json_null()
						     : json_real((double)g->r_min_milli / 1000.0),
				  "r_max",
				  g->r_max_milli < 0 ? json_null()
						     : json_real((double)g->r_max_milli / 1000.0)));
	}
	return resp_json(rs, 200,
			 json_pack("{s:o, s:o, s:o}", "items", cats, "alpha", alphas, "grades",
				   grades));
}

/* ------------------------------------------------------------ routes */

#define R(m, p, h, perm_, s)                                                      \
	{                                                                         \
		.method = m, .path = p, .handler = h, .perm = perm_, .summary = s \
	}
#define W(m, p, h, s)                                                             \
	{                                                                         \
		.method = m, .path = p, .handler = h, .perm = PERM_MONITOR_WRITE, \
		.flags = ROUTE_JSON_BODY, .max_body = 262144, .summary = s        \
	}

const struct route mhi_routes[] = {
	R(HTTP_GET, "/api/v1/mhi/installations", installation_list, PERM_MONITOR_READ,
	  "major hazard installations (GB 18218-2018) in scope; filters enterprise_id, grade "
	  "1..4, major, region, q"),
	W(HTTP_POST, "/api/v1/mhi/installations", installation_create,
	  "add an installation {enterprise_id, name, unit_kind production|storage, "
	  "people_500m, description?, lon?, lat?, items:[{chemical?, seq?, categories?, "
	  "quantity_t}]}: S, R and grade computed"),
	R(HTTP_GET, "/api/v1/mhi/installations/export", installation_export, PERM_MONITOR_READ,
	  "the installations in scope as a file (format=xlsx|csv, Chinese headers; the "
	  "list's filters)"),
	R(HTTP_GET, "/api/v1/mhi/installations/{id}", installation_get, PERM_MONITOR_READ,
	  "an installation with its inventory and the explanation of R (lines by share)"),
	W(HTTP_PATCH, "/api/v1/mhi/installations/{id}", installation_patch,
	  "change an installation (items replace the inventory); S, R and grade recomputed"),
	R(HTTP_DELETE, "/api/v1/mhi/installations/{id}", installation_delete, PERM_MONITOR_WRITE,
	  "delete an installation (409 while monitoring points name it)"),
	R(HTTP_GET, "/api/v1/mhi/map", installation_map, PERM_MONITOR_READ,
	  "installations in scope with position and grade, for the map layer"),
	R(HTTP_GET, "/api/v1/mhi/chemicals", chemicals, PERM_MONITOR_READ,
	  "GB 18218-2018 Table 1 lookup (q: name, alias, English name or CAS) with Q and beta"),
	R(HTTP_GET, "/api/v1/mhi/categories", categories, PERM_MONITOR_READ,
	  "GB 18218-2018 Table 2 categories with Q and Table 4 beta; Tables 5 and 6"),
	{ 0 },
};
