/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/gas.c: GB/T 50493-2019 default alarm set points from the
 * shipped gas table (data/monitor/gas_properties.csv) with the standard's numbers
 * (STANDARDS.md §4.1: combustible 一级 <= 25 %LEL, 二级 <= 50 %LEL; toxic 一级 <= 100 %OEL,
 * 二级 <= 200 %OEL; oxygen 19.5 / 23.5 %VOL), the OEL choice (MAC, else PC-STEL, else
 * PC-TWA) against the table's own column for every gas, lookups and CSV errors.
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
#include "monitor/alarm.h"
#include "monitor/gas.h"
#include "core/banned.h"

static char *table;

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

static int setup(void **state)
{
	(void)state;
	table = read_data("data/monitor/gas_properties.csv");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(table);
	return 0;
}

static struct gas_props gas(const char *key)
{
	struct gas_props g;
	struct errmsg m = { { 0 }, { 0 } };

	if (gas_props_find(table, key, &g, &m) != 0)
		fail_msg("gas '%s': %s", key, m.text);
	return g;
}

/* Methane, LEL 5 %VOL: first level 25 %LEL (= 1.25 %VOL), second 50 %LEL. */
static void test_gas_methane_combustible_defaults(void **state)
{
	struct gas_props g = gas("74-82-8");
	struct alarm_cfg c;

	(void)state;
	assert_string_equal(g.name_en, "methane");
	assert_true(g.lel_pct_vol == 5.0);
	assert_true(isnan(gas_oel_mg_m3(&g)));
	assert_int_equal(gas_detector_kind(&g), ALARM_KIND_COMBUSTIBLE);
	assert_int_equal(gas_default_cfg(&g, ALARM_KIND_COMBUSTIBLE, &c, NULL), 0);
	assert_int_equal(c.kind, ALARM_KIND_COMBUSTIBLE);
	assert_true(c.high1 == 25 && c.high2 == 50);
	assert_true(isnan(c.low1) && isnan(c.low2));
	assert_true(c.range_lo == 0 && c.range_hi == 100);
	assert_true(c.high1 / 100 * g.lel_pct_vol == 1.25); /* %VOL of methane */
	assert_int_equal(alarm_cfg_check(&c, NULL), 0);
	/* methane has no OEL: no toxic default */
	assert_int_equal(gas_default_cfg(&g, ALARM_KIND_TOXIC, &c, NULL), ERR_INVALID);
}

/* H2S, MAC 10 mg/m3 (GBZ 2.1-2019): 10 and 20 mg/m3; toxic detector though combustible. */
static void test_gas_h2s_toxic_defaults_from_mac(void **state)
{
	struct gas_props g = gas("H2S");
	struct alarm_cfg c;

	(void)state;
	assert_true(gas_oel_mg_m3(&g) == 10);
	assert_int_equal(gas_detector_kind(&g), ALARM_KIND_TOXIC);
	assert_int_equal(gas_default_cfg(&g, ALARM_KIND_TOXIC, &c, NULL), 0);
	assert_true(c.high1 == 10 && c.high2 == 20 && c.range_hi == 30);
	assert_int_equal(alarm_cfg_check(&c, NULL), 0);
	/* 10 mg/m3 at 20 degC: 10 x 24.04 / 34.08 = 7.054 ppm */
	assert_true(fabs(gas_mg_m3_to_ppm(10, g.mol_weight, 24.04) - 7.0540) < 1e-4);
	assert_true(isnan(gas_mg_m3_to_ppm(10, 0, 24.04)));
}

/* CO has no MAC: PC-STEL 30 mg/m3 -> 30 / 60; ethylene oxide only PC-TWA 2 -> 2 / 4. */
static void test_gas_oel_choice_stel_then_twa(void **state)
{
	struct gas_props co = gas("carbon monoxide"), eo = gas("环氧乙烷");
	struct alarm_cfg c;

	(void)state;
	assert_int_equal(gas_default_cfg(&co, ALARM_KIND_TOXIC, &c, NULL), 0);
	assert_true(c.high1 == 30 && c.high2 == 60);
	assert_int_equal(gas_default_cfg(&eo, ALARM_KIND_TOXIC, &c, NULL), 0);
	assert_true(c.high1 == 2 && c.high2 == 4);
}

