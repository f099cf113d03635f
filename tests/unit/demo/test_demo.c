/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/demo/demo.c, the demo's deterministic generators: the
 * splitmix64 sequence against its reference outputs (seed 1234567 gives
 * 6457827717110365317, 3203168211198807973, ...; seed 0 gives 0xe220a8397b1dcdaf),
 * the lattice of grid cells (count near the target, centres inside, neighbours in
 * order, a concave county's notch left empty), shares, points inside both cell and
 * county, credit codes valid by GB 32100-2015, names, phones and profiles of
 * the documented shapes, and the named supervision and licences of the demo: shares
 * as documented, each class's licence type, validity ends that land in the state asked
 * for under any bands, the 3-year term of 安全生产许可证条例 Art. 9. No server, no database.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/geo.h"
#include "core/scope.h"
#include "demo/demo.h"
#include "enterprise/enterprise.h"
#include "org/org.h"
#include "core/banned.h"

static void test_rng_reference_outputs(void **state)
{
	static const uint64_t want[] = { UINT64_C(6457827717110365317),
					 UINT64_C(3203168211198807973),
					 UINT64_C(9817491932198370423),
					 UINT64_C(4593380528125082431),
					 UINT64_C(16408922859458223821) };
	struct demo_rng r;

	(void)state;
	demo_rng_seed(&r, 1234567);
	for (size_t i = 0; i < 5; i++)
		assert_true(demo_rng_next(&r) == want[i]);
	demo_rng_seed(&r, 0);
	assert_true(demo_rng_next(&r) == UINT64_C(0xe220a8397b1dcdaf));
	for (int i = 0; i < 10000; i++) {
		double u = demo_rng_unit(&r);

		assert_true(u >= 0.0 && u < 1.0);
		assert_true(demo_rng_below(&r, 7) < 7);
	}
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

/* A 1 x 1 degree county at 33..34 N: about 10 300 km². */
static const char square[] = "{\"type\":\"Polygon\",\"coordinates\":[[[120,33],[121,33],[121,34],"
			     "[120,34],[120,33]]]}";

static void test_lattice_fills_a_square_in_serpentine_order(void **state)
{
	json_t *county = parse(square);
	struct demo_cell *cells = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(demo_lattice(county, 100, 10, &cells, &n), 0);
	assert_true(n >= 80 && n <= 121);
	for (size_t i = 0; i < n; i++) {
		assert_true(geo_json_contains(county, cells[i].lat, cells[i].lon));
		/* squares: as tall in kilometres as wide */
		assert_true(fabs(cells[i].half_lat -
				 cells[i].half_lon * cos(cells[i].lat * M_PI / 180.0)) <
			    0.01 * cells[i].half_lat);
		if (i > 0) {
			/* consecutive cells share a side: one step east, west or south */
			double dlat = fabs(cells[i].lat - cells[i - 1].lat);
			double dlon = fabs(cells[i].lon - cells[i - 1].lon);

			assert_true(
				(fabs(dlat) < 1e-9 && fabs(dlon - 2 * cells[i].half_lon) < 1e-9) ||
				(fabs(dlon) < 1e-9 && fabs(dlat - 2 * cells[i].half_lat) < 1e-9));
		}
	}
	assert_true(cells[0].lat > cells[n - 1].lat); /* from the north */
	free(cells);
	json_decref(county);
}

/* An L: the notch 120.5..121 E, 33.5..34 N is outside, and no cell centre lies there. */
static void test_lattice_leaves_a_notch_empty_and_keeps_its_minimum(void **state)
{
	json_t *ell = parse("{\"type\":\"Polygon\",\"coordinates\":[[[120,33],[121,33],[121,33.5],"
			    "[120.5,33.5],[120.5,34],[120,34],[120,33]]]}");
	struct demo_cell *cells = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(demo_lattice(ell, 3, 40, &cells, &n), 0);
	assert_true(n >= 40); /* shrunk until it holds 40, though 3 were asked */
	for (size_t i = 0; i < n; i++)
		assert_false(cells[i].lat > 33.5 && cells[i].lon > 120.5);
	free(cells);
	json_decref(ell);
	assert_int_equal(demo_lattice(NULL, 10, 1, &cells, &n), ERR_INVALID);
	assert_null(cells);
}

static void test_share_splits_evenly_and_wholly(void **state)
{
	size_t first, count, total = 0;

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		demo_share(10, 3, k, &first, &count);
		assert_int_equal(first, total);
		assert_int_equal(count, k == 0 ? 4 : 3);
		total += count;
	}
	assert_int_equal(total, 10);
	demo_share(1, 2, 1, &first, &count);
	assert_int_equal(count, 0);
}

/* Points fall inside the cell and inside the county, also for a cell half outside. */
static void test_points_lie_in_cell_and_county(void **state)
{
	json_t *county = parse(square);
	struct demo_cell edge = { 33.0, 120.5, 0.05, 0.06 }; /* straddles the south border */
	struct demo_rng r;
	double lat, lon;

	(void)state;
	demo_rng_seed(&r, 42);
	for (int i = 0; i < 2000; i++) {
		demo_point(&r, &edge, county, &lat, &lon);
		assert_true(geo_json_contains(county, lat, lon));
		assert_true(fabs(lat - edge.lat) <= edge.half_lat + 1e-6);
		assert_true(fabs(lon - edge.lon) <= edge.half_lon + 1e-6);
		assert_true(fabs(lat * 1e6 - round(lat * 1e6)) < 1e-6); /* 1e-6 degree steps */
	}
	json_decref(county);
}

static void test_cell_geometry_is_a_marked_closed_square(void **state)
{
	struct demo_cell c = { 33.5, 120.5, 0.02, 0.024 };
	json_t *g = demo_cell_geometry(&c);
	const json_t *ring = json_array_get(json_object_get(g, "coordinates"), 0);
	struct errmsg why = { 0 };

	(void)state;
	assert_int_equal(json_array_size(ring), 5);
	assert_true(json_equal(json_array_get(ring, 0), json_array_get(ring, 4)));
	assert_non_null(
		strstr(json_string_value(json_object_get(g, "generated")), "not a surveyed"));
	assert_int_equal(org_geometry_check(g, &why), 0); /* grids accept it */
	assert_true(geo_json_contains(g, 33.5, 120.5));
	json_decref(g);
}

static void test_credit_codes_are_valid_and_registered_in_the_county(void **state)
{
	struct demo_rng r;
	char code[19];

	(void)state;
	demo_rng_seed(&r, DEMO_SEED);
	for (int i = 0; i < 5000; i++) {
		assert_int_equal(demo_uscc(&r, "320902", code), 0);
		if (!uscc_valid(code))
			fail_msg("'%s' is not a valid credit code", code);
		assert_memory_equal(code, "91320902", 8);
	}
	assert_int_equal(demo_uscc(&r, "32A902", code), ERR_INVALID);
}

static void test_names_phones_people_profiles(void **state)
{
	static const char *const grades[] = { "none", "1", "2", "3" };
	static const char *const statuses[] = { "operating", "suspended", "closed" };
	struct demo_rng r;
	char name[256], phone[32], person[32];
	const char *suffix = "有限公司（演示数据）";

	(void)state;
	demo_rng_seed(&r, 7);
	for (int i = 0; i < 1000; i++) {
		struct demo_profile p;
		bool grade_ok = false, status_ok = false;

		demo_enterprise_name(&r, "亭湖区", "化工", name, sizeof(name));
		assert_int_equal(strncmp(name, "盐城市亭湖区", strlen("盐城市亭湖区")), 0);
		assert_string_equal(name + strlen(name) - strlen(suffix), suffix);
		demo_phone(&r, phone, sizeof(phone));
		assert_int_equal(strlen(phone), 13);
		assert_int_equal(strncmp(phone, "0515-0", 6), 0);
		assert_int_equal(strspn(phone + 5, "0123456789"), 8);
		demo_person(&r, person, sizeof(person));
		assert_true(strlen(person) == 6 || strlen(person) == 9); /* 2 or 3 characters */
		demo_profile(&r, &p);
		/* 工信部联企业〔2011〕300号, industry: the scale agrees with the head count */
		assert_string_equal(p.scale, p.employees < 20	  ? "micro"
					     : p.employees < 300  ? "small"
					     : p.employees < 1000 ? "medium"
								  : "large");
		for (size_t k = 0; k < 4; k++)
			grade_ok = grade_ok || strcmp(p.std_grade, grades[k]) == 0;
		for (size_t k = 0; k < 3; k++)
			status_ok = status_ok || strcmp(p.status, statuses[k]) == 0;
		assert_true(grade_ok && status_ok);
	}
}

/* The mix holds every high-risk category of docs/enterprise.md, picked by weight. */
static void test_industry_mix(void **state)
{
	static const char *const cats[] = { "mining", "hazchem", "fireworks", "metallurgy" };
	const struct demo_industry *mix = demo_industries();
	unsigned total = 0, w2614 = 0, hits = 0;
	struct demo_rng r;

	(void)state;
	for (size_t k = 0; k < 4; k++) {
		bool found = false;

		for (const struct demo_industry *i = mix; i->code; i++) {
			const char *c = enterprise_high_risk(i->code);

			found = found || (c && strcmp(c, cats[k]) == 0);
		}
		if (!found)
			fail_msg("no class of category %s in the mix", cats[k]);
	}
	for (const struct demo_industry *i = mix; i->code; i++) {
		assert_int_equal(strlen(i->code), 4);
		total += i->weight;
		if (strcmp(i->code, "2614") == 0)
			w2614 = i->weight;
	}
	demo_rng_seed(&r, 1);
	for (int i = 0; i < 100000; i++)
		hits += strcmp(demo_industry_pick(&r)->code, "2614") == 0;
	assert_true(fabs(hits / 100000.0 - (double)w2614 / total) < 0.01);
}

/* Same seed, same city: the generators depend on nothing else. */
static void test_same_seed_same_values(void **state)
{
	struct demo_rng a, b;
	char na[256], nb[256], ca[19], cb[19];

	(void)state;
	demo_rng_seed(&a, DEMO_SEED);
	demo_rng_seed(&b, DEMO_SEED);
	for (int i = 0; i < 100; i++) {
		demo_enterprise_name(&a, "响水县", demo_industry_pick(&a)->word, na, sizeof(na));
		demo_enterprise_name(&b, "响水县", demo_industry_pick(&b)->word, nb, sizeof(nb));
		assert_string_equal(na, nb);
		assert_int_equal(demo_uscc(&a, "320921", ca), 0);
		assert_int_equal(demo_uscc(&b, "320921", cb), 0);
		assert_string_equal(ca, cb);
	}
}

/* Shares of n draws of pick() equal to want, against pct percent (within 2 points). */
static void share_near(int hits, int n, double pct)
{
	if (fabs(100.0 * hits / n - pct) > 2.0)
		fail_msg("%d of %d is not about %.0f %%", hits, n, pct);
}

/* Named supervision 70 : 10 : 20, so that supervision=none lists about a fifth. */
static void test_supervision_shares(void **state)
{
	struct demo_rng r;
	int n[3] = { 0, 0, 0 };

	(void)state;
	demo_rng_seed(&r, 7);
	for (int i = 0; i < 20000; i++)
		n[demo_supervision_pick(&r)]++;
	share_near(n[DEMO_SUPERVISION_FULL], 20000, 70);
	share_near(n[DEMO_SUPERVISION_DEPT_ONLY], 20000, 10);
	share_near(n[DEMO_SUPERVISION_NONE], 20000, 20);
}

/*
 * Licence type by category: hazchem and fireworks producers a 安全生产许可证 (安全生产许可证
 * 条例 Art. 2), mining the mining licence, smelting none; storage and fuel retail of
 * hazardous chemicals a 危险化学品经营许可证 (危险化学品安全管理条例 Art. 33).
 */
static void test_licence_kind_by_class(void **state)
{
	static const struct {
		const char *code, *type, *prefix;
	} want[] = {
		{ "2614", "safety_production", "（苏）WH安许证字" },
		{ "2511", "safety_production", "（苏）WH安许证字" },
		{ "2672", "safety_production", "（苏）YH安许证字" },
		{ "1019", "mining", "（苏）FM安许证字" },
		{ "5942", "hazchem_business", "苏盐危化经字" },
		{ "5265", "hazchem_business", "苏盐危化经字" },
		{ "3130", NULL, NULL },
		{ "3216", NULL, NULL },
		{ "1711", NULL, NULL },
		{ "2710", NULL, NULL },
	};
	size_t held = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct demo_licence_kind *k = demo_licence_kind(want[i].code);

		if (want[i].type == NULL) {
			assert_null(k);
			continue;
		}
		assert_non_null(k);
		assert_string_equal(k->type, want[i].type);
		assert_string_equal(k->prefix, want[i].prefix);
		assert_true(k->issuer[0] != '\0');
	}
	for (const struct demo_industry *i = demo_industries(); i->code; i++) {
		const struct demo_licence_kind *k = demo_licence_kind(i->code);

		if (k) {
			assert_non_null(licence_type_zh(k->type));
			held++;
		}
	}
	assert_true(held >= 10);
}

