/* SPDX-License-Identifier: MIT */
/*
 * The SQL of risk graded control's reference data loaded from data/risk/, the enterprise
 * lookups, units and points (risk_db.h), and the helpers every risk_*_db.c file shares
 * (risk_db_int.h). Danger sources, assessments and measures are in risk_source_db.c;
 * zones, the site plan and the summary in risk_plan_db.c.
 */
#define LOG_MODULE "risk"
#include "risk/risk_db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "risk/risk_db_int.h"
#include "core/banned.h"

void risk_json_grade(json_t *o, int g)
{
	if (g >= 1 && g <= 4) {
		json_object_set_new(o, "grade", json_integer(g));
		json_object_set_new(o, "colour", json_string(risk_grade_colour(g)));
		json_object_set_new(o, "grade_name", json_string(risk_grade_name_zh(g)));
	} else {
		json_object_set_new(o, "grade", json_null());
		json_object_set_new(o, "colour", json_null());
		json_object_set_new(o, "grade_name", json_null());
	}
}

json_t *risk_db_text_or_null(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);

	return s ? json_string(s) : json_null();
}

/* A stored JSON array (polygon, accident_types), or null. */
json_t *risk_db_json_col(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;

	return v ? v : json_null();
}

/* The scope columns every row ends with: e.uscc, e.region_code, e.grid_id at col. */
void risk_db_scope_cols(json_t *o, struct db_stmt *st, int col)
{
	json_object_set_new(o, "_uscc",
			    json_string(db_col_text(st, col) ? db_col_text(st, col) : ""));
	json_object_set_new(o, "_region_code", risk_db_text_or_null(st, col + 1));
	json_object_set_new(o, "_grid_id", json_integer(db_col_i64(st, col + 2)));
}

char *risk_db_dump_or_null(const json_t *v)
{
	return v && !json_is_null(v) ? json_dump_compact(v) : NULL;
}

/* Runs st (bound) expecting one row mapped by row(). */
static int one_row(struct db_stmt *st, json_t *(*row)(struct db_stmt *), json_t **out)
{
	int rc = db_step(st);

	*out = NULL;
	if (rc == DB_ROW) {
		*out = row(st);
		db_reset(st);
		return *out ? 0 : ERR_DB;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}

int risk_db_get_by_id(struct db *db, const char *sql, json_t *(*row)(struct db_stmt *), int64_t id,
		      json_t **out)
{
	struct db_stmt *st = db_stmt(db, sql);

	*out = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return one_row(st, row, out);
}

int risk_db_rows_by_id(struct db *db, const char *sql, json_t *(*row)(struct db_stmt *), int64_t id,
		       json_t **items)
{
	struct db_stmt *st = db_stmt(db, sql);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_rows_json(st, row, items);
}

int risk_db_insert_row(struct db *db, const char *sql,
		       void (*bind)(struct db_stmt *, const json_t *, char **), const json_t *o,
		       int64_t enterprise_id, int64_t now_ms, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, sql);
	char *text = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":now", now_ms);
	bind(st, o, &text);
	rc = db_step_done(st);
	free(text);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

int risk_db_update_row(struct db *db, const char *sql,
		       void (*bind)(struct db_stmt *, const json_t *, char **), const json_t *o,
		       int64_t id, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, sql);
	char *text = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	bind(st, o, &text);
	rc = db_step_change(st);
	free(text);
	return rc;
}

/* Runs a count query bound with :id. */
int risk_db_count_of(struct db *db, const char *sql, int64_t id, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_i64(st, n);
}

int risk_db_delete_unless(struct db *db, const char *count_sql, const char *delete_sql, int64_t id)
{
	struct db_stmt *st;
	int64_t n = 0;
	int rc = count_sql ? risk_db_count_of(db, count_sql, id, &n) : 0;

	if (rc < 0)
		return rc;
	if (n > 0)
		return ERR_CONFLICT;
	st = db_stmt(db, delete_sql);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_change(st);
}

/* ------------------------------------------------------------ reference data */

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	*out = NULL;
	if (f == NULL) {
		log_error("cannot open '%s'", path);
		return ERR_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*out = buf_detach(&b);
	return 0;
}

