/* SPDX-License-Identifier: MIT */
/* Strict body checking against field tables; compact dumps. */
#include "core/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/util.h"
#include "core/banned.h"

void field_errors_add(struct field_errors *fe, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (fe->n >= sizeof(fe->e) / sizeof(fe->e[0])) {
		fe->dropped++;
		return;
	}
	/*
	 * Room for one more character than fits: vsnprintf may cut inside a character, and
	 * utf8_copy must meet that cut beyond the destination's end, not turn it into '?'.
	 */
	char reason[sizeof(fe->e[0].reason) + 4];

	/* Both go into JSON: keep them valid UTF-8 even when they echo bad input. */
	utf8_copy(fe->e[fe->n].field, sizeof(fe->e[0].field), field);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	utf8_copy(fe->e[fe->n].reason, sizeof(fe->e[0].reason), reason);
	fe->n++;
}

static const char *type_name(enum jf_type t)
{
	switch (t) {
	case JF_STRING:
		return "a string";
	case JF_INT:
		return "an integer";
	case JF_NUMBER:
		return "a number";
	case JF_BOOL:
		return "true or false";
	case JF_OBJECT:
		return "an object";
	case JF_ARRAY:
		return "an array";
	default:
		return "a value";
	}
}

static bool type_ok(const json_t *v, enum jf_type t)
{
	switch (t) {
	case JF_STRING:
		return json_is_string(v);
	case JF_INT:
		return json_is_integer(v);
	case JF_NUMBER:
		return json_is_number(v);
	case JF_BOOL:
		return json_is_boolean(v);
	case JF_OBJECT:
		return json_is_object(v);
	case JF_ARRAY:
		return json_is_array(v);
	default:
		return true;
	}
}

int json_check(const json_t *body, const struct json_field *spec, struct field_errors *fe)
{
	const char *key;
	json_t *v;

	if (!json_is_object(body)) {
		field_errors_add(fe, "body", "must be a JSON object");
		return ERR_INVALID;
	}
	json_object_foreach((json_t *)body, key, v) {
		const struct json_field *f = NULL;

		for (const struct json_field *s = spec; s->name; s++)
			if (strcmp(s->name, key) == 0)
				f = s;
		if (f == NULL) {
			field_errors_add(fe, key, "unknown field");
			continue;
		}
		if (json_is_null(v)) {
			if (!(f->flags & JF_NULLABLE))
				field_errors_add(fe, key, "must be %s, not null",
						 type_name(f->type));
			continue;
		}
		if (!type_ok(v, f->type)) {
			field_errors_add(fe, key, "must be %s", type_name(f->type));
			continue;
		}
		if (f->type == JF_STRING) {
			size_t max = f->max_len ? f->max_len : 200;
			const char *s = json_string_value(v);

			if (strlen(s) != json_string_length(v))
				field_errors_add(fe, key, "must not contain NUL characters");
			else if (utf8_len(s) > max)
				field_errors_add(fe, key, "longer than %zu characters", max);
		} else if (f->type == JF_INT && f->min < f->max) {
			json_int_t n = json_integer_value(v);

			if (n < f->min || n > f->max)
				field_errors_add(fe, key, "must be between %lld and %lld",
						 (long long)f->min, (long long)f->max);
		} else if (f->type == JF_ARRAY) {
			size_t max = f->max_len ? f->max_len : 1000;

			if (json_array_size(v) > max)
				field_errors_add(fe, key, "more than %zu items", max);
		}
	}
	for (const struct json_field *s = spec; s->name; s++)
		if ((s->flags & JF_REQUIRED) && json_object_get(body, s->name) == NULL)
			field_errors_add(fe, s->name, "is required");
	return fe->n > 0 ? ERR_INVALID : 0;
}

char *json_dump_compact(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
}

