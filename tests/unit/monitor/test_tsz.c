/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/tsz.c, the Gorilla-style chunk codec (Pelkonen et al., VLDB
 * 2015): bit-identical round trips of random series (times anywhere in int64, doubles of
 * any bit pattern: NaN payloads, -0, infinities), every delta-of-delta bucket at both ends,
 * the bounded chunk (full chunks unchanged, TSZ_POINTS_MAX), corrupt chunks rejected
 * without reading past the end, and the real recorded series in tests/fixtures/monitor/
 * (SKAB pump pressure, temperatures, flow; UCI air-quality CO), whose compression ratios
 * are printed as TAP comments.
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

#include "core/err.h"
#include "monitor/tsz.h"
#include "core/banned.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t bits_of(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static double of_bits(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/*
 * Encodes t[0..n) / v[0..n) into chunks of cap bytes, decodes each and compares bit for
 * bit. Returns the total bytes of the chunks.
 */
static size_t round_trip(const int64_t *t, const double *v, size_t n, size_t cap)
{
	uint8_t *buf = malloc(cap);
	size_t i = 0, total = 0;

	assert_non_null(buf);
	while (i < n) {
		struct tsz_writer w;
		struct tsz_reader r;
		size_t start = i, len;
		int64_t tt;
		double vv;
		int rc;

		assert_int_equal(tsz_writer_init(&w, buf, cap), 0);
		while (i < n && (rc = tsz_append(&w, t[i], v[i])) == 0)
			i++;
		assert_true(i > start); /* an empty chunk always takes one point */
		if (i < n) {
			size_t before = tsz_writer_len(&w);

			assert_int_equal(rc, ERR_TOO_MANY);
			assert_int_equal(tsz_writer_len(&w), before);
		}
		len = tsz_writer_len(&w);
		assert_true(len <= cap);
		total += len;
		assert_int_equal(tsz_reader_init(&r, buf, len), 0);
		for (size_t k = start; k < i; k++) {
			assert_int_equal(tsz_next(&r, &tt, &vv), 1);
			assert_int_equal(tt, t[k]);
			assert_int_equal(bits_of(vv), bits_of(v[k]));
		}
		assert_int_equal(tsz_next(&r, &tt, &vv), 0);
		/* a truncated chunk is an error, never a read past the end */
		if (len > TSZ_HEADER_BYTES + 17) {
			size_t got = 0;

			assert_int_equal(tsz_reader_init(&r, buf, len - 1), 0);
			while ((rc = tsz_next(&r, &tt, &vv)) == 1)
				got++;
			assert_true(rc == ERR_INVALID || (rc == 0 && got == i - start));
		}
	}
	free(buf);
	return total;
}

static void test_tsz_random_series_round_trip(void **state)
{
	enum { N = 20000 };
	int64_t *t = malloc(N * sizeof(*t));
	double *v = malloc(N * sizeof(*v));
	static const size_t caps[] = { TSZ_CHUNK_MIN, 64, 1000, 4096, TSZ_CHUNK_MAX };

	(void)state;
	assert_non_null(t);
	assert_non_null(v);
	for (int kind = 0; kind < 5; kind++) {
		int64_t now = (int64_t)(rnd() % 2000000000000ull);
		double x = 20.0;

		for (int i = 0; i < N; i++) {
			switch (kind) {
			case 0: /* 1 s sampling with jitter, a random walk */
				now += 1000 + (int64_t)(rnd() % 21) - 10;
				x += ((double)(rnd() % 2001) - 1000) / 1000.0;
				v[i] = x;
				break;
			case 1: /* any bit pattern: NaN payloads, -0, inf, subnormals */
				now += (int64_t)(rnd() % 5000);
				v[i] = of_bits(rnd());
				break;
			case 2: /* any int64 times, unordered */
				now = (int64_t)rnd();
				v[i] = (rnd() & 1) ? -0.0 : 0.0;
				break;
			case 3: /* constant with rare steps: the long runs of a stable sensor */
				now += 1000;
				if (rnd() % 100 == 0)
					x = (double)(rnd() % 1000) / 10.0;
				v[i] = x;
				break;
			default: /* special values mixed in */
				now += (int64_t)(rnd() % 3) * 1000;
				v[i] = (double[]){ NAN,
						   -NAN,
						   INFINITY,
						   -INFINITY,
						   -0.0,
						   0.0,
						   of_bits(0x7ff0000000000001ull),
						   1e-310,
						   x }[rnd() % 9];
				break;
			}
			t[i] = now;
		}
		for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
			round_trip(t, v, N, caps[c]);
	}
	free(t);
	free(v);
}

