/* SPDX-License-Identifier: MIT */
/* Appending to and verifying the audit chain; the audit module's SQL. */
#define LOG_MODULE "audit"
#include "audit/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "db/db.h"
#include "core/banned.h"

static const char SQL_LAST[] = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";

static const char SQL_INSERT[] =
	"INSERT INTO audit_log (id, at_ms, actor_id, actor_login, ip, action, entity, entity_id, "
	"summary, prev_hash, hash) VALUES (:id, :at_ms, :actor_id, :actor_login, :ip, :action, "
	":entity, :entity_id, :summary, :prev_hash, :hash)";

int audit_append(struct db *db, const struct audit_actor *actor, const char *action,
		 const char *entity, const char *entity_id, const json_t *summary)
{
	struct audit_record r = { 0 };
	struct db_stmt *st;
	char prev[65] = AUDIT_GENESIS_HASH, hash[65];
	char *sum = NULL, *canon = NULL;
	int64_t last_id = 0;
	int rc;

	st = db_stmt(db, SQL_LAST);
	if (st == NULL)
		return ERR_DB;
	rc = db_step(st);
	if (rc == DB_ROW) {
		last_id = db_col_i64(st, 0);
		snprintf(prev, sizeof(prev), "%s", db_col_text(st, 1));
		db_reset(st);
	} else if (rc < 0) {
		return rc;
	}
	sum = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (sum == NULL) {
		/* Never store "{}" for a change that could not be described. */
		log_error("audit summary cannot be encoded action=%s", action);
		return ERR_INTERNAL;
	}
	r.id = last_id + 1;
	r.at_ms = now_ms();
	r.actor_id = actor->id;
	r.actor_login = actor->login;
	r.ip = actor->ip;
	r.action = action;
	r.entity = entity;
	r.entity_id = entity_id;
	r.summary = sum;
	canon = audit_canonical(&r);
	audit_chain_hash(prev, canon, hash);

	st = db_stmt(db, SQL_INSERT);
	if (st == NULL) {
		rc = ERR_DB;
		goto out;
	}
	db_bind_i64(st, ":id", r.id);
	db_bind_i64(st, ":at_ms", r.at_ms);
	db_bind_id_or_null(st, ":actor_id", r.actor_id);
	db_bind_text(st, ":actor_login", r.actor_login);
	db_bind_text(st, ":ip", r.ip);
	db_bind_text(st, ":action", action);
	db_bind_text(st, ":entity", entity);
	db_bind_text(st, ":entity_id", entity_id);
	db_bind_text(st, ":summary", r.summary);
	db_bind_text(st, ":prev_hash", prev);
	db_bind_text(st, ":hash", hash);
	rc = db_step_done(st);
	if (rc < 0)
		log_error("audit record not stored action=%s err=%s", action, err_str(rc));
out:
	free(canon);
	free(sum);
	return rc;
}

static const char SQL_ALL[] = "SELECT id, at_ms, actor_id, actor_login, ip, action, entity, "
			      "entity_id, summary, prev_hash, hash FROM audit_log ORDER BY id";

int audit_verify(struct db *db, int64_t *count, int64_t *first_bad, struct errmsg *why)
{
	struct db_stmt *st;
	char prev[65] = AUDIT_GENESIS_HASH, hash[65];
	int64_t expect_id = 1, n = 0;
	int rc;

	*count = 0;
	*first_bad = 0;
	st = db_stmt(db, SQL_ALL);
	if (st == NULL)
		return ERR_DB;
	while ((rc = db_step(st)) == DB_ROW) {
		struct audit_record r;
		const char *stored_prev = db_col_text(st, 9), *stored = db_col_text(st, 10);
		char *canon;

		r.id = db_col_i64(st, 0);
		r.at_ms = db_col_i64(st, 1);
		r.actor_id = db_col_null(st, 2) ? 0 : db_col_i64(st, 2);
		r.actor_login = db_col_text(st, 3);
		r.ip = db_col_text(st, 4);
		r.action = db_col_text(st, 5);
		r.entity = db_col_text(st, 6);
		r.entity_id = db_col_text(st, 7);
		r.summary = db_col_text(st, 8);
		if (!r.actor_login || !r.ip || !r.action || !r.entity || !r.entity_id ||
		    !r.summary || !stored_prev || !stored) {
			errmsg_set(why, "", "record %" PRId64 " has a missing column", r.id);
			*first_bad = r.id;
			goto broken;
		}
		if (r.id != expect_id) {
			errmsg_set(why, "",
				   "record %" PRId64 " follows record %" PRId64
				   ": records are missing or were inserted",
				   r.id, expect_id - 1);
			*first_bad = r.id;
			goto broken;
		}
		if (strcmp(stored_prev, prev) != 0) {
			errmsg_set(why, "",
				   "record %" PRId64 " does not chain to the record before it "
				   "(deleted, inserted or reordered)",
				   r.id);
			*first_bad = r.id;
			goto broken;
		}
		canon = audit_canonical(&r);
		audit_chain_hash(prev, canon, hash);
		free(canon);
		if (strcmp(hash, stored) != 0) {
			errmsg_set(why, "", "record %" PRId64 " was changed after it was written",
				   r.id);
			*first_bad = r.id;
			goto broken;
		}
		snprintf(prev, sizeof(prev), "%s", stored);
		expect_id++;
		n++;
	}
	*count = n;
	return rc < 0 ? rc : 0;
broken:
	db_reset(st);
	*count = n;
	return ERR_CONFLICT;
}

