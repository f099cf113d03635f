/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/payload.c, the readings payload decoder (docs/ingestion.md):
 * the batch object and NDJSON decoded into WAL readings through a resolver; every
 * malformed case named by field and reason with its line and offset (RFC 8259: §2
 * structure and whitespace, §6 number grammar, §7 strings, escapes and surrogates, §8.1
 * UTF-8); unknown tags counted, not fatal; numbers exactly as strtod reads them.
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
#include "monitor/payload.h"
#include "core/banned.h"

/* Tags GT-101 -> 1, GT-102 -> 2, "é-1" -> 3, "𝄞" (U+1D11E) -> 4, "BOOM" -> ERR_DB. */
static int resolve(void *ctx, const char *tag, size_t len, int64_t *id)
{
	(void)ctx;
	static const struct {
		const char *tag;
		int64_t id;
	} t[] = {
		{ "GT-101", 1 }, { "GT-102", 2 }, { "\xc3\xa9-1", 3 }, { "\xf0\x9d\x84\x9e", 4 }
	};
	if (len == 4 && memcmp(tag, "BOOM", 4) == 0)
		return ERR_DB;
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
		if (strlen(t[k].tag) == len && memcmp(t[k].tag, tag, len) == 0) {
			*id = t[k].id;
			return 0;
		}
	return ERR_NOT_FOUND;
}

#define ARRIVAL 1764460800000LL

static int batch(const char *s, struct payload_out *o, struct errmsg *e)
{
	memset(e, 0, sizeof *e);
	return payload_decode_batch(s, strlen(s), ARRIVAL, resolve, NULL, o, e);
}

static int ndjson(const char *s, struct payload_out *o, struct errmsg *e)
{
	memset(e, 0, sizeof *e);
	return payload_decode_ndjson(s, strlen(s), ARRIVAL, resolve, NULL, o, e);
}

static void test_batch_ok(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(batch("{\"readings\":[{\"tag\":\"GT-101\",\"ts\":1764460800123,\"v\":12.5,"
			       "\"q\":0},{\"tag\":\"GT-102\",\"v\":null},{\"v\":-3e2,\"tag\":"
			       "\"GT-101\",\"q\":1,\"ts\":null}]}",
			       &o, &e),
			 0);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.unknown, 0);
	assert_int_equal(o.r[0].point_id, 1);
	assert_int_equal(o.r[0].source_ms, 1764460800123LL);
	assert_true(o.r[0].value == 12.5);
	assert_int_equal(o.r[0].quality, 0);
	/* ts absent: the arrival time; v null: NaN with quality bad (2). */
	assert_int_equal(o.r[1].point_id, 2);
	assert_int_equal(o.r[1].source_ms, ARRIVAL);
	assert_true(isnan(o.r[1].value));
	assert_int_equal(o.r[1].quality, 2);
	assert_int_equal(o.r[2].source_ms, ARRIVAL);
	assert_true(o.r[2].value == -300.0);
	assert_int_equal(o.r[2].quality, 1);
	payload_free(&o);
}

static void test_batch_empty_and_whitespace(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(batch(" \t\r\n{ \"readings\" : [ ] } \n", &o, &e), 0);
	assert_int_equal(o.n, 0);
	assert_int_equal(batch("{\"readings\":[{ \"tag\" : \"GT-101\" , \"v\" : 1 } ]}", &o, &e),
			 0);
	assert_int_equal(o.n, 1);
	payload_free(&o);
}

static void test_unknown_members_skipped(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(
		batch("{\"site\":{\"a\":[1,2.5e-3,{\"b\":[true,false,null]}],\"c\":\"x\\\"]}\"},"
		      "\"readings\":[{\"unit\":\"%LEL\",\"tag\":\"GT-101\",\"meta\":[[],{}],"
		      "\"v\":5,\"tagx\":\"GT-102\",\"vv\":7}],\"readingsx\":1}",
		      &o, &e),
		0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.r[0].point_id, 1);
	assert_true(o.r[0].value == 5.0);
	payload_free(&o);
}

static void test_unknown_tags_counted(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(batch("{\"readings\":[{\"tag\":\"NOPE\",\"v\":1},{\"tag\":\"GT-101\","
			       "\"v\":2},{\"tag\":\"NOPE2\",\"v\":3}]}",
			       &o, &e),
			 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.unknown, 2);
	assert_string_equal(o.unknown_tag, "NOPE");
	payload_free(&o);
}

