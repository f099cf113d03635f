/* SPDX-License-Identifier: MIT */
/*
 * Organisation and accounts: administrative divisions (GB/T 2260), departments,
 * grids (一格三员), users with roles and data scopes, sessions and API tokens.
 *
 * Rules here are pure functions (password policy, lockout, session expiry,
 * role/scope compatibility, grid geometry); org_db.c holds the SQL;
 * org_api.c and org_units_api.c hold the routes.
 */
#ifndef ORG_ORG_H
#define ORG_ORG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/perm.h"
#include "core/scope.h"

struct app;
struct buf;
struct config;
struct db;
struct errmsg;
struct principal;
struct req;

/* --- rules (org.c) --- */

/*
 * Password policy (DESIGN §6, GB/T 22239-2019 8.1.4.1 a): at least 8 and at most
 * 128 characters, at least three of the four classes lower-case letter,
 * upper-case letter, digit, other character; and not the login name (nor
 * containing it, ignoring case). Returns 0 or ERR_INVALID with the reason
 * (field "password").
 */
int org_password_check(const char *login, const char *password, struct errmsg *why);

/* Writes a random 16-character password that meets the policy into out (>= 17 bytes). */
void org_password_generate(char *out, size_t n);

/* Argon2id hash in the PHC string form ($argon2id$v=19$m=...). Returns 0 or ERR_INTERNAL. */
int org_password_hash(const struct config *cfg, const char *password, char *out, size_t n);
/* True when password matches the encoded hash. */
bool org_password_verify(const char *encoded, const char *password);

/* Logins: 3..64 characters from a-z 0-9 . _ - @. Returns 0 or ERR_INVALID (field "login"). */
int org_login_check(const char *login, struct errmsg *why);

/*
 * Lockout (DESIGN §6): after `failures` consecutive failed logins the account
 * is locked for `lockout_min` minutes. Given the failures so far (including
 * this one) returns the locked-until time in ms, or 0 when not locked.
 */
int64_t org_lockout_until(int failed_logins, int64_t now_ms, int failures, int lockout_min);

/*
 * The consecutive-failure count after one more failed login: a lockout that has run out
 * (0 < locked_until_ms <= now_ms) starts the count again at 1; otherwise failed + 1.
 */
int org_failed_logins_after(int failed_logins, int64_t locked_until_ms, int64_t now_ms);

/*
 * A session is valid while now - last_seen < idle and now - created <
 * absolute (both in minutes; DESIGN §6: 30 min idle, 12 h absolute).
 */
bool org_session_valid(int64_t created_ms, int64_t last_seen_ms, int64_t now_ms, int idle_min,
		       int absolute_min);

/*
 * Which scope kinds a role may hold: admin, leader, inspector: all or region;
 * grid roles: grids or region; enterprise officer: enterprise only.
 * Returns 0 or ERR_INVALID (field "scope").
 */
int org_role_scope_check(enum role role, const struct scope *scope, struct errmsg *why);

/*
 * A grid's boundary: a GeoJSON Polygon or MultiPolygon whose rings are closed,
 * have at least 4 positions, and lie inside China's extent (73..136 E,
 * 3..54 N, CGCS2000). Returns 0 or ERR_INVALID (field "geometry").
 */
int org_geometry_check(const json_t *geometry, struct errmsg *why);

/* --- accounts used by main.c and the router --- */

/*
 * Prepares login checking: the stand-in hash that unknown logins are checked against, so
 * that they take as long as a wrong password. Called by the first login; idempotent and
 * thread-safe.
 */
void org_auth_init(const struct config *cfg);

/* The router's authentication hook (app->auth_resolve). */
int org_auth_resolve(struct req *rq, const char *token, struct principal *out);

/* Appends the sessions gauge for /metrics (app->gauges). */
void org_gauges(struct app *app, struct db *db, struct buf *out);

/*
 * When the database has no user yet, creates "admin" (scope all) with a
 * generated password that must be changed at first login and writes it into
 * password_out (>= 17 bytes); *created tells whether it did. Returns 0 or err.
 */
int org_bootstrap_admin(struct app *app, struct db *db, bool *created, char *password_out,
			size_t n);

/*
 * Loads the GB/T 2260 divisions from <data_dir>/regions/{province,city,area,town}.csv
 * when the region table is empty (one transaction). *loaded receives the row
 * count (0 when already loaded). Returns 0, ERR_IO or ERR_DB.
 */
int org_regions_load(struct db *db, const char *data_dir, int64_t *loaded);

/* --- lookups other modules use (they never read org's tables themselves) --- */

/* True when a GB/T 2260 division with this code is loaded. */
bool org_region_exists(struct db *db, const char *code);
/* Writes the division code of grid id into out. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int org_grid_region(struct db *db, int64_t id, char *out, size_t n);
/*
 * The division `code` as {code, name, level (1 province .. 4 town), parent_code (null for a
 * province)}. Returns 0 with *out owned, ERR_NOT_FOUND or ERR_DB.
 */
int org_region_get(struct db *db, const char *code, json_t **out);
/* The divisions directly under `code`, by code, each as above. Returns 0 with *items owned. */
int org_region_children(struct db *db, const char *code, json_t **items);

