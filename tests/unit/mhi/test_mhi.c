/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/mhi/mhi.c (issue 6 point 1: GB 18218-2018 rules). The shipped
 * data/mhi/ tables parsed and cross-checked, look-ups by name, alias, CAS and category,
 * Q by Table 1 else the lowest Table 2 value (4.1.2), identification at exactly S = 1
 * (4.2.1, formula 1), R (4.3.2, formula 2) with beta from Tables 3/4 and alpha from
 * Table 5 at every bracket, every Table 6 bound on both sides, the worked example of
 * STANDARDS.md §1, the published installations of the reference (realdata/major-hazard),
 * and the parsers' errors with their line numbers. No server, no database.
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
#include "mhi/mhi.h"
#include "core/banned.h"

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

/* The shipped tables, parsed in order (Table 4 after Table 2) and checked. */
static int setup(void **state)
{
	struct mhi_tables *t = malloc(sizeof(*t));
	struct errmsg m;

	assert_non_null(t);
	mhi_tables_init(t);
	for (int id = 0; id < MHI_TABLE_COUNT; id++) {
		char rel[128];
		char *text;
		int line = -1;

		snprintf(rel, sizeof(rel), "data/mhi/%s", mhi_table_file((enum mhi_table_id)id));
		text = read_data(rel);
		memset(&m, 0, sizeof(m));
		if (mhi_tables_parse(t, (enum mhi_table_id)id, text, &line, &m) != 0)
			fail_msg("%s line %d: %s", rel, line, m.text);
		assert_int_equal(line, 0);
		free(text);
	}
	memset(&m, 0, sizeof(m));
	if (mhi_tables_check(t, &m) != 0)
		fail_msg("check: %s: %s", m.field, m.text);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	mhi_tables_release(*state);
	free(*state);
	return 0;
}

/* Assesses items; fails the test on an error. */
static void assess(const struct mhi_tables *t, const struct mhi_item *items, size_t n, int people,
		   struct mhi_result *r)
{
	struct errmsg m;

	memset(&m, 0, sizeof(m));
	if (mhi_assess(t, items, n, people, r, &m) != 0)
		fail_msg("assess: %s: %s", m.field, m.text);
}

/* Assesses items expecting ERR_INVALID naming field. */
static void assess_fails(const struct mhi_tables *t, const struct mhi_item *items, size_t n,
			 int people, const char *field)
{
	struct mhi_result r;
	struct errmsg m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(mhi_assess(t, items, n, people, &r, &m), ERR_INVALID);
	assert_string_equal(m.field, field);
	assert_null(r.lines);
}

/* ------------------------------------------------------------ the tables */

static void test_shipped_tables_have_the_standard_rows(void **state)
{
	const struct mhi_tables *t = *state;

	assert_int_equal(t->nchemicals, 85);   /* 表1 序号 1..85 */
	assert_int_equal(t->ncategories, 24);  /* 表2 J1..J5, W1.1..W11 */
	assert_int_equal(t->nnamed_betas, 14); /* 表3 */
	assert_int_equal(t->nalphas, 5);       /* 表5 */
	assert_int_equal(t->ngrades, 4);       /* 表6 */
	/* A few cells of each, as the standard prints them. */
	assert_int_equal(mhi_chemical_by_seq(t, 6)->threshold_kg, 300);	 /* 光气 0.3 t */
	assert_int_equal(mhi_chemical_by_seq(t, 30)->threshold_kg, 750); /* 异氰酸甲酯 0.75 */
	assert_int_equal(mhi_chemical_by_seq(t, 46)->threshold_kg, 1000000); /* 硝酸钾 1 000 */
	assert_int_equal(mhi_category_find(t, "W3")->threshold_kg, 150000);  /* 净重 */
	assert_int_equal(mhi_category_find(t, "W5.4")->threshold_kg, 5000000);
	assert_int_equal(mhi_category_find(t, "W2")->beta_milli, 1500);
	assert_int_equal(mhi_category_find(t, "J1")->beta_milli, 4000);
	assert_int_equal(mhi_named_beta_find(t, "碳酰氯")->beta_milli, 20000);
}

static void test_cas_check_digit(void **state)
{
	(void)state;
	assert_true(mhi_cas_valid("7782-50-5"));  /* chlorine */
	assert_true(mhi_cas_valid("50-00-0"));	  /* formaldehyde */
	assert_true(mhi_cas_valid("68476-85-7")); /* LPG */
	assert_false(mhi_cas_valid("7782-50-4"));
	assert_false(mhi_cas_valid("12-3-4"));
	assert_false(mhi_cas_valid("7782-50-5 "));
	assert_false(mhi_cas_valid(""));
	assert_false(mhi_cas_valid(NULL));
}

