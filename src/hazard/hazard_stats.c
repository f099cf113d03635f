/* SPDX-License-Identifier: MIT */
/*
 * The statistics' SQL (issue 4 §5, docs/hazard.md "Statistics"): counts grouped by an
 * indexed column (region_code, grid_id, industry_code, level, state, source: each leads an
 * index that also holds state and deadline, so the counts read only the index), the
 * summary's conditional sums in one scan, the top enterprises and the grid warnings. Without
 * a period or an enterprise scope, the counts by region, grid, level and state and the
 * summary's counts and closed sums read hazard_tally (0011, kept by triggers), and only the
 * date-dependent overdue counts read hazard rows (the running states' deadline ranges).
 * Everything is aggregated by SQL; C only names and shapes the rows. The rules
 * (region key, rates, warning) are hazard_lists.c's.
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_lists_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "core/banned.h"

#define OPEN_STATES "('reported', 'confirmed', 'rectifying', 'submitted')"
#define RUNNING	    "hazard.state IN ('rectifying', 'submitted')"

static const char *const by_names[HAZARD_BY_COUNT_] = { "region", "grid",   "industry",	 "level",
							"state",  "source", "enterprise" };

int hazard_stats_by_parse(const char *s, enum hazard_stats_by *out)
{
	for (int i = 0; s && i < HAZARD_BY_COUNT_; i++)
		if (strcmp(s, by_names[i]) == 0) {
			*out = (enum hazard_stats_by)i;
			return 0;
		}
	return ERR_INVALID;
}

/*
 * Per grouping: the indexed column counted, the key made of it (r.c), whether the key is an
 * integer, and the name of key g.k (NULL: the key names itself).
 */
static const struct {
	const char *col;
	const char *key;
	bool integer;
	const char *name;
	const char *tally; /* the column in hazard_tally (0011), NULL: not tallied */
} groupings[HAZARD_BY_COUNT_] = {
	[HAZARD_BY_REGION] = { "hazard.region_code", "substr(r.c, 1, :klen) || :pad", false,
			       "(SELECT region.name FROM region WHERE region.code = g.k)",
			       "hazard.region_code" },
	[HAZARD_BY_GRID] = { "hazard.grid_id", "r.c", true,
			     "(SELECT grid.name FROM grid WHERE grid.id = g.k)",
			     "NULLIF(hazard.grid_id, 0)" },
	[HAZARD_BY_INDUSTRY] = { "hazard.industry_code", "substr(r.c, 1, 2)", false,
				 "(SELECT industry.name FROM industry WHERE industry.code = g.k)" },
	[HAZARD_BY_LEVEL] = { "hazard.level", "r.c", false, NULL, "hazard.level" },
	[HAZARD_BY_STATE] = { "hazard.state", "r.c", false, NULL, "hazard.state" },
	[HAZARD_BY_SOURCE] = { "hazard.source", "r.c", false, NULL },
	[HAZARD_BY_ENTERPRISE] = { "hazard.enterprise_id", "r.c", true,
				   "(SELECT enterprise.name FROM enterprise WHERE enterprise.id = "
				   "g.k)" },
};

/* Appends the scope and filter conditions over table hazard (static fragments). */
static void where_of(const struct hazard_stats_q *q, struct buf *w)
{
	buf_adds(w, " WHERE 1 = 1");
	if (q->scope.prefix)
		buf_adds(w, " AND hazard.region_code >= :sp AND hazard.region_code < :sp_end");
	if (q->scope.grid_user)
		buf_adds(w, " AND hazard.grid_id IN (SELECT user_grid.grid_id FROM user_grid "
			    "WHERE user_grid.user_id = :grid_user)");
	if (q->scope.uscc)
		buf_adds(w, " AND hazard.enterprise_id IN (SELECT enterprise.id FROM enterprise "
			    "WHERE enterprise.uscc = :scope_uscc)");
	if (q->region)
		buf_adds(w, " AND hazard.region_code >= :region AND hazard.region_code < "
			    ":region_end");
	if (q->from_ms)
		buf_adds(w, " AND hazard.found_ms >= :from_ms");
	if (q->to_ms)
		buf_adds(w, " AND hazard.found_ms < :to_ms");
}

