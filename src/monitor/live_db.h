/* SPDX-License-Identifier: MIT */
/*
 * SQL of the live stream (live_api.c): which enterprises a user's scope covers, read
 * once when a stream opens (issue 6 §6).
 */
#ifndef MONITOR_LIVE_DB_H
#define MONITOR_LIVE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/scope.h"

struct db;

/*
 * The ids of the enterprises inside the bounds b (scope_bounds_of), ascending; only the
 * one with id only_id when only_id > 0. Returns 0 with *ids (owned, free(); NULL when
 * *n is 0) and *n, or ERR_DB.
 */
int live_db_scope_enterprises(struct db *db, const struct scope_bounds *b, int64_t only_id,
			      int64_t **ids, size_t *n);

#endif
