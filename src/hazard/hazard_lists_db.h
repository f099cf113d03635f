/* SPDX-License-Identifier: MIT */
/*
 * The SQL of the overdue scan, the four lists, listed supervision and the blacklist
 * (hazard_lists_db.c), for hazard_scan.c and hazard_lists_api.c only. The statements
 * read the hazard rows' copies of region, grid and enterprise (0008) for scope, and join
 * enterprise, grid, region and app_user for names and recipients: over a million hazards
 * these joins in SQL replace a lookup per row through the other modules' headers (the
 * exception is deliberate; the enterprise list joins the same way for the map).
 */
#ifndef HAZARD_HAZARD_LISTS_DB_H
#define HAZARD_HAZARD_LISTS_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/scope.h"
#include "hazard/hazard_lists.h"

struct db;
struct list_params;

/* One hazard the scan looks at, with the facts of hazard_scan_decide. */
struct hazard_scan_row {
	int64_t id;
	char number[40];
	char state[16];
	char deadline[12]; /* "" when none */
	int64_t enterprise_id;
	char enterprise_name[208];
	int64_t grid_id; /* 0 = none */
	char region_code[16];
	int64_t dept_id; /* the enterprise's supervising department, 0 = none */
	char responsible[208];
	int64_t rectifier_id, verifier_id;
	struct hazard_scan_facts f;
};

/*
 * The hazards a pass may have to act on: open (rectifying, submitted) with a deadline
 * before overdue_before ("YYYY-MM-DD") for which some step is still missing, and hazards
 * sent back HAZARD_B2_SEND_BACKS times or more without a B2 proposal. long_before and
 * b1_before are the overdue_30 and B1 cut-off dates. Returns 0 with *rows (owned, free())
 * and *n, or ERR_DB.
 */
int hazard_scan_db_candidates(struct db *db, const char *overdue_before, const char *long_before,
			      const char *b1_before, struct hazard_scan_row **rows, size_t *n);

/*
 * Appends to a hazard's timeline: actor_id 0 is the system (login "system"); state is both
 * from_state and to_state (these events do not move the life cycle).
 */
int hazard_scan_db_event(struct db *db, int64_t hazard_id, int64_t actor_id, const char *login,
			 const char *action, const char *state, const char *reason,
			 const char *detail, int64_t audit_id, int64_t now);

/* Accountability row (hazard, kind) unless one exists. *added tells. */
int hazard_scan_db_accountability(struct db *db, const struct hazard_scan_row *h, const char *kind,
				  const char *note, int64_t now, bool *added);

/* Proposes a supervision for hazard_id unless it has one. *added tells. */
int hazard_scan_db_propose(struct db *db, int64_t hazard_id, const char *reason, int64_t now,
			   bool *added);

/* Proposes the enterprise of h for the blacklist by rule. *id = the new row, 0 if it existed. */
int hazard_scan_db_blacklist(struct db *db, const struct hazard_scan_row *h, const char *rule,
			     const char *reason, int64_t now, int64_t *id);

/*
 * The persons (not machine accounts) to notify about h, for the recipient mask of
 * hazard_notify_recipients. Returns 0 with *ids (owned) and *n, or ERR_DB.
 */
int hazard_scan_db_recipients(struct db *db, const struct hazard_scan_row *h, unsigned mask,
			      int64_t **ids, size_t *n);

/*
 * Lifts the proposed or listed supervisions whose hazard is closed or dismissed: returns
 * their ids and hazard ids (owned) before changing them. Returns 0 or ERR_DB.
 */
int hazard_scan_db_closed_supervisions(struct db *db, int64_t **sup_ids, int64_t **hazard_ids,
				       size_t *n);
int hazard_scan_db_lift(struct db *db, int64_t sup_id, int64_t now);

/* Writes today's overdue count per grid (day "YYYY-MM-DD"). *grids = rows written. */
int hazard_scan_db_grid_snapshot(struct db *db, const char *day, int64_t *grids);

/* --- lists --- */

/* The caller's data scope as SQL bounds (hazard rows' own copies). */
/* Filters of the lists (NULL / 0 = none). */
struct hazard_list_filter {
	struct scope_bounds scope;
	const char *region; /* region prefix */
	char region_end[16];
	int64_t grid_id;
	const char *level;
	const char *state; /* supervision / blacklist state, or accountability kind */
	const char *rule;  /* blacklist rule */
	/* deadline_state as a date range [dl_from, dl_to) over "YYYY-MM-DD"; NULL = open */
	bool dl_filter;
	const char *dl_from, *dl_to;
};

enum hazard_list_kind {
	HAZARD_LIST_RECTIFICATION = 0,
	HAZARD_LIST_SUPERVISION,
	HAZARD_LIST_ACCOUNTABILITY,
	HAZARD_LIST_BLACKLIST,
};

/*
 * Walks the rows of list kind that pass f, in the order of lp (sort index into the
 * list's whitelist, keyset after lp->after), at most lp->limit + 1 rows; row() gets each
 * as a JSON object (owned by the callee). Returns 0, row()'s negative value, or ERR_DB.
 */
int hazard_lists_db_walk(struct db *db, enum hazard_list_kind kind,
			 const struct hazard_list_filter *f, const struct list_params *lp,
			 int (*row)(json_t *item, void *ctx), void *ctx);

/* The sort keys of each list (whitelists for list_params_parse). */
extern const char *const *const hazard_list_sorts[4];

/* --- supervision and blacklist rows --- */

