/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of risk check items and tasks (risk_check_db.c): the items of a
 * control measure, the tasks generated from them, their pass / fail / missed states and
 * the completion counts. Rows carry enterprise_id; lists are scoped by the caller's
 * scope filter (struct risk_check_scope). Internal to src/risk/.
 */
#ifndef RISK_RISK_CHECK_DB_H
#define RISK_RISK_CHECK_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "risk/risk_check.h"

struct db;
struct list_params;

/* The caller's data scope as a list filter (enterprise_api_scope_filter); NULL/0 = none. */
struct risk_check_scope {
	const char *prefix; /* region code prefix */
	int64_t grid_user;  /* the user whose grids are the scope */
	const char *uscc;   /* own enterprise */
};

/* A control measure as check items see it. */
struct risk_check_measure {
	int64_t id, enterprise_id, point_id;
	char control_level[16];
	char uscc[24], region_code[16];
	int64_t grid_id;
};

/*
 * Loads measure id. Returns 0, ERR_NOT_FOUND or ERR_DB.
 */
int risk_check_db_measure(struct db *db, int64_t id, struct risk_check_measure *m);

/*
 * True in *ok when user_id is an unlocked enterprise_officer account whose scope is the
 * enterprise enterprise_id. Returns 0 or ERR_DB.
 */
int risk_check_db_officer_of(struct db *db, int64_t user_id, int64_t enterprise_id, bool *ok);

/* A new or changed check item. */
struct risk_check_item_in {
	int64_t enterprise_id, point_id, measure_id, assignee_id;
	const char *content;
	const char *schedule;
	bool active;
	int64_t start_ms, now_ms;
};

/* Inserts an item. Returns 0 with *id set, ERR_INVALID (a constraint) or ERR_DB. */
int risk_check_db_item_insert(struct db *db, const struct risk_check_item_in *in, int64_t *id);
/* Rewrites content, schedule, assignee_id, active of item id. An item made active again, or
 * given another schedule, starts again at in->now_ms (start_ms; a later start is kept): no
 * tasks are owed for its inactive days, and a new schedule's tasks start with the current
 * period. A new schedule for an item that has tasks is refused (ERR_CONFLICT): tasks are keyed
 * by (item, period start), so another schedule's period starting at the same instant would
 * collide with a task of the old one (daily -> weekly on a Monday); such an item is deactivated
 * and a new one added. Returns 0, ERR_CONFLICT or ERR_DB. */
int risk_check_db_item_update(struct db *db, int64_t id, const struct risk_check_item_in *in);
/* Deletes item id; ERR_CONFLICT while it has tasks. Returns 0, ERR_CONFLICT or ERR_DB. */
int risk_check_db_item_delete(struct db *db, int64_t id);

/*
 * One item as the API's JSON object plus "_uscc", "_region_code", "_grid_id" (the
 * enterprise's, for the scope check; the API removes them). Returns 0 with *out owned,
 * ERR_NOT_FOUND or ERR_DB.
 */
int risk_check_db_item_get(struct db *db, int64_t id, json_t **out);

/* Filters of the item list; 0 = none. */
struct risk_check_item_filter {
	int64_t enterprise_id, point_id, measure_id;
	struct risk_check_scope scope;
};
/* Items by id ascending, limit + 1 rows (list_page). Returns 0 with *items owned or ERR_DB. */
int risk_check_db_items(struct db *db, const struct risk_check_item_filter *f,
			const struct list_params *lp, json_t **items);

/* ------------------------------------------------------------ tasks */

/* Filters of the task list; NULL / 0 / -1 = none. */
struct risk_check_task_filter {
	const char *state;
	const char *schedule;
	int64_t enterprise_id, point_id, assignee_id;
	int64_t from_ms, to_ms; /* period_start_ms in [from_ms, to_ms); -1 = open end */
	struct risk_check_scope scope;
};

/* One task as the API's JSON object plus the scope members of risk_check_db_item_get(). */
int risk_check_db_task_get(struct db *db, int64_t id, json_t **out);
/* Tasks by period_start_ms then id (lp: sort 0 period_start_ms, 1 id), limit + 1 rows. */
int risk_check_db_tasks(struct db *db, const struct risk_check_task_filter *f,
			const struct list_params *lp, json_t **items);

/* An active item that generates tasks, and where its tasks stand. */
struct risk_check_due {
	int64_t item_id, enterprise_id, point_id, assignee_id, start_ms;
	enum risk_schedule schedule;
	char control_level[16];
	int64_t last_end_ms; /* the end of its newest task's period of its current schedule, 0 = none yet */
};

/*
 * The active items of active measures (of enterprise enterprise_id; 0 = all). Returns 0
 * with *rows (malloc'd, caller frees) and *n set, or ERR_DB.
 */
int risk_check_db_due(struct db *db, int64_t enterprise_id, struct risk_check_due **rows,
		      size_t *n);
/*
 * Inserts the task of item d for period p unless it exists (UNIQUE(item_id,
 * period_start_ms), ON CONFLICT DO NOTHING). *created is true when a row was written.
 * Inside the caller's write transaction. Returns 0 or ERR_DB.
 */
int risk_check_db_task_insert(struct db *db, const struct risk_check_due *d,
			      const struct risk_period *p, int64_t now_ms, bool *created);
/*
 * Marks missed every open task (of enterprise enterprise_id; 0 = all) whose period ended
 * at or before at_ms (risk_task_missed(): state changes once, from open only). *n = rows
 * changed. Inside the caller's write transaction. Returns 0 or ERR_DB.
 */
int risk_check_db_mark_missed(struct db *db, int64_t at_ms, int64_t enterprise_id, int64_t *n);
/*
 * Sets open task id to state ("passed" | "failed") done at done_ms by user done_by, with
 * note and hazard_id (0 = none). Returns 0, ERR_CONFLICT (the task is no longer open)
 * or ERR_DB.
 */
int risk_check_db_task_done(struct db *db, int64_t id, const char *state, int64_t done_ms,
			    int64_t done_by, const char *note, int64_t hazard_id);

/* The id of the enterprise of code uscc. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int risk_check_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id);

/* Grouping of the completion counts. */
enum risk_check_by { RISK_BY_ENTERPRISE = 0, RISK_BY_LEVEL, RISK_BY_REGION };

/*
 * Completion counts of the tasks in scope whose period starts in [from_ms, to_ms) (-1 =
 * open end), grouped by: each item {key, name, total, passed, failed, missed, open,
 * ended_done, ended_missed}: missed counts open tasks whose period ended at now_ms as
 * missed too (the scan may not have run yet); ended_* count tasks whose period ended.
 * Returns 0 with *items owned or ERR_DB.
 */
int risk_check_db_completion(struct db *db, enum risk_check_by by, int64_t from_ms, int64_t to_ms,
			     int64_t now_ms, const struct risk_check_scope *s, json_t **items);

#endif
