/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the overdue scan, the four lists, listed supervision and the
 * blacklist (hazard_lists_db.h). Values are always bound; the lists' WHERE clauses are
 * compositions of the static fragments below, chosen by which filters are present.
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_lists_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

static void copy_col(struct db_stmt *st, int col, char *dst, size_t n)
{
	const char *v = db_col_text(st, col);

	snprintf(dst, n, "%s", v ? v : "");
}

/* ------------------------------------------------------------ the scan */

/* CASE WHEN EXISTS: an integer in both engines (PostgreSQL's EXISTS is a boolean). */
#define FLAG(cond) "CASE WHEN EXISTS (" cond ") THEN 1 ELSE 0 END"
#define SCAN_COLS                                                                                                                                                                                                                                                                                                                                                           \
	"SELECT hazard.id AS id, hazard.number, hazard.level AS level, hazard.state, "                                                                                                                                                                                                                                                                                      \
	"COALESCE(hazard.deadline, '') AS deadline, hazard.enterprise_id, enterprise.name, "                                                                                                                                                                                                                                                                                \
	"COALESCE(hazard.grid_id, 0), hazard.region_code, "                                                                                                                                                                                                                                                                                                                 \
	"COALESCE(enterprise.supervising_dept_id, 0), COALESCE(hazard.responsible, ''), "                                                                                                                                                                                                                                                                                   \
	"COALESCE(hazard.rectifier_id, 0), COALESCE(hazard.verifier_id, 0), "                                                                                                                                                                                                                                                                                               \
	"hazard.send_backs AS send_backs, " FLAG(                                                                                                                                                                                                                                                                                                                           \
		"SELECT 1 FROM hazard_event WHERE hazard_event.hazard_id = hazard.id AND "                                                                                                                                                                                                                                                                                  \
		"hazard_event.action = 'overdue' AND hazard_event.reason = 'deadline ' || "                                                                                                                                                                                                                                                                                 \
		"hazard.deadline || ' passed'") " AS had_overdue, " FLAG("SELECT 1 FROM "                                                                                                                                                                                                                                                                                   \
									 "hazard_event WHERE "                                                                                                                                                                                                                                                                              \
									 "hazard_event.hazard_id "                                                                                                                                                                                                                                                                          \
									 "= "                                                                                                                                                                                                                                                                                               \
									 "hazard.id AND "                                                                                                                                                                                                                                                                                   \
									 "hazard_event.action = "                                                                                                                                                                                                                                                                           \
									 "'overdue_30' AND "                                                                                                                                                                                                                                                                                \
									 "hazard_event.reason = "                                                                                                                                                                                                                                                                           \
									 "'deadline ' || "                                                                                                                                                                                                                                                                                  \
									 "hazard.deadline || "                                                                                                                                                                                                                                                                              \
									 "' passed long ago'") " "                                                                                                                                                                                                                                                                          \
											       "A"                                                                                                                                                                                                                                                                          \
											       "S"                                                                                                                                                                                                                                                                          \
											       " "                                                                                                                                                                                                                                                                          \
											       "h"                                                                                                                                                                                                                                                                          \
											       "a"                                                                                                                                                                                                                                                                          \
											       "d"                                                                                                                                                                                                                                                                          \
											       "_"                                                                                                                                                                                                                                                                          \
											       "l"                                                                                                                                                                                                                                                                          \
											       "o"                                                                                                                                                                                                                                                                          \
											       "n"                                                                                                                                                                                                                                                                          \
											       "g"                                                                                                                                                                                                                                                                          \
											       ","                                                                                                                                                                                                                                                                          \
											       " " FLAG("SELECT 1 FROM hazard_supervision WHERE "                                                                                                                                                                                                                           \
													"hazard_supervision.hazard_id = hazard.id") " AS has_sup, " FLAG("SELECT 1 FROM enterprise_blacklist WHERE "                                                                                                                                                        \
																					 "enterprise_blacklist.hazard_id = hazard.id AND "                                                                                                                                                  \
																					 "enterprise_blacklist.rule = 'B1'") " AS b1, " FLAG("SELECT 1 FROM enterprise_blacklist WHERE enterprise_blacklist.hazard_id "                                                                     \
																											     "= hazard.id AND enterprise_blacklist.rule = 'B2'") " AS b2, " FLAG("SELECT 1 FROM hazard_event WHERE hazard_event.hazard_id = hazard.id AND " \
																																				 "hazard_event.action = 'refuse_extension'") " AS refused FROM hazard JOIN enterprise ON enterprise.id = hazard.enterprise_id "

/*
 * Overdue open hazards with a step missing (the same conditions as hazard_scan_decide,
 * which decides; this only keeps the steady state from reaching C), and hazards sent back
 * twice without a B2 proposal. The 'overdue' and 'overdue_30' events carry the deadline
 * they were raised for in their reason: a new deadline (an approved extension) that passes
 * raises them again.
 */
static const char SQL_CANDIDATES[] =
	"SELECT * FROM (" SCAN_COLS "WHERE hazard.state IN ('rectifying', 'submitted') AND "
	"hazard.deadline < :overdue_before) c WHERE c.had_overdue = 0 OR (c.deadline < "
	":long_before AND (c.had_long = 0 OR c.has_sup = 0)) OR (c.level = 'major' AND "
	"(c.has_sup = 0 OR (c.b1 = 0 AND c.deadline < :b1_before))) OR (c.b2 = 0 AND "
	"(c.send_backs >= 2 OR (c.refused = 1 AND c.deadline < :long_before))) "
	"UNION SELECT * FROM (" SCAN_COLS "WHERE hazard.send_backs >= 2) c WHERE c.b2 = 0 "
	"ORDER BY id";

