/* SPDX-License-Identifier: MIT */
/*
 * Devices, points and the operator's alarm routes over HTTP (issue 6 §2, §4;
 * docs/monitoring.md "Points and set points", "Operator API", docs/api.md).
 *
 * Points: combustible, toxic and oxygen points take the GB/T 50493-2019 default set points
 * (gas.c over the gas table loaded at start, data/monitor/gas_properties.csv) for those not
 * given (setpoint_source "default"). A set point different from the default at creation,
 * and every later change of the alarm configuration (point_cfg_keys), needs a reason and
 * writes a setpoint_change row with who, why, before and after; setpoint_source becomes
 * "override". alarm_cfg_check runs on every write (422 naming the field), the Modbus
 * register map is checked against the device (point_reg_check), and a tag is unique in its
 * enterprise (409 naming tag). After a commit the runtime reloads the point
 * (monitor_point_changed) when it runs, and the Modbus poller of the device concerned
 * (modbus_device_changed) when Modbus is on.
 *
 * Live fields, trends and actions ask the runtime (app->monitor, opened by serve): without
 * it the live member is null, the alarm console is empty and trends and actions answer 503.
 *
 * Scope: every row carries its enterprise; out of scope single objects are 404, lists are
 * bounded in SQL. Writes need the permission and the object's enterprise in scope; every
 * write is one transaction with its audit record (an operator action's SOE row is written
 * by the runtime in its own transaction, its audit record right after).
 */
#define LOG_MODULE "monitor"
#include "monitor/point_api.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise_api.h"
#include "monitor/alarm_names.h"
#include "monitor/gas.h"
#include "monitor/modbus.h"
#include "monitor/monitor.h"
#include "monitor/point.h"
#include "monitor/point_db.h"
#include "monitor/store.h"
#include "core/banned.h"

/* ------------------------------------------------------------ shared helpers */

int64_t point_api_now(const struct req *rq)
{
	return config_now_ms(&rq->app->cfg);
}

void point_api_scope(const struct req *rq, struct point_filter *f, char pre[16], char end[16])
{
	const char *p = NULL, *uscc = NULL;
	int64_t grid_user = 0;

	enterprise_api_scope_filter(rq, pre, 16, &p, &grid_user, &uscc);
	f->scope_prefix = p;
	f->scope_prefix_end = NULL;
	if (p != NULL) {
		snprintf(end, 16, "%s", p); /* an empty range unless the prefix has an end */
		scope_prefix_end(p, end, 16);
		f->scope_prefix_end = end;
	}
	f->grid_user = grid_user;
	f->scope_uscc = uscc;
}

void point_api_query_id(struct req *rq, const char *name, int64_t *out, struct field_errors *fe)
{
	const char *v = req_query(rq, name);

	*out = 0;
	if (v && (v[0] == '0' || parse_i64(v, out) < 0 || *out < 1)) {
		field_errors_add(fe, name, "must be a positive integer");
		*out = 0;
	}
}

bool point_api_blank(const char *s)
{
	while (s && *s) {
		if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
		else if ((unsigned char)s[0] == 0xe3 && (unsigned char)s[1] == 0x80 &&
			 (unsigned char)s[2] == 0x80)
			s += 3; /* U+3000 IDEOGRAPHIC SPACE */
		else
			return false;
	}
	return true;
}

/*
 * The enterprise a new object belongs to: body's enterprise_id (inside the scope, else 403
 * naming it), or an enterprise officer's own. Returns the id, or 0 with an error in fe.
 */
int64_t point_api_enterprise_of(struct req *rq, const json_t *body, struct field_errors *fe)
{
	json_t *v = json_object_get(body, "enterprise_id"), *e = NULL;
	int64_t id = 0;

	if (v == NULL) {
		if (rq->user->scope.kind == SCOPE_ENTERPRISE &&
		    point_db_enterprise_by_uscc(rq->db, rq->user->scope.enterprise, &id) == 0)
			return id;
		field_errors_add(fe, "enterprise_id", "is required");
		return 0;
	}
	id = json_integer_value(v);
	if (point_db_enterprise(rq->db, id, &e) < 0) {
		field_errors_add(fe, "enterprise_id", "does not exist");
		id = 0;
	} else if (!enterprise_api_in_scope(rq, json_str(e, "uscc"), json_str(e, "region_code"),
					    json_i64(e, "grid_id", 0))) {
		field_errors_add(fe, "enterprise_id", "is outside your data scope");
		fe->forbidden = true;
		id = 0;
	}
	json_decref(e);
	return id;
}

