/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/report/table.c and xlsx.c: the CSV grammar of RFC 4180 as Excel
 * writes it (quoted separators, quotes and line breaks, CRLF/LF/CR, empty rows
 * counted but skipped, trimming), encoding detection and conversion (UTF-8 with and
 * without BOM, GB18030 via iconv with the GB 18030 code points of 中文 = D6 D0 CE C4),
 * the CSV writer (BOM, CRLF, quoting, formula prefix) and limits. No I/O.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "report/table.h"
#include "core/banned.h"

static int parse(const char *text, struct table *t, char *why)
{
	struct table_limits lim;

	table_limits_default(&lim);
	table_init(t);
	return table_csv_parse(text, strlen(text), &lim, t, why, 300);
}

static void test_csv_quotes_commas_and_line_breaks(void **state)
{
	struct table t;
	char why[300];

	(void)state;
	assert_int_equal(
		parse("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n", &t, why), 0);
	assert_int_equal(t.nrows, 2);
	assert_int_equal(t.rows[1].row, 2);
	assert_string_equal(table_cell(&t.rows[1], 0), "x, y");
	assert_string_equal(table_cell(&t.rows[1], 1), "say \"hi\"");
	assert_string_equal(table_cell(&t.rows[1], 2), "two\nlines"); /* CRLF inside: LF */
	assert_string_equal(table_cell(&t.rows[1], 7), "");	      /* past the end */
	table_release(&t);
}

static void test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(void **state)
{
	struct table t;
	char why[300];

	(void)state;
	/* LF, an empty line, a line of commas, CR alone, a quoted line break, no final EOL. */
	assert_int_equal(parse("h1,h2\n1,2\n\n,,\r3,4\r\n\"5\n5\",6\n7,8", &t, why), 0);
	assert_int_equal(t.nrows, 5);
	assert_int_equal(t.rows[1].row, 2);
	assert_int_equal(t.rows[2].row, 5); /* rows 3 (empty) and 4 (commas) skipped */
	assert_int_equal(t.rows[3].row, 6);
	assert_string_equal(table_cell(&t.rows[3], 0), "5\n5");
	assert_int_equal(t.rows[4].row, 7);
	assert_string_equal(table_cell(&t.rows[4], 1), "8");
	table_release(&t);
}

static void test_csv_trims_blanks_and_reports_open_quotes(void **state)
{
	struct table t;
	char why[300];

	(void)state;
	/* Spaces, a tab, NBSP (C2 A0) and the ideographic space U+3000 (E3 80 80). */
	assert_int_equal(parse(" a\t,\xC2\xA0\xE3\x80\x80中文\xE3\x80\x80 \n", &t, why), 0);
	assert_string_equal(table_cell(&t.rows[0], 0), "a");
	assert_string_equal(table_cell(&t.rows[0], 1), "中文");
	table_release(&t);
	assert_int_equal(parse("a,b\n1,\"open\n2,3\n", &t, why), ERR_INVALID);
	assert_non_null(strstr(why, "row 2"));
	table_release(&t);
}

static void test_csv_limits(void **state)
{
	struct table_limits lim;
	struct table t;
	char why[300];

	(void)state;
	table_limits_default(&lim);
	lim.max_rows = 2;
	table_init(&t);
	assert_int_equal(table_csv_parse("a\n\n\nb\n", 6, &lim, &t, why, sizeof(why)), 0);
	table_release(&t);
	table_init(&t);
	assert_int_equal(table_csv_parse("a\nb\nc\n", 6, &lim, &t, why, sizeof(why)), ERR_TOO_MANY);
	assert_non_null(strstr(why, "import.max_rows"));
	table_release(&t);
	table_limits_default(&lim);
	lim.max_cols = 2;
	table_init(&t);
	assert_int_equal(table_csv_parse("a,b,c\n", 6, &lim, &t, why, sizeof(why)), ERR_TOO_MANY);
	table_release(&t);
}

static void test_encoding_detection(void **state)
{
	(void)state;
	assert_int_equal(text_detect("\xEF\xBB\xBF"
				     "abc",
				     6),
			 ENC_UTF8);
	assert_int_equal(text_detect("中文,abc", strlen("中文,abc")), ENC_UTF8);
	assert_int_equal(text_detect("\xD6\xD0\xCE\xC4", 4), ENC_GB18030); /* 中文 in GBK */
	assert_int_equal(text_detect("plain ascii", 11), ENC_UTF8);
}

static void test_encoding_conversion(void **state)
{
	struct buf out = BUF_INIT;
	enum text_encoding used;
	enum text_encoding e;
	char why[300];

	(void)state;
	assert_int_equal(text_to_utf8("\xD6\xD0\xCE\xC4,1", 6, ENC_AUTO, &out, &used, why, 300), 0);
	assert_int_equal(used, ENC_GB18030);
	assert_string_equal(buf_str(&out), "中文,1");
	assert_int_equal(text_to_utf8("\xEF\xBB\xBF"
				      "a",
				      4, ENC_AUTO, &out, &used, why, 300),
			 0);
	assert_string_equal(buf_str(&out), "a"); /* the BOM is dropped */
	assert_int_equal(used, ENC_UTF8);
	/* Forced UTF-8 on GBK bytes: the offset and line of the first bad byte. */
	assert_int_equal(text_to_utf8("ok\n\xD6\xD0", 5, ENC_UTF8, &out, &used, why, 300),
			 ERR_INVALID);
	assert_non_null(strstr(why, "offset 3 (line 2)"));
	assert_int_equal(text_to_utf8("\xFF\xFE"
				      "a\0",
				      4, ENC_AUTO, &out, &used, why, 300),
			 ERR_INVALID);
	assert_non_null(strstr(why, "UTF-16"));
	assert_int_equal(text_encoding_parse("GBK", &e), 0);
	assert_int_equal(e, ENC_GB18030);
	assert_int_equal(text_encoding_parse("UTF8", &e), 0);
	assert_int_equal(e, ENC_UTF8);
	assert_int_equal(text_encoding_parse("latin1", &e), ERR_INVALID);
	buf_release(&out);
}