/* Splits line (modified) at commas into at most max fields. Returns the count. */
static int split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r")] = '\0';
	while (n < max) {
		char *c = strchr(p, ',');

		fields[n++] = p;
		if (c == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static const char SQL_TABLES_CLEAR[] = "DELETE FROM risk_industry_table";
static const char SQL_GRADING_CLEAR[] = "DELETE FROM risk_grading_table";
static const char SQL_TYPES_CLEAR[] = "DELETE FROM risk_accident_type";

static const char SQL_TABLE_INSERT[] =
	"INSERT INTO risk_grading_table (table_id, method, boundary_gt, min1, min2, min3, min4) "
	"VALUES (:id, :method, :gt, :m1, :m2, :m3, :m4)";

static int load_tables(struct db *db, const char *path)
{
	char *text = NULL, *copy = NULL, *line, *save = NULL;
	char seen[64][RISK_TABLE_ID_MAX];
	int nseen = 0, rc = 0, lineno = 0;
	struct errmsg m;

	rc = read_file(path, &text);
	if (rc < 0)
		goto out;
	copy = xstrdup(text);
	for (line = strtok_r(copy, "\n", &save); line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char id[RISK_TABLE_ID_MAX];
		struct risk_table t;
		struct db_stmt *st;
		int pline = 0;
		bool dup = false;

		lineno++;
		if (lineno == 1 || line[0] == '#' || line[0] == '\r' || line[0] == '\0')
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)strcspn(line, ","), line);
		for (int i = 0; i < nseen; i++)
			dup = dup || strcmp(seen[i], id) == 0;
		if (dup)
			continue;
		if (nseen == 64) {
			log_error("'%s': more than 64 grading tables", path);
			rc = ERR_INVALID;
			break;
		}
		snprintf(seen[nseen++], RISK_TABLE_ID_MAX, "%s", id);
		rc = risk_table_parse(text, id, &t, &pline, &m);
		if (rc < 0) {
			log_error("'%s' line %d: %s", path, pline, m.text);
			break;
		}
		st = db_stmt(db, SQL_TABLE_INSERT);
		if (st == NULL) {
			rc = ERR_DB;
			break;
		}
		db_bind_text(st, ":id", t.id);
		db_bind_text(st, ":method", t.method == RISK_LEC ? "lec" : "ls");
		db_bind_i64(st, ":gt", t.boundary_gt);
		db_bind_i64(st, ":m1", t.min[0]);
		db_bind_i64(st, ":m2", t.min[1]);
		db_bind_i64(st, ":m3", t.min[2]);
		db_bind_i64(st, ":m4", t.min[3]);
		rc = db_step_done(st);
	}
out:
	free(copy);
	free(text);
	return rc;
}

static const char SQL_TYPE_INSERT[] =
	"INSERT INTO risk_accident_type (number, name_zh, code, standard) "
	"VALUES (:n, :name, :code, :std)";

/* accident_types_gb6441.csv: standard,seq,type_zh,code; the rows of RISK_ACCIDENT_STANDARD
 * (GB 6441-2025, in force from 2026-07-01, replacing GB 6441-1986) are loaded. */
