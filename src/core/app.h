/* SPDX-License-Identifier: MIT */
/*
 * The one process-wide object: built by main.c, passed to every module.
 * Holds configuration and shared services; modules read it, never replace
 * its members after start.
 */
#ifndef CORE_APP_H
#define CORE_APP_H

#include "core/config.h"

struct db_pool;
struct metrics;
struct rate_limiter;
struct req;
struct principal;

/*
 * Resolves a bearer/cookie token to a principal (provided by the accounts
 * module, called by the router). Returns 0, or ERR_UNAUTHORIZED when the
 * token is unknown, expired or revoked.
 */
typedef int (*auth_resolve_fn)(struct req *rq, const char *token, struct principal *out);

struct app;
struct buf;
struct db;
/* Appends module gauges (Prometheus text) for /metrics. */
typedef void (*gauges_fn)(struct app *app, struct db *db, struct buf *out);

struct app {
	struct config cfg;
	struct db_pool *pool;
	struct metrics *metrics;
	struct rate_limiter *login_limiter;
	auth_resolve_fn auth_resolve;
	gauges_fn gauges;
	int64_t started_ms;
};

#endif
