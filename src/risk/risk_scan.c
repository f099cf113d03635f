/* SPDX-License-Identifier: MIT */
/*
 * The check-task pass (risk_scan.h): generation of the due periods' tasks (the pure
 * period rules of risk_check.h) and the missed checks, in one transaction.
 */
#define LOG_MODULE "risk"
#include "risk/risk_scan.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/app.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "risk/risk_check.h"
#include "risk/risk_check_db.h"
#include "core/banned.h"

#define DAY_MS (86400000LL)

/* Creates the due tasks of item d at at_ms into the buffer per (max periods). */
static int generate(struct db *db, const struct risk_check_due *d, const struct risk_shifts *sh,
		    int64_t at_ms, int64_t backfill_ms, struct risk_period *per, size_t max,
		    int64_t *created)
{
	int64_t from = at_ms - backfill_ms;
	size_t n;
	int rc = 0;

	if (d->start_ms > from)
		from = d->start_ms;
	if (d->last_end_ms > from)
		from = d->last_end_ms; /* the period after the newest task's */
	if (from > at_ms)
		return 0; /* not started yet, or its current period exists */
	n = risk_periods_between(d->schedule, sh, from, at_ms, per, max);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool made = false;

		rc = risk_check_db_task_insert(db, d, &per[i], at_ms, &made);
		*created += made;
	}
	return rc;
}

int risk_scan_generate_in_tx(struct db *db, const struct config *cfg, int64_t at_ms,
			     int64_t enterprise_id, struct risk_scan_result *res)
{
	struct risk_shifts sh;
	struct risk_check_due *rows = NULL;
	struct risk_period *per;
	size_t n = 0, max;
	int rc;

	if (risk_shifts_parse(cfg->risk_shift_starts, &sh, NULL) < 0)
		return ERR_INVALID;
	/* every period of the backfill window fits: the finest schedule has 8 a day */
	max = (size_t)cfg->risk_task_backfill_days * RISK_SHIFTS_MAX + 2;
	per = xcalloc(max, sizeof(*per));
	rc = risk_check_db_due(db, enterprise_id, &rows, &n);
	res->items = (int64_t)n;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = generate(db, &rows[i], &sh, at_ms, cfg->risk_task_backfill_days * DAY_MS, per,
			      max, &res->created);
	free(rows);
	free(per);
	return rc;
}

int risk_scan(struct db *db, const struct config *cfg, int64_t at_ms, int64_t enterprise_id,
	      const struct audit_actor *actor, struct risk_scan_result *res)
{
	struct risk_shifts sh;
	char day[16], ids[40];
	int rc;

	memset(res, 0, sizeof(*res));
	if (risk_shifts_parse(cfg->risk_shift_starts, &sh, NULL) < 0)
		return ERR_INVALID;
	rc = db_begin(db);
	if (rc == 0)
		rc = risk_scan_generate_in_tx(db, cfg, at_ms, enterprise_id, res);
	if (rc == 0)
		rc = risk_check_db_mark_missed(db, at_ms, enterprise_id, &res->missed);
	if (rc == 0 && (res->created || res->missed)) {
		json_t *summary = json_pack("{s:I, s:I, s:I, s:I}", "at_ms", (json_int_t)at_ms,
					    "enterprise_id", (json_int_t)enterprise_id, "created",
					    (json_int_t)res->created, "missed",
					    (json_int_t)res->missed);

		date_format(local_day(at_ms), day, sizeof(day));
		snprintf(ids, sizeof(ids), "%s", day);
		rc = audit_append(db, actor, "risk.scan", "risk_scan", ids, summary);
		json_decref(summary);
	}
	rc = db_finish(db, rc);
	if (rc < 0)
		memset(res, 0, sizeof(*res));
	return rc;
}

void risk_scan_tick(struct app *app, struct db *db, int64_t at_ms)
{
	struct audit_actor actor;
	struct risk_scan_result res;
	int64_t t0 = monotonic_ms();
	int rc;

	memset(&actor, 0, sizeof(actor));
	snprintf(actor.login, sizeof(actor.login), "system");
	snprintf(actor.ip, sizeof(actor.ip), "local");
	rc = risk_scan(db, &app->cfg, at_ms, 0, &actor, &res);
	if (rc < 0) {
		log_warn("risk scan failed: %s (retried on the next tick)", err_str(rc));
		return;
	}
	if (res.created || res.missed)
		log_info("risk scan items=%" PRId64 " created=%" PRId64 " missed=%" PRId64
			 " dur_ms=%" PRId64,
			 res.items, res.created, res.missed, monotonic_ms() - t0);
}
