/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the readings store (src/monitor/store.h, issue 6 §5) against plain SQLite
 * inserts, in the same run, on the same disk. Not run by make test; build and run by hand:
 *
 *   ninja -C build bench_store && build/bench_store [READINGS] [POINTS] [DIR]
 *
 * READINGS (default 2,000,000) readings spread round-robin over POINTS (default 10,000)
 * points, one a second of source time each, values a random walk with 3 decimals, generated
 * before timing. DIR (default /tmp) receives a temporary directory, removed at the end.
 * Cases, each on a fresh database:
 *   store, batch B, T threads  store_append() of batches of B (each acknowledged after its
 *                              fdatasync, shared by group commit), then store_checkpoint()
 *                              (every buffer compressed into chunks and written to SQLite);
 *                              readings/s over both, and the append phase alone
 *   sqlite rowid, batch B      INSERT into a rowid table (point_id, source_ms, value,
 *                              quality), one transaction per batch, synchronous=NORMAL (the
 *                              project's setting: not durable at commit) and FULL (durable)
 *   sqlite keyed, batch B      the same into a table keyed by (point_id, source_ms)
 *                              WITHOUT ROWID, synchronous=NORMAL (capped at 500k readings)
 * Prints one line per case: readings/s by the wall clock, fsyncs, and bytes per reading on
 * disk after SQLite's own log is checkpointed into the database file (the store's log is
 * empty after its checkpoint). BENCH_STORE_FILES=1 lists the files.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "monitor/store.h"
#include "core/banned.h"

static struct wal_reading *R;
static size_t NR;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long long arg(const char *s, long long dflt)
{
	char *end;
	long long v;

	if (!s)
		return dflt;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "bench_store: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int64_t du_bytes;

static int du_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F)
		du_bytes += sb->st_size;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int du_show(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_F && sb->st_size > 0 && getenv("BENCH_STORE_FILES") != NULL)
		printf("  %12lld %s\n", (long long)sb->st_size, path);
	return 0;
}

/* Bytes of the files under dir once SQLite's own log is checkpointed into the database. */
static int64_t du(const char *dir)
{
	char dbp[600];
	struct db *db = NULL;

	snprintf(dbp, sizeof(dbp), "%s/anjian.db", dir);
	if (db_open(dbp, 5000, &db) == 0)
		db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	db_close(db);
	du_bytes = 0;
	nftw(dir, du_one, 16, FTW_PHYS);
	nftw(dir, du_show, 16, FTW_PHYS);
	return du_bytes;
}

