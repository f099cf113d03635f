/* SPDX-License-Identifier: MIT */
/*
 * The monitoring runtime (src/monitor/monitor.c) over a temporary database with the
 * migrations applied and an injected clock: readings raise and clear alarms, the SOE rows
 * and their order, operator actions, ticks (communication loss, shelve expiry), unknown
 * points, late readings, clamped future source times, tag resolution, configuration
 * changes, and recovery (a clean reopen, and a SIGKILL during a flood of ingests compared
 * with an uninterrupted run over the same readings).
 *
 * Set points are GB/T 50493-2019's (STANDARDS.md §4.1): combustible gas 一级 25 %LEL,
 * 二级 50 %LEL on a 0-100 %LEL range; oxygen lean 19.5 %VOL, rich 23.5 %VOL on 0-25 %VOL.
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "db/db.h"
#include "db/migrate.h"
#include <jansson.h>

#include "monitor/alarm.h"
#include "monitor/live.h"
#include "monitor/monitor.h"
#include "monitor/store.h"
#include "core/banned.h"

/*
 * The live hub, captured: this definition stands in for live.c's (monitor.c refers to
 * live_publish weakly), so the events the runtime publishes can be checked here.
 */
struct ev {
	int64_t enterprise_id;
	char name[16];
	json_t *data;
};
static struct ev evs[256];
static size_t nevs;
static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;

void live_publish(struct live_hub *h, int64_t enterprise_id, const char *name, const char *data,
		  size_t len)
{
	(void)h;
	pthread_mutex_lock(&ev_mu);
	if (nevs < sizeof(evs) / sizeof(evs[0])) {
		evs[nevs].enterprise_id = enterprise_id;
		snprintf(evs[nevs].name, sizeof(evs[nevs].name), "%s", name);
		evs[nevs].data = json_loadb(data, len, 0, NULL);
		nevs++;
	}
	pthread_mutex_unlock(&ev_mu);
}

static void evs_clear(void)
{
	for (size_t i = 0; i < nevs; i++)
		json_decref(evs[i].data);
	nevs = 0;
}

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

/* Points of the fixture: ids 1 (GT-101, combustible, enterprise 1), 2 (O2-201, oxygen,
 * enterprise 1, comms timeout 30 s), 3 (GT-101 again, enterprise 2). */
#define P_GAS  1
#define P_O2   2
#define P_GAS2 3

#define USCC1 "91370200MA3C000011"
#define USCC2 "91370200MA3C000022"
#define USCC3 "91370200MA3C000033" /* an enterprise without points */

struct fx {
	char dir[256];
	char db_path[300];
	char wal_dir[300];
	int64_t now;
	struct monitor_config cfg;
	struct monitor *m;
};