/* Every drawn days_left lands in the state asked for, under the default and tight bands. */
static void test_licence_days_left_land_in_their_state(void **state)
{
	static const struct licence_bands bands[] = { { 90, 60, 30 },
						      { 2, 1, 0 },
						      { 2000, 1500, 10 } };
	struct demo_rng r;
	int64_t today;

	(void)state;
	assert_int_equal(date_parse("2026-11-30", &today), 0);
	demo_rng_seed(&r, 11);
	for (size_t b = 0; b < sizeof(bands) / sizeof(bands[0]); b++) {
		for (int s = LICENCE_STATE_VALID; s <= LICENCE_STATE_EXPIRED; s++) {
			int64_t lo = INT64_MAX, hi = INT64_MIN;

			for (int i = 0; i < 2000; i++) {
				int64_t d = demo_licence_days_left(&r, (enum licence_state)s,
								   &bands[b]);

				assert_int_equal(licence_state(today + d, today, &bands[b]), s);
				lo = d < lo ? d : lo;
				hi = d > hi ? d : hi;
			}
			if (b == 0 && s == LICENCE_STATE_VALID)
				assert_true(lo == 91 && hi <= 1095); /* within a 3-year term */
			if (b == 0 && s == LICENCE_STATE_EXPIRED)
				assert_true(lo >= -180 && hi == -1);
			if (b == 0 && s == LICENCE_STATE_EXPIRING_30)
				assert_true(lo == 0 && hi == 30);
		}
	}
}

