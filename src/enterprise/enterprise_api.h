/* SPDX-License-Identifier: MIT */
/*
 * The enterprise module's route tables (listed in http/routes.c), and the
 * request-side helpers its two API files share (enterprise_api.c,
 * licence_api.c): data scope, phone masking, today's licence rules, and the
 * audit record that is also filed in an enterprise's history.
 */
#ifndef ENTERPRISE_ENTERPRISE_API_H
#define ENTERPRISE_ENTERPRISE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/req.h"

struct enterprise;

struct licence_rules;

extern const struct route enterprise_routes[];
extern const struct route licence_routes[];

/*
 * enterprise_api_in_scope for a row that carries its enterprise's scope columns "_uscc",
 * "_region_code" and "_grid_id" (selected by the module's query, stripped before the reply
 * by json_strip_private).
 */
bool enterprise_api_row_in_scope(const struct req *rq, const json_t *row);

/*
 * Loads the row of the path's {id} with getter (a module's *_db getter selecting the scope
 * columns above) and checks it with enterprise_api_row_in_scope. Returns 0 with *row owned,
 * ERR_INVALID (bad id), ERR_NOT_FOUND (none, or outside the scope: never told apart) or getter's
 * error; *row is NULL on error.
 */
int enterprise_api_load_row(struct req *rq, int (*getter)(struct db *, int64_t, json_t **),
			    json_t **row);

/*
 * True when the enterprise (uscc, region_code, grid_id 0 = none) lies inside the
 * caller's data scope; grid scopes go by the enterprise's grid.
 */
bool enterprise_api_in_scope(const struct req *rq, const char *uscc, const char *region_code,
			     int64_t grid_id);

/*
 * Loads enterprise {id} (the route's path parameter) into e when it lies inside the
 * caller's scope; otherwise answers 400 (bad id), 404 or 403 into rs. *ok tells whether e
 * was loaded (then the caller releases it). Returns 0 or a negative err (ERR_NOT_FOUND ...).
 */
int enterprise_api_load(struct req *rq, struct resp *rs, struct enterprise *e, bool *ok);

/*
 * The scope part of a list filter for the caller: *prefix (a region prefix written
 * into buf of n bytes), *grid_user or *uscc; the others are left NULL / 0.
 */
void enterprise_api_scope_filter(const struct req *rq, char *buf, size_t n, const char **prefix,
				 int64_t *grid_user, const char **uscc);

/*
 * The licence rules of this request: today's local (UTC+8) date from the clock, or from
 * setting fake.now_ms when set, and the warning bands from licence.expiring_*_days.
 */
void enterprise_api_licence_rules(const struct req *rq, struct licence_rules *out);

/*
 * Appends the audit record (action, entity, id, summary: stolen) for rq and files it
 * in the history of enterprise enterprise_id. Inside the caller's write transaction.
 * Returns 0 or as audit_record() / ERR_DB.
 */
int enterprise_api_record(struct req *rq, const char *action, const char *entity, int64_t id,
			  int64_t enterprise_id, json_t *summary);

#endif
