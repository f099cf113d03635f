/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/enterprise/enterprise.c: the high-risk rule (GB/T 4754-2017
 * divisions, docs/enterprise.md), China's extent, phone masking, and field
 * validation with the credit codes of STANDARDS.md §5 (GCJ-02 conversion is tested
 * in tests/unit/core/test_geo.c), and that the list's text writer gives the bytes of
 * enterprise_json(). No server, no database.
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
#include "enterprise/enterprise.h"
#include "core/banned.h"

static void test_high_risk_divisions(void **state)
{
	static const struct {
		const char *code, *want;
	} cases[] = {
		{ "0610", "mining" },
		{ "0811", "mining" },
		{ "1200", "mining" },
		{ "1190", "mining" },
		{ "2511", "hazchem" },
		{ "2614", "hazchem" },
		{ "2671", "hazchem" },
		{ "2672", "fireworks" },
		{ "3110", "metallurgy" },
		{ "3216", "metallurgy" },
		{ "0519", NULL },
		{ "1310", NULL },
		{ "2710", NULL },
		{ "3011", NULL },
		{ "3311", NULL },
		{ "6513", NULL },
		{ "05", NULL },
		{ "13", NULL },
		{ "", NULL },
		{ "2", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = enterprise_high_risk(cases[i].code);

		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got && strcmp(got, cases[i].want) != 0))
			fail_msg("%s: got %s, want %s", cases[i].code, got ? got : "none",
				 cases[i].want ? cases[i].want : "none");
	}
	assert_null(enterprise_high_risk(NULL));
}

/* enterprise_in_china: the extent grids use too (73..136 E, 3..54 N). */
static void test_in_china_extent(void **state)
{
	(void)state;
	assert_false(enterprise_in_china(48.8566, 2.3522));
	assert_false(enterprise_in_china(35.6895, 139.6917));
	assert_false(enterprise_in_china(NAN, 120.0));
	assert_true(enterprise_in_china(33.38, 120.16));
}

static void test_phone_mask(void **state)
{
	char out[40];

	(void)state;
	enterprise_phone_mask("13812341234", out, sizeof(out));
	assert_string_equal(out, "138****1234");
	enterprise_phone_mask("0515-88881234", out, sizeof(out));
	assert_string_equal(out, "051******1234");
	enterprise_phone_mask("1234567", out, sizeof(out));
	assert_string_equal(out, "*******");
	enterprise_phone_mask("", out, sizeof(out));
	assert_string_equal(out, "");
	enterprise_phone_mask("13812341234", out, 5);
	assert_string_equal(out, "138*");
}

static void valid(struct enterprise *e)
{
	enterprise_init(e);
	snprintf(e->uscc, sizeof(e->uscc), "91110000710926094P");
	snprintf(e->name, sizeof(e->name), "中国石油化工股份有限公司");
	snprintf(e->industry_code, sizeof(e->industry_code), "2511");
	snprintf(e->region_code, sizeof(e->region_code), "320902");
}

static bool names(const struct field_errors *fe, const char *field)
{
	for (size_t i = 0; i < fe->n; i++)
		if (strcmp(fe->e[i].field, field) == 0)
			return true;
	return false;
}

static void test_check_accepts_published_codes(void **state)
{
	static const char *const good[] = { "914403001922038216", "9144030071526726XG",
					    "91110000710926094P", "91330100716105852F",
					    "91440300192317458F" };
	struct field_errors fe = { 0 };
	struct enterprise e;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		valid(&e);
		snprintf(e.uscc, sizeof(e.uscc), "%s", good[i]);
		assert_int_equal(enterprise_check(&e, &fe), 0);
	}
	assert_int_equal(fe.n, 0);
}

