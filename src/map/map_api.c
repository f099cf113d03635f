/* SPDX-License-Identifier: MIT */
/*
 * The map layers over HTTP (docs/map.md), all GeoJSON FeatureCollections in
 * CGCS2000 [lon, lat]:
 *   - config: tile server, and where the map opens for the caller's scope;
 *   - boundaries: outlines of administrative divisions (public reference data,
 *     like the divisions themselves);
 *   - grids: the caller's grids that have a boundary (grid scope: its own grids);
 *   - enterprises: one point per located enterprise in the caller's scope, with
 *     the filters of the enterprise list, not paged but capped by map.max_points.
 * Scope rules are those of the grid and enterprise lists (the filters come from
 * the same helpers), so the map never shows a row the lists would hide.
 */
#define LOG_MODULE "map"
#include "map/map.h"
#include "map/map_api.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise.h"
#include "http/req.h"
#include "org/org.h"
#include "core/banned.h"

/* A code query argument that must name one division exactly; NULL when absent. */
static const char *code_arg(struct req *rq, const char *name, struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	if (v != NULL && region_prefix_len(v) == 0) {
		field_errors_add(fe, name, "must be a GB/T 2260 code of 6 or 9 digits");
		return NULL;
	}
	return v;
}

static json_t *rounded(double v)
{
	return json_real(round(v * 1e6) / 1e6);
}

/* ------------------------------------------------------------ config */

/* The bounding box of the stored boundary of code or of its nearest ancestor that has one. */
static bool region_bbox(struct db *db, const char *code, struct geo_bbox *b)
{
	char cur[16];
	json_t *r = NULL;

	utf8_copy(cur, sizeof(cur), code);
	for (int depth = 0; depth < 5 && cur[0]; depth++) {
		const char *parent;

		if (map_db_boundary_bbox(db, cur, b) == 0)
			return true;
		if (org_region_get(db, cur, &r) < 0)
			return false;
		parent = json_str(r, "parent_code");
		utf8_copy(cur, sizeof(cur), parent ? parent : "");
		json_decref(r);
		r = NULL;
	}
	return false;
}

struct bbox_acc {
	struct geo_bbox box;
	bool have;
};

static int grid_bbox(void *ctx, int64_t id, const char *name, const char *region_code,
		     const char *geometry)
{
	struct bbox_acc *acc = ctx;
	json_t *g = json_loads(geometry, 0, NULL);
	struct geo_bbox b;

	(void)id;
	(void)name;
	(void)region_code;
	if (g && geo_json_bbox(g, &b))
		map_bbox_add(&acc->box, &acc->have, &b);
	json_decref(g);
	return 0;
}

struct first_point {
	int64_t id;
	double lat, lon;
};

static int first_point(void *ctx, int64_t id, const char *name, bool high_risk, double lat,
		       double lon)
{
	struct first_point *p = ctx;

	(void)name;
	(void)high_risk;
	p->id = id;
	p->lat = lat;
	p->lon = lon;
	return 0;
}

/* An enterprise list row as its division code. */
static json_t *row_region(struct enterprise *e, void *ctx)
{
	(void)ctx;
	return json_string(e->region_code);
}

/*
 * The division of the enterprise with the caller's credit code, located or not, into home;
 * home is left as it is when the enterprise is not on file. Returns 0 or ERR_DB.
 */
static int enterprise_home(struct db *db, struct enterprise_filter *f, char *home, size_t n)
{
	struct list_params lp = { .limit = 1 };
	json_t *items = NULL;
	const char *code;
	int rc = enterprise_db_list(db, f, &lp, row_region, NULL, &items);

	if (rc < 0)
		return rc;
	code = json_string_value(json_array_get(items, 0));
	if (code)
		utf8_copy(home, n, code);
	json_decref(items);
	return 0;
}

/*
 * Where the caller's data lie: home_region (a division code, "" when unknown) and a box
 * (*have false when none is stored).
 */
static int scope_extent(struct req *rq, char *home, size_t n, struct bbox_acc *acc)
{
	const struct scope *s = &rq->user->scope;
	struct enterprise_filter f = { .high_risk = -1, .supervision = -1 };
	struct first_point p = { 0, 0, 0 };
	bool truncated;
	int rc;

	home[0] = '\0';
	switch (s->kind) {
	case SCOPE_ALL:
		rc = map_db_boundary_top(rq->db, home, n);
		if (rc < 0 && rc != ERR_NOT_FOUND)
			return rc;
		break;
	case SCOPE_REGION:
		utf8_copy(home, n, s->region);
		break;
	case SCOPE_GRIDS:
		rc = org_grid_shapes(rq->db, NULL, rq->user->user_id, NULL, SCOPE_MAX_GRIDS,
				     grid_bbox, acc, &truncated);
		if (rc < 0)
			return rc;
		if (s->ngrids > 0 && org_grid_region(rq->db, s->grids[0], home, n) < 0)
			home[0] = '\0';
		break;
	case SCOPE_ENTERPRISE:
		/*
		 * The enterprise's division, located or not; the registering authority's
		 * (GB 32100 positions 3-8) while the enterprise is not on file.
		 */
		snprintf(home, n, "%.6s", s->enterprise + 2);
		f.scope_uscc = s->enterprise;
		rc = enterprise_home(rq->db, &f, home, n);
		if (rc == 0)
			rc = enterprise_db_points(rq->db, &f, 1, first_point, &p, &truncated);
		if (rc < 0)
			return rc;
		if (p.id == 0)
			break;
		acc->box = (struct geo_bbox){ p.lon, p.lat, p.lon, p.lat };
		acc->have = true;
		break;
	}
	if (!acc->have && home[0])
		acc->have = region_bbox(rq->db, home, &acc->box);
	return 0;
}

