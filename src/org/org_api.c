/* SPDX-License-Identifier: MIT */
/*
 * Accounts over HTTP: log in and out (sessions), the current user and their
 * password, users (administrators), API tokens for machine clients; and the
 * router's authentication hook. Every write runs in one transaction with its
 * audit record.
 */
#define LOG_MODULE "org"
#include "org/org.h"
#include "org/org_api.h"
#include "org/org_db.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/util.h"
#include "db/db.h"
#include "http/req.h"
#include "http/server.h"
#include "core/banned.h"

#define API_TOKEN_PREFIX "ajt_"
#define TOUCH_EVERY_MS	 60000

/* ------------------------------------------------------------ authentication */

static int principal_from_user(const struct org_user *u, struct principal *p)
{
	memset(p, 0, sizeof(*p));
	p->user_id = u->id;
	snprintf(p->login, sizeof(p->login), "%s", u->login);
	p->role = u->role;
	p->perms = role_perms(u->role);
	p->scope = u->scope;
	p->must_change_password = u->must_change_password;
	return 0;
}

int org_auth_resolve(struct req *rq, const char *token, struct principal *out)
{
	const struct config *cfg = &rq->app->cfg;
	struct org_user u;
	char hash[65];
	int64_t now = now_ms();
	int rc;

	if (strlen(token) > 200)
		return ERR_UNAUTHORIZED;
	sha256_hex(token, strlen(token), hash);
	if (strncmp(token, API_TOKEN_PREFIX, strlen(API_TOKEN_PREFIX)) == 0) {
		int64_t id, last_used;

		rc = org_db_token_find(rq->db, hash, &id, &last_used, &u);
		if (rc < 0 || u.locked || !u.machine)
			return ERR_UNAUTHORIZED;
		principal_from_user(&u, out);
		out->token_id = id;
		out->must_change_password = false; /* machine clients have no password to change */
		/* Like sessions: at most one write a minute, not one per request. */
		if (now - last_used > TOUCH_EVERY_MS)
			org_db_token_touch(rq->db, id, now);
		return 0;
	}
	struct org_session s;

	rc = org_db_session_find(rq->db, hash, &s, &u);
	if (rc < 0 || s.revoked_ms || u.locked ||
	    !org_session_valid(s.created_ms, s.last_seen_ms, now, cfg->session_idle_min,
			       cfg->session_absolute_min))
		return ERR_UNAUTHORIZED;
	principal_from_user(&u, out);
	out->session_id = s.id;
	snprintf(out->csrf, sizeof(out->csrf), "%s", s.csrf);
	/* Idle timeout granularity is one minute: no write on every request. */
	if (now - s.last_seen_ms > TOUCH_EVERY_MS)
		org_db_session_touch(rq->db, s.id, now);
	return 0;
}

void org_gauges(struct app *app, struct db *db, struct buf *out)
{
	int64_t n = 0;

	if (org_db_sessions_active(db, now_ms() - (int64_t)app->cfg.session_idle_min * 60000, &n) <
	    0)
		return;
	buf_addf(out,
		 "# HELP anjian_sessions_active Sessions used within the idle timeout.\n"
		 "# TYPE anjian_sessions_active gauge\nanjian_sessions_active %" PRId64 "\n",
		 n);
}

/* ------------------------------------------------------------ helpers */

/* Commits, or rolls back and returns rc. */
/* The region prefix under which an admin may manage users, or NULL for all. */
static const char *manage_prefix(struct req *rq, char *buf, size_t n)
{
	if (rq->user->scope.kind == SCOPE_ALL)
		return NULL;
	if (rq->user->scope.kind == SCOPE_REGION) {
		snprintf(buf, n, "%.*s", (int)region_prefix_len(rq->user->scope.region),
			 rq->user->scope.region);
		return buf;
	}
	snprintf(buf, n, "-"); /* matches no anchor */
	return buf;
}

/* True when the caller's scope covers every row visible to scope s. */
static bool covers(struct req *rq, const struct scope *s)
{
	return org_db_scope_covers(rq->db, &rq->user->scope, s);
}

/* Phones are personal data: only administrators read them whole. */
static void mask_personal(struct req *rq, json_t *user)
{
	const char *phone = json_str(user, "phone");
	char masked[48];

	if (rq->user->role == ROLE_ADMIN || phone == NULL || phone[0] == '\0')
		return;
	mask_phone(phone, masked, sizeof(masked));
	json_object_set_new(user, "phone", json_string(masked));
}

