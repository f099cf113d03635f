/* SPDX-License-Identifier: MIT */
/*
 * Every SQL statement of risk graded control's core (risk_db.h): reference data loaded
 * from data/risk/, units, points, danger sources, assessments and the derived grades,
 * control measures, zones and the site plan. Rules come from risk.c; nothing here decides
 * a grade by itself: the point's, unit's and enterprise's grades are computed by
 * risk_point_grade / risk_enterprise_grade over the rows read back.
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

static json_t *text_or_null(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);

	return s ? json_string(s) : json_null();
}

/* A stored JSON array (polygon, accident_types), or null. */
static json_t *json_col(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;

	return v ? v : json_null();
}

/* The scope columns every row ends with: e.uscc, e.region_code, e.grid_id at col. */
static void scope_cols(json_t *o, struct db_stmt *st, int col)
{
	json_object_set_new(o, "_uscc",
			    json_string(db_col_text(st, col) ? db_col_text(st, col) : ""));
	json_object_set_new(o, "_region_code", text_or_null(st, col + 1));
	json_object_set_new(o, "_grid_id", json_integer(db_col_i64(st, col + 2)));
}

static char *dump_or_null(const json_t *v)
{
	return v && !json_is_null(v) ? json_dump_compact(v) : NULL;
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

	json_object_set_new(o, "region_code", text_or_null(st, 3));
	return o;
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

int risk_db_enterprise(struct db *db, int64_t id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_ENTERPRISE);

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return one_row(st, enterprise_row, row);
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

/* The filter's WHERE part (e = enterprise), bound by bind_filter. */
#define SCOPE_WHERE                                                                         \
	"(:prefix IS NULL OR (e.region_code >= :prefix AND e.region_code < :prefix_end)) "  \
	"AND (:grid_user IS NULL OR e.grid_id IN (SELECT user_grid.grid_id FROM user_grid " \
	"WHERE user_grid.user_id = :grid_user)) "                                           \
	"AND (:scope_uscc IS NULL OR e.uscc = :scope_uscc) "                                \
	"AND (:eid IS NULL OR e.id = :eid) "

static void bind_filter(struct db_stmt *st, const struct risk_filter *f)
{
	db_bind_text(st, ":prefix", f->scope_prefix);
	db_bind_text(st, ":prefix_end", f->scope_prefix_end);
	db_bind_id_or_null(st, ":grid_user", f->grid_user);
	db_bind_text(st, ":scope_uscc", f->scope_uscc);
	db_bind_id_or_null(st, ":eid", f->enterprise_id);
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

	json_object_set_new(o, "polygon", json_col(st, 7));
	risk_json_grade(o, (int)db_col_i64(st, 8));
	json_object_set_new(o, "point_count", json_integer(db_col_i64(st, 9)));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, 10)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, 11)));
	scope_cols(o, st, 12);
	return o;
}

static const char SQL_UNIT_INSERT[] =
	"INSERT INTO risk_unit (enterprise_id, kind, name, code, description, polygon, "
	"created_ms, updated_ms) VALUES (:eid, :kind, :name, :code, :description, :polygon, "
	":now, :now)";

static void bind_unit(struct db_stmt *st, const json_t *u, char **poly)
{
	*poly = dump_or_null(json_object_get(u, "polygon"));
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
	struct db_stmt *st = db_stmt(db, SQL_UNIT_INSERT);
	char *poly = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":now", now_ms);
	bind_unit(st, u, &poly);
	rc = db_step_done(st);
	free(poly);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_UNIT_UPDATE[] =
	"UPDATE risk_unit SET kind = :kind, name = :name, code = :code, description = "
	":description, polygon = :polygon, updated_ms = :now WHERE id = :id";

int risk_db_unit_update(struct db *db, int64_t id, const json_t *u, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_UNIT_UPDATE);
	char *poly = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	bind_unit(st, u, &poly);
	rc = db_step_change(st);
	free(poly);
	return rc;
}

/* Runs a count query bound with :id. */
static int count_of(struct db *db, const char *sql, int64_t id, int64_t *n)
{
	struct db_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return db_step_i64(st, n);
}

