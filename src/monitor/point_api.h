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
struct monitor_live;
struct db;

extern const struct route point_routes[];
extern const struct route soe_routes[];
extern const struct route device_routes[]; /* device_api.c */
extern const struct route alarm_routes[];  /* alarm_api.c: trend, alarm console, actions */

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

/* True when s is NULL, empty or only white space (ASCII or U+3000). */
bool point_api_blank(const char *s);
/* The point's live view as the API shows it ({value, ts_ms, state, cond, since_ms,
 * shelve_until_ms}), or null without the runtime. Returns: owned. */
json_t *point_api_live_json(struct req *rq, int64_t point_id);
/* True when the point's live state is not normal; *l gets the live view. */
bool point_api_in_alarm(struct req *rq, int64_t id, struct monitor_live *l);

/* The enterprise a create names (enterprise_id, or the officer's own), checked against the
 * scope; 0 with an error in fe when missing or out of scope. */
int64_t point_api_enterprise_of(struct req *rq, const json_t *body, struct field_errors *fe);
/* Adds an error to fe when o's member key is present and not one of allowed (NULL-ended);
 * list names them in the reason. */
void point_api_check_enum(const json_t *o, const char *key, const char *const *allowed,
			  const char *list, struct field_errors *fe);
/* True when o has member key and it is not null. */
bool point_api_present(const json_t *o, const char *key);
/* The audit summary of a change: {field: [before, after]} of the members that differ. Owned. */
json_t *point_api_changes(const json_t *before, const json_t *after);
/* Answers o (stolen) with status, its private members stripped. */
int point_api_reply(struct resp *rs, int status, json_t *o);
/* Restarts the Modbus poller of device dev (0: none) after a commit, when Modbus is on. */
void point_api_modbus_reload(struct req *rq, int64_t dev);

#endif
