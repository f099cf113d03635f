/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/risk/risk.c (issue 5, first slice: the pure rules). LEC and LS
 * grading at every threshold and both sides of it with the scales' own numbers
 * (STANDARDS.md §2.1, §2.2), every value off the LEC scale, the grading-table parser
 * and its errors with their line numbers, the other LS schemes as data, the shipped
 * data/risk/ files, grade -> colour / name / control level, a point's grade, and the
 * 12-month reassessment across month ends and 29 February. No server, no database.
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

#include "core/clock.h"
#include "core/err.h"
#include "risk/risk.h"
#include "core/banned.h"

static int64_t d(const char *s)
{
	int64_t day = 0;

	if (date_parse(s, &day) != 0)
		fail_msg("'%s' does not parse", s);
	return day;
}

static struct risk_table lec_table(void)
{
	struct risk_table t;

	risk_table_default(RISK_LEC, &t);
	return t;
}

static struct risk_table ls_table(void)
{
	struct risk_table t;

	risk_table_default(RISK_LS, &t);
	return t;
}

/* Assesses by LEC with the default table; fails the test on an error. */
static enum risk_grade lec(double l, double e, double c, int64_t want_d_x1000)
{
	struct risk_table t = lec_table();
	int64_t dx = -1;
	enum risk_grade g = RISK_GRADE_NONE;

	assert_int_equal(risk_lec_assess(&t, l, e, c, &dx, &g, NULL), 0);
	assert_int_equal(dx, want_d_x1000);
	return g;
}

/* ------------------------------------------------------------ LEC */

/*
 * STANDARDS.md §2.1, usual four-colour mapping: D >= 320 red, 160 <= D < 320 orange,
 * 70 <= D < 160 yellow, D < 70 blue. 70 is a product of the scales (1 x 10 x 7); 320
 * and 160 are not (no L x E x C lands on them): the nearest products on each side are
 * 300 / 360 and 150 / 180.
 */
static void test_lec_thresholds_with_scale_products(void **state)
{
	(void)state;
	/* 320: 0.5 x 6 x 100 = 300 below, 3 x 3 x 40 = 360 above. */
	assert_int_equal(lec(0.5, 6, 100, 300000), RISK_ORANGE);
	assert_int_equal(lec(1, 3, 100, 300000), RISK_ORANGE);
	assert_int_equal(lec(3, 3, 40, 360000), RISK_RED);
	/* 160: 0.5 x 3 x 100 = 150 below, 6 x 2 x 15 = 180 above. */
	assert_int_equal(lec(0.5, 3, 100, 150000), RISK_YELLOW);
	assert_int_equal(lec(6, 2, 15, 180000), RISK_ORANGE);
	/* 70 exactly: 1 x 10 x 7 (">=" at the bound: yellow); 3 x 3 x 7 = 63 below; 10 x 0.5 x
	 * 15 = 75 above. */
	assert_int_equal(lec(1, 10, 7, 70000), RISK_YELLOW);
	assert_int_equal(lec(10, 1, 7, 70000), RISK_YELLOW);
	assert_int_equal(lec(3, 3, 7, 63000), RISK_BLUE);
	assert_int_equal(lec(10, 0.5, 15, 75000), RISK_YELLOW);
	/* The extremes: 10 x 10 x 100 = 10000; 0.1 x 0.5 x 1 = 0.05. */
	assert_int_equal(lec(10, 10, 100, 10000000), RISK_RED);
	assert_int_equal(lec(0.1, 0.5, 1, 50), RISK_BLUE);
}

/*
 * The bounds themselves, for values that a configured table or another C scale could
 * reach (STANDARDS.md §2.1: "make the thresholds configurable"): 319.999 / 320 / 320.001,
 * 159.999 / 160 / 160.001, 69.999 / 70 / 70.001 in thousandths.
 */
static void test_lec_bounds_exact(void **state)
{
	struct risk_table t = lec_table();

	(void)state;
	assert_int_equal(risk_grade_value(&t, 320001), RISK_RED);
	assert_int_equal(risk_grade_value(&t, 320000), RISK_RED);
	assert_int_equal(risk_grade_value(&t, 319999), RISK_ORANGE);
	assert_int_equal(risk_grade_value(&t, 160001), RISK_ORANGE);
	assert_int_equal(risk_grade_value(&t, 160000), RISK_ORANGE);
	assert_int_equal(risk_grade_value(&t, 159999), RISK_YELLOW);
	assert_int_equal(risk_grade_value(&t, 70001), RISK_YELLOW);
	assert_int_equal(risk_grade_value(&t, 70000), RISK_YELLOW);
	assert_int_equal(risk_grade_value(&t, 69999), RISK_BLUE);
	assert_int_equal(risk_grade_value(&t, 0), RISK_BLUE);
	assert_int_equal(risk_grade_value(&t, -1), RISK_GRADE_NONE);
}

