/* SPDX-License-Identifier: MIT */
/*
 * The readings payload decoder (payload.h): a hand-written recursive-descent reader of
 * the one fixed shape, strict to RFC 8259 for everything it accepts, that writes each
 * reading straight into a struct wal_reading. It allocates nothing per reading (the
 * output array grows by doubling), copies only a tag into a stack buffer for the
 * resolver, and converts numbers with Clinger's fast path (an integer mantissa of at
 * most 15 digits times an exact power of ten up to 1e22 is correctly rounded by one
 * IEEE multiplication or division) and strtod() on a bounded copy otherwise. Errors are
 * rare, so their field names and line numbers are built only when one happens.
 */
#include "monitor/payload.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"
#include "core/mem.h"

enum mode { MODE_BATCH, MODE_NDJSON };

struct parser {
	const unsigned char *s;
	size_t i;   /* next byte */
	size_t end; /* one past the last byte this parse may read */
	int depth;
	enum mode mode;
	bool in_reading;
	size_t index; /* reading index (batch) or line number (NDJSON) */
	struct errmsg *err;
	size_t err_at; /* offset of the error */
};

/* Records an error about member (NULL: the reading / the body) at the current byte. */
__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, const char *member,
						      const char *fmt, ...)
{
	p->err_at = p->i;
	if (p->err) {
		char field[sizeof p->err->field];
		if (!p->in_reading)
			snprintf(field, sizeof field, "%s", member ? member : "body");
		else if (p->mode == MODE_BATCH)
			snprintf(field, sizeof field, "readings[%zu]%s%s", p->index,
				 member ? "." : "", member ? member : "");
		else
			snprintf(field, sizeof field, "line %zu%s%s", p->index, member ? "." : "",
				 member ? member : "");
		memcpy(p->err->field, field, sizeof field);
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err->text, sizeof p->err->text, fmt, ap);
		va_end(ap);
	}
	return ERR_INVALID;
}

static inline void skip_ws(struct parser *p)
{
	while (p->i < p->end) {
		unsigned char c = p->s[p->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		p->i++;
	}
}

/* Describes the byte at i for an error message ("end of input", "'x'", "byte 0xC3"). */
static const char *what_at(const struct parser *p, char *buf, size_t cap)
{
	if (p->i >= p->end)
		return "end of input";
	unsigned char c = p->s[p->i];
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, cap, "'%c'", c);
	else
		snprintf(buf, cap, "byte 0x%02X", c);
	return buf;
}

static int expect(struct parser *p, char c, const char *member)
{
	if (p->i < p->end && p->s[p->i] == (unsigned char)c) {
		p->i++;
		return 0;
	}
	char b[16];
	return fail(p, member, "expected '%c', found %s", c, what_at(p, b, sizeof b));
}

static int hex4(const unsigned char *h, unsigned *out)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		unsigned char c = h[k];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence (RFC 3629 §4) starting at s[0..avail), or 0. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F; /* nothing above U+10FFFF */
	} else
		return 0;
	if (avail < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return n;
}