static void bind_q(struct db_stmt *st, const struct hazard_stats_q *q)
{
	if (q->scope.prefix) {
		db_bind_text(st, ":sp", q->scope.prefix);
		db_bind_text(st, ":sp_end", q->scope.prefix_end);
	}
	if (q->scope.grid_user)
		db_bind_i64(st, ":grid_user", q->scope.grid_user);
	if (q->scope.uscc)
		db_bind_text(st, ":scope_uscc", q->scope.uscc);
	if (q->region) {
		db_bind_text(st, ":region", q->region);
		db_bind_text(st, ":region_end", q->region_end);
	}
	if (q->from_ms)
		db_bind_i64(st, ":from_ms", q->from_ms);
	if (q->to_ms)
		db_bind_i64(st, ":to_ms", q->to_ms);
}

/*
 * Whether the counts of q can come from hazard_tally (0011): it holds region, grid, level and
 * state, so not a scope by enterprise nor a period of finding.
 */
static bool tallied(const struct hazard_stats_q *q)
{
	return q->scope.uscc == NULL && q->from_ms == 0 && q->to_ms == 0;
}

static struct db_stmt *prepare(struct db *db, struct buf *sql)
{
	struct db_stmt *st = db_stmt_dyn(db, sql->p);

	buf_release(sql);
	return st;
}

int hazard_stats_db_by(struct db *db, enum hazard_stats_by by, const struct hazard_stats_q *q,
		       size_t key_len, const char *pad, json_t **items)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	json_t *a;
	int rc;

	*items = NULL;
	/*
	 * Innermost: counts per (column, state) in the index's own order (no sort, covering:
	 * 0008/0010 index each column with state and deadline); then the keys over those few
	 * groups; then their names. One CASE over the state per row cost three times as much.
	 */
	buf_addf(&sql,
		 "SELECT g.k, %s, g.total, g.open, g.closed, g.overdue FROM (SELECT %s AS k, "
		 "SUM(r.n) AS total, SUM(CASE WHEN r.s IN " OPEN_STATES " THEN r.n ELSE 0 END) AS "
		 "open, SUM(CASE WHEN r.s = 'closed' THEN r.n ELSE 0 END) AS closed, SUM(CASE WHEN "
		 "r.s IN ('rectifying', 'submitted') THEN r.late ELSE 0 END) AS overdue FROM (",
		 groupings[by].name ? groupings[by].name : "g.k", groupings[by].key);
	if (groupings[by].tally && tallied(q)) {
		/*
		 * The counts per (key, state) from the tally (a few thousand rows, not the
		 * table), the overdue ones from hazard_state_deadline (0011: the running
		 * hazards alone, covering). The tally's table is named hazard so that the
		 * scope's conditions read the same.
		 */
		buf_addf(&sql,
			 "SELECT %s AS c, hazard.state AS s, SUM(hazard.n) AS n, 0 AS late FROM "
			 "hazard_tally AS hazard",
			 groupings[by].tally);
		where_of(q, &sql);
		buf_addf(&sql,
			 " GROUP BY %s, hazard.state HAVING SUM(hazard.n) > 0 UNION ALL SELECT %s "
			 "AS c, hazard.state AS s, 0 AS n, COUNT(*) AS late FROM hazard",
			 groupings[by].tally, groupings[by].col);
		where_of(q, &sql);
		buf_addf(&sql,
			 " AND hazard.state IN ('rectifying', 'submitted') AND hazard.deadline < "
			 ":today GROUP BY %s, hazard.state) r GROUP BY 1) g",
			 groupings[by].col);
	} else {
		buf_addf(&sql,
			 "SELECT %s AS c, hazard.state AS s, COUNT(*) AS n, SUM(CASE WHEN "
			 "hazard.deadline < :today THEN 1 ELSE 0 END) AS late FROM hazard",
			 groupings[by].col);
		where_of(q, &sql);
		buf_addf(&sql, " GROUP BY %s, hazard.state) r GROUP BY 1) g", groupings[by].col);
	}
	if (by == HAZARD_BY_ENTERPRISE)
		buf_adds(&sql, " ORDER BY g.total DESC, g.k LIMIT 500");
	else
		buf_adds(&sql, " ORDER BY g.k");
	st = prepare(db, &sql);
	if (st == NULL)
		return ERR_DB;
	bind_q(st, q);
	db_bind_text(st, ":today", q->today);
	if (by == HAZARD_BY_REGION) {
		db_bind_i64(st, ":klen", (int64_t)key_len);
		db_bind_text(st, ":pad", pad);
	}
	a = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *key, *name;

		if (db_col_null(st, 0))
			key = json_null();
		else if (groupings[by].integer)
			key = json_integer(db_col_i64(st, 0));
		else
			key = json_string(db_col_text(st, 0));
		name = db_col_null(st, 1) ? json_null() : json_string(db_col_text(st, 1));
		json_array_append_new(a, json_pack("{s:o, s:o, s:I, s:I, s:I, s:I}", "key", key,
						   "name", name ? name : json_null(), "total",
						   (json_int_t)db_col_i64(st, 2), "open",
						   (json_int_t)db_col_i64(st, 3), "closed",
						   (json_int_t)db_col_i64(st, 4), "overdue",
						   (json_int_t)db_col_i64(st, 5)));
	}
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*items = a;
	return 0;
}