int hazard_scan_db_candidates(struct db *db, const char *overdue_before, const char *long_before,
			      const char *b1_before, struct hazard_scan_row **rows, size_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_CANDIDATES);
	struct hazard_scan_row *a = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":overdue_before", overdue_before);
	db_bind_text(st, ":long_before", long_before);
	db_bind_text(st, ":b1_before", b1_before);
	while ((rc = db_step(st)) == DB_ROW) {
		struct hazard_scan_row *h;

		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			a = xrealloc(a, cap * sizeof(*a));
		}
		h = &a[len++];
		memset(h, 0, sizeof(*h));
		h->id = db_col_i64(st, 0);
		copy_col(st, 1, h->number, sizeof(h->number));
		h->f.level = strcmp(db_col_text(st, 2), "major") == 0 ? HAZARD_MAJOR
								      : HAZARD_GENERAL;
		copy_col(st, 3, h->state, sizeof(h->state));
		copy_col(st, 4, h->deadline, sizeof(h->deadline));
		h->enterprise_id = db_col_i64(st, 5);
		copy_col(st, 6, h->enterprise_name, sizeof(h->enterprise_name));
		h->grid_id = db_col_i64(st, 7);
		copy_col(st, 8, h->region_code, sizeof(h->region_code));
		h->dept_id = db_col_i64(st, 9);
		copy_col(st, 10, h->responsible, sizeof(h->responsible));
		h->rectifier_id = db_col_i64(st, 11);
		h->verifier_id = db_col_i64(st, 12);
		h->f.send_backs = (int)db_col_i64(st, 13);
		h->f.had_overdue = db_col_i64(st, 14) != 0;
		h->f.had_long = db_col_i64(st, 15) != 0;
		h->f.has_supervision = db_col_i64(st, 16) != 0;
		h->f.b1_proposed = db_col_i64(st, 17) != 0;
		h->f.b2_proposed = db_col_i64(st, 18) != 0;
		h->f.extension_refused = db_col_i64(st, 19) != 0;
		if (h->deadline[0] == '\0' || date_parse(h->deadline, &h->f.deadline) != 0)
			h->f.deadline = INT64_MAX / 4; /* no deadline: never overdue */
	}
	if (rc < 0) {
		free(a);
		return rc;
	}
	*rows = a;
	*n = len;
	return 0;
}

static const char SQL_EVENT[] =
	"INSERT INTO hazard_event (hazard_id, at_ms, actor_id, actor_login, action, from_state, "
	"to_state, reason, detail, audit_id) VALUES (:hazard_id, :at_ms, :actor_id, :login, "
	":action, :state, :state, :reason, :detail, :audit_id)";

int hazard_scan_db_event(struct db *db, int64_t hazard_id, int64_t actor_id, const char *login,
			 const char *action, const char *state, const char *reason,
			 const char *detail, int64_t audit_id, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_EVENT);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard_id", hazard_id);
	db_bind_id_or_null(st, ":actor_id", actor_id);
	db_bind_text(st, ":login", actor_id ? login : "system");
	db_bind_i64(st, ":at_ms", now);
	db_bind_text(st, ":action", action);
	db_bind_text(st, ":state", state);
	db_bind_text(st, ":reason", reason);
	db_bind_text(st, ":detail", detail);
	db_bind_id_or_null(st, ":audit_id", audit_id);
	return db_step_done(st);
}

static const char SQL_ACCOUNTABILITY[] =
	"INSERT INTO hazard_accountability (hazard_id, kind, recorded_ms, responsible, "
	"rectifier_id, verifier_id, note) VALUES (:hazard_id, :kind, :now, :responsible, "
	":rectifier_id, :verifier_id, :note) ON CONFLICT (hazard_id, kind) DO NOTHING";

int hazard_scan_db_accountability(struct db *db, const struct hazard_scan_row *h, const char *kind,
				  const char *note, int64_t now, bool *added)
{
	struct db_stmt *st = db_stmt(db, SQL_ACCOUNTABILITY);
	int rc;

	*added = false;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard_id", h->id);
	db_bind_text(st, ":kind", kind);
	db_bind_i64(st, ":now", now);
	db_bind_text(st, ":responsible", h->responsible);
	db_bind_id_or_null(st, ":rectifier_id", h->rectifier_id);
	db_bind_id_or_null(st, ":verifier_id", h->verifier_id);
	db_bind_text(st, ":note", note);
	rc = db_step_done(st);
	if (rc == 0)
		*added = db_changes(db) > 0;
	return rc;
}

static const char SQL_PROPOSE[] =
	"INSERT INTO hazard_supervision (hazard_id, state, reason, proposed_ms) VALUES "
	"(:hazard_id, 'proposed', :reason, :now) ON CONFLICT (hazard_id) DO NOTHING";

int hazard_scan_db_propose(struct db *db, int64_t hazard_id, const char *reason, int64_t now,
			   bool *added)
{
	struct db_stmt *st = db_stmt(db, SQL_PROPOSE);
	int rc;

	*added = false;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard_id", hazard_id);
	db_bind_text(st, ":reason", reason);
	db_bind_i64(st, ":now", now);
	rc = db_step_done(st);
	if (rc == 0)
		*added = db_changes(db) > 0;
	return rc;
}

