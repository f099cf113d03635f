/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the hazard module (hazard_db.h): hazards, their numbering,
 * timeline, photos links, the false-closure row of the accountability list, and the
 * criteria for major hazards loaded at start-up.
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_db.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

/* ------------------------------------------------------------ insert */

static const char SQL_SEQ[] =
	"INSERT INTO hazard_seq (region_code, year, last) VALUES (:region, :year, 1) "
	"ON CONFLICT (region_code, year) DO UPDATE SET last = hazard_seq.last + 1 "
	"RETURNING last";

static const char SQL_INSERT[] =
	"INSERT INTO hazard (number, client_ref, enterprise_id, region_code, grid_id, "
	"industry_code, source, reporter_id, found_ms, location, lat, lon, category, "
	"subcategory, level, criterion_id, criterion_text, description, state, created_ms, "
	"updated_ms, risk_point_id, check_task_id) VALUES (:number, :client_ref, :enterprise_id, "
	":region_code, :grid_id, :industry_code, :source, :reporter_id, :found_ms, :location, "
	":lat, :lon, :category, :subcategory, :level, :criterion_id, :criterion_text, "
	":description, 'reported', :now, :now, :risk_point_id, :check_task_id)";

static const char *nz(const char *s)
{
	return s ? s : "";
}

int hazard_db_insert(struct db *db, const struct hazard_new *h, int64_t *id, char *number,
		     int64_t *event_id)
{
	struct db_stmt *st = db_stmt(db, SQL_SEQ);
	int64_t seq = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":region", h->region_code);
	db_bind_i64(st, ":year", h->year);
	rc = db_step_i64(st, &seq);
	if (rc < 0)
		return rc == ERR_NOT_FOUND ? ERR_DB : rc;
	if (hazard_number_build(h->region_code, h->year, seq, number, HAZARD_NUMBER_MAX) < 0)
		return ERR_INVALID;
	st = db_stmt(db, SQL_INSERT);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":number", number);
	db_bind_text(st, ":client_ref", h->client_ref);
	db_bind_i64(st, ":enterprise_id", h->enterprise_id);
	db_bind_text(st, ":region_code", h->region_code);
	db_bind_id_or_null(st, ":grid_id", h->grid_id);
	db_bind_text(st, ":industry_code", h->industry_code);
	db_bind_text(st, ":source", h->source);
	db_bind_id_or_null(st, ":reporter_id", h->reporter_id);
	db_bind_i64(st, ":found_ms", h->found_ms);
	db_bind_text(st, ":location", nz(h->location));
	if (h->has_coord) {
		db_bind_f64(st, ":lat", h->lat);
		db_bind_f64(st, ":lon", h->lon);
	} else {
		db_bind_null(st, ":lat");
		db_bind_null(st, ":lon");
	}
	db_bind_text(st, ":category", h->category);
	db_bind_text(st, ":subcategory", nz(h->subcategory));
	db_bind_text(st, ":level", h->level);
	db_bind_id_or_null(st, ":criterion_id", h->criterion_id);
	db_bind_text(st, ":criterion_text", nz(h->criterion_text));
	db_bind_text(st, ":description", h->description);
	db_bind_i64(st, ":now", h->now_ms);
	db_bind_id_or_null(st, ":risk_point_id", h->risk_point_id);
	db_bind_id_or_null(st, ":check_task_id", h->check_task_id);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	*id = db_last_id(db);
	return hazard_db_event_add(db, *id, h->now_ms, h->reporter_id,
				   h->actor_login ? h->actor_login : "system", "report", NULL,
				   "reported", "", NULL, event_id);
}

static const char SQL_EVENT[] =
	"INSERT INTO hazard_event (hazard_id, at_ms, actor_id, actor_login, action, from_state, "
	"to_state, reason, detail) VALUES (:hazard_id, :at, :actor_id, :login, :action, :from, "
	":to, :reason, :detail)";