/*
 * The reference's warning: public copies of Table 1 pair names and CAS numbers wrongly
 * (磷化氢 with 7783-06-4, which is 硫化氢). The cross check refuses such a Table 3.
 */
static void test_check_refuses_a_wrong_name_cas_pair(void **state)
{
	const struct mhi_tables *good = *state;
	struct mhi_tables t;
	struct errmsg m;
	char *text;
	int line = -1;

	mhi_tables_init(&t);
	for (int id = 0; id < MHI_TABLE_COUNT; id++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "data/mhi/%s", mhi_table_file((enum mhi_table_id)id));
		text = read_data(rel);
		if (id == MHI_TABLE3) {
			free(text);
			text = strdup("name_zh,name_en,cas,beta\n"
				      "磷化氢,Phosphine,7783-06-4,20\n");
		}
		assert_int_equal(mhi_tables_parse(&t, (enum mhi_table_id)id, text, &line, NULL), 0);
		free(text);
	}
	memset(&m, 0, sizeof(m));
	assert_int_equal(mhi_tables_check(&t, &m), ERR_INVALID);
	assert_string_equal(m.field, "table3");
	assert_non_null(strstr(m.text, "磷化氢"));
	assert_non_null(strstr(m.text, "7803-51-2")); /* Table 1's CAS of 磷化氢 */
	mhi_tables_release(&t);
	(void)good;
}

/* Each file's errors name their line. */
static void test_parse_errors_have_line_numbers(void **state)
{
	struct mhi_tables t;
	struct errmsg m;
	int line = -1;

	(void)state;
	mhi_tables_init(&t);
	/* A bad CAS check digit on line 3. */
	assert_int_equal(
		mhi_tables_parse(&t, MHI_TABLE1,
				 "seq,name_zh,name_en,alias_zh,cas,critical_quantity_t,note\n"
				 "1,氨,Ammonia,液氨,7664-41-7,10,\n"
				 "12,氯,Chlorine,液氯,7782-50-4,5,\n",
				 &line, &m),
		ERR_INVALID);
	assert_int_equal(line, 3);
	assert_string_equal(m.field, "table1");
	assert_non_null(strstr(m.text, "line 3"));
	assert_int_equal(t.nchemicals, 0); /* nothing kept of a bad file */
	/* A quantity that is not a decimal, after a blank line: line 4. */
	assert_int_equal(
		mhi_tables_parse(&t, MHI_TABLE1,
				 "seq,name_zh,name_en,alias_zh,cas,critical_quantity_t,note\n"
				 "1,氨,Ammonia,液氨,7664-41-7,10,\n"
				 "\n"
				 "2,氯,Chlorine,液氯,7782-50-5,5t,\n",
				 &line, &m),
		ERR_INVALID);
	assert_int_equal(line, 4);
	/* The same seq twice. */
	assert_int_equal(
		mhi_tables_parse(&t, MHI_TABLE1,
				 "seq,name_zh,name_en,alias_zh,cas,critical_quantity_t,note\n"
				 "1,氨,Ammonia,,7664-41-7,10,\n"
				 "1,氯,Chlorine,,7782-50-5,5,\n",
				 &line, &m),
		ERR_INVALID);
	assert_int_equal(line, 3);
	/* A wrong header is line 1; no rows is line 0. */
	assert_int_equal(mhi_tables_parse(&t, MHI_TABLE5, "people,alpha\n0,0.5\n", &line, &m),
			 ERR_INVALID);
	assert_int_equal(line, 1);
	assert_int_equal(mhi_tables_parse(&t, MHI_TABLE5, "label_zh,people_min,people_max,alpha\n",
					  &line, &m),
			 ERR_INVALID);
	assert_int_equal(line, 0);
	/* Table 4 before Table 2: its symbols are unknown. */
	assert_int_equal(mhi_tables_parse(&t, MHI_TABLE4,
					  "hazard_class_zh,symbol,beta\n急性毒性,J1,4\n", &line,
					  &m),
			 ERR_INVALID);
	assert_int_equal(line, 2);
	/* Table 4 must give every Table 2 category a beta. */
	assert_int_equal(
		mhi_tables_parse(
			&t, MHI_TABLE2,
			"hazard_group,hazard_class_zh,symbol,category_desc_zh,category_desc_en,"
			"critical_quantity_t,note\n"
			"健康危害,急性毒性,J1,a,b,5,\n"
			"物理危险,易燃气体,W2,a,b,10,\n",
			&line, &m),
		0);
	assert_int_equal(mhi_tables_parse(&t, MHI_TABLE4,
					  "hazard_class_zh,symbol,beta\n急性毒性,J1,4\n", &line,
					  &m),
			 ERR_INVALID);
	assert_int_equal(line, 0);
	assert_non_null(strstr(m.text, "W2"));
	/* A bad symbol and a beta of 0. */
	assert_int_equal(
		mhi_tables_parse(&t, MHI_TABLE4,
				 "hazard_class_zh,symbol,beta\n急性毒性,J1,4\n易燃气体,X2,1\n",
				 &line, &m),
		ERR_INVALID);
	assert_int_equal(line, 3);
	assert_int_equal(mhi_tables_parse(&t, MHI_TABLE4,
					  "hazard_class_zh,symbol,beta\n急性毒性,J1,0\n", &line,
					  &m),
			 ERR_INVALID);
	assert_int_equal(line, 2);
	/* Table 6: grade 5, and max below min. */
	assert_int_equal(
		mhi_tables_parse(&t, MHI_TABLE6,
				 "grade_zh,grade,condition,r_min_inclusive,r_max_exclusive\n"
				 "五级,5,x,,10\n",
				 &line, &m),
		ERR_INVALID);
	assert_int_equal(line, 2);
	assert_int_equal(
		mhi_tables_parse(&t, MHI_TABLE6,
				 "grade_zh,grade,condition,r_min_inclusive,r_max_exclusive\n"
				 "一级,1,x,100,\n二级,2,x,100,50\n",
				 &line, &m),
		ERR_INVALID);
	assert_int_equal(line, 3);
	mhi_tables_release(&t);
}