/*
 * STANDARDS.md §2.1: "some systems treat the exact boundary values differently": a ">"
 * table (data, not code) puts 70 exactly into blue and 320 exactly into orange.
 */
static void test_lec_boundary_gt_as_data(void **state)
{
	static const char csv[] = "table_id,method,boundary,grade,min\n"
				  "lec_gt,lec,gt,1,320\n"
				  "lec_gt,lec,gt,2,160\n"
				  "lec_gt,lec,gt,3,70\n"
				  "lec_gt,lec,gt,4,0\n";
	struct risk_table t;
	int line = -1;
	int64_t dx;
	enum risk_grade g;

	(void)state;
	assert_int_equal(risk_table_parse(csv, "lec_gt", &t, &line, NULL), 0);
	assert_true(t.boundary_gt);
	assert_int_equal(risk_lec_assess(&t, 1, 10, 7, &dx, &g, NULL), 0);
	assert_int_equal(dx, 70000);
	assert_int_equal(g, RISK_BLUE);
	assert_int_equal(risk_grade_value(&t, 70001), RISK_YELLOW);
	assert_int_equal(risk_grade_value(&t, 320000), RISK_ORANGE);
	assert_int_equal(risk_grade_value(&t, 320001), RISK_RED);
	assert_int_equal(risk_grade_value(&t, 160000), RISK_YELLOW);
}

/* STANDARDS.md §2.1: every scale value passes, as value x 10. */
static void test_lec_factor_scale_values(void **state)
{
	static const double lv[] = { 10, 6, 3, 1, 0.5, 0.2, 0.1 };
	static const int lx[] = { 100, 60, 30, 10, 5, 2, 1 };
	static const double ev[] = { 10, 6, 3, 2, 1, 0.5 };
	static const int ex[] = { 100, 60, 30, 20, 10, 5 };
	static const double cv[] = { 100, 40, 15, 7, 3, 1 };
	static const int cx[] = { 1000, 400, 150, 70, 30, 10 };
	int x;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		x = -1;
		assert_int_equal(risk_lec_factor(RISK_FACTOR_L, lv[i], &x, NULL), 0);
		assert_int_equal(x, lx[i]);
	}
	for (size_t i = 0; i < 6; i++) {
		x = -1;
		assert_int_equal(risk_lec_factor(RISK_FACTOR_E, ev[i], &x, NULL), 0);
		assert_int_equal(x, ex[i]);
		x = -1;
		assert_int_equal(risk_lec_factor(RISK_FACTOR_C, cv[i], &x, NULL), 0);
		assert_int_equal(x, cx[i]);
	}
}

/*
 * STANDARDS.md §2.1: only the scale's values. Each factor refuses the other factors'
 * values that are not on its own scale (L: 2, 40...; E: 0.2, 0.1, 40...; C: 10, 6, 0.5...),
 * values between steps, 0, negatives, NaN and infinity; the error names the factor.
 */
static void test_lec_factor_invalid(void **state)
{
	static const double bad_l[] = { 2, 7, 15, 40, 100, 5, 0.3, 0.05, 0, -1, 0.11, 1e9 };
	static const double bad_e[] = { 0.2, 0.1, 7, 15, 40, 100, 5, 4, 0, -0.5, 0.51 };
	static const double bad_c[] = { 10, 6, 2, 0.5, 0.2, 0.1, 50, 99, 0, -100, 100.5 };
	struct errmsg m;
	int x = 12345;
	double nan = NAN, inf = INFINITY;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_l) / sizeof(bad_l[0]); i++) {
		assert_int_equal(risk_lec_factor(RISK_FACTOR_L, bad_l[i], &x, &m), ERR_INVALID);
		assert_string_equal(m.field, "l");
	}
	for (size_t i = 0; i < sizeof(bad_e) / sizeof(bad_e[0]); i++) {
		assert_int_equal(risk_lec_factor(RISK_FACTOR_E, bad_e[i], &x, &m), ERR_INVALID);
		assert_string_equal(m.field, "e");
	}
	for (size_t i = 0; i < sizeof(bad_c) / sizeof(bad_c[0]); i++) {
		assert_int_equal(risk_lec_factor(RISK_FACTOR_C, bad_c[i], &x, &m), ERR_INVALID);
		assert_string_equal(m.field, "c");
	}
	for (int f = 0; f < 3; f++) {
		assert_int_equal(risk_lec_factor((enum risk_factor)f, nan, &x, &m), ERR_INVALID);
		assert_int_equal(risk_lec_factor((enum risk_factor)f, inf, &x, &m), ERR_INVALID);
		assert_int_equal(risk_lec_factor((enum risk_factor)f, -inf, &x, &m), ERR_INVALID);
	}
	assert_int_equal(x, 12345); /* never written on failure */
	assert_int_equal(risk_lec_factor((enum risk_factor)3, 1, &x, &m), ERR_INVALID);
}