static int load_types(struct db *db, const char *path)
{
	char *text = NULL, *line, *save = NULL;
	int rc, lineno = 0;

	rc = read_file(path, &text);
	for (line = rc == 0 ? strtok_r(text, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		int64_t n = 0;
		struct db_stmt *st;

		if (++lineno == 1 || split(line, f, 4) < 4 ||
		    strcmp(f[0], RISK_ACCIDENT_STANDARD) != 0)
			continue;
		if (parse_i64(f[1], &n) < 0 || n < 1 || n > 99 || f[2][0] == '\0') {
			log_error("'%s' line %d: bad accident type", path, lineno);
			rc = ERR_INVALID;
			break;
		}
		st = db_stmt(db, SQL_TYPE_INSERT);
		if (st == NULL) {
			rc = ERR_DB;
			break;
		}
		db_bind_i64(st, ":n", n);
		db_bind_text(st, ":name", f[2]);
		db_bind_text(st, ":code", f[3]);
		db_bind_text(st, ":std", f[0]);
		rc = db_step_done(st);
	}
	free(text);
	return rc;
}

static const char SQL_INDUSTRY_INSERT[] =
	"INSERT INTO risk_industry_table (industry_prefix, method, table_id, note) "
	"SELECT :prefix, :method, table_id, :note FROM risk_grading_table "
	"WHERE table_id = :table AND method = :method";

/* industry_tables.csv: industry_prefix,method,table_id,note. */
static int load_industry(struct db *db, const char *path)
{
	char *text = NULL, *line, *save = NULL;
	int rc, lineno = 0;

	rc = read_file(path, &text);
	for (line = rc == 0 ? strtok_r(text, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		int n;
		struct db_stmt *st;

		lineno++;
		if (lineno == 1 || line[0] == '#' || line[0] == '\r')
			continue;
		n = split(line, f, 4);
		if (n < 3 || f[0][0] == '\0' || strspn(f[0], "0123456789") != strlen(f[0]) ||
		    (strcmp(f[1], "lec") != 0 && strcmp(f[1], "ls") != 0)) {
			log_error("'%s' line %d: want industry_prefix,lec|ls,table_id", path,
				  lineno);
			rc = ERR_INVALID;
			break;
		}
		st = db_stmt(db, SQL_INDUSTRY_INSERT);
		if (st == NULL) {
			rc = ERR_DB;
			break;
		}
		db_bind_text(st, ":prefix", f[0]);
		db_bind_text(st, ":method", f[1]);
		db_bind_text(st, ":table", f[2]);
		db_bind_text(st, ":note", n > 3 ? f[3] : "");
		rc = db_step_done(st);
		if (rc == 0 && db_changes(db) != 1) {
			log_error("'%s' line %d: no loaded %s table '%s'", path, lineno, f[1],
				  f[2]);
			rc = ERR_INVALID;
		}
	}
	free(text);
	return rc;
}

static int check_default(struct db *db, const char *id, enum risk_method m)
{
	struct risk_table t;
	int rc = risk_db_table_get(db, id, &t);

	if (rc == 0 && t.method != m)
		rc = ERR_INVALID;
	if (rc < 0)
		log_error("setting risk.%s_table: '%s' is not a loaded %s grading table",
			  m == RISK_LEC ? "lec" : "ls", id, m == RISK_LEC ? "lec" : "ls");
	return rc == ERR_NOT_FOUND ? ERR_INVALID : rc;
}

static const char SQL_TABLES_LOADED[] = "SELECT COUNT(*) FROM risk_grading_table";

int risk_data_load(struct db *db, const char *data_dir, const char *lec_table, const char *ls_table)
{
	char path[1024];
	int64_t loaded = 0;
	struct db_stmt *st = db_stmt(db, SQL_TABLES_LOADED);
	int rc = st ? db_step_i64(st, &loaded) : ERR_DB;
	const char *const clear[] = { SQL_TABLES_CLEAR, SQL_GRADING_CLEAR, SQL_TYPES_CLEAR };

	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/risk/grading_tables.csv", data_dir);
	if (loaded > 0 && access(path, R_OK) != 0) {
		/*
		 * A command run from elsewhere (anjian hazard scan from another folder) keeps the
		 * tables the server loaded; the settings are still checked against them.
		 */
		rc = check_default(db, lec_table, RISK_LEC);
		return rc == 0 ? check_default(db, ls_table, RISK_LS) : rc;
	}
	rc = db_begin(db);
	for (size_t i = 0; rc == 0 && i < 3; i++) {
		st = db_stmt(db, clear[i]);
		rc = st ? db_step_done(st) : ERR_DB;
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/risk/grading_tables.csv", data_dir);
		rc = load_tables(db, path);
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/risk/accident_types_gb6441.csv", data_dir);
		rc = load_types(db, path);
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/risk/industry_tables.csv", data_dir);
		rc = load_industry(db, path);
	}
	if (rc == 0)
		rc = check_default(db, lec_table, RISK_LEC);
	if (rc == 0)
		rc = check_default(db, ls_table, RISK_LS);
	rc = db_finish(db, rc);
	if (rc == 0)
		log_debug("loaded the risk grading tables, accident types and industry tables");
	return rc;
}

static const char SQL_TABLE_GET[] =
	"SELECT table_id, method, boundary_gt, min1, min2, min3, min4 FROM risk_grading_table "
	"WHERE table_id = :id";

static void table_of_row(struct db_stmt *st, struct risk_table *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", db_col_text(st, 0));
	t->method = strcmp(db_col_text(st, 1), "lec") == 0 ? RISK_LEC : RISK_LS;
	t->boundary_gt = db_col_i64(st, 2) != 0;
	for (int i = 0; i < 4; i++)
		t->min[i] = db_col_i64(st, 3 + i);
}

int risk_db_table_get(struct db *db, const char *id, struct risk_table *out)
{
	struct db_stmt *st = db_stmt(db, SQL_TABLE_GET);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		table_of_row(st, out);
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}

static const char SQL_TABLE_CHOOSE[] =
	"SELECT t.table_id FROM risk_industry_table t JOIN enterprise e ON e.id = :eid "
	"WHERE t.method = :method AND substr(e.industry_code, 1, length(t.industry_prefix)) = "
	"t.industry_prefix ORDER BY length(t.industry_prefix) DESC LIMIT 1";

int risk_db_table_choose(struct db *db, int64_t enterprise_id, enum risk_method method,
			 const char *dflt, struct risk_table *out)
{
	struct db_stmt *st = db_stmt(db, SQL_TABLE_CHOOSE);
	char id[RISK_TABLE_ID_MAX];
	int rc;

	if (st == NULL)
		return ERR_DB;
	snprintf(id, sizeof(id), "%s", dflt);
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_text(st, ":method", method == RISK_LEC ? "lec" : "ls");
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(id, sizeof(id), "%s", db_col_text(st, 0));
		db_reset(st);
	} else if (rc < 0) {
		return rc;
	}
	return risk_db_table_get(db, id, out);
}

static const char SQL_TABLES[] = "SELECT table_id, method, boundary_gt, min1, min2, min3, min4 "
				 "FROM risk_grading_table ORDER BY method, table_id";

static json_t *table_row(struct db_stmt *st)
{
	struct risk_table t;
	json_t *bands = json_array();

	table_of_row(st, &t);
	for (int g = 1; g <= 4; g++) {
		json_t *min = t.method == RISK_LEC ? json_real((double)t.min[g - 1] / 1000.0)
						   : json_integer(t.min[g - 1]);

		json_array_append_new(bands, json_pack("{s:i, s:o, s:s, s:s}", "grade", g, "min",
						       min, "colour", risk_grade_colour(g),
						       "grade_name", risk_grade_name_zh(g)));
	}
	return json_pack("{s:s, s:s, s:s, s:o}", "table_id", t.id, "method",
			 t.method == RISK_LEC ? "lec" : "ls", "boundary",
			 t.boundary_gt ? "gt" : "ge", "bands", bands);
}

int risk_db_tables(struct db *db, json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_TABLES);

	return st ? db_rows_json(st, table_row, items) : ERR_DB;
}

