/* SPDX-License-Identifier: MIT */
/*
 * The demo city (docs/map.md "The demo city"): 盐城市 (GB/T 2260 320900) with
 * its real county boundaries, generated grids over its real towns, real
 * published enterprise names of 江苏省 with generated credit codes, some 2000
 * generated enterprises, and one account for every role. `anjian serve --demo`
 * (config demo.load) and `anjian demo load` run it, once, on a database
 * without enterprises.
 *
 * demo.c holds the pure, deterministic generators (a seeded random sequence,
 * the lattice of grid cells, names, codes, people, points); demo_load.c writes
 * everything through the public functions of org, enterprise and map in one
 * transaction with one audit record. The demo module owns no table: what it
 * loads belongs to those modules. Everything generated is marked as demo data
 * (names ending in （演示数据）, grid codes starting DEMO-, geometries carrying
 * "generated"); nothing generated is passed off as real.
 */
#ifndef DEMO_DEMO_H
#define DEMO_DEMO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "enterprise/licence.h"

struct audit_actor;
struct config;
struct db;
struct errmsg;

/* The demo city and the seed of every generated value (same seed, same city). */
#define DEMO_CITY	  "320900"
#define DEMO_SEED	  UINT64_C(20260320900)
#define DEMO_ENTERPRISES  2000 /* generated, besides the ones from published lists */
#define DEMO_MAX_ACCOUNTS 32

/* --- rules (demo.c) --- */

/* A deterministic random sequence (splitmix64: Steele, Lea, Flood 2014). Not for secrets. */
struct demo_rng {
	uint64_t state;
};

void demo_rng_seed(struct demo_rng *r, uint64_t seed);
uint64_t demo_rng_next(struct demo_rng *r);
/* Uniform in [0, 1). */
double demo_rng_unit(struct demo_rng *r);
/* Uniform in 0..n-1 (n > 0). */
uint32_t demo_rng_below(struct demo_rng *r, uint32_t n);

/* One square grid cell of the lattice: its centre and half sides, in degrees. */
struct demo_cell {
	double lat, lon;
	double half_lat, half_lon;
};

/*
 * Lays a lattice of square cells over a county (a GeoJSON Polygon/MultiPolygon in
 * CGCS2000) and keeps those whose centre lies inside it: the side is chosen so that about
 * `target` cells fit the county's area, and shrunk (by 0.8 at a time) until at least
 * `at_least` cells are kept. Cells come in serpentine order (north row west to east, next
 * row east to west, ...), so that consecutive cells are neighbours. Returns 0 with
 * *cells (owned, free()) and *n, or ERR_INVALID when the geometry has no area.
 */
int demo_lattice(const json_t *county, size_t target, size_t at_least, struct demo_cell **cells,
		 size_t *n);

/*
 * The cell as a closed GeoJSON Polygon (positions rounded to 1e-6 degree) that carries
 * the foreign member "generated": "demo lattice cell, not a surveyed boundary" (RFC 7946
 * §6.1). Returns: owned.
 */
json_t *demo_cell_geometry(const struct demo_cell *c);

/* Splits n items into `parts` consecutive shares as equal as possible: share k's range. */
void demo_share(size_t n, size_t parts, size_t k, size_t *first, size_t *count);

/*
 * A random point of cell c that also lies inside county, rounded to 1e-6 degree (about
 * 0.1 m); the cell's centre (inside by construction) when 100 tries find none.
 */
void demo_point(struct demo_rng *r, const struct demo_cell *c, const json_t *county, double *lat,
		double *lon);

/*
 * A valid unified social credit code (GB 32100-2015, uscc_complete()) for an enterprise
 * registered in division region6: "91", the division, a random 8-character organization
 * code body from the code's symbol set, both check characters. Generated, never real.
 * Returns 0, or ERR_INVALID when region6 is not 6 digits.
 */
int demo_uscc(struct demo_rng *r, const char *region6, char out[19]);

