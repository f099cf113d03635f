/* SPDX-License-Identifier: MIT */
/*
 * The overdue scan (issue 4 §3): one pass applies the rules of hazard_lists.h to every
 * open hazard past its deadline, in one write transaction; the scheduler runs a pass at
 * start and then every hazard.scan_interval_s inside `anjian serve`, on its own thread
 * and database connection. `anjian hazard scan` runs one pass. A pass is idempotent:
 * every row it writes has a unique key (or is checked for in the same transaction) and
 * a second pass writes nothing new, so that several nodes may run it (docs/hazard.md
 * "Overdue scan").
 */
#ifndef HAZARD_HAZARD_SCAN_H
#define HAZARD_HAZARD_SCAN_H

#include <stdint.h>

#include "hazard/hazard_lists.h"

struct app;
struct config;
struct db;

/* What one pass wrote. */
struct hazard_scan_result {
	int64_t candidates;    /* hazards looked at in C (the SQL filtered the rest) */
	int64_t overdue;       /* hazards newly overdue for their deadline */
	int64_t overdue_30;    /* hazards newly more than overdue_long_days past it */
	int64_t proposed;      /* supervisions proposed */
	int64_t blacklist;     /* blacklist entries proposed (B1, B2) */
	int64_t notifications; /* notifications stored */
	int64_t lifted;	       /* supervisions lifted because their hazard was closed */
	int64_t grids;	       /* grid rows of today's overdue snapshot */
};

/* The scan's numbers from the configuration (bands, B1 threshold). */
void hazard_scan_rules_from(const struct config *cfg, struct hazard_scan_rules *r);

/*
 * One pass at instant at_ms (UTC ms; the configuration's fake.now_ms in tests) with rules
 * r, in one write transaction on db (BEGIN IMMEDIATE: passes on several nodes serialise).
 * Every write is audited by the actor "system". Recorded times (created_ms, at_ms) are
 * the real clock. Fills *res. Returns 0, or ERR_DB / ERR_TIMEOUT (nothing written).
 */
int hazard_scan(struct db *db, int64_t at_ms, const struct hazard_scan_rules *r,
		struct hazard_scan_result *res);

struct hazard_scheduler;

/*
 * Starts the scheduler thread when app->cfg.hazard_scan_interval_s > 0 (else *out is
 * NULL and nothing runs). The thread opens its own connection to app->cfg.db_path.
 * Returns 0, or ERR_INTERNAL when the thread cannot start.
 */
int hazard_scheduler_start(struct app *app, struct hazard_scheduler **out);

/* Stops the thread (waits for a running pass to end) and frees s. NULL-safe. */
void hazard_scheduler_stop(struct hazard_scheduler *s);

#endif