static int64_t fx_now(void *ctx)
{
	return ((struct fx *)ctx)->now;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static const char FIXTURE_SQL[] =
	"INSERT INTO region (code, name, level) VALUES ('370200', '青岛市', 2);"
	"INSERT INTO industry (code, name, level, section) VALUES ('2614', '有机化学原料制造', 4, "
	"'C');"
	"INSERT INTO enterprise (id, uscc, name, industry_code, region_code, created_ms, "
	"updated_ms) VALUES (1, '" USCC1 "', '甲化工', '2614', '370200', 0, 0), (2, '" USCC2
	"', '乙化工', '2614', '370200', 0, 0), (3, '" USCC3 "', '丙化工', '2614', '370200', 0, 0);"
	"INSERT INTO app_user (id, login, display_name, role, scope_kind, scope, password_hash, "
	"created_ms, updated_ms) VALUES (7, 'officer', '王安全', 'enterprise_officer', "
	"'enterprise', 'enterprise:" USCC1 "', 'x', 0, 0);"
	"INSERT INTO monitor_point (id, enterprise_id, tag, name, kind, unit, range_lo, range_hi, "
	"high1, high2, deadband, comms_timeout_ms, created_ms, updated_ms) VALUES "
	"(1, 1, 'GT-101', '罐区可燃气体', 'combustible', '%LEL', 0, 100, 25, 50, 2, 0, 0, 0),"
	"(3, 2, 'GT-101', '乙罐区可燃气体', 'combustible', '%LEL', 0, 100, 25, 50, 2, 0, 0, 0);"
	"INSERT INTO monitor_point (id, enterprise_id, tag, name, kind, unit, range_lo, range_hi, "
	"low1, high1, deadband, comms_timeout_ms, created_ms, updated_ms) VALUES "
	"(2, 1, 'O2-201', '受限空间氧含量', 'oxygen', '%VOL', 0, 25, 19.5, 23.5, 0.2, 30000, 0, "
	"0);";

static int exec_sql(const char *path, const char *sql)
{
	struct db *db = NULL;
	int rc = db_open(path, 1000, &db);

	if (rc == 0)
		rc = db_exec(db, sql);
	db_close(db);
	return rc;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct db *db = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/anjian-monitor-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db_path, sizeof(f->db_path), "%s/anjian.db", f->dir);
	snprintf(f->wal_dir, sizeof(f->wal_dir), "%s/wal", f->dir);
	if (db_open(f->db_path, 1000, &db) != 0 ||
	    db_migrate(db, db_migrations, db_migrations_n, NULL) != 0 ||
	    db_exec(db, FIXTURE_SQL) != 0)
		return -1;
	db_close(db);
	f->now = T0;
	monitor_config_defaults(&f->cfg);
	f->cfg.db_path = f->db_path;
	f->cfg.wal_dir = f->wal_dir;
	f->cfg.tick_thread = false;
	f->cfg.now_ms = fx_now;
	f->cfg.now_ctx = f;
	if (monitor_open(&f->cfg, NULL, &f->m) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	monitor_close(f->m);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void reopen(struct fx *f)
{
	monitor_close(f->m);
	f->m = NULL;
	assert_int_equal(monitor_open(&f->cfg, NULL, &f->m), 0);
}

static monitor_reading rd(int64_t point, int64_t t, double v)
{
	return (monitor_reading){ .point_id = point, .source_ms = t, .value = v, .quality = 0 };
}

/* Ingests one reading at source time t (the clock follows it) and returns the result. */
static struct monitor_ingest_result one(struct fx *f, int64_t point, int64_t t, double v)
{
	struct monitor_ingest_result res;
	monitor_reading r = rd(point, t, v);

	if (t > f->now)
		f->now = t;
	assert_int_equal(monitor_ingest(f->m, &r, 1, &res), 0);
	return res;
}

/* One SOE row as the tests compare them. */
struct soe_row {
	int64_t point_id, source_ms, seq, sub;
	int from_state, to_state, from_cond, to_cond;
	char cause[12];
	char action[24];
	int64_t user_id, until_ms;
	double value;
};

/* The SOE of point (0: all) in its order (source_ms, seq, sub, point_id). Returns the
 * count; *out owned. */
static size_t soe_of(const char *db_path, int64_t point, struct soe_row **out)
{
	static const char sql[] =
		"SELECT point_id, source_ms, seq, sub, from_state, to_state, from_cond, to_cond, "
		"cause, COALESCE(action, ''), COALESCE(user_id, 0), COALESCE(until_ms, 0), value "
		"FROM soe WHERE :p = 0 OR point_id = :p ORDER BY source_ms, seq, sub, point_id";
	struct db *db = NULL;
	struct db_stmt *s;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	assert_int_equal(db_open(db_path, 1000, &db), 0);
	s = db_stmt(db, sql);
	assert_non_null(s);
	db_bind_i64(s, ":p", point);
	while ((rc = db_step(s)) == DB_ROW) {
		struct soe_row *r;

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = realloc(*out, cap * sizeof(**out));
		}
		r = &(*out)[n++];
		memset(r, 0, sizeof(*r));
		r->point_id = db_col_i64(s, 0);
		r->source_ms = db_col_i64(s, 1);
		r->seq = db_col_i64(s, 2);
		r->sub = db_col_i64(s, 3);
		r->from_state = (int)db_col_i64(s, 4);
		r->to_state = (int)db_col_i64(s, 5);
		r->from_cond = (int)db_col_i64(s, 6);
		r->to_cond = (int)db_col_i64(s, 7);
		db_col_copy(s, 8, r->cause, sizeof(r->cause));
		db_col_copy(s, 9, r->action, sizeof(r->action));
		r->user_id = db_col_i64(s, 10);
		r->until_ms = db_col_i64(s, 11);
		r->value = db_col_null(s, 12) ? NAN : db_col_f64(s, 12);
	}
	assert_int_equal(rc, DB_DONE);
	db_close(db);
	return n;
}

static size_t soe_all(const char *db_path, struct soe_row **out)
{
	return soe_of(db_path, 0, out);
}

static void expect_live(struct fx *f, int64_t point, int state, int cond)
{
	struct monitor_live lv;

	assert_int_equal(monitor_live_get(f->m, point, &lv), 0);
	assert_int_equal(lv.state, state);
	assert_int_equal(lv.cond, cond);
}

/* GB/T 50493-2019 §4.1 levels: 30 %LEL >= 25 raises 一级, 60 >= 50 二级, 10 returns. */
static void test_readings_raise_and_clear_with_soe_in_order(void **state)
{
	struct fx *f = *state;
	struct monitor_ingest_result res;
	struct soe_row *rows;
	size_t n;

	res = one(f, P_GAS, T0 + 1000, 10.0);
	assert_int_equal(res.accepted, 1);
	assert_int_equal(res.transitions, 0);
	assert_int_equal(res.seq_first, 1);
	expect_live(f, P_GAS, ALARM_STATE_NORMAL, ALARM_COND_NORMAL);
	res = one(f, P_GAS, T0 + 2000, 25.0); /* exactly at the set point: active */
	assert_int_equal(res.transitions, 1);
	expect_live(f, P_GAS, ALARM_STATE_UNACK, ALARM_COND_HIGH1);
	res = one(f, P_GAS, T0 + 3000, 60.0);
	assert_int_equal(res.transitions, 1);
	expect_live(f, P_GAS, ALARM_STATE_UNACK, ALARM_COND_HIGH2);
	res = one(f, P_GAS, T0 + 4000, 49.0); /* above 50 - deadband 2: still 二级 */
	assert_int_equal(res.transitions, 0);
	res = one(f, P_GAS, T0 + 5000, 10.0);
	assert_int_equal(res.transitions, 1);
	expect_live(f, P_GAS, ALARM_STATE_RTN_UNACK, ALARM_COND_NORMAL);

	n = soe_all(f->db_path, &rows);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].seq, 2);
	assert_int_equal(rows[0].source_ms, T0 + 2000);
	assert_int_equal(rows[0].to_cond, ALARM_COND_HIGH1);
	assert_int_equal(rows[0].from_state, ALARM_STATE_NORMAL);
	assert_int_equal(rows[0].to_state, ALARM_STATE_UNACK);
	assert_true(rows[0].value == 25.0);
	assert_int_equal(rows[1].seq, 3);
	assert_int_equal(rows[1].to_cond, ALARM_COND_HIGH2);
	assert_int_equal(rows[2].seq, 5);
	assert_int_equal(rows[2].to_cond, ALARM_COND_NORMAL);
	assert_int_equal(rows[2].to_state, ALARM_STATE_RTN_UNACK);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(rows[i].cause, "reading");
		assert_int_equal(rows[i].sub, 0);
		assert_int_equal(rows[i].point_id, P_GAS);
	}
	free(rows);
}

