/* SPDX-License-Identifier: MIT */
/*
 * The demo city's risk data (demo_risk.h). The rows are written with SQL of this file
 * (the demo's own seed, like hazard_seed.c for hazards): the risk module's write routes
 * are not used because the demo loads inside one transaction before the server answers.
 * What the routes would compute is computed here by the same pure rules (risk/risk.h):
 * each assessment's value and grade by the default grading table, a point's grade the
 * highest of its sources', a unit's the highest of its points', an enterprise's the
 * highest of its points' (the contract's rule, docs/risk.md), the reassessment day 12
 * months after the oldest latest assessment of a point.
 */
#define LOG_MODULE "demo"
#include "demo/demo_risk.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "hazard/hazard_seed.h"
#include "hazard/photo.h"
#include "risk/risk.h"
#include "core/banned.h"

#define PLAN_W 800
#define PLAN_H 480

/* The three units every demo enterprise has, and their outlines on the plan (pixels). */
static const struct unit_tpl {
	const char *kind, *name, *code, *description;
	int x0, y0, x1, y1;
} units[3] = {
	{ "installation", "储罐区", "U01", "甲类可燃液体储罐 4 座（演示）", 60, 50, 340, 230 },
	{ "workshop", "生产车间", "U02", "反应、精馏工段与配电室（演示）", 410, 50, 740, 270 },
	{ "place", "装卸作业区", "U03", "汽车装卸栈台与动火作业区（演示）", 60, 300, 520, 430 },
};

/* The points, each with its danger source, measure and check. */
static const struct point_tpl {
	int unit;
	const char *kind, *name, *location;
	const char *source, *factor, *types;	    /* accident_types: GB 6441 numbers */
	const char *measure_kind, *measure, *check; /* the measure and its check item */
} points[5] = {
	{ 0, "equipment", "1号储罐", "储罐区东北角", "储罐可燃液体泄漏", "object", "[8, 18, 19]",
	  "engineering", "液位高高联锁、可燃气体检测报警与紧急切断阀",
	  "检查液位计、报警器及切断阀完好" },
	{ 1, "equipment", "反应釜", "生产车间一层", "反应釜超温超压", "object", "[17, 7]",
	  "engineering", "温度压力联锁与安全阀定期校验", "检查温度压力联锁投用及安全阀铅封" },
	{ 2, "operation", "动火作业", "装卸作业区", "动火作业未办理作业票", "person", "[8, 7]",
	  "management", "特殊作业票证管理与现场监护", "检查动火作业票、气体分析与监护人在岗" },
	{ 1, "place", "配电室", "生产车间北侧", "配电柜带电部位裸露", "environment", "[5]", "ppe",
	  "绝缘防护用品配备与停送电挂牌", "检查绝缘手套、绝缘靴及挂牌上锁" },
	{ 2, "place", "装卸栈台", "装卸作业区西侧", "装卸车辆未熄火、未接地", "management",
	  "[2, 8]", "training", "装卸作业规程培训与静电接地检查",
	  "检查车辆熄火、静电接地及人员持证" },
};

/* The people holding the measures of each control level (demo names). */
static const char *responsible_of(enum risk_control_level l)
{
	switch (l) {
	case RISK_LEVEL_COMPANY:
		return "企业主要负责人（演示）";
	case RISK_LEVEL_DEPARTMENT:
		return "生产部经理（演示）";
	case RISK_LEVEL_TEAM:
		return "当班班组长（演示）";
	default:
		return "岗位操作工（演示）";
	}
}

/* LEC factors and LS values giving each grade 1..4 by the default tables (docs/risk.md). */
static const double lec_of[4][3] = { { 6, 6, 15 }, { 3, 6, 15 }, { 3, 6, 7 }, { 1, 6, 7 } };
static const int ls_of[4][2] = { { 4, 5 }, { 3, 5 }, { 3, 3 }, { 2, 2 } };

/* One danger source as planned: its grade (0: not assessed), method and day. */
struct src_plan {
	const char *name, *factor, *types;
	int want; /* the grade its factors give, 0: left unassessed */
	bool ls;
	int64_t day;
};