static const char SQL_INDUSTRY_TABLES[] =
	"SELECT industry_prefix, method, table_id, note FROM risk_industry_table "
	"ORDER BY industry_prefix, method";

static json_t *industry_row(struct db_stmt *st)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "industry_prefix", db_col_text(st, 0), "method",
			 db_col_text(st, 1), "table_id", db_col_text(st, 2), "note",
			 db_col_text(st, 3));
}

json_t *risk_db_industry_tables_json(struct db *db)
{
	struct db_stmt *st = db_stmt(db, SQL_INDUSTRY_TABLES);
	json_t *items = NULL;

	if (st == NULL || db_rows_json(st, industry_row, &items) < 0)
		return json_array();
	return items;
}

static const char SQL_TYPES[] =
	"SELECT number, name_zh, standard, code FROM risk_accident_type ORDER BY number";

static json_t *type_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s}", "number", (json_int_t)db_col_i64(st, 0), "name",
			 db_col_text(st, 1), "standard", db_col_text(st, 2), "code",
			 db_col_text(st, 3));
}

int risk_db_accident_types(struct db *db, json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_TYPES);

	return st ? db_rows_json(st, type_row, items) : ERR_DB;
}

static const char SQL_TYPE_EXISTS[] = "SELECT COUNT(*) FROM risk_accident_type WHERE number = :n";

