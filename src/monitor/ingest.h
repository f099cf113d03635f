/* SPDX-License-Identifier: MIT */
/*
 * Ingestion of readings over HTTP (POST /api/v1/readings, docs/ingestion.md): the route
 * table, and the enterprise look-up the ingestion paths share.
 */
#ifndef MONITOR_INGEST_H
#define MONITOR_INGEST_H

#include <stdint.h>

#include "http/req.h"

struct db;

/* The enterprise a credit code names: id, region and grid (0: none), for the scope. */
struct ingest_enterprise {
	int64_t id;
	char region_code[16];
	int64_t grid_id;
};

/*
 * Loads the enterprise whose unified social credit code (GB 32100-2015) is uscc.
 * Returns 0 with *out, ERR_NOT_FOUND or ERR_DB.
 */
int ingest_db_enterprise(struct db *db, const char *uscc, struct ingest_enterprise *out);

/* POST /api/v1/readings (perm readings.ingest). */
extern const struct route ingest_routes[];

#endif