/* risk_lec_assess names the first bad factor and refuses an LS table. */
static void test_lec_assess_errors(void **state)
{
	struct risk_table t = lec_table(), ls = ls_table();
	struct errmsg m;
	int64_t dx = -7;
	enum risk_grade g = RISK_GRADE_NONE;

	(void)state;
	assert_int_equal(risk_lec_assess(&t, 2, 6, 100, &dx, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "l");
	assert_int_equal(risk_lec_assess(&t, 10, 0.2, 100, &dx, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "e");
	assert_int_equal(risk_lec_assess(&t, 10, 6, 10, &dx, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "c");
	assert_int_equal(risk_lec_assess(&ls, 10, 6, 100, &dx, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "table");
	assert_int_equal(dx, -7);
}

/*
 * Exact arithmetic: every product of the scales is D x 1000 exactly, compared with the
 * product computed in tenths by hand for the 7 x 6 x 6 combinations (STANDARDS.md §2.1).
 * 0.1 x 0.1-style float error (0.1 x 3 = 0.30000000000000004) cannot move a value across
 * a bound.
 */
static void test_lec_exact_products(void **state)
{
	static const double lv[] = { 10, 6, 3, 1, 0.5, 0.2, 0.1 };
	static const int lx[] = { 100, 60, 30, 10, 5, 2, 1 };
	static const double ev[] = { 10, 6, 3, 2, 1, 0.5 };
	static const int ex[] = { 100, 60, 30, 20, 10, 5 };
	static const double cv[] = { 100, 40, 15, 7, 3, 1 };
	static const int cx[] = { 1000, 400, 150, 70, 30, 10 };
	struct risk_table t = lec_table();
	int n = 0;

	(void)state;
	for (size_t i = 0; i < 7; i++)
		for (size_t j = 0; j < 6; j++)
			for (size_t k = 0; k < 6; k++) {
				int64_t want = (int64_t)lx[i] * ex[j] * cx[k], dx;
				enum risk_grade g, wg;

				assert_int_equal(
					risk_lec_assess(&t, lv[i], ev[j], cv[k], &dx, &g, NULL), 0);
				assert_int_equal(dx, want);
				wg = want >= 320000   ? RISK_RED
				     : want >= 160000 ? RISK_ORANGE
				     : want >= 70000  ? RISK_YELLOW
						      : RISK_BLUE;
				assert_int_equal(g, wg);
				n++;
			}
	assert_int_equal(n, 252);
	/* The float product of 0.1 x 3 is not 0.3; the exact one is. */
	assert_int_equal(risk_lec_d_x1000(1, 30, 10), 300);
}

/* ------------------------------------------------------------ LS */

/*
 * STANDARDS.md §2.2, DB37/T 2882-2016 family: 20-25 red, 15-16 orange, 9-12 yellow, 1-8
 * blue. Both sides of each bound with products of L, S in 1..5: 8 (2x4) / 9 (3x3),
 * 12 (3x4) / 15 (3x5), 16 (4x4) / 20 (4x5), and 1, 25.
 */
static void test_ls_default_bands(void **state)
{
	static const struct {
		int l, s, r;
		enum risk_grade g;
	} c[] = {
		{ 1, 1, 1, RISK_BLUE },	   { 2, 4, 8, RISK_BLUE },    { 4, 2, 8, RISK_BLUE },
		{ 3, 3, 9, RISK_YELLOW },  { 2, 5, 10, RISK_YELLOW }, { 3, 4, 12, RISK_YELLOW },
		{ 3, 5, 15, RISK_ORANGE }, { 5, 3, 15, RISK_ORANGE }, { 4, 4, 16, RISK_ORANGE },
		{ 4, 5, 20, RISK_RED },	   { 5, 4, 20, RISK_RED },    { 5, 5, 25, RISK_RED },
	};
	struct risk_table t = ls_table();

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int r = -1;
		enum risk_grade g = RISK_GRADE_NONE;

		assert_int_equal(risk_ls_assess(&t, c[i].l, c[i].s, &r, &g, NULL), 0);
		assert_int_equal(r, c[i].r);
		assert_int_equal(g, c[i].g);
	}
}

/* STANDARDS.md §2.2: L and S integers 1..5; an LEC table is refused. */
static void test_ls_invalid(void **state)
{
	struct risk_table t = ls_table(), l = lec_table();
	struct errmsg m;
	int r = -3;
	enum risk_grade g = RISK_GRADE_NONE;

	(void)state;
	assert_int_equal(risk_ls_assess(&t, 0, 3, &r, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "l");
	assert_int_equal(risk_ls_assess(&t, 6, 3, &r, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "l");
	assert_int_equal(risk_ls_assess(&t, -1, 3, &r, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "l");
	assert_int_equal(risk_ls_assess(&t, 3, 0, &r, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "s");
	assert_int_equal(risk_ls_assess(&t, 3, 6, &r, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "s");
	assert_int_equal(risk_ls_assess(&l, 3, 3, &r, &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "table");
	assert_int_equal(r, -3);
	/* Out of the matrix altogether: not graded. */
	assert_int_equal(risk_grade_value(&t, 0), RISK_GRADE_NONE);
	assert_int_equal(risk_grade_value(&t, 26), RISK_GRADE_NONE);
}

/* ------------------------------------------------------------ the shipped tables */

static char *read_data(const char *rel)
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

/* Field by field: a struct copy need not copy its padding. */
static void assert_table_equal(const struct risk_table *a, const struct risk_table *b)
{
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->method, b->method);
	assert_int_equal(a->boundary_gt, b->boundary_gt);
	for (int g = 0; g < 4; g++)
		assert_int_equal(a->min[g], b->min[g]);
}

static void assert_grades(const struct risk_table *t, const int *from, const int *to)
{
	for (int g = 0; g < 4; g++)
		for (int r = from[g]; r <= to[g]; r++)
			assert_int_equal(risk_grade_value(t, r), g + 1);
}

/*
 * data/risk/grading_tables.csv: the defaults (STANDARDS.md §2.1 and §2.2) are what
 * risk_table_default gives; the other LS schemes of §2.2 are data and grade every R of
 * their bands: 17-25/11-16/5-10/1-4, and the coal scheme 20-25/15-19/10-14/1-9.
 */
static void test_shipped_tables(void **state)
{
	char *csv = read_data("data/risk/grading_tables.csv");
	struct risk_table t, def;
	int line = -1;
	static const int db37_from[] = { 20, 15, 9, 1 }, db37_to[] = { 25, 16, 12, 8 };
	static const int s17_from[] = { 17, 11, 5, 1 }, s17_to[] = { 25, 16, 10, 4 };
	static const int coal_from[] = { 20, 15, 10, 1 }, coal_to[] = { 25, 19, 14, 9 };

	(void)state;
	assert_int_equal(risk_table_parse(csv, RISK_TABLE_LEC_DEFAULT, &t, &line, NULL), 0);
	risk_table_default(RISK_LEC, &def);
	assert_table_equal(&t, &def);
	assert_int_equal(risk_table_parse(csv, RISK_TABLE_LS_DEFAULT, &t, &line, NULL), 0);
	risk_table_default(RISK_LS, &def);
	assert_table_equal(&t, &def);
	assert_grades(&t, db37_from, db37_to);

	assert_int_equal(risk_table_parse(csv, "ls_17_v1", &t, &line, NULL), 0);
	assert_string_equal(t.id, "ls_17_v1");
	assert_grades(&t, s17_from, s17_to);
	/* The same R in different schemes: 16 is orange in both, 12 is orange here. */
	assert_int_equal(risk_grade_value(&t, 12), RISK_ORANGE);
	assert_int_equal(risk_grade_value(&t, 4), RISK_BLUE);
	assert_int_equal(risk_grade_value(&t, 5), RISK_YELLOW);

	assert_int_equal(risk_table_parse(csv, "ls_coal_v1", &t, &line, NULL), 0);
	assert_grades(&t, coal_from, coal_to);
	assert_int_equal(risk_grade_value(&t, 9), RISK_BLUE);
	assert_int_equal(risk_grade_value(&t, 10), RISK_YELLOW);
	free(csv);
}

/* data/risk/lec_scales.csv (the copy of STANDARDS.md §2.1's data) holds exactly the
 * values risk_lec_factor accepts: 7 L, 6 E, 6 C. */
static void test_shipped_lec_scales(void **state)
{
	char *csv = read_data("data/risk/lec_scales.csv");
	char *p = strchr(csv, '\n');
	int counts[3] = { 0, 0, 0 };

	(void)state;
	assert_non_null(p);
	for (p = p + 1; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		int f = *p == 'L' ? 0 : *p == 'E' ? 1 : *p == 'C' ? 2 : -1;
		double v;
		int x;

		assert_true(f >= 0);
		v = strtod(p + 2, NULL);
		assert_int_equal(risk_lec_factor((enum risk_factor)f, v, &x, NULL), 0);
		counts[f]++;
	}
	assert_int_equal(counts[0], 7);
	assert_int_equal(counts[1], 6);
	assert_int_equal(counts[2], 6);
	free(csv);
}

/* ------------------------------------------------------------ the parser's errors */

static void parse_fails(const char *csv, const char *id, int want_line)
{
	struct risk_table t;
	struct errmsg m;
	int line = -1;

	memset(&t, 0x5a, sizeof(t));
	if (risk_table_parse(csv, id, &t, &line, &m) != ERR_INVALID)
		fail_msg("parsed: %s", csv);
	if (line != want_line)
		fail_msg("line %d, want %d (%s) for: %s", line, want_line, m.text, csv);
	assert_string_equal(m.field, "table");
}

#define H   "table_id,method,boundary,grade,min\n"
#define LS4 "a,ls,ge,1,20\na,ls,ge,2,15\na,ls,ge,3,9\na,ls,ge,4,1\n"

/* The format is this project's (docs/risk.md): each error gives its line. */
static void test_parse_errors(void **state)
{
	struct risk_table t;
	int line = -1;

	(void)state;
	/* The good table first, with comments, blank lines and CRLF. */
	assert_int_equal(risk_table_parse("# x\r\n\r\n" H LS4, "a", &t, &line, NULL), 0);
	assert_int_equal(line, 0);
	assert_int_equal(t.min[2], 9);

	parse_fails("", "a", 0);					    /* no header */
	parse_fails("# only a comment\n", "a", 0);			    /* no header */
	parse_fails("table_id,method,grade,min\n" LS4, "a", 1);		    /* wrong header */
	parse_fails(H LS4, "b", 0);					    /* no such table */
	parse_fails(H "a,ls,ge,1,20\na,ls,ge,2,15\na,ls,ge,4,1\n", "a", 0); /* no grade 3 */
	parse_fails(H "a,ls,ge,1,20\n\na,ls,ge,1\n", "a", 4);		    /* 4 fields */
	parse_fails(H "a,ls,ge,1,20,x\n", "a", 2);			    /* 6 fields */
	parse_fails(H "A,ls,ge,1,20\n", "a", 2);			    /* bad id */
	parse_fails(H ",ls,ge,1,20\n", "a", 2);				    /* empty id */
	parse_fails(H "a,lsx,ge,1,20\n", "a", 2);			    /* method */
	parse_fails(H "a,ls,ge=,1,20\n", "a", 2);			    /* boundary */
	parse_fails(H "a,ls,ge,5,20\n", "a", 2);			    /* grade 5 */
	parse_fails(H "a,ls,ge,0,20\n", "a", 2);			    /* grade 0 */
	parse_fails(H "a,ls,ge,11,20\n", "a", 2);			    /* grade 11 */
	parse_fails(H "a,ls,ge,1,\n", "a", 2);				    /* no min */
	parse_fails(H "a,ls,ge,1,-1\n", "a", 2);			    /* negative */
	parse_fails(H "a,ls,ge,1,2x\n", "a", 2);			    /* not a number */
	parse_fails(H "a,ls,ge,1,9.5\n", "a", 2);			    /* LS: integer */
	parse_fails(H "a,ls,ge,1,26\n", "a", 2);			    /* LS: above 25 */
	parse_fails(H "a,ls,ge,1,0\n", "a", 2);				    /* LS: below 1 */
	parse_fails(H "a,lec,ge,1,320.0001\n", "a", 2);			    /* 4 fraction digits */
	parse_fails(H "a,lec,ge,1,320.\n", "a", 2);			    /* no fraction digit */
	parse_fails(H "a,lec,ge,1,1234567890\n", "a", 2);		    /* too many digits */
	/* A broken row of another table still fails the file. */
	parse_fails(H LS4 "b,ls,ge,9,1\n", "a", 6);
	/* The table's own consistency. */
	parse_fails(H LS4 "a,ls,ge,2,16\n", "a", 6); /* grade 2 twice */
	parse_fails(H "a,ls,ge,1,20\na,ls,gt,2,15\n", "a", 3);
	parse_fails(H "a,ls,ge,1,20\na,lec,ge,2,15\n", "a", 3);
	/* Bounds out of order: the lower grade's row. */
	parse_fails(H "a,ls,ge,1,15\na,ls,ge,2,15\na,ls,ge,3,9\na,ls,ge,4,1\n", "a", 3);
	parse_fails(H "a,ls,ge,4,1\na,ls,ge,3,9\na,ls,ge,2,15\na,ls,ge,1,12\n", "a", 4);
	/* Grade 4 not at the floor (a gap below it). */
	parse_fails(H "a,ls,ge,1,20\na,ls,ge,2,15\na,ls,ge,3,9\na,ls,ge,4,2\n", "a", 5);
	parse_fails(H "a,lec,ge,1,320\na,lec,ge,2,160\na,lec,ge,3,70\na,lec,ge,4,20\n", "a", 5);
	/* An id too long for the table. */
	parse_fails(H
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,ls,ge,1,1\n",
		    "a", 2);
}

/* LEC bounds may have decimals (thousandths), kept exactly. */
static void test_parse_lec_decimals(void **state)
{
	struct risk_table t;
	int line;

	(void)state;
	assert_int_equal(risk_table_parse(H "x,lec,ge,3,20.5\nx,lec,ge,1,320.125\n"
					    "x,lec,ge,2,160\nx,lec,ge,4,0\n",
					  "x", &t, &line, NULL),
			 0);
	assert_int_equal(t.min[0], 320125);
	assert_int_equal(t.min[1], 160000);
	assert_int_equal(t.min[2], 20500);
	assert_int_equal(t.min[3], 0);
	assert_int_equal(t.method, RISK_LEC);
	assert_int_equal(risk_grade_value(&t, 20499), RISK_BLUE);
	assert_int_equal(risk_grade_value(&t, 20500), RISK_YELLOW);
}

/* ------------------------------------------------------------ names, levels, points */

/* STANDARDS.md §2.3 (data/risk/risk_colour_grades.csv) and issue 5 §3 (control level). */
static void test_grade_names_and_levels(void **state)
{
	(void)state;
	assert_string_equal(risk_grade_colour(RISK_RED), "red");
	assert_string_equal(risk_grade_colour(RISK_ORANGE), "orange");
	assert_string_equal(risk_grade_colour(RISK_YELLOW), "yellow");
	assert_string_equal(risk_grade_colour(RISK_BLUE), "blue");
	assert_string_equal(risk_grade_colour(RISK_GRADE_NONE), "?");
	assert_string_equal(risk_grade_colour((enum risk_grade)5), "?");
	assert_string_equal(risk_grade_colour_zh(RISK_RED), "红");
	assert_string_equal(risk_grade_colour_zh(RISK_ORANGE), "橙");
	assert_string_equal(risk_grade_colour_zh(RISK_YELLOW), "黄");
	assert_string_equal(risk_grade_colour_zh(RISK_BLUE), "蓝");
	assert_string_equal(risk_grade_name_zh(RISK_RED), "重大风险");
	assert_string_equal(risk_grade_name_zh(RISK_ORANGE), "较大风险");
	assert_string_equal(risk_grade_name_zh(RISK_YELLOW), "一般风险");
	assert_string_equal(risk_grade_name_zh(RISK_BLUE), "低风险");
	assert_string_equal(risk_grade_name_zh((enum risk_grade) - 1), "?");
	assert_int_equal(risk_grade_control_level(RISK_RED), RISK_LEVEL_COMPANY);
	assert_int_equal(risk_grade_control_level(RISK_ORANGE), RISK_LEVEL_DEPARTMENT);
	assert_int_equal(risk_grade_control_level(RISK_YELLOW), RISK_LEVEL_TEAM);
	assert_int_equal(risk_grade_control_level(RISK_BLUE), RISK_LEVEL_POST);
	assert_int_equal(risk_grade_control_level(RISK_GRADE_NONE), RISK_LEVEL_NONE);
	assert_int_equal(risk_grade_control_level((enum risk_grade)9), RISK_LEVEL_NONE);
	assert_string_equal(risk_control_level_name(RISK_LEVEL_COMPANY), "company");
	assert_string_equal(risk_control_level_name(RISK_LEVEL_DEPARTMENT), "department");
	assert_string_equal(risk_control_level_name(RISK_LEVEL_TEAM), "team");
	assert_string_equal(risk_control_level_name(RISK_LEVEL_POST), "post");
	assert_string_equal(risk_control_level_name(RISK_LEVEL_NONE), "?");
}

/* Issue 5 §2: a point's grade is the highest of its danger sources'. */
static void test_point_grade(void **state)
{
	enum risk_grade a[] = { RISK_BLUE, RISK_YELLOW, RISK_ORANGE, RISK_YELLOW };
	enum risk_grade b[] = { RISK_BLUE, RISK_RED, RISK_BLUE };
	enum risk_grade c[] = { RISK_GRADE_NONE, (enum risk_grade)7, RISK_BLUE };
	enum risk_grade e[] = { RISK_GRADE_NONE, (enum risk_grade) - 2 };

	(void)state;
	assert_int_equal(risk_point_grade(a, 4), RISK_ORANGE);
	assert_int_equal(risk_point_grade(b, 3), RISK_RED);
	assert_int_equal(risk_point_grade(b, 1), RISK_BLUE);
	assert_int_equal(risk_point_grade(c, 3), RISK_BLUE);
	assert_int_equal(risk_point_grade(e, 2), RISK_GRADE_NONE);
	assert_int_equal(risk_point_grade(NULL, 0), RISK_GRADE_NONE);
}

/* ------------------------------------------------------------ reassessment */

/*
 * Issue 5 §2 ("points not reassessed within 12 months are listed"); the date rule is
 * practice (docs/risk.md): due on the same day of the month 12 months later, 29 February
 * -> 28 February; due on the due day itself, not the day before.
 */
static void test_reassess_due(void **state)
{
	static const struct {
		const char *assessed, *due;
	} c[] = {
		{ "2026-01-31", "2027-01-31" }, { "2026-03-31", "2027-03-31" },
		{ "2026-04-30", "2027-04-30" }, { "2026-12-31", "2027-12-31" },
		{ "2026-02-28", "2027-02-28" }, { "2028-02-29", "2029-02-28" },
		{ "2028-02-28", "2029-02-28" }, { "2027-03-01", "2028-03-01" },
		{ "2027-02-28", "2028-02-28" }, /* not 29: the same day of the month */
		{ "2026-11-29", "2027-11-29" }, { "1999-12-31", "2000-12-31" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int64_t a = d(c[i].assessed), due = d(c[i].due);

		if (risk_reassess_due(a) != due)
			fail_msg("%s: due %lld, want %s", c[i].assessed,
				 (long long)risk_reassess_due(a), c[i].due);
		assert_false(risk_reassess_is_due(a, due - 1));
		assert_true(risk_reassess_is_due(a, due));
		assert_true(risk_reassess_is_due(a, due + 1));
		assert_false(risk_reassess_is_due(a, a));
	}
	/* Month end across a leap year: 2027-03-31 -> 2028-03-31, 366 days. */
	assert_int_equal(risk_reassess_due(d("2027-03-31")) - d("2027-03-31"), 366);
	assert_int_equal(risk_reassess_due(d("2028-02-29")) - d("2028-02-29"), 365);
}

/* docs/risk.md "An enterprise's grade": the highest of its assessed points (our rule). */
static void test_enterprise_grade_is_highest_point(void **state)
{
	enum risk_grade mixed[] = { RISK_BLUE, RISK_GRADE_NONE, RISK_ORANGE, RISK_YELLOW };
	enum risk_grade one_red[] = { RISK_BLUE, RISK_BLUE, RISK_RED };
	enum risk_grade none[] = { RISK_GRADE_NONE, RISK_GRADE_NONE };

	(void)state;
	assert_int_equal(risk_enterprise_grade(mixed, 4), RISK_ORANGE);
	assert_int_equal(risk_enterprise_grade(one_red, 3), RISK_RED);
	assert_int_equal(risk_enterprise_grade(none, 2), RISK_GRADE_NONE);
	assert_int_equal(risk_enterprise_grade(NULL, 0), RISK_GRADE_NONE);
}

/* Issue 5 §3: red company; orange department or higher; yellow team or higher; blue any. */
static void test_control_level_enough(void **state)
{
	(void)state;
	assert_int_equal(risk_control_level_parse("department"), RISK_LEVEL_DEPARTMENT);
	assert_int_equal(risk_control_level_parse("boss"), RISK_LEVEL_NONE);
	assert_int_equal(risk_control_level_parse(NULL), RISK_LEVEL_NONE);
	assert_true(risk_control_level_enough(RISK_LEVEL_COMPANY, RISK_RED));
	assert_false(risk_control_level_enough(RISK_LEVEL_DEPARTMENT, RISK_RED));
	assert_true(risk_control_level_enough(RISK_LEVEL_DEPARTMENT, RISK_ORANGE));
	assert_false(risk_control_level_enough(RISK_LEVEL_TEAM, RISK_ORANGE));
	assert_true(risk_control_level_enough(RISK_LEVEL_TEAM, RISK_YELLOW));
	assert_true(risk_control_level_enough(RISK_LEVEL_COMPANY, RISK_YELLOW));
	assert_false(risk_control_level_enough(RISK_LEVEL_POST, RISK_YELLOW));
	assert_true(risk_control_level_enough(RISK_LEVEL_POST, RISK_BLUE));
	assert_true(risk_control_level_enough(RISK_LEVEL_POST, RISK_GRADE_NONE));
	assert_false(risk_control_level_enough(RISK_LEVEL_NONE, RISK_BLUE));
}

static void test_polygon_check(void **state)
{
	double tri[] = { 0, 0, 100, 0, 50, 80 };
	double out[] = { 0, 0, 101, 0, 50, 80 };
	double neg[] = { 0, -1, 10, 0, 5, 8 };
	double bad[] = { 0, 0, NAN, 0, 5, 8 };
	double *many = calloc(2 * (RISK_POLYGON_MAX + 1), sizeof(double));
	struct errmsg m;

	(void)state;
	assert_int_equal(risk_polygon_check(tri, 3, 100, 80, &m), 0);
	assert_int_equal(risk_polygon_check(tri, 2, 100, 80, &m), ERR_INVALID);
	assert_string_equal(m.field, "polygon");
	assert_int_equal(risk_polygon_check(out, 3, 100, 80, &m), ERR_INVALID);
	assert_int_equal(risk_polygon_check(out, 3, 0, 0, &m), 0); /* no plan: no bound */
	assert_int_equal(risk_polygon_check(neg, 3, 0, 0, &m), ERR_INVALID);
	assert_int_equal(risk_polygon_check(bad, 3, 0, 0, &m), ERR_INVALID);
	assert_non_null(many);
	assert_int_equal(risk_polygon_check(many, RISK_POLYGON_MAX, 0, 0, &m), 0);
	assert_int_equal(risk_polygon_check(many, RISK_POLYGON_MAX + 1, 0, 0, &m), ERR_INVALID);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lec_thresholds_with_scale_products),
		cmocka_unit_test(test_lec_bounds_exact),
		cmocka_unit_test(test_lec_boundary_gt_as_data),
		cmocka_unit_test(test_lec_factor_scale_values),
		cmocka_unit_test(test_lec_factor_invalid),
		cmocka_unit_test(test_lec_assess_errors),
		cmocka_unit_test(test_lec_exact_products),
		cmocka_unit_test(test_ls_default_bands),
		cmocka_unit_test(test_ls_invalid),
		cmocka_unit_test(test_shipped_tables),
		cmocka_unit_test(test_shipped_lec_scales),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_lec_decimals),
		cmocka_unit_test(test_grade_names_and_levels),
		cmocka_unit_test(test_point_grade),
		cmocka_unit_test(test_reassess_due),
		cmocka_unit_test(test_enterprise_grade_is_highest_point),
		cmocka_unit_test(test_control_level_enough),
		cmocka_unit_test(test_polygon_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
