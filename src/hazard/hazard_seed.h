/* SPDX-License-Identifier: MIT */
/*
 * Seeded hazards: writes a hazard whose whole history is already known (its row, its
 * timeline, its listed supervision) in one call, for loaders that make data to look at
 * (the demo city, src/demo/) rather than for people reporting hazards (those go through
 * the API and the life cycle of hazard.h one action at a time). The caller decides the
 * facts and is expected to have walked them through hazard_transition(), so that the
 * timeline is one the life cycle allows; this module owns the SQL: the hazard number
 * (hazard_seq + hazard_number_build), the rows of hazard, hazard_event and
 * hazard_supervision, and the criteria lookup. It writes no audit record: the caller's
 * load writes one for everything it loads, inside the caller's transaction.
 */
#ifndef HAZARD_HAZARD_SEED_H
#define HAZARD_HAZARD_SEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hazard/hazard.h"

struct db;

/* One timeline step (hazard_event). Strings are borrowed. */
struct hazard_seed_event {
	int64_t at_ms;		 /* UTC ms */
	int64_t actor_id;	 /* a user; 0 = the system (NULL in the row) */
	const char *actor_login; /* the user's login, or "system" */
	const char *action;	/* report, confirm, ..., supervision_proposed, supervision_listed */
	const char *from_state; /* NULL for none (report, list events) */
	const char *to_state;	/* NULL for none */
	const char *reason;	/* NULL = "" */
	const char *detail;	/* a JSON object as text; NULL = "{}" */
};

/* A photo of the hazard (hazard_photo): one already added by hazard_seed_photo_add(). */
struct hazard_seed_photo {
	const char *sha256;
	const char *stage; /* before | after */
	size_t event;	   /* index in events of the step it came with (report, submit) */
};

/* A listed supervision (挂牌督办) row. Strings are borrowed. */
struct hazard_seed_supervision {
	const char *state;  /* proposed | listed */
	const char *reason; /* overdue_major | overdue_30 | manual */
	int64_t proposed_ms;
	int64_t leader_id;    /* listed: the leader; 0 = none */
	const char *deadline; /* listed: "YYYY-MM-DD"; NULL = none */
	int64_t listed_ms;    /* 0 = not listed */
	const char *progress; /* NULL = "" */
	const char *note;     /* NULL = "" */
};

/*
 * A hazard with its history. Strings are borrowed; NULL writes SQL NULL where the column
 * allows it (plan fields, deadlines) and "" where it does not (location, subcategory,
 * criterion_text). region_code, grid_id and industry_code are the enterprise's.
 */
struct hazard_seed {
	int64_t enterprise_id;
	const char *region_code; /* the enterprise's division (6, 9 or 12 digits) */
	int64_t grid_id;	 /* 0 = none */
	const char *industry_code;
	const char *number_region; /* the division the number is counted in (6, 9 or 12 digits) */
	int number_year; /* the year the number is counted in (local year of the report) */
	const char
		*source; /* self_check | grid_patrol | tipoff | enforcement | leader_inspection */
	int64_t reporter_id;
	int64_t found_ms;
	const char *location;
	bool has_point;
	double lat, lon;	 /* CGCS2000, when has_point */
	const char *category;	 /* management | site */
	const char *subcategory; /* NULL = "" */
	enum hazard_level level;
	int64_t criterion_id;	    /* 0 = none */
	const char *criterion_text; /* NULL = "" */
	const char *description;
	enum hazard_state state;
	/* the plan (NULL / funds_yuan < 0 when there is none yet) */
	const char *measures, *responsible, *emergency;
	int64_t funds_yuan;
	const char *deadline; /* "YYYY-MM-DD" */
	bool extension_pending;
	const char *pending_deadline;
	int extension_requests;
	int64_t rectifier_id, verifier_id; /* 0 = none */
	int send_backs;
	int64_t closed_ms; /* 0 = not closed */
	int64_t created_ms, updated_ms;
	const struct hazard_seed_event *events; /* in time order; the first is the report */
	size_t nevents;
	const struct hazard_seed_supervision *supervision; /* NULL = none */
	const struct hazard_seed_photo *photos;		   /* NULL = none */
	size_t nphotos;
};

/* Most events a seeded hazard may have. */
#define HAZARD_SEED_MAX_EVENTS 64

/*
 * Writes h: takes the next sequence number of (h->number_region, h->number_year) from
 * hazard_seq, builds the number with hazard_number_build() (YH-<region>-<year>-<seq>,
 * docs/hazard.md), inserts the hazard row, its events in order (at most
 * HAZARD_SEED_MAX_EVENTS), its supervision row and its photos' links (hazard_photo, with
 * the id and time of their event).
 * Must run inside the caller's write transaction (db_begin): on an error the caller rolls
 * everything back. Returns 0 with *id and number (HAZARD_NUMBER_MAX bytes) set,
 * ERR_INVALID (a bad region or year for the number, or a row the schema's checks refuse),
 * ERR_CONFLICT (the number or a unique key exists) or ERR_DB.
 */
int hazard_seed_insert(struct db *db, const struct hazard_seed *h, int64_t *id,
		       char number[HAZARD_NUMBER_MAX]);

/*
 * The criterion a major hazard of an enterprise of GB/T 4754 class industry_code meets,
 * when a loaded set of criteria (hazard_criterion_industry, hazard_criterion) covers the
 * class: the item-th item (1-based, counted modulo the set's size, in item order) of the
 * first covering set by set_code. Returns 0 with *id (> 0) and the set's doc and the item's
 * topic_zh copied into doc and topic (n bytes each), ERR_NOT_FOUND when no loaded set
 * covers the class (the hazard then needs criterion_text; also the answer while the
 * criteria are not loaded), or ERR_DB.
 */
/*
 * Adds the row of a photo stored with photo_store() (hazard/photo.h) by uploader_id (0 =
 * none) at now_ms, and uploader_id as one of its uploaders (photo_upload); a photo with
 * that hash already there is kept as it is, uploader_id added to its uploaders. Returns 0,
 * or ERR_INVALID / ERR_DB.
 */
struct photo_info;
int hazard_seed_photo_add(struct db *db, const struct photo_info *info, int64_t uploader_id,
			  int64_t now_ms);

int hazard_seed_criterion(struct db *db, const char *industry_code, int item, int64_t *id,
			  char *doc, char *topic, size_t n);

#endif
