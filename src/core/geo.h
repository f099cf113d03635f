/* SPDX-License-Identifier: MIT */
/*
 * Plane geometry on longitude/latitude degrees, shared by every module that
 * places things on the map: the GCJ-02 offset of Chinese web maps in both
 * directions, point-in-polygon, bounding boxes and areas of GeoJSON
 * Polygon/MultiPolygon geometries (RFC 7946: positions are [lon, lat]).
 *
 * Stored coordinates are CGCS2000, which equals WGS-84 to within centimetres
 * (DESIGN §3), so "WGS-84" below is also "CGCS2000". Pure functions, no I/O.
 * Not for geodesy: the area is a flat approximation good to a fraction of a
 * percent for a county, which is all the map layers need.
 */
#ifndef CORE_GEO_H
#define CORE_GEO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A longitude/latitude box in degrees. */
struct geo_bbox {
	double min_lon, min_lat, max_lon, max_lat;
};

/*
 * WGS-84 -> GCJ-02: the published offset of the national surveying authority's
 * datum (the formula in wandergis/coordtransform and googollee/eviltransform:
 * Krasovsky ellipsoid a = 6378245, e² = 0.00669342162296594323). Outside the
 * offset's rectangle (72.004..137.8347 E, 0.8293..55.8271 N) the point is
 * returned unchanged.
 */
void geo_wgs84_to_gcj02(double lat, double lon, double *out_lat, double *out_lon);

/*
 * GCJ-02 -> WGS-84 (= CGCS2000 at this precision): the inverse of the above,
 * iterated x <- x - (gcj(x) - g) from x = g until the forward transform of the
 * result is within 1e-9 degree of the input (at most 30 rounds).
 */
void geo_gcj02_to_wgs84(double lat, double lon, double *out_lat, double *out_lon);

/*
 * Even-odd rule (ray casting) for one closed ring of n positions given as
 * lon,lat pairs (ring[2i] = lon, ring[2i+1] = lat). True when (lon, lat) lies
 * inside; a point exactly on an edge may fall either way.
 */
bool geo_ring_contains(const double *ring, size_t n, double lon, double lat);

/*
 * True when (lat, lon) lies inside a GeoJSON Polygon or MultiPolygon: inside an
 * odd number of its rings, so that holes (RFC 7946 §3.1.6: rings after the
 * first) are outside. false for any other object or a malformed one.
 */
bool geo_json_contains(const json_t *geometry, double lat, double lon);

/*
 * The bounding box of every position of a GeoJSON Polygon or MultiPolygon.
 * Returns true and fills b, or false when it holds no position.
 */
bool geo_json_bbox(const json_t *geometry, struct geo_bbox *b);

/*
 * Area of a GeoJSON Polygon or MultiPolygon in km²: shoelace formula on an
 * equirectangular projection centred on each ring (6371.0088 km mean radius),
 * holes subtracted. 0 for anything else.
 */
double geo_json_area_km2(const json_t *geometry);

/*
 * Turns the rings of a GeoJSON Polygon or MultiPolygon in place so that they follow the
 * right-hand rule of RFC 7946 §3.1.6 (a MUST for producers): the exterior ring of each
 * polygon counterclockwise, its holes clockwise (orientation by the sign of the shoelace
 * area in lon/lat degrees). A ring without area (all positions on one line) is left as it
 * is. Returns the number of rings reversed, or ERR_INVALID when geometry is not such an
 * object or a position is not [lon, lat] numbers (nothing is changed then).
 */
long geo_json_rewind(json_t *geometry);

/*
 * Converts every position of a GeoJSON Polygon or MultiPolygon from GCJ-02 to
 * WGS-84 in place (geo_gcj02_to_wgs84), rounded to 1e-7 degree (~1 cm).
 * Returns the number of positions converted, or ERR_INVALID when geometry is
 * not such an object or a position is not [lon, lat] numbers (then some
 * positions may already be converted: convert a copy you can throw away).
 */
long geo_json_gcj02_to_wgs84(json_t *geometry);

#endif
