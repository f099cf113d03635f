/* SPDX-License-Identifier: MIT */
/*
 * Hidden hazards over HTTP (issue 4, docs/hazard.md): the scoped, filtered, keyset-paged
 * list and its export (XLSX/CSV, Chinese headers, not paged). Report, detail and criteria:
 * hazard_api.c; the life-cycle actions: hazard_actions_api.c.
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_api.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/geo.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise.h"
#include "enterprise/enterprise_api.h"
#include "hazard/hazard.h"
#include "hazard/hazard_api_int.h"
#include "hazard/hazard_api_int.h"
#include "hazard/hazard_db.h"
#include "http/req.h"
#include "report/table.h"
#include "core/banned.h"

/* ------------------------------------------------------------ list, export */

static const char *const list_filters[] = {
	"state",	 "level",    "source",	       "category", "region",	 "grid",
	"enterprise_id", "industry", "deadline_state", "q",	   "found_from", "found_to",
	"supervision",	 NULL,
};
static const char *const list_sorts[] = { "created_ms", "deadline", "found_ms", "number", NULL };

struct filter_bufs {
	char rfrom[16], rto[16], ifrom[8], ito[8], sfrom[16], sto[16];
	char dfrom[16], dto[16];
	char *q_like;
};

static const char *query_enum(struct req *rq, const char *name, const char *const *set,
			      struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	if (v == NULL)
		return NULL;
	if (!str_one_of(v, set))
		field_errors_add(fe, name, "has no such value");
	return v;
}

/* The local day's first instant (UTC ms) of a date argument; -1 when absent or bad. */
static int64_t date_arg(struct req *rq, const char *name, int add_days, struct field_errors *fe)
{
	const char *v = req_query(rq, name);
	int64_t d;

	if (v == NULL)
		return -1;
	if (date_parse(v, &d) < 0) {
		field_errors_add(fe, name, "must be a date YYYY-MM-DD");
		return -1;
	}
	return (d + add_days) * 86400000LL - CLOCK_LOCAL_OFFSET_MS;
}

static void filter_from_query(struct req *rq, struct hazard_filter *f, struct filter_bufs *b,
			      struct field_errors *fe)
{
	static const char *const levels[] = { "general", "major", NULL };
	static const char *const sources[] = { "self_check",  "grid_patrol",	   "tipoff",
					       "enforcement", "leader_inspection", NULL };
	static const char *const categories[] = { "management", "site", NULL };
	static const char *const dstates[] = { "on_time", "due_soon", "overdue", "overdue_30",
					       NULL };
	static const char *const sups[] = { "proposed", "listed", NULL };
	const struct principal *u = rq->user;
	const struct config *cfg = &rq->app->cfg;
	const char *v;
	char tmp[16];

