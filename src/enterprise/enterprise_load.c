/* SPDX-License-Identifier: MIT */
/*
 * Start-up work of the enterprise module: loading the GB/T 4754-2017
 * industry classification (all four levels) from
 * data/industry/gbt4754_2017_full.csv into the industry table at first start.
 * Not for enterprise import (enterprise_import.c).
 */
#define LOG_MODULE "enterprise"
#include "enterprise/enterprise.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "core/banned.h"

#define NFIELDS 7 /* level,section,division,group,class,name_zh,note */

/* Splits a CSV line without quoted fields (the file has none). Returns the field count. */
static int split(char *line, char **f)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	f[n++] = line;
	for (char *p = line; *p && n < NFIELDS; p++)
		if (*p == ',') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* Inserts one row; the code and parent follow from the level. */
static int load_row(struct db *db, char **f)
{
	const char *codes[5] = { NULL, f[1], f[2], f[3], f[4] };
	int level = f[0][0] - '0';
	static const size_t code_len[5] = { 0, 1, 2, 3, 4 };

	if (f[0][1] != '\0' || level < 1 || level > 4 || strlen(codes[level]) != code_len[level] ||
	    f[5][0] == '\0' || !utf8_valid(f[5], strlen(f[5])))
		return ERR_INVALID;
	if (level > 2 && strncmp(codes[level], codes[level - 1], code_len[level - 1]) != 0)
		return ERR_INVALID; /* a group/class that does not start with its parent's code */
	return enterprise_db_industry_insert(db, codes[level], f[5], level, f[1],
					     level > 1 ? codes[level - 1] : NULL);
}

int enterprise_industry_load(struct db *db, const char *data_dir, int64_t *loaded)
{
	char path[1024], line[1024];
	char *f[NFIELDS];
	FILE *fp = NULL;
	int64_t rows = 0;
	int rc = 0, lineno = 0;

	*loaded = 0;
	rows = enterprise_db_industry_count(db);
	if (rows != 0) {
		rc = rows < 0 ? ERR_DB : 0; /* loaded already */
		rows = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/industry/gbt4754_2017_full.csv", data_dir);
	fp = fopen(path, "r");
	if (fp == NULL) {
		log_error("cannot read '%s': %s", path, strerror(errno));
		rc = ERR_IO;
		goto out;
	}
	rc = db_begin(db);
	if (rc < 0)
		goto out;
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		if (++lineno == 1)
			continue; /* header */
		if (split(line, f) < 6) {
			rc = ERR_INVALID;
		} else {
			rc = load_row(db, f);
		}
		if (rc < 0)
			log_error("%s:%d: not a GB/T 4754 row (%s)", path, lineno, err_str(rc));
		else
			rows++;
	}
	rc = db_finish(db, rc);
	if (rc == 0) {
		*loaded = rows;
		log_info("loaded %" PRId64 " GB/T 4754-2017 industry codes", rows);
	}
out:
	if (fp)
		fclose(fp);
	return rc;
}