int hazard_db_event_add(struct db *db, int64_t hazard_id, int64_t at_ms, int64_t actor_id,
			const char *actor_login, const char *action, const char *from_state,
			const char *to_state, const char *reason, const char *detail,
			int64_t *event_id)
{
	struct db_stmt *st = db_stmt(db, SQL_EVENT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard_id", hazard_id);
	db_bind_i64(st, ":at", at_ms);
	db_bind_id_or_null(st, ":actor_id", actor_id);
	db_bind_text(st, ":login", actor_login);
	db_bind_text(st, ":action", action);
	db_bind_text(st, ":from", from_state);
	db_bind_text(st, ":to", to_state);
	db_bind_text(st, ":reason", nz(reason));
	db_bind_text(st, ":detail", detail ? detail : "{}");
	rc = db_step_done(st);
	if (rc == 0 && event_id)
		*event_id = db_last_id(db);
	return rc;
}

static const char SQL_EVENT_AUDIT[] = "UPDATE hazard_event SET audit_id = :audit WHERE id = :id";

int hazard_db_event_set_audit(struct db *db, int64_t event_id, int64_t audit_id)
{
	struct db_stmt *st = db_stmt(db, SQL_EVENT_AUDIT);

	if (st == NULL)
		return ERR_DB;
	db_bind_id_or_null(st, ":audit", audit_id);
	db_bind_i64(st, ":id", event_id);
	return db_step_done(st);
}

/* ------------------------------------------------------------ read */

#define SELECT_HAZARD                                                                        \
	"SELECT hazard.id, hazard.number, hazard.enterprise_id, enterprise.name, "           \
	"hazard.region_code, hazard.grid_id, hazard.industry_code, hazard.source, "          \
	"hazard.reporter_id, COALESCE(NULLIF(ru.display_name, ''), ru.login), "              \
	"hazard.found_ms, hazard.location, hazard.lat, hazard.lon, hazard.category, "        \
	"hazard.subcategory, hazard.level, hazard.criterion_id, hc.set_code, hc.doc, "       \
	"hc.item, hc.topic_zh, hazard.criterion_text, hazard.description, hazard.state, "    \
	"hazard.measures, hazard.responsible, hazard.funds_yuan, hazard.emergency, "         \
	"hazard.deadline, hazard.extension_pending, hazard.pending_deadline, "               \
	"hazard.extension_requests, hazard.rectifier_id, hazard.verifier_id, "               \
	"hazard.send_backs, hazard.closed_ms, hazard.created_ms, hazard.updated_ms, hs.id, " \
	"hs.state, hs.leader_id, COALESCE(NULLIF(lu.display_name, ''), lu.login), "          \
	"hs.deadline, enterprise.uscc, enterprise.supervising_dept_id "                      \
	"FROM hazard JOIN enterprise ON enterprise.id = hazard.enterprise_id "               \
	"LEFT JOIN app_user ru ON ru.id = hazard.reporter_id "                               \
	"LEFT JOIN hazard_criterion hc ON hc.id = hazard.criterion_id "                      \
	"LEFT JOIN hazard_supervision hs ON hs.hazard_id = hazard.id "                       \
	"LEFT JOIN app_user lu ON lu.id = hs.leader_id"

static json_t *text_or_null(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);

	return s ? json_string(s) : json_null();
}

static json_t *id_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_i64(st, col));
}

static json_t *row_json(struct db_stmt *st)
{
	json_t *o = json_object(), *crit = json_null(), *plan = json_null(), *sup = json_null();
	int c = 0;

	json_object_set_new(o, "id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "number", text_or_null(st, c++));
	json_object_set_new(o, "enterprise_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "enterprise_name", text_or_null(st, c++));
	json_object_set_new(o, "region_code", text_or_null(st, c++));
	json_object_set_new(o, "grid_id", id_or_null(st, c++));
	json_object_set_new(o, "industry_code", text_or_null(st, c++));
	json_object_set_new(o, "source", text_or_null(st, c++));
	json_object_set_new(o, "reporter_id", id_or_null(st, c++));
	json_object_set_new(o, "reporter_name", text_or_null(st, c++));
	json_object_set_new(o, "found_ms", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "location", text_or_null(st, c++));
	json_object_set_new(o, "lat",
			    db_col_null(st, c) ? json_null() : json_real(db_col_f64(st, c)));
	c++;
	json_object_set_new(o, "lon",
			    db_col_null(st, c) ? json_null() : json_real(db_col_f64(st, c)));
	c++;
	json_object_set_new(o, "category", text_or_null(st, c++));
	json_object_set_new(o, "subcategory", text_or_null(st, c++));
	json_object_set_new(o, "level", text_or_null(st, c++));
	json_object_set_new(o, "criterion_id", id_or_null(st, c));
	if (!db_col_null(st, c)) {
		json_decref(crit);
		crit = json_pack("{s:s, s:s, s:I, s:s}", "set_code", nz(db_col_text(st, c + 1)),
				 "doc", nz(db_col_text(st, c + 2)), "item",
				 (json_int_t)db_col_i64(st, c + 3), "topic_zh",
				 nz(db_col_text(st, c + 4)));
	}
	c += 5;
	json_object_set_new(o, "criterion", crit);
	json_object_set_new(o, "criterion_text", text_or_null(st, c++));
	json_object_set_new(o, "description", text_or_null(st, c++));
	json_object_set_new(o, "state", text_or_null(st, c++));
	if (!db_col_null(st, c)) { /* measures: a plan was recorded */
		json_decref(plan);
		plan = json_object();
		json_object_set_new(plan, "measures", text_or_null(st, c));
		json_object_set_new(plan, "responsible", text_or_null(st, c + 1));
		json_object_set_new(plan, "funds_yuan", id_or_null(st, c + 2));
		json_object_set_new(plan, "emergency", text_or_null(st, c + 3));
		json_object_set_new(plan, "deadline", text_or_null(st, c + 4));
	}
	c += 4;
	json_object_set_new(o, "plan", plan);
	json_object_set_new(o, "deadline", text_or_null(st, c++));
	json_object_set_new(o, "extension_pending", json_boolean(db_col_i64(st, c++) != 0));
	json_object_set_new(o, "pending_deadline", text_or_null(st, c++));
	json_object_set_new(o, "extension_requests", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "rectifier_id", id_or_null(st, c++));
	json_object_set_new(o, "verifier_id", id_or_null(st, c++));
	json_object_set_new(o, "send_backs", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "closed_ms", id_or_null(st, c++));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, c++)));
	if (!db_col_null(st, c)) {
		json_decref(sup);
		sup = json_object();
		json_object_set_new(sup, "id", json_integer(db_col_i64(st, c)));
		json_object_set_new(sup, "state", text_or_null(st, c + 1));
		json_object_set_new(sup, "leader_id", id_or_null(st, c + 2));
		json_object_set_new(sup, "leader_name", text_or_null(st, c + 3));
		json_object_set_new(sup, "deadline", text_or_null(st, c + 4));
	}
	c += 5;
	json_object_set_new(o, "supervision", sup);
	json_object_set_new(o, "_uscc", text_or_null(st, c++));
	json_object_set_new(o, "_supervising_dept_id", id_or_null(st, c++));
	return o;
}

