/* SPDX-License-Identifier: MIT */
/*
 * jansson helpers: dumping with fixed flags, and checking a request body
 * against a field table so that every bad field is named (RFC 9457 `errors`).
 */
#ifndef CORE_JSON_H
#define CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct field_error {
	char field[64];
	char reason[192];
};

/*
 * Up to 16 errors are kept; more are counted in `dropped`. `forbidden` is set
 * when a field names something outside the caller's data scope: the request
 * is then refused (403), not merely invalid (422).
 */
struct field_errors {
	struct field_error e[16];
	size_t n;
	size_t dropped;
	bool forbidden;
};

void field_errors_add(struct field_errors *fe, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

enum jf_type {
	JF_STRING,
	JF_INT,
	JF_NUMBER,
	JF_BOOL,
	JF_OBJECT,
	JF_ARRAY,
	JF_ANY,
};

enum jf_flags {
	JF_REQUIRED = 1 << 0,
	JF_NULLABLE = 1 << 1, /* null accepted (means "clear" on PATCH) */
};

/* One accepted field of a JSON object body. */
struct json_field {
	const char *name;
	enum jf_type type;
	unsigned flags;
	size_t max_len;	  /* strings: max code points (0 = 200); arrays: max items (0 = 1000) */
	int64_t min, max; /* ints: inclusive range when min < max */
};

/*
 * Checks that body is an object whose keys are all in spec (terminated by a
 * {NULL} row), that required keys are present and that every value has the
 * declared type and bounds. Adds one entry to fe per bad field.
 * Returns 0, or ERR_INVALID when fe->n > 0.
 */
int json_check(const json_t *body, const struct json_field *spec, struct field_errors *fe);

/* Keeps the first error of each field, in order (json_check names a field once, but the
 * rules that run after it may name the same field again). */
void field_errors_first_per_field(struct field_errors *fe);

/*
 * Deletes, in o and every object or array below it, the members whose name starts with '_'
 * (the scope columns a query selects for the access check, never shown). Returns o (may be
 * NULL), so that a reply can be built as resp_json(rs, 200, json_strip_private(row)).
 */
json_t *json_strip_private(json_t *o);

/* Returns: owned compact serialisation (JSON_COMPACT | JSON_REAL_PRECISION(15)). */
char *json_dump_compact(const json_t *j);

/*
 * Writers of JSON text into a struct buf, for answers too hot to build as jansson values
 * first (the enterprise list: docs/benchmarks.md). Each appends one value exactly as
 * json_dump_compact() would write it, so that both ways give the same bytes.
 */
struct buf;

/*
 * Appends s as a JSON string: quoted, with '"', '\\' and the control characters below
 * U+0020 escaped as jansson escapes them (\b \f \n \r \t, else \u00XX in upper-case hex);
 * other characters, '/' and non-ASCII ones included, as they are. s must be valid UTF-8
 * (utf8_copy() leaves text so); an invalid byte becomes '?' as utf8_copy() writes it.
 */
void json_buf_string(struct buf *b, const char *s);
/* Appends v as a JSON integer. */
void json_buf_int(struct buf *b, int64_t v);
/*
 * Appends v as a JSON real with 15 significant digits (JSON_REAL_PRECISION(15)): "%.15g",
 * ".0" added when that looks like an integer, the exponent without '+' or leading zeros
 * ("1e21", "1e-7"). JSON has no NaN or infinity: those are written as null.
 */
void json_buf_real(struct buf *b, double v);

/* Borrowed string value of key, or NULL when absent or not a string. */
const char *json_str(const json_t *obj, const char *key);
/* Integer value of key, or dflt when absent or not an integer. */
int64_t json_i64(const json_t *obj, const char *key, int64_t dflt);
/* True when the key is present (even null). */
bool json_has(const json_t *obj, const char *key);

/*
 * Field-level differences between two JSON objects (the state before and after a
 * change), for audit records: an array of {"field", "old", "new"}, one per key whose
 * value differs (json_equal), in key order; a key missing on one side counts as null
 * there. Keys listed in skip (NULL-terminated, may be NULL) are left out. Returns: owned
 * array (empty when nothing differs).
 */
json_t *json_changes(const json_t *before, const json_t *after, const char *const *skip);

#endif