static int delete_unless(struct db *db, const char *count_sql, const char *delete_sql, int64_t id)
{
	struct db_stmt *st;
	int64_t n = 0;
	int rc = count_sql ? count_of(db, count_sql, id, &n) : 0;

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

static const char SQL_UNIT_POINTS[] = "SELECT COUNT(*) FROM risk_point WHERE unit_id = :id";
static const char SQL_UNIT_DELETE[] = "DELETE FROM risk_unit WHERE id = :id";

int risk_db_unit_delete(struct db *db, int64_t id)
{
	return delete_unless(db, SQL_UNIT_POINTS, SQL_UNIT_DELETE, id);
}

static const char SQL_UNIT_GET[] = UNIT_SELECT "WHERE u.id = :id";

int risk_db_unit_get(struct db *db, int64_t id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_UNIT_GET);

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return one_row(st, unit_row, row);
}

static const char SQL_UNIT_LIST[] = UNIT_SELECT "WHERE " SCOPE_WHERE
						"AND (:after IS NULL OR u.id > :after) "
						"ORDER BY u.id LIMIT :limit";
static const char SQL_UNIT_LIST_DESC[] = UNIT_SELECT "WHERE " SCOPE_WHERE
						     "AND (:after IS NULL OR u.id < :after) "
						     "ORDER BY u.id DESC LIMIT :limit";

int risk_db_unit_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		      json_t **items)
{
	struct db_stmt *st = db_stmt(db, lp->desc ? SQL_UNIT_LIST_DESC : SQL_UNIT_LIST);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	db_bind_page(st, lp);
	return db_rows_json(st, unit_row, items);
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
	json_object_set_new(o, "last_assessed_day", text_or_null(st, 9));
	json_object_set_new(o, "reassess_due", text_or_null(st, 10));
	json_object_set_new(o, "reassess_overdue",
			    json_boolean(due && today && strcmp(today, due) >= 0));
	json_object_set_new(o, "source_count", json_integer(db_col_i64(st, 11)));
	json_object_set_new(o, "measure_count", json_integer(db_col_i64(st, 12)));
	json_object_set_new(o, "created_ms", json_integer(db_col_i64(st, 13)));
	json_object_set_new(o, "updated_ms", json_integer(db_col_i64(st, 14)));
	scope_cols(o, st, 15);
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
	return delete_unless(db, SQL_POINT_SOURCES, SQL_POINT_DELETE, id);
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
	"WHERE " SCOPE_WHERE "AND (:unit IS NULL OR p.unit_id = :unit) "                          \
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

/* ------------------------------------------------------------ danger sources */

#define SOURCE_SELECT                                                                           \
	"SELECT s.id, s.point_id, s.name, s.factor, s.accident_types, s.description, s.grade, " \
	"s.assessment_id, s.enterprise_id, e.uscc, e.region_code, e.grid_id "                   \
	"FROM danger_source s JOIN enterprise e ON e.id = s.enterprise_id "

static json_t *source_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			      "point_id", (json_int_t)db_col_i64(st, 1), "name", db_col_text(st, 2),
			      "factor", db_col_text(st, 3), "accident_types", json_col(st, 4),
			      "description", db_col_text(st, 5));

	risk_json_grade(o, (int)db_col_i64(st, 6));
	json_object_set_new(o, "_assessment_id", json_integer(db_col_i64(st, 7)));
	json_object_set_new(o, "_enterprise_id", json_integer(db_col_i64(st, 8)));
	scope_cols(o, st, 9);
	return o;
}

static const char SQL_SOURCE_INSERT[] =
	"INSERT INTO danger_source (enterprise_id, point_id, name, factor, accident_types, "
	"description, created_ms, updated_ms) VALUES (:eid, :point, :name, :factor, :types, "
	":description, :now, :now)";

static void bind_source(struct db_stmt *st, const json_t *s, char **types)
{
	json_t *t = json_object_get(s, "accident_types");

	*types = t ? json_dump_compact(t) : xstrdup("[]");
	db_bind_text(st, ":name", json_str(s, "name"));
	db_bind_text(st, ":factor", json_str(s, "factor"));
	db_bind_text(st, ":types", *types);
	db_bind_text(st, ":description",
		     json_str(s, "description") ? json_str(s, "description") : "");
}

int risk_db_source_insert(struct db *db, int64_t enterprise_id, int64_t point_id, const json_t *s,
			  int64_t now_ms, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_SOURCE_INSERT);
	char *types = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":point", point_id);
	db_bind_i64(st, ":now", now_ms);
	bind_source(st, s, &types);
	rc = db_step_done(st);
	free(types);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_SOURCE_UPDATE[] =
	"UPDATE danger_source SET name = :name, factor = :factor, accident_types = :types, "
	"description = :description, updated_ms = :now WHERE id = :id";

