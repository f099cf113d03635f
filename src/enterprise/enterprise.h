/* SPDX-License-Identifier: MIT */
/*
 * The enterprise file (企业档案, DESIGN §2): one row per enterprise, named by its
 * unified social credit code (GB 32100-2015), classified by GB/T 4754-2017,
 * placed in a GB/T 2260 division and optionally a grid, located in CGCS2000.
 *
 * enterprise.c holds the pure rules (validation, the high-risk rule, phone
 * masking, history items; GCJ-02 conversion is core/geo.h); enterprise_db.c
 * every SQL statement; enterprise_api.c the routes; enterprise_load.c the
 * industry table loader. Licences (licence.h) belong to this module too. Named
 * supervision (挂牌责任制): each enterprise names a supervising department and a
 * named inspector (or leader) responsible for it. Import and export: enterprise_io.h.
 */
#ifndef ENTERPRISE_ENTERPRISE_H
#define ENTERPRISE_ENTERPRISE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct field_errors;
struct list_params;

/* Text sizes in bytes (UTF-8): up to 200 code points for names and addresses. */
#define ENTERPRISE_NAME_MAX   (200 * 4 + 1) /* 200 characters of UTF-8, 4 bytes at most each */
#define ENTERPRISE_PERSON_MAX (60 * 4 + 1)
#define ENTERPRISE_PHONE_MAX  40
#define ENTERPRISE_LABEL_MAX  404 /* a department or person name: 100 characters */

struct enterprise {
	int64_t id;
	char uscc[20];
	char name[ENTERPRISE_NAME_MAX];
	char *former_names; /* owned JSON array text, e.g. ["旧名"]; NULL = "[]" */
	char industry_code[8];
	char region_code[16];
	int64_t grid_id; /* 0 = none */
	char address[ENTERPRISE_NAME_MAX];
	bool has_location;
	double lat, lon; /* CGCS2000 degrees, when has_location */
	char legal_rep[ENTERPRISE_PERSON_MAX];
	char legal_rep_phone[ENTERPRISE_PHONE_MAX];
	char safety_officer[ENTERPRISE_PERSON_MAX];
	char safety_officer_phone[ENTERPRISE_PHONE_MAX];
	int64_t employees;	     /* -1 = unknown */
	char scale[8];		     /* "" = unknown, micro, small, medium, large */
	bool high_risk;		     /* derived from industry_code by enterprise_high_risk() */
	char std_grade[8];	     /* none, 1, 2, 3 */
	char status[12];	     /* operating, suspended, closed */
	int64_t supervising_dept_id; /* named supervision: department, 0 = none */
	int64_t supervisor_id;	     /* named supervision: inspector or leader user, 0 = none */
	int64_t created_ms, updated_ms;
	/* Read, never written: the earliest valid_until of its licences ("" = none). */
	char worst_valid_until[11];
	/* Filled by the API layer before enterprise_json() (lookups and today's date). */
	char supervising_dept_name[ENTERPRISE_LABEL_MAX];
	char supervisor_name[ENTERPRISE_LABEL_MAX];
	const char *licence_state; /* static state name, NULL = no licences */
};

/* Prepares e with the defaults of a new enterprise (no allocation). */
void enterprise_init(struct enterprise *e);
/* Frees what e holds (former_names). */
void enterprise_release(struct enterprise *e);

/* --- rules (enterprise.c) --- */

/*
 * The high-risk rule (a documented rule of this project, docs/enterprise.md): an
 * enterprise is high-risk when its GB/T 4754-2017 class lies in divisions 06-12
 * (mining), 25-26 (petroleum, coal and chemical processing; this includes 2672
 * fireworks), or 31-32 (ferrous and non-ferrous smelting). class_code is a 4-digit
 * class (a 2- or 3-digit prefix works too). Returns the category ("mining",
 * "fireworks", "hazchem", "metallurgy") or NULL when not high-risk.
 */
const char *enterprise_high_risk(const char *class_code);