	memset(f, 0, sizeof(*f));
	memset(b, 0, sizeof(*b));
	f->found_from_ms = f->found_to_ms = -1;
	if ((v = req_query(rq, "state")) != NULL) {
		if (strcmp(v, "open") == 0) {
			static const char *const open[] = { "reported", "confirmed", "rectifying",
							    "submitted" };
			for (int i = 0; i < 4; i++)
				f->states[i] = open[i];
		} else {
			/* a comma list of states, each borrowed from the static names */
			const char *p = v;
			int n = 0;

			while (*p && n < HAZARD_STATE_COUNT_) {
				size_t len = strcspn(p, ",");
				enum hazard_state s = HAZARD_STATE_COUNT_;

				for (int i = 0; i < HAZARD_STATE_COUNT_; i++) {
					const char *name = hazard_state_name((enum hazard_state)i);
					if (strlen(name) == len && strncmp(name, p, len) == 0)
						s = (enum hazard_state)i;
				}
				if (s == HAZARD_STATE_COUNT_) {
					field_errors_add(fe, "state",
							 "must be open or a comma list of states");
					break;
				}
				f->states[n++] = hazard_state_name(s);
				p += len;
				if (*p == ',')
					p++;
			}
		}
	}
	f->level = query_enum(rq, "level", levels, fe);
	f->source = query_enum(rq, "source", sources, fe);
	f->category = query_enum(rq, "category", categories, fe);
	if ((v = req_query(rq, "region")) != NULL) {
		size_t p = region_prefix_len(v);

		snprintf(b->rfrom, sizeof(b->rfrom), "%.*s", (int)p, v);
		if (p == 0 || !enterprise_code_prefix_end(b->rfrom, b->rto, sizeof(b->rto)))
			field_errors_add(fe, "region", "must be a GB/T 2260 code");
		f->region_from = b->rfrom;
		f->region_to = b->rto;
	}
	if ((v = req_query(rq, "grid")) != NULL &&
	    (parse_i64(v, &f->grid_id) < 0 || f->grid_id < 1))
		field_errors_add(fe, "grid", "must be a grid id");
	if ((v = req_query(rq, "enterprise_id")) != NULL &&
	    (parse_i64(v, &f->enterprise_id) < 0 || f->enterprise_id < 1))
		field_errors_add(fe, "enterprise_id", "must be an enterprise id");
	if ((v = req_query(rq, "industry")) != NULL) {
		size_t n = strlen(v);

		snprintf(b->ifrom, sizeof(b->ifrom), "%s", v);
		if (n < 1 || n > 4 || strspn(v, "0123456789") != n ||
		    !enterprise_code_prefix_end(b->ifrom, b->ito, sizeof(b->ito)))
			field_errors_add(fe, "industry",
					 "must be a GB/T 4754 code of 1 to 4 digits");
		f->industry_from = b->ifrom;
		f->industry_to = b->ito;
	}
	if ((v = query_enum(rq, "deadline_state", dstates, fe)) != NULL) {
		int64_t today = today_local(cfg->fake_now_ms);
		int64_t soon = today + cfg->hazard_due_soon_days;
		int64_t long_ago = today - cfg->hazard_overdue_long_days;

		if (strcmp(v, "on_time") == 0) {
			date_format(soon + 1, b->dfrom, sizeof(b->dfrom));
		} else if (strcmp(v, "due_soon") == 0) {
			date_format(today, b->dfrom, sizeof(b->dfrom));
			date_format(soon, b->dto, sizeof(b->dto));
		} else if (strcmp(v, "overdue") == 0) {
			date_format(long_ago, b->dfrom, sizeof(b->dfrom));
			date_format(today - 1, b->dto, sizeof(b->dto));
		} else if (strcmp(v, "overdue_30") == 0) {
			date_format(long_ago - 1, b->dto, sizeof(b->dto));
		}
		f->deadline_from = b->dfrom[0] ? b->dfrom : NULL;
		f->deadline_to = b->dto[0] ? b->dto : NULL;
	}
	if ((v = req_query(rq, "q")) != NULL) {
		if (v[0] == '\0' || utf8_len(v) > 100)
			field_errors_add(fe, "q", "must be 1 to 100 characters");
		f->q_number = v;
		b->q_like = db_like_contains(v);
		f->q_like = b->q_like;
	}
	f->found_from_ms = date_arg(rq, "found_from", 0, fe);
	f->found_to_ms = date_arg(rq, "found_to", 1, fe);
	/* As the statistics' from/to: an empty range is a mistake, not an empty answer. */
	if (f->found_from_ms >= 0 && f->found_to_ms >= 0 && f->found_to_ms <= f->found_from_ms)
		field_errors_add(fe, "found_to", "must not be before found_from");
	f->supervision = query_enum(rq, "supervision", sups, fe);
	switch (u->scope.kind) {
	case SCOPE_ALL:
		break;
	case SCOPE_REGION:
		snprintf(tmp, sizeof(tmp), "%.*s", (int)region_prefix_len(u->scope.region),
			 u->scope.region);
		snprintf(b->sfrom, sizeof(b->sfrom), "%s", tmp);
		if (!enterprise_code_prefix_end(b->sfrom, b->sto, sizeof(b->sto)))
			snprintf(b->sto, sizeof(b->sto), "%s", b->sfrom); /* empty range */
		f->scope_from = b->sfrom;
		f->scope_to = b->sto;
		break;
	case SCOPE_GRIDS:
		f->scope_grid_user = u->user_id;
		break;
	case SCOPE_ENTERPRISE:
		f->scope_uscc = u->scope.enterprise;
		break;
	}
}

