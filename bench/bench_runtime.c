/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the monitoring runtime's ingest path (src/monitor/monitor.h): monitor_ingest()
 * = store_append() (write-ahead log, group commit fdatasync) + alarm evaluation in seq order
 * + SOE rows in one SQLite transaction. Not run by make test; build and run by hand:
 *
 *   ninja -C build bench_runtime && build/bench_runtime [READINGS] [POINTS] [DIR]
 *
 * READINGS (default 1,000,000) readings spread round-robin over POINTS (default 10,000)
 * combustible-gas points (GB/T 50493-2019 set points 25 / 50 %LEL, deadband 1), one a second
 * of source time each, values a random walk that crosses the set points now and then, made
 * before timing. Cases, each on a fresh database in a temporary directory under DIR (default
 * /tmp): batches of 1,000 and 10,000 from 1 thread, and of 1,000 from 4 threads. Prints
 * readings/s by the wall clock over the ingest calls (the closing checkpoint apart), the
 * SOE rows written and the fdatasyncs of the log.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "monitor/monitor.h"
#include "monitor/store.h"
#include "core/banned.h"

static monitor_reading *R;
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
		fprintf(stderr, "bench_runtime: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static const char SETUP_SQL[] =
	"INSERT INTO region (code, name, level) VALUES ('370200', '青岛市', 2);"
	"INSERT INTO industry (code, name, level, section) VALUES ('2614', '有机化学原料制造', 4, "
	"'C');"
	"INSERT INTO enterprise (id, uscc, name, industry_code, region_code, created_ms, "
	"updated_ms) VALUES (1, '91370200MA3C000011', 'bench', '2614', '370200', 0, 0);";

static const char POINTS_SQL[] =
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n) "
	"INSERT INTO monitor_point (id, enterprise_id, tag, name, kind, unit, range_lo, range_hi, "
	"high1, high2, deadband, created_ms, updated_ms) SELECT i, 1, 'GT-' || i, 'p', "
	"'combustible', '%LEL', 0, 100, 25, 50, 1, 0, 0 FROM n";

static void fresh(const char *base, size_t points, char *dir, size_t n, char *dbp, size_t ndb)
{
	struct db *db = NULL;
	struct db_stmt *s;

	snprintf(dir, n, "%s/anjian-bench-runtime-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(dbp, ndb, "%s/anjian.db", dir);
	if (db_open(dbp, 5000, &db) != 0 || db_migrate(db, db_migrations, db_migrations_n, NULL) ||
	    db_exec(db, SETUP_SQL) != 0 || (s = db_stmt(db, POINTS_SQL)) == NULL) {
		fprintf(stderr, "bench_runtime: cannot create the database\n");
		exit(1);
	}
	db_bind_i64(s, ":n", (int64_t)points);
	if (db_step_done(s) != 0) {
		fprintf(stderr, "bench_runtime: cannot create the points\n");
		exit(1);
	}
	db_close(db);
}

struct worker {
	struct monitor *m;
	size_t first, step, batch;
};

/* Batches first, first + step, ...: the threads take turns along the time axis, so that
 * (almost) no reading arrives after a later one of its point (late readings are not
 * evaluated and would flatter the figure). */
static void *ingest_worker(void *p)
{
	struct worker *w = p;

	for (size_t i = w->first; i < NR; i += w->step) {
		size_t n = NR - i < w->batch ? NR - i : w->batch;

		if (monitor_ingest(w->m, R + i, n, NULL) != 0) {
			fprintf(stderr, "bench_runtime: ingest failed\n");
			exit(1);
		}
	}
	return NULL;
}

static void bench(const char *base, size_t points, size_t batch, int threads)
{
	char dir[512], dbp[600], wal[600];
	struct monitor_config cfg;
	struct monitor *m = NULL;
	struct monitor_stats ms;
	struct store_stats ss;
	pthread_t th[16];
	struct worker w[16];
	double t0, t1;

	fresh(base, points, dir, sizeof(dir), dbp, sizeof(dbp));
	snprintf(wal, sizeof(wal), "%s/wal", dir);
	monitor_config_defaults(&cfg);
	cfg.db_path = dbp;
	cfg.wal_dir = wal;
	cfg.tick_thread = false;
	if (monitor_open(&cfg, NULL, &m) != 0)
		exit(1);
	t0 = now_s();
	for (int k = 0; k < threads; k++) {
		w[k] = (struct worker){ m, batch * (size_t)k, batch * (size_t)threads, batch };
		pthread_create(&th[k], NULL, ingest_worker, &w[k]);
	}
	for (int k = 0; k < threads; k++)
		pthread_join(th[k], NULL);
	t1 = now_s();
	monitor_stats_get(m, &ms);
	store_stats_get(monitor_store(m), &ss);
	monitor_close(m);
	printf("runtime batch %6zu threads %d: %9.0f readings/s (%.2f s); %" PRIu64
	       " batches, %" PRIu64 " SOE rows, %" PRIu64 " late, %" PRIu64 " fdatasync\n",
	       batch, threads, (double)NR / (t1 - t0), t1 - t0, ms.batches, ms.transitions, ms.late,
	       ss.syncs);
	fflush(stdout);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
	size_t points = (size_t)arg(argc > 2 ? argv[2] : NULL, 10000);
	const char *base = argc > 3 ? argv[3] : "/tmp";
	const int64_t t0 = 1767225600000LL;
	double *walk;

	NR = (size_t)arg(argc > 1 ? argv[1] : NULL, 1000000);
	log_set_level(LL_WARN);
	R = malloc(NR * sizeof(*R));
	walk = calloc(points, sizeof(*walk));
	if (R == NULL || walk == NULL)
		return 1;
	for (size_t i = 0; i < points; i++)
		walk[i] = 10.0;
	for (size_t i = 0; i < NR; i++) {
		size_t p = i % points;

		walk[p] += (double)((int)(rnd() % 201) - 100) / 20.0;
		if (walk[p] < 0.0)
			walk[p] = -walk[p];
		if (walk[p] > 80.0)
			walk[p] = 160.0 - walk[p];
		R[i] = (monitor_reading){ .point_id = (int64_t)p + 1,
					  .source_ms = t0 + (int64_t)(i / points) * 1000,
					  .value = walk[p],
					  .quality = 0 };
	}
	printf("%zu readings over %zu points, interleaved; directory %s\n", NR, points, base);
	bench(base, points, 1000, 1);
	bench(base, points, 10000, 1);
	bench(base, points, 1000, 4);
	bench(base, points, 10000, 4);
	free(walk);
	free(R);
	return 0;
}