#define MAX_SRC 2

struct point_plan {
	const struct point_tpl *t;
	struct src_plan src[MAX_SRC];
	int nsrc;
	int64_t id;
	enum risk_grade grade;
	int64_t last_day; /* 0: none assessed */
};

/* ------------------------------------------------------------ site plan */

static void fill(unsigned char *raw, int x0, int y0, int x1, int y1, unsigned char r,
		 unsigned char g, unsigned char b)
{
	for (int y = y0; y < y1 && y < PLAN_H; y++)
		for (int x = x0; x < x1 && x < PLAN_W; x++) {
			unsigned char *px = raw + 3 * ((size_t)y * PLAN_W + (size_t)x);

			px[0] = r;
			px[1] = g;
			px[2] = b;
		}
}

/*
 * The demo site plan: a yard with roads and the three units as buildings, encoded as PNG by
 * libvips, stored in the photo store and as a photo row. Returns 0 with sha (65 bytes), or
 * a negative err (the caller goes on without a plan unless it is ERR_DB).
 */
static int make_plan(struct db *db, const struct demo_hazard_city *c, char sha[65])
{
	unsigned char *raw = xmalloc((size_t)PLAN_W * PLAN_H * 3);
	VipsImage *img = NULL;
	void *png = NULL;
	size_t n = 0;
	struct photo_info info;
	char dir[1024];
	int rc = 0;

	fill(raw, 0, 0, PLAN_W, PLAN_H, 236, 232, 218);		 /* the yard */
	fill(raw, 0, 250 + 12, PLAN_W, 250 + 38, 190, 190, 190); /* the road */
	fill(raw, 370, 0, 392, PLAN_H, 190, 190, 190);
	for (size_t i = 0; i < 3; i++) {
		const struct unit_tpl *u = &units[i];

		fill(raw, u->x0, u->y0, u->x1, u->y1, 80, 80, 90); /* walls */
		fill(raw, u->x0 + 3, u->y0 + 3, u->x1 - 3, u->y1 - 3, 214, 220, 230);
	}
	for (int k = 0; k < 4; k++) /* the tanks of the tank farm */
		fill(raw, 90 + 60 * k, 100, 130 + 60 * k, 180, 150, 160, 175);
	if (VIPS_INIT("anjian") != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	img = vips_image_new_from_memory(raw, (size_t)PLAN_W * PLAN_H * 3, PLAN_W, PLAN_H, 3,
					 VIPS_FORMAT_UCHAR);
	if (img == NULL || vips_pngsave_buffer(img, &png, &n, NULL) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	photo_sha256(png, n, info.sha256);
	info.mime = photo_sniff(png, n);
	photo_dir(c->cfg, dir, sizeof(dir));
	rc = info.mime ? photo_store(dir, png, n, &info) : ERR_INTERNAL;
	if (rc == 0)
		rc = hazard_seed_photo_add(db, &info, 0, c->now_ms);
	if (rc == 0)
		memcpy(sha, info.sha256, 65);
out:
	if (img)
		g_object_unref(img);
	g_free(png);
	free(raw);
	return rc;
}

/* ------------------------------------------------------------ rows */

static const char SQL_UNIT[] =
	"INSERT INTO risk_unit (enterprise_id, kind, name, code, description, polygon, grade, "
	"created_ms, updated_ms) VALUES (:e, :kind, :name, :code, :description, :polygon, :grade, "
	":now, :now)";
static const char SQL_POINT[] =
	"INSERT INTO risk_point (enterprise_id, unit_id, kind, name, location, grade, "
	"last_assessed_day, reassess_due, created_ms, updated_ms) VALUES (:e, :unit, :kind, "
	":name, :location, :grade, :last, :due, :now, :now)";
static const char SQL_SOURCE[] =
	"INSERT INTO danger_source (enterprise_id, point_id, name, factor, accident_types, "
	"description, created_ms, updated_ms) VALUES (:e, :point, :name, :factor, :types, '', "
	":now, :now)";
static const char SQL_ASSESSMENT[] =
	"INSERT INTO risk_assessment (enterprise_id, point_id, danger_source_id, method, table_id, "
	"lec_l_x10, lec_e_x10, lec_c_x10, ls_l, ls_s, value_x1000, grade, assessed_day, "
	"assessed_ms, assessor_id, note) VALUES (:e, :point, :source, :method, :table, :l10, "
	":e10, :c10, :lsl, :lss, :value, :grade, :day, :ms, :assessor, '演示评估')";
static const char SQL_SOURCE_GRADE[] =
	"UPDATE danger_source SET grade = :grade, assessment_id = :a WHERE id = :id";
static const char SQL_MEASURE[] =
	"INSERT INTO control_measure (enterprise_id, point_id, danger_source_id, kind, "
	"description, control_level, responsible_name, active, created_ms, updated_ms) VALUES "
	"(:e, :point, :source, :kind, :description, :level, :responsible, 1, :now, :now)";
static const char SQL_ITEM[] =
	"INSERT INTO check_item (enterprise_id, point_id, measure_id, content, schedule, "
	"assignee_id, active, start_ms, created_ms, updated_ms) VALUES (:e, :point, :measure, "
	":content, :schedule, :assignee, 1, :start, :now, :now)";
static const char SQL_ENTERPRISE[] =
	"INSERT INTO risk_enterprise (enterprise_id, grade, red, orange, yellow, blue, "
	"updated_ms) VALUES (:e, :grade, :red, :orange, :yellow, :blue, :now)";
static const char SQL_PLAN[] =
	"INSERT INTO risk_site_plan (enterprise_id, sha256, width, height, uploader_id, "
	"updated_ms) VALUES (:e, :sha, :w, :h, NULL, :now)";
static const char SQL_OFFICER[] = "SELECT id FROM app_user WHERE login = :login";

/* Runs an INSERT and gives its row id. */
static int insert(struct db *db, struct db_stmt *st, int64_t *id)
{
	int rc = db_step_done(st);

	if (rc == 0 && id)
		*id = db_last_id(db);
	return rc;
}

/* The grade of a source by its factors (risk.h, default tables). */
static int assess(const struct src_plan *s, int64_t *value_x1000, enum risk_grade *g, int f[3])
{
	struct risk_table t;
	const int k = s->want - 1;
	int r = 0, rc;

	if (s->ls) {
		risk_table_default(RISK_LS, &t);
		f[0] = ls_of[k][0];
		f[1] = ls_of[k][1];
		rc = risk_ls_assess(&t, f[0], f[1], &r, g, NULL);
		*value_x1000 = (int64_t)r * 1000;
		return rc;
	}
	risk_table_default(RISK_LEC, &t);
	rc = risk_lec_assess(&t, lec_of[k][0], lec_of[k][1], lec_of[k][2], value_x1000, g, NULL);
	for (int i = 0; rc == 0 && i < 3; i++)
		rc = risk_lec_factor((enum risk_factor)i, lec_of[k][i], &f[i], NULL);
	return rc;
}

/* The enterprise's officer account, by its login; 0 when there is none. */
static int64_t officer_id(struct db *db, const struct demo_hazard_city *c,
			  const struct demo_host *h)
{
	struct db_stmt *st;
	char login[72];
	int64_t id = 0;

	if (h->id == c->officer.enterprise_id)
		return c->officer.id;
	snprintf(login, sizeof(login), "demo.officer.%s", h->uscc);
	for (size_t i = 0; login[i]; i++)
		login[i] = (char)tolower((unsigned char)login[i]);
	st = db_stmt(db, SQL_OFFICER);
	if (st == NULL)
		return 0;
	db_bind_text(st, ":login", login);
	if (db_step_i64(st, &id) < 0)
		id = 0;
	return id;
}

/*
 * Plans the points of an enterprise of grade want: the showcase (demo.officer's) has the
 * five points graded red, orange, yellow, blue, blue (the last assessed 400 days ago and
 * with a second source not assessed), the first with a second, yellow, source; others have
 * points graded want, want + 1, ... down to blue (at least two).
 */
static int plan_points(bool showcase, int want, int64_t today, struct point_plan *pp)
{
	int n = showcase ? 5 : (5 - want < 2 ? 2 : 5 - want);

	for (int k = 0; k < n; k++) {
		struct point_plan *p = &pp[k];
		int g = showcase ? (k < 4 ? k + 1 : 4) : (want + k > 4 ? 4 : want + k);

		memset(p, 0, sizeof(*p));
		p->t = &points[k];
		p->src[0] = (struct src_plan){ p->t->source, p->t->factor,	 p->t->types, g,
					       k % 2 == 1,   today - 20 - 15 * k };
		p->nsrc = 1;
		if (showcase && k == 0) /* the point takes the higher of its two sources */
			p->src[p->nsrc++] =
				(struct src_plan){ "储罐区人员误操作", "person", "[19]", 3, true,
						   today - 25 };
		if (showcase && k == 4) { /* 400 days: due for reassessment */
			p->src[0].day = today - 400;
			p->src[p->nsrc++] = (struct src_plan){ "栈台照明不足", "environment",
							       "[20]",	       0,
							       false,	       0 };
		}
	}
	return n;
}

/* Writes one enterprise's units, points, sources, assessments, measures, items, grade. */
static int load_enterprise(struct db *db, const struct demo_hazard_city *c,
			   const struct demo_host *h, int want, const char *plan_sha,
			   int64_t *npoints, struct errmsg *why)
{
	static const char *const schedules[] = { "shift", "daily", "weekly", "monthly" };
	struct point_plan pp[5];
	bool showcase = h->id == c->officer.enterprise_id;
	int n = plan_points(showcase, want, c->today, pp);
	enum risk_grade unit_grades[3][5] = { { 0 } }, point_grades[5];
	size_t nunit[3] = { 0 };
	int64_t unit_ids[3] = { 0 }, counts[5] = { 0 }, assignee = officer_id(db, c, h);
	int nitems = 0, rc = 0;
	struct db_stmt *st;

	/* The grades first: the rules decide them, the rows only hold them. */
	for (int k = 0; k < n && rc == 0; k++) {
		enum risk_grade sg[MAX_SRC];
		size_t ns = 0;

		for (int s = 0; s < pp[k].nsrc; s++) {
			int64_t v;
			int f[3];

			if (pp[k].src[s].want == 0)
				continue;
			rc = assess(&pp[k].src[s], &v, &sg[ns], f);
			if (rc < 0)
				return errmsg_set(why, "risk",
						  "demo assessment refused by the rules");
			if (pp[k].last_day == 0 || pp[k].src[s].day < pp[k].last_day)
				pp[k].last_day = pp[k].src[s].day;
			ns++;
		}
		pp[k].grade = risk_point_grade(sg, ns);
		point_grades[k] = pp[k].grade;
		unit_grades[pp[k].t->unit][nunit[pp[k].t->unit]++] = pp[k].grade;
		counts[pp[k].grade]++;
	}
	for (int u = 0; u < 3 && rc == 0; u++) {
		const struct unit_tpl *t = &units[u];
		enum risk_grade g = risk_point_grade(unit_grades[u], nunit[u]);
		char poly[160];

		snprintf(poly, sizeof(poly), "[[%d, %d], [%d, %d], [%d, %d], [%d, %d]]", t->x0,
			 t->y0, t->x1, t->y0, t->x1, t->y1, t->x0, t->y1);
		if ((st = db_stmt(db, SQL_UNIT)) == NULL)
			return ERR_DB;
		db_bind_i64(st, ":e", h->id);
		db_bind_text(st, ":kind", t->kind);
		db_bind_text(st, ":name", t->name);
		db_bind_text(st, ":code", t->code);
		db_bind_text(st, ":description", t->description);
		db_bind_text(st, ":polygon", poly);
		db_bind_id_or_null(st, ":grade", g);
		db_bind_i64(st, ":now", c->now_ms);
		rc = insert(db, st, &unit_ids[u]);
	}
	for (int k = 0; k < n && rc == 0; k++) {
		struct point_plan *p = &pp[k];
		char last[16], due[16];

		if (p->last_day) {
			date_format(p->last_day, last, sizeof(last));
			date_format(risk_reassess_due(p->last_day), due, sizeof(due));
		}
		if ((st = db_stmt(db, SQL_POINT)) == NULL)
			return ERR_DB;
		db_bind_i64(st, ":e", h->id);
		db_bind_i64(st, ":unit", unit_ids[p->t->unit]);
		db_bind_text(st, ":kind", p->t->kind);
		db_bind_text(st, ":name", p->t->name);
		db_bind_text(st, ":location", p->t->location);
		db_bind_id_or_null(st, ":grade", p->grade);
		db_bind_text(st, ":last", p->last_day ? last : NULL);
		db_bind_text(st, ":due", p->last_day ? due : NULL);
		db_bind_i64(st, ":now", c->now_ms);
		rc = insert(db, st, &p->id);
		for (int s = 0; s < p->nsrc && rc == 0; s++) {
			const struct src_plan *sp = &p->src[s];
			enum risk_grade g = RISK_GRADE_NONE;
			enum risk_control_level lv;
			int64_t sid = 0, aid = 0, mid = 0, v = 0;
			int f[3] = { 0 };
			char day[16];

			if ((st = db_stmt(db, SQL_SOURCE)) == NULL)
				return ERR_DB;
			db_bind_i64(st, ":e", h->id);
			db_bind_i64(st, ":point", p->id);
			db_bind_text(st, ":name", sp->name);
			db_bind_text(st, ":factor", sp->factor);
			db_bind_text(st, ":types", sp->types);
			db_bind_i64(st, ":now", c->now_ms);
			rc = insert(db, st, &sid);
			if (rc < 0 || sp->want == 0)
				continue;
			rc = assess(sp, &v, &g, f);
			if (rc < 0)
				break;
			date_format(sp->day, day, sizeof(day));
			if ((st = db_stmt(db, SQL_ASSESSMENT)) == NULL)
				return ERR_DB;
			db_bind_i64(st, ":e", h->id);
			db_bind_i64(st, ":point", p->id);
			db_bind_i64(st, ":source", sid);
			db_bind_text(st, ":method", sp->ls ? "ls" : "lec");
			db_bind_text(st, ":table",
				     sp->ls ? RISK_TABLE_LS_DEFAULT : RISK_TABLE_LEC_DEFAULT);
			db_bind_id_or_null(st, ":l10", sp->ls ? 0 : f[0]);
			db_bind_id_or_null(st, ":e10", sp->ls ? 0 : f[1]);
			db_bind_id_or_null(st, ":c10", sp->ls ? 0 : f[2]);
			db_bind_id_or_null(st, ":lsl", sp->ls ? f[0] : 0);
			db_bind_id_or_null(st, ":lss", sp->ls ? f[1] : 0);
			db_bind_i64(st, ":value", v);
			db_bind_i64(st, ":grade", g);
			db_bind_text(st, ":day", day);
			/* 10:00 local on that day */
			db_bind_i64(st, ":ms",
				    sp->day * 86400000LL - CLOCK_LOCAL_OFFSET_MS + 10 * 3600000LL);
			db_bind_id_or_null(st, ":assessor", assignee);
			rc = insert(db, st, &aid);
			if (rc == 0 && (st = db_stmt(db, SQL_SOURCE_GRADE)) != NULL) {
				db_bind_i64(st, ":grade", g);
				db_bind_i64(st, ":a", aid);
				db_bind_i64(st, ":id", sid);
				rc = db_step_done(st);
			}
			/* The measure at the level the grade demands (issue 5 §3). */
			lv = risk_grade_control_level(g);
			if (rc == 0 && (st = db_stmt(db, SQL_MEASURE)) != NULL) {
				db_bind_i64(st, ":e", h->id);
				db_bind_i64(st, ":point", p->id);
				db_bind_i64(st, ":source", sid);
				db_bind_text(st, ":kind",
					     s == 0 ? p->t->measure_kind : "management");
				db_bind_text(st, ":description",
					     s == 0 ? p->t->measure : "岗位操作规程与交接班确认");
				db_bind_text(st, ":level", risk_control_level_name(lv));
				db_bind_text(st, ":responsible", responsible_of(lv));
				db_bind_i64(st, ":now", c->now_ms);
				rc = insert(db, st, &mid);
			}
			if (rc == 0 && assignee && (st = db_stmt(db, SQL_ITEM)) != NULL) {
				db_bind_i64(st, ":e", h->id);
				db_bind_i64(st, ":point", p->id);
				db_bind_i64(st, ":measure", mid);
				db_bind_text(st, ":content",
					     s == 0 ? p->t->check : "检查交接班记录");
				/* the showcase: every schedule; elsewhere daily */
				db_bind_text(st, ":schedule",
					     showcase ? schedules[nitems % 4] : "daily");
				db_bind_i64(st, ":assignee", assignee);
				db_bind_i64(st, ":start", c->now_ms - 7 * 86400000LL);
				db_bind_i64(st, ":now", c->now_ms);
				rc = insert(db, st, NULL);
				nitems++;
			}
		}
		(*npoints)++;
	}
	if (rc == 0 && (st = db_stmt(db, SQL_ENTERPRISE)) != NULL) {
		/* The enterprise's grade: the highest of its points' (docs/risk.md). */
		db_bind_i64(st, ":e", h->id);
		db_bind_id_or_null(st, ":grade", risk_point_grade(point_grades, (size_t)n));
		db_bind_i64(st, ":red", counts[RISK_RED]);
		db_bind_i64(st, ":orange", counts[RISK_ORANGE]);
		db_bind_i64(st, ":yellow", counts[RISK_YELLOW]);
		db_bind_i64(st, ":blue", counts[RISK_BLUE]);
		db_bind_i64(st, ":now", c->now_ms);
		rc = insert(db, st, NULL);
	} else if (rc == 0) {
		rc = ERR_DB;
	}
	if (rc == 0 && plan_sha && (st = db_stmt(db, SQL_PLAN)) != NULL) {
		db_bind_i64(st, ":e", h->id);
		db_bind_text(st, ":sha", plan_sha);
		db_bind_i64(st, ":w", PLAN_W);
		db_bind_i64(st, ":h", PLAN_H);
		db_bind_i64(st, ":now", c->now_ms);
		rc = insert(db, st, NULL);
	}
	if (rc < 0)
		errmsg_set(why, "risk", "demo risk data of '%s' not stored: %s", h->name,
			   err_str(rc));
	return rc;
}

int demo_risk_load(struct db *db, const struct demo_hazard_city *c, int64_t *enterprises,
		   int64_t *npoints, struct errmsg *why)
{
	/* Which host gets which grade: demo.officer's red, then staffed grids 1..3, one more. */
	const struct demo_host *pick[5] = { NULL };
	static const int grades[5] = { 1, 2, 3, 4, 1 };
	char sha[65];
	bool have_plan;
	int rc;

	*enterprises = 0;
	*npoints = 0;
	for (size_t i = 0; i < c->nhosts; i++) {
		const struct demo_host *h = &c->hosts[i];

		if (h->id == c->officer.enterprise_id)
			pick[0] = h;
		else if (h->staffed >= 1 && h->staffed <= 3 && pick[h->staffed] == NULL)
			pick[h->staffed] = h;
	}
	/* Fill what the staffed grids lacked, then the last one, from the other hosts. */
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
	rc = make_plan(db, c, sha);
	have_plan = rc == 0;
	if (rc == ERR_DB)
		return rc;
	if (rc < 0)
		log_warn("the demo's risk units are loaded without a site plan: %s", err_str(rc));
	rc = 0;
	for (int k = 0; k < 5 && rc == 0; k++) {
		if (pick[k] == NULL)
			continue;
		rc = load_enterprise(db, c, pick[k], grades[k], have_plan ? sha : NULL, npoints,
				     why);
		if (rc == 0)
			(*enterprises)++;
	}
	return rc;
}
