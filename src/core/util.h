/* SPDX-License-Identifier: MIT */
/* Small pure helpers: UTF-8 validation, hex, secure random, SHA-256. */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t n);
/*
 * Copies src (NULL = "") into dst of size bytes, cutting at a code point boundary when
 * it does not fit, so that a copy of valid UTF-8 is valid UTF-8. Bytes of src that are
 * not valid UTF-8 become '?'. size must be > 0.
 */
void utf8_copy(char *dst, size_t size, const char *src);
/*
 * Masks a phone number for people who may not read it whole (personal data, DESIGN §6):
 * the last 4 characters stay when it has at least 8, the first 3 too when it has at least
 * 11 ("138****1234"), so that at least 4 are always hidden; shorter ones are all '*'.
 * Writes at most n bytes with the NUL.
 */
void mask_phone(const char *phone, char *out, size_t n);
/* Number of code points in valid UTF-8 text s. */
size_t utf8_len(const char *s);
/* Writes 2n lower-case hex digits and a NUL to out (size >= 2n+1). */
void hex_encode(const unsigned char *in, size_t n, char *out);
/* Fills out with n cryptographically random bytes (OpenSSL RAND_bytes); aborts on failure. */
void random_bytes(unsigned char *out, size_t n);
/* Writes the lower-case hex SHA-256 of s[0..n) into out (65 bytes). */
void sha256_hex(const void *s, size_t n, char out[65]);
/* Writes n random bytes as base64url without padding into out (size >= 4n/3+2). */
void random_token(size_t n, char *out, size_t outsz);
/* Parses a whole decimal int64 (no sign junk, no trailing text). Returns 0 or ERR_INVALID. */
int parse_i64(const char *s, int64_t *out);
/* Constant-time comparison of two NUL-terminated strings of equal length. */
bool str_equal_ct(const char *a, const char *b);
/* True when v (may be NULL: false) equals one of set's strings (NULL-terminated). */
bool str_one_of(const char *v, const char *const *set);

#endif