/* One batch of several points in any order: one seq each, transitions of each point. */
static void test_batch_of_several_points(void **state)
{
	struct fx *f = *state;
	monitor_reading r[4] = { rd(P_O2, T0 + 10, 20.9), rd(P_GAS, T0 + 10, 26.0),
				 rd(P_GAS2, T0 + 10, 5.0), rd(P_O2, T0 + 20, 18.0) };
	struct monitor_ingest_result res;
	struct monitor_stats st;
	struct soe_row *rows;
	size_t n;

	f->now = T0 + 20;
	assert_int_equal(monitor_ingest(f->m, r, 4, &res), 0);
	assert_int_equal(res.seq_first, 1);
	assert_int_equal(res.accepted, 4);
	assert_int_equal(res.transitions, 2);
	expect_live(f, P_GAS, ALARM_STATE_UNACK, ALARM_COND_HIGH1);
	expect_live(f, P_O2, ALARM_STATE_UNACK, ALARM_COND_LOW1); /* 18.0 <= 19.5: 欠氧 */
	expect_live(f, P_GAS2, ALARM_STATE_NORMAL, ALARM_COND_NORMAL);
	n = soe_all(f->db_path, &rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].point_id, P_GAS);
	assert_int_equal(rows[0].seq, 2);
	assert_int_equal(rows[1].point_id, P_O2);
	assert_int_equal(rows[1].seq, 4);
	free(rows);
	monitor_stats_get(f->m, &st);
	assert_int_equal(st.readings, 4);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.transitions, 2);
	assert_int_equal(st.points, 3);
	assert_int_equal(monitor_ingest(f->m, r, 0, &res), ERR_INVALID);
}

static void test_actions_and_their_soe_rows(void **state)
{
	struct fx *f = *state;
	struct soe_row *rows;
	int64_t id1 = 0, id2 = 0;
	size_t n;

	one(f, P_GAS, T0 + 1000, 30.0); /* seq 1: 一级, unack */
	f->now = T0 + 5000;
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_ACK, 0, 7, "现场确认", &id1), 0);
	assert_true(id1 > 0);
	expect_live(f, P_GAS, ALARM_STATE_ACKED, ALARM_COND_HIGH1);
	/* acknowledging an acknowledged alarm is a conflict and writes nothing */
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_ACK, 0, 7, NULL, NULL), ERR_CONFLICT);
	/* shelving needs an expiry after now */
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_SHELVE, T0 + 5000, 7, "检修", NULL),
			 ERR_INVALID);
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_SHELVE, T0 + 65000, 7, "检修", &id2),
			 0);
	assert_true(id2 > id1);
	expect_live(f, P_GAS, ALARM_STATE_SHELVED, ALARM_COND_HIGH1);
	assert_int_equal(monitor_action(f->m, 999, MONITOR_ACK, 0, 7, NULL, NULL), ERR_NOT_FOUND);
	/* the shelve expires on the tick at its until time: the active alarm annunciates again */
	f->now = T0 + 64999;
	assert_int_equal(monitor_tick(f->m), 0);
	expect_live(f, P_GAS, ALARM_STATE_SHELVED, ALARM_COND_HIGH1);
	f->now = T0 + 65000;
	assert_int_equal(monitor_tick(f->m), 0);
	expect_live(f, P_GAS, ALARM_STATE_UNACK, ALARM_COND_HIGH1);

	n = soe_of(f->db_path, P_GAS, &rows);
	assert_int_equal(n, 4);
	assert_string_equal(rows[0].cause, "reading");
	assert_string_equal(rows[1].cause, "action");
	assert_string_equal(rows[1].action, "acknowledge");
	assert_int_equal(rows[1].seq, 1); /* the last evaluated reading's seq */
	assert_int_equal(rows[1].sub, 1);
	assert_int_equal(rows[1].user_id, 7);
	assert_int_equal(rows[1].source_ms, T0 + 5000);
	assert_string_equal(rows[2].action, "shelve");
	assert_int_equal(rows[2].sub, 2);
	assert_int_equal(rows[2].until_ms, T0 + 65000);
	assert_string_equal(rows[3].cause, "tick");
	assert_int_equal(rows[3].sub, 3);
	assert_int_equal(rows[3].from_state, ALARM_STATE_SHELVED);
	assert_int_equal(rows[3].to_state, ALARM_STATE_UNACK);
	free(rows);

	/* out of service and back; suppress and unsuppress; names round-trip */
	assert_int_equal(
		monitor_action(f->m, P_GAS, MONITOR_OUT_OF_SERVICE, 0, 7, "更换探头", NULL), 0);
	expect_live(f, P_GAS, ALARM_STATE_OUT_OF_SERVICE, ALARM_COND_NORMAL);
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_SUPPRESS, 0, 7, "x", NULL),
			 ERR_CONFLICT);
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_RETURN_TO_SERVICE, 0, 7, NULL, NULL),
			 0);
	expect_live(f, P_GAS, ALARM_STATE_NORMAL, ALARM_COND_NORMAL);
	for (int a = MONITOR_ACK; a <= MONITOR_RETURN_TO_SERVICE; a++) {
		enum monitor_action back;

		assert_int_equal(monitor_action_parse(monitor_action_name(a), &back), 0);
		assert_int_equal(back, a);
	}
	assert_int_equal(monitor_action_parse("ack", &(enum monitor_action){ 0 }), ERR_INVALID);
	assert_string_equal(monitor_action_name(MONITOR_OUT_OF_SERVICE), "out_of_service");
}

/* Communication loss at exactly comms_timeout_ms after the last reading (alarm.h). */
static void test_tick_comms_loss(void **state)
{
	struct fx *f = *state;
	struct soe_row *rows;
	size_t n;

	one(f, P_O2, T0 + 1000, 20.9);
	f->now = T0 + 1000 + 29999;
	assert_int_equal(monitor_tick(f->m), 0);
	expect_live(f, P_O2, ALARM_STATE_NORMAL, ALARM_COND_NORMAL);
	f->now = T0 + 1000 + 30000;
	assert_int_equal(monitor_tick(f->m), 0);
	expect_live(f, P_O2, ALARM_STATE_UNACK, ALARM_COND_COMMS_LOSS);
	/* a reading brings it back at once */
	one(f, P_O2, T0 + 40000, 20.9);
	expect_live(f, P_O2, ALARM_STATE_RTN_UNACK, ALARM_COND_NORMAL);
	n = soe_all(f->db_path, &rows);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].cause, "tick");
	assert_int_equal(rows[0].to_cond, ALARM_COND_COMMS_LOSS);
	assert_int_equal(rows[0].seq, 1);
	assert_int_equal(rows[0].sub, 1);
	assert_int_equal(rows[0].source_ms, T0 + 31000);
	assert_string_equal(rows[1].cause, "reading");
	assert_int_equal(rows[1].seq, 2);
	free(rows);
}

