/* SPDX-License-Identifier: MIT */
/*
 * Loads the demo city (demo.h) through the public functions of the modules
 * that own the data: map (boundaries), org (grids, departments, accounts),
 * enterprise (enterprises, their named supervision and licences), audit (one
 * record). One write transaction: the city is there
 * whole or not at all. The slow part, hashing the accounts' passwords, runs
 * before the transaction opens.
 */
#define LOG_MODULE "demo"
#include "demo/demo.h"
#include "demo/demo_hazard.h"
#include "demo/demo_mhi.h"
#include "demo/demo_risk.h"
#include "demo/demo_monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/perm.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise.h"
#include "enterprise/licence.h"
#include "map/map.h"
#include "org/org.h"
#include "core/banned.h"

/* The boundary files (data/geo/README.md) and what is said of them in every row. */
static const char *const boundary_files[] = {
	"320900_yancheng_city.geojson",
	"320900_yancheng_counties.geojson",
};
static const char BOUNDARY_SOURCE[] =
	"DataV.GeoAtlas (AutoNavi-derived) via github.com/lyhmyd1211/GeoMapData_CN@4871c5a3; "
	"GCJ-02 converted to CGCS2000 on loading; licence not established: demo data";

static const char LISTS_FILE[] = "enterprise_lists_jiangsu.csv";

/* The counties whose first grid gets the three grid roles (一格三员) as demo accounts. */
static const char *const staffed_counties[] = { "320902", "320903", "320921" };
#define NSTAFFED (sizeof(staffed_counties) / sizeof(staffed_counties[0]))

/* ------------------------------------------------------------ small helpers */

/* A set of 64-bit FNV-1a hashes of texts, so that generated names and codes do not repeat. */
#define SEEN_SLOTS 16384
struct seen {
	uint64_t slot[SEEN_SLOTS];
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h ? h : 1;
}

/* Adds s; false when it was there already. */
static bool seen_add(struct seen *set, const char *s)
{
	uint64_t h = fnv1a(s);
	size_t i = h % SEEN_SLOTS;

	while (set->slot[i]) {
		if (set->slot[i] == h)
			return false;
		i = (i + 1) % SEEN_SLOTS;
	}
	set->slot[i] = h;
	return true;
}

