/* SPDX-License-Identifier: MIT */
/*
 * The SQL of devices, points, set point changes, the gas reference table, the SOE list
 * and the alarm -> hazard link (point_db.h). Every list joins the row's enterprise and
 * bounds it by the caller's scope (MONITOR_SCOPE_WHERE), as the risk lists do.
 */
#define LOG_MODULE "monitor"
#include "monitor/point_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "monitor/alarm.h"
#include "monitor/gas.h"
#include "core/banned.h"

#define MONITOR_SCOPE_WHERE                                                                 \
	"(:prefix IS NULL OR (e.region_code >= :prefix AND e.region_code < :prefix_end)) "  \
	"AND (:grid_user IS NULL OR e.grid_id IN (SELECT user_grid.grid_id FROM user_grid " \
	"WHERE user_grid.user_id = :grid_user)) "                                           \
	"AND (:scope_uscc IS NULL OR e.uscc = :scope_uscc) "                                \
	"AND (:eid IS NULL OR e.id = :eid) "

static void bind_scope(struct db_stmt *st, const struct point_filter *f)
{
	db_bind_text(st, ":prefix", f->scope_prefix);
	db_bind_text(st, ":prefix_end", f->scope_prefix_end);
	db_bind_id_or_null(st, ":grid_user", f->grid_user);
	db_bind_text(st, ":scope_uscc", f->scope_uscc);
	db_bind_id_or_null(st, ":eid", f->enterprise_id);
}

static json_t *text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *real_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_real(db_col_f64(st, col));
}

static json_t *int_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_i64(st, col));
}

/* The scope members every row ends with: e.uscc, e.region_code, e.grid_id at col. */
static void scope_cols(json_t *o, struct db_stmt *st, int col)
{
	json_object_set_new(o, "_uscc", json_string(db_col_text(st, col)));
	json_object_set_new(o, "_region_code", json_string(db_col_text(st, col + 1)));
	json_object_set_new(o, "_grid_id", json_integer(db_col_i64(st, col + 2)));
}

/* Binds key of o at name: a number, or NULL. */
static void bind_num(struct db_stmt *st, const char *name, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_number(v))
		db_bind_f64(st, name, json_number_value(v));
	else
		db_bind_null(st, name);
}

static void bind_int(struct db_stmt *st, const char *name, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		db_bind_i64(st, name, json_integer_value(v));
	else
		db_bind_null(st, name);
}

static int get_by_id(struct db *db, const char *sql, json_t *(*row)(struct db_stmt *), int64_t id,
		     json_t **out)
{
	struct db_stmt *st = db_stmt(db, sql);
	int rc;

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*out = row(st);
		db_reset(st);
		return *out ? 0 : ERR_DB;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}

/* ------------------------------------------------------------ reference data */

static const char SQL_REF_PUT[] =
	"INSERT INTO monitor_reference (name, body, loaded_ms) VALUES (:name, :body, :now) "
	"ON CONFLICT (name) DO UPDATE SET body = excluded.body, loaded_ms = excluded.loaded_ms";

int point_db_reference_load(struct db *db, const char *data_dir)
{
	struct gas_props g;
	struct errmsg m = { "", "" };
	struct buf b = BUF_INIT;
	struct db_stmt *st;
	char path[1024], chunk[4096], *loaded = NULL;
	FILE *f = NULL;
	size_t got;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/monitor/gas_properties.csv", data_dir);
	f = fopen(path, "rb");
	if (f == NULL && point_db_gas_csv(db, &loaded) == 0) {
		/*
		 * A command run from elsewhere (anjian hazard scan from another folder) keeps the
		 * table the server loaded, as risk_data_load does.
		 */
		free(loaded);
		return 0;
	}
	if (f == NULL) {
		log_error("cannot open '%s'", path);
		return ERR_IO;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, got);
	if (ferror(f))
		rc = ERR_IO;
	fclose(f);
	if (rc == 0 && gas_props_find(b.p ? b.p : "", "methane", &g, &m) < 0) {
		log_error("bad gas table '%s': %s %s", path, m.field, m.text);
		rc = ERR_INVALID;
	}
	if (rc == 0) {
		st = db_stmt(db, SQL_REF_PUT);
		if (st == NULL) {
			rc = ERR_DB;
		} else {
			db_bind_text(st, ":name", "gas_properties");
			db_bind_text(st, ":body", b.p);
			db_bind_i64(st, ":now", 0);
			rc = db_step_done(st);
		}
	}
	buf_release(&b);
	return rc;
}