int risk_db_source_update(struct db *db, int64_t id, const json_t *s, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_SOURCE_UPDATE);
	char *types = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	bind_source(st, s, &types);
	rc = db_step_change(st);
	free(types);
	return rc;
}

static const char SQL_SOURCE_USED[] =
	"SELECT (SELECT COUNT(*) FROM risk_assessment WHERE danger_source_id = :id) + "
	"(SELECT COUNT(*) FROM control_measure WHERE danger_source_id = :id)";
static const char SQL_SOURCE_DELETE[] = "DELETE FROM danger_source WHERE id = :id";

int risk_db_source_delete(struct db *db, int64_t id)
{
	return delete_unless(db, SQL_SOURCE_USED, SQL_SOURCE_DELETE, id);
}

/* Adds assessment (latest or null) to a source row. */
static int source_complete(struct db *db, json_t *o)
{
	int64_t aid = json_i64(o, "_assessment_id", 0);
	json_t *a = NULL;
	int rc = aid ? risk_db_assessment_get(db, aid, &a) : 0;

	if (rc < 0)
		return rc;
	json_object_set_new(o, "assessment", a ? a : json_null());
	return 0;
}

static const char SQL_SOURCE_GET[] = SOURCE_SELECT "WHERE s.id = :id";

int risk_db_source_get(struct db *db, int64_t id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_SOURCE_GET);
	int rc;

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = one_row(st, source_row, row);
	if (rc == 0)
		rc = source_complete(db, *row);
	if (rc < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}

#define MEASURE_SELECT                                                                          \
	"SELECT m.id, m.danger_source_id, m.point_id, m.kind, m.description, m.control_level, " \
	"m.responsible_name, m.responsible_user_id, m.active, s.grade, m.enterprise_id, "       \
	"e.uscc, e.region_code, e.grid_id FROM control_measure m "                              \
	"JOIN danger_source s ON s.id = m.danger_source_id "                                    \
	"JOIN enterprise e ON e.id = m.enterprise_id "

static json_t *measure_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s}", "id",
			      (json_int_t)db_col_i64(st, 0), "danger_source_id",
			      (json_int_t)db_col_i64(st, 1), "point_id",
			      (json_int_t)db_col_i64(st, 2), "kind", db_col_text(st, 3),
			      "description", db_col_text(st, 4), "control_level",
			      db_col_text(st, 5), "responsible_name", db_col_text(st, 6));
	enum risk_control_level lv = risk_control_level_parse(db_col_text(st, 5));

	json_object_set_new(o, "responsible_user_id",
			    db_col_null(st, 7) ? json_null() : json_integer(db_col_i64(st, 7)));
	json_object_set_new(o, "active", json_boolean(db_col_i64(st, 8) != 0));
	json_object_set_new(
		o, "level_short",
		json_boolean(!risk_control_level_enough(lv, (enum risk_grade)db_col_i64(st, 9))));
	json_object_set_new(o, "_enterprise_id", json_integer(db_col_i64(st, 10)));
	scope_cols(o, st, 11);
	return o;
}

static const char SQL_SOURCE_MEASURES[] = MEASURE_SELECT "WHERE m.danger_source_id = :id "
							 "ORDER BY m.id";
static const char SQL_POINT_SOURCE_LIST[] = SOURCE_SELECT "WHERE s.point_id = :id ORDER BY s.id";

int risk_db_point_sources(struct db *db, int64_t point_id, json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT_SOURCE_LIST);
	json_t *v;
	size_t i;
	int rc;

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", point_id);
	rc = db_rows_json(st, source_row, items);
	json_array_foreach(*items, i, v) {
		json_t *ms = NULL;

		if (rc == 0)
			rc = source_complete(db, v);
		if (rc == 0) {
			st = db_stmt(db, SQL_SOURCE_MEASURES);
			if (st == NULL) {
				rc = ERR_DB;
				break;
			}
			db_bind_i64(st, ":id", json_i64(v, "id", 0));
			rc = db_rows_json(st, measure_row, &ms);
		}
		if (rc == 0)
			json_object_set_new(v, "measures", ms);
	}
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
	}
	return rc;
}

/* ------------------------------------------------------------ assessments */

#define ASSESSMENT_SELECT                                                                      \
	"SELECT a.id, a.danger_source_id, a.point_id, a.method, a.table_id, a.lec_l_x10, "     \
	"a.lec_e_x10, a.lec_c_x10, a.ls_l, a.ls_s, a.value_x1000, a.grade, a.assessed_day, "   \
	"a.assessed_ms, a.assessor_id, COALESCE(NULLIF(u.display_name, ''), u.login), a.note " \
	"FROM risk_assessment a LEFT JOIN app_user u ON u.id = a.assessor_id "