static void fresh(const char *base, char *dir, size_t n, char *dbp, size_t ndb)
{
	struct db *db = NULL;

	snprintf(dir, n, "%s/anjian-bench-store-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(dbp, ndb, "%s/anjian.db", dir);
	if (db_open(dbp, 5000, &db) != 0 || db_migrate(db, db_migrations, db_migrations_n, NULL)) {
		fprintf(stderr, "bench_store: cannot create the database\n");
		exit(1);
	}
	db_close(db);
}

struct worker {
	struct store *st;
	size_t from, to, batch;
};

static void *append_worker(void *p)
{
	struct worker *w = p;

	for (size_t i = w->from; i < w->to; i += w->batch) {
		size_t n = w->to - i < w->batch ? w->to - i : w->batch;

		if (store_append(w->st, R + i, n, NULL) != 0) {
			fprintf(stderr, "bench_store: append failed\n");
			exit(1);
		}
	}
	return NULL;
}

static void bench_store(const char *base, size_t batch, int threads)
{
	char dir[512], dbp[600], wal[600];
	struct store_config cfg;
	struct store *st = NULL;
	struct store_stats ss;
	pthread_t th[16];
	struct worker w[16];
	double t0, t1, t2;

	fresh(base, dir, sizeof(dir), dbp, sizeof(dbp));
	snprintf(wal, sizeof(wal), "%s/wal", dir);
	store_config_defaults(&cfg);
	cfg.db_path = dbp;
	cfg.wal_dir = wal;
	if (store_open(&cfg, &st) != 0)
		exit(1);
	t0 = now_s();
	/* each thread takes a contiguous slice: readings stay interleaved over all points */
	for (int k = 0; k < threads; k++) {
		w[k] = (struct worker){ st, NR * (size_t)k / (size_t)threads,
					NR * (size_t)(k + 1) / (size_t)threads, batch };
		pthread_create(&th[k], NULL, append_worker, &w[k]);
	}
	for (int k = 0; k < threads; k++)
		pthread_join(th[k], NULL);
	t1 = now_s();
	if (store_checkpoint(st) != 0)
		exit(1);
	t2 = now_s();
	store_stats_get(st, &ss);
	store_close(st);
	printf("store  batch %6zu threads %d: %9.0f readings/s with the checkpoint "
	       "(appends alone %9.0f/s, checkpoint %.2f s); %" PRIu64 " batches, %" PRIu64
	       " fdatasync, %" PRIu64 " chunks, %.2f bytes/reading on disk\n",
	       batch, threads, (double)NR / (t2 - t0), (double)NR / (t1 - t0), t2 - t1, ss.batches,
	       ss.syncs, ss.chunks_flushed, (double)du(dir) / (double)NR);
	fflush(stdout);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void bench_sqlite(const char *base, size_t batch, bool keyed, bool full, size_t n)
{
	static const char SQL_ROWID[] = "CREATE TABLE r (point_id INTEGER NOT NULL, source_ms "
					"INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL)";
	static const char SQL_KEYED[] =
		"CREATE TABLE r (point_id INTEGER NOT NULL, source_ms INTEGER NOT NULL, "
		"value REAL, quality INTEGER NOT NULL, PRIMARY KEY (point_id, source_ms)) "
		"WITHOUT ROWID";
	static const char SQL_INS[] = "INSERT INTO r (point_id, source_ms, value, quality) "
				      "VALUES (:p, :t, :v, :q)";
	char dir[512], dbp[600];
	struct db *db = NULL;
	double t0, t1;

	fresh(base, dir, sizeof(dir), dbp, sizeof(dbp));
	if (db_open(dbp, 5000, &db) != 0 || db_exec(db, keyed ? SQL_KEYED : SQL_ROWID) != 0 ||
	    (full && db_exec(db, "PRAGMA synchronous=FULL") != 0))
		exit(1);
	t0 = now_s();
	for (size_t i = 0; i < n; i += batch) {
		size_t m = n - i < batch ? n - i : batch;

		if (db_begin(db) != 0)
			exit(1);
		for (size_t j = i; j < i + m; j++) {
			struct db_stmt *s = db_stmt(db, SQL_INS);

			db_bind_i64(s, ":p", R[j].point_id);
			db_bind_i64(s, ":t", R[j].source_ms);
			db_bind_f64(s, ":v", R[j].value);
			db_bind_i64(s, ":q", R[j].quality);
			if (db_step_done(s) != 0)
				exit(1);
		}
		if (db_commit(db) != 0)
			exit(1);
	}
	t1 = now_s();
	db_close(db);
	printf("sqlite %s batch %6zu synchronous=%s: %9.0f readings/s (%zu readings), %.2f "
	       "bytes/reading on disk\n",
	       keyed ? "keyed" : "rowid", batch, full ? "FULL  " : "NORMAL", (double)n / (t1 - t0),
	       n, (double)du(dir) / (double)n);
	fflush(stdout);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
	size_t points = (size_t)arg(argc > 2 ? argv[2] : NULL, 10000);
	const char *base = argc > 3 ? argv[3] : "/tmp";
	const int64_t t0 = 1767225600000LL;
	double *walk;

	NR = (size_t)arg(argc > 1 ? argv[1] : NULL, 2000000);
	log_set_level(LL_WARN);
	R = malloc(NR * sizeof(*R));
	walk = calloc(points, sizeof(*walk));
	if (R == NULL || walk == NULL)
		return 1;
	for (size_t i = 0; i < NR; i++) {
		size_t p = i % points;

		walk[p] += (double)((int)(rnd() % 21) - 10) / 1000.0;
		R[i] = (struct wal_reading){ .point_id = (int64_t)p + 1,
					     .source_ms = t0 + (int64_t)(i / points) * 1000,
					     .value = round((20.0 + walk[p]) * 1000.0) / 1000.0,
					     .quality = 0 };
	}
	printf("%zu readings over %zu points, interleaved; directory %s\n", NR, points, base);
	bench_store(base, 1000, 1);
	bench_store(base, 10000, 1);
	bench_store(base, 1000, 4);
	bench_sqlite(base, 1000, false, false, NR);
	bench_sqlite(base, 10000, false, false, NR);
	bench_sqlite(base, 1000, false, true, NR);
	bench_sqlite(base, 10000, false, true, NR);
	bench_sqlite(base, 10000, true, false, NR < 500000 ? NR : 500000);
	free(walk);
	free(R);
	return 0;
}