static size_t utf8_put(unsigned cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* 1 for the bytes a string holds as they are: printable ASCII but '"' and '\\'. */
/* clang-format off */
static const unsigned char plain[256] = {
	[0x20] = 1, 1, 0 /* " */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* \\ */, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* up to 0x7F */
};
/* clang-format on */

/*
 * Reads a string (p->i at its opening quote) per RFC 8259 §7. The unescaped UTF-8 goes
 * to dst[0..cap) when dst is not NULL; *len gets its full length (which may exceed cap:
 * then only cap bytes were written). member names the field for errors.
 */
static int parse_string(struct parser *p, unsigned char *dst, size_t cap, size_t *len,
			const char *member)
{
	if (expect(p, '"', member))
		return ERR_INVALID;
	size_t n = 0;
	for (;;) {
		/* The common run of plain ASCII. */
		size_t start = p->i;
		while (p->i < p->end && plain[p->s[p->i]])
			p->i++;
		size_t run = p->i - start;
		if (run) {
			if (dst && n < cap)
				memcpy(dst + n, p->s + start, run < cap - n ? run : cap - n);
			n += run;
		}
		if (p->i >= p->end)
			return fail(p, member, "unterminated string");
		unsigned char c = p->s[p->i];
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20)
			return fail(p, member,
				    "control character 0x%02X in a string must be escaped", c);
		unsigned char tmp[4];
		size_t k;
		if (c >= 0x80) {
			k = utf8_len(p->s + p->i, p->end - p->i);
			if (!k)
				return fail(p, member, "invalid UTF-8 in a string");
			memcpy(tmp, p->s + p->i, k);
			p->i += k;
		} else { /* backslash */
			if (p->i + 1 >= p->end)
				return fail(p, member, "unterminated escape");
			unsigned char e = p->s[p->i + 1];
			k = 1;
			switch (e) {
			case '"':
				tmp[0] = '"';
				break;
			case '\\':
				tmp[0] = '\\';
				break;
			case '/':
				tmp[0] = '/';
				break;
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'u': {
				unsigned cp, lo;
				if (p->end - p->i < 6 || hex4(p->s + p->i + 2, &cp))
					return fail(p, member, "\\u needs four hex digits");
				if (cp >= 0xDC00 && cp <= 0xDFFF)
					return fail(p, member, "unpaired low surrogate \\u%04X",
						    cp);
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (p->end - p->i < 12 || p->s[p->i + 6] != '\\' ||
					    p->s[p->i + 7] != 'u' || hex4(p->s + p->i + 8, &lo) ||
					    lo < 0xDC00 || lo > 0xDFFF)
						return fail(
							p, member,
							"high surrogate \\u%04X not followed by a "
							"low one",
							cp);
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p->i += 6;
				}
				k = utf8_put(cp, tmp);
				p->i += 4;
				break;
			}
			default:
				return fail(p, member, "invalid escape");
			}
			p->i += 2;
		}
		if (dst && n < cap)
			memcpy(dst + n, tmp, k < cap - n ? k : cap - n);
		n += k;
	}
	if (len)
		*len = n;
	return 0;
}