static void test_escapes_and_unicode(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	/* \u escapes name the same tag as the raw text; a surrogate pair is one code point. */
	assert_int_equal(
		batch("{\"readings\":[{\"\\u0074ag\":\"GT\\u002d101\",\"v\":1},{\"tag\":"
		      "\"\\u00e9-1\",\"v\":2},{\"tag\":\"\xc3\xa9-1\",\"v\":3},{\"tag\":"
		      "\"\\uD834\\udd1e\",\"v\":4},{\"tag\":\"\xf0\x9d\x84\x9e\",\"v\":5}]}",
		      &o, &e),
		0);
	assert_int_equal(o.n, 5);
	assert_int_equal(o.r[0].point_id, 1);
	assert_int_equal(o.r[1].point_id, 3);
	assert_int_equal(o.r[2].point_id, 3);
	assert_int_equal(o.r[3].point_id, 4);
	assert_int_equal(o.r[4].point_id, 4);
	/* Every simple escape is accepted (the tags are then unknown). */
	assert_int_equal(batch("{\"readings\":[{\"tag\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"v\":1}]}",
			       &o, &e),
			 0);
	assert_int_equal(o.unknown, 1);
	assert_string_equal(o.unknown_tag, "\"\\/\b\f\n\r\t");
	payload_free(&o);
}

/* §7: every byte 0x20..0x7F but '"' and '\\' stands for itself in a string; below 0x20 never. */
static void test_every_ascii_byte(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	for (int c = 1; c < 0x80; c++) {
		char buf[64];
		snprintf(buf, sizeof buf, "{\"readings\":[{\"tag\":\"A%cB\",\"v\":1}]}", c);
		int rc = batch(buf, &o, &e);
		if (c < 0x20) {
			assert_int_equal(rc, ERR_INVALID);
			assert_non_null(strstr(e.text, "control character"));
		} else if (c == '"') {
			assert_int_equal(rc, ERR_INVALID); /* ends the string early */
		} else if (c == '\\') {
			assert_int_equal(rc, ERR_INVALID); /* \B is no escape */
			assert_non_null(strstr(e.text, "invalid escape"));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(o.unknown, 1);
			assert_int_equal((unsigned char)o.unknown_tag[1], c);
		}
	}
	payload_free(&o);
}

static void test_numbers(void **state)
{
	(void)state;
	/* RFC 8259 §6 numbers, each checked against strtod of the same text. */
	static const char *nums[] = {
		"0",
		"-0",
		"1",
		"-1",
		"12.5",
		"0.1",
		"0.000001",
		"1e22",
		"1e23",
		"1E-22",
		"123456789012345",
		"1234567890123456789",
		"9007199254740993",
		"3.141592653589793",
		"2.2250738585072014e-308",
		"4.9e-324",
		"1e-400",
		"1.7976931348623157e308",
		"-123.456e+3",
		"100000000000000000000000000000",
		"0.30000000000000004",
		"5e-1",
	};
	struct payload_out o = { 0 };
	struct errmsg e;
	for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
		char buf[256];
		snprintf(buf, sizeof buf, "{\"readings\":[{\"tag\":\"GT-101\",\"v\":%s}]}",
			 nums[k]);
		assert_int_equal(batch(buf, &o, &e), 0);
		assert_int_equal(o.n, 1);
		double want = strtod(nums[k], NULL);
		if (o.r[0].value != want || signbit(o.r[0].value) != signbit(want))
			fail_msg("%s decoded as %.17g, strtod says %.17g", nums[k], o.r[0].value,
				 want);
	}
	payload_free(&o);
}

static void test_ts_bounds(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(batch("{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"ts\":0},{\"tag\":"
			       "\"GT-101\",\"v\":1,\"ts\":9007199254740992},{\"tag\":\"GT-101\","
			       "\"v\":1,\"ts\":1.764460800123e12}]}",
			       &o, &e),
			 0);
	assert_int_equal(o.r[0].source_ms, 0);
	assert_int_equal(o.r[1].source_ms, 9007199254740992LL);
	assert_int_equal(o.r[2].source_ms, 1764460800123LL);
	static const char *bad[] = { "-1", "1.5", "9007199254740994", "1e300", "\"1\"", "true" };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char buf[128];
		snprintf(buf, sizeof buf, "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"ts\":%s}]}",
			 bad[k]);
		assert_int_equal(batch(buf, &o, &e), ERR_INVALID);
		assert_string_equal(e.field, "readings[0].ts");
		assert_int_equal(o.n, 0);
	}
	payload_free(&o);
}

