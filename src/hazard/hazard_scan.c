/* SPDX-License-Identifier: MIT */
/*
 * The overdue scan (hazard_scan.h): one pass in one write transaction, and the scheduler
 * thread that runs it inside `anjian serve`. The decisions are hazard_scan_decide()'s; this
 * file writes what it decides (hazard_lists_db.c), audits each write as the actor
 * "system", and stores the notifications (notify.h).
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_scan.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/app.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "hazard/hazard_lists_db.h"
#include "notify/notify.h"
#include "core/banned.h"

void hazard_scan_rules_from(const struct config *cfg, struct hazard_scan_rules *r)
{
	r->bands.due_soon_days = cfg->hazard_due_soon_days;
	r->bands.overdue_long_days = cfg->hazard_overdue_long_days;
	r->blacklist_overdue_days = cfg->hazard_blacklist_overdue_days;
}

/* The actions audited once per pass (their hazards are many on a first pass). */
enum pass_action { PASS_OVERDUE, PASS_OVERDUE_30, PASS_PROPOSE, PASS_ACTION_COUNT_ };

static const char *const pass_actions[PASS_ACTION_COUNT_] = {
	[PASS_OVERDUE] = "hazard.overdue",
	[PASS_OVERDUE_30] = "hazard.overdue_30",
	[PASS_PROPOSE] = "hazard.supervision_propose",
};

/*
 * The recipients of one (enterprise, recipient mask): the same for every hazard of the
 * enterprise in a pass (its officers, grid, department and region's leaders), so asked once
 * per enterprise and kind (a direct-mapped cache; a slot taken by another key is replaced).
 */
#define RCACHE_SLOTS 4096
struct rcache {
	int64_t enterprise_id, grid_id, dept_id; /* enterprise_id 0 = empty slot */
	unsigned mask;
	char region_code[16];
	int64_t *ids; /* owned */
	size_t n;
};

/* One pass's context: the connection, the actor, the real clock for recorded times. */
struct pass {
	struct db *db;
	struct audit_actor actor;
	int64_t now; /* recorded times */
	struct hazard_scan_result *res;
	char day[16];				/* the pass's local date, "YYYY-MM-DD" */
	int64_t pass_audit[PASS_ACTION_COUNT_]; /* the pass's record of each, 0 = none yet */
	struct rcache *rcache;			/* RCACHE_SLOTS, owned */
};

/* Audits one write about entity/id and returns the record's id in *audit_id. */
static int record(struct pass *p, const char *action, const char *entity, int64_t id,
		  json_t *summary, int64_t *audit_id)
{
	char ids[24];
	int rc;

	if (id == 0)
		snprintf(ids, sizeof(ids), "%s", p->day);
	else
		snprintf(ids, sizeof(ids), "%" PRId64, id);
	rc = audit_append(p->db, &p->actor, action, entity, ids, summary);
	json_decref(summary);
	if (rc == 0 && audit_id)
		rc = audit_last_id(p->db, audit_id);
	return rc;
}

/*
 * The pass's one audit record of action a, appended the first time the pass needs it (a pass
 * that writes nothing appends nothing): entity "hazard_scan", id the pass's local date. The
 * hazards it covers are the timeline events (hazard_event) that name it by audit_id, each
 * with its hazard, deadline and reason; one record per hazard made the first pass over a
 * backlog write as many audit records as events (docs/benchmarks.md).
 */
static int pass_record(struct pass *p, enum pass_action a, int64_t *audit_id)
{
	int rc = 0;

	if (p->pass_audit[a] == 0)
		rc = record(p, pass_actions[a], "hazard_scan", 0,
			    json_pack("{s:s, s:s}", "date", p->day, "hazards",
				      "the hazard_event rows with this audit_id"),
			    &p->pass_audit[a]);
	*audit_id = p->pass_audit[a];
	return rc;
}