/* Every delta-of-delta bucket at both ends and just outside, and the int64 extremes. */
static void test_tsz_dod_bucket_edges(void **state)
{
	static const int64_t dod[] = { 0,   -63,   64,	 -64,	65,   -255,    256,	  -256,
				       257, -2047, 2048, -2048, 2049, 1 << 20, -(1 << 30) };
	int64_t t[64];
	double v[64];
	size_t n = 0;
	int64_t delta = 1000;

	(void)state;
	t[n] = 0;
	v[n++] = 1;
	t[n] = 1000;
	v[n++] = 1;
	for (size_t i = 0; i < sizeof(dod) / sizeof(dod[0]); i++) {
		delta += dod[i];
		t[n] = t[n - 1] + delta;
		v[n] = 1;
		n++;
	}
	t[n] = INT64_MAX;
	v[n++] = 2;
	t[n] = INT64_MIN;
	v[n++] = 3;
	t[n] = INT64_MAX;
	v[n++] = 4;
	t[n] = 0;
	v[n++] = 5;
	round_trip(t, v, n, 4096);
}

/* At a steady 1 s and a constant value a point costs 2 bits (after the second: a 12-bit
 * delta-of-delta of 1000 and '0'): the 16-bit count bounds the chunk. */
static void test_tsz_points_max(void **state)
{
	uint8_t *buf = malloc(TSZ_CHUNK_MAX);
	struct tsz_writer w;
	uint32_t n = 0;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(tsz_writer_init(&w, buf, TSZ_CHUNK_MAX), 0);
	while (tsz_append(&w, (int64_t)n * 1000, 21.5) == 0)
		n++;
	assert_int_equal(n, TSZ_POINTS_MAX);
	assert_int_equal(tsz_writer_len(&w), TSZ_HEADER_BYTES + (128 + 17 + 2 * (n - 2) + 7) / 8);
	free(buf);
}

static void test_tsz_rejects_bad_chunks(void **state)
{
	uint8_t buf[64];
	struct tsz_writer w;
	struct tsz_reader r;
	int64_t t;
	double v;

	(void)state;
	assert_int_equal(tsz_writer_init(&w, buf, TSZ_CHUNK_MIN - 1), ERR_INVALID);
	assert_int_equal(tsz_writer_init(&w, NULL, 64), ERR_INVALID);
	assert_int_equal(tsz_writer_init(&w, buf, sizeof(buf)), 0);
	assert_int_equal(tsz_reader_init(&r, buf, tsz_writer_len(&w)), ERR_INVALID); /* 0 points */
	assert_int_equal(tsz_append(&w, 5, 1.5), 0);
	assert_int_equal(tsz_append(&w, 6, 2.5), 0);
	buf[0] = 2;
	assert_int_equal(tsz_reader_init(&r, buf, tsz_writer_len(&w)), ERR_INVALID);
	buf[0] = TSZ_VERSION;
	assert_int_equal(tsz_reader_init(&r, buf, 2), ERR_INVALID);
	/* a count larger than the stream holds */
	buf[1] = 200;
	assert_int_equal(tsz_reader_init(&r, buf, tsz_writer_len(&w)), 0);
	assert_int_equal(tsz_next(&r, &t, &v), 1);
	assert_int_equal(tsz_next(&r, &t, &v), 1);
	for (int i = 0; i < 200 && tsz_next(&r, &t, &v) == 1; i++)
		;
	assert_int_equal(tsz_next(&r, &t, &v), ERR_INVALID);
	/* random bytes after a valid header: no crash, no read past the end */
	for (int k = 0; k < 2000; k++) {
		int rc;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd();
		buf[0] = TSZ_VERSION;
		if (buf[1] == 0 && buf[2] == 0)
			buf[1] = 1;
		assert_int_equal(tsz_reader_init(&r, buf, sizeof(buf)), 0);
		while ((rc = tsz_next(&r, &t, &v)) == 1)
			;
		assert_true(rc == 0 || rc == ERR_INVALID);
	}
}

/* ------------------------------------------------------------ real series */

