/* SPDX-License-Identifier: MIT */
/*
 * Start-up and command-line work of the org module: loading the GB/T 2260
 * divisions from data/regions/ (CSV files), creating the first administrator with a
 * generated password, and the `anjian user ...` commands.
 */
#define LOG_MODULE "org"
#include "org/org.h"
#include "org/org_db.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/app.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

/* ------------------------------------------------------------ regions */

#define MAX_FIELDS 8

/* Splits a CSV line without quoted fields (the division files have none). */
static int split(char *line, char **f)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	f[n++] = line;
	for (char *p = line; *p && n < MAX_FIELDS; p++)
		if (*p == ',') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static const char SQL_REGION_INSERT[] =
	"INSERT INTO region (code, name, level, parent_code) VALUES (:code, :name, :level, "
	":parent_code)";

static const char SQL_REGION_HAS[] = "SELECT 1 FROM region WHERE code = :code";

static bool has(struct db *db, const char *code)
{
	struct db_stmt *st = db_stmt(db, SQL_REGION_HAS);
	int rc;

	if (st == NULL)
		return false;
	db_bind_text(st, ":code", code);
	rc = db_step(st);
	if (rc == DB_ROW)
		db_reset(st);
	return rc == DB_ROW;
}

static int insert(struct db *db, const char *code, const char *name, int level, const char *parent)
{
	struct db_stmt *st = db_stmt(db, SQL_REGION_INSERT);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":code", code);
	db_bind_text(st, ":name", name);
	db_bind_i64(st, ":level", level);
	db_bind_text(st, ":parent_code", parent);
	return db_step_done(st);
}

/* Loads one file; level decides the code and parent rules. */
static int load_file(struct db *db, const char *dir, const char *file, int level, int64_t *rows,
		     int64_t *attached_up)
{
	char path[1024], line[512], code[16], parent[16], city[16], province[16];
	char *f[MAX_FIELDS];
	FILE *fp;
	int rc = 0, lineno = 0;

	snprintf(path, sizeof(path), "%s/regions/%s", dir, file);
	fp = fopen(path, "r");
	if (fp == NULL) {
		log_error("cannot read '%s': %s", path, strerror(errno));
		return ERR_IO;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		int n = split(line, f);

		if (++lineno == 1)
			continue; /* header */
		if (n < 2 || strlen(f[0]) != 6 || region_prefix_len(f[0]) == 0 ||
		    !utf8_valid(f[1], strlen(f[1]))) {
			log_error("%s:%d: not a division row", path, lineno);
			rc = ERR_INVALID;
			break;
		}
		snprintf(province, sizeof(province), "%.2s0000", f[0]);
		snprintf(city, sizeof(city), "%.4s00", f[0]);
		switch (level) {
		case 1:
			rc = insert(db, f[0], f[1], 1, NULL);
			break;
		case 2:
			rc = insert(db, f[0], f[1], 2, province);
			break;
		case 3:
			rc = insert(db, f[0], f[1], 3, has(db, city) ? city : province);
			break;
		default:
			if (n < 6 || strlen(f[5]) != 6) {
				log_error("%s:%d: not a town row", path, lineno);
				rc = ERR_INVALID;
				break;
			}
			snprintf(code, sizeof(code), "%s%.3s", f[0], f[5]);
			if (has(db, f[0])) {
				snprintf(parent, sizeof(parent), "%s", f[0]);
			} else {
				/* A statistical county unit that GB/T 2260 lacks. */
				snprintf(parent, sizeof(parent), "%s",
					 has(db, city) ? city : province);
				(*attached_up)++;
			}
			rc = insert(db, code, f[1], 4, parent);
			break;
		}
		if (rc == ERR_CONFLICT) {
			log_warn("%s:%d: duplicate code skipped", path, lineno);
			rc = 0;
			continue;
		}
		(*rows)++;
	}
	fclose(fp);
	return rc;
}

int org_regions_load(struct db *db, const char *data_dir, int64_t *loaded)
{
	static const char *const files[] = { "province.csv", "city.csv", "area.csv", "town.csv" };
	int64_t have = 0, rows = 0, attached = 0;
	int rc;

	*loaded = 0;
	rc = org_db_region_count(db, &have);
	if (rc < 0 || have > 0)
		return rc;
	rc = db_begin(db);
	if (rc < 0)
		return rc;
	for (int i = 0; i < 4 && rc == 0; i++)
		rc = load_file(db, data_dir, files[i], i + 1, &rows, &attached);
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	rc = db_commit(db);
	if (rc == 0) {
		*loaded = rows;
		log_info("loaded %" PRId64 " administrative divisions (GB/T 2260); %" PRId64
			 " towns of statistical county units attached to their prefecture",
			 rows, attached);
	}
	return rc;
}