/*
 * The day number of a "YYYY-MM-DD" column d in integer arithmetic both engines share
 * (days from civil, H. Hinnant's algorithm, for years 1900..2999): with m' = (m + 9) % 12
 * and y' = y - (14 - m) / 12 (one less in January and February),
 * 365 y' + y'/4 - y'/100 + y'/400 + (153 m' + 2) / 5 + d - 719469; 1970-01-01 is 0.
 */
#define Y_(d)                                                                                    \
	"(CAST(substr(" d ", 1, 4) AS INTEGER) - (14 - CAST(substr(" d ", 6, 2) AS INTEGER)) / " \
	"12)"
#define DAYS(d)                                                                                  \
	"(365 * " Y_(d) " + " Y_(d) " / 4 - " Y_(d) " / 100 + " Y_(                              \
		d) " / 400 + (153 * "                                                            \
		   "((CAST(substr(" d ", 6, 2) AS INTEGER) + 9) % 12) + 2) / 5 + CAST(substr(" d \
		   ", 9, 2) AS INTEGER) - 719469)"

/* Binds :m0 .. :m12, the month starts. */
static void bind_months(struct db_stmt *st, const int64_t months[13])
{
	for (int i = 0; i < 13; i++) {
		char name[8];

		snprintf(name, sizeof(name), ":m%d", i);
		db_bind_i64(st, name, months[i]);
	}
}

/*
 * The counts: per (level, state), read from hazard_level_state (level, state, deadline)
 * alone when the scope is everything; C adds the groups up.
 */
static int summary_counts(struct db *db, const struct hazard_stats_q *q, struct hazard_summary *s)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	int rc;

	if (tallied(q)) {
		/* The tally's counts, then the running hazards' lateness (hazard_state_deadline). */
		buf_adds(&sql, "SELECT hazard.level, hazard.state, SUM(hazard.n), 0, 0 FROM "
			       "hazard_tally AS hazard");
		where_of(q, &sql);
		buf_adds(&sql,
			 " GROUP BY hazard.level, hazard.state UNION ALL SELECT hazard.level, "
			 "hazard.state, 0, SUM(CASE WHEN hazard.deadline < :today THEN 1 ELSE "
			 "0 END), SUM(CASE WHEN hazard.deadline < :long_before THEN 1 ELSE 0 "
			 "END) FROM hazard");
		where_of(q, &sql);
		buf_adds(&sql, " AND hazard.state IN ('rectifying', 'submitted') AND "
			       "hazard.deadline < :today GROUP BY hazard.level, hazard.state");
	} else {
		buf_adds(&sql, "SELECT hazard.level, hazard.state, COUNT(*), SUM(CASE WHEN "
			       "hazard.deadline < :today THEN 1 ELSE 0 END), SUM(CASE WHEN "
			       "hazard.deadline < :long_before THEN 1 ELSE 0 END) FROM hazard");
		where_of(q, &sql);
		buf_adds(&sql, " GROUP BY hazard.level, hazard.state");
	}
	st = prepare(db, &sql);
	if (st == NULL)
		return ERR_DB;
	bind_q(st, q);
	db_bind_text(st, ":today", q->today);
	db_bind_text(st, ":long_before", q->long_before);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *state = db_col_text(st, 1);
		int64_t n = db_col_i64(st, 2);
		bool closed = strcmp(state, "closed") == 0,
		     dismissed = strcmp(state, "dismissed") == 0;
		bool running = strcmp(state, "rectifying") == 0 || strcmp(state, "submitted") == 0;

		s->total += n;
		if (closed)
			s->closed += n;
		else if (dismissed)
			s->dismissed += n;
		else
			s->open += n;
		if (!closed && !dismissed && strcmp(db_col_text(st, 0), "major") == 0)
			s->major_open += n;
		if (running) {
			s->overdue += db_col_i64(st, 3);
			s->overdue_30 += db_col_i64(st, 4);
		}
	}
	return rc < 0 ? rc : 0;
}

