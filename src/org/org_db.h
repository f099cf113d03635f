/* SPDX-License-Identifier: MIT */
/*
 * The org module's rows and its SQL (org_db.c). Only org_*.c include this.
 * All functions take a connection; writes expect the caller's transaction.
 * Errors: ERR_NOT_FOUND, ERR_CONFLICT (unique), ERR_INVALID (foreign key),
 * ERR_DB.
 */
#ifndef ORG_ORG_DB_H
#define ORG_ORG_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/perm.h"
#include "core/scope.h"

struct db;
struct db_stmt;
struct list_params;

struct org_user {
	int64_t id;
	char login[72];
	char display_name[260];
	enum role role;
	struct scope scope;
	char scope_anchor[16];
	int64_t dept_id; /* 0 = none */
	char phone[40];
	char password_hash[160];
	bool machine; /* machine client: API tokens only, no password login */
	bool must_change_password;
	bool locked;
	int failed_logins;
	int64_t locked_until_ms;
	int64_t password_changed_ms;
	int64_t created_ms, updated_ms;
};

struct org_session {
	int64_t id, user_id, created_ms, last_seen_ms, revoked_ms;
	char csrf[48];
};

/* Region code prefix a scope lies under ("" for all): fills u->scope_anchor. */
/* True when every row visible to inner is visible to outer (looks up inner's grid regions). */
bool org_db_scope_covers(struct db *db, const struct scope *outer, const struct scope *inner);
int org_db_scope_anchor(struct db *db, const struct scope *s, char *out, size_t n);

int org_db_user_by_login(struct db *db, const char *login, struct org_user *u);
int org_db_user_by_id(struct db *db, int64_t id, struct org_user *u);
int org_db_user_insert(struct db *db, struct org_user *u);
/* Writes every mutable column of u (and its grid set). */
int org_db_user_update(struct db *db, const struct org_user *u);
int org_db_user_count(struct db *db, int64_t *n);
/*
 * Deletes a user with their sessions, API tokens and grid scope. ERR_CONFLICT while a grid
 * names them as one of its three roles. Audit records keep their login as text.
 */
int org_db_user_delete(struct db *db, int64_t id);
/* Sets the failed-login count and the lockout end (0 = none): the login bookkeeping. */
int org_db_user_set_login_state(struct db *db, int64_t id, int failed_logins,
				int64_t locked_until_ms);
/*
 * Sets a new password hash, whether it must be changed at the next login, and clears the
 * failed-login count and lockout. Only these columns change.
 */
int org_db_user_set_password(struct db *db, int64_t id, const char *hash, bool must_change,
			     int64_t now);
/* Locks or unlocks an account; unlocking also clears a lockout after failed logins. */
int org_db_user_set_locked(struct db *db, int64_t id, bool locked, int64_t now);
/* Users visible under anchor prefix (NULL = all), keyset paged. Returns: owned items array. */
int org_db_user_list(struct db *db, const char *anchor_prefix, const char *role, const char *q,
		     const struct list_params *lp, json_t **items);
/* Public JSON form (no hash). Returns: owned. */
json_t *org_user_json(const struct org_user *u);

int org_db_session_insert(struct db *db, const char *token_hash, const char *csrf, int64_t user_id,
			  const char *ip, int64_t now, int64_t *id);
/* The session with this token hash and its user, in one query. */
int org_db_session_find(struct db *db, const char *token_hash, struct org_session *s,
			struct org_user *u);
int org_db_session_touch(struct db *db, int64_t id, int64_t now);
int org_db_session_revoke(struct db *db, int64_t id, int64_t now);
/* Revokes every live session of user_id except except_id (0 = none). */
int org_db_sessions_revoke_user(struct db *db, int64_t user_id, int64_t except_id, int64_t now);
int org_db_sessions_active(struct db *db, int64_t since_ms, int64_t *n);

int org_db_token_insert(struct db *db, int64_t user_id, const char *name, const char *prefix,
			const char *token_hash, int64_t now, int64_t *id);
/* Finds a live token by hash: its id, when it was last used, and its user. */
int org_db_token_find(struct db *db, const char *token_hash, int64_t *id, int64_t *last_used_ms,
		      struct org_user *u);
int org_db_token_touch(struct db *db, int64_t id, int64_t now);
/* The user token id belongs to (revoked or not). Returns 0 or ERR_NOT_FOUND. */
int org_db_token_user(struct db *db, int64_t id, int64_t *user_id);
/* Revokes token id when it belongs to a user under anchor prefix (NULL = any). */
int org_db_token_revoke(struct db *db, int64_t id, const char *anchor_prefix, int64_t now,
			int64_t *user_id);
int org_db_token_list(struct db *db, const char *anchor_prefix, const struct list_params *lp,
		      json_t **items);

/* Regions */
int org_db_region_get(struct db *db, const char *code, json_t **out);
int org_db_region_children(struct db *db, const char *code, json_t **items);
int org_db_region_search(struct db *db, const char *q, const char *under_prefix, int64_t limit,
			 json_t **items);
int org_db_region_count(struct db *db, int64_t *n);
bool org_db_region_exists(struct db *db, const char *code);

/* Departments */
int org_db_dept_get(struct db *db, int64_t id, json_t **out);
int org_db_dept_insert(struct db *db, const char *name, const char *region_code,
		       const char *description, int64_t now, int64_t *id);
int org_db_dept_update(struct db *db, int64_t id, const char *name, const char *region_code,
		       const char *description, int64_t now);
int org_db_dept_delete(struct db *db, int64_t id);
int org_db_dept_list(struct db *db, const char *region_prefix, const char *q,
		     const struct list_params *lp, json_t **items);

/* Grids */
struct org_grid {
	int64_t id;
	char code[260]; /* 64 characters of UTF-8 */
	char name[404]; /* 100 characters */
	char region_code[16];
	char *geometry;					 /* owned compact GeoJSON or NULL */
	int64_t manager_id, patroller_id, supervisor_id; /* 0 = none */
};
void org_grid_release(struct org_grid *g);
int org_db_grid_get(struct db *db, int64_t id, struct org_grid *g);
int org_db_grid_insert(struct db *db, struct org_grid *g, int64_t now);
int org_db_grid_update(struct db *db, const struct org_grid *g, int64_t now);
int org_db_grid_delete(struct db *db, int64_t id);
/* Grids visible: prefix (NULL = all regions) and/or only those of grid_user (0 = no filter). */
int org_db_grid_list(struct db *db, const char *prefix, int64_t grid_user, const char *region,
		     const char *q, const struct list_params *lp, json_t **items);
json_t *org_grid_json(const struct org_grid *g, bool with_geometry);
/* The region code of each grid in s (owned strings in out[], count s->ngrids). */
int org_db_grid_regions(struct db *db, const struct scope *s, char out[][16]);

#endif