static const char SQL_GET[] = SELECT_HAZARD " WHERE hazard.id = :id";

int hazard_db_get(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = db_stmt(db, SQL_GET);
	int rc;

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*out = row_json(st);
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}

static const char SQL_RISK_LINK[] =
	"SELECT hazard.risk_point_id, risk_point.name, hazard.check_task_id FROM hazard "
	"LEFT JOIN risk_point ON risk_point.id = hazard.risk_point_id WHERE hazard.id = :id";

int hazard_db_risk_link(struct db *db, int64_t id, json_t *h)
{
	struct db_stmt *st = db_stmt(db, SQL_RISK_LINK);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ERR_NOT_FOUND : rc;
	json_object_set_new(h, "risk_point_id", id_or_null(st, 0));
	json_object_set_new(h, "risk_point_name", text_or_null(st, 1));
	json_object_set_new(h, "check_task_id", id_or_null(st, 2));
	db_reset(st);
	return 0;
}

static const char SQL_BY_REF[] = "SELECT id, reporter_id FROM hazard WHERE client_ref = :ref";

int hazard_db_by_client_ref(struct db *db, const char *client_ref, int64_t *id,
			    int64_t *reporter_id)
{
	struct db_stmt *st = db_stmt(db, SQL_BY_REF);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":ref", client_ref);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_i64(st, 0);
		*reporter_id = db_col_null(st, 1) ? 0 : db_col_i64(st, 1);
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}

/* ------------------------------------------------------------ list */

/* The sort expressions of enum hazard_sort: no deadline sorts after every date. */
static const char *const sort_expr[] = {
	[HAZARD_SORT_CREATED] = "hazard.created_ms",
	[HAZARD_SORT_DEADLINE] = "COALESCE(hazard.deadline, '9999-12-31')",
	[HAZARD_SORT_FOUND] = "hazard.found_ms",
	[HAZARD_SORT_NUMBER] = "hazard.number",
};

/*
 * Whether the filter's states are exactly the open ones (reported, confirmed, rectifying,
 * submitted, in any order): then written as "not closed nor dismissed", the condition of
 * the partial indexes hazard_open_created and hazard_open_level (0011), which give open
 * hazards in report order (an IN list of four makes SQLite sort every open match).
 */