/* ------------------------------------------------------------ first administrator */

int org_bootstrap_admin(struct app *app, struct db *db, bool *created, char *password_out, size_t n)
{
	struct org_user u;
	struct audit_actor a;
	int64_t count = 0;
	int rc;

	*created = false;
	rc = db_begin(db);
	if (rc < 0)
		return rc;
	rc = org_db_user_count(db, &count);
	if (rc < 0 || count > 0) {
		db_rollback(db);
		return rc;
	}
	memset(&u, 0, sizeof(u));
	snprintf(u.login, sizeof(u.login), "admin");
	snprintf(u.display_name, sizeof(u.display_name), "系统管理员");
	u.role = ROLE_ADMIN;
	u.scope.kind = SCOPE_ALL;
	u.must_change_password = true;
	u.created_ms = u.updated_ms = u.password_changed_ms = now_ms();
	org_password_generate(password_out, n);
	rc = org_password_hash(&app->cfg, password_out, u.password_hash, sizeof(u.password_hash));
	if (rc == 0)
		rc = org_db_user_insert(db, &u);
	if (rc == 0) {
		memset(&a, 0, sizeof(a));
		snprintf(a.login, sizeof(a.login), "system");
		snprintf(a.ip, sizeof(a.ip), "local");
		json_t *s = json_pack("{s:s, s:s}", "login", "admin", "note",
				      "first administrator, generated password");
		rc = audit_append(db, &a, "user.bootstrap", "user", "1", s);
		json_decref(s);
	}
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	rc = db_commit(db);
	if (rc == 0)
		*created = true;
	return rc;
}

/* ------------------------------------------------------------ writes for loaders */

int org_grid_add(struct db *db, const char *code, const char *name, const char *region_code,
		 const json_t *geometry, int64_t *id, struct errmsg *why)
{
	struct org_grid g;
	int rc;

	memset(&g, 0, sizeof(g));
	if (code == NULL || code[0] == '\0' || utf8_len(code) > 64)
		return errmsg_set(why, "code", "must have 1 to 64 characters");
	if (name == NULL || name[0] == '\0' || utf8_len(name) > 100)
		return errmsg_set(why, "name", "must have 1 to 100 characters");
	if (!org_db_region_exists(db, region_code))
		return errmsg_set(why, "region_code", "no administrative division has code '%s'",
				  region_code ? region_code : "");
	if (geometry && org_geometry_check(geometry, why) < 0)
		return ERR_INVALID;
	utf8_copy(g.code, sizeof(g.code), code);
	utf8_copy(g.name, sizeof(g.name), name);
	utf8_copy(g.region_code, sizeof(g.region_code), region_code);
	g.geometry = geometry ? json_dump_compact(geometry) : NULL;
	rc = org_db_grid_insert(db, &g, now_ms());
	if (rc == ERR_CONFLICT)
		errmsg_set(why, "code", "a grid with code '%s' exists", code);
	*id = g.id;
	org_grid_release(&g);
	return rc;
}

/* A grid role must be held by a user of that role (一格三员). */
static int grid_role_ok(struct db *db, const char *field, int64_t user_id, enum role want,
			struct errmsg *why)
{
	struct org_user u;

	if (user_id == 0)
		return 0;
	if (org_db_user_by_id(db, user_id, &u) < 0)
		return errmsg_set(why, field, "no user has id %" PRId64, user_id);
	if (u.role != want)
		return errmsg_set(why, field, "user %" PRId64 " is a %s, not a %s", user_id,
				  role_name(u.role), role_name(want));
	return 0;
}

int org_grid_set_roles(struct db *db, int64_t id, int64_t manager_id, int64_t patroller_id,
		       int64_t supervisor_id, struct errmsg *why)
{
	struct org_grid g;
	int rc;

	if (grid_role_ok(db, "manager_id", manager_id, ROLE_GRID_MANAGER, why) < 0 ||
	    grid_role_ok(db, "patroller_id", patroller_id, ROLE_GRID_PATROLLER, why) < 0 ||
	    grid_role_ok(db, "supervisor_id", supervisor_id, ROLE_GRID_SUPERVISOR, why) < 0)
		return ERR_INVALID;
	rc = org_db_grid_get(db, id, &g);
	if (rc < 0)
		return rc;
	g.manager_id = manager_id;
	g.patroller_id = patroller_id;
	g.supervisor_id = supervisor_id;
	rc = org_db_grid_update(db, &g, now_ms());
	org_grid_release(&g);
	return rc;
}

