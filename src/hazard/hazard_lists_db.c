/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the four lists, listed supervision and the blacklist
 * (hazard_lists_db.h; the overdue scan's are in hazard_scan_db.c). Values are always bound; the lists' WHERE clauses are
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
	/*
	 * The enterprise's name as a subquery, not a join: SQLite then walks
	 * hazard_state_deadline for both states in deadline order and reads names for the page
	 * only (a join sorted every open hazard first: 0.6 s on 300k hazards, now < 1 ms).
	 */
	[HAZARD_LIST_RECTIFICATION] = { "SELECT hazard.id, hazard.number, hazard.enterprise_id, "
					"(SELECT enterprise.name "
					"FROM enterprise WHERE enterprise.id = "
					"hazard.enterprise_id), hazard.level, "
					"hazard.measures, hazard.responsible, hazard.funds_yuan, "
					"hazard.emergency, "
					"hazard.deadline, hazard.state, hazard.region_code, "
					"hazard.grid_id, "
					"hazard.extension_pending FROM hazard",
					"hazard.state IN ('rectifying', 'submitted') AND "
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
	db_col_copy(st, 2, out->state, sizeof(out->state));
	db_col_copy(st, 3, out->hazard_state, sizeof(out->hazard_state));
	db_col_copy(st, 4, out->region_code, sizeof(out->region_code));
	out->grid_id = db_col_i64(st, 5);
	db_col_copy(st, 6, out->uscc, sizeof(out->uscc));
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
	db_col_copy(st, 1, out->state, sizeof(out->state));
	db_col_copy(st, 2, out->region_code, sizeof(out->region_code));
	out->grid_id = db_col_i64(st, 3);
	out->enterprise_id = db_col_i64(st, 4);
	db_col_copy(st, 5, out->uscc, sizeof(out->uscc));
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
	db_col_copy(st, 2, out->state, sizeof(out->state));
	db_col_copy(st, 3, out->rule, sizeof(out->rule));
	db_col_copy(st, 4, out->region_code, sizeof(out->region_code));
	out->grid_id = db_col_i64(st, 5);
	db_col_copy(st, 6, out->uscc, sizeof(out->uscc));
	db_col_copy(st, 7, out->review_due, sizeof(out->review_due));
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
	db_col_copy(st, 0, region, 16);
	*grid_id = db_col_i64(st, 1);
	db_col_copy(st, 2, uscc, 24);
	db_reset(st);
	return 0;
}
