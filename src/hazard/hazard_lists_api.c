/* SPDX-License-Identifier: MIT */
/*
 * The four lists (整改清单, 挂牌督办清单, 追责问责清单, 黑名单) with their exports, the
 * actions on listed supervision (leaders) and on the blacklist (inspectors, leaders), and
 * the statistics (issue 4 §4, §5; docs/hazard.md). Every route reads inside the caller's
 * data scope (region prefix, own grids, own enterprise) on the hazard's (or, for the
 * blacklist, the enterprise's) region, grid and enterprise; a single object outside it is
 * 404. Every write is one transaction with its audit record and a timeline event.
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_lists_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "hazard/hazard.h"
#include "hazard/hazard_lists.h"
#include "hazard/hazard_lists_db.h"
#include "http/req.h"
#include "report/table.h"
#include "core/banned.h"

/* ------------------------------------------------------------ scope */

static struct hazard_deadline_bands bands_of(const struct req *rq)
{
	struct hazard_deadline_bands b = { rq->app->cfg.hazard_due_soon_days,
					   rq->app->cfg.hazard_overdue_long_days };
	return b;
}

/* "Now" of date rules: fake.now_ms in tests, else the clock. */
static int64_t rule_now(const struct req *rq)
{
	return config_now_ms(&rq->app->cfg);
}

static int64_t rule_today(const struct req *rq)
{
	return local_day(rule_now(rq));
}

static void day_text(int64_t day, char *out, size_t n)
{
	date_format(day, out, n);
}

/* The local date of an instant, or null. */
static json_t *date_of_ms(const json_t *v)
{
	char d[16];

	if (!json_is_integer(v))
		return json_null();
	day_text(local_day(json_integer_value(v)), d, sizeof(d));
	return json_string(d);
}

/* ------------------------------------------------------------ lists */

static const char *query_enum(struct req *rq, const char *name, const char *const *set,
			      struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	if (v == NULL)
		return NULL;
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return v;
	field_errors_add(fe, name, "has no such value");
	return NULL;
}

static const char *const levels[] = { "general", "major", NULL };
static const char *const deadline_states[] = { "on_time", "due_soon", "overdue", "overdue_30",
					       NULL };
static const char *const sup_states[] = { "proposed", "listed", "declined", "lifted", NULL };
static const char *const acc_kinds[] = { "overdue", "overdue_30", "false_closure", NULL };
static const char *const bl_states[] = { "proposed", "listed", "rejected", "removed", NULL };
static const char *const bl_rules[] = { "B1", "B2", "manual", NULL };

/* Each list's filters (export: the same and format). */
static const char *const filters_of[4][6] = {
	{ "region", "grid", "level", "deadline_state", NULL },
	{ "region", "grid", "level", "state", NULL },
	{ "region", "grid", "level", "kind", NULL },
	{ "region", "grid", "state", "rule", NULL },
};

/* Room for the filter's own texts. */
struct fbufs {
	char scope[16], region[16], from[16], to[16];
};

static void filter_from_query(struct req *rq, enum hazard_list_kind kind,
			      struct hazard_list_filter *f, struct fbufs *b,
			      struct field_errors *fe)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	scope_bounds_of(&rq->user->scope, rq->user->user_id, b->scope, sizeof(b->scope), &f->scope);
	if ((f->region = req_query_region(rq, "region", b->region, sizeof(b->region), fe)) != NULL)
		scope_prefix_end(f->region, f->region_end, sizeof(f->region_end));
	if ((v = req_query(rq, "grid")) != NULL &&
	    (parse_i64(v, &f->grid_id) < 0 || f->grid_id < 1))
		field_errors_add(fe, "grid", "must be a grid id");
	f->level = query_enum(rq, "level", levels, fe);
	switch (kind) {
	case HAZARD_LIST_RECTIFICATION:
		if ((v = query_enum(rq, "deadline_state", deadline_states, fe)) != NULL) {
			struct hazard_deadline_bands bd = bands_of(rq);
			int64_t today = rule_today(rq);

			f->dl_filter = true;
			if (strcmp(v, "on_time") == 0) {
				day_text(today + bd.due_soon_days + 1, b->from, sizeof(b->from));
				f->dl_from = b->from;
			} else if (strcmp(v, "due_soon") == 0) {
				day_text(today, b->from, sizeof(b->from));
				day_text(today + bd.due_soon_days + 1, b->to, sizeof(b->to));
				f->dl_from = b->from;
				f->dl_to = b->to;
			} else if (strcmp(v, "overdue") == 0) {
				day_text(today - bd.overdue_long_days, b->from, sizeof(b->from));
				day_text(today, b->to, sizeof(b->to));
				f->dl_from = b->from;
				f->dl_to = b->to;
			} else {
				day_text(today - bd.overdue_long_days, b->to, sizeof(b->to));
				f->dl_to = b->to;
			}
		}
		break;
	case HAZARD_LIST_SUPERVISION:
		f->state = query_enum(rq, "state", sup_states, fe);
		break;
	case HAZARD_LIST_ACCOUNTABILITY:
		f->state = query_enum(rq, "kind", acc_kinds, fe);
		break;
	case HAZARD_LIST_BLACKLIST:
		f->state = query_enum(rq, "state", bl_states, fe);
		f->rule = query_enum(rq, "rule", bl_rules, fe);
		break;
	}
}