static json_t *assessment_row(struct db_stmt *st)
{
	bool lec = strcmp(db_col_text(st, 3), "lec") == 0;
	json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s}", "id", (json_int_t)db_col_i64(st, 0),
			      "danger_source_id", (json_int_t)db_col_i64(st, 1), "point_id",
			      (json_int_t)db_col_i64(st, 2), "method", db_col_text(st, 3),
			      "table_id", db_col_text(st, 4));
	int64_t v = db_col_i64(st, 10);

	if (lec) {
		json_object_set_new(o, "l", json_real((double)db_col_i64(st, 5) / 10.0));
		json_object_set_new(o, "e", json_real((double)db_col_i64(st, 6) / 10.0));
		json_object_set_new(o, "c", json_real((double)db_col_i64(st, 7) / 10.0));
	} else {
		json_object_set_new(o, "l", json_integer(db_col_i64(st, 8)));
		json_object_set_new(o, "s", json_integer(db_col_i64(st, 9)));
	}
	/* D is exact in thousandths; an integral value is shown as an integer. */
	json_object_set_new(o, "value",
			    v % 1000 == 0 ? json_integer(v / 1000) : json_real((double)v / 1000.0));
	risk_json_grade(o, (int)db_col_i64(st, 11));
	json_object_set_new(o, "assessed_day", json_string(db_col_text(st, 12)));
	json_object_set_new(o, "assessed_ms", json_integer(db_col_i64(st, 13)));
	json_object_set_new(o, "assessor_id",
			    db_col_null(st, 14) ? json_null() : json_integer(db_col_i64(st, 14)));
	json_object_set_new(o, "assessor_name", text_or_null(st, 15));
	json_object_set_new(o, "note", json_string(db_col_text(st, 16)));
	return o;
}

static const char SQL_ASSESSMENT_GET[] = ASSESSMENT_SELECT "WHERE a.id = :id";

int risk_db_assessment_get(struct db *db, int64_t id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_ASSESSMENT_GET);

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return one_row(st, assessment_row, row);
}

static const char SQL_POINT_ASSESSMENTS[] = ASSESSMENT_SELECT
	"WHERE a.point_id = :id ORDER BY a.assessed_ms DESC, a.id DESC";

int risk_db_point_assessments(struct db *db, int64_t point_id, json_t **items)
{
	struct db_stmt *st = db_stmt(db, SQL_POINT_ASSESSMENTS);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", point_id);
	return db_rows_json(st, assessment_row, items);
}

static const char SQL_ASSESSMENT_INSERT[] =
	"INSERT INTO risk_assessment (enterprise_id, point_id, danger_source_id, method, "
	"table_id, lec_l_x10, lec_e_x10, lec_c_x10, ls_l, ls_s, value_x1000, grade, "
	"assessed_day, assessed_ms, assessor_id, note) VALUES (:eid, :point, :source, :method, "
	":table, :l10, :e10, :c10, :ls_l, :ls_s, :value, :grade, :day, :ms, :assessor, :note)";
static const char SQL_SOURCE_GRADE[] = "UPDATE danger_source SET grade = :grade, assessment_id = "
				       ":aid, updated_ms = :now WHERE id = :id";
static const char SQL_POINT_UNIT[] = "SELECT unit_id FROM risk_point WHERE id = :id";

int risk_db_assessment_insert(struct db *db, int64_t enterprise_id, int64_t point_id,
			      int64_t source_id, const struct risk_assessment_in *a, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ASSESSMENT_INSERT);
	bool lec = a->method == RISK_LEC;
	int64_t unit_id = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":point", point_id);
	db_bind_i64(st, ":source", source_id);
	db_bind_text(st, ":method", lec ? "lec" : "ls");
	db_bind_text(st, ":table", a->table_id);
	if (lec) {
		db_bind_i64(st, ":l10", a->l10);
		db_bind_i64(st, ":e10", a->e10);
		db_bind_i64(st, ":c10", a->c10);
		db_bind_null(st, ":ls_l");
		db_bind_null(st, ":ls_s");
	} else {
		db_bind_null(st, ":l10");
		db_bind_null(st, ":e10");
		db_bind_null(st, ":c10");
		db_bind_i64(st, ":ls_l", a->ls_l);
		db_bind_i64(st, ":ls_s", a->ls_s);
	}
	db_bind_i64(st, ":value", a->value_x1000);
	db_bind_i64(st, ":grade", a->grade);
	db_bind_text(st, ":day", a->assessed_day);
	db_bind_i64(st, ":ms", a->assessed_ms);
	db_bind_id_or_null(st, ":assessor", a->assessor_id);
	db_bind_text(st, ":note", a->note ? a->note : "");
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	*id = db_last_id(db);
	st = db_stmt(db, SQL_SOURCE_GRADE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":grade", a->grade);
	db_bind_i64(st, ":aid", *id);
	db_bind_i64(st, ":now", a->assessed_ms);
	db_bind_i64(st, ":id", source_id);
	rc = db_step_change(st);
	if (rc == 0)
		rc = count_of(db, SQL_POINT_UNIT, point_id, &unit_id);
	if (rc == 0)
		rc = risk_db_regrade(db, enterprise_id, unit_id, point_id, a->assessed_ms);
	return rc;
}

