/* SPDX-License-Identifier: MIT */
/*
 * Enterprise import and export (issue 3): the columns of the enterprise sheet
 * (Chinese and English headers, the Chinese display values of the enums), a row
 * of a CSV/XLSX file -> struct enterprise, struct enterprise -> a row of the
 * export, and the import run itself (parse, validate every row against the rules,
 * the reference tables, the caller's scope and duplicates, then write all rows in
 * one transaction with their audit records, or nothing).
 *
 *   enterprise_sheet.c   the columns and the cell conversions (pure);
 *   enterprise_import.c  the import run and the checks against the database.
 * The file formats themselves are report/table.h's.
 */
#ifndef ENTERPRISE_ENTERPRISE_IO_H
#define ENTERPRISE_ENTERPRISE_IO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enterprise/enterprise.h"
#include "report/table.h"

struct audit_actor;
struct db;
struct field_errors;
struct scope;

/* The columns of the enterprise sheet, in export order. */
enum enterprise_col {
	ECOL_USCC,
	ECOL_NAME,
	ECOL_FORMER_NAMES,
	ECOL_INDUSTRY,
	ECOL_REGION,
	ECOL_GRID,
	ECOL_ADDRESS,
	ECOL_LAT,
	ECOL_LON,
	ECOL_CRS,
	ECOL_LEGAL_REP,
	ECOL_LEGAL_REP_PHONE,
	ECOL_SAFETY_OFFICER,
	ECOL_SAFETY_OFFICER_PHONE,
	ECOL_EMPLOYEES,
	ECOL_SCALE,
	ECOL_STD_GRADE,
	ECOL_STATUS,
	ECOL_N,
};

struct enterprise_column {
	const char *field;	    /* API field name, also the English header: "uscc" */
	const char *zh;		    /* the Chinese header written by the export */
	const char *const alias[3]; /* other accepted headers (NULL-terminated) */
	bool required;
};

/* The column table (tables over code); ECOL_N rows. */
extern const struct enterprise_column enterprise_columns[ECOL_N];

/* Where each column is in a file: col[c] is the file's column index, or -1. */
struct enterprise_sheet_map {
	int col[ECOL_N];
};

/* One problem found in a file: a row (1-based as a spreadsheet shows it; 0 = the whole file). */
struct import_error {
	int64_t seq; /* order in which it was found (rows are reported in row order) */
	int64_t row;
	char column[96]; /* the header as written in the file ("" when not about a column) */
	char field[32];	 /* the API field ("file" for the whole file, "header" for a header) */
	char reason[224];
};

/*
 * Maps header cells (trimmed; English names in any case; a BOM already removed) to
 * columns. For each unknown, repeated or missing required header it calls
 * add(ctx, column_text, field, reason). Returns 0 or ERR_INVALID.
 */
int enterprise_sheet_map_header(const struct table_row *header, struct enterprise_sheet_map *m,
				void (*add)(void *ctx, const char *column, const char *field,
					    const char *reason),
				void *ctx);

/*
 * Fills e (enterprise_init'ed by the caller) from row r of a file mapped by m:
 * credit code kept as text (one that a spreadsheet turned into a number, such as
 * 9.13209E+17, is an error), Chinese or English enum values (小型/small, 二级/2,
 * 在营/operating), 3-digit industry codes whose leading 0 a spreadsheet dropped,
 * former names separated by ; or ；, coordinates with 坐标系 CGCS2000 or GCJ-02
 * (converted to CGCS2000). grid_code (n bytes) receives the 网格 cell (a grid
 * code, "" when none). Then runs enterprise_check(). Adds one error per bad
 * field to fe. Pure. Returns 0 or ERR_INVALID.
 */
int enterprise_sheet_row(const struct enterprise_sheet_map *m, const struct table_row *r,
			 struct enterprise *e, char *grid_code, size_t n, struct field_errors *fe);

/*
 * The export row of e: ECOL_N owned strings (free with enterprise_sheet_cells_free),
 * Chinese display values for the enums, phones masked when mask_phones, grid_code
 * ("" or NULL when none) in the 网格 column; a value that is apostrophes before = + - @
 * gets one apostrophe more, which the import takes off (OWASP "CSV Injection": the CSV
 * writer prefixes =x as '=x, so '=x must be written ''=x to come back). Pure.
 */
void enterprise_sheet_cells(const struct enterprise *e, const char *grid_code, bool mask_phones,
			    char *cells[ECOL_N]);
void enterprise_sheet_cells_free(char *cells[ECOL_N]);