static char *read_fixture(const char *rel)
{
	const char *root = getenv("ANJIAN_SOURCE_ROOT");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	if (!root)
		fail_msg("ANJIAN_SOURCE_ROOT is not set (tests/meson.build sets it)");
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Field k (0-based) of a ';'-separated line, decimal comma allowed. */
static double field(const char *line, int k)
{
	char num[64];
	size_t n = 0;

	for (int i = 0; i < k; i++) {
		line = strchr(line, ';');
		assert_non_null(line);
		line++;
	}
	while (line[n] && line[n] != ';' && line[n] != '\r' && line[n] != '\n' && n < 63) {
		num[n] = line[n] == ',' ? '.' : line[n];
		n++;
	}
	num[n] = '\0';
	return strtod(num, NULL);
}

static void ratio(const char *name, size_t points, size_t bytes)
{
	printf("# tsz %-34s %6zu points %7zu bytes  %.2f bytes/point  ratio %.1f:1\n", name, points,
	       bytes, (double)bytes / (double)points, 16.0 * (double)points / (double)bytes);
}

/* SKAB valve1/0.csv: 1 s samples of a pump testbed; columns as its README says. */
static void test_tsz_real_skab(void **state)
{
	char *text = read_fixture("tests/fixtures/monitor/skab_valve1_0.csv");
	static const struct {
		const char *name;
		int col;
	} cols[] = {
		{ "skab Pressure (bar)", 5 },	   { "skab Temperature (degC)", 6 },
		{ "skab Thermocouple (degC)", 7 }, { "skab Volume Flow RateRMS (L/min)", 9 },
		{ "skab Current (A)", 4 },
	};
	size_t cap = 0, n = 0, all_pts = 0, all_bytes = 0;
	int64_t *t = NULL;
	double *v = NULL;

	(void)state;
	for (const char *p = strchr(text, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
		int y, mo, d, h, mi, s;

		if (sscanf(p, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
			break;
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			t = realloc(t, cap * sizeof(*t));
			v = realloc(v, cap * 5 * sizeof(*v));
			assert_non_null(t);
			assert_non_null(v);
		}
		t[n] = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + s * 1000;
		n++;
		if (!strchr(p, '\n'))
			break;
	}
	assert_true(n > 1000);
	for (size_t c = 0; c < 5; c++) {
		size_t i = 0, bytes;
		const char *p = strchr(text, '\n') + 1;

		for (; i < n; i++, p = strchr(p, '\n') + 1)
			v[c * cap + i] = field(p + 20, cols[c].col - 1); /* past the datetime */
		bytes = round_trip(t, v + c * cap, n, 4096);
		ratio(cols[c].name, n, bytes);
		all_pts += n;
		all_bytes += bytes;
		assert_true(bytes < 16 * n); /* it compresses */
	}
	ratio("skab, five columns", all_pts, all_bytes);
	free(t);
	free(v);
	free(text);
}

/* UCI air quality 2004: hourly CO(GT) in mg/m3, -200 = missing (kept as recorded). */
static void test_tsz_real_uci_co(void **state)
{
	char *text = read_fixture("tests/fixtures/monitor/uci_air_quality_2004.csv");
	size_t n = 0, bytes;
	int64_t *t = malloc(8000 * sizeof(*t));
	double *v = malloc(8000 * sizeof(*v));

	(void)state;
	assert_non_null(t);
	assert_non_null(v);
	for (const char *p = strchr(text, '\n') + 1; *p && n < 8000;) {
		int d, mo, y, h, mi, s;

		if (sscanf(p, "%d/%d/%d;%d.%d.%d", &d, &mo, &y, &h, &mi, &s) != 6)
			break;
		t[n] = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + s * 1000;
		v[n] = field(p, 2);
		n++;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	assert_int_equal(n, 7110);
	bytes = round_trip(t, v, n, 4096);
	ratio("uci CO(GT) (mg/m3, hourly)", n, bytes);
	assert_true(bytes < 16 * n);
	free(t);
	free(v);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsz_random_series_round_trip),
		cmocka_unit_test(test_tsz_dod_bucket_edges),
		cmocka_unit_test(test_tsz_points_max),
		cmocka_unit_test(test_tsz_rejects_bad_chunks),
		cmocka_unit_test(test_tsz_real_skab),
		cmocka_unit_test(test_tsz_real_uci_co),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
