/* SPDX-License-Identifier: MIT */
/*
 * Routes of risk graded control's core (issue 5, docs/risk.md): units, points and the
 * reference tables (risk_api.c); danger sources, assessments and control measures
 * (risk_source_api.c); zones,
 * the site plan and the enterprise's risk summary (risk_plan_api.c). What both files
 * share is declared here; the check branch (risk_check_api.c) may use it too.
 */
#ifndef RISK_RISK_API_H
#define RISK_RISK_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/req.h"

struct risk_filter;

extern const struct route risk_routes[];
extern const struct route risk_source_routes[];
extern const struct route risk_plan_routes[];

/*
 * The enterprise a write names: body's enterprise_id when present (which the caller must
 * see, else fe gets enterprise_id "is outside your data scope" with forbidden set, or
 * "does not exist"), else the officer's own enterprise; others must name one (fe:
 * enterprise_id required). Returns the id, or 0 with an error in fe.
 */
int64_t risk_api_enterprise_of(struct req *rq, const json_t *body, struct field_errors *fe);

/*
 * Checks a polygon value v of field "polygon" (null is accepted): an array of 3..500
 * [x, y] pairs of numbers, within the enterprise's site plan when it has one
 * (risk_polygon_check). Adds the error to fe. Returns 0 or ERR_INVALID / ERR_DB.
 */
int risk_api_polygon(struct req *rq, int64_t enterprise_id, const json_t *v,
		     struct field_errors *fe);

/* The scope of the caller into f (bufs: two buffers of 16 bytes for the prefix and its end). */
void risk_api_scope(const struct req *rq, struct risk_filter *f, char prefix[16],
		    char prefix_end[16]);

/* The caller's "today" (local UTC+8, fake.now_ms when set) as YYYY-MM-DD into out (16). */
void risk_api_today(const struct req *rq, char out[16]);

/* Answers o (private members removed) with status. Returns 0. */
int risk_api_reply(struct resp *rs, int status, json_t *o);
/* A copy of row with body's members over it (a PATCH merged onto the stored object).
 * Returns: owned. */
json_t *risk_api_merged(const json_t *row, const json_t *body);
/* Adds to fe unless o's string key is one of allowed (NULL-terminated). */
void risk_api_check_enum(const json_t *o, const char *key, const char *const *allowed,
			 struct field_errors *fe);
/* Whether s is NULL, empty or only white space (ASCII space, \t..\r, U+3000 ideographic
 * space): a name or text that says nothing. */
bool risk_api_blank(const char *s);
/* Adds to fe when o's "name" is missing, empty or blank (risk_api_blank). */
void risk_api_check_name(const json_t *o, struct field_errors *fe);
/* The audit summary {changes: [...]} between two states of an object. Returns: owned. */
json_t *risk_api_changes(const json_t *before, const json_t *after);
/*
 * The write of a PATCH of object id (before: its stored row, m: the merged object), in one
 * transaction: update(db, id, m, now), the row read back with get into *after, and the
 * audit record action on table/id with risk_api_changes(before, *after). Returns 0 with
 * *after owned, or the err of the transaction (ERR_CONFLICT from update, ERR_DB ..) with
 * *after NULL.
 */
int risk_api_update(struct req *rq, const char *action, const char *table, int64_t id,
		    int (*update)(struct db *, int64_t, const json_t *, int64_t),
		    int (*get)(struct db *, int64_t, json_t **), const json_t *before,
		    const json_t *m, json_t **after);
/*
 * A DELETE route: loads the object of path parameter "id" with get (enterprise_api_load_row), then
 * in one transaction del(db, id) and the audit record action on table/id with
 * {id_key: row's id_key, text_key: row's text_key}. Answers 204, or 409 with detail
 * conflict when del answers ERR_CONFLICT (conflict NULL: the err is returned). Returns 0
 * or the err.
 */
int risk_api_delete(struct req *rq, struct resp *rs, int (*get)(struct db *, int64_t, json_t **),
		    int (*del)(struct db *, int64_t), const char *action, const char *table,
		    const char *id_key, const char *text_key, const char *conflict);
/*
 * enterprise_api_load_row() for the point of path parameter "id" (its row needs today). Returns 0 with
 * *row owned, ERR_INVALID, ERR_NOT_FOUND or ERR_DB.
 */
int risk_api_point_load(struct req *rq, json_t **row);

/* "Now" for records: fake.now_ms when set, else the clock. UTC ms. */
int64_t risk_api_now(const struct req *rq);

#endif