/* Table 6 must tile R >= 0; a gap between 50 and 60 is refused by the check. */
static void test_check_refuses_a_gap_in_table6(void **state)
{
	const struct mhi_tables *good = *state;
	struct mhi_tables t;
	struct errmsg m;
	int line;

	mhi_tables_init(&t);
	t = *good; /* borrow every table but Table 6 */
	t.grades = NULL;
	t.ngrades = 0;
	assert_int_equal(
		mhi_tables_parse(&t, MHI_TABLE6,
				 "grade_zh,grade,condition,r_min_inclusive,r_max_exclusive\n"
				 "一级,1,x,100,\n二级,2,x,60,100\n三级,3,x,10,50\n四级,4,x,,10\n",
				 &line, &m),
		0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(mhi_tables_check(&t, &m), ERR_INVALID);
	assert_string_equal(m.field, "table6");
	free(t.grades[0].label_zh);
	free(t.grades[1].label_zh);
	free(t.grades[2].label_zh);
	free(t.grades[3].label_zh);
	free(t.grades);
}

/* ------------------------------------------------------------ look-ups */

static int find_seq(const struct mhi_tables *t, const char *key)
{
	const struct mhi_chemical *c = NULL;

	if (mhi_chemical_find(t, key, &c, NULL) != 0)
		return 0;
	return c->seq;
}

static void test_lookup_by_name_alias_cas_and_english(void **state)
{
	const struct mhi_tables *t = *state;

	assert_int_equal(find_seq(t, "氯"), 12);
	assert_int_equal(find_seq(t, "液氯"), 12);	/* alias */
	assert_int_equal(find_seq(t, "7782-50-5"), 12); /* CAS */
	assert_int_equal(find_seq(t, "chlorine"), 12);	/* name_en, case ignored */
	assert_int_equal(find_seq(t, " 氯 "), 12);
	assert_int_equal(find_seq(t, "光气"), 6);
	assert_int_equal(find_seq(t, "7664-41-7"), 1); /* 氨 */
	/* Full-width brackets as typed in Chinese. */
	assert_int_equal(find_seq(t, "氯化氢（无水）"), 11);
	assert_int_equal(find_seq(t, "甲醛(含量＞90%)"), 8);
	/* 甲烷，天然气: each name and each CAS of the row. */
	assert_int_equal(find_seq(t, "天然气"), 49);
	assert_int_equal(find_seq(t, "甲烷"), 49);
	assert_int_equal(find_seq(t, "8006-14-2"), 49);
	assert_int_equal(find_seq(t, "74-98-6"), 52); /* propane, within LPG */
	assert_int_equal(find_seq(t, "1,3-丁二烯"), 47);
	/* Not in Table 1: classified by Table 2 instead (4.1.2 b). */
	assert_int_equal(find_seq(t, "柴油"), 0);
	assert_int_equal(find_seq(t, "甲醛"), 0);     /* only >90% is listed */
	assert_int_equal(find_seq(t, "硝酸"), 0);     /* only >70% (row 81) is listed */
	assert_int_equal(find_seq(t, "630-08-0"), 0); /* CO: Table 3 only */
	assert_int_equal(find_seq(t, ""), 0);
}

static void test_lookup_ambiguous_rows_need_a_seq(void **state)
{
	const struct mhi_tables *t = *state;
	const struct mhi_chemical *c = NULL;
	size_t n = 0;

	/* 硝化纤维素 rows 37-42 share one CAS; 硝酸铵 rows 43-44 another. */
	assert_int_equal(mhi_chemical_find(t, "9004-70-0", &c, &n), ERR_CONFLICT);
	assert_int_equal(n, 6);
	assert_null(c);
	assert_int_equal(mhi_chemical_find(t, "6484-52-2", &c, &n), ERR_CONFLICT);
	assert_int_equal(n, 2);
	assert_int_equal(mhi_chemical_find(t, "硝化棉", &c, &n), ERR_CONFLICT);
	assert_int_equal(n, 5);
	assert_int_equal(mhi_chemical_find(t, "不存在", &c, &n), ERR_NOT_FOUND);
	assert_int_equal(n, 0);
	assert_int_equal(mhi_chemical_by_seq(t, 44)->threshold_kg, 50000);
	assert_int_equal(mhi_chemical_by_seq(t, 43)->threshold_kg, 5000);
	assert_null(mhi_chemical_by_seq(t, 86));
}

static void test_lookup_candidates_of_an_ambiguous_key(void **state)
{
	const struct mhi_tables *t = *state;
	const struct mhi_chemical *c[4] = { NULL };

	/* The candidates the API names for 9004-70-0: rows 37.. in table order, all counted. */
	assert_int_equal(mhi_chemical_matches(t, "9004-70-0", c, 4), 6);
	assert_int_equal(c[0]->seq, 37);
	assert_int_equal(c[3]->seq, 40);
	assert_int_equal(mhi_chemical_matches(t, "6484-52-2", c, 4), 2);
	assert_int_equal(c[0]->seq, 43);
	assert_int_equal(c[1]->seq, 44);
	/* One match, as mhi_chemical_find; none; the empty key matches nothing. */
	assert_int_equal(mhi_chemical_matches(t, "液氯", c, 4), 1);
	assert_int_equal(c[0]->seq, 12);
	assert_int_equal(mhi_chemical_matches(t, "不存在", c, 4), 0);
	assert_int_equal(mhi_chemical_matches(t, "", c, 4), 0);
	/* max 0: counts only. */
	assert_int_equal(mhi_chemical_matches(t, "9004-70-0", c, 0), 6);
}

static void test_lookup_category_and_named_beta(void **state)
{
	const struct mhi_tables *t = *state;

	assert_string_equal(mhi_category_find(t, "w5.3")->symbol, "W5.3");
	assert_string_equal(mhi_category_find(t, "W5 .3")->symbol, "W5.3"); /* as printed */
	assert_null(mhi_category_find(t, "W5"));
	assert_null(mhi_category_find(t, "W12"));
	assert_int_equal(mhi_named_beta_find(t, "一氧化碳")->beta_milli, 2000);
	assert_int_equal(mhi_named_beta_find(t, "630-08-0")->beta_milli, 2000);
	assert_int_equal(mhi_named_beta_find(t, "hydrogen sulfide")->beta_milli, 5000);
	assert_null(mhi_named_beta_find(t, "甲醇"));
}

/* Table 5 at both sides of every bracket (100人以上 includes 100). */
static void test_alpha_brackets(void **state)
{
	const struct mhi_tables *t = *state;

	assert_int_equal(mhi_alpha_milli(t, 0), 500);
	assert_int_equal(mhi_alpha_milli(t, 1), 1000);
	assert_int_equal(mhi_alpha_milli(t, 29), 1000);
	assert_int_equal(mhi_alpha_milli(t, 30), 1200);
	assert_int_equal(mhi_alpha_milli(t, 49), 1200);
	assert_int_equal(mhi_alpha_milli(t, 50), 1500);
	assert_int_equal(mhi_alpha_milli(t, 99), 1500);
	assert_int_equal(mhi_alpha_milli(t, 100), 2000);
	assert_int_equal(mhi_alpha_milli(t, 1000000), 2000);
	assert_int_equal(mhi_alpha_milli(t, -1), 0);
}

static void test_tonnes(void **state)
{
	int64_t kg = -1;

	(void)state;
	assert_int_equal(mhi_tonnes_parse("26.64", &kg), 0);
	assert_int_equal(kg, 26640);
	assert_int_equal(mhi_tonnes_parse("0.075", &kg), 0);
	assert_int_equal(kg, 75);
	assert_int_equal(mhi_tonnes_parse("1.2345", &kg), ERR_INVALID);
	assert_int_equal(mhi_tonnes_parse("-1", &kg), ERR_INVALID);
	assert_int_equal(mhi_tonnes_parse("", &kg), ERR_INVALID);
	assert_int_equal(mhi_tonnes_from_double(26.64, &kg), 0);
	assert_int_equal(kg, 26640);
	assert_int_equal(mhi_tonnes_from_double(0.0005, &kg), 0);
	assert_int_equal(kg, 1);
	assert_int_equal(mhi_tonnes_from_double(NAN, &kg), ERR_INVALID);
	assert_int_equal(mhi_tonnes_from_double(-0.5, &kg), ERR_INVALID);
	assert_int_equal(mhi_tonnes_from_double(2e9, &kg), ERR_INVALID);
}

/* ------------------------------------------------------------ identification */

/* 4.2.1 a: a single chemical is a major hazard at q = Q, not 1 kg below. */
static void test_single_chemical_at_its_critical_quantity(void **state)
{
	const struct mhi_tables *t = *state;
	struct mhi_item it = { .chemical = "液氯", .q_kg = 5000 };
	struct mhi_result r;

	assess(t, &it, 1, 10, &r);
	assert_true(r.major);
	assert_true(r.s == 1.0);
	mhi_result_release(&r);
	it.q_kg = 4999;
	assess(t, &it, 1, 10, &r);
	assert_false(r.major);
	assert_int_equal(r.grade, 0); /* only a major hazard is graded */
	assert_true(r.r_known);	      /* but R is there to show */
	mhi_result_release(&r);
}

/*
 * Formula 1 at exactly S = 1 with ratios 0.7 + 0.2 + 0.1: summed in doubles in this order
 * it is 0.9999999999999999; the rule must decide it exactly.
 */
static void test_identification_exactly_one(void **state)
{
	const struct mhi_tables *t = *state;
	const struct mhi_item items[] = {
		{ .chemical = "氨", .q_kg = 7000 },			/* 7 / 10 */
		{ .chemical = "氢", .categories = "W2", .q_kg = 1000 }, /* 1 / 5 */
		{ .chemical = "氯", .q_kg = 500 },			/* 0.5 / 5 */
	};
	struct mhi_item less[3];
	struct mhi_result r;
	volatile double naive = 0.7;

	naive += 0.2;
	naive += 0.1;
	assert_true(naive < 1.0); /* why the sum is not taken in doubles */
	assess(t, items, 3, 0, &r);
	assert_true(r.major);
	mhi_result_release(&r);
	memcpy(less, items, sizeof(less));
	less[2].q_kg = 499;
	assess(t, less, 3, 0, &r);
	assert_false(r.major);
	mhi_result_release(&r);
}

/* 4.1.2 b: several hazards -> the lowest Q; Table 3 wins over Table 4 for beta. */
static void test_several_categories_take_the_lowest_q(void **state)
{
	const struct mhi_tables *t = *state;
	struct mhi_item it = { .chemical = "某有毒易燃气体",
			       .categories = "J3, W2",
			       .q_kg = 10000 };
	struct mhi_result r;

	assess(t, &it, 1, 0, &r);
	assert_int_equal(r.lines[0].threshold_kg, 10000); /* W2 10 t, not J3 50 t */
	assert_string_equal(r.lines[0].q_category->symbol, "W2");
	assert_true(r.major);
	/* beta: the larger of J3's 2 and W2's 1.5 ([U], docs/mhi.md). */
	assert_int_equal(r.lines[0].beta_source, MHI_BETA_TABLE4);
	assert_int_equal(r.lines[0].beta_milli, 2000);
	mhi_result_release(&r);
	/* Carbon monoxide is not in Table 1: Q by its categories, beta 2 by Table 3. */
	it.chemical = "一氧化碳";
	it.categories = "W2;J3";
	assess(t, &it, 1, 0, &r);
	assert_int_equal(r.lines[0].threshold_kg, 10000);
	assert_int_equal(r.lines[0].beta_source, MHI_BETA_TABLE3);
	assert_int_equal(r.lines[0].beta_milli, 2000);
	mhi_result_release(&r);
	/* A Table 1 chemical keeps its Table 1 Q whatever categories are given (4.1.2 a). */
	it.chemical = "甲醇";
	it.categories = "W5.1";
	assess(t, &it, 1, 0, &r);
	assert_int_equal(r.lines[0].threshold_kg, 500000);
	assert_null(r.lines[0].q_category);
	assert_int_equal(r.lines[0].beta_milli, 1500);
	mhi_result_release(&r);
	/* 氯化氢(无水) takes Table 3's 氯化氢 beta by its CAS number. */
	it.chemical = "氯化氢(无水)";
	it.categories = NULL;
	assess(t, &it, 1, 0, &r);
	assert_int_equal(r.lines[0].beta_source, MHI_BETA_TABLE3);
	assert_int_equal(r.lines[0].beta_milli, 3000);
	mhi_result_release(&r);
}

static void test_assess_refuses_what_it_cannot_compute(void **state)
{
	const struct mhi_tables *t = *state;
	struct mhi_item it[2] = {
		{ .chemical = "氯", .q_kg = 30000 },
		{ .chemical = "甲醇", .q_kg = 100000 }, /* beta needs its category */
	};
	struct mhi_result r;

	assess_fails(t, it, 2, 60, "items[1].categories");
	/* Not major: no grade is due, so the missing beta is no error; R is unknown. */
	it[0].q_kg = 1000;
	assess(t, it, 2, 60, &r);
	assert_false(r.major);
	assert_false(r.r_known);
	assert_int_equal(r.grade, 0);
	/* The explanation is by q/Q when R is unknown: chlorine 1/5 and methanol 100/500
	 * tie, and the input order breaks the tie. */
	assert_int_equal(r.lines[0].item, 0);
	mhi_result_release(&r);
	it[0].q_kg = 30000;
	it[1].categories = "W5.3";
	it[1].q_kg = 0;
	assess_fails(t, it, 2, 60, "items[1].q_kg");
	it[1].q_kg = 100000;
	it[1].categories = "W5.9";
	assess_fails(t, it, 2, 60, "items[1].categories");
	it[1].categories = "W5.3";
	assess_fails(t, it, 2, -1, "people");
	assess_fails(t, it, 0, 60, "items");
	it[1].chemical = "柴油";
	it[1].categories = NULL;
	assess_fails(t, it, 2, 60, "items[1].chemical");
	it[1].chemical = "9004-70-0";
	it[1].categories = NULL;
	assess_fails(t, it, 2, 60, "items[1].chemical");
	it[1].seq = 39; /* the seq picks the row */
	it[1].categories = "W10";
	assess(t, it, 2, 60, &r);
	assert_int_equal(r.lines[1].threshold_kg, 10000);
	mhi_result_release(&r);
	it[1].seq = 86;
	assess_fails(t, it, 2, 60, "items[1].seq");
	it[1].seq = 0;
	it[1].chemical = NULL;
	it[1].categories = NULL;
	assess_fails(t, it, 2, 60, "items[1]");
}

/* ------------------------------------------------------------ grading */

/*
 * STANDARDS.md §1's worked example: 30 t liquid chlorine (Q 5, beta 4) and 100 t methanol
 * (Table 1 Q 500; W5.3, beta 1), 60 residents (alpha 1.5): S = 6.2, R = 36.3, 三级.
 */
static void test_worked_example(void **state)
{
	const struct mhi_tables *t = *state;
	const struct mhi_item items[] = {
		{ .chemical = "甲醇", .categories = "W5.3", .q_kg = 100000 },
		{ .chemical = "液氯", .q_kg = 30000 },
	};
	struct mhi_result r;

	assess(t, items, 2, 60, &r);
	assert_true(r.major);
	assert_float_equal(r.s, 6.2, 1e-12);
	assert_int_equal(r.alpha_milli, 1500);
	assert_true(r.r_known);
	assert_float_equal(r.r, 36.3, 1e-12);
	assert_int_equal(r.grade, 3);
	assert_string_equal(mhi_grade_name_zh(r.grade), "三级");
	/* The explanation: chlorine makes 24 of 24.2, first. */
	assert_int_equal(r.nlines, 2);
	assert_int_equal(r.lines[0].item, 1);
	assert_int_equal(r.lines[0].chemical->seq, 12);
	assert_float_equal(r.lines[0].ratio, 6.0, 1e-12);
	assert_float_equal(r.lines[0].r_term, 36.0, 1e-12);
	assert_float_equal(r.lines[0].r_share, 24.0 / 24.2, 1e-12);
	assert_int_equal(r.lines[1].item, 0);
	assert_float_equal(r.lines[1].r_term, 0.3, 1e-12);
	assert_float_equal(r.lines[0].r_share + r.lines[1].r_share, 1.0, 1e-12);
	mhi_result_release(&r);
}

/* Grade of one chlorine item (beta 4, Q 5 t) with 10 people (alpha 1): R = 0.8 q. */
static int chlorine_grade(const struct mhi_tables *t, int64_t q_kg)
{
	struct mhi_item it = { .chemical = "氯", .q_kg = q_kg };
	struct mhi_result r;
	int g;

	assess(t, &it, 1, 10, &r);
	g = r.grade;
	mhi_result_release(&r);
	return g;
}

/* Table 6 at each bound and 1 kg below it (R 0.0008 lower), through the whole rule. */
static void test_every_grade_bound_both_sides(void **state)
{
	const struct mhi_tables *t = *state;

	assert_int_equal(chlorine_grade(t, 125000), 1); /* R = 100 */
	assert_int_equal(chlorine_grade(t, 124999), 2);
	assert_int_equal(chlorine_grade(t, 62500), 2); /* R = 50 */
	assert_int_equal(chlorine_grade(t, 62499), 3);
	assert_int_equal(chlorine_grade(t, 12500), 3); /* R = 10 */
	assert_int_equal(chlorine_grade(t, 12499), 4);
	assert_int_equal(chlorine_grade(t, 5000), 4); /* R = 4, S = 1: the least major */
	/* The table itself, in thousandths. */
	assert_int_equal(mhi_grade_of_milli(t, 100000), 1);
	assert_int_equal(mhi_grade_of_milli(t, 99999), 2);
	assert_int_equal(mhi_grade_of_milli(t, 50000), 2);
	assert_int_equal(mhi_grade_of_milli(t, 49999), 3);
	assert_int_equal(mhi_grade_of_milli(t, 10000), 3);
	assert_int_equal(mhi_grade_of_milli(t, 9999), 4);
	assert_int_equal(mhi_grade_of_milli(t, 0), 4);
	assert_int_equal(mhi_grade_of_milli(t, -1), 0);
	assert_string_equal(mhi_grade_name_zh(1), "一级");
	assert_string_equal(mhi_grade_name_zh(0), "?");
}

/*
 * A bound reached by a sum of several chemicals: R = 1 x (20 x 0.525/0.3 + 10 x 0.7/1 +
 * 4 x 10/5) = 35 + 7 + 8 = 50 exactly, graded 二级; 1 kg less of hydrogen cyanide, 三级.
 */
static void test_grade_bound_reached_by_a_sum(void **state)
{
	const struct mhi_tables *t = *state;
	const struct mhi_item items[] = {
		{ .chemical = "光气", .q_kg = 525 },   /* beta 20, 0.525 / 0.3 = 1.75 */
		{ .chemical = "氰化氢", .q_kg = 700 }, /* beta 10, 0.7 / 1 */
		{ .chemical = "氯", .q_kg = 10000 },   /* beta 4, 10 / 5 = 2 */
	};
	struct mhi_item less[3];
	struct mhi_result r;

	assess(t, items, 3, 10, &r);
	assert_true(r.major);
	assert_float_equal(r.r, 50.0, 1e-9);
	assert_int_equal(r.grade, 2);
	/* Sorted by share: phosgene 35, chlorine 8, hydrogen cyanide 7. */
	assert_int_equal(r.lines[0].item, 0);
	assert_int_equal(r.lines[1].item, 2);
	assert_int_equal(r.lines[2].item, 1);
	assert_float_equal(r.lines[0].r_share, 0.7, 1e-12);
	mhi_result_release(&r);
	memcpy(less, items, sizeof(less));
	less[1].q_kg = 699;
	assess(t, less, 3, 10, &r);
	assert_int_equal(r.grade, 3);
	mhi_result_release(&r);
}

/* ------------------------------------------------------------ published installations */

/*
 * MH1 (realdata/major-hazard/identification_examples.csv, a filling station,
 * haowendang.cn): 汽油 26.64 t (Q 200) + 柴油 22.95 t (the source: GB 18218-2009, Q 5000;
 * under 2018 diesel is not in Table 1, flash point 55 C -> flammable liquid cat. 3, W5.4,
 * Q 5000 as well): S = 0.13779, published "0.14 < 1, not a major hazard". Agrees.
 */
static void test_published_filling_station(void **state)
{
	const struct mhi_tables *t = *state;
	struct mhi_item items[2] = {
		{ .chemical = "汽油(乙醇汽油、甲醇汽油)", .q_kg = 0 },
		{ .chemical = "柴油", .categories = "W5.4", .q_kg = 0 },
	};
	struct mhi_result r;

	assert_int_equal(mhi_tonnes_parse("26.64", &items[0].q_kg), 0);
	assert_int_equal(mhi_tonnes_parse("22.95", &items[1].q_kg), 0);
	assess(t, items, 2, 0, &r);
	assert_int_equal(r.lines[0].threshold_kg, 200000);
	assert_int_equal(r.lines[1].threshold_kg, 5000000);
	assert_float_equal(r.s, 26.64 / 200 + 22.95 / 5000, 1e-12);
	assert_float_equal(r.s, 0.14, 0.005); /* as published, two decimals */
	assert_false(r.major);
	mhi_result_release(&r);
}

/*
 * MH2 (aqiulian.com/docdown/14052.html, a synthetic-ammonia unit: 2 x 100 m3 liquid
 * ammonia + a 5000 m3 gas holder, 100 people within 500 m): published R = 31.78, 三级.
 * The masses are not published, so R cannot be recomputed; what can be checked: 100
 * people is Table 5's "100人以上" (alpha 2.0), and Table 6 puts 31.78 in 三级.
 */
static void test_published_ammonia_unit_grade(void **state)
{
	const struct mhi_tables *t = *state;

	assert_int_equal(mhi_alpha_milli(t, 100), 2000);
	assert_int_equal(mhi_grade_of_milli(t, 31780), 3);
	assert_string_equal(mhi_grade_name_zh(mhi_grade_of_milli(t, 31780)), "三级");
}

/*
 * MH3 (9s9t.com/tech/dxs.html, a gas pipeline EIA): natural gas 0.07 t against a Q of 1 t
 * used by the source; GB 18218 lists 甲烷，天然气 at 50 t. Our q/Q = 0.0014, not the
 * published 0.07 (a mismatch: the source's Q is not the standard's); the conclusion "not
 * a major hazard" agrees.
 */
static void test_published_pipeline_uses_the_standard_q(void **state)
{
	const struct mhi_tables *t = *state;
	struct mhi_item it = { .chemical = "天然气", .q_kg = 70 };
	struct mhi_result r;

	assess(t, &it, 1, 0, &r);
	assert_int_equal(r.lines[0].threshold_kg, 50000);
	assert_float_equal(r.s, 0.0014, 1e-12);
	assert_true(fabs(r.s - 0.07) > 0.05); /* differs from the published q/Q */
	assert_false(r.major);
	mhi_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_tables_have_the_standard_rows),
		cmocka_unit_test(test_cas_check_digit),
		cmocka_unit_test(test_check_refuses_a_wrong_name_cas_pair),
		cmocka_unit_test(test_parse_errors_have_line_numbers),
		cmocka_unit_test(test_check_refuses_a_gap_in_table6),
		cmocka_unit_test(test_lookup_by_name_alias_cas_and_english),
		cmocka_unit_test(test_lookup_ambiguous_rows_need_a_seq),
		cmocka_unit_test(test_lookup_candidates_of_an_ambiguous_key),
		cmocka_unit_test(test_lookup_category_and_named_beta),
		cmocka_unit_test(test_alpha_brackets),
		cmocka_unit_test(test_tonnes),
		cmocka_unit_test(test_single_chemical_at_its_critical_quantity),
		cmocka_unit_test(test_identification_exactly_one),
		cmocka_unit_test(test_several_categories_take_the_lowest_q),
		cmocka_unit_test(test_assess_refuses_what_it_cannot_compute),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_every_grade_bound_both_sides),
		cmocka_unit_test(test_grade_bound_reached_by_a_sum),
		cmocka_unit_test(test_published_filling_station),
		cmocka_unit_test(test_published_ammonia_unit_grade),
		cmocka_unit_test(test_published_pipeline_uses_the_standard_q),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