static void test_quality(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(batch("{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"q\":2},{\"tag\":"
			       "\"GT-101\",\"v\":null,\"q\":0}]}",
			       &o, &e),
			 0);
	assert_int_equal(o.r[0].quality, 2);
	assert_int_equal(o.r[1].quality, 2); /* null v is bad whatever q says */
	static const char *bad[] = { "3", "-1", "0.5", "\"0\"" };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char buf[128];
		snprintf(buf, sizeof buf, "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"q\":%s}]}",
			 bad[k]);
		assert_int_equal(batch(buf, &o, &e), ERR_INVALID);
		assert_string_equal(e.field, "readings[0].q");
	}
	payload_free(&o);
}

/* One malformed batch: the decoder must reject it naming field, and store nothing. */
struct bad_case {
	const char *json;
	const char *field;
	const char *reason; /* a substring of the reason */
};

static void test_malformed_batches(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "", "body", "expected '{'" },
		{ "   ", "body", "end of input" },
		{ "[]", "body", "expected '{'" },
		{ "\xef\xbb\xbf{\"readings\":[]}", "body", "byte 0xEF" }, /* BOM, §8.1 */
		{ "{\"readings\":[]", "body", "end of input" },
		{ "{\"readings\":[]}x", "body", "after the JSON value" },
		{ "{\"readings\":[]}{}", "body", "after the JSON value" },
		{ "{}", "readings", "required" },
		{ "{\"reading\":[]}", "readings", "required" },
		{ "{\"readings\":{}}", "readings", "expected '['" },
		{ "{\"readings\":null}", "readings", "expected '['" },
		{ "{\"readings\":[],\"readings\":[]}", "readings", "twice" },
		{ "{\"readings\":[],}", "body", "found '}'" },
		{ "{,\"readings\":[]}", "body", "expected '\"'" },
		{ "{\"readings\" []}", "readings", "expected ':'" },
		{ "{'readings':[]}", "body", "expected '\"'" },
		{ "{\"readings\":[1]}", "readings[0]", "must be an object" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1},]}", "readings[1]",
		  "must be an object" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1}{}]}", "readings", "expected ','" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1}", "readings", "end of input" },
		{ "{\"readings\":[{}]}", "readings[0].tag", "required" },
		{ "{\"readings\":[{\"tag\":\"GT-101\"}]}", "readings[0].v", "required" },
		{ "{\"readings\":[{\"v\":1}]}", "readings[0].tag", "required" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,}]}", "readings[0]",
		  "expected '\"'" },
		{ "{\"readings\":[{\"tag\":\"GT-101\" \"v\":1}]}", "readings[0]", "expected ','" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"tag\":\"GT-102\",\"v\":1}]}",
		  "readings[0].tag", "twice" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"v\":2}]}", "readings[0].v",
		  "twice" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"q\":1,\"q\":1}]}", "readings[0].q",
		  "twice" },
		{ "{\"readings\":[{\"tag\":\"\",\"v\":1}]}", "readings[0].tag", "empty" },
		{ "{\"readings\":[{\"tag\":101,\"v\":1}]}", "readings[0].tag", "must be a string" },
		{ "{\"readings\":[{\"tag\":null,\"v\":1}]}", "readings[0].tag",
		  "must be a string" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":\"12\"}]}", "readings[0].v",
		  "number or null" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":true}]}", "readings[0].v",
		  "number or null" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":nul}]}", "readings[0].v",
		  "unexpected" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":NaN}]}", "readings[0].v",
		  "number or null" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":Infinity}]}", "readings[0].v",
		  "number or null" },
		/* §6 number grammar */
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":+1}]}", "readings[0].v",
		  "number or null" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":01}]}", "readings[0].v",
		  "leading zero" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":-01}]}", "readings[0].v",
		  "leading zero" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":.5}]}", "readings[0].v",
		  "number or null" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1.}]}", "readings[0].v", "follow '.'" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1.e5}]}", "readings[0].v",
		  "follow '.'" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":-}]}", "readings[0].v",
		  "digit must follow" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1e}]}", "readings[0].v", "exponent" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1e+}]}", "readings[0].v", "exponent" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":0x10}]}", "readings[0]",
		  "expected ','" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1e309}]}", "readings[0].v",
		  "out of range" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":-1e309}]}", "readings[0].v",
		  "out of range" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":"
		  "1.00000000000000000000000000000000000000000000000000000000000000000}]}",
		  "readings[0].v", "longer than 64" },
		/* §7 strings */
		{ "{\"readings\":[{\"tag\":\"GT\x01-101\",\"v\":1}]}", "readings[0].tag",
		  "control" },
		{ "{\"readings\":[{\"tag\":\"GT\t101\",\"v\":1}]}", "readings[0].tag", "control" },
		{ "{\"readings\":[{\"tag\":\"GT\n101\",\"v\":1}]}", "readings[0].tag", "control" },
		{ "{\"readings\":[{\"tag\":\"GT\\x\",\"v\":1}]}", "readings[0].tag",
		  "invalid escape" },
		{ "{\"readings\":[{\"tag\":\"GT\\'\",\"v\":1}]}", "readings[0].tag",
		  "invalid escape" },
		{ "{\"readings\":[{\"tag\":\"\\u12\",\"v\":1}]}", "readings[0].tag", "four hex" },
		{ "{\"readings\":[{\"tag\":\"\\u12G4\",\"v\":1}]}", "readings[0].tag", "four hex" },
		{ "{\"readings\":[{\"tag\":\"\\uDC00\",\"v\":1}]}", "readings[0].tag",
		  "low surrogate" },
		{ "{\"readings\":[{\"tag\":\"\\uD800\",\"v\":1}]}", "readings[0].tag",
		  "high surrogate" },
		{ "{\"readings\":[{\"tag\":\"\\uD800\\u0041\",\"v\":1}]}", "readings[0].tag",
		  "high surrogate" },
		{ "{\"readings\":[{\"tag\":\"\\uD800\\uD800\",\"v\":1}]}", "readings[0].tag",
		  "high surrogate" },
		{ "{\"readings\":[{\"tag\":\"GT-101", "readings[0].tag", "unterminated" },
		{ "{\"readings\":[{\"tag\":\"GT-101\\", "readings[0].tag", "unterminated" },
		/* §8.1 UTF-8: overlong, surrogate, above U+10FFFF, truncated, stray continuation */
		{ "{\"readings\":[{\"tag\":\"\xc0\xaf\",\"v\":1}]}", "readings[0].tag", "UTF-8" },
		{ "{\"readings\":[{\"tag\":\"\xe0\x80\xaf\",\"v\":1}]}", "readings[0].tag",
		  "UTF-8" },
		{ "{\"readings\":[{\"tag\":\"\xed\xa0\x80\",\"v\":1}]}", "readings[0].tag",
		  "UTF-8" },
		{ "{\"readings\":[{\"tag\":\"\xf4\x90\x80\x80\",\"v\":1}]}", "readings[0].tag",
		  "UTF-8" },
		{ "{\"readings\":[{\"tag\":\"\xf5\x80\x80\x80\",\"v\":1}]}", "readings[0].tag",
		  "UTF-8" },
		{ "{\"readings\":[{\"tag\":\"\xc3\",\"v\":1}]}", "readings[0].tag", "UTF-8" },
		{ "{\"readings\":[{\"tag\":\"\x80\",\"v\":1}]}", "readings[0].tag", "UTF-8" },
		{ "{\"readings\":[{\"tag\":\"\xff\",\"v\":1}]}", "readings[0].tag", "UTF-8" },
		/* skipped members are validated too */
		{ "{\"x\":[1,],\"readings\":[]}", "body", "unexpected ']'" },
		{ "{\"x\":tru,\"readings\":[]}", "body", "unexpected" },
		{ "{\"x\":\"\x01\",\"readings\":[]}", "body", "control" },
		{ "{\"x\":{\"a\" 1},\"readings\":[]}", "body", "expected ':'" },
		{ "{\"x\":{1:2},\"readings\":[]}", "body", "expected '\"'" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"x\":01}]}", "readings[0]",
		  "leading zero" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"x\":[}]}", "readings[0]",
		  "unexpected" },
		{ "{\"x\":,\"readings\":[]}", "body", "unexpected ','" },
	};
	struct payload_out o = { 0 };
	struct errmsg e;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int rc = batch(cases[k].json, &o, &e);
		if (rc != ERR_INVALID)
			fail_msg("case %zu (%s): rc %d, want ERR_INVALID", k, cases[k].json, rc);
		if (strcmp(e.field, cases[k].field) != 0 || !strstr(e.text, cases[k].reason))
			fail_msg("case %zu (%s): field '%s' reason '%s', want '%s' / '%s'", k,
				 cases[k].json, e.field, e.text, cases[k].field, cases[k].reason);
		assert_int_equal(o.n, 0);
		assert_int_equal(o.unknown, 0);
		assert_true(o.offset <= strlen(cases[k].json));
	}
	payload_free(&o);
}