static bool open_states(const struct hazard_filter *f)
{
	static const char *const open[] = { "reported", "confirmed", "rectifying", "submitted" };
	int n = 0;

	while (n < 6 && f->states[n])
		n++;
	if (n != 4)
		return false;
	for (int i = 0; i < 4; i++) {
		bool found = false;

		for (int j = 0; j < 4; j++)
			found = found || strcmp(f->states[j], open[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Static WHERE fragments, chosen by the filter (never built from input). */
static void where_parts(const struct hazard_filter *f, bool by_deadline, struct buf *w)
{
	buf_adds(w, "1=1");
	/*
	 * One state is an equality, so that index hazard_state_created (0011) gives the rows in
	 * report order (an IN list of six makes SQLite sort every matching row).
	 */
	if (f->states[0] && !f->states[1])
		buf_adds(w, " AND hazard.state = :st0");
	else if (open_states(f))
		buf_adds(w, " AND hazard.state NOT IN ('dismissed', 'closed')");
	else if (f->states[0])
		buf_adds(w, " AND hazard.state IN (:st0, :st1, :st2, :st3, :st4, :st5)");
	if (f->level)
		buf_adds(w, " AND hazard.level = :level");
	if (f->source)
		buf_adds(w, " AND hazard.source = :source");
	if (f->category)
		buf_adds(w, " AND hazard.category = :category");
	if (f->region_from)
		buf_adds(w, " AND hazard.region_code >= :rfrom AND hazard.region_code < :rto");
	if (f->grid_id)
		buf_adds(w, " AND hazard.grid_id = :grid");
	if (f->enterprise_id)
		buf_adds(w, " AND hazard.enterprise_id = :eid");
	if (f->industry_from)
		buf_adds(w, " AND hazard.industry_code >= :ifrom AND hazard.industry_code < :ito");
	/*
	 * Two spellings of "open with a deadline", each the condition of one partial index of
	 * 0011: sorted by deadline, hazard_open_deadline's (rows in deadline order); otherwise
	 * hazard_open_created's (report order, the default sort: from the newest open hazard
	 * instead of every hazard). SQLite matches a partial index by the condition's text.
	 */
	if ((f->deadline_from || f->deadline_to) && by_deadline)
		buf_adds(w, " AND hazard.state NOT IN ('closed', 'dismissed') AND "
			    "hazard.deadline IS NOT NULL");
	else if (f->deadline_from || f->deadline_to)
		buf_adds(w, " AND hazard.state NOT IN ('dismissed', 'closed') AND "
			    "hazard.deadline IS NOT NULL");
	if (f->deadline_from)
		buf_adds(w, " AND hazard.deadline >= :dfrom");
	if (f->deadline_to)
		buf_adds(w, " AND hazard.deadline <= :dto");
	if (f->q_number)
		buf_adds(w,
			 " AND (hazard.number = :qn OR hazard.description LIKE :ql ESCAPE '\\')");
	if (f->found_from_ms >= 0)
		buf_adds(w, " AND hazard.found_ms >= :ffrom");
	if (f->found_to_ms >= 0)
		buf_adds(w, " AND hazard.found_ms < :fto");
	if (f->supervision)
		buf_adds(w, " AND EXISTS (SELECT 1 FROM hazard_supervision s2 WHERE "
			    "s2.hazard_id = hazard.id AND s2.state = :sup)");
	if (f->scope_from)
		buf_adds(w, " AND hazard.region_code >= :sfrom AND hazard.region_code < :sto");
	if (f->scope_grid_user)
		buf_adds(w, " AND hazard.grid_id IN (SELECT user_grid.grid_id FROM user_grid "
			    "WHERE user_grid.user_id = :grid_user)");
	if (f->scope_uscc)
		buf_adds(w, " AND enterprise.uscc = :uscc");
}

static void bind_filter(struct db_stmt *st, const struct hazard_filter *f)
{
	static const char *const names[] = { ":st0", ":st1", ":st2", ":st3", ":st4", ":st5" };

	if (f->states[0] && !f->states[1])
		db_bind_text(st, names[0], f->states[0]);
	else if (f->states[0] && !open_states(f))
		for (int i = 0; i < 6; i++)
			db_bind_text(st, names[i], f->states[i]);
	if (f->level)
		db_bind_text(st, ":level", f->level);
	if (f->source)
		db_bind_text(st, ":source", f->source);
	if (f->category)
		db_bind_text(st, ":category", f->category);
	if (f->region_from) {
		db_bind_text(st, ":rfrom", f->region_from);
		db_bind_text(st, ":rto", f->region_to);
	}
	if (f->grid_id)
		db_bind_i64(st, ":grid", f->grid_id);
	if (f->enterprise_id)
		db_bind_i64(st, ":eid", f->enterprise_id);
	if (f->industry_from) {
		db_bind_text(st, ":ifrom", f->industry_from);
		db_bind_text(st, ":ito", f->industry_to);
	}
	if (f->deadline_from)
		db_bind_text(st, ":dfrom", f->deadline_from);
	if (f->deadline_to)
		db_bind_text(st, ":dto", f->deadline_to);
	if (f->q_number) {
		db_bind_text(st, ":qn", f->q_number);
		db_bind_text(st, ":ql", f->q_like);
	}
	if (f->found_from_ms >= 0)
		db_bind_i64(st, ":ffrom", f->found_from_ms);
	if (f->found_to_ms >= 0)
		db_bind_i64(st, ":fto", f->found_to_ms);
	if (f->supervision)
		db_bind_text(st, ":sup", f->supervision);
	if (f->scope_from) {
		db_bind_text(st, ":sfrom", f->scope_from);
		db_bind_text(st, ":sto", f->scope_to);
	}
	if (f->scope_grid_user)
		db_bind_i64(st, ":grid_user", f->scope_grid_user);
	if (f->scope_uscc)
		db_bind_text(st, ":uscc", f->scope_uscc);
}

int hazard_db_list(struct db *db, const struct hazard_filter *f, const struct list_params *lp,
		   json_t **items)
{
	struct buf w = BUF_INIT, sql = BUF_INIT;
	const char *key = sort_expr[lp->sort >= 0 && lp->sort <= HAZARD_SORT_NUMBER ? lp->sort : 0];
	const char *dir = lp->desc ? "DESC" : "ASC";
	struct db_stmt *st;
	int rc;

	/*
	 * A deadline filter keeps only rows with a deadline: the bare column sorts them the same
	 * and lets partial index hazard_open_deadline (0011) give them in order.
	 */
	if (lp->sort == HAZARD_SORT_DEADLINE && (f->deadline_from || f->deadline_to))
		key = "hazard.deadline";
	*items = NULL;
	where_parts(f, lp->sort == HAZARD_SORT_DEADLINE, &w);
	buf_addf(&sql, "%s WHERE (%s)", SELECT_HAZARD, buf_str(&w));
	if (lp->limit > 0)
		buf_addf(&sql,
			 " AND (:after IS NULL OR (%s, hazard.id) %s (SELECT %s, hazard.id FROM "
			 "hazard JOIN enterprise ON enterprise.id = hazard.enterprise_id WHERE "
			 "hazard.id = :after AND (%s)))",
			 key, lp->desc ? "<" : ">", key, buf_str(&w));
	buf_addf(&sql, " ORDER BY %s %s, hazard.id %s", key, dir, dir);
	if (lp->limit > 0)
		buf_adds(&sql, " LIMIT :limit");
	st = db_stmt_dyn(db, buf_str(&sql));
	buf_release(&w);
	buf_release(&sql);
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	if (lp->limit > 0)
		db_bind_page(st, lp);
	rc = db_rows_json(st, row_json, items);
	return rc;
}

/* ------------------------------------------------------------ update */

static const char SQL_UPDATE[] =
	"UPDATE hazard SET state = :state, deadline = :deadline, extension_pending = :pending, "
	"pending_deadline = :pending_deadline, extension_requests = :requests, "
	"rectifier_id = :rectifier, verifier_id = :verifier, send_backs = :send_backs, "
	"closed_ms = :closed, updated_ms = :now, "
	"measures = CASE WHEN :set_plan THEN :measures ELSE measures END, "
	"responsible = CASE WHEN :set_plan THEN :responsible ELSE responsible END, "
	"funds_yuan = CASE WHEN :set_plan THEN :funds ELSE funds_yuan END, "
	"emergency = CASE WHEN :set_plan THEN :emergency ELSE emergency END, "
	"level = CASE WHEN :set_level THEN :level ELSE level END, "
	"criterion_id = CASE WHEN :set_level THEN :criterion ELSE criterion_id END, "
	"criterion_text = CASE WHEN :set_level THEN :criterion_text ELSE criterion_text END "
	"WHERE id = :id AND state = :from";

int hazard_db_update(struct db *db, int64_t id, const char *from_state,
		     const struct hazard_update *u)
{
	struct db_stmt *st = db_stmt(db, SQL_UPDATE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":state", u->state);
	db_bind_text(st, ":deadline", u->deadline);
	db_bind_i64(st, ":pending", u->extension_pending ? 1 : 0);
	db_bind_text(st, ":pending_deadline", u->pending_deadline);
	db_bind_i64(st, ":requests", u->extension_requests);
	db_bind_id_or_null(st, ":rectifier", u->rectifier_id);
	db_bind_id_or_null(st, ":verifier", u->verifier_id);
	db_bind_i64(st, ":send_backs", u->send_backs);
	db_bind_id_or_null(st, ":closed", u->closed_ms);
	db_bind_i64(st, ":now", u->updated_ms);
	db_bind_i64(st, ":set_plan", u->set_plan ? 1 : 0);
	db_bind_text(st, ":measures", u->measures);
	db_bind_text(st, ":responsible", u->responsible);
	db_bind_i64(st, ":funds", u->funds_yuan);
	db_bind_text(st, ":emergency", u->emergency);
	db_bind_i64(st, ":set_level", u->set_level ? 1 : 0);
	db_bind_text(st, ":level", u->level ? u->level : "general");
	db_bind_id_or_null(st, ":criterion", u->criterion_id);
	db_bind_text(st, ":criterion_text", nz(u->criterion_text));
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":from", from_state);
	rc = db_step_change(st);
	return rc == ERR_NOT_FOUND ? ERR_CONFLICT : rc;
}

/* ------------------------------------------------------------ photos, timeline */

static const char SQL_PHOTO_EXISTS[] = "SELECT COUNT(*) FROM photo WHERE sha256 = :sha";

bool hazard_db_photo_exists(struct db *db, const char *sha256)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_EXISTS);
	int64_t n = 0;

	if (st == NULL)
		return false;
	db_bind_text(st, ":sha", sha256);
	return db_step_i64(st, &n) == 0 && n > 0;
}

static const char SQL_PHOTO_LINK[] =
	"INSERT INTO hazard_photo (hazard_id, sha256, stage, event_id, created_ms) VALUES "
	"(:hazard, :sha, :stage, :event, :now) ON CONFLICT DO NOTHING";

int hazard_db_photo_link(struct db *db, int64_t hazard_id, const char *sha256, const char *stage,
			 int64_t event_id, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_LINK);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard", hazard_id);
	db_bind_text(st, ":sha", sha256);
	db_bind_text(st, ":stage", stage);
	db_bind_id_or_null(st, ":event", event_id);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}

