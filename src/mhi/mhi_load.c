/* SPDX-License-Identifier: MIT */
/*
 * Loading data/mhi/ at start (mhi_load.h). One static struct mhi_tables, written once
 * before the HTTP server starts and only read afterwards: a module-level object rather
 * than a member of struct app, because the tables are constants of the standard, not
 * configuration, and the demo loader and the routes both read them.
 */
#define LOG_MODULE "mhi"
#include "mhi/mhi_load.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "mhi/mhi.h"
#include "core/banned.h"

static struct mhi_tables tables;
static bool loaded;

/* Reads the whole file at path into b. Returns 0 or ERR_IO. */
static int read_all(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t got;

	if (f == NULL)
		return ERR_IO;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, got);
	if (ferror(f)) {
		fclose(f);
		return ERR_IO;
	}
	fclose(f);
	return 0;
}

int mhi_data_load(const char *data_dir, char *why, size_t n)
{
	/* Table 4 sets the betas of Table 2's categories: Table 2 first. */
	static const enum mhi_table_id order[] = { MHI_TABLE1, MHI_TABLE2, MHI_TABLE3,
						   MHI_TABLE4, MHI_TABLE5, MHI_TABLE6 };
	struct mhi_tables t;
	struct errmsg m;
	char dir[1024], path[1200];
	struct stat sb;
	int rc = 0;

	if (loaded)
		return 0;
	snprintf(dir, sizeof(dir), "%s/mhi", data_dir);
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(why, n, "%s: no such folder", dir);
		return ERR_NOT_FOUND;
	}
	mhi_tables_init(&t);
	for (size_t i = 0; rc == 0 && i < sizeof(order) / sizeof(order[0]); i++) {
		struct buf b = BUF_INIT;
		int line = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, mhi_table_file(order[i]));
		rc = read_all(path, &b);
		if (rc < 0) {
			snprintf(why, n, "%s: cannot read: %s", path, strerror(errno));
		} else {
			rc = mhi_tables_parse(&t, order[i], buf_str(&b), &line, &m);
			if (rc < 0)
				snprintf(why, n, "%s: line %d: %s", path, line, m.text);
		}
		buf_release(&b);
	}
	if (rc == 0) {
		rc = mhi_tables_check(&t, &m);
		if (rc < 0)
			snprintf(why, n, "%s: %s: %s", dir, m.field, m.text);
	}
	if (rc < 0) {
		mhi_tables_release(&t);
		return rc;
	}
	tables = t;
	loaded = true;
	log_debug("loaded the GB 18218-2018 tables: %zu chemicals, %zu categories",
		  tables.nchemicals, tables.ncategories);
	return 0;
}

const struct mhi_tables *mhi_data(void)
{
	return loaded ? &tables : NULL;
}

void mhi_data_release(void)
{
	if (loaded)
		mhi_tables_release(&tables);
	loaded = false;
}