static void test_check_names_each_bad_field(void **state)
{
	struct field_errors fe = { 0 };
	struct enterprise e;

	(void)state;
	valid(&e);
	snprintf(e.uscc, sizeof(e.uscc), "91110000710926094Q");
	e.name[0] = '\0';
	snprintf(e.industry_code, sizeof(e.industry_code), "C25");
	snprintf(e.region_code, sizeof(e.region_code), "12");
	snprintf(e.scale, sizeof(e.scale), "huge");
	snprintf(e.std_grade, sizeof(e.std_grade), "4");
	snprintf(e.status, sizeof(e.status), "gone");
	snprintf(e.legal_rep_phone, sizeof(e.legal_rep_phone), "abc");
	e.has_location = true;
	e.lat = 48.85;
	e.lon = 2.35;
	e.former_names = strdup("[\"\"]");
	assert_int_equal(enterprise_check(&e, &fe), ERR_INVALID);
	enterprise_release(&e);
	for (const char *const *f =
		     (const char *const[]){ "uscc", "name", "industry_code", "region_code", "scale",
					    "std_grade", "status", "legal_rep_phone", "lat",
					    "former_names", NULL };
	     *f; f++)
		if (!names(&fe, *f))
			fail_msg("no error names '%s'", *f);
}

static void test_check_forbidden_letters_in_uscc(void **state)
{
	static const char *const bad[] = { "91110000710926094I", "9O110000710926094P",
					   "91110000710926094", "91110000710926094PX", "" };
	struct enterprise e;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		struct field_errors fe = { 0 };

		valid(&e);
		snprintf(e.uscc, sizeof(e.uscc), "%s", bad[i]);
		assert_int_equal(enterprise_check(&e, &fe), ERR_INVALID);
		assert_true(names(&fe, "uscc"));
	}
}

/* Named supervision and the worst licence state appear in the JSON; null when not set. */
static void test_json_supervision_and_licence_state(void **state)
{
	struct enterprise e;
	json_t *o;

	(void)state;
	enterprise_init(&e);
	o = enterprise_json(&e, false);
	assert_true(json_is_null(json_object_get(o, "supervising_dept_id")));
	assert_true(json_is_null(json_object_get(o, "supervising_dept_name")));
	assert_true(json_is_null(json_object_get(o, "supervisor_id")));
	assert_true(json_is_null(json_object_get(o, "supervisor_name")));
	assert_true(json_is_null(json_object_get(o, "licence_state")));
	json_decref(o);
	e.supervising_dept_id = 4;
	snprintf(e.supervising_dept_name, sizeof(e.supervising_dept_name), "亭湖区应急管理局");
	e.supervisor_id = 9;
	snprintf(e.supervisor_name, sizeof(e.supervisor_name), "张三");
	e.licence_state = "expiring_30";
	o = enterprise_json(&e, false);
	assert_int_equal(json_i64(o, "supervising_dept_id", 0), 4);
	assert_string_equal(json_str(o, "supervising_dept_name"), "亭湖区应急管理局");
	assert_int_equal(json_i64(o, "supervisor_id", 0), 9);
	assert_string_equal(json_str(o, "supervisor_name"), "张三");
	assert_string_equal(json_str(o, "licence_state"), "expiring_30");
	json_decref(o);
	enterprise_release(&e);
}

/* enterprise_json_write() gives the bytes of json_dump_compact(enterprise_json()). */
static void same_json(const struct enterprise *e, bool mask)
{
	json_t *o = enterprise_json(e, mask);
	char *want = json_dump_compact(o);
	struct buf b = BUF_INIT;

	assert_non_null(want);
	enterprise_json_write(&b, e, mask);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
	free(want);
	json_decref(o);
}

/*
 * The list writes its items as text (enterprise_json_write()), single records and audit
 * records use enterprise_json(): both show the same members, in the same order, with the
 * same values, for a new record and for records with every member set, escaped, null,
 * masked or odd (former names that are not compact, or not JSON at all).
 */
