/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/core/scope.c: GB/T 2260 region prefixes and subtrees,
 * the scope text form, scope matching of rows and of other scopes, and the
 * unified social credit code check (GB 32100-2015). Pure, no I/O.
 *
 * USCC cases are copied from ../shared/reference/STANDARDS.md §5,
 * data/uscc_examples.csv and data/uscc.json (the tests never read them at
 * run time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/scope.h"
#include "core/banned.h"

/* STANDARDS §5 examples, also the rows of data/uscc_examples.csv (uscc_check=pass, org=pass). */
static const char *const uscc_good[] = {
	"914403001922038216", /* 华为技术有限公司, region 440300 */
	"9144030071526726XG", /* 腾讯科技（深圳）有限公司, region 440300 */
	"91110000710926094P", /* 中国石油化工股份有限公司, region 110000 */
	"91330100716105852F", /* 阿里巴巴（中国）有限公司, region 330100 */
	"91440300192317458F", /* 比亚迪股份有限公司, region 440300 */
};

static void parse_ok(const char *text, struct scope *s)
{
	struct errmsg why = { 0 };
	int rc = scope_parse(text, s, &why);

	if (rc != 0)
		fail_msg("scope_parse('%s') failed: %s", text, why.text);
}

static void parse_bad(const char *text)
{
	struct errmsg why = { 0 };
	struct scope s;

	if (scope_parse(text, &s, &why) != ERR_INVALID)
		fail_msg("scope_parse('%s') accepted a bad scope", text);
	assert_string_equal(why.field, "scope");
	assert_true(why.text[0] != '\0');
}

/* GB/T 2260 (STANDARDS §7.2): PP0000 province shares 2 digits with its subtree. */
static void test_region_prefix_len_province_is_2(void **state)
{
	(void)state;
	assert_int_equal(region_prefix_len("330000"), 2);
	assert_int_equal(region_prefix_len("110000"), 2);
}

/* GB/T 2260 (STANDARDS §7.2): PPCC00 prefecture shares 4 digits. */
static void test_region_prefix_len_prefecture_is_4(void **state)
{
	(void)state;
	assert_int_equal(region_prefix_len("330100"), 4);
	assert_int_equal(region_prefix_len("441900"), 4); /* 东莞: prefecture without counties */
}

/* GB/T 2260 (STANDARDS §7.2): PPCCDD county is a leaf of the 6-digit code (6). */
static void test_region_prefix_len_county_is_6(void **state)
{
	(void)state;
	assert_int_equal(region_prefix_len("330106"), 6);
	assert_int_equal(region_prefix_len("429004"), 6); /* PP90xx: county under the province */
	assert_int_equal(region_prefix_len("330101"), 6);
}

/* NBS statistical codes (STANDARDS §7.2): 6 + 3 township digits; 12 with the village. */
static void test_region_prefix_len_town_is_9_village_12(void **state)
{
	(void)state;
	assert_int_equal(region_prefix_len("330106001"), 9);
	assert_int_equal(region_prefix_len("330106001001"), 12);
}

static void test_region_prefix_len_malformed_is_0(void **state)
{
	(void)state;
	assert_int_equal(region_prefix_len(NULL), 0);
	assert_int_equal(region_prefix_len(""), 0);
	assert_int_equal(region_prefix_len("33"), 0);
	assert_int_equal(region_prefix_len("3301"), 0);
	assert_int_equal(region_prefix_len("33010"), 0);
	assert_int_equal(region_prefix_len("3301060"), 0);
	assert_int_equal(region_prefix_len("33010600"), 0);
	assert_int_equal(region_prefix_len("3301060010"), 0);
	assert_int_equal(region_prefix_len("33A106"), 0);
	assert_int_equal(region_prefix_len("33010 "), 0);
	assert_int_equal(region_prefix_len("-30106"), 0);
	assert_int_equal(region_prefix_len("３３０１０６"), 0); /* full-width digits */
}

static void test_region_in_subtree_follows_prefix(void **state)
{
	(void)state;
	/* province 浙江 330000 holds 杭州 330100, 西湖区 330106 and its towns */
	assert_true(region_in_subtree("330000", "330000"));
	assert_true(region_in_subtree("330000", "330100"));
	assert_true(region_in_subtree("330000", "330106"));
	assert_true(region_in_subtree("330000", "330106001"));
	assert_false(region_in_subtree("330000", "429004"));
	/* prefecture 杭州 330100 */
	assert_true(region_in_subtree("330100", "330106"));
	assert_true(region_in_subtree("330100", "330100"));
	assert_false(region_in_subtree("330100", "330200"));
	assert_false(region_in_subtree("330100", "330000")); /* the parent is not inside */
	/* county 西湖区 330106 */
	assert_true(region_in_subtree("330106", "330106"));
	assert_true(region_in_subtree("330106", "330106001"));
	assert_false(region_in_subtree("330106", "330105"));
	assert_false(region_in_subtree("330106", "330100"));
	/* town */
	assert_true(region_in_subtree("330106001", "330106001"));
	assert_true(region_in_subtree("330106001", "330106001002"));
	assert_false(region_in_subtree("330106001", "330106002"));
	assert_false(region_in_subtree("330106001", "330106"));
	/* malformed on either side */
	assert_false(region_in_subtree("33", "330106"));
	assert_false(region_in_subtree("330000", "33"));
	assert_false(region_in_subtree("330000", "33x106"));
	assert_false(region_in_subtree("", "330106"));
}

static void test_scope_parse_all(void **state)
{
	struct scope s;

	(void)state;
	parse_ok("all", &s);
	assert_int_equal(s.kind, SCOPE_ALL);
	parse_bad("ALL");
	parse_bad("all ");
	parse_bad("");
	parse_bad("everything");
}

static void test_scope_parse_region(void **state)
{
	struct scope s;

	(void)state;
	parse_ok("region:330106", &s);
	assert_int_equal(s.kind, SCOPE_REGION);
	assert_string_equal(s.region, "330106");
	parse_ok("region:330000", &s);
	assert_string_equal(s.region, "330000");
	parse_ok("region:330106001", &s);
	assert_string_equal(s.region, "330106001");
	parse_bad("region:");
	parse_bad("region:33");
	parse_bad("region:3301");
	parse_bad("region:33010a");
	parse_bad("region:330106001001"); /* 12-digit village: finer than a scope may be */
	parse_bad("region: 330106");
	parse_bad("region:330106 ");
	parse_bad("Region:330106");
}

static void test_scope_parse_grids_sorted(void **state)
{
	struct scope s;
	char text[64];

	(void)state;
	parse_ok("grids:12,3,7", &s);
	assert_int_equal(s.kind, SCOPE_GRIDS);
	assert_int_equal(s.ngrids, 3);
	assert_int_equal(s.grids[0], 3);
	assert_int_equal(s.grids[1], 7);
	assert_int_equal(s.grids[2], 12);
	scope_format(&s, text, sizeof(text));
	assert_string_equal(text, "grids:3,7,12");
	parse_ok("grids:9223372036854775807", &s);
	assert_int_equal(s.ngrids, 1);
	assert_true(s.grids[0] == INT64_MAX);
}

static void test_scope_parse_grids_rejects_bad_lists(void **state)
{
	(void)state;
	parse_bad("grids:");
	parse_bad("grids:3,");
	parse_bad("grids:3,7,");
	parse_bad("grids:,3");
	parse_bad("grids:3,,7");
	parse_bad("grids:0");
	parse_bad("grids:3,0");
	parse_bad("grids:-3");
	parse_bad("grids:abc");
	parse_bad("grids:3a");
	parse_bad("grids:3;7");
	parse_bad("grids:3 ,7");
	parse_bad("grids:+3");
	parse_bad("grids:\t3");
	parse_bad("grids:3,\n7");
	parse_bad("grids:9223372036854775808"); /* overflows int64 */
	parse_bad("grids:1.5");
}

static void test_scope_parse_grids_at_most_64(void **state)
{
	char text[1024];
	size_t used;
	struct scope s;

	(void)state;
	used = (size_t)snprintf(text, sizeof(text), "grids:");
	for (int i = 1; i <= SCOPE_MAX_GRIDS; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%d", i > 1 ? "," : "",
					 i);
	parse_ok(text, &s);
	assert_int_equal(s.ngrids, SCOPE_MAX_GRIDS);
	assert_int_equal(s.grids[SCOPE_MAX_GRIDS - 1], SCOPE_MAX_GRIDS);
	snprintf(text + used, sizeof(text) - used, ",%d", SCOPE_MAX_GRIDS + 1);
	parse_bad(text);
}

/* GB 32100-2015: an enterprise scope holds one valid USCC (STANDARDS §5). */
static void test_scope_parse_enterprise(void **state)
{
	struct scope s;
	char text[64];

	(void)state;
	parse_ok("enterprise:91330100716105852F", &s);
	assert_int_equal(s.kind, SCOPE_ENTERPRISE);
	assert_string_equal(s.enterprise, "91330100716105852F");
	scope_format(&s, text, sizeof(text));
	assert_string_equal(text, "enterprise:91330100716105852F");
	parse_bad("enterprise:");
	parse_bad("enterprise:91110000710926094Q");  /* check character altered */
	parse_bad("enterprise:91330100716105852f");  /* lower case is not in the set */
	parse_bad("enterprise:91330100716105852");   /* 17 characters */
	parse_bad("enterprise:91330100716105852F0"); /* 19 characters */
}

static void test_scope_parse_unknown_kind(void **state)
{
	(void)state;
	parse_bad("grid:3");
	parse_bad("regions:330106");
	parse_bad("enterprise");
	parse_bad("user:1");
}

static void test_scope_format_round_trips(void **state)
{
	static const char *const texts[] = {
		"all",	   "region:330106", "region:330106001",
		"grids:1", "grids:2,5,9",   "enterprise:9144030071526726XG",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct scope s;
		char out[64];

		parse_ok(texts[i], &s);
		scope_format(&s, out, sizeof(out));
		assert_string_equal(out, texts[i]);
	}
}

static void test_scope_has_region(void **state)
{
	struct scope s;

	(void)state;
	parse_ok("all", &s);
	assert_true(scope_has_region(&s, "330106"));
	assert_true(scope_has_region(&s, NULL));
	parse_ok("region:330100", &s);
	assert_true(scope_has_region(&s, "330106"));
	assert_true(scope_has_region(&s, "330106001"));
	assert_false(scope_has_region(&s, "330200"));
	assert_false(scope_has_region(&s, "330000"));
	assert_false(scope_has_region(&s, NULL));
	parse_ok("grids:3", &s);
	assert_false(scope_has_region(&s, "330106"));
	parse_ok("enterprise:91330100716105852F", &s);
	assert_false(scope_has_region(&s, "330100"));
}

static void test_scope_has_grid(void **state)
{
	struct scope s;

	(void)state;
	parse_ok("grids:12,3,7", &s);
	assert_true(scope_has_grid(&s, 3, NULL));
	assert_true(scope_has_grid(&s, 7, "110101"));
	assert_true(scope_has_grid(&s, 12, NULL));
	assert_false(scope_has_grid(&s, 4, "330106")); /* region does not matter to a grids scope */
	assert_false(scope_has_grid(&s, 0, NULL));
	parse_ok("region:330106", &s);
	assert_true(scope_has_grid(&s, 99, "330106001"));
	assert_false(scope_has_grid(&s, 99, "330105001"));
	assert_false(scope_has_grid(&s, 99, NULL));
	parse_ok("all", &s);
	assert_true(scope_has_grid(&s, 99, NULL));
	parse_ok("enterprise:91330100716105852F", &s);
	assert_false(scope_has_grid(&s, 1, "330100"));
}

static void test_scope_has_enterprise(void **state)
{
	struct scope s;

	(void)state;
	parse_ok("enterprise:91330100716105852F", &s);
	assert_true(scope_has_enterprise(&s, "91330100716105852F", NULL));
	assert_false(scope_has_enterprise(&s, "914403001922038216", "330100"));
	assert_false(scope_has_enterprise(&s, NULL, "330100"));
	parse_ok("region:440300", &s);
	assert_true(scope_has_enterprise(&s, "914403001922038216", "440305"));
	assert_false(scope_has_enterprise(&s, "91330100716105852F", "330100"));
	assert_false(scope_has_enterprise(&s, "914403001922038216", NULL));
	parse_ok("grids:1", &s);
	assert_false(scope_has_enterprise(&s, "914403001922038216", "440300"));
}

static void test_scope_covers_all_covers_everything(void **state)
{
	struct scope all, in;
	static const char *const regions[] = { "110101", "650102" };

	(void)state;
	parse_ok("all", &all);
	parse_ok("all", &in);
	assert_true(scope_covers(&all, &in, NULL));
	parse_ok("region:330106", &in);
	assert_true(scope_covers(&all, &in, NULL));
	parse_ok("grids:1,2", &in);
	assert_true(scope_covers(&all, &in, regions));
	assert_true(scope_covers(&all, &in, NULL));
	parse_ok("enterprise:9144030071526726XG", &in);
	assert_true(scope_covers(&all, &in, NULL));
	/* nothing narrower covers "all" */
	parse_ok("all", &in);
	parse_ok("region:330000", &all);
	assert_false(scope_covers(&all, &in, NULL));
	parse_ok("grids:1", &all);
	assert_false(scope_covers(&all, &in, NULL));
}

static void test_scope_covers_region_subtree(void **state)
{
	struct scope out, in;

	(void)state;
	parse_ok("region:330100", &out);
	parse_ok("region:330106", &in);
	assert_true(scope_covers(&out, &in, NULL));
	parse_ok("region:330106001", &in);
	assert_true(scope_covers(&out, &in, NULL));
	parse_ok("region:330100", &in);
	assert_true(scope_covers(&out, &in, NULL));
	parse_ok("region:330000", &in);
	assert_false(scope_covers(&out, &in, NULL)); /* wider than the outer scope */
	parse_ok("region:330206", &in);
	assert_false(scope_covers(&out, &in, NULL));
	/* a grids or enterprise scope never covers a region */
	parse_ok("grids:1,2", &out);
	parse_ok("region:330106", &in);
	assert_false(scope_covers(&out, &in, NULL));
}

static void test_scope_covers_grids_by_set_or_region(void **state)
{
	struct scope out, in;
	static const char *const inside[] = { "330106001", "330102" };
	static const char *const one_outside[] = { "330106001", "330201" };

	(void)state;
	parse_ok("grids:1,2,3", &out);
	parse_ok("grids:1,3", &in);
	assert_true(scope_covers(&out, &in, NULL));
	parse_ok("grids:1,4", &in);
	assert_false(scope_covers(&out, &in, NULL));
	parse_ok("grids:3,1,2", &in);
	assert_true(scope_covers(&out, &in, NULL));

	parse_ok("region:330100", &out);
	parse_ok("grids:5,9", &in);
	assert_true(scope_covers(&out, &in, inside));
	assert_false(scope_covers(&out, &in, one_outside));
	assert_false(scope_covers(&out, &in, NULL)); /* regions unknown: not covered */
}

/* GB 32100-2015 positions 3-8: the registering authority's GB/T 2260 division. */
static void test_scope_covers_enterprise_by_uscc_region(void **state)
{
	struct scope out, in;

	(void)state;
	parse_ok("enterprise:91330100716105852F", &in); /* 330100 杭州 */
	parse_ok("region:330000", &out);
	assert_true(scope_covers(&out, &in, NULL));
	parse_ok("region:330100", &out);
	assert_true(scope_covers(&out, &in, NULL));
	parse_ok("region:330106", &out);
	assert_false(scope_covers(&out, &in, NULL));
	parse_ok("region:440000", &out);
	assert_false(scope_covers(&out, &in, NULL));
	parse_ok("enterprise:91330100716105852F", &out);
	assert_true(scope_covers(&out, &in, NULL));
	parse_ok("enterprise:914403001922038216", &out);
	assert_false(scope_covers(&out, &in, NULL));
	parse_ok("grids:1", &out);
	assert_false(scope_covers(&out, &in, NULL));

	parse_ok("enterprise:91110000710926094P", &in); /* 110000 北京 */
	parse_ok("region:110000", &out);
	assert_true(scope_covers(&out, &in, NULL));
}

/* GB 32100-2015 §4 and GB 11714-1997: STANDARDS §5 examples pass both check characters. */
static void test_uscc_valid_standard_examples(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(uscc_good) / sizeof(uscc_good[0]); i++)
		if (!uscc_valid(uscc_good[i]))
			fail_msg("'%s' should be valid", uscc_good[i]);
}

