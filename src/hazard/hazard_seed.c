/* SPDX-License-Identifier: MIT */
/*
 * The SQL of seeded hazards (hazard_seed.h): a hazard with its whole history in one
 * call, for the demo city. Bound parameters only; the caller's transaction.
 */
#define LOG_MODULE "hazard"
#include "hazard/hazard_seed.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "db/db.h"
#include "hazard/hazard_db.h"
#include "hazard/photo.h"
#include "core/banned.h"

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static const char SQL_SEQ_NEXT[] =
	"INSERT INTO hazard_seq (region_code, year, last) VALUES (:region, :year, 1) "
	"ON CONFLICT (region_code, year) DO UPDATE SET last = hazard_seq.last + 1";
static const char SQL_SEQ_GET[] =
	"SELECT last FROM hazard_seq WHERE region_code = :region AND year = :year";

/* The next sequence number of (region, year). */
static int seq_next(struct db *db, const char *region, int year, int64_t *seq)
{
	struct db_stmt *st = db_stmt(db, SQL_SEQ_NEXT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":region", region);
	db_bind_i64(st, ":year", year);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_SEQ_GET);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":region", region);
	db_bind_i64(st, ":year", year);
	return db_step_i64(st, seq);
}

static const char SQL_INSERT[] =
	"INSERT INTO hazard (number, enterprise_id, region_code, grid_id, industry_code, source, "
	"reporter_id, found_ms, location, lat, lon, category, subcategory, level, criterion_id, "
	"criterion_text, description, state, measures, responsible, funds_yuan, emergency, "
	"deadline, extension_pending, pending_deadline, extension_requests, rectifier_id, "
	"verifier_id, send_backs, closed_ms, created_ms, updated_ms) VALUES (:number, "
	":enterprise_id, :region_code, :grid_id, :industry_code, :source, :reporter_id, "
	":found_ms, :location, :lat, :lon, :category, :subcategory, :level, :criterion_id, "
	":criterion_text, :description, :state, :measures, :responsible, :funds_yuan, "
	":emergency, :deadline, :extension_pending, :pending_deadline, :extension_requests, "
	":rectifier_id, :verifier_id, :send_backs, :closed_ms, :created_ms, :updated_ms)";

