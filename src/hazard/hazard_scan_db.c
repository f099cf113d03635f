/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the overdue scan (hazard_scan.c; declared in hazard_lists_db.h):
 * the candidates, the events, accountability and blacklist rows, supervision proposals and
 * lifts, the recipients of notifications and the daily per-grid snapshot. Values are
 * always bound.
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

/* ------------------------------------------------------------ the scan */

/* CASE WHEN EXISTS: an integer in both engines (PostgreSQL's EXISTS is a boolean). */
#define FLAG(cond) "CASE WHEN EXISTS (" cond ") THEN 1 ELSE 0 END"
#define SCAN_COLS                                                                                                                                                                                                                                                                                                                                                          \
	"SELECT hazard.id AS id, hazard.number, hazard.level AS level, hazard.state, "                                                                                                                                                                                                                                                                                     \
	"COALESCE(hazard.deadline, '') AS deadline, hazard.enterprise_id, enterprise.name, "                                                                                                                                                                                                                                                                               \
	"COALESCE(hazard.grid_id, 0), hazard.region_code, "                                                                                                                                                                                                                                                                                                                \
	"COALESCE(enterprise.supervising_dept_id, 0), COALESCE(hazard.responsible, ''), "                                                                                                                                                                                                                                                                                  \
	"COALESCE(hazard.rectifier_id, 0), COALESCE(hazard.verifier_id, 0), "                                                                                                                                                                                                                                                                                              \
	"hazard.send_backs AS send_backs, " FLAG(                                                                                                                                                                                                                                                                                                                          \
		"SELECT 1 FROM hazard_event WHERE hazard_event.hazard_id = hazard.id AND "                                                                                                                                                                                                                                                                                 \
		"hazard_event.action = 'overdue' AND hazard_event.reason = 'deadline ' || "                                                                                                                                                                                                                                                                                \
		"hazard.deadline || ' passed'") " AS had_overdue, " FLAG("SELECT 1 FROM "                                                                                                                                                                                                                                                                                  \
									 "hazard_event WHERE "                                                                                                                                                                                                                                                                             \
									 "hazard_event.hazard_id "                                                                                                                                                                                                                                                                         \
									 "= "                                                                                                                                                                                                                                                                                              \
									 "hazard.id AND "                                                                                                                                                                                                                                                                                  \
									 "hazard_event.action = "                                                                                                                                                                                                                                                                          \
									 "'overdue_30' AND "                                                                                                                                                                                                                                                                               \
									 "hazard_event.reason = "                                                                                                                                                                                                                                                                          \
									 "'deadline ' || "                                                                                                                                                                                                                                                                                 \
									 "hazard.deadline || "                                                                                                                                                                                                                                                                             \
									 "' passed long ago'") " "                                                                                                                                                                                                                                                                         \
											       "A"                                                                                                                                                                                                                                                                         \
											       "S"                                                                                                                                                                                                                                                                         \
											       " "                                                                                                                                                                                                                                                                         \
											       "h"                                                                                                                                                                                                                                                                         \
											       "a"                                                                                                                                                                                                                                                                         \
											       "d"                                                                                                                                                                                                                                                                         \
											       "_"                                                                                                                                                                                                                                                                         \
											       "l"                                                                                                                                                                                                                                                                         \
											       "o"                                                                                                                                                                                                                                                                         \
											       "n"                                                                                                                                                                                                                                                                         \
											       "g"                                                                                                                                                                                                                                                                         \
											       ","                                                                                                                                                                                                                                                                         \
											       " " FLAG(                                                                                                                                                                                                                                                                   \
												       "SELECT 1 FROM hazard_supervision WHERE "                                                                                                                                                                                                                           \
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
		db_col_copy(st, 1, h->number, sizeof(h->number));
		h->f.level = strcmp(db_col_text(st, 2), "major") == 0 ? HAZARD_MAJOR
								      : HAZARD_GENERAL;
		db_col_copy(st, 3, h->state, sizeof(h->state));
		db_col_copy(st, 4, h->deadline, sizeof(h->deadline));
		h->enterprise_id = db_col_i64(st, 5);
		db_col_copy(st, 6, h->enterprise_name, sizeof(h->enterprise_name));
		h->grid_id = db_col_i64(st, 7);
		db_col_copy(st, 8, h->region_code, sizeof(h->region_code));
		h->dept_id = db_col_i64(st, 9);
		db_col_copy(st, 10, h->responsible, sizeof(h->responsible));
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