/* Stores one notification of kind about h for each recipient of the kind. */
static int notify(struct pass *p, const struct hazard_scan_row *h, const char *kind,
		  const char *dedup, const char *title, const char *body)
{
	unsigned mask = hazard_notify_recipients(kind);
	struct rcache *c = &p->rcache[((uint64_t)h->enterprise_id * 4u + mask) % RCACHE_SLOTS];
	int rc = 0;

	if (c->enterprise_id != h->enterprise_id || c->mask != mask || c->grid_id != h->grid_id ||
	    c->dept_id != h->dept_id || strcmp(c->region_code, h->region_code) != 0) {
		free(c->ids);
		memset(c, 0, sizeof(*c));
		rc = hazard_scan_db_recipients(p->db, h, mask, &c->ids, &c->n);
		if (rc < 0)
			return rc;
		c->enterprise_id = h->enterprise_id;
		c->grid_id = h->grid_id;
		c->dept_id = h->dept_id;
		c->mask = mask;
		snprintf(c->region_code, sizeof(c->region_code), "%s", h->region_code);
	}
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		struct notify_msg m = { c->ids[i], kind, "hazard", h->id, dedup, title, body };
		bool added = false;

		rc = notify_db_add(p->db, &m, p->now, &added);
		if (added)
			p->res->notifications++;
	}
	return rc;
}

/* The overdue (long: overdue_30) escalation of h: event, audit, accountability, notices. */
static int escalate(struct pass *p, const struct hazard_scan_row *h, bool long_overdue,
		    int64_t days_past)
{
	const char *kind = long_overdue ? "overdue_30" : "overdue";
	char reason[64], detail[96], dedup[96], title[160], note[96], body[320];
	int64_t audit_id = 0;
	bool added = false;
	int rc;

	snprintf(reason, sizeof(reason), "deadline %s passed%s", h->deadline,
		 long_overdue ? " long ago" : "");
	snprintf(detail, sizeof(detail), "{\"deadline\":\"%s\",\"days_overdue\":%" PRId64 "}",
		 h->deadline, days_past);
	rc = pass_record(p, long_overdue ? PASS_OVERDUE_30 : PASS_OVERDUE, &audit_id);
	if (rc == 0)
		rc = hazard_scan_db_event(p->db, h->id, 0, NULL, kind, h->state, reason, detail,
					  audit_id, p->now);
	snprintf(note, sizeof(note), "deadline %s", h->deadline);
	if (rc == 0)
		rc = hazard_scan_db_accountability(p->db, h, kind, note, p->now, &added);
	snprintf(dedup, sizeof(dedup), "hazard.%s:%" PRId64 ":%s", kind, h->id, h->deadline);
	snprintf(title, sizeof(title), "隐患 %s 已逾期%s", h->number,
		 long_overdue ? "超过30日" : "");
	snprintf(body, sizeof(body), "%s：整改期限 %s，已逾期 %" PRId64 " 日。", h->enterprise_name,
		 h->deadline, days_past);
	if (rc == 0)
		rc = notify(p, h, long_overdue ? "hazard.overdue_30" : "hazard.overdue", dedup,
			    title, body);
	return rc;
}

static int propose(struct pass *p, const struct hazard_scan_row *h,
		   enum hazard_supervision_reason why)
{
	const char *reason = hazard_supervision_reason_name(why);
	char dedup[64], title[160], body[320];
	int64_t audit_id = 0;
	bool added = false;
	int rc = hazard_scan_db_propose(p->db, h->id, reason, p->now, &added);

	if (rc < 0 || !added)
		return rc;
	p->res->proposed++;
	rc = pass_record(p, PASS_PROPOSE, &audit_id);
	if (rc == 0)
		rc = hazard_scan_db_event(p->db, h->id, 0, NULL, "supervision_proposed", h->state,
					  reason, "{}", audit_id, p->now);
	snprintf(dedup, sizeof(dedup), "hazard.supervision_proposed:%" PRId64, h->id);
	snprintf(title, sizeof(title), "建议挂牌督办：隐患 %s", h->number);
	snprintf(body, sizeof(body), "%s：%s，整改期限 %s。", h->enterprise_name,
		 why == HAZARD_SUP_OVERDUE_MAJOR ? "重大事故隐患逾期未整改"
						 : "隐患逾期超过30日未整改",
		 h->deadline);
	if (rc == 0)
		rc = notify(p, h, "hazard.supervision_proposed", dedup, title, body);
	return rc;
}

