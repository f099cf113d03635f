/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/modbus.c: the conversion of every register type at its limits
 * (Modbus application protocol V1.1b3 §4.2: registers big-endian; 32-bit values high word
 * first, docs/monitoring.md "Modbus"), scale and offset, and the poller against a real
 * libmodbus TCP server (tests/tools/modbus_sim, path in MODBUS_SIM): the readings handed to a
 * fake ingest callback, a Modbus exception as a bad reading, an outage (the server stops
 * answering) giving no readings and counted once, and the recovery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <ftw.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "db/db.h"
#include "db/migrate.h"
#include "monitor/modbus.h"
#include "core/banned.h"

static void test_convert_u16(void **state)
{
	(void)state;
	uint16_t r[1] = { 0 };

	assert_true(modbus_convert(MODBUS_U16, r, 1, 0) == 0.0);
	r[0] = 65535;
	assert_true(modbus_convert(MODBUS_U16, r, 1, 0) == 65535.0);
	r[0] = 0x8000;
	assert_true(modbus_convert(MODBUS_U16, r, 1, 0) == 32768.0);
}

static void test_convert_i16(void **state)
{
	(void)state;
	uint16_t r[1] = { 0x8000 };

	assert_true(modbus_convert(MODBUS_I16, r, 1, 0) == -32768.0);
	r[0] = 0x7fff;
	assert_true(modbus_convert(MODBUS_I16, r, 1, 0) == 32767.0);
	r[0] = 0xffff;
	assert_true(modbus_convert(MODBUS_I16, r, 1, 0) == -1.0);
}

static void test_convert_u32_high_word_first(void **state)
{
	(void)state;
	uint16_t r[2] = { 0xffff, 0xffff };

	assert_true(modbus_convert(MODBUS_U32, r, 1, 0) == 4294967295.0);
	r[0] = 0x0001;
	r[1] = 0x0000;
	assert_true(modbus_convert(MODBUS_U32, r, 1, 0) == 65536.0); /* high word first */
	r[0] = 0x0000;
	r[1] = 0x0001;
	assert_true(modbus_convert(MODBUS_U32, r, 1, 0) == 1.0);
	r[1] = 0;
	assert_true(modbus_convert(MODBUS_U32, r, 1, 0) == 0.0);
}

static void test_convert_i32(void **state)
{
	(void)state;
	uint16_t r[2] = { 0x8000, 0x0000 };

	assert_true(modbus_convert(MODBUS_I32, r, 1, 0) == -2147483648.0);
	r[0] = 0x7fff;
	r[1] = 0xffff;
	assert_true(modbus_convert(MODBUS_I32, r, 1, 0) == 2147483647.0);
	r[0] = 0xffff;
	assert_true(modbus_convert(MODBUS_I32, r, 1, 0) == -1.0);
}

static void test_convert_f32(void **state)
{
	(void)state;
	/* IEEE 754 binary32: 0x3FC00000 = 1.5, 0xC2F6E979 = -123.456, 0x7F7FFFFF = FLT_MAX. */
	uint16_t r[2] = { 0x3fc0, 0x0000 };

	assert_true(modbus_convert(MODBUS_F32, r, 1, 0) == 1.5);
	r[0] = 0xc2f6;
	r[1] = 0xe979;
	assert_float_equal(modbus_convert(MODBUS_F32, r, 1, 0), -123.456, 1e-4);
	r[0] = 0x7f7f;
	r[1] = 0xffff;
	assert_float_equal(modbus_convert(MODBUS_F32, r, 1, 0), 3.4028234663852886e38, 1e31);
	r[0] = 0x0000;
	r[1] = 0x0001; /* the smallest subnormal */
	assert_true(modbus_convert(MODBUS_F32, r, 1, 0) > 0.0);
	r[0] = 0x7fc0; /* NaN */
	r[1] = 0x0000;
	assert_true(isnan(modbus_convert(MODBUS_F32, r, 1, 0)));
	r[0] = 0x7f80; /* +infinity */
	assert_true(isnan(modbus_convert(MODBUS_F32, r, 1, 0)));
	r[0] = 0xff80; /* -infinity */
	assert_true(isnan(modbus_convert(MODBUS_F32, r, 1, 0)));
}

