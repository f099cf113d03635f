/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/core/json.c: json_check(), the strict body check that
 * names every bad field (RFC 9457 `errors`): unknown fields, missing
 * required ones, wrong types, null, string length in characters (code
 * points, not bytes), integer ranges, array sizes; json_changes(); and the text
 * writers (json_buf_*), which must write what jansson writes.
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

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/util.h"
#include "core/banned.h"

static const struct json_field spec[] = {
	{ .name = "name", .type = JF_STRING, .flags = JF_REQUIRED, .max_len = 10 },
	{ .name = "code", .type = JF_STRING, .flags = JF_REQUIRED },
	{ .name = "level", .type = JF_INT, .min = 1, .max = 4 },
	{ .name = "count", .type = JF_INT },
	{ .name = "note", .type = JF_STRING, .flags = JF_NULLABLE },
	{ .name = "active", .type = JF_BOOL },
	{ .name = "tags", .type = JF_ARRAY, .max_len = 3 },
	{ .name = "items", .type = JF_ARRAY },
	{ .name = "geometry", .type = JF_OBJECT },
	{ .name = "ratio", .type = JF_NUMBER },
	{ .name = "extra", .type = JF_ANY },
	{ NULL },
};

/* Checks text against spec; fe receives the errors. */
static int check(const char *text, struct field_errors *fe)
{
	json_error_t jerr;
	json_t *body = json_loads(text, JSON_DECODE_ANY, &jerr);
	int rc;

	if (body == NULL)
		fail_msg("test body is not JSON: %s: %s", jerr.text, text);
	memset(fe, 0, sizeof(*fe));
	rc = json_check(body, spec, fe);
	json_decref(body);
	return rc;
}

static void check_ok(const char *text)
{
	struct field_errors fe;

	if (check(text, &fe) != 0)
		fail_msg("rejected (%s: %s): %s", fe.e[0].field, fe.e[0].reason, text);
	assert_int_equal(fe.n, 0);
}

/* Expects exactly one error, on field, whose reason contains reason_part. */
static void check_bad(const char *text, const char *field, const char *reason_part)
{
	struct field_errors fe;

	if (check(text, &fe) != ERR_INVALID)
		fail_msg("accepted: %s", text);
	if (fe.n != 1)
		fail_msg("%zu errors, want 1 (first %s: %s): %s", fe.n, fe.e[0].field,
			 fe.e[0].reason, text);
	assert_string_equal(fe.e[0].field, field);
	if (strstr(fe.e[0].reason, reason_part) == NULL)
		fail_msg("reason '%s' does not mention '%s'", fe.e[0].reason, reason_part);
}

static void test_valid_body(void **state)
{
	(void)state;
	check_ok("{\"name\":\"西湖区网格\",\"code\":\"HZ-XH-001\"}");
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"level\":4,\"count\":-7,\"note\":null,"
		 "\"active\":false,\"tags\":[1,2,3],\"items\":[],\"geometry\":{},\"ratio\":0.5,"
		 "\"extra\":[{\"x\":null}]}");
}

static void test_unknown_field(void **state)
{
	(void)state;
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"nmae\":\"x\"}", "nmae", "unknown field");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"Name\":\"x\"}", "Name", "unknown field");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"\":1}", "", "unknown field");
}

static void test_missing_required(void **state)
{
	struct field_errors fe;

	(void)state;
	check_bad("{\"code\":\"c\"}", "name", "required");
	check_bad("{\"name\":\"n\"}", "code", "required");
	assert_int_equal(check("{}", &fe), ERR_INVALID);
	assert_int_equal(fe.n, 2);
	assert_string_equal(fe.e[0].field, "name");
	assert_string_equal(fe.e[1].field, "code");
}

static void test_wrong_type(void **state)
{
	(void)state;
	check_bad("{\"name\":5,\"code\":\"c\"}", "name", "string");
	check_bad("{\"name\":[\"n\"],\"code\":\"c\"}", "name", "string");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"level\":\"3\"}", "level", "integer");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"level\":2.0}", "level", "integer");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"level\":true}", "level", "integer");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"active\":1}", "active", "true or false");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"active\":\"true\"}", "active", "true or false");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"tags\":{}}", "tags", "array");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"geometry\":[]}", "geometry", "object");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"ratio\":\"0.5\"}", "ratio", "number");
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"ratio\":3}"); /* an integer is a number */
}

static void test_null(void **state)
{
	(void)state;
	check_bad("{\"name\":null,\"code\":\"c\"}", "name", "not null");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"level\":null}", "level", "not null");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"active\":null}", "active", "not null");
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"note\":null}");
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"note\":\"\"}");
	/* JF_ANY takes any value but null unless JF_NULLABLE */
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"extra\":null}", "extra", "not null");
}