static const char SQL_PHOTOS[] = "SELECT stage, sha256 FROM hazard_photo WHERE hazard_id = :id "
				 "ORDER BY created_ms, sha256";

int hazard_db_photos(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTOS);
	json_t *o = json_pack("{s:[], s:[]}", "before", "after");
	int rc;

	*out = NULL;
	if (st == NULL) {
		json_decref(o);
		return ERR_DB;
	}
	db_bind_i64(st, ":id", id);
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(json_object_get(o, nz(db_col_text(st, 0))),
				      json_string(nz(db_col_text(st, 1))));
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

static const char SQL_TIMELINE[] =
	"SELECT id, at_ms, actor_login, action, from_state, to_state, reason, detail FROM "
	"hazard_event WHERE hazard_id = :id ORDER BY id";

static json_t *event_json(struct db_stmt *st)
{
	json_t *detail = json_loads(nz(db_col_text(st, 7)), 0, NULL);

	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:o}", "id",
			 (json_int_t)db_col_i64(st, 0), "at_ms", (json_int_t)db_col_i64(st, 1),
			 "actor_login", nz(db_col_text(st, 2)), "action", nz(db_col_text(st, 3)),
			 "from_state", text_or_null(st, 4), "to_state", text_or_null(st, 5),
			 "reason", nz(db_col_text(st, 6)), "detail",
			 detail ? detail : json_object());
}

