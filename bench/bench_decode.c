/* SPDX-License-Identifier: MIT */
/*
 * Issue 6 benchmark (a), whole: decode + evaluate in process, one thread, readings/s per core
 * (thread CPU time). The messages are the MQTT payloads bench_ingest_load publishes
 * ({"readings":[{"tag":"B00042","ts":...,"v":12.5}, ...]}, BATCH readings a message, the same
 * deterministic readings), generated before timing (at most about 1M readings' worth, reused
 * with shifted source times so that every reading is evaluated, none late); each is decoded by payload_decode_batch
 * (src/monitor/payload.h) with a tag resolver that is a hash table of the POINTS tags (as the
 * runtime's cache snapshot), then every reading is evaluated by alarm_eval against its point
 * (set points 90/95 of 0..100, so no alarm: the common case). Not run by make test:
 *
 *   ninja -C build-rel bench_decode && build-rel/bench_decode [READINGS] [POINTS] [BATCH]
 *
 * Defaults 20,000,000 readings, 10,000 points, 200 readings a message. Prints decode only,
 * then decode + evaluate (the line bench/ingest.sh reads: "decode+eval: ... M readings/s per
 * core").
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "monitor/alarm.h"
#include "monitor/payload.h"
#include "core/banned.h"

static double cpu_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
		fprintf(stderr, "bench_decode: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* The resolver: open addressing over the tags, FNV-1a. */
