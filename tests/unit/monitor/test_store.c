/* SPDX-License-Identifier: MIT */
/*
 * Tests of src/monitor/store.c and wal.c, the readings store of issue 6 §5, against real
 * files in a mkdtemp() directory (SQLite database with the migrations applied, and the
 * write-ahead log): round trips through the buffers, the flushed chunks and the log replay;
 * many points interleaved; windows across chunk boundaries and the live buffer; late
 * readings; minute aggregates and the resolution pick; retention; a torn or garbage log
 * tail; replay idempotence; segment roll and deletion at checkpoint; four concurrent
 * appenders (group commit, rolls while a sync is in flight); and the crash test: a child
 * appends in a loop and reports each acknowledged batch on a pipe, is SIGKILLed at a random
 * moment, and every acknowledged reading must be there exactly once after reopening.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "monitor/store.h"
#include "monitor/wal.h"
#include "core/banned.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

struct fx {
	char dir[256];
	char db_path[300];
	char wal_dir[300];
	struct store_config cfg;
	struct store *st;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

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
	struct db *db = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/anjian-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db_path, sizeof(f->db_path), "%s/anjian.db", f->dir);
	snprintf(f->wal_dir, sizeof(f->wal_dir), "%s/wal", f->dir);
	if (db_open(f->db_path, 1000, &db) != 0 ||
	    db_migrate(db, db_migrations, db_migrations_n, NULL) != 0)
		return -1;
	db_close(db);
	store_config_defaults(&f->cfg);
	f->cfg.db_path = f->db_path;
	f->cfg.wal_dir = f->wal_dir;
	f->cfg.chunk_points = 64;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void reopen(struct fx *f)
{
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(&f->cfg, &f->st), 0);
}

static struct wal_reading rd(int64_t point, int64_t t, double v)
{
	return (struct wal_reading){ .point_id = point, .source_ms = t, .value = v, .quality = 0 };
}

/* Reads point over [from, to) and checks it equals want[0..n) (source time, value). */
static void expect_rows(struct store *st, int64_t point, int64_t from, int64_t to,
			const struct wal_reading *want, size_t n)
{
	struct store_row *rows = NULL;
	size_t got = 0;

	assert_int_equal(store_read(st, point, from, to, &rows, &got), 0);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rows[i].source_ms, want[i].source_ms);
		assert_true(rows[i].value == want[i].value);
		assert_int_equal(rows[i].quality, want[i].quality);
		if (i > 0)
			assert_true(rows[i - 1].source_ms < rows[i].source_ms ||
				    (rows[i - 1].source_ms == rows[i].source_ms &&
				     rows[i - 1].seq < rows[i].seq));
	}
	free(rows);
}

static void test_store_round_trip_buffer_replay_and_checkpoint(void **state)
{
	struct fx *f = *state;
	struct wal_reading r[100];
	struct store_stats ss;
	uint64_t seq = 0;

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int i = 0; i < 40; i++) {
		r[i] = rd(7, T0 + i * 1000, 20.5 + i * 0.125);
		r[i].quality = (uint8_t)(i % 3 == 0 ? 192 : 0);
	}
	assert_int_equal(store_append(f->st, r, 40, &seq), 0);
	assert_int_equal(seq, 1);
	expect_rows(f->st, 7, T0, T0 + 40000, r, 40); /* from the buffer */
	reopen(f);				      /* replayed from the log */
	store_stats_get(f->st, &ss);
	assert_int_equal(ss.replayed, 40);
	expect_rows(f->st, 7, T0, T0 + 40000, r, 40);
	assert_int_equal(store_checkpoint(f->st), 0); /* flushed into a chunk */
	expect_rows(f->st, 7, T0, T0 + 40000, r, 40);
	reopen(f);
	store_stats_get(f->st, &ss);
	assert_int_equal(ss.replayed, 0);
	assert_int_equal(ss.checkpoint_seq, 40);
	expect_rows(f->st, 7, T0, T0 + 40000, r, 40);
	/* seqs go on after the checkpoint */
	assert_int_equal(store_append(f->st, r, 1, &seq), 0);
	assert_int_equal(seq, 41);
	/* an empty batch and an empty window */
	assert_int_equal(store_append(f->st, r, 0, NULL), ERR_INVALID);
	expect_rows(f->st, 7, T0 + 40000, T0 + 50000, r, 0);
}