int hazard_db_timeline(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = db_stmt(db, SQL_TIMELINE);

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_rows_json(st, event_json, out);
}

static const char SQL_FALSE_CLOSURE[] =
	"INSERT INTO hazard_accountability (hazard_id, kind, recorded_ms, responsible, "
	"rectifier_id, verifier_id, note) VALUES (:id, 'false_closure', :now, :responsible, "
	":rectifier, :verifier, :note) ON CONFLICT (hazard_id, kind) DO NOTHING";

int hazard_db_false_closure(struct db *db, int64_t id, int64_t now_ms, const char *responsible,
			    int64_t rectifier_id, int64_t verifier_id, const char *note)
{
	struct db_stmt *st = db_stmt(db, SQL_FALSE_CLOSURE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	db_bind_text(st, ":responsible", nz(responsible));
	db_bind_id_or_null(st, ":rectifier", rectifier_id);
	db_bind_id_or_null(st, ":verifier", verifier_id);
	db_bind_text(st, ":note", nz(note));
	return db_step_done(st);
}

static const char SQL_USER_DEPT[] = "SELECT COALESCE(dept_id, 0) FROM app_user WHERE id = :id";

int hazard_db_user_dept(struct db *db, int64_t user_id, int64_t *dept_id)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_DEPT);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", user_id);
	return db_step_i64(st, dept_id);
}

static const char SQL_ENT_BY_USCC[] = "SELECT id FROM enterprise WHERE uscc = :uscc";

