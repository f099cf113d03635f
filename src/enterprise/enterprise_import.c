/* SPDX-License-Identifier: MIT */
/*
 * The enterprise import run, shared by POST /api/v1/enterprises/import and
 * `anjian import enterprises`: file -> table (report/) -> columns -> one struct
 * enterprise per row -> the checks of a POST (rules, reference tables, scope),
 * duplicates inside the file and against the database -> either a report of every
 * bad row and nothing written, or every row written in one transaction with its
 * audit record. Also the reference checks that the API's create and change use,
 * so that a row and a POST are judged alike.
 *
 * Two passes over the parsed table keep memory small: the first validates and
 * keeps only each row's credit code; the second (real run without errors)
 * converts each row again and writes it.
 */
#define LOG_MODULE "enterprise"
#include "enterprise/enterprise_io.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/scope.h"
#include "core/util.h"
#include "db/db.h"
#include "org/org.h"
#include "core/banned.h"

/* ------------------------------------------------------------ reference cache */

#define CACHE_SLOTS 4096 /* power of two; at most 3/4 filled, then lookups go uncached */

struct ref_slot {
	char key[80]; /* "<kind>:<text>"; "" = empty slot */
	int rc;	      /* the lookup's result */
	int64_t id;
	char region[16];
	char text[72]; /* a grid's code */
};

struct enterprise_ref_cache {
	struct ref_slot slot[CACHE_SLOTS];
	size_t n;
};

struct enterprise_ref_cache *enterprise_ref_cache_new(void)
{
	return xcalloc(1, sizeof(struct enterprise_ref_cache));
}

void enterprise_ref_cache_free(struct enterprise_ref_cache *c)
{
	free(c);
}

/* The slot for kind:text (found, or empty to fill); NULL when there is no cache or no room. */
static struct ref_slot *cache_slot(struct enterprise_ref_cache *c, char kind, const char *text,
				   bool *found)
{
	char key[80];
	uint32_t h = 2166136261u; /* FNV-1a */

	*found = false;
	if (c == NULL || strlen(text) > sizeof(key) - 3)
		return NULL;
	snprintf(key, sizeof(key), "%c:%s", kind, text);
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (uint32_t i = 0; i < CACHE_SLOTS; i++) {
		struct ref_slot *s = &c->slot[(h + i) & (CACHE_SLOTS - 1)];

		if (s->key[0] == '\0') {
			if (c->n >= CACHE_SLOTS / 4 * 3)
				return NULL;
			c->n++;
			snprintf(s->key, sizeof(s->key), "%s", key);
			return s;
		}
		if (strcmp(s->key, key) == 0) {
			*found = true;
			return s;
		}
	}
	return NULL;
}

static bool industry_ok(struct db *db, struct enterprise_ref_cache *c, const char *code)
{
	bool found;
	struct ref_slot *s = cache_slot(c, 'i', code, &found);

	if (s && found)
		return s->rc == 0;
	bool ok = enterprise_db_industry_is_class(db, code);

	if (s)
		s->rc = ok ? 0 : ERR_NOT_FOUND;
	return ok;
}

static bool region_ok(struct db *db, struct enterprise_ref_cache *c, const char *code)
{
	bool found;
	struct ref_slot *s = cache_slot(c, 'r', code, &found);

	if (s && found)
		return s->rc == 0;
	bool ok = org_region_exists(db, code);

	if (s)
		s->rc = ok ? 0 : ERR_NOT_FOUND;
	return ok;
}

static int grid_region(struct db *db, struct enterprise_ref_cache *c, int64_t id, char *out,
		       size_t n)
{
	char text[24];
	bool found;
	struct ref_slot *s;
	int rc;

	snprintf(text, sizeof(text), "%" PRId64, id);
	s = cache_slot(c, 'g', text, &found);
	if (s && found) {
		snprintf(out, n, "%s", s->region);
		return s->rc;
	}
	rc = org_grid_region(db, id, out, n);
	if (s) {
		s->rc = rc;
		snprintf(s->region, sizeof(s->region), "%s", rc == 0 ? out : "");
	}
	return rc;
}