/* Adds the fields computed when read (deadline state, dates) to an item. */
static void derive(struct req *rq, enum hazard_list_kind kind, json_t *o)
{
	struct hazard_deadline_bands bd = bands_of(rq);
	const char *dl = NULL;
	int64_t day;

	switch (kind) {
	case HAZARD_LIST_RECTIFICATION:
		dl = json_str(o, "deadline");
		if (dl && date_parse(dl, &day) == 0) {
			json_object_set_new(
				o, "deadline_state",
				json_string(hazard_deadline_state_name(
					hazard_deadline_state(day, rule_now(rq), &bd))));
			json_object_set_new(o, "days_left", json_integer(day - rule_today(rq)));
		} else {
			json_object_set_new(o, "deadline_state", json_null());
			json_object_set_new(o, "days_left", json_null());
		}
		json_object_set_new(o, "extension_pending",
				    json_boolean(json_i64(o, "extension_pending", 0) != 0));
		break;
	case HAZARD_LIST_SUPERVISION:
		break;
	case HAZARD_LIST_ACCOUNTABILITY:
		json_object_set_new(o, "recorded_date",
				    date_of_ms(json_object_get(o, "recorded_ms")));
		break;
	case HAZARD_LIST_BLACKLIST:
		json_object_set_new(o, "entered_date",
				    date_of_ms(json_object_get(o, "entered_ms")));
		json_object_set_new(o, "removed_date",
				    date_of_ms(json_object_get(o, "removed_ms")));
		break;
	}
}

struct page_ctx {
	struct req *rq;
	enum hazard_list_kind kind;
	json_t *items;
};

static int page_row(json_t *item, void *arg)
{
	struct page_ctx *c = arg;

	derive(c->rq, c->kind, item);
	json_array_append_new(c->items, item);
	return 0;
}

