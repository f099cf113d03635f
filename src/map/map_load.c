/* SPDX-License-Identifier: MIT */
/*
 * The boundary loader: a GeoJSON FeatureCollection of division outlines in,
 * rows of the boundary table out, converted to CGCS2000 on the way when the
 * file is GCJ-02 (as every AutoNavi-derived file is; see data/geo/README.md).
 * Converting at load time keeps the shipped files exactly as published, so
 * their origin can be checked byte for byte.
 */
#define LOG_MODULE "map"
#include "map/map.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/scope.h"
#include "core/util.h"
#include "db/db.h"
#include "org/org.h"
#include "core/banned.h"

/* The GB/T 2260 code of a feature: properties.adcode as a number or a text. */
static bool feature_code(const json_t *feature, char *out, size_t n)
{
	const json_t *v = json_object_get(json_object_get(feature, "properties"), "adcode");

	if (json_is_integer(v))
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_string(v))
		utf8_copy(out, n, json_string_value(v));
	else
		return false;
	return strlen(out) == 6 && region_prefix_len(out) > 0;
}

/* Checks, converts and stores feature i. */
static int load_feature(struct db *db, const json_t *feature, size_t i, enum map_datum datum,
			const char *source, int64_t now, struct errmsg *why)
{
	struct map_boundary b;
	struct errmsg gwhy = { 0 };
	json_t *region = NULL, *geometry = NULL;
	const char *parent;
	int rc;

	memset(&b, 0, sizeof(b));
	if (!feature_code(feature, b.region_code, sizeof(b.region_code)))
		return errmsg_set(why, "adcode", "feature %zu has no GB/T 2260 code in 'adcode'",
				  i);
	rc = org_region_get(db, b.region_code, &region);
	if (rc == ERR_NOT_FOUND)
		return errmsg_set(why, "adcode",
				  "feature %zu: no administrative division has code '%s'", i,
				  b.region_code);
	if (rc < 0)
		return rc;
	utf8_copy(b.name, sizeof(b.name), json_str(region, "name"));
	b.level = (int)json_i64(region, "level", 0);
	parent = json_str(region, "parent_code");
	utf8_copy(b.parent_code, sizeof(b.parent_code), parent ? parent : "");
	json_decref(region);
	/* A deep copy: the conversion writes into it. */
	geometry = json_deep_copy(json_object_get(feature, "geometry"));
	if (datum == MAP_DATUM_GCJ02 && geo_json_gcj02_to_wgs84(geometry) < 0) {
		rc = errmsg_set(why, "geometry",
				"feature %zu (%s): not a Polygon or MultiPolygon of "
				"[lon, lat] positions",
				i, b.region_code);
		goto out;
	}
	/* RFC 7946 §3.1.6: DataV's rings run clockwise; the stored ones follow the rule. */
	if (org_geometry_check(geometry, &gwhy) < 0 || geo_json_rewind(geometry) < 0 ||
	    !geo_json_bbox(geometry, &b.bbox)) {
		rc = errmsg_set(why, "geometry", "feature %zu (%s): %s", i, b.region_code,
				gwhy.text[0] ? gwhy.text : "no positions");
		goto out;
	}
	b.geometry = json_dumps(geometry, JSON_COMPACT | JSON_REAL_PRECISION(10));
	b.source = source;
	rc = map_db_boundary_put(db, &b, now);
	free(b.geometry);
out:
	json_decref(geometry);
	return rc;
}

int map_boundaries_load(struct db *db, const char *path, enum map_datum datum, const char *source,
			int64_t *loaded, struct errmsg *why)
{
	json_error_t jerr;
	json_t *fc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *features = json_object_get(fc, "features");
	const json_t *f;
	int64_t now = now_ms();
	size_t i;
	int rc = 0;

	*loaded = 0;
	if (fc == NULL) {
		errmsg_set(why, "file", "cannot read '%s': %s (line %d)", path, jerr.text,
			   jerr.line);
		return ERR_IO;
	}
	if (!json_is_array(features) || strlen(source) > 500) {
		rc = errmsg_set(why, "file", "'%s' is not a GeoJSON FeatureCollection", path);
		goto out;
	}
	json_array_foreach(features, i, f) {
		rc = load_feature(db, f, i, datum, source, now, why);
		if (rc < 0)
			goto out;
		(*loaded)++;
	}
	log_info("loaded %" PRId64 " boundaries from '%s'%s", *loaded, path,
		 datum == MAP_DATUM_GCJ02 ? " (GCJ-02, converted to CGCS2000)" : "");
out:
	json_decref(fc);
	return rc;
}
