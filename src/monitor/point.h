/* SPDX-License-Identifier: MIT */
/*
 * The rules of a monitoring point's configuration (issue 6 §2, docs/monitoring.md "Points
 * and set points"), pure: which fields are the alarm configuration, the configuration a
 * point object describes, the GB/T 50493-2019 defaults filled into a new gas point, and
 * the Modbus register map check. Objects are the API's JSON point objects (jansson); no
 * I/O, no clock.
 */
#ifndef MONITOR_POINT_H
#define MONITOR_POINT_H

#include <jansson.h>
#include <stdbool.h>

#include "monitor/alarm.h"

struct errmsg;

/*
 * The alarm configuration keys of a point: range_lo, range_hi, high1, high2, low1, low2,
 * deadband, on_delay_ms, off_delay_ms, comms_timeout_ms (NULL-terminated). A change of any
 * of them needs a reason and is recorded as a setpoint_change row (issue 6 §2).
 */
extern const char *const point_cfg_keys[];
/* The set point keys proper: high1, high2, low1, low2 (NULL-terminated). */
extern const char *const point_setpoint_keys[];

/*
 * The alarm configuration of point object p (kind by its JSON name; numbers as JSON
 * numbers; a set point absent or null is NAN, disabled; delays and timeout integers >= 0,
 * absent = 0). Does not check it: alarm_cfg_check does. Returns 0, or ERR_INVALID with m
 * naming the field (unknown kind, a delay out of 0..UINT32_MAX).
 */
int point_alarm_cfg(const json_t *p, struct alarm_cfg *out, struct errmsg *m);

/*
 * True when the kind has GB/T 50493-2019 default set points (combustible, toxic, oxygen:
 * gas_default_cfg) and so a setpoint_source of "default" or "override"; the other kinds'
 * set points are "manual".
 */
bool point_kind_has_defaults(enum alarm_kind kind);

/* The unit the defaults of kind are set in: "%LEL", "mg/m3", "%VOL"; NULL for other kinds. */
const char *point_default_unit(enum alarm_kind kind);

/*
 * Fills into p (a new point's object) every key of range_lo, range_hi and the set points
 * that p does not have, from the defaults d (NAN -> null), and unit when absent. Then
 * tells, in *overridden, whether a set point p gave differs from d's (a given null where
 * the default is a number counts, and so does the reverse). Returns: the number of keys
 * filled.
 */
int point_fill_defaults(json_t *p, const struct alarm_cfg *d, const char *unit, bool *overridden);

/*
 * The configuration keys whose values differ between before and after (json_equal; a
 * missing key is null), as two objects of those keys: *was (before's values) and *now
 * (after's). Returns: the number of keys that differ; *was and *now owned (json_decref),
 * empty objects when none.
 */
int point_cfg_diff(const json_t *before, const json_t *after, json_t **was, json_t **now);

/*
 * The defaults d of a kind as the API's object {unit, range_lo, range_hi, high1, high2,
 * low1, low2} (NAN -> null). Returns: owned.
 */
json_t *point_defaults_json(const struct alarm_cfg *d, const char *unit);

/*
 * Checks the Modbus register map of point p on a device of protocol (NULL: no device):
 * on a "modbus" device reg_kind ("holding"|"input"), reg_addr (0..65535; 0..65534 for
 * the two-register types) and reg_type ("u16"|"i16"|"u32"|"i32"|"f32") are required and
 * reg_scale must be a finite number other than 0, reg_offset finite; on any other device
 * (or none) reg_kind, reg_addr and reg_type must be absent or null (a register map means
 * nothing to a device that pushes). Returns 0, or ERR_INVALID with m naming the first bad
 * field.
 */
int point_reg_check(const json_t *p, const char *protocol, struct errmsg *m);

#endif
