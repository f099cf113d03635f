/* SPDX-License-Identifier: MIT */
/* The SQL of the Modbus pollers: which devices to poll and their register maps. */
#define LOG_MODULE "modbus"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "monitor/modbus.h"
#include "core/banned.h"

int modbus_device_ids(struct db *db, int64_t **ids, size_t *n)
{
	struct db_stmt *st = db_stmt(db, "SELECT id FROM monitor_device "
					 "WHERE protocol = 'modbus' AND active = 1 ORDER BY id");
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			int64_t *t = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof(**ids));

			if (t == NULL) {
				db_reset(st);
				return ERR_INTERNAL;
			}
			*ids = t;
		}
		(*ids)[(*n)++] = db_col_i64(st, 0);
	}
	return rc < 0 ? rc : 0;
}

int modbus_device_load(struct db *db, int64_t id, struct modbus_device *dev)
{
	struct db_stmt *st = db_stmt(db, "SELECT host, port, unit_id, poll_ms FROM monitor_device "
					 "WHERE id = :id AND protocol = 'modbus' AND active = 1");
	size_t cap = 0;
	int rc;

	memset(dev, 0, sizeof(*dev));
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	dev->id = id;
	db_col_copy(st, 0, dev->host, sizeof(dev->host));
	dev->port = db_col_null(st, 1) ? 502 : (int)db_col_i64(st, 1);
	dev->unit_id = db_col_null(st, 2) ? 1 : (int)db_col_i64(st, 2);
	dev->poll_ms = db_col_null(st, 3) ? 1000 : (int)db_col_i64(st, 3);
	db_reset(st);

	st = db_stmt(db,
		     "SELECT id, reg_kind, reg_addr, reg_type, reg_scale, reg_offset "
		     "FROM monitor_point WHERE device_id = :id AND active = 1 "
		     "AND reg_kind IS NOT NULL AND reg_addr IS NOT NULL AND reg_type IS NOT NULL "
		     "ORDER BY reg_kind, reg_addr, id");
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct modbus_point pt;

		if (modbus_reg_kind_parse(db_col_text(st, 1), &pt.kind) != 0 ||
		    modbus_reg_type_parse(db_col_text(st, 3), &pt.type) != 0)
			continue; /* the CHECK constraints make this unreachable */
		pt.point_id = db_col_i64(st, 0);
		pt.addr = (uint16_t)db_col_i64(st, 2);
		pt.scale = db_col_f64(st, 4);
		pt.offset = db_col_f64(st, 5);
		if (dev->n_points == cap) {
			void *t = realloc(dev->points, (cap = cap ? cap * 2 : 16) * sizeof(pt));

			if (t == NULL) {
				db_reset(st);
				modbus_device_wipe(dev);
				return ERR_INTERNAL;
			}
			dev->points = t;
		}
		dev->points[dev->n_points++] = pt;
	}
	if (rc < 0) {
		modbus_device_wipe(dev);
		return rc;
	}
	if (dev->n_points == 0)
		return ERR_NOT_FOUND;
	return 0;
}