/* Called by org_grid_shapes() for one grid; geometry is its GeoJSON text (borrowed). */
typedef int (*org_grid_shape_fn)(void *ctx, int64_t id, const char *name, const char *region_code,
				 const char *geometry);
/*
 * The grids that have a boundary, by id, filtered like GET /api/v1/grids: region scope
 * prefix (NULL = all), grid_user (only that user's grids, 0 = no filter), region (a code
 * prefix, NULL = all). Calls fn for at most limit grids (its negative return stops the walk
 * and is returned); *truncated tells whether more grids matched. Returns 0 or ERR_DB.
 */
int org_grid_shapes(struct db *db, const char *prefix, int64_t grid_user, const char *region,
		    int64_t limit, org_grid_shape_fn fn, void *ctx, bool *truncated);

/* --- writes for loaders (demo data): inside the caller's write transaction, not audited --- */

/*
 * Creates a grid: code (unique, <= 64 characters), name, division, boundary (a Polygon or
 * MultiPolygon checked by org_geometry_check(), borrowed; NULL = none). The caller writes
 * the audit record of its whole load. Returns 0 with *id, ERR_INVALID (why names the field),
 * ERR_CONFLICT (code taken) or ERR_DB.
 */
int org_grid_add(struct db *db, const char *code, const char *name, const char *region_code,
		 const json_t *geometry, int64_t *id, struct errmsg *why);
/*
 * Names the three grid roles (一格三员) of grid id: users of the roles grid_manager,
 * grid_patroller and grid_supervisor (0 = none). Returns 0, ERR_INVALID (why names the
 * field), ERR_NOT_FOUND (no such grid) or ERR_DB.
 */
int org_grid_set_roles(struct db *db, int64_t id, int64_t manager_id, int64_t patroller_id,
		       int64_t supervisor_id, struct errmsg *why);
/*
 * Creates a person's account whose password (already hashed with org_password_hash(), so
 * that the slow hashing can happen before the transaction) must be changed at first login.
 * scope is the text form ("region:320902", "grids:3", ...), checked against the role and
 * the divisions and grids it names. Returns 0 with *id, ERR_INVALID (why names the field),
 * ERR_CONFLICT (login taken) or ERR_DB.
 */
int org_user_add_hashed(struct db *db, const char *login, const char *display_name, enum role role,
			const char *scope, const char *password_hash, int64_t *id,
			struct errmsg *why);

/*
 * Creates a department (e.g. a county's 应急管理局): name (1..100 characters, unique within
 * its division), division region_code, description (NULL = "", <= 2000 characters), the
 * same rules as POST /api/v1/depts less the caller's scope. The caller writes the audit
 * record of its whole load. Returns 0 with *id, ERR_INVALID (why names the field),
 * ERR_CONFLICT (the name is taken in that division) or ERR_DB.
 */
int org_dept_add(struct db *db, const char *name, const char *region_code, const char *description,
		 int64_t *id, struct errmsg *why);
/*
 * Puts user user_id in department dept_id (0 = none), like PATCH /api/v1/users/{id}
 * dept_id. Loaders have no writer whose scope could bound the department, so the user's
 * own scope does: the department's division must lie inside it (a county inspector
 * belongs to a department of that county). Returns 0, ERR_INVALID (why names user_id or
 * dept_id) or ERR_DB.
 */
int org_user_set_dept(struct db *db, int64_t user_id, int64_t dept_id, struct errmsg *why);

/* A user as another module sees one it names (e.g. an enterprise's named inspector). */
struct org_person {
	int64_t id;
	char name[260]; /* display name, or the login when there is none */
	enum role role;
	struct scope scope;
	bool machine; /* a machine account (API tokens only), not a person */
	bool locked;
};
/* Looks up user id. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int org_person_get(struct db *db, int64_t id, struct org_person *out);
/* Name and region code of department id. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int org_dept_brief(struct db *db, int64_t id, char *name, size_t name_n, char *region,
		   size_t region_n);
/* True when every row visible under scope inner is visible under outer (grids resolved). */
bool org_scope_covers(struct db *db, const struct scope *outer, const struct scope *inner);
/*
 * Finds the grid with this code: *id and its division code in region (n bytes).
 * Returns 0, ERR_NOT_FOUND or ERR_DB.
 */
int org_grid_find(struct db *db, const char *code, int64_t *id, char *region, size_t n);
/* Writes the code of grid id into out (n bytes). Returns 0, ERR_NOT_FOUND or ERR_DB. */
int org_grid_code(struct db *db, int64_t id, char *out, size_t n);

/* --- command line (main.c) --- */

struct org_user_opts {
	const char *login;
	const char *role;     /* add: required */
	const char *scope;    /* add: default by role */
	const char *password; /* NULL: generate and print once */
};

/* anjian user add|passwd|lock|unlock|list. Print to stdout; errors go to why. */
int org_cli_user_add(struct app *app, struct db *db, const struct org_user_opts *o, char *generated,
		     size_t n, struct errmsg *why);
int org_cli_user_passwd(struct app *app, struct db *db, const char *login, const char *password,
			char *generated, size_t n, struct errmsg *why);
int org_cli_user_lock(struct db *db, const char *login, bool lock, struct errmsg *why);
int org_cli_user_list(struct db *db);

#endif