/*
 * Checks every field of e that needs no database (uscc check character, name,
 * industry code shape, region code shape, scale, grade, status, location inside
 * China, phones, employees, former_names a JSON array of non-empty strings).
 * Adds one error per bad field to fe, named after the field. Returns 0 or
 * ERR_INVALID.
 */
int enterprise_check(const struct enterprise *e, struct field_errors *fe);

/*
 * True when (lat, lon) lies inside China's extent used for grids too
 * (73..136 E, 3..54 N).
 */
bool enterprise_in_china(double lat, double lon);

/*
 * Masks a phone number for readers that do not need it: the first 3 and last 4
 * characters kept, the rest '*' ("13812341234" -> "138****1234"); shorter than
 * 8 characters: all '*'. Writes into out (n bytes).
 */
void enterprise_phone_mask(const char *phone, char *out, size_t n);

/*
 * Returns: owned JSON object of e; phones masked when mask_phones. Named supervision
 * appears as supervising_dept_id/_name and supervisor_id/_name (null when none), the
 * worst licence state as licence_state (null when no licences).
 */
json_t *enterprise_json(const struct enterprise *e, bool mask_phones);

struct buf;
/*
 * Appends to b the same object as enterprise_json(e, mask_phones) in the text
 * json_dump_compact() would give it, byte for byte (the same members in the same order),
 * without building jansson values first: the list writes its pages so, at about a fifth of
 * the cost (docs/benchmarks.md, issue 3). A change of one of the two must be made to the other;
 * tests/unit/enterprise/test_enterprise.c compares them.
 */
void enterprise_json_write(struct buf *b, const struct enterprise *e, bool mask_phones);

/* True when key names a phone of the enterprise file (legal_rep_phone, safety_officer_phone). */
bool enterprise_phone_key(const char *key);

/*
 * One entry of an enterprise's change history from an audit record (the object
 * audit_db_get() gives): {id, at_ms, actor_login, action, entity, entity_id, summary,
 * changes}. changes is the record's summary.changes when that is an array of
 * {field, old, new}, else []; summary is the rest of the record's summary object.
 * When mask_phones, every phone value in both (keys enterprise_phone_key(), at any
 * depth, and old/new of changes to those fields) is masked as enterprise_phone_mask()
 * does. Returns: owned.
 */
json_t *enterprise_history_item(const json_t *record, bool mask_phones);

/* --- storage (enterprise_db.c) --- */

/* Filters of the list; NULL / -1 = no filter. */
struct enterprise_filter {
	const char *scope_prefix; /* region scope: code prefix; "-" matches nothing */
	int64_t grid_user;	  /* grid scope: the user whose grids are visible */
	const char *scope_uscc;	  /* enterprise scope: the one enterprise */
	const char *region;	  /* region subtree prefix */
	int64_t grid_id;
	const char *industry; /* class code prefix */
	int high_risk;	      /* 0/1, -1 any */
	const char *std_grade, *status;
	const char *q;	 /* name, former name or code: trigram FTS (>= 3 characters) or LIKE */
	int supervision; /* 1 assigned (department and person), 0 not (either missing), -1 any */
	/* Worst licence state: earliest valid_until within these bounds ("YYYY-MM-DD"). */
	bool licence_filter;
	const char *licence_from, *licence_to; /* NULL = open end */
};

/* Builds one list item from a row (the API's lookups, masking). Returns: owned or NULL. */
typedef json_t *(*enterprise_row_fn)(struct enterprise *e, void *ctx);
struct scope;

/*
 * Sets the scope fields of f for a caller with data scope s (docs/enterprise.md): all:
 * nothing; region: the code prefix of its subtree (written into buf of n bytes, which f
 * then borrows); grids: the grids of user_id; enterprise: its credit code (borrowed from s).
 */
void enterprise_filter_scope(struct enterprise_filter *f, const struct scope *s, int64_t user_id,
			     char *buf, size_t n);