void point_api_check_enum(const json_t *o, const char *key, const char *const *allowed,
			  const char *list, struct field_errors *fe)
{
	if (!str_one_of(json_str(o, key), allowed))
		field_errors_add(fe, key, "must be one of: %s", list);
}

json_t *point_api_changes(const json_t *before, const json_t *after)
{
	static const char *const skip[] = { "updated_ms", "_uscc",	 "_region_code", "_grid_id",
					    "_protocol",  "point_count", "live",	 NULL };

	return json_pack("{s:o}", "changes", json_changes(before, after, skip));
}

/* The point's live view as the API shows it, or null without the runtime. Returns: owned. */
json_t *point_api_live_json(struct req *rq, int64_t point_id)
{
	struct monitor_live l;

	if (rq->app->monitor == NULL || monitor_live_get(rq->app->monitor, point_id, &l) < 0)
		return json_null();
	return json_pack("{s:o, s:o, s:s, s:s, s:o, s:o}", "value",
			 isfinite(l.last_value) ? json_real(l.last_value) : json_null(), "ts_ms",
			 l.last_ms == INT64_MIN ? json_null() : json_integer(l.last_ms), "state",
			 alarm_state_name((enum alarm_state)l.state), "cond",
			 alarm_cond_name((enum alarm_cond)l.cond), "since_ms",
			 l.since_ms == INT64_MIN ? json_null() : json_integer(l.since_ms),
			 "shelve_until_ms",
			 l.shelve_until_ms > 0 ? json_integer(l.shelve_until_ms) : json_null());
}

int point_api_reply(struct resp *rs, int status, json_t *o)
{
	return resp_json(rs, status, json_strip_private(o));
}

/* Tells the runtime that point id changed (after the commit). */
static void point_changed(struct req *rq, int64_t id)
{
	if (rq->app->monitor != NULL && monitor_point_changed(rq->app->monitor, id) < 0)
		log_warn("the runtime could not reload point %" PRId64, id);
}

/* Restarts the Modbus poller of device dev (0: none) after a commit (modbus.h). */
void point_api_modbus_reload(struct req *rq, int64_t dev)
{
	if (dev > 0 && rq->app->modbus != NULL &&
	    modbus_device_changed(rq->app->modbus, rq->db, dev) < 0)
		log_warn("the Modbus poller of device %" PRId64 " could not be restarted", dev);
}

/* The device of point id as stored now, or 0. */
static int64_t point_device(struct req *rq, int64_t id)
{
	json_t *row = NULL;
	int64_t dev = 0;

	if (point_db_point_get(rq->db, id, &row) == 0)
		dev = json_i64(row, "device_id", 0);
	json_decref(row);
	return dev;
}

bool point_api_present(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v != NULL && !json_is_null(v);
}

/* ------------------------------------------------------------ points */

static const char *const id_sorts[] = { "id", NULL };

