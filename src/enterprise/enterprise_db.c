/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of the enterprise module, each right above the function
 * that runs it, with bound parameters only. The list uses db_list_sql() (static
 * fragments) and keyset paging; search uses the trigram FTS5 index for queries
 * of three characters or more (a trigram needs three) and LIKE below that.
 */
#define LOG_MODULE "enterprise"
#include "enterprise/enterprise.h"
#include "enterprise/enterprise_io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

#define COPY(dst, src) utf8_copy((dst), sizeof(dst), (src) ? (src) : "")

#define ENT_COLS                                                                                   \
	"enterprise.id, enterprise.uscc, enterprise.name, enterprise.former_names, "               \
	"enterprise.industry_code, enterprise.region_code, enterprise.grid_id, "                   \
	"enterprise.address, enterprise.lat, enterprise.lon, enterprise.legal_rep, "               \
	"enterprise.legal_rep_phone, enterprise.safety_officer, enterprise.safety_officer_phone, " \
	"enterprise.employees, enterprise.scale, enterprise.high_risk, enterprise.std_grade, "     \
	"enterprise.status, enterprise.created_ms, enterprise.updated_ms, "                        \
	"enterprise.supervising_dept_id, enterprise.supervisor_id, (SELECT "                       \
	"MIN(licence.valid_until) "                                                                \
	"FROM licence WHERE licence.enterprise_id = enterprise.id)"

static void from_row(struct db_stmt *st, struct enterprise *e)
{
	enterprise_init(e);
	e->id = db_col_i64(st, 0);
	COPY(e->uscc, db_col_text(st, 1));
	COPY(e->name, db_col_text(st, 2));
	e->former_names = xstrdup(db_col_text(st, 3) ? db_col_text(st, 3) : "[]");
	COPY(e->industry_code, db_col_text(st, 4));
	COPY(e->region_code, db_col_text(st, 5));
	e->grid_id = db_col_null(st, 6) ? 0 : db_col_i64(st, 6);
	COPY(e->address, db_col_text(st, 7));
	e->has_location = !db_col_null(st, 8) && !db_col_null(st, 9);
	e->lat = e->has_location ? db_col_f64(st, 8) : 0;
	e->lon = e->has_location ? db_col_f64(st, 9) : 0;
	COPY(e->legal_rep, db_col_text(st, 10));
	COPY(e->legal_rep_phone, db_col_text(st, 11));
	COPY(e->safety_officer, db_col_text(st, 12));
	COPY(e->safety_officer_phone, db_col_text(st, 13));
	e->employees = db_col_null(st, 14) ? -1 : db_col_i64(st, 14);
	COPY(e->scale, db_col_text(st, 15));
	e->high_risk = db_col_i64(st, 16) != 0;
	COPY(e->std_grade, db_col_text(st, 17));
	COPY(e->status, db_col_text(st, 18));
	e->created_ms = db_col_i64(st, 19);
	e->updated_ms = db_col_i64(st, 20);
	e->supervising_dept_id = db_col_null(st, 21) ? 0 : db_col_i64(st, 21);
	e->supervisor_id = db_col_null(st, 22) ? 0 : db_col_i64(st, 22);
	COPY(e->worst_valid_until, db_col_text(st, 23));
}

static const char SQL_GET[] = "SELECT " ENT_COLS " FROM enterprise WHERE id = :id";

int enterprise_db_get(struct db *db, int64_t id, struct enterprise *e)
{
	struct db_stmt *st = db_stmt(db, SQL_GET);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	from_row(st, e);
	db_reset(st);
	return 0;
}

