/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/core/util.c: UTF-8 validation (RFC 3629 / Unicode
 * Table 3-7 well-formed byte sequences), code-point counting, strict integer
 * parsing, hex, SHA-256 (FIPS 180-2 test vector), constant-time comparison
 * and random tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/util.h"
#include "core/banned.h"

static bool valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void test_utf8_valid_text(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("anjian 1.0"));
	assert_true(valid("安全生产监管平台"));
	assert_true(valid("西湖区 😀 ok"));
	assert_true(valid("\xc2\x80"));		/* U+0080, first 2-byte */
	assert_true(valid("\xdf\xbf"));		/* U+07FF */
	assert_true(valid("\xe0\xa0\x80"));	/* U+0800, first 3-byte */
	assert_true(valid("\xed\x9f\xbf"));	/* U+D7FF, just below the surrogates */
	assert_true(valid("\xee\x80\x80"));	/* U+E000, just above */
	assert_true(valid("\xef\xbf\xbd"));	/* U+FFFD */
	assert_true(valid("\xf0\x90\x80\x80")); /* U+10000, first 4-byte */
	assert_true(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
	/* a NUL inside the given length is a code point like any other */
	assert_true(utf8_valid("a\0b", 3));
}

/* RFC 3629 §3: overlong forms must not be accepted (they hide '/', NUL ...). */
static void test_utf8_rejects_overlong(void **state)
{
	(void)state;
	assert_false(valid("\xc0\x80"));	 /* NUL in 2 bytes */
	assert_false(valid("\xc0\xaf"));	 /* '/' in 2 bytes */
	assert_false(valid("\xc1\xbf"));	 /* U+007F in 2 bytes */
	assert_false(valid("\xe0\x80\xaf"));	 /* '/' in 3 bytes */
	assert_false(valid("\xe0\x9f\xbf"));	 /* U+07FF in 3 bytes */
	assert_false(valid("\xf0\x80\x80\xaf")); /* '/' in 4 bytes */
	assert_false(valid("\xf0\x8f\xbf\xbf")); /* U+FFFF in 4 bytes */
}

/* RFC 3629 §3: UTF-16 surrogates U+D800..U+DFFF are not characters. */
static void test_utf8_rejects_surrogates(void **state)
{
	(void)state;
	assert_false(valid("\xed\xa0\x80"));		 /* U+D800 */
	assert_false(valid("\xed\xbf\xbf"));		 /* U+DFFF */
	assert_false(valid("\xed\xa0\xbd\xed\xb8\x80")); /* CESU-8 form of U+1F600 */
}

static void test_utf8_rejects_out_of_range_and_bad_bytes(void **state)
{
	(void)state;
	assert_false(valid("\xf4\x90\x80\x80")); /* U+110000 */
	assert_false(valid("\xf5\x80\x80\x80"));
	assert_false(valid("\xf8\x88\x80\x80\x80")); /* 5-byte form */
	assert_false(valid("\xfe"));
	assert_false(valid("\xff"));
	assert_false(valid("\x80")); /* continuation without a lead */
	assert_false(valid("a\xbf"
			   "b"));
	assert_false(valid("\xe5\x41\x89")); /* 'A' where a continuation must be */
	assert_false(valid("\xe5\xae\xe5\xae\x89"));
}

static void test_utf8_rejects_truncated(void **state)
{
	(void)state;
	assert_false(valid("\xc3"));
	assert_false(valid("\xe5\xae"));     /* 安 without its last byte */
	assert_false(valid("\xf0\x9f\x98")); /* 😀 without its last byte */
	assert_false(valid("ok\xf0\x9f"));
	/* the length given is what counts, not the NUL */
	assert_false(utf8_valid("安", 2));
	assert_true(utf8_valid("安", 3));
	assert_true(utf8_valid("安全", 3));
}

static void test_utf8_len_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(utf8_len(""), 0);
	assert_int_equal(utf8_len("abc"), 3);
	assert_int_equal(utf8_len("安全生产"), 4);
	assert_int_equal(utf8_len("安全😀a"), 4);
	assert_int_equal(utf8_len("\xc2\x80\xf4\x8f\xbf\xbf"), 2);
}