/*
 * A UTF-8 byte-order mark before GBK text (tools that write the mark whatever they
 * encode), and a file of two encodings (a UTF-8 template with GBK rows pasted below).
 */
static void test_bom_before_gbk_and_mixed_files(void **state)
{
	static const char gbk[] = "\xEF\xBB\xBF\xD6\xD0\xCE\xC4,1\n"; /* BOM, 中文 in GBK */
	static const char mixed[] = "\xEF\xBB\xBF\xE4\xB8\xAD\xE6\x96\x87,x\n"
				    "\xD6\xD0\xCE\xC4,1\n"; /* 中文 in UTF-8, then in GBK */
	struct buf out = BUF_INIT;
	enum text_encoding used;
	char why[300];

	(void)state;
	assert_int_equal(text_detect(gbk, strlen(gbk)), ENC_GB18030);
	assert_int_equal(text_to_utf8(gbk, strlen(gbk), ENC_AUTO, &out, &used, why, 300), 0);
	assert_int_equal(used, ENC_GB18030);
	assert_string_equal(buf_str(&out), "中文,1\n"); /* the mark is not a character */
	assert_int_equal(text_to_utf8(gbk, strlen(gbk), ENC_GB18030, &out, &used, why, 300), 0);
	assert_string_equal(buf_str(&out), "中文,1\n");
	assert_int_equal(text_to_utf8(mixed, strlen(mixed), ENC_AUTO, &out, &used, why, 300),
			 ERR_INVALID);
	assert_non_null(strstr(why, "line 2"));
	assert_non_null(strstr(why, "two encodings"));
	buf_release(&out);
}

static void test_csv_writer_bom_crlf_quotes_and_formulas(void **state)
{
	static const char *const row1[] = { "代码", "名称" };
	static const char *const row2[] = { "=1+1", "a,\"b\"" };
	struct table_writer *w = table_writer_new(TABLE_CSV, "x", NULL);
	char *body = NULL;
	size_t len = 0;
	int fd = 0;

	(void)state;
	table_writer_row(w, row1, 2);
	table_writer_row(w, row2, 2);
	assert_int_equal(table_writer_finish(w, &body, &len, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(len, strlen(body));
	assert_string_equal(body, "\xEF\xBB\xBF代码,名称\r\n'=1+1,\"a,\"\"b\"\"\"\r\n");
	free(body);
}

static void test_xlsx_round_trip_through_the_writer(void **state)
{
	static const char *const row1[] = { "统一社会信用代码", "名称" };
	static const char *const row2[] = { "91320902MA1XXXXX0X", NULL, "=SUM(A1)" };
	struct table_writer *w = table_writer_new(TABLE_XLSX, "企业", NULL);
	struct table_limits lim;
	struct table t;
	char *body = NULL, why[300];
	size_t len = 0;
	int fd = -1;
	char *data;

	(void)state;
	assert_non_null(w);
	table_writer_row(w, row1, 2);
	table_writer_row(w, row2, 3);
	assert_int_equal(table_writer_finish(w, &body, &len, &fd), 0);
	assert_true(fd >= 0 && len > 0 && body == NULL);
	data = malloc(len);
	assert_int_equal(pread(fd, data, len, 0), (ssize_t)len);
	close(fd);
	assert_true(table_is_zip(data, len));
	table_limits_default(&lim);
	table_init(&t);
	assert_int_equal(table_xlsx_read(data, len, &lim, &t, why, sizeof(why)), 0);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(table_cell(&t.rows[0], 0), "统一社会信用代码");
	assert_string_equal(table_cell(&t.rows[1], 0), "91320902MA1XXXXX0X");
	assert_int_equal(t.rows[1].cells[0].kind, CELL_TEXT); /* written as a string */
	assert_string_equal(table_cell(&t.rows[1], 1), "");   /* the gap */
	assert_string_equal(table_cell(&t.rows[1], 2), "=SUM(A1)");
	table_release(&t);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quotes_commas_and_line_breaks),
		cmocka_unit_test(test_csv_rows_are_numbered_as_a_spreadsheet_shows_them),
		cmocka_unit_test(test_csv_trims_blanks_and_reports_open_quotes),
		cmocka_unit_test(test_csv_limits),
		cmocka_unit_test(test_encoding_detection),
		cmocka_unit_test(test_encoding_conversion),
		cmocka_unit_test(test_bom_before_gbk_and_mixed_files),
		cmocka_unit_test(test_csv_writer_bom_crlf_quotes_and_formulas),
		cmocka_unit_test(test_xlsx_round_trip_through_the_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
