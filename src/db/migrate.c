/* SPDX-License-Identifier: MIT */
/* Migration runner (see migrate.h). */
#define LOG_MODULE "migrate"
#include "db/migrate.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "core/banned.h"

static const char SQL_CREATE[] = "CREATE TABLE IF NOT EXISTS schema_migration ("
				 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
				 "applied_ms INTEGER NOT NULL)";

static const char SQL_VERSION[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migration";

int db_schema_version(struct db *db, int64_t *out)
{
	struct db_stmt *st;
	int rc;

	if (db_exec(db, SQL_CREATE) < 0)
		return ERR_DB;
	st = db_stmt(db, SQL_VERSION);
	if (st == NULL)
		return ERR_DB;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ERR_DB;
	*out = db_col_i64(st, 0);
	db_reset(st);
	return 0;
}

static const char SQL_RECORD[] = "INSERT INTO schema_migration (version, name, applied_ms) "
				 "VALUES (:version, :name, :applied_ms)";

static int migrate_one(struct db *db, const struct migration *m)
{
	struct db_stmt *st;
	int rc;

	rc = db_begin(db);
	if (rc < 0)
		return rc;
	rc = db_exec(db, m->sql_sqlite);
	if (rc < 0)
		goto out;
	st = db_stmt(db, SQL_RECORD);
	if (st == NULL) {
		rc = ERR_DB;
		goto out;
	}
	db_bind_i64(st, ":version", m->version);
	db_bind_text(st, ":name", m->name);
	db_bind_i64(st, ":applied_ms", now_ms());
	rc = db_step_done(st);
	if (rc < 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc < 0)
		db_rollback(db);
	return rc;
}

static const char SQL_RECORDED[] = "SELECT version FROM schema_migration ORDER BY version";

/* True when version is one of the n steps. */
static bool known(const struct migration *steps, size_t n, int64_t version)
{
	for (size_t i = 0; i < n; i++)
		if (steps[i].version == version)
			return true;
	return false;
}

/*
 * Which steps the database has (done[i] for steps[i]). A recorded version this binary does
 * not know means the database was made by another (newer, or a parallel branch's) build:
 * ERR_CONFLICT, nothing is applied.
 */
static int recorded(struct db *db, const struct migration *steps, size_t n, bool *done)
{
	struct db_stmt *st = db_stmt(db, SQL_RECORDED);
	int rc;

	if (st == NULL)
		return ERR_DB;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t v = db_col_i64(st, 0);

		if (!known(steps, n, v)) {
			log_error("database has migration %" PRId64 " that this binary (last %d) "
				  "does not know",
				  v, n > 0 ? steps[n - 1].version : 0);
			db_reset(st);
			return ERR_CONFLICT;
		}
		for (size_t i = 0; i < n; i++)
			if (steps[i].version == v)
				done[i] = true;
	}
	return rc < 0 ? rc : 0;
}

int db_migrate(struct db *db, const struct migration *steps, size_t n, int *applied)
{
	bool *done = NULL;
	int64_t have;
	int rc, count = 0;

	if (applied)
		*applied = 0;
	rc = db_schema_version(db, &have);
	if (rc < 0)
		return rc;
	if (n > 0 && have > steps[n - 1].version) {
		log_error("database schema %" PRId64 " is newer than this binary (%d)", have,
			  steps[n - 1].version);
		return ERR_CONFLICT;
	}
	done = xcalloc(n ? n : 1, sizeof(*done));
	rc = recorded(db, steps, n, done);
	/*
	 * Every step not recorded runs, in order, even below the highest recorded one: step
	 * numbers are handed out to branches developed in parallel, so a database can have
	 * 0006 before the 0005 of a branch merged later.
	 */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (done[i])
			continue;
		rc = migrate_one(db, &steps[i]);
		if (rc < 0) {
			log_error("migration %04d '%s' failed: %s", steps[i].version, steps[i].name,
				  err_str(rc));
			break;
		}
		log_info("applied migration %04d '%s'", steps[i].version, steps[i].name);
		count++;
	}
	free(done);
	if (applied)
		*applied = count;
	return rc;
}