/* Copies src into a buffer of size bytes and checks the result is valid UTF-8. */
static const char *copy(const char *src, size_t size)
{
	static char out[64];
	char guard[8];

	assert_true(size <= sizeof(out));
	memset(out, 'Z', sizeof(out));
	memset(guard, 'Z', sizeof(guard));
	utf8_copy(out, size, src);
	assert_true(strlen(out) < size);
	if (!utf8_valid(out, strlen(out)))
		fail_msg("copy of '%s' into %zu bytes is not UTF-8", src ? src : "(null)", size);
	/* nothing written past size */
	if (size < sizeof(out))
		assert_memory_equal(out + size, guard,
				    sizeof(out) - size < sizeof(guard) ? sizeof(out) - size
								       : sizeof(guard));
	return out;
}

/* util.h: utf8_copy cuts at a code point boundary, never inside a character. */
static void test_utf8_copy_cuts_at_a_code_point(void **state)
{
	(void)state;
	assert_string_equal(copy("安全生产", 64), "安全生产");
	assert_string_equal(copy("安全生产", 13), "安全生产"); /* 12 bytes and the NUL */
	assert_string_equal(copy("安全生产", 12), "安全生");
	assert_string_equal(copy("安全生产", 7), "安全");
	assert_string_equal(copy("安全生产", 6), "安");
	assert_string_equal(copy("安全生产", 4), "安");
	assert_string_equal(copy("安全生产", 3), "");
	assert_string_equal(copy("安全生产", 1), "");
	assert_string_equal(copy("a😀b", 6), "a😀");
	assert_string_equal(copy("a😀b", 5), "a");
	assert_string_equal(copy("a😀b", 2), "a");
	assert_string_equal(copy("abc", 3), "ab"); /* ASCII: as snprintf */
	assert_string_equal(copy("\xc2\x80\xc2\x80", 4), "\xc2\x80");
	assert_string_equal(copy(NULL, 8), "");
	assert_string_equal(copy("", 1), "");
}

/* Every cut of a mixed text is a valid prefix of it. */
static void test_utf8_copy_every_size_is_a_prefix(void **state)
{
	const char *src = "网格A-😀长🏭b安\xc2\xa9z";
	size_t len = strlen(src);

	(void)state;
	for (size_t size = 1; size <= len + 1; size++) {
		const char *out = copy(src, size);
		size_t n = strlen(out);

		assert_memory_equal(out, src, n);
		/* as long as possible: the next character would not have fitted */
		if (n < len) {
			size_t next = 1;

			while (n + next < len && ((unsigned char)src[n + next] & 0xC0) == 0x80)
				next++;
			assert_true(n + next >= size);
		}
	}
}

/* util.h: bytes that are not valid UTF-8 become '?', one for each byte. */
static void test_utf8_copy_replaces_invalid_bytes(void **state)
{
	(void)state;
	assert_string_equal(copy("a\xff"
				 "b",
				 64),
			    "a?b");
	assert_string_equal(copy("\xfe\xff", 64), "??");
	assert_string_equal(copy("\x80"
				 "x",
				 64),
			    "?x");				   /* lone continuation */
	assert_string_equal(copy("ok\xe5\xae", 64), "ok??");	   /* truncated 安 */
	assert_string_equal(copy("\xc0\xaf", 64), "??");	   /* overlong '/' */
	assert_string_equal(copy("\xed\xa0\x80", 64), "???");	   /* surrogate U+D800 */
	assert_string_equal(copy("\xf4\x90\x80\x80", 64), "????"); /* above U+10FFFF */
	assert_string_equal(copy("\xe5\x41\x89", 64), "?A?");
	assert_string_equal(copy("安\xff全", 64), "安?全");
	/* a replacement still respects the size */
	assert_string_equal(copy("ab\xff", 3), "ab");
	assert_string_equal(copy("ab\xff", 4), "ab?");
	assert_string_equal(copy("\xff安", 4), "?");
	assert_string_equal(copy("\xff安", 5), "?安");
}

static void i64_ok(const char *s, int64_t want)
{
	int64_t v = 0;

	if (parse_i64(s, &v) != 0)
		fail_msg("parse_i64('%s') failed", s ? s : "(null)");
	assert_true(v == want);
}

static void i64_bad(const char *s)
{
	int64_t v = 12345;

	if (parse_i64(s, &v) != ERR_INVALID)
		fail_msg("parse_i64('%s') accepted", s ? s : "(null)");
	assert_int_equal(v, 12345); /* untouched on failure */
}