static const char SQL_BLACKLIST[] =
	"INSERT INTO enterprise_blacklist (enterprise_id, rule, hazard_id, state, reason, "
	"proposed_ms) VALUES (:enterprise_id, :rule, :hazard_id, 'proposed', :reason, :now) "
	"ON CONFLICT (enterprise_id, rule, hazard_id) DO NOTHING";

int hazard_scan_db_blacklist(struct db *db, const struct hazard_scan_row *h, const char *rule,
			     const char *reason, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_BLACKLIST);
	int rc;

	*id = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":enterprise_id", h->enterprise_id);
	db_bind_text(st, ":rule", rule);
	db_bind_i64(st, ":hazard_id", h->id);
	db_bind_text(st, ":reason", reason);
	db_bind_i64(st, ":now", now);
	rc = db_step_done(st);
	if (rc == 0 && db_changes(db) > 0)
		*id = db_last_id(db);
	return rc;
}

/*
 * Recipients by class (hazard_lists.h enum hazard_recipient): the officers (enterprise
 * scope naming the enterprise's code), the grid's manager and patroller (named on the grid
 * or holding it in their grids scope), the inspectors of the supervising department, and
 * the leaders whose scope covers the hazard's region (all, or a region whose code prefix,
 * the scope anchor, begins the hazard's region code).
 */
static const char SQL_RECIPIENTS[] =
	"SELECT DISTINCT app_user.id FROM app_user WHERE app_user.machine = 0 AND app_user.id IN ("
	"SELECT app_user.id FROM app_user JOIN enterprise ON app_user.scope = 'enterprise:' || "
	"enterprise.uscc WHERE :officers = 1 AND enterprise.id = :enterprise_id "
	"AND app_user.role = 'enterprise_officer' "
	"UNION SELECT grid.manager_id FROM grid WHERE :grid = 1 AND grid.id = :grid_id "
	"UNION SELECT grid.patroller_id FROM grid WHERE :grid = 1 AND grid.id = :grid_id "
	"UNION SELECT user_grid.user_id FROM user_grid JOIN app_user ON app_user.id = "
	"user_grid.user_id WHERE :grid = 1 AND user_grid.grid_id = :grid_id AND app_user.role IN "
	"('grid_manager', 'grid_patroller') "
	"UNION SELECT app_user.id FROM app_user WHERE :dept = 1 AND app_user.dept_id = :dept_id "
	"AND app_user.role = 'inspector' "
	"UNION SELECT app_user.id FROM app_user WHERE :leaders = 1 AND app_user.role = 'leader' "
	"AND (app_user.scope_kind = 'all' OR (app_user.scope_kind = 'region' AND "
	"substr(:region_code, 1, length(app_user.scope_anchor)) = app_user.scope_anchor))) "
	"ORDER BY app_user.id";

int hazard_scan_db_recipients(struct db *db, const struct hazard_scan_row *h, unsigned mask,
			      int64_t **ids, size_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_RECIPIENTS);
	int64_t *a = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":officers", (mask & HAZARD_TO_OFFICERS) ? 1 : 0);
	db_bind_i64(st, ":grid", (mask & HAZARD_TO_GRID) && h->grid_id ? 1 : 0);
	db_bind_i64(st, ":dept", (mask & HAZARD_TO_DEPT) && h->dept_id ? 1 : 0);
	db_bind_i64(st, ":leaders", (mask & HAZARD_TO_LEADERS) ? 1 : 0);
	db_bind_i64(st, ":enterprise_id", h->enterprise_id);
	db_bind_i64(st, ":grid_id", h->grid_id);
	db_bind_i64(st, ":dept_id", h->dept_id);
	db_bind_text(st, ":region_code", h->region_code);
	while ((rc = db_step(st)) == DB_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			a = xrealloc(a, cap * sizeof(*a));
		}
		a[len++] = db_col_i64(st, 0);
	}
	if (rc < 0) {
		free(a);
		return rc;
	}
	*ids = a;
	*n = len;
	return 0;
}

static const char SQL_CLOSED_SUPS[] =
	"SELECT hazard_supervision.id, hazard_supervision.hazard_id FROM hazard_supervision "
	"JOIN hazard ON hazard.id = hazard_supervision.hazard_id WHERE hazard_supervision.state "
	"IN ('proposed', 'listed') AND hazard.state IN ('closed', 'dismissed') ORDER BY "
	"hazard_supervision.id";

int hazard_scan_db_closed_supervisions(struct db *db, int64_t **sup_ids, int64_t **hazard_ids,
				       size_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_CLOSED_SUPS);
	int64_t *a = NULL, *b = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*sup_ids = *hazard_ids = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	while ((rc = db_step(st)) == DB_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			a = xrealloc(a, cap * sizeof(*a));
			b = xrealloc(b, cap * sizeof(*b));
		}
		a[len] = db_col_i64(st, 0);
		b[len++] = db_col_i64(st, 1);
	}
	if (rc < 0) {
		free(a);
		free(b);
		return rc;
	}
	*sup_ids = a;
	*hazard_ids = b;
	*n = len;
	return 0;
}

static const char SQL_LIFT[] =
	"UPDATE hazard_supervision SET state = 'lifted', lifted_ms = :now WHERE id = :id";

