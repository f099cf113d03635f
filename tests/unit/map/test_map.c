/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/map/map.c: the initial view of a box (Web Mercator with
 * 256-pixel tiles, the world 256 * 2^z pixels wide, as Leaflet draws it, fitted
 * into 800 x 600 pixels) and GeoJSON assembly (RFC 7946 Feature and
 * FeatureCollection). No server, no database.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "map/map.h"
#include "core/banned.h"

static void test_view_of_china_when_nothing_is_known(void **state)
{
	struct map_view v;

	(void)state;
	map_view_china(&v);
	assert_true(v.lat == 35.0 && v.lon == 105.0);
	assert_int_equal(v.zoom, 4);
}

/*
 * One degree of longitude at zoom z spans 256 * 2^z / 360 pixels: 800 pixels hold it up
 * to 2^z = 800 * 360 / 256 = 1125, z = 10.1, so zoom 10. The box is centred.
 */
static void test_view_fits_a_wide_box(void **state)
{
	struct geo_bbox b = { 120.0, 0.0, 121.0, 0.001 };
	struct map_view v;

	(void)state;
	map_view_of_bbox(&b, &v);
	assert_int_equal(v.zoom, 10);
	assert_true(fabs(v.lon - 120.5) < 1e-12 && fabs(v.lat - 0.0005) < 1e-12);
	b.max_lon = 122.0; /* twice as wide: one level less */
	map_view_of_bbox(&b, &v);
	assert_int_equal(v.zoom, 9);
}

/*
 * A tall box 0..10 N: Mercator y(10 N) = ln tan(50 deg) = 0.17543, the world is 2 pi high,
 * so 600 pixels hold it up to 2^z = 600 * 2 pi / (256 * 0.17543) = 83.9, z = 6.4: zoom 6.
 */
static void test_view_fits_a_tall_box(void **state)
{
	struct geo_bbox b = { 120.0, 0.0, 120.001, 10.0 };
	struct map_view v;

	(void)state;
	map_view_of_bbox(&b, &v);
	assert_int_equal(v.zoom, 6);
}

static void test_view_of_a_point_and_of_the_world(void **state)
{
	struct geo_bbox point = { 120.16, 33.38, 120.16, 33.38 };
	struct geo_bbox world = { -180, -80, 180, 80 };
	struct map_view v;

	(void)state;
	map_view_of_bbox(&point, &v);
	assert_int_equal(v.zoom, 15);
	assert_true(v.lat == 33.38 && v.lon == 120.16);
	map_view_of_bbox(&world, &v);
	assert_int_equal(v.zoom, 3); /* clamped */
}

static void test_bbox_add_grows_the_box(void **state)
{
	struct geo_bbox acc = { 0, 0, 0, 0 }, a = { 120, 33, 121, 34 },
			b = { 119.5, 33.5, 120.5, 35 };
	bool have = false;

	(void)state;
	map_bbox_add(&acc, &have, &a);
	assert_true(have);
	assert_true(acc.min_lon == 120 && acc.max_lat == 34);
	map_bbox_add(&acc, &have, &b);
	assert_true(acc.min_lon == 119.5 && acc.min_lat == 33 && acc.max_lon == 121 &&
		    acc.max_lat == 35);
}

static void test_feature_and_collection_shapes(void **state)
{
	json_t *f = map_feature(json_pack("{s:s}", "code", "320902"), NULL);
	json_t *c, *features = json_array();

	(void)state;
	assert_string_equal(json_string_value(json_object_get(f, "type")), "Feature");
	assert_true(json_is_null(json_object_get(f, "geometry")));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(f, "properties"), "code")),
		"320902");
	json_array_append_new(features, f);
	c = map_collection(features);
	assert_string_equal(json_string_value(json_object_get(c, "type")), "FeatureCollection");
	assert_int_equal(json_array_size(json_object_get(c, "features")), 1);
	json_decref(c);
	c = map_collection(NULL);
	assert_int_equal(json_array_size(json_object_get(c, "features")), 0);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_of_china_when_nothing_is_known),
		cmocka_unit_test(test_view_fits_a_wide_box),
		cmocka_unit_test(test_view_fits_a_tall_box),
		cmocka_unit_test(test_view_of_a_point_and_of_the_world),
		cmocka_unit_test(test_bbox_add_grows_the_box),
		cmocka_unit_test(test_feature_and_collection_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