/* Reads a whole file. Returns: owned NUL-terminated text, or NULL (why says why). */
static char *read_file(const char *path, struct errmsg *why)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		errmsg_set(why, "file", "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

#define CSV_MAX_FIELDS 24

/*
 * Splits the next record of RFC 4180 text at *p in place (quoted fields, doubled quotes,
 * CRLF or LF). Returns the number of fields (0 at the end of the text).
 */
static int csv_record(char **p, char **field, int max)
{
	char *r = *p, *w, delim;
	int n = 0;

	if (*r == '\0')
		return 0;
	for (;;) {
		bool quoted = *r == '"';

		w = r;
		if (n < max)
			field[n] = w;
		n++;
		if (quoted) {
			for (r++; *r; r++) {
				if (*r == '"' && r[1] != '"')
					break; /* the closing quote */
				if (*r == '"')
					r++; /* a doubled quote stands for one */
				*w++ = *r;
			}
			if (*r == '"')
				r++;
		} else {
			while (*r && *r != ',' && *r != '\n' && *r != '\r')
				*w++ = *r++;
		}
		/* w may stand on r: read the delimiter before ending the field over it. */
		delim = *r;
		*w = '\0';
		if (delim == '\0')
			break;
		r++;
		if (delim == ',')
			continue;
		if (delim == '\r' && *r == '\n')
			r++;
		break;
	}
	*p = r;
	return n;
}

static int column(char **header, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(header[i], name) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------ accounts */

struct plan {
	size_t n;
	char hash[DEMO_MAX_ACCOUNTS][160];
	char unknown_hash[160]; /* of a password nobody knows: the hazard hosts' officers */
};

/* One hashing thread's share: accounts first, first + step, first + 2 step ... */
struct hasher {
	pthread_t thread;
	const struct config *cfg;
	const struct demo_report *rep;
	struct plan *pl;
	size_t first, step;
	int rc;
};

static void *hash_share(void *arg)
{
	struct hasher *h = arg;

	for (size_t i = h->first; i < h->pl->n && h->rc == 0; i += h->step)
		h->rc = org_password_hash(h->cfg, h->rep->accounts[i].password, h->pl->hash[i],
					  sizeof(h->pl->hash[i]));
	return NULL;
}

/*
 * Passwords and their Argon2id hashes for n accounts, made before the transaction. The
 * hashes (19 MiB and two passes each by default: most of the demo's load time) are
 * computed on as many threads as there are CPUs, at most 4; each thread writes only its
 * own slots.
 */
static int plan_passwords(const struct config *cfg, struct demo_report *rep, struct plan *pl,
			  size_t n)
{
	struct hasher h[4];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus, started = 0;
	int rc = 0;

	if (n > DEMO_MAX_ACCOUNTS)
		return ERR_INTERNAL;
	pl->n = n;
	for (size_t i = 0; i < n; i++)
		org_password_generate(rep->accounts[i].password, sizeof(rep->accounts[i].password));
	for (size_t t = 0; t < nthreads; t++) {
		h[t] = (struct hasher){
			.cfg = cfg, .rep = rep, .pl = pl, .first = t, .step = nthreads, .rc = 0
		};
		/* The first share runs on this thread, and so does any a thread cannot take. */
		if (t > 0 && pthread_create(&h[t].thread, NULL, hash_share, &h[t]) == 0)
			started |= (size_t)1 << t;
		else if (t > 0)
			hash_share(&h[t]);
	}
	hash_share(&h[0]);
	{
		char discarded[32];

		org_password_generate(discarded, sizeof(discarded));
		rc = org_password_hash(cfg, discarded, pl->unknown_hash, sizeof(pl->unknown_hash));
		explicit_bzero(discarded, sizeof(discarded));
	}
	for (size_t t = 1; t < nthreads; t++) {
		if (started & ((size_t)1 << t))
			pthread_join(h[t].thread, NULL);
		if (h[t].rc < 0)
			rc = h[t].rc;
	}
	return h[0].rc < 0 ? h[0].rc : rc;
}

/* Creates account number rep->naccounts with the next planned password. */
static int account(struct db *db, struct demo_report *rep, const struct plan *pl, const char *login,
		   enum role role, const char *scope, const char *display, int64_t *id,
		   struct errmsg *why)
{
	struct demo_account *a = &rep->accounts[rep->naccounts];
	int64_t ignored;
	int rc;

	if (rep->naccounts >= pl->n)
		return ERR_INTERNAL; /* the plan counts every account made below */
	rc = org_user_add_hashed(db, login, display, role, scope, pl->hash[rep->naccounts],
				 id ? id : &ignored, why);
	if (rc < 0)
		return rc;
	utf8_copy(a->login, sizeof(a->login), login);
	utf8_copy(a->role, sizeof(a->role), role_name(role));
	utf8_copy(a->scope, sizeof(a->scope), scope);
	rep->naccounts++;
	return 0;
}

/* ------------------------------------------------------------ grids */

struct grid {
	int64_t id;
	char town_code[16];
	char town_name[64];
	char county_name[64];
	const json_t *county; /* borrowed from the county features */
	struct demo_cell cell;
};

/* A county's supervising department and its demo inspector (named supervision). */
struct county_sup {
	char code[8];
	int64_t dept_id, inspector_id;
};
#define MAX_COUNTIES 16

struct city {
	json_t *counties; /* features of the county boundaries (owned) */
	struct county_sup sup[MAX_COUNTIES];
	size_t nsup;
	struct licence_rules lr; /* today and the warning bands the licences are dated by */
	struct grid *grids;
	size_t ngrids, cap;
	int64_t first_grid[NSTAFFED]; /* the grid of each staffed county that gets the roles */
	size_t first_index[NSTAFFED];
	struct demo_host *hosts; /* generated enterprises that get hazards (demo_hazard.c) */
	size_t nhosts, hosts_cap;
	struct demo_hazard_city hz; /* the people who act on hazards */
};

/* The towns (level 4) directly under county. Returns: owned array. */
static int towns_of(struct db *db, const char *county, json_t **towns)
{
	json_t *all = NULL, *r;
	size_t i;
	int rc = org_region_children(db, county, &all);

	*towns = json_array();
	if (rc < 0) {
		json_decref(*towns);
		*towns = NULL;
		return rc;
	}
	json_array_foreach(all, i, r) {
		if (json_i64(r, "level", 0) == 4)
			json_array_append(*towns, r);
	}
	json_decref(all);
	return 0;
}

/* Lays the lattice of one county and makes a grid of each cell, named after its town. */
static int grids_of_county(struct db *db, struct city *c, const json_t *feature, struct errmsg *why)
{
	const json_t *props = json_object_get(feature, "properties");
	const json_t *county = json_object_get(feature, "geometry");
	const char *code = json_str(props, "code");
	struct demo_cell *cells = NULL;
	json_t *towns = NULL, *town;
	size_t ncells = 0, i, ntowns;
	int rc;

	rc = towns_of(db, code, &towns);
	if (rc < 0)
		return rc;
	ntowns = json_array_size(towns);
	if (ntowns == 0)
		goto out;
	/* About three grids a town; every town gets at least one. */
	rc = demo_lattice(county, 3 * ntowns, ntowns, &cells, &ncells);
	if (rc < 0) {
		errmsg_set(why, "geometry", "no lattice fits county '%s'", code);
		goto out;
	}
	json_array_foreach(towns, i, town) {
		size_t first, count;

		demo_share(ncells, ntowns, i, &first, &count);
		for (size_t k = 0; k < count; k++) {
			struct grid *g;
			char gcode[64], gname[128];
			json_t *geometry = demo_cell_geometry(&cells[first + k]);

			if (c->ngrids == c->cap) {
				c->cap = c->cap ? 2 * c->cap : 256;
				c->grids = xrealloc(c->grids, c->cap * sizeof(*c->grids));
			}
			g = &c->grids[c->ngrids];
			memset(g, 0, sizeof(*g));
			utf8_copy(g->town_code, sizeof(g->town_code), json_str(town, "code"));
			utf8_copy(g->town_name, sizeof(g->town_name), json_str(town, "name"));
			utf8_copy(g->county_name, sizeof(g->county_name), json_str(props, "name"));
			g->county = county;
			g->cell = cells[first + k];
			snprintf(gcode, sizeof(gcode), "DEMO-%s-%02zu", g->town_code, k + 1);
			snprintf(gname, sizeof(gname), "%s第%zu网格", g->town_name, k + 1);
			rc = org_grid_add(db, gcode, gname, g->town_code, geometry, &g->id, why);
			json_decref(geometry);
			if (rc < 0)
				goto out;
			for (size_t s = 0; s < NSTAFFED; s++)
				if (c->first_grid[s] == 0 &&
				    strcmp(code, staffed_counties[s]) == 0) {
					c->first_grid[s] = g->id;
					c->first_index[s] = c->ngrids;
				}
			c->ngrids++;
		}
	}
out:
	free(cells);
	json_decref(towns);
	return rc;
}

/* ------------------------------------------------------------ enterprises */

/* Checks and inserts e: the same rules as the API (enterprise_check, reference tables). */
static int put_enterprise(struct db *db, struct enterprise *e, int64_t now, struct errmsg *why)
{
	struct field_errors fe = { 0 };
	int rc;

	e->high_risk = enterprise_high_risk(e->industry_code) != NULL;
	if (enterprise_check(e, &fe) < 0 || !org_region_exists(db, e->region_code))
		return errmsg_set(why, fe.n ? fe.e[0].field : "region_code",
				  "demo enterprise '%s': %s", e->name,
				  fe.n ? fe.e[0].reason : "no such division");
	rc = enterprise_db_insert(db, e, now);
	if (rc == ERR_CONFLICT)
		errmsg_set(why, "uscc", "demo enterprise '%s': credit code %s exists", e->name,
			   e->uscc);
	return rc;
}

/* The department and inspector of county code6, or NULL when the city has no such county. */
static const struct county_sup *county_sup_of(const struct city *c, const char *code6)
{
	for (size_t i = 0; i < c->nsup; i++)
		if (strcmp(c->sup[i].code, code6) == 0)
			return &c->sup[i];
	return NULL;
}

/*
 * The licence of generated enterprise e (inserted: e->id set), when its class holds one
 * (demo_licence_kind()). The n-th licence (n = rep->licences) is dated so that it ends in
 * state n for the first five, a drawn state after; the checks are licence_check()'s.
 */
static int put_licence(struct db *db, const struct city *c, struct demo_rng *rng,
		       const struct enterprise *e, struct demo_report *rep, int64_t now,
		       struct errmsg *why)
{
	const struct demo_licence_kind *k = demo_licence_kind(e->industry_code);
	struct field_errors fe = { 0 };
	enum licence_state st;
	struct licence l;
	int64_t until;
	int rc;

	if (k == NULL)
		return 0;
	st = rep->licences <= LICENCE_STATE_EXPIRED ? (enum licence_state)rep->licences
						    : demo_licence_state_pick(rng);
	until = c->lr.today + demo_licence_days_left(rng, st, &c->lr.bands);
	memset(&l, 0, sizeof(l));
	l.enterprise_id = e->id;
	utf8_copy(l.type, sizeof(l.type), k->type);
	utf8_copy(l.issuer, sizeof(l.issuer), k->issuer);
	demo_licence_term(until, l.valid_from, l.valid_until);
	demo_licence_number(k, (int)strtol(l.valid_from, NULL, 10), (unsigned)rep->licences + 1,
			    l.number, sizeof(l.number));
	if (licence_check(&l, &fe) < 0)
		return errmsg_set(why, fe.e[0].field, "demo licence of '%s': %s", e->name,
				  fe.e[0].reason);
	rc = licence_db_insert(db, &l, now);
	if (rc < 0)
		return errmsg_set(why, "licence", "demo licence %s of '%s' not stored", l.number,
				  e->name);
	rep->licences++;
	return 0;
}

/*
 * Keeps e (inserted) as a host of demo hazards when it is the j-th generated enterprise with
 * j a multiple of 10, or lies in a staffed grid (whose patroller and manager act on hazards).
 */
static void add_host(struct city *c, const struct enterprise *e, const struct grid *g,
		     const char *county6, size_t j)
{
	struct demo_host *h;
	int staffed = 0;

	for (size_t s = 0; s < NSTAFFED; s++)
		if (c->first_grid[s] != 0 && c->first_grid[s] == g->id)
			staffed = (int)s + 1;
	if (j % 10 != 0 && staffed == 0)
		return;
	if (c->nhosts == c->hosts_cap) {
		c->hosts_cap = c->hosts_cap ? 2 * c->hosts_cap : 256;
		c->hosts = xrealloc(c->hosts, c->hosts_cap * sizeof(*c->hosts));
	}
	h = &c->hosts[c->nhosts++];
	memset(h, 0, sizeof(*h));
	h->id = e->id;
	utf8_copy(h->uscc, sizeof(h->uscc), e->uscc);
	utf8_copy(h->name, sizeof(h->name), e->name);
	utf8_copy(h->region_code, sizeof(h->region_code), e->region_code);
	utf8_copy(h->county, sizeof(h->county), county6);
	h->grid_id = e->grid_id;
	utf8_copy(h->industry_code, sizeof(h->industry_code), e->industry_code);
	h->lat = e->lat;
	h->lon = e->lon;
	utf8_copy(h->safety_officer, sizeof(h->safety_officer), e->safety_officer);
	h->staffed = staffed;
}

/* The generated enterprises, spread over the grids; *officer_uscc gets one in grid `mark`. */
static int generated_enterprises(struct db *db, struct city *c, struct demo_report *rep,
				 size_t mark, char officer_uscc[20], struct errmsg *why)
{
	struct demo_rng rng, sup_rng, lic_rng;
	struct seen *names = xcalloc(1, sizeof(*names)), *codes = xcalloc(1, sizeof(*codes));
	int64_t now = now_ms();
	int rc = 0;

	demo_rng_seed(&rng, DEMO_SEED);
	/* Sequences of their own, so that supervision and licences shift nothing else. */
	demo_rng_seed(&sup_rng, DEMO_SEED + 2);
	demo_rng_seed(&lic_rng, DEMO_SEED + 3);
	officer_uscc[0] = '\0';
	for (size_t j = 0; j < DEMO_ENTERPRISES && rc == 0; j++) {
		/* One in every grid first, so that no grid is empty; then anywhere. */
		size_t gi = j < c->ngrids ? j : demo_rng_below(&rng, (uint32_t)c->ngrids);
		const struct grid *g = &c->grids[gi];
		const struct demo_industry *ind = demo_industry_pick(&rng);
		enum demo_supervision sup = demo_supervision_pick(&sup_rng);
		const struct county_sup *cs;
		struct demo_profile prof;
		struct enterprise e;
		char county6[8], person[64];

		enterprise_init(&e);
		/* Draw again on a repeat; the bound only guards against a mix too small to vary. */
		for (int tries = 0; rc == 0; tries++) {
			demo_enterprise_name(&rng, g->county_name, ind->word, e.name,
					     sizeof(e.name));
			if (seen_add(names, e.name))
				break;
			if (tries == 1000)
				rc = errmsg_set(why, "name", "no new demo name for '%s'",
						ind->word);
		}
		snprintf(county6, sizeof(county6), "%.6s", g->town_code);
		for (int tries = 0; rc == 0; tries++) {
			rc = demo_uscc(&rng, county6, e.uscc);
			if (rc < 0)
				errmsg_set(why, "region_code", "bad town code '%s'", g->town_code);
			else if (seen_add(codes, e.uscc))
				break;
			else if (tries == 1000)
				rc = errmsg_set(why, "uscc", "no new demo credit code in %s",
						county6);
		}
		if (rc < 0) {
			enterprise_release(&e);
			break;
		}
		snprintf(e.industry_code, sizeof(e.industry_code), "%s", ind->code);
		snprintf(e.region_code, sizeof(e.region_code), "%s", g->town_code);
		e.grid_id = g->id;
		snprintf(e.address, sizeof(e.address), "%s%s演示路%u号（演示地址）", g->county_name,
			 g->town_name, 1 + demo_rng_below(&rng, 300));
		e.has_location = true;
		demo_point(&rng, &g->cell, g->county, &e.lat, &e.lon);
		/* People are generated: their names say so, as the enterprises' do. */
		demo_person(&rng, person, sizeof(person));
		snprintf(e.legal_rep, sizeof(e.legal_rep), "%s（演示）", person);
		demo_phone(&rng, e.legal_rep_phone, sizeof(e.legal_rep_phone));
		demo_person(&rng, person, sizeof(person));
		snprintf(e.safety_officer, sizeof(e.safety_officer), "%s（演示）", person);
		demo_phone(&rng, e.safety_officer_phone, sizeof(e.safety_officer_phone));
		demo_profile(&rng, &prof);
		e.employees = prof.employees;
		snprintf(e.scale, sizeof(e.scale), "%s", prof.scale);
		snprintf(e.std_grade, sizeof(e.std_grade), "%s", prof.std_grade);
		snprintf(e.status, sizeof(e.status), "%s", prof.status);
		cs = county_sup_of(c, county6);
		if (cs && sup != DEMO_SUPERVISION_NONE)
			e.supervising_dept_id = cs->dept_id;
		if (cs && sup == DEMO_SUPERVISION_FULL)
			e.supervisor_id = cs->inspector_id;
		rc = put_enterprise(db, &e, now, why);
		if (rc == 0)
			rc = put_licence(db, c, &lic_rng, &e, rep, now, why);
		if (rc == 0 && gi == mark && officer_uscc[0] == '\0') {
			snprintf(officer_uscc, 20, "%s", e.uscc);
			c->hz.officer.enterprise_id = e.id;
		}
		if (rc == 0)
			add_host(c, &e, g, county6, j);
		if (rc == 0 && e.supervisor_id)
			rep->supervised++;
		enterprise_release(&e);
		if (rc == 0)
			rep->enterprises++;
	}
	free(names);
	free(codes);
	return rc;
}

/*
 * The enterprises of the published lists (data/demo/README.md): real names, the list's
 * grade, our placement and class (the anjian_* columns), generated credit codes, no
 * location (none was published).
 */
static int listed_enterprises(struct db *db, const char *data_dir, struct demo_report *rep,
			      struct errmsg *why)
{
	char path[1024], *text = NULL, *p, *h[CSV_MAX_FIELDS], *f[CSV_MAX_FIELDS];
	int nh, nf, c_name, c_region, c_class, c_grade, c_list, c_by, c_date, rc = 0;
	struct demo_rng rng;
	int64_t now = now_ms();

	snprintf(path, sizeof(path), "%s/demo/%s", data_dir, LISTS_FILE);
	text = read_file(path, why);
	if (text == NULL)
		return ERR_IO;
	p = text;
	nh = csv_record(&p, h, CSV_MAX_FIELDS);
	if (nh > CSV_MAX_FIELDS) {
		rc = errmsg_set(why, "file", "'%s' has more than %d columns", path, CSV_MAX_FIELDS);
		goto out;
	}
	c_name = column(h, nh, "enterprise_name");
	c_region = column(h, nh, "anjian_region_code");
	c_class = column(h, nh, "anjian_industry_code");
	c_grade = column(h, nh, "anjian_std_grade");
	c_list = column(h, nh, "list_name");
	c_by = column(h, nh, "issuing_authority");
	c_date = column(h, nh, "published");
	if (c_name < 0 || c_region < 0 || c_class < 0 || c_grade < 0 || c_list < 0 || c_by < 0 ||
	    c_date < 0) {
		rc = errmsg_set(why, "file", "'%s' lacks the expected columns", path);
		goto out;
	}
	/* A sequence of its own, so that the list does not shift the generated enterprises. */
	demo_rng_seed(&rng, DEMO_SEED + 1);
	while ((nf = csv_record(&p, f, CSV_MAX_FIELDS)) > 0) {
		struct enterprise e;

		if (nf != nh) {
			rc = errmsg_set(why, "file", "'%s': a row has %d fields, not %d", path, nf,
					nh);
			break;
		}
		enterprise_init(&e);
		utf8_copy(e.name, sizeof(e.name), f[c_name]);
		utf8_copy(e.region_code, sizeof(e.region_code), f[c_region]);
		utf8_copy(e.industry_code, sizeof(e.industry_code), f[c_class]);
		utf8_copy(e.std_grade, sizeof(e.std_grade), f[c_grade]);
		snprintf(e.address, sizeof(e.address),
			 "（演示数据）名称见%s%s《%s》；统一社会信用代码为生成，非该企业真实代码",
			 f[c_by], f[c_date], f[c_list]);
		rc = demo_uscc(&rng, e.region_code, e.uscc);
		if (rc == 0)
			rc = put_enterprise(db, &e, now, why);
		enterprise_release(&e);
		if (rc < 0)
			break;
		rep->listed_enterprises++;
	}
out:
	free(text);
	return rc;
}

/* ------------------------------------------------------------ the load */

/* Every class of the mix must be in the industry table: a wrong code stops the load. */
static int check_industries(struct db *db, struct errmsg *why)
{
	for (const struct demo_industry *i = demo_industries(); i->code; i++)
		if (!enterprise_db_industry_is_class(db, i->code))
			return errmsg_set(why, "industry_code",
					  "class '%s' of the demo is not in the GB/T 4754 table",
					  i->code);
	return 0;
}

/* The county-level divisions of the city (level 3), for the inspectors. */
static int counties_of_city(struct db *db, json_t **out)
{
	json_t *all = NULL, *r;
	size_t i;
	int rc = org_region_children(db, DEMO_CITY, &all);

	*out = NULL;
	if (rc < 0)
		return rc;
	*out = json_array();
	json_array_foreach(all, i, r) {
		if (json_i64(r, "level", 0) == 3)
			json_array_append(*out, r);
	}
	json_decref(all);
	return 0;
}

static int load_all(const struct config *cfg, struct db *db, struct demo_report *rep,
		    const struct plan *pl, const json_t *counties, struct errmsg *why)
{
	struct city c;
	char path[1024], scope[64], login[72], display[300], officer[20];
	const json_t *r;
	int64_t n, ids[3] = { 0, 0, 0 }, leader = 0, city_dept = 0;
	size_t i;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.lr.today = today_local(cfg->fake_now_ms);
	c.lr.bands.days_90 = cfg->licence_expiring_90_days;
	c.lr.bands.days_60 = cfg->licence_expiring_60_days;
	c.lr.bands.days_30 = cfg->licence_expiring_30_days;
	if (json_array_size(counties) > MAX_COUNTIES)
		return errmsg_set(why, "region", "%s has more than %d counties", DEMO_CITY,
				  MAX_COUNTIES);
	for (i = 0; i < sizeof(boundary_files) / sizeof(boundary_files[0]) && rc == 0; i++) {
		snprintf(path, sizeof(path), "%s/geo/%s", cfg->data_dir, boundary_files[i]);
		rc = map_boundaries_load(db, path, MAP_DATUM_GCJ02, BOUNDARY_SOURCE, &n, why);
		rep->boundaries += n;
	}
	if (rc == 0)
		rc = map_db_boundaries(db, DEMO_CITY, NULL, &c.counties);
	for (i = 0; rc == 0 && i < json_array_size(c.counties); i++)
		rc = grids_of_county(db, &c, json_array_get(c.counties, i), why);
	rep->grids = (int64_t)c.ngrids;
	if (rc == 0 && c.ngrids == 0)
		rc = errmsg_set(why, "geo", "no county of %s has a boundary and towns", DEMO_CITY);
	/* Accounts: the city, one inspector per county, the three roles of three grids. */
	if (rc == 0)
		rc = account(db, rep, pl, "demo.admin", ROLE_ADMIN, "region:" DEMO_CITY,
			     "盐城市系统管理员（演示）", NULL, why);
	if (rc == 0)
		rc = account(db, rep, pl, "demo.leader", ROLE_LEADER, "region:" DEMO_CITY,
			     "盐城市应急管理局局领导（演示）", &leader, why);
	c.hz.leader = (struct demo_actor){ .id = leader, .role = ROLE_LEADER };
	utf8_copy(c.hz.leader.login, sizeof(c.hz.leader.login), "demo.leader");
	/* Departments (the bureaus of named supervision): the city's, then one per county. */
	if (rc == 0)
		rc = org_dept_add(db, "盐城市应急管理局（演示）", DEMO_CITY,
				  "demo data: a department of the demo city", &city_dept, why);
	if (rc == 0)
		rc = org_user_set_dept(db, leader, city_dept, why);
	if (rc == 0)
		rep->departments++;
	for (i = 0; rc == 0 && i < json_array_size(counties); i++) {
		struct county_sup *cs = &c.sup[c.nsup];

		r = json_array_get(counties, i);
		utf8_copy(cs->code, sizeof(cs->code), json_str(r, "code"));
		snprintf(display, sizeof(display), "%s应急管理局（演示）", json_str(r, "name"));
		rc = org_dept_add(db, display, cs->code, "demo data: a department of the demo city",
				  &cs->dept_id, why);
		snprintf(login, sizeof(login), "demo.inspector.%s", cs->code);
		snprintf(scope, sizeof(scope), "region:%s", cs->code);
		snprintf(display, sizeof(display), "%s应急管理局执法人员（演示）",
			 json_str(r, "name"));
		if (rc == 0)
			rc = account(db, rep, pl, login, ROLE_INSPECTOR, scope, display,
				     &cs->inspector_id, why);
		if (rc == 0)
			rc = org_user_set_dept(db, cs->inspector_id, cs->dept_id, why);
		if (rc == 0 && c.hz.ncounties < DEMO_COUNTIES_MAX) {
			struct demo_county_actor *ca = &c.hz.counties[c.hz.ncounties++];

			utf8_copy(ca->code, sizeof(ca->code), cs->code);
			ca->inspector = (struct demo_actor){ .id = cs->inspector_id,
							     .role = ROLE_INSPECTOR };
			utf8_copy(ca->inspector.login, sizeof(ca->inspector.login), login);
		}
		if (rc == 0) {
			c.nsup++;
			rep->departments++;
		}
	}
	for (size_t s = 0; s < NSTAFFED && rc == 0; s++) {
		static const struct {
			const char *word, *title;
			enum role role;
		} roles[3] = { { "manager", "网格管理员", ROLE_GRID_MANAGER },
			       { "patroller", "网格巡查员", ROLE_GRID_PATROLLER },
			       { "supervisor", "网格督导员", ROLE_GRID_SUPERVISOR } };
		const struct grid *g;

		if (c.first_grid[s] == 0)
			continue; /* that county has no boundary in the data: no grid to staff */
		g = &c.grids[c.first_index[s]];
		for (int k = 0; k < 3 && rc == 0; k++) {
			snprintf(login, sizeof(login), "demo.%s.%s", roles[k].word,
				 staffed_counties[s]);
			snprintf(scope, sizeof(scope), "grids:%" PRId64, g->id);
			snprintf(display, sizeof(display), "%s第1网格%s（演示）", g->town_name,
				 roles[k].title);
			rc = account(db, rep, pl, login, roles[k].role, scope, display, &ids[k],
				     why);
		}
		if (rc == 0)
			rc = org_grid_set_roles(db, g->id, ids[0], ids[1], ids[2], why);
		if (rc == 0 && c.hz.nstaffed < DEMO_STAFFED_MAX) {
			/* Staffed grids are recorded in the order of staffed_counties (add_host). */
			c.hz.staffed[s].grid_id = g->id;
			c.hz.staffed[s].manager =
				(struct demo_actor){ .id = ids[0], .role = ROLE_GRID_MANAGER };
			c.hz.staffed[s].patroller =
				(struct demo_actor){ .id = ids[1], .role = ROLE_GRID_PATROLLER };
			snprintf(c.hz.staffed[s].manager.login,
				 sizeof(c.hz.staffed[s].manager.login), "demo.manager.%s",
				 staffed_counties[s]);
			snprintf(c.hz.staffed[s].patroller.login,
				 sizeof(c.hz.staffed[s].patroller.login), "demo.patroller.%s",
				 staffed_counties[s]);
			c.hz.nstaffed = s + 1;
		}
	}
	if (rc == 0)
		rc = check_industries(db, why);
	if (rc == 0)
		rc = generated_enterprises(db, &c, rep, c.first_index[0], officer, why);
	if (rc == 0)
		rc = listed_enterprises(db, cfg->data_dir, rep, why);
	if (rc == 0 && officer[0]) {
		snprintf(scope, sizeof(scope), "enterprise:%s", officer);
		rc = account(db, rep, pl, "demo.officer", ROLE_ENTERPRISE_OFFICER, scope,
			     "企业安全管理员（演示）", &c.hz.officer.id, why);
		c.hz.officer.role = ROLE_ENTERPRISE_OFFICER;
		utf8_copy(c.hz.officer.login, sizeof(c.hz.officer.login), "demo.officer");
	}
	if (rc == 0) {
		c.hz.today = c.lr.today;
		c.hz.now_ms = config_now_ms(cfg);
		c.hz.bands.due_soon_days = cfg->hazard_due_soon_days;
		c.hz.bands.overdue_long_days = cfg->hazard_overdue_long_days;
		c.hz.max_extensions = cfg->hazard_max_extensions;
		c.hz.hosts = c.hosts;
		c.hz.nhosts = c.nhosts;
		c.hz.officer_hash = pl->unknown_hash;
		c.hz.cfg = cfg;
		rc = demo_hazards_load(db, &c.hz, &rep->hazards, &rep->hazard_officers, why);
	}
	if (rc == 0)
		rc = demo_risk_load(db, &c.hz, &rep->risk_enterprises, &rep->risk_points,
				    &rep->hazards, why);
	if (rc == 0) {
		int64_t installations = 0;

		rc = demo_mhi_load(db, &c.hz, &installations, why);
		if (rc == 0)
			log_debug("demo: %" PRId64 " major hazard installations", installations);
	}
	if (rc == 0 && c.hz.officer.id != 0) {
		/* Real-time monitoring of demo.officer's enterprise (demo_monitor.h). */
		char gas_path[1024];
		char *gas;

		snprintf(gas_path, sizeof(gas_path), "%s/monitor/gas_properties.csv",
			 cfg->data_dir);
		gas = read_file(gas_path, why);
		rc = gas ? demo_monitor_load(db, c.hz.officer.enterprise_id, c.hz.now_ms, gas,
					     &rep->monitor_devices, &rep->monitor_points, why)
			 : ERR_IO;
		free(gas);
	}
	json_decref(c.counties);
	free(c.grids);
	free(c.hosts);
	return rc;
}

static json_t *summary(const struct demo_report *rep)
{
	json_t *logins = json_array();

	for (size_t i = 0; i < rep->naccounts; i++)
		json_array_append_new(logins, json_string(rep->accounts[i].login));
	return json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:s}",
		"city", DEMO_CITY, "boundaries", (json_int_t)rep->boundaries, "grids",
		(json_int_t)rep->grids, "enterprises_generated", (json_int_t)rep->enterprises,
		"enterprises_from_published_lists", (json_int_t)rep->listed_enterprises,
		"departments", (json_int_t)rep->departments, "enterprises_supervised",
		(json_int_t)rep->supervised, "licences", (json_int_t)rep->licences, "hazards",
		(json_int_t)rep->hazards, "hazard_officers", (json_int_t)rep->hazard_officers,
		"risk_enterprises", (json_int_t)rep->risk_enterprises, "risk_points",
		(json_int_t)rep->risk_points, "accounts", logins, "seed", (json_int_t)DEMO_SEED,
		"note",
		"demo data: generated grids, enterprises, departments, licences, hazards, risk "
		"points, "
		"codes and people; boundaries of unestablished licence (data/geo/README.md)");
}