/* Reads the grades a bound statement answers (first column) into a growing array. */
static int grades_of(struct db_stmt *st, enum risk_grade **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = (enum risk_grade)db_col_i64(st, 0);
	}
	return rc < 0 ? rc : 0;
}

static const char SQL_POINT_SOURCE_GRADES[] =
	"SELECT COALESCE(grade, 0) FROM danger_source WHERE point_id = :id";
static const char SQL_POINT_OLDEST[] =
	"SELECT MIN(a.assessed_day) FROM danger_source s JOIN risk_assessment a "
	"ON a.id = s.assessment_id WHERE s.point_id = :id";
static const char SQL_POINT_REGRADE[] =
	"UPDATE risk_point SET grade = :grade, last_assessed_day = :day, reassess_due = :due, "
	"updated_ms = :now WHERE id = :id";
static const char SQL_UNIT_POINT_GRADES[] =
	"SELECT COALESCE(grade, 0) FROM risk_point WHERE unit_id = :id";
static const char SQL_UNIT_REGRADE[] =
	"UPDATE risk_unit SET grade = :grade, updated_ms = :now WHERE id = :id";
static const char SQL_ENTERPRISE_POINT_GRADES[] =
	"SELECT COALESCE(grade, 0) FROM risk_point WHERE enterprise_id = :id";
static const char SQL_ENTERPRISE_REGRADE[] =
	"INSERT INTO risk_enterprise (enterprise_id, grade, red, orange, yellow, blue, "
	"updated_ms) VALUES (:id, :grade, :red, :orange, :yellow, :blue, :now) "
	"ON CONFLICT (enterprise_id) DO UPDATE SET grade = excluded.grade, red = excluded.red, "
	"orange = excluded.orange, yellow = excluded.yellow, blue = excluded.blue, "
	"updated_ms = excluded.updated_ms";

/* Reads the grades of sql(:id) and applies rule to them into *g. */
static int grade_by(struct db *db, const char *sql, int64_t id,
		    enum risk_grade (*rule)(const enum risk_grade *, size_t), enum risk_grade *g,
		    size_t counts[5])
{
	struct db_stmt *st = db_stmt(db, sql);
	enum risk_grade *gs = NULL;
	size_t n = 0;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	rc = grades_of(st, &gs, &n);
	if (rc == 0) {
		*g = rule(gs, n);
		for (size_t i = 0; counts && i < n; i++)
			if (gs[i] >= 1 && gs[i] <= 4)
				counts[gs[i]]++;
	}
	free(gs);
	return rc;
}

static int regrade_point(struct db *db, int64_t point_id, int64_t now_ms)
{
	struct db_stmt *st;
	enum risk_grade g = RISK_GRADE_NONE;
	char day[16] = "", due[16] = "";
	int64_t dn = 0;
	int rc = grade_by(db, SQL_POINT_SOURCE_GRADES, point_id, risk_point_grade, &g, NULL);

	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_POINT_OLDEST);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", point_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (!db_col_null(st, 0))
			snprintf(day, sizeof(day), "%s", db_col_text(st, 0));
		db_reset(st);
	} else if (rc < 0) {
		return rc;
	}
	if (day[0] && date_parse(day, &dn) == 0)
		date_format(risk_reassess_due(dn), due, sizeof(due));
	st = db_stmt(db, SQL_POINT_REGRADE);
	if (st == NULL)
		return ERR_DB;
	db_bind_id_or_null(st, ":grade", g);
	db_bind_text(st, ":day", day[0] ? day : NULL);
	db_bind_text(st, ":due", due[0] ? due : NULL);
	db_bind_i64(st, ":now", now_ms);
	db_bind_i64(st, ":id", point_id);
	return db_step_done(st);
}

