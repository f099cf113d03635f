/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/demo/demo_monitor.c (issue 6 §8): the demo's points with the GB/T
 * 50493-2019 defaults (一级 25 %LEL / 二级 50 %LEL for methane; 100 / 200 %OEL for CO with
 * the OEL 30 mg/m3 of GBZ 2.1-2019 PC-STEL; oxygen 19.5 / 23.5 %VOL); the pump's manual
 * set points against the real recording: run through the alarm engine (alarm.h), the flow
 * FT-404 alarms inside SKAB's labelled valve-closure windows and nowhere else, the other
 * pump points stay quiet; the loop player's timing (due times, loops, history, batches,
 * unknown tags, a failing ingest) and the player thread over a real database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "db/db.h"
#include "db/migrate.h"
#include "demo/demo_monitor.h"
#include "monitor/alarm.h"
#include "core/banned.h"

static char *read_src(const char *rel, size_t *len)
{
	const char *root = getenv("ANJIAN_SOURCE_ROOT");
	char path[1024], chunk[65536];
	struct buf b = BUF_INIT;
	FILE *f;
	size_t n;

	if (!root)
		fail_msg("ANJIAN_SOURCE_ROOT is not set (tests/meson.build sets it)");
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

/* --- fake ingest --- */

struct sink {
	pthread_mutex_t mu;
	monitor_reading *r;
	size_t n, cap;
	int calls;
	int fail; /* fail this many calls with ERR_DB */
};

static int sink_ingest(void *ctx, const monitor_reading *r, size_t n)
{
	struct sink *k = ctx;

	pthread_mutex_lock(&k->mu);
	if (k->fail > 0) {
		k->fail--;
		pthread_mutex_unlock(&k->mu);
		return ERR_DB;
	}
	if (k->n + n > k->cap) {
		k->cap = (k->n + n) * 2;
		k->r = realloc(k->r, k->cap * sizeof(*r));
	}
	memcpy(k->r + k->n, r, n * sizeof(*r));
	k->n += n;
	k->calls++;
	pthread_mutex_unlock(&k->mu);
	return 0;
}

/* --- the track player --- */

static void make_track(struct demo_track *t, struct replay_row *rows, int64_t *ids)
{
	/* A at 0, 1000, 2000 s offsets; B (unknown point) at 0 and 1000. */
	static const struct replay_row src[5] = {
		{ "A", 50000, 1 }, { "B", 50000, 9 },	{ "A", 51000, 2 },
		{ "B", 51000, 9 }, { "A", 52000, NAN },
	};
	memcpy(rows, src, sizeof(src));
	ids[0] = ids[2] = ids[4] = 7;
	ids[1] = ids[3] = 0;
	memset(t, 0, sizeof(*t));
	t->rows = rows;
	t->point_ids = ids;
	t->n = 5;
	t->loop_ms = 3000;
	t->epoch_ms = 10000;
}

static void test_track_due(void **state)
{
	(void)state;
	struct replay_row rows[5];
	int64_t ids[5];
	struct demo_track t;

	make_track(&t, rows, ids);
	assert_true(demo_track_due(&t, 0, 0) == 10000);
	assert_true(demo_track_due(&t, 2, 0) == 11000);
	assert_true(demo_track_due(&t, 4, 0) == 12000);
	assert_true(demo_track_due(&t, 0, 1) == 13000);
	assert_true(demo_track_due(&t, 4, 2) == 18000);
}

static void test_track_play(void **state)
{
	(void)state;
	struct replay_row rows[5];
	int64_t ids[5];
	struct demo_track t;
	struct sink k = { .mu = PTHREAD_MUTEX_INITIALIZER };

	make_track(&t, rows, ids);
	/* Nothing is due before the epoch. */
	assert_int_equal(demo_track_play(&t, 9999, 10, sink_ingest, &k), 0);
	assert_int_equal(k.calls, 0);
	/* At the epoch: A's first reading; B has no point and is skipped. */
	assert_int_equal(demo_track_play(&t, 10999, 10, sink_ingest, &k), 1);
	assert_true(k.r[0].point_id == 7 && k.r[0].source_ms == 10000 && k.r[0].value == 1);
	assert_int_equal((int)t.next, 2);
	/* Up to the next loop's first row, with the source times of the wall clock. */
	assert_int_equal(demo_track_play(&t, 13000, 10, sink_ingest, &k), 3);
	assert_true(k.r[1].source_ms == 11000 && k.r[1].value == 2);
	assert_true(k.r[2].source_ms == 12000 && isnan(k.r[2].value) && k.r[2].quality == 2);
	assert_true(k.r[3].source_ms == 13000 && k.r[3].value == 1 && k.r[3].quality == 0);
	assert_true(t.loop == 1 && t.next == 2); /* B at 13000 is due too: skipped */
	/* Batches of at most max: two loops later, one call per reading with max 1. */
	k.calls = 0;
	assert_int_equal(demo_track_play(&t, 18000, 1, sink_ingest, &k), 5);
	assert_int_equal(k.calls, 5);
	for (size_t i = 1; i < k.n; i++)
		assert_true(k.r[i].source_ms > k.r[i - 1].source_ms);
	assert_true(k.r[k.n - 1].source_ms == 18000);
	free(k.r);
}

static void test_track_play_failing_ingest(void **state)
{
	(void)state;
	struct replay_row rows[5];
	int64_t ids[5];
	struct demo_track t;
	struct sink k = { .mu = PTHREAD_MUTEX_INITIALIZER, .fail = 1 };

	make_track(&t, rows, ids);
	assert_int_equal(demo_track_play(&t, 12000, 10, sink_ingest, &k), ERR_DB);
	assert_true(t.next == 0 && t.loop == 0); /* nothing lost: played again */
	assert_int_equal(demo_track_play(&t, 12000, 10, sink_ingest, &k), 3);
	assert_int_equal((int)k.n, 3);
	free(k.r);
}

/* --- points and set points over a real database --- */

struct fx {
	char dir[64], db_path[128];
	struct db *db;
};

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *gas;
	int64_t dev, pts;
	struct errmsg why;

	snprintf(f->dir, sizeof(f->dir), "/tmp/anjian-demo-mon-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db_path, sizeof(f->db_path), "%s/anjian.db", f->dir);
	if (db_open(f->db_path, 1000, &f->db) != 0 ||
	    db_migrate(f->db, db_migrations, db_migrations_n, NULL) != 0)
		return -1;
	/* The points' enterprise row is not what these tests are about. */
	db_exec(f->db, "PRAGMA foreign_keys = OFF");
	gas = read_src("data/monitor/gas_properties.csv", NULL);
	if (demo_monitor_load(f->db, 42, 1764460800000LL, gas, &dev, &pts, &why) != 0 || dev != 2 ||
	    pts != 7) {
		free(gas);
		return -1;
	}
	free(gas);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	db_close(f->db);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The point's alarm configuration as stored (NULL set point: NAN). */
static void point_cfg(struct db *db, const char *tag, struct alarm_cfg *c, int64_t *id)
{
	static const char *const kinds[] = { "combustible", "toxic",	"oxygen", "level",
					     "temperature", "pressure", "flow" };
	struct db_stmt *st =
		db_stmt(db, "SELECT id, range_lo, range_hi, high1, high2, low1, low2, deadband, "
			    "on_delay_ms, off_delay_ms, comms_timeout_ms, kind FROM monitor_point "
			    "WHERE tag = :tag AND enterprise_id = 42");

	db_bind_text(st, ":tag", tag);
	assert_int_equal(db_step(st), DB_ROW);
	*id = db_col_i64(st, 0);
	memset(c, 0, sizeof(*c));
	c->point_id = *id;
	c->range_lo = db_col_f64(st, 1);
	c->range_hi = db_col_f64(st, 2);
	c->high1 = db_col_null(st, 3) ? NAN : db_col_f64(st, 3);
	c->high2 = db_col_null(st, 4) ? NAN : db_col_f64(st, 4);
	c->low1 = db_col_null(st, 5) ? NAN : db_col_f64(st, 5);
	c->low2 = db_col_null(st, 6) ? NAN : db_col_f64(st, 6);
	c->deadband = db_col_f64(st, 7);
	c->on_delay_ms = (uint32_t)db_col_i64(st, 8);
	c->off_delay_ms = (uint32_t)db_col_i64(st, 9);
	c->comms_timeout_ms = (uint32_t)db_col_i64(st, 10);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(db_col_text(st, 11), kinds[i]) == 0)
			c->kind = (uint8_t)i;
	db_reset(st);
	assert_int_equal(alarm_cfg_check(c, NULL), 0);
}

static void test_gas_defaults(void **state)
{
	struct fx *f = *state;
	struct alarm_cfg c;
	int64_t id;

	/* GB/T 50493-2019: combustible 一级 <= 25 %LEL, 二级 <= 50 %LEL. */
	point_cfg(f->db, "GT-101", &c, &id);
	assert_true(c.kind == ALARM_KIND_COMBUSTIBLE && c.high1 == 25 && c.high2 == 50);
	/* Toxic: 100 / 200 %OEL; CO's OEL is its PC-STEL 30 mg/m3 (GBZ 2.1-2019, no MAC). */
	point_cfg(f->db, "AT-201", &c, &id);
	assert_true(c.kind == ALARM_KIND_TOXIC && c.high1 == 30 && c.high2 == 60);
	/* Oxygen: 19.5 %VOL (欠氧) and 23.5 %VOL (过氧). */
	point_cfg(f->db, "OT-301", &c, &id);
	assert_true(c.kind == ALARM_KIND_OXYGEN && c.low1 == 19.5 && c.high1 == 23.5);
}

/* Runs tag's readings of the pump recording through the alarm engine. */
static int run_recording(struct db *db, const char *tag, const struct replay_row *rows, size_t n,
			 struct alarm_transition *out, int max)
{
	struct alarm_cfg c;
	struct alarm_point p;
	int64_t id;
	uint64_t seq = 0;
	int got = 0;

	point_cfg(db, tag, &c, &id);
	alarm_point_init(&p, rows[0].ts_ms);
	for (size_t i = 0; i < n; i++) {
		struct alarm_transition tr[4];
		struct alarm_reading r = { rows[i].ts_ms, ++seq, rows[i].value,
					   isnan(rows[i].value) ? 2 : 0 };
		int k;

		if (strcmp(rows[i].tag, tag) != 0)
			continue;
		k = alarm_tick(&c, &p, rows[i].ts_ms, seq, tr);
		for (int j = 0; j < k && got < max; j++)
			out[got++] = tr[j];
		k = alarm_eval(&c, &p, &r, tr, NULL);
		for (int j = 0; j < k && got < max; j++)
			out[got++] = tr[j];
	}
	return got;
}

static void test_pump_setpoints_on_the_recording(void **state)
{
	struct fx *f = *state;
	struct replay_row *rows;
	size_t n, len;
	struct errmsg why;
	char *text = read_src("data/monitor/demo/pump_valve1.csv", &len);
	char *wtext = read_src("data/monitor/demo/pump_valve1_anomalies.csv", NULL);
	static struct alarm_transition tr[4096];
	bool hit[16] = { false };
	int got, windows_hit = 0;
	int64_t starts[16], ends[16];
	const char *p = strchr(wtext, '\n') + 1;

	assert_int_equal(replay_parse(text, len, &rows, &n, &why), 0);
	assert_true(n > 60000);
	for (int i = 0; i < 16; i++) {
		long long s, e;
		int run;

		assert_int_equal(sscanf(p, "%d,%lld,%lld", &run, &s, &e), 3);
		starts[i] = s;
		ends[i] = e;
		p = strchr(p, '\n') + 1;
	}
	/* FT-404: every alarm (LOW1/LOW2 annunciation) begins inside a labelled window (plus the
	 * on delay); returns follow within the off delay of the window's end. */
	got = run_recording(f->db, "FT-404", rows, n, tr, 4096);
	assert_true(got > 0 && got < 4096);
	for (int j = 0; j < got; j++) {
		int w = -1;

		if (tr[j].to_cond == ALARM_COND_NORMAL)
			continue;
		assert_true(tr[j].to_cond == ALARM_COND_LOW1 || tr[j].to_cond == ALARM_COND_LOW2);
		for (int i = 0; i < 16; i++)
			if (tr[j].source_ms >= starts[i] && tr[j].source_ms <= ends[i] + 5000)
				w = i;
		if (w < 0)
			fail_msg("FT-404 %s at %lld outside every anomaly window",
				 alarm_cond_name(tr[j].to_cond), (long long)tr[j].source_ms);
		hit[w] = true;
	}
	for (int i = 0; i < 16; i++) {
		windows_hit += hit[i];
		if (getenv("DEMO_MONITOR_VERBOSE"))
			printf("# window %d: %s\n", i, hit[i] ? "alarm" : "none");
	}
	/* data/monitor/demo/README.md: 12 of the 16 valve closures bring the flow to 30 L/min
	 * or below for the on delay; in runs 0, 2, 4 and 6 it stays above (minimum 31.0,
	 * 30.0025, 31.0, 30.0117 L/min in the window). */
	assert_int_equal(windows_hit, 12);
	assert_false(hit[0] || hit[2] || hit[4] || hit[6]);
	/* The other pump points never alarm on the recording (no transition at all). */
	assert_int_equal(run_recording(f->db, "PT-401", rows, n, tr, 4096), 0);
	assert_int_equal(run_recording(f->db, "TT-402", rows, n, tr, 4096), 0);
	assert_int_equal(run_recording(f->db, "TT-403", rows, n, tr, 4096), 0);
	free(rows);
	free(text);
	free(wtext);
}

static void test_player_thread(void **state)
{
	struct fx *f = *state;
	struct sink k = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct demo_player *pl = NULL;
	char data[1024];
	int64_t t0 = now_ms(), ft = 0, co = 0, end, ft_id, co_id;
	size_t n_ft = 0, n_co = 0;
	struct alarm_cfg c;

	point_cfg(f->db, "FT-404", &c, &ft_id);
	point_cfg(f->db, "AT-201", &c, &co_id);
	snprintf(data, sizeof(data), "%s/data", getenv("ANJIAN_SOURCE_ROOT"));
	assert_int_equal(demo_player_start(f->db, data, 3 * 3600 * 1000LL, sink_ingest, &k, &pl),
			 0);
	/* The 3 hours of history come at once: about 3 x 3600 readings of each pump point. */
	end = monotonic_ms() + 20000;
	while (demo_player_played(pl) < 4 * 10000 && monotonic_ms() < end)
		usleep(20000);
	usleep(300000);
	pthread_mutex_lock(&k.mu);
	for (size_t i = 0; i < k.n; i++) {
		assert_true(k.r[i].source_ms <= now_ms());
		assert_true(k.r[i].source_ms >= t0 - 3 * 3600 * 1000LL - 1000);
		if (k.r[i].point_id == ft_id) {
			n_ft++;
			if (ft)
				assert_true(k.r[i].source_ms > ft);
			ft = k.r[i].source_ms;
		} else if (k.r[i].point_id == co_id) {
			n_co++;
			co = k.r[i].source_ms;
		}
	}
	pthread_mutex_unlock(&k.mu);
	/* 1 s samples with short gaps between the recorded runs. */
	assert_true(n_ft > 10000 && n_ft <= 3 * 3600 + 1);
	/* Hourly CO: the recording's first three hours, both ends (0, 1, 2, 3 h). */
	assert_int_equal((int)n_co, 4);
	assert_true(co > 0);
	/* Then real speed: a reading a second. */
	size_t before = k.n;

	usleep(2500000);
	pthread_mutex_lock(&k.mu);
	assert_true(k.n >= before + 4 && k.n <= before + 4 * 4);
	pthread_mutex_unlock(&k.mu);
	demo_player_stop(pl);
	free(k.r);
}

static void test_player_without_demo(void **state)
{
	(void)state;
	struct db *db;
	struct demo_player *pl = NULL;
	char dir[] = "/tmp/anjian-demo-none-XXXXXX", path[128];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.db", dir);
	assert_int_equal(db_open(path, 1000, &db), 0);
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, NULL), 0);
	assert_int_equal(demo_player_start(db, "data", 1000, sink_ingest, NULL, &pl),
			 ERR_NOT_FOUND);
	assert_null(pl);
	db_close(db);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_track_due),
		cmocka_unit_test(test_track_play),
		cmocka_unit_test(test_track_play_failing_ingest),
		cmocka_unit_test_setup_teardown(test_gas_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pump_setpoints_on_the_recording, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_player_thread, setup, teardown),
		cmocka_unit_test(test_player_without_demo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