int hazard_scan_db_lift(struct db *db, int64_t sup_id, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_LIFT);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":now", now);
	db_bind_i64(st, ":id", sup_id);
	return db_step_change(st);
}

static const char SQL_SNAPSHOT[] =
	"INSERT INTO hazard_grid_daily (day, grid_id, overdue) SELECT :day, hazard.grid_id, "
	"COUNT(*) FROM hazard WHERE hazard.state IN ('rectifying', 'submitted') AND "
	"hazard.deadline < :day AND hazard.grid_id IS NOT NULL GROUP BY hazard.grid_id "
	"ON CONFLICT (day, grid_id) DO UPDATE SET overdue = excluded.overdue";
static const char SQL_SNAPSHOT_GONE[] =
	"DELETE FROM hazard_grid_daily WHERE day = :day AND grid_id NOT IN (SELECT "
	"hazard.grid_id FROM hazard WHERE hazard.state IN ('rectifying', 'submitted') AND "
	"hazard.deadline < :day AND hazard.grid_id IS NOT NULL)";

int hazard_scan_db_grid_snapshot(struct db *db, const char *day, int64_t *grids)
{
	struct db_stmt *st = db_stmt(db, SQL_SNAPSHOT);
	int rc;

	*grids = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":day", day);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	*grids = db_changes(db);
	/* A grid whose overdue hazards were all closed today has no row: it counts 0. */
	st = db_stmt(db, SQL_SNAPSHOT_GONE);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":day", day);
	return db_step_done(st);
}

/* ------------------------------------------------------------ lists */

/* Column types of a list row: integer or null, text or null. */
struct col {
	const char *key;
	char type; /* 'i', 's' */
};

struct list_spec {
	const char *select;
	const char *base; /* the list's own condition */
	const char *table;
	const char *scope_table; /* whose region_code / grid_id the scope and filters test */
	const char *state_col;	 /* column of the "state" filter, NULL = none */
	const char *level_col;	 /* NULL = no level filter */
	const char *const *sort_cols;
	const struct col *cols;
};

static const char *const rect_sorts[] = { "deadline", "id", "number", NULL };
static const char *const rect_sort_cols[] = { "deadline", "id", "number" };
static const struct col rect_cols[] = {
	{ "id", 'i' },
	{ "number", 's' },
	{ "enterprise_id", 'i' },
	{ "enterprise_name", 's' },
	{ "level", 's' },
	{ "measures", 's' },
	{ "responsible", 's' },
	{ "funds_yuan", 'i' },
	{ "emergency", 's' },
	{ "deadline", 's' },
	{ "state", 's' },
	{ "region_code", 's' },
	{ "grid_id", 'i' },
	{ "extension_pending", 'i' },
	{ NULL, 0 },
};

static const char *const sup_sorts[] = { "id", "proposed_ms", NULL };
static const char *const sup_sort_cols[] = { "id", "proposed_ms" };
static const struct col sup_cols[] = {
	{ "id", 'i' },
	{ "hazard_id", 'i' },
	{ "hazard_number", 's' },
	{ "enterprise_id", 'i' },
	{ "enterprise_name", 's' },
	{ "level", 's' },
	{ "reason", 's' },
	{ "state", 's' },
	{ "leader_id", 'i' },
	{ "leader_name", 's' },
	{ "deadline", 's' },
	{ "progress", 's' },
	{ "note", 's' },
	{ "proposed_ms", 'i' },
	{ "listed_ms", 'i' },
	{ "lifted_ms", 'i' },
	{ "hazard_state", 's' },
	{ "hazard_deadline", 's' },
	{ NULL, 0 },
};

static const char *const acc_sorts[] = { "id", "recorded_ms", NULL };
static const char *const acc_sort_cols[] = { "id", "recorded_ms" };
static const struct col acc_cols[] = {
	{ "id", 'i' },
	{ "hazard_id", 'i' },
	{ "hazard_number", 's' },
	{ "enterprise_id", 'i' },
	{ "enterprise_name", 's' },
	{ "level", 's' },
	{ "kind", 's' },
	{ "responsible", 's' },
	{ "rectifier_id", 'i' },
	{ "rectifier_name", 's' },
	{ "verifier_id", 'i' },
	{ "verifier_name", 's' },
	{ "recorded_ms", 'i' },
	{ "note", 's' },
	{ NULL, 0 },
};

static const char *const bl_sorts[] = { "id", "proposed_ms", NULL };
static const char *const bl_sort_cols[] = { "id", "proposed_ms" };
static const struct col bl_cols[] = {
	{ "id", 'i' },
	{ "enterprise_id", 'i' },
	{ "enterprise_name", 's' },
	{ "uscc", 's' },
	{ "rule", 's' },
	{ "hazard_id", 'i' },
	{ "hazard_number", 's' },
	{ "reason", 's' },
	{ "state", 's' },
	{ "proposed_ms", 'i' },
	{ "entered_ms", 'i' },
	{ "entered_by", 'i' },
	{ "review_due", 's' },
	{ "reviewed_ms", 'i' },
	{ "review_note", 's' },
	{ "removed_ms", 'i' },
	{ "removed_by", 'i' },
	{ "removal_reason", 's' },
	{ NULL, 0 },
};

const char *const *const hazard_list_sorts[4] = { rect_sorts, sup_sorts, acc_sorts, bl_sorts };

#define PERSON(t) "COALESCE(NULLIF(" t ".display_name, ''), " t ".login)"