static void test_convert_scale_offset(void **state)
{
	(void)state;
	/* A 4-20 mA transmitter's 0..4000 counts as 0..100 %LEL: scale 0.025. */
	uint16_t r[2] = { 4000, 0 };

	assert_float_equal(modbus_convert(MODBUS_U16, r, 0.025, 0), 100.0, 1e-9);
	r[0] = 800;
	assert_float_equal(modbus_convert(MODBUS_U16, r, 0.025, 0), 20.0, 1e-9);
	/* A temperature in tenths of a degree with -40 offset: 0x0190 = 400 -> 0 °C. */
	r[0] = 400;
	assert_float_equal(modbus_convert(MODBUS_I16, r, 0.1, -40), 0.0, 1e-9);
	/* Scale 0 gives the offset. */
	assert_true(modbus_convert(MODBUS_U16, r, 0, 7) == 7.0);
}

static void test_parse(void **state)
{
	(void)state;
	enum modbus_reg_type t;
	enum modbus_reg_kind k;

	assert_int_equal(modbus_reg_type_parse("u16", &t), 0);
	assert_int_equal(t, MODBUS_U16);
	assert_int_equal(modbus_reg_type_parse("f32", &t), 0);
	assert_int_equal(t, MODBUS_F32);
	assert_int_equal(modbus_reg_count(MODBUS_F32), 2);
	assert_int_equal(modbus_reg_count(MODBUS_I16), 1);
	assert_int_equal(modbus_reg_type_parse("U16", &t), ERR_INVALID);
	assert_int_equal(modbus_reg_type_parse("f64", &t), ERR_INVALID);
	assert_int_equal(modbus_reg_type_parse(NULL, &t), ERR_INVALID);
	assert_int_equal(modbus_reg_kind_parse("input", &k), 0);
	assert_int_equal(k, MODBUS_INPUT);
	assert_int_equal(modbus_reg_kind_parse("holding", &k), 0);
	assert_int_equal(k, MODBUS_HOLDING);
	assert_int_equal(modbus_reg_kind_parse("coil", &k), ERR_INVALID);
}

/* --- the poller against the simulator --- */

struct sim {
	pid_t pid;
	FILE *in, *out;
	int port;
};

static void sim_start(struct sim *s)
{
	const char *path = getenv("MODBUS_SIM");
	int to[2], from[2];
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"modbus_sim", NULL };
	char line[64];

	if (path == NULL)
		fail_msg("MODBUS_SIM is not set (tests/meson.build sets it)");
	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, to[0], 0);
	posix_spawn_file_actions_adddup2(&fa, from[1], 1);
	posix_spawn_file_actions_addclose(&fa, to[1]);
	posix_spawn_file_actions_addclose(&fa, from[0]);
	assert_int_equal(posix_spawn(&s->pid, path, &fa, NULL, argv, NULL), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(to[0]);
	close(from[1]);
	s->in = fdopen(to[1], "w");
	s->out = fdopen(from[0], "r");
	assert_non_null(fgets(line, sizeof(line), s->out));
	assert_int_equal(sscanf(line, "port %d", &s->port), 1);
}

static void sim_cmd(struct sim *s, const char *cmd)
{
	char line[64];

	fprintf(s->in, "%s\n", cmd);
	fflush(s->in);
	assert_non_null(fgets(line, sizeof(line), s->out));
	assert_string_equal(line, "ok\n");
}

static void sim_set(struct sim *s, char kind, int addr, unsigned v)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "%c %d %u", kind, addr, v);
	sim_cmd(s, cmd);
}

