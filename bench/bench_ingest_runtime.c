/* SPDX-License-Identifier: MIT */
/*
 * The monitoring runtime alone (issue 6, to locate the bottleneck of benchmark (b)): the
 * readings of bench/ingest.sh handed straight to monitor_ingest() — store (write-ahead log
 * with group commit and fdatasync), evaluation in arrival-seq order, SOE transaction — by
 * THREADS threads, BATCH readings a call, as the MQTT path does per message, but without
 * broker, network or decoding. Readings/s by the wall clock until the last call returned.
 * Not run by make test:
 *
 *   ninja -C build-rel bench_ingest_runtime && build-rel/bench_ingest_runtime [READINGS] [POINTS] [BATCH] [THREADS]
 *
 * Defaults 2,000,000 readings, 10,000 points, 200 readings a call, 2 threads. The database
 * (migrated, one enterprise, the points B00000.. as bench/ingest.sh makes them: pressure
 * 0..100, set points 90/95) and the log are in a temporary folder removed at the end; the
 * tick thread runs (as in serve). Prints "runtime: ... readings/s".
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "db/db.h"
#include "db/migrate.h"
#include "monitor/monitor.h"
#include "core/banned.h"

static long long g_n, g_points, g_batch;
static int64_t g_base;
static atomic_llong g_next;
static atomic_int g_failed;
static struct monitor *g_m;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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
		fprintf(stderr, "bench_ingest_runtime: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* Point ids are 1..POINTS in tag order (B00000 is 1), as inserted below. */
static void *worker(void *arg_)
{
	monitor_reading *r = malloc((size_t)g_batch * sizeof(*r));
	long long nb = (g_n + g_batch - 1) / g_batch;

	(void)arg_;
	if (!r)
		return NULL;
	for (;;) {
		long long b = atomic_fetch_add(&g_next, 1), k = 0;

		if (b >= nb || atomic_load(&g_failed))
			break;
		for (long long i = b * g_batch; i < (b + 1) * g_batch && i < g_n; i++, k++) {
			long long p = i % g_points, j = i / g_points;

			r[k] = (monitor_reading){
				.point_id = p + 1,
				.source_ms = g_base + j * 1000,
				.value = 10.0 + (double)((p * 7 + j) % 50) / 10.0,
				.quality = 0,
			};
		}
		if (monitor_ingest(g_m, r, (size_t)k, NULL) != 0) {
			atomic_store(&g_failed, 1);
			break;
		}
	}
	free(r);
	return NULL;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/anjian-bench-runtime-XXXXXX", db_path[128], wal_dir[128], sql[1024];
	long long threads;
	struct monitor_config cfg;
	struct monitor_stats st;
	struct db *db = NULL;
	pthread_t th[64];
	int64_t t0, t1;
	int rc = 1;

	g_n = arg(argc > 1 ? argv[1] : NULL, 2000000);
	g_points = arg(argc > 2 ? argv[2] : NULL, 10000);
	g_batch = arg(argc > 3 ? argv[3] : NULL, 200);
	threads = arg(argc > 4 ? argv[4] : NULL, 2);
	if (threads > 64 || g_points > 99999)
		return 2;
	g_base = now_ns() / 1000000 - (g_n / g_points + 1) * 1000 - 60000;
	if (!mkdtemp(dir))
		return 1;
	snprintf(db_path, sizeof(db_path), "%s/anjian.db", dir);
	snprintf(wal_dir, sizeof(wal_dir), "%s/wal", dir);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO region (code, name, level) VALUES ('370200', '青岛市', 2);"
		 "INSERT INTO industry (code, name, level, section) VALUES ('2614', "
		 "'有机化学原料制造', 4, 'C');"
		 "INSERT INTO enterprise (id, uscc, name, industry_code, region_code, created_ms, "
		 "updated_ms) VALUES (1, '91370200MA3C000011', '甲化工', '2614', '370200', 0, 0);"
		 "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < %lld) "
		 "INSERT INTO monitor_point (id, enterprise_id, tag, name, kind, unit, range_lo, "
		 "range_hi, high1, high2, deadband, comms_timeout_ms, created_ms, updated_ms) "
		 "SELECT n + 1, 1, printf('B%%05d', n), 'bench point', 'pressure', 'kPa', 0, 100, "
		 "90, 95, 0, 0, 0, 0 FROM i;",
		 g_points - 1);
	if (db_open(db_path, 1000, &db) != 0 ||
	    db_migrate(db, db_migrations, db_migrations_n, NULL) != 0 || db_exec(db, sql) != 0) {
		fprintf(stderr, "bench_ingest_runtime: database set-up failed\n");
		goto out;
	}
	db_close(db);
	db = NULL;
	monitor_config_defaults(&cfg);
	cfg.db_path = db_path;
	cfg.wal_dir = wal_dir;
	cfg.tick_thread = true;
	if (monitor_open(&cfg, NULL, &g_m) != 0) {
		fprintf(stderr, "bench_ingest_runtime: monitor_open failed\n");
		goto out;
	}
	t0 = now_ns();
	for (long long i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (long long i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t1 = now_ns();
	monitor_stats_get(g_m, &st);
	printf("runtime: %" PRIu64 " readings over %zu points in %" PRIu64
	       " calls of %lld from %lld threads: %.0f readings/s (wall %.3f s), %" PRIu64
	       " transitions\n",
	       st.readings, st.points, st.batches, g_batch, threads,
	       (double)st.readings / ((double)(t1 - t0) / 1e9), (double)(t1 - t0) / 1e9,
	       st.transitions);
	rc = atomic_load(&g_failed) || st.readings != (uint64_t)g_n;
	if (rc)
		fprintf(stderr, "bench_ingest_runtime: monitor_ingest failed or readings lost\n");
out:
	monitor_close(g_m);
	db_close(db);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