static const char SQL_REF_GET[] =
	"SELECT body FROM monitor_reference WHERE name = 'gas_properties'";

int point_db_gas_csv(struct db *db, char **text)
{
	struct db_stmt *st = db_stmt(db, SQL_REF_GET);
	int rc;

	*text = NULL;
	if (st == NULL)
		return ERR_DB;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*text = xstrdup(db_col_text(st, 0));
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}

static json_t *enterprise_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)db_col_i64(st, 0), "name",
			 db_col_text(st, 1), "uscc", db_col_text(st, 2), "region_code",
			 db_col_text(st, 3), "grid_id", (json_int_t)db_col_i64(st, 4));
}

static const char SQL_ENTERPRISE[] = "SELECT id, name, uscc, region_code, COALESCE(grid_id, 0) "
				     "FROM enterprise WHERE id = :id";

int point_db_enterprise(struct db *db, int64_t id, json_t **out)
{
	return get_by_id(db, SQL_ENTERPRISE, enterprise_row, id, out);
}

static const char SQL_ENTERPRISE_BY_USCC[] = "SELECT id FROM enterprise WHERE uscc = :uscc";

int point_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ENTERPRISE_BY_USCC);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":uscc", uscc);
	return db_step_i64(st, id);
}

static const char SQL_INSTALLATION_ENTERPRISE[] =
	"SELECT enterprise_id FROM mhi_installation WHERE id = :id";

int point_db_installation_enterprise(struct db *db, int64_t id, int64_t *enterprise_id)
{
	struct db_stmt *st = db_stmt(db, SQL_INSTALLATION_ENTERPRISE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_i64(st, enterprise_id);
}

/* ------------------------------------------------------------ devices */

#define DEVICE_SELECT                                                                            \
	"SELECT d.id, d.enterprise_id, e.name, d.name, d.protocol, d.host, d.port, d.unit_id, "  \
	"d.poll_ms, d.active, (SELECT COUNT(*) FROM monitor_point p WHERE p.device_id = d.id), " \
	"d.created_ms, d.updated_ms, e.uscc, e.region_code, COALESCE(e.grid_id, 0) "             \
	"FROM monitor_device d JOIN enterprise e ON e.id = d.enterprise_id "

static json_t *device_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			      "enterprise_id", (json_int_t)db_col_i64(st, 1), "enterprise_name",
			      db_col_text(st, 2), "name", db_col_text(st, 3), "protocol",
			      db_col_text(st, 4));

	json_object_set_new(o, "host", text_or_null(st, 5));
	json_object_set_new(o, "port", int_or_null(st, 6));
	json_object_set_new(o, "unit_id", int_or_null(st, 7));
	json_object_set_new(o, "poll_ms", int_or_null(st, 8));
	json_object_set_new(o, "active", json_boolean(db_col_i64(st, 9) != 0));
	json_object_set_new(o, "point_count", json_integer(db_col_i64(st, 10)));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, 11)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, 12)));
	scope_cols(o, st, 13);
	return o;
}

static void bind_device(struct db_stmt *st, const json_t *d, int64_t now_ms)
{
	const json_t *active = json_object_get(d, "active");

	db_bind_text(st, ":name", json_str(d, "name"));
	db_bind_text(st, ":protocol", json_str(d, "protocol"));
	db_bind_text(st, ":host", json_str(d, "host"));
	bind_int(st, ":port", d, "port");
	bind_int(st, ":unit_id", d, "unit_id");
	bind_int(st, ":poll_ms", d, "poll_ms");
	db_bind_i64(st, ":active", active == NULL || json_is_true(active) ? 1 : 0);
	db_bind_i64(st, ":now", now_ms);
}

static const char SQL_DEVICE_INSERT[] =
	"INSERT INTO monitor_device (enterprise_id, name, protocol, host, port, unit_id, poll_ms, "
	"active, created_ms, updated_ms) VALUES (:eid, :name, :protocol, :host, :port, :unit_id, "
	":poll_ms, :active, :now, :now)";

