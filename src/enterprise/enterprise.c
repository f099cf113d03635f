/* SPDX-License-Identifier: MIT */
/*
 * Pure rules of the enterprise file: field validation, the high-risk rule and
 * phone masking (GCJ-02 conversion is in core/geo.c). No I/O, no SQL.
 */
#include "enterprise/enterprise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/scope.h"
#include "core/util.h"
#include "core/banned.h"

void enterprise_init(struct enterprise *e)
{
	memset(e, 0, sizeof(*e));
	e->employees = -1;
	memcpy(e->std_grade, "none", sizeof("none"));
	memcpy(e->status, "operating", sizeof("operating"));
}

void enterprise_release(struct enterprise *e)
{
	free(e->former_names);
	e->former_names = NULL;
}

/* ------------------------------------------------------------ high-risk rule */

/* Division ranges of GB/T 4754-2017 and the category each makes high-risk (tables over code). */
static const struct {
	const char *first, *last; /* code prefixes, compared on their length */
	const char *category;
} high_risk_rows[] = {
	{ "2672", "2672", "fireworks" }, /* 焰火、鞭炮产品制造 (烟花爆竹), before 26 */
	{ "06", "12", "mining" },	 /* 采矿业 */
	{ "25", "26", "hazchem" }, /* 石油、煤炭及其他燃料加工业; 化学原料和化学制品制造业 */
	{ "31", "32", "metallurgy" }, /* 黑色/有色金属冶炼和压延加工业 */
};

const char *enterprise_high_risk(const char *class_code)
{
	size_t n = class_code ? strlen(class_code) : 0;

	if (n < 2)
		return NULL;
	for (size_t i = 0; i < sizeof(high_risk_rows) / sizeof(high_risk_rows[0]); i++) {
		size_t k = strlen(high_risk_rows[i].first);

		if (n < k)
			continue;
		if (strncmp(class_code, high_risk_rows[i].first, k) >= 0 &&
		    strncmp(class_code, high_risk_rows[i].last, k) <= 0)
			return high_risk_rows[i].category;
	}
	return NULL;
}

/* ------------------------------------------------------------ coordinates */

bool enterprise_in_china(double lat, double lon)
{
	return isfinite(lat) && isfinite(lon) && lon >= 73.0 && lon <= 136.0 && lat >= 3.0 &&
	       lat <= 54.0;
}

/* ------------------------------------------------------------ scope */

void enterprise_filter_scope(struct enterprise_filter *f, const struct scope *s, int64_t user_id,
			     char *buf, size_t n)
{
	switch (s->kind) {
	case SCOPE_ALL:
		break;
	case SCOPE_REGION:
		snprintf(buf, n, "%.*s", (int)region_prefix_len(s->region), s->region);
		f->scope_prefix = buf;
		break;
	case SCOPE_GRIDS:
		f->grid_user = user_id;
		break;
	case SCOPE_ENTERPRISE:
		f->scope_uscc = s->enterprise;
		break;
	}
}

bool enterprise_code_prefix_end(const char *prefix, char *end, size_t n)
{
	return scope_prefix_end(prefix, end, n);
}

/* ------------------------------------------------------------ masking */

void enterprise_phone_mask(const char *phone, char *out, size_t n)
{
	mask_phone(phone, out, n);
}

/* ------------------------------------------------------------ validation */

static bool all_digits_n(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Phones: digits, spaces, '+', '-' and parentheses, at most 20 characters. */
static bool phone_ok(const char *p)
{
	size_t n = strlen(p);

	if (n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789+-() ", p[i]))
			return false;
	return true;
}

static void check_former_names(const char *text, struct field_errors *fe)
{
	json_error_t jerr;
	json_t *a = text ? json_loads(text, 0, &jerr) : NULL;
	size_t i;
	json_t *v;

	if (text == NULL)
		return;
	if (!json_is_array(a)) {
		field_errors_add(fe, "former_names", "must be an array of names");
		goto out;
	}
	if (json_array_size(a) > 20)
		field_errors_add(fe, "former_names", "at most 20 former names");
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL || s[0] == '\0' || utf8_len(s) > 200) {
			field_errors_add(fe, "former_names",
					 "each former name is a non-empty text of at most 200 "
					 "characters");
			break;
		}
	}
out:
	json_decref(a);
}