static void test_depth_bound(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	char buf[512];
	/* batch object (1) + array (2) + reading (3) + 29 nested arrays = 32: accepted */
	for (int extra = 29; extra <= 30; extra++) {
		size_t n = 0;
		n += (size_t)snprintf(buf + n, sizeof buf - n,
				      "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1,\"x\":");
		for (int k = 0; k < extra; k++)
			buf[n++] = '[';
		for (int k = 0; k < extra; k++)
			buf[n++] = ']';
		n += (size_t)snprintf(buf + n, sizeof buf - n, "}]}");
		int rc = batch(buf, &o, &e);
		if (extra == 29) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, ERR_INVALID);
			assert_non_null(strstr(e.text, "deeper than 32"));
		}
	}
	/* A very deep skipped value never recurses past the bound. */
	static char deep[200000];
	size_t n = (size_t)snprintf(deep, sizeof deep, "{\"x\":");
	while (n < sizeof deep - 1)
		deep[n++] = '[';
	deep[n] = '\0';
	assert_int_equal(batch(deep, &o, &e), ERR_INVALID);
	assert_string_equal(e.field, "body");
	payload_free(&o);
}

static void test_long_tag(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	char buf[512], tag[PAYLOAD_TAG_MAX + 2];
	memset(tag, 'A', sizeof tag);
	tag[PAYLOAD_TAG_MAX] = '\0';
	snprintf(buf, sizeof buf, "{\"readings\":[{\"tag\":\"%s\",\"v\":1}]}", tag);
	assert_int_equal(batch(buf, &o, &e), 0); /* 128 bytes: allowed, unknown here */
	assert_int_equal(o.unknown, 1);
	assert_string_equal(o.unknown_tag, tag);
	tag[PAYLOAD_TAG_MAX] = 'A';
	tag[PAYLOAD_TAG_MAX + 1] = '\0';
	snprintf(buf, sizeof buf, "{\"readings\":[{\"tag\":\"%s\",\"v\":1}]}", tag);
	assert_int_equal(batch(buf, &o, &e), ERR_INVALID);
	assert_string_equal(e.field, "readings[0].tag");
	assert_non_null(strstr(e.text, "longer than 128"));
	payload_free(&o);
}