static int list(struct req *rq, struct resp *rs)
{
	struct hazard_filter f;
	struct filter_bufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct hazard_caller c;
	json_t *items = NULL, *v;
	size_t i;
	int rc;

	list_params_parse(rq, list_sorts, list_filters, &lp, &fe);
	if (req_query(rq, "sort") == NULL)
		lp.desc = true; /* newest first */
	filter_from_query(rq, &f, &b, &fe);
	if (fe.n) {
		free(b.q_like);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	rc = hazard_db_list(rq->db, &f, &lp, &items);
	free(b.q_like);
	if (rc < 0)
		return rc;
	hazard_api_caller_init(rq, &c);
	json_array_foreach(items, i, v)
		hazard_api_decorate(rq, &c, v);
	return resp_json(rs, 200, list_page(items, &lp));
}

/* The columns of the export (Chinese headers, as offices exchange them). */
static const struct {
	const char *zh, *key;
} export_cols[] = {
	{ "隐患编号", "number" },
	{ "企业", "enterprise_name" },
	{ "行政区划", "region_code" },
	{ "行业", "industry_code" },
	{ "来源", "source" },
	{ "发现日期", "found_ms" },
	{ "位置", "location" },
	{ "类别", "category" },
	{ "隐患等级", "level" },
	{ "隐患描述", "description" },
	{ "判定依据", "criterion_text" },
	{ "状态", "state" },
	{ "整改措施", "measures" },
	{ "责任人", "responsible" },
	{ "整改资金（元）", "funds_yuan" },
	{ "整改期限", "deadline" },
	{ "期限状态", "deadline_state" },
	{ "剩余天数", "days_left" },
};
#define EXPORT_NCOLS (sizeof(export_cols) / sizeof(export_cols[0]))
/* Bytes of one cell: the longest field (2000 characters) in UTF-8, with room to spare. */
#define CELL_MAX 8192

static void cell_text(const json_t *h, const char *key, char *out, size_t n)
{
	const json_t *plan = json_object_get(h, "plan");
	const json_t *v = json_object_get(h, key);

	if (v == NULL && plan && json_is_object(plan))
		v = json_object_get(plan, key);
	out[0] = '\0';
	if (strcmp(key, "found_ms") == 0 && json_is_integer(v)) {
		date_format(local_day(json_integer_value(v)), out, n);
	} else if (strcmp(key, "criterion_text") == 0) {
		const json_t *c = json_object_get(h, "criterion");

		if (c && json_is_object(c))
			snprintf(out, n, "%s 第%" JSON_INTEGER_FORMAT "项 %s",
				 hazard_api_nz(json_str(c, "doc")),
				 json_integer_value(json_object_get(c, "item")),
				 hazard_api_nz(json_str(c, "topic_zh")));
		else
			snprintf(out, n, "%s", hazard_api_nz(json_string_value(v)));
	} else if (json_is_string(v) &&
		   (strcmp(key, "source") == 0 || strcmp(key, "category") == 0 ||
		    strcmp(key, "level") == 0 || strcmp(key, "state") == 0 ||
		    strcmp(key, "deadline_state") == 0)) {
		snprintf(out, n, "%s", hazard_label(key, json_string_value(v)));
	} else if (json_is_string(v)) {
		utf8_copy(out, n, json_string_value(v)); /* cut at a character, never inside one */
	} else if (json_is_integer(v)) {
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	}
}

static int export_file(struct req *rq, struct resp *rs)
{
	const char *filters[sizeof(list_filters) / sizeof(list_filters[0]) + 1];
	const char *cells[EXPORT_NCOLS];
	char *texts[EXPORT_NCOLS];
	struct hazard_filter f;
	struct filter_bufs b;
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct hazard_caller c;
	struct table_writer *w;
	enum table_format fmt = TABLE_XLSX;
	json_t *items = NULL, *v;
	const char *arg;
	char *data = NULL, disp[96], day[16];
	size_t len = 0, nf = 0, i;
	int fd = -1, rc;

	for (; list_filters[nf]; nf++)
		filters[nf] = list_filters[nf];
	filters[nf++] = "format";
	filters[nf] = NULL;
	list_params_parse(rq, list_sorts, filters, &lp, &fe);
	if (req_query(rq, "limit") || req_query(rq, "after"))
		field_errors_add(&fe, req_query(rq, "limit") ? "limit" : "after",
				 "the export is not paged");
	if (req_query(rq, "sort") == NULL)
		lp.desc = true;
	filter_from_query(rq, &f, &b, &fe);
	if ((arg = req_query(rq, "format")) != NULL) {
		if (strcmp(arg, "csv") == 0)
			fmt = TABLE_CSV;
		else if (strcmp(arg, "xlsx") != 0)
			field_errors_add(&fe, "format", "must be xlsx or csv");
	}
	if (fe.n) {
		free(b.q_like);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	lp.limit = 0; /* every row */
	lp.after = 0;
	rc = db_begin_read(rq->db);
	if (rc == 0)
		rc = hazard_db_list(rq->db, &f, &lp, &items);
	db_rollback(rq->db);
	free(b.q_like);
	if (rc < 0)
		return rc;
	w = table_writer_new(fmt, "隐患", NULL);
	if (w == NULL) {
		json_decref(items);
		return ERR_IO;
	}
	for (i = 0; i < EXPORT_NCOLS; i++)
		cells[i] = export_cols[i].zh;
	table_writer_row(w, cells, EXPORT_NCOLS);
	hazard_api_caller_init(rq, &c);
	for (i = 0; i < EXPORT_NCOLS; i++)
		texts[i] = xmalloc(CELL_MAX);
	json_array_foreach(items, nf, v) {
		hazard_api_decorate(rq, &c, v);
		for (i = 0; i < EXPORT_NCOLS; i++) {
			cell_text(v, export_cols[i].key, texts[i], CELL_MAX);
			cells[i] = texts[i];
		}
		table_writer_row(w, cells, EXPORT_NCOLS);
	}
	for (i = 0; i < EXPORT_NCOLS; i++)
		free(texts[i]);
	json_decref(items);
	rc = table_writer_finish(w, &data, &len, &fd);
	if (rc < 0)
		return rc;
	date_format(local_day(now_ms()), day, sizeof(day));
	snprintf(disp, sizeof(disp), "hazards-%s.%s", day, fmt == TABLE_CSV ? "csv" : "xlsx");
	return resp_attachment(rs, disp,
			       fmt == TABLE_CSV ? "text/csv; charset=utf-8" : TABLE_XLSX_MIME, data,
			       len, fd);
}

const struct route hazard_list_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards",
	  .handler = list,
	  .perm = PERM_HAZARD_READ,
	  .summary = "hidden hazards in your scope, newest first; filters state (a comma list or "
		     "open), level, source, category, region, grid, enterprise_id, industry, "
		     "deadline_state, q (number or description), found_from/found_to, "
		     "supervision; sort created_ms, deadline, found_ms, number" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/hazards/export",
	  .handler = export_file,
	  .perm = PERM_HAZARD_READ,
	  .summary = "the filtered hazard list as a file (?format=xlsx|csv and the list's "
		     "filters), Chinese headers, not paged" },
	{ 0 },
};
