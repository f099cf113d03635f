/* SPDX-License-Identifier: MIT */
/* The SQL of the monitoring runtime: see monitor_db.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "db/db.h"
#include "monitor/alarm_names.h"
#include "monitor/monitor_db.h"
#include "core/banned.h"

static const char SQL_POINTS[] =
	"SELECT p.id, p.enterprise_id, p.tag, p.name, e.name, e.uscc, p.kind, p.range_lo, "
	"p.range_hi, p.high1, p.high2, p.low1, p.low2, p.deadband, p.on_delay_ms, "
	"p.off_delay_ms, p.comms_timeout_ms FROM monitor_point p "
	"JOIN enterprise e ON e.id = p.enterprise_id "
	"WHERE p.active = 1 AND (:id = 0 OR p.id = :id) ORDER BY p.id";

static double col_sp(struct db_stmt *s, int col)
{
	return db_col_null(s, col) ? NAN : db_col_f64(s, col);
}

static uint32_t col_ms(struct db_stmt *s, int col)
{
	int64_t v = db_col_i64(s, col);

	return v < 0 ? 0 : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int mon_db_points(struct db *db, int64_t only_id,
		  int (*fn)(void *ctx, const struct mon_point_row *row), void *ctx)
{
	struct db_stmt *s = db_stmt(db, SQL_POINTS);
	int rc;

	if (s == NULL)
		return ERR_DB;
	db_bind_i64(s, ":id", only_id);
	while ((rc = db_step(s)) == DB_ROW) {
		struct mon_point_row r = { 0 };
		const char *kind = db_col_text(s, 6);
		int k;

		r.id = db_col_i64(s, 0);
		r.enterprise_id = db_col_i64(s, 1);
		r.tag = db_col_text(s, 2);
		r.name = db_col_text(s, 3);
		r.enterprise_name = db_col_text(s, 4);
		r.uscc = db_col_text(s, 5);
		r.cfg.point_id = r.id;
		r.cfg.kind =
			(uint8_t)(kind && alarm_kind_parse(kind, &k) == 0 ? k : ALARM_KIND_COUNT_);
		r.cfg.range_lo = db_col_f64(s, 7);
		r.cfg.range_hi = db_col_f64(s, 8);
		r.cfg.high1 = col_sp(s, 9);
		r.cfg.high2 = col_sp(s, 10);
		r.cfg.low1 = col_sp(s, 11);
		r.cfg.low2 = col_sp(s, 12);
		r.cfg.deadband = db_col_f64(s, 13);
		r.cfg.on_delay_ms = col_ms(s, 14);
		r.cfg.off_delay_ms = col_ms(s, 15);
		r.cfg.comms_timeout_ms = col_ms(s, 16);
		rc = fn(ctx, &r);
		if (rc < 0) {
			db_reset(s);
			return rc;
		}
	}
	return rc < 0 ? ERR_DB : 0;
}

static const char SQL_ENT_USCC[] = "SELECT id FROM enterprise WHERE uscc = :uscc";

int mon_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id)
{
	struct db_stmt *s = db_stmt(db, SQL_ENT_USCC);
	int rc;

	if (s == NULL)
		return ERR_DB;
	db_bind_text(s, ":uscc", uscc);
	rc = db_step_i64(s, id);
	return rc == ERR_NOT_FOUND ? rc : rc < 0 ? ERR_DB : 0;
}

static const char SQL_SOE_INSERT[] =
	"INSERT INTO soe (point_id, enterprise_id, source_ms, seq, sub, value, from_state, "
	"to_state, from_cond, to_cond, cause, action, until_ms, user_id, comment, recorded_ms) "
	"VALUES (:point_id, :enterprise_id, :source_ms, :seq, :sub, :value, :from_state, "
	":to_state, :from_cond, :to_cond, :cause, :action, :until_ms, :user_id, :comment, "
	":recorded_ms) ON CONFLICT (point_id, seq, sub) DO NOTHING";

int mon_db_soe_insert(struct db *db, const struct mon_soe *r, int64_t recorded_ms, int64_t *id)
{
	struct db_stmt *s = db_stmt(db, SQL_SOE_INSERT);
	int rc;

	*id = 0;
	if (s == NULL)
		return ERR_DB;
	db_bind_i64(s, ":point_id", r->point_id);
	db_bind_i64(s, ":enterprise_id", r->enterprise_id);
	db_bind_i64(s, ":source_ms", r->source_ms);
	db_bind_i64(s, ":seq", (int64_t)r->seq);
	db_bind_i64(s, ":sub", r->sub);
	if (isfinite(r->value))
		db_bind_f64(s, ":value", r->value);
	else
		db_bind_null(s, ":value");
	db_bind_i64(s, ":from_state", r->from_state);
	db_bind_i64(s, ":to_state", r->to_state);
	db_bind_i64(s, ":from_cond", r->from_cond);
	db_bind_i64(s, ":to_cond", r->to_cond);
	db_bind_text(s, ":cause", r->cause);
	db_bind_text(s, ":action", r->action);
	db_bind_id_or_null(s, ":until_ms", r->until_ms);
	db_bind_id_or_null(s, ":user_id", r->user_id);
	db_bind_text(s, ":comment", r->comment);
	db_bind_i64(s, ":recorded_ms", recorded_ms);
	rc = db_step_done(s);
	if (rc < 0)
		return ERR_DB;
	if (db_changes(db) > 0)
		*id = db_last_id(db);
	return 0;
}

static const char SQL_USER_NAME[] =
	"SELECT CASE WHEN display_name <> '' THEN display_name ELSE login END FROM app_user "
	"WHERE id = :id";

int mon_db_user_name(struct db *db, int64_t user_id, char *out, size_t n)
{
	struct db_stmt *s = db_stmt(db, SQL_USER_NAME);
	int rc;

	out[0] = '\0';
	if (s == NULL)
		return ERR_DB;
	db_bind_i64(s, ":id", user_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		db_col_copy(s, 0, out, n);
		db_reset(s);
		return 0;
	}
	return rc < 0 ? ERR_DB : 0;
}

static const char SQL_LAST_SUBS[] =
	"SELECT s.point_id, s.seq, MAX(s.sub) FROM soe s "
	"JOIN (SELECT point_id, MAX(seq) AS mseq FROM soe GROUP BY point_id) m "
	"ON m.point_id = s.point_id AND s.seq = m.mseq GROUP BY s.point_id, s.seq";

int mon_db_last_subs(struct db *db,
		     int (*fn)(void *ctx, int64_t point_id, uint64_t seq, int64_t sub), void *ctx)
{
	struct db_stmt *s = db_stmt(db, SQL_LAST_SUBS);
	int rc;

	if (s == NULL)
		return ERR_DB;
	while ((rc = db_step(s)) == DB_ROW) {
		rc = fn(ctx, db_col_i64(s, 0), (uint64_t)db_col_i64(s, 1), db_col_i64(s, 2));
		if (rc < 0) {
			db_reset(s);
			return rc;
		}
	}
	return rc < 0 ? ERR_DB : 0;
}

static const char SQL_LAST_SUB_OF[] =
	"SELECT seq, MAX(sub) FROM soe WHERE point_id = :id AND seq = "
	"(SELECT MAX(seq) FROM soe WHERE point_id = :id) GROUP BY seq";

int mon_db_last_sub_of(struct db *db, int64_t point_id,
		       int (*fn)(void *ctx, int64_t point_id, uint64_t seq, int64_t sub), void *ctx)
{
	struct db_stmt *s = db_stmt(db, SQL_LAST_SUB_OF);
	int rc;

	if (s == NULL)
		return ERR_DB;
	db_bind_i64(s, ":id", point_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		rc = fn(ctx, point_id, (uint64_t)db_col_i64(s, 0), db_col_i64(s, 1));
		db_reset(s);
		return rc;
	}
	return rc < 0 ? ERR_DB : 0;
}

static const char SQL_SOE_OPS[] =
	"SELECT point_id, enterprise_id, source_ms, seq, sub, value, from_state, to_state, "
	"from_cond, to_cond, cause, action, until_ms, user_id FROM soe "
	"WHERE seq >= :seq AND cause <> 'reading' ORDER BY seq, sub, point_id";

int mon_db_soe_ops_after(struct db *db, uint64_t from_seq,
			 int (*fn)(void *ctx, const struct mon_soe *s), void *ctx)
{
	struct db_stmt *s = db_stmt(db, SQL_SOE_OPS);
	int rc;

	if (s == NULL)
		return ERR_DB;
	db_bind_i64(s, ":seq", (int64_t)from_seq);
	while ((rc = db_step(s)) == DB_ROW) {
		struct mon_soe r = { 0 };

		r.point_id = db_col_i64(s, 0);
		r.enterprise_id = db_col_i64(s, 1);
		r.source_ms = db_col_i64(s, 2);
		r.seq = (uint64_t)db_col_i64(s, 3);
		r.sub = db_col_i64(s, 4);
		r.value = db_col_null(s, 5) ? NAN : db_col_f64(s, 5);
		r.from_state = (uint8_t)db_col_i64(s, 6);
		r.to_state = (uint8_t)db_col_i64(s, 7);
		r.from_cond = (uint8_t)db_col_i64(s, 8);
		r.to_cond = (uint8_t)db_col_i64(s, 9);
		r.cause = db_col_text(s, 10);
		r.action = db_col_text(s, 11);
		r.until_ms = db_col_i64(s, 12);
		r.user_id = db_col_i64(s, 13);
		rc = fn(ctx, &r);
		if (rc < 0) {
			db_reset(s);
			return rc;
		}
	}
	return rc < 0 ? ERR_DB : 0;
}

static const char SQL_SNAP_GET[] = "SELECT seq, data FROM alarm_snapshot WHERE id = 1";
static const char SQL_SNAP_SET[] =
	"INSERT INTO alarm_snapshot (id, seq, saved_ms, data) VALUES (1, :seq, :now, :data) "
	"ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, saved_ms = excluded.saved_ms, "
	"data = excluded.data";

int mon_db_snapshot_load(struct db *db, uint64_t *seq, void **blob, size_t *n)
{
	struct db_stmt *s = db_stmt(db, SQL_SNAP_GET);
	const void *p;
	int rc;

	*blob = NULL;
	*n = 0;
	if (s == NULL)
		return ERR_DB;
	rc = db_step(s);
	if (rc != DB_ROW)
		return rc < 0 ? ERR_DB : ERR_NOT_FOUND;
	*seq = (uint64_t)db_col_i64(s, 0);
	p = db_col_blob(s, 1, n);
	*blob = xmalloc(*n ? *n : 1);
	if (*n)
		memcpy(*blob, p, *n);
	db_reset(s);
	return 0;
}

int mon_db_snapshot_save(struct db *db, uint64_t seq, int64_t saved_ms, const void *blob, size_t n)
{
	struct db_stmt *s = db_stmt(db, SQL_SNAP_SET);

	if (s == NULL)
		return ERR_DB;
	db_bind_i64(s, ":seq", (int64_t)seq);
	db_bind_i64(s, ":now", saved_ms);
	db_bind_blob(s, ":data", blob, n);
	return db_step_done(s) < 0 ? ERR_DB : 0;
}