int risk_db_regrade(struct db *db, int64_t enterprise_id, int64_t unit_id, int64_t point_id,
		    int64_t now_ms)
{
	struct db_stmt *st;
	enum risk_grade g = RISK_GRADE_NONE;
	size_t counts[5] = { 0 };
	int rc = point_id ? regrade_point(db, point_id, now_ms) : 0;

	if (rc == 0 && unit_id)
		rc = grade_by(db, SQL_UNIT_POINT_GRADES, unit_id, risk_point_grade, &g, NULL);
	if (rc == 0 && unit_id) {
		st = db_stmt(db, SQL_UNIT_REGRADE);
		if (st == NULL)
			return ERR_DB;
		db_bind_id_or_null(st, ":grade", g);
		db_bind_i64(st, ":now", now_ms);
		db_bind_i64(st, ":id", unit_id);
		rc = db_step_done(st);
	}
	if (rc == 0)
		rc = grade_by(db, SQL_ENTERPRISE_POINT_GRADES, enterprise_id, risk_enterprise_grade,
			      &g, counts);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_ENTERPRISE_REGRADE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", enterprise_id);
	db_bind_id_or_null(st, ":grade", g);
	db_bind_i64(st, ":red", (int64_t)counts[RISK_RED]);
	db_bind_i64(st, ":orange", (int64_t)counts[RISK_ORANGE]);
	db_bind_i64(st, ":yellow", (int64_t)counts[RISK_YELLOW]);
	db_bind_i64(st, ":blue", (int64_t)counts[RISK_BLUE]);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}

/* ------------------------------------------------------------ control measures */

static void bind_measure(struct db_stmt *st, const json_t *m)
{
	json_t *ruid = json_object_get(m, "responsible_user_id");
	json_t *active = json_object_get(m, "active");

	db_bind_text(st, ":kind", json_str(m, "kind"));
	db_bind_text(st, ":description", json_str(m, "description"));
	db_bind_text(st, ":level", json_str(m, "control_level"));
	db_bind_text(st, ":rname", json_str(m, "responsible_name"));
	db_bind_id_or_null(st, ":ruid", json_is_integer(ruid) ? json_integer_value(ruid) : 0);
	db_bind_i64(st, ":active", active == NULL || json_is_true(active));
}

static const char SQL_MEASURE_INSERT[] =
	"INSERT INTO control_measure (enterprise_id, point_id, danger_source_id, kind, "
	"description, control_level, responsible_name, responsible_user_id, active, created_ms, "
	"updated_ms) VALUES (:eid, :point, :source, :kind, :description, :level, :rname, :ruid, "
	":active, :now, :now)";

int risk_db_measure_insert(struct db *db, int64_t enterprise_id, int64_t point_id,
			   int64_t source_id, const json_t *m, int64_t now_ms, int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_MEASURE_INSERT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":point", point_id);
	db_bind_i64(st, ":source", source_id);
	db_bind_i64(st, ":now", now_ms);
	bind_measure(st, m);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_MEASURE_UPDATE[] =
	"UPDATE control_measure SET kind = :kind, description = :description, control_level = "
	":level, responsible_name = :rname, responsible_user_id = :ruid, active = :active, "
	"updated_ms = :now WHERE id = :id";

/* A measure made active again: its items owe tasks from now on, not for the inactive days. */
static const char SQL_MEASURE_ITEMS_RESTART[] =
	"UPDATE check_item SET start_ms = CASE WHEN start_ms > :now THEN start_ms ELSE :now END "
	"WHERE measure_id = :id AND :active = 1 AND EXISTS (SELECT 1 FROM control_measure WHERE "
	"control_measure.id = :id AND control_measure.active = 0)";

int risk_db_measure_update(struct db *db, int64_t id, const json_t *m, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_MEASURE_ITEMS_RESTART);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	db_bind_i64(st, ":active", json_is_false(json_object_get(m, "active")) ? 0 : 1);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_MEASURE_UPDATE);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	bind_measure(st, m);
	return db_step_change(st);
}

static const char SQL_MEASURE_ITEMS[] = "SELECT COUNT(*) FROM check_item WHERE measure_id = :id";
static const char SQL_MEASURE_DELETE[] = "DELETE FROM control_measure WHERE id = :id";

int risk_db_measure_delete(struct db *db, int64_t id)
{
	return delete_unless(db, SQL_MEASURE_ITEMS, SQL_MEASURE_DELETE, id);
}