static void bind_all(struct db_stmt *st, const struct enterprise *e, int64_t now)
{
	db_bind_text(st, ":uscc", e->uscc);
	db_bind_text(st, ":name", e->name);
	db_bind_text(st, ":former_names", e->former_names ? e->former_names : "[]");
	db_bind_text(st, ":industry_code", e->industry_code);
	db_bind_text(st, ":region_code", e->region_code);
	db_bind_id_or_null(st, ":grid_id", e->grid_id);
	db_bind_text(st, ":address", e->address);
	if (e->has_location) {
		db_bind_f64(st, ":lat", e->lat);
		db_bind_f64(st, ":lon", e->lon);
	} else {
		db_bind_null(st, ":lat");
		db_bind_null(st, ":lon");
	}
	db_bind_text(st, ":legal_rep", e->legal_rep);
	db_bind_text(st, ":legal_rep_phone", e->legal_rep_phone);
	db_bind_text(st, ":safety_officer", e->safety_officer);
	db_bind_text(st, ":safety_officer_phone", e->safety_officer_phone);
	if (e->employees >= 0)
		db_bind_i64(st, ":employees", e->employees);
	else
		db_bind_null(st, ":employees");
	db_bind_text(st, ":scale", e->scale[0] ? e->scale : NULL);
	db_bind_i64(st, ":high_risk", e->high_risk ? 1 : 0);
	db_bind_text(st, ":std_grade", e->std_grade);
	db_bind_text(st, ":status", e->status);
	db_bind_id_or_null(st, ":supervising_dept_id", e->supervising_dept_id);
	db_bind_id_or_null(st, ":supervisor_id", e->supervisor_id);
	db_bind_i64(st, ":now", now);
}

static const char SQL_FTS_DELETE[] = "DELETE FROM enterprise_fts WHERE rowid = :id";
static const char SQL_FTS_INSERT[] =
	"INSERT INTO enterprise_fts (rowid, name, former_names, uscc) SELECT id, name, "
	"former_names, uscc FROM enterprise WHERE id = :id";

/* Replaces the search index row of enterprise id with its current texts (none when deleted). */
static int fts_sync(struct db *db, int64_t id)
{
	struct db_stmt *del = db_stmt(db, SQL_FTS_DELETE);
	struct db_stmt *ins = db_stmt(db, SQL_FTS_INSERT);
	int rc;

	if (del == NULL || ins == NULL)
		return ERR_DB;
	db_bind_i64(del, ":id", id);
	rc = db_step_done(del);
	if (rc == 0) {
		db_bind_i64(ins, ":id", id);
		rc = db_step_done(ins);
	}
	return rc;
}

static const char SQL_INSERT[] =
	"INSERT INTO enterprise (uscc, name, former_names, industry_code, region_code, grid_id, "
	"address, lat, lon, legal_rep, legal_rep_phone, safety_officer, safety_officer_phone, "
	"employees, scale, high_risk, std_grade, status, supervising_dept_id, supervisor_id, "
	"created_ms, updated_ms) VALUES (:uscc, :name, :former_names, :industry_code, "
	":region_code, "
	":grid_id, :address, :lat, :lon, :legal_rep, :legal_rep_phone, :safety_officer, "
	":safety_officer_phone, :employees, :scale, :high_risk, :std_grade, :status, "
	":supervising_dept_id, :supervisor_id, :now, :now)";

int enterprise_db_insert_unindexed(struct db *db, struct enterprise *e, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	bind_all(st, e, now_ms);
	rc = db_step_done(st);
	if (rc == 0) {
		e->id = db_last_id(db);
		e->created_ms = e->updated_ms = now_ms;
	}
	return rc;
}

static const char SQL_FTS_RANGE[] =
	"INSERT INTO enterprise_fts (rowid, name, former_names, uscc) SELECT id, name, "
	"former_names, uscc FROM enterprise WHERE id BETWEEN :first AND :last";

int enterprise_db_index_range(struct db *db, int64_t first_id, int64_t last_id)
{
	struct db_stmt *st = db_stmt(db, SQL_FTS_RANGE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":first", first_id);
	db_bind_i64(st, ":last", last_id);
	return db_step_done(st);
}

int enterprise_db_insert(struct db *db, struct enterprise *e, int64_t now_ms)
{
	int rc = enterprise_db_insert_unindexed(db, e, now_ms);

	/* A new id has no index row yet: no delete needed (fts_sync's first step). */
	if (rc == 0)
		rc = enterprise_db_index_range(db, e->id, e->id);
	return rc;
}