static void test_unknown_late_and_future_readings(void **state)
{
	struct fx *f = *state;
	monitor_reading r[3] = { rd(999, T0, 1.0), rd(P_GAS, T0 + 10000, 30.0),
				 rd(P_GAS, T0 + 5000, 80.0) };
	struct monitor_ingest_result res;
	struct monitor_stats st;
	struct store_row *rows = NULL;
	size_t n = 0;

	f->now = T0 + 10000;
	assert_int_equal(monitor_ingest(f->m, r, 3, &res), 0);
	assert_int_equal(res.unknown, 1);
	assert_int_equal(res.accepted, 2);
	assert_int_equal(res.late, 1); /* 80 %LEL at an older time: stored, not evaluated */
	assert_int_equal(res.transitions, 1);
	expect_live(f, P_GAS, ALARM_STATE_UNACK, ALARM_COND_HIGH1);
	assert_int_equal(store_read(monitor_store(f->m), P_GAS, T0, T0 + 20000, &rows, &n), 0);
	assert_int_equal(n, 2);
	free(rows);
	/* all unknown: nothing stored, no seq */
	assert_int_equal(monitor_ingest(f->m, r, 1, &res), 0);
	assert_int_equal(res.accepted, 0);
	assert_int_equal(res.unknown, 1);
	/* a source time more than max_future_ms (60 s) ahead is replaced by the arrival time */
	res = one(f, P_GAS2, f->now + 60000, 1.0);
	assert_int_equal(res.future, 0);
	f->now = T0 + 100000;
	{
		monitor_reading fut = rd(P_GAS2, f->now + 60001, 2.0);
		struct monitor_live lv;

		assert_int_equal(monitor_ingest(f->m, &fut, 1, &res), 0);
		assert_int_equal(res.future, 1);
		assert_int_equal(res.late, 0);
		assert_int_equal(monitor_live_get(f->m, P_GAS2, &lv), 0);
		assert_int_equal(lv.last_ms, T0 + 100000); /* the arrival time */
		assert_true(lv.last_value == 2.0);
	}
	monitor_stats_get(f->m, &st);
	assert_int_equal(st.unknown, 2);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.future, 1);
	assert_int_equal(st.readings, 4);
}

static void test_resolve_tags_and_enterprises(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;

	assert_int_equal(monitor_resolve(f->m, 1, "GT-101", 6, &id), 0);
	assert_int_equal(id, P_GAS);
	assert_int_equal(monitor_resolve(f->m, 2, "GT-101", 6, &id), 0);
	assert_int_equal(id, P_GAS2);
	assert_int_equal(monitor_resolve(f->m, 1, "GT-1010", 6, &id), 0); /* by length */
	assert_int_equal(monitor_resolve(f->m, 3, "GT-101", 6, &id), ERR_NOT_FOUND);
	assert_int_equal(monitor_resolve(f->m, 1, "gt-101", 6, &id), ERR_NOT_FOUND);
	assert_int_equal(monitor_resolve(f->m, 0, "GT-101", 6, &id), ERR_CONFLICT);
	assert_int_equal(monitor_resolve(f->m, 0, "O2-201", 6, &id), 0);
	assert_int_equal(id, P_O2);
	assert_int_equal(monitor_resolve_enterprise(f->m, USCC2, 18, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(monitor_resolve_enterprise(f->m, USCC3, 18, &id), 0); /* no points */
	assert_int_equal(id, 3);
	assert_int_equal(monitor_resolve_enterprise(f->m, "91370200MA3C000099", 18, &id),
			 ERR_NOT_FOUND);
	assert_int_equal(monitor_resolve_enterprise(f->m, "", 0, &id), ERR_NOT_FOUND);
}

static void test_point_changed(void **state)
{
	struct fx *f = *state;
	struct monitor_ingest_result res;
	int64_t id = 0;

	one(f, P_GAS, T0 + 1000, 30.0);
	expect_live(f, P_GAS, ALARM_STATE_UNACK, ALARM_COND_HIGH1);
	/* a new set point keeps the state and applies from the next reading */
	assert_int_equal(exec_sql(f->db_path, "UPDATE monitor_point SET high1 = 35 WHERE id = 1"),
			 0);
	assert_int_equal(monitor_point_changed(f->m, P_GAS), 0);
	expect_live(f, P_GAS, ALARM_STATE_UNACK, ALARM_COND_HIGH1);
	one(f, P_GAS, T0 + 2000, 30.0); /* below 35 - 2 */
	expect_live(f, P_GAS, ALARM_STATE_RTN_UNACK, ALARM_COND_NORMAL);
	/* the tag renamed: resolution follows, the old tag is gone */
	assert_int_equal(
		exec_sql(f->db_path, "UPDATE monitor_point SET tag = 'GT-102' WHERE id = 1"), 0);
	assert_int_equal(monitor_point_changed(f->m, P_GAS), 0);
	assert_int_equal(monitor_resolve(f->m, 1, "GT-102", 6, &id), 0);
	assert_int_equal(monitor_resolve(f->m, 0, "GT-101", 6, &id), 0); /* unique again */
	assert_int_equal(id, P_GAS2);
	/* deactivated: dropped as unknown */
	assert_int_equal(exec_sql(f->db_path, "UPDATE monitor_point SET active = 0 WHERE id = 1"),
			 0);
	assert_int_equal(monitor_point_changed(f->m, P_GAS), 0);
	assert_int_equal(monitor_live_get(f->m, P_GAS, &(struct monitor_live){ 0 }), ERR_NOT_FOUND);
	res = one(f, P_GAS2, T0 + 3000, 1.0);
	assert_int_equal(res.accepted, 1);
	{
		monitor_reading r = rd(P_GAS, T0 + 3000, 1.0);

		assert_int_equal(monitor_ingest(f->m, &r, 1, &res), 0);
		assert_int_equal(res.unknown, 1);
	}
	/* an invalid configuration (high1 above high2) is skipped, a new point is loaded */
	assert_int_equal(
		exec_sql(f->db_path,
			 "UPDATE monitor_point SET active = 1, high1 = 70 WHERE id = 1;"
			 "INSERT INTO monitor_point (id, enterprise_id, tag, name, kind, unit, "
			 "range_lo, range_hi, high1, created_ms, updated_ms) VALUES (4, 3, "
			 "'LT-1', '液位', 'level', 'm', 0, 10, 8, 0, 0)"),
		0);
	assert_int_equal(monitor_point_changed(f->m, P_GAS), 0);
	assert_int_equal(monitor_live_get(f->m, P_GAS, &(struct monitor_live){ 0 }), ERR_NOT_FOUND);
	assert_int_equal(monitor_point_changed(f->m, 4), 0);
	assert_int_equal(monitor_resolve(f->m, 3, "LT-1", 4, &id), 0);
	assert_int_equal(id, 4);
	res = one(f, 4, T0 + 4000, 9.0);
	assert_int_equal(res.transitions, 1);
	expect_live(f, 4, ALARM_STATE_UNACK, ALARM_COND_HIGH1);
}

/* A clean close and reopen keeps every point's state, and the SOE key counters. */
static void test_reopen_keeps_state(void **state)
{
	struct fx *f = *state;
	struct monitor_live a, b;
	struct soe_row *rows;
	size_t n;

	one(f, P_GAS, T0 + 1000, 30.0);
	one(f, P_O2, T0 + 2000, 24.0);
	f->now = T0 + 3000;
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_ACK, 0, 7, NULL, NULL), 0);
	assert_int_equal(monitor_live_get(f->m, P_GAS, &a), 0);
	reopen(f);
	assert_int_equal(monitor_live_get(f->m, P_GAS, &b), 0);
	assert_int_equal(a.state, b.state);
	assert_int_equal(a.cond, b.cond);
	assert_int_equal(a.last_ms, b.last_ms);
	assert_true(a.last_value == b.last_value);
	assert_int_equal(a.since_ms, b.since_ms);
	expect_live(f, P_O2, ALARM_STATE_UNACK, ALARM_COND_HIGH1);
	/* the next action at the same seq takes the next sub */
	assert_int_equal(monitor_action(f->m, P_O2, MONITOR_ACK, 0, 7, NULL, NULL), 0);
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_SUPPRESS, 0, 7, "停车", NULL), 0);
	n = soe_all(f->db_path, &rows);
	assert_int_equal(n, 5);
	assert_int_equal(rows[2].point_id, P_GAS); /* the acknowledgement before the reopen */
	assert_int_equal(rows[2].seq, 2);
	assert_int_equal(rows[2].sub, 1);
	assert_int_equal(rows[3].point_id, P_O2);
	assert_int_equal(rows[3].seq, 2);
	assert_int_equal(rows[3].sub, 1);
	assert_int_equal(rows[4].point_id, P_GAS);
	assert_int_equal(rows[4].seq, 2);
	assert_int_equal(rows[4].sub, 2);
	free(rows);
	one(f, P_GAS, T0 + 4000, 1.0);
	{
		struct monitor_ingest_result res;
		monitor_reading r = rd(P_GAS, T0 + 5000, 2.0);

		assert_int_equal(monitor_ingest(f->m, &r, 1, &res), 0);
		assert_int_equal(res.seq_first, 4); /* seqs continue after the reopen */
	}
}