/* One GB/T 4754-2017 class of the demo's industry mix and the word its names use. */
struct demo_industry {
	const char *code; /* 4-digit class, checked against the industry table on loading */
	const char *word; /* 化工, 纺织 ... */
	unsigned weight;
};

/* The mix (a table in demo.c): a class picked with probability weight / total. */
const struct demo_industry *demo_industry_pick(struct demo_rng *r);
/* Every class of the mix, NULL-terminated by a row with code NULL. */
const struct demo_industry *demo_industries(void);

/* A generated person's name (common surname and given name), UTF-8 into out. */
void demo_person(struct demo_rng *r, char *out, size_t n);
/*
 * A phone number in 盐城's landline form whose local number starts with 0, which no
 * Chinese local number does: "0515-0xxxxxxx". Plausible on screen, reaches nobody.
 */
void demo_phone(struct demo_rng *r, char *out, size_t n);
/* "盐城市<county><trade name><industry word>有限公司（演示数据）" into out. */
void demo_enterprise_name(struct demo_rng *r, const char *county, const char *word, char *out,
			  size_t n);

/* Size and state of a generated enterprise, drawn together so that they agree. */
struct demo_profile {
	int64_t employees;
	const char *scale;     /* micro < 20, small < 300, medium < 1000, large: employees */
	const char *std_grade; /* none, 3, 2, 1: rarer upwards */
	const char *status;    /* operating, suspended, closed */
};
void demo_profile(struct demo_rng *r, struct demo_profile *p);

/* --- named supervision and licences (demo.c) --- */

/* How far a generated enterprise's named supervision (挂牌责任制) goes. */
enum demo_supervision {
	DEMO_SUPERVISION_FULL,	    /* the county's department and its demo inspector */
	DEMO_SUPERVISION_DEPT_ONLY, /* the department, no named person yet */
	DEMO_SUPERVISION_NONE,	    /* neither: listed by supervision=none */
};

/* Drawn 70 : 10 : 20 (full, department only, none), so that supervision=none lists some. */
enum demo_supervision demo_supervision_pick(struct demo_rng *r);

/* The licence an enterprise of some class holds in the demo, and how its number reads. */
struct demo_licence_kind {
	const char *type;   /* a licence type (licence_type_zh()) */
	const char *prefix; /* the number before its year: "（苏）WH安许证字" */
	const char *issuer;
};

/*
 * The licence a demo enterprise of GB/T 4754 class class_code holds, or NULL for none.
 * By enterprise_high_risk()'s category: hazchem and fireworks producers hold a
 * safety_production licence (安全生产许可证条例 Art. 2: 危险化学品、烟花爆竹生产企业;
 * issued by the province, Art. 3), mining a `mining` one (the same 条例's 非煤矿山
 * licence, the project's own type for it); metallurgy none (smelting is not among the
 * trades of Art. 2). Besides the high-risk classes, hazardous-chemical storage (5942) and
 * fuel stations (5265) hold a hazchem_business licence (危险化学品安全管理条例 Art. 33, 35;
 * storage-holding business issued by the city). Returns: static.
 */
const struct demo_licence_kind *demo_licence_kind(const char *class_code);

/*
 * A warning state drawn 5 : 5 : 5 : 5 : 80 (expired, expiring_30, _60, _90, valid): most
 * licences valid, a few in every band, so that the expiry list shows every state.
 */
enum licence_state demo_licence_state_pick(struct demo_rng *r);

/*
 * A days_left (valid_until - today) in state s under bands b, drawn uniformly within the
 * band: expired 1..180 days ago; expiring_30 0..b->days_30; expiring_60 and _90 their
 * bands; valid from b->days_90 + 1 up to 1095 days (a 3-year licence issued today, 安全生产
 * 许可证条例 Art. 9), or 365 days beyond the 90-day band when that is set past 1095.
 * licence_state(today + days_left, today, b) == s for every draw.
 */
int64_t demo_licence_days_left(struct demo_rng *r, enum licence_state s,
			       const struct licence_bands *b);