/*
 * Whether the demo may go into db: not when it was loaded before (its audit record is
 * there, even if its enterprises are gone since: its accounts and grids are not), nor
 * beside enterprises of somebody's. Sets rep->loaded_before or *have. Returns 0 or ERR_DB.
 */
static int demo_refused(struct db *db, struct demo_report *rep, int64_t *have)
{
	struct audit_filter f = { .action = "demo.load", .since_ms = -1, .until_ms = -1 };
	struct list_params lp = { .limit = 1 };
	json_t *items = NULL;
	int rc = audit_db_list(db, &f, &lp, &items);

	if (rc < 0)
		return rc;
	rep->loaded_before = json_array_size(items) > 0;
	json_decref(items);
	return rep->loaded_before ? 0 : enterprise_db_count(db, have);
}

int demo_load(const struct config *cfg, struct db *db, const struct audit_actor *actor,
	      struct demo_report *rep, struct errmsg *why)
{
	struct plan *pl = NULL;
	json_t *counties = NULL, *sum = NULL;
	int64_t t0 = monotonic_ms(), have = 0;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rc = demo_refused(db, rep, &have);
	if (rc < 0 || rep->loaded_before || have > 0)
		return rc;
	rc = counties_of_city(db, &counties);
	if (rc < 0)
		return rc;
	pl = xcalloc(1, sizeof(*pl));
	/* admin, leader, the inspectors, three grid roles of each staffed county, the officer */
	rc = plan_passwords(cfg, rep, pl, 2 + json_array_size(counties) + 3 * NSTAFFED + 1);
	if (rc < 0)
		goto out;
	rc = db_begin(db);
	if (rc < 0)
		goto out;
	/* Checked again inside the write transaction: two loaders cannot both see it empty. */
	rc = demo_refused(db, rep, &have);
	if (rc == 0 && !rep->loaded_before && have == 0)
		rc = load_all(cfg, db, rep, pl, counties, why);
	if (rc == 0 && !rep->loaded_before && have == 0) {
		sum = summary(rep);
		rc = audit_append(db, actor, "demo.load", "region", DEMO_CITY, sum);
	}
	rc = db_finish(db, rc);
	if (rc == 0 && !rep->loaded_before && have == 0) {
		rep->loaded = true;
		rep->took_ms = monotonic_ms() - t0;
		log_info("demo city %s loaded: %" PRId64 " boundaries, %" PRId64 " grids, %" PRId64
			 " enterprises (+%" PRId64 " from published lists), %" PRId64
			 " licences, %" PRId64 " hazards, %" PRId64
			 " departments, %zu accounts (+%" PRId64
			 " officers of hazard enterprises) in %" PRId64 " ms",
			 DEMO_CITY, rep->boundaries, rep->grids, rep->enterprises,
			 rep->listed_enterprises, rep->licences, rep->hazards, rep->departments,
			 rep->naccounts, rep->hazard_officers, rep->took_ms);
	}
out:
	if (!rep->loaded)
		demo_report_wipe(rep);
	json_decref(sum);
	json_decref(counties);
	free(pl);
	return rc;
}