static const char SQL_UPDATE[] =
	"UPDATE enterprise SET uscc = :uscc, name = :name, former_names = :former_names, "
	"industry_code = :industry_code, region_code = :region_code, grid_id = :grid_id, "
	"address = :address, lat = :lat, lon = :lon, legal_rep = :legal_rep, legal_rep_phone = "
	":legal_rep_phone, safety_officer = :safety_officer, safety_officer_phone = "
	":safety_officer_phone, employees = :employees, scale = :scale, high_risk = :high_risk, "
	"std_grade = :std_grade, status = :status, supervising_dept_id = :supervising_dept_id, "
	"supervisor_id = :supervisor_id, updated_ms = :now WHERE id = :id";

int enterprise_db_update(struct db *db, struct enterprise *e, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_UPDATE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	bind_all(st, e, now_ms);
	db_bind_i64(st, ":id", e->id);
	rc = db_step_change(st);
	if (rc == 0) {
		e->updated_ms = now_ms;
		rc = fts_sync(db, e->id);
	}
	return rc;
}

static const char SQL_DELETE[] = "DELETE FROM enterprise WHERE id = :id";

int enterprise_db_delete(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, SQL_DELETE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step_change(st);
	if (rc == 0)
		rc = fts_sync(db, id);
	/* A row of another module still names the enterprise (foreign key). */
	return rc == ERR_INVALID ? ERR_CONFLICT : rc;
}

static const char SQL_LIST_SELECT[] = "SELECT " ENT_COLS " FROM enterprise";
/*
 * The list's WHERE is built from the static fragments below, each included only when its
 * filter is set (list_where), so that the planner sees plain column constraints: a code
 * prefix is the range [prefix, prefix_end) on the code (enterprise_code_prefix_end), which
 * enterprise_region / enterprise_industry serve, instead of `substr(code, 1, length(:x)) =
 * :x`, which no index serves. Whether an index should serve a filter depends on how many rows
 * it matches, which SQLite cannot tell for a range without STAT4 (Debian's build has none):
 * a filter that matches half the rows is best read in the sort order (about 400 rows for a
 * page of 50), one that matches 30 through its index. So each filter has two forms: ix, which
 * an index can serve, and scan, the same test through an expression no index serves
 * (`COALESCE(code, '')` of a NOT NULL column, `+ 0`: portable, and cheap: `|| ''` doubled the
 * time of a page); probe_filters() counts, through the indexes and capped, the rows of each
 * indexable filter, and the fewest under PROBE_CAP take the ix form (the driver).
 * The order of where_parts[] is the order of the bits of enum list_part.
 */
enum list_part {
	LP_PREFIX = 1 << 0,
	LP_GRID_USER = 1 << 1,
	LP_SCOPE_USCC = 1 << 2,
	LP_REGION = 1 << 3,
	LP_GRID = 1 << 4,
	LP_INDUSTRY = 1 << 5,
	LP_HIGH_RISK = 1 << 6,
	LP_STD_GRADE = 1 << 7,
};
#define GRIDS_OF_USER \
	"(SELECT user_grid.grid_id FROM user_grid WHERE user_grid.user_id = :grid_user)"