static void set_session_cookie(struct req *rq, struct resp *rs, const char *token, int max_age_s)
{
	char cookie[256];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
		 HTTP_SESSION_COOKIE, token, max_age_s,
		 rq->app->cfg.cookie_secure ? "; Secure" : "");
	resp_header(rs, "Set-Cookie", cookie);
}

/* ------------------------------------------------------------ POST /session */

static const struct json_field login_fields[] = {
	{ "login", JF_STRING, JF_REQUIRED, 64, 0, 0 },
	{ "password", JF_STRING, JF_REQUIRED, 256, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/*
 * One answer for every refused login, so that it does not tell whether the login exists
 * or is locked (OWASP ASVS 2.2); the reason goes to the audit log.
 */
#define LOGIN_REFUSED "wrong login or password, or the account is locked"

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[160];
static const struct config *dummy_cfg;

static void dummy_init(void)
{
	if (org_password_hash(dummy_cfg, "no account has this password", dummy_hash,
			      sizeof(dummy_hash)) < 0)
		dummy_hash[0] = '\0';
}

void org_auth_init(const struct config *cfg)
{
	dummy_cfg = cfg;
	pthread_once(&dummy_once, dummy_init);
}

/* Spends the time of a real password check, so that unknown logins answer as slowly. */
static void dummy_verify(const struct config *cfg, const char *password)
{
	org_auth_init(cfg);
	if (dummy_hash[0])
		(void)org_password_verify(dummy_hash, password);
}

static int audit_login(struct req *rq, const char *action, const char *login, json_t *summary)
{
	struct audit_actor a;
	int rc;

	audit_actor_from_req(rq, &a);
	rc = audit_append(rq->db, &a, action, "user", login, summary);
	json_decref(summary);
	return rc;
}

/*
 * Refuses a login: with count_failure, the user's failure count goes up (read and written
 * inside the write transaction, so concurrent attempts cannot lose counts) and reaching
 * the threshold locks the account. Writes the audit record, answers 401.
 */
static int login_refuse(struct req *rq, struct resp *rs, int64_t user_id, const char *login,
			const char *reason, bool count_failure)
{
	const struct config *cfg = &rq->app->cfg;
	int64_t now = now_ms(), until = 0;
	struct org_user fresh;
	int rc, failed = 0;

	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	if (user_id && count_failure) {
		rc = org_db_user_by_id(rq->db, user_id, &fresh);
		if (rc == 0) {
			failed = org_failed_logins_after(fresh.failed_logins, fresh.locked_until_ms,
							 now);
			until = fresh.locked_until_ms > now
					? fresh.locked_until_ms
					: org_lockout_until(failed, now, cfg->lockout_failures,
							    cfg->lockout_min);
			rc = org_db_user_set_login_state(rq->db, user_id, failed, until);
		}
	}
	if (rc == 0)
		rc = audit_login(rq, "login.fail", login,
				 json_pack("{s:s, s:i, s:b}", "reason", reason, "failed_logins",
					   failed, "locked", until > now));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	resp_header(rs, "WWW-Authenticate", "Bearer");
	return resp_problem(rs, 401, NULL, LOGIN_REFUSED, NULL);
}

static int session_create(struct req *rq, struct resp *rs)
{
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	struct org_user u, fresh;
	const char *login, *password;
	char token[64], csrf[48], hash[65];
	int64_t sid, now = now_ms();
	int retry = 0, attempt = 0, rc;
	json_t *user;

	/*
	 * The first login of the process, whoever it is for, pays for making the stand-in
	 * hash: it does not slow the start or tell unknown logins apart.
	 */
	org_auth_init(cfg);
	if (!rate_limiter_allow_ex(rq->app->login_limiter, rq->ip, now, &retry, &attempt)) {
		char ra[16];

		/*
		 * The first refusal of a window is audited; the rest of the window's attempts
		 * are in the access log only, so that a flood cannot turn into a write flood.
		 */
		if (attempt == cfg->login_rate_per_min + 1) {
			rc = db_begin(rq->db);
			if (rc == 0)
				rc = audit_login(rq, "login.rate_limited",
						 json_is_string(json_object_get(rq->body, "login"))
							 ? json_str(rq->body, "login")
							 : "",
						 json_pack("{s:i}", "limit_per_min",
							   cfg->login_rate_per_min));
			rc = db_finish(rq->db, rc);
			if (rc < 0)
				return rc;
		}
		snprintf(ra, sizeof(ra), "%d", retry);
		resp_header(rs, "Retry-After", ra);
		return resp_problem(rs, 429, NULL, "too many login attempts from this address",
				    NULL);
	}
	if (json_check(rq->body, login_fields, &fe) < 0) {
		/* A malformed attempt is still an attempt: audit it, then name the fields. */
		rc = db_begin(rq->db);
		if (rc == 0)
			rc = audit_login(rq, "login.fail",
					 json_is_string(json_object_get(rq->body, "login"))
						 ? json_str(rq->body, "login")
						 : "",
					 json_pack("{s:s}", "reason", "malformed request"));
		rc = db_finish(rq->db, rc);
		if (rc < 0)
			return rc;
		return resp_invalid(rs, &fe);
	}
	login = json_str(rq->body, "login");
	password = json_str(rq->body, "password");

	rc = org_db_user_by_login(rq->db, login, &u);
	if (rc == ERR_NOT_FOUND) {
		dummy_verify(cfg, password);
		return login_refuse(rq, rs, 0, login, "unknown login", false);
	}
	if (rc < 0)
		return rc;
	/* Refusals without a password check still take its time: no answer is quicker. */
	if (u.machine || u.locked || u.locked_until_ms > now) {
		dummy_verify(cfg, password);
		return login_refuse(rq, rs, u.id, login,
				    u.machine  ? "machine account: API tokens only"
				    : u.locked ? "locked by an administrator"
					       : "locked after failed logins",
				    false);
	}
	if (!org_password_verify(u.password_hash, password))
		return login_refuse(rq, rs, u.id, login, "wrong password", true);

	random_token(32, token, sizeof(token)); /* 256 random bits */
	random_token(24, csrf, sizeof(csrf));
	sha256_hex(token, strlen(token), hash);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	/* The account may have been locked while the password was being checked. */
	rc = org_db_user_by_id(rq->db, u.id, &fresh);
	if (rc == 0 && (fresh.locked || fresh.locked_until_ms > now)) {
		db_rollback(rq->db);
		return login_refuse(rq, rs, u.id, login, "locked during the login", false);
	}
	/* The password checked above may have been changed or reset meanwhile. */
	if (rc == 0 && strcmp(fresh.password_hash, u.password_hash) != 0) {
		db_rollback(rq->db);
		return login_refuse(rq, rs, u.id, login, "password changed during the login",
				    false);
	}
	if (rc == 0)
		rc = org_db_user_set_login_state(rq->db, u.id, 0, 0);
	if (rc == 0)
		rc = org_db_session_insert(rq->db, hash, csrf, u.id, rq->ip, now, &sid);
	if (rc == 0) {
		struct audit_actor a;
		json_t *summary = json_pack("{s:I}", "session_id", (json_int_t)sid);

		audit_actor_from_req(rq, &a);
		a.id = u.id;
		snprintf(a.login, sizeof(a.login), "%s", u.login);
		rc = audit_append(rq->db, &a, "login.ok", "user", login, summary);
		json_decref(summary);
	}
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	set_session_cookie(rq, rs, token, cfg->session_absolute_min * 60);
	user = org_user_json(&fresh);
	return resp_json(rs, 201,
			 json_pack("{s:s, s:s, s:b, s:o, s:i, s:I}", "token", token, "csrf_token",
				   csrf, "must_change_password", fresh.must_change_password, "user",
				   user, "idle_timeout_s", cfg->session_idle_min * 60, "expires_ms",
				   (json_int_t)(now + (int64_t)cfg->session_absolute_min * 60000)));
}

/* ------------------------------------------------------------ DELETE /session */

static int session_delete(struct req *rq, struct resp *rs)
{
	int rc;

	if (rq->user->session_id == 0)
		return resp_problem(rs, 409, NULL,
				    "this is an API token, not a session: revoke it with DELETE "
				    "/api/v1/tokens/{id}",
				    NULL);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = org_db_session_revoke(rq->db, rq->user->session_id, now_ms());
	if (rc == 0)
		rc = audit_record(rq, "logout", "user", rq->user->user_id,
				  json_pack("{s:I}", "session_id",
					    (json_int_t)rq->user->session_id));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	set_session_cookie(rq, rs, "", 0);
	return resp_no_content(rs);
}

/* ------------------------------------------------------------ /me */

static json_t *perm_names(uint64_t perms)
{
	json_t *a = json_array();

	for (uint64_t bit = 1; bit && bit <= perms; bit <<= 1)
		if (perms & bit)
			json_array_append_new(a, json_string(perm_name(bit)));
	return a;
}

static int me_get(struct req *rq, struct resp *rs)
{
	struct org_user u;
	json_t *o;
	int rc = org_db_user_by_id(rq->db, rq->user->user_id, &u);

	if (rc < 0)
		return rc;
	o = org_user_json(&u);
	json_object_set_new(o, "permissions", perm_names(rq->user->perms));
	json_object_set_new(o, "auth", json_string(rq->user->token_id ? "api_token" : "session"));
	return resp_json(rs, 200, o);
}

static const struct json_field password_fields[] = {
	{ "old_password", JF_STRING, JF_REQUIRED, 256, 0, 0 },
	{ "new_password", JF_STRING, JF_REQUIRED, 256, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int me_password(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct errmsg why = { 0 };
	struct org_user u, fresh;
	char checked_hash[sizeof(u.password_hash)];
	const char *old_pw, *new_pw;
	int64_t now = now_ms();
	int rc;

	if (rq->user->token_id)
		return resp_problem(rs, 409, NULL, "API tokens have no password", NULL);
	if (json_check(rq->body, password_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	old_pw = json_str(rq->body, "old_password");
	new_pw = json_str(rq->body, "new_password");
	rc = org_db_user_by_id(rq->db, rq->user->user_id, &u);
	if (rc < 0)
		return rc;
	if (!org_password_verify(u.password_hash, old_pw))
		return resp_invalid1(rs, "old_password", "is not the current password");
	snprintf(checked_hash, sizeof(checked_hash), "%s", u.password_hash);
	/* The policy names its subject 'password'; here the body's field is new_password. */
	if (org_password_check(u.login, new_pw, &why) < 0)
		return resp_invalid1(rs, "new_password", why.text);
	if (strcmp(old_pw, new_pw) == 0)
		return resp_invalid1(rs, "new_password", "must differ from the old password");
	if (org_password_hash(&rq->app->cfg, new_pw, u.password_hash, sizeof(u.password_hash)) < 0)
		return ERR_INTERNAL;
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	/*
	 * The old password was checked against the hash read before this transaction: if an
	 * administrator reset it meanwhile (which also ended this session), this change must
	 * not undo the reset.
	 */
	rc = org_db_user_by_id(rq->db, u.id, &fresh);
	if (rc == 0 && strcmp(fresh.password_hash, checked_hash) != 0) {
		db_rollback(rq->db);
		return resp_problem(rs, 409, NULL,
				    "the password was changed or reset meanwhile; log in again",
				    NULL);
	}
	/* Only the password columns: a lock or role change made meanwhile stays. */
	if (rc == 0)
		rc = org_db_user_set_password(rq->db, u.id, u.password_hash, false, now);
	/* Every other session of this user ends; this one goes on. */
	if (rc == 0)
		rc = org_db_sessions_revoke_user(rq->db, u.id, rq->user->session_id, now);
	if (rc == 0)
		rc = audit_record(rq, "user.password.change", "user", u.id, json_object());
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

/* ------------------------------------------------------------ users */

static const struct json_field user_create_fields[] = {
	{ "login", JF_STRING, JF_REQUIRED, 64, 0, 0 },
	{ "display_name", JF_STRING, 0, 64, 0, 0 },
	{ "role", JF_STRING, JF_REQUIRED, 32, 0, 0 },
	{ "scope", JF_STRING, JF_REQUIRED, 1000, 0, 0 },
	{ "dept_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "phone", JF_STRING, 0, 32, 0, 0 },
	{ "password", JF_STRING, 0, 256, 0, 0 },
	{ "machine", JF_BOOL, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field user_patch_fields[] = {
	{ "display_name", JF_STRING, 0, 64, 0, 0 },
	{ "role", JF_STRING, 0, 32, 0, 0 },
	{ "scope", JF_STRING, 0, 1000, 0, 0 },
	{ "dept_id", JF_INT, JF_NULLABLE, 0, 1, INT64_MAX },
	{ "phone", JF_STRING, 0, 32, 0, 0 },
	{ "locked", JF_BOOL, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static bool phone_ok(const char *p)
{
	for (; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == ' '))
			return false;
	return true;
}

/*
 * Applies the fields present in body to u, checking each; the caller's scope
 * must cover the resulting scope. Adds one entry to fe per bad field.
 */
static void user_apply(struct req *rq, const json_t *body, struct org_user *u,
		       struct field_errors *fe)
{
	struct errmsg why = { 0 };
	const char *v;

	if ((v = json_str(body, "display_name")) != NULL)
		utf8_copy(u->display_name, sizeof(u->display_name), v);
	if ((v = json_str(body, "phone")) != NULL) {
		if (!phone_ok(v))
			field_errors_add(fe, "phone", "may hold only digits, spaces, + and -");
		else
			snprintf(u->phone, sizeof(u->phone), "%s", v);
	}
	if ((v = json_str(body, "role")) != NULL && role_parse(v, &u->role) < 0)
		field_errors_add(fe, "role",
				 "must be one of admin, leader, inspector, grid_manager, "
				 "grid_patroller, grid_supervisor, enterprise_officer");
	if ((v = json_str(body, "scope")) != NULL && scope_parse(v, &u->scope, &why) < 0)
		field_errors_add(fe, "scope", "%s", why.text);
	if (json_has(body, "dept_id"))
		u->dept_id = json_i64(body, "dept_id", 0);
	if (json_has(body, "locked"))
		u->locked = json_is_true(json_object_get(body, "locked"));
	if (fe->n)
		return;
	if (org_role_scope_check(u->role, &u->scope, &why) < 0) {
		field_errors_add(fe, why.field, "%s", why.text);
		return;
	}
	if (u->scope.kind == SCOPE_REGION && !org_db_region_exists(rq->db, u->scope.region)) {
		field_errors_add(fe, "scope", "region '%s' does not exist", u->scope.region);
		return;
	}
	if (u->scope.kind == SCOPE_GRIDS) {
		char regions[SCOPE_MAX_GRIDS][16];

		if (org_db_grid_regions(rq->db, &u->scope, regions) < 0) {
			field_errors_add(fe, "scope", "a grid in the scope does not exist");
			return;
		}
	}
	if (!covers(rq, &u->scope)) {
		field_errors_add(fe, "scope", "is outside your own data scope");
		fe->forbidden = true;
		return;
	}
	if (org_db_scope_anchor(rq->db, &u->scope, u->scope_anchor, sizeof(u->scope_anchor)) < 0)
		field_errors_add(fe, "scope", "cannot be resolved");
	if (json_has(body, "dept_id") && u->dept_id) {
		json_t *dept = NULL;

		if (org_db_dept_get(rq->db, u->dept_id, &dept) < 0) {
			field_errors_add(fe, "dept_id", "no such department");
		} else if (!scope_has_region(&rq->user->scope, json_str(dept, "region_code"))) {
			field_errors_add(fe, "dept_id",
					 "this department is outside your data scope");
			fe->forbidden = true;
		}
		json_decref(dept);
	}
}

static int user_load_in_scope(struct req *rq, struct resp *rs, struct org_user *u, bool *ok)
{
	int64_t id;
	int rc;

	*ok = false;
	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the user id must be a positive integer", NULL);
	rc = org_db_user_by_id(rq->db, id, u);
	if (rc < 0)
		return rc;
	if (!covers(rq, &u->scope))
		return resp_problem(rs, 403, NULL, "this user is outside your data scope", NULL);
	*ok = true;
	return 0;
}

/*
 * Opens the write transaction and loads user {id} inside it (see user_load_in_scope). When
 * *ok is false the transaction is already rolled back and the answer is set or rc < 0.
 */
static int user_begin_load(struct req *rq, struct resp *rs, struct org_user *u, bool *ok)
{
	int rc = db_begin(rq->db);

	*ok = false;
	if (rc < 0)
		return rc;
	rc = user_load_in_scope(rq, rs, u, ok);
	if (rc < 0 || !*ok)
		db_rollback(rq->db);
	return rc;
}

static int users_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", "login", "display_name", "created_ms", NULL };
	static const char *const filters[] = { "role", "q", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	char pbuf[16];
	json_t *items = NULL;
	size_t i;
	json_t *it;
	int rc;

	if (list_params_parse(rq, sorts, filters, &lp, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = org_db_user_list(rq->db, manage_prefix(rq, pbuf, sizeof(pbuf)), req_query(rq, "role"),
			      req_query(rq, "q"), &lp, &items);
	if (rc < 0)
		return rc;
	json_array_foreach(items, i, it)
		mask_personal(rq, it);
	return resp_json(rs, 200, list_page(items, &lp));
}

static int users_get(struct req *rq, struct resp *rs)
{
	struct org_user u;
	bool ok;
	int rc = user_load_in_scope(rq, rs, &u, &ok);
	json_t *o;

	if (rc < 0 || !ok)
		return rc;
	o = org_user_json(&u);
	mask_personal(rq, o);
	return resp_json(rs, 200, o);
}

static int users_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct errmsg why = { 0 };
	struct org_user u;
	char generated[24] = "";
	const char *password;
	json_t *o;
	int rc;

	if (json_check(rq->body, user_create_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	memset(&u, 0, sizeof(u));
	utf8_copy(u.login, sizeof(u.login), json_str(rq->body, "login"));
	if (org_login_check(u.login, &why) < 0)
		field_errors_add(&fe, why.field, "%s", why.text);
	u.machine = json_is_true(json_object_get(rq->body, "machine"));
	user_apply(rq, rq->body, &u, &fe);
	password = json_str(rq->body, "password");
	if (password && u.machine)
		field_errors_add(&fe, "password",
				 "machine accounts have no password; they use API "
				 "tokens");
	else if (password && org_password_check(u.login, password, &why) < 0)
		field_errors_add(&fe, why.field, "%s", why.text);
	if (fe.n)
		return resp_invalid(rs, &fe);
	if (u.machine) {
		/* Not an Argon2 string: no password ever matches it. */
		snprintf(u.password_hash, sizeof(u.password_hash), "!");
	} else {
		if (password == NULL) {
			org_password_generate(generated, sizeof(generated));
			password = generated;
		}
		if (org_password_hash(&rq->app->cfg, password, u.password_hash,
				      sizeof(u.password_hash)) < 0)
			return ERR_INTERNAL;
		u.must_change_password = true;
	}
	u.created_ms = u.updated_ms = u.password_changed_ms = now_ms();
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = org_db_user_insert(rq->db, &u);
	if (rc == 0) {
		o = org_user_json(&u);
		rc = audit_record(rq, "user.create", "user", u.id, o);
	}
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL, "this login is taken", NULL);
	if (rc == ERR_INVALID)
		return resp_invalid1(rs, "dept_id", "no such department");
	if (rc < 0)
		return rc;
	o = org_user_json(&u);
	if (generated[0])
		json_object_set_new(o, "generated_password", json_string(generated));
	return resp_json(rs, 201, o);
}

/*
 * Loads, checks and writes inside one write transaction, so that a concurrent change to
 * the same user (a password change, another administrator) is never undone.
 */
static int users_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct org_user u, before;
	bool ok;
	json_t *summary, *o;
	int rc;

	if (json_check(rq->body, user_patch_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	rc = user_begin_load(rq, rs, &u, &ok);
	if (rc < 0 || !ok)
		return rc;
	before = u;
	user_apply(rq, rq->body, &u, &fe);
	if (fe.n) {
		db_rollback(rq->db);
		return resp_invalid(rs, &fe);
	}
	if (u.id == rq->user->user_id && (u.locked || u.role != before.role)) {
		db_rollback(rq->db);
		return resp_problem(rs, 409, NULL,
				    "you cannot lock yourself or change your own role", NULL);
	}
	u.updated_ms = now_ms();
	/* "locked": false also lifts a lockout after failed logins. */
	if (json_has(rq->body, "locked") && !u.locked) {
		u.failed_logins = 0;
		u.locked_until_ms = 0;
	}
	rc = org_db_user_update(rq->db, &u);
	if (rc == 0 && u.locked && !before.locked)
		rc = org_db_sessions_revoke_user(rq->db, u.id, 0, u.updated_ms);
	if (rc == 0) {
		summary = json_pack("{s:o, s:O}", "before", org_user_json(&before), "changes",
				    rq->body);
		rc = audit_record(rq, "user.update", "user", u.id, summary);
	}
	rc = db_finish(rq->db, rc);
	if (rc == ERR_INVALID)
		return resp_invalid1(rs, "dept_id", "no such department");
	if (rc < 0)
		return rc;
	o = org_user_json(&u);
	mask_personal(rq, o);
	return resp_json(rs, 200, o);
}

static int users_delete(struct req *rq, struct resp *rs)
{
	struct org_user u;
	bool ok;
	int rc;

	rc = user_begin_load(rq, rs, &u, &ok);
	if (rc < 0 || !ok)
		return rc;
	if (u.id == rq->user->user_id) {
		db_rollback(rq->db);
		return resp_problem(rs, 409, NULL, "you cannot delete yourself", NULL);
	}
	rc = org_db_user_delete(rq->db, u.id);
	if (rc == 0)
		rc = audit_record(rq, "user.delete", "user", u.id, org_user_json(&u));
	rc = db_finish(rq->db, rc);
	if (rc == ERR_CONFLICT)
		return resp_problem(rs, 409, NULL,
				    "a grid still names this user as its manager, patroller or "
				    "supervisor, or an enterprise as its named inspector",
				    NULL);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

static const struct json_field reset_fields[] = {
	{ "password", JF_STRING, 0, 256, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int users_reset_password(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct errmsg why = { 0 };
	struct org_user u;
	char generated[24] = "", hash[160];
	const char *password;
	int64_t now = now_ms();
	bool ok;
	int rc;

	if (json_check(rq->body, reset_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	password = json_str(rq->body, "password");
	if (password == NULL) {
		org_password_generate(generated, sizeof(generated));
		password = generated;
	}
	/* Hash first (tens of milliseconds), outside the write transaction. */
	if (org_password_hash(&rq->app->cfg, password, hash, sizeof(hash)) < 0)
		return ERR_INTERNAL;
	rc = user_begin_load(rq, rs, &u, &ok);
	if (rc < 0 || !ok)
		return rc;
	if (u.machine) {
		db_rollback(rq->db);
		return resp_problem(rs, 409, NULL, "machine accounts have no password", NULL);
	}
	if (org_password_check(u.login, password, &why) < 0) {
		db_rollback(rq->db);
		return resp_invalid1(rs, why.field, why.text);
	}
	rc = org_db_user_set_password(rq->db, u.id, hash, true, now);
	if (rc == 0)
		rc = org_db_sessions_revoke_user(rq->db, u.id, 0, now);
	if (rc == 0)
		rc = audit_record(rq, "user.password.reset", "user", u.id, json_object());
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200,
			 json_pack("{s:I, s:b, s:o}", "id", (json_int_t)u.id,
				   "must_change_password", 1, "generated_password",
				   generated[0] ? json_string(generated) : json_null()));
}

/* ------------------------------------------------------------ API tokens */

static const struct json_field token_fields[] = {
	{ "user_id", JF_INT, JF_REQUIRED, 0, 1, INT64_MAX },
	{ "name", JF_STRING, JF_REQUIRED, 64, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int tokens_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	struct org_user u;
	char token[80], raw[64], hash[65], prefix[16];
	int64_t id;
	int rc;

	if (json_check(rq->body, token_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	rc = org_db_user_by_id(rq->db, json_i64(rq->body, "user_id", 0), &u);
	if (rc == ERR_NOT_FOUND)
		field_errors_add(&fe, "user_id", "no such user");
	else if (rc < 0)
		return rc;
	if (json_str(rq->body, "name")[0] == '\0')
		field_errors_add(&fe, "name", "must not be empty");
	if (fe.n)
		return resp_invalid(rs, &fe);
	if (!covers(rq, &u.scope))
		return resp_problem(rs, 403, NULL, "this user is outside your data scope", NULL);
	/*
	 * Tokens are for machine clients (issue 2 §6): a token for a person's account would
	 * let an administrator act as that person with the audit log naming them.
	 */
	if (!u.machine)
		return resp_invalid1(
			rs, "user_id",
			"is not a machine account (create one with \"machine\": true)");
	random_token(32, raw, sizeof(raw));
	snprintf(token, sizeof(token), "%s%s", API_TOKEN_PREFIX, raw);
	snprintf(prefix, sizeof(prefix), "%.10s", token);
	sha256_hex(token, strlen(token), hash);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = org_db_token_insert(rq->db, u.id, json_str(rq->body, "name"), prefix, hash, now_ms(),
				 &id);
	if (rc == 0)
		rc = audit_record(rq, "token.create", "api_token", id,
				  json_pack("{s:I, s:s}", "user_id", (json_int_t)u.id, "name",
					    json_str(rq->body, "name")));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	return resp_json(rs, 201,
			 json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "user_id",
				   (json_int_t)u.id, "name", json_str(rq->body, "name"), "prefix",
				   prefix, "token", token));
}

static int tokens_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	char pbuf[16];
	json_t *items = NULL;
	int rc;

	if (list_params_parse(rq, sorts, NULL, &lp, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = org_db_token_list(rq->db, manage_prefix(rq, pbuf, sizeof(pbuf)), &lp, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &lp));
}

static int tokens_delete(struct req *rq, struct resp *rs)
{
	struct org_user u;
	char pbuf[16];
	int64_t id, user_id;
	int rc;

	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the token id must be a positive integer", NULL);
	/* Like every single entity: outside the scope is 403, not 404. */
	rc = org_db_token_user(rq->db, id, &user_id);
	if (rc == 0)
		rc = org_db_user_by_id(rq->db, user_id, &u);
	if (rc < 0)
		return rc;
	if (!covers(rq, &u.scope))
		return resp_problem(rs, 403, NULL, "this token's user is outside your data scope",
				    NULL);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = org_db_token_revoke(rq->db, id, manage_prefix(rq, pbuf, sizeof(pbuf)), now_ms(),
				 &user_id);
	if (rc == 0)
		rc = audit_record(rq, "token.revoke", "api_token", id,
				  json_pack("{s:I}", "user_id", (json_int_t)user_id));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

const struct route org_account_routes[] = {
	{ .method = HTTP_POST,
	  .path = "/api/v1/session",
	  .handler = session_create,
	  .flags = ROUTE_PUBLIC | ROUTE_JSON_BODY,
	  .max_body = 4096,
	  .summary = "log in with login and password; answers a token and sets the cookie" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/session",
	  .handler = session_delete,
	  .perm = PERM_SELF,
	  .flags = ROUTE_PENDING_OK,
	  .summary = "log out" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/me",
	  .handler = me_get,
	  .perm = PERM_SELF,
	  .flags = ROUTE_PENDING_OK,
	  .summary = "the current user, role, scope and permissions" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/me/password",
	  .handler = me_password,
	  .perm = PERM_SELF,
	  .flags = ROUTE_PENDING_OK | ROUTE_JSON_BODY,
	  .max_body = 4096,
	  .summary = "change one's own password (old_password, new_password)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/users",
	  .handler = users_list,
	  .perm = PERM_USER_READ,
	  .summary = "users in your scope; filters role, q" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/users",
	  .handler = users_create,
	  .perm = PERM_USER_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "create a user; without a password one is generated and answered once" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/users/{id}",
	  .handler = users_get,
	  .perm = PERM_USER_READ,
	  .summary = "one user" },
	{ .method = HTTP_PATCH,
	  .path = "/api/v1/users/{id}",
	  .handler = users_patch,
	  .perm = PERM_USER_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 16384,
	  .summary = "change a user's name, role, scope, department, phone or lock" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/users/{id}",
	  .handler = users_delete,
	  .perm = PERM_USER_WRITE,
	  .summary = "delete a user (sessions and tokens go too; audit records keep the login)" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/users/{id}/password",
	  .handler = users_reset_password,
	  .perm = PERM_USER_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 4096,
	  .summary = "reset a user's password (must be changed at next login)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/tokens",
	  .handler = tokens_list,
	  .perm = PERM_TOKEN_ADMIN,
	  .summary = "API tokens of users in your scope" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/tokens",
	  .handler = tokens_create,
	  .perm = PERM_TOKEN_ADMIN,
	  .flags = ROUTE_JSON_BODY,
	  .max_body = 4096,
	  .summary = "create an API token for a (machine) user; the token is answered once" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/tokens/{id}",
	  .handler = tokens_delete,
	  .perm = PERM_TOKEN_ADMIN,
	  .summary = "revoke an API token" },
	{ 0 },
};
