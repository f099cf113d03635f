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

/*
 * What a stream's principal is now, as text to compare with the same call's answer when
 * the stream opened: "<role> <scope>" of the user of session session_id (token_id 0) or of
 * API token token_id, into out (n bytes). Returns 0, ERR_NOT_FOUND when the session or
 * token is revoked or gone or its user locked, or ERR_DB. A stream whose answer is no
 * longer the same must end (docs/monitoring.md "Live (SSE)": scope, session).
 */
int live_db_principal(struct db *db, int64_t session_id, int64_t token_id, char *out, size_t n);

#endif