static const struct list_spec specs[4] = {
	[HAZARD_LIST_RECTIFICATION] = { "SELECT hazard.id, hazard.number, hazard.enterprise_id, "
					"enterprise.name, "
					"hazard.level, hazard.measures, hazard.responsible, "
					"hazard.funds_yuan, "
					"hazard.emergency, hazard.deadline, hazard.state, "
					"hazard.region_code, "
					"hazard.grid_id, hazard.extension_pending FROM hazard JOIN "
					"enterprise ON "
					"enterprise.id = hazard.enterprise_id",
					"hazard.state IN ('rectifying', 'submitted') AND "
					"hazard.measures IS NOT NULL AND "
					"hazard.deadline IS NOT NULL",
					"hazard", "hazard", NULL, "hazard.level", rect_sort_cols,
					rect_cols },
	[HAZARD_LIST_SUPERVISION] = { "SELECT hazard_supervision.id, hazard_supervision.hazard_id, "
				      "hazard.number, "
				      "hazard.enterprise_id, enterprise.name, hazard.level, "
				      "hazard_supervision.reason, "
				      "hazard_supervision.state, "
				      "hazard_supervision.leader_id, " PERSON(
					      "app_user") ", hazard_supervision.deadline, "
							  "hazard_supervision.progress, "
							  "hazard_supervision.note, "
							  "hazard_supervision.proposed_ms, "
							  "hazard_supervision.listed_ms, "
							  "hazard_supervision.lifted_ms, "
							  "hazard.state, "
							  "hazard.deadline FROM hazard_supervision "
							  "JOIN hazard ON hazard.id = "
							  "hazard_supervision.hazard_id JOIN "
							  "enterprise ON enterprise.id = "
							  "hazard.enterprise_id LEFT JOIN app_user "
							  "ON app_user.id = "
							  "hazard_supervision.leader_id",
				      NULL, "hazard_supervision", "hazard",
				      "hazard_supervision.state", "hazard.level", sup_sort_cols,
				      sup_cols },
	[HAZARD_LIST_ACCOUNTABILITY] = { "SELECT hazard_accountability.id, "
					 "hazard_accountability.hazard_id, hazard.number, "
					 "hazard.enterprise_id, enterprise.name, hazard.level, "
					 "hazard_accountability.kind, "
					 "hazard_accountability.responsible, "
					 "hazard_accountability.rectifier_id, " PERSON(
						 "rectifier") ", "
							      "hazard_accountability.verifier_id,"
							      " " PERSON("verifier") ", "
										     "hazard_"
										     "accountabilit"
										     "y.recorded_"
										     "ms, "
										     "hazard_"
										     "accountabilit"
										     "y.note FROM "
										     "hazard_"
										     "accountabilit"
										     "y JOIN "
										     "hazard ON "
										     "hazard.id = "
										     "hazard_"
										     "accountabilit"
										     "y.hazard_id "
										     "JOIN "
										     "enterprise "
										     "ON "
										     "enterprise."
										     "id = "
										     "hazard."
										     "enterprise_"
										     "id LEFT JOIN "
										     "app_user "
										     "rectifier ON "
										     "rectifier.id "
										     "= "
										     "hazard_"
										     "accountabilit"
										     "y.rectifier_"
										     "id LEFT JOIN "
										     "app_user "
										     "verifier ON "
										     "verifier.id "
										     "= "
										     "hazard_"
										     "accountabilit"
										     "y.verifier_"
										     "id",
					 NULL, "hazard_accountability", "hazard",
					 "hazard_accountability.kind", "hazard.level",
					 acc_sort_cols, acc_cols },
	[HAZARD_LIST_BLACKLIST] = { "SELECT enterprise_blacklist.id, "
				    "enterprise_blacklist.enterprise_id, "
				    "enterprise.name, enterprise.uscc, enterprise_blacklist.rule, "
				    "enterprise_blacklist.hazard_id, hazard.number, "
				    "enterprise_blacklist.reason, "
				    "enterprise_blacklist.state, enterprise_blacklist.proposed_ms, "
				    "enterprise_blacklist.entered_ms, "
				    "enterprise_blacklist.entered_by, "
				    "enterprise_blacklist.review_due, "
				    "enterprise_blacklist.reviewed_ms, "
				    "enterprise_blacklist.review_note, "
				    "enterprise_blacklist.removed_ms, "
				    "enterprise_blacklist.removed_by, "
				    "enterprise_blacklist.removal_reason FROM "
				    "enterprise_blacklist JOIN enterprise ON enterprise.id = "
				    "enterprise_blacklist.enterprise_id LEFT JOIN hazard ON "
				    "hazard.id = "
				    "enterprise_blacklist.hazard_id",
				    NULL, "enterprise_blacklist", "enterprise",
				    "enterprise_blacklist.state", NULL, bl_sort_cols, bl_cols },
};

static json_t *row_json(struct db_stmt *st, const struct col *cols)
{
	json_t *o = json_object();

	for (int i = 0; cols[i].key; i++) {
		json_t *v;

		if (db_col_null(st, i))
			v = json_null();
		else if (cols[i].type == 'i')
			v = json_integer(db_col_i64(st, i));
		else
			v = json_string(db_col_text(st, i));
		json_object_set_new(o, cols[i].key, v ? v : json_null());
	}
	return o;
}

/*
 * The WHERE of a list: the list's own condition, the scope, the filters, each a static
 * fragment over the scope table (st names a table of the spec, never input).
 */