int enterprise_check(const struct enterprise *e, struct field_errors *fe)
{
	static const char *const scales[] = { "", "micro", "small", "medium", "large", NULL };
	static const char *const grades[] = { "none", "1", "2", "3", NULL };
	static const char *const statuses[] = { "operating", "suspended", "closed", NULL };
	size_t before = fe->n;

	if (!uscc_valid(e->uscc))
		field_errors_add(fe, "uscc",
				 "is not a valid unified social credit code (GB 32100-2015: 18 "
				 "characters, check character and organization code check)");
	if (e->name[0] == '\0')
		field_errors_add(fe, "name", "must not be empty");
	check_former_names(e->former_names, fe);
	if (!all_digits_n(e->industry_code, 4))
		field_errors_add(fe, "industry_code",
				 "must be a 4-digit GB/T 4754-2017 class code");
	if (region_prefix_len(e->region_code) == 0)
		field_errors_add(fe, "region_code", "must be a GB/T 2260 code of 6 or 9 digits");
	if (e->has_location && !enterprise_in_china(e->lat, e->lon))
		field_errors_add(fe, "lat", "the location (%.6f, %.6f) lies outside China", e->lat,
				 e->lon);
	if (!phone_ok(e->legal_rep_phone))
		field_errors_add(fe, "legal_rep_phone",
				 "digits, +, -, spaces and parentheses, at most 20");
	if (!phone_ok(e->safety_officer_phone))
		field_errors_add(fe, "safety_officer_phone",
				 "digits, +, -, spaces and parentheses, at most 20");
	if (e->employees < -1)
		field_errors_add(fe, "employees", "must not be negative");
	if (!str_one_of(e->scale, scales))
		field_errors_add(fe, "scale", "must be micro, small, medium or large");
	if (!str_one_of(e->std_grade, grades))
		field_errors_add(fe, "std_grade", "must be none, 1, 2 or 3");
	if (!str_one_of(e->status, statuses))
		field_errors_add(fe, "status", "must be operating, suspended or closed");
	return fe->n > before ? ERR_INVALID : 0;
}

/* ------------------------------------------------------------ JSON */

json_t *enterprise_json(const struct enterprise *e, bool mask_phones)
{
	char p1[ENTERPRISE_PHONE_MAX], p2[ENTERPRISE_PHONE_MAX];
	json_error_t jerr;
	json_t *former = json_loads(e->former_names ? e->former_names : "[]", 0, &jerr);
	const char *cat = enterprise_high_risk(e->industry_code);
	json_t *o;

	if (mask_phones) {
		enterprise_phone_mask(e->legal_rep_phone, p1, sizeof(p1));
		enterprise_phone_mask(e->safety_officer_phone, p2, sizeof(p2));
	} else {
		snprintf(p1, sizeof(p1), "%s", e->legal_rep_phone);
		snprintf(p2, sizeof(p2), "%s", e->safety_officer_phone);
	}
	o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:b, s:s?, s:s, s:s, s:s}", "id",
		      (json_int_t)e->id, "uscc", e->uscc, "name", e->name, "former_names",
		      former ? former : json_array(), "industry_code", e->industry_code,
		      "region_code", e->region_code, "address", e->address, "high_risk",
		      e->high_risk, "high_risk_category", e->high_risk ? cat : NULL, "std_grade",
		      e->std_grade, "status", e->status, "legal_rep", e->legal_rep);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "grid_id", e->grid_id ? json_integer(e->grid_id) : json_null());
	json_object_set_new(o, "lat", e->has_location ? json_real(e->lat) : json_null());
	json_object_set_new(o, "lon", e->has_location ? json_real(e->lon) : json_null());
	json_object_set_new(o, "coord_system", json_string("cgcs2000"));
	json_object_set_new(o, "legal_rep_phone", json_string(p1));
	json_object_set_new(o, "safety_officer", json_string(e->safety_officer));
	json_object_set_new(o, "safety_officer_phone", json_string(p2));
	json_object_set_new(o, "employees",
			    e->employees >= 0 ? json_integer(e->employees) : json_null());
	json_object_set_new(o, "scale", e->scale[0] ? json_string(e->scale) : json_null());
	json_object_set_new(o, "supervising_dept_id",
			    e->supervising_dept_id ? json_integer(e->supervising_dept_id)
						   : json_null());
	json_object_set_new(o, "supervising_dept_name",
			    e->supervising_dept_id ? json_string(e->supervising_dept_name)
						   : json_null());
	json_object_set_new(o, "supervisor_id",
			    e->supervisor_id ? json_integer(e->supervisor_id) : json_null());
	json_object_set_new(o, "supervisor_name",
			    e->supervisor_id ? json_string(e->supervisor_name) : json_null());
	json_object_set_new(o, "licence_state",
			    e->licence_state ? json_string(e->licence_state) : json_null());
	json_object_set_new(o, "phones_masked", json_boolean(mask_phones));
	json_object_set_new(o, "created_ms", json_integer(e->created_ms));
	json_object_set_new(o, "updated_ms", json_integer(e->updated_ms));
	return o;
}