static int config(struct req *rq, struct resp *rs)
{
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	struct bbox_acc acc = { { 0, 0, 0, 0 }, false };
	struct map_view v;
	char home[16];
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = scope_extent(rq, home, sizeof(home), &acc);
	if (rc < 0)
		return rc;
	if (acc.have)
		map_view_of_bbox(&acc.box, &v);
	else
		map_view_china(&v);
	return resp_json(rs, 200,
			 json_pack("{s:s, s:s, s:[o, o], s:i, s:o}", "tile_url", cfg->tile_url,
				   "tile_attribution", cfg->tile_attribution, "center",
				   rounded(v.lat), rounded(v.lon), "zoom", v.zoom, "home_region",
				   home[0] ? json_string(home) : json_null()));
}

/* ------------------------------------------------------------ boundaries */

static int boundaries(struct req *rq, struct resp *rs)
{
	static const char *const args[] = { "parent", "code", NULL };
	struct field_errors fe = { 0 };
	const char *parent, *code;
	json_t *features = NULL;
	int rc;

	query_params_check(rq, args, &fe);
	parent = code_arg(rq, "parent", &fe);
	code = code_arg(rq, "code", &fe);
	if (fe.n == 0 && (parent == NULL) == (code == NULL))
		field_errors_add(&fe, parent ? "code" : "parent",
				 "give either parent (the divisions under it) or code (the "
				 "division itself)");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (!org_region_exists(rq->db, parent ? parent : code))
		return resp_problem(rs, 404, NULL, "no such administrative division", NULL);
	rc = map_db_boundaries(rq->db, parent, code, &features);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, map_collection(features));
}

/* ------------------------------------------------------------ grids */

struct features {
	json_t *items;
};

static int grid_feature(void *ctx, int64_t id, const char *name, const char *region_code,
			const char *geometry)
{
	struct features *fs = ctx;
	json_t *g = json_loads(geometry, 0, NULL);

	if (g == NULL)
		return 0; /* org_geometry_check() let only GeoJSON in; nothing to draw otherwise */
	/* Stored as the user drew it; served by RFC 7946's right-hand rule (§3.1.6). */
	geo_json_rewind(g);
	json_array_append_new(fs->items,
			      map_feature(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name",
						    name, "region_code", region_code),
					  g));
	return 0;
}