static int blacklist(struct pass *p, const struct hazard_scan_row *h, const char *rule)
{
	char reason[200];
	int64_t id = 0, audit_id = 0;
	int rc;

	if (strcmp(rule, "B1") == 0)
		snprintf(reason, sizeof(reason), "重大事故隐患 %s 逾期未整改（整改期限 %s）",
			 h->number, h->deadline);
	else
		snprintf(reason, sizeof(reason), "隐患 %s 拒不整改（退回 %d 次%s）", h->number,
			 h->f.send_backs, h->f.extension_refused ? "，延期申请被驳回" : "");
	rc = hazard_scan_db_blacklist(p->db, h, rule, reason, p->now, &id);
	if (rc < 0 || id == 0)
		return rc;
	p->res->blacklist++;
	rc = record(p, "blacklist.propose", "blacklist", id,
		    json_pack("{s:I, s:s, s:I, s:s}", "enterprise_id", (json_int_t)h->enterprise_id,
			      "rule", rule, "hazard_id", (json_int_t)h->id, "reason", reason),
		    &audit_id);
	if (rc == 0)
		rc = hazard_scan_db_event(p->db, h->id, 0, NULL, "blacklist_proposed", h->state,
					  rule, "{}", audit_id, p->now);
	return rc;
}

/* Lifts the supervisions of hazards that were closed (or dismissed) since. */
static int lift_closed(struct pass *p)
{
	int64_t *sups = NULL, *hazards = NULL, audit_id;
	size_t n = 0;
	int rc = hazard_scan_db_closed_supervisions(p->db, &sups, &hazards, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = hazard_scan_db_lift(p->db, sups[i], p->now);
		if (rc == 0)
			rc = record(p, "supervision.lift", "supervision", sups[i],
				    json_pack("{s:I, s:s}", "hazard_id", (json_int_t)hazards[i],
					      "reason", "hazard closed"),
				    &audit_id);
		if (rc == 0)
			rc = hazard_scan_db_event(p->db, hazards[i], 0, NULL, "supervision_lifted",
						  "closed", "hazard closed", "{}", audit_id,
						  p->now);
		p->res->lifted++;
	}
	free(sups);
	free(hazards);
	return rc;
}

int hazard_scan(struct db *db, int64_t at_ms, const struct hazard_scan_rules *r,
		struct hazard_scan_result *res)
{
	struct pass p = { db, { .id = 0 }, now_ms(), res, "", { 0 }, NULL };
	struct hazard_scan_row *rows = NULL;
	int64_t overdue_before, long_before, today = local_day(at_ms);
	char d_over[16], d_long[16], d_b1[16];
	size_t n = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	snprintf(p.actor.login, sizeof(p.actor.login), "system");
	snprintf(p.actor.ip, sizeof(p.actor.ip), "local");
	hazard_scan_cutoffs(at_ms, &r->bands, &overdue_before, &long_before);
	date_format(overdue_before, d_over, sizeof(d_over));
	date_format(long_before, d_long, sizeof(d_long));
	date_format(today - r->blacklist_overdue_days, d_b1, sizeof(d_b1));
	date_format(today, p.day, sizeof(p.day));
	rc = db_begin(db);
	if (rc < 0)
		return rc;
	p.rcache = xcalloc(RCACHE_SLOTS, sizeof(*p.rcache));
	rc = hazard_scan_db_candidates(db, d_over, d_long, d_b1, &rows, &n);
	res->candidates = (int64_t)n;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct hazard_scan_row *h = &rows[i];
		enum hazard_supervision_reason why;
		unsigned steps = hazard_scan_decide(&h->f, at_ms, r, &why);
		int64_t days_past = today - h->f.deadline;