bool risk_db_accident_type_exists(struct db *db, int64_t n)
{
	struct db_stmt *st = db_stmt(db, SQL_TYPE_EXISTS);
	int64_t c = 0;

	if (st == NULL)
		return false;
	db_bind_i64(st, ":n", n);
	return db_step_i64(st, &c) == 0 && c > 0;
}

/* ------------------------------------------------------------ enterprises */

static const char SQL_ENTERPRISE[] =
	"SELECT id, name, uscc, region_code, grid_id, industry_code FROM enterprise WHERE id = :id";

static json_t *enterprise_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			      "name", db_col_text(st, 1), "uscc", db_col_text(st, 2), "grid_id",
			      (json_int_t)db_col_i64(st, 4), "industry_code", db_col_text(st, 5));

	json_object_set_new(o, "region_code", risk_db_text_or_null(st, 3));
	return o;
}

int risk_db_enterprise(struct db *db, int64_t id, json_t **row)
{
	return risk_db_get_by_id(db, SQL_ENTERPRISE, enterprise_row, id, row);
}

static const char SQL_ENTERPRISE_BY_USCC[] = "SELECT id FROM enterprise WHERE uscc = :uscc";

int risk_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ENTERPRISE_BY_USCC);

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":uscc", uscc);
	return db_step_i64(st, id);
}

/* Binds the RISK_SCOPE_WHERE parameters of f. */
static void bind_filter(struct db_stmt *st, const struct risk_filter *f)
{
	db_bind_text(st, ":prefix", f->scope_prefix);
	db_bind_text(st, ":prefix_end", f->scope_prefix_end);
	db_bind_id_or_null(st, ":grid_user", f->grid_user);
	db_bind_text(st, ":scope_uscc", f->scope_uscc);
	db_bind_id_or_null(st, ":eid", f->enterprise_id);
}

int risk_db_list_page(struct db *db, const char *sql_asc, const char *sql_desc,
		      json_t *(*row)(struct db_stmt *), const struct risk_filter *f,
		      const struct list_params *lp, json_t **items)
{
	struct db_stmt *st = db_stmt(db, lp->desc ? sql_desc : sql_asc);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	db_bind_page(st, lp);
	return db_rows_json(st, row, items);
}

/* ------------------------------------------------------------ units */

#define UNIT_SELECT                                                                        \
	"SELECT u.id, u.enterprise_id, e.name, u.kind, u.name, u.code, u.description, "    \
	"u.polygon, u.grade, (SELECT COUNT(*) FROM risk_point p WHERE p.unit_id = u.id), " \
	"u.created_ms, u.updated_ms, e.uscc, e.region_code, e.grid_id "                    \
	"FROM risk_unit u JOIN enterprise e ON e.id = u.enterprise_id "

static json_t *unit_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_i64(st, 0), "enterprise_id",
			      (json_int_t)db_col_i64(st, 1), "enterprise_name", db_col_text(st, 2),
			      "kind", db_col_text(st, 3), "name", db_col_text(st, 4), "code",
			      db_col_text(st, 5), "description", db_col_text(st, 6));

	json_object_set_new(o, "polygon", risk_db_json_col(st, 7));
	risk_json_grade(o, (int)db_col_i64(st, 8));
	json_object_set_new(o, "point_count", json_integer(db_col_i64(st, 9)));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, 10)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, 11)));
	risk_db_scope_cols(o, st, 12);
	return o;
}

static const char SQL_UNIT_INSERT[] =
	"INSERT INTO risk_unit (enterprise_id, kind, name, code, description, polygon, "
	"created_ms, updated_ms) VALUES (:eid, :kind, :name, :code, :description, :polygon, "
	":now, :now)";

