/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/enterprise/enterprise_sheet.c: header mapping (Chinese and
 * English names, aliases, unknown, repeated and missing columns), row conversion
 * (credit codes kept as text and refused when a spreadsheet made them numbers,
 * Chinese enum words, industry codes without their leading zero, former names) and
 * the export row, which imports back to the same record. Credit codes are the
 * published ones of STANDARDS.md §5. No server, no database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/json.h"
#include "enterprise/enterprise_io.h"
#include "core/banned.h"

#define SINOPEC "91110000710926094P"

struct seen {
	char text[16][96];
	int n;
};

static void add(void *ctx, const char *column, const char *field, const char *reason)
{
	struct seen *s = ctx;

	(void)reason;
	if (s->n < 16)
		snprintf(s->text[s->n++], sizeof(s->text[0]), "%s|%s", column, field);
}

static bool has(const struct seen *s, const char *text)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->text[i], text) == 0)
			return true;
	return false;
}

/* A row of text cells from a NULL-terminated list (kinds all text unless given). */
static void make_row(struct table_row *r, const char *const *texts, const enum cell_kind *kinds)
{
	size_t n = 0;

	while (texts[n])
		n++;
	r->row = 2;
	r->ncells = n;
	r->cells = calloc(n ? n : 1, sizeof(*r->cells));
	for (size_t i = 0; i < n; i++) {
		r->cells[i].text = strdup(texts[i]);
		r->cells[i].kind = kinds ? kinds[i] : CELL_TEXT;
	}
}

static void free_row(struct table_row *r)
{
	for (size_t i = 0; i < r->ncells; i++)
		free(r->cells[i].text);
	free(r->cells);
}

static void map(const char *const *headers, struct enterprise_sheet_map *m, struct seen *s,
		int want)
{
	struct table_row h;

	make_row(&h, headers, NULL);
	memset(s, 0, sizeof(*s));
	assert_int_equal(enterprise_sheet_map_header(&h, m, add, s), want);
	free_row(&h);
}