int hazard_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ENT_BY_USCC);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":uscc", uscc);
	return db_step_i64(st, id);
}

/* ------------------------------------------------------------ photo rows */

static const char SQL_PHOTO_INSERT[] =
	"INSERT INTO photo (sha256, mime, bytes, width, height, has_location, uploader_id, "
	"created_ms) VALUES (:sha, :mime, :bytes, :w, :h, :loc, :uploader, :now)";

int hazard_db_photo_insert(struct db *db, const char *sha256, const char *mime, int64_t bytes,
			   int width, int height, bool has_location, int64_t uploader_id,
			   int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":sha", sha256);
	db_bind_text(st, ":mime", mime);
	db_bind_i64(st, ":bytes", bytes);
	db_bind_i64(st, ":w", width);
	db_bind_i64(st, ":h", height);
	db_bind_i64(st, ":loc", has_location ? 1 : 0);
	db_bind_id_or_null(st, ":uploader", uploader_id);
	db_bind_i64(st, ":now", now_ms);
	rc = db_step_done(st);
	if (rc == 0 && uploader_id > 0)
		rc = hazard_db_photo_upload_add(db, sha256, uploader_id, now_ms);
	return rc;
}

static const char SQL_PHOTO_UPLOAD_ADD[] =
	"INSERT INTO photo_upload (sha256, user_id, created_ms) VALUES (:sha, :user, :now) "
	"ON CONFLICT DO NOTHING";

int hazard_db_photo_upload_add(struct db *db, const char *sha256, int64_t user_id, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_UPLOAD_ADD);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":sha", sha256);
	db_bind_i64(st, ":user", user_id);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}

static const char SQL_PHOTO_UPLOADED_BY[] =
	"SELECT COUNT(*) FROM photo_upload WHERE sha256 = :sha AND user_id = :user";

bool hazard_db_photo_uploaded_by(struct db *db, const char *sha256, int64_t user_id)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_UPLOADED_BY);
	int64_t n = 0;

	if (st == NULL || user_id <= 0)
		return false;
	db_bind_text(st, ":sha", sha256);
	db_bind_i64(st, ":user", user_id);
	return db_step_i64(st, &n) == 0 && n > 0;
}

static const char SQL_PHOTO_GET[] =
	"SELECT sha256, mime, bytes, width, height, has_location, uploader_id FROM photo WHERE "
	"sha256 = :sha";

int hazard_db_photo_get(struct db *db, const char *sha256, json_t **out)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_GET);
	int rc;

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":sha", sha256);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ERR_NOT_FOUND : rc;
	*out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:b, s:I}", "sha256", nz(db_col_text(st, 0)),
			 "mime", nz(db_col_text(st, 1)), "bytes", (json_int_t)db_col_i64(st, 2),
			 "width", (json_int_t)db_col_i64(st, 3), "height",
			 (json_int_t)db_col_i64(st, 4), "has_location", db_col_i64(st, 5) != 0,
			 "_uploader_id", (json_int_t)(db_col_null(st, 6) ? 0 : db_col_i64(st, 6)));
	db_reset(st);
	return 0;
}

static const char SQL_PHOTO_HAZARDS[] =
	"SELECT DISTINCT hazard_id FROM hazard_photo WHERE sha256 = :sha LIMIT 100";

static json_t *id_json(struct db_stmt *st)
{
	return json_integer(db_col_i64(st, 0));
}

int hazard_db_photo_hazards(struct db *db, const char *sha256, json_t **ids)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_HAZARDS);

	*ids = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":sha", sha256);
	return db_rows_json(st, id_json, ids);
}

/* ------------------------------------------------------------ criteria */

static const char SQL_CRITERIA[] =
	"SELECT id, set_code, doc, item, topic_zh, topic_en FROM hazard_criterion WHERE "
	"set_code IN (SELECT set_code FROM hazard_criterion_industry WHERE "
	"substr(:industry, 1, length(industry_prefix)) = industry_prefix) ORDER BY set_code, item";

static json_t *criterion_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			 "set_code", nz(db_col_text(st, 1)), "doc", nz(db_col_text(st, 2)), "item",
			 (json_int_t)db_col_i64(st, 3), "topic_zh", nz(db_col_text(st, 4)),
			 "topic_en", nz(db_col_text(st, 5)));
}

int hazard_db_criteria(struct db *db, const char *industry, json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_CRITERIA);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":industry", industry);
	return db_rows_json(st, criterion_json, items);
}

static const char SQL_CRITERION_COVERS[] =
	"SELECT COUNT(*) FROM hazard_criterion c JOIN hazard_criterion_industry i ON "
	"i.set_code = c.set_code WHERE c.id = :id AND "
	"substr(:industry, 1, length(i.industry_prefix)) = i.industry_prefix";