static int list(struct req *rq, struct resp *rs, enum hazard_list_kind kind)
{
	struct hazard_list_filter f;
	struct fbufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct page_ctx c = { rq, kind, NULL };
	int rc;

	list_params_parse(rq, hazard_list_sorts[kind], filters_of[kind], &lp, &fe);
	filter_from_query(rq, kind, &f, &b, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	c.items = json_array();
	rc = hazard_lists_db_walk(rq->db, kind, &f, &lp, page_row, &c);
	if (rc < 0) {
		json_decref(c.items);
		return rc;
	}
	return resp_json(rs, 200, list_page(c.items, &lp));
}

/* ------------------------------------------------------------ exports */

/* A column: the item's key, the Chinese header, the domain of hazard_label() (NULL: as is). */
struct xcol {
	const char *key, *zh, *domain;
};

static const struct xcol xcols[4][10] = {
	{ { "number", "隐患编号", NULL },
	  { "enterprise_name", "企业名称", NULL },
	  { "level", "隐患等级", "level" },
	  { "measures", "整改措施", NULL },
	  { "responsible", "整改责任人", NULL },
	  { "funds_yuan", "整改资金（元）", NULL },
	  { "deadline", "整改期限", NULL },
	  { "deadline_state", "期限状态", "deadline_state" },
	  { "state", "隐患状态", "state" },
	  { NULL, NULL, NULL } },
	{ { "hazard_number", "隐患编号", NULL },
	  { "enterprise_name", "企业名称", NULL },
	  { "level", "隐患等级", "level" },
	  { "reason", "督办原因", "supervision_reason" },
	  { "state", "督办状态", "supervision_state" },
	  { "leader_name", "督办领导", NULL },
	  { "deadline", "督办期限", NULL },
	  { "progress", "督办进展", NULL },
	  { "hazard_state", "隐患状态", "state" },
	  { NULL, NULL, NULL } },
	{ { "hazard_number", "隐患编号", NULL },
	  { "enterprise_name", "企业名称", NULL },
	  { "kind", "问责类型", "accountability_kind" },
	  { "responsible", "整改责任人", NULL },
	  { "rectifier_name", "整改人", NULL },
	  { "verifier_name", "验收人", NULL },
	  { "recorded_date", "记录日期", NULL },
	  { "note", "备注", NULL },
	  { NULL, NULL, NULL } },
	{ { "enterprise_name", "企业名称", NULL },
	  { "uscc", "统一社会信用代码", NULL },
	  { "rule", "列入规则", "blacklist_rule" },
	  { "reason", "列入原因", NULL },
	  { "state", "状态", "blacklist_state" },
	  { "entered_date", "列入日期", NULL },
	  { "review_due", "复核日期", NULL },
	  { "removed_date", "移出日期", NULL },
	  { NULL, NULL, NULL } },
};

static const char *const sheet_names[4] = { "整改清单", "挂牌督办清单", "追责问责清单", "黑名单" };
static const char *const file_names[4] = { "rectification", "supervision", "accountability",
					   "blacklist" };

struct export_ctx {
	struct req *rq;
	enum hazard_list_kind kind;
	struct table_writer *w;
};

static int export_row(json_t *item, void *arg)
{
	struct export_ctx *x = arg;
	const struct xcol *cols = xcols[x->kind];
	char *cells[10] = { 0 };
	size_t n = 0;

	derive(x->rq, x->kind, item);
	for (; cols[n].key; n++) {
		json_t *v = json_object_get(item, cols[n].key);

		if (json_is_string(v) && x->kind == HAZARD_LIST_ACCOUNTABILITY &&
		    strcmp(cols[n].key, "note") == 0) {
			size_t m = strlen(json_string_value(v)) + 32; /* room for the words */

			cells[n] = xmalloc(m);
			hazard_note_text(json_string_value(v), cells[n], m);
		} else if (json_is_string(v))
			/* Chinese words for the codes (the API keeps the codes). */
			cells[n] = xstrdup(hazard_label(cols[n].domain, json_string_value(v)));
		else if (json_is_integer(v)) {
			char num[24];

			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			cells[n] = xstrdup(num);
		} else
			cells[n] = xstrdup("");
	}
	table_writer_row(x->w, (const char *const *)cells, n);
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	json_decref(item);
	return 0;
}

static int export_file(struct req *rq, struct resp *rs, enum hazard_list_kind kind)
{
	const char *filters[8];
	const char *header[10];
	struct hazard_list_filter f;
	struct fbufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct export_ctx x = { rq, kind, NULL };
	enum table_format fmt = TABLE_XLSX;
	const char *v;
	char *data = NULL, disp[128], day[16];
	size_t len = 0, nf = 0, nh = 0;
	int fd = -1, rc;

	for (; filters_of[kind][nf]; nf++)
		filters[nf] = filters_of[kind][nf];
	filters[nf++] = "format";
	filters[nf] = NULL;
	list_params_parse(rq, hazard_list_sorts[kind], filters, &lp, &fe);
	if (req_query(rq, "limit") || req_query(rq, "after"))
		field_errors_add(&fe, req_query(rq, "limit") ? "limit" : "after",
				 "the export is not paged");
	filter_from_query(rq, kind, &f, &b, &fe);
	if ((v = req_query(rq, "format")) != NULL) {
		if (strcmp(v, "csv") == 0)
			fmt = TABLE_CSV;
		else if (strcmp(v, "xlsx") != 0)
			field_errors_add(&fe, "format", "must be xlsx or csv");
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	x.w = table_writer_new(fmt, sheet_names[kind], NULL);
	if (x.w == NULL)
		return ERR_IO;
	for (; xcols[kind][nh].key; nh++)
		header[nh] = xcols[kind][nh].zh;
	table_writer_row(x.w, header, nh);
	lp.after = 0;
	lp.limit = INT64_MAX / 2;   /* the whole filtered list */
	rc = db_begin_read(rq->db); /* one snapshot for the whole file */
	if (rc == 0)
		rc = hazard_lists_db_walk(rq->db, kind, &f, &lp, export_row, &x);
	db_rollback(rq->db);
	if (rc < 0) {
		table_writer_free(x.w);
		return rc;
	}
	rc = table_writer_finish(x.w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	day_text(local_day(now_ms()), day, sizeof(day));
	snprintf(disp, sizeof(disp), "hazard-%s-%s.%s", file_names[kind], day,
		 fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, disp,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
}

static int rect_list(struct req *rq, struct resp *rs)
{
	return list(rq, rs, HAZARD_LIST_RECTIFICATION);
}
static int rect_export(struct req *rq, struct resp *rs)
{
	return export_file(rq, rs, HAZARD_LIST_RECTIFICATION);
}
static int sup_list(struct req *rq, struct resp *rs)
{
	return list(rq, rs, HAZARD_LIST_SUPERVISION);
}
static int sup_export(struct req *rq, struct resp *rs)
{
	return export_file(rq, rs, HAZARD_LIST_SUPERVISION);
}
static int acc_list(struct req *rq, struct resp *rs)
{
	return list(rq, rs, HAZARD_LIST_ACCOUNTABILITY);
}
static int acc_export(struct req *rq, struct resp *rs)
{
	return export_file(rq, rs, HAZARD_LIST_ACCOUNTABILITY);
}
static int bl_list(struct req *rq, struct resp *rs)
{
	return list(rq, rs, HAZARD_LIST_BLACKLIST);
}
static int bl_export(struct req *rq, struct resp *rs)
{
	return export_file(rq, rs, HAZARD_LIST_BLACKLIST);
}

/* ------------------------------------------------------------ writes */

/* Appends an event by the caller to the hazard's timeline, after its audit record. */
static int record(struct req *rq, const char *action, const char *entity, int64_t id,
		  int64_t hazard_id, const char *event, const char *hazard_state,
		  const char *reason, json_t *summary)
{
	int64_t audit_id = 0;
	int rc = audit_record(rq, action, entity, id, summary);

	if (rc == 0)
		rc = audit_last_id(rq->db, &audit_id);
	if (rc == 0 && hazard_id)
		rc = hazard_scan_db_event(rq->db, hazard_id, rq->user->user_id, rq->user->login,
					  event, hazard_state, reason ? reason : "", "{}", audit_id,
					  now_ms());
	return rc;
}

/* A 409 naming the allowed actions. */
static int conflict(struct resp *rs, bool sup, const char *state, unsigned allowed)
{
	char names[128], detail[256];
	json_t *a = json_array();

	hazard_lists_actions_format(sup, allowed, names, sizeof(names));
	snprintf(detail, sizeof(detail), "not allowed while %s; allowed: %s", state,
		 names[0] ? names : "none");
	resp_problem(rs, 409, NULL, detail, NULL);
	for (int i = 0; i < 8; i++)
		if (allowed & (1u << i))
			json_array_append_new(
				a,
				json_string(sup ? hazard_sup_action_name((enum hazard_sup_action)i)
						: hazard_bl_action_name((enum hazard_bl_action)i)));
	json_object_set_new(rs->json, "allowed", a);
	return 0;
}

/* A required non-blank text field of up to max code points, or NULL with an error in fe. */
static const char *text_field(const json_t *body, const char *key, bool required,
			      struct field_errors *fe)
{
	const char *v = json_str(body, key);

	if (v == NULL || v[strspn(v, " \t\r\n")] == '\0') {
		if (required)
			field_errors_add(fe, key, "is required");
		return NULL;
	}
	return v;
}

/* A deadline field: a real local date not before today. */
static const char *deadline_field(struct req *rq, const json_t *body, struct field_errors *fe)
{
	const char *v = text_field(body, "deadline", true, fe);
	int64_t day;

	if (v == NULL)
		return NULL;
	if (date_parse(v, &day) != 0) {
		field_errors_add(fe, "deadline", "must be a date YYYY-MM-DD");
		return NULL;
	}
	if (day < rule_today(rq)) {
		field_errors_add(fe, "deadline", "must not be before today (UTC+8)");
		return NULL;
	}
	return v;
}

static const struct json_field sup_fields[] = {
	{ "deadline", JF_STRING, 0, 10, 0, 0 },
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ "reason", JF_STRING, 0, 1000, 0, 0 },
	{ "progress", JF_STRING, 0, 2000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* POST /api/v1/supervisions/{id}/{action}: list, decline, progress, lift (leaders). */
static int sup_action(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct hazard_sup_row row;
	enum hazard_sup_action a;
	enum hazard_sup_state cur, next;
	const char *deadline = NULL, *note = NULL, *reason = NULL, *progress = NULL;
	unsigned allowed = 0;
	json_t *out = NULL;
	int64_t id, now = now_ms();
	int rc;

	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the supervision id must be a positive integer",
				    NULL);
	if (hazard_sup_action_parse(req_param(rq, "action"), &a) < 0)
		return resp_problem(rs, 404, NULL,
				    "no such action: list, decline, progress or lift", NULL);
	if (json_check(rq->body, sup_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	switch (a) {
	case HAZARD_SUP_LIST:
		deadline = deadline_field(rq, rq->body, &fe);
		note = text_field(rq->body, "note", false, &fe);
		break;
	case HAZARD_SUP_DECLINE:
	case HAZARD_SUP_LIFT:
		reason = text_field(rq->body, "reason", true, &fe);
		break;
	case HAZARD_SUP_PROGRESS:
		progress = text_field(rq->body, "progress", true, &fe);
		break;
	default:
		break;
	}
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = hazard_sup_db_get(rq->db, id, &row);
	if (rc == 0 && !scope_has_row(&rq->user->scope, row.region_code, row.grid_id, row.uscc))
		rc = ERR_NOT_FOUND;
	if (rc == ERR_NOT_FOUND) {
		db_rollback(rq->db);
		return resp_problem(rs, 404, NULL, "no supervision with this id in your data scope",
				    NULL);
	}
	if (rc < 0)
		goto out;
	if (hazard_sup_state_parse(row.state, &cur) < 0 ||
	    hazard_sup_transition(cur, a, &next, &allowed) < 0) {
		db_rollback(rq->db);
		/*
		 * Only the actions of this route (/supervisions/{id}/...): listing a hazard anew
		 * ("supervise") is another route's, on the hazard.
		 */
		return conflict(rs, true, row.state, allowed & ~(1u << HAZARD_SUP_MANUAL));
	}
	if (fe.n) {
		db_rollback(rq->db);
		return resp_invalid(rs, &fe);
	}
	rc = hazard_sup_db_update(rq->db, id, hazard_sup_state_name(next),
				  a == HAZARD_SUP_LIST ? rq->user->user_id : 0, deadline,
				  a == HAZARD_SUP_LIST ? (note ? note : "") : reason, progress,
				  a == HAZARD_SUP_LIST ? now : 0, a == HAZARD_SUP_LIFT ? now : 0);
	if (rc == 0) {
		char action[40], event[40];

		snprintf(action, sizeof(action), "supervision.%s", hazard_sup_action_name(a));
		snprintf(event, sizeof(event), "supervision_%s", hazard_sup_action_name(a));
		rc = record(rq, action, "supervision", id, row.hazard_id, event, row.hazard_state,
			    reason ? reason : (progress ? progress : note),
			    json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "hazard_id",
				      (json_int_t)row.hazard_id, "from", row.state, "to",
				      hazard_sup_state_name(next), "deadline", deadline, "reason",
				      reason, "progress", progress, "note", note));
	}
	if (rc == 0)
		rc = hazard_sup_db_json(rq->db, id, &out);
out:
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	return resp_json(rs, 200, out);
}

static const struct json_field supervise_fields[] = {
	{ "deadline", JF_STRING, JF_REQUIRED, 10, 0, 0 },
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* POST /api/v1/hazards/{id}/supervise: a leader lists a hazard himself (reason manual). */
static int supervise(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct hazard_brief h;
	struct hazard_sup_row row;
	const char *deadline, *note;
	json_t *out = NULL;
	int64_t id, sup_id = 0, now = now_ms();
	bool created = false;
	int rc;

	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the hazard id must be a positive integer",
				    NULL);
	if (json_check(rq->body, supervise_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	deadline = deadline_field(rq, rq->body, &fe);
	note = text_field(rq->body, "note", false, &fe);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = hazard_brief_db_get(rq->db, id, &h);
	if (rc == 0 && !scope_has_row(&rq->user->scope, h.region_code, h.grid_id, h.uscc))
		rc = ERR_NOT_FOUND;
	if (rc == ERR_NOT_FOUND) {
		db_rollback(rq->db);
		return resp_problem(rs, 404, NULL, "no hazard with this id in your data scope",
				    NULL);
	}
	if (rc < 0)
		goto out;
	if (strcmp(h.state, "closed") == 0 || strcmp(h.state, "dismissed") == 0) {
		db_rollback(rq->db);
		return resp_problem(rs, 409, NULL, "the hazard is closed or dismissed", NULL);
	}
	rc = hazard_sup_db_by_hazard(rq->db, id, &row);
	if (rc == 0) {
		enum hazard_sup_state cur, next;
		unsigned allowed = 0;

		if (hazard_sup_state_parse(row.state, &cur) < 0 ||
		    hazard_sup_transition(cur, HAZARD_SUP_MANUAL, &next, &allowed) < 0) {
			db_rollback(rq->db);
			return conflict(rs, true, row.state, allowed);
		}
		sup_id = row.id;
	} else if (rc != ERR_NOT_FOUND) {
		goto out;
	}
	if (fe.n) {
		db_rollback(rq->db);
		return resp_invalid(rs, &fe);
	}
	if (sup_id)
		rc = hazard_sup_db_update(rq->db, sup_id, "listed", rq->user->user_id, deadline,
					  note ? note : "", NULL, now, 0);
	else {
		rc = hazard_sup_db_insert_listed(rq->db, id, rq->user->user_id, deadline, note, now,
						 &sup_id);
		created = true;
	}
	if (rc == 0)
		rc = record(rq, "supervision.supervise", "supervision", sup_id, id,
			    "supervision_listed", h.state, note,
			    json_pack("{s:I, s:s, s:s?}", "hazard_id", (json_int_t)id, "deadline",
				      deadline, "note", note));
	if (rc == 0)
		rc = hazard_sup_db_json(rq->db, sup_id, &out);
out:
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	return resp_json(rs, created ? 201 : 200, out);
}

static const struct json_field bl_fields[] = {
	{ "note", JF_STRING, 0, 1000, 0, 0 },
	{ "reason", JF_STRING, 0, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* POST /api/v1/blacklist/{id}/{action}: confirm, reject, review, remove. */
static int bl_action(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct hazard_bl_row row;
	enum hazard_bl_action a;
	enum hazard_bl_state cur, next;
	const char *text = NULL;
	char due[16];
	unsigned allowed = 0;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL,
				    "the blacklist entry id must be a positive integer", NULL);
	if (hazard_bl_action_parse(req_param(rq, "action"), &a) < 0)
		return resp_problem(rs, 404, NULL,
				    "no such action: confirm, reject, review or remove", NULL);
	if (json_check(rq->body, bl_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	if (a == HAZARD_BL_REJECT || a == HAZARD_BL_REMOVE)
		text = text_field(rq->body, "reason", true, &fe);
	else if (a == HAZARD_BL_REVIEW)
		text = text_field(rq->body, "note", true, &fe);
	else
		text = text_field(rq->body, "note", false, &fe);
	day_text(rule_today(rq) + rq->app->cfg.hazard_blacklist_review_days, due, sizeof(due));
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = hazard_bl_db_get(rq->db, id, &row);
	if (rc == 0 && !scope_has_row(&rq->user->scope, row.region_code, row.grid_id, row.uscc))
		rc = ERR_NOT_FOUND;
	if (rc == ERR_NOT_FOUND) {
		db_rollback(rq->db);
		return resp_problem(rs, 404, NULL,
				    "no blacklist entry with this id in your data scope", NULL);
	}
	if (rc < 0)
		goto out;
	if (hazard_bl_state_parse(row.state, &cur) < 0 ||
	    hazard_bl_transition(cur, a, &next, &allowed) < 0) {
		db_rollback(rq->db);
		return conflict(rs, false, row.state, allowed);
	}
	if (fe.n) {
		db_rollback(rq->db);
		return resp_invalid(rs, &fe);
	}
	rc = hazard_bl_db_apply(rq->db, id, hazard_bl_state_name(next), a, rq->user->user_id, text,
				due, now_ms());
	if (rc == 0) {
		char action[40];

		snprintf(action, sizeof(action), "blacklist.%s", hazard_bl_action_name(a));
		rc = record(rq, action, "blacklist", id, 0, NULL, NULL, NULL,
			    json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?}", "enterprise_id",
				      (json_int_t)row.enterprise_id, "rule", row.rule, "from",
				      row.state, "to", hazard_bl_state_name(next), "text", text,
				      "review_due",
				      a == HAZARD_BL_CONFIRM || a == HAZARD_BL_REVIEW ? due
										      : NULL));
	}
	if (rc == 0)
		rc = hazard_bl_db_json(rq->db, id, &out);
out:
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	derive(rq, HAZARD_LIST_BLACKLIST, out);
	return resp_json(rs, 200, out);
}

static const struct json_field bl_create_fields[] = {
	{ "enterprise_id", JF_INT, JF_REQUIRED, 0, 1, INT64_MAX },
	{ "rule", JF_STRING, JF_REQUIRED, 16, 0, 0 },
	{ "reason", JF_STRING, JF_REQUIRED, 1000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* POST /api/v1/blacklist: a manual entry, listed at once by the caller. */
static int bl_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	const char *reason;
	char region[16], uscc[24], due[16];
	int64_t ent, grid = 0, id = 0;
	json_t *out = NULL;
	int rc;

	if (json_check(rq->body, bl_create_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	if (strcmp(json_str(rq->body, "rule"), "manual") != 0)
		field_errors_add(&fe, "rule",
				 "must be manual (rules B1 and B2 are proposed by the scan)");
	reason = text_field(rq->body, "reason", true, &fe);
	if (fe.n)
		return resp_invalid(rs, &fe);
	ent = json_i64(rq->body, "enterprise_id", 0);
	day_text(rule_today(rq) + rq->app->cfg.hazard_blacklist_review_days, due, sizeof(due));
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = hazard_enterprise_db_scope(rq->db, ent, region, &grid, uscc);
	if (rc == ERR_NOT_FOUND) {
		db_rollback(rq->db);
		return resp_invalid1(rs, "enterprise_id", "no enterprise has this id");
	}
	if (rc == 0 && !scope_has_row(&rq->user->scope, region, grid, uscc)) {
		db_rollback(rq->db);
		field_errors_add(&fe, "enterprise_id", "is outside your data scope");
		fe.forbidden = true;
		return resp_invalid(rs, &fe);
	}
	if (rc == 0)
		rc = hazard_bl_db_insert_manual(rq->db, ent, reason, rq->user->user_id, due,
						now_ms(), &id);
	if (rc == ERR_CONFLICT) {
		db_rollback(rq->db);
		return resp_problem(
			rs, 409, NULL,
			"the enterprise has a manual blacklist entry proposed or listed", NULL);
	}
	if (rc == 0)
		rc = record(rq, "blacklist.create", "blacklist", id, 0, NULL, NULL, NULL,
			    json_pack("{s:I, s:s, s:s, s:s}", "enterprise_id", (json_int_t)ent,
				      "rule", "manual", "reason", reason, "review_due", due));
	if (rc == 0)
		rc = hazard_bl_db_json(rq->db, id, &out);
	rc = db_finish(rq->db, rc);
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	derive(rq, HAZARD_LIST_BLACKLIST, out);
	return resp_json(rs, 201, out);
}

/* ------------------------------------------------------------ statistics */

/* Fills the statistics' query from the scope, region=, from= and to=. */
static void stats_q(struct req *rq, struct hazard_stats_q *q, char *scope_buf, char *region_buf,
		    struct field_errors *fe)
{
	struct hazard_deadline_bands bd = bands_of(rq);
	int64_t today = rule_today(rq), day;
	const char *v;

	memset(q, 0, sizeof(*q));
	scope_bounds_of(&rq->user->scope, rq->user->user_id, scope_buf, 16, &q->scope);
	if ((q->region = req_query_region(rq, "region", region_buf, 16, fe)) != NULL)
		scope_prefix_end(q->region, q->region_end, sizeof(q->region_end));
	if ((v = req_query(rq, "from")) != NULL) {
		if (date_parse(v, &day) != 0)
			field_errors_add(fe, "from", "must be a date YYYY-MM-DD");
		else
			q->from_ms = day * 86400000LL - CLOCK_LOCAL_OFFSET_MS;
	}
	if ((v = req_query(rq, "to")) != NULL) {
		if (date_parse(v, &day) != 0)
			field_errors_add(fe, "to", "must be a date YYYY-MM-DD");
		else
			q->to_ms = (day + 1) * 86400000LL - CLOCK_LOCAL_OFFSET_MS;
	}
	if (q->from_ms && q->to_ms && q->to_ms <= q->from_ms)
		field_errors_add(fe, "to", "must not be before from");
	day_text(today, q->today, sizeof(q->today));
	day_text(today - bd.overdue_long_days, q->long_before, sizeof(q->long_before));
}

static int stats(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "by", "region", "from", "to", NULL };
	struct field_errors fe = { 0 };
	struct hazard_stats_q q;
	enum hazard_stats_by by = HAZARD_BY_REGION;
	char scope_buf[16], region_buf[16];
	const char *pad = "";
	size_t key_len = 0;
	json_t *items = NULL;
	int rc;

	query_params_check(rq, allowed, &fe);
	if (req_query(rq, "by") == NULL)
		field_errors_add(&fe, "by",
				 "is required: region, grid, industry, level, state, source or "
				 "enterprise");
	else if (hazard_stats_by_parse(req_query(rq, "by"), &by) < 0)
		field_errors_add(&fe, "by",
				 "must be region, grid, industry, level, state, source or "
				 "enterprise");
	stats_q(rq, &q, scope_buf, region_buf, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if (by == HAZARD_BY_REGION) {
		/* One level below the region asked for, or below the caller's region. */
		size_t p = q.region	    ? strlen(q.region)
			   : q.scope.prefix ? strlen(q.scope.prefix)
					    : 0;

		if (hazard_stats_region_key(p, &key_len, &pad) < 0)
			return ERR_INTERNAL;
	}
	rc = hazard_stats_db_by(rq->db, by, &q, key_len, pad, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200,
			 json_pack("{s:s, s:s, s:o}", "by", req_query(rq, "by"), "today", q.today,
				   "items", items));
}

static json_t *rate_json(int64_t num, int64_t den)
{
	double r = hazard_rate(num, den);

	return r < 0 ? json_null() : json_real(r);
}

static void warning_row(int64_t grid_id, const char *name, int64_t now, bool has_baseline,
			int64_t before, void *ctx)
{
	if (hazard_grid_warning(now, has_baseline, before))
		json_array_append_new(ctx,
				      json_pack("{s:I, s:s, s:I, s:I}", "grid_id",
						(json_int_t)grid_id, "name", name, "overdue",
						(json_int_t)now, "previous", (json_int_t)before));
}

static int summary(struct req *rq, struct resp *rs)
{
	static const char *const allowed[] = { "region", NULL };
	struct field_errors fe = { 0 };
	struct hazard_stats_q q;
	struct hazard_summary s;
	int64_t months[13];
	char labels[12][8], scope_buf[16], region_buf[16];
	json_t *monthly, *top = NULL, *warnings = NULL, *mean;
	int rc;

	query_params_check(rq, allowed, &fe);
	stats_q(rq, &q, scope_buf, region_buf, &fe);
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	hazard_stats_months(rule_now(rq), months, labels);
	rc = db_begin_read(rq->db); /* one snapshot for every number */
	if (rc < 0)
		return rc;
	rc = hazard_stats_db_summary(rq->db, &q, months, &s);
	if (rc == 0)
		rc = hazard_stats_db_top(rq->db, &q, &top);
	warnings = json_array();
	if (rc == 0)
		rc = hazard_stats_db_grids(rq->db, &q, warning_row, warnings);
	db_rollback(rq->db);
	if (rc < 0) {
		json_decref(top);
		json_decref(warnings);
		return rc;
	}
	monthly = json_array();
	for (int i = 0; i < 12; i++)
		json_array_append_new(monthly, json_pack("{s:s, s:I, s:I}", "month", labels[i],
							 "reported", (json_int_t)s.reported[i],
							 "closed", (json_int_t)s.closed_in[i]));
	mean = s.closed > 0
		       ? json_real((double)((s.close_ms_sum / s.closed + 4320000) / 8640000) / 10.0)
		       : json_null();
	return resp_json(
		rs, 200,
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			  "today", q.today, "total", (json_int_t)s.total, "open",
			  (json_int_t)s.open, "closed", (json_int_t)s.closed, "dismissed",
			  (json_int_t)s.dismissed, "overdue", (json_int_t)s.overdue, "overdue_30",
			  (json_int_t)s.overdue_30, "major_open", (json_int_t)s.major_open,
			  "rectification_rate", rate_json(s.closed, s.total - s.dismissed),
			  "on_time_rate", rate_json(s.closed_on_time, s.closed_with_deadline),
			  "mean_days_to_close", mean, "monthly", monthly, "top_enterprises", top,
			  "grid_warnings", warnings));
}

/* ------------------------------------------------------------ routes */

const struct route hazard_lists_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/rectification",
	  .handler = rect_list,
	  .perm = PERM_HAZARD_READ,
	  .summary = "rectification list (整改清单): open hazards with a plan, in your scope; "
		     "filters region, grid, level, deadline_state" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/rectification/export",
	  .handler = rect_export,
	  .perm = PERM_HAZARD_READ,
	  .summary = "the rectification list as a file (?format=xlsx|csv and its filters)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/supervision",
	  .handler = sup_list,
	  .perm = PERM_HAZARD_READ,
	  .summary = "listed-supervision list (挂牌督办清单) in your scope; filters state, region, "
		     "grid, level" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/supervision/export",
	  .handler = sup_export,
	  .perm = PERM_HAZARD_READ,
	  .summary = "the listed-supervision list as a file (?format=xlsx|csv and its filters)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/accountability",
	  .handler = acc_list,
	  .perm = PERM_HAZARD_READ,
	  .summary = "accountability list (追责问责清单): overdue and falsely closed hazards with "
		     "the people responsible; filters kind, region, grid, level" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/accountability/export",
	  .handler = acc_export,
	  .perm = PERM_HAZARD_READ,
	  .summary = "the accountability list as a file (?format=xlsx|csv and its filters)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/blacklist",
	  .handler = bl_list,
	  .perm = PERM_HAZARD_READ,
	  .summary =
		  "blacklist (黑名单) of enterprises in your scope; filters state, rule, region, "
		  "grid" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazard-lists/blacklist/export",
	  .handler = bl_export,
	  .perm = PERM_HAZARD_READ,
	  .summary = "the blacklist as a file (?format=xlsx|csv and its filters)" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/supervisions/{id}/{action}",
	  .handler = sup_action,
	  .perm = PERM_HAZARD_SUPERVISE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "act on a listed supervision: list {deadline, note?}, decline {reason}, "
		     "progress {progress}, lift {reason}; 409 names the allowed actions" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/hazards/{id}/supervise",
	  .handler = supervise,
	  .perm = PERM_HAZARD_SUPERVISE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "list an open hazard for supervision yourself {deadline, note?} (reason "
		     "manual)" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/blacklist",
	  .handler = bl_create,
	  .perm = PERM_HAZARD_LISTS,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "put an enterprise on the blacklist by hand {enterprise_id, rule: manual, "
		     "reason}" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/blacklist/{id}/{action}",
	  .handler = bl_action,
	  .perm = PERM_HAZARD_LISTS,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "act on a blacklist entry: confirm {note?}, reject {reason}, review {note}, "
		     "remove {reason}; 409 names the allowed actions" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards/stats",
	  .handler = stats,
	  .perm = PERM_HAZARD_READ,
	  .summary = "hazard counts in your scope by=region|grid|industry|level|state|source|"
		     "enterprise, ?region, ?from, ?to (found date): total, open, closed, overdue" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards/stats/summary",
	  .handler = summary,
	  .perm = PERM_HAZARD_READ,
	  .summary = "dynamic assessment in your scope (?region): counts, rectification and "
		     "on-time rates, mean days to close, 12-month trend, top enterprises, grid "
		     "warnings" },
	{ 0 },
};
