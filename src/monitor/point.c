/* SPDX-License-Identifier: MIT */
/*
 * A monitoring point's configuration rules (point.h): the alarm configuration read off a
 * point object, the GB/T 50493-2019 defaults of a new gas point (values from gas.c), the
 * difference of two configurations that a setpoint_change row records, and the Modbus
 * register map check. Pure.
 */
#include "monitor/point.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "monitor/alarm_names.h"
#include "core/banned.h"

const char *const point_cfg_keys[] = {
	"range_lo", "range_hi", "high1",       "high2",	       "low1",
	"low2",	    "deadband", "on_delay_ms", "off_delay_ms", "comms_timeout_ms",
	NULL
};
const char *const point_setpoint_keys[] = { "high1", "high2", "low1", "low2", NULL };

/* A number or NAN (absent, null, not a number). */
static double num(const json_t *p, const char *key)
{
	const json_t *v = json_object_get(p, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int delay(const json_t *p, const char *key, uint32_t *out, struct errmsg *m)
{
	const json_t *v = json_object_get(p, key);
	int64_t x;

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return errmsg_set(m, key, "must be an integer number of milliseconds");
	x = json_integer_value(v);
	if (x < 0 || x > (int64_t)UINT32_MAX)
		return errmsg_set(m, key, "must be 0 to %u ms", UINT32_MAX);
	*out = (uint32_t)x;
	return 0;
}

int point_alarm_cfg(const json_t *p, struct alarm_cfg *out, struct errmsg *m)
{
	int kind = 0;

	memset(out, 0, sizeof(*out));
	if (alarm_kind_parse(json_str(p, "kind"), &kind) < 0)
		return errmsg_set(m, "kind",
				  "must be one of: combustible, toxic, oxygen, level, temperature, "
				  "pressure, flow");
	out->kind = (uint8_t)kind;
	out->point_id = json_i64(p, "id", 0);
	out->range_lo = num(p, "range_lo");
	out->range_hi = num(p, "range_hi");
	out->high1 = num(p, "high1");
	out->high2 = num(p, "high2");
	out->low1 = num(p, "low1");
	out->low2 = num(p, "low2");
	out->deadband = json_object_get(p, "deadband") ? num(p, "deadband") : 0;
	if (delay(p, "on_delay_ms", &out->on_delay_ms, m) < 0 ||
	    delay(p, "off_delay_ms", &out->off_delay_ms, m) < 0 ||
	    delay(p, "comms_timeout_ms", &out->comms_timeout_ms, m) < 0)
		return ERR_INVALID;
	return 0;
}

bool point_kind_has_defaults(enum alarm_kind kind)
{
	return kind == ALARM_KIND_COMBUSTIBLE || kind == ALARM_KIND_TOXIC ||
	       kind == ALARM_KIND_OXYGEN;
}

const char *point_default_unit(enum alarm_kind kind)
{
	switch (kind) {
	case ALARM_KIND_COMBUSTIBLE:
		return "%LEL";
	case ALARM_KIND_TOXIC:
		return "mg/m3";
	case ALARM_KIND_OXYGEN:
		return "%VOL";
	default:
		return NULL;
	}
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The default of key in d. */
static double default_of(const struct alarm_cfg *d, const char *key)
{
	if (strcmp(key, "range_lo") == 0)
		return d->range_lo;
	if (strcmp(key, "range_hi") == 0)
		return d->range_hi;
	if (strcmp(key, "high1") == 0)
		return d->high1;
	if (strcmp(key, "high2") == 0)
		return d->high2;
	if (strcmp(key, "low1") == 0)
		return d->low1;
	return d->low2;
}

int point_fill_defaults(json_t *p, const struct alarm_cfg *d, const char *unit, bool *overridden)
{
	static const char *const keys[] = { "range_lo", "range_hi", "high1", "high2",
					    "low1",	"low2",	    NULL };
	int filled = 0;

	*overridden = false;
	for (size_t i = 0; keys[i]; i++) {
		double dv = default_of(d, keys[i]);
		const json_t *v = json_object_get(p, keys[i]);

		if (v == NULL) {
			json_object_set_new(p, keys[i], num_or_null(dv));
			filled++;
		} else if (i >= 2) {
			/* A set point given: the same value as the default, or an override. */
			bool given = json_is_number(v);

			if (given != isfinite(dv) || (given && json_number_value(v) != dv))
				*overridden = true;
		}
	}
	if (json_object_get(p, "unit") == NULL && unit != NULL) {
		json_object_set_new(p, "unit", json_string(unit));
		filled++;
	}
	return filled;
}

/* Two values equal as configuration: numbers by value (1 == 1.0), else json_equal. */
static bool same(const json_t *a, const json_t *b)
{
	bool an = a == NULL || json_is_null(a), bn = b == NULL || json_is_null(b);

	if (an || bn)
		return an && bn;
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	return json_equal(a, b);
}

int point_cfg_diff(const json_t *before, const json_t *after, json_t **was, json_t **now)
{
	int n = 0;

	*was = json_object();
	*now = json_object();
	for (size_t i = 0; point_cfg_keys[i]; i++) {
		const char *k = point_cfg_keys[i];
		json_t *a = json_object_get(before, k), *b = json_object_get(after, k);

		if (same(a, b))
			continue;
		json_object_set_new(*was, k, a ? json_deep_copy(a) : json_null());
		json_object_set_new(*now, k, b ? json_deep_copy(b) : json_null());
		n++;
	}
	return n;
}

json_t *point_defaults_json(const struct alarm_cfg *d, const char *unit)
{
	json_t *o = json_pack("{s:s?}", "unit", unit);

	json_object_set_new(o, "range_lo", num_or_null(d->range_lo));
	json_object_set_new(o, "range_hi", num_or_null(d->range_hi));
	json_object_set_new(o, "high1", num_or_null(d->high1));
	json_object_set_new(o, "high2", num_or_null(d->high2));
	json_object_set_new(o, "low1", num_or_null(d->low1));
	json_object_set_new(o, "low2", num_or_null(d->low2));
	return o;
}

static bool one_of(const char *s, const char *const *set)
{
	for (size_t i = 0; s && set[i]; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool given(const json_t *p, const char *key)
{
	const json_t *v = json_object_get(p, key);

	return v != NULL && !json_is_null(v);
}

int point_reg_check(const json_t *p, const char *protocol, struct errmsg *m)
{
	static const char *const kinds[] = { "holding", "input", NULL };
	static const char *const types[] = { "u16", "i16", "u32", "i32", "f32", NULL };
	static const char *const two[] = { "u32", "i32", "f32", NULL };
	const json_t *addr = json_object_get(p, "reg_addr");
	const char *type = json_str(p, "reg_type");
	double scale = json_object_get(p, "reg_scale") ? num(p, "reg_scale") : 1;
	double offset = json_object_get(p, "reg_offset") ? num(p, "reg_offset") : 0;
	int64_t max;

	if (protocol == NULL || strcmp(protocol, "modbus") != 0) {
		static const char *const keys[] = { "reg_kind", "reg_addr", "reg_type", NULL };

		for (size_t i = 0; keys[i]; i++)
			if (given(p, keys[i]))
				return errmsg_set(m, keys[i],
						  "is only for points of a modbus device");
		return 0;
	}
	if (!one_of(json_str(p, "reg_kind"), kinds))
		return errmsg_set(m, "reg_kind", "a modbus point needs holding or input");
	if (!one_of(type, types))
		return errmsg_set(m, "reg_type", "a modbus point needs u16, i16, u32, i32 or f32");
	max = one_of(type, two) ? 65534 : 65535;
	if (!json_is_integer(addr) || json_integer_value(addr) < 0 ||
	    json_integer_value(addr) > max)
		return errmsg_set(m, "reg_addr",
				  "a modbus point needs a register address 0..%lld for %s",
				  (long long)max, type);
	if (!isfinite(scale) || scale == 0)
		return errmsg_set(m, "reg_scale", "must be a finite number other than 0");
	if (!isfinite(offset))
		return errmsg_set(m, "reg_offset", "must be a finite number");
	return 0;
}
