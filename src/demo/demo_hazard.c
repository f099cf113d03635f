/* SPDX-License-Identifier: MIT */
/*
 * The demo city's hidden hazards (demo_hazard.h). Each hazard follows one scenario (a
 * path through the life cycle ending in a state, and for open ones a deadline state
 * relative to the load day); its steps are taken one by one through hazard_transition()
 * with the demo user who would take them, on the day they are dated, and a step the
 * life cycle refuses stops the load (a bug here, never a silent odd timeline). Every step
 * is dated before the load day, so that nothing lies in the future of the load.
 */
#define LOG_MODULE "demo"
#include "demo/demo_hazard.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "demo/demo.h"
#include "hazard/hazard.h"
#include "hazard/hazard_seed.h"
#include "hazard/photo.h"
#include "org/org.h"
#include "core/banned.h"

#define DAY_MS	  INT64_C(86400000)
#define HOUR_MS	  INT64_C(3600000)
#define MINUTE_MS INT64_C(60000)
#define NELEM(a)  (sizeof(a) / sizeof((a)[0]))

/* The paths a demo hazard takes; the name says where it ends. */
enum scenario {
	SC_REPORTED,
	SC_CONFIRMED,
	SC_DISMISSED,
	SC_ON_TIME,	   /* rectifying, deadline beyond the due-soon band */
	SC_DUE_SOON,	   /* rectifying, 0..3 days left */
	SC_OVERDUE,	   /* rectifying, 3..30 days past */
	SC_OVERDUE_30,	   /* rectifying, more than 30 days past */
	SC_PENDING,	   /* rectifying, an extension request waiting */
	SC_EXTENDED,	   /* rectifying, an extension approved before, on time again */
	SC_REFUSED_30,	   /* rectifying, an extension refused, then over 30 days past */
	SC_SUBMITTED,	   /* submitted before its deadline */
	SC_SUBMITTED_LATE, /* submitted after its deadline */
	SC_CLOSED,	   /* closed on time */
	SC_CLOSED_SENT_BACK,
	SC_CLOSED_LATE, /* closed after its deadline */
	SC_COUNT_
};

/* Weights of the drawn scenarios: most hazards closed, every other path present. */
static const unsigned weights[SC_COUNT_] = {
	[SC_REPORTED] = 8, [SC_CONFIRMED] = 6,	      [SC_DISMISSED] = 5,   [SC_ON_TIME] = 12,
	[SC_DUE_SOON] = 6, [SC_OVERDUE] = 7,	      [SC_OVERDUE_30] = 4,  [SC_PENDING] = 4,
	[SC_EXTENDED] = 3, [SC_REFUSED_30] = 1,	      [SC_SUBMITTED] = 6,   [SC_SUBMITTED_LATE] = 2,
	[SC_CLOSED] = 25,  [SC_CLOSED_SENT_BACK] = 6, [SC_CLOSED_LATE] = 5,
};

static enum scenario scenario_pick(struct demo_rng *r)
{
	unsigned total = 0, k;

	for (int s = 0; s < SC_COUNT_; s++)
		total += weights[s];
	k = demo_rng_below(r, total);
	for (int s = 0; s < SC_COUNT_; s++) {
		if (k < weights[s])
			return (enum scenario)s;
		k -= weights[s];
	}
	return SC_CLOSED;
}

/* What was found: the description, its category and subcategory, and the measures. */
struct finding {
	const char *category, *subcategory, *description, *measures;
};

static const struct finding findings[] = {
	{ "site", "电气安全", "配电箱未设置漏电保护装置，箱门无警示标识",
	  "加装漏电保护器，张贴警示标识，电工每月检查" },
	{ "site", "电气安全", "车间内临时电线私拉乱接，绝缘层破损",
	  "拆除临时线路，由持证电工按规范重新敷设" },
	{ "site", "消防安全", "消防通道被原料堆放堵塞", "清理通道，划定禁止堆放区并每日巡查" },
	{ "site", "消防安全", "部分灭火器压力不足、超过检验期限", "更换灭火器，建立月检记录" },
	{ "site", "消防安全", "安全出口指示标志损坏，应急照明不亮", "更换指示标志和应急照明灯具" },
	{ "site", "设备设施", "砂轮机防护罩缺失", "恢复防护罩，操作前检查确认" },
	{ "site", "设备设施", "压力表超过检定有效期", "送检或更换压力表，建立检定台账" },
	{ "site", "设备设施", "传动皮带外露部分未设防护栏", "加装防护罩（栏）" },
	{ "site", "危险化学品", "危化品仓库未张贴安全技术说明书和安全周知卡",
	  "张贴安全周知卡，配备安全技术说明书" },
	{ "site", "危险化学品", "可燃气体报警器未按期检测标定", "委托检测标定，纳入年度检测计划" },
	{ "site", "作业行为", "登高作业人员未系安全带", "现场纠正，开展作业安全教育" },
	{ "management", "责任制", "安全生产责任制未覆盖全体从业人员",
	  "修订全员安全生产责任制并逐级签订责任书" },
	{ "management", "教育培训", "新入职员工三级安全教育记录缺失",
	  "补开展三级安全教育并完善培训档案" },
	{ "management", "特种作业", "叉车司机特种设备作业人员证过期", "停止其作业，组织复审取证" },
	{ "management", "应急管理", "未按规定开展年度应急演练", "制定演练计划，开展演练并评估" },
	{ "management", "隐患排查", "隐患排查治理台账未建立", "建立台账，明确排查周期和责任人" },
	{ "management", "相关方管理", "外来施工单位未签订安全管理协议",
	  "补签安全管理协议，明确双方职责" },
};

