/* SPDX-License-Identifier: MIT */
/* The notification table's SQL (notify.h). */
#define LOG_MODULE "notify"
#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "db/db.h"
#include "core/banned.h"

static const char SQL_ADD[] =
	"INSERT INTO notification (user_id, kind, entity, entity_id, dedup_key, title, body, "
	"created_ms) VALUES (:user_id, :kind, :entity, :entity_id, :dedup_key, :title, :body, "
	":created_ms) ON CONFLICT (user_id, dedup_key) DO NOTHING";

int notify_db_add(struct db *db, const struct notify_msg *m, int64_t created_ms, bool *added)
{
	struct db_stmt *st = db_stmt(db, SQL_ADD);
	int rc;

	*added = false;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":user_id", m->user_id);
	db_bind_text(st, ":kind", m->kind);
	db_bind_text(st, ":entity", m->entity);
	db_bind_i64(st, ":entity_id", m->entity_id);
	db_bind_text(st, ":dedup_key", m->dedup_key);
	db_bind_text(st, ":title", m->title);
	db_bind_text(st, ":body", m->body ? m->body : "");
	db_bind_i64(st, ":created_ms", created_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*added = db_changes(db) > 0;
	return rc;
}

static const char SQL_LIST[] =
	"SELECT id, kind, entity, entity_id, title, body, created_ms, read_ms FROM notification "
	"WHERE user_id = :user_id AND (:unread = 0 OR read_ms IS NULL) "
	"AND (:after IS NULL OR id < :after) ORDER BY id DESC LIMIT :limit";

static json_t *row_json(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I, s:o}", "id",
			 (json_int_t)db_col_i64(st, 0), "kind", db_col_text(st, 1), "entity",
			 db_col_text(st, 2), "entity_id", (json_int_t)db_col_i64(st, 3), "title",
			 db_col_text(st, 4), "body", db_col_text(st, 5), "created_ms",
			 (json_int_t)db_col_i64(st, 6), "read_ms",
			 db_col_null(st, 7) ? json_null() : json_integer(db_col_i64(st, 7)));
}

int notify_db_list(struct db *db, int64_t user_id, bool unread_only, const struct list_params *lp,
		   json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_LIST);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":user_id", user_id);
	db_bind_i64(st, ":unread", unread_only ? 1 : 0);
	db_bind_page(st, lp);
	return db_rows_json(st, row_json, items);
}

static const char SQL_UNREAD[] =
	"SELECT COUNT(*) FROM notification WHERE user_id = :user_id AND read_ms IS NULL";

int notify_db_unread(struct db *db, int64_t user_id, int64_t *count)
{
	struct db_stmt *st = db_stmt(db, SQL_UNREAD);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":user_id", user_id);
	return db_step_i64(st, count);
}

static const char SQL_READ[] =
	"UPDATE notification SET read_ms = COALESCE(read_ms, :now) WHERE id = :id AND "
	"user_id = :user_id";

int notify_db_read(struct db *db, int64_t user_id, int64_t id, int64_t now)
{
	struct db_stmt *st = db_stmt(db, SQL_READ);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":now", now);
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":user_id", user_id);
	return db_step_change(st);
}

static const char SQL_READ_ALL[] =
	"UPDATE notification SET read_ms = :now WHERE user_id = :user_id AND read_ms IS NULL";

int notify_db_read_all(struct db *db, int64_t user_id, int64_t now, int64_t *changed)
{
	struct db_stmt *st = db_stmt(db, SQL_READ_ALL);
	int rc;

	*changed = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":now", now);
	db_bind_i64(st, ":user_id", user_id);
	rc = db_step_done(st);
	if (rc == 0)
		*changed = db_changes(db);
	return rc;
}
