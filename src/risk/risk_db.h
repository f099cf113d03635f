/* SPDX-License-Identifier: MIT */
/*
 * Storage of risk graded control (issue 5, docs/risk.md): every SQL statement on the
 * tables of migrations 0012 (units, points, danger sources, assessments, the enterprise's
 * grade, control measures, zones, site plan) and 0013 (the grading tables, GB 6441 accident
 * types and per-industry tables loaded from data/risk/ at start). Check items and tasks
 * are not here (src/risk/risk_check_db.c). Defined in risk_db.c (reference data,
 * enterprises, units, points), risk_source_db.c (danger sources, assessments, grades,
 * measures) and risk_plan_db.c (zones, site plan, summary).
 *
 * Objects come back as owned jansson objects in the API's shape (docs/api.md, the issue 5
 * contract), plus private members whose names start with '_' (_uscc, _region_code,
 * _grid_id: the enterprise's, for scope checks) that the API layer removes before
 * answering. Every writer runs inside the caller's write transaction.
 */
#ifndef RISK_RISK_DB_H
#define RISK_RISK_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "risk/risk.h"

struct db;
struct list_params;

/*
 * Loads data_dir/risk/grading_tables.csv (every table in it, each checked by
 * risk_table_parse), accident_types_gb6441.csv (RISK_ACCIDENT_STANDARD's rows) and
 * industry_tables.csv into their tables, replacing what was there, in one transaction.
 * When tables are loaded already and grading_tables.csv cannot be read (a command run from
 * another folder), what is loaded is kept. Then checks that lec_table and ls_table name
 * loaded tables of methods lec and ls.
 * Returns 0, ERR_IO (a file unreadable; logged) or ERR_INVALID (logged with the line).
 */
int risk_data_load(struct db *db, const char *data_dir, const char *lec_table,
		   const char *ls_table);

/* The loaded table id into out. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int risk_db_table_get(struct db *db, const char *id, struct risk_table *out);

/*
 * The table an assessment of enterprise_id by method uses: the table of the longest
 * industry prefix of data/risk/industry_tables.csv matching the enterprise's GB/T 4754
 * class, else dflt (the configured risk.lec_table / risk.ls_table). Returns 0 or as above.
 */
int risk_db_table_choose(struct db *db, int64_t enterprise_id, enum risk_method method,
			 const char *dflt, struct risk_table *out);

/* Every loaded table {table_id, method, boundary, bands:[{grade, min}]}. Returns 0 (owned). */
int risk_db_tables(struct db *db, json_t **items);
/* The per-industry tables [{industry_prefix, method, table_id, note}]. Returns: owned
 * (an empty array when unreadable). */
json_t *risk_db_industry_tables_json(struct db *db);
/* The standard whose accident types are loaded: GB 6441-2025 (in force from 2026-07-01,
 * replacing GB 6441-1986's 20 types with 27, each with a code WSA10001 ..). */
#define RISK_ACCIDENT_STANDARD "GB 6441-2025"

/* The accident types [{number, name, standard, code}]. Returns 0 with *items owned. */
int risk_db_accident_types(struct db *db, json_t **items);
/* True when n is a loaded accident type number. */
bool risk_db_accident_type_exists(struct db *db, int64_t n);

/*
 * The enterprise id {id, name, uscc, region_code, grid_id (0 none), industry_code}.
 * Returns 0 with *row owned, ERR_NOT_FOUND or ERR_DB.
 */
int risk_db_enterprise(struct db *db, int64_t id, json_t **row);
/* The id of the enterprise of credit code uscc. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int risk_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id);

/*
 * Scope and filters of the lists. The scope part comes from enterprise_api_scope_filter()
 * (scope_prefix and its range end, grid_user, scope_uscc); NULL / 0 = not filtered.
 */
struct risk_filter {
	const char *scope_prefix, *scope_prefix_end;
	int64_t grid_user;
	const char *scope_uscc;
	int64_t enterprise_id, unit_id;
	int grade;				       /* 1..4, 0 = any */
	const char *region_prefix, *region_prefix_end; /* ?region= */
	const char *due_before;			       /* reassess_due <= this day */
	const char *q_like;			       /* name LIKE (db_like_contains) */
	const char *today;			       /* for reassess_overdue */
};

/* --- units --- */
/* Returns 0 with *id, ERR_CONFLICT (the name is taken in the enterprise) or ERR_DB. */
int risk_db_unit_insert(struct db *db, int64_t enterprise_id, const json_t *u, int64_t now_ms,
			int64_t *id);
/* Rewrites kind, name, code, description, polygon of unit id from u. As insert. */
int risk_db_unit_update(struct db *db, int64_t id, const json_t *u, int64_t now_ms);
/* Deletes unit id: ERR_CONFLICT while it has points, ERR_NOT_FOUND, or 0. */
int risk_db_unit_delete(struct db *db, int64_t id);
/* Returns 0 with *row owned, ERR_NOT_FOUND or ERR_DB. */
int risk_db_unit_get(struct db *db, int64_t id, json_t **row);
/* A page of units (keyset on id). Returns 0 with *items owned. */
int risk_db_unit_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		      json_t **items);

/* --- points --- */
int risk_db_point_insert(struct db *db, int64_t enterprise_id, int64_t unit_id, const json_t *p,
			 int64_t now_ms, int64_t *id);
