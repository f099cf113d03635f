/* SPDX-License-Identifier: MIT */
/*
 * Stored notifications (issue 4 §3: "notifications are stored (in-app list, unread count)
 * so that other channels can read them later"). One row per recipient in table
 * notification (migration 0008); a module that raises one names the user, the kind
 * ("hazard.overdue" ...), the entity it is about and a dedup key, so that a scheduler
 * pass that runs twice (or on two nodes) stores it once. This module owns the table; it
 * does not decide who is told (the raising module does) and sends nothing outside.
 */
#ifndef NOTIFY_NOTIFY_H
#define NOTIFY_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;
struct list_params;

/* One notification to store (strings borrowed). */
struct notify_msg {
	int64_t user_id;
	const char *kind;   /* "hazard.overdue", "hazard.overdue_30", ... */
	const char *entity; /* "hazard", ... */
	int64_t entity_id;
	const char *dedup_key; /* unique per user: "hazard.overdue:<id>:<deadline>" */
	const char *title;
	const char *body; /* may be NULL ("") */
};

/*
 * Stores m unless the user has one with the same dedup key (INSERT ... ON CONFLICT DO
 * NOTHING), at created_ms. Inside the caller's transaction. *added tells whether a row was
 * written. Returns 0 or ERR_DB (ERR_INVALID when the user does not exist).
 */
int notify_db_add(struct db *db, const struct notify_msg *m, int64_t created_ms, bool *added);

/*
 * One page of user_id's notifications, newest first (keyset on id, lp->after the last id
 * seen), only unread ones when unread_only: {id, kind, entity, entity_id, title, body,
 * created_ms, read_ms|null}. Returns 0 with *items owned (lp->limit + 1 rows at most), or
 * ERR_DB.
 */
int notify_db_list(struct db *db, int64_t user_id, bool unread_only, const struct list_params *lp,
		   json_t **items);

/* Unread notifications of user_id. Returns 0 or ERR_DB. */
int notify_db_unread(struct db *db, int64_t user_id, int64_t *count);

/*
 * Marks notification id of user_id read at now (kept when read before). Returns 0,
 * ERR_NOT_FOUND (no such notification of this user) or ERR_DB.
 */
int notify_db_read(struct db *db, int64_t user_id, int64_t id, int64_t now);

/* Marks every unread notification of user_id read; *changed = how many. Returns 0 or ERR_DB. */
int notify_db_read_all(struct db *db, int64_t user_id, int64_t now, int64_t *changed);

#endif