/* The closed hazards' sums and closed per month, read from the table (index hazard_closed). */
static int summary_closed(struct db *db, const struct hazard_stats_q *q, const int64_t months[13],
			  struct hazard_summary *s)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	int rc;

	/* Closed hazards only (index hazard_closed of 0010 holds what this reads). */
	buf_adds(
		&sql,
		"SELECT SUM(CASE WHEN hazard.deadline IS NOT NULL THEN 1 ELSE 0 END), "
		"SUM(CASE WHEN hazard.deadline IS NOT NULL AND (hazard.closed_ms + 28800000) "
		"/ 86400000 <= " DAYS("hazard.deadline") " THEN 1 ELSE 0 END), "
							 "SUM(hazard.closed_ms - hazard.found_ms)");
	for (int i = 0; i < 12; i++)
		buf_addf(&sql,
			 ", SUM(CASE WHEN hazard.closed_ms >= :m%d AND hazard.closed_ms < :m%d "
			 "THEN 1 ELSE 0 END)",
			 i, i + 1);
	buf_adds(&sql, " FROM hazard");
	where_of(q, &sql);
	buf_adds(&sql, " AND hazard.state = 'closed'");
	st = prepare(db, &sql);
	if (st == NULL)
		return ERR_DB;
	bind_q(st, q);
	bind_months(st, months);
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		/* SUM over no rows is NULL: db_col_i64 reads it as 0. */
		s->closed_with_deadline = db_col_i64(st, 0);
		s->closed_on_time = db_col_i64(st, 1);
		s->close_ms_sum = db_col_i64(st, 2);
		for (int i = 0; i < 12; i++)
			s->closed_in[i] = db_col_i64(st, 3 + i);
		db_reset(st);
	}
	return 0;
}

int hazard_stats_db_summary(struct db *db, const struct hazard_stats_q *q, const int64_t months[13],
			    struct hazard_summary *s)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = summary_counts(db, q, s);
	if (rc < 0)
		return rc;
	if (tallied(q)) {
		/*
		 * The closed hazards' sums from the tally (0011), the closed per month from a
		 * twelve-month range of hazard_closed (state, closed_ms, ...) of 0010.
		 */
		buf_adds(&sql, "SELECT SUM(hazard.closed_dl), SUM(hazard.on_time), "
			       "SUM(hazard.close_ms) FROM hazard_tally AS hazard");
		where_of(q, &sql);
		buf_adds(&sql, " AND hazard.state = 'closed'");
		st = prepare(db, &sql);
		if (st == NULL)
			return ERR_DB;
		bind_q(st, q);
		rc = db_step(st);
		if (rc < 0)
			return rc;
		if (rc == DB_ROW) {
			s->closed_with_deadline = db_col_i64(st, 0);
			s->closed_on_time = db_col_i64(st, 1);
			s->close_ms_sum = db_col_i64(st, 2);
			db_reset(st);
		}
		buf_adds(&sql, "SELECT 0");
		for (int i = 0; i < 12; i++)
			buf_addf(&sql,
				 ", SUM(CASE WHEN hazard.closed_ms >= :m%d AND hazard.closed_ms < "
				 ":m%d THEN 1 ELSE 0 END)",
				 i, i + 1);
		buf_adds(&sql, " FROM hazard");
		where_of(q, &sql);
		buf_adds(&sql, " AND hazard.state = 'closed' AND hazard.closed_ms >= :m0 AND "
			       "hazard.closed_ms < :m12");
		st = prepare(db, &sql);
		if (st == NULL)
			return ERR_DB;
		bind_q(st, q);
		bind_months(st, months);
		rc = db_step(st);
		if (rc < 0)
			return rc;
		if (rc == DB_ROW) {
			for (int i = 0; i < 12; i++)
				s->closed_in[i] = db_col_i64(st, 1 + i);
			db_reset(st);
		}
	} else {
		rc = summary_closed(db, q, months, s);
		if (rc < 0)
			return rc;
	}
	/* Found in each of the 12 months: a range of hazard_found (0010). */
	buf_adds(&sql, "SELECT 0");
	for (int i = 0; i < 12; i++)
		buf_addf(&sql,
			 ", SUM(CASE WHEN hazard.found_ms >= :m%d AND hazard.found_ms < :m%d "
			 "THEN 1 ELSE 0 END)",
			 i, i + 1);
	buf_adds(&sql, " FROM hazard");
	where_of(q, &sql);
	buf_adds(&sql, " AND hazard.found_ms >= :m0 AND hazard.found_ms < :m12");
	st = prepare(db, &sql);
	if (st == NULL)
		return ERR_DB;
	bind_q(st, q);
	bind_months(st, months);
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		for (int i = 0; i < 12; i++)
			s->reported[i] = db_col_i64(st, 1 + i);
		db_reset(st);
	}
	return 0;
}