/*
 * The 3-year term (安全生产许可证条例 Art. 9) that ends on day until: valid_from is the same
 * calendar day three years earlier (28 February for a 29th) plus one day, so 2027-05-09
 * gives 2024-05-10. Writes both as "YYYY-MM-DD" (11 bytes each).
 */
void demo_licence_term(int64_t until, char from[11], char to[11]);

/*
 * A licence number "<prefix>〔<year>〕<seq, 4 digits>（演示）" (the provincial style, marked as
 * demo data) into out (n bytes).
 */
void demo_licence_number(const struct demo_licence_kind *k, int year, unsigned seq, char *out,
			 size_t n);

/* --- photos --- */

/*
 * A small deterministic photo for the demo's hazards: a w x h (1..256 each) 8-bit RGB PNG
 * (ISO/IEC 15948: signature, IHDR, one IDAT holding a zlib stream of stored deflate blocks —
 * RFC 1950/1951, no compression library needed — and IEND, each chunk with its CRC-32) of a
 * grey workshop wall with scattered blocks drawn from seed and a diagonal band, red for a
 * "before" photo (after = false), green for an "after" one. Same arguments, same bytes.
 * Returns the length with *out owned (free()), or 0 (bad size; *out NULL).
 */
size_t demo_png(uint64_t seed, bool after, int w, int h, unsigned char **out);

/* --- loading (demo_load.c) --- */

/* An account made by the demo, with its password in clear until printed once. */
struct demo_account {
	char login[72];
	char role[24];
	char scope[64];
	char password[32];
};

struct demo_report {
	bool loaded;	    /* false: nothing was done (loaded before, or enterprises) */
	bool loaded_before; /* the demo was loaded into this database before */
	int64_t boundaries, grids, enterprises, listed_enterprises;
	int64_t departments; /* the city's and one per county */
	int64_t supervised;  /* generated enterprises with department and named inspector */
	int64_t licences;
	int64_t hazards;	 /* hidden hazards (demo_hazard.h) */
	int64_t hazard_officers; /* officer accounts of their enterprises, password unknown */
	int64_t risk_enterprises, risk_points;	 /* risk graded control (demo_risk.h) */
	int64_t monitor_devices, monitor_points; /* real-time monitoring (demo_monitor.h) */
	struct demo_account accounts[DEMO_MAX_ACCOUNTS];
	size_t naccounts;
	int64_t took_ms;
};

/*
 * Loads the demo city into db, once: when the demo was never loaded into it (no
 * "demo.load" audit record: rep->loaded_before) and it holds no enterprise. Boundaries from
 * <data_dir>/geo/ (GCJ-02, converted), grids over the towns, the enterprises of
 * <data_dir>/demo/enterprise_lists_jiangsu.csv and DEMO_ENTERPRISES generated ones, and
 * one account per role whose password is generated and must be changed at first login.
 * The generated enterprises get named supervision (a department per county, its demo
 * inspector named: demo_supervision_pick()) and licences (demo_licence_kind()) whose
 * validity ends relative to today (today_local(cfg->fake_now_ms), UTC+8) so that every
 * warning state of cfg's bands occurs: the first five licences take one state each, the
 * rest demo_licence_state_pick(). About one generated enterprise in ten, and every one in a
 * staffed grid, hosts hidden hazards in every state of the life cycle, dated relative to
 * the same day (demo_hazard.h), each with an officer account of its enterprise whose
 * password nobody knows.
 * One write transaction with one audit record ("demo.load", by actor); the passwords are
 * hashed before it opens. Returns 0 (rep->loaded tells whether anything was loaded),
 * ERR_IO / ERR_INVALID (a data file is missing or wrong: why says which), ERR_CONFLICT
 * (demo grids or logins exist already: why names one) or ERR_DB.
 */
int demo_load(const struct config *cfg, struct db *db, const struct audit_actor *actor,
	      struct demo_report *rep, struct errmsg *why);

/* Prints what was loaded and the accounts table (login, role, scope, password) to out. */
void demo_report_print(const struct demo_report *rep, FILE *out);

/* Overwrites the passwords held by rep (call once they are printed). */
void demo_report_wipe(struct demo_report *rep);

#endif