/*
 * GB 32100-2015 §4: the check character is C18 = charset[(31 - Σ v_i·3^(i-1) mod 31) mod 31],
 * so for each valid code exactly one of the 31 symbols at position 18 passes.
 */
static void test_uscc_valid_exactly_one_check_character(void **state)
{
	static const char charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

	(void)state;
	for (size_t i = 0; i < sizeof(uscc_good) / sizeof(uscc_good[0]); i++) {
		char code[19];
		int passes = 0;

		for (size_t k = 0; k < 31; k++) {
			snprintf(code, sizeof(code), "%.17s%c", uscc_good[i], charset[k]);
			if (uscc_valid(code)) {
				passes++;
				assert_int_equal(charset[k], uscc_good[i][17]);
			}
		}
		assert_int_equal(passes, 1);
	}
}

/* uscc_complete() rebuilds both check characters of the published codes from 16 characters. */
static void test_uscc_complete_rebuilds_published_codes(void **state)
{
	char out[19];

	(void)state;
	for (size_t i = 0; i < sizeof(uscc_good) / sizeof(uscc_good[0]); i++) {
		char start[17];

		snprintf(start, sizeof(start), "%.16s", uscc_good[i]);
		assert_int_equal(uscc_complete(start, out), 0);
		assert_string_equal(out, uscc_good[i]);
	}
	assert_int_equal(uscc_complete("9132090", out), ERR_INVALID);	       /* short */
	assert_int_equal(uscc_complete("91320902MA1IXXXX", out), ERR_INVALID); /* letter I */
	assert_int_equal(uscc_complete("9132A902MA1XXXXX", out), ERR_INVALID); /* division */
}