static void test_licence_state_shares(void **state)
{
	struct demo_rng r;
	int n[5] = { 0, 0, 0, 0, 0 };

	(void)state;
	demo_rng_seed(&r, 13);
	for (int i = 0; i < 20000; i++)
		n[demo_licence_state_pick(&r)]++;
	share_near(n[LICENCE_STATE_VALID], 20000, 80);
	for (int s = LICENCE_STATE_EXPIRING_90; s <= LICENCE_STATE_EXPIRED; s++)
		share_near(n[s], 20000, 5);
}

/* 安全生产许可证条例 Art. 9: valid 3 years; the term ends the day before its anniversary. */
static void test_licence_term_is_three_years(void **state)
{
	static const char *const cases[][2] = {
		{ "2027-05-09", "2024-05-10" }, { "2028-02-29", "2025-03-01" },
		{ "2027-03-01", "2024-03-02" }, { "2024-02-28", "2021-03-01" },
		{ "2026-12-31", "2024-01-01" }, { "2027-01-01", "2024-01-02" },
	};
	char from[11], to[11];
	int64_t until;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(date_parse(cases[i][0], &until), 0);
		demo_licence_term(until, from, to);
		assert_string_equal(to, cases[i][0]);
		assert_string_equal(from, cases[i][1]);
	}
}

