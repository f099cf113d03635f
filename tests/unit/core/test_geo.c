/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/core/geo.c. GCJ-02 conversion against published pairs:
 * wandergis/coordtransform's README (WGS-84 116.404 E 39.915 N -> GCJ-02
 * 116.41024449916938 E 39.91640428150164 N) and the test table of
 * googollee/eviltransform (Shanghai, Shenzhen, Beijing), both ways, round trips
 * across China, no offset outside it. Point-in-polygon on squares, a concave
 * ring, a hole and a MultiPolygon; bounding box and area of a known square;
 * rings turned to the right-hand rule of RFC 7946.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/geo.h"
#include "core/banned.h"

/* WGS-84 lat, lon -> GCJ-02 lat, lon as published. */
static const double pairs[][4] = {
	{ 39.915, 116.404, 39.91640428150164, 116.41024449916938 }, /* coordtransform */
	{ 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215 },
	{ 22.543847, 113.912316, 22.540796131694766, 113.9171764808363 },
	{ 39.911954, 116.377817, 39.91334545536069, 116.38404722455657 },
};

static void test_wgs84_to_gcj02_published_pairs(void **state)
{
	double lat, lon;

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		geo_wgs84_to_gcj02(pairs[i][0], pairs[i][1], &lat, &lon);
		if (fabs(lat - pairs[i][2]) > 1e-9 || fabs(lon - pairs[i][3]) > 1e-9)
			fail_msg("pair %zu: %.12f,%.12f", i, lat, lon);
	}
}

static void test_gcj02_to_wgs84_inverts_published_pairs(void **state)
{
	double lat, lon;

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		geo_gcj02_to_wgs84(pairs[i][2], pairs[i][3], &lat, &lon);
		if (fabs(lat - pairs[i][0]) > 1e-7 || fabs(lon - pairs[i][1]) > 1e-7)
			fail_msg("pair %zu: %.12f,%.12f", i, lat, lon);
	}
}

static void test_round_trip_across_china(void **state)
{
	(void)state;
	for (double lat = 18.0; lat <= 53.0; lat += 1.7) {
		for (double lon = 74.0; lon <= 135.0; lon += 2.3) {
			double glat, glon, wlat, wlon;

			geo_wgs84_to_gcj02(lat, lon, &glat, &glon);
			/* The offset is real: tens to hundreds of metres. */
			assert_true(fabs(glat - lat) + fabs(glon - lon) > 1e-4);
			geo_gcj02_to_wgs84(glat, glon, &wlat, &wlon);
			if (fabs(wlat - lat) >= 1e-6 || fabs(wlon - lon) >= 1e-6)
				fail_msg("round trip at %f,%f: %.10f,%.10f", lat, lon, wlat, wlon);
		}
	}
}

static void test_no_offset_outside_china(void **state)
{
	static const double pts[][2] = { { 48.8566, 2.3522 },	/* Paris */
					 { 35.6895, 139.6917 }, /* Tokyo */
					 { -33.87, 151.21 },	/* Sydney */
					 { 60.0, 100.0 } };
	double lat, lon;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		geo_wgs84_to_gcj02(pts[i][0], pts[i][1], &lat, &lon);
		assert_true(lat == pts[i][0] && lon == pts[i][1]);
		geo_gcj02_to_wgs84(pts[i][0], pts[i][1], &lat, &lon);
		assert_true(lat == pts[i][0] && lon == pts[i][1]);
	}
}

/* An L-shaped (concave) ring as lon,lat pairs: the notch (1..2, 1..2) is outside. */
static const double ell[] = { 0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2, 0, 0 };