/* ---- crash recovery ---- */

#define KP	 20 /* points 101..120 */
#define KB	 16 /* readings per batch */
#define KEXTRA	 12 /* batches after the recovery, in both runs */
#define KBATCH_T 1000

static const char KILL_POINTS_SQL[] =
	"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19) "
	"INSERT INTO monitor_point (id, enterprise_id, tag, name, kind, unit, range_lo, range_hi, "
	"high1, high2, deadband, on_delay_ms, off_delay_ms, comms_timeout_ms, created_ms, "
	"updated_ms) SELECT 101 + i, 1, 'K-' || i, 'k', 'combustible', '%LEL', 0, 100, 25, 50, 2, "
	"CASE WHEN i % 2 = 1 THEN 1500 ELSE 0 END, CASE WHEN i % 4 = 1 THEN 1000 ELSE 0 END, "
	"CASE WHEN i % 5 = 0 THEN 4000 ELSE 0 END, 0, 0 FROM n";

/* Reading i of batch j (j >= 1): deterministic point, time and value; one late reading in
 * every 11th batch; values crossing the 25 / 50 %LEL set points often. */
static monitor_reading kill_reading(int64_t j, int i)
{
	uint64_t h = (uint64_t)j * 2654435761u + (uint64_t)i * 40503u;
	int64_t t = T0 + j * KBATCH_T + i;

	h ^= h >> 13;
	h *= 0x5bd1e995u;
	h ^= h >> 15;
	if (j % 11 == 0 && i == 3)
		t -= 5000;
	return rd(101 + (j * 7 + i) % KP, t, (double)(h % 7000) / 100.0);
}

static void kill_batch(struct fx *f, int64_t j)
{
	monitor_reading r[KB];
	struct monitor_ingest_result res;

	for (int i = 0; i < KB; i++)
		r[i] = kill_reading(j, i);
	f->now = T0 + j * KBATCH_T + KB;
	if (monitor_ingest(f->m, r, KB, &res) != 0 || res.accepted != KB)
		_exit(4);
}

/* The operator phase before batch j (every 4th): a tick, then acknowledgements of every
 * unacknowledged point. only (may be NULL): do just the tick if only->tick and the
 * acknowledgements of the points only->ack[] (the phase a crash cut short). */
struct kphase {
	bool tick;
	bool ack[KP];
};

static bool kill_phase_due(int64_t j)
{
	return j > 1 && (j - 1) % 4 == 0;
}