static void test_position(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	const char *s =
		"{\"readings\":[\n{\"tag\":\"GT-101\",\"v\":1},\n{\"tag\":\"GT-101\",\"v\":x}]}";
	assert_int_equal(batch(s, &o, &e), ERR_INVALID);
	assert_string_equal(e.field, "readings[1].v");
	assert_int_equal(o.line, 3);
	assert_int_equal(o.offset, (size_t)(strchr(s, 'x') - s));
	payload_free(&o);
}

static void test_resolver_error(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(
		batch("{\"readings\":[{\"tag\":\"GT-101\",\"v\":1},{\"tag\":\"BOOM\",\"v\":"
		      "1}]}",
		      &o, &e),
		ERR_DB);
	assert_string_equal(e.field, "readings[1].tag");
	assert_int_equal(o.n, 0);
	payload_free(&o);
}

static void test_ndjson_ok(void **state)
{
	(void)state;
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(ndjson("{\"tag\":\"GT-101\",\"ts\":5,\"v\":1.5}\r\n\n  \t\r\n{\"tag\":"
				"\"GT-102\",\"v\":null}\n{\"tag\":\"X\",\"v\":0}",
				&o, &e),
			 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.unknown, 1);
	assert_int_equal(o.r[0].source_ms, 5);
	assert_true(o.r[0].value == 1.5);
	assert_int_equal(o.r[1].point_id, 2);
	assert_int_equal(o.r[1].quality, 2);
	assert_int_equal(ndjson("", &o, &e), 0);
	assert_int_equal(o.n, 0);
	payload_free(&o);
}