static void test_json_write_matches_json(void **state)
{
	static const char *const former[] = { NULL, "[]", "[\"旧名\", \"a\\\"b\"]", "not json",
					      "" };
	struct enterprise e;

	(void)state;
	enterprise_init(&e);
	same_json(&e, false);
	same_json(&e, true);
	for (size_t i = 0; i < sizeof(former) / sizeof(former[0]); i++) {
		enterprise_init(&e);
		e.id = 9007199254740993LL;
		snprintf(e.uscc, sizeof(e.uscc), "91320902000000000B");
		snprintf(e.name, sizeof(e.name), "盐城市\"测试\"\\第%zu号\t企业/有限公司\x01", i);
		e.former_names = former[i] ? strdup(former[i]) : NULL;
		snprintf(e.industry_code, sizeof(e.industry_code), i % 2 ? "2672" : "6513");
		e.high_risk = i != 1; /* 6513 flagged as high-risk: a category of null */
		snprintf(e.region_code, sizeof(e.region_code), "320902001");
		e.grid_id = (int64_t)i * 7;
		snprintf(e.address, sizeof(e.address), "某路%zu号\r\n二楼", i);
		e.has_location = i != 2;
		e.lat = 33.0 + (double)i / 3.0;
		e.lon = i == 3 ? 120.0 : 120.123456789012345;
		snprintf(e.legal_rep, sizeof(e.legal_rep), "张%zu", i);
		snprintf(e.legal_rep_phone, sizeof(e.legal_rep_phone), "1381234%04zu", i);
		snprintf(e.safety_officer_phone, sizeof(e.safety_officer_phone), "0515-888");
		e.employees = i == 4 ? -1 : (int64_t)i * 1000;
		snprintf(e.scale, sizeof(e.scale), i % 2 ? "small" : "");
		snprintf(e.std_grade, sizeof(e.std_grade), "2");
		snprintf(e.status, sizeof(e.status), "suspended");
		e.supervising_dept_id = (int64_t)i;
		snprintf(e.supervising_dept_name, sizeof(e.supervising_dept_name),
			 "亭湖区应急管理局");
		e.supervisor_id = (int64_t)(4 - i);
		snprintf(e.supervisor_name, sizeof(e.supervisor_name), "李\"四\"");
		e.licence_state = i % 2 ? "expiring_30" : NULL;
		e.created_ms = 1795974311872LL;
		e.updated_ms = INT64_MAX;
		same_json(&e, false);
		same_json(&e, true);
		enterprise_release(&e);
	}
}

/* An audit record as audit_db_get() gives it, with a summary in compact JSON text. */
static json_t *record(const char *action, const char *summary)
{
	json_error_t jerr;
	json_t *s = json_loads(summary, 0, &jerr);

	assert_non_null(s);
	return json_pack("{s:i, s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "id", 12, "at_ms",
			 (json_int_t)1795968000000LL, "actor_id", json_integer(1), "actor", "admin",
			 "ip", "127.0.0.1", "action", action, "entity", "enterprise", "entity_id",
			 "5", "summary", s, "hash", "00");
}