int enterprise_grid_by_code(struct db *db, struct enterprise_ref_cache *c, const char *code,
			    int64_t *id)
{
	char region[16];
	bool found;
	struct ref_slot *s = cache_slot(c, 'c', code, &found);
	int rc;

	if (s && found) {
		*id = s->id;
		return s->rc;
	}
	rc = org_grid_find(db, code, id, region, sizeof(region));
	if (s) {
		s->rc = rc;
		s->id = rc == 0 ? *id : 0;
	}
	return rc;
}

int enterprise_grid_code(struct db *db, struct enterprise_ref_cache *c, int64_t id, char *out,
			 size_t n)
{
	char text[24];
	bool found;
	struct ref_slot *s;
	int rc;

	snprintf(text, sizeof(text), "%" PRId64, id);
	s = cache_slot(c, 'k', text, &found);
	if (s && found) {
		snprintf(out, n, "%s", s->text);
		return s->rc;
	}
	rc = org_grid_code(db, id, out, n);
	if (s) {
		s->rc = rc;
		utf8_copy(s->text, sizeof(s->text), rc == 0 ? out : "");
	}
	return rc;
}

int enterprise_check_refs(struct db *db, struct enterprise *e, struct enterprise_ref_cache *cache,
			  struct field_errors *fe)
{
	size_t before = fe->n + fe->dropped;
	char gregion[16];

	/* A county or a town: a coarser code would take the record out of its district's view. */
	if (region_prefix_len(e->region_code) < 6)
		field_errors_add(fe, "region_code", "must be a county-level or town code, not '%s'",
				 e->region_code);
	e->high_risk = enterprise_high_risk(e->industry_code) != NULL;
	if (!industry_ok(db, cache, e->industry_code))
		field_errors_add(fe, "industry_code", "no GB/T 4754-2017 class has code '%s'",
				 e->industry_code);
	if (!region_ok(db, cache, e->region_code))
		field_errors_add(fe, "region_code", "no administrative division has code '%s'",
				 e->region_code);
	if (e->grid_id != 0) {
		if (grid_region(db, cache, e->grid_id, gregion, sizeof(gregion)) < 0)
			field_errors_add(fe, "grid_id", "no grid has id %" PRId64, e->grid_id);
		else if (!region_in_subtree(e->region_code, gregion) &&
			 !region_in_subtree(gregion, e->region_code))
			field_errors_add(fe, "grid_id", "grid %" PRId64 " lies in %s, not in %s",
					 e->grid_id, gregion, e->region_code);
	}
	return fe->n + fe->dropped > before ? ERR_INVALID : 0;
}

/* ------------------------------------------------------------ the report */

struct report {
	struct enterprise_import_result *res;
	size_t max;
	int64_t row; /* for add_header */
};

static void report_add(struct report *r, int64_t row, const char *column, const char *field,
		       const char *reason)
{
	struct enterprise_import_result *res = r->res;
	struct import_error *e;

	res->errors_total++;
	if (res->nerrors >= r->max)
		return;
	if ((res->nerrors & (res->nerrors - 1)) == 0) /* 0, 1, 2, 4, ...: grow by doubling */
		res->errors = xrealloc(res->errors, (res->nerrors ? 2 * res->nerrors : 1) *
							    sizeof(*res->errors));
	e = &res->errors[res->nerrors];
	e->seq = (int64_t)res->nerrors++;
	e->row = row;
	utf8_copy(e->column, sizeof(e->column), column ? column : "");
	utf8_copy(e->field, sizeof(e->field), field);
	utf8_copy(e->reason, sizeof(e->reason), reason);
}

static void add_header(void *ctx, const char *column, const char *field, const char *reason)
{
	struct report *r = ctx;

	report_add(r, r->row, column, field, reason);
}

/* The sheet's name for an API field: the file has a grid code and a crs, not grid_id. */
static const char *sheet_field(const char *field)
{
	if (strcmp(field, "grid_id") == 0)
		return "grid";
	if (strcmp(field, "coord_system") == 0)
		return "crs";
	return field;
}

/* The header text of the file for an error about field (the Chinese header when absent). */
static const char *column_for(const struct table_row *header, const struct enterprise_sheet_map *m,
			      const char *field)
{
	int c = -1;

	field = sheet_field(field);
	for (int k = 0; k < ECOL_N; k++)
		if (strcmp(enterprise_columns[k].field, field) == 0)
			c = k;
	if (c < 0)
		return "";
	if (m->col[c] >= 0)
		return table_cell(header, (size_t)m->col[c]);
	return enterprise_columns[c].zh;
}

