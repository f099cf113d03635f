/* SPDX-License-Identifier: MIT */
/*
 * In-process micro-benchmark of the monitoring path's pure parts (issue 6 benchmark (a),
 * the evaluation half: no decoding, no storage): alarm_eval over 10k points, and the
 * tsz chunk codec. Not run by make test; build and run by hand:
 *
 *   ninja -C build bench_monitor && build/bench_monitor [READINGS] [POINTS]
 *
 * READINGS (default 50,000,000) readings are spread round-robin over POINTS (default
 * 10,000) methane points (25 / 50 %LEL, deadband 1, on-delay 2 s, off-delay 2 s); each
 * point gets a reading a second of source time whose value is a random walk near the
 * set points, so that alarms are raised and cleared. The readings are generated before
 * timing. Prints readings/s per core (thread CPU time) and by the wall clock, the number of
 * transitions, then the codec's points/s. One thread: the figure is per core.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "monitor/alarm.h"
#include "monitor/tsz.h"
#include "core/banned.h"

#define BATCH (1u << 20) /* pre-generated values, reused cyclically */

static double secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
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
		fprintf(stderr, "bench_monitor: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long long n = arg(argc > 1 ? argv[1] : NULL, 50000000LL);
	long long npts = arg(argc > 2 ? argv[2] : NULL, 10000);
	struct alarm_cfg *cfg = calloc((size_t)npts, sizeof(*cfg));
	struct alarm_point *pt = calloc((size_t)npts, sizeof(*pt));
	double *val = malloc(BATCH * sizeof(*val));
	struct alarm_transition out[ALARM_TRANSITIONS_MAX];
	uint64_t transitions = 0, late = 0;
	double c0, w0, c1, w1, x = 20;

	if (!cfg || !pt || !val)
		return 1;
	for (long long i = 0; i < npts; i++) {
		cfg[i] = (struct alarm_cfg){
			.point_id = i,
			.range_lo = 0,
			.range_hi = 100,
			.high1 = 25,
			.high2 = 50,
			.low1 = NAN,
			.low2 = NAN,
			.deadband = 1,
			.on_delay_ms = 2000,
			.off_delay_ms = 2000,
			.comms_timeout_ms = 60000,
			.kind = ALARM_KIND_COMBUSTIBLE,
		};
		if (alarm_cfg_check(&cfg[i], NULL) != 0)
			return 1;
		alarm_point_init(&pt[i], 0);
	}
	for (unsigned i = 0; i < BATCH; i++) {
		x += ((double)(rnd() % 2001) - 1000) / 200.0;
		if (x < 0 || x > 70)
			x = 20;
		val[i] = x;
	}

	c0 = secs(CLOCK_THREAD_CPUTIME_ID);
	w0 = secs(CLOCK_MONOTONIC);
	for (long long i = 0; i < n; i++) {
		long long p = i % npts;
		struct alarm_reading r = {
			.source_ms = 1700000000000LL + (i / npts) * 1000,
			.seq = (uint64_t)i,
			.value = val[(uint64_t)(i * 7 + p) & (BATCH - 1)],
			.quality = ALARM_QUALITY_GOOD,
		};
		bool is_late;

		transitions += (uint64_t)alarm_eval(&cfg[p], &pt[p], &r, out, &is_late);
		late += is_late;
	}
	c1 = secs(CLOCK_THREAD_CPUTIME_ID);
	w1 = secs(CLOCK_MONOTONIC);
	printf("alarm_eval: %lld readings over %lld points: %.1f M readings/s per core (CPU %.3f "
	       "s), %.1f M/s wall; %" PRIu64 " transitions, %" PRIu64 " late; state %zu B/point\n",
	       n, npts, (double)n / (c1 - c0) / 1e6, c1 - c0, (double)n / (w1 - w0) / 1e6,
	       transitions, late, sizeof(struct alarm_point));

	/* The codec: 1 s samples of the random walk, 4 KiB chunks. */
	{
		static uint8_t buf[4096];
		struct tsz_writer w;
		struct tsz_reader rd;
		long long m = n < 20000000 ? n : 20000000, done = 0, chunks = 0, bytes = 0;
		double sum = 0;
		int64_t t;
		double v;

		c0 = secs(CLOCK_THREAD_CPUTIME_ID);
		tsz_writer_init(&w, buf, sizeof(buf));
		for (long long i = 0; i < m; i++) {
			if (tsz_append(&w, 1700000000000LL + i * 1000, val[i & (BATCH - 1)]) != 0) {
				bytes += (long long)tsz_writer_len(&w);
				chunks++;
				tsz_writer_init(&w, buf, sizeof(buf));
				tsz_append(&w, 1700000000000LL + i * 1000, val[i & (BATCH - 1)]);
			}
		}
		c1 = secs(CLOCK_THREAD_CPUTIME_ID);
		printf("tsz encode: %.1f M points/s per core, %.2f bytes/point (random walk)\n",
		       (double)m / (c1 - c0) / 1e6, (double)bytes / (double)(m - w.count));
		c0 = secs(CLOCK_THREAD_CPUTIME_ID);
		for (long long k = 0; k < m / (long long)w.count; k++) {
			tsz_reader_init(&rd, buf, tsz_writer_len(&w));
			while (tsz_next(&rd, &t, &v) == 1) {
				sum += v;
				done++;
			}
		}
		c1 = secs(CLOCK_THREAD_CPUTIME_ID);
		printf("tsz decode: %.1f M points/s per core (%lld points, %lld chunks, sum "
		       "%.0f)\n",
		       (double)done / (c1 - c0) / 1e6, done, chunks, sum);
	}
	free(cfg);
	free(pt);
	free(val);
	return 0;
}