/* Appends the valid UTF-8 text s (len bytes) escaped, without quotes. */
static void escape_into(struct buf *b, const char *s, size_t len)
{
	static const char named[] = "\"\\\b\f\n\r\t", letters[] = "\"\\bfnrt"; /* jansson's */
	size_t run = 0; /* bytes before s + i that need no escape, not yet added */

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *k;
		char esc[8];

		/* Bytes of multi-byte characters are >= 0x80: they are never escaped. */
		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		buf_add(b, s + i - run, run);
		run = 0;
		k = c != 0 ? strchr(named, c) : NULL;
		if (k != NULL)
			snprintf(esc, sizeof(esc), "\\%c", letters[k - named]);
		else
			snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)c);
		buf_adds(b, esc);
	}
	buf_add(b, s + len - run, run);
}

void json_buf_string(struct buf *b, const char *s)
{
	size_t len = strlen(s);

	buf_add(b, "\"", 1);
	if (utf8_valid(s, len)) {
		escape_into(b, s, len);
	} else {
		char *copy = xmalloc(len + 1); /* '?' for a bad byte: never longer */

		utf8_copy(copy, len + 1, s);
		escape_into(b, copy, strlen(copy));
		free(copy);
	}
	buf_add(b, "\"", 1);
}

void json_buf_int(struct buf *b, int64_t v)
{
	char s[24], *p = s + sizeof(s);
	/* Digits from the right; the magnitude as unsigned, so that INT64_MIN works too. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(s + sizeof(s) - p));
}

void json_buf_real(struct buf *b, double v)
{
	char s[40];
	int n;
	char *e;

	if (!isfinite(v)) {
		buf_add(b, "null", 4);
		return;
	}
	/* What jansson's jsonp_dtostr() does with precision 15 (the C locale: '.' is the point). */
	n = snprintf(s, sizeof(s) - 2, "%.15g", v);
	if (strchr(s, '.') == NULL && strchr(s, 'e') == NULL) {
		memcpy(s + n, ".0", 3);
		n += 2;
	}
	e = strchr(s, 'e');
	if (e != NULL) {
		char *from = e + 1, *to = e + 1; /* "1e+07" -> "1e7", "1e-07" -> "1e-7" */

		if (*from == '-')
			to = ++from;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1] != '\0')
			from++;
		memmove(to, from, strlen(from) + 1);
		n = (int)strlen(s);
	}
	buf_add(b, s, (size_t)n);
}

const char *json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int64_t json_i64(const json_t *obj, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

bool json_has(const json_t *obj, const char *key)
{
	return json_object_get(obj, key) != NULL;
}

static bool listed(const char *key, const char *const *set)
{
	for (; set && *set; set++)
		if (strcmp(key, *set) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *json_changes(const json_t *before, const json_t *after, const char *const *skip)
{
	size_t n = json_object_size(before) + json_object_size(after), k = 0;
	const char **keys = n ? xcalloc(n, sizeof(*keys)) : NULL;
	json_t *out = json_array(), *v;
	const char *key;

	json_object_foreach((json_t *)before, key, v)
		keys[k++] = key;
	json_object_foreach((json_t *)after, key, v)
		if (json_object_get(before, key) == NULL)
			keys[k++] = key;
	if (k > 1)
		qsort(keys, k, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < k; i++) {
		json_t *o = json_object_get(before, keys[i]), *nw = json_object_get(after, keys[i]);

		if (o == NULL)
			o = json_null();
		if (nw == NULL)
			nw = json_null();
		if (listed(keys[i], skip) || json_equal(o, nw))
			continue;
		json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "field", keys[i], "old", o,
						     "new", nw));
	}
	free(keys);
	return out;
}

void field_errors_first_per_field(struct field_errors *fe)
{
	size_t k = 0;

	for (size_t i = 0; i < fe->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < k && !seen; j++)
			seen = strcmp(fe->e[j].field, fe->e[i].field) == 0;
		if (!seen)
			fe->e[k++] = fe->e[i];
	}
	fe->n = k;
}

json_t *json_strip_private(json_t *o)
{
	const char *k;
	json_t *v;
	void *tmp;
	size_t i;

	if (json_is_object(o)) {
		json_object_foreach_safe(o, tmp, k, v)
		{
			if (k[0] == '_')
				json_object_del(o, k);
			else
				json_strip_private(v);
		}
	} else if (json_is_array(o)) {
		json_array_foreach(o, i, v)
			json_strip_private(v);
	}
	return o;
}