static const char SQL_MEASURE_GET[] = MEASURE_SELECT "WHERE m.id = :id";

int risk_db_measure_get(struct db *db, int64_t id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_MEASURE_GET);

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return one_row(st, measure_row, row);
}

static const char SQL_USER_OFFICER[] =
	"SELECT COUNT(*) FROM app_user WHERE id = :id AND role = 'enterprise_officer' "
	"AND scope = 'enterprise:' || :uscc";

bool risk_db_user_is_officer_of(struct db *db, int64_t user_id, const char *uscc)
{
	struct db_stmt *st = db_stmt(db, SQL_USER_OFFICER);
	int64_t n = 0;

	if (st == NULL)
		return false;
	db_bind_i64(st, ":id", user_id);
	db_bind_text(st, ":uscc", uscc);
	return db_step_i64(st, &n) == 0 && n > 0;
}

/* ------------------------------------------------------------ zones */

#define ZONE_SELECT                                                                  \
	"SELECT z.id, z.enterprise_id, z.colour, z.name, z.entry_rules, z.polygon, " \
	"e.uscc, e.region_code, e.grid_id FROM risk_zone z "                         \
	"JOIN enterprise e ON e.id = z.enterprise_id "

static json_t *zone_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)db_col_i64(st, 0),
			      "enterprise_id", (json_int_t)db_col_i64(st, 1), "colour",
			      db_col_text(st, 2), "name", db_col_text(st, 3), "entry_rules",
			      db_col_text(st, 4), "polygon", json_col(st, 5));

	scope_cols(o, st, 6);
	return o;
}

static void bind_zone(struct db_stmt *st, const json_t *z, char **poly)
{
	*poly = dump_or_null(json_object_get(z, "polygon"));
	db_bind_text(st, ":colour", json_str(z, "colour"));
	db_bind_text(st, ":name", json_str(z, "name"));
	db_bind_text(st, ":rules", json_str(z, "entry_rules") ? json_str(z, "entry_rules") : "");
	db_bind_text(st, ":polygon", *poly);
}

static const char SQL_ZONE_INSERT[] =
	"INSERT INTO risk_zone (enterprise_id, colour, name, entry_rules, polygon, created_ms, "
	"updated_ms) VALUES (:eid, :colour, :name, :rules, :polygon, :now, :now)";

int risk_db_zone_insert(struct db *db, int64_t enterprise_id, const json_t *z, int64_t now_ms,
			int64_t *id)
{
	struct db_stmt *st = db_stmt(db, SQL_ZONE_INSERT);
	char *poly = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_i64(st, ":now", now_ms);
	bind_zone(st, z, &poly);
	rc = db_step_done(st);
	free(poly);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

static const char SQL_ZONE_UPDATE[] =
	"UPDATE risk_zone SET colour = :colour, name = :name, entry_rules = :rules, polygon = "
	":polygon, updated_ms = :now WHERE id = :id";

int risk_db_zone_update(struct db *db, int64_t id, const json_t *z, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_ZONE_UPDATE);
	char *poly = NULL;
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	db_bind_i64(st, ":now", now_ms);
	bind_zone(st, z, &poly);
	rc = db_step_change(st);
	free(poly);
	return rc;
}

static const char SQL_ZONE_DELETE[] = "DELETE FROM risk_zone WHERE id = :id";

int risk_db_zone_delete(struct db *db, int64_t id)
{
	return delete_unless(db, NULL, SQL_ZONE_DELETE, id);
}

static const char SQL_ZONE_GET[] = ZONE_SELECT "WHERE z.id = :id";

int risk_db_zone_get(struct db *db, int64_t id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_ZONE_GET);

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", id);
	return one_row(st, zone_row, row);
}

static const char SQL_ZONE_LIST[] = ZONE_SELECT "WHERE " SCOPE_WHERE
						"AND (:after IS NULL OR z.id > :after) "
						"ORDER BY z.id LIMIT :limit";
static const char SQL_ZONE_LIST_DESC[] = ZONE_SELECT "WHERE " SCOPE_WHERE
						     "AND (:after IS NULL OR z.id < :after) "
						     "ORDER BY z.id DESC LIMIT :limit";

int risk_db_zone_list(struct db *db, const struct risk_filter *f, const struct list_params *lp,
		      json_t **items)
{
	struct db_stmt *st = db_stmt(db, lp->desc ? SQL_ZONE_LIST_DESC : SQL_ZONE_LIST);

	*items = NULL;
	if (st == NULL)
		return ERR_DB;
	bind_filter(st, f);
	db_bind_page(st, lp);
	return db_rows_json(st, zone_row, items);
}

