/* SPDX-License-Identifier: MIT */
/*
 * Routes of the monitoring configuration and the operator's API (issue 6 §2, §4, §6;
 * docs/monitoring.md "Points and set points", "Operator API"): devices, points, set point
 * changes and defaults, trends, the alarm console and operator actions (point_api.c); the
 * SOE list and export and alarm -> hazard (soe_api.c). The helpers the two files share are
 * below.
 */
#ifndef MONITOR_POINT_API_H
#define MONITOR_POINT_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/req.h"

struct point_filter;

extern const struct route point_routes[];
extern const struct route soe_routes[];

/* Now for date rules and shelve bounds: fake.now_ms when set (tests), else the clock. UTC ms. */
int64_t point_api_now(const struct req *rq);
/*
 * Fills f's scope members from the caller's scope; pre and end (16 bytes each, the
 * caller's) hold the region prefix and its end.
 */
void point_api_scope(const struct req *rq, struct point_filter *f, char pre[16], char end[16]);
/*
 * Parses the positive integer query argument name into *out (0 when absent); a bad one
 * adds an error to fe.
 */
void point_api_query_id(struct req *rq, const char *name, int64_t *out, struct field_errors *fe);

#endif
