/* SPDX-License-Identifier: MIT */
/*
 * Hidden hazards after the life cycle (issue 4 §3-§5): the rules of the overdue scan
 * (escalation, who is notified, listed supervision 挂牌督办 proposals, blacklist rules
 * B1/B2, the per-grid warning), the small state machines of listed supervision and of
 * the blacklist, and the arithmetic of the statistics. Pure functions: no I/O, no
 * clock ("now" is an argument). The scan that applies them is hazard_scan.h; the SQL is
 * hazard_lists_db.c and hazard_stats.c; the routes hazard_lists_api.c. docs/hazard.md
 * ("Overdue scan", "The four lists", "Blacklist rules", "Statistics") says the same in
 * words, with the sources.
 */
#ifndef HAZARD_HAZARD_LISTS_H
#define HAZARD_HAZARD_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hazard/hazard.h"

/* Rule B2: sent back at least this many times counts as refusing rectification. */
#define HAZARD_B2_SEND_BACKS 2

/* What the scan knows of one open hazard with a deadline (state rectifying or submitted). */
struct hazard_scan_facts {
	enum hazard_level level;
	int64_t deadline;	/* local day number (core/clock.h) */
	bool had_overdue;	/* an 'overdue' event for this deadline exists */
	bool had_long;		/* an 'overdue_30' event for this deadline exists */
	bool has_supervision;	/* a hazard_supervision row exists (any state) */
	bool b1_proposed;	/* an enterprise_blacklist row of rule B1 for this hazard exists */
	bool b2_proposed;	/* the same for rule B2 */
	bool extension_refused; /* a refuse_extension event exists */
	int send_backs;		/* times sent back after verification */
};

/* The configured numbers of the scan (docs/configuration.md, hazard.*). */
struct hazard_scan_rules {
	struct hazard_deadline_bands bands;
	int blacklist_overdue_days; /* B1: more than this many days past the deadline */
};

/* What to do for one hazard (a mask). */
enum hazard_scan_step {
	HAZARD_SCAN_OVERDUE = 1u << 0, /* event, accountability 'overdue', notify */
	HAZARD_SCAN_LONG = 1u << 1,    /* event, accountability 'overdue_30', notify */
	HAZARD_SCAN_PROPOSE = 1u << 2, /* hazard_supervision 'proposed', notify leaders */
	HAZARD_SCAN_B1 = 1u << 3,      /* enterprise_blacklist 'proposed', rule B1 */
	HAZARD_SCAN_B2 = 1u << 4,      /* enterprise_blacklist 'proposed', rule B2 */
};

/* Why a supervision is proposed (hazard_supervision.reason). */
enum hazard_supervision_reason {
	HAZARD_SUP_NONE = 0,
	HAZARD_SUP_OVERDUE_MAJOR, /* "overdue_major" */
	HAZARD_SUP_OVERDUE_30,	  /* "overdue_30" */
};

/*
 * The steps of one scan pass for hazard f at instant now_ms (UTC ms), from its deadline
 * state (hazard_deadline_state with r->bands; issue 4 §3):
 *   overdue (or overdue_30) and no 'overdue' event for this deadline -> OVERDUE;
 *   overdue_30 and no 'overdue_30' event for this deadline -> LONG;
 *   (major and overdue) or overdue_30, and no supervision row -> PROPOSE, *reason
 *     overdue_major for a major hazard, else overdue_30 (issue 4 §3: 挂牌督办 for every
 *     overdue major hazard and every hazard overdue more than 30 days);
 *   major, more than r->blacklist_overdue_days past the deadline, no B1 row -> B1;
 *   (send_backs >= HAZARD_B2_SEND_BACKS, or overdue_30 with an extension refused), no
 *     B2 row -> B2.
 * Blacklist rules and sources: docs/hazard.md "Blacklist rules" (应急管理部令第11号,
 * marked [U] where not verified). A step already taken is never repeated, so that two
 * passes take the same steps as one. *reason is HAZARD_SUP_NONE without PROPOSE.
 * Returns the mask of enum hazard_scan_step.
 */
unsigned hazard_scan_decide(const struct hazard_scan_facts *f, int64_t now_ms,
			    const struct hazard_scan_rules *r,
			    enum hazard_supervision_reason *reason);

/*
 * The day-number bounds the scan's SQL uses: a deadline d is overdue when
 * d < *overdue_before and overdue_30 when d < *long_before (the same answer as
 * hazard_deadline_state, computed once per pass instead of once per row).
 */
void hazard_scan_cutoffs(int64_t now_ms, const struct hazard_deadline_bands *b,
			 int64_t *overdue_before, int64_t *long_before);

/* Returns: static name of a reason ("overdue_major", "overdue_30", "manual" for NONE). */
const char *hazard_supervision_reason_name(enum hazard_supervision_reason r);

/* Who is notified of a kind of notification (a mask). */
enum hazard_recipient {
	HAZARD_TO_OFFICERS =
		1u << 0,	  /* users with the enterprise scope of the hazard's enterprise */
	HAZARD_TO_GRID = 1u << 1, /* the grid's manager and patroller (grid row, user_grid) */
	HAZARD_TO_DEPT = 1u << 2, /* inspectors of the enterprise's supervising department */
	HAZARD_TO_LEADERS = 1u << 3, /* leaders whose data scope covers the hazard */
};