static void where_of(const struct list_spec *s, const struct hazard_list_filter *f, struct buf *w)
{
	const char *t = s->scope_table;

	buf_adds(w, s->base ? s->base : "1 = 1");
	if (f->scope.prefix)
		buf_addf(w, " AND %s.region_code >= :sp AND %s.region_code < :sp_end", t, t);
	if (f->scope.grid_user)
		buf_addf(w,
			 " AND %s.grid_id IN (SELECT user_grid.grid_id FROM user_grid WHERE "
			 "user_grid.user_id = :grid_user)",
			 t);
	if (f->scope.uscc) {
		if (strcmp(t, "enterprise") == 0)
			buf_adds(w, " AND enterprise.uscc = :scope_uscc");
		else
			buf_addf(w,
				 " AND %s.enterprise_id IN (SELECT enterprise.id FROM enterprise "
				 "WHERE enterprise.uscc = :scope_uscc)",
				 t);
	}
	if (f->region)
		buf_addf(w, " AND %s.region_code >= :region AND %s.region_code < :region_end", t,
			 t);
	if (f->grid_id)
		buf_addf(w, " AND %s.grid_id = :grid_id", t);
	if (f->level && s->level_col)
		buf_addf(w, " AND %s = :level", s->level_col);
	if (f->state && s->state_col)
		buf_addf(w, " AND %s = :state", s->state_col);
	if (f->rule && strcmp(s->table, "enterprise_blacklist") == 0)
		buf_adds(w, " AND enterprise_blacklist.rule = :rule");
	if (f->dl_filter && strcmp(s->table, "hazard") == 0) {
		if (f->dl_from)
			buf_adds(w, " AND hazard.deadline >= :dl_from");
		if (f->dl_to)
			buf_adds(w, " AND hazard.deadline < :dl_to");
	}
}

static void bind_filter(struct db_stmt *st, const struct list_spec *s,
			const struct hazard_list_filter *f)
{
	if (f->scope.prefix) {
		db_bind_text(st, ":sp", f->scope.prefix);
		db_bind_text(st, ":sp_end", f->scope.prefix_end);
	}
	if (f->scope.grid_user)
		db_bind_i64(st, ":grid_user", f->scope.grid_user);
	if (f->scope.uscc)
		db_bind_text(st, ":scope_uscc", f->scope.uscc);
	if (f->region) {
		db_bind_text(st, ":region", f->region);
		db_bind_text(st, ":region_end", f->region_end);
	}
	if (f->grid_id)
		db_bind_i64(st, ":grid_id", f->grid_id);
	if (f->level && s->level_col)
		db_bind_text(st, ":level", f->level);
	if (f->state && s->state_col)
		db_bind_text(st, ":state", f->state);
	if (f->rule && strcmp(s->table, "enterprise_blacklist") == 0)
		db_bind_text(st, ":rule", f->rule);
	if (f->dl_filter && strcmp(s->table, "hazard") == 0) {
		if (f->dl_from)
			db_bind_text(st, ":dl_from", f->dl_from);
		if (f->dl_to)
			db_bind_text(st, ":dl_to", f->dl_to);
	}
}

int hazard_lists_db_walk(struct db *db, enum hazard_list_kind kind,
			 const struct hazard_list_filter *f, const struct list_params *lp,
			 int (*row)(json_t *item, void *ctx), void *ctx)
{
	const struct list_spec *s = &specs[kind];
	struct buf w = BUF_INIT;
	struct db_stmt *st;
	char *sql;
	int rc;

	where_of(s, f, &w);
	sql = db_list_sql(s->select, w.p, s->table, s->sort_cols[lp->sort], lp->desc);
	buf_release(&w);
	st = db_stmt_dyn(db, sql);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, s, f);
	db_bind_page(st, lp);
	while ((rc = db_step(st)) == DB_ROW) {
		rc = row(row_json(st, s->cols), ctx);
		if (rc < 0) {
			db_reset(st);
			return rc;
		}
	}
	return rc;
}

/* ------------------------------------------------------------ supervision */

#define SUP_ROW                                                                                  \
	"SELECT hazard_supervision.id, hazard_supervision.hazard_id, hazard_supervision.state, " \
	"hazard.state, hazard.region_code, COALESCE(hazard.grid_id, 0), enterprise.uscc FROM "   \
	"hazard_supervision JOIN hazard ON hazard.id = hazard_supervision.hazard_id JOIN "       \
	"enterprise ON enterprise.id = hazard.enterprise_id "

static const char SQL_SUP_GET[] = SUP_ROW "WHERE hazard_supervision.id = :id";
static const char SQL_SUP_BY_HAZARD[] = SUP_ROW "WHERE hazard_supervision.hazard_id = :id";

static int sup_read(struct db_stmt *st, int64_t id, struct hazard_sup_row *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	out->id = db_col_i64(st, 0);
	out->hazard_id = db_col_i64(st, 1);
	copy_col(st, 2, out->state, sizeof(out->state));
	copy_col(st, 3, out->hazard_state, sizeof(out->hazard_state));
	copy_col(st, 4, out->region_code, sizeof(out->region_code));
	out->grid_id = db_col_i64(st, 5);
	copy_col(st, 6, out->uscc, sizeof(out->uscc));
	db_reset(st);
	return 0;
}

int hazard_sup_db_get(struct db *db, int64_t id, struct hazard_sup_row *out)
{
	return sup_read(db_stmt(db, SQL_SUP_GET), id, out);
}

