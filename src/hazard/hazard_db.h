/* SPDX-License-Identifier: MIT */
/*
 * Storage of hidden hazards (schema: migration 0008): every SQL statement of the
 * hazard module. Rows come back as JSON objects in the shape of the API (docs/api.md,
 * docs/hazard.md) without the fields computed when read (deadline_state, days_left,
 * allowed_actions), which hazard_api.c adds.
 *
 * Other branches use: hazard_db_insert() (a hazard and its 'report' event inside the
 * caller's open write transaction: the demo city), hazard_db_event_add() (a timeline
 * row), hazard_db_get() (one hazard) and hazard_criteria_load() (start-up).
 * Names here are kept stable.
 */
#ifndef HAZARD_HAZARD_DB_H
#define HAZARD_HAZARD_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hazard/hazard.h"

struct db;
struct list_params;

/* struct hazard_new (a new hazard) is in hazard/hazard.h: the report path exports it. */

/*
 * Inserts h as a new hazard in state 'reported', numbered YH-<region_code>-<year>-<seq>
 * (hazard_number_build) with the next sequence of (region_code, year) from hazard_seq,
 * and its timeline row (action 'report', to_state 'reported', audit_id NULL: set it with
 * hazard_db_event_set_audit() after audit_record()). Must run inside the caller's write
 * transaction (db_begin): numbering, row and event commit together or not at all.
 * Writes no audit record and no photos (hazard_db_photo_link()).
 * Returns 0 with *id and number (HAZARD_NUMBER_MAX bytes) set, ERR_CONFLICT (client_ref
 * taken), ERR_INVALID (a check or foreign key failed) or ERR_DB.
 */
int hazard_db_insert(struct db *db, const struct hazard_new *h, int64_t *id, char *number,
		     int64_t *event_id);

/*
 * Appends a timeline row. actor_id 0 = the system; detail is a JSON object text (NULL =
 * "{}"); from/to may be NULL. Returns 0 with *event_id set (event_id may be NULL) or ERR_DB.
 */
int hazard_db_event_add(struct db *db, int64_t hazard_id, int64_t at_ms, int64_t actor_id,
			const char *actor_login, const char *action, const char *from_state,
			const char *to_state, const char *reason, const char *detail,
			int64_t *event_id);
/* Sets the audit record of event_id. Returns 0 or ERR_DB. */
int hazard_db_event_set_audit(struct db *db, int64_t event_id, int64_t audit_id);

/*
 * One hazard as a JSON object (the API's hazard minus the computed fields), with two
 * internal members the API removes before answering: "_uscc" (the enterprise's code, for
 * the scope check) and "_supervising_dept_id". Returns 0 with *out owned, ERR_NOT_FOUND
 * or ERR_DB.
 */
int hazard_db_get(struct db *db, int64_t id, json_t **out);
/*
 * Sets risk_point_id, risk_point_name and check_task_id (each null when none) of hazard id
 * on h: the risk check that found it (issue 5 §4). Returns 0, ERR_NOT_FOUND or ERR_DB.
 */
int hazard_db_risk_link(struct db *db, int64_t id, json_t *h);
/* The id of the hazard reported with client_ref, and its reporter. Returns 0 or ERR_NOT_FOUND. */
int hazard_db_by_client_ref(struct db *db, const char *client_ref, int64_t *id,
			    int64_t *reporter_id);

/* Filters of the hazard list (all optional: NULL / 0 / -1 = none). Strings borrowed. */
struct hazard_filter {
	const char *states[HAZARD_STATE_COUNT_ + 1]; /* state IN (...), NULL-terminated */
	const char *level, *source, *category;
	const char *region_from, *region_to; /* region_code in [from, to): a code prefix's range */
	int64_t grid_id;
	int64_t enterprise_id;
	const char *industry_from, *industry_to; /* industry_code in [from, to) */
	const char *deadline_from, *deadline_to; /* open hazards with deadline in [from, to] */
	const char *q_number, *q_like;		 /* number = q, or description LIKE q_like */
	int64_t found_from_ms, found_to_ms;	 /* found_ms in [from, to), -1 = none */
	const char *supervision;		 /* hazard_supervision.state */
	/* the caller's data scope */
	const char *scope_from, *scope_to; /* region_code range */
	int64_t scope_grid_user;	   /* grid_id IN the user's grids */
	const char *scope_uscc;		   /* the enterprise with this code */
};

/* Sort keys of the list, in the order of the API's whitelist. */
enum hazard_sort {
	HAZARD_SORT_CREATED = 0,
	HAZARD_SORT_DEADLINE,
	HAZARD_SORT_FOUND,
	HAZARD_SORT_NUMBER
};

/*
 * One keyset page (lp: limit, after = id of the last row seen, sort index into enum
 * hazard_sort, desc) of the hazards matching f, as an array of hazard objects (as
 * hazard_db_get) with limit + 1 rows at most (list_page() drops the extra one).
 * With lp->limit <= 0 every row (the export). Returns 0 with *items owned, or ERR_DB.
 */
int hazard_db_list(struct db *db, const struct hazard_filter *f, const struct list_params *lp,
		   json_t **items);

