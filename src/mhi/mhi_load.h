/* SPDX-License-Identifier: MIT */
/*
 * The GB 18218-2018 tables of the running process (issue 6 §1, docs/mhi.md "Storage and
 * API"): the six files of data/mhi/ parsed once at start (main.c's prepare_db) into one
 * process-wide struct mhi_tables, read-only afterwards, so that every request thread reads
 * it without a lock. A bad table stops the start with its file and line.
 */
#ifndef MHI_MHI_LOAD_H
#define MHI_MHI_LOAD_H

#include <stddef.h>

struct errmsg;
struct mhi_tables;

/*
 * Reads and parses <data_dir>/mhi/gb18218_*.csv (mhi_table_file(), Table 2 before Table
 * 4), then mhi_tables_check(). Loads once: a second call returns 0 and keeps the tables.
 * Returns 0; ERR_NOT_FOUND when the folder <data_dir>/mhi does not exist (nothing loaded:
 * the routes answer 503); ERR_IO when a file cannot be read, or ERR_INVALID when a table
 * is bad, with why (n bytes) saying "<path>: line N: <reason>" (line 0: the file as a
 * whole).
 */
int mhi_data_load(const char *data_dir, char *why, size_t n);

/* Returns: the loaded tables (borrowed, read-only, for the process' life), or NULL. */
const struct mhi_tables *mhi_data(void);

/* Frees the loaded tables (at exit, for the leak checker). Not thread-safe. */
void mhi_data_release(void);

#endif