/* Rewrites kind, name, location of point id. */
int risk_db_point_update(struct db *db, int64_t id, const json_t *p, int64_t now_ms);
/* Deletes point id: ERR_CONFLICT while it has danger sources. */
int risk_db_point_delete(struct db *db, int64_t id);
/* today: local 'YYYY-MM-DD' for reassess_overdue. */
int risk_db_point_get(struct db *db, int64_t id, const char *today, json_t **row);
int risk_db_point_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		       json_t **items);

/* --- danger sources --- */
/* s: name, factor, accident_types (array), description. */
int risk_db_source_insert(struct db *db, int64_t enterprise_id, int64_t point_id, const json_t *s,
			  int64_t now_ms, int64_t *id);
int risk_db_source_update(struct db *db, int64_t id, const json_t *s, int64_t now_ms);
/* Deletes source id: ERR_CONFLICT while it has assessments or measures. */
int risk_db_source_delete(struct db *db, int64_t id);
/* The source with its latest assessment (assessment: object or null). */
int risk_db_source_get(struct db *db, int64_t id, json_t **row);
/* The sources of point point_id, each with its assessment and measures:[...]. */
int risk_db_point_sources(struct db *db, int64_t point_id, json_t **items);

/* --- assessments --- */
struct risk_assessment_in {
	enum risk_method method;
	const char *table_id;
	int l10, e10, c10; /* LEC factors x 10 */
	int ls_l, ls_s;	   /* LS */
	int64_t value_x1000;
	enum risk_grade grade;
	const char *assessed_day; /* local YYYY-MM-DD */
	int64_t assessed_ms;
	int64_t assessor_id;
	const char *note;
};
/*
 * Appends an assessment of source source_id (of point_id, enterprise_id), makes it the
 * source's latest and rewrites the grades of the source, its point (risk_point_grade, plus
 * last_assessed_day = the oldest of its sources' latest assessment days and reassess_due),
 * unit and enterprise (risk_enterprise_grade). Returns 0 with *id or ERR_DB.
 */
int risk_db_assessment_insert(struct db *db, int64_t enterprise_id, int64_t point_id,
			      int64_t source_id, const struct risk_assessment_in *a, int64_t *id);
int risk_db_assessment_get(struct db *db, int64_t id, json_t **row);
/* Every assessment of point point_id's sources, newest first. */
int risk_db_point_assessments(struct db *db, int64_t point_id, json_t **items);
/*
 * Rewrites the derived grades of point point_id (may be 0: none), unit unit_id and
 * enterprise enterprise_id from what is stored (after a delete). Returns 0 or ERR_DB.
 */
int risk_db_regrade(struct db *db, int64_t enterprise_id, int64_t unit_id, int64_t point_id,
		    int64_t now_ms);

/* --- control measures --- */
/* m: kind, description, control_level, responsible_name, responsible_user_id, active. */
int risk_db_measure_insert(struct db *db, int64_t enterprise_id, int64_t point_id,
			   int64_t source_id, const json_t *m, int64_t now_ms, int64_t *id);
/* Rewrites measure id from m. A measure made active again moves its check items' start_ms to
 * now_ms (no tasks are owed for the days it was inactive, docs/risk.md). 0, ERR_NOT_FOUND or
 * ERR_DB. */
int risk_db_measure_update(struct db *db, int64_t id, const json_t *m, int64_t now_ms);
/* Deletes measure id: ERR_CONFLICT while check items use it. */
int risk_db_measure_delete(struct db *db, int64_t id);
/* The measure, level_short computed from its source's current grade. */
int risk_db_measure_get(struct db *db, int64_t id, json_t **row);
/* True when user_id is an enterprise officer account of enterprise uscc. */
bool risk_db_user_is_officer_of(struct db *db, int64_t user_id, const char *uscc);

/* --- zones --- */
/* z: colour, name, entry_rules, polygon (array or null). */
int risk_db_zone_insert(struct db *db, int64_t enterprise_id, const json_t *z, int64_t now_ms,
			int64_t *id);
int risk_db_zone_update(struct db *db, int64_t id, const json_t *z, int64_t now_ms);
int risk_db_zone_delete(struct db *db, int64_t id);
int risk_db_zone_get(struct db *db, int64_t id, json_t **row);
int risk_db_zone_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		      json_t **items);

/* --- site plan --- */
/*
 * Records the photo sha256 (already stored by photo_store) in the photo table when new,
 * and makes it enterprise_id's site plan. Returns 0 or ERR_DB.
 */
int risk_db_site_plan_put(struct db *db, int64_t enterprise_id, const char *sha256,
			  const char *mime, int64_t bytes, int width, int height,
			  int64_t uploader_id, int64_t now_ms);
/* {sha256, width, height, url, _mime}; ERR_NOT_FOUND when the enterprise has none. */
int risk_db_site_plan_get(struct db *db, int64_t enterprise_id, json_t **row);

/*
 * The enterprise's risk summary {enterprise_id, enterprise_name, uscc, grade, colour,
 * grade_name, red, orange, yellow, blue, units, points} (points per grade from its points).
 */
int risk_db_enterprise_summary(struct db *db, int64_t enterprise_id, json_t **row);

/* Sets grade, colour and grade_name of o from g (null for RISK_GRADE_NONE). */
void risk_json_grade(json_t *o, int g);

#endif
