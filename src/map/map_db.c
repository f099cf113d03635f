/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the map module (the boundary table), each right
 * above the function that runs it, with bound parameters only.
 */
#define LOG_MODULE "map"
#include "map/map.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

/* ON CONFLICT ... DO UPDATE is understood by SQLite (3.24+) and PostgreSQL alike. */
static const char SQL_PUT[] =
	"INSERT INTO boundary (region_code, name, level, parent_code, geometry, min_lon, min_lat, "
	"max_lon, max_lat, source, loaded_ms) VALUES (:code, :name, :level, :parent, :geometry, "
	":min_lon, :min_lat, :max_lon, :max_lat, :source, :now) ON CONFLICT (region_code) DO "
	"UPDATE SET name = excluded.name, level = excluded.level, parent_code = "
	"excluded.parent_code, geometry = excluded.geometry, min_lon = excluded.min_lon, min_lat "
	"= excluded.min_lat, max_lon = excluded.max_lon, max_lat = excluded.max_lat, source = "
	"excluded.source, loaded_ms = excluded.loaded_ms";

int map_db_boundary_put(struct db *db, const struct map_boundary *b, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_PUT);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":code", b->region_code);
	db_bind_text(st, ":name", b->name);
	db_bind_i64(st, ":level", b->level);
	db_bind_text(st, ":parent", b->parent_code[0] ? b->parent_code : NULL);
	db_bind_text(st, ":geometry", b->geometry);
	db_bind_f64(st, ":min_lon", b->bbox.min_lon);
	db_bind_f64(st, ":min_lat", b->bbox.min_lat);
	db_bind_f64(st, ":max_lon", b->bbox.max_lon);
	db_bind_f64(st, ":max_lat", b->bbox.max_lat);
	db_bind_text(st, ":source", b->source);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}

/* A row as a Feature {code, name, level}; NULL (ERR_DB) when the stored text is not JSON. */
static json_t *feature_row(struct db_stmt *st)
{
	json_t *geometry = json_loads(db_col_text(st, 3), 0, NULL);

	if (geometry == NULL) {
		log_error("boundary '%s' holds no readable GeoJSON", db_col_text(st, 0));
		return NULL;
	}
	/* Stored so since the loader turns them; rows loaded by an earlier build were not. */
	geo_json_rewind(geometry);
	return map_feature(json_pack("{s:s, s:s, s:I}", "code", db_col_text(st, 0), "name",
				     db_col_text(st, 1), "level", (json_int_t)db_col_i64(st, 2)),
			   geometry);
}

static const char SQL_LIST[] =
	"SELECT region_code, name, level, geometry FROM boundary WHERE "
	"(:parent IS NULL OR parent_code = :parent) AND (:code IS NULL OR region_code = :code) "
	"ORDER BY region_code";

int map_db_boundaries(struct db *db, const char *parent_code, const char *code, json_t **features)
{
	struct db_stmt *st = db_stmt(db, SQL_LIST);

	*features = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":parent", parent_code);
	db_bind_text(st, ":code", code);
	return db_rows_json(st, feature_row, features);
}

static const char SQL_BBOX[] =
	"SELECT min_lon, min_lat, max_lon, max_lat FROM boundary WHERE region_code = :code";

int map_db_boundary_bbox(struct db *db, const char *code, struct geo_bbox *b)
{
	struct db_stmt *st = db_stmt(db, SQL_BBOX);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":code", code);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	b->min_lon = db_col_f64(st, 0);
	b->min_lat = db_col_f64(st, 1);
	b->max_lon = db_col_f64(st, 2);
	b->max_lat = db_col_f64(st, 3);
	db_reset(st);
	return 0;
}

static const char SQL_TOP[] =
	"SELECT region_code FROM boundary ORDER BY level, region_code LIMIT 1";

int map_db_boundary_top(struct db *db, char *code, size_t n)
{
	struct db_stmt *st = db_stmt(db, SQL_TOP);
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	utf8_copy(code, n, db_col_text(st, 0));
	db_reset(st);
	return 0;
}

static const char SQL_RISK_GRADES[] =
	"SELECT enterprise_id, grade FROM risk_enterprise WHERE grade IS NOT NULL AND (:grade = 0 "
	"OR grade = :grade) ORDER BY enterprise_id";

int map_db_risk_grades(struct db *db, int grade, int64_t **ids, int **grades, size_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_RISK_GRADES);
	size_t k = 0, cap = 0;
	int64_t *id = NULL;
	int *g = NULL;
	int rc;

	*ids = NULL;
	*grades = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":grade", grade);
	while ((rc = db_step(st)) == DB_ROW) {
		if (k == cap) {
			cap = cap ? 2 * cap : 256;
			id = xrealloc(id, cap * sizeof(*id));
			g = xrealloc(g, cap * sizeof(*g));
		}
		id[k] = db_col_i64(st, 0);
		g[k] = (int)db_col_i64(st, 1);
		k++;
	}
	if (rc < 0) {
		free(id);
		free(g);
		return rc;
	}
	*ids = id;
	*grades = g;
	*n = k;
	return 0;
}