int point_db_device_insert(struct db *db, int64_t enterprise_id, const json_t *d, int64_t now_ms,
			   int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_DEVICE_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	bind_device(st, d, now_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_DEVICE_UPDATE[] =
	"UPDATE monitor_device SET name = :name, protocol = :protocol, host = :host, port = :port, "
	"unit_id = :unit_id, poll_ms = :poll_ms, active = :active, updated_ms = :now "
	"WHERE id = :id";

int point_db_device_update(struct db *db, int64_t id, const json_t *d, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_DEVICE_UPDATE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	bind_device(st, d, now_ms);
	return db_step_change(st);
}

static const char SQL_DEVICE_GET[] = DEVICE_SELECT "WHERE d.id = :id";

int point_db_device_get(struct db *db, int64_t id, json_t **out)
{
	return get_by_id(db, SQL_DEVICE_GET, device_row, id, out);
}

static const char SQL_DEVICE_USED[] = "SELECT COUNT(*) FROM monitor_point WHERE device_id = :id";
static const char SQL_DEVICE_DELETE[] = "DELETE FROM monitor_device WHERE id = :id";

/* Deletes with del(:id) unless count(:id) > 0. */
static int delete_unless(struct db *db, const char *count, const char *del, int64_t id)
{
	struct db_stmt *st = db_stmt(db, count);
	int64_t n = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_i64(st, &n);
	if (rc < 0)
		return rc;
	if (n > 0)
		return ERR_CONFLICT;
	st = db_stmt(db, del);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_change(st);
}

int point_db_device_delete(struct db *db, int64_t id)
{
	return delete_unless(db, SQL_DEVICE_USED, SQL_DEVICE_DELETE, id);
}

static const char SQL_DEVICE_LIST[] = DEVICE_SELECT
	"WHERE " MONITOR_SCOPE_WHERE "AND (:q IS NULL OR d.name LIKE :q ESCAPE '\\') "
	"AND (:after IS NULL OR d.id > :after) ORDER BY d.id LIMIT :limit";
static const char SQL_DEVICE_LIST_DESC[] = DEVICE_SELECT
	"WHERE " MONITOR_SCOPE_WHERE "AND (:q IS NULL OR d.name LIKE :q ESCAPE '\\') "
	"AND (:after IS NULL OR d.id < :after) ORDER BY d.id DESC LIMIT :limit";

int point_db_device_list(struct db *db, const struct point_filter *f, const struct list_params *lp,
			 json_t **items)
{
	struct db_stmt *st = db_stmt(db, lp->desc ? SQL_DEVICE_LIST_DESC : SQL_DEVICE_LIST);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_scope(st, f);
	db_bind_text(st, ":q", f->q_like);
	db_bind_page(st, lp);
	return db_rows_json(st, device_row, items);
}

/* ------------------------------------------------------------ points */

#define POINT_SELECT                                                                            \
	"SELECT p.id, p.enterprise_id, e.name, p.device_id, p.installation_id, i.name, p.tag, " \
	"p.name, p.kind, p.gas, p.unit, p.range_lo, p.range_hi, p.high1, p.high2, p.low1, "     \
	"p.low2, p.deadband, p.on_delay_ms, p.off_delay_ms, p.comms_timeout_ms, "               \
	"p.setpoint_source, p.reg_kind, p.reg_addr, p.reg_type, p.reg_scale, p.reg_offset, "    \
	"p.lon, p.lat, p.active, p.created_ms, p.updated_ms, d.protocol, "                      \
	"e.uscc, e.region_code, COALESCE(e.grid_id, 0) "                                        \
	"FROM monitor_point p JOIN enterprise e ON e.id = p.enterprise_id "                     \
	"LEFT JOIN monitor_device d ON d.id = p.device_id "                                     \
	"LEFT JOIN mhi_installation i ON i.id = p.installation_id "

static json_t *point_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			      "enterprise_id", (json_int_t)db_col_i64(st, 1), "enterprise_name",
			      db_col_text(st, 2));

	json_object_set_new(o, "device_id", int_or_null(st, 3));
	json_object_set_new(o, "installation_id", int_or_null(st, 4));
	json_object_set_new(o, "installation_name", text_or_null(st, 5));
	json_object_set_new(o, "tag", json_string(db_col_text(st, 6)));
	json_object_set_new(o, "name", json_string(db_col_text(st, 7)));
	json_object_set_new(o, "kind", json_string(db_col_text(st, 8)));
	json_object_set_new(o, "gas", text_or_null(st, 9));
	json_object_set_new(o, "unit", json_string(db_col_text(st, 10)));
	json_object_set_new(o, "range_lo", json_real(db_col_f64(st, 11)));
	json_object_set_new(o, "range_hi", json_real(db_col_f64(st, 12)));
	json_object_set_new(o, "high1", real_or_null(st, 13));
	json_object_set_new(o, "high2", real_or_null(st, 14));
	json_object_set_new(o, "low1", real_or_null(st, 15));
	json_object_set_new(o, "low2", real_or_null(st, 16));
	json_object_set_new(o, "deadband", json_real(db_col_f64(st, 17)));
	json_object_set_new(o, "on_delay_ms", json_integer(db_col_i64(st, 18)));
	json_object_set_new(o, "off_delay_ms", json_integer(db_col_i64(st, 19)));
	json_object_set_new(o, "comms_timeout_ms", json_integer(db_col_i64(st, 20)));
	json_object_set_new(o, "setpoint_source", json_string(db_col_text(st, 21)));
	json_object_set_new(o, "reg_kind", text_or_null(st, 22));
	json_object_set_new(o, "reg_addr", int_or_null(st, 23));
	json_object_set_new(o, "reg_type", text_or_null(st, 24));
	json_object_set_new(o, "reg_scale", json_real(db_col_f64(st, 25)));
	json_object_set_new(o, "reg_offset", json_real(db_col_f64(st, 26)));
	json_object_set_new(o, "lon", real_or_null(st, 27));
	json_object_set_new(o, "lat", real_or_null(st, 28));
	json_object_set_new(o, "active", json_boolean(db_col_i64(st, 29) != 0));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, 30)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, 31)));
	json_object_set_new(o, "_protocol", text_or_null(st, 32));
	scope_cols(o, st, 33);
	return o;
}