static void kill_phase(struct fx *f, int64_t j, const struct kphase *only)
{
	f->now = T0 + (j - 1) * KBATCH_T + 500;
	if ((only == NULL || only->tick) && monitor_tick(f->m) != 0)
		_exit(5);
	for (int k = 0; k < KP; k++) {
		struct monitor_live lv;

		if (only && !only->ack[k])
			continue;
		if (monitor_live_get(f->m, 101 + k, &lv) != 0)
			_exit(6);
		if (lv.state == ALARM_STATE_UNACK || lv.state == ALARM_STATE_RTN_UNACK) {
			if (monitor_action(f->m, 101 + k, MONITOR_ACK, 0, 7, "ack", NULL) != 0)
				_exit(7);
		}
	}
}

static void kill_child(struct fx *f, int wfd)
{
	if (monitor_open(&f->cfg, NULL, &f->m) != 0)
		_exit(3);
	for (int64_t j = 1;; j++) {
		if (kill_phase_due(j))
			kill_phase(f, j, NULL);
		kill_batch(f, j);
		if (write(wfd, &j, sizeof(j)) != (ssize_t)sizeof(j))
			_exit(8);
		if (j % 20 == 0 && monitor_checkpoint(f->m) != 0)
			_exit(9);
	}
}

static int fx_make(struct fx *f, const char *tmpl)
{
	struct db *db = NULL;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s", tmpl);
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db_path, sizeof(f->db_path), "%s/anjian.db", f->dir);
	snprintf(f->wal_dir, sizeof(f->wal_dir), "%s/wal", f->dir);
	if (db_open(f->db_path, 1000, &db) != 0 ||
	    db_migrate(db, db_migrations, db_migrations_n, NULL) != 0 ||
	    db_exec(db, FIXTURE_SQL) != 0 || db_exec(db, KILL_POINTS_SQL) != 0)
		return -1;
	db_close(db);
	f->now = T0;
	monitor_config_defaults(&f->cfg);
	f->cfg.db_path = f->db_path;
	f->cfg.wal_dir = f->wal_dir;
	f->cfg.tick_thread = false;
	f->cfg.now_ms = fx_now;
	f->cfg.now_ctx = f;
	return 0;
}

static bool soe_same(const struct soe_row *a, const struct soe_row *b)
{
	return a->point_id == b->point_id && a->source_ms == b->source_ms && a->seq == b->seq &&
	       a->sub == b->sub && a->from_state == b->from_state && a->to_state == b->to_state &&
	       a->from_cond == b->from_cond && a->to_cond == b->to_cond &&
	       strcmp(a->cause, b->cause) == 0 && strcmp(a->action, b->action) == 0 &&
	       a->user_id == b->user_id && a->until_ms == b->until_ms &&
	       ((isnan(a->value) && isnan(b->value)) || a->value == b->value);
}

/*
 * A child floods monitor_ingest() (with ticks, acknowledgements and checkpoints between
 * batches) and is killed with SIGKILL at a random moment. Reopened, the runtime must hold
 * every acknowledged batch exactly once and an SOE equal, row for row and in order, to the
 * SOE of an uninterrupted run over the same readings and operator actions; and both must go
 * on identically afterwards (the recovered alarm states are right).
 */
static void test_crash_recovery_equals_uninterrupted_run(void **state)
{
	struct fx *f = *state;

	monitor_close(f->m); /* the fixture's runtime: the child opens its own */
	f->m = NULL;
	exec_sql(f->db_path, KILL_POINTS_SQL);
	for (int it = 0; it < 3; it++) {
		struct fx ref;
		struct kphase cut = { 0 };
		struct soe_row *got = NULL, *want = NULL;
		struct store_stats ss;
		struct timespec ts;
		int fds[2], status;
		int64_t acked = 0, j, m, stored;
		size_t ngot, nwant, gi = 0, wi = 0;
		pid_t pid;

		if (it > 0) { /* a fresh database for each run */
			nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			assert_int_equal(fx_make(f, "/tmp/anjian-monitor-XXXXXX"), 0);
		}
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			kill_child(f, fds[1]);
		}
		close(fds[1]);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(150 + it * 170) * 1000000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		while (read(fds[0], &j, sizeof(j)) == (ssize_t)sizeof(j))
			acked = j;
		close(fds[0]);

		/* recover */
		assert_int_equal(monitor_open(&f->cfg, NULL, &f->m), 0);
		store_stats_get(monitor_store(f->m), &ss);
		assert_int_equal(ss.last_seq % KB, 0);
		m = (int64_t)(ss.last_seq / KB);
		assert_true(m >= acked); /* every acknowledged batch is there */
		stored = 0;
		{
			for (int k = 0; k < KP; k++) {
				struct store_row *rows = NULL;
				size_t n = 0;

				assert_int_equal(store_read(monitor_store(f->m), 101 + k, 0,
							    INT64_MAX / 2, &rows, &n),
						 0);
				for (size_t i = 0; i < n; i++) /* each seq once */
					for (size_t q = i + 1; q < n; q++)
						assert_true(rows[i].seq != rows[q].seq);
				stored += (int64_t)n;
				free(rows);
			}
		}
		assert_int_equal(stored, m * KB);

		/* which of the operator phase before batch m + 1 the child got through */
		ngot = soe_all(f->db_path, &got);
		for (size_t i = 0; i < ngot; i++)
			if (got[i].seq == m * KB && got[i].sub > 0) {
				if (strcmp(got[i].cause, "tick") == 0)
					cut.tick = true;
				else
					cut.ack[got[i].point_id - 101] = true;
			}
		free(got);

		/* the uninterrupted run */
		assert_int_equal(fx_make(&ref, "/tmp/anjian-monitor-ref-XXXXXX"), 0);
		assert_int_equal(monitor_open(&ref.cfg, NULL, &ref.m), 0);
		for (j = 1; j <= m; j++) {
			if (kill_phase_due(j))
				kill_phase(&ref, j, NULL);
			kill_batch(&ref, j);
		}
		if (kill_phase_due(m + 1))
			kill_phase(&ref, m + 1, &cut);
		/* both go on the same way */
		for (j = m + 1; j <= m + KEXTRA; j++) {
			if (j > m + 1 && kill_phase_due(j)) {
				kill_phase(&ref, j, NULL);
				kill_phase(f, j, NULL);
			}
			kill_batch(&ref, j);
			kill_batch(f, j);
		}
		monitor_close(ref.m);
		ref.m = NULL;
		monitor_close(f->m);
		f->m = NULL;

		ngot = soe_all(f->db_path, &got);
		nwant = soe_all(ref.db_path, &want);
		print_message(
			"# crash run %d: %lld batches acknowledged, %lld stored, %zu SOE rows "
			"(reference %zu)\n",
			it, (long long)acked, (long long)m, ngot, nwant);
		assert_true(nwant > 0);
		for (; gi < ngot && wi < nwant; gi++, wi++)
			if (!soe_same(&got[gi], &want[wi]))
				break;
		if (gi < ngot || wi < nwant)
			fail_msg("SOE differs at row %zu of %zu (reference %zu of %zu): point %lld "
				 "seq %lld sub %lld",
				 gi, ngot, wi, nwant,
				 (long long)(gi < ngot ? got[gi].point_id : want[wi].point_id),
				 (long long)(gi < ngot ? got[gi].seq : want[wi].seq),
				 (long long)(gi < ngot ? got[gi].sub : want[wi].sub));
		free(got);
		free(want);
		nftw(ref.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		/* reopen for the next run's setup */
		assert_int_equal(monitor_open(&f->cfg, NULL, &f->m), 0);
		monitor_close(f->m);
		f->m = NULL;
	}
}