static const struct {
	const char *ix, *scan;
} where_parts[] = {
	{ "enterprise.region_code >= :prefix AND enterprise.region_code < :prefix_end AND ",
	  "COALESCE(enterprise.region_code, '') >= :prefix AND "
	  "COALESCE(enterprise.region_code, '') < :prefix_end AND " },
	{ "enterprise.grid_id IN " GRIDS_OF_USER " AND ",
	  "enterprise.grid_id + 0 IN " GRIDS_OF_USER " AND " },
	{ "enterprise.uscc = :scope_uscc AND ", "enterprise.uscc = :scope_uscc AND " },
	{ "enterprise.region_code >= :region AND enterprise.region_code < :region_end AND ",
	  "COALESCE(enterprise.region_code, '') >= :region AND "
	  "COALESCE(enterprise.region_code, '') < :region_end AND " },
	{ "enterprise.grid_id = :grid_id AND ", "enterprise.grid_id + 0 = :grid_id AND " },
	{ "enterprise.industry_code >= :industry AND enterprise.industry_code < :industry_end AND ",
	  "COALESCE(enterprise.industry_code, '') >= :industry AND "
	  "COALESCE(enterprise.industry_code, '') < :industry_end AND " },
	{ "enterprise.high_risk = :high_risk AND ", "enterprise.high_risk + 0 = :high_risk AND " },
	{ "enterprise.std_grade = :std_grade AND ",
	  "COALESCE(enterprise.std_grade, '') = :std_grade AND " },
};
#define LIST_WHERE_REST                                                                            \
	"(:status IS NULL OR enterprise.status = :status) AND "                                    \
	"(:assigned IS NULL OR (:assigned = 1 AND enterprise.supervising_dept_id IS NOT NULL AND " \
	"enterprise.supervisor_id IS NOT NULL) OR (:assigned = 0 AND "                             \
	"(enterprise.supervising_dept_id IS NULL OR enterprise.supervisor_id IS NULL))) AND "      \
	"(:lic IS NULL OR ((SELECT MIN(licence.valid_until) FROM licence WHERE "                   \
	"licence.enterprise_id = enterprise.id) >= COALESCE(:lic_from, '0000-00-00') AND "         \
	"(SELECT MIN(licence.valid_until) FROM licence WHERE licence.enterprise_id = "             \
	"enterprise.id) <= COALESCE(:lic_to, '9999-99-99'))) AND "
static const char SQL_WHERE_LIKE[] = LIST_WHERE_REST
	"(:q IS NULL OR enterprise.name LIKE :q ESCAPE '\\' OR "
	"enterprise.former_names LIKE :q ESCAPE '\\' OR enterprise.uscc LIKE "
	":q ESCAPE '\\')";
static const char SQL_WHERE_FTS[] = LIST_WHERE_REST
	"enterprise.id IN (SELECT rowid FROM enterprise_fts WHERE "
	"enterprise_fts MATCH :fts)";
static const char *const sort_cols[] = { "id", "name", "uscc", "region_code", "updated_ms" };

/* An FTS5 string literal: the whole query as one phrase, quotes doubled. Returns: owned. */
static char *fts_phrase(const char *q)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "\"");
	for (const char *p = q; *p; p++) {
		if (*p == '"')
			buf_adds(&b, "\"\"");
		else
			buf_add(&b, p, 1);
	}
	buf_adds(&b, "\"");
	return buf_detach(&b);
}

/* True when f->q is searched in the trigram index (a trigram needs three characters). */
static bool use_fts(const struct enterprise_filter *f)
{
	return f->q && utf8_len(f->q) >= 3;
}

/* The ends of the code ranges of a filter's prefixes (enterprise_code_prefix_end). */
struct list_ends {
	char prefix[64], region[64], industry[64];
};

/*
 * Sets bit of *parts and the end of prefix p's range when p is a non-empty prefix. An end
 * that cannot be computed is "", which matches nothing (never more than the prefix).
 */
static void prefix_part(unsigned *parts, unsigned bit, const char *p, char *end, size_t n)
{
	if (p == NULL || p[0] == '\0')
		return; /* no filter, or the empty prefix of every code */
	*parts |= bit;
	if (!enterprise_code_prefix_end(p, end, n))
		end[0] = '\0';
}

/* The parts of wheres[] that f needs (enum list_part), and their range ends into e. */
static unsigned list_parts(const struct enterprise_filter *f, struct list_ends *e)
{
	unsigned parts = 0;

	prefix_part(&parts, LP_PREFIX, f->scope_prefix, e->prefix, sizeof(e->prefix));
	if (f->grid_user != 0)
		parts |= LP_GRID_USER;
	if (f->scope_uscc != NULL)
		parts |= LP_SCOPE_USCC;
	prefix_part(&parts, LP_REGION, f->region, e->region, sizeof(e->region));
	if (f->grid_id != 0)
		parts |= LP_GRID;
	prefix_part(&parts, LP_INDUSTRY, f->industry, e->industry, sizeof(e->industry));
	if (f->high_risk >= 0)
		parts |= LP_HIGH_RISK;
	if (f->std_grade != NULL)
		parts |= LP_STD_GRADE;
	return parts;
}