static const double pow10_exact[] = { 1e0,  1e1,  1e2,	1e3,  1e4,  1e5,  1e6,	1e7,
				      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

/* Reads a number per RFC 8259 §6 (p->i at its first byte); *out gets its value. */
static int parse_number(struct parser *p, double *out, const char *member)
{
	size_t start = p->i;
	bool neg = false;
	uint64_t m = 0;
	int sig = 0;  /* significant digits seen (leading zeros not counted) */
	int frac = 0; /* digits after the point */
	long exp10 = 0;
	if (p->i < p->end && p->s[p->i] == '-') {
		neg = true;
		p->i++;
	}
	if (p->i >= p->end || p->s[p->i] < '0' || p->s[p->i] > '9')
		return fail(p, member, "invalid number: a digit must follow");
	if (p->s[p->i] == '0') {
		p->i++;
		if (p->i < p->end && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			return fail(p, member, "invalid number: leading zero");
	} else {
		while (p->i < p->end && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
			if (sig < 19)
				m = m * 10 + (uint64_t)(p->s[p->i] - '0');
			sig++;
			p->i++;
		}
	}
	if (p->i < p->end && p->s[p->i] == '.') {
		p->i++;
		if (p->i >= p->end || p->s[p->i] < '0' || p->s[p->i] > '9')
			return fail(p, member, "invalid number: a digit must follow '.'");
		while (p->i < p->end && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
			unsigned d = (unsigned)(p->s[p->i] - '0');
			if (sig || d) {
				if (sig < 19)
					m = m * 10 + d;
				sig++;
			}
			frac++;
			p->i++;
		}
	}
	if (p->i < p->end && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		bool eneg = false;
		if (p->i < p->end && (p->s[p->i] == '+' || p->s[p->i] == '-')) {
			eneg = p->s[p->i] == '-';
			p->i++;
		}
		if (p->i >= p->end || p->s[p->i] < '0' || p->s[p->i] > '9')
			return fail(p, member, "invalid number: a digit must follow the exponent");
		while (p->i < p->end && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
			if (exp10 < 100000)
				exp10 = exp10 * 10 + (p->s[p->i] - '0');
			p->i++;
		}
		if (eneg)
			exp10 = -exp10;
	}
	size_t len = p->i - start;
	if (len > PAYLOAD_NUMBER_MAX) {
		p->i = start;
		return fail(p, member, "number longer than %d characters", PAYLOAD_NUMBER_MAX);
	}
	if (!out)
		return 0;
	long e = exp10 - frac;
	double v;
	if (sig <= 15 && e >= -22 && e <= 22) {
		v = (double)m; /* exact: m < 10^15 < 2^53 */
		if (e > 0)
			v *= pow10_exact[e];
		else if (e < 0)
			v /= pow10_exact[-e];
		if (neg)
			v = -v;
	} else {
		char buf[PAYLOAD_NUMBER_MAX + 1];
		memcpy(buf, p->s + start, len);
		buf[len] = '\0';
		errno = 0;
		v = strtod(buf, NULL);
	}
	if (!isfinite(v)) {
		p->i = start;
		return fail(p, member, "number out of range");
	}
	*out = v;
	return 0;
}

static int parse_literal(struct parser *p, const char *lit, const char *member)
{
	size_t n = strlen(lit);
	if (p->end - p->i < n || memcmp(p->s + p->i, lit, n) != 0) {
		char b[16];
		return fail(p, member, "unexpected %s", what_at(p, b, sizeof b));
	}
	p->i += n;
	return 0;
}

/* Validates and skips any value (member: for errors). */
static int skip_value(struct parser *p, const char *member)
{
	skip_ws(p);
	if (p->i >= p->end)
		return fail(p, member, "a value is missing");
	unsigned char c = p->s[p->i];
	switch (c) {
	case '"':
		return parse_string(p, NULL, 0, NULL, member);
	case 't':
		return parse_literal(p, "true", member);
	case 'f':
		return parse_literal(p, "false", member);
	case 'n':
		return parse_literal(p, "null", member);
	case '{':
	case '[': {
		if (p->depth >= PAYLOAD_DEPTH_MAX)
			return fail(p, member, "nested deeper than %d levels", PAYLOAD_DEPTH_MAX);
		p->depth++;
		p->i++;
		char close = c == '{' ? '}' : ']';
		skip_ws(p);
		if (p->i < p->end && p->s[p->i] == (unsigned char)close) {
			p->i++;
			p->depth--;
			return 0;
		}
		for (;;) {
			skip_ws(p);
			if (c == '{') {
				if (parse_string(p, NULL, 0, NULL, member))
					return ERR_INVALID;
				skip_ws(p);
				if (expect(p, ':', member))
					return ERR_INVALID;
			}
			if (skip_value(p, member))
				return ERR_INVALID;
			skip_ws(p);
			if (p->i < p->end && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->end && p->s[p->i] == (unsigned char)close) {
				p->i++;
				p->depth--;
				return 0;
			}
			char b[16];
			return fail(p, member, "expected ',' or '%c', found %s", close,
				    what_at(p, b, sizeof b));
		}
	}
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(p, NULL, member);
		char b[16];
		return fail(p, member, "unexpected %s", what_at(p, b, sizeof b));
	}
}

/* A number or null (*is_null); errors name member. */
static int number_or_null(struct parser *p, double *v, bool *is_null, const char *member)
{
	*is_null = false;
	if (p->i < p->end && p->s[p->i] == 'n') {
		*is_null = true;
		return parse_literal(p, "null", member);
	}
	if (p->i < p->end && (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9')))
		return parse_number(p, v, member);
	char b[16];
	return fail(p, member, "must be a number or null, found %s", what_at(p, b, sizeof b));
}

/*
 * The common case of a reading's member name: 1..3 plain ASCII bytes in quotes, no escape.
 * Copies them to key and steps over; false (nothing consumed) otherwise.
 */
static inline bool fast_key(struct parser *p, unsigned char key[4], size_t *len)
{
	const unsigned char *s = p->s + p->i;
	size_t avail = p->end - p->i;
	if (avail < 5 || s[0] != '"')
		return false;
	for (size_t k = 1; k <= 4; k++) {
		if (s[k] == '"') {
			if (k == 1)
				return false;
			memcpy(key, s + 1, k - 1);
			*len = k - 1;
			p->i += k + 1;
			return true;
		}
		if (!plain[s[k]])
			return false;
	}
	return false;
}

enum { HAVE_TAG = 1, HAVE_TS = 2, HAVE_V = 4, HAVE_Q = 8 };

static void push(struct payload_out *out, const struct wal_reading *r)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 256;
		out->r = xrealloc(out->r, cap * sizeof *out->r);
		out->cap = cap;
	}
	out->r[out->n++] = *r;
}

/* 2^53: every integer up to it is exact in a double. */
#define TS_MAX 9007199254740992.0

/* One reading object (p->i at '{'), resolved and appended to out. */
static int parse_reading(struct parser *p, int64_t arrival_ms, payload_resolve_fn fn, void *ctx,
			 struct payload_out *out)
{
	unsigned char tag[PAYLOAD_TAG_MAX];
	size_t tag_len = 0;
	unsigned have = 0;
	double ts = 0, v = NAN, q = 0;
	bool v_null = false;
	p->in_reading = true;
	if (p->i >= p->end || p->s[p->i] != '{') {
		char b[16];
		return fail(p, NULL, "a reading must be an object, found %s",
			    what_at(p, b, sizeof b));
	}
	if (p->depth >= PAYLOAD_DEPTH_MAX)
		return fail(p, NULL, "nested deeper than %d levels", PAYLOAD_DEPTH_MAX);
	p->depth++;
	p->i++;
	skip_ws(p);
	if (p->i < p->end && p->s[p->i] == '}')
		p->i++;
	else
		for (;;) {
			skip_ws(p);
			unsigned char key[4];
			size_t key_len;
			size_t key_at = p->i;
			if (!fast_key(p, key, &key_len) &&
			    parse_string(p, key, sizeof key, &key_len, NULL))
				return ERR_INVALID;
			unsigned bit = 0;
			const char *name = NULL;
			if (key_len == 3 && memcmp(key, "tag", 3) == 0)
				bit = HAVE_TAG, name = "tag";
			else if (key_len == 2 && memcmp(key, "ts", 2) == 0)
				bit = HAVE_TS, name = "ts";
			else if (key_len == 1 && key[0] == 'v')
				bit = HAVE_V, name = "v";
			else if (key_len == 1 && key[0] == 'q')
				bit = HAVE_Q, name = "q";
			if (bit & have) {
				p->i = key_at;
				return fail(p, name, "given twice");
			}
			have |= bit;
			skip_ws(p);
			if (expect(p, ':', name))
				return ERR_INVALID;
			skip_ws(p);
			bool is_null;
			switch (bit) {
			case HAVE_TAG:
				if (p->i >= p->end || p->s[p->i] != '"') {
					char b[16];
					return fail(p, name, "must be a string, found %s",
						    what_at(p, b, sizeof b));
				}
				if (parse_string(p, tag, sizeof tag, &tag_len, name))
					return ERR_INVALID;
				if (tag_len == 0)
					return fail(p, name, "must not be empty");
				if (tag_len > PAYLOAD_TAG_MAX)
					return fail(p, name, "longer than %d bytes",
						    PAYLOAD_TAG_MAX);
				break;
			case HAVE_TS: {
				size_t at = p->i;
				if (number_or_null(p, &ts, &is_null, name))
					return ERR_INVALID;
				if (is_null)
					have &= ~(unsigned)HAVE_TS;
				else if (ts < 0 || ts > TS_MAX || ts != floor(ts)) {
					p->i = at;
					return fail(p, name,
						    "must be a whole number of UTC milliseconds "
						    ">= 0");
				}
				break;
			}
			case HAVE_V:
				if (number_or_null(p, &v, &v_null, name))
					return ERR_INVALID;
				break;
			case HAVE_Q: {
				size_t at = p->i;
				if (number_or_null(p, &q, &is_null, name))
					return ERR_INVALID;
				if (is_null)
					q = 0;
				else if (q != 0 && q != 1 && q != 2) {
					p->i = at;
					return fail(p, name,
						    "must be 0 (good), 1 (uncertain) or 2 (bad)");
				}
				break;
			}
			default:
				if (skip_value(p, NULL))
					return ERR_INVALID;
			}
			skip_ws(p);
			if (p->i < p->end && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->end && p->s[p->i] == '}') {
				p->i++;
				break;
			}
			char b[16];
			return fail(p, NULL, "expected ',' or '}', found %s",
				    what_at(p, b, sizeof b));
		}
	p->depth--;
	if (!(have & HAVE_TAG))
		return fail(p, "tag", "required");
	if (!(have & HAVE_V))
		return fail(p, "v", "required (a number, or null for a bad value)");
	p->in_reading = false;
	if (out->n + out->unknown >= WAL_BATCH_MAX)
		return ERR_TOO_MANY;
	struct wal_reading r;
	int rc = fn(ctx, (const char *)tag, tag_len, &r.point_id);
	if (rc == ERR_NOT_FOUND) {
		if (!out->unknown) {
			memcpy(out->unknown_tag, tag, tag_len);
			out->unknown_tag[tag_len] = '\0';
		}
		out->unknown++;
		return 0;
	}
	if (rc) {
		p->in_reading = true;
		fail(p, "tag", "could not be resolved (%s)", err_str(rc));
		return rc;
	}
	r.source_ms = (have & HAVE_TS) ? (int64_t)ts : arrival_ms;
	r.value = v_null ? NAN : v;
	r.quality = v_null ? 2 : (uint8_t)q;
	push(out, &r);
	return 0;
}

static void out_reset(struct payload_out *out)
{
	out->n = 0;
	out->unknown = 0;
	out->unknown_tag[0] = '\0';
	out->line = 0;
	out->offset = 0;
}

/* Fills out's position from the parser's error offset; clears the readings. */
static int finish_error(const struct parser *p, struct payload_out *out, int rc)
{
	size_t line = 1;
	for (size_t k = 0; k < p->err_at; k++)
		line += p->s[k] == '\n';
	out->line = line;
	out->offset = p->err_at;
	out->n = 0;
	out->unknown = 0;
	out->unknown_tag[0] = '\0';
	return rc;
}

int payload_decode_batch(const char *s, size_t len, int64_t arrival_ms, payload_resolve_fn fn,
			 void *ctx, struct payload_out *out, struct errmsg *err)
{
	struct parser p = {
		.s = (const unsigned char *)s, .end = len, .mode = MODE_BATCH, .err = err
	};
	out_reset(out);
	bool have_readings = false;
	int rc;
	skip_ws(&p);
	if (expect(&p, '{', NULL))
		return finish_error(&p, out, ERR_INVALID);
	p.depth = 1;
	skip_ws(&p);
	if (p.i < p.end && p.s[p.i] == '}')
		p.i++;
	else
		for (;;) {
			skip_ws(&p);
			unsigned char key[9];
			size_t key_len, key_at = p.i;
			if (parse_string(&p, key, sizeof key, &key_len, NULL))
				return finish_error(&p, out, ERR_INVALID);
			bool is_readings = key_len == 8 && memcmp(key, "readings", 8) == 0;
			skip_ws(&p);
			if (expect(&p, ':', is_readings ? "readings" : NULL))
				return finish_error(&p, out, ERR_INVALID);
			skip_ws(&p);
			if (is_readings) {
				if (have_readings) {
					p.i = key_at;
					fail(&p, "readings", "given twice");
					return finish_error(&p, out, ERR_INVALID);
				}
				have_readings = true;
				if (expect(&p, '[', "readings"))
					return finish_error(&p, out, ERR_INVALID);
				p.depth = 2;
				skip_ws(&p);
				if (p.i < p.end && p.s[p.i] == ']')
					p.i++;
				else
					for (p.index = 0;; p.index++) {
						skip_ws(&p);
						rc = parse_reading(&p, arrival_ms, fn, ctx, out);
						if (rc == ERR_TOO_MANY) {
							fail(&p, "readings",
							     "more than %d readings in one batch",
							     WAL_BATCH_MAX);
							return finish_error(&p, out, rc);
						}
						if (rc)
							return finish_error(&p, out, rc);
						skip_ws(&p);
						if (p.i < p.end && p.s[p.i] == ',') {
							p.i++;
							continue;
						}
						if (p.i < p.end && p.s[p.i] == ']') {
							p.i++;
							break;
						}
						char b[16];
						fail(&p, "readings",
						     "expected ',' or ']', found %s",
						     what_at(&p, b, sizeof b));
						return finish_error(&p, out, ERR_INVALID);
					}
				p.depth = 1;
			} else if (skip_value(&p, NULL)) {
				return finish_error(&p, out, ERR_INVALID);
			}
			skip_ws(&p);
			if (p.i < p.end && p.s[p.i] == ',') {
				p.i++;
				continue;
			}
			if (p.i < p.end && p.s[p.i] == '}') {
				p.i++;
				break;
			}
			char b[16];
			fail(&p, NULL, "expected ',' or '}', found %s", what_at(&p, b, sizeof b));
			return finish_error(&p, out, ERR_INVALID);
		}
	skip_ws(&p);
	if (p.i < p.end) {
		fail(&p, NULL, "unexpected data after the JSON value");
		return finish_error(&p, out, ERR_INVALID);
	}
	if (!have_readings) {
		fail(&p, "readings", "required (an array of readings)");
		return finish_error(&p, out, ERR_INVALID);
	}
	return 0;
}

int payload_decode_ndjson(const char *s, size_t len, int64_t arrival_ms, payload_resolve_fn fn,
			  void *ctx, struct payload_out *out, struct errmsg *err)
{
	struct parser p = { .s = (const unsigned char *)s, .mode = MODE_NDJSON, .err = err };
	out_reset(out);
	size_t line_start = 0;
	for (size_t line = 1; line_start < len; line++) {
		const char *nl = memchr(s + line_start, '\n', len - line_start);
		size_t line_end = nl ? (size_t)(nl - s) : len;
		p.i = line_start;
		p.end = line_end;
		p.index = line;
		p.in_reading = false;
		p.depth = 0;
		skip_ws(&p);
		if (p.i < p.end) {
			p.in_reading = true;
			int rc = parse_reading(&p, arrival_ms, fn, ctx, out);
			if (rc == ERR_TOO_MANY) {
				p.in_reading = false;
				fail(&p, "body", "more than %d readings in one request",
				     WAL_BATCH_MAX);
				return finish_error(&p, out, rc);
			}
			if (rc)
				return finish_error(&p, out, rc);
			p.in_reading = true;
			skip_ws(&p);
			if (p.i < p.end) {
				fail(&p, NULL, "unexpected data after the reading object");
				return finish_error(&p, out, ERR_INVALID);
			}
		}
		line_start = line_end + 1;
	}
	return 0;
}

void payload_free(struct payload_out *out)
{
	if (!out)
		return;
	free(out->r);
	out->r = NULL;
	out->n = out->cap = 0;
}
