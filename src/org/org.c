/* SPDX-License-Identifier: MIT */
/*
 * Account and organisation rules: pure functions over plain values, tested
 * without a server or a database (tests/unit/org/test_org.c).
 */
#include "org/org.h"

#include <argon2.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/err.h"
#include "core/util.h"
#include "core/banned.h"

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return false;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

int org_password_check(const char *login, const char *password, struct errmsg *why)
{
	bool lower = false, upper = false, digit = false, other = false;
	size_t len;
	int classes;

	if (!utf8_valid(password, strlen(password)))
		return errmsg_set(why, "password", "is not valid UTF-8");
	len = utf8_len(password);
	if (len < 8)
		return errmsg_set(why, "password", "must have at least 8 characters");
	if (len > 128)
		return errmsg_set(why, "password", "must have at most 128 characters");
	for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			lower = true;
		else if (*p >= 'A' && *p <= 'Z')
			upper = true;
		else if (*p >= '0' && *p <= '9')
			digit = true;
		else
			other = true;
	}
	classes = lower + upper + digit + other;
	if (classes < 3)
		return errmsg_set(why, "password",
				  "must mix at least three of: lower-case letters, upper-case "
				  "letters, digits, other characters");
	if (login && strlen(login) >= 3 && contains_ci(password, login))
		return errmsg_set(why, "password", "must not contain the login name");
	if (login && strcasecmp(login, password) == 0)
		return errmsg_set(why, "password", "must not be the login name");
	return 0;
}

void org_password_generate(char *out, size_t n)
{
	/* No look-alikes (0/O, 1/l/I) since people type it once from a terminal. */
	static const char *const sets[4] = { "abcdefghijkmnopqrstuvwxyz",
					     "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_=+@" };
	unsigned char r[32];
	size_t len = 16;

	if (n < len + 1)
		len = n - 1;
	random_bytes(r, sizeof(r));
	for (size_t i = 0; i < len; i++) {
		const char *set = sets[i < 4 ? i : r[16 + i % 16] % 4];

		out[i] = set[r[i] % strlen(set)];
	}
	out[len] = '\0';
	/* Shuffle so that the four guaranteed classes are not always first. */
	for (size_t i = len - 1; i > 0; i--) {
		unsigned char k;

		random_bytes(&k, 1);
		size_t j = k % (i + 1);
		char t = out[i];

		out[i] = out[j];
		out[j] = t;
	}
}

int org_password_hash(const struct config *cfg, const char *password, char *out, size_t n)
{
	unsigned char salt[16];
	int rc;

	random_bytes(salt, sizeof(salt));
	rc = argon2id_hash_encoded((uint32_t)cfg->argon2_t_cost, (uint32_t)cfg->argon2_m_kib, 1,
				   password, strlen(password), salt, sizeof(salt), 32, out, n);
	return rc == ARGON2_OK ? 0 : ERR_INTERNAL;
}

bool org_password_verify(const char *encoded, const char *password)
{
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

int org_login_check(const char *login, struct errmsg *why)
{
	size_t n = strlen(login);

	if (n < 3 || n > 64)
		return errmsg_set(why, "login", "must have 3 to 64 characters");
	for (const char *p = login; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		      strchr("._-@", *p)))
			return errmsg_set(why, "login",
					  "may hold only a-z, 0-9 and . _ - @ (lower case)");
	return 0;
}

int64_t org_lockout_until(int failed_logins, int64_t now_ms, int failures, int lockout_min)
{
	if (failed_logins >= failures)
		return now_ms + (int64_t)lockout_min * 60000;
	return 0;
}

int org_failed_logins_after(int failed_logins, int64_t locked_until_ms, int64_t now_ms)
{
	if (locked_until_ms > 0 && locked_until_ms <= now_ms)
		return 1;
	return failed_logins + 1;
}

bool org_session_valid(int64_t created_ms, int64_t last_seen_ms, int64_t now_ms, int idle_min,
		       int absolute_min)
{
	return now_ms - last_seen_ms < (int64_t)idle_min * 60000 &&
	       now_ms - created_ms < (int64_t)absolute_min * 60000;
}

