/* SPDX-License-Identifier: MIT */
/*
 * The demo city's risk graded control (issue 5: "the demo city has assessed points in all
 * four colours"). demo_load.c calls demo_risk_load() inside its transaction, after the
 * hazards (whose hosts' officer accounts it needs). Internal to the demo module.
 */
#ifndef DEMO_DEMO_RISK_H
#define DEMO_DEMO_RISK_H

#include <stdint.h>

#include "demo/demo_hazard.h"

struct db;
struct errmsg;

/*
 * Writes the risk data of a few hosts of c into db (inside the caller's transaction):
 * demo.officer's enterprise (grade red: points in all four colours, one point overdue for
 * reassessment and one danger source not yet assessed, check items on every schedule
 * assigned to demo.officer) and one host each in the staffed grids graded orange, yellow
 * and blue (then one more red), so that the city has enterprises in all four grades. Each
 * gets three units with polygons on one generated site plan (800 x 480 PNG made with
 * libvips, stored through hazard/photo.h; without libvips the units keep their polygons
 * and no plan is stored, with a warning). Every assessment is computed by risk/risk.h's
 * rules with the default tables; the derived grades (source, point, unit, enterprise) and
 * each point's last_assessed_day / reassess_due are written consistent with them.
 * Measures sit at the level their source's grade demands. The check items started four
 * weeks before the load and have a history: their tasks as the scan generates them, the
 * ended ones mostly passed by their assignee inside the period, a few failed (each with its
 * hidden hazard, source self_check, reported through hazard_report_in_tx() like the fail
 * route, with its risk point and task), some missed; the current periods' tasks are open.
 * Returns 0 with *enterprises and *points counted and the failures' hazards added to
 * *hazards, or a negative err (why says what).
 */
int demo_risk_load(struct db *db, const struct demo_hazard_city *c, int64_t *enterprises,
		   int64_t *points, int64_t *hazards, struct errmsg *why);

#endif