/* The rule reproduces the table's "OEL used for alarm" column for every gas in it. */
static void test_gas_oel_rule_matches_table_column(void **state)
{
	const char *p = strchr(table, '\n');
	int rows = 0;

	(void)state;
	assert_non_null(p);
	while (p && p[1]) {
		char cas[32];
		const char *f = p + 1, *c1 = strchr(f, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		const char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
		struct gas_props g;
		double oel;

		assert_non_null(c3);
		assert_true((size_t)(c3 - c2 - 1) < sizeof(cas));
		memcpy(cas, c2 + 1, (size_t)(c3 - c2 - 1));
		cas[c3 - c2 - 1] = '\0';
		g = gas(cas);
		oel = gas_oel_mg_m3(&g);
		if (isnan(g.oel_alarm_mg_m3))
			assert_true(isnan(oel));
		else
			assert_true(oel == g.oel_alarm_mg_m3);
		rows++;
		p = strchr(f, '\n');
	}
	assert_int_equal(rows, 28);
}

/* GB/T 50493-2019: oxygen-deficiency 19.5 %VOL, oxygen-rich 23.5 %VOL. */
static void test_gas_oxygen_defaults(void **state)
{
	struct alarm_cfg c;

	(void)state;
	assert_int_equal(gas_default_cfg(NULL, ALARM_KIND_OXYGEN, &c, NULL), 0);
	assert_true(c.low1 == 19.5 && c.high1 == 23.5);
	assert_true(isnan(c.low2) && isnan(c.high2));
	assert_true(c.range_hi == 25);
	assert_int_equal(alarm_cfg_check(&c, NULL), 0);
	assert_int_equal(gas_default_cfg(NULL, ALARM_KIND_LEVEL, &c, NULL), ERR_INVALID);
	assert_int_equal(gas_default_cfg(NULL, ALARM_KIND_COMBUSTIBLE, &c, NULL), ERR_INVALID);
}

static void test_gas_lookup_keys_and_quoting(void **state)
{
	struct alarm_cfg c;
	struct gas_props g;
	struct errmsg m;

	(void)state;
	g = gas("甲苯"); /* after benzene, whose quoted notes hold commas */
	assert_string_equal(g.cas, "108-88-3");
	assert_true(g.pc_stel_mg_m3 == 100);
	g = gas("PROPANE");
	assert_true(g.idlh_ppm == 2100); /* "2100 (10%LEL)" */
	g = gas("Cl2");
	assert_int_equal(gas_detector_kind(&g), ALARM_KIND_TOXIC);
	assert_int_equal(gas_default_cfg(&g, ALARM_KIND_COMBUSTIBLE, &c, NULL), ERR_INVALID);
	assert_int_equal(gas_props_find(table, "unobtainium", &g, &m), ERR_NOT_FOUND);
	assert_int_equal(gas_props_find("a,b\nx,y\n", "x", &g, &m), ERR_INVALID);
	assert_string_equal(m.field, "gas");
	assert_int_equal(gas_props_find("", "x", &g, &m), ERR_INVALID);
}

static void test_gas_malformed_rows(void **state)
{
	char buf[2048];
	struct gas_props g;
	struct errmsg m;
	const char *hdr = "name_zh,name_en,cas,formula,mol_weight,lel_pct_vol,uel_pct_vol,"
			  "mac_mg_m3,pc_twa_mg_m3,pc_stel_mg_m3,oel_used_for_alarm_mg_m3,"
			  "idlh_ppm_niosh,notes\r\n";

	(void)state;
	snprintf(buf, sizeof(buf), "%s甲烷,methane,74-82-8,CH4,16.04,5.0,15.0,,,,,,\r\n", hdr);
	assert_int_equal(gas_props_find(buf, "methane", &g, &m), 0);
	assert_true(g.uel_pct_vol == 15.0);
	snprintf(buf, sizeof(buf), "%sx,methane,74-82-8,CH4,abc,5.0,15.0,,,,,,\n", hdr);
	assert_int_equal(gas_props_find(buf, "methane", &g, &m), ERR_INVALID);
	assert_non_null(strstr(m.text, "line 2"));
	snprintf(buf, sizeof(buf), "%sx,methane,74-82-8\n", hdr);
	assert_int_equal(gas_props_find(buf, "methane", &g, &m), ERR_INVALID);
	snprintf(buf, sizeof(buf), "%sx,\"methane,74-82-8\n", hdr);
	assert_int_equal(gas_props_find(buf, "methane", &g, &m), ERR_INVALID);
	assert_non_null(strstr(m.text, "malformed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gas_methane_combustible_defaults),
		cmocka_unit_test(test_gas_h2s_toxic_defaults_from_mac),
		cmocka_unit_test(test_gas_oel_choice_stel_then_twa),
		cmocka_unit_test(test_gas_oel_rule_matches_table_column),
		cmocka_unit_test(test_gas_oxygen_defaults),
		cmocka_unit_test(test_gas_lookup_keys_and_quoting),
		cmocka_unit_test(test_gas_malformed_rows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