int org_role_scope_check(enum role role, const struct scope *scope, struct errmsg *why)
{
	switch (role) {
	case ROLE_ADMIN:
	case ROLE_LEADER:
	case ROLE_INSPECTOR:
		if (scope->kind == SCOPE_ALL || scope->kind == SCOPE_REGION)
			return 0;
		return errmsg_set(why, "scope", "role '%s' takes scope 'all' or 'region:CODE'",
				  role_name(role));
	case ROLE_GRID_MANAGER:
	case ROLE_GRID_PATROLLER:
	case ROLE_GRID_SUPERVISOR:
		if (scope->kind == SCOPE_GRIDS || scope->kind == SCOPE_REGION)
			return 0;
		return errmsg_set(why, "scope",
				  "role '%s' takes scope 'grids:ID,..' or "
				  "'region:CODE'",
				  role_name(role));
	case ROLE_ENTERPRISE_OFFICER:
		if (scope->kind == SCOPE_ENTERPRISE)
			return 0;
		return errmsg_set(why, "scope",
				  "role 'enterprise_officer' takes scope "
				  "'enterprise:USCC'");
	default:
		return errmsg_set(why, "role", "unknown role");
	}
}

static int ring_check(const json_t *ring, struct errmsg *why)
{
	size_t n = json_array_size(ring);
	const json_t *first, *last;

	if (!json_is_array(ring) || n < 4)
		return errmsg_set(why, "geometry", "each ring needs at least 4 positions");
	if (n > 100000)
		return errmsg_set(why, "geometry", "a ring has more than 100000 positions");
	for (size_t i = 0; i < n; i++) {
		const json_t *pos = json_array_get(ring, i);
		double lon, lat;

		/* RFC 7946 §3.1.1: [longitude, latitude] or with an altitude, all numbers. */
		if (!json_is_array(pos) || json_array_size(pos) < 2 || json_array_size(pos) > 3 ||
		    !json_is_number(json_array_get(pos, 0)) ||
		    !json_is_number(json_array_get(pos, 1)) ||
		    (json_array_size(pos) == 3 && !json_is_number(json_array_get(pos, 2))))
			return errmsg_set(why, "geometry",
					  "position %zu is not [longitude, latitude] or "
					  "[longitude, latitude, altitude]",
					  i);
		lon = json_number_value(json_array_get(pos, 0));
		lat = json_number_value(json_array_get(pos, 1));
		if (lon < 73.0 || lon > 136.0 || lat < 3.0 || lat > 54.0)
			return errmsg_set(why, "geometry",
					  "position %zu (%.6f, %.6f) lies outside China", i, lon,
					  lat);
	}
	first = json_array_get(ring, 0);
	last = json_array_get(ring, n - 1);
	if (json_number_value(json_array_get(first, 0)) !=
		    json_number_value(json_array_get(last, 0)) ||
	    json_number_value(json_array_get(first, 1)) !=
		    json_number_value(json_array_get(last, 1)))
		return errmsg_set(why, "geometry", "a ring must end where it starts");
	return 0;
}

static int polygon_check(const json_t *rings, struct errmsg *why)
{
	size_t i;
	const json_t *ring;

	if (!json_is_array(rings) || json_array_size(rings) == 0)
		return errmsg_set(why, "geometry", "a polygon needs at least one ring");
	json_array_foreach(rings, i, ring) {
		int rc = ring_check(ring, why);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int org_geometry_check(const json_t *g, struct errmsg *why)
{
	const char *type = json_string_value(json_object_get(g, "type"));
	const json_t *coords = json_object_get(g, "coordinates");
	size_t i;
	const json_t *poly;

	if (!json_is_object(g) || type == NULL || coords == NULL)
		return errmsg_set(why, "geometry",
				  "must be a GeoJSON object with 'type' and 'coordinates'");
	if (strcmp(type, "Polygon") == 0)
		return polygon_check(coords, why);
	if (strcmp(type, "MultiPolygon") == 0) {
		if (!json_is_array(coords) || json_array_size(coords) == 0)
			return errmsg_set(why, "geometry", "a MultiPolygon needs polygons");
		json_array_foreach(coords, i, poly) {
			int rc = polygon_check(poly, why);

			if (rc < 0)
				return rc;
		}
		return 0;
	}
	return errmsg_set(why, "geometry", "type must be Polygon or MultiPolygon, not '%s'", type);
}
