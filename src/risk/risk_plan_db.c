/* SPDX-License-Identifier: MIT */
/*
 * The SQL of zones, the enterprise's site plan and its risk summary (risk_db.h).
 */
#include "risk/risk_db.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/err.h"
#include "core/json.h"
#include "db/db.h"
#include "risk/risk_db_int.h"
#include "core/banned.h"

/* ------------------------------------------------------------ zones */

#define ZONE_SELECT                                                                  \
	"SELECT z.id, z.enterprise_id, z.colour, z.name, z.entry_rules, z.polygon, " \
	"e.uscc, e.region_code, e.grid_id FROM risk_zone z "                         \
	"JOIN enterprise e ON e.id = z.enterprise_id "

static json_t *zone_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)db_col_i64(st, 0),
			      "enterprise_id", (json_int_t)db_col_i64(st, 1), "colour",
			      db_col_text(st, 2), "name", db_col_text(st, 3), "entry_rules",
			      db_col_text(st, 4), "polygon", risk_db_json_col(st, 5));

	risk_db_scope_cols(o, st, 6);
	return o;
}

static void bind_zone(struct db_stmt *st, const json_t *z, char **poly)
{
	*poly = risk_db_dump_or_null(json_object_get(z, "polygon"));
	db_bind_text(st, ":colour", json_str(z, "colour"));
	db_bind_text(st, ":name", json_str(z, "name"));
	db_bind_text(st, ":rules", json_str(z, "entry_rules") ? json_str(z, "entry_rules") : "");
	db_bind_text(st, ":polygon", *poly);
}

static const char SQL_ZONE_INSERT[] =
	"INSERT INTO risk_zone (enterprise_id, colour, name, entry_rules, polygon, created_ms, "
	"updated_ms) VALUES (:eid, :colour, :name, :rules, :polygon, :now, :now)";

int risk_db_zone_insert(struct db *db, int64_t enterprise_id, const json_t *z, int64_t now_ms,
			int64_t *id)
{
	return risk_db_insert_row(db, SQL_ZONE_INSERT, bind_zone, z, enterprise_id, now_ms, id);
}

static const char SQL_ZONE_UPDATE[] =
	"UPDATE risk_zone SET colour = :colour, name = :name, entry_rules = :rules, polygon = "
	":polygon, updated_ms = :now WHERE id = :id";

int risk_db_zone_update(struct db *db, int64_t id, const json_t *z, int64_t now_ms)
{
	return risk_db_update_row(db, SQL_ZONE_UPDATE, bind_zone, z, id, now_ms);
}

static const char SQL_ZONE_DELETE[] = "DELETE FROM risk_zone WHERE id = :id";

int risk_db_zone_delete(struct db *db, int64_t id)
{
	return risk_db_delete_unless(db, NULL, SQL_ZONE_DELETE, id);
}

static const char SQL_ZONE_GET[] = ZONE_SELECT "WHERE z.id = :id";

int risk_db_zone_get(struct db *db, int64_t id, json_t **row)
{
	return risk_db_get_by_id(db, SQL_ZONE_GET, zone_row, id, row);
}

static const char SQL_ZONE_LIST[] = ZONE_SELECT "WHERE " RISK_SCOPE_WHERE
						"AND (:after IS NULL OR z.id > :after) "
						"ORDER BY z.id LIMIT :limit";
static const char SQL_ZONE_LIST_DESC[] = ZONE_SELECT "WHERE " RISK_SCOPE_WHERE
						     "AND (:after IS NULL OR z.id < :after) "
						     "ORDER BY z.id DESC LIMIT :limit";

int risk_db_zone_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		      json_t **items)
{
	return risk_db_list_page(db, SQL_ZONE_LIST, SQL_ZONE_LIST_DESC, zone_row, f, lp, items);
}

/* ------------------------------------------------------------ site plan */

static const char SQL_PHOTO_PUT[] =
	"INSERT INTO photo (sha256, mime, bytes, width, height, has_location, uploader_id, "
	"created_ms) VALUES (:sha, :mime, :bytes, :w, :h, 0, :uid, :now) "
	"ON CONFLICT (sha256) DO NOTHING";
static const char SQL_PLAN_PUT[] =
	"INSERT INTO risk_site_plan (enterprise_id, sha256, width, height, uploader_id, "
	"updated_ms) VALUES (:eid, :sha, :w, :h, :uid, :now) ON CONFLICT (enterprise_id) DO "
	"UPDATE SET sha256 = excluded.sha256, width = excluded.width, height = excluded.height, "
	"uploader_id = excluded.uploader_id, updated_ms = excluded.updated_ms";

int risk_db_site_plan_put(struct db *db, int64_t enterprise_id, const char *sha256,
			  const char *mime, int64_t bytes, int width, int height,
			  int64_t uploader_id, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_PUT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":sha", sha256);
	db_bind_text(st, ":mime", mime);
	db_bind_i64(st, ":bytes", bytes);
	db_bind_i64(st, ":w", width);
	db_bind_i64(st, ":h", height);
	db_bind_id_or_null(st, ":uid", uploader_id);
	db_bind_i64(st, ":now", now_ms);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_PLAN_PUT);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_text(st, ":sha", sha256);
	db_bind_i64(st, ":w", width);
	db_bind_i64(st, ":h", height);
	db_bind_id_or_null(st, ":uid", uploader_id);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}

static const char SQL_PLAN_GET[] =
	"SELECT r.enterprise_id, r.sha256, r.width, r.height, p.mime FROM risk_site_plan r "
	"JOIN photo p ON p.sha256 = r.sha256 WHERE r.enterprise_id = :id";

static json_t *plan_row(struct db_stmt *st)
{
	char url[96];

	snprintf(url, sizeof(url), "/api/v1/risk/enterprises/%" PRId64 "/site-plan/image",
		 db_col_i64(st, 0));
	return json_pack("{s:s, s:I, s:I, s:s, s:s}", "sha256", db_col_text(st, 1), "width",
			 (json_int_t)db_col_i64(st, 2), "height", (json_int_t)db_col_i64(st, 3),
			 "url", url, "_mime", db_col_text(st, 4));
}

int risk_db_site_plan_get(struct db *db, int64_t enterprise_id, json_t **row)
{
	return risk_db_get_by_id(db, SQL_PLAN_GET, plan_row, enterprise_id, row);
}

/* ------------------------------------------------------------ enterprise summary */

static const char SQL_SUMMARY[] =
	"SELECT e.id, e.name, e.uscc, r.grade, "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 1), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 2), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 3), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 4), "
	"(SELECT COUNT(*) FROM risk_unit u WHERE u.enterprise_id = e.id), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id) "
	"FROM enterprise e LEFT JOIN risk_enterprise r ON r.enterprise_id = e.id WHERE e.id = :id";

static json_t *summary_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "enterprise_id", (json_int_t)db_col_i64(st, 0),
			      "enterprise_name", db_col_text(st, 1), "uscc", db_col_text(st, 2));
	const char *const keys[] = { "red", "orange", "yellow", "blue", "units", "points" };

	risk_json_grade(o, db_col_null(st, 3) ? 0 : (int)db_col_i64(st, 3));
	for (int i = 0; i < 6; i++)
		json_object_set_new(o, keys[i], json_integer(db_col_i64(st, 4 + i)));
	return o;
}

int risk_db_enterprise_summary(struct db *db, int64_t enterprise_id, json_t **row)
{
	return risk_db_get_by_id(db, SQL_SUMMARY, summary_row, enterprise_id, row);
}