/* Lengths are characters: ten Chinese characters (30 bytes) fit max_len 10, eleven do not. */
static void test_string_length_in_code_points(void **state)
{
	char body[2048];
	size_t used;

	(void)state;
	check_ok("{\"name\":\"一二三四五六七八九十\",\"code\":\"c\"}");
	check_bad("{\"name\":\"一二三四五六七八九十百\",\"code\":\"c\"}", "name", "longer than 10");
	check_ok("{\"name\":\"😀😀😀😀😀😀😀😀😀😀\",\"code\":\"c\"}");
	check_bad("{\"name\":\"abcdefghijk\",\"code\":\"c\"}", "name", "longer than 10");
	/* default limit: 200 characters */
	used = (size_t)snprintf(body, sizeof(body), "{\"name\":\"n\",\"code\":\"");
	for (int i = 0; i < 200; i++)
		used += (size_t)snprintf(body + used, sizeof(body) - used, "安");
	snprintf(body + used, sizeof(body) - used, "\"}");
	check_ok(body);
	snprintf(body + used, sizeof(body) - used, "全\"}");
	check_bad(body, "code", "longer than 200");
}

static void test_string_with_nul_rejected(void **state)
{
	struct field_errors fe = { 0 };
	json_t *body = json_pack("{s:s, s:o}", "name", "n", "code", json_stringn("a\0b", 3));

	(void)state;
	assert_int_equal(json_check(body, spec, &fe), ERR_INVALID);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].field, "code");
	assert_non_null(strstr(fe.e[0].reason, "NUL"));
	json_decref(body);
}

static void test_int_range(void **state)
{
	(void)state;
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"level\":1}");
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"level\":4}");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"level\":0}", "level", "between 1 and 4");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"level\":5}", "level", "between 1 and 4");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"level\":-9223372036854775808}", "level",
		  "between");
	/* no range declared: any integer */
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"count\":9223372036854775807}");
}

static void test_array_size(void **state)
{
	char body[8192];
	size_t used;

	(void)state;
	check_ok("{\"name\":\"n\",\"code\":\"c\",\"tags\":[]}");
	check_bad("{\"name\":\"n\",\"code\":\"c\",\"tags\":[1,2,3,4]}", "tags", "more than 3");
	used = (size_t)snprintf(body, sizeof(body), "{\"name\":\"n\",\"code\":\"c\",\"items\":[0");
	for (int i = 1; i < 1000; i++)
		used += (size_t)snprintf(body + used, sizeof(body) - used, ",%d", i % 10);
	snprintf(body + used, sizeof(body) - used, "]}");
	check_ok(body);
	snprintf(body + used, sizeof(body) - used, ",0]}");
	check_bad(body, "items", "more than 1000");
}

static void test_not_an_object(void **state)
{
	struct field_errors fe;

	(void)state;
	assert_int_equal(check("[]", &fe), ERR_INVALID);
	assert_int_equal(fe.n, 1);
	assert_int_equal(check("\"name\"", &fe), ERR_INVALID);
	assert_int_equal(check("null", &fe), ERR_INVALID);
	assert_int_equal(check("42", &fe), ERR_INVALID);
	assert_non_null(strstr(fe.e[0].reason, "object"));
}

/* Every bad field is named at once, not only the first one. */
static void test_every_bad_field_is_named(void **state)
{
	struct field_errors fe;
	bool seen[3] = { false, false, false };

	(void)state;
	assert_int_equal(check("{\"name\":7,\"level\":9,\"colour\":\"red\"}", &fe), ERR_INVALID);
	assert_int_equal(fe.n, 4);
	for (size_t i = 0; i < fe.n; i++) {
		if (strcmp(fe.e[i].field, "name") == 0)
			seen[0] = true;
		else if (strcmp(fe.e[i].field, "level") == 0)
			seen[1] = true;
		else if (strcmp(fe.e[i].field, "colour") == 0)
			seen[2] = true;
		else
			assert_string_equal(fe.e[i].field, "code");
	}
	assert_true(seen[0] && seen[1] && seen[2]);
}

/* At most 16 errors are kept; the rest are counted, never written past the array. */
static void test_errors_capped_at_16(void **state)
{
	struct field_errors fe;
	char body[1024];
	size_t used = (size_t)snprintf(body, sizeof(body), "{\"name\":\"n\",\"code\":\"c\"");

	(void)state;
	for (int i = 0; i < 20; i++)
		used += (size_t)snprintf(body + used, sizeof(body) - used, ",\"x%02d\":1", i);
	snprintf(body + used, sizeof(body) - used, "}");
	assert_int_equal(check(body, &fe), ERR_INVALID);
	assert_int_equal(fe.n, 16);
	assert_int_equal(fe.dropped, 4);
}

