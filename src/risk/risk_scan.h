/* SPDX-License-Identifier: MIT */
/*
 * The check-task pass (issue 5 §4, docs/risk.md "Check tasks"): one idempotent pass
 * creates the current period's task of every active check item, and the periods since
 * its newest task (at most risk.task_backfill_days back, never before the item's
 * start_ms), and marks missed every open task whose period has ended. Every task has a
 * unique key (item_id, period_start_ms) written with ON CONFLICT DO NOTHING, and a task
 * turns missed only from open, so a second pass at the same instant writes nothing and a
 * missed check is counted once. `anjian risk scan` runs one pass; inside `anjian serve`
 * the hazard scheduler runs it after each hazard scan (struct app's scan_extra hook);
 * GET /risk/tasks runs it for the caller's own enterprise first.
 */
#ifndef RISK_RISK_SCAN_H
#define RISK_RISK_SCAN_H

#include <stdint.h>

struct app;
struct audit_actor;
struct config;
struct db;

/* What one pass wrote. */
struct risk_scan_result {
	int64_t items;	 /* active items looked at */
	int64_t created; /* tasks created */
	int64_t missed;	 /* tasks newly missed */
};

/*
 * One pass at instant at_ms (UTC ms: fake.now_ms in tests) over the items of enterprise
 * enterprise_id (0 = every enterprise), with cfg's risk.shift_starts and
 * risk.task_backfill_days, in one write transaction on db. A pass that writes anything
 * appends one audit record "risk.scan" (entity risk_scan, id the local date) by actor,
 * with the counts. Recorded times (created_ms) are at_ms. Fills *res. Returns 0, or
 * ERR_INVALID (bad shift starts) / ERR_DB / ERR_TIMEOUT (nothing written).
 */
int risk_scan(struct db *db, const struct config *cfg, int64_t at_ms, int64_t enterprise_id,
	      const struct audit_actor *actor, struct risk_scan_result *res);

/*
 * The generation half of risk_scan() inside the caller's open write transaction: creates
 * the due tasks of every active item of enterprise enterprise_id (0 = every enterprise) at
 * instant at_ms exactly as risk_scan() does (the same periods, backfill and created_ms),
 * but marks no task missed and appends no audit record: for a loader that writes a history
 * of the generated tasks before the missed pass (the demo city, src/demo/demo_risk.c,
 * whose load is audited as one). Sets res->items and adds to res->created. Returns 0, or
 * ERR_INVALID (bad shift starts) / ERR_DB (the caller's db_finish() rolls back).
 */
int risk_scan_generate_in_tx(struct db *db, const struct config *cfg, int64_t at_ms,
			     int64_t enterprise_id, struct risk_scan_result *res);

/*
 * The scheduler hook (struct app scan_extra): one pass over every enterprise at at_ms by
 * the actor "system", logged; a failure is logged and retried on the next tick.
 */
void risk_scan_tick(struct app *app, struct db *db, int64_t at_ms);

#endif