		if (rc == 0 && (steps & HAZARD_SCAN_OVERDUE)) {
			rc = escalate(&p, h, false, days_past);
			res->overdue++;
		}
		if (rc == 0 && (steps & HAZARD_SCAN_LONG)) {
			rc = escalate(&p, h, true, days_past);
			res->overdue_30++;
		}
		if (rc == 0 && (steps & HAZARD_SCAN_PROPOSE))
			rc = propose(&p, h, why);
		if (rc == 0 && (steps & HAZARD_SCAN_B1))
			rc = blacklist(&p, h, "B1");
		if (rc == 0 && (steps & HAZARD_SCAN_B2))
			rc = blacklist(&p, h, "B2");
	}
	if (rc == 0)
		rc = lift_closed(&p);
	if (rc == 0)
		rc = hazard_scan_db_grid_snapshot(db, d_over, &res->grids);
	free(rows);
	for (size_t i = 0; i < RCACHE_SLOTS; i++)
		free(p.rcache[i].ids);
	free(p.rcache);
	rc = db_finish(db, rc);
	if (rc < 0)
		memset(res, 0, sizeof(*res));
	return rc;
}

/* ------------------------------------------------------------ the scheduler */

struct hazard_scheduler {
	struct app *app;
	pthread_t thread;
	pthread_mutex_t mu; /* protects stop; taken alone (no other lock is held with it) */
	pthread_cond_t cv;  /* signalled by hazard_scheduler_stop() */
	bool stop;
};

static void run_pass(struct hazard_scheduler *s, struct db *db)
{
	const struct config *cfg = &s->app->cfg;
	struct hazard_scan_rules r;
	struct hazard_scan_result res;
	int64_t t0 = monotonic_ms();
	int rc;

	int64_t at = config_now_ms(cfg);

	hazard_scan_rules_from(cfg, &r);
	rc = hazard_scan(db, at, &r, &res);
	if (s->app->scan_extra) /* the other scheduled passes (risk check tasks) */
		s->app->scan_extra(s->app, db, at);
	if (rc < 0) {
		log_warn("hazard scan failed: %s (next pass in %d s)", err_str(rc),
			 cfg->hazard_scan_interval_s);
		return;
	}
	if (res.overdue || res.overdue_30 || res.proposed || res.blacklist || res.lifted)
		log_info("hazard scan overdue=%" PRId64 " overdue_30=%" PRId64 " proposed=%" PRId64
			 " blacklist=%" PRId64 " notifications=%" PRId64 " lifted=%" PRId64
			 " dur_ms=%" PRId64,
			 res.overdue, res.overdue_30, res.proposed, res.blacklist,
			 res.notifications, res.lifted, monotonic_ms() - t0);
}

static void *scheduler_main(void *arg)
{
	struct hazard_scheduler *s = arg;
	struct db *db = NULL;
	struct timespec until;
	bool stop = false;

	if (db_open(s->app->cfg.db_path, s->app->cfg.busy_timeout_ms, &db) < 0) {
		log_error("hazard scan: cannot open database '%s'; no overdue scan runs",
			  s->app->cfg.db_path);
		return NULL;
	}
	while (!stop) {
		run_pass(s, db);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += s->app->cfg.hazard_scan_interval_s;
		pthread_mutex_lock(&s->mu);
		while (!s->stop) {
			if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
				break;
		}
		stop = s->stop;
		pthread_mutex_unlock(&s->mu);
	}
	db_close(db);
	return NULL;
}

int hazard_scheduler_start(struct app *app, struct hazard_scheduler **out)
{
	struct hazard_scheduler *s;
	pthread_condattr_t ca;

	*out = NULL;
	if (app->cfg.hazard_scan_interval_s <= 0)
		return 0;
	s = xcalloc(1, sizeof(*s));
	s->app = app;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, scheduler_main, s) != 0) {
		log_error("hazard scan: cannot start the scheduler thread");
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return ERR_INTERNAL;
	}
	*out = s;
	return 0;
}

void hazard_scheduler_stop(struct hazard_scheduler *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
