/* SPDX-License-Identifier: MIT */
/*
 * The pure rules of the overdue scan, listed supervision, the blacklist and the
 * statistics (hazard_lists.h). Nothing here reads a clock or a database; the scan
 * (hazard_scan.c) and the routes (hazard_lists_api.c) pass everything in.
 */
#include "hazard/hazard_lists.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/banned.h"

#define BIT(x) (1u << (x))

/* ------------------------------------------------------------ the scan */

unsigned hazard_scan_decide(const struct hazard_scan_facts *f, int64_t now_ms,
			    const struct hazard_scan_rules *r,
			    enum hazard_supervision_reason *reason)
{
	enum hazard_deadline_state ds = hazard_deadline_state(f->deadline, now_ms, &r->bands);
	bool overdue = ds == HAZARD_OVERDUE || ds == HAZARD_OVERDUE_LONG;
	bool long_overdue = ds == HAZARD_OVERDUE_LONG;
	bool major = f->level == HAZARD_MAJOR;
	int64_t days_past = local_day(now_ms) - f->deadline;
	unsigned steps = 0;

	*reason = HAZARD_SUP_NONE;
	if (overdue && !f->had_overdue)
		steps |= HAZARD_SCAN_OVERDUE;
	if (long_overdue && !f->had_long)
		steps |= HAZARD_SCAN_LONG;
	if (((major && overdue) || long_overdue) && !f->has_supervision) {
		steps |= HAZARD_SCAN_PROPOSE;
		*reason = major ? HAZARD_SUP_OVERDUE_MAJOR : HAZARD_SUP_OVERDUE_30;
	}
	if (major && overdue && days_past > r->blacklist_overdue_days && !f->b1_proposed)
		steps |= HAZARD_SCAN_B1;
	if ((f->send_backs >= HAZARD_B2_SEND_BACKS || (long_overdue && f->extension_refused)) &&
	    !f->b2_proposed)
		steps |= HAZARD_SCAN_B2;
	return steps;
}

void hazard_scan_cutoffs(int64_t now_ms, const struct hazard_deadline_bands *b,
			 int64_t *overdue_before, int64_t *long_before)
{
	int64_t today = local_day(now_ms);

	/* days_left = d - today < 0  <=>  d < today;  -days_left > L  <=>  d < today - L. */
	*overdue_before = today;
	*long_before = today - b->overdue_long_days;
}

const char *hazard_supervision_reason_name(enum hazard_supervision_reason r)
{
	switch (r) {
	case HAZARD_SUP_OVERDUE_MAJOR:
		return "overdue_major";
	case HAZARD_SUP_OVERDUE_30:
		return "overdue_30";
	case HAZARD_SUP_NONE:
		break;
	}
	return "manual";
}

unsigned hazard_notify_recipients(const char *kind)
{
	if (strcmp(kind, "hazard.overdue") == 0 || strcmp(kind, "hazard.overdue_30") == 0)
		return HAZARD_TO_OFFICERS | HAZARD_TO_GRID | HAZARD_TO_DEPT;
	if (strcmp(kind, "hazard.supervision_proposed") == 0)
		return HAZARD_TO_LEADERS;
	return 0;
}

bool hazard_grid_warning(int64_t overdue_now, bool has_baseline, int64_t overdue_before)
{
	return has_baseline && overdue_now > overdue_before;
}

/* ------------------------------------------------------------ state machines */

static const char *const sup_states[] = { "proposed", "listed", "declined", "lifted" };
static const char *const sup_actions[] = { "list", "decline", "progress", "lift", "supervise" };
static const char *const bl_states[] = { "proposed", "listed", "rejected", "removed" };
static const char *const bl_actions[] = { "confirm", "reject", "review", "remove" };

static int parse(const char *s, const char *const *names, int n, int *out)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return ERR_INVALID;
}

int hazard_sup_state_parse(const char *s, enum hazard_sup_state *out)
{
	int i = 0, rc = parse(s, sup_states, HAZARD_SUP_STATE_COUNT_, &i);

	*out = (enum hazard_sup_state)i;
	return rc;
}

const char *hazard_sup_state_name(enum hazard_sup_state s)
{
	return (unsigned)s < HAZARD_SUP_STATE_COUNT_ ? sup_states[s] : "?";
}

int hazard_sup_action_parse(const char *s, enum hazard_sup_action *out)
{
	int i = 0, rc = parse(s, sup_actions, HAZARD_SUP_MANUAL, &i); /* manual is not a path */

	*out = (enum hazard_sup_action)i;
	return rc;
}

const char *hazard_sup_action_name(enum hazard_sup_action a)
{
	return (unsigned)a < HAZARD_SUP_ACTION_COUNT_ ? sup_actions[a] : "?";
}

/* The actions legal in each state (rows: states; bits: actions). */
static const unsigned sup_legal[HAZARD_SUP_STATE_COUNT_] = {
	[HAZARD_SUP_PROPOSED] = BIT(HAZARD_SUP_LIST) | BIT(HAZARD_SUP_DECLINE) |
				BIT(HAZARD_SUP_MANUAL),
	[HAZARD_SUP_LISTED] = BIT(HAZARD_SUP_PROGRESS) | BIT(HAZARD_SUP_LIFT),
	[HAZARD_SUP_DECLINED] = BIT(HAZARD_SUP_MANUAL),
	[HAZARD_SUP_LIFTED] = BIT(HAZARD_SUP_MANUAL),
};