/* --- storage used by import and export (enterprise_db.c) --- */

/*
 * Calls fn for every enterprise that passes f (the list's filter, scope included),
 * in the order of the list's sort key index sort (0 = id), not paged: enterprise_db_page()
 * with no cursor and no limit.
 */
int enterprise_db_each(struct db *db, const struct enterprise_filter *f, int sort, bool desc,
		       enterprise_each_fn fn, void *ctx);
/*
 * Inserts e like enterprise_db_insert() but leaves it out of the search index, for
 * bulk writes: the caller indexes the new ids with enterprise_db_index_range() in
 * the same transaction (one statement is ~5x cheaper than one per row).
 */
int enterprise_db_insert_unindexed(struct db *db, struct enterprise *e, int64_t now_ms);
/* Adds enterprises first_id..last_id (new, not yet indexed) to the search index. */
int enterprise_db_index_range(struct db *db, int64_t first_id, int64_t last_id);
/* The id of the enterprise with this credit code. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int enterprise_db_find_uscc(struct db *db, const char *uscc, int64_t *id);

/* --- the checks shared by the API and the import (enterprise_import.c) --- */

struct enterprise_ref_cache;

/* Returns: owned cache of reference lookups for one import (free with _free). */
struct enterprise_ref_cache *enterprise_ref_cache_new(void);
void enterprise_ref_cache_free(struct enterprise_ref_cache *c);

/*
 * Checks e against the reference tables after enterprise_check(): a county or town
 * region_code that exists (GB/T 2260), an industry_code that is a GB/T 4754-2017
 * class in the table, a grid that exists and lies on the region's branch; sets
 * e->high_risk. cache may be NULL. Adds errors to fe. Returns 0 or ERR_INVALID.
 */
int enterprise_check_refs(struct db *db, struct enterprise *e, struct enterprise_ref_cache *cache,
			  struct field_errors *fe);

/*
 * Finds the grid with this code (org's header). Returns 0 with *id, ERR_NOT_FOUND or
 * ERR_DB; cached when cache is not NULL.
 */
int enterprise_grid_by_code(struct db *db, struct enterprise_ref_cache *cache, const char *code,
			    int64_t *id);

/* The code of grid id into out (n bytes). Returns 0, ERR_NOT_FOUND or ERR_DB; cached. */
int enterprise_grid_code(struct db *db, struct enterprise_ref_cache *cache, int64_t id, char *out,
			 size_t n);

/* --- the import run --- */

struct enterprise_import_opts {
	int format; /* -1: sniff ("PK\3\4" = xlsx), else enum table_format */
	enum text_encoding encoding;
	bool dry_run;
	const struct scope *scope;	 /* rows outside it are errors; grid scopes refused */
	const struct audit_actor *actor; /* who is recorded in the audit log */
	struct table_limits limits;
	size_t max_errors; /* errors kept in the report (all are counted) */
	/* Called now and then: stage "parsed", "validated" or "written", rows so far. */
	void (*progress)(void *ctx, const char *stage, size_t done, size_t total);
	void *progress_ctx;
};

struct enterprise_import_result {
	bool dry_run;
	enum table_format format;
	enum text_encoding encoding; /* as detected or forced (CSV) */
	size_t total_rows;	     /* data rows (not the header, not empty rows) */
	size_t valid_rows;
	size_t imported;
	struct import_error *errors; /* sorted by row; owned */
	size_t nerrors;		     /* kept */
	size_t errors_total;	     /* found */
};

/*
 * Imports the file data[0..n) (CSV or XLSX): every row is validated as a POST
 * would be (enterprise_check, enterprise_check_refs, the scope) plus duplicate
 * codes inside the file (both rows reported) and codes already in the database.
 * With no error and not dry_run, every row is inserted in one transaction with an
 * "enterprise.create" audit record each (summary marked "via": "import") and one
 * "enterprise.import" record with the count; with any error nothing is written.
 * Returns 0 (res filled: look at res->errors_total), or ERR_DB/ERR_TIMEOUT.
 */
int enterprise_import(struct db *db, const void *data, size_t n,
		      const struct enterprise_import_opts *o, struct enterprise_import_result *res);

/*
 * Returns: owned {dry_run, format, encoding, total_rows, valid_rows, imported,
 * error_count, errors:[{row, column, field, reason}], errors_truncated}.
 */
json_t *enterprise_import_json(const struct enterprise_import_result *res);
void enterprise_import_result_release(struct enterprise_import_result *res);

#endif
