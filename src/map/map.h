/* SPDX-License-Identifier: MIT */
/*
 * The map (一张图, DESIGN §2 report, §7): layers for the web UI's Leaflet map
 * as GeoJSON (RFC 7946) in CGCS2000 [lon, lat]. This module owns one table,
 * `boundary` (the outlines of administrative divisions, keyed by GB/T 2260
 * code); grids and enterprises stay with org and enterprise, and the map reads
 * them through their headers.
 *
 * map.c holds the pure rules (initial view, GeoJSON assembly); map_db.c the
 * SQL of the boundary table; map_load.c the boundary loader; map_api.c the
 * routes under /api/v1/map. Not here: tiles (a configured tile server serves
 * them), editing boundaries, the risk layer (issue 5).
 */
#ifndef MAP_MAP_H
#define MAP_MAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/geo.h"

struct db;
struct errmsg;

/* --- rules (map.c) --- */

/* Where the map opens: centre in CGCS2000 degrees and a Leaflet zoom level. */
struct map_view {
	double lat, lon;
	int zoom;
};

/* China as a whole, when nothing better is known: 35 N 105 E, zoom 4. */
void map_view_china(struct map_view *v);

/*
 * The view that shows box b: its centre, and the largest zoom (Web Mercator, 256-pixel
 * tiles) at which it fits an 800 x 600 pixel map, clamped to 3..18. A box of no extent
 * (one point) gets zoom 15.
 */
void map_view_of_bbox(const struct geo_bbox *b, struct map_view *v);

/* Grows acc to cover b too; *have tells whether acc holds a box yet. */
void map_bbox_add(struct geo_bbox *acc, bool *have, const struct geo_bbox *b);

/*
 * Returns: owned GeoJSON Feature {"type":"Feature","properties":properties,
 * "geometry":geometry}; steals both (geometry NULL = null geometry).
 */
json_t *map_feature(json_t *properties, json_t *geometry);

/* Returns: owned FeatureCollection of features (stolen, a JSON array). */
json_t *map_collection(json_t *features);

/* --- storage (map_db.c) --- */

/* One stored boundary. */
struct map_boundary {
	char region_code[16];
	char name[256];
	int level;	      /* 1 province .. 4 town (GB/T 2260, as the division table) */
	char parent_code[16]; /* "" for a province */
	char *geometry;	      /* borrowed compact GeoJSON Polygon/MultiPolygon, CGCS2000 */
	struct geo_bbox bbox;
	const char *source; /* where the geometry came from, under which terms */
};

/* Inserts or replaces the boundary of b->region_code. Returns 0 or ERR_DB/ERR_INVALID. */
int map_db_boundary_put(struct db *db, const struct map_boundary *b, int64_t now_ms);

/*
 * Features {code, name, level} with their geometry: of the divisions directly under
 * parent_code (parent_code non-NULL), or of the one division `code`. Returns 0 with
 * *features (a JSON array) owned, or ERR_DB.
 */
int map_db_boundaries(struct db *db, const char *parent_code, const char *code, json_t **features);

/* The bounding box of the stored boundary of code. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int map_db_boundary_bbox(struct db *db, const char *code, struct geo_bbox *b);

/*
 * The code of the widest stored boundary (lowest level, then smallest code), e.g. the
 * city of the demo. Returns 0, ERR_NOT_FOUND (no boundary) or ERR_DB.
 */
int map_db_boundary_top(struct db *db, char *code, size_t n);

/*
 * The risk grade (1..4, issue 5: risk_enterprise, kept by the risk module) of every graded
 * enterprise, by enterprise id ascending: *ids and *grades (owned, free()) of *n entries;
 * only grade when grade is 1..4, every grade when it is 0. Returns 0 or ERR_DB.
 */
int map_db_risk_grades(struct db *db, int grade, int64_t **ids, int **grades, size_t *n);

/* --- loading (map_load.c) --- */

/* The datum of the coordinates in a boundary file. */
enum map_datum { MAP_DATUM_CGCS2000, MAP_DATUM_GCJ02 };

/*
 * Loads a GeoJSON FeatureCollection of division boundaries from path into the boundary
 * table, inside the caller's write transaction (not audited: the caller records its
 * load). Each feature names its division by the property `adcode` (number or text, a
 * GB/T 2260 code that must be in the division table, whose name, level and parent are
 * stored with it) and has a Polygon or MultiPolygon geometry; GCJ-02 files are converted
 * vertex by vertex to CGCS2000 (geo_json_gcj02_to_wgs84()), the result must pass
 * org_geometry_check() (closed rings inside China), and its rings are stored turned to the
 * right-hand rule of RFC 7946 §3.1.6 (geo_json_rewind()). source (<= 500 bytes) is stored with
 * every row. An existing boundary of the same code is replaced.
 * Returns 0 with *loaded (features stored), ERR_IO (unreadable file) or ERR_INVALID (why
 * names the feature and the fault), or ERR_DB.
 */
int map_boundaries_load(struct db *db, const char *path, enum map_datum datum, const char *source,
			int64_t *loaded, struct errmsg *why);

#endif