static bool valid_utf8(const char *s)
{
	return utf8_valid(s, strlen(s));
}

/*
 * json.h: field_errors_add keeps field and reason valid UTF-8 even when they echo
 * bad input (an unknown query argument named "%ff"), so that the problem body can
 * still be encoded; bad bytes become '?'.
 */
static void test_field_errors_keep_utf8_valid(void **state)
{
	struct field_errors fe = { 0 };
	char longtext[1024] = "";
	size_t used = 0;

	(void)state;
	field_errors_add(&fe, "x\xffy", "unknown query argument");
	assert_string_equal(fe.e[0].field, "x?y");
	assert_string_equal(fe.e[0].reason, "unknown query argument");
	field_errors_add(&fe, "name", "no division has code '%s'",
			 "\xe5\xae"
			 "1");
	assert_string_equal(fe.e[1].field, "name");
	assert_string_equal(fe.e[1].reason, "no division has code '??1'");
	/* too long: cut at a character, not inside one */
	for (int i = 0; i < 100; i++)
		used += (size_t)snprintf(longtext + used, sizeof(longtext) - used, "安");
	field_errors_add(&fe, longtext, "%s", longtext);
	assert_int_equal(fe.n, 3);
	assert_true(valid_utf8(fe.e[2].field));
	assert_true(valid_utf8(fe.e[2].reason));
	assert_int_equal(strlen(fe.e[2].field), 63);   /* 21 characters of 3 bytes */
	assert_int_equal(strlen(fe.e[2].reason), 189); /* 63 characters, no "?" for the cut one */
	assert_memory_equal(fe.e[2].reason, longtext, 189);
	assert_memory_equal(fe.e[2].field, longtext, 63);
	/* an emoji that would straddle the end is left out whole */
	field_errors_add(&fe, "ab😀", "r");
	assert_string_equal(fe.e[3].field, "ab😀");
	memset(longtext, 'a', 61);
	snprintf(longtext + 61, sizeof(longtext) - 61, "😀");
	field_errors_add(&fe, longtext, "r");
	assert_int_equal(strlen(fe.e[4].field), 61);
	assert_true(valid_utf8(fe.e[4].field));
	/* each one can be put into a problem body */
	for (size_t i = 0; i < fe.n; i++) {
		json_t *o =
			json_pack("{s:s, s:s}", "field", fe.e[i].field, "reason", fe.e[i].reason);

		assert_non_null(o);
		json_decref(o);
	}
}

static void test_accessors(void **state)
{
	json_t *o =
		json_pack("{s:s, s:I, s:n, s:f}", "s", "安全", "i", (json_int_t)42, "z", "f", 1.5);

	(void)state;
	assert_string_equal(json_str(o, "s"), "安全");
	assert_null(json_str(o, "i"));
	assert_null(json_str(o, "missing"));
	assert_int_equal(json_i64(o, "i", -1), 42);
	assert_int_equal(json_i64(o, "s", -1), -1);
	assert_int_equal(json_i64(o, "f", -1), -1);
	assert_true(json_has(o, "z"));
	assert_false(json_has(o, "missing"));
	json_decref(o);
}

/* json_changes(): field-level old/new of the keys that differ, in key order, skips honoured. */
static void test_changes(void **state)
{
	static const char *const skip[] = { "updated_ms", NULL };
	json_error_t jerr;
	json_t *before = json_loads("{\"name\":\"甲\",\"phone\":\"1\",\"tags\":[1],"
				    "\"gone\":true,\"same\":{\"a\":1},\"updated_ms\":1,"
				    "\"cleared\":5}",
				    0, &jerr);
	json_t *after = json_loads("{\"same\":{\"a\":1},\"phone\":\"2\",\"name\":\"乙\","
				   "\"tags\":[1,2],\"added\":null,\"new\":0,\"updated_ms\":2,"
				   "\"cleared\":null}",
				   0, &jerr);
	json_t *c;
	char *text;

	(void)state;
	assert_non_null(before);
	assert_non_null(after);
	c = json_changes(before, after, skip);
	text = json_dumps(c, JSON_COMPACT);
	assert_string_equal(text, "[{\"field\":\"cleared\",\"old\":5,\"new\":null},"
				  "{\"field\":\"gone\",\"old\":true,\"new\":null},"
				  "{\"field\":\"name\",\"old\":\"甲\",\"new\":\"乙\"},"
				  "{\"field\":\"new\",\"old\":null,\"new\":0},"
				  "{\"field\":\"phone\",\"old\":\"1\",\"new\":\"2\"},"
				  "{\"field\":\"tags\",\"old\":[1],\"new\":[1,2]}]");
	free(text);
	json_decref(c);
	c = json_changes(before, before, NULL);
	assert_int_equal(json_array_size(c), 0);
	json_decref(c);
	json_decref(before);
	json_decref(after);
}