static const struct json_field point_fields[] = {
	{ "enterprise_id", JF_INT, 0, 0, 1, INT64_MAX },
	{ "device_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "installation_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "tag", JF_STRING, JF_REQUIRED, 64, 0, 0 },
	{ "name", JF_STRING, JF_REQUIRED, 200, 0, 0 },
	{ "kind", JF_STRING, JF_REQUIRED, 20, 0, 0 },
	{ "gas", JF_STRING, JF_NULLABLE, 64, 0, 0 },
	{ "unit", JF_STRING, 0, 20, 0, 0 },
	{ "range_lo", JF_NUMBER, 0, 0, 0, 0 },
	{ "range_hi", JF_NUMBER, 0, 0, 0, 0 },
	{ "high1", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "high2", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "low1", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "low2", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "deadband", JF_NUMBER, 0, 0, 0, 0 },
	{ "on_delay_ms", JF_INT, 0, 0, 0, 86400000 },
	{ "off_delay_ms", JF_INT, 0, 0, 0, 86400000 },
	{ "comms_timeout_ms", JF_INT, 0, 0, 0, 86400000 },
	{ "reg_kind", JF_STRING, JF_NULLABLE, 10, 0, 0 },
	{ "reg_addr", JF_INT, JF_NULLABLE, 0, 0, 65535 },
	{ "reg_type", JF_STRING, JF_NULLABLE, 10, 0, 0 },
	{ "reg_scale", JF_NUMBER, 0, 0, 0, 0 },
	{ "reg_offset", JF_NUMBER, 0, 0, 0, 0 },
	{ "lon", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "lat", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ "reason", JF_STRING, 0, 500, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
/* kind, gas and the enterprise are fixed: a different detector is a new point. */
static const struct json_field point_patch_fields[] = {
	{ "device_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "installation_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "tag", JF_STRING, 0, 64, 0, 0 },
	{ "name", JF_STRING, 0, 200, 0, 0 },
	{ "unit", JF_STRING, 0, 20, 0, 0 },
	{ "range_lo", JF_NUMBER, 0, 0, 0, 0 },
	{ "range_hi", JF_NUMBER, 0, 0, 0, 0 },
	{ "high1", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "high2", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "low1", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "low2", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "deadband", JF_NUMBER, 0, 0, 0, 0 },
	{ "on_delay_ms", JF_INT, 0, 0, 0, 86400000 },
	{ "off_delay_ms", JF_INT, 0, 0, 0, 86400000 },
	{ "comms_timeout_ms", JF_INT, 0, 0, 0, 86400000 },
	{ "reg_kind", JF_STRING, JF_NULLABLE, 10, 0, 0 },
	{ "reg_addr", JF_INT, JF_NULLABLE, 0, 0, 65535 },
	{ "reg_type", JF_STRING, JF_NULLABLE, 10, 0, 0 },
	{ "reg_scale", JF_NUMBER, 0, 0, 0, 0 },
	{ "reg_offset", JF_NUMBER, 0, 0, 0, 0 },
	{ "lon", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "lat", JF_NUMBER, JF_NULLABLE, 0, 0, 0 },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ "reason", JF_STRING, 0, 500, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/*
 * The GB/T 50493-2019 defaults of point p (kind with defaults; gas looked up in the gas
 * table, not needed for oxygen). Returns 0 with *d, an error in fe (gas), or ERR_DB.
 */
static int gas_defaults(struct req *rq, const json_t *p, enum alarm_kind kind, struct alarm_cfg *d,
			struct field_errors *fe)
{
	struct gas_props g;
	struct errmsg m = { "", "" };
	const char *gas = json_str(p, "gas");
	char *csv = NULL;
	int rc;

	if (kind == ALARM_KIND_OXYGEN)
		return gas_default_cfg(NULL, kind, d, &m) < 0 ? ERR_INTERNAL : 0;
	if (point_api_blank(gas)) {
		field_errors_add(fe, "gas",
				 "a %s gas point names its gas (CAS number, formula, English or "
				 "Chinese name of data/monitor/gas_properties.csv)",
				 alarm_kind_name(kind));
		return 0;
	}
	rc = point_db_gas_csv(rq->db, &csv);
	if (rc < 0)
		return rc == ERR_NOT_FOUND ? ERR_INTERNAL : rc;
	rc = gas_props_find(csv, gas, &g, &m);
	free(csv);
	if (rc == ERR_NOT_FOUND)
		field_errors_add(fe, "gas",
				 "is not in the gas table (data/monitor/gas_properties.csv)");
	else if (rc < 0)
		return ERR_INTERNAL;
	else if (gas_default_cfg(&g, kind, d, &m) < 0)
		field_errors_add(fe, "gas", "%s", m.text);
	return 0;
}

/*
 * The checks every point write shares, on p (the whole point, merged): name and tag, the
 * device and installation of the same enterprise eid, the unit, the alarm configuration
 * (alarm_cfg_check), the register map (point_reg_check) and the position.
 */
static int check_point(struct req *rq, const json_t *p, int64_t eid, struct field_errors *fe)
{
	struct alarm_cfg c;
	struct errmsg m = { "", "" };
	int64_t dev = json_i64(p, "device_id", 0), inst = json_i64(p, "installation_id", 0), ie;
	json_t *d = NULL;
	const char *protocol = NULL, *unit = json_str(p, "unit");
	int kind = 0, rc;

	if (point_api_blank(json_str(p, "name")))
		field_errors_add(fe, "name", "must not be empty or blank");
	if (point_api_blank(json_str(p, "tag")))
		field_errors_add(fe, "tag", "must not be empty or blank");
	if (dev) {
		rc = point_db_device_get(rq->db, dev, &d);
		if (rc == ERR_NOT_FOUND || (rc == 0 && json_i64(d, "enterprise_id", 0) != eid))
			field_errors_add(fe, "device_id",
					 "is not a device of the point's enterprise");
		else if (rc < 0)
			return rc;
		else
			protocol = json_str(d, "protocol");
	}
	if (inst) {
		rc = point_db_installation_enterprise(rq->db, inst, &ie);
		if (rc == ERR_NOT_FOUND || (rc == 0 && ie != eid))
			field_errors_add(fe, "installation_id",
					 "is not an installation of the point's enterprise");
		else if (rc < 0) {
			json_decref(d);
			return rc;
		}
	}
	if (alarm_kind_parse(json_str(p, "kind"), &kind) == 0 &&
	    point_kind_has_defaults((enum alarm_kind)kind) && unit &&
	    strcmp(unit, point_default_unit((enum alarm_kind)kind)) != 0)
		field_errors_add(fe, "unit",
				 "a %s point reads in %s, the unit of its GB/T 50493-2019 set "
				 "points",
				 alarm_kind_name((enum alarm_kind)kind),
				 point_default_unit((enum alarm_kind)kind));
	else if (point_api_blank(unit))
		field_errors_add(fe, "unit", "is required for a %s point",
				 json_str(p, "kind") ? json_str(p, "kind") : "");
	if (point_alarm_cfg(p, &c, &m) < 0 || alarm_cfg_check(&c, &m) < 0)
		field_errors_add(fe,
				 strcmp(m.field, "range") == 0 ? "range_hi"
				 : m.field[0]		       ? m.field
							       : "kind",
				 "%s", m.text);
	if (point_reg_check(p, protocol, &m) < 0)
		field_errors_add(fe, m.field, "%s", m.text);
	if (point_api_present(p, "lon") != point_api_present(p, "lat"))
		field_errors_add(fe, point_api_present(p, "lon") ? "lat" : "lon",
				 "lon and lat come together");
	if (point_api_present(p, "lon") && fabs(json_number_value(json_object_get(p, "lon"))) > 180)
		field_errors_add(fe, "lon", "must be -180 to 180 degrees");
	if (point_api_present(p, "lat") && fabs(json_number_value(json_object_get(p, "lat"))) > 90)
		field_errors_add(fe, "lat", "must be -90 to 90 degrees");
	json_decref(d);
	return 0;
}

static int point_answer(struct req *rq, struct resp *rs, int64_t id, int status)
{
	json_t *row = NULL;
	int rc = point_db_point_get(rq->db, id, &row);

	if (rc < 0)
		return rc;
	json_object_set_new(row, "live", point_api_live_json(rq, id));
	return point_api_reply(rs, status, row);
}

static int tag_conflict(struct resp *rs)
{
	struct field_errors fe = { 0 };

	field_errors_add(&fe, "tag", "is already the tag of a point of the enterprise");
	return resp_problem(rs, 409, NULL, "the tag is taken", &fe);
}

static int point_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct alarm_cfg d;
	json_t *p = NULL, *before = NULL, *after = NULL;
	const char *reason = json_str(rq->body, "reason");
	bool overridden = false, defaults = false;
	int64_t eid, id = 0;
	int kind = 0, rc = 0;

	if (json_check(rq->body, point_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	eid = point_api_enterprise_of(rq, rq->body, &fe);
	p = json_deep_copy(rq->body);
	json_object_del(p, "reason");
	json_object_del(p, "enterprise_id");
	if (alarm_kind_parse(json_str(p, "kind"), &kind) < 0) {
		field_errors_add(&fe, "kind",
				 "must be one of: combustible, toxic, oxygen, level, temperature, "
				 "pressure, flow");
	} else if (point_kind_has_defaults((enum alarm_kind)kind)) {
		rc = gas_defaults(rq, p, (enum alarm_kind)kind, &d, &fe);
		defaults = rc == 0 && fe.n == 0;
	} else {
		if (!json_object_get(p, "range_lo"))
			field_errors_add(&fe, "range_lo", "is required for a %s point",
					 json_str(p, "kind"));
		if (!json_object_get(p, "range_hi"))
			field_errors_add(&fe, "range_hi", "is required for a %s point",
					 json_str(p, "kind"));
		json_object_set_new(p, "setpoint_source", json_string("manual"));
	}
	if (rc < 0) {
		json_decref(p);
		return rc;
	}
	if (defaults) {
		const char *unit = point_default_unit((enum alarm_kind)kind);

		if (!json_object_get(p, "unit"))
			json_object_set_new(p, "unit", json_string(unit));
		point_fill_defaults(p, &d, unit, &overridden);
		json_object_set_new(p, "setpoint_source",
				    json_string(overridden ? "override" : "default"));
		if (overridden && point_api_blank(reason))
			field_errors_add(&fe, "reason",
					 "set points other than the GB/T 50493-2019 defaults need "
					 "the reason");
	}
	if (eid && fe.n == 0)
		rc = check_point(rq, p, eid, &fe);
	if (rc < 0 || fe.n) {
		json_decref(p);
		field_errors_first_per_field(&fe);
		return rc < 0 ? rc : resp_invalid(rs, &fe);
	}
	if (overridden) {
		json_t *dj = point_defaults_json(&d, NULL);

		point_cfg_diff(dj, p, &before, &after);
		json_decref(dj);
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = point_db_point_insert(rq->db, eid, p, point_api_now(rq), &id);
	if (rc == 0 && overridden)
		rc = point_db_setpoint_change(rq->db, id, rq->user->user_id, reason, before, after,
					      point_api_now(rq));
	if (rc == 0)
		rc = audit_record(rq, "monitor.point.create", "monitor_point", id,
				  json_pack("{s:I, s:s, s:s, s:s, s:s?}", "enterprise_id",
					    (json_int_t)eid, "tag", json_str(p, "tag"), "kind",
					    json_str(p, "kind"), "setpoint_source",
					    json_str(p, "setpoint_source"), "reason",
					    overridden ? reason : NULL));
	rc = db_finish(rq->db, rc);
	json_decref(p);
	json_decref(before);
	json_decref(after);
	if (rc == ERR_CONFLICT)
		return tag_conflict(rs);
	if (rc < 0)
		return rc;
	point_changed(rq, id);
	point_api_modbus_reload(rq, point_device(rq, id));
	return point_answer(rq, rs, id, 201);
}

static int point_get(struct req *rq, struct resp *rs)
{
	json_t *row = NULL;
	int rc = enterprise_api_load_row(rq, point_db_point_get, &row);

	if (rc < 0)
		return rc;
	json_object_set_new(row, "live", point_api_live_json(rq, json_i64(row, "id", 0)));
	return point_api_reply(rs, 200, row);
}

static int point_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL, *m = NULL, *after = NULL, *was = NULL, *now = NULL;
	const char *reason = json_str(rq->body, "reason");
	int64_t id, eid, dev_before;
	int n = 0, rc = enterprise_api_load_row(rq, point_db_point_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	eid = json_i64(row, "enterprise_id", 0);
	dev_before = json_i64(row, "device_id", 0);
	if (json_check(rq->body, point_patch_fields, &fe) == 0) {
		m = json_deep_copy(row);
		json_object_update(m, rq->body);
		json_object_del(m, "reason");
		rc = check_point(rq, m, eid, &fe);
		n = point_cfg_diff(row, m, &was, &now);
		if (n > 0 && point_api_blank(reason))
			field_errors_add(&fe, "reason",
					 "a change of range, set points, deadband, delays or "
					 "communication timeout needs the reason");
		if (n > 0 && strcmp(json_str(row, "setpoint_source"), "default") == 0)
			json_object_set_new(m, "setpoint_source", json_string("override"));
	}
	if (rc < 0 || fe.n) {
		json_decref(row);
		json_decref(m);
		json_decref(was);
		json_decref(now);
		field_errors_first_per_field(&fe);
		return rc < 0 ? rc : resp_invalid(rs, &fe);
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = point_db_point_update(rq->db, id, m, point_api_now(rq));
	if (rc == 0 && n > 0)
		rc = point_db_setpoint_change(rq->db, id, rq->user->user_id, reason, was, now,
					      point_api_now(rq));
	if (rc == 0)
		rc = point_db_point_get(rq->db, id, &after);
	if (rc == 0) {
		json_t *summary = point_api_changes(row, after);

		if (n > 0)
			json_object_set_new(summary, "reason", json_string(reason));
		rc = audit_record(rq, "monitor.point.update", "monitor_point", id, summary);
	}
	rc = db_finish(rq->db, rc);
	json_decref(row);
	json_decref(m);
	json_decref(was);
	json_decref(now);
	json_decref(after);
	if (rc == ERR_CONFLICT)
		return tag_conflict(rs);
	if (rc < 0)
		return rc;
	point_changed(rq, id);
	{
		int64_t dev_after = point_device(rq, id);

		point_api_modbus_reload(rq, dev_before);
		if (dev_after != dev_before)
			point_api_modbus_reload(rq, dev_after);
	}
	return point_answer(rq, rs, id, 200);
}

/*
 * ERR_CONFLICT when the runtime's store holds readings of point id not yet flushed to its
 * tables (those are found by point_db_point_delete), else 0 or the store's error. Readings
 * are history: SQLite may give a deleted point's id to the next point created, which would
 * then show them (any enterprise's).
 */
static int buffered_readings(struct req *rq, int64_t id)
{
	enum store_resolution res = STORE_RESOLUTION_RAW;
	int rc;

	if (rq->app->monitor == NULL)
		return 0;
	/* Budget 0: raw only when the point has no reading at all. */
	rc = store_pick_resolution(monitor_store(rq->app->monitor), id, 0, INT64_MAX, 0, &res);
	if (rc < 0)
		return rc;
	return res == STORE_RESOLUTION_RAW ? 0 : ERR_CONFLICT;
}

static int point_delete(struct req *rq, struct resp *rs)
{
	json_t *row = NULL;
	int64_t id, dev;
	int rc = enterprise_api_load_row(rq, point_db_point_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	dev = json_i64(row, "device_id", 0);
	rc = buffered_readings(rq, id);
	if (rc == 0) {
		rc = db_begin(rq->db);
		if (rc == 0)
			rc = point_db_point_delete(rq->db, id);
		if (rc == 0)
			rc = audit_record(rq, "monitor.point.delete", "monitor_point", id,
					  json_pack("{s:I, s:s}", "enterprise_id",
						    (json_int_t)json_i64(row, "enterprise_id", 0),
						    "tag", json_str(row, "tag")));
		rc = db_finish(rq->db, rc);
	}
	json_decref(row);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL,
				    "the point has readings, alarm history or set point changes, "
				    "kept as its record: deactivate it (active false)",
				    NULL);
	if (rc < 0)
		return rc;
	point_changed(rq, id);
	point_api_modbus_reload(rq, dev);
	return resp_no_content(rs);
}

/* True when the point's live state is not normal (the alarm filter). */
bool point_api_in_alarm(struct req *rq, int64_t id, struct monitor_live *l)
{
	return rq->app->monitor != NULL && monitor_live_get(rq->app->monitor, id, l) == 0 &&
	       l->state != ALARM_STATE_NORMAL;
}

static int point_list(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = {
		"enterprise_id", "device_id", "installation_id", "kind", "alarm", "q", NULL
	};
	struct field_errors fe = { 0 };
	struct point_filter f = { 0 };
	struct list_params lp;
	struct monitor_live l;
	char pre[16], end[16], *like = NULL;
	const char *v;
	json_t *items = NULL, *out, *it;
	bool alarm = false;
	size_t i;
	int kind, rc;

	list_params_parse(rq, id_sorts, filters, &lp, &fe);
	point_api_query_id(rq, "enterprise_id", &f.enterprise_id, &fe);
	point_api_query_id(rq, "device_id", &f.device_id, &fe);
	point_api_query_id(rq, "installation_id", &f.installation_id, &fe);
	if ((v = req_query(rq, "kind"))) {
		if (alarm_kind_parse(v, &kind) < 0)
			field_errors_add(&fe, "kind",
					 "must be one of: combustible, toxic, oxygen, level, "
					 "temperature, pressure, flow");
		f.kind = v;
	}
	if ((v = req_query(rq, "alarm"))) {
		if (strcmp(v, "1") != 0)
			field_errors_add(&fe, "alarm",
					 "must be 1 (points not in the normal state)");
		alarm = true;
	}
	if ((v = req_query(rq, "q"))) {
		if (v[0] == '\0' || utf8_len(v) > 100)
			field_errors_add(&fe, "q", "must be 1 to 100 characters");
		like = db_like_contains(v);
		f.q_like = like;
	}
	if (fe.n) {
		free(like);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	point_api_scope(rq, &f, pre, end);
	rc = point_db_point_list(rq->db, &f, &lp, &items);
	free(like);
	if (rc < 0)
		return rc;
	/* The page is paged by id first, the alarm filter applied within it. */
	out = list_page(json_strip_private(items), &lp);
	items = json_object_get(out, "items");
	for (i = 0; i < json_array_size(items);) {
		it = json_array_get(items, i);
		if (alarm && !point_api_in_alarm(rq, json_i64(it, "id", 0), &l)) {
			json_array_remove(items, i);
			continue;
		}
		json_object_set_new(it, "live", point_api_live_json(rq, json_i64(it, "id", 0)));
		i++;
	}
	return resp_json(rs, 200, out);
}

static int setpoint_changes(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct list_params lp;
	json_t *row = NULL, *items = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, point_db_point_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	json_decref(row);
	if (list_params_parse(rq, id_sorts, NULL, &lp, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = point_db_setpoint_changes(rq->db, id, &lp, &items);
	return rc < 0 ? rc : resp_json(rs, 200, list_page(items, &lp));
}

static int point_defaults(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct alarm_cfg d;
	json_t *row = NULL, *o = NULL;
	int kind = 0, rc = enterprise_api_load_row(rq, point_db_point_get, &row);

	if (rc < 0)
		return rc;
	if (query_params_check(rq, NULL, &fe) < 0) {
		json_decref(row);
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	}
	alarm_kind_parse(json_str(row, "kind"), &kind);
	if (!point_kind_has_defaults((enum alarm_kind)kind)) {
		o = json_pack("{s:s, s:n, s:s}", "kind", json_str(row, "kind"), "defaults",
			      "standard", "none: a manual kind");
		json_decref(row);
		return resp_json(rs, 200, o);
	}
	rc = gas_defaults(rq, row, (enum alarm_kind)kind, &d, &fe);
	if (rc == 0 && fe.n == 0)
		o = json_pack("{s:s, s:o, s:o, s:s}", "kind", json_str(row, "kind"), "gas",
			      json_deep_copy(json_object_get(row, "gas")), "defaults",
			      point_defaults_json(&d, point_default_unit((enum alarm_kind)kind)),
			      "standard", "GB/T 50493-2019");
	json_decref(row);
	if (rc < 0)
		return rc;
	if (fe.n)
		return resp_problem(rs, 409, NULL, "the point's gas has no default set points",
				    &fe);
	return resp_json(rs, 200, o);
}

/* ------------------------------------------------------------ routes */

#define R(m, p, h, perm_, s)                                                      \
	{                                                                         \
		.method = m, .path = p, .handler = h, .perm = perm_, .summary = s \
	}
#define W(m, p, h, perm_, s)                                                                   \
	{                                                                                      \
		.method = m, .path = p, .handler = h, .perm = perm_, .flags = ROUTE_JSON_BODY, \
		.summary = s                                                                   \
	}

const struct route point_routes[] = {
	R(HTTP_GET, "/api/v1/monitor/points", point_list, PERM_MONITOR_READ,
	  "monitoring points in your scope with their live values (filters enterprise_id, "
	  "device_id, installation_id, kind, alarm=1, q)"),
	W(HTTP_POST, "/api/v1/monitor/points", point_create, PERM_MONITOR_WRITE,
	  "add a point {enterprise_id?, device_id?, installation_id?, tag, name, kind, gas, "
	  "unit, range_lo, range_hi, high1, high2, low1, low2, deadband, on_delay_ms, "
	  "off_delay_ms, comms_timeout_ms, reg_*, lon, lat, active, reason}: GB/T 50493-2019 "
	  "defaults for gas points, reason for an override, 409 naming tag"),
	R(HTTP_GET, "/api/v1/monitor/points/{id}", point_get, PERM_MONITOR_READ,
	  "a point with its live value and alarm state"),
	W(HTTP_PATCH, "/api/v1/monitor/points/{id}", point_patch, PERM_MONITOR_WRITE,
	  "change a point (kind and gas fixed); a change of range, set points, deadband, "
	  "delays or timeout needs reason and writes a set point change"),
	R(HTTP_DELETE, "/api/v1/monitor/points/{id}", point_delete, PERM_MONITOR_WRITE,
	  "delete a point without history (409 otherwise: deactivate it)"),
	R(HTTP_GET, "/api/v1/monitor/points/{id}/setpoint-changes", setpoint_changes,
	  PERM_MONITOR_READ,
	  "the point's set point changes, newest first (who, why, before, after)"),
	R(HTTP_GET, "/api/v1/monitor/points/{id}/defaults", point_defaults, PERM_MONITOR_READ,
	  "the GB/T 50493-2019 default set points of the point's kind and gas"),
	{ 0 },
};