static const char *jstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The "alarm" events (one SOE row as the SOE API shows it) and the throttled "values". */
static void test_live_events(void **state)
{
	struct fx *f = *state;
	static int hub_stand_in;
	json_t *d, *pts, *pt;
	int64_t soe_id = 0;

	monitor_close(f->m);
	f->m = NULL;
	evs_clear();
	f->cfg.value_push_ms = 1000;
	assert_int_equal(monitor_open(&f->cfg, (struct live_hub *)(void *)&hub_stand_in, &f->m), 0);
	one(f, P_GAS, T0 + 1000, 30.0);
	assert_int_equal(nevs, 2);
	assert_string_equal(evs[0].name, "alarm");
	assert_int_equal(evs[0].enterprise_id, 1);
	d = evs[0].data;
	assert_non_null(d);
	assert_true(json_integer_value(json_object_get(d, "id")) > 0);
	assert_int_equal(json_integer_value(json_object_get(d, "point_id")), P_GAS);
	assert_string_equal(jstr(d, "tag"), "GT-101");
	assert_string_equal(jstr(d, "point_name"), "罐区可燃气体");
	assert_string_equal(jstr(d, "enterprise_name"), "甲化工");
	assert_int_equal(json_integer_value(json_object_get(d, "source_ms")), T0 + 1000);
	assert_int_equal(json_integer_value(json_object_get(d, "seq")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "sub")), 0);
	assert_true(json_real_value(json_object_get(d, "value")) == 30.0);
	assert_string_equal(jstr(d, "from_state"), "normal");
	assert_string_equal(jstr(d, "to_state"), "unack");
	assert_string_equal(jstr(d, "from_cond"), "normal");
	assert_string_equal(jstr(d, "to_cond"), "high1");
	assert_string_equal(jstr(d, "cause"), "reading");
	assert_true(json_is_null(json_object_get(d, "action")));
	assert_true(json_is_null(json_object_get(d, "user_name")));
	assert_true(json_is_null(json_object_get(d, "hazard_id")));
	assert_string_equal(evs[1].name, "values");
	d = evs[1].data;
	assert_int_equal(json_integer_value(json_object_get(d, "enterprise_id")), 1);
	pts = json_object_get(d, "points");
	assert_int_equal(json_array_size(pts), 1);
	pt = json_array_get(pts, 0);
	assert_int_equal(json_integer_value(json_object_get(pt, "id")), P_GAS);
	assert_true(json_real_value(json_object_get(pt, "v")) == 30.0);
	assert_int_equal(json_integer_value(json_object_get(pt, "ts")), T0 + 1000);
	assert_string_equal(jstr(pt, "state"), "unack");
	assert_string_equal(jstr(pt, "cond"), "high1");

	/* 500 ms later: no values event yet for enterprise 1; enterprise 2's first is due */
	evs_clear();
	one(f, P_GAS, T0 + 1500, 31.0);
	one(f, P_GAS2, T0 + 1500, 3.0);
	assert_int_equal(nevs, 1);
	assert_string_equal(evs[0].name, "values");
	assert_int_equal(evs[0].enterprise_id, 2);
	/* the tick after value_push_ms pushes the latest value */
	evs_clear();
	f->now = T0 + 2000;
	assert_int_equal(monitor_tick(f->m), 0);
	assert_int_equal(nevs, 1);
	assert_int_equal(evs[0].enterprise_id, 1);
	pt = json_array_get(json_object_get(evs[0].data, "points"), 0);
	assert_true(json_real_value(json_object_get(pt, "v")) == 31.0);
	/* nothing new: nothing pushed */
	evs_clear();
	f->now = T0 + 4000;
	assert_int_equal(monitor_tick(f->m), 0);
	assert_int_equal(nevs, 0);
	/* an action: its row, with the operator's name and comment */
	assert_int_equal(monitor_action(f->m, P_GAS, MONITOR_ACK, 0, 7, "现场确认", &soe_id), 0);
	assert_int_equal(nevs, 1);
	d = evs[0].data;
	assert_int_equal(json_integer_value(json_object_get(d, "id")), soe_id);
	assert_string_equal(jstr(d, "cause"), "action");
	assert_string_equal(jstr(d, "action"), "acknowledge");
	assert_string_equal(jstr(d, "user_name"), "王安全");
	assert_string_equal(jstr(d, "comment"), "现场确认");
	assert_string_equal(jstr(d, "to_state"), "acked");
	assert_int_equal(json_integer_value(json_object_get(d, "sub")), 1);
	evs_clear();
	monitor_close(f->m);
	f->m = NULL;
	assert_int_equal(nevs, 0); /* the close's checkpoint publishes nothing */
}

/* ---- several ingesting threads ---- */

#define TH_N	   4
#define TH_BATCHES 40
#define TH_SIZE	   25

