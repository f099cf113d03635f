/* SPDX-License-Identifier: MIT */
/*
 * GCJ-02 conversion and polygon tests over lon/lat degrees (see geo.h). The
 * GCJ-02 code moved here from the enterprise module so that the map layers
 * convert boundaries with the same formula that converts enterprise input.
 */
#include "core/geo.h"

#include <math.h>
#include <string.h>

#include "core/err.h"
#include "core/banned.h"

/* Krasovsky 1940 ellipsoid as used by the GCJ-02 formula. */
#define GCJ_A  6378245.0
#define GCJ_EE 0.00669342162296594323

#define EARTH_KM 6371.0088 /* IUGG mean radius */

static bool gcj_out_of_offset(double lat, double lon)
{
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

static double gcj_lat(double x, double y)
{
	double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));

	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
	return r;
}

static double gcj_lon(double x, double y)
{
	double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));

	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
	return r;
}

void geo_wgs84_to_gcj02(double lat, double lon, double *out_lat, double *out_lon)
{
	double dlat, dlon, radlat, magic, sqrtmagic;

	if (gcj_out_of_offset(lat, lon)) {
		*out_lat = lat;
		*out_lon = lon;
		return;
	}
	dlat = gcj_lat(lon - 105.0, lat - 35.0);
	dlon = gcj_lon(lon - 105.0, lat - 35.0);
	radlat = lat / 180.0 * M_PI;
	magic = sin(radlat);
	magic = 1.0 - GCJ_EE * magic * magic;
	sqrtmagic = sqrt(magic);
	dlat = (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * M_PI);
	dlon = (dlon * 180.0) / (GCJ_A / sqrtmagic * cos(radlat) * M_PI);
	*out_lat = lat + dlat;
	*out_lon = lon + dlon;
}

void geo_gcj02_to_wgs84(double lat, double lon, double *out_lat, double *out_lon)
{
	double wlat = lat, wlon = lon, glat, glon;

	/* Fixed-point iteration: the offset changes slowly, so each round gains ~4 digits. */
	for (int i = 0; i < 30; i++) {
		geo_wgs84_to_gcj02(wlat, wlon, &glat, &glon);
		if (fabs(glat - lat) < 1e-9 && fabs(glon - lon) < 1e-9)
			break;
		wlat -= glat - lat;
		wlon -= glon - lon;
	}
	*out_lat = wlat;
	*out_lon = wlon;
}

/* ------------------------------------------------------------ rings */

/* One crossing test of the even-odd rule: does the edge (a, b) cross the ray east of p? */
static bool crosses(double alon, double alat, double blon, double blat, double lon, double lat)
{
	if ((alat > lat) == (blat > lat))
		return false;
	return lon < alon + (lat - alat) * (blon - alon) / (blat - alat);
}

bool geo_ring_contains(const double *ring, size_t n, double lon, double lat)
{
	bool in = false;

	for (size_t i = 0, j = n - 1; i < n; j = i++)
		if (crosses(ring[2 * i], ring[2 * i + 1], ring[2 * j], ring[2 * j + 1], lon, lat))
			in = !in;
	return in;
}

/* The position at index i of a ring as lon, lat. false when it is not two numbers. */
static bool position(const json_t *ring, size_t i, double *lon, double *lat)
{
	const json_t *p = json_array_get(ring, i);
	const json_t *x = json_array_get(p, 0), *y = json_array_get(p, 1);

	if (!json_is_number(x) || !json_is_number(y))
		return false;
	*lon = json_number_value(x);
	*lat = json_number_value(y);
	return true;
}

static bool json_ring_contains(const json_t *ring, double lon, double lat)
{
	size_t n = json_array_size(ring);
	double alon, alat, blon, blat;
	bool in = false;

	if (n < 3 || !position(ring, n - 1, &blon, &blat))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!position(ring, i, &alon, &alat))
			return false;
		if (crosses(alon, alat, blon, blat, lon, lat))
			in = !in;
		blon = alon;
		blat = alat;
	}
	return in;
}

/*
 * Calls fn for every ring of a Polygon or MultiPolygon with its index inside its
 * polygon (0 = outer). Returns false when geometry is neither or is malformed.
 */
static bool each_ring(const json_t *geometry, void (*fn)(const json_t *ring, size_t k, void *ctx),
		      void *ctx)
{
	const char *type = json_string_value(json_object_get(geometry, "type"));
	const json_t *coords = json_object_get(geometry, "coordinates");
	const json_t *poly, *ring;
	size_t i, k;
	bool multi;

	if (type == NULL || !json_is_array(coords))
		return false;
	multi = strcmp(type, "MultiPolygon") == 0;
	if (!multi && strcmp(type, "Polygon") != 0)
		return false;
	for (i = 0; i < (multi ? json_array_size(coords) : 1); i++) {
		poly = multi ? json_array_get(coords, i) : coords;
		if (!json_is_array(poly))
			return false;
		json_array_foreach(poly, k, ring) {
			if (!json_is_array(ring))
				return false;
			fn(ring, k, ctx);
		}
	}
	return true;
}

struct contains_ctx {
	double lon, lat;
	bool in;
};

static void contains_ring(const json_t *ring, size_t k, void *ctx)
{
	struct contains_ctx *c = ctx;

	(void)k;
	if (json_ring_contains(ring, c->lon, c->lat))
		c->in = !c->in;
}

bool geo_json_contains(const json_t *geometry, double lat, double lon)
{
	struct contains_ctx c = { lon, lat, false };

	return each_ring(geometry, contains_ring, &c) && c.in;
}