static void test_ring_contains_concave(void **state)
{
	(void)state;
	assert_true(geo_ring_contains(ell, 7, 0.5, 0.5));
	assert_true(geo_ring_contains(ell, 7, 1.5, 0.5));
	assert_true(geo_ring_contains(ell, 7, 0.5, 1.5));
	assert_false(geo_ring_contains(ell, 7, 1.5, 1.5)); /* the notch */
	assert_false(geo_ring_contains(ell, 7, -0.1, 0.5));
	assert_false(geo_ring_contains(ell, 7, 2.5, 0.5));
	assert_false(geo_ring_contains(ell, 7, 0.5, 2.1));
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

/* A 10x10 square at 120..121 E, 33..34 N with a hole 120.4..120.6 E, 33.4..33.6 N. */
static const char square_with_hole[] =
	"{\"type\":\"Polygon\",\"coordinates\":["
	"[[120,33],[121,33],[121,34],[120,34],[120,33]],"
	"[[120.4,33.4],[120.6,33.4],[120.6,33.6],[120.4,33.6],[120.4,33.4]]]}";

static void test_polygon_with_hole(void **state)
{
	json_t *g = parse(square_with_hole);

	(void)state;
	assert_true(geo_json_contains(g, 33.2, 120.2));	  /* lat, lon */
	assert_false(geo_json_contains(g, 33.5, 120.5));  /* in the hole */
	assert_false(geo_json_contains(g, 34.5, 120.5));  /* north of it */
	assert_false(geo_json_contains(g, 33.5, 119.99)); /* west of it */
	json_decref(g);
}

static void test_multipolygon_and_bad_objects(void **state)
{
	json_t *g = parse("{\"type\":\"MultiPolygon\",\"coordinates\":["
			  "[[[120,33],[120.1,33],[120.1,33.1],[120,33.1],[120,33]]],"
			  "[[[121,34],[121.1,34],[121.1,34.1],[121,34.1],[121,34]]]]}");
	json_t *pt = parse("{\"type\":\"Point\",\"coordinates\":[120.05,33.05]}");
	json_t *bad = parse("{\"type\":\"Polygon\",\"coordinates\":[[[120,\"x\"],[121,33],"
			    "[121,34],[120,33]]]}");
	struct geo_bbox b;

	(void)state;
	assert_true(geo_json_contains(g, 33.05, 120.05));
	assert_true(geo_json_contains(g, 34.05, 121.05));
	assert_false(geo_json_contains(g, 33.5, 120.5)); /* between the two */
	assert_false(geo_json_contains(pt, 33.05, 120.05));
	assert_false(geo_json_contains(bad, 33.5, 120.5));
	assert_false(geo_json_contains(NULL, 33.5, 120.5));
	assert_true(geo_json_bbox(g, &b));
	assert_true(b.min_lon == 120 && b.min_lat == 33 && b.max_lon == 121.1 && b.max_lat == 34.1);
	assert_false(geo_json_bbox(pt, &b));
	assert_false(geo_json_bbox(bad, &b));
	assert_int_equal(geo_json_gcj02_to_wgs84(pt), ERR_INVALID);
	json_decref(g);
	json_decref(pt);
	json_decref(bad);
}

/*
 * One degree of latitude is pi/180 * 6371.0088 = 111.195 km; a 1 x 1 degree cell at
 * 33.5 N is about 111.195 * 111.195 * cos(33.5) = 10 310 km² (flat approximation,
 * cos taken at the ring's first latitude 33 N: 10 369 km²). The hole takes 4 %.
 */
static void test_area_of_square_minus_hole(void **state)
{
	json_t *g = parse(square_with_hole);
	double km = 111.19508372, whole = km * km * cos(33.0 * M_PI / 180.0);
	double hole = 0.04 * km * km * cos(33.4 * M_PI / 180.0);

	(void)state;
	if (fabs(geo_json_area_km2(g) - (whole - hole)) > 1.0)
		fail_msg("area %.1f, want %.1f", geo_json_area_km2(g), whole - hole);
	json_decref(g);
}

/* Conversion moves every position by the inverse offset; rings stay closed. */
static void test_geometry_conversion(void **state)
{
	json_t *g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[116.41024449916938,"
			  "39.91640428150164],[116.5,39.9],[116.5,40.0],[116.41024449916938,"
			  "39.91640428150164]]]}");
	const json_t *ring = json_array_get(json_object_get(g, "coordinates"), 0);
	const json_t *first, *last;

	(void)state;
	assert_int_equal(geo_json_gcj02_to_wgs84(g), 4);
	first = json_array_get(ring, 0);
	last = json_array_get(ring, 3);
	assert_true(fabs(json_real_value(json_array_get(first, 0)) - 116.404) < 2e-7);
	assert_true(fabs(json_real_value(json_array_get(first, 1)) - 39.915) < 2e-7);
	assert_true(json_equal(first, last));
	json_decref(g);
}

/*
 * RFC 7946 §3.1.6: exterior rings counterclockwise, holes clockwise. A clockwise square with
 * a counterclockwise hole (as DataV publishes outlines, and as users may draw) comes back
 * with both rings reversed; a second pass changes nothing; a MultiPolygon is turned polygon
 * by polygon; a ring without area is left alone; a malformed object is refused untouched.
 */
static void test_rewind_to_the_right_hand_rule(void **state)
{
	json_t *g = parse("{\"type\":\"Polygon\",\"coordinates\":["
			  "[[120,33],[120,34],[121,34],[121,33],[120,33]],"
			  "[[120.4,33.4],[120.6,33.4],[120.6,33.6],[120.4,33.6],[120.4,33.4]]]}");
	json_t *want =
		parse("{\"type\":\"Polygon\",\"coordinates\":["
		      "[[120,33],[121,33],[121,34],[120,34],[120,33]],"
		      "[[120.4,33.4],[120.4,33.6],[120.6,33.6],[120.6,33.4],[120.4,33.4]]]}");
	json_t *multi = parse("{\"type\":\"MultiPolygon\",\"coordinates\":["
			      "[[[120,33],[121,33],[121,34],[120,34],[120,33]]],"
			      "[[[122,33],[122,34],[123,34],[123,33],[122,33]]]]}");
	json_t *flat = parse("{\"type\":\"Polygon\",\"coordinates\":["
			     "[[120,33],[121,34],[122,35],[120,33]]]}");
	json_t *bad = parse("{\"type\":\"Polygon\",\"coordinates\":["
			    "[[120,33],[120,34],[121,34],[121,33],[120,33]],[[120.4,\"x\"]]]}");
	json_t *bad_copy = json_deep_copy(bad), *flat_copy = json_deep_copy(flat);
	const json_t *second;

	(void)state;
	assert_int_equal(geo_json_rewind(g), 2);
	assert_true(json_equal(g, want));
	assert_int_equal(geo_json_rewind(g), 0);
	assert_true(json_equal(g, want));
	assert_int_equal(geo_json_rewind(multi), 1); /* the second polygon only */
	second = json_array_get(json_array_get(json_object_get(multi, "coordinates"), 1), 0);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(second, 1), 0)), 123);
	assert_int_equal(geo_json_rewind(flat), 0);
	assert_true(json_equal(flat, flat_copy));
	assert_int_equal(geo_json_rewind(bad), ERR_INVALID);
	assert_true(json_equal(bad, bad_copy));
	assert_int_equal(geo_json_rewind(NULL), ERR_INVALID);
	json_decref(g);
	json_decref(want);
	json_decref(multi);
	json_decref(flat);
	json_decref(flat_copy);
	json_decref(bad);
	json_decref(bad_copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wgs84_to_gcj02_published_pairs),
		cmocka_unit_test(test_gcj02_to_wgs84_inverts_published_pairs),
		cmocka_unit_test(test_round_trip_across_china),
		cmocka_unit_test(test_no_offset_outside_china),
		cmocka_unit_test(test_ring_contains_concave),
		cmocka_unit_test(test_polygon_with_hole),
		cmocka_unit_test(test_multipolygon_and_bad_objects),
		cmocka_unit_test(test_area_of_square_minus_hole),
		cmocka_unit_test(test_geometry_conversion),
		cmocka_unit_test(test_rewind_to_the_right_hand_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