static void bind_point(struct db_stmt *st, const json_t *p, int64_t now_ms)
{
	const json_t *active = json_object_get(p, "active");
	const json_t *scale = json_object_get(p, "reg_scale"),
		     *off = json_object_get(p, "reg_offset");

	db_bind_id_or_null(st, ":device", json_i64(p, "device_id", 0));
	db_bind_id_or_null(st, ":installation", json_i64(p, "installation_id", 0));
	db_bind_text(st, ":tag", json_str(p, "tag"));
	db_bind_text(st, ":name", json_str(p, "name"));
	db_bind_text(st, ":kind", json_str(p, "kind"));
	db_bind_text(st, ":gas", json_str(p, "gas"));
	db_bind_text(st, ":unit", json_str(p, "unit"));
	bind_num(st, ":range_lo", p, "range_lo");
	bind_num(st, ":range_hi", p, "range_hi");
	bind_num(st, ":high1", p, "high1");
	bind_num(st, ":high2", p, "high2");
	bind_num(st, ":low1", p, "low1");
	bind_num(st, ":low2", p, "low2");
	db_bind_f64(st, ":deadband",
		    json_is_number(json_object_get(p, "deadband"))
			    ? json_number_value(json_object_get(p, "deadband"))
			    : 0);
	db_bind_i64(st, ":on_delay", json_i64(p, "on_delay_ms", 0));
	db_bind_i64(st, ":off_delay", json_i64(p, "off_delay_ms", 0));
	db_bind_i64(st, ":comms", json_i64(p, "comms_timeout_ms", 0));
	db_bind_text(st, ":source", json_str(p, "setpoint_source"));
	db_bind_text(st, ":reg_kind", json_str(p, "reg_kind"));
	bind_int(st, ":reg_addr", p, "reg_addr");
	db_bind_text(st, ":reg_type", json_str(p, "reg_type"));
	db_bind_f64(st, ":reg_scale", json_is_number(scale) ? json_number_value(scale) : 1);
	db_bind_f64(st, ":reg_offset", json_is_number(off) ? json_number_value(off) : 0);
	bind_num(st, ":lon", p, "lon");
	bind_num(st, ":lat", p, "lat");
	db_bind_i64(st, ":active", active == NULL || json_is_true(active) ? 1 : 0);
	db_bind_i64(st, ":now", now_ms);
}

static const char SQL_POINT_INSERT[] =
	"INSERT INTO monitor_point (enterprise_id, device_id, installation_id, tag, name, kind, "
	"gas, unit, range_lo, range_hi, high1, high2, low1, low2, deadband, on_delay_ms, "
	"off_delay_ms, comms_timeout_ms, setpoint_source, reg_kind, reg_addr, reg_type, "
	"reg_scale, reg_offset, lon, lat, active, created_ms, updated_ms) VALUES (:eid, :device, "
	":installation, :tag, :name, :kind, :gas, :unit, :range_lo, :range_hi, :high1, :high2, "
	":low1, :low2, :deadband, :on_delay, :off_delay, :comms, :source, :reg_kind, :reg_addr, "
	":reg_type, :reg_scale, :reg_offset, :lon, :lat, :active, :now, :now)";