static void sim_stop(struct sim *s)
{
	int st;

	fprintf(s->in, "quit\n");
	fclose(s->in);
	fclose(s->out);
	waitpid(s->pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The fake ingest: keeps the latest batch. */
struct sink {
	pthread_mutex_t mu;
	monitor_reading last[16];
	size_t n;
	int batches;
};

static int sink_ingest(void *ctx, const monitor_reading *r, size_t n)
{
	struct sink *k = ctx;

	pthread_mutex_lock(&k->mu);
	memcpy(k->last, r, n * sizeof(*r));
	k->n = n;
	k->batches++;
	pthread_mutex_unlock(&k->mu);
	return 0;
}

/* Waits up to 5 s for at least `want` batches; returns the count seen. */
static int sink_wait(struct sink *k, int want)
{
	int64_t end = monotonic_ms() + 5000;
	int n;

	for (;;) {
		pthread_mutex_lock(&k->mu);
		n = k->batches;
		pthread_mutex_unlock(&k->mu);
		if (n >= want || monotonic_ms() > end)
			return n;
		usleep(20000);
	}
}

static double value_of(struct sink *k, int64_t point_id, uint8_t *q)
{
	double v = -999;

	pthread_mutex_lock(&k->mu);
	for (size_t i = 0; i < k->n; i++)
		if (k->last[i].point_id == point_id) {
			v = k->last[i].value;
			*q = k->last[i].quality;
		}
	pthread_mutex_unlock(&k->mu);
	return v;
}

static void test_poller_reads_every_type(void **state)
{
	(void)state;
	struct sim s;
	struct sink k = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct modbus_point pts[] = {
		{ 1, MODBUS_HOLDING, 0, MODBUS_U16, 1, 0 },
		{ 2, MODBUS_HOLDING, 1, MODBUS_I16, 1, 0 },
		{ 3, MODBUS_INPUT, 0, MODBUS_U32, 1, 0 },
		{ 4, MODBUS_INPUT, 2, MODBUS_I32, 1, 0 },
		{ 5, MODBUS_HOLDING, 10, MODBUS_F32, 1, 0 },
		{ 6, MODBUS_INPUT, 20, MODBUS_U16, 0.025, 0 },
		{ 7, MODBUS_HOLDING, 999, MODBUS_U32, 1, 0 }, /* 999 + 1000: exception */
	};
	struct modbus_device dev = { .id = 9, .unit_id = 1, .poll_ms = 100 };
	struct modbus_poller *p;
	struct modbus_poller_stats st;
	uint8_t q = 9;
	int64_t t0 = now_ms();
	int seen;

	sim_start(&s);
	sim_set(&s, 'h', 0, 65535);
	sim_set(&s, 'h', 1, 0x8000);
	sim_set(&s, 'i', 0, 0xffff);
	sim_set(&s, 'i', 1, 0xffff);
	sim_set(&s, 'i', 2, 0x8000);
	sim_set(&s, 'i', 3, 0x0000);
	sim_set(&s, 'h', 10, 0xc2f6);
	sim_set(&s, 'h', 11, 0xe979);
	sim_set(&s, 'i', 20, 800);
	snprintf(dev.host, sizeof(dev.host), "127.0.0.1");
	dev.port = s.port;
	dev.points = pts;
	dev.n_points = sizeof(pts) / sizeof(pts[0]);
	assert_int_equal(modbus_poller_start(&dev, sink_ingest, &k, &p), 0);
	assert_true(sink_wait(&k, 2) >= 2);

	assert_int_equal((int)k.n, 7);
	assert_true(value_of(&k, 1, &q) == 65535.0 && q == 0);
	assert_true(value_of(&k, 2, &q) == -32768.0 && q == 0);
	assert_true(value_of(&k, 3, &q) == 4294967295.0 && q == 0);
	assert_true(value_of(&k, 4, &q) == -2147483648.0 && q == 0);
	assert_float_equal(value_of(&k, 5, &q), -123.456, 1e-4);
	assert_float_equal(value_of(&k, 6, &q), 20.0, 1e-9);
	assert_true(isnan(value_of(&k, 7, &q)) && q == 2); /* exception: a bad reading */
	/* One source time per poll, the poll's own. */
	assert_true(k.last[0].source_ms >= t0 && k.last[0].source_ms == k.last[6].source_ms);

	/* A new value reaches the next poll. */
	sim_set(&s, 'h', 0, 0);
	seen = k.batches;
	assert_true(sink_wait(&k, seen + 2) >= seen + 2);
	assert_true(value_of(&k, 1, &q) == 0.0);

	/* The server stops answering: no readings, one outage. */
	sim_cmd(&s, "mute");
	usleep(400000); /* a poll in flight may still complete */
	seen = sink_wait(&k, 0);
	usleep(800000);
	assert_int_equal(sink_wait(&k, 0), seen);
	modbus_poller_stats_get(p, &st);
	assert_true(st.down);
	assert_int_equal((int)st.outages, 1);
	assert_true(st.polls_failed >= 1);

	/* It answers again: readings resume, the outage ends. */
	sim_cmd(&s, "unmute");
	assert_true(sink_wait(&k, seen + 1) >= seen + 1);
	modbus_poller_stats_get(p, &st);
	assert_false(st.down);
	assert_int_equal((int)st.outages, 1);
	modbus_poller_stop(p);
	sim_stop(&s);
}

static void test_poller_no_server(void **state)
{
	(void)state;
	struct sink k = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct modbus_point pt = { 1, MODBUS_HOLDING, 0, MODBUS_U16, 1, 0 };
	struct modbus_device dev = {
		.id = 1, .unit_id = 1, .poll_ms = 100, .points = &pt, .n_points = 1
	};
	struct modbus_poller *p;
	struct modbus_poller_stats st;
	int64_t t0;

	snprintf(dev.host, sizeof(dev.host), "127.0.0.1");
	dev.port = 1; /* nothing listens on tcpmux */
	assert_int_equal(modbus_poller_start(&dev, sink_ingest, &k, &p), 0);
	usleep(1000000);
	modbus_poller_stats_get(p, &st);
	assert_int_equal(k.batches, 0);
	assert_int_equal((int)st.outages, 1);
	/* Backoff doubles from 100 ms: 100+200+400 (+800 ...) -> at most 4 attempts in 1 s. */
	assert_true(st.polls_failed >= 2 && st.polls_failed <= 4);
	t0 = monotonic_ms();
	modbus_poller_stop(p); /* wakes the backoff wait at once */
	assert_true(monotonic_ms() - t0 < 500);
}

static void test_poller_rejects_bad_device(void **state)
{
	(void)state;
	struct modbus_point pt = { 1, MODBUS_HOLDING, 0, MODBUS_U16, 1, 0 };
	struct modbus_device dev = {
		.id = 1, .port = 502, .unit_id = 1, .poll_ms = 100, .points = &pt, .n_points = 1
	};
	struct modbus_poller *p = NULL;

	snprintf(dev.host, sizeof(dev.host), "127.0.0.1");
	dev.poll_ms = 99;
	assert_int_equal(modbus_poller_start(&dev, sink_ingest, NULL, &p), ERR_INVALID);
	dev.poll_ms = 100;
	dev.unit_id = 248;
	assert_int_equal(modbus_poller_start(&dev, sink_ingest, NULL, &p), ERR_INVALID);
	dev.unit_id = 1;
	dev.port = 65536;
	assert_int_equal(modbus_poller_start(&dev, sink_ingest, NULL, &p), ERR_INVALID);
	dev.port = 502;
	dev.n_points = 0;
	assert_int_equal(modbus_poller_start(&dev, sink_ingest, NULL, &p), ERR_INVALID);
	dev.n_points = 1;
	dev.host[0] = '\0';
	assert_int_equal(modbus_poller_start(&dev, sink_ingest, NULL, &p), ERR_INVALID);
	assert_null(p);
}

/* --- the set of pollers over a database --- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void exec_sql(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != 0)
		fail_msg("%s", sql);
}

static void test_set_loads_and_reloads(void **state)
{
	(void)state;
	char dir[] = "/tmp/anjian-modbus-XXXXXX", path[128], sql[512];
	struct db *db;
	struct sim s;
	struct sink k = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct modbus_set *set = NULL;
	struct modbus_device dev;
	uint8_t q;
	int seen;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.db", dir);
	assert_int_equal(db_open(path, 1000, &db), 0);
	assert_int_equal(db_migrate(db, db_migrations, db_migrations_n, NULL), 0);
	exec_sql(db, "PRAGMA foreign_keys = OFF"); /* no enterprise row needed here */
	sim_start(&s);
	sim_set(&s, 'h', 5, 1234);
	/* Device 1: modbus, two mapped points (one inactive) and one without a map. */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO monitor_device (id, enterprise_id, name, protocol, host, port, "
		 "unit_id, poll_ms, active, created_ms, updated_ms) VALUES (1, 1, 'PLC', 'modbus', "
		 "'127.0.0.1', %d, NULL, 100, 1, 0, 0)",
		 s.port);
	exec_sql(db, sql);
	exec_sql(db, "INSERT INTO monitor_device (id, enterprise_id, name, protocol, active, "
		     "created_ms, updated_ms) VALUES (2, 1, 'MQTT box', 'mqtt', 1, 0, 0)");
	exec_sql(
		db,
		"INSERT INTO monitor_point (id, enterprise_id, device_id, tag, name, kind, "
		"unit, range_lo, range_hi, reg_kind, reg_addr, reg_type, reg_scale, reg_offset, "
		"active, created_ms, updated_ms) VALUES "
		"(11, 1, 1, 'A', 'A', 'level', 'm', 0, 100, 'holding', 5, 'u16', 0.01, 1, 1, 0, 0),"
		"(12, 1, 1, 'B', 'B', 'level', 'm', 0, 100, 'holding', 6, 'u16', 1, 0, 0, 0, 0),"
		"(13, 1, 1, 'C', 'C', 'level', 'm', 0, 100, NULL, NULL, NULL, 1, 0, 1, 0, 0),"
		"(21, 1, 2, 'D', 'D', 'level', 'm', 0, 100, 'holding', 7, 'u16', 1, 0, 1, 0, 0)");

	/* The map: active points with reg_kind, reg_addr and reg_type only; defaults filled. */
	assert_int_equal(modbus_device_load(db, 1, &dev), 0);
	assert_int_equal((int)dev.n_points, 1);
	assert_true(dev.points[0].point_id == 11 && dev.points[0].addr == 5);
	assert_true(dev.port == s.port && dev.unit_id == 1 && dev.poll_ms == 100);
	modbus_device_wipe(&dev);
	assert_int_equal(modbus_device_load(db, 2, &dev), ERR_NOT_FOUND); /* not modbus */
	assert_int_equal(modbus_device_load(db, 3, &dev), ERR_NOT_FOUND); /* no such device */

	assert_int_equal(modbus_set_start(db, sink_ingest, &k, &set), 0);
	assert_int_equal((int)modbus_set_count(set), 1);
	assert_true(sink_wait(&k, 1) >= 1);
	assert_float_equal(value_of(&k, 11, &q), 13.34, 1e-9); /* 1234 x 0.01 + 1 */
	assert_int_equal((int)k.n, 1);

	/* A point activated: the reload polls it too. */
	exec_sql(db, "UPDATE monitor_point SET active = 1 WHERE id = 12");
	assert_int_equal(modbus_device_changed(set, db, 1), 0);
	assert_int_equal((int)modbus_set_count(set), 1);
	seen = sink_wait(&k, 0);
	assert_true(sink_wait(&k, seen + 2) >= seen + 2);
	assert_int_equal((int)k.n, 2);

	/* The device deactivated: its poller stops, no more readings. */
	exec_sql(db, "UPDATE monitor_device SET active = 0 WHERE id = 1");
	assert_int_equal(modbus_device_changed(set, db, 1), 0);
	assert_int_equal((int)modbus_set_count(set), 0);
	seen = sink_wait(&k, 0);
	usleep(400000);
	assert_int_equal(sink_wait(&k, 0), seen);
	/* A change of a device that is not modbus starts nothing; NULL set: Modbus off. */
	assert_int_equal(modbus_device_changed(set, db, 2), 0);
	assert_int_equal((int)modbus_set_count(set), 0);
	assert_int_equal(modbus_device_changed(NULL, db, 1), 0);
	assert_int_equal((int)modbus_set_count(NULL), 0);

	modbus_set_stop(set);
	sim_stop(&s);
	db_close(db);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert_u16),
		cmocka_unit_test(test_convert_i16),
		cmocka_unit_test(test_convert_u32_high_word_first),
		cmocka_unit_test(test_convert_i32),
		cmocka_unit_test(test_convert_f32),
		cmocka_unit_test(test_convert_scale_offset),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_poller_reads_every_type),
		cmocka_unit_test(test_poller_no_server),
		cmocka_unit_test(test_poller_rejects_bad_device),
		cmocka_unit_test(test_set_loads_and_reloads),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