static const char *const places[] = {
	"一号生产车间", "二号生产车间", "原料仓库", "成品仓库", "配电房",
	"装卸区",	"办公楼",	"锅炉房",   "罐区",	"厂区道路",
};

/* Texts of major hazards where no loaded set of criteria covers the class (STANDARDS.md §6). */
static const char *major_text(const char *cls, int item, char *out, size_t n)
{
	static const char *const trade[] = {
		"粉尘爆炸危险场所未按规定设置泄爆、隔爆或抑爆装置",
		"有限空间作业未落实作业审批，未执行“先通风、再检测、后作业”",
		"涉氨制冷系统的快速冻结装置未设置在单独作业间",
	};

	out[0] = '\0';
	if (strncmp(cls, "25", 2) == 0 || strncmp(cls, "26", 2) == 0 ||
	    strncmp(cls, "27", 2) == 0 || strncmp(cls, "28", 2) == 0 || strcmp(cls, "5265") == 0) {
		if (strcmp(cls, "2672") == 0)
			snprintf(out, n,
				 "《烟花爆竹生产经营单位重大生产安全事故隐患判定标准（试行）》"
				 "（安监总管三〔2017〕121号）第%d项（演示数据）",
				 1 + item % 10);
		else
			snprintf(out, n,
				 "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行"
				 "）》"
				 "（安监总管三〔2017〕121号）第%d项（演示数据）",
				 1 + item % 20);
	} else if (strncmp(cls, "47", 2) == 0) {
		snprintf(out, n,
			 "《房屋市政工程生产安全重大事故隐患判定标准（2022版）》（建质规〔2022〕2号"
			 "）："
			 "危险性较大的分部分项工程未按规定编制专项施工方案（演示数据）");
	} else if (strncmp(cls, "10", 2) == 0) {
		snprintf(out, n,
			 "《金属非金属矿山重大事故隐患判定标准》（矿安〔2022〕88号）：露天采场未按"
			 "设计"
			 "分台阶开采（演示数据）");
	} else if (cls[0] >= '1' && cls[0] <= '4' && strncmp(cls, "44", 2) < 0 &&
		   strncmp(cls, "13", 2) >= 0) {
		snprintf(out, n,
			 "《工贸企业重大事故隐患判定标准》（应急管理部令第10号）：%s（演示数据）",
			 trade[item % (int)NELEM(trade)]);
	}
	return out[0] ? out : NULL;
}

/* ------------------------------------------------------------ one hazard's walk */

#define MAX_STEPS 12

/* The plan of a hazard (五到位 for a major one): its texts and the action's arguments. */
struct plan_text {
	char measures[256], deadline[11];
	struct hazard_args args;
};

struct walk {
	struct hazard_state_in in;
	struct hazard_seed_event ev[MAX_STEPS];
	char detail[MAX_STEPS][128];
	size_t nev;
	int64_t last_ms, now_ms;
	int64_t verifier_id;
	int send_backs;
	struct plan_text plan; /* when the walk made a plan */
	bool planned;
	struct demo_rng *rng;
};

/* An instant on local day `day`, at `hour` (UTC+8) plus some minutes, after the previous step. */
static int64_t at(struct walk *w, int64_t day, int hour)
{
	int64_t t = day * DAY_MS - 8 * HOUR_MS + hour * HOUR_MS +
		    (int64_t)demo_rng_below(w->rng, 50) * MINUTE_MS;

	if (t <= w->last_ms)
		t = w->last_ms + 7 * MINUTE_MS;
	w->last_ms = t;
	return t;
}