int hazard_sup_db_by_hazard(struct db *db, int64_t hazard_id, struct hazard_sup_row *out)
{
	return sup_read(db_stmt(db, SQL_SUP_BY_HAZARD), hazard_id, out);
}

static const char SQL_SUP_UPDATE[] =
	"UPDATE hazard_supervision SET state = :state, leader_id = COALESCE(:leader_id, "
	"leader_id), deadline = COALESCE(:deadline, deadline), note = COALESCE(:note, note), "
	"progress = COALESCE(:progress, progress), listed_ms = COALESCE(:listed_ms, listed_ms), "
	"lifted_ms = COALESCE(:lifted_ms, lifted_ms) WHERE id = :id";

int hazard_sup_db_update(struct db *db, int64_t id, const char *state, int64_t leader_id,
			 const char *deadline, const char *note, const char *progress,
			 int64_t listed_ms, int64_t lifted_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_SUP_UPDATE);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":state", state);
	db_bind_id_or_null(st, ":leader_id", leader_id);
	db_bind_text(st, ":deadline", deadline);
	db_bind_text(st, ":note", note);
	db_bind_text(st, ":progress", progress);
	db_bind_id_or_null(st, ":listed_ms", listed_ms);
	db_bind_id_or_null(st, ":lifted_ms", lifted_ms);
	db_bind_i64(st, ":id", id);
	return db_step_change(st);
}

static const char SQL_SUP_INSERT[] =
	"INSERT INTO hazard_supervision (hazard_id, state, reason, proposed_ms, leader_id, "
	"deadline, listed_ms, note) VALUES (:hazard_id, 'listed', 'manual', :now, :leader_id, "
	":deadline, :now, :note)";

int hazard_sup_db_insert_listed(struct db *db, int64_t hazard_id, int64_t leader_id,
				const char *deadline, const char *note, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_SUP_INSERT);
	int rc;

	*id = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard_id", hazard_id);
	db_bind_i64(st, ":now", now);
	db_bind_i64(st, ":leader_id", leader_id);
	db_bind_text(st, ":deadline", deadline);
	db_bind_text(st, ":note", note ? note : "");
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_SUP_ONE[] =
	"SELECT hazard_supervision.id, hazard_supervision.hazard_id, hazard.number, "
	"hazard.enterprise_id, enterprise.name, hazard.level, hazard_supervision.reason, "
	"hazard_supervision.state, hazard_supervision.leader_id, " PERSON(
		"app_user") ", hazard_supervision.deadline, hazard_supervision.progress, "
			    "hazard_supervision.note, "
			    "hazard_supervision.proposed_ms, hazard_supervision.listed_ms, "
			    "hazard_supervision.lifted_ms, hazard.state, hazard.deadline FROM "
			    "hazard_supervision "
			    "JOIN hazard ON hazard.id = hazard_supervision.hazard_id JOIN "
			    "enterprise ON "
			    "enterprise.id = hazard.enterprise_id LEFT JOIN app_user ON "
			    "app_user.id = "
			    "hazard_supervision.leader_id WHERE hazard_supervision.id = :id";

static int one_json(struct db_stmt *st, int64_t id, const struct col *cols, json_t **out)
{
	int rc;

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	*out = row_json(st, cols);
	db_reset(st);
	return 0;
}

int hazard_sup_db_json(struct db *db, int64_t id, json_t **out)
{
	return one_json(db_stmt(db, SQL_SUP_ONE), id, sup_cols, out);
}

static const char SQL_BRIEF[] =
	"SELECT hazard.id, hazard.state, hazard.region_code, COALESCE(hazard.grid_id, 0), "
	"hazard.enterprise_id, enterprise.uscc FROM hazard JOIN enterprise ON enterprise.id = "
	"hazard.enterprise_id WHERE hazard.id = :id";

int hazard_brief_db_get(struct db *db, int64_t id, struct hazard_brief *out)
{
	struct db_stmt *st = db_stmt(db, SQL_BRIEF);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	out->id = db_col_i64(st, 0);
	copy_col(st, 1, out->state, sizeof(out->state));
	copy_col(st, 2, out->region_code, sizeof(out->region_code));
	out->grid_id = db_col_i64(st, 3);
	out->enterprise_id = db_col_i64(st, 4);
	copy_col(st, 5, out->uscc, sizeof(out->uscc));
	db_reset(st);
	return 0;
}

/* ------------------------------------------------------------ blacklist */

static const char SQL_BL_GET[] =
	"SELECT enterprise_blacklist.id, enterprise_blacklist.enterprise_id, "
	"enterprise_blacklist.state, enterprise_blacklist.rule, enterprise.region_code, "
	"COALESCE(enterprise.grid_id, 0), enterprise.uscc, "
	"COALESCE(enterprise_blacklist.review_due, '') FROM enterprise_blacklist JOIN enterprise "
	"ON enterprise.id = enterprise_blacklist.enterprise_id WHERE enterprise_blacklist.id = :id";