/* What json_dump_compact() writes for the value v alone (JSON_ENCODE_ANY). Returns: owned. */
static char *jansson_text(json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY);

	assert_non_null(t);
	json_decref(v);
	return t;
}

/*
 * The text writers give jansson's bytes: every ASCII character (the escapes of '"', '\\'
 * and the control characters, '/' and DEL as they are), non-ASCII text, integers at
 * their limits, and reals in every shape %.15g takes.
 */
static void test_writers_match_jansson(void **state)
{
	static const double reals[] = {
		0.0,	   -0.0, 1.0,	     33.0,	120.123456789012345,
		0.1 + 0.2, 1e21, 1e-7,	     -2.5e-300, 123456789012345678.0,
		1e15,	   1e16, 33.1234567, 3.0e100,	-120.5
	};
	static const int64_t ints[] = { 0, 1, -1, 1795974311872, INT64_MAX, INT64_MIN };
	static const char *const texts[] = { "",
					     "盐城市测试第1号企业有限公司",
					     "a\"b\\c/d",
					     "tab\there",
					     "\x01\x1f\x7f",
					     "𝄞 (U+1D11E)" };
	char all_ascii[128];
	struct buf b = BUF_INIT;
	char *want;

	(void)state;
	for (size_t i = 1; i < sizeof(all_ascii); i++)
		all_ascii[i - 1] = (char)i;
	all_ascii[127] = '\0';
	json_buf_string(&b, all_ascii);
	want = jansson_text(json_string(all_ascii));
	assert_string_equal(buf_str(&b), want);
	free(want);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		buf_reset(&b);
		json_buf_string(&b, texts[i]);
		want = jansson_text(json_string(texts[i]));
		assert_string_equal(buf_str(&b), want);
		free(want);
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		buf_reset(&b);
		json_buf_int(&b, ints[i]);
		want = jansson_text(json_integer(ints[i]));
		assert_string_equal(buf_str(&b), want);
		free(want);
	}
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		buf_reset(&b);
		json_buf_real(&b, reals[i]);
		want = jansson_text(json_real(reals[i]));
		assert_string_equal(buf_str(&b), want);
		free(want);
	}
	buf_release(&b);
}

/* Text that is not UTF-8 (which jansson refuses) still gives JSON: '?' for a bad byte. */
static void test_writers_keep_output_valid(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	json_buf_string(&b, "a\xff\"\xe7\x9b");
	assert_string_equal(buf_str(&b), "\"a?\\\"??\"");
	buf_reset(&b);
	json_buf_real(&b, NAN);
	json_buf_real(&b, INFINITY);
	assert_string_equal(buf_str(&b), "nullnull");
	buf_release(&b);
}

/* The first error of each field is kept, in order; later ones of the same field go. */
static void test_field_errors_first_per_field(void **state)
{
	struct field_errors fe = { 0 };

	(void)state;
	field_errors_add(&fe, "l", "must be a number");
	field_errors_add(&fe, "s", "must be 1..5");
	field_errors_add(&fe, "l", "must be on the scale");
	field_errors_add(&fe, "e", "is required");
	field_errors_first_per_field(&fe);
	assert_int_equal(fe.n, 3);
	assert_string_equal(fe.e[0].field, "l");
	assert_string_equal(fe.e[0].reason, "must be a number");
	assert_string_equal(fe.e[1].field, "s");
	assert_string_equal(fe.e[2].field, "e");
}

/* json_strip_private: '_' members go at every depth, others stay; NULL passes through. */
static void test_strip_private(void **state)
{
	json_t *o = json_loads("{\"id\":1,\"_uscc\":\"x\",\"items\":[{\"_grid_id\":2,\"a\":3},"
			       "4],\"sub\":{\"_region_code\":\"32\",\"b\":{\"_c\":1}}}",
			       0, NULL);
	char *text;

	(void)state;
	assert_non_null(o);
	assert_ptr_equal(json_strip_private(o), o);
	text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"id\":1,\"items\":[{\"a\":3},4],\"sub\":{\"b\":{}}}");
	free(text);
	json_decref(o);
	assert_null(json_strip_private(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_field_errors_first_per_field),
		cmocka_unit_test(test_valid_body),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_string_length_in_code_points),
		cmocka_unit_test(test_string_with_nul_rejected),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_array_size),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_every_bad_field_is_named),
		cmocka_unit_test(test_errors_capped_at_16),
		cmocka_unit_test(test_field_errors_keep_utf8_valid),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_writers_match_jansson),
		cmocka_unit_test(test_writers_keep_output_valid),
		cmocka_unit_test(test_strip_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