static void date_of(int64_t day, char out[11])
{
	date_format(day, out, 11);
}

/* Takes action a by who on day `day`; records the event. Returns 0 or the refusal. */
static int step(struct walk *w, const struct demo_actor *who, enum hazard_action a, int64_t day,
		const struct hazard_args *args, struct errmsg *why)
{
	struct hazard_actor actor = { .role = who->role,
				      .user_id = who->id,
				      .enterprise_id = who->enterprise_id };
	struct field_errors fe = { 0 };
	struct hazard_outcome out;
	struct hazard_seed_event *e;
	enum hazard_state from = w->in.state;
	char d[11];
	int rc;

	if (w->nev >= MAX_STEPS)
		return ERR_INTERNAL;
	w->in.today = day;
	rc = hazard_transition(&w->in, a, args, &actor, &out, &fe);
	if (rc < 0)
		return errmsg_set(why, fe.n ? fe.e[0].field : "hazard",
				  "demo hazard: %s by %s on day %" PRId64 " refused: %s",
				  hazard_action_name(a), who->login, day,
				  fe.n ? fe.e[0].reason : err_str(rc));
	e = &w->ev[w->nev];
	memset(e, 0, sizeof(*e));
	e->at_ms = at(w, day, a == HAZARD_CONFIRM || a == HAZARD_DISMISS ? 14 : 10);
	e->actor_id = who->id;
	e->actor_login = who->login;
	e->action = hazard_action_name(a);
	e->from_state = hazard_state_name(from);
	e->to_state = hazard_state_name(out.state);
	e->reason = args ? args->reason : NULL;
	w->detail[w->nev][0] = '\0';
	if (a == HAZARD_PLAN) {
		snprintf(w->detail[w->nev], sizeof(w->detail[0]), "{\"deadline\":\"%s\"}",
			 args->plan.deadline);
	} else if (a == HAZARD_REQUEST_EXTENSION) {
		snprintf(w->detail[w->nev], sizeof(w->detail[0]), "{\"new_deadline\":\"%s\"}",
			 args->new_deadline);
	} else if (a == HAZARD_APPROVE_EXTENSION) {
		date_of(out.deadline, d);
		snprintf(w->detail[w->nev], sizeof(w->detail[0]), "{\"deadline\":\"%s\"}", d);
	} else if (a == HAZARD_SUBMIT) {
		snprintf(w->detail[w->nev], sizeof(w->detail[0]),
			 "{\"note\":\"整改完成（演示数据）\"}");
	}
	e->detail = w->detail[w->nev][0] ? w->detail[w->nev] : NULL;
	w->nev++;
	w->in.state = out.state;
	w->in.deadline = out.deadline;
	w->in.extension_pending = out.extension_pending;
	w->in.pending_deadline = out.pending_deadline;
	w->in.extension_requests = out.extension_requests;
	w->in.rectifier_id = out.rectifier_id;
	if (a == HAZARD_VERIFY)
		w->verifier_id = who->id;
	if (a == HAZARD_SEND_BACK)
		w->send_backs++;
	return 0;
}

/* Uniform in lo..hi. */
static int64_t span(struct demo_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)demo_rng_below(r, (uint32_t)(hi - lo + 1));
}

/* The people of one hazard. */
struct cast {
	const struct demo_actor *reporter, *checker, *officer, *leader;
	const char *source;
};

static void make_plan(struct plan_text *p, const struct finding *f, const struct demo_host *h,
		      bool major, int64_t deadline, struct demo_rng *r)
{
	snprintf(p->measures, sizeof(p->measures), "%s（演示数据）", f->measures);
	date_of(deadline, p->deadline);
	memset(&p->args, 0, sizeof(p->args));
	p->args.plan.measures = p->measures;
	p->args.plan.responsible = h->safety_officer;
	p->args.plan.funds_yuan = major ? span(r, 50, 500) * 1000 : span(r, 1, 40) * 500;
	p->args.plan.deadline = p->deadline;
	p->args.plan.emergency =
		major || demo_rng_below(r, 2) == 0
			? "整改期间设置警戒区域，安排专人监护，配齐应急器材（演示数据）"
			: NULL;
}

/*
 * Walks scenario sc for one hazard found on day `found` ... up to today - 1. Fills w
 * (events) and the deadline bookkeeping. The days are chosen so that every step lies
 * between the report and yesterday and each deadline lands in the scenario's band.
 */