int point_db_point_insert(struct db *db, int64_t enterprise_id, const json_t *p, int64_t now_ms,
			  int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	bind_point(st, p, now_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_POINT_UPDATE[] =
	"UPDATE monitor_point SET device_id = :device, installation_id = :installation, "
	"tag = :tag, name = :name, kind = :kind, gas = :gas, unit = :unit, range_lo = :range_lo, "
	"range_hi = :range_hi, high1 = :high1, high2 = :high2, low1 = :low1, low2 = :low2, "
	"deadband = :deadband, on_delay_ms = :on_delay, off_delay_ms = :off_delay, "
	"comms_timeout_ms = :comms, setpoint_source = :source, reg_kind = :reg_kind, "
	"reg_addr = :reg_addr, reg_type = :reg_type, reg_scale = :reg_scale, "
	"reg_offset = :reg_offset, lon = :lon, lat = :lat, active = :active, updated_ms = :now "
	"WHERE id = :id";

int point_db_point_update(struct db *db, int64_t id, const json_t *p, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT_UPDATE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	bind_point(st, p, now_ms);
	return db_step_change(st);
}

static const char SQL_POINT_GET[] = POINT_SELECT "WHERE p.id = :id";

int point_db_point_get(struct db *db, int64_t id, json_t **out)
{
	return get_by_id(db, SQL_POINT_GET, point_row, id, out);
}

static const char SQL_POINT_USED[] =
	"SELECT (SELECT COUNT(*) FROM soe WHERE point_id = :id) + "
	"(SELECT COUNT(*) FROM setpoint_change WHERE point_id = :id) + "
	"(SELECT COUNT(*) FROM reading_point WHERE point_id = :id)";
static const char SQL_POINT_DELETE[] = "DELETE FROM monitor_point WHERE id = :id";

int point_db_point_delete(struct db *db, int64_t id)
{
	return delete_unless(db, SQL_POINT_USED, SQL_POINT_DELETE, id);
}

#define POINT_WHERE                                                                     \
	"WHERE " MONITOR_SCOPE_WHERE "AND (:device IS NULL OR p.device_id = :device) "  \
	"AND (:installation IS NULL OR p.installation_id = :installation) "             \
	"AND (:kind IS NULL OR p.kind = :kind) AND (:active_only = 0 OR p.active = 1) " \
	"AND (:q IS NULL OR p.tag LIKE :q ESCAPE '\\' OR p.name LIKE :q ESCAPE '\\') "

static const char SQL_POINT_LIST[] = POINT_SELECT POINT_WHERE
	"AND (:after IS NULL OR p.id > :after) ORDER BY p.id LIMIT :limit";
static const char SQL_POINT_LIST_DESC[] = POINT_SELECT POINT_WHERE
	"AND (:after IS NULL OR p.id < :after) ORDER BY p.id DESC LIMIT :limit";

int point_db_point_list(struct db *db, const struct point_filter *f, const struct list_params *lp,
			json_t **items)
{
	struct db_stmt *st = db_stmt(db, lp->desc ? SQL_POINT_LIST_DESC : SQL_POINT_LIST);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_scope(st, f);
	db_bind_id_or_null(st, ":device", f->device_id);
	db_bind_id_or_null(st, ":installation", f->installation_id);
	db_bind_text(st, ":kind", f->kind);
	db_bind_i64(st, ":active_only", f->active_only ? 1 : 0);
	db_bind_text(st, ":q", f->q_like);
	db_bind_page(st, lp);
	return db_rows_json(st, point_row, items);
}

/* ------------------------------------------------------------ set point changes */

static const char SQL_CHANGE_INSERT[] =
	"INSERT INTO setpoint_change (point_id, user_id, reason, before, after, changed_ms) "
	"VALUES (:point, :user, :reason, :before, :after, :now)";

int point_db_setpoint_change(struct db *db, int64_t point_id, int64_t user_id, const char *reason,
			     const json_t *before, const json_t *after, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_CHANGE_INSERT);
	char *b = json_dump_compact(before), *a = json_dump_compact(after);
	int rc = ERR_DB;

	if (st != NULL) {
		db_bind_i64(st, ":point", point_id);
		db_bind_id_or_null(st, ":user", user_id);
		db_bind_text(st, ":reason", reason);
		db_bind_text(st, ":before", b);
		db_bind_text(st, ":after", a);
		db_bind_i64(st, ":now", now_ms);
		rc = db_step_done(st);
	}
	free(b);
	free(a);
	return rc;
}

static json_t *change_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I}", "id", (json_int_t)db_col_i64(st, 0), "point_id",
			      (json_int_t)db_col_i64(st, 1));

	json_object_set_new(o, "user_id", int_or_null(st, 2));
	json_object_set_new(o, "user_name", text_or_null(st, 3));
	json_object_set_new(o, "reason", json_string(db_col_text(st, 4)));
	json_object_set_new(o, "before", json_loads(db_col_text(st, 5), 0, NULL));
	json_object_set_new(o, "after", json_loads(db_col_text(st, 6), 0, NULL));
	json_object_set_new(o, "changed_ms", json_integer(db_col_i64(st, 7)));
	return o;
}