void demo_report_print(const struct demo_report *rep, FILE *out)
{
	fprintf(out,
		"================================================================\n"
		" Demo city loaded / 演示城市已加载: 盐城市 (%s), all demo data\n"
		"   %" PRId64 " boundaries, %" PRId64 " generated grids, %" PRId64
		" generated enterprises,\n"
		"   %" PRId64 " enterprises named in published lists (generated credit codes),\n"
		"   %" PRId64 " departments, %" PRId64
		" enterprises with a named inspector, %" PRId64 " licences,\n"
		"   %" PRId64 " hidden hazards in every state (their %" PRId64
		" enterprise officer accounts have\n"
		"   no known password: set one with `anjian user passwd LOGIN` to use them),\n"
		"   %" PRId64 " enterprises with %" PRId64
		" risk points graded in all four colours\n"
		" Demo accounts / 演示账号 — passwords shown only this once, to be changed at\n"
		" first login / 密码仅显示这一次，首次登录时必须修改:\n"
		"   %-24s %-19s %-32s %s\n",
		DEMO_CITY, rep->boundaries, rep->grids, rep->enterprises, rep->listed_enterprises,
		rep->departments, rep->supervised, rep->licences, rep->hazards,
		rep->hazard_officers, rep->risk_enterprises, rep->risk_points, "LOGIN", "ROLE",
		"SCOPE", "PASSWORD");
	for (size_t i = 0; i < rep->naccounts; i++)
		fprintf(out, "   %-24s %-19s %-32s %s\n", rep->accounts[i].login,
			rep->accounts[i].role, rep->accounts[i].scope, rep->accounts[i].password);
	fprintf(out,
		" Monitoring / 实时监测: %" PRId64 " devices, %" PRId64 " points of demo.officer's "
		"enterprise (docs/monitoring.md \"Demo\")\n",
		rep->monitor_devices, rep->monitor_points);
	fprintf(out, "================================================================\n");
	fflush(out);
}

void demo_report_wipe(struct demo_report *rep)
{
	for (size_t i = 0; i < DEMO_MAX_ACCOUNTS; i++)
		explicit_bzero(rep->accounts[i].password, sizeof(rep->accounts[i].password));
}