static void bind_unit(struct db_stmt *st, const json_t *u, char **poly)
{
	*poly = risk_db_dump_or_null(json_object_get(u, "polygon"));
	db_bind_text(st, ":kind", json_str(u, "kind"));
	db_bind_text(st, ":name", json_str(u, "name"));
	db_bind_text(st, ":code", json_str(u, "code") ? json_str(u, "code") : "");
	db_bind_text(st, ":description",
		     json_str(u, "description") ? json_str(u, "description") : "");
	db_bind_text(st, ":polygon", *poly);
}

int risk_db_unit_insert(struct db *db, int64_t enterprise_id, const json_t *u, int64_t now_ms,
			int64_t *id)
{
	return risk_db_insert_row(db, SQL_UNIT_INSERT, bind_unit, u, enterprise_id, now_ms, id);
}

static const char SQL_UNIT_UPDATE[] =
	"UPDATE risk_unit SET kind = :kind, name = :name, code = :code, description = "
	":description, polygon = :polygon, updated_ms = :now WHERE id = :id";

int risk_db_unit_update(struct db *db, int64_t id, const json_t *u, int64_t now_ms)
{
	return risk_db_update_row(db, SQL_UNIT_UPDATE, bind_unit, u, id, now_ms);
}

static const char SQL_UNIT_POINTS[] = "SELECT COUNT(*) FROM risk_point WHERE unit_id = :id";
static const char SQL_UNIT_DELETE[] = "DELETE FROM risk_unit WHERE id = :id";

int risk_db_unit_delete(struct db *db, int64_t id)
{
	return risk_db_delete_unless(db, SQL_UNIT_POINTS, SQL_UNIT_DELETE, id);
}

static const char SQL_UNIT_GET[] = UNIT_SELECT "WHERE u.id = :id";

int risk_db_unit_get(struct db *db, int64_t id, json_t **row)
{
	return risk_db_get_by_id(db, SQL_UNIT_GET, unit_row, id, row);
}

static const char SQL_UNIT_LIST[] = UNIT_SELECT "WHERE " RISK_SCOPE_WHERE
						"AND (:after IS NULL OR u.id > :after) "
						"ORDER BY u.id LIMIT :limit";
static const char SQL_UNIT_LIST_DESC[] = UNIT_SELECT "WHERE " RISK_SCOPE_WHERE
						     "AND (:after IS NULL OR u.id < :after) "
						     "ORDER BY u.id DESC LIMIT :limit";

int risk_db_unit_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		      json_t **items)
{
	return risk_db_list_page(db, SQL_UNIT_LIST, SQL_UNIT_LIST_DESC, unit_row, f, lp, items);
}

/* ------------------------------------------------------------ points */

#define POINT_SELECT                                                                            \
	"SELECT p.id, p.enterprise_id, e.name, p.unit_id, u.name, p.kind, p.name, p.location, " \
	"p.grade, p.last_assessed_day, p.reassess_due, "                                        \
	"(SELECT COUNT(*) FROM danger_source s WHERE s.point_id = p.id), "                      \
	"(SELECT COUNT(*) FROM control_measure m WHERE m.point_id = p.id), "                    \
	"p.created_ms, p.updated_ms, e.uscc, e.region_code, e.grid_id "                         \
	"FROM risk_point p JOIN enterprise e ON e.id = p.enterprise_id "                        \
	"JOIN risk_unit u ON u.id = p.unit_id "

static json_t *point_row(struct db_stmt *st, void *ctx)
{
	const char *today = ctx;
	const char *due = db_col_text(st, 10);
	json_t *o = json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_i64(st, 0), "enterprise_id",
			      (json_int_t)db_col_i64(st, 1), "enterprise_name", db_col_text(st, 2),
			      "unit_id", (json_int_t)db_col_i64(st, 3), "unit_name",
			      db_col_text(st, 4), "kind", db_col_text(st, 5), "name",
			      db_col_text(st, 6), "location", db_col_text(st, 7));
	int g = (int)db_col_i64(st, 8);
	enum risk_control_level lv = risk_grade_control_level((enum risk_grade)g);

	risk_json_grade(o, g);
	json_object_set_new(o, "control_level",
			    lv == RISK_LEVEL_NONE ? json_null()
						  : json_string(risk_control_level_name(lv)));
	json_object_set_new(o, "last_assessed_day", risk_db_text_or_null(st, 9));
	json_object_set_new(o, "reassess_due", risk_db_text_or_null(st, 10));
	json_object_set_new(o, "reassess_overdue",
			    json_boolean(due && today && strcmp(today, due) >= 0));
	json_object_set_new(o, "source_count", json_integer(db_col_i64(st, 11)));
	json_object_set_new(o, "measure_count", json_integer(db_col_i64(st, 12)));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, 13)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, 14)));
	risk_db_scope_cols(o, st, 15);
	return o;
}