static void test_store_many_points_interleaved(void **state)
{
	struct fx *f = *state;
	enum { POINTS = 50, PER = 700, BATCH = 500 };
	struct wal_reading *all = calloc(POINTS * PER, sizeof(*all));
	struct wal_reading want[PER];
	struct store_stats ss;
	size_t k = 0;

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int i = 0; i < PER; i++)
		for (int p = 0; p < POINTS; p++)
			all[k++] = rd(1000 + p, T0 + i * 1000 + p, p * 1000.0 + i / 8.0);
	for (size_t i = 0; i < k; i += BATCH)
		assert_int_equal(store_append(f->st, all + i, BATCH, NULL), 0);
	store_stats_get(f->st, &ss);
	assert_true(ss.chunks_flushed >= POINTS * (PER / 64));
	assert_true(ss.buffered > 0); /* 700 = 10 chunks of 64 + 60 in the buffers */
	for (int phase = 0; phase < 2; phase++) {
		for (int p = 0; p < POINTS; p++) {
			for (int i = 0; i < PER; i++)
				want[i] = all[(size_t)i * POINTS + (size_t)p];
			expect_rows(f->st, 1000 + p, T0, T0 + PER * 1000, want, PER);
		}
		reopen(f);
	}
	free(all);
}

static void test_store_windows_across_chunks_and_buffer(void **state)
{
	struct fx *f = *state;
	enum { N = 300 };
	struct wal_reading r[N];

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int i = 0; i < N; i++)
		r[i] = rd(3, T0 + i * 500, sin(i / 10.0));
	assert_int_equal(store_append(f->st, r, N, NULL), 0);
	/* 4 chunks of 64 flushed (0..255), 44 buffered (256..299) */
	for (int trial = 0; trial < 200; trial++) {
		int a = (int)(rnd() % N), b = (int)(rnd() % (N + 1));

		if (a > b) {
			int t = a;
			a = b;
			b = t;
		}
		expect_rows(f->st, 3, T0 + a * 500, T0 + b * 500, r + a, (size_t)(b - a));
	}
	/* bounds that are not on a reading: [from, to) by source time */
	expect_rows(f->st, 3, T0 + 63 * 500 + 1, T0 + 65 * 500 + 1, r + 64, 2);
	expect_rows(f->st, 3, T0 - 10, T0 + N * 500, r, N);
	expect_rows(f->st, 4, T0, T0 + N * 500, r, 0); /* another point */
}

static void test_store_late_readings_merge_in_order(void **state)
{
	struct fx *f = *state;
	struct wal_reading r[200], want[210];
	struct store_row *rows = NULL;
	size_t n = 0;

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int i = 0; i < 200; i++)
		r[i] = rd(9, T0 + i * 1000, i);
	assert_int_equal(store_append(f->st, r, 200, NULL), 0);
	/* late readings: older than everything flushed, one between, two at equal times */
	struct wal_reading late[4] = { rd(9, T0 - 5000, -5), rd(9, T0 + 10500, 10.5),
				       rd(9, T0 + 20000, 1020), rd(9, T0 + 20000, 2020) };
	assert_int_equal(store_append(f->st, late, 4, NULL), 0);
	assert_int_equal(store_checkpoint(f->st), 0);
	assert_int_equal(store_read(f->st, 9, T0 - 10000, T0 + 200000, &rows, &n), 0);
	assert_int_equal(n, 204);
	assert_int_equal(rows[0].source_ms, T0 - 5000);
	assert_true(rows[12].value == 10.5);
	/* the same source time: by arrival, the earlier reading first */
	assert_int_equal(rows[22].source_ms, T0 + 20000);
	assert_true(rows[22].value == 20 && rows[23].value == 1020 && rows[24].value == 2020);
	assert_true(rows[23].seq < rows[24].seq);
	free(rows);
	/* a late reading far in the past (> the chunk span) */
	struct wal_reading old = rd(9, T0 - 10 * 86400000LL, 42);
	assert_int_equal(store_append(f->st, &old, 1, NULL), 0);
	reopen(f);
	want[0] = old;
	expect_rows(f->st, 9, T0 - 11 * 86400000LL, T0 - 86400000LL, want, 1);
	assert_int_equal(store_checkpoint(f->st), 0);
	expect_rows(f->st, 9, T0 - 11 * 86400000LL, T0 - 86400000LL, want, 1);
}

