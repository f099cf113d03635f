/* SPDX-License-Identifier: MIT */
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/err.h"
#include "core/banned.h"

bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid. */
static size_t utf8_seq(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c < 0x80		? 1
		   : (c & 0xE0) == 0xC0 ? 2
		   : (c & 0xF0) == 0xE0 ? 3
		   : (c & 0xF8) == 0xF0 ? 4
					: 0;

	if (n == 0 || n > left || !utf8_valid(s, n))
		return 0;
	return n;
}

void utf8_copy(char *dst, size_t size, const char *src)
{
	size_t o = 0, len;

	if (src == NULL)
		src = "";
	len = strlen(src);
	if (len < size && utf8_valid(src, len)) { /* the usual case: all of it, as it is */
		memcpy(dst, src, len + 1);
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(src + i, len - i);

		if (n == 0) {
			if (o + 1 >= size)
				break;
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(dst + o, src + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
}

void mask_phone(const char *phone, char *out, size_t n)
{
	size_t len = phone ? strlen(phone) : 0, i;

	if (n == 0)
		return;
	for (i = 0; i < len && i + 1 < n; i++) {
		bool keep = (len >= 11 && i < 3) || (len >= 8 && i >= len - 4);

		out[i] = keep ? phone[i] : '*';
	}
	out[i] = '\0';
}

size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void random_bytes(unsigned char *out, size_t n)
{
	if (RAND_bytes(out, (int)n) != 1) {
		fprintf(stderr, "level=error mod=util msg=\"RAND_bytes failed\"\n");
		abort();
	}
}

void sha256_hex(const void *s, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	if (EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		abort();
	hex_encode(md, 32, out);
}

void random_token(size_t n, char *out, size_t outsz)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[64];
	size_t o = 0;

	if (n > sizeof(raw) || outsz < (n * 4 + 2) / 3 + 1)
		abort();
	random_bytes(raw, n);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)raw[i + 1] << 8;
		if (left > 2)
			v |= raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (left > 1)
			out[o++] = b64[(v >> 6) & 63];
		if (left > 2)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

int parse_i64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	/* strtoll() would skip any leading white space and take a '+': refuse both. */
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s) || *s == '+')
		return ERR_INVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return ERR_INVALID;
	*out = v;
	return 0;
}

bool str_equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = 0;

	if (la != lb)
		return false;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool str_one_of(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}