/*
 * Rows a filter may match and still drive the query through its index: reading n rows
 * through an index and sorting them costs about as much as reading 50 * N / n rows in the
 * sort order when n is near sqrt(50 * N / 4); 1000 suits 10k to 1M enterprises, and a probe
 * reads at most this many index entries (about 20 us).
 */
#define PROBE_CAP 1000

#define PROBE(where) "SELECT count(*) FROM (SELECT 1 FROM enterprise WHERE " where " LIMIT :cap)"
static const char SQL_PROBE_REGION[] =
	PROBE("enterprise.region_code >= :lo AND enterprise.region_code < :hi");
static const char SQL_PROBE_GRID_USER[] = PROBE("enterprise.grid_id IN " GRIDS_OF_USER);
static const char SQL_PROBE_GRID[] = PROBE("enterprise.grid_id = :v");
static const char SQL_PROBE_INDUSTRY[] =
	PROBE("enterprise.industry_code >= :lo AND enterprise.industry_code < :hi");
static const char SQL_PROBE_RISK_INDUSTRY[] =
	PROBE("enterprise.high_risk = :risk AND enterprise.industry_code >= :lo AND "
	      "enterprise.industry_code < :hi");
static const char SQL_PROBE_RISK[] = PROBE("enterprise.high_risk = :risk");
static const char SQL_PROBE_GRADE[] = PROBE("enterprise.std_grade = :v");

/* Statement sql for a probe; NULL on a prepare error (then the probe counts PROBE_CAP). */
static struct db_stmt *probe_stmt(struct db *db, const char *sql)
{
	struct db_stmt *st = db_stmt(db, sql);

	if (st != NULL)
		db_bind_i64(st, ":cap", PROBE_CAP);
	return st;
}

/* Runs a bound probe; keeps it as the driver in *best / *driver when it counts fewer. */
static void probe_run(struct db_stmt *st, unsigned bits, int64_t *best, unsigned *driver)
{
	int64_t n = PROBE_CAP;

	if (st == NULL || db_step_i64(st, &n) < 0)
		return;
	if (n < *best) {
		*best = n;
		*driver = bits;
	}
}

static void probe_range(struct db *db, const char *sql, const char *lo, const char *hi,
			unsigned bits, int64_t *best, unsigned *driver)
{
	struct db_stmt *st = probe_stmt(db, sql);

	if (st != NULL) {
		db_bind_text(st, ":lo", lo);
		db_bind_text(st, ":hi", hi);
	}
	probe_run(st, bits, best, driver);
}

/*
 * The parts that take their ix form (enum list_part): the indexable filter of f that
 * matches the fewest rows, when fewer than PROBE_CAP (high_risk goes with industry through
 * enterprise_risk_industry); 0 (every filter in its scan form: the rows are read in the
 * sort order) when each matches more.
 */
