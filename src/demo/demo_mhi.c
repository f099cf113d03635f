/* SPDX-License-Identifier: MIT */
/*
 * The demo city's major hazard installations (demo_mhi.h). Inventories come from the
 * published calculations of ../shared/reference/realdata/major-hazard (copied into
 * tests/fixtures/mhi/) where they give masses, from STANDARDS.md §1's worked example, and
 * otherwise are constructed (marked 演示) so that every grade occurs. Each is assessed by
 * mhi_assess() and stored with mhi_db_insert(), as POST /api/v1/mhi/installations does
 * (without an audit record: the demo load records itself once).
 */
#define LOG_MODULE "demo"
#include "demo/demo_mhi.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "mhi/mhi.h"
#include "mhi/mhi_db.h"
#include "mhi/mhi_load.h"
#include "core/banned.h"

#define ITEMS_MAX 3

/* One demo installation: who (0: demo.officer's enterprise, 1..4: the k-th other host). */
static const struct demo_installation {
	int host;
	const char *name, *unit_kind, *description;
	int people;
	struct mhi_item items[ITEMS_MAX];
	size_t nitems;
	int grade; /* what the rules must give (checked: a table change shows here) */
} installations[] = {
	{ 0,
	  "液氯储罐区",
	  "storage",
	  "STANDARDS.md §1 的算例：液氯 30 t（表1 Q 5 t，β 4）与甲醇 100 t（W5.3，β 1），"
	  "厂界外 500 m 内 60 人（α 1.5）：S = 6.2，R = 36.3，三级",
	  60,
	  { { "液氯", 0, NULL, 30000 }, { "甲醇", 0, "W5.3", 100000 } },
	  2,
	  3 },
	{ 0,
	  "加油站油罐区",
	  "storage",
	  "公开算例 MH1：汽油 26.64 t（表1 第66行，Q 200 t）+ 柴油 22.95 t（W5.4，Q 5000 t），"
	  "S = 0.14 < 1，未构成重大危险源",
	  0,
	  { { "汽油", 66, NULL, 26640 }, { "柴油", 0, "W5.4", 22950 } },
	  2,
	  0 },
	{ 1,
	  "液氯仓库",
	  "storage",
	  "演示：液氯 100 t，厂界外 500 m 内 120 人：R = 160，一级",
	  120,
	  { { "液氯", 0, NULL, 100000 } },
	  1,
	  1 },
	{ 2,
	  "液化石油气储罐区",
	  "storage",
	  "演示：液化石油气 2000 t（表1 第52行 Q 50 t，W2 β 1.5），40 人：R = 72，二级",
	  40,
	  { { "液化石油气", 52, "W2", 2000000 } },
	  1,
	  2 },
	{ 3,
	  "合成氨单元",
	  "production",
	  "公开算例 MH2 只公布了 R = 31.78（三级）与 100 人：以液氨 79.45 t "
	  "复现（煤气柜质量未公布，"
	  "未计入）",
	  100,
	  { { "液氨", 0, NULL, 79450 } },
	  1,
	  3 },
	{ 4,
	  "甲醇罐区",
	  "storage",
	  "演示：甲醇 600 t（W5.3），厂界外 500 m 内 10 人：R = 1.2，四级",
	  10,
	  { { "甲醇", 0, "W5.3", 600000 } },
	  1,
	  4 },
};

int demo_mhi_load(struct db *db, const struct demo_hazard_city *c, int64_t *count,
		  struct errmsg *why)
{
	const struct mhi_tables *t = mhi_data();
	const struct demo_host *pick[5] = { NULL };
	int rc = 0;

	*count = 0;
	if (t == NULL)
		return errmsg_set(why, "mhi",
				  "the GB 18218-2018 tables (data/mhi/) are not loaded");
	/* demo.officer's host, then the staffed grids' first hosts, then any other. */
	for (size_t i = 0; i < c->nhosts; i++) {
		const struct demo_host *h = &c->hosts[i];

		if (h->id == c->officer.enterprise_id)
			pick[0] = h;
		else if (h->staffed >= 1 && h->staffed <= 4 && pick[h->staffed] == NULL)
			pick[h->staffed] = h;
	}
	for (size_t i = 0, k = 1; i < c->nhosts && k < 5; i++) {
		const struct demo_host *h = &c->hosts[i];
		bool taken = false;

		while (k < 5 && pick[k])
			k++;
		for (int j = 0; j < 5; j++)
			taken = taken || pick[j] == h;
		if (k < 5 && !taken)
			pick[k++] = h;
	}
	for (size_t k = 0; rc == 0 && k < sizeof(installations) / sizeof(installations[0]); k++) {
		const struct demo_installation *d = &installations[k];
		const struct demo_host *h = pick[d->host];
		struct mhi_installation_in in;
		struct mhi_result res;
		struct errmsg m;
		int64_t id = 0;

		if (h == NULL)
			continue;
		rc = mhi_assess(t, d->items, d->nitems, d->people, &res, &m);
		if (rc < 0)
			return errmsg_set(why, "mhi", "demo installation %s: %s: %s", d->name,
					  m.field, m.text);
		if (res.grade != d->grade) {
			mhi_result_release(&res);
			return errmsg_set(why, "mhi", "demo installation %s: grade %d, not %d",
					  d->name, res.grade, d->grade);
		}
		memset(&in, 0, sizeof(in));
		in.name = d->name;
		in.unit_kind = d->unit_kind;
		in.description = d->description;
		in.people_500m = d->people;
		in.has_pos = h->lat != 0 || h->lon != 0;
		in.lon = h->lon + 0.002 * (double)(k % 2);
		in.lat = h->lat + 0.001 * (double)(k % 2);
		in.items = d->items;
		in.nitems = d->nitems;
		in.res = &res;
		in.now_ms = c->now_ms;
		rc = mhi_db_insert(db, h->id, &in, &id);
		mhi_result_release(&res);
		if (rc < 0)
			errmsg_set(why, "mhi", "demo installation %s not stored: %s", d->name,
				   err_str(rc));
		else
			(*count)++;
	}
	return rc;
}
