/* SPDX-License-Identifier: MIT */
/*
 * The regulator's views of risk graded control (issue 5 §6, docs/risk.md "Regulator
 * views"): counts of enterprises and points per grade by region, grade or industry, the
 * major-risk list (red points, 重大风险清单), the points due for reassessment, the
 * enterprises with their grades, and one enterprise's risk data in the structure of the
 * dual-prevention data exchange (risk_export.c). Read-only: every row shown here is
 * written by the risk-core routes (or the demo); the grades are the derived columns the
 * schema (0012) keeps. SQL lives in risk_views_db.c, the routes in risk_views_api.c.
 */
#ifndef RISK_RISK_VIEWS_H
#define RISK_RISK_VIEWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/scope.h"

struct db;
struct list_params;

/* The caller's data scope as SQL bounds over the enterprise's columns. */
/* The filters of the views (NULL / 0: not filtered). */
struct risk_views_filter {
	struct scope_bounds scope;
	const char *region; /* a region subtree's code prefix */
	char region_end[16];
	int64_t enterprise_id;
	int grade;	   /* 1..4; -1: not graded (enterprises list); 0: any */
	const char *today; /* local (UTC+8) "YYYY-MM-DD" of the date rules */
};

enum risk_stats_by { RISK_BY_REGION = 0, RISK_BY_GRADE, RISK_BY_INDUSTRY, RISK_BY_COUNT_ };

/* Parses "region", "grade" or "industry". Returns 0 or ERR_INVALID. */
int risk_stats_by_parse(const char *s, enum risk_stats_by *out);

/*
 * The counts per key: *items (owned) is [{key, name, enterprises: {red, orange, yellow,
 * blue, none}, points: {red, orange, yellow, blue}}] in key order; every enterprise in f's
 * scope counts once under its grade (none: no risk_enterprise row or no grade), every
 * graded point once under its own grade. by region: the key is the region code cut to
 * key_len characters and padded with pad (see hazard_stats_region_key); by industry: the
 * GB/T 4754 division (2 digits); by grade: 1..4, null for the ungraded enterprises. Names:
 * the region's or industry's name, or NULL for grade (the caller names grades). Returns 0
 * or ERR_DB.
 */
int risk_views_db_stats(struct db *db, enum risk_stats_by by, const struct risk_views_filter *f,
			size_t key_len, const char *pad, json_t **items);

enum risk_point_list { RISK_LIST_MAJOR = 0, RISK_LIST_REASSESS, RISK_LIST_COUNT_ };

/* Each point list's sort whitelist (list_params_parse). */
extern const char *const *const risk_point_list_sorts[RISK_LIST_COUNT_];

/*
 * One page (lp) of a point list, or the whole list (lp->limit huge), inside f: major = the
 * points of grade 1 (red); reassess = the points due for reassessment on f->today
 * (reassess_due <= today, risk.h's risk_reassess_is_due) and the points with a danger
 * source never assessed. row(item, ctx) is called with each item (owned by row): {id,
 * enterprise_id, enterprise_name, uscc, region_code, unit_id, unit_name, kind, name,
 * location, grade, last_assessed_day, reassess_due, source_count, unassessed_sources,
 * measure_count}; the caller adds what is derived (colour, names, flags). Returns 0, row's
 * first negative return, or ERR_DB.
 */
int risk_views_db_points(struct db *db, enum risk_point_list list,
			 const struct risk_views_filter *f, const struct list_params *lp,
			 int (*row)(json_t *item, void *ctx), void *ctx);

/* The enterprise list's sort whitelist. */
extern const char *const risk_enterprise_sorts[];

/*
 * One page of the enterprises inside f with their grades (f->grade: 1..4, -1 not graded,
 * 0 any): items {id, enterprise_id, enterprise_name, uscc, region_code, region_name,
 * industry_code, grade, red, orange, yellow, blue, units, points, reassess_due_points}
 * passed to row (owned by row). Returns 0, row's first negative return, or ERR_DB.
 */
int risk_views_db_enterprises(struct db *db, const struct risk_views_filter *f,
			      const struct list_params *lp, int (*row)(json_t *item, void *ctx),
			      void *ctx);

/* The enterprise row the dual-prevention export starts from. */
struct risk_views_enterprise {
	int64_t id;
	char uscc[20];
	char name[300];
	char region_code[16];
	int64_t grid_id;
	int grade; /* 0: none */
};

/* Reads one enterprise. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int risk_views_db_enterprise(struct db *db, int64_t id, struct risk_views_enterprise *out);

/*
 * The rows of one enterprise's risk data for the export, each an owned JSON array of
 * objects in id order: units {id, kind, name, code, description, grade}; points {id,
 * unit_id, kind, name, location, grade, last_assessed_day, reassess_due}; sources {id,
 * point_id, name, factor, accident_types (text), description, grade, method, table_id,
 * value_x1000, assessed_day}; measures {id, danger_source_id, kind, description,
 * control_level, responsible_name, active}; items {id, measure_id, content, schedule,
 * assignee_name, active, start_ms}. Returns 0 (all set) or ERR_DB (none set).
 */
int risk_views_db_export_rows(struct db *db, int64_t enterprise_id, json_t **units, json_t **points,
			      json_t **sources, json_t **measures, json_t **items);

/*
 * The dual-prevention export of one enterprise (risk_export.c, docs/risk.md "Dual-prevention
 * export"): the rows of risk_views_db_export_rows nested risk analysis object (our unit) ->
 * analysis unit (point) -> risk event (danger source) -> control measure -> check task
 * (check item), keyed by the credit code. exported_ms is the instant written into the
 * file. Returns: owned.
 */
json_t *risk_export_dual_prevention(const struct risk_views_enterprise *e, json_t *units,
				    json_t *points, json_t *sources, json_t *measures,
				    json_t *items, int64_t exported_ms);

#endif
