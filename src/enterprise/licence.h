/* SPDX-License-Identifier: MIT */
/*
 * Licences of the enterprise file (安全许可, DESIGN §2 "licences with expiry
 * warnings"): the work-safety and hazardous-chemical licences an enterprise
 * holds, each with its number, issuer and period of validity, and the warning
 * state of each as the end of its validity approaches.
 *
 * Dates are local calendar dates (UTC+8) held as "YYYY-MM-DD" text and, for
 * arithmetic, as day numbers (core/clock.h). The warning state is computed when
 * a licence is read, from "today" and the configured bands; it is never stored.
 *
 * licence.c holds the pure rules, licence_db.c the SQL, licence_api.c the routes.
 * Licences belong to the enterprise module: enterprise_db.c reads the licence
 * table for an enterprise's worst state.
 */
#ifndef ENTERPRISE_LICENCE_H
#define ENTERPRISE_LICENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enterprise/enterprise.h"

struct db;
struct field_errors;
struct list_params;

/* Warning states, from best to worst (a larger value is worse). */
enum licence_state {
	LICENCE_STATE_VALID = 0,
	LICENCE_STATE_EXPIRING_90,
	LICENCE_STATE_EXPIRING_60,
	LICENCE_STATE_EXPIRING_30,
	LICENCE_STATE_EXPIRED,
};

/*
 * The warning bands: the largest days_left of each expiring state (settings
 * licence.expiring_90_days / _60_ / _30_, defaults 90, 60, 30;
 * 0 <= days_30 < days_60 < days_90, checked by config_check()).
 */
struct licence_bands {
	int days_90, days_60, days_30;
};

/* What the state of a licence is computed from. */
struct licence_rules {
	int64_t today; /* local (UTC+8) day number */
	struct licence_bands bands;
};

#define LICENCE_NUMBER_MAX (64 * 4 + 1)	 /* 64 characters of UTF-8 */
#define LICENCE_ISSUER_MAX (100 * 4 + 1) /* 100 characters */

struct licence {
	int64_t id;
	int64_t enterprise_id;
	char enterprise_name[ENTERPRISE_NAME_MAX]; /* read with the licence; not written */
	char enterprise_region[16];		   /* read with the licence; not written */
	char enterprise_uscc[20];		   /* read with the licence; not written */
	int64_t enterprise_grid_id;		   /* read with the licence; not written */
	char type[24];				   /* one of licence_type_zh()'s types */
	char number[LICENCE_NUMBER_MAX];
	char issuer[LICENCE_ISSUER_MAX];
	char valid_from[11]; /* "YYYY-MM-DD" */
	char valid_until[11];
	int64_t created_ms, updated_ms;
};

/* --- rules (licence.c) --- */

/*
 * The Chinese name of a licence type, or NULL when type is not one:
 * safety_production 安全生产许可证 (安全生产许可证条例, State Council Decree 397),
 * hazchem_business 危险化学品经营许可证, hazchem_use 危险化学品安全使用许可证
 * (危险化学品安全管理条例, Decree 591), fireworks_business 烟花爆竹经营许可证
 * (烟花爆竹安全管理条例, Decree 455), mining 非煤矿山/煤矿安全生产许可证, other.
 */
const char *licence_type_zh(const char *type);

/*
 * The warning state of a licence valid until day valid_until, on day today (both day
 * numbers): days_left = valid_until - today; expired when days_left < 0, expiring_30
 * when 0 <= days_left <= b->days_30, expiring_60 up to b->days_60, expiring_90 up to
 * b->days_90, valid beyond. A licence is still valid on its last day (days_left 0).
 * This banding is the practice of docs/enterprise.md, not a national rule.
 */
enum licence_state licence_state(int64_t valid_until, int64_t today, const struct licence_bands *b);

/* Returns: static name ("valid", "expiring_90", ..., "expired"). */
const char *licence_state_name(enum licence_state s);
/* Parses a state name. Returns 0 or ERR_INVALID. */
int licence_state_parse(const char *s, enum licence_state *out);

/* A closed range of valid_until days; an open end when has_from / has_to is false. */
struct licence_range {
	bool has_from, has_to;
	int64_t from, to;
};

/*
 * The valid_until days a list filter selects on r->today: state (a state name,
 * "expiring" for any expiring_* state, or NULL) and within_days (valid_until from
 * today to today + within_days, expired excluded; -1 = no such filter); both given:
 * their intersection (possibly empty: from > to). Returns 0, or ERR_INVALID for an
 * unknown state name.
 */
int licence_filter_range(const char *state, int64_t within_days, const struct licence_rules *r,
			 struct licence_range *out);

/*
 * Checks a licence's fields: type from the list, number not blank (white space, U+00A0
 * and U+3000 count as blank), both dates real
 * calendar dates "YYYY-MM-DD" (years 1900..2999), valid_from <= valid_until. Adds one
 * error per bad field to fe, named after the field. Returns 0 or ERR_INVALID.
 */
int licence_check(const struct licence *l, struct field_errors *fe);

/*
 * JSON form {id, enterprise_id, enterprise_name, type, number, issuer, valid_from,
 * valid_until, state, days_left, created_ms, updated_ms}. With r NULL (audit
 * records) state and days_left are left out. Returns: owned.
 */
json_t *licence_json(const struct licence *l, const struct licence_rules *r);

/* --- storage (licence_db.c) --- */

/* Filters of the licence lists; NULL / 0 = no filter. Scope fields as enterprise_filter. */
struct licence_filter {
	const char *scope_prefix;
	int64_t grid_user;
	const char *scope_uscc;
	int64_t enterprise_id;
	const char *type;
	const char *region;		   /* region subtree prefix of the enterprise */
	const char *until_from, *until_to; /* "YYYY-MM-DD" bounds of valid_until, inclusive */
};

/* The licence with its enterprise's name, region, code and grid. 0, ERR_NOT_FOUND or ERR_DB. */
int licence_db_get(struct db *db, int64_t id, struct licence *l);
/* Inserts l and sets l->id. 0, ERR_CONFLICT (same type and number), ERR_INVALID (FK), ERR_DB. */
int licence_db_insert(struct db *db, struct licence *l, int64_t now_ms);
/* Writes the fields of l. 0, ERR_NOT_FOUND, ERR_CONFLICT or ERR_DB. */
int licence_db_update(struct db *db, struct licence *l, int64_t now_ms);
int licence_db_delete(struct db *db, int64_t id);
/*
 * One page (lp->sort indexes "valid_until", "id", "valid_from", "type") as
 * licence_json(l, r) objects. Returns 0 with *items owned, or ERR_DB.
 */
int licence_db_list(struct db *db, const struct licence_filter *f, const struct list_params *lp,
		    const struct licence_rules *r, json_t **items);
/* Every licence of one enterprise as licence_json(l, NULL) (audit of a delete). */
int licence_db_all_json(struct db *db, int64_t enterprise_id, json_t **items);

#endif
