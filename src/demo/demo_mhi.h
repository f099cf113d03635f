/* SPDX-License-Identifier: MIT */
/*
 * The demo city's major hazard installations (issue 6 §1, docs/mhi.md). demo_load.c calls
 * demo_mhi_load() inside its transaction, after the risk data. Internal to the demo module.
 */
#ifndef DEMO_DEMO_MHI_H
#define DEMO_DEMO_MHI_H

#include <stdint.h>

#include "demo/demo_hazard.h"

struct db;
struct errmsg;

/*
 * Writes installations for a few hosts of c (inside the caller's transaction), each graded
 * by mhi_assess() over the loaded GB 18218-2018 tables and stored through mhi_db.h as the
 * API stores them: demo.officer's enterprise gets the worked example of STANDARDS.md §1
 * (30 t liquid chlorine + 100 t methanol W5.3, 60 people: 三级) and the published filling
 * station MH1 (not major); four other hosts (the staffed grids' first) get one each so that
 * grades 一级 .. 四级 all occur (MH2's R = 31.78 reproduced with 79.45 t of liquid ammonia
 * and 100 people; the others are constructed, see the table in demo_mhi.c). Returns 0
 * with *count set, or a negative err (why says what; ERR_INVALID when the tables are not
 * loaded).
 */
int demo_mhi_load(struct db *db, const struct demo_hazard_city *c, int64_t *count,
		  struct errmsg *why);

#endif