int hazard_sup_transition(enum hazard_sup_state s, enum hazard_sup_action a,
			  enum hazard_sup_state *next, unsigned *allowed)
{
	*allowed = (unsigned)s < HAZARD_SUP_STATE_COUNT_ ? sup_legal[s] : 0;
	if ((unsigned)a >= HAZARD_SUP_ACTION_COUNT_ || !(*allowed & BIT(a)))
		return ERR_CONFLICT;
	switch (a) {
	case HAZARD_SUP_DECLINE:
		*next = HAZARD_SUP_DECLINED;
		break;
	case HAZARD_SUP_LIFT:
		*next = HAZARD_SUP_LIFTED;
		break;
	default: /* list, progress, manual */
		*next = HAZARD_SUP_LISTED;
		break;
	}
	return 0;
}

int hazard_bl_state_parse(const char *s, enum hazard_bl_state *out)
{
	int i = 0, rc = parse(s, bl_states, HAZARD_BL_STATE_COUNT_, &i);

	*out = (enum hazard_bl_state)i;
	return rc;
}

const char *hazard_bl_state_name(enum hazard_bl_state s)
{
	return (unsigned)s < HAZARD_BL_STATE_COUNT_ ? bl_states[s] : "?";
}

int hazard_bl_action_parse(const char *s, enum hazard_bl_action *out)
{
	int i = 0, rc = parse(s, bl_actions, HAZARD_BL_ACTION_COUNT_, &i);

	*out = (enum hazard_bl_action)i;
	return rc;
}

const char *hazard_bl_action_name(enum hazard_bl_action a)
{
	return (unsigned)a < HAZARD_BL_ACTION_COUNT_ ? bl_actions[a] : "?";
}

static const unsigned bl_legal[HAZARD_BL_STATE_COUNT_] = {
	[HAZARD_BL_PROPOSED] = BIT(HAZARD_BL_CONFIRM) | BIT(HAZARD_BL_REJECT),
	[HAZARD_BL_LISTED] = BIT(HAZARD_BL_REVIEW) | BIT(HAZARD_BL_REMOVE),
	[HAZARD_BL_REJECTED] = 0,
	[HAZARD_BL_REMOVED] = 0,
};

int hazard_bl_transition(enum hazard_bl_state s, enum hazard_bl_action a,
			 enum hazard_bl_state *next, unsigned *allowed)
{
	*allowed = (unsigned)s < HAZARD_BL_STATE_COUNT_ ? bl_legal[s] : 0;
	if ((unsigned)a >= HAZARD_BL_ACTION_COUNT_ || !(*allowed & BIT(a)))
		return ERR_CONFLICT;
	switch (a) {
	case HAZARD_BL_REJECT:
		*next = HAZARD_BL_REJECTED;
		break;
	case HAZARD_BL_REMOVE:
		*next = HAZARD_BL_REMOVED;
		break;
	default: /* confirm, review */
		*next = HAZARD_BL_LISTED;
		break;
	}
	return 0;
}

void hazard_lists_actions_format(bool sup, unsigned mask, char *out, size_t n)
{
	const char *const *names = sup ? sup_actions : bl_actions;
	int count = sup ? HAZARD_SUP_ACTION_COUNT_ : HAZARD_BL_ACTION_COUNT_;
	size_t len = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	for (int a = 0; a < count; a++) {
		if (!(mask & BIT(a)))
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", names[a]);

		if (w < 0 || (size_t)w >= n - len) {
			out[len] = '\0';
			return;
		}
		len += (size_t)w;
	}
}

/* ------------------------------------------------------------ statistics */

int hazard_stats_region_key(size_t prefix_len, size_t *key_len, const char **pad)
{
	switch (prefix_len) {
	case 0:
		*key_len = 2;
		*pad = "0000";
		return 0;
	case 2:
		*key_len = 4;
		*pad = "00";
		return 0;
	case 4:
		*key_len = 6;
		*pad = "";
		return 0;
	case 6:
		*key_len = 9;
		*pad = "";
		return 0;
	case 9:
	case 12:
		*key_len = 12;
		*pad = "";
		return 0;
	default:
		return ERR_INVALID;
	}
}

double hazard_rate(int64_t num, int64_t den)
{
	if (den <= 0)
		return -1;
	return round((double)num * 10000.0 / (double)den) / 10000.0;
}

void hazard_stats_months(int64_t now_ms, int64_t starts_ms[13], char labels[12][8])
{
	char today[16], first[16];
	int year = 0, month = 0;
	int64_t day = 0;

	date_format(local_day(now_ms), today, sizeof(today));
	sscanf(today, "%4d-%2d", &year, &month);
	/* Back 11 months from the current one, then 13 month starts forward. */
	month -= 11;
	while (month < 1) {
		month += 12;
		year--;
	}
	for (int i = 0; i < 13; i++) {
		snprintf(first, sizeof(first), "%04d-%02d-01", year, month);
		if (date_parse(first, &day) != 0)
			day = 0; /* years outside 1900..2999: not reached by a real clock */
		starts_ms[i] = day * 86400000LL - CLOCK_LOCAL_OFFSET_MS;
		if (i < 12)
			memcpy(labels[i], first, 7), labels[i][7] = '\0'; /* "YYYY-MM" */
		if (++month > 12) {
			month = 1;
			year++;
		}
	}
}
