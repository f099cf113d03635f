/* SPDX-License-Identifier: MIT */
/*
 * The monitoring devices' routes (issue 6 §2, §3 c; docs/monitoring.md "Points and set
 * points"): field devices and gateways of an enterprise, pushing (mqtt, http) or polled
 * (modbus: host, port, unit id, period); a committed change restarts the device's Modbus
 * poller. Points are point_api.c's.
 */
#include "monitor/point_api.h"

#define LOG_MODULE "monitor"

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
#include "monitor/monitor.h"
#include "monitor/point.h"
#include "monitor/point_db.h"
#include "monitor/store.h"
#include "core/banned.h"

/* ------------------------------------------------------------ devices */

static const char *const protocols[] = { "mqtt", "http", "modbus", NULL };

static const struct json_field device_fields[] = {
	{ "enterprise_id", JF_INT, 0, 0, 1, INT64_MAX },
	{ "name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "protocol", JF_STRING, JF_REQUIRED, 10, 0, 0 },
	{ "host", JF_STRING, JF_NULLABLE, 253, 0, 0 },
	{ "port", JF_INT, JF_NULLABLE, 0, 1, 65535 },
	{ "unit_id", JF_INT, JF_NULLABLE, 0, 0, 247 },
	{ "poll_ms", JF_INT, JF_NULLABLE, 0, 100, 86400000 },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field device_patch_fields[] = {
	{ "name", JF_STRING, 0, 100, 0, 0 },
	{ "host", JF_STRING, JF_NULLABLE, 253, 0, 0 },
	{ "port", JF_INT, JF_NULLABLE, 0, 1, 65535 },
	{ "unit_id", JF_INT, JF_NULLABLE, 0, 0, 247 },
	{ "poll_ms", JF_INT, JF_NULLABLE, 0, 100, 86400000 },
	{ "active", JF_BOOL, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/*
 * Checks device d (merged) and fills the Modbus defaults: port 502 (Modbus/TCP), unit 1,
 * poll every 1000 ms. A pushing device (mqtt, http) has no host, port, unit or poll.
 */
static void check_device(json_t *d, struct field_errors *fe)
{
	static const char *const modbus_only[] = { "host", "port", "unit_id", "poll_ms", NULL };
	const char *protocol = json_str(d, "protocol");

	if (point_api_blank(json_str(d, "name")))
		field_errors_add(fe, "name", "must not be empty or blank");
	point_api_check_enum(d, "protocol", protocols, "mqtt, http, modbus", fe);
	if (protocol && strcmp(protocol, "modbus") == 0) {
		if (point_api_blank(json_str(d, "host")))
			field_errors_add(fe, "host", "a modbus device needs the host to poll");
		if (!point_api_present(d, "port"))
			json_object_set_new(d, "port", json_integer(502));
		if (!point_api_present(d, "unit_id"))
			json_object_set_new(d, "unit_id", json_integer(1));
		if (!point_api_present(d, "poll_ms"))
			json_object_set_new(d, "poll_ms", json_integer(1000));
	} else if (protocol) {
		for (size_t i = 0; modbus_only[i]; i++)
			if (point_api_present(d, modbus_only[i]))
				field_errors_add(fe, modbus_only[i],
						 "is only for modbus devices (a %s device pushes)",
						 protocol);
	}
}

static int device_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *d = NULL, *row = NULL;
	int64_t eid = 0, id = 0;
	int rc;

	if (json_check(rq->body, device_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	eid = point_api_enterprise_of(rq, rq->body, &fe);
	d = json_deep_copy(rq->body);
	check_device(d, &fe);
	if (fe.n) {
		json_decref(d);
		return resp_invalid(rs, &fe);
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = point_db_device_insert(rq->db, eid, d, point_api_now(rq), &id);
	if (rc == 0)
		rc = audit_record(rq, "monitor.device.create", "monitor_device", id,
				  json_pack("{s:I, s:s, s:s}", "enterprise_id", (json_int_t)eid,
					    "name", json_str(d, "name"), "protocol",
					    json_str(d, "protocol")));
	rc = db_finish(rq->db, rc);
	json_decref(d);
	if (rc == ERR_CONFLICT)
		return resp_invalid1(rs, "name",
				     "is already the name of a device of the enterprise");
	if (rc == 0)
		rc = point_db_device_get(rq->db, id, &row);
	return rc < 0 ? rc : point_api_reply(rs, 201, row);
}

static int device_get(struct req *rq, struct resp *rs)
{
	json_t *row = NULL;
	int rc = enterprise_api_load_row(rq, point_db_device_get, &row);

	return rc < 0 ? rc : point_api_reply(rs, 200, row);
}

static int device_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL, *m = NULL, *after = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, point_db_device_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	if (json_check(rq->body, device_patch_fields, &fe) == 0) {
		m = json_deep_copy(row);
		json_object_update(m, rq->body);
		check_device(m, &fe);
	}
	if (fe.n) {
		json_decref(row);
		json_decref(m);
		return resp_invalid(rs, &fe);
	}
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = point_db_device_update(rq->db, id, m, point_api_now(rq));
	if (rc == 0)
		rc = point_db_device_get(rq->db, id, &after);
	if (rc == 0)
		rc = audit_record(rq, "monitor.device.update", "monitor_device", id,
				  point_api_changes(row, after));
	rc = db_finish(rq->db, rc);
	json_decref(row);
	json_decref(m);
	if (rc < 0) {
		json_decref(after);
		return rc == ERR_CONFLICT ? resp_invalid1(rs, "name",
							  "is already the name of a device of the "
							  "enterprise")
					  : rc;
	}
	point_api_modbus_reload(rq, id);
	return point_api_reply(rs, 200, after);
}

static int device_delete(struct req *rq, struct resp *rs)
{
	json_t *row = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, point_db_device_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = point_db_device_delete(rq->db, id);
	if (rc == 0)
		rc = audit_record(rq, "monitor.device.delete", "monitor_device", id,
				  json_pack("{s:I, s:s}", "enterprise_id",
					    (json_int_t)json_i64(row, "enterprise_id", 0), "name",
					    json_str(row, "name")));
	rc = db_finish(rq->db, rc);
	json_decref(row);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL,
				    "points still name the device: move or delete them first",
				    NULL);
	if (rc < 0)
		return rc;
	point_api_modbus_reload(rq, id);
	return resp_no_content(rs);
}

static const char *const id_sorts[] = { "id", NULL };

static int device_list(struct req *rq, struct resp *rs)
{
	static const char *const filters[] = { "enterprise_id", "q", NULL };
	struct field_errors fe = { 0 };
	struct point_filter f = { 0 };
	struct list_params lp;
	char pre[16], end[16], *like = NULL;
	const char *v;
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, id_sorts, filters, &lp, &fe);
	point_api_query_id(rq, "enterprise_id", &f.enterprise_id, &fe);
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
	rc = point_db_device_list(rq->db, &f, &lp, &items);
	free(like);
	return rc < 0 ? rc : resp_json(rs, 200, list_page(json_strip_private(items), &lp));
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

const struct route device_routes[] = {
	R(HTTP_GET, "/api/v1/monitor/devices", device_list, PERM_MONITOR_READ,
	  "monitoring devices in your scope (filters enterprise_id, q; limit, after)"),
	W(HTTP_POST, "/api/v1/monitor/devices", device_create, PERM_MONITOR_WRITE,
	  "add a device {enterprise_id (officers: own by default), name, protocol mqtt|http|"
	  "modbus, host, port (502), unit_id (1), poll_ms (1000) for modbus, active?}"),
	R(HTTP_GET, "/api/v1/monitor/devices/{id}", device_get, PERM_MONITOR_READ,
	  "a device in your scope, else 404"),
	W(HTTP_PATCH, "/api/v1/monitor/devices/{id}", device_patch, PERM_MONITOR_WRITE,
	  "change a device (name, host, port, unit_id, poll_ms, active; the protocol is fixed)"),
	R(HTTP_DELETE, "/api/v1/monitor/devices/{id}", device_delete, PERM_MONITOR_WRITE,
	  "delete a device (409 while points name it)"),
	{ 0 },
};
