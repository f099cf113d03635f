/* SPDX-License-Identifier: MIT */
/*
 * What the risk core's storage files share (risk_db.c, risk_source_db.c, risk_plan_db.c):
 * column readers, the scope filter's SQL, and the get-one-row, list-a-page and delete
 * helpers. Internal to those files: the rest of the program uses risk_db.h. Defined in
 * risk_db.c.
 */
#ifndef RISK_RISK_DB_INT_H
#define RISK_RISK_DB_INT_H

#include <jansson.h>
#include <stdint.h>

struct db;
struct db_stmt;
struct list_params;
struct risk_filter;

/* Column col as a JSON string, or null for SQL NULL. Returns: owned. */
json_t *risk_db_text_or_null(struct db_stmt *st, int col);
/* A stored JSON array (polygon, accident_types) in column col, or null. Returns: owned. */
json_t *risk_db_json_col(struct db_stmt *st, int col);
/* Sets the scope members every row ends with (e.uscc, e.region_code, e.grid_id at col)
 * on o as _uscc, _region_code and _grid_id. */
void risk_db_scope_cols(json_t *o, struct db_stmt *st, int col);
/* v as compact JSON text, or NULL when v is absent or null. Returns: owned (free). */
char *risk_db_dump_or_null(const json_t *v);

/*
 * Runs sql bound with :id and maps its one row with row(). Returns 0 with *out owned,
 * ERR_NOT_FOUND (no row), ERR_DB (row() answered NULL, or the statement failed).
 */
int risk_db_get_by_id(struct db *db, const char *sql, json_t *(*row)(struct db_stmt *), int64_t id,
		      json_t **out);
/* Runs sql bound with :id and collects row() of every row. Returns 0 with *items owned
 * (an array), or a negative err with *items NULL. */
int risk_db_rows_by_id(struct db *db, const char *sql, json_t *(*row)(struct db_stmt *), int64_t id,
		       json_t **items);

/* The filter's WHERE part (e = enterprise), bound by risk_db_list_page from a
 * struct risk_filter's scope and enterprise_id. */
#define RISK_SCOPE_WHERE                                                                    \
	"(:prefix IS NULL OR (e.region_code >= :prefix AND e.region_code < :prefix_end)) "  \
	"AND (:grid_user IS NULL OR e.grid_id IN (SELECT user_grid.grid_id FROM user_grid " \
	"WHERE user_grid.user_id = :grid_user)) "                                           \
	"AND (:scope_uscc IS NULL OR e.uscc = :scope_uscc) "                                \
	"AND (:eid IS NULL OR e.id = :eid) "

/*
 * A page of rows: sql_asc or (lp->desc) sql_desc, each "... WHERE RISK_SCOPE_WHERE AND
 * keyset on :after ... LIMIT :limit", bound with f's scope and lp's page, each row mapped
 * by row(). Returns 0 with *items owned, or a negative err with *items NULL.
 */
int risk_db_list_page(struct db *db, const char *sql_asc, const char *sql_desc,
		      json_t *(*row)(struct db_stmt *), const struct risk_filter *f,
		      const struct list_params *lp, json_t **items);

/*
 * Inserts with sql bound with :eid = enterprise_id, :now = now_ms and bind(st, o, &text),
 * which binds o's own columns and may set text to an owned string it bound (freed here).
 * Returns 0 with *id the new row's, or as db_step_done (ERR_CONFLICT on a unique key).
 */
int risk_db_insert_row(struct db *db, const char *sql,
		       void (*bind)(struct db_stmt *, const json_t *, char **), const json_t *o,
		       int64_t enterprise_id, int64_t now_ms, int64_t *id);
/* Updates row id with sql bound with :id, :now = now_ms and bind as above. Returns 0,
 * ERR_NOT_FOUND (no such row) or as db_step_change. */
int risk_db_update_row(struct db *db, const char *sql,
		       void (*bind)(struct db_stmt *, const json_t *, char **), const json_t *o,
		       int64_t id, int64_t now_ms);

/* Runs the count query sql bound with :id into *n. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int risk_db_count_of(struct db *db, const char *sql, int64_t id, int64_t *n);
/*
 * Deletes with delete_sql(:id) unless count_sql(:id) (may be NULL: always delete) counts
 * rows still using it. Returns 0, ERR_CONFLICT (in use), ERR_NOT_FOUND or ERR_DB.
 */
int risk_db_delete_unless(struct db *db, const char *count_sql, const char *delete_sql, int64_t id);

#endif