static unsigned probe_filters(struct db *db, const struct enterprise_filter *f, unsigned p,
			      const struct list_ends *e)
{
	int64_t best = PROBE_CAP;
	unsigned driver = 0;
	struct db_stmt *st;

	if (p & LP_SCOPE_USCC)
		return LP_SCOPE_USCC; /* one row at most (unique) */
	if (p & LP_PREFIX)
		probe_range(db, SQL_PROBE_REGION, f->scope_prefix, e->prefix, LP_PREFIX, &best,
			    &driver);
	if (p & LP_REGION)
		probe_range(db, SQL_PROBE_REGION, f->region, e->region, LP_REGION, &best, &driver);
	if (p & LP_GRID_USER) {
		if ((st = probe_stmt(db, SQL_PROBE_GRID_USER)) != NULL)
			db_bind_i64(st, ":grid_user", f->grid_user);
		probe_run(st, LP_GRID_USER, &best, &driver);
	}
	if (p & LP_GRID) {
		if ((st = probe_stmt(db, SQL_PROBE_GRID)) != NULL)
			db_bind_i64(st, ":v", f->grid_id);
		probe_run(st, LP_GRID, &best, &driver);
	}
	if ((p & LP_INDUSTRY) && (p & LP_HIGH_RISK)) {
		if ((st = probe_stmt(db, SQL_PROBE_RISK_INDUSTRY)) != NULL) {
			db_bind_i64(st, ":risk", f->high_risk);
			db_bind_text(st, ":lo", f->industry);
			db_bind_text(st, ":hi", e->industry);
		}
		probe_run(st, LP_INDUSTRY | LP_HIGH_RISK, &best, &driver);
	} else if (p & LP_INDUSTRY) {
		probe_range(db, SQL_PROBE_INDUSTRY, f->industry, e->industry, LP_INDUSTRY, &best,
			    &driver);
	} else if (p & LP_HIGH_RISK) {
		if ((st = probe_stmt(db, SQL_PROBE_RISK)) != NULL)
			db_bind_i64(st, ":risk", f->high_risk);
		probe_run(st, LP_HIGH_RISK, &best, &driver);
	}
	if (p & LP_STD_GRADE) {
		if ((st = probe_stmt(db, SQL_PROBE_GRADE)) != NULL)
			db_bind_text(st, ":v", f->std_grade);
		probe_run(st, LP_STD_GRADE, &best, &driver);
	}
	return driver;
}

/* Returns: owned WHERE text (no "WHERE"): the parts p, driver's in ix form, and the rest. */
static char *list_where(unsigned p, unsigned driver, bool fts)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(where_parts) / sizeof(where_parts[0]); i++)
		if (p & (1u << i))
			buf_adds(&b,
				 (driver & (1u << i)) ? where_parts[i].ix : where_parts[i].scan);
	buf_adds(&b, fts ? SQL_WHERE_FTS : SQL_WHERE_LIKE);
	return buf_detach(&b);
}

/* Binds the parameters of list_where(parts, ..., use_fts(f)) from f and the ends e. */
static void bind_filter(struct db_stmt *st, const struct enterprise_filter *f, unsigned parts,
			const struct list_ends *e)
{
	char *pat = NULL;

	if (parts & LP_PREFIX) {
		db_bind_text(st, ":prefix", f->scope_prefix);
		db_bind_text(st, ":prefix_end", e->prefix);
	}
	if (parts & LP_GRID_USER)
		db_bind_i64(st, ":grid_user", f->grid_user);
	if (parts & LP_SCOPE_USCC)
		db_bind_text(st, ":scope_uscc", f->scope_uscc);
	if (parts & LP_REGION) {
		db_bind_text(st, ":region", f->region);
		db_bind_text(st, ":region_end", e->region);
	}
	if (parts & LP_GRID)
		db_bind_i64(st, ":grid_id", f->grid_id);
	if (parts & LP_INDUSTRY) {
		db_bind_text(st, ":industry", f->industry);
		db_bind_text(st, ":industry_end", e->industry);
	}
	if (parts & LP_HIGH_RISK)
		db_bind_i64(st, ":high_risk", f->high_risk);
	if (parts & LP_STD_GRADE)
		db_bind_text(st, ":std_grade", f->std_grade);
	db_bind_text(st, ":status", f->status);
	if (f->supervision >= 0)
		db_bind_i64(st, ":assigned", f->supervision);
	else
		db_bind_null(st, ":assigned");
	if (f->licence_filter)
		db_bind_i64(st, ":lic", 1);
	else
		db_bind_null(st, ":lic");
	db_bind_text(st, ":lic_from", f->licence_from);
	db_bind_text(st, ":lic_to", f->licence_to);
	if (use_fts(f)) {
		pat = fts_phrase(f->q);
		db_bind_text(st, ":fts", pat);
	} else {
		pat = f->q ? db_like_contains(f->q) : NULL;
		db_bind_text(st, ":q", pat);
	}
	free(pat);
}