struct th_arg {
	struct monitor *m;
	int id;
	int rc;
};

static void *th_main(void *arg)
{
	struct th_arg *a = arg;
	uint64_t h = 0x9e3779b97f4a7c15ull * (uint64_t)(a->id + 1);

	for (int b = 0; b < TH_BATCHES && a->rc == 0; b++) {
		monitor_reading r[TH_SIZE];

		for (int i = 0; i < TH_SIZE; i++) {
			h ^= h << 13;
			h ^= h >> 7;
			h ^= h << 17;
			/* times interleave across threads: arrival order decides what is late */
			r[i] = rd(101 + (int64_t)(h % KP), T0 + b * 100 + (int64_t)(h >> 40) % 300,
				  (double)(h % 6000) / 100.0);
		}
		a->rc = monitor_ingest(a->m, r, TH_SIZE, NULL);
	}
	return NULL;
}

struct seq_row {
	uint64_t seq;
	monitor_reading r;
};

static int cmp_seq(const void *a, const void *b)
{
	uint64_t x = ((const struct seq_row *)a)->seq, y = ((const struct seq_row *)b)->seq;

	return x < y ? -1 : x > y;
}

/*
 * Four threads ingest at once; the SOE must be what one thread ingesting the same readings
 * one by one in the arrival (seq) order gives: evaluation follows the seqs the store
 * assigned, whatever order the threads reach the alarm lock in.
 */
static void test_threads_evaluate_in_seq_order(void **state)
{
	struct fx *f = *state;
	struct th_arg args[TH_N];
	pthread_t th[TH_N];
	struct seq_row *all = NULL;
	struct soe_row *got = NULL, *want = NULL;
	size_t nall = 0, ngot, nwant;
	struct fx ref;

	monitor_close(f->m);
	f->m = NULL;
	assert_int_equal(exec_sql(f->db_path, KILL_POINTS_SQL), 0);
	f->now = T0 + 1000000; /* no source time is in the future */
	assert_int_equal(monitor_open(&f->cfg, NULL, &f->m), 0);
	for (int i = 0; i < TH_N; i++) {
		args[i] = (struct th_arg){ .m = f->m, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, th_main, &args[i]), 0);
	}
	for (int i = 0; i < TH_N; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].rc, 0);
	}
	for (int k = 0; k < KP; k++) {
		struct store_row *rows = NULL;
		size_t n = 0;

		assert_int_equal(
			store_read(monitor_store(f->m), 101 + k, 0, INT64_MAX / 2, &rows, &n), 0);
		all = realloc(all, (nall + n + 1) * sizeof(*all));
		for (size_t i = 0; i < n; i++)
			all[nall++] = (struct seq_row){ rows[i].seq, rd(101 + k, rows[i].source_ms,
									rows[i].value) };
		free(rows);
	}
	assert_int_equal(nall, TH_N * TH_BATCHES * TH_SIZE);
	qsort(all, nall, sizeof(*all), cmp_seq);
	monitor_close(f->m);
	f->m = NULL;

	assert_int_equal(fx_make(&ref, "/tmp/anjian-monitor-ref-XXXXXX"), 0);
	ref.now = T0 + 1000000;
	assert_int_equal(monitor_open(&ref.cfg, NULL, &ref.m), 0);
	for (size_t i = 0; i < nall; i++) {
		struct monitor_ingest_result res;

		assert_int_equal(all[i].seq, i + 1);
		assert_int_equal(monitor_ingest(ref.m, &all[i].r, 1, &res), 0);
		assert_int_equal(res.seq_first, all[i].seq);
	}
	monitor_close(ref.m);
	ngot = soe_all(f->db_path, &got);
	nwant = soe_all(ref.db_path, &want);
	assert_true(nwant > 0);
	assert_int_equal(ngot, nwant);
	for (size_t i = 0; i < ngot; i++)
		assert_true(soe_same(&got[i], &want[i]));
	free(got);
	free(want);
	free(all);
	nftw(ref.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Bad configurations are refused; an invalid point row is skipped at open, the rest load. */
static void test_open_checks(void **state)
{
	struct fx *f = *state;
	struct monitor_config c = f->cfg;
	struct monitor *m = NULL;
	int64_t id = 0;

	c.checkpoint_s = 0;
	assert_int_equal(monitor_open(&c, NULL, &m), ERR_INVALID);
	assert_null(m);
	c = f->cfg;
	c.db_path = NULL;
	assert_int_equal(monitor_open(&c, NULL, &m), ERR_INVALID);
	c = f->cfg;
	c.max_future_ms = -1;
	assert_int_equal(monitor_open(&c, NULL, &m), ERR_INVALID);
	monitor_close(NULL);

	monitor_close(f->m);
	f->m = NULL;
	/* oxygen without its lean set point (alarm.h: oxygen points need low1 and high1) */
	assert_int_equal(
		exec_sql(f->db_path,
			 "INSERT INTO monitor_point (id, enterprise_id, tag, name, kind, "
			 "unit, range_lo, range_hi, high1, created_ms, updated_ms) VALUES (5, "
			 "1, 'O2-9', 'bad', 'oxygen', '%VOL', 0, 25, 23.5, 0, 0)"),
		0);
	assert_int_equal(monitor_open(&f->cfg, NULL, &f->m), 0);
	assert_int_equal(monitor_resolve(f->m, 1, "O2-9", 4, &id), ERR_NOT_FOUND);
	assert_int_equal(monitor_resolve(f->m, 1, "O2-201", 6, &id), 0);
	{
		struct monitor_stats st;

		monitor_stats_get(f->m, &st);
		assert_int_equal(st.points, 3);
		monitor_count_bad_payload(f->m);
		monitor_count_bad_payload(f->m);
		monitor_stats_get(f->m, &st);
		assert_int_equal(st.bad_payloads, 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readings_raise_and_clear_with_soe_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_of_several_points, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actions_and_their_soe_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick_comms_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_late_and_future_readings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_tags_and_enterprises, setup, teardown),
		cmocka_unit_test_setup_teardown(test_point_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery_equals_uninterrupted_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_evaluate_in_seq_order, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