/* util.h: a whole decimal int64, no sign junk, no surrounding text or spaces. */
static void test_parse_i64(void **state)
{
	(void)state;
	i64_ok("0", 0);
	i64_ok("42", 42);
	i64_ok("-7", -7);
	i64_ok("9223372036854775807", INT64_MAX);
	i64_ok("-9223372036854775808", INT64_MIN);
	i64_bad(NULL);
	i64_bad("");
	i64_bad("-");
	i64_bad("+5");
	i64_bad(" 5");
	i64_bad("\t5");
	i64_bad("\n5");
	i64_bad("5 ");
	i64_bad("5x");
	i64_bad("0x10");
	i64_bad("1e3");
	i64_bad("1.0");
	i64_bad("9223372036854775808");
	i64_bad("-9223372036854775809");
	i64_bad("１２"); /* full-width digits */
}

static void test_hex_encode(void **state)
{
	static const unsigned char in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];

	(void)state;
	memset(out, 'x', sizeof(out));
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "000fa5ff");
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

/* FIPS 180-2 Appendix B.1: SHA-256("abc"); the empty message from NIST's examples. */
static void test_sha256_hex_vectors(void **state)
{
	char out[65];

	(void)state;
	sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
}

static void test_str_equal_ct(void **state)
{
	(void)state;
	assert_true(str_equal_ct("", ""));
	assert_true(str_equal_ct("abc", "abc"));
	assert_false(str_equal_ct("abc", "abd"));
	assert_false(str_equal_ct("abc", "ab"));
	assert_false(str_equal_ct("ab", "abc"));
	assert_false(str_equal_ct("xbc", "abc"));
}

/* 256 random bits as base64url without padding: 43 characters from [A-Za-z0-9_-]. */
static void test_random_token(void **state)
{
	char a[64], b[64];

	(void)state;
	random_token(32, a, sizeof(a));
	random_token(32, b, sizeof(b));
	assert_int_equal(strlen(a), 43);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789-_"),
			 43);
	assert_string_not_equal(a, b);
	random_token(1, a, sizeof(a));
	assert_int_equal(strlen(a), 2);
	random_token(2, a, sizeof(a));
	assert_int_equal(strlen(a), 3);
	random_token(3, a, sizeof(a));
	assert_int_equal(strlen(a), 4);
}

/* DESIGN §6: at least 4 characters of a phone are hidden, whatever its length. */
static void test_mask_phone(void **state)
{
	char out[48];

	(void)state;
	mask_phone("13812341234", out, sizeof(out));
	assert_string_equal(out, "138****1234");
	mask_phone("88881234", out, sizeof(out));
	assert_string_equal(out, "****1234");
	mask_phone("0515-88881234", out, sizeof(out));
	assert_string_equal(out, "051******1234");
	mask_phone("1234567", out, sizeof(out));
	assert_string_equal(out, "*******");
	mask_phone("", out, sizeof(out));
	assert_string_equal(out, "");
	mask_phone("13812341234", out, 5);
	assert_string_equal(out, "138*");
}

/* Membership of a NULL-terminated set; NULL is in no set. */
static void test_str_one_of(void **state)
{
	static const char *const set[] = { "red", "orange", NULL };

	(void)state;
	assert_true(str_one_of("red", set));
	assert_true(str_one_of("orange", set));
	assert_false(str_one_of("re", set));
	assert_false(str_one_of("", set));
	assert_false(str_one_of(NULL, set));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_phone),
		cmocka_unit_test(test_str_one_of),
		cmocka_unit_test(test_utf8_valid_text),
		cmocka_unit_test(test_utf8_rejects_overlong),
		cmocka_unit_test(test_utf8_rejects_surrogates),
		cmocka_unit_test(test_utf8_rejects_out_of_range_and_bad_bytes),
		cmocka_unit_test(test_utf8_rejects_truncated),
		cmocka_unit_test(test_utf8_len_counts_code_points),
		cmocka_unit_test(test_utf8_copy_cuts_at_a_code_point),
		cmocka_unit_test(test_utf8_copy_every_size_is_a_prefix),
		cmocka_unit_test(test_utf8_copy_replaces_invalid_bytes),
		cmocka_unit_test(test_parse_i64),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_sha256_hex_vectors),
		cmocka_unit_test(test_str_equal_ct),
		cmocka_unit_test(test_random_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