static void test_licence_number(void **state)
{
	char out[LICENCE_NUMBER_MAX];

	(void)state;
	demo_licence_number(demo_licence_kind("2614"), 2024, 12, out, sizeof(out));
	assert_string_equal(out, "（苏）WH安许证字〔2024〕0012（演示）");
	demo_licence_number(demo_licence_kind("5942"), 2025, 458, out, sizeof(out));
	assert_string_equal(out, "苏盐危化经字〔2025〕0458（演示）");
}

/* CRC-32 with a table (an implementation other than demo.c's bitwise one). */
static uint32_t crc_table_32(const unsigned char *p, size_t n)
{
	static uint32_t t[256];
	uint32_t c = 0xFFFFFFFFu;

	if (t[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;

			for (int k = 0; k < 8; k++)
				v = v & 1 ? 0xEDB88320u ^ (v >> 1) : v >> 1;
			t[i] = v;
		}
	for (size_t i = 0; i < n; i++)
		c = t[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ISO/IEC 15948: signature, IHDR 13 bytes, IDAT, IEND (CRC AE 42 60 82), every CRC right. */
static void test_png_is_well_formed_and_deterministic(void **state)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	unsigned char *a = NULL, *b = NULL, *c = NULL;
	size_t na = demo_png(7, false, 96, 72, &a), nb = demo_png(7, false, 96, 72, &b);
	size_t nc = demo_png(7, true, 96, 72, &c), off = 8;
	const char *types[3] = { "IHDR", "IDAT", "IEND" };

	(void)state;
	assert_true(na > 0 && na == nb && memcmp(a, b, na) == 0);
	assert_true(nc == na && memcmp(a, c, na) != 0);
	assert_memory_equal(a, sig, 8);
	for (int k = 0; k < 3; k++) {
		uint32_t len = get32(a + off);

		assert_memory_equal(a + off + 4, types[k], 4);
		assert_int_equal(get32(a + off + 8 + len), crc_table_32(a + off + 4, len + 4));
		if (k == 0) {
			assert_int_equal(len, 13);
			assert_int_equal(get32(a + off + 8), 96);
			assert_int_equal(get32(a + off + 12), 72);
			assert_int_equal(a[off + 16], 8); /* bit depth */
			assert_int_equal(a[off + 17], 2); /* RGB */
		}
		if (k == 1) /* zlib: CM 8, and the check bits */
			assert_int_equal(((a[off + 8] << 8) | a[off + 9]) % 31, 0);
		off += 12 + len;
	}
	assert_int_equal(off, na);
	assert_int_equal(get32(a + na - 4), 0xAE426082u);
	free(c);
	assert_int_equal(demo_png(7, false, 0, 10, &c), 0);
	assert_null(c);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_reference_outputs),
		cmocka_unit_test(test_lattice_fills_a_square_in_serpentine_order),
		cmocka_unit_test(test_lattice_leaves_a_notch_empty_and_keeps_its_minimum),
		cmocka_unit_test(test_share_splits_evenly_and_wholly),
		cmocka_unit_test(test_points_lie_in_cell_and_county),
		cmocka_unit_test(test_cell_geometry_is_a_marked_closed_square),
		cmocka_unit_test(test_credit_codes_are_valid_and_registered_in_the_county),
		cmocka_unit_test(test_names_phones_people_profiles),
		cmocka_unit_test(test_industry_mix),
		cmocka_unit_test(test_same_seed_same_values),
		cmocka_unit_test(test_supervision_shares),
		cmocka_unit_test(test_licence_kind_by_class),
		cmocka_unit_test(test_licence_days_left_land_in_their_state),
		cmocka_unit_test(test_licence_state_shares),
		cmocka_unit_test(test_licence_term_is_three_years),
		cmocka_unit_test(test_licence_number),
		cmocka_unit_test(test_png_is_well_formed_and_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