/*
 * The recipients of kind: "hazard.overdue" and "hazard.overdue_30" -> officers, grid and
 * department (the people who rectify, patrol and verify: issue 4 §3); 
 * "hazard.supervision_proposed" -> leaders. Returns 0 for an unknown kind.
 */
unsigned hazard_notify_recipients(const char *kind);

/*
 * The per-grid warning (issue 4 §5): a grid warns when its overdue count now is higher than
 * at the last snapshot before today (hazard_grid_daily; a grid missing from that day's
 * snapshot had 0). No snapshot before today at all (has_baseline false): no warning.
 */
bool hazard_grid_warning(int64_t overdue_now, bool has_baseline, int64_t overdue_before);

/* --- listed supervision (挂牌督办) --- */

enum hazard_sup_state {
	HAZARD_SUP_PROPOSED = 0,
	HAZARD_SUP_LISTED,
	HAZARD_SUP_DECLINED,
	HAZARD_SUP_LIFTED,
	HAZARD_SUP_STATE_COUNT_
};

enum hazard_sup_action {
	HAZARD_SUP_LIST = 0, /* proposed -> listed (deadline) */
	HAZARD_SUP_DECLINE,  /* proposed -> declined (reason) */
	HAZARD_SUP_PROGRESS, /* listed -> listed (progress) */
	HAZARD_SUP_LIFT,     /* listed -> lifted (reason) */
	HAZARD_SUP_MANUAL, /* proposed, declined or lifted -> listed (a leader lists it himself) */
	HAZARD_SUP_ACTION_COUNT_
};

/* Parses "proposed".."lifted". Returns 0 or ERR_INVALID. */
int hazard_sup_state_parse(const char *s, enum hazard_sup_state *out);
/* Returns: static name, "?" out of range. */
const char *hazard_sup_state_name(enum hazard_sup_state s);
/* Parses "list", "decline", "progress", "lift". Returns 0 or ERR_INVALID. */
int hazard_sup_action_parse(const char *s, enum hazard_sup_action *out);
/* Returns: static name, "?" out of range. */
const char *hazard_sup_action_name(enum hazard_sup_action a);
/*
 * Applies a to a supervision in state s. Returns 0 with *next, or ERR_CONFLICT with
 * *allowed the mask (1u << action) of actions legal in s (list and decline while
 * proposed, progress and lift while listed, manual but while listed).
 */
int hazard_sup_transition(enum hazard_sup_state s, enum hazard_sup_action a,
			  enum hazard_sup_state *next, unsigned *allowed);

/* --- blacklist (黑名单) --- */

enum hazard_bl_state {
	HAZARD_BL_PROPOSED = 0,
	HAZARD_BL_LISTED,
	HAZARD_BL_REJECTED,
	HAZARD_BL_REMOVED,
	HAZARD_BL_STATE_COUNT_
};

enum hazard_bl_action {
	HAZARD_BL_CONFIRM = 0, /* proposed -> listed: entered, review due */
	HAZARD_BL_REJECT,      /* proposed -> rejected (reason) */
	HAZARD_BL_REVIEW,      /* listed -> listed: reviewed, next review due (note) */
	HAZARD_BL_REMOVE,      /* listed -> removed (reason) */
	HAZARD_BL_ACTION_COUNT_
};

int hazard_bl_state_parse(const char *s, enum hazard_bl_state *out);
const char *hazard_bl_state_name(enum hazard_bl_state s);
int hazard_bl_action_parse(const char *s, enum hazard_bl_action *out);
const char *hazard_bl_action_name(enum hazard_bl_action a);
/* As hazard_sup_transition for the blacklist's actions. */
int hazard_bl_transition(enum hazard_bl_state s, enum hazard_bl_action a,
			 enum hazard_bl_state *next, unsigned *allowed);

/* Writes the names of the actions in mask (", "-separated) for a 409; sup or blacklist. */
void hazard_lists_actions_format(bool sup, unsigned mask, char *out, size_t n);

/* --- statistics --- */

/*
 * Grouping by region (issue 4 §5): the key of a hazard is its region code cut to the level
 * below the region asked for (prefix of prefix_len digits, 0 = everything): 0 -> provinces
 * (2 digits + "0000"), 2 -> cities (4 + "00"), 4 -> counties (6), 6 -> towns (9), 9 ->
 * villages (12), 12 -> the village itself (12). Writes the key length and the padding
 * (static). Returns 0, or ERR_INVALID for another prefix length.
 */
int hazard_stats_region_key(size_t prefix_len, size_t *key_len, const char **pad);

/*
 * A rate num / den rounded to 4 decimals (0.8333), or -1 when den is 0 (shown as null).
 * Rectification rate = closed / (total - dismissed); on-time rate = closed by the end of
 * the deadline day / closed with a deadline (docs/hazard.md "Statistics").
 */
double hazard_rate(int64_t num, int64_t den);

/*
 * The 12 local (UTC+8) calendar months ending with the month of now_ms: starts_ms[i] is
 * the instant month i begins (starts_ms[12] the end of the current month), labels[i] its
 * "YYYY-MM". Oldest first.
 */
void hazard_stats_months(int64_t now_ms, int64_t starts_ms[13], char labels[12][8]);

#endif
