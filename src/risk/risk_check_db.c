/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of risk check items and tasks (risk_check_db.h). Scope and filters
 * are written with named parameters that are always bound (NULL / 0 = no filter), so
 * that every statement is static text.
 */
#define LOG_MODULE "risk"
#include "risk/risk_check_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "core/banned.h"

/* The caller's scope over the joined enterprise row. */
#define SCOPE_WHERE                                                                             \
	"(:sprefix IS NULL OR substr(enterprise.region_code, 1, length(:sprefix)) = :sprefix) " \
	"AND (:guser = 0 OR enterprise.grid_id IN (SELECT user_grid.grid_id FROM user_grid "    \
	"WHERE user_grid.user_id = :guser)) AND (:suscc IS NULL OR enterprise.uscc = :suscc)"

static void bind_scope(struct db_stmt *st, const struct risk_check_scope *s)
{
	db_bind_text(st, ":sprefix", s->prefix);
	db_bind_i64(st, ":guser", s->grid_user);
	db_bind_text(st, ":suscc", s->uscc);
}

static json_t *text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *id_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_i64(st, col));
}

static void copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

/* ------------------------------------------------------------ measures, officers */

static const char SQL_MEASURE[] =
	"SELECT control_measure.id, control_measure.enterprise_id, control_measure.point_id, "
	"control_measure.control_level, enterprise.uscc, enterprise.region_code, "
	"enterprise.grid_id FROM control_measure JOIN enterprise ON enterprise.id = "
	"control_measure.enterprise_id WHERE control_measure.id = :id";

int risk_check_db_measure(struct db *db, int64_t id, struct risk_check_measure *m)
{
	struct db_stmt *st = db_stmt(db, SQL_MEASURE);
	int rc;

	memset(m, 0, sizeof(*m));
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ERR_NOT_FOUND : rc;
	m->id = db_col_i64(st, 0);
	m->enterprise_id = db_col_i64(st, 1);
	m->point_id = db_col_i64(st, 2);
	copy(m->control_level, sizeof(m->control_level), db_col_text(st, 3));
	copy(m->uscc, sizeof(m->uscc), db_col_text(st, 4));
	copy(m->region_code, sizeof(m->region_code), db_col_text(st, 5));
	m->grid_id = db_col_null(st, 6) ? 0 : db_col_i64(st, 6);
	db_reset(st);
	return 0;
}

static const char SQL_OFFICER[] =
	"SELECT COUNT(*) FROM app_user JOIN enterprise ON app_user.scope = 'enterprise:' || "
	"enterprise.uscc WHERE app_user.id = :user AND enterprise.id = :e AND app_user.role = "
	"'enterprise_officer' AND app_user.scope_kind = 'enterprise' AND app_user.locked = 0";

int risk_check_db_officer_of(struct db *db, int64_t user_id, int64_t enterprise_id, bool *ok)
{
	struct db_stmt *st = db_stmt(db, SQL_OFFICER);
	int64_t n = 0;
	int rc;

	*ok = false;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":user", user_id);
	db_bind_i64(st, ":e", enterprise_id);
	rc = db_step_i64(st, &n);
	if (rc < 0)
		return rc;
	*ok = n > 0;
	return 0;
}

/* ------------------------------------------------------------ items */

static const char SQL_ITEM_INSERT[] =
	"INSERT INTO check_item (enterprise_id, point_id, measure_id, content, schedule, "
	"assignee_id, active, start_ms, created_ms, updated_ms) VALUES (:e, :p, :m, :content, "
	":schedule, :assignee, :active, :start, :now, :now)";

int risk_check_db_item_insert(struct db *db, const struct risk_check_item_in *in, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ITEM_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":e", in->enterprise_id);
	db_bind_i64(st, ":p", in->point_id);
	db_bind_i64(st, ":m", in->measure_id);
	db_bind_text(st, ":content", in->content);
	db_bind_text(st, ":schedule", in->schedule);
	db_bind_i64(st, ":assignee", in->assignee_id);
	db_bind_i64(st, ":active", in->active ? 1 : 0);
	db_bind_i64(st, ":start", in->start_ms);
	db_bind_i64(st, ":now", in->now_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_ITEM_UPDATE[] =
	"UPDATE check_item SET content = :content, schedule = :schedule, assignee_id = "
	":assignee, start_ms = CASE WHEN (active = 0 AND :active = 1) OR schedule <> :schedule "
	"THEN CASE WHEN start_ms > :now THEN start_ms ELSE :now END ELSE start_ms END, active = "
	":active, updated_ms = :now WHERE id = :id";

static const char SQL_ITEM_TASKS[] = "SELECT COUNT(*) FROM check_task WHERE item_id = :id";
static const char SQL_ITEM_SCHEDULE_CHANGE[] =
	"SELECT COUNT(*) FROM check_item WHERE id = :id AND schedule <> :schedule";

/* Sets *n to the number of item id's tasks. Returns 0 or ERR_DB. */
static int item_tasks(struct db *db, int64_t id, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_ITEM_TASKS);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_i64(st, n);
}