struct hazard_sup_row {
	int64_t id, hazard_id;
	char state[16];
	char hazard_state[16];
	char region_code[16];
	int64_t grid_id;
	char uscc[24];
};

/* Loads supervision id (with its hazard's scope facts). Returns 0, ERR_NOT_FOUND, ERR_DB. */
int hazard_sup_db_get(struct db *db, int64_t id, struct hazard_sup_row *out);
/* Loads the supervision of hazard_id (ERR_NOT_FOUND when none). */
int hazard_sup_db_by_hazard(struct db *db, int64_t hazard_id, struct hazard_sup_row *out);
/*
 * Writes a supervision's new state and fields: leader_id (0 = keep), deadline and note
 * and progress (NULL = keep), listed_ms / lifted_ms (0 = keep).
 */
int hazard_sup_db_update(struct db *db, int64_t id, const char *state, int64_t leader_id,
			 const char *deadline, const char *note, const char *progress,
			 int64_t listed_ms, int64_t lifted_ms);
/* A listed supervision of reason manual for hazard_id. *id = new row. */
int hazard_sup_db_insert_listed(struct db *db, int64_t hazard_id, int64_t leader_id,
				const char *deadline, const char *note, int64_t now, int64_t *id);
/* One supervision as in the supervision list. Returns 0 with *out owned. */
int hazard_sup_db_json(struct db *db, int64_t id, json_t **out);

/* The hazard's scope facts and state (for the manual supervise route). */
struct hazard_brief {
	int64_t id;
	char state[16];
	char region_code[16];
	int64_t grid_id;
	int64_t enterprise_id;
	char uscc[24];
};
int hazard_brief_db_get(struct db *db, int64_t id, struct hazard_brief *out);

struct hazard_bl_row {
	int64_t id, enterprise_id;
	char state[16];
	char rule[16];
	char region_code[16];
	int64_t grid_id;
	char uscc[24];
	char review_due[12];
};
int hazard_bl_db_get(struct db *db, int64_t id, struct hazard_bl_row *out);
/* Writes the blacklist action's effect (fields as in hazard_bl_db.c). */
int hazard_bl_db_apply(struct db *db, int64_t id, const char *state, enum hazard_bl_action a,
		       int64_t user_id, const char *text, const char *review_due, int64_t now);
/* A manual entry, listed at once by user_id. *id = new row; ERR_CONFLICT when one is active. */
int hazard_bl_db_insert_manual(struct db *db, int64_t enterprise_id, const char *reason,
			       int64_t user_id, const char *review_due, int64_t now, int64_t *id);
/* One blacklist row as in the list. */
int hazard_bl_db_json(struct db *db, int64_t id, json_t **out);
/* The enterprise's scope facts (for the manual entry). ERR_NOT_FOUND when none. */
int hazard_enterprise_db_scope(struct db *db, int64_t enterprise_id, char region[16],
			       int64_t *grid_id, char uscc[24]);

/* --- statistics (hazard_stats.c) --- */

/* What the statistics count over: scope, region filter, found between [from_ms, to_ms). */
struct hazard_stats_q {
	struct scope_bounds scope;
	const char *region; /* prefix, NULL = none */
	char region_end[16];
	int64_t from_ms, to_ms; /* 0 = unbounded */
	char today[12];		/* "YYYY-MM-DD": overdue when the deadline is before */
	char long_before[12];	/* overdue_30 when the deadline is before */
};

enum hazard_stats_by {
	HAZARD_BY_REGION = 0,
	HAZARD_BY_GRID,
	HAZARD_BY_INDUSTRY,
	HAZARD_BY_LEVEL,
	HAZARD_BY_STATE,
	HAZARD_BY_SOURCE,
	HAZARD_BY_ENTERPRISE,
	HAZARD_BY_COUNT_
};

/* Parses by= ("region", ...). Returns 0 or ERR_INVALID. */
int hazard_stats_by_parse(const char *s, enum hazard_stats_by *out);

/*
 * Counts per key of by: [{key, name, total, open, closed, overdue}] ordered by key
 * (by enterprise: by total, at most 500). Region keys: hazard_stats_region_key(key_len,
 * pad). Returns 0 with *items owned, or ERR_DB.
 */
int hazard_stats_db_by(struct db *db, enum hazard_stats_by by, const struct hazard_stats_q *q,
		       size_t key_len, const char *pad, json_t **items);

/* The summary's counts (one scan). */
struct hazard_summary {
	int64_t total, open, closed, dismissed, overdue, overdue_30, major_open;
	int64_t closed_with_deadline, closed_on_time;
	int64_t close_ms_sum; /* sum of closed_ms - found_ms over closed hazards */
	int64_t reported[12], closed_in[12];
};

/* Fills s over q, months from hazard_stats_months(). Returns 0 or ERR_DB. */
int hazard_stats_db_summary(struct db *db, const struct hazard_stats_q *q, const int64_t months[13],
			    struct hazard_summary *s);

/* The 10 enterprises with most open hazards: [{enterprise_id, name, open}]. */
int hazard_stats_db_top(struct db *db, const struct hazard_stats_q *q, json_t **items);

/*
 * Grids with overdue hazards now and the count at the last snapshot before q->today:
 * calls row(grid_id, name, now, has_baseline, before, ctx) for each. Returns 0 or ERR_DB.
 */
int hazard_stats_db_grids(struct db *db, const struct hazard_stats_q *q,
			  void (*row)(int64_t grid_id, const char *name, int64_t now,
				      bool has_baseline, int64_t before, void *ctx),
			  void *ctx);

#endif