static const char SQL_LIST_SELECT[] =
	"SELECT audit_log.id, audit_log.at_ms, audit_log.actor_id, audit_log.actor_login, "
	"audit_log.ip, audit_log.action, audit_log.entity, audit_log.entity_id, "
	"audit_log.summary, audit_log.hash FROM audit_log";
static const char SQL_LIST_WHERE[] = "(:actor IS NULL OR audit_log.actor_login = :actor) AND "
				     "(:action IS NULL OR audit_log.action = :action) AND "
				     "(:entity IS NULL OR audit_log.entity = :entity) AND "
				     "(:entity_id IS NULL OR audit_log.entity_id = :entity_id) AND "
				     "(:since_ms IS NULL OR audit_log.at_ms >= :since_ms) AND "
				     "(:until_ms IS NULL OR audit_log.at_ms < :until_ms)";

static json_t *audit_row_json(struct db_stmt *st)
{
	json_t *summary = json_loads(db_col_text(st, 8), 0, NULL);

	return json_pack("{s:I, s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "id",
			 (json_int_t)db_col_i64(st, 0), "at_ms", (json_int_t)db_col_i64(st, 1),
			 "actor_id",
			 db_col_null(st, 2) ? json_null() : json_integer(db_col_i64(st, 2)),
			 "actor", db_col_text(st, 3), "ip", db_col_text(st, 4), "action",
			 db_col_text(st, 5), "entity", db_col_text(st, 6), "entity_id",
			 db_col_text(st, 7), "summary", summary ? summary : json_object(), "hash",
			 db_col_text(st, 9));
}

static void bind_ms_or_null(struct db_stmt *st, const char *name, int64_t ms)
{
	if (ms < 0)
		db_bind_null(st, name);
	else
		db_bind_i64(st, name, ms);
}

int audit_db_list(struct db *db, const struct audit_filter *f, const struct list_params *lp,
		  json_t **items)
{
	char *sql = db_list_sql(SQL_LIST_SELECT, SQL_LIST_WHERE, "audit_log", "id", lp->desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":actor", f->actor);
	db_bind_text(st, ":action", f->action);
	db_bind_text(st, ":entity", f->entity);
	db_bind_text(st, ":entity_id", f->entity_id);
	bind_ms_or_null(st, ":since_ms", f->since_ms);
	bind_ms_or_null(st, ":until_ms", f->until_ms);
	db_bind_id_or_null(st, ":after", lp->after);
	db_bind_i64(st, ":limit", lp->limit + 1);
	return db_rows_json(st, audit_row_json, items);
}

int audit_last_id(struct db *db, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_LAST);
	int rc;

	*id = 0;
	if (st == NULL)
		return ERR_DB;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_i64(st, 0);
		db_reset(st);
		return 0;
	}
	return rc;
}

static const char SQL_GET[] =
	"SELECT audit_log.id, audit_log.at_ms, audit_log.actor_id, audit_log.actor_login, "
	"audit_log.ip, audit_log.action, audit_log.entity, audit_log.entity_id, "
	"audit_log.summary, audit_log.hash FROM audit_log WHERE audit_log.id = :id";

int audit_db_get(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = db_stmt(db, SQL_GET);
	int rc;

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	*out = audit_row_json(st);
	db_reset(st);
	return *out ? 0 : ERR_DB;
}