int hazard_stats_db_top(struct db *db, const struct hazard_stats_q *q, json_t **items)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	json_t *a;
	int rc;

	*items = NULL;
	/*
	 * The open hazards per enterprise: the open states' ranges of hazard_state_deadline
	 * (0011: it holds enterprise_id), a few percent of the table, not every row.
	 */
	buf_adds(&sql, "SELECT t.enterprise_id, enterprise.name, t.n FROM (SELECT "
		       "hazard.enterprise_id AS enterprise_id, COUNT(*) AS n FROM hazard");
	where_of(q, &sql);
	buf_adds(&sql, " AND hazard.state IN " OPEN_STATES " GROUP BY hazard.enterprise_id "
		       "ORDER BY n DESC, hazard.enterprise_id LIMIT 10) t JOIN enterprise ON "
		       "enterprise.id = t.enterprise_id ORDER BY t.n DESC, t.enterprise_id");
	st = prepare(db, &sql);
	if (st == NULL)
		return ERR_DB;
	bind_q(st, q);
	a = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, json_pack("{s:I, s:s, s:I}", "enterprise_id",
						   (json_int_t)db_col_i64(st, 0), "name",
						   db_col_text(st, 1), "open",
						   (json_int_t)db_col_i64(st, 2)));
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*items = a;
	return 0;
}

static const char SQL_BASELINE[] = "SELECT MAX(day) FROM hazard_grid_daily WHERE day < :today";

int hazard_stats_db_grids(struct db *db, const struct hazard_stats_q *q,
			  void (*row)(int64_t grid_id, const char *name, int64_t now,
				      bool has_baseline, int64_t before, void *ctx),
			  void *ctx)
{
	struct db_stmt *st = db_stmt(db, SQL_BASELINE);
	struct buf sql = BUF_INIT;
	char prev[16] = "";
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":today", q->today);
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		if (!db_col_null(st, 0))
			snprintf(prev, sizeof(prev), "%s", db_col_text(st, 0));
		db_reset(st);
	}
	/*
	 * The overdue hazards per grid: the running states' ranges before today of
	 * hazard_state_deadline (0011: it holds grid_id), not every row of every grid.
	 */
	buf_adds(&sql, "SELECT c.grid_id, COALESCE(grid.name, ''), c.n, COALESCE((SELECT "
		       "hazard_grid_daily.overdue FROM hazard_grid_daily WHERE "
		       "hazard_grid_daily.day = :prev AND hazard_grid_daily.grid_id = c.grid_id), "
		       "0) FROM (SELECT hazard.grid_id AS grid_id, COUNT(*) AS n FROM hazard");
	where_of(q, &sql);
	buf_adds(&sql, " AND hazard.grid_id IS NOT NULL AND " RUNNING " AND hazard.deadline < "
		       ":today GROUP BY hazard.grid_id) c LEFT JOIN grid ON grid.id = c.grid_id "
		       "WHERE c.n > 0 ORDER BY c.grid_id");
	st = prepare(db, &sql);
	if (st == NULL)
		return ERR_DB;
	bind_q(st, q);
	db_bind_text(st, ":today", q->today);
	db_bind_text(st, ":prev", prev);
	while ((rc = db_step(st)) == DB_ROW)
		row(db_col_i64(st, 0), db_col_text(st, 1), db_col_i64(st, 2), prev[0] != '\0',
		    db_col_i64(st, 3), ctx);
	return rc < 0 ? rc : 0;
}
