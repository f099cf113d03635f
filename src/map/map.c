/* SPDX-License-Identifier: MIT */
/*
 * Pure rules of the map: the initial view of a bounding box (Web Mercator
 * zoom arithmetic, as Leaflet computes it) and GeoJSON assembly. No I/O.
 */
#include "map/map.h"

#include <math.h>

#include "core/banned.h"

/* The map pane the initial view is computed for (a laptop browser window). */
#define VIEW_W_PX  800.0
#define VIEW_H_PX  600.0
#define TILE_PX	   256.0
#define ZOOM_MIN   3
#define ZOOM_MAX   18
#define ZOOM_POINT 15

void map_view_china(struct map_view *v)
{
	v->lat = 35.0;
	v->lon = 105.0;
	v->zoom = 4;
}

/* Web Mercator y of a latitude in radians of the projected plane. */
static double merc_y(double lat)
{
	return log(tan(M_PI / 4.0 + lat * M_PI / 360.0));
}

void map_view_of_bbox(const struct geo_bbox *b, struct map_view *v)
{
	double dlon = b->max_lon - b->min_lon, dy = merc_y(b->max_lat) - merc_y(b->min_lat);
	double zx, zy, z;

	v->lat = (b->min_lat + b->max_lat) / 2.0;
	v->lon = (b->min_lon + b->max_lon) / 2.0;
	if (dlon <= 0 && dy <= 0) {
		v->zoom = ZOOM_POINT;
		return;
	}
	/* At zoom z the world is TILE_PX * 2^z pixels wide: 360 degrees, or 2 pi in y. */
	zx = dlon > 0 ? log2(VIEW_W_PX * 360.0 / (TILE_PX * dlon)) : ZOOM_MAX;
	zy = dy > 0 ? log2(VIEW_H_PX * 2.0 * M_PI / (TILE_PX * dy)) : ZOOM_MAX;
	z = floor(fmin(zx, zy));
	v->zoom = z < ZOOM_MIN ? ZOOM_MIN : z > ZOOM_MAX ? ZOOM_MAX : (int)z;
}

void map_bbox_add(struct geo_bbox *acc, bool *have, const struct geo_bbox *b)
{
	if (!*have) {
		*acc = *b;
		*have = true;
		return;
	}
	acc->min_lon = fmin(acc->min_lon, b->min_lon);
	acc->min_lat = fmin(acc->min_lat, b->min_lat);
	acc->max_lon = fmax(acc->max_lon, b->max_lon);
	acc->max_lat = fmax(acc->max_lat, b->max_lat);
}

json_t *map_feature(json_t *properties, json_t *geometry)
{
	json_t *f = json_object();

	json_object_set_new(f, "type", json_string("Feature"));
	json_object_set_new(f, "properties", properties ? properties : json_object());
	json_object_set_new(f, "geometry", geometry ? geometry : json_null());
	return f;
}

json_t *map_collection(json_t *features)
{
	json_t *c = json_object();

	json_object_set_new(c, "type", json_string("FeatureCollection"));
	json_object_set_new(c, "features", features ? features : json_array());
	return c;
}