int org_user_add_hashed(struct db *db, const char *login, const char *display_name, enum role role,
			const char *scope, const char *password_hash, int64_t *id,
			struct errmsg *why)
{
	struct org_user u;
	int rc;

	memset(&u, 0, sizeof(u));
	if (org_login_check(login, why) < 0)
		return ERR_INVALID;
	utf8_copy(u.login, sizeof(u.login), login);
	utf8_copy(u.display_name, sizeof(u.display_name), display_name);
	u.role = role;
	if (scope_parse(scope, &u.scope, why) < 0 || org_role_scope_check(role, &u.scope, why) < 0)
		return ERR_INVALID;
	if (u.scope.kind == SCOPE_REGION && !org_db_region_exists(db, u.scope.region))
		return errmsg_set(why, "scope", "region '%s' does not exist", u.scope.region);
	if (org_db_scope_anchor(db, &u.scope, u.scope_anchor, sizeof(u.scope_anchor)) < 0)
		return errmsg_set(why, "scope", "a grid in the scope does not exist");
	if (strncmp(password_hash, "$argon2id$", 10) != 0)
		return errmsg_set(why, "password", "is not an Argon2id hash");
	utf8_copy(u.password_hash, sizeof(u.password_hash), password_hash);
	u.must_change_password = true;
	u.created_ms = u.updated_ms = u.password_changed_ms = now_ms();
	rc = org_db_user_insert(db, &u);
	if (rc == ERR_CONFLICT)
		errmsg_set(why, "login", "login '%s' is taken", login);
	*id = u.id;
	return rc;
}

int org_dept_add(struct db *db, const char *name, const char *region_code, const char *description,
		 int64_t *id, struct errmsg *why)
{
	int rc;

	*id = 0;
	if (name == NULL || name[0] == '\0' || utf8_len(name) > 100)
		return errmsg_set(why, "name", "must have 1 to 100 characters");
	if (description && utf8_len(description) > 2000)
		return errmsg_set(why, "description", "must have at most 2000 characters");
	if (!org_db_region_exists(db, region_code))
		return errmsg_set(why, "region_code", "no administrative division has code '%s'",
				  region_code ? region_code : "");
	rc = org_db_dept_insert(db, name, region_code, description, now_ms(), id);
	if (rc == ERR_CONFLICT)
		errmsg_set(why, "name", "division %s has a department named '%s'", region_code,
			   name);
	return rc;
}

int org_user_set_dept(struct db *db, int64_t user_id, int64_t dept_id, struct errmsg *why)
{
	struct org_user u;
	json_t *d = NULL;
	int rc;

	if (org_db_user_by_id(db, user_id, &u) < 0)
		return errmsg_set(why, "user_id", "no user has id %" PRId64, user_id);
	if (dept_id) {
		if (org_db_dept_get(db, dept_id, &d) < 0)
			return errmsg_set(why, "dept_id", "no department has id %" PRId64, dept_id);
		rc = scope_has_region(&u.scope, json_str(d, "region_code"));
		json_decref(d);
		if (!rc)
			return errmsg_set(why, "dept_id",
					  "department %" PRId64
					  " lies outside the scope of user %s",
					  dept_id, u.login);
	}
	u.dept_id = dept_id;
	u.updated_ms = now_ms();
	return org_db_user_update(db, &u);
}

/* ------------------------------------------------------------ command line */

static int cli_audit(struct db *db, const char *action, const struct org_user *u, json_t *summary)
{
	struct audit_actor a;
	char id[24];
	int rc;

	audit_actor_cli(&a);
	snprintf(id, sizeof(id), "%" PRId64, u->id);
	rc = audit_append(db, &a, action, "user", id, summary);
	json_decref(summary);
	return rc;
}