static int insert_row(struct db *db, const struct hazard_seed *h, const char *number, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":number", number);
	db_bind_i64(st, ":enterprise_id", h->enterprise_id);
	db_bind_text(st, ":region_code", h->region_code);
	db_bind_id_or_null(st, ":grid_id", h->grid_id);
	db_bind_text(st, ":industry_code", h->industry_code);
	db_bind_text(st, ":source", h->source);
	db_bind_id_or_null(st, ":reporter_id", h->reporter_id);
	db_bind_i64(st, ":found_ms", h->found_ms);
	db_bind_text(st, ":location", or_empty(h->location));
	if (h->has_point) {
		db_bind_f64(st, ":lat", h->lat);
		db_bind_f64(st, ":lon", h->lon);
	} else {
		db_bind_null(st, ":lat");
		db_bind_null(st, ":lon");
	}
	db_bind_text(st, ":category", h->category);
	db_bind_text(st, ":subcategory", or_empty(h->subcategory));
	db_bind_text(st, ":level", h->level == HAZARD_MAJOR ? "major" : "general");
	db_bind_id_or_null(st, ":criterion_id", h->criterion_id);
	db_bind_text(st, ":criterion_text", or_empty(h->criterion_text));
	db_bind_text(st, ":description", h->description);
	db_bind_text(st, ":state", hazard_state_name(h->state));
	db_bind_text(st, ":measures", h->measures);
	db_bind_text(st, ":responsible", h->responsible);
	if (h->funds_yuan >= 0)
		db_bind_i64(st, ":funds_yuan", h->funds_yuan);
	else
		db_bind_null(st, ":funds_yuan");
	db_bind_text(st, ":emergency", h->emergency);
	db_bind_text(st, ":deadline", h->deadline);
	db_bind_i64(st, ":extension_pending", h->extension_pending ? 1 : 0);
	db_bind_text(st, ":pending_deadline", h->pending_deadline);
	db_bind_i64(st, ":extension_requests", h->extension_requests);
	db_bind_id_or_null(st, ":rectifier_id", h->rectifier_id);
	db_bind_id_or_null(st, ":verifier_id", h->verifier_id);
	db_bind_i64(st, ":send_backs", h->send_backs);
	db_bind_id_or_null(st, ":closed_ms", h->closed_ms);
	db_bind_i64(st, ":created_ms", h->created_ms);
	db_bind_i64(st, ":updated_ms", h->updated_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_EVENT[] =
	"INSERT INTO hazard_event (hazard_id, at_ms, actor_id, actor_login, action, from_state, "
	"to_state, reason, detail) VALUES (:hazard_id, :at_ms, :actor_id, :actor_login, :action, "
	":from_state, :to_state, :reason, :detail)";

static int insert_event(struct db *db, int64_t hazard_id, const struct hazard_seed_event *e,
			int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_EVENT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard_id", hazard_id);
	db_bind_i64(st, ":at_ms", e->at_ms);
	db_bind_id_or_null(st, ":actor_id", e->actor_id);
	db_bind_text(st, ":actor_login", e->actor_login ? e->actor_login : "system");
	db_bind_text(st, ":action", e->action);
	db_bind_text(st, ":from_state", e->from_state);
	db_bind_text(st, ":to_state", e->to_state);
	db_bind_text(st, ":reason", or_empty(e->reason));
	db_bind_text(st, ":detail", e->detail ? e->detail : "{}");
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_SUPERVISION[] =
	"INSERT INTO hazard_supervision (hazard_id, state, reason, proposed_ms, leader_id, "
	"deadline, listed_ms, progress, note) VALUES (:hazard_id, :state, :reason, :proposed_ms, "
	":leader_id, :deadline, :listed_ms, :progress, :note)";

static int insert_supervision(struct db *db, int64_t hazard_id,
			      const struct hazard_seed_supervision *s)
{
	struct db_stmt *st = db_stmt(db, SQL_SUPERVISION);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":hazard_id", hazard_id);
	db_bind_text(st, ":state", s->state);
	db_bind_text(st, ":reason", s->reason);
	db_bind_i64(st, ":proposed_ms", s->proposed_ms);
	db_bind_id_or_null(st, ":leader_id", s->leader_id);
	db_bind_text(st, ":deadline", s->deadline);
	db_bind_id_or_null(st, ":listed_ms", s->listed_ms);
	db_bind_text(st, ":progress", or_empty(s->progress));
	db_bind_text(st, ":note", or_empty(s->note));
	return db_step_done(st);
}

int hazard_seed_insert(struct db *db, const struct hazard_seed *h, int64_t *id,
		       char number[HAZARD_NUMBER_MAX])
{
	int64_t seq = 0, events[HAZARD_SEED_MAX_EVENTS];
	int rc;

	number[0] = '\0';
	*id = 0;
	if (h->nevents > HAZARD_SEED_MAX_EVENTS)
		return ERR_INVALID;
	for (size_t i = 0; i < h->nphotos; i++)
		if (h->photos[i].event >= h->nevents)
			return ERR_INVALID;
	rc = seq_next(db, h->number_region, h->number_year, &seq);
	if (rc == 0)
		rc = hazard_number_build(h->number_region, h->number_year, seq, number,
					 HAZARD_NUMBER_MAX);
	if (rc == 0)
		rc = insert_row(db, h, number, id);
	for (size_t i = 0; rc == 0 && i < h->nevents; i++)
		rc = insert_event(db, *id, &h->events[i], &events[i]);
	if (rc == 0 && h->supervision)
		rc = insert_supervision(db, *id, h->supervision);
	for (size_t i = 0; rc == 0 && i < h->nphotos; i++) {
		const struct hazard_seed_photo *p = &h->photos[i];

		rc = hazard_db_photo_link(db, *id, p->sha256, p->stage, events[p->event],
					  h->events[p->event].at_ms);
	}
	return rc;
}

static const char SQL_CRIT_SET[] =
	"SELECT set_code FROM hazard_criterion_industry WHERE substr(:industry, 1, "
	"length(industry_prefix)) = industry_prefix ORDER BY set_code LIMIT 1";
static const char SQL_CRIT_COUNT[] = "SELECT COUNT(*) FROM hazard_criterion WHERE set_code = :set";
static const char SQL_CRIT_ITEM[] =
	"SELECT id, doc, topic_zh FROM hazard_criterion WHERE set_code = :set ORDER BY item "
	"LIMIT 1 OFFSET :k";

int hazard_seed_criterion(struct db *db, const char *industry_code, int item, int64_t *id,
			  char *doc, char *topic, size_t n)
{
	struct db_stmt *st = db_stmt(db, SQL_CRIT_SET);
	char set[64];
	int64_t count = 0;
	int rc;

	*id = 0;
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":industry", industry_code);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	utf8_copy(set, sizeof(set), or_empty(db_col_text(st, 0)));
	db_reset(st);
	st = db_stmt(db, SQL_CRIT_COUNT);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":set", set);
	rc = db_step_i64(st, &count);
	if (rc < 0)
		return rc;
	if (count <= 0)
		return ERR_NOT_FOUND;
	st = db_stmt(db, SQL_CRIT_ITEM);
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":set", set);
	db_bind_i64(st, ":k", ((int64_t)(item > 0 ? item : 1) - 1) % count);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	*id = db_col_i64(st, 0);
	utf8_copy(doc, n, or_empty(db_col_text(st, 1)));
	utf8_copy(topic, n, or_empty(db_col_text(st, 2)));
	db_reset(st);
	return 0;
}

int hazard_seed_photo_add(struct db *db, const struct photo_info *info, int64_t uploader_id,
			  int64_t now_ms)
{
	int rc;

	if (hazard_db_photo_exists(db, info->sha256)) /* stored: one more uploader, if any */
		return uploader_id > 0
			       ? hazard_db_photo_upload_add(db, info->sha256, uploader_id, now_ms)
			       : 0;
	rc = hazard_db_photo_insert(db, info->sha256, info->mime, info->bytes, info->width,
				    info->height, info->has_location, uploader_id, now_ms);
	return rc == ERR_CONFLICT ? 0 : rc;
}