static int cmp_error(const void *a, const void *b)
{
	const struct import_error *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ------------------------------------------------------------ one row */

/*
 * Converts and checks row r into e (initialised here; the caller releases it).
 * Adds the row's errors to fe. Grid roles never get here (refused before).
 */
static void check_row(struct db *db, const struct enterprise_import_opts *o,
		      const struct enterprise_sheet_map *m, const struct table_row *r,
		      struct enterprise_ref_cache *cache, struct enterprise *e,
		      struct field_errors *fe)
{
	char grid_code[260];

	enterprise_init(e);
	if (enterprise_sheet_row(m, r, e, grid_code, sizeof(grid_code), fe) < 0)
		return;
	if (grid_code[0]) {
		int rc = enterprise_grid_by_code(db, cache, grid_code, &e->grid_id);

		if (rc == ERR_NOT_FOUND)
			field_errors_add(fe, "grid", "no grid has code '%.64s'", grid_code);
		else if (rc < 0)
			field_errors_add(fe, "grid", "the grid cannot be looked up (%s)",
					 err_str(rc));
		if (rc < 0)
			return;
	}
	if (enterprise_check_refs(db, e, cache, fe) < 0)
		return;
	if (o->scope && !scope_has_enterprise(o->scope, e->uscc, e->region_code))
		field_errors_add(fe, "region_code", "'%s' is outside your data scope",
				 e->region_code);
}

/* Sorts row indexes by credit code (codes: the array of codes); equal codes keep file order. */
static int cmp_code(const void *a, const void *b, void *codes)
{
	const char(*code)[20] = codes;
	size_t i = *(const size_t *)a, k = *(const size_t *)b;
	int c = strcmp(code[i], code[k]);

	return c ? c : (i < k ? -1 : i > k);
}

/* ------------------------------------------------------------ the run */

static void progress(const struct enterprise_import_opts *o, const char *stage, size_t done,
		     size_t total)
{
	if (o->progress)
		o->progress(o->progress_ctx, stage, done, total);
}

/* Parses data into t. Returns 0, or an error reported as about the whole file. */
static int parse_file(const void *data, size_t n, const struct enterprise_import_opts *o,
		      struct enterprise_import_result *res, struct table *t, struct report *rep)
{
	char why[300];
	struct buf text = BUF_INIT;
	int rc;

	res->format = o->format >= 0	      ? (enum table_format)o->format
		      : table_is_zip(data, n) ? TABLE_XLSX
					      : TABLE_CSV;
	res->encoding = ENC_UTF8;
	if (n == 0) {
		report_add(rep, 0, "", "file", "the file is empty");
		return ERR_INVALID;
	}
	if (res->format == TABLE_XLSX) {
		if (!table_is_zip(data, n)) {
			report_add(rep, 0, "", "file",
				   "not an XLSX file (an XLSX file is a ZIP archive); is it CSV?");
			return ERR_INVALID;
		}
		rc = table_xlsx_read(data, n, &o->limits, t, why, sizeof(why));
	} else {
		if (table_is_zip(data, n)) {
			report_add(rep, 0, "", "file",
				   "this is a ZIP archive (an XLSX file?), not CSV text");
			return ERR_INVALID;
		}
		rc = text_to_utf8(data, n, o->encoding, &text, &res->encoding, why, sizeof(why));
		if (rc == 0)
			rc = table_csv_parse(text.p, text.len, &o->limits, t, why, sizeof(why));
	}
	buf_release(&text);
	if (rc < 0)
		report_add(rep, 0, "", "file", why);
	else if (t->nrows == 0)
		report_add(rep, 0, "", "file", "the file has no rows (not even a header)");
	return rc < 0 ? rc : t->nrows == 0 ? ERR_INVALID : 0;
}

static void ignore_header_error(void *ctx, const char *column, const char *field,
				const char *reason)
{
	(void)ctx;
	(void)column;
	(void)field;
	(void)reason;
}

#define TITLE_ROWS 10 /* rows above the header that may be a list's title */

/*
 * Office lists often put a title (a merged cell: "XX区危险化学品企业名单") or notes above the
 * header. When the first row is no header but one of the next TITLE_ROWS is (it maps
 * every required column, nothing unknown), the rows above it are dropped from t; row
 * numbers stay those of the sheet. Otherwise the first row stays the header, and its
 * problems are reported.
 */
static void skip_title_rows(struct table *t)
{
	struct enterprise_sheet_map m;
	size_t h = 0;

	if (enterprise_sheet_map_header(&t->rows[0], &m, ignore_header_error, NULL) == 0)
		return;
	for (size_t i = 1; i < t->nrows && i <= TITLE_ROWS && h == 0; i++)
		if (enterprise_sheet_map_header(&t->rows[i], &m, ignore_header_error, NULL) == 0)
			h = i;
	if (h > 0)
		table_drop_rows(t, h);
}

/* Second pass: every row inserted with its audit record, inside the caller's transaction. */
static int write_rows(struct db *db, const struct enterprise_import_opts *o,
		      const struct enterprise_sheet_map *m, const struct table *t,
		      struct enterprise_ref_cache *cache, struct enterprise_import_result *res,
		      struct report *rep)
{
	int64_t now = now_ms(), first = 0, last = 0;
	int rc = 0;

	for (size_t i = 1; i < t->nrows && rc == 0; i++) {
		struct field_errors fe = { 0 };
		struct enterprise e;
		char id[24];
		json_t *sum;

		check_row(db, o, m, &t->rows[i], cache, &e, &fe);
		if (fe.n) { /* changed since the first pass (a grid deleted meanwhile) */
			report_add(rep, t->rows[i].row, "", fe.e[0].field, fe.e[0].reason);
			rc = ERR_INVALID;
		}
		if (rc == 0) {
			rc = enterprise_db_insert_unindexed(db, &e, now);
			if (rc == ERR_CONFLICT)
				report_add(rep, t->rows[i].row, "", "uscc",
					   "an enterprise with this unified social credit code was "
					   "created meanwhile");
			else if (rc == ERR_INVALID)
				report_add(rep, t->rows[i].row, "", "grid",
					   "a grid, division or industry it names was removed "
					   "meanwhile");
		}
		if (rc == 0) {
			snprintf(id, sizeof(id), "%" PRId64, e.id);
			sum = enterprise_json(&e, false);
			json_object_set_new(sum, "via", json_string("import"));
			rc = audit_append(db, o->actor, "enterprise.create", "enterprise", id, sum);
			json_decref(sum);
			res->imported++;
			first = first ? first : e.id;
			last = e.id;
		}
		enterprise_release(&e);
		if (i % 10000 == 0)
			progress(o, "written", i, t->nrows - 1);
	}
	/* One index statement for all rows (ids are consecutive inside this transaction). */
	if (rc == 0 && first)
		rc = enterprise_db_index_range(db, first, last);
	return rc;
}

int enterprise_import(struct db *db, const void *data, size_t n,
		      const struct enterprise_import_opts *o, struct enterprise_import_result *res)
{
	struct report rep = { res, o->max_errors ? o->max_errors : 1, 1 };
	struct enterprise_sheet_map m;
	struct enterprise_ref_cache *cache = NULL;
	struct table t;
	char(*codes)[20] = NULL;
	size_t *order = NULL;
	bool *bad = NULL;
	char sha[65];
	int rc = 0;

	memset(res, 0, sizeof(*res));
	res->dry_run = o->dry_run;
	table_init(&t);
	if (parse_file(data, n, o, res, &t, &rep) < 0)
		goto out;
	skip_title_rows(&t);
	progress(o, "parsed", t.nrows - 1, t.nrows - 1);
	res->total_rows = t.nrows - 1;
	rep.row = t.rows[0].row;
	if (enterprise_sheet_map_header(&t.rows[0], &m, add_header, &rep) < 0)
		goto out;

	/* First pass: every row checked in one read snapshot; only its code is kept. */
	rc = db_begin_read(db);
	if (rc < 0)
		goto out;
	cache = enterprise_ref_cache_new();
	codes = xcalloc(t.nrows, sizeof(*codes));
	bad = xcalloc(t.nrows, sizeof(*bad));
	for (size_t i = 1; i < t.nrows; i++) {
		const struct table_row *r = &t.rows[i];
		struct field_errors fe = { 0 };
		struct enterprise e;
		int64_t other;

		check_row(db, o, &m, r, cache, &e, &fe);
		snprintf(codes[i], sizeof(codes[i]), "%s", e.uscc);
		if (fe.n == 0 && enterprise_db_find_uscc(db, e.uscc, &other) == 0) {
			field_errors_add(
				&fe, "uscc",
				"an enterprise with this unified social credit code exists "
				"(id %" PRId64 "): conflict",
				other);
		}
		for (size_t k = 0; k < fe.n; k++)
			report_add(&rep, r->row, column_for(&t.rows[0], &m, fe.e[k].field),
				   sheet_field(fe.e[k].field), fe.e[k].reason);
		bad[i] = fe.n > 0;
		enterprise_release(&e);
		if (i % 10000 == 0)
			progress(o, "validated", i, t.nrows - 1);
	}
	db_rollback(db); /* ends the read snapshot */
	/* Duplicate codes inside the file: every row of a group names the others' first. */
	order = xmalloc(t.nrows * sizeof(*order));
	for (size_t i = 0; i + 1 < t.nrows; i++)
		order[i] = i + 1;
	qsort_r(order, t.nrows - 1, sizeof(*order), cmp_code, codes);
	for (size_t a = 0; a + 1 < t.nrows;) {
		size_t b = a + 1;

		while (b + 1 < t.nrows && strcmp(codes[order[a]], codes[order[b]]) == 0)
			b++;
		if (b - a > 1 && codes[order[a]][0]) {
			for (size_t k = a; k < b; k++) {
				int64_t me = t.rows[order[k]].row;
				int64_t other = t.rows[order[k == a ? a + 1 : a]].row;
				char reason[160];

				snprintf(
					reason, sizeof(reason),
					"the credit code %s appears %zu times in the file: also in "
					"row %" PRId64,
					codes[order[k]], b - a, other);
				report_add(&rep, me, column_for(&t.rows[0], &m, "uscc"), "uscc",
					   reason);
				bad[order[k]] = true;
			}
		}
		a = b;
	}
	for (size_t i = 1; i < t.nrows; i++)
		res->valid_rows += !bad[i];
	progress(o, "validated", t.nrows - 1, t.nrows - 1);
	if (res->errors_total > 0 || o->dry_run)
		goto out;

	/* Second pass: all rows in one transaction, or none. */
	rc = db_begin(db);
	if (rc == 0)
		rc = write_rows(db, o, &m, &t, cache, res, &rep);
	if (rc == 0) {
		sha256_hex(data, n, sha);
		json_t *sum = json_pack("{s:I, s:s, s:s, s:s}", "rows", (json_int_t)res->imported,
					"format", res->format == TABLE_XLSX ? "xlsx" : "csv",
					"encoding", text_encoding_name(res->encoding), "sha256",
					sha);

		rc = audit_append(db, o->actor, "enterprise.import", "enterprise", "import", sum);
		json_decref(sum);
	}
	rc = db_finish(db, rc);
	if (rc == 0)
		progress(o, "written", res->imported, t.nrows - 1);
	if (rc < 0)
		res->imported = 0;
	if (rc == ERR_INVALID || rc == ERR_CONFLICT)
		rc = 0; /* reported per row */
out:
	if (res->nerrors > 1)
		qsort(res->errors, res->nerrors, sizeof(*res->errors), cmp_error);
	free(bad);
	free(order);
	free(codes);
	enterprise_ref_cache_free(cache);
	table_release(&t);
	return rc;
}

json_t *enterprise_import_json(const struct enterprise_import_result *res)
{
	json_t *errs = json_array();

	for (size_t i = 0; i < res->nerrors; i++) {
		const struct import_error *e = &res->errors[i];

		json_array_append_new(errs, json_pack("{s:I, s:s, s:s, s:s}", "row",
						      (json_int_t)e->row, "column", e->column,
						      "field", e->field, "reason", e->reason));
	}
	return json_pack("{s:b, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:b}", "dry_run", res->dry_run,
			 "format", res->format == TABLE_XLSX ? "xlsx" : "csv", "encoding",
			 text_encoding_name(res->encoding), "total_rows",
			 (json_int_t)res->total_rows, "valid_rows", (json_int_t)res->valid_rows,
			 "imported", (json_int_t)res->imported, "error_count",
			 (json_int_t)res->errors_total, "errors", errs, "errors_truncated",
			 res->nerrors < res->errors_total);
}

void enterprise_import_result_release(struct enterprise_import_result *res)
{
	free(res->errors);
	res->errors = NULL;
	res->nerrors = 0;
}