/* ------------------------------------------------------------ site plan */

static const char SQL_PHOTO_PUT[] =
	"INSERT INTO photo (sha256, mime, bytes, width, height, has_location, uploader_id, "
	"created_ms) VALUES (:sha, :mime, :bytes, :w, :h, 0, :uid, :now) "
	"ON CONFLICT (sha256) DO NOTHING";
static const char SQL_PLAN_PUT[] =
	"INSERT INTO risk_site_plan (enterprise_id, sha256, width, height, uploader_id, "
	"updated_ms) VALUES (:eid, :sha, :w, :h, :uid, :now) ON CONFLICT (enterprise_id) DO "
	"UPDATE SET sha256 = excluded.sha256, width = excluded.width, height = excluded.height, "
	"uploader_id = excluded.uploader_id, updated_ms = excluded.updated_ms";

int risk_db_site_plan_put(struct db *db, int64_t enterprise_id, const char *sha256,
			  const char *mime, int64_t bytes, int width, int height,
			  int64_t uploader_id, int64_t now_ms)
{
	struct db_stmt *st = db_stmt(db, SQL_PHOTO_PUT);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":sha", sha256);
	db_bind_text(st, ":mime", mime);
	db_bind_i64(st, ":bytes", bytes);
	db_bind_i64(st, ":w", width);
	db_bind_i64(st, ":h", height);
	db_bind_id_or_null(st, ":uid", uploader_id);
	db_bind_i64(st, ":now", now_ms);
	rc = db_step_done(st);
	if (rc < 0)
		return rc;
	st = db_stmt(db, SQL_PLAN_PUT);
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":eid", enterprise_id);
	db_bind_text(st, ":sha", sha256);
	db_bind_i64(st, ":w", width);
	db_bind_i64(st, ":h", height);
	db_bind_id_or_null(st, ":uid", uploader_id);
	db_bind_i64(st, ":now", now_ms);
	return db_step_done(st);
}

static const char SQL_PLAN_GET[] =
	"SELECT r.enterprise_id, r.sha256, r.width, r.height, p.mime FROM risk_site_plan r "
	"JOIN photo p ON p.sha256 = r.sha256 WHERE r.enterprise_id = :id";

static json_t *plan_row(struct db_stmt *st)
{
	char url[96];

	snprintf(url, sizeof(url), "/api/v1/risk/enterprises/%" PRId64 "/site-plan/image",
		 db_col_i64(st, 0));
	return json_pack("{s:s, s:I, s:I, s:s, s:s}", "sha256", db_col_text(st, 1), "width",
			 (json_int_t)db_col_i64(st, 2), "height", (json_int_t)db_col_i64(st, 3),
			 "url", url, "_mime", db_col_text(st, 4));
}

int risk_db_site_plan_get(struct db *db, int64_t enterprise_id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_PLAN_GET);

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", enterprise_id);
	return one_row(st, plan_row, row);
}

/* ------------------------------------------------------------ enterprise summary */

static const char SQL_SUMMARY[] =
	"SELECT e.id, e.name, e.uscc, r.grade, "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 1), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 2), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 3), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id AND p.grade = 4), "
	"(SELECT COUNT(*) FROM risk_unit u WHERE u.enterprise_id = e.id), "
	"(SELECT COUNT(*) FROM risk_point p WHERE p.enterprise_id = e.id) "
	"FROM enterprise e LEFT JOIN risk_enterprise r ON r.enterprise_id = e.id WHERE e.id = :id";

static json_t *summary_row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "enterprise_id", (json_int_t)db_col_i64(st, 0),
			      "enterprise_name", db_col_text(st, 1), "uscc", db_col_text(st, 2));
	const char *const keys[] = { "red", "orange", "yellow", "blue", "units", "points" };

	risk_json_grade(o, db_col_null(st, 3) ? 0 : (int)db_col_i64(st, 3));
	for (int i = 0; i < 6; i++)
		json_object_set_new(o, keys[i], json_integer(db_col_i64(st, 4 + i)));
	return o;
}

int risk_db_enterprise_summary(struct db *db, int64_t enterprise_id, json_t **row)
{
	struct db_stmt *st = db_stmt(db, SQL_SUMMARY);

	*row = NULL;
	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":id", enterprise_id);
	return one_row(st, summary_row, row);
}