static void test_ndjson_malformed(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "{\"tag\":\"GT-101\",\"v\":1}\n{\"tag\":\"GT-101\"}\n", "line 2.v", "required" },
		{ "{\"tag\":\"GT-101\",\"v\":1} {\"tag\":\"GT-101\",\"v\":1}", "line 1", "after" },
		{ "{\"tag\":\"GT-101\",\"v\":1}\n\n[1]", "line 3", "must be an object" },
		{ "{\"readings\":[{\"tag\":\"GT-101\",\"v\":1}]}", "line 1.tag", "required" },
		{ "{\"tag\":\"GT-101\",\n\"v\":1}", "line 1", "expected '\"'" },
		{ "{\"tag\":\"GT\n-101\",\"v\":1}", "line 1.tag", "unterminated" },
		{ "{\"tag\":\"GT-101\",\"v\":1,\"v\":1}", "line 1.v", "twice" },
	};
	struct payload_out o = { 0 };
	struct errmsg e;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int rc = ndjson(cases[k].json, &o, &e);
		if (rc != ERR_INVALID || strcmp(e.field, cases[k].field) != 0 ||
		    !strstr(e.text, cases[k].reason))
			fail_msg("case %zu: rc %d field '%s' reason '%s', want '%s' / '%s'", k, rc,
				 e.field, e.text, cases[k].field, cases[k].reason);
		assert_int_equal(o.n, 0);
	}
	/* The line number of the error. */
	assert_int_equal(ndjson("{\"tag\":\"GT-101\",\"v\":1}\n\n{\"tag\":\"GT-101\",\"v\":-}\n",
				&o, &e),
			 ERR_INVALID);
	assert_string_equal(e.field, "line 3.v");
	assert_int_equal(o.line, 3);
	payload_free(&o);
}

static void test_large_batch_grows(void **state)
{
	(void)state;
	size_t n = 10000;
	size_t cap = 64 + n * 40;
	char *s = malloc(cap);
	assert_non_null(s);
	size_t len = (size_t)snprintf(s, cap, "{\"readings\":[");
	for (size_t k = 0; k < n; k++)
		len += (size_t)snprintf(s + len, cap - len, "%s{\"tag\":\"GT-10%zu\",\"v\":%zu}",
					k ? "," : "", 1 + k % 2, k);
	len += (size_t)snprintf(s + len, cap - len, "]}");
	struct payload_out o = { 0 };
	struct errmsg e;
	assert_int_equal(payload_decode_batch(s, len, ARRIVAL, resolve, NULL, &o, &e), 0);
	assert_int_equal(o.n, n);
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(o.r[k].point_id, (int64_t)(1 + k % 2));
		assert_true(o.r[k].value == (double)k);
	}
	/* Not NUL-terminated: the decoder never reads past len. */
	assert_int_equal(payload_decode_batch(s, len - 1, ARRIVAL, resolve, NULL, &o, &e),
			 ERR_INVALID);
	free(s);
	payload_free(&o);
	payload_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_ok),
		cmocka_unit_test(test_batch_empty_and_whitespace),
		cmocka_unit_test(test_unknown_members_skipped),
		cmocka_unit_test(test_unknown_tags_counted),
		cmocka_unit_test(test_escapes_and_unicode),
		cmocka_unit_test(test_every_ascii_byte),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_ts_bounds),
		cmocka_unit_test(test_quality),
		cmocka_unit_test(test_malformed_batches),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_long_tag),
		cmocka_unit_test(test_position),
		cmocka_unit_test(test_resolver_error),
		cmocka_unit_test(test_ndjson_ok),
		cmocka_unit_test(test_ndjson_malformed),
		cmocka_unit_test(test_large_batch_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