/* The list statement for f sorted by sort_cols[sort]; NULL on a prepare error. */
static struct db_stmt *list_stmt(struct db *db, const struct enterprise_filter *f, int sort,
				 bool desc)
{
	struct list_ends e;
	unsigned parts = list_parts(f, &e);
	char *where = list_where(parts, probe_filters(db, f, parts, &e), use_fts(f));
	char *sql = db_list_sql(SQL_LIST_SELECT, where, "enterprise", sort_cols[sort], desc);
	struct db_stmt *st = db_stmt_dyn(db, sql);

	free(sql);
	free(where);
	if (st != NULL)
		bind_filter(st, f, parts, &e);
	return st;
}

int enterprise_db_page(struct db *db, const struct enterprise_filter *f,
		       const struct list_params *lp, enterprise_each_fn fn, void *ctx)
{
	struct db_stmt *st = list_stmt(db, f, lp->sort, lp->desc);
	struct enterprise e;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_page(st, lp);
	while ((rc = db_step(st)) == DB_ROW) {
		from_row(st, &e);
		rc = fn(ctx, &e);
		enterprise_release(&e);
		if (rc < 0) {
			db_reset(st);
			return rc;
		}
	}
	return rc < 0 ? rc : 0;
}

struct list_json_ctx {
	enterprise_row_fn row;
	void *ctx;
	json_t *items;
};

static int list_json_row(void *arg, struct enterprise *e)
{
	struct list_json_ctx *c = arg;
	json_t *o = c->row(e, c->ctx);

	if (o == NULL)
		return ERR_DB;
	json_array_append_new(c->items, o);
	return 0;
}

int enterprise_db_list(struct db *db, const struct enterprise_filter *f,
		       const struct list_params *lp, enterprise_row_fn row, void *ctx,
		       json_t **items)
{
	struct list_json_ctx c = { row, ctx, json_array() };
	int rc = enterprise_db_page(db, f, lp, list_json_row, &c);

	*items = NULL;
	if (rc < 0) {
		json_decref(c.items);
		return rc;
	}
	*items = c.items;
	return 0;
}

/* ------------------------------------------------------------ history */

static const char SQL_HISTORY_ADD[] =
	"INSERT INTO enterprise_history (audit_id, enterprise_id) VALUES (:audit_id, :id)";

int enterprise_db_history_add(struct db *db, int64_t audit_id, int64_t enterprise_id)
{
	struct db_stmt *st = db_stmt(db, SQL_HISTORY_ADD);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":audit_id", audit_id);
	db_bind_i64(st, ":id", enterprise_id);
	return db_step_done(st);
}

static const char SQL_HISTORY_IDS[] =
	"SELECT audit_id FROM enterprise_history WHERE enterprise_id = :id AND (:after IS NULL OR "
	"audit_id < :after) ORDER BY audit_id DESC LIMIT :limit";

int enterprise_db_history_ids(struct db *db, int64_t id, int64_t after, int64_t limit,
			      int64_t **ids, size_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_HISTORY_IDS);
	int64_t *out;
	size_t k = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	out = xcalloc((size_t)limit + 1, sizeof(*out));
	db_bind_i64(st, ":id", id);
	db_bind_id_or_null(st, ":after", after);
	db_bind_i64(st, ":limit", limit + 1);
	while ((rc = db_step(st)) == DB_ROW && k < (size_t)limit + 1)
		out[k++] = db_col_i64(st, 0);
	if (rc == DB_ROW)
		db_reset(st);
	if (rc < 0) {
		free(out);
		return rc;
	}
	*ids = out;
	*n = k;
	return 0;
}

static const char SQL_COUNT[] = "SELECT COUNT(*) FROM enterprise";

int enterprise_db_count(struct db *db, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, SQL_COUNT);

	return st ? db_step_i64(st, n) : ERR_DB;
}