struct bbox_ctx {
	struct geo_bbox b;
	bool any, bad;
};

static void bbox_ring(const json_t *ring, size_t k, void *ctx)
{
	struct bbox_ctx *c = ctx;
	double lon, lat;

	(void)k;
	for (size_t i = 0; i < json_array_size(ring); i++) {
		if (!position(ring, i, &lon, &lat)) {
			c->bad = true;
			return;
		}
		if (!c->any) {
			c->b.min_lon = c->b.max_lon = lon;
			c->b.min_lat = c->b.max_lat = lat;
			c->any = true;
		}
		c->b.min_lon = fmin(c->b.min_lon, lon);
		c->b.max_lon = fmax(c->b.max_lon, lon);
		c->b.min_lat = fmin(c->b.min_lat, lat);
		c->b.max_lat = fmax(c->b.max_lat, lat);
	}
}

bool geo_json_bbox(const json_t *geometry, struct geo_bbox *b)
{
	struct bbox_ctx c = { { 0, 0, 0, 0 }, false, false };

	if (!each_ring(geometry, bbox_ring, &c) || c.bad || !c.any)
		return false;
	*b = c.b;
	return true;
}

static void area_ring(const json_t *ring, size_t k, void *ctx)
{
	double *total = ctx, sum = 0, lon0, lat0, alon, alat, blon, blat, kx;
	size_t n = json_array_size(ring);

	if (n < 3 || !position(ring, 0, &lon0, &lat0))
		return;
	kx = cos(lat0 * M_PI / 180.0);
	for (size_t i = 0; i + 1 < n; i++) {
		if (!position(ring, i, &alon, &alat) || !position(ring, i + 1, &blon, &blat))
			return;
		sum += (alon - lon0) * kx * (blat - lat0) - (blon - lon0) * kx * (alat - lat0);
	}
	sum = fabs(sum) / 2.0 * (M_PI / 180.0 * EARTH_KM) * (M_PI / 180.0 * EARTH_KM);
	*total += k == 0 ? sum : -sum; /* rings after the first are holes */
}

double geo_json_area_km2(const json_t *geometry)
{
	double total = 0;

	if (!each_ring(geometry, area_ring, &total))
		return 0;
	return total;
}

/* Twice the signed shoelace area of a ring (counterclockwise > 0); false when malformed. */
static bool ring_signed_area(const json_t *ring, double *area2)
{
	size_t n = json_array_size(ring);
	double lon0, lat0, alon, alat, blon, blat, sum = 0;

	if (n == 0 || !position(ring, 0, &lon0, &lat0))
		return false;
	for (size_t i = 0; i + 1 < n; i++) {
		if (!position(ring, i, &alon, &alat) || !position(ring, i + 1, &blon, &blat))
			return false;
		sum += (alon - lon0) * (blat - lat0) - (blon - lon0) * (alat - lat0);
	}
	*area2 = sum;
	return true;
}

/* Reverses the positions of a ring in place. */
static void ring_reverse(json_t *ring)
{
	size_t n = json_array_size(ring);

	for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
		json_t *a = json_incref(json_array_get(ring, i));

		json_array_set(ring, i, json_array_get(ring, j));
		json_array_set_new(ring, j, a);
	}
}

/* Sets *ctx (a bool) when a ring holds a position that is not [lon, lat] numbers. */
static void ring_malformed(const json_t *ring, size_t k, void *ctx)
{
	bool *bad = ctx;
	double a;

	(void)k;
	if (!ring_signed_area(ring, &a))
		*bad = true;
}

long geo_json_rewind(json_t *geometry)
{
	const char *type = json_string_value(json_object_get(geometry, "type"));
	json_t *coords = json_object_get(geometry, "coordinates");
	bool bad = false, multi = type && strcmp(type, "MultiPolygon") == 0;
	long reversed = 0;

	/* Checked whole first, so that a malformed geometry is left untouched. */
	if (!each_ring(geometry, ring_malformed, &bad) || bad)
		return ERR_INVALID;
	for (size_t i = 0; i < (multi ? json_array_size(coords) : 1); i++) {
		json_t *poly = multi ? json_array_get(coords, i) : coords;

		for (size_t k = 0; k < json_array_size(poly); k++) {
			json_t *ring = json_array_get(poly, k);
			double a = 0;

			ring_signed_area(ring, &a);
			if (a != 0 && (a > 0) != (k == 0)) {
				ring_reverse(ring);
				reversed++;
			}
		}
	}
	return reversed;
}

struct convert_ctx {
	long n;
	bool bad;
};

static void convert_ring(const json_t *ring, size_t k, void *ctx)
{
	struct convert_ctx *c = ctx;
	double lon, lat, wlat, wlon;

	(void)k;
	for (size_t i = 0; i < json_array_size(ring) && !c->bad; i++) {
		json_t *p = json_array_get(ring, i);

		if (!position(ring, i, &lon, &lat)) {
			c->bad = true;
			return;
		}
		geo_gcj02_to_wgs84(lat, lon, &wlat, &wlon);
		json_array_set_new(p, 0, json_real(round(wlon * 1e7) / 1e7));
		json_array_set_new(p, 1, json_real(round(wlat * 1e7) / 1e7));
		c->n++;
	}
}

long geo_json_gcj02_to_wgs84(json_t *geometry)
{
	struct convert_ctx c = { 0, false };

	if (!each_ring(geometry, convert_ring, &c) || c.bad)
		return ERR_INVALID;
	return c.n;
}