static int walk_scenario(struct walk *w, enum scenario sc, const struct cast *who,
			 const struct finding *f, const struct demo_host *h, bool major,
			 const struct demo_hazard_city *c, int64_t *found, struct errmsg *why)
{
	struct demo_rng *r = w->rng;
	int64_t today = c->today, soon = c->bands.due_soon_days, late = c->bands.overdue_long_days;
	struct hazard_args a = { 0 };
	char nd[11];
	int64_t deadline = 0, plan_day = 0, d, end;
	int rc = 0;

	/* The deadline and the day of the plan, by where the scenario ends. */
	switch (sc) {
	case SC_REPORTED:
		*found = today - span(r, 1, 6);
		break;
	case SC_CONFIRMED:
	case SC_DISMISSED:
		*found = today - span(r, 3, 20);
		break;
	case SC_ON_TIME:
		deadline = today + span(r, soon + 1, soon + 60);
		plan_day = today - span(r, 1, 20);
		break;
	case SC_DUE_SOON:
		deadline = today + span(r, 0, soon);
		plan_day = today - span(r, 5, 25);
		break;
	case SC_OVERDUE:
		deadline = today - span(r, late < 3 ? late : 3, late);
		plan_day = deadline - span(r, 7, 30);
		break;
	case SC_OVERDUE_30:
		deadline = today - span(r, late + 1, late + 60);
		plan_day = deadline - span(r, 10, 30);
		break;
	case SC_PENDING:
		deadline = today + span(r, 0, 10);
		plan_day = today - span(r, 10, 25);
		break;
	case SC_EXTENDED:
		deadline = today - span(r, 1, 5); /* the first one, moved later by the extension */
		plan_day = deadline - span(r, 10, 20);
		break;
	case SC_REFUSED_30:
		deadline = today - span(r, late + 5, late + 30);
		plan_day = deadline - span(r, 15, 30);
		break;
	case SC_SUBMITTED:
		deadline = today + span(r, 1, 20);
		plan_day = today - span(r, 8, 30);
		break;
	case SC_SUBMITTED_LATE:
		deadline = today - span(r, 3, 15);
		plan_day = deadline - span(r, 10, 20);
		break;
	case SC_CLOSED:
	case SC_CLOSED_SENT_BACK:
	case SC_CLOSED_LATE:
		deadline = today - span(r, 12, 300);
		plan_day = deadline - span(r, 10, 40);
		break;
	case SC_COUNT_:
		return ERR_INTERNAL;
	}
	if (plan_day)
		*found = plan_day - span(r, 1, 5);
	w->last_ms = *found * DAY_MS - 8 * HOUR_MS + 8 * HOUR_MS; /* reported from 08:00 on */

	/* report (the first event is written by the caller), then confirm or dismiss */
	if (sc == SC_REPORTED)
		return 0;
	d = plan_day ? *found + span(r, 0, plan_day - *found - 1) : *found + span(r, 0, 2);
	if (sc == SC_DISMISSED) {
		a.reason = "经现场复核，不构成事故隐患（演示数据）";
		return step(w, who->checker, HAZARD_DISMISS, d, &a, why);
	}
	rc = step(w, who->checker, HAZARD_CONFIRM, d, NULL, why);
	if (rc < 0 || sc == SC_CONFIRMED)
		return rc;
	make_plan(&w->plan, f, h, major, deadline, r);
	w->planned = true;
	rc = step(w, who->officer, HAZARD_PLAN, plan_day, &w->plan.args, why);
	if (rc < 0)
		return rc;
	end = today - 1; /* the last day a step may be dated */
	switch (sc) {
	case SC_PENDING:
		date_of(deadline + span(r, 10, 30), nd);
		a = (struct hazard_args){ .reason = "关键设备采购周期长，申请延期（演示数据）",
					  .new_deadline = nd };
		return step(w, who->officer, HAZARD_REQUEST_EXTENSION, span(r, plan_day + 1, end),
			    &a, why);
	case SC_EXTENDED:
		date_of(today + span(r, soon + 1, soon + 30), nd);
		a = (struct hazard_args){ .reason = "施工需停产检修配合，申请延期（演示数据）",
					  .new_deadline = nd };
		d = deadline - span(r, 2, 5);
		rc = step(w, who->officer, HAZARD_REQUEST_EXTENSION, d, &a, why);
		a = (struct hazard_args){ .reason = "理由充分，同意延期（演示数据）" };
		return rc < 0 ? rc
			      : step(w, who->checker, HAZARD_APPROVE_EXTENSION, d + 1, &a, why);
	case SC_REFUSED_30:
		date_of(deadline + span(r, 30, 60), nd);
		a = (struct hazard_args){ .reason = "资金未到位，申请延期（演示数据）",
					  .new_deadline = nd };
		d = deadline - span(r, 3, 8);
		rc = step(w, who->officer, HAZARD_REQUEST_EXTENSION, d, &a, why);
		a = (struct hazard_args){ .reason = "延期理由不充分，不同意延期（演示数据）" };
		return rc < 0 ? rc : step(w, who->checker, HAZARD_REFUSE_EXTENSION, d + 1, &a, why);
	case SC_SUBMITTED:
	case SC_SUBMITTED_LATE:
		a = (struct hazard_args){ .after_photos = 1 };
		d = sc == SC_SUBMITTED ? span(r, plan_day + 1, end) : span(r, deadline + 1, end);
		return step(w, who->officer, HAZARD_SUBMIT, d, &a, why);
	case SC_CLOSED:
	case SC_CLOSED_SENT_BACK:
	case SC_CLOSED_LATE:
		a = (struct hazard_args){ .after_photos = 1 };
		d = sc == SC_CLOSED_LATE ? deadline + span(r, 1, 8)
					 : plan_day + span(r, 1, deadline - plan_day - 3);
		rc = step(w, who->officer, HAZARD_SUBMIT, d, &a, why);
		if (rc == 0 && sc == SC_CLOSED_SENT_BACK) {
			a = (struct hazard_args){
				.reason = "整改后照片未反映现场整改情况，退回补充（演示数据）"
			};
			rc = step(w, who->checker, HAZARD_SEND_BACK, ++d, &a, why);
			a = (struct hazard_args){ .after_photos = 1 };
			if (rc == 0)
				rc = step(w, who->officer, HAZARD_SUBMIT, ++d, &a, why);
		}
		if (rc == 0)
			rc = step(w, who->checker, HAZARD_VERIFY, d + span(r, 1, 2), NULL, why);
		return rc;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ the load */

/* The county inspector of host h (every county of the city has one). */
static const struct demo_actor *inspector_of(const struct demo_hazard_city *c,
					     const struct demo_host *h)
{
	for (size_t i = 0; i < c->ncounties; i++)
		if (strcmp(c->counties[i].code, h->county) == 0)
			return &c->counties[i].inspector;
	return NULL;
}

static const char *const source_order[] = { "self_check", "grid_patrol", "tipoff", "enforcement",
					    "leader_inspection" };

/* The source and the people of a hazard of host h; k-th source when forced (k >= 0). */
static void cast_of(const struct demo_hazard_city *c, const struct demo_host *h,
		    const struct demo_actor *officer, bool major, int k, struct demo_rng *r,
		    struct cast *who)
{
	const struct demo_actor *insp = inspector_of(c, h);
	int s = k >= 0 ? k % 5 : (int)demo_rng_below(r, 100);

	if (k <
	    0) /* self-check 35 %, grid patrol 25 %, tip-off 10 %, enforcement 25 %, leader 5 % */
		s = s < 35 ? 0 : s < 60 ? 1 : s < 70 ? 2 : s < 95 ? 3 : 4;
	if (s == 1 && h->staffed == 0)
		s = 3; /* no patroller account outside the staffed grids: an inspection instead */
	who->source = source_order[s];
	who->officer = officer;
	who->leader = &c->leader;
	who->reporter = s == 0	 ? officer
			: s == 1 ? &c->staffed[h->staffed - 1].patroller
			: s == 4 ? &c->leader
				 : insp;
	/* A general hazard in a staffed grid is handled by the grid's manager now and then. */
	who->checker = !major && h->staffed && demo_rng_below(r, 2) == 0
			       ? &c->staffed[h->staffed - 1].manager
			       : insp;
}

/* The officer account of host h (made here unless it is demo.officer's enterprise). */
static int officer_of(struct db *db, const struct demo_hazard_city *c, const struct demo_host *h,
		      struct demo_actor *out, int64_t *made, struct errmsg *why)
{
	char scope[64], display[128];
	size_t i;
	int rc;

	if (h->id == c->officer.enterprise_id) {
		*out = c->officer;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->login, sizeof(out->login), "demo.officer.%s", h->uscc);
	for (i = 0; out->login[i]; i++)
		out->login[i] = (char)tolower((unsigned char)out->login[i]);
	snprintf(scope, sizeof(scope), "enterprise:%s", h->uscc);
	snprintf(display, sizeof(display), "%s", h->safety_officer);
	out->role = ROLE_ENTERPRISE_OFFICER;
	out->enterprise_id = h->id;
	rc = org_user_add_hashed(db, out->login, display, ROLE_ENTERPRISE_OFFICER, scope,
				 c->officer_hash, &out->id, why);
	if (rc == 0)
		(*made)++;
	return rc;
}

/* One hazard made, not yet written: everything its seed points to lives in it. */
struct item {
	struct walk w;
	struct hazard_seed s;
	struct hazard_seed_supervision sup;
	struct demo_actor officer;
	const struct demo_host *h;
	size_t order; /* made as the order-th: ties of the sort */
	struct hazard_seed_photo photos[MAX_STEPS];
	char location[128], description[300], crit_text[300];
	char deadline[11], pending[11], sup_deadline[11];
};

/*
 * Makes one hazard of host h following scenario sc into it (it->officer set by the
 * caller); *nsup counts the supervisions so far (every other one is listed).
 */
static int one_hazard(struct db *db, const struct demo_hazard_city *c, const struct demo_host *h,
		      struct item *it, enum scenario sc, int k, struct demo_rng *r, int64_t *nsup,
		      char (*const photos)[2][DEMO_PHOTOS][65], struct errmsg *why)
{
	const struct finding *f = &findings[demo_rng_below(r, NELEM(findings))];
	const struct demo_actor *officer = &it->officer;
	struct cast who;
	char *location = it->location, *description = it->description, *crit_text = it->crit_text;
	char *deadline = it->deadline, *pending = it->pending, *sup_deadline = it->sup_deadline;
	char doc[128], topic[256];
	int64_t found = 0, crit_id = 0, ev0;
	bool major;
	int rc, y = 0;

	/* Major: one in seven where a criterion applies (a loaded set, or our text). */
	major = demo_rng_below(r, 7) == 0 || (k >= 0 && k % 3 == 1);
	crit_text[0] = '\0';
	if (major) {
		int item = 1 + (int)demo_rng_below(r, 20);

		rc = hazard_seed_criterion(db, h->industry_code, item, &crit_id, doc, topic,
					   sizeof(topic));
		if (rc == ERR_NOT_FOUND)
			major = major_text(h->industry_code, item, crit_text,
					   sizeof(it->crit_text)) != NULL;
		else if (rc < 0)
			return rc;
	}
	/* Without extensions (hazard.max_extensions = 0) their paths end without one. */
	if (c->max_extensions < 1 && (sc == SC_PENDING || sc == SC_EXTENDED))
		sc = SC_ON_TIME;
	if (c->max_extensions < 1 && sc == SC_REFUSED_30)
		sc = SC_OVERDUE_30;
	cast_of(c, h, officer, major, k, r, &who);
	memset(&it->w, 0, sizeof(it->w));
	it->w.rng = r;
	it->w.in = (struct hazard_state_in){ .state = HAZARD_REPORTED,
					     .level = major ? HAZARD_MAJOR : HAZARD_GENERAL,
					     .enterprise_id = h->id,
					     .max_extensions = c->max_extensions };
	/* The report is the first event; the walk adds the rest. */
	it->w.nev = 1;
	rc = walk_scenario(&it->w, sc, &who, f, h, major, c, &found, why);
	if (rc < 0)
		return rc;
	ev0 = found * DAY_MS - 8 * HOUR_MS + (8 + (int64_t)demo_rng_below(r, 3)) * HOUR_MS +
	      (int64_t)demo_rng_below(r, 60) * MINUTE_MS;
	it->w.ev[0] = (struct hazard_seed_event){ .at_ms = ev0 + 20 * MINUTE_MS,
						  .actor_id = who.reporter->id,
						  .actor_login = who.reporter->login,
						  .action = "report",
						  .to_state = "reported" };
	for (size_t i = 1; i < it->w.nev; i++) /* a walk's first step may share the report's day */
		if (it->w.ev[i].at_ms <= it->w.ev[i - 1].at_ms)
			it->w.ev[i].at_ms = it->w.ev[i - 1].at_ms + 5 * MINUTE_MS;
	if (it->w.ev[it->w.nev - 1].at_ms >= c->now_ms)
		return errmsg_set(why, "hazard", "demo hazard dated after the load (scenario %d)",
				  (int)sc);
	snprintf(location, sizeof(it->location), "%s", places[demo_rng_below(r, NELEM(places))]);
	snprintf(description, sizeof(it->description), "%s%s（演示数据）", location,
		 f->description);
	memset(&it->s, 0, sizeof(it->s));
	it->s.enterprise_id = h->id;
	it->s.region_code = h->region_code;
	it->s.grid_id = h->grid_id;
	it->s.industry_code = h->industry_code;
	it->s.number_region = h->region_code; /* as the API numbers: the enterprise's division */
	date_of(local_day(ev0), deadline);
	sscanf(deadline, "%d", &y);
	it->s.number_year = y;
	it->s.source = who.source;
	it->s.reporter_id = who.reporter->id;
	it->s.found_ms = ev0;
	it->s.location = location;
	it->s.has_point = true;
	/* Within some 30 m of the enterprise's point. */
	it->s.lat = h->lat + ((double)demo_rng_below(r, 500) - 250.0) * 1e-6;
	it->s.lon = h->lon + ((double)demo_rng_below(r, 500) - 250.0) * 1e-6;
	it->s.category = f->category;
	it->s.subcategory = f->subcategory;
	it->s.level = it->w.in.level;
	it->s.criterion_id = crit_id;
	it->s.criterion_text = crit_text;
	it->s.description = description;
	it->s.state = it->w.in.state;
	it->s.funds_yuan = -1;
	if (it->w.planned) {
		it->s.measures = it->w.plan.measures;
		it->s.responsible = it->w.plan.args.plan.responsible;
		it->s.funds_yuan = it->w.plan.args.plan.funds_yuan;
		it->s.emergency = it->w.plan.args.plan.emergency;
		date_of(it->w.in.deadline, deadline);
		it->s.deadline = deadline;
	}
	it->s.extension_pending = it->w.in.extension_pending;
	if (it->w.in.extension_pending) {
		date_of(it->w.in.pending_deadline, pending);
		it->s.pending_deadline = pending;
	}
	it->s.extension_requests = it->w.in.extension_requests;
	it->s.rectifier_id = it->w.in.rectifier_id;
	it->s.verifier_id = it->w.verifier_id;
	it->s.send_backs = it->w.send_backs;
	it->s.closed_ms = it->w.in.state == HAZARD_CLOSED ? it->w.ev[it->w.nev - 1].at_ms : 0;
	it->s.created_ms = it->w.ev[0].at_ms;
	it->s.updated_ms = it->w.ev[it->w.nev - 1].at_ms;
	it->s.events = it->w.ev;
	it->s.nevents = it->w.nev;
	/* Overdue and major, or over 30 days: proposed for listed supervision, as the
	 * scheduler would; every other one listed by the leader two days later. */
	if (it->w.in.state == HAZARD_RECTIFYING && it->w.in.deadline < c->today &&
	    (major || c->today - it->w.in.deadline > c->bands.overdue_long_days) &&
	    it->w.in.deadline + 1 < c->today && it->w.nev + 2 <= MAX_STEPS) {
		bool listed = ((*nsup)++ % 2) == 0;
		int64_t pday = it->w.in.deadline + 1;

		memset(&it->sup, 0, sizeof(it->sup));
		it->sup.state = listed ? "listed" : "proposed";
		it->sup.reason = major ? "overdue_major" : "overdue_30";
		it->sup.proposed_ms = pday * DAY_MS - 8 * HOUR_MS + 30 * MINUTE_MS;
		if (it->sup.proposed_ms <= it->w.ev[it->w.nev - 1].at_ms)
			it->sup.proposed_ms = it->w.ev[it->w.nev - 1].at_ms + MINUTE_MS;
		it->w.ev[it->w.nev++] =
			(struct hazard_seed_event){ .at_ms = it->sup.proposed_ms,
						    .actor_login = "system",
						    .action = "supervision_proposed",
						    .detail =
							    major ? "{\"reason\":\"overdue_major\"}"
								  : "{\"reason\":\"overdue_30\"}" };
		if (listed && pday + 2 < c->today) {
			it->sup.leader_id = c->leader.id;
			date_of(c->today + 15 + (int64_t)demo_rng_below(r, 16), sup_deadline);
			it->sup.deadline = sup_deadline;
			it->sup.listed_ms = (pday + 2) * DAY_MS - 8 * HOUR_MS + 9 * HOUR_MS;
			it->sup.progress =
				"已约谈企业主要负责人，督促落实整改资金和措施（演示数据）";
			it->sup.note = "挂牌督办（演示数据）";
			it->w.ev[it->w.nev++] = (struct hazard_seed_event){
				.at_ms = it->sup.listed_ms,
				.actor_id = c->leader.id,
				.actor_login = c->leader.login,
				.action = "supervision_listed",
				.reason = "逾期未整改，挂牌督办（演示数据）",
			};
		} else {
			it->sup.state = "proposed";
		}
		it->s.supervision = &it->sup;
		it->s.nevents = it->w.nev;
		it->s.updated_ms = it->w.ev[it->w.nev - 1].at_ms;
	}
	/* A photo before with the report, one after with each submission. */
	for (size_t i = 0, last = DEMO_PHOTOS; i < it->s.nevents && it->s.nphotos < MAX_STEPS;
	     i++) {
		bool before = i == 0, after = strcmp(it->w.ev[i].action, "submit") == 0;
		uint32_t pick = before || after ? demo_rng_below(r, DEMO_PHOTOS) : 0;

		/* A second submission shows another photo (a hazard links a photo once). */
		if (after && pick == last)
			pick = (pick + 1) % DEMO_PHOTOS;
		if (after)
			last = pick;

		/* Drawn with or without photos, so that the hazards are the same either way. */
		if (photos && (before || after))
			it->photos[it->s.nphotos++] = (struct hazard_seed_photo){
				.sha256 = (*photos)[after][pick],
				.stage = after ? "after" : "before",
				.event = i,
			};
	}
	it->s.photos = it->photos;
	it->h = h;
	return 0;
}

/* Report time, then the order made: numbers follow the reports. */
static int by_report(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;

	if (x->s.created_ms != y->s.created_ms)
		return x->s.created_ms < y->s.created_ms ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Makes the demo's photos (DEMO_PHOTOS before, DEMO_PHOTOS after) and stores them: the files
 * through photo_store(), the rows through hazard_seed_photo_add(). Returns 0, or the error of
 * the store (the caller then goes on without photos).
 */
static int make_photos(struct db *db, const struct demo_hazard_city *c,
		       char (*sha)[DEMO_PHOTOS][65])
{
	char dir[1024];
	int rc = 0;

	photo_dir(c->cfg, dir, sizeof(dir));
	for (int after = 0; after < 2 && rc == 0; after++)
		for (int k = 0; k < DEMO_PHOTOS && rc == 0; k++) {
			struct photo_info info;
			unsigned char *png = NULL;
			size_t n = demo_png(DEMO_SEED + 5 + (uint64_t)k, after, 160, 120, &png);

			memset(&info, 0, sizeof(info));
			photo_sha256(png, n, info.sha256);
			info.mime = photo_sniff(png, n);
			rc = info.mime ? photo_store(dir, png, n, &info) : ERR_INTERNAL;
			if (rc == 0)
				rc = hazard_seed_photo_add(db, &info, 0, c->now_ms);
			if (rc == 0)
				memcpy(sha[after][k], info.sha256, 65);
			free(png);
		}
	return rc;
}

int demo_hazards_load(struct db *db, const struct demo_hazard_city *c, int64_t *hazards,
		      int64_t *officers, struct errmsg *why)
{
	struct demo_rng r;
	struct item **items = NULL;
	char photos[2][DEMO_PHOTOS][65];
	bool have_photos;
	size_t n = 0, cap = 0;
	int64_t nsup = 0, id;
	char number[HAZARD_NUMBER_MAX];
	int rc = 0;

	*hazards = 0;
	*officers = 0;
	demo_rng_seed(&r, DEMO_SEED + 4);
	rc = make_photos(db, c, photos);
	have_photos = rc == 0;
	if (rc == ERR_DB)
		return rc;
	if (rc < 0)
		log_warn(
			"the demo's hazards are loaded without photos: the photo store failed (%s)",
			err_str(rc));
	rc = 0;
	for (size_t i = 0; i < c->nhosts && rc == 0; i++) {
		const struct demo_host *h = &c->hosts[i];
		struct demo_actor officer;
		bool showcase = h->id == c->officer.enterprise_id;
		int count = showcase ? SC_COUNT_ : 1 + (int)demo_rng_below(&r, 3);

		rc = officer_of(db, c, h, &officer, officers, why);
		for (int k = 0; k < count && rc == 0; k++) {
			/* The officer's enterprise holds every scenario (sources cycled), so
			 * that its own pages show them all; elsewhere drawn. */
			enum scenario sc = showcase ? (enum scenario)k : scenario_pick(&r);

			if (n == cap) {
				cap = cap ? 2 * cap : 512;
				items = xrealloc(items, cap * sizeof(*items));
			}
			items[n] = xcalloc(1, sizeof(**items));
			items[n]->officer = officer;
			items[n]->order = n;
			rc = one_hazard(db, c, h, items[n], sc, showcase ? k : -1, &r, &nsup,
					have_photos ? &photos : NULL, why);
			n++;
		}
	}
	if (rc == 0)
		qsort(items, n, sizeof(*items), by_report);
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = hazard_seed_insert(db, &items[i]->s, &id, number);
		if (rc < 0)
			errmsg_set(why, "hazard", "demo hazard of '%s' not stored: %s",
				   items[i]->h->name, err_str(rc));
		else
			(*hazards)++;
	}
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
	return rc;
}
