/* SPDX-License-Identifier: MIT */
/* The SQL of the ingestion paths (ingest.h): one look-up of an enterprise by credit code. */
#include <stdio.h>

#include "core/err.h"
#include "db/db.h"
#include "monitor/ingest.h"
#include "core/banned.h"

static const char SQL_ENTERPRISE[] =
	"SELECT id, region_code, grid_id FROM enterprise WHERE uscc = :uscc";

int ingest_db_enterprise(struct db *db, const char *uscc, struct ingest_enterprise *out)
{
	struct db_stmt *st = db_stmt(db, SQL_ENTERPRISE);
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":uscc", uscc);
	rc = db_step(st);
	if (rc == DB_ROW) {
		const char *region = db_col_text(st, 1);

		out->id = db_col_i64(st, 0);
		snprintf(out->region_code, sizeof(out->region_code), "%s", region ? region : "");
		out->grid_id = db_col_i64(st, 2);
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? ERR_NOT_FOUND : rc;
}