int org_cli_user_add(struct app *app, struct db *db, const struct org_user_opts *o, char *generated,
		     size_t n, struct errmsg *why)
{
	struct org_user u;
	const char *password = o->password;
	int rc;

	memset(&u, 0, sizeof(u));
	generated[0] = '\0';
	if (org_login_check(o->login, why) < 0)
		return ERR_INVALID;
	snprintf(u.login, sizeof(u.login), "%s", o->login);
	if (role_parse(o->role, &u.role) < 0)
		return errmsg_set(why, "role",
				  "unknown role '%s' (admin, leader, inspector, grid_manager, "
				  "grid_patroller, grid_supervisor, enterprise_officer)",
				  o->role);
	if (scope_parse(o->scope ? o->scope : "all", &u.scope, why) < 0)
		return ERR_INVALID;
	if (org_role_scope_check(u.role, &u.scope, why) < 0)
		return ERR_INVALID;
	if (u.scope.kind == SCOPE_REGION && !org_db_region_exists(db, u.scope.region))
		return errmsg_set(why, "scope", "region '%s' does not exist", u.scope.region);
	if (password && org_password_check(u.login, password, why) < 0)
		return ERR_INVALID;
	if (password == NULL) {
		org_password_generate(generated, n);
		password = generated;
	}
	rc = org_db_scope_anchor(db, &u.scope, u.scope_anchor, sizeof(u.scope_anchor));
	if (rc < 0)
		return errmsg_set(why, "scope", "a grid in the scope does not exist");
	rc = org_password_hash(&app->cfg, password, u.password_hash, sizeof(u.password_hash));
	if (rc < 0)
		return rc;
	u.must_change_password = true;
	u.created_ms = u.updated_ms = u.password_changed_ms = now_ms();
	rc = db_begin(db);
	if (rc < 0)
		return rc;
	rc = org_db_user_insert(db, &u);
	if (rc == 0)
		rc = cli_audit(db, "user.create", &u, org_user_json(&u));
	if (rc < 0) {
		db_rollback(db);
		if (rc == ERR_CONFLICT)
			errmsg_set(why, "login", "login '%s' is taken", u.login);
		return rc;
	}
	return db_commit(db);
}

int org_cli_user_passwd(struct app *app, struct db *db, const char *login, const char *password,
			char *generated, size_t n, struct errmsg *why)
{
	struct org_user u;
	int rc;

	generated[0] = '\0';
	rc = org_db_user_by_login(db, login, &u);
	if (rc == ERR_NOT_FOUND) {
		errmsg_set(why, "login", "no user '%s'", login);
		return ERR_NOT_FOUND;
	}
	if (rc < 0)
		return rc;
	if (u.machine) {
		errmsg_set(why, "login", "'%s' is a machine account: it has no password", login);
		return ERR_CONFLICT;
	}
	if (password && org_password_check(u.login, password, why) < 0)
		return ERR_INVALID;
	if (password == NULL) {
		org_password_generate(generated, n);
		password = generated;
	}
	rc = org_password_hash(&app->cfg, password, u.password_hash, sizeof(u.password_hash));
	if (rc < 0)
		return rc;
	u.updated_ms = now_ms();
	rc = db_begin(db);
	if (rc < 0)
		return rc;
	/* Only the password columns change: a lock set meanwhile by someone else stays. */
	rc = org_db_user_set_password(db, u.id, u.password_hash, true, u.updated_ms);
	if (rc == 0)
		rc = org_db_sessions_revoke_user(db, u.id, 0, u.updated_ms);
	if (rc == 0)
		rc = cli_audit(db, "user.password.reset", &u, json_object());
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

int org_cli_user_lock(struct db *db, const char *login, bool lock, struct errmsg *why)
{
	struct org_user u;
	int rc;

	rc = org_db_user_by_login(db, login, &u);
	if (rc == ERR_NOT_FOUND) {
		errmsg_set(why, "login", "no user '%s'", login);
		return ERR_NOT_FOUND;
	}
	if (rc < 0)
		return rc;
	u.updated_ms = now_ms();
	rc = db_begin(db);
	if (rc < 0)
		return rc;
	rc = org_db_user_set_locked(db, u.id, lock, u.updated_ms);
	if (rc == 0 && lock)
		rc = org_db_sessions_revoke_user(db, u.id, 0, u.updated_ms);
	if (rc == 0)
		rc = cli_audit(db, lock ? "user.lock" : "user.unlock", &u, json_object());
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

static const char SQL_USERS_ALL[] =
	"SELECT id, login, role, scope, locked, must_change_password, locked_until_ms, "
	"display_name FROM app_user ORDER BY id";

int org_cli_user_list(struct db *db)
{
	struct db_stmt *st = db_stmt(db, SQL_USERS_ALL);
	int64_t now = now_ms();
	int rc;

	if (st == NULL)
		return ERR_DB;
	printf("%-6s %-24s %-20s %-28s %s\n", "ID", "LOGIN", "ROLE", "SCOPE", "STATE");
	while ((rc = db_step(st)) == DB_ROW) {
		const char *state = db_col_i64(st, 4)	      ? "locked"
				    : db_col_i64(st, 6) > now ? "locked-after-failures"
				    : db_col_i64(st, 5)	      ? "must-change-password"
							      : "active";

		printf("%-6" PRId64 " %-24s %-20s %-28s %s\n", db_col_i64(st, 0),
		       db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3), state);
	}
	return rc < 0 ? rc : 0;
}