static void test_store_minute_aggregates_and_resolution(void **state)
{
	struct fx *f = *state;
	struct wal_reading r[180];
	struct store_minute *m = NULL;
	enum store_resolution res;
	size_t n = 0;

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	/* three minutes of one reading a second: minute k holds k*100 + 0..59, and a NaN */
	for (int i = 0; i < 180; i++)
		r[i] = rd(5, T0 + i * 1000, (i / 60) * 100 + i % 60);
	r[30].value = NAN; /* sensor fault: stored raw, not aggregated */
	assert_int_equal(store_append(f->st, r, 180, NULL), 0);
	/* 2 chunks of 64 flushed; the rest (128..179) is in the buffer */
	assert_int_equal(store_minutes(f->st, 5, T0 + 1, T0 + 180000, &m, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m[0].minute_ms, T0);
	assert_int_equal(m[0].n, 59);
	assert_true(m[0].min == 0 && m[0].max == 59 && m[0].sum == 1770 - 30);
	assert_int_equal(m[1].minute_ms, T0 + 60000);
	assert_int_equal(m[1].n, 60); /* split between a chunk and the buffer */
	assert_true(m[1].min == 100 && m[1].max == 159 && m[1].sum == 6000 + 1770);
	assert_true(m[2].min == 200 && m[2].max == 259 && m[2].n == 60);
	free(m);
	assert_int_equal(store_checkpoint(f->st), 0);
	assert_int_equal(store_minutes(f->st, 5, T0 + 60000, T0 + 120000, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_true(m[0].n == 60 && m[0].sum == 6000 + 1770);
	free(m);
	/* the resolution: 180 readings in the window */
	assert_int_equal(store_pick_resolution(f->st, 5, T0, T0 + 180000, 200, &res), 0);
	assert_int_equal(res, STORE_RESOLUTION_RAW);
	assert_int_equal(store_pick_resolution(f->st, 5, T0, T0 + 180000, 100, &res), 0);
	assert_int_equal(res, STORE_RESOLUTION_MINUTE);
}

static int64_t count_rows(struct fx *f, const char *sql)
{
	struct db *db = NULL;
	int64_t v = -1;

	assert_int_equal(db_open(f->db_path, 1000, &db), 0);
	assert_int_equal(db_step_i64(db_stmt_dyn(db, sql), &v), 0);
	db_close(db);
	return v;
}

static void test_store_retention_drops_old_chunks_and_minutes(void **state)
{
	struct fx *f = *state;
	struct wal_reading r[64];
	int64_t now = T0 + 800LL * 86400000LL, dc = -1, dm = -1;

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	/* readings 1000, 100, 10 and 1 days old */
	const int64_t ages[4] = { 1000, 100, 10, 1 };
	for (int a = 0; a < 4; a++) {
		for (int i = 0; i < 64; i++)
			r[i] = rd(11, now - ages[a] * 86400000LL + i * 1000, a);
		assert_int_equal(store_append(f->st, r, 64, NULL), 0);
	}
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM reading_chunk"), 4);
	assert_int_equal(store_retention(f->st, now, &dc, &dm), 0);
	/* raw kept 30 days, minutes 730 days (the defaults) */
	assert_int_equal(dc, 2);
	assert_int_equal(dm, 2); /* the 1000-day-old reading's two minutes */
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM reading_chunk"), 2);
	assert_int_equal(count_rows(f, "SELECT COUNT(*) FROM reading_minute"), 6);
	expect_rows(f->st, 11, now - 101LL * 86400000LL, now - 99LL * 86400000LL, r, 0);
	expect_rows(f->st, 11, now - 86400000LL, now, r, 64);
}

/* Path of the last log segment. */
static void last_segment(struct fx *f, char *out, size_t n)
{
	DIR *d = opendir(f->wal_dir);
	struct dirent *e;
	char best[64] = "";

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strlen(e->d_name) == 24 && strstr(e->d_name, ".wal") != NULL &&
		    strcmp(e->d_name, best) > 0)
			memcpy(best, e->d_name, 25);
	closedir(d);
	assert_true(best[0] != '\0');
	snprintf(out, n, "%s/%s", f->wal_dir, best);
}

static off_t file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void test_store_torn_tail_truncated(void **state)
{
	struct fx *f = *state;
	struct wal_reading r[10];
	char seg[512];
	off_t good;
	int fd;

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int i = 0; i < 10; i++)
		r[i] = rd(2, T0 + i, i);
	assert_int_equal(store_append(f->st, r, 10, NULL), 0);
	store_close(f->st);
	f->st = NULL;
	last_segment(f, seg, sizeof(seg));
	good = file_size(seg);

	/* garbage after the last record */
	fd = open(seg, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	for (int i = 0; i < 300; i++) {
		uint8_t b = (uint8_t)rnd();
		assert_int_equal(write(fd, &b, 1), 1);
	}
	close(fd);
	reopen(f);
	assert_int_equal(file_size(seg), good);
	expect_rows(f->st, 2, T0, T0 + 10, r, 10);

	/* a torn record: the second batch cut short by 7 bytes */
	assert_int_equal(store_append(f->st, r, 5, NULL), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(truncate(seg, file_size(seg) - 7), 0);
	reopen(f);
	assert_int_equal(file_size(seg), good);
	expect_rows(f->st, 2, T0, T0 + 10, r, 10);

	/* a record whose payload was overwritten (valid length, bad CRC) */
	assert_int_equal(store_append(f->st, r + 5, 5, NULL), 0);
	store_close(f->st);
	f->st = NULL;
	fd = open(seg, O_WRONLY);
	assert_int_equal(pwrite(fd, "\xff\xff", 2, good + 40), 2);
	close(fd);
	reopen(f);
	assert_int_equal(file_size(seg), good);
	expect_rows(f->st, 2, T0, T0 + 10, r, 10);
	/* appends go on after the truncation, and survive another reopen */
	assert_int_equal(store_append(f->st, r, 3, NULL), 0);
	reopen(f);
	{
		struct store_row *rows = NULL;
		size_t n = 0;

		assert_int_equal(store_read(f->st, 2, T0, T0 + 10, &rows, &n), 0);
		assert_int_equal(n, 13);
		free(rows);
	}
}

static void test_store_replay_is_idempotent_after_flush(void **state)
{
	struct fx *f = *state;
	struct wal_reading r[100];
	struct store_stats ss;

	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int i = 0; i < 100; i++)
		r[i] = rd(i % 2 ? 21 : 22, T0 + i * 10, i);
	assert_int_equal(store_append(f->st, r, 100, NULL), 0);
	/* flushed by age (no checkpoint): SQLite and the log both hold the readings */
	assert_int_equal(store_tick(f->st, T0 + 100LL * 86400000LL * 365), 0);
	store_stats_get(f->st, &ss);
	assert_int_equal(ss.buffered, 0);
	for (int k = 0; k < 2; k++) {
		reopen(f);
		store_stats_get(f->st, &ss);
		assert_int_equal(ss.replayed, 0);
		assert_int_equal(ss.replay_skipped, 100);
		assert_int_equal(ss.buffered, 0);
		{
			struct store_row *rows = NULL;
			size_t n = 0;

			assert_int_equal(store_read(f->st, 21, T0, T0 + 1000, &rows, &n), 0);
			assert_int_equal(n, 50);
			free(rows);
		}
	}
}

static void test_store_segments_roll_and_drop_at_checkpoint(void **state)
{
	struct fx *f = *state;
	struct wal_reading r[200];
	size_t segs = 0;
	DIR *d;
	struct dirent *e;

	f->cfg.segment_bytes = 8192;
	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int i = 0; i < 200; i++)
		r[i] = rd(31, T0 + i, i);
	for (int k = 0; k < 10; k++) /* 10 records of 5 kB: a segment each, about */
		assert_int_equal(store_append(f->st, r, 200, NULL), 0);
	reopen(f);
	assert_int_equal(store_checkpoint(f->st), 0);
	d = opendir(f->wal_dir);
	while ((e = readdir(d)) != NULL)
		segs += strstr(e->d_name, ".wal") != NULL;
	closedir(d);
	assert_int_equal(segs, 1); /* only the new, empty one */
	reopen(f);
	{
		struct store_row *rows = NULL;
		size_t n = 0;

		assert_int_equal(store_read(f->st, 31, T0, T0 + 200, &rows, &n), 0);
		assert_int_equal(n, 2000);
		free(rows);
	}
}

struct appender {
	struct store *st;
	int64_t point;
};

static void *append_loop(void *p)
{
	struct appender *a = p;
	struct wal_reading r[50];

	for (int b = 0; b < 40; b++) {
		for (int i = 0; i < 50; i++)
			r[i] = rd(a->point, T0 + (b * 50 + i) * 1000, b * 50 + i);
		if (store_append(a->st, r, 50, NULL) != 0)
			return p; /* reported by the caller */
	}
	return NULL;
}

static void test_store_concurrent_appenders_share_syncs(void **state)
{
	struct fx *f = *state;
	pthread_t th[4];
	struct appender a[4];
	struct store_stats ss;

	f->cfg.segment_bytes = 16384; /* rolls while others wait for a sync */
	assert_int_equal(store_open(&f->cfg, &f->st), 0);
	for (int k = 0; k < 4; k++) {
		a[k] = (struct appender){ f->st, 100 + k };
		assert_int_equal(pthread_create(&th[k], NULL, append_loop, &a[k]), 0);
	}
	for (int k = 0; k < 4; k++) {
		void *ret = &ret;

		assert_int_equal(pthread_join(th[k], &ret), 0);
		assert_null(ret);
	}
	store_stats_get(f->st, &ss);
	assert_int_equal(ss.batches, 160);
	assert_true(ss.syncs <= ss.batches);
	print_message("# 4 appenders: %llu batches, %llu fdatasync\n",
		      (unsigned long long)ss.batches, (unsigned long long)ss.syncs);
	for (int phase = 0; phase < 2; phase++) {
		for (int k = 0; k < 4; k++) {
			struct store_row *rows = NULL;
			size_t n = 0;

			assert_int_equal(
				store_read(f->st, 100 + k, T0, T0 + 2000 * 1000, &rows, &n), 0);
			assert_int_equal(n, 2000);
			for (size_t i = 0; i < n; i++)
				assert_true(rows[i].value == (double)i);
			free(rows);
		}
		reopen(f);
	}
}

/* ---- the crash test ---- */

#define CRASH_POINTS 20

struct ack {
	int64_t first; /* reading index: value = index, point = index % CRASH_POINTS */
	int64_t n;
};

static void crash_child(struct fx *f, int wfd, int64_t base, uint64_t seed)
{
	struct wal_reading r[300];
	struct store *st = NULL;
	int64_t idx = base;

	rng = seed;
	if (store_open(&f->cfg, &st) != 0)
		_exit(3);
	for (uint64_t loop = 0;; loop++) {
		int64_t n = 1 + (int64_t)(rnd() % 300);
		struct ack a = { idx, n };

		for (int64_t i = 0; i < n; i++, idx++) {
			/* one in 16 late (an hour back) */
			int64_t t =
				T0 + (idx / CRASH_POINTS) * 1000 - (rnd() % 16 == 0 ? 3600000 : 0);

			r[i] = rd(idx % CRASH_POINTS, t, (double)idx);
		}
		if (store_append(st, r, (size_t)n, NULL) != 0)
			_exit(4);
		if (write(wfd, &a, sizeof(a)) != (ssize_t)sizeof(a))
			_exit(5);
		if (loop % 37 == 36 && store_checkpoint(st) != 0)
			_exit(6);
		if (loop % 11 == 10 && store_tick(st, INT64_MAX / 2) != 0)
			_exit(7);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_store_crash_keeps_every_acknowledged_reading_once(void **state)
{
	struct fx *f = *state;
	struct ack *acks = NULL;
	size_t nacks = 0, capacks = 0;
	int64_t acked_readings = 0;

	f->cfg.segment_bytes = 64 * 1024; /* several rolls per run */
	for (int it = 0; it < 4; it++) {
		int fds[2], status;
		pid_t pid;
		struct ack a;
		struct timespec ts;
		int64_t *vals = NULL;
		size_t nvals = 0;

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			crash_child(f, fds[1], (int64_t)it * 100000000LL,
				    0x1234567ull + (uint64_t)it);
		}
		close(fds[1]);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(100 + rnd() % 400) * 1000000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status)); /* not an early exit of the child */
		while (read(fds[0], &a, sizeof(a)) == (ssize_t)sizeof(a)) {
			if (nacks == capacks) {
				capacks = capacks ? capacks * 2 : 1024;
				acks = realloc(acks, capacks * sizeof(*acks));
			}
			acks[nacks++] = a;
			acked_readings += a.n;
		}
		close(fds[0]);

		assert_int_equal(store_open(&f->cfg, &f->st), 0);
		for (int p = 0; p < CRASH_POINTS; p++) {
			struct store_row *rows = NULL;
			size_t n = 0;

			assert_int_equal(
				store_read(f->st, p, INT64_MIN / 2, INT64_MAX / 2, &rows, &n), 0);
			vals = realloc(vals, (nvals + n + 1) * sizeof(*vals));
			for (size_t i = 0; i < n; i++) {
				vals[nvals++] = (int64_t)rows[i].value;
				assert_int_equal((int64_t)rows[i].value % CRASH_POINTS, p);
			}
			free(rows);
		}
		qsort(vals, nvals, sizeof(*vals), cmp_i64);
		for (size_t i = 1; i < nvals; i++)
			assert_true(vals[i - 1] != vals[i]); /* never twice */
		for (size_t k = 0; k < nacks; k++)
			for (int64_t j = 0; j < acks[k].n; j++) {
				int64_t want = acks[k].first + j;

				assert_non_null(
					bsearch(&want, vals, nvals, sizeof(*vals), cmp_i64));
			}
		print_message("# crash run %d: %zu readings stored, %lld acknowledged so far\n", it,
			      nvals, (long long)acked_readings);
		free(vals);
		store_close(f->st); /* the next child recovers from here */
		f->st = NULL;
	}
	assert_true(acked_readings > 0);
	free(acks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_round_trip_buffer_replay_and_checkpoint,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_many_points_interleaved, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_windows_across_chunks_and_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_late_readings_merge_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_minute_aggregates_and_resolution, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_retention_drops_old_chunks_and_minutes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_torn_tail_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_replay_is_idempotent_after_flush, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_segments_roll_and_drop_at_checkpoint,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_concurrent_appenders_share_syncs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_store_crash_keeps_every_acknowledged_reading_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