/*
 * The writers of enterprise_json_write(): each appends one member, k being its key with
 * the comma before it and the colon after it (K("name") is ",\"name\":").
 */
#define K(name) ",\"" name "\":"

static void member_str(struct buf *b, const char *k, const char *v)
{
	buf_adds(b, k);
	if (v != NULL)
		json_buf_string(b, v);
	else
		buf_add(b, "null", 4);
}

/* v, or null when absent. */
static void member_int(struct buf *b, const char *k, int64_t v, bool present)
{
	buf_adds(b, k);
	if (present)
		json_buf_int(b, v);
	else
		buf_add(b, "null", 4);
}

/* v, or null when absent. */
static void member_real(struct buf *b, const char *k, double v, bool present)
{
	buf_adds(b, k);
	if (present)
		json_buf_real(b, v);
	else
		buf_add(b, "null", 4);
}

static void member_bool(struct buf *b, const char *k, bool v)
{
	buf_adds(b, k);
	buf_adds(b, v ? "true" : "false");
}

/* former_names as enterprise_json() shows it: the stored array, [] when there is none. */
static void member_former_names(struct buf *b, const char *text)
{
	json_error_t jerr;
	json_t *a;
	char *out;

	buf_adds(b, K("former_names"));
	if (text == NULL || strcmp(text, "[]") == 0) { /* nearly every enterprise */
		buf_add(b, "[]", 2);
		return;
	}
	a = json_loads(text, 0, &jerr);
	out = a ? json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY) : NULL;
	buf_adds(b, out ? out : "[]");
	free(out);
	json_decref(a);
}