int hazard_bl_db_get(struct db *db, int64_t id, struct hazard_bl_row *out)
{
	struct db_stmt *st = db_stmt(db, SQL_BL_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	out->id = db_col_i64(st, 0);
	out->enterprise_id = db_col_i64(st, 1);
	copy_col(st, 2, out->state, sizeof(out->state));
	copy_col(st, 3, out->rule, sizeof(out->rule));
	copy_col(st, 4, out->region_code, sizeof(out->region_code));
	out->grid_id = db_col_i64(st, 5);
	copy_col(st, 6, out->uscc, sizeof(out->uscc));
	copy_col(st, 7, out->review_due, sizeof(out->review_due));
	db_reset(st);
	return 0;
}

static const char SQL_BL_CONFIRM[] =
	"UPDATE enterprise_blacklist SET state = 'listed', entered_ms = :now, entered_by = "
	":user_id, review_due = :review_due WHERE id = :id";
static const char SQL_BL_REJECT[] =
	"UPDATE enterprise_blacklist SET state = 'rejected', removed_ms = :now, removed_by = "
	":user_id, removal_reason = :text WHERE id = :id";
static const char SQL_BL_REVIEW[] =
	"UPDATE enterprise_blacklist SET reviewed_ms = :now, review_note = :text, review_due = "
	":review_due, entered_by = COALESCE(entered_by, :user_id) WHERE id = :id";
static const char SQL_BL_REMOVE[] =
	"UPDATE enterprise_blacklist SET state = 'removed', removed_ms = :now, removed_by = "
	":user_id, removal_reason = :text WHERE id = :id";

int hazard_bl_db_apply(struct db *db, int64_t id, const char *state, enum hazard_bl_action a,
		       int64_t user_id, const char *text, const char *review_due, int64_t now)
{
	static const char *const sql[HAZARD_BL_ACTION_COUNT_] = {
		[HAZARD_BL_CONFIRM] = SQL_BL_CONFIRM,
		[HAZARD_BL_REJECT] = SQL_BL_REJECT,
		[HAZARD_BL_REVIEW] = SQL_BL_REVIEW,
		[HAZARD_BL_REMOVE] = SQL_BL_REMOVE,
	};
	struct db_stmt *st = db_stmt(db, sql[a]);

	(void)state; /* implied by the action (hazard_bl_transition) */
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":now", now);
	db_bind_i64(st, ":user_id", user_id);
	db_bind_i64(st, ":id", id);
	if (a == HAZARD_BL_CONFIRM || a == HAZARD_BL_REVIEW)
		db_bind_text(st, ":review_due", review_due);
	if (a != HAZARD_BL_CONFIRM)
		db_bind_text(st, ":text", text ? text : "");
	return db_step_change(st);
}

static const char SQL_BL_ACTIVE_MANUAL[] =
	"SELECT COUNT(*) FROM enterprise_blacklist WHERE enterprise_id = :enterprise_id AND "
	"rule = 'manual' AND state IN ('proposed', 'listed')";
static const char SQL_BL_INSERT[] =
	"INSERT INTO enterprise_blacklist (enterprise_id, rule, hazard_id, state, reason, "
	"proposed_ms, entered_ms, entered_by, review_due) VALUES (:enterprise_id, 'manual', NULL, "
	"'listed', :reason, :now, :now, :user_id, :review_due)";

int hazard_bl_db_insert_manual(struct db *db, int64_t enterprise_id, const char *reason,
			       int64_t user_id, const char *review_due, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_BL_ACTIVE_MANUAL);
	int64_t active = 0;
	int rc;

	*id = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":enterprise_id", enterprise_id);
	rc = db_step_i64(st, &active);
	if (rc < 0)
		return rc;
	if (active > 0)
		return ERR_CONFLICT;
	st = db_stmt(db, SQL_BL_INSERT);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":enterprise_id", enterprise_id);
	db_bind_text(st, ":reason", reason);
	db_bind_i64(st, ":now", now);
	db_bind_i64(st, ":user_id", user_id);
	db_bind_text(st, ":review_due", review_due);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_BL_ONE[] =
	"SELECT enterprise_blacklist.id, enterprise_blacklist.enterprise_id, enterprise.name, "
	"enterprise.uscc, enterprise_blacklist.rule, enterprise_blacklist.hazard_id, "
	"hazard.number, enterprise_blacklist.reason, enterprise_blacklist.state, "
	"enterprise_blacklist.proposed_ms, enterprise_blacklist.entered_ms, "
	"enterprise_blacklist.entered_by, enterprise_blacklist.review_due, "
	"enterprise_blacklist.reviewed_ms, enterprise_blacklist.review_note, "
	"enterprise_blacklist.removed_ms, enterprise_blacklist.removed_by, "
	"enterprise_blacklist.removal_reason FROM enterprise_blacklist JOIN enterprise ON "
	"enterprise.id = enterprise_blacklist.enterprise_id LEFT JOIN hazard ON hazard.id = "
	"enterprise_blacklist.hazard_id WHERE enterprise_blacklist.id = :id";

int hazard_bl_db_json(struct db *db, int64_t id, json_t **out)
{
	return one_json(db_stmt(db, SQL_BL_ONE), id, bl_cols, out);
}

static const char SQL_ENT_SCOPE[] =
	"SELECT region_code, COALESCE(grid_id, 0), uscc FROM enterprise WHERE id = :id";

int hazard_enterprise_db_scope(struct db *db, int64_t enterprise_id, char region[16],
			       int64_t *grid_id, char uscc[24])
{
	struct db_stmt *st = db_stmt(db, SQL_ENT_SCOPE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", enterprise_id);
	rc = db_step(st);
	if (rc == DB_DONE)
		return ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	copy_col(st, 0, region, 16);
	*grid_id = db_col_i64(st, 1);
	copy_col(st, 2, uscc, 24);
	db_reset(st);
	return 0;
}