static void test_header_chinese_english_and_aliases(void **state)
{
	static const char *const h[] = {
		"统一社会信用代码", "NAME", "行业分类代码*", "区划代码", "网格", "Lat", "经度",
		"坐标系",	    NULL
	};
	struct enterprise_sheet_map m;
	struct seen s;

	(void)state;
	map(h, &m, &s, 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(m.col[ECOL_USCC], 0);
	assert_int_equal(m.col[ECOL_NAME], 1);
	assert_int_equal(m.col[ECOL_INDUSTRY], 2); /* a trailing required-marker * is ignored */
	assert_int_equal(m.col[ECOL_REGION], 3);
	assert_int_equal(m.col[ECOL_LAT], 5);
	assert_int_equal(m.col[ECOL_STATUS], -1);
}

static void test_header_as_office_templates_write_it(void **state)
{
	/* Blanks inside (also U+3000, NBSP, a line break in a wrapped header cell), a required
	 * marker before or after, a note in brackets (full-width or ASCII) after the name. */
	static const char *const h[] = {
		"统一社会信用代码（18位）", "*企业名称（全称）", "行业 代码",
		"所属区划(代码)",	    "从业人数（人）＊",	 "法定代表人\n电话",
		"安全负责人\xE3\x80\x80",   "Lat (deg)",	 NULL
	};
	static const char *const bad[] = { "统一社会信用代码", "企业名称", "行业代码",
					   "所属区划",	       "（全称）", NULL };
	struct enterprise_sheet_map m;
	struct seen s;

	(void)state;
	map(h, &m, &s, 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(m.col[ECOL_USCC], 0);
	assert_int_equal(m.col[ECOL_NAME], 1);
	assert_int_equal(m.col[ECOL_INDUSTRY], 2);
	assert_int_equal(m.col[ECOL_REGION], 3);
	assert_int_equal(m.col[ECOL_EMPLOYEES], 4);
	assert_int_equal(m.col[ECOL_LEGAL_REP_PHONE], 5);
	assert_int_equal(m.col[ECOL_SAFETY_OFFICER], 6);
	assert_int_equal(m.col[ECOL_LAT], 7);
	/* A bracket alone is no name: still an unknown column. */
	map(bad, &m, &s, ERR_INVALID);
	assert_true(has(&s, "（全称）|header"));
	assert_int_equal(s.n, 1);
}

static void test_header_unknown_repeated_and_missing_are_named(void **state)
{
	static const char *const h[] = { "统一社会信用代码", "企业名字", "uscc", "行业代码", NULL };
	struct enterprise_sheet_map m;
	struct seen s;

	(void)state;
	map(h, &m, &s, ERR_INVALID);
	assert_true(has(&s, "企业名字|header"));
	assert_true(has(&s, "uscc|header"));	      /* the same column twice */
	assert_true(has(&s, "企业名称|name"));	      /* required, missing */
	assert_true(has(&s, "所属区划|region_code")); /* required, missing */
	assert_int_equal(s.n, 4);
}

/* Maps the export header, fills a row from cells in export order. */
static int convert(const char *const *cells, const enum cell_kind *kinds, struct enterprise *e,
		   struct field_errors *fe)
{
	const char *header[ECOL_N + 1];
	struct enterprise_sheet_map m;
	struct table_row r;
	char grid[72];
	struct seen s;
	int rc;

	for (int c = 0; c < ECOL_N; c++)
		header[c] = enterprise_columns[c].zh;
	header[ECOL_N] = NULL;
	map(header, &m, &s, 0);
	make_row(&r, cells, kinds);
	enterprise_init(e);
	rc = enterprise_sheet_row(&m, &r, e, grid, sizeof(grid), fe);
	free_row(&r);
	return rc;
}

static bool names(const struct field_errors *fe, const char *field)
{
	for (size_t i = 0; i < fe->n; i++)
		if (strcmp(fe->e[i].field, field) == 0)
			return true;
	return false;
}

static void test_row_with_chinese_words(void **state)
{
	static const char *const cells[] = { "91110000710926094p",
					     "中国石化",
					     "旧名一；旧名二;旧名三",
					     "C2614",
					     "320902",
					     "",
					     "地址",
					     "33.38",
					     "120.16",
					     "CGCS2000",
					     "张三",
					     "'+86 13812341234",
					     "李四",
					     "=\"13900001111\"",
					     "120",
					     "小型",
					     "二级",
					     "停产",
					     NULL };
	struct field_errors fe = { 0 };
	struct enterprise e;

	(void)state;
	assert_int_equal(convert(cells, NULL, &e, &fe), 0);
	assert_string_equal(e.uscc, SINOPEC); /* upper-cased */
	assert_string_equal(e.former_names, "[\"旧名一\",\"旧名二\",\"旧名三\"]");
	assert_string_equal(e.industry_code, "2614");		    /* section letter dropped */
	assert_string_equal(e.legal_rep_phone, "+86 13812341234");  /* export's ' removed */
	assert_string_equal(e.safety_officer_phone, "13900001111"); /* ="..." unwrapped */
	assert_string_equal(e.scale, "small");
	assert_string_equal(e.std_grade, "2");
	assert_string_equal(e.status, "suspended");
	assert_int_equal(e.employees, 120);
	assert_true(e.has_location);
	enterprise_release(&e);
}

static void test_codes_made_numbers_by_excel_are_refused(void **state)
{
	static const char *const sci1[] = { "9.1E+17", "甲", "", "2614", "320902", NULL };
	static const char *const sci2[] = { "9.13209E+17", "乙", "", "2614", "320902", NULL };
	static const char *const num[] = { "913209020000000000", "丙", "", "2614", "320902", NULL };
	static const enum cell_kind kinds[] = { CELL_NUMBER, CELL_TEXT, CELL_TEXT, CELL_NUMBER,
						CELL_NUMBER };
	const char *const *cases[] = { sci1, sci2 };
	struct enterprise e;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct field_errors fe = { 0 };

		assert_int_equal(convert(cases[i], NULL, &e, &fe), ERR_INVALID);
		assert_true(names(&fe, "uscc"));
		assert_non_null(strstr(fe.e[0].reason, "format the column as text"));
		enterprise_release(&e);
	}
	/* An XLSX number cell never holds a code, even one that prints as 18 digits. */
	struct field_errors fe = { 0 };

	assert_int_equal(convert(num, kinds, &e, &fe), ERR_INVALID);
	assert_true(names(&fe, "uscc"));
	enterprise_release(&e);
}

static void test_numbers_from_spreadsheets(void **state)
{
	static const char *const cells[] = {
		SINOPEC, "甲", "", "610", "320902.0", "", "",	   "",
		"",	 "",   "", "",	  "",	      "", "1.2E3", NULL
	};
	static const enum cell_kind kinds[] = { CELL_TEXT,   CELL_TEXT, CELL_TEXT,  CELL_NUMBER,
						CELL_NUMBER, CELL_TEXT, CELL_TEXT,  CELL_TEXT,
						CELL_TEXT,   CELL_TEXT, CELL_TEXT,  CELL_TEXT,
						CELL_TEXT,   CELL_TEXT, CELL_NUMBER };
	struct field_errors fe = { 0 };
	struct enterprise e;

	(void)state;
	assert_int_equal(convert(cells, kinds, &e, &fe), 0);
	assert_string_equal(e.industry_code, "0610"); /* GB/T 4754 class 0610, zero restored */
	assert_string_equal(e.region_code, "320902");
	assert_int_equal(e.employees, 1200);
	enterprise_release(&e);
}

static void test_bad_words_are_named(void **state)
{
	static const char *const cells[] = { SINOPEC, "甲",   "",      "2614", "320902", "", "",
					     "33.3",  "",     "BD-09", "",     "",	 "", "",
					     "-3",    "巨型", "四级",  "倒闭", NULL };
	struct field_errors fe = { 0 };
	struct enterprise e;

	(void)state;
	assert_int_equal(convert(cells, NULL, &e, &fe), ERR_INVALID);
	assert_true(names(&fe, "crs"));
	assert_true(names(&fe, "lon"));
	assert_true(names(&fe, "employees"));
	assert_true(names(&fe, "scale"));
	assert_true(names(&fe, "std_grade"));
	assert_true(names(&fe, "status"));
	enterprise_release(&e);
}

static void test_export_row_imports_back(void **state)
{
	struct field_errors fe = { 0 };
	struct enterprise e, back;
	char *cells[ECOL_N];
	const char *texts[ECOL_N + 1];

	(void)state;
	enterprise_init(&e);
	snprintf(e.uscc, sizeof(e.uscc), SINOPEC);
	snprintf(e.name, sizeof(e.name), "中国石油化工股份有限公司");
	e.former_names = strdup("[\"中国石化\",\"旧名\"]");
	snprintf(e.industry_code, sizeof(e.industry_code), "2614");
	snprintf(e.region_code, sizeof(e.region_code), "320902");
	e.has_location = true;
	e.lat = 33.38;
	e.lon = 120.16;
	snprintf(e.legal_rep_phone, sizeof(e.legal_rep_phone), "13812341234");
	snprintf(e.scale, sizeof(e.scale), "large");
	snprintf(e.std_grade, sizeof(e.std_grade), "1");
	snprintf(e.status, sizeof(e.status), "closed");
	e.employees = 500;
	enterprise_sheet_cells(&e, "G1", true, cells);
	assert_string_equal(cells[ECOL_FORMER_NAMES], "中国石化；旧名");
	assert_string_equal(cells[ECOL_GRID], "G1");
	assert_string_equal(cells[ECOL_LEGAL_REP_PHONE], "138****1234");
	assert_string_equal(cells[ECOL_SCALE], "大型");
	assert_string_equal(cells[ECOL_STD_GRADE], "一级");
	assert_string_equal(cells[ECOL_STATUS], "关闭");
	assert_string_equal(cells[ECOL_CRS], "CGCS2000");
	enterprise_sheet_cells_free(cells);
	enterprise_sheet_cells(&e, NULL, false, cells);
	for (int c = 0; c < ECOL_N; c++)
		texts[c] = cells[c];
	texts[ECOL_N] = NULL;
	assert_int_equal(convert(texts, NULL, &back, &fe), 0);
	enterprise_sheet_cells_free(cells);
	assert_string_equal(back.uscc, e.uscc);
	assert_string_equal(back.former_names, e.former_names);
	assert_string_equal(back.legal_rep_phone, "13812341234");
	assert_string_equal(back.scale, "large");
	assert_string_equal(back.std_grade, "1");
	assert_string_equal(back.status, "closed");
	assert_int_equal(back.employees, 500);
	assert_true(back.lat == 33.38 && back.lon == 120.16);
	enterprise_release(&back);
	enterprise_release(&e);
}

/*
 * OWASP "CSV Injection": the CSV writer puts ' before a cell starting with = + - @ and
 * the import takes it off again; a value that itself starts with ' before such a
 * character must come back as it was, through CSV and XLSX alike.
 */
static void test_apostrophes_round_trip(void **state)
{
	static const char *const names[] = { "'=撇号公司", "''+两撇公司", "'普通撇号公司",
					     "=HYPERLINK(\"x\")公司", "-负号公司" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct field_errors fe = { 0 };
		struct enterprise e, back;
		char *cells[ECOL_N];
		const char *texts[ECOL_N + 1];

		enterprise_init(&e);
		snprintf(e.uscc, sizeof(e.uscc), SINOPEC);
		snprintf(e.name, sizeof(e.name), "%s", names[i]);
		snprintf(e.legal_rep, sizeof(e.legal_rep), "%s", names[i]);
		snprintf(e.industry_code, sizeof(e.industry_code), "2614");
		snprintf(e.region_code, sizeof(e.region_code), "320902");
		enterprise_sheet_cells(&e, NULL, false, cells);
		for (int c = 0; c < ECOL_N; c++)
			texts[c] = cells[c];
		texts[ECOL_N] = NULL;
		assert_int_equal(convert(texts, NULL, &back, &fe), 0);
		enterprise_sheet_cells_free(cells);
		assert_string_equal(back.name, names[i]);
		assert_string_equal(back.legal_rep, names[i]);
		enterprise_release(&back);
		enterprise_release(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_chinese_english_and_aliases),
		cmocka_unit_test(test_header_as_office_templates_write_it),
		cmocka_unit_test(test_header_unknown_repeated_and_missing_are_named),
		cmocka_unit_test(test_row_with_chinese_words),
		cmocka_unit_test(test_codes_made_numbers_by_excel_are_refused),
		cmocka_unit_test(test_numbers_from_spreadsheets),
		cmocka_unit_test(test_bad_words_are_named),
		cmocka_unit_test(test_export_row_imports_back),
		cmocka_unit_test(test_apostrophes_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