/* The list's filters (the same scope rule, list_where), located rows only, by id, capped. */
static const char SQL_POINTS_SELECT[] =
	"SELECT enterprise.id, enterprise.name, enterprise.high_risk, enterprise.lat, "
	"enterprise.lon FROM enterprise WHERE enterprise.lat IS NOT NULL AND enterprise.lon IS "
	"NOT NULL AND ";
static const char SQL_POINTS_ORDER[] = " ORDER BY enterprise.id LIMIT :limit";

struct points_ctx {
	enterprise_point_fn fn;
	void *ctx;
};

static int point_row(struct db_stmt *st, void *arg)
{
	struct points_ctx *p = arg;

	return p->fn(p->ctx, db_col_i64(st, 0), db_col_text(st, 1), db_col_i64(st, 2) != 0,
		     db_col_f64(st, 3), db_col_f64(st, 4));
}

int enterprise_db_points(struct db *db, const struct enterprise_filter *f, int64_t limit,
			 enterprise_point_fn fn, void *ctx, bool *truncated)
{
	struct list_ends e;
	unsigned parts = list_parts(f, &e);
	char *where = list_where(parts, probe_filters(db, f, parts, &e), use_fts(f));
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	struct points_ctx p = { fn, ctx };

	buf_adds(&sql, SQL_POINTS_SELECT);
	buf_adds(&sql, where);
	buf_adds(&sql, SQL_POINTS_ORDER);
	free(where);
	st = db_stmt_dyn(db, buf_str(&sql));
	buf_release(&sql);
	*truncated = false;
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f, parts, &e);
	return db_rows_capped(st, limit, point_row, &p, truncated);
}

int enterprise_db_each(struct db *db, const struct enterprise_filter *f, int sort, bool desc,
		       enterprise_each_fn fn, void *ctx)
{
	/* The list's statement with no cursor and no practical limit. */
	struct list_params all = { .limit = INT64_MAX - 1, .after = 0, .sort = sort, .desc = desc };

	return enterprise_db_page(db, f, &all, fn, ctx);
}

static const char SQL_FIND_USCC[] = "SELECT id FROM enterprise WHERE uscc = :uscc";

int enterprise_db_find_uscc(struct db *db, const char *uscc, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_FIND_USCC);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":uscc", uscc);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	*id = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

/* ------------------------------------------------------------ reference lookups */

static const char SQL_INDUSTRY_CLASS[] = "SELECT 1 FROM industry WHERE code = :code AND level = 4";

bool enterprise_db_industry_is_class(struct db *db, const char *code)
{
	struct db_stmt *st = db_stmt(db, SQL_INDUSTRY_CLASS);
	int rc;

	if (st == NULL)
		return false;
	db_bind_text(st, ":code", code);
	rc = db_step(st);
	if (rc == DB_ROW)
		db_reset(st);
	return rc == DB_ROW;
}

static const char SQL_INDUSTRY_COUNT[] = "SELECT COUNT(*) FROM industry";

int64_t enterprise_db_industry_count(struct db *db)
{
	struct db_stmt *st = db_stmt(db, SQL_INDUSTRY_COUNT);
	int64_t n = -1;

	if (st == NULL)
		return -1;
	if (db_step(st) == DB_ROW) {
		n = db_col_i64(st, 0);
		db_reset(st);
	}
	return n;
}

static const char SQL_INDUSTRY_INSERT[] =
	"INSERT INTO industry (code, name, level, section, parent_code) VALUES (:code, :name, "
	":level, :section, :parent_code)";

int enterprise_db_industry_insert(struct db *db, const char *code, const char *name, int level,
				  const char *section, const char *parent)
{
	struct db_stmt *st = db_stmt(db, SQL_INDUSTRY_INSERT);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":code", code);
	db_bind_text(st, ":name", name);
	db_bind_i64(st, ":level", level);
	db_bind_text(st, ":section", section);
	db_bind_text(st, ":parent_code", parent);
	return db_step_done(st);
}
