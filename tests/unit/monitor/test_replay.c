/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the rules of src/monitor/replay.c (docs/ingestion.md "Replay"): the CSV
 * `tag,ts_ms,value` (header required, time order, bad cells named with their line), the
 * due offsets at a speed, and the NDJSON / {"readings":[...]} payloads of the ingestion
 * contract (issue 6: {"tag","ts","v"}, null = a bad reading).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "core/buf.h"
#include "core/err.h"
#include "monitor/replay.h"
#include "core/banned.h"

static int parse(const char *text, struct replay_row **rows, size_t *n, struct errmsg *why)
{
	memset(why, 0, sizeof(*why));
	return replay_parse(text, strlen(text), rows, n, why);
}

static void test_parse_good(void **state)
{
	(void)state;
	struct replay_row *r;
	size_t n;
	struct errmsg why;

	assert_int_equal(parse("\xEF\xBB\xBFtag,ts_ms,value\r\nGT-101,1764460800123,12.5\r\n"
			       "\r\nAT-201,1764460800123,\nAT-201,1764460801000,null\n"
			       "PT-1,1764460802000,-1e-3\nPT-1,1764460802000,0",
			       &r, &n, &why),
			 0);
	assert_int_equal((int)n, 5);
	assert_string_equal(r[0].tag, "GT-101");
	assert_true(r[0].ts_ms == 1764460800123LL);
	assert_true(r[0].value == 12.5);
	assert_true(isnan(r[1].value));
	assert_true(isnan(r[2].value));
	assert_true(r[3].value == -0.001);
	assert_true(r[4].value == 0.0 && r[4].ts_ms == r[3].ts_ms); /* equal times allowed */
	free(r);

	/* A header alone is an empty replay. */
	assert_int_equal(parse("tag,ts_ms,value\n", &r, &n, &why), 0);
	assert_int_equal((int)n, 0);
	assert_null(r);
}

static void expect_bad(const char *text, const char *field, const char *line)
{
	struct replay_row *r = (struct replay_row *)1;
	size_t n = 7;
	struct errmsg why;

	assert_int_equal(parse(text, &r, &n, &why), ERR_INVALID);
	assert_string_equal(why.field, field);
	if (strstr(why.text, line) == NULL)
		fail_msg("'%s' does not name '%s'", why.text, line);
	assert_null(r);
	assert_int_equal((int)n, 0);
}

static void test_parse_bad(void **state)
{
	(void)state;
	char tag65[200];

	expect_bad("", "header", "line 1");
	expect_bad("GT-101,1,2\n", "header", "line 1");
	expect_bad("tag,ts,value\nGT-101,1,2\n", "header", "line 1");
	expect_bad("tag,ts_ms,value,q\n", "header", "line 1");
	expect_bad("tag,ts_ms,value\n,1,2\n", "tag", "line 2");
	expect_bad("tag,ts_ms,value\n\"GT\",1,2\n", "tag", "line 2");
	snprintf(tag65, sizeof(tag65), "tag,ts_ms,value\n%065d,1,2\n", 0);
	expect_bad(tag65, "tag", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101\n", "ts_ms", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,,2\n", "ts_ms", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,-5,2\n", "ts_ms", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1.5,2\n", "ts_ms", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,32503680000001,2\n", "ts_ms", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,99999999999999999999,2\n", "ts_ms", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1\n", "value", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1,2,3\n", "value", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1,abc\n", "value", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1,nan\n", "value", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1,inf\n", "value", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1,0x10\n", "value", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1,1e999\n", "value", "line 2");
	expect_bad("tag,ts_ms,value\nGT-101,1,12,5\n", "value", "line 2"); /* decimal comma */
	/* Time goes back on line 4: the whole file is refused. */
	expect_bad("tag,ts_ms,value\nA,2000,1\nB,2000,1\nA,1999,1\n", "ts_ms", "line 4");
}

static void test_due(void **state)
{
	(void)state;
	assert_true(replay_due_ms(1000, 1000, 1) == 0);
	assert_true(replay_due_ms(1000, 61000, 1) == 60000);
	assert_true(replay_due_ms(1000, 61000, 10) == 6000);
	assert_true(replay_due_ms(1000, 61000, 0.5) == 120000);
	/* A day of one-second rows at 3600x plays in 24 s. */
	assert_true(replay_due_ms(0, 86400000, 3600) == 24000);
}

static void test_format(void **state)
{
	(void)state;
	struct replay_row r[3] = { { "GT-101", 1000, 12.5 },
				   { "AT\"2", 2000, NAN },
				   { "PT", 3000, 0.1 } };
	struct buf b = BUF_INIT;
	json_error_t e;
	json_t *j, *a;
	char *line2;

	replay_format(r, 3, 500, REPLAY_NDJSON, &b);
	line2 = strchr(buf_str(&b), '\n') + 1;
	assert_string_equal(line2, "{\"tag\":\"AT\\\"2\",\"ts\":2500,\"v\":null}\n"
				   "{\"tag\":\"PT\",\"ts\":3500,\"v\":0.10000000000000001}\n");
	j = json_loadb(buf_str(&b), (size_t)(strchr(buf_str(&b), '\n') - buf_str(&b)), 0, &e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "tag")), "GT-101");
	assert_true(json_integer_value(json_object_get(j, "ts")) == 1500);
	assert_true(json_real_value(json_object_get(j, "v")) == 12.5);
	json_decref(j);
	buf_reset(&b);

	replay_format(r, 3, 0, REPLAY_OBJECT, &b);
	j = json_loads(buf_str(&b), 0, &e);
	assert_non_null(j);
	a = json_object_get(j, "readings");
	assert_int_equal((int)json_array_size(a), 3);
	assert_true(json_is_null(json_object_get(json_array_get(a, 1), "v")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "tag")),
			    "AT\"2");
	assert_true(json_real_value(json_object_get(json_array_get(a, 2), "v")) == 0.1);
	assert_true(json_integer_value(json_object_get(json_array_get(a, 2), "ts")) == 3000);
	json_decref(j);
	buf_release(&b);
}

static void test_run_bad_options(void **state)
{
	(void)state;
	struct replay_row r = { "GT-101", 1000, 1 };
	struct replay_opts o = { .speed = 1,
				 .url = "http://127.0.0.1:1",
				 .token = "ajt_x",
				 .enterprise = "91320900MA1XXXXX01" };
	struct replay_stats st;
	struct errmsg why;

	o.mqtt = "127.0.0.1:1883"; /* both */
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	o.mqtt = NULL;
	o.url = NULL; /* neither */
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	o.url = "https://127.0.0.1:1";
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	assert_string_equal(why.field, "url");
	o.url = "http://127.0.0.1:8x";
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	o.url = "http://127.0.0.1:1";
	o.enterprise = "91320900 MA1&x=1";
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	assert_string_equal(why.field, "enterprise");
	o.enterprise = "91320900MA1XXXXX01";
	o.token = NULL;
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	assert_string_equal(why.field, "token");
	o.token = "ajt_x\r\nX-Evil: 1";
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	o.token = "ajt_x";
	o.speed = 0;
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_INVALID);
	assert_string_equal(why.field, "speed");
	/* Nothing listens on port 1: a transport failure, nothing sent. */
	o.speed = 1;
	assert_int_equal(replay_run(&o, &r, 1, &st, &why), ERR_IO);
	assert_int_equal((int)st.sent, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_run_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