int hazard_db_criterion_covers(struct db *db, int64_t id, const char *industry, bool *covers)
{
	struct db_stmt *st = db_stmt(db, SQL_CRITERION_COVERS);
	int64_t n = 0;
	int rc;

	*covers = false;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":industry", industry);
	rc = db_step_i64(st, &n);
	*covers = rc == 0 && n > 0;
	return rc < 0 && rc != ERR_NOT_FOUND ? rc : 0;
}

/*
 * Splits one CSV line (RFC 4180 quotes, no line breaks inside a field) in place into at most
 * max fields. Returns the field count, or -1 for an unterminated quote.
 */
static int csv_split(char *line, char **f, int max)
{
	char *r = line, *w = line;
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
		}
		while (*r && *r != ',')
			*w++ = *r++;
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
	return n;
}

static const char SQL_CRIT_COUNT[] = "SELECT COUNT(*) FROM hazard_criterion";
static const char SQL_CRIT_INSERT[] =
	"INSERT INTO hazard_criterion (set_code, doc, item, topic_zh, topic_en) VALUES (:set, "
	":doc, :item, :zh, :en)";
static const char SQL_CRIT_IND_INSERT[] =
	"INSERT INTO hazard_criterion_industry (set_code, industry_prefix) VALUES (:set, :prefix) "
	"ON CONFLICT DO NOTHING";

/* Loads one file, skipping its header line; row() inserts a line of nf fields. */
static int load_file(struct db *db, const char *path, int nf, int (*row)(struct db *db, char **f),
		     int64_t *rows)
{
	char line[4096], *f[8];
	FILE *fp = fopen(path, "r");
	int rc = 0, lineno = 0;

	if (fp == NULL) {
		log_error("cannot read '%s': %s", path, strerror(errno));
		return ERR_IO;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		if (++lineno == 1 || line[0] == '\n' || line[0] == '\r' || line[0] == '\0')
			continue;
		if (csv_split(line, f, 8) != nf || !utf8_valid(line, strlen(line))) {
			log_error("'%s' line %d: not %d fields of UTF-8 text", path, lineno, nf);
			rc = ERR_INVALID;
			break;
		}
		rc = row(db, f);
		if (rc < 0)
			log_error("'%s' line %d: cannot store the row (%s)", path, lineno,
				  err_str(rc));
		else
			(*rows)++;
	}
	fclose(fp);
	return rc;
}

static int criterion_row(struct db *db, char **f)
{
	struct db_stmt *st = db_stmt(db, SQL_CRIT_INSERT);
	int64_t item;

	if (st == NULL)
		return ERR_DB;
	if (f[0][0] == '\0' || f[1][0] == '\0' || parse_i64(f[2], &item) < 0 || item < 1 ||
	    f[3][0] == '\0')
		return ERR_INVALID;
	db_bind_text(st, ":set", f[0]);
	db_bind_text(st, ":doc", f[1]);
	db_bind_i64(st, ":item", item);
	db_bind_text(st, ":zh", f[3]);
	db_bind_text(st, ":en", f[4]);
	return db_step_done(st);
}

static int industry_row(struct db *db, char **f)
{
	struct db_stmt *st = db_stmt(db, SQL_CRIT_IND_INSERT);

	if (st == NULL)
		return ERR_DB;
	if (f[0][0] == '\0' || f[1][0] == '\0')
		return ERR_INVALID;
	db_bind_text(st, ":set", f[0]);
	db_bind_text(st, ":prefix", f[1]);
	return db_step_done(st);
}

int hazard_criteria_load(struct db *db, const char *data_dir, int64_t *loaded)
{
	struct db_stmt *st = db_stmt(db, SQL_CRIT_COUNT);
	char path[1024];
	int64_t n = 0, ind = 0;
	int rc;

	*loaded = 0;
	if (st == NULL)
		return ERR_DB;
	rc = db_step_i64(st, &n);
	if (rc < 0)
		return rc;
	if (n > 0)
		return 0; /* loaded already */
	rc = db_begin(db);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/hazard/major_hazard_criteria.csv", data_dir);
	rc = load_file(db, path, 5, criterion_row, loaded);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/hazard/criteria_industries.csv", data_dir);
		rc = load_file(db, path, 3, industry_row, &ind);
	}
	rc = db_finish(db, rc);
	if (rc < 0)
		*loaded = 0;
	else
		log_info("loaded %" PRId64 " criteria of major hazards, %" PRId64
			 " industry mappings",
			 *loaded, ind);
	return rc;
}