static int grids(struct req *rq, struct resp *rs)
{
	static const char *const args[] = { "region", NULL };
	const struct scope *s = &rq->user->scope;
	struct field_errors fe = { 0 };
	struct features fs = { NULL };
	char pbuf[16], rbuf[16];
	const char *prefix = NULL, *region;
	bool truncated = false;
	json_t *c;
	int rc;

	query_params_check(rq, args, &fe);
	region = req_query_region(rq, "region", rbuf, sizeof(rbuf), &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	/* As GET /api/v1/grids: a region scope by prefix, a grid scope by the user's grids. */
	if (s->kind == SCOPE_REGION) {
		snprintf(pbuf, sizeof(pbuf), "%.*s", (int)region_prefix_len(s->region), s->region);
		prefix = pbuf;
	} else if (s->kind == SCOPE_ENTERPRISE) {
		prefix = "-"; /* matches nothing */
	}
	fs.items = json_array();
	rc = org_grid_shapes(rq->db, prefix, s->kind == SCOPE_GRIDS ? rq->user->user_id : 0, region,
			     rq->app->cfg.max_points, grid_feature, &fs, &truncated);
	if (rc < 0) {
		json_decref(fs.items);
		return rc;
	}
	c = map_collection(fs.items);
	json_object_set_new(c, "truncated", json_boolean(truncated));
	return resp_json(rs, 200, c);
}

/* ------------------------------------------------------------ enterprises */

/* The enterprises' risk grades (map_db_risk_grades), looked up by id. */
struct risk_grades {
	int64_t *ids;
	int *grades;
	size_t n;
};

/* The grade of enterprise id, 0 when it has none. */
static int grade_of(const struct risk_grades *g, int64_t id)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->ids[mid] == id)
			return g->grades[mid];
		if (g->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

struct points_ctx {
	json_t *items;
	struct risk_grades grades;
	bool filtered;	    /* risk_grade= given: only the enterprises in grades */
	int64_t max, shown; /* filtered: the cap, and how many matched */
};

static int point_feature(void *ctx, int64_t id, const char *name, bool high_risk, double lat,
			 double lon)
{
	struct points_ctx *pc = ctx;
	int grade = grade_of(&pc->grades, id);

	if (pc->filtered) {
		if (grade == 0)
			return 0;
		if (++pc->shown > pc->max)
			return 0; /* counted: the answer says truncated */
	}
	json_array_append_new(
		pc->items, map_feature(json_pack("{s:I, s:s, s:b, s:o}", "id", (json_int_t)id,
						 "name", name, "high_risk", high_risk, "risk_grade",
						 grade ? json_integer(grade) : json_null()),
				       json_pack("{s:s, s:[f, f]}", "type", "Point", "coordinates",
						 lon, lat)));
	return 0;
}

static int enterprises(struct req *rq, struct resp *rs)
{
	static const char *const args[] = {
		"region", "grid", "high_risk", "q", "risk_grade", NULL
	};
	struct enterprise_filter f = { .high_risk = -1, .supervision = -1 };
	struct field_errors fe = { 0 };
	struct points_ctx pc = { NULL };
	char pbuf[16], rbuf[16];
	bool truncated = false;
	int risk_grade = 0;
	const char *v;
	json_t *c;
	int rc;

	query_params_check(rq, args, &fe);
	f.region = req_query_region(rq, "region", rbuf, sizeof(rbuf), &fe);
	if ((v = req_query(rq, "grid")) != NULL &&
	    (v[0] == '0' || parse_i64(v, &f.grid_id) < 0 || f.grid_id < 1))
		field_errors_add(&fe, "grid", "must be a grid id");
	if ((v = req_query(rq, "high_risk")) != NULL) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			f.high_risk = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			f.high_risk = 0;
		else
			field_errors_add(&fe, "high_risk", "must be true or false");
	}
	if ((v = req_query(rq, "q")) != NULL) {
		if (v[0] == '\0' || utf8_len(v) > 100)
			field_errors_add(&fe, "q", "must be 1 to 100 characters");
		f.q = v;
	}
	if ((v = req_query(rq, "risk_grade")) != NULL) {
		if (strlen(v) == 1 && v[0] >= '1' && v[0] <= '4')
			risk_grade = v[0] - '0';
		else
			field_errors_add(&fe, "risk_grade", "must be 1, 2, 3 or 4");
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	enterprise_filter_scope(&f, &rq->user->scope, rq->user->user_id, pbuf, sizeof(pbuf));
	rc = map_db_risk_grades(rq->db, risk_grade, &pc.grades.ids, &pc.grades.grades,
				&pc.grades.n);
	if (rc < 0)
		return rc;
	pc.items = json_array();
	if (risk_grade) {
		/*
		 * The grade is not a column of the enterprise list: walk every located
		 * enterprise of the other filters and keep the graded ones, up to the cap.
		 */
		pc.filtered = true;
		pc.max = rq->app->cfg.max_points;
		rc = enterprise_db_points(rq->db, &f, INT64_MAX / 2, point_feature, &pc,
					  &truncated);
		truncated = pc.shown > pc.max;
	} else {
		rc = enterprise_db_points(rq->db, &f, rq->app->cfg.max_points, point_feature, &pc,
					  &truncated);
	}
	free(pc.grades.ids);
	free(pc.grades.grades);
	if (rc < 0) {
		json_decref(pc.items);
		return rc;
	}
	c = map_collection(pc.items);
	json_object_set_new(c, "truncated", json_boolean(truncated));
	return resp_json(rs, 200, c);
}

const struct route map_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/map/config",
	  .handler = config,
	  .perm = PERM_SELF,
	  .summary = "map settings: tile server (map.tile_url, empty = none) and where the map "
		     "opens for your scope {tile_url, tile_attribution, center [lat, lon], zoom, "
		     "home_region}" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/map/boundaries",
	  .handler = boundaries,
	  .perm = PERM_REGION_READ,
	  .summary = "division outlines as GeoJSON (CGCS2000): ?parent=CODE the divisions under "
		     "it, or ?code=CODE the division itself; properties code, name, level" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/map/grids",
	  .handler = grids,
	  .perm = PERM_GRID_READ,
	  .summary = "grids in your scope that have a boundary, as GeoJSON; filter region; "
		     "properties id, name, region_code" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/map/enterprises",
	  .handler = enterprises,
	  .perm = PERM_ENTERPRISE_READ,
	  .summary = "located enterprises in your scope as GeoJSON points, not paged, at most "
		     "map.max_points (then truncated: true); filters region, grid, high_risk, q, "
		     "risk_grade (1..4); properties id, name, high_risk, risk_grade (the "
		     "enterprise's risk grade, issue 5, or null)" },
	{ 0 },
};