static const char SQL_POINT_INSERT[] =
	"INSERT INTO risk_point (enterprise_id, unit_id, kind, name, location, created_ms, "
	"updated_ms) VALUES (:eid, :unit, :kind, :name, :location, :now, :now)";

int risk_db_point_insert(struct db *db, int64_t enterprise_id, int64_t unit_id, const json_t *p,
			 int64_t now_ms, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":unit", unit_id);
	db_bind_text(st, ":kind", json_str(p, "kind"));
	db_bind_text(st, ":name", json_str(p, "name"));
	db_bind_text(st, ":location", json_str(p, "location") ? json_str(p, "location") : "");
	db_bind_i64(st, ":now", now_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_POINT_UPDATE[] = "UPDATE risk_point SET kind = :kind, name = :name, "
				       "location = :location, updated_ms = :now WHERE id = :id";

int risk_db_point_update(struct db *db, int64_t id, const json_t *p, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT_UPDATE);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_text(st, ":kind", json_str(p, "kind"));
	db_bind_text(st, ":name", json_str(p, "name"));
	db_bind_text(st, ":location", json_str(p, "location") ? json_str(p, "location") : "");
	db_bind_i64(st, ":now", now_ms);
	return db_step_change(st);
}

static const char SQL_POINT_SOURCES[] = "SELECT COUNT(*) FROM danger_source WHERE point_id = :id";
static const char SQL_POINT_DELETE[] = "DELETE FROM risk_point WHERE id = :id";

int risk_db_point_delete(struct db *db, int64_t id)
{
	return risk_db_delete_unless(db, SQL_POINT_SOURCES, SQL_POINT_DELETE, id);
}

static const char SQL_POINT_GET[] = POINT_SELECT "WHERE p.id = :id";

int risk_db_point_get(struct db *db, int64_t id, const char *today, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT_GET);
	int rc;

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*row = point_row(st, (void *)today);
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}

#define POINT_WHERE                                                                               \
	"WHERE " RISK_SCOPE_WHERE "AND (:unit IS NULL OR p.unit_id = :unit) "                     \
	"AND (:grade IS NULL OR p.grade = :grade) "                                               \
	"AND (:rprefix IS NULL OR (e.region_code >= :rprefix AND e.region_code < :rprefix_end)) " \
	"AND (:due IS NULL OR p.reassess_due <= :due) "                                           \
	"AND (:q IS NULL OR p.name LIKE :q ESCAPE '\\' OR u.name LIKE :q ESCAPE '\\') "

static const char SQL_POINT_LIST[] = POINT_SELECT POINT_WHERE
	"AND (:after IS NULL OR p.id > :after) ORDER BY p.id LIMIT :limit";
static const char SQL_POINT_LIST_DESC[] = POINT_SELECT POINT_WHERE
	"AND (:after IS NULL OR p.id < :after) ORDER BY p.id DESC LIMIT :limit";

int risk_db_point_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		       json_t **items)
{
	struct db_stmt *st = db_stmt(db, lp->desc ? SQL_POINT_LIST_DESC : SQL_POINT_LIST);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	db_bind_id_or_null(st, ":unit", f->unit_id);
	db_bind_id_or_null(st, ":grade", f->grade);
	db_bind_text(st, ":rprefix", f->region_prefix);
	db_bind_text(st, ":rprefix_end", f->region_prefix_end);
	db_bind_text(st, ":due", f->due_before);
	db_bind_text(st, ":q", f->q_like);
	db_bind_page(st, lp);
	return db_rows_json_ctx(st, point_row, (void *)f->today, items);
}