/*
 * The end of the range of the codes that start with prefix: prefix with its last byte
 * incremented, written into end (n bytes), so that in byte order (SQLite's BINARY
 * collation; a PostgreSQL column needs COLLATE "C") `code >= prefix AND code < end` holds
 * exactly for the codes that start with prefix, and an index on code can serve it.
 * Returns: false (end untouched) when prefix is empty (every code starts with it), its last
 * byte is 0xFF or end is too small; the callers' prefixes are digits (GB/T 2260, GB/T 4754)
 * or "-" (matches nothing, whose end is ".").
 */
bool enterprise_code_prefix_end(const char *prefix, char *end, size_t n);

int enterprise_db_get(struct db *db, int64_t id, struct enterprise *e);
/* Inserts e and sets e->id. Returns 0, ERR_CONFLICT (uscc taken), ERR_INVALID (FK) or ERR_DB. */
int enterprise_db_insert(struct db *db, struct enterprise *e, int64_t now_ms);
int enterprise_db_update(struct db *db, struct enterprise *e, int64_t now_ms);
int enterprise_db_delete(struct db *db, int64_t id);
/*
 * Called for each enterprise of a walk with the row read into e, which is valid during the
 * call only and which fn may change (the API fills the names it shows). A negative return
 * stops the walk.
 */
typedef int (*enterprise_each_fn)(void *ctx, struct enterprise *e);
/*
 * One page of the list without building JSON: calls fn for each enterprise that passes f
 * (scope and filters), in lp's sort order after lp's cursor, for at most lp->limit + 1 rows
 * (one more than the page holds tells that a next page exists, as list_page() expects).
 * Returns 0, fn's first negative return, or ERR_DB.
 */
int enterprise_db_page(struct db *db, const struct enterprise_filter *f,
		       const struct list_params *lp, enterprise_each_fn fn, void *ctx);
/*
 * One page as a JSON array (enterprise_db_page() with each row made into JSON by
 * row(e, ctx); a NULL from row is ERR_DB). Returns 0 with *items owned, or ERR_DB.
 */
int enterprise_db_list(struct db *db, const struct enterprise_filter *f,
		       const struct list_params *lp, enterprise_row_fn row, void *ctx,
		       json_t **items);
/* Files audit record audit_id under the history of enterprise id. Returns 0 or ERR_DB. */
int enterprise_db_history_add(struct db *db, int64_t audit_id, int64_t enterprise_id);
/*
 * The audit record ids of enterprise id's history, newest first: at most limit + 1,
 * older than after (0 = from the newest). Returns 0 with *ids (owned, free()) and *n.
 */
int enterprise_db_history_ids(struct db *db, int64_t id, int64_t after, int64_t limit,
			      int64_t **ids, size_t *n);
/* Number of enterprises (all of them, no scope). Returns 0 with *n, or ERR_DB. */
int enterprise_db_count(struct db *db, int64_t *n);
/* Called by enterprise_db_points() for one located enterprise (name borrowed). */
typedef int (*enterprise_point_fn)(void *ctx, int64_t id, const char *name, bool high_risk,
				   double lat, double lon);
/*
 * The enterprises that have a location and pass f (scope and filters as in the list), by
 * id: calls fn for at most limit of them (a negative return of fn stops the walk and is
 * returned); *truncated tells whether more matched. Returns 0, or ERR_DB.
 */
int enterprise_db_points(struct db *db, const struct enterprise_filter *f, int64_t limit,
			 enterprise_point_fn fn, void *ctx, bool *truncated);
/* True when code is a GB/T 4754 class (level 4) in the industry table. */
bool enterprise_db_industry_is_class(struct db *db, const char *code);
/* Rows in the industry table. */
int64_t enterprise_db_industry_count(struct db *db);
int enterprise_db_industry_insert(struct db *db, const char *code, const char *name, int level,
				  const char *section, const char *parent);

/*
 * Loads data/industry/gbt4754_2017_full.csv into the industry table when it is
 * empty (one transaction). *loaded receives the row count (0 when already
 * loaded). Returns 0, ERR_IO, ERR_INVALID (a bad row) or ERR_DB.
 */
int enterprise_industry_load(struct db *db, const char *data_dir, int64_t *loaded);

#endif
