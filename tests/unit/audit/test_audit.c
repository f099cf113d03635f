/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/audit/audit.c: the SM3 chain step against the test
 * vectors of GB/T 32905-2016 Appendix A, and the canonical record form that
 * is hashed (deterministic, keys sorted, every field covered). Pure, no I/O;
 * the chain over a database is in test_audit_db.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "core/banned.h"

/* GB/T 32905-2016 Appendix A.1: SM3("abc"). */
#define SM3_ABC "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
/* GB/T 32905-2016 Appendix A.2: SM3("abcd" x 16), a 512-bit message. */
#define SM3_ABCD16 "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"

static const struct audit_record base = {
	.id = 7,
	.at_ms = 1767225600123,
	.actor_id = 1,
	.actor_login = "admin",
	.ip = "127.0.0.1",
	.action = "user.create",
	.entity = "user",
	.entity_id = "12",
	.summary = "{\"login\":\"zhangsan\"}",
};

/*
 * GB/T 32905-2016 Appendix A.1: with an empty previous hash the chain step is
 * plain SM3 of the canonical text, so "abc" must give the standard's digest.
 */
static void test_chain_hash_sm3_vector_abc(void **state)
{
	char out[65];

	(void)state;
	audit_chain_hash("", "abc", out);
	assert_string_equal(out, SM3_ABC);
	/* the split between prev and canonical does not matter: it is one message */
	audit_chain_hash("ab", "c", out);
	assert_string_equal(out, SM3_ABC);
	audit_chain_hash("abc", "", out);
	assert_string_equal(out, SM3_ABC);
}

/* GB/T 32905-2016 Appendix A.2: "abcd" repeated 16 times (64 bytes, two blocks after padding). */
static void test_chain_hash_sm3_vector_abcd16(void **state)
{
	char msg[65] = "";
	char out[65];

	(void)state;
	for (int i = 0; i < 16; i++)
		memcpy(msg + 4 * i, "abcd", 4);
	msg[64] = '\0';
	audit_chain_hash("", msg, out);
	assert_string_equal(out, SM3_ABCD16);
	/* a 64-hex-digit previous hash followed by the record, as the chain uses it */
	audit_chain_hash(msg, "", out);
	assert_string_equal(out, SM3_ABCD16);
}

static void test_chain_hash_depends_on_prev(void **state)
{
	char a[65], b[65];

	(void)state;
	audit_chain_hash(AUDIT_GENESIS_HASH, "{\"id\":1}", a);
	audit_chain_hash(SM3_ABC, "{\"id\":1}", b);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);
	audit_chain_hash(AUDIT_GENESIS_HASH, "{\"id\":1}", b);
	assert_string_equal(a, b);
	for (size_t i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
}

/*
 * audit.h: compact JSON, keys sorted, actor_id null for the system, summary as
 * a string, non-ASCII as \uXXXX with upper-case hex (jansson's JSON_ENSURE_ASCII).
 * Pinned byte for byte: records written by one build must verify in the next.
 */
static void test_canonical_exact_form(void **state)
{
	struct audit_record r = base;
	char *c;

	(void)state;
	r.actor_id = 0;
	r.summary = "{\"name\":\"西湖区网格\"}";
	c = audit_canonical(&r);
	assert_non_null(c);
	assert_string_equal(
		c, "{\"action\":\"user.create\",\"actor_id\":null,\"actor_login\":\"admin\","
		   "\"at_ms\":1767225600123,\"entity\":\"user\",\"entity_id\":\"12\",\"id\":7,"
		   "\"ip\":\"127.0.0.1\",\"summary\":\"{\\\"name\\\":"
		   "\\\"\\u897F\\u6E56\\u533A\\u7F51\\u683C\\\"}\"}");
	free(c);
	r.actor_id = 42;
	c = audit_canonical(&r);
	assert_non_null(strstr(c, "\"actor_id\":42,"));
	free(c);
}

static void test_canonical_is_deterministic(void **state)
{
	char *a, *b;

	(void)state;
	a = audit_canonical(&base);
	b = audit_canonical(&base);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void expect_differs(const struct audit_record *r, const char *what)
{
	char *a = audit_canonical(&base), *b = audit_canonical(r);
	char ha[65], hb[65];

	if (strcmp(a, b) == 0)
		fail_msg("changing %s does not change the canonical form", what);
	audit_chain_hash(AUDIT_GENESIS_HASH, a, ha);
	audit_chain_hash(AUDIT_GENESIS_HASH, b, hb);
	if (strcmp(ha, hb) == 0)
		fail_msg("changing %s does not change the hash", what);
	free(a);
	free(b);
}

/* Every field is under the hash: changing any one changes canonical form and hash. */
static void test_canonical_changes_with_every_field(void **state)
{
	struct audit_record r;

	(void)state;
	r = base;
	r.id = 8;
	expect_differs(&r, "id");
	r = base;
	r.at_ms = base.at_ms + 1;
	expect_differs(&r, "at_ms");
	r = base;
	r.actor_id = 2;
	expect_differs(&r, "actor_id");
	r = base;
	r.actor_id = 0;
	expect_differs(&r, "actor_id to null");
	r = base;
	r.actor_login = "Admin";
	expect_differs(&r, "actor_login");
	r = base;
	r.ip = "127.0.0.2";
	expect_differs(&r, "ip");
	r = base;
	r.action = "user.update";
	expect_differs(&r, "action");
	r = base;
	r.entity = "grid";
	expect_differs(&r, "entity");
	r = base;
	r.entity_id = "13";
	expect_differs(&r, "entity_id");
	r = base;
	r.summary = "{\"login\":\"zhangsi\"}";
	expect_differs(&r, "summary");
	r = base;
	r.summary = "{\"login\": \"zhangsan\"}";
	expect_differs(&r, "summary whitespace");
}

/* Fields are delimited: moving text from one field into the next is a different record. */
static void test_canonical_field_boundaries(void **state)
{
	struct audit_record r = base;

	(void)state;
	r.entity = "use";
	r.entity_id = "r12";
	expect_differs(&r, "the entity/entity_id boundary");
	r = base;
	r.action = "user.create\",\"actor_id\":null";
	expect_differs(&r, "an action holding JSON text");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_hash_sm3_vector_abc),
		cmocka_unit_test(test_chain_hash_sm3_vector_abcd16),
		cmocka_unit_test(test_chain_hash_depends_on_prev),
		cmocka_unit_test(test_canonical_exact_form),
		cmocka_unit_test(test_canonical_is_deterministic),
		cmocka_unit_test(test_canonical_changes_with_every_field),
		cmocka_unit_test(test_canonical_field_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