static const char SQL_CHANGES[] =
	"SELECT c.id, c.point_id, c.user_id, COALESCE(NULLIF(u.display_name, ''), u.login), "
	"c.reason, c.before, c.after, c.changed_ms FROM setpoint_change c "
	"LEFT JOIN app_user u ON u.id = c.user_id WHERE c.point_id = :point "
	"AND (:after IS NULL OR c.id < :after) ORDER BY c.id DESC LIMIT :limit";

int point_db_setpoint_changes(struct db *db, int64_t point_id, const struct list_params *lp,
			      json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_CHANGES);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":point", point_id);
	db_bind_page(st, lp);
	return db_rows_json(st, change_row, items);
}

/* ------------------------------------------------------------ SOE */

#define SOE_SELECT                                                                              \
	"SELECT s.id, s.point_id, p.tag, p.name, s.enterprise_id, e.name, s.source_ms, s.seq, " \
	"s.sub, s.value, s.from_state, s.to_state, s.from_cond, s.to_cond, s.cause, s.action, " \
	"s.until_ms, COALESCE(NULLIF(u.display_name, ''), u.login), s.comment, h.hazard_id, "   \
	"e.uscc, e.region_code, COALESCE(e.grid_id, 0), p.unit, hz.number "                     \
	"FROM soe s JOIN enterprise e ON e.id = s.enterprise_id "                               \
	"LEFT JOIN monitor_point p ON p.id = s.point_id "                                       \
	"LEFT JOIN app_user u ON u.id = s.user_id "                                             \
	"LEFT JOIN alarm_hazard h ON h.soe_id = s.id "                                          \
	"LEFT JOIN hazard hz ON hz.id = h.hazard_id "

static const char *state_name(int64_t v)
{
	return v >= 0 && v < ALARM_STATE_COUNT_ ? alarm_state_name((enum alarm_state)v) : "normal";
}

static const char *cond_name(int64_t v)
{
	return v >= 0 && v < ALARM_COND_COUNT_ ? alarm_cond_name((enum alarm_cond)v) : "normal";
}

static json_t *soe_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I}", "id", (json_int_t)db_col_i64(st, 0), "point_id",
			      (json_int_t)db_col_i64(st, 1));

	json_object_set_new(o, "tag", text_or_null(st, 2));
	json_object_set_new(o, "point_name", text_or_null(st, 3));
	json_object_set_new(o, "enterprise_id", json_integer(db_col_i64(st, 4)));
	json_object_set_new(o, "enterprise_name", json_string(db_col_text(st, 5)));
	json_object_set_new(o, "source_ms", json_integer(db_col_i64(st, 6)));
	json_object_set_new(o, "seq", json_integer(db_col_i64(st, 7)));
	json_object_set_new(o, "sub", json_integer(db_col_i64(st, 8)));
	json_object_set_new(o, "value", real_or_null(st, 9));
	json_object_set_new(o, "from_state", json_string(state_name(db_col_i64(st, 10))));
	json_object_set_new(o, "to_state", json_string(state_name(db_col_i64(st, 11))));
	json_object_set_new(o, "from_cond", json_string(cond_name(db_col_i64(st, 12))));
	json_object_set_new(o, "to_cond", json_string(cond_name(db_col_i64(st, 13))));
	json_object_set_new(o, "cause", json_string(db_col_text(st, 14)));
	json_object_set_new(o, "action", text_or_null(st, 15));
	json_object_set_new(o, "until_ms", int_or_null(st, 16));
	json_object_set_new(o, "user_name", text_or_null(st, 17));
	json_object_set_new(o, "comment", text_or_null(st, 18));
	json_object_set_new(o, "hazard_id", int_or_null(st, 19));
	json_object_set_new(o, "hazard_number", text_or_null(st, 24));
	scope_cols(o, st, 20);
	json_object_set_new(o, "_unit", text_or_null(st, 23));
	json_object_set_new(o, "_from_state", json_integer(db_col_i64(st, 10)));
	json_object_set_new(o, "_to_state", json_integer(db_col_i64(st, 11)));
	json_object_set_new(o, "_from_cond", json_integer(db_col_i64(st, 12)));
	json_object_set_new(o, "_to_cond", json_integer(db_col_i64(st, 13)));
	return o;
}