/* STANDARDS §5 and data/uscc.json examples_invalid. */
static void test_uscc_valid_rejects_altered_check_character(void **state)
{
	(void)state;
	assert_false(uscc_valid("91110000710926094Q"));
	assert_false(uscc_valid("911100007109260940"));
	assert_false(uscc_valid("9111000071092609IP")); /* forbidden letter I */
}

/* GB 32100-2015: the 31-symbol set has no I, O, S, V, Z, anywhere in the code. */
static void test_uscc_valid_rejects_forbidden_letters(void **state)
{
	static const char forbidden[] = "IOSVZ";
	static const int positions[] = { 0, 1, 9, 15, 16, 17 };

	(void)state;
	for (size_t f = 0; f < 5; f++) {
		for (size_t p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
			char code[19];

			snprintf(code, sizeof(code), "%s", "9144030071526726XG");
			code[positions[p]] = forbidden[f];
			if (uscc_valid(code))
				fail_msg("'%s' has a forbidden letter but was accepted", code);
		}
	}
}

/*
 * GB 32100-2015 positions 9-17 are a GB 11714 organization code with its own
 * check: 91330100716105853J has a correct 18th character but the embedded
 * code 716105853 should end in 2 (weights 3,7,9,10,5,8,4,2; C9 = 11 - Σ mod 11).
 */