int risk_check_db_item_update(struct db *db, int64_t id, const struct risk_check_item_in *in)
{
	struct db_stmt *st = db_stmt(db, SQL_ITEM_SCHEDULE_CHANGE);
	int64_t changes = 0, tasks = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":schedule", in->schedule);
	rc = db_step_i64(st, &changes);
	if (rc == 0 && changes > 0)
		rc = item_tasks(db, id, &tasks);
	if (rc < 0)
		return rc;
	if (tasks > 0)
		return ERR_CONFLICT;
	st = db_stmt(db, SQL_ITEM_UPDATE);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":content", in->content);
	db_bind_text(st, ":schedule", in->schedule);
	db_bind_i64(st, ":assignee", in->assignee_id);
	db_bind_i64(st, ":active", in->active ? 1 : 0);
	db_bind_i64(st, ":now", in->now_ms);
	db_bind_i64(st, ":id", id);
	return db_step_done(st);
}

static const char SQL_ITEM_DELETE[] = "DELETE FROM check_item WHERE id = :id";

int risk_check_db_item_delete(struct db *db, int64_t id)
{
	struct db_stmt *st;
	int64_t n = 0;
	int rc = item_tasks(db, id, &n);

	if (rc < 0)
		return rc;
	if (n > 0)
		return ERR_CONFLICT;
	st = db_stmt(db, SQL_ITEM_DELETE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_done(st);
}

#define SELECT_ITEM                                                                              \
	"SELECT check_item.id, check_item.enterprise_id, check_item.point_id, risk_point.name, " \
	"check_item.measure_id, control_measure.description, control_measure.control_level, "    \
	"check_item.content, check_item.schedule, check_item.assignee_id, "                      \
	"COALESCE(NULLIF(app_user.display_name, ''), app_user.login), check_item.active, "       \
	"check_item.start_ms, enterprise.uscc, enterprise.region_code, enterprise.grid_id "      \
	"FROM check_item JOIN enterprise ON enterprise.id = check_item.enterprise_id "           \
	"JOIN risk_point ON risk_point.id = check_item.point_id "                                \
	"JOIN control_measure ON control_measure.id = check_item.measure_id "                    \
	"LEFT JOIN app_user ON app_user.id = check_item.assignee_id"

static json_t *item_json(struct db_stmt *st)
{
	json_t *o = json_object();
	int c = 0;

	json_object_set_new(o, "id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "enterprise_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "point_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "point_name", text_or_null(st, c++));
	json_object_set_new(o, "measure_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "measure_description", text_or_null(st, c++));
	json_object_set_new(o, "control_level", text_or_null(st, c++));
	json_object_set_new(o, "content", text_or_null(st, c++));
	json_object_set_new(o, "schedule", text_or_null(st, c++));
	json_object_set_new(o, "assignee_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "assignee_name", text_or_null(st, c++));
	json_object_set_new(o, "active", json_boolean(db_col_i64(st, c++) != 0));
	json_object_set_new(o, "start_ms", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "_uscc", text_or_null(st, c++));
	json_object_set_new(o, "_region_code", text_or_null(st, c++));
	json_object_set_new(o, "_grid_id", id_or_null(st, c++));
	return o;
}

static const char SQL_ITEM_GET[] = SELECT_ITEM " WHERE check_item.id = :id";

static int get_one(struct db *db, const char *sql, int64_t id, json_t *(*row)(struct db_stmt *),
		   json_t **out)
{
	struct db_stmt *st = db_stmt(db, sql);
	int rc;

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ERR_NOT_FOUND : rc;
	*out = row(st);
	db_reset(st);
	return 0;
}

int risk_check_db_item_get(struct db *db, int64_t id, json_t **out)
{
	return get_one(db, SQL_ITEM_GET, id, item_json, out);
}

#define ITEM_WHERE                                                                            \
	"(:e = 0 OR check_item.enterprise_id = :e) AND (:p = 0 OR check_item.point_id = :p) " \
	"AND (:m = 0 OR check_item.measure_id = :m) AND " SCOPE_WHERE

int risk_check_db_items(struct db *db, const struct risk_check_item_filter *f,
			const struct list_params *lp, json_t **items)
{
	char *sql = db_list_sql(SELECT_ITEM, ITEM_WHERE, "check_item", "id", false);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":e", f->enterprise_id);
	db_bind_i64(st, ":p", f->point_id);
	db_bind_i64(st, ":m", f->measure_id);
	bind_scope(st, &f->scope);
	db_bind_page(st, lp);
	return db_rows_json(st, item_json, items);
}

/* ------------------------------------------------------------ tasks */

#define SELECT_TASK                                                                              \
	"SELECT check_task.id, check_task.enterprise_id, enterprise.name, check_task.point_id, " \
	"risk_point.name, check_task.item_id, check_item.content, check_task.control_level, "    \
	"check_task.schedule, check_task.period_label, check_task.period_start_ms, "             \
	"check_task.period_end_ms, check_task.assignee_id, "                                     \
	"COALESCE(NULLIF(app_user.display_name, ''), app_user.login), check_task.state, "        \
	"check_task.done_ms, check_task.done_by, check_task.note, check_task.hazard_id, "        \
	"hazard.number, enterprise.uscc, enterprise.region_code, enterprise.grid_id "            \
	"FROM check_task JOIN enterprise ON enterprise.id = check_task.enterprise_id "           \
	"JOIN risk_point ON risk_point.id = check_task.point_id "                                \
	"JOIN check_item ON check_item.id = check_task.item_id "                                 \
	"LEFT JOIN app_user ON app_user.id = check_task.assignee_id "                            \
	"LEFT JOIN hazard ON hazard.id = check_task.hazard_id"

static json_t *task_json(struct db_stmt *st)
{
	json_t *o = json_object();
	int c = 0;

	json_object_set_new(o, "id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "enterprise_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "enterprise_name", text_or_null(st, c++));
	json_object_set_new(o, "point_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "point_name", text_or_null(st, c++));
	json_object_set_new(o, "item_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "content", text_or_null(st, c++));
	json_object_set_new(o, "control_level", text_or_null(st, c++));
	json_object_set_new(o, "schedule", text_or_null(st, c++));
	json_object_set_new(o, "period_label", text_or_null(st, c++));
	json_object_set_new(o, "period_start_ms", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "period_end_ms", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "assignee_id", json_integer(db_col_i64(st, c++)));
	json_object_set_new(o, "assignee_name", text_or_null(st, c++));
	json_object_set_new(o, "state", text_or_null(st, c++));
	json_object_set_new(o, "done_ms", id_or_null(st, c++));
	json_object_set_new(o, "done_by", id_or_null(st, c++));
	json_object_set_new(o, "note", text_or_null(st, c++));
	json_object_set_new(o, "hazard_id", id_or_null(st, c++));
	json_object_set_new(o, "hazard_number", text_or_null(st, c++));
	json_object_set_new(o, "_uscc", text_or_null(st, c++));
	json_object_set_new(o, "_region_code", text_or_null(st, c++));
	json_object_set_new(o, "_grid_id", id_or_null(st, c++));
	return o;
}

static const char SQL_TASK_GET[] = SELECT_TASK " WHERE check_task.id = :id";

int risk_check_db_task_get(struct db *db, int64_t id, json_t **out)
{
	return get_one(db, SQL_TASK_GET, id, task_json, out);
}

#define TASK_WHERE                                                                              \
	"(:state IS NULL OR check_task.state = :state) AND (:sched IS NULL OR "                 \
	"check_task.schedule = :sched) AND (:e = 0 OR check_task.enterprise_id = :e) AND "      \
	"(:p = 0 OR check_task.point_id = :p) AND (:a = 0 OR check_task.assignee_id = :a) AND " \
	"(:from < 0 OR check_task.period_start_ms >= :from) AND (:to < 0 OR "                   \
	"check_task.period_start_ms < :to) AND " SCOPE_WHERE

int risk_check_db_tasks(struct db *db, const struct risk_check_task_filter *f,
			const struct list_params *lp, json_t **items)
{
	char *sql = db_list_sql(SELECT_TASK, TASK_WHERE, "check_task",
				lp->sort == 1 ? "id" : "period_start_ms", lp->desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":state", f->state);
	db_bind_text(st, ":sched", f->schedule);
	db_bind_i64(st, ":e", f->enterprise_id);
	db_bind_i64(st, ":p", f->point_id);
	db_bind_i64(st, ":a", f->assignee_id);
	db_bind_i64(st, ":from", f->from_ms);
	db_bind_i64(st, ":to", f->to_ms);
	bind_scope(st, &f->scope);
	db_bind_page(st, lp);
	return db_rows_json(st, task_json, items);
}

static const char SQL_DUE[] =
	"SELECT check_item.id, check_item.enterprise_id, check_item.point_id, "
	"check_item.assignee_id, check_item.start_ms, check_item.schedule, "
	"control_measure.control_level, (SELECT MAX(check_task.period_end_ms) FROM check_task "
	"WHERE check_task.item_id = check_item.id AND check_task.schedule = check_item.schedule) "
	"FROM check_item JOIN control_measure ON "
	"control_measure.id = check_item.measure_id WHERE check_item.active = 1 AND "
	"control_measure.active = 1 AND (:e = 0 OR check_item.enterprise_id = :e) ORDER BY "
	"check_item.id";

int risk_check_db_due(struct db *db, int64_t enterprise_id, struct risk_check_due **rows, size_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_DUE);
	struct risk_check_due *v = NULL;
	size_t cap = 0, k = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":e", enterprise_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct risk_check_due *d;

		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		d = &v[k];
		memset(d, 0, sizeof(*d));
		d->item_id = db_col_i64(st, 0);
		d->enterprise_id = db_col_i64(st, 1);
		d->point_id = db_col_i64(st, 2);
		d->assignee_id = db_col_i64(st, 3);
		d->start_ms = db_col_i64(st, 4);
		if (risk_schedule_parse(db_col_text(st, 5), &d->schedule) < 0)
			continue; /* the table's CHECK forbids it */
		copy(d->control_level, sizeof(d->control_level), db_col_text(st, 6));
		d->last_end_ms = db_col_null(st, 7) ? 0 : db_col_i64(st, 7);
		k++;
	}
	if (rc != DB_DONE) {
		free(v);
		return rc < 0 ? rc : ERR_DB;
	}
	*rows = v;
	*n = k;
	return 0;
}

static const char SQL_TASK_INSERT[] =
	"INSERT INTO check_task (enterprise_id, point_id, item_id, control_level, schedule, "
	"period_label, period_start_ms, period_end_ms, assignee_id, created_ms) VALUES (:e, :p, "
	":item, :level, :schedule, :label, :start, :end, :assignee, :now) "
	"ON CONFLICT (item_id, period_start_ms) DO NOTHING";

int risk_check_db_task_insert(struct db *db, const struct risk_check_due *d,
			      const struct risk_period *p, int64_t now_ms, bool *created)
{
	struct db_stmt *st = db_stmt(db, SQL_TASK_INSERT);
	int rc;

	*created = false;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":e", d->enterprise_id);
	db_bind_i64(st, ":p", d->point_id);
	db_bind_i64(st, ":item", d->item_id);
	db_bind_text(st, ":level", d->control_level);
	db_bind_text(st, ":schedule", risk_schedule_name(d->schedule));
	db_bind_text(st, ":label", p->label);
	db_bind_i64(st, ":start", p->start_ms);
	db_bind_i64(st, ":end", p->end_ms);
	db_bind_i64(st, ":assignee", d->assignee_id);
	db_bind_i64(st, ":now", now_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*created = db_changes(db) > 0;
	return rc;
}

static const char SQL_MISSED[] =
	"UPDATE check_task SET state = 'missed' WHERE state = 'open' AND period_end_ms <= :at "
	"AND (:e = 0 OR enterprise_id = :e)";

int risk_check_db_mark_missed(struct db *db, int64_t at_ms, int64_t enterprise_id, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_MISSED);
	int rc;

	*n = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":at", at_ms);
	db_bind_i64(st, ":e", enterprise_id);
	rc = db_step_done(st);
	if (rc == 0)
		*n = db_changes(db);
	return rc;
}

static const char SQL_DONE[] =
	"UPDATE check_task SET state = :state, done_ms = :at, done_by = :by, note = :note, "
	"hazard_id = :hazard WHERE id = :id AND state = 'open'";

int risk_check_db_task_done(struct db *db, int64_t id, const char *state, int64_t done_ms,
			    int64_t done_by, const char *note, int64_t hazard_id)
{
	struct db_stmt *st = db_stmt(db, SQL_DONE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":state", state);
	db_bind_i64(st, ":at", done_ms);
	db_bind_i64(st, ":by", done_by);
	db_bind_text(st, ":note", note ? note : "");
	db_bind_id_or_null(st, ":hazard", hazard_id);
	db_bind_i64(st, ":id", id);
	rc = db_step_done(st);
	if (rc == 0 && db_changes(db) == 0)
		return ERR_CONFLICT;
	return rc;
}

/* ------------------------------------------------------------ completion */

#define COMPLETION_SUMS                                                                       \
	"COUNT(*), SUM(check_task.state = 'passed'), SUM(check_task.state = 'failed'), "      \
	"SUM(check_task.state = 'missed' OR (check_task.state = 'open' AND "                  \
	"check_task.period_end_ms <= :now)), SUM(check_task.state = 'open' AND "              \
	"check_task.period_end_ms > :now), SUM(check_task.state IN ('passed', 'failed') AND " \
	"check_task.period_end_ms <= :now) "
#define COMPLETION_FROM                                                                      \
	"FROM check_task JOIN enterprise ON enterprise.id = check_task.enterprise_id WHERE " \
	"(:from < 0 OR check_task.period_start_ms >= :from) AND (:to < 0 OR "                \
	"check_task.period_start_ms < :to) AND " SCOPE_WHERE

static const char *const completion_sql[] = {
	[RISK_BY_ENTERPRISE] =
		"SELECT CAST(enterprise.id AS TEXT), enterprise.name, " COMPLETION_SUMS
			COMPLETION_FROM
		" GROUP BY enterprise.id, enterprise.name ORDER BY enterprise.id",
	[RISK_BY_LEVEL] =
		"SELECT check_task.control_level, check_task.control_level, " COMPLETION_SUMS
			COMPLETION_FROM " GROUP BY check_task.control_level ORDER BY CASE "
		"check_task.control_level WHEN 'company' THEN 1 WHEN 'department' "
		"THEN 2 WHEN 'team' THEN 3 ELSE 4 END",
	[RISK_BY_REGION] =
		"SELECT substr(enterprise.region_code, 1, 6), COALESCE((SELECT "
		"region.name FROM region WHERE region.code = "
		"substr(enterprise.region_code, 1, 6)), ''), " COMPLETION_SUMS COMPLETION_FROM
		" GROUP BY substr(enterprise.region_code, 1, 6) ORDER BY 1",
};

static json_t *completion_row(struct db_stmt *st)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "key",
			 db_col_text(st, 0) ? db_col_text(st, 0) : "", "name",
			 db_col_text(st, 1) ? db_col_text(st, 1) : "", "total",
			 (json_int_t)db_col_i64(st, 2), "passed", (json_int_t)db_col_i64(st, 3),
			 "failed", (json_int_t)db_col_i64(st, 4), "missed",
			 (json_int_t)db_col_i64(st, 5), "open", (json_int_t)db_col_i64(st, 6),
			 "ended_done", (json_int_t)db_col_i64(st, 7));
}

int risk_check_db_completion(struct db *db, enum risk_check_by by, int64_t from_ms, int64_t to_ms,
			     int64_t now_ms, const struct risk_check_scope *s, json_t **items)
{
	struct db_stmt *st;

	*items = NULL;
	if ((unsigned)by > RISK_BY_REGION)
		return ERR_INVALID;
	st = db_stmt(db, completion_sql[by]);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":now", now_ms);
	db_bind_i64(st, ":from", from_ms);
	db_bind_i64(st, ":to", to_ms);
	bind_scope(st, s);
	return db_rows_json(st, completion_row, items);
}

static const char SQL_ENT_BY_USCC[] = "SELECT id FROM enterprise WHERE uscc = :uscc";

int risk_check_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ENT_BY_USCC);

	*id = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":uscc", uscc);
	return db_step_i64(st, id);
}