/* History items: changes lifted out of the summary, phones masked at any depth. */
static void test_history_item_masks_phones(void **state)
{
	json_t *r = record("enterprise.update",
			   "{\"before\":{\"name\":\"甲\",\"legal_rep_phone\":\"13812341234\","
			   "\"nested\":[{\"safety_officer_phone\":\"13900001111\"}]},"
			   "\"changes\":[{\"field\":\"legal_rep_phone\",\"old\":\"13812341234\","
			   "\"new\":\"13955556666\"},{\"field\":\"name\",\"old\":\"甲\","
			   "\"new\":\"乙\"},{\"field\":\"safety_officer_phone\",\"old\":null,"
			   "\"new\":\"0515-8888\"}]}");
	json_t *clear = enterprise_history_item(r, false);
	json_t *masked = enterprise_history_item(r, true);
	char *text;

	(void)state;
	text = json_dumps(clear, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
			    "{\"action\":\"enterprise.update\",\"actor_login\":\"admin\",\"at_ms\":"
			    "1795968000000,\"changes\":[{\"field\":\"legal_rep_phone\",\"new\":"
			    "\"13955556666\",\"old\":\"13812341234\"},{\"field\":\"name\",\"new\":"
			    "\"乙\",\"old\":\"甲\"},{\"field\":\"safety_officer_phone\",\"new\":"
			    "\"0515-8888\",\"old\":null}],\"entity\":\"enterprise\",\"entity_id\":"
			    "\"5\",\"id\":12,\"summary\":{\"before\":{\"legal_rep_phone\":"
			    "\"13812341234\",\"name\":\"甲\",\"nested\":[{\"safety_officer_phone\":"
			    "\"13900001111\"}]}}}");
	free(text);
	text = json_dumps(json_object_get(masked, "changes"), JSON_COMPACT | JSON_SORT_KEYS);
	/* mask_phone(): 11+ characters keep 3 and 4; 8..10 keep the last 4; null stays null. */
	assert_string_equal(text, "[{\"field\":\"legal_rep_phone\",\"new\":\"139****6666\","
				  "\"old\":\"138****1234\"},{\"field\":\"name\",\"new\":\"乙\","
				  "\"old\":\"甲\"},{\"field\":\"safety_officer_phone\",\"new\":"
				  "\"*****8888\",\"old\":null}]");
	free(text);
	text = json_dumps(json_object_get(masked, "summary"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
			    "{\"before\":{\"legal_rep_phone\":\"138****1234\",\"name\":"
			    "\"甲\",\"nested\":[{\"safety_officer_phone\":\"139****1111\"}]}}");
	free(text);
	/* The record itself is not changed by masking its copy. */
	assert_string_equal(json_str(json_object_get(json_object_get(r, "summary"), "before"),
				     "legal_rep_phone"),
			    "13812341234");
	json_decref(masked);
	json_decref(clear);
	json_decref(r);
}

/* Records without field-level changes (creates, older records) give an empty list. */
static void test_history_item_without_changes(void **state)
{
	json_t *r = record("enterprise.update", "{\"before\":{},\"changes\":{\"name\":\"乙\"}}");
	json_t *it = enterprise_history_item(r, true);

	(void)state;
	assert_int_equal(json_array_size(json_object_get(it, "changes")), 0);
	/* A summary "changes" of another shape stays in the summary as it was. */
	assert_string_equal(
		json_str(json_object_get(json_object_get(it, "summary"), "changes"), "name"), "乙");
	json_decref(it);
	json_decref(r);
	r = record("enterprise.create", "{\"name\":\"甲\",\"legal_rep_phone\":\"13812341234\"}");
	it = enterprise_history_item(r, true);
	assert_int_equal(json_array_size(json_object_get(it, "changes")), 0);
	assert_string_equal(json_str(json_object_get(it, "summary"), "legal_rep_phone"),
			    "138****1234");
	json_decref(it);
	json_decref(r);
}

/*
 * The end of a code prefix's range: the codes of 盐城市亭湖区 (GB/T 2260 320902) and its
 * towns start with "320902" and lie in ["320902", "320903"); industry division 65 (GB/T
 * 4754-2017) holds the classes 6511..6599, in ["65", "66").
 */
static void test_code_prefix_end(void **state)
{
	char end[16];

	(void)state;
	assert_true(enterprise_code_prefix_end("320902", end, sizeof(end)));
	assert_string_equal(end, "320903");
	assert_true(strcmp("320902001", "320902") >= 0 && strcmp("320902001", end) < 0);
	assert_true(strcmp("320903", end) >= 0);
	assert_true(enterprise_code_prefix_end("65", end, sizeof(end)));
	assert_string_equal(end, "66");
	assert_true(strcmp("6599", end) < 0);
	/* A last 9 becomes ':', the byte after it: "3209" + anything sorts below "320:". */
	assert_true(enterprise_code_prefix_end("3209", end, sizeof(end)));
	assert_string_equal(end, "320:");
	assert_true(strcmp("320999999999", end) < 0 && strcmp("321000", end) > 0);
	/* "-" (a scope that matches nothing) ends at ".", below every digit. */
	assert_true(enterprise_code_prefix_end("-", end, sizeof(end)));
	assert_string_equal(end, ".");
	/* No range: the empty prefix (every code), a too small buffer, a last byte 0xFF. */
	snprintf(end, sizeof(end), "x");
	assert_false(enterprise_code_prefix_end("", end, sizeof(end)));
	assert_false(enterprise_code_prefix_end("320902", end, 6));
	assert_false(enterprise_code_prefix_end("3\xff", end, sizeof(end)));
	assert_string_equal(end, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_supervision_and_licence_state),
		cmocka_unit_test(test_history_item_masks_phones),
		cmocka_unit_test(test_history_item_without_changes),
		cmocka_unit_test(test_high_risk_divisions),
		cmocka_unit_test(test_in_china_extent),
		cmocka_unit_test(test_phone_mask),
		cmocka_unit_test(test_check_accepts_published_codes),
		cmocka_unit_test(test_check_names_each_bad_field),
		cmocka_unit_test(test_check_forbidden_letters_in_uscc),
		cmocka_unit_test(test_json_write_matches_json),
		cmocka_unit_test(test_code_prefix_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