struct tag_table {
	char (*tag)[8];
	int64_t *id;
	size_t mask;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int resolve(void *ctx, const char *tag, size_t len, int64_t *point_id)
{
	const struct tag_table *t = ctx;

	if (len >= sizeof(t->tag[0]))
		return ERR_NOT_FOUND;
	for (size_t i = fnv(tag, len) & t->mask;; i = (i + 1) & t->mask) {
		if (t->id[i] < 0)
			return ERR_NOT_FOUND;
		if (!memcmp(t->tag[i], tag, len) && t->tag[i][len] == 0) {
			*point_id = t->id[i];
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	long long n = arg(argc > 1 ? argv[1] : NULL, 20000000LL);
	long long npts = arg(argc > 2 ? argv[2] : NULL, 10000);
	long long batch = arg(argc > 3 ? argv[3] : NULL, 200);
	long long nmsg = (n + batch - 1) / batch;
	/* The messages held in memory: whole rounds of the points in whole messages, at least
	 * 1M readings (or all of them), reused with source times shifted by the pool's span. */
	long long unit = npts * batch, pool_n = (1000000 + unit - 1) / unit * unit;
	long long pool = (pool_n < n ? pool_n : n + batch - 1) / batch;
	long long pool_span_ms = pool_n / npts * 1000;
	struct tag_table tt;
	struct alarm_cfg *cfg = calloc((size_t)npts, sizeof(*cfg));
	struct alarm_point *pt = calloc((size_t)npts, sizeof(*pt));
	char **msg = calloc((size_t)pool, sizeof(*msg));
	size_t *msg_len = calloc((size_t)pool, sizeof(*msg_len));
	struct alarm_transition out[ALARM_TRANSITIONS_MAX];
	struct payload_out po = { 0 };
	struct errmsg em = { { 0 }, { 0 } };
	size_t cap = 1;
	uint64_t transitions = 0, decoded = 0, seq = 0, late_n = 0;
	int64_t base = 1764460800000LL;
	double c0, c1, t_decode;

	while (cap < (size_t)npts * 2)
		cap <<= 1;
	tt.tag = calloc(cap, sizeof(*tt.tag));
	tt.id = malloc(cap * sizeof(*tt.id));
	tt.mask = cap - 1;
	if (!cfg || !pt || !msg || !msg_len || !tt.tag || !tt.id || npts > 99999)
		return 1;
	for (size_t i = 0; i < cap; i++)
		tt.id[i] = -1;
	for (long long p = 0; p < npts; p++) {
		char tag[8];
		size_t i;

		snprintf(tag, sizeof(tag), "B%05lld", p);
		for (i = fnv(tag, 6) & tt.mask; tt.id[i] >= 0; i = (i + 1) & tt.mask)
			;
		memcpy(tt.tag[i], tag, 7);
		tt.id[i] = p;
		cfg[p] = (struct alarm_cfg){
			.point_id = p,
			.range_lo = 0,
			.range_hi = 100,
			.high1 = 90,
			.high2 = 95,
			.low1 = NAN,
			.low2 = NAN,
			.deadband = 0,
			.kind = ALARM_KIND_PRESSURE,
		};
		if (alarm_cfg_check(&cfg[p], NULL) != 0)
			return 1;
		alarm_point_init(&pt[p], 0);
	}
	/* The messages, as bench_ingest_load pub builds them. */
	for (long long m = 0; m < pool; m++) {
		size_t sz = (size_t)batch * 48 + 32, len = 0;
		char *s = malloc(sz);

		if (!s)
			return 1;
		len += (size_t)snprintf(s + len, sz - len, "{\"readings\":[");
		for (long long i = m * batch; i < (m + 1) * batch && i < n; i++) {
			long long p = i % npts, k = i / npts;

			len += (size_t)snprintf(s + len, sz - len,
						"%s{\"tag\":\"B%05lld\",\"ts\":%" PRId64
						",\"v\":%.1f}",
						i == m * batch ? "" : ",", p,
						(int64_t)(base + k * 1000),
						10.0 + (double)((p * 7 + k) % 50) / 10.0);
		}
		len += (size_t)snprintf(s + len, sz - len, "]}");
		msg[m] = s;
		msg_len[m] = len;
	}

	c0 = cpu_secs();
	for (long long m = 0; m < nmsg; m++) {
		if (payload_decode_batch(msg[m % pool], msg_len[m % pool], base, resolve, &tt, &po,
					 &em) != 0) {
			fprintf(stderr, "bench_decode: %s: %s\n", em.field, em.text);
			return 1;
		}
		decoded += po.n;
	}
	c1 = cpu_secs();
	t_decode = c1 - c0;
	printf("decode: %" PRIu64 " readings in %lld messages: %.1f M readings/s per core (CPU "
	       "%.3f s)\n",
	       decoded, nmsg, (double)decoded / t_decode / 1e6, t_decode);

	decoded = 0;
	c0 = cpu_secs();
	for (long long m = 0; m < nmsg; m++) {
		int64_t shift = m / pool * pool_span_ms;

		if (payload_decode_batch(msg[m % pool], msg_len[m % pool], base, resolve, &tt, &po,
					 &em) != 0)
			return 1;
		for (size_t i = 0; i < po.n; i++) {
			const struct wal_reading *w = &po.r[i];
			struct alarm_reading r = {
				.source_ms = w->source_ms + shift,
				.seq = seq++,
				.value = w->value,
				.quality = w->quality,
			};
			bool late;

			transitions += (uint64_t)alarm_eval(&cfg[w->point_id], &pt[w->point_id], &r,
							    out, &late);
			late_n += late;
		}
		decoded += po.n;
	}
	c1 = cpu_secs();
	printf("decode+eval: %" PRIu64 " readings over %lld points: %.1f M readings/s per core "
	       "(CPU %.3f s), %" PRIu64 " transitions, %" PRIu64 " late\n",
	       decoded, npts, (double)decoded / (c1 - c0) / 1e6, c1 - c0, transitions, late_n);
	payload_free(&po);
	for (long long m = 0; m < pool; m++)
		free(msg[m]);
	free(msg);
	free(msg_len);
	free(cfg);
	free(pt);
	free(tt.tag);
	free(tt.id);
	return decoded >= (uint64_t)n && late_n == 0 ? 0 : 1;
}
