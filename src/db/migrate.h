/* SPDX-License-Identifier: MIT */
/*
 * Schema migrations: numbered SQL files embedded at build time, applied in
 * order, one transaction each, recorded in schema_migration(version, name,
 * applied_ms). Forward-only.
 */
#ifndef DB_MIGRATE_H
#define DB_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct migration {
	int version;
	const char *name;
	const char *sql_sqlite;
	const char *sql_pg;
};

/* The embedded steps, in version order (generated). */
extern const struct migration db_migrations[];
extern const size_t db_migrations_n;

/*
 * Applies, in order, every step the database has not recorded, including one numbered
 * below the highest recorded step (numbers are reserved by branches developed in
 * parallel). Returns 0, ERR_CONFLICT when the database is newer than this binary or has
 * a step this binary does not know (nothing is applied then), or ERR_DB (that step
 * rolled back; the steps before it stay). *applied (may be NULL) receives how many ran.
 */
int db_migrate(struct db *db, const struct migration *steps, size_t n, int *applied);

/* Highest applied version (0 for an empty database). */
int db_schema_version(struct db *db, int64_t *out);

#endif