void enterprise_json_write(struct buf *b, const struct enterprise *e, bool mask_phones)
{
	char p1[ENTERPRISE_PHONE_MAX], p2[ENTERPRISE_PHONE_MAX];

	if (mask_phones) {
		enterprise_phone_mask(e->legal_rep_phone, p1, sizeof(p1));
		enterprise_phone_mask(e->safety_officer_phone, p2, sizeof(p2));
	}
	/* The members and their order of enterprise_json(). */
	buf_add(b, "{\"id\":", 6);
	json_buf_int(b, e->id);
	member_str(b, K("uscc"), e->uscc);
	member_str(b, K("name"), e->name);
	member_former_names(b, e->former_names);
	member_str(b, K("industry_code"), e->industry_code);
	member_str(b, K("region_code"), e->region_code);
	member_str(b, K("address"), e->address);
	member_bool(b, K("high_risk"), e->high_risk);
	member_str(b, K("high_risk_category"),
		   e->high_risk ? enterprise_high_risk(e->industry_code) : NULL);
	member_str(b, K("std_grade"), e->std_grade);
	member_str(b, K("status"), e->status);
	member_str(b, K("legal_rep"), e->legal_rep);
	member_int(b, K("grid_id"), e->grid_id, e->grid_id != 0);
	member_real(b, K("lat"), e->lat, e->has_location);
	member_real(b, K("lon"), e->lon, e->has_location);
	member_str(b, K("coord_system"), "cgcs2000");
	member_str(b, K("legal_rep_phone"), mask_phones ? p1 : e->legal_rep_phone);
	member_str(b, K("safety_officer"), e->safety_officer);
	member_str(b, K("safety_officer_phone"), mask_phones ? p2 : e->safety_officer_phone);
	member_int(b, K("employees"), e->employees, e->employees >= 0);
	member_str(b, K("scale"), e->scale[0] ? e->scale : NULL);
	member_int(b, K("supervising_dept_id"), e->supervising_dept_id,
		   e->supervising_dept_id != 0);
	member_str(b, K("supervising_dept_name"),
		   e->supervising_dept_id ? e->supervising_dept_name : NULL);
	member_int(b, K("supervisor_id"), e->supervisor_id, e->supervisor_id != 0);
	member_str(b, K("supervisor_name"), e->supervisor_id ? e->supervisor_name : NULL);
	member_str(b, K("licence_state"), e->licence_state);
	member_bool(b, K("phones_masked"), mask_phones);
	member_int(b, K("created_ms"), e->created_ms, true);
	member_int(b, K("updated_ms"), e->updated_ms, true);
	buf_add(b, "}", 1);
}

#undef K

/* ------------------------------------------------------------ history */

bool enterprise_phone_key(const char *key)
{
	return key &&
	       (strcmp(key, "legal_rep_phone") == 0 || strcmp(key, "safety_officer_phone") == 0);
}

/* Masks a string value in place of v (other values are left as they are). */
static void mask_value(json_t *parent_obj, const char *key, json_t *arr, size_t idx, json_t *v)
{
	char masked[ENTERPRISE_PHONE_MAX];

	if (!json_is_string(v))
		return;
	enterprise_phone_mask(json_string_value(v), masked, sizeof(masked));
	if (parent_obj)
		json_object_set_new(parent_obj, key, json_string(masked));
	else
		json_array_set_new(arr, idx, json_string(masked));
}

/* Masks every phone value under v (objects and arrays, at any depth). */
static void mask_phones_deep(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, x) {
			if (enterprise_phone_key(key))
				mask_value(v, key, NULL, 0, x);
			else
				mask_phones_deep(x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			mask_phones_deep(x);
	}
}

/* True when c is an array of {field: string, old, new} objects. */
static bool changes_shape(const json_t *c)
{
	size_t i;
	json_t *x;

	if (!json_is_array(c))
		return false;
	json_array_foreach(c, i, x) {
		if (!json_is_string(json_object_get(x, "field")) || !json_has(x, "old") ||
		    !json_has(x, "new"))
			return false;
	}
	return true;
}

json_t *enterprise_history_item(const json_t *record, bool mask_phones)
{
	json_t *summary = json_deep_copy(json_object_get(record, "summary"));
	json_t *changes = NULL, *c, *item;
	size_t i;

	if (!json_is_object(summary)) {
		json_decref(summary);
		summary = json_object();
	}
	c = json_object_get(summary, "changes");
	if (changes_shape(c)) {
		changes = json_incref(c);
		json_object_del(summary, "changes");
	} else {
		changes = json_array();
	}
	if (mask_phones) {
		mask_phones_deep(summary);
		json_array_foreach(changes, i, c) {
			if (!enterprise_phone_key(json_str(c, "field")))
				continue;
			mask_value(c, "old", NULL, 0, json_object_get(c, "old"));
			mask_value(c, "new", NULL, 0, json_object_get(c, "new"));
		}
	}
	item = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:o}", "id",
			 json_object_get(record, "id"), "at_ms", json_object_get(record, "at_ms"),
			 "actor_login", json_object_get(record, "actor"), "action",
			 json_object_get(record, "action"), "entity",
			 json_object_get(record, "entity"), "entity_id",
			 json_object_get(record, "entity_id"), "summary", summary, "changes",
			 changes);
	return item;
}