static void test_uscc_valid_checks_embedded_org_code(void **state)
{
	(void)state;
	assert_false(uscc_valid("91330100716105853J"));
	assert_false(uscc_valid("914403001922038229"));
}

/*
 * GB 32100-2015 positions 3-8 are a GB/T 2260 division code: digits only
 * (STANDARDS §5 table, data/uscc.json "charset": "digits"; python-stdnum's
 * cn/uscc.py requires digits in positions 1-8). Both codes below have correct
 * check characters but a letter there.
 */
static void test_uscc_valid_region_part_is_digits(void **state)
{
	(void)state;
	assert_false(uscc_valid("91A30100716105852E"));
	assert_false(uscc_valid("9133010A7161058520"));
}

static void test_uscc_valid_rejects_bad_shape(void **state)
{
	(void)state;
	assert_false(uscc_valid(NULL));
	assert_false(uscc_valid(""));
	assert_false(uscc_valid("91330100716105852"));
	assert_false(uscc_valid("91330100716105852F "));
	assert_false(uscc_valid(" 91330100716105852F"));
	assert_false(uscc_valid("9144030071526726xg"));
	assert_false(uscc_valid("91330100-716105852F"));
}

/* The SQL bounds of a scope, its prefix range, and the row check the list routes use. */
static void test_scope_bounds_and_rows(void **state)
{
	struct scope s;
	struct scope_bounds b;
	char buf[16], end[16];

	(void)state;
	assert_true(scope_prefix_end("3209", end, sizeof(end)));
	assert_string_equal(end, "320:");
	snprintf(end, sizeof(end), "x");
	assert_false(scope_prefix_end("", end, sizeof(end)));
	assert_string_equal(end, "x");
	assert_false(scope_prefix_end("123456789012345678", end, sizeof(end)));

	assert_int_equal(scope_parse("region:320900", &s, NULL), 0);
	scope_bounds_of(&s, 7, buf, sizeof(buf), &b);
	assert_string_equal(b.prefix, "3209");
	assert_string_equal(b.prefix_end, "320:");
	assert_int_equal(b.grid_user, 0);
	assert_null(b.uscc);
	assert_true(scope_has_row(&s, "320902", 0, NULL));
	assert_false(scope_has_row(&s, "320802", 0, NULL));

	assert_int_equal(scope_parse("grids:3,7", &s, NULL), 0);
	scope_bounds_of(&s, 7, buf, sizeof(buf), &b);
	assert_null(b.prefix);
	assert_int_equal(b.grid_user, 7);
	assert_true(scope_has_row(&s, "320902", 3, NULL));
	assert_false(scope_has_row(&s, "320902", 4, NULL));
	assert_false(scope_has_row(&s, "320902", 0, NULL));

	assert_int_equal(scope_parse("all", &s, NULL), 0);
	scope_bounds_of(&s, 7, buf, sizeof(buf), &b);
	assert_null(b.prefix);
	assert_null(b.uscc);
	assert_int_equal(b.grid_user, 0);
	assert_true(scope_has_row(&s, NULL, 0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_prefix_len_province_is_2),
		cmocka_unit_test(test_region_prefix_len_prefecture_is_4),
		cmocka_unit_test(test_region_prefix_len_county_is_6),
		cmocka_unit_test(test_region_prefix_len_town_is_9_village_12),
		cmocka_unit_test(test_region_prefix_len_malformed_is_0),
		cmocka_unit_test(test_region_in_subtree_follows_prefix),
		cmocka_unit_test(test_scope_parse_all),
		cmocka_unit_test(test_scope_parse_region),
		cmocka_unit_test(test_scope_parse_grids_sorted),
		cmocka_unit_test(test_scope_parse_grids_rejects_bad_lists),
		cmocka_unit_test(test_scope_parse_grids_at_most_64),
		cmocka_unit_test(test_scope_parse_enterprise),
		cmocka_unit_test(test_scope_parse_unknown_kind),
		cmocka_unit_test(test_scope_format_round_trips),
		cmocka_unit_test(test_scope_has_region),
		cmocka_unit_test(test_scope_has_grid),
		cmocka_unit_test(test_scope_has_enterprise),
		cmocka_unit_test(test_scope_covers_all_covers_everything),
		cmocka_unit_test(test_scope_covers_region_subtree),
		cmocka_unit_test(test_scope_covers_grids_by_set_or_region),
		cmocka_unit_test(test_scope_covers_enterprise_by_uscc_region),
		cmocka_unit_test(test_uscc_valid_standard_examples),
		cmocka_unit_test(test_uscc_complete_rebuilds_published_codes),
		cmocka_unit_test(test_uscc_valid_exactly_one_check_character),
		cmocka_unit_test(test_uscc_valid_rejects_altered_check_character),
		cmocka_unit_test(test_uscc_valid_rejects_forbidden_letters),
		cmocka_unit_test(test_uscc_valid_checks_embedded_org_code),
		cmocka_unit_test(test_uscc_valid_region_part_is_digits),
		cmocka_unit_test(test_uscc_valid_rejects_bad_shape),
		cmocka_unit_test(test_scope_bounds_and_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