#define SOE_WHERE                                                                             \
	"WHERE " MONITOR_SCOPE_WHERE "AND (:point IS NULL OR s.point_id = :point) "           \
	"AND (:from IS NULL OR s.source_ms >= :from) AND (:to IS NULL OR s.source_ms < :to) " \
	"AND (:cause IS NULL OR s.cause = :cause) "                                           \
	"AND (:to_state IS NULL OR s.to_state = :to_state) "                                  \
	"AND (:to_cond IS NULL OR s.to_cond = :to_cond) "

/* The keyset in SOE order: the rows after (or before) the cursor row :after. */
static const char SQL_SOE_ASC[] = SOE_SELECT SOE_WHERE
	"AND (:after IS NULL OR (s.source_ms, s.seq, s.sub, s.point_id) > "
	"(SELECT c.source_ms, c.seq, c.sub, c.point_id FROM soe c WHERE c.id = :after)) "
	"ORDER BY s.source_ms, s.seq, s.sub, s.point_id LIMIT :limit";
static const char SQL_SOE_DESC[] = SOE_SELECT SOE_WHERE
	"AND (:after IS NULL OR (s.source_ms, s.seq, s.sub, s.point_id) < "
	"(SELECT c.source_ms, c.seq, c.sub, c.point_id FROM soe c WHERE c.id = :after)) "
	"ORDER BY s.source_ms DESC, s.seq DESC, s.sub DESC, s.point_id DESC LIMIT :limit";

int point_db_soe_list(struct db *db, const struct soe_filter *f, const struct list_params *lp,
		      json_t **items)
{
	struct db_stmt *st = db_stmt(db, f->asc ? SQL_SOE_ASC : SQL_SOE_DESC);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_scope(st, &f->pf);
	db_bind_id_or_null(st, ":point", f->point_id);
	if (f->has_from)
		db_bind_i64(st, ":from", f->from_ms);
	else
		db_bind_null(st, ":from");
	if (f->has_to)
		db_bind_i64(st, ":to", f->to_ms);
	else
		db_bind_null(st, ":to");
	db_bind_text(st, ":cause", f->cause);
	if (f->to_state >= 0)
		db_bind_i64(st, ":to_state", f->to_state);
	else
		db_bind_null(st, ":to_state");
	if (f->to_cond >= 0)
		db_bind_i64(st, ":to_cond", f->to_cond);
	else
		db_bind_null(st, ":to_cond");
	db_bind_page(st, lp);
	return db_rows_json(st, soe_row, items);
}

static const char SQL_SOE_GET[] = SOE_SELECT "WHERE s.id = :id";

int point_db_soe_get(struct db *db, int64_t id, json_t **out)
{
	return get_by_id(db, SQL_SOE_GET, soe_row, id, out);
}

static const char SQL_ALARM_HAZARD[] =
	"INSERT INTO alarm_hazard (soe_id, point_id, hazard_id, user_id, created_ms) "
	"VALUES (:soe, :point, :hazard, :user, :now)";

int point_db_alarm_hazard(struct db *db, int64_t soe_id, int64_t point_id, int64_t hazard_id,
			  int64_t user_id, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_ALARM_HAZARD);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":soe", soe_id);
	db_bind_i64(st, ":point", point_id);
	db_bind_i64(st, ":hazard", hazard_id);
	db_bind_id_or_null(st, ":user", user_id);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}
