/* SPDX-License-Identifier: MIT */
/*
 * Internal to the hazard routes (hazard_api.c: report, detail, criteria; hazard_list_api.c:
 * list and export; hazard_actions_api.c: the life-cycle actions): the helpers they share.
 * Not for other modules: they call hazard_api.h.
 */
#ifndef HAZARD_HAZARD_API_INT_H
#define HAZARD_HAZARD_API_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hazard/hazard.h"

struct req;
struct resp;

#define BIT(a) (1u << (a))
/* Decisions that a major hazard's supervising department takes (contract of issue 4). */
#define DEPT_ACTIONS                                                                  \
	(BIT(HAZARD_VERIFY) | BIT(HAZARD_SEND_BACK) | BIT(HAZARD_APPROVE_EXTENSION) | \
	 BIT(HAZARD_REFUSE_EXTENSION))

/* Per request: the caller as actor and its department, looked up once for a list page. */
struct hazard_caller {
	struct hazard_actor who;
	int64_t dept_id;
};

/* Returns s, or "" for NULL. */
const char *hazard_api_nz(const char *s);
/* True when s is NULL, empty or only ASCII white space. */
bool hazard_api_blank(const char *s);
/* Fills in with the facts of hazard h (a hazard_db_get row) for the pure rules (hazard.h). */
void hazard_api_state_in(struct req *rq, const json_t *h, struct hazard_state_in *in);
/* Fills c for the request's user (its department: 0 when none or on a database error). */
void hazard_api_caller_init(struct req *rq, struct hazard_caller *c);
/* True when c may take a DEPT_ACTIONS action on h: a major hazard whose enterprise names a
 * supervising department is decided by an inspector of that department. */
bool hazard_api_dept_ok(const struct hazard_caller *c, const json_t *h);
/* The action names of mask's bits (BIT(enum hazard_action)). Returns a new array. */
json_t *hazard_api_actions_json(unsigned mask);
/* Adds h's computed fields (deadline_state, days_left, max_extensions, allowed_actions for
 * c) and removes the internal ones (_uscc, _supervising_dept_id). */
void hazard_api_decorate(struct req *rq, const struct hazard_caller *c, json_t *h);
/* Loads hazard {id} when the caller may see it into *h (owned). *h NULL with rc 0: the
 * answer (400/404) is written; rc < 0: a database error. */
int hazard_api_load(struct req *rq, struct resp *rs, json_t **h);
/* Answers hazard id's detail (photos, timeline, allowed actions) with status. Returns 0 or
 * an error. */
int hazard_api_answer(struct req *rq, struct resp *rs, int64_t id, int status);

#endif