/* The facts a transition changes (hazard_transition's outcome plus what the API adds). */
struct hazard_update {
	const char *state;
	const char *deadline; /* NULL = none */
	bool extension_pending;
	const char *pending_deadline; /* NULL = none */
	int extension_requests;
	int64_t rectifier_id, verifier_id; /* 0 = NULL */
	int send_backs;
	int64_t closed_ms; /* 0 = NULL */
	/* the plan (written when set_plan) */
	bool set_plan;
	const char *measures, *responsible, *emergency;
	int64_t funds_yuan;
	/* re-grading on confirm (written when set_level) */
	bool set_level;
	const char *level;
	int64_t criterion_id;
	const char *criterion_text;
	int64_t updated_ms;
};
/*
 * Writes u to hazard id when its state is still from_state (a concurrent change makes
 * it ERR_CONFLICT). Returns 0, ERR_CONFLICT or ERR_DB.
 */
int hazard_db_update(struct db *db, int64_t id, const char *from_state,
		     const struct hazard_update *u);

/* True when photo sha256 (64 lower-case hex) is stored. */
bool hazard_db_photo_exists(struct db *db, const char *sha256);
/* Links a stored photo to a hazard (stage 'before' | 'after'). Returns 0 or ERR_DB. */
int hazard_db_photo_link(struct db *db, int64_t hazard_id, const char *sha256, const char *stage,
			 int64_t event_id, int64_t now_ms);
/* {before:[sha...], after:[...]} of hazard id. Returns 0 with *out owned, or ERR_DB. */
int hazard_db_photos(struct db *db, int64_t id, json_t **out);
/* The timeline of hazard id, oldest first. Returns 0 with *out owned, or ERR_DB. */
int hazard_db_timeline(struct db *db, int64_t id, json_t **out);

/*
 * Records a false closure (虚假销号) of hazard id in the accountability list: one row
 * per hazard (a second reopen leaves the first row). Returns 0 or ERR_DB.
 */
int hazard_db_false_closure(struct db *db, int64_t id, int64_t now_ms, const char *responsible,
			    int64_t rectifier_id, int64_t verifier_id, const char *note);

/* The department of user id (0 = none). Returns 0, ERR_NOT_FOUND or ERR_DB. */
int hazard_db_user_dept(struct db *db, int64_t user_id, int64_t *dept_id);
/* The id of the enterprise with unified social credit code uscc. Returns 0 or ERR_NOT_FOUND. */
int hazard_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id);

/* --- photos (photo.h stores the files) --- */

/*
 * Inserts a photo row (mime static, uploader 0 = none) and, for an uploader > 0, its
 * photo_upload row. Returns 0, ERR_CONFLICT (stored already) or ERR_DB.
 */
int hazard_db_photo_insert(struct db *db, const char *sha256, const char *mime, int64_t bytes,
			   int width, int height, bool has_location, int64_t uploader_id,
			   int64_t now_ms);
/*
 * The photo row of sha256 as {sha256, mime, bytes, width, height, has_location} plus the
 * internal "_uploader_id". Returns 0 with *out owned, ERR_NOT_FOUND or ERR_DB.
 */
int hazard_db_photo_get(struct db *db, const char *sha256, json_t **out);
/*
 * Records user_id as an uploader of the stored photo sha256 (photo_upload; again: nothing
 * changes). Returns 0 or ERR_DB.
 */
int hazard_db_photo_upload_add(struct db *db, const char *sha256, int64_t user_id, int64_t now_ms);
/* True when user_id uploaded photo sha256 (first or again; photo_upload). */
bool hazard_db_photo_uploaded_by(struct db *db, const char *sha256, int64_t user_id);
/* The ids of the hazards that show photo sha256 (at most 100). Returns 0 with *ids owned. */
int hazard_db_photo_hazards(struct db *db, const char *sha256, json_t **ids);

/* --- criteria for major hazards (重大事故隐患判定标准, STANDARDS.md §6) --- */

/*
 * The criteria items of the sets covering industry (a GB/T 4754 class: sets whose
 * industry_prefix starts it), as [{id, set_code, doc, item, topic_zh, topic_en}] in set
 * and item order. Returns 0 with *items owned (empty: not covered), or ERR_DB.
 */
int hazard_db_criteria(struct db *db, const char *industry, json_t **items);
/*
 * True when criterion id is an item of a set covering industry; *found set when the
 * criterion exists at all. Returns 0 or ERR_DB.
 */
int hazard_db_criterion_covers(struct db *db, int64_t id, const char *industry, bool *covers);

/*
 * Loads data_dir/hazard/major_hazard_criteria.csv (set_code,doc,item,topic_zh,topic_en) and
 * criteria_industries.csv (set_code,industry_prefix,name_zh) into hazard_criterion and
 * hazard_criterion_industry when the table is empty (first start), in one transaction.
 * *loaded = rows of criteria inserted. Returns 0, ERR_IO (unreadable; logged), ERR_INVALID
 * (a malformed line; logged with its number) or ERR_DB.
 */
int hazard_criteria_load(struct db *db, const char *data_dir, int64_t *loaded);

#endif
