/* SPDX-License-Identifier: MIT */
/*
 * The one process-wide object: built by main.c, passed to every module.
 * Holds configuration and shared services; modules read it, never replace
 * its members after start.
 */
#ifndef CORE_APP_H
#define CORE_APP_H

#include <stdint.h>

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
struct monitor;
struct live_hub;
struct modbus_set;
struct db;
/* Appends module gauges (Prometheus text) for /metrics. */
typedef void (*gauges_fn)(struct app *app, struct db *db, struct buf *out);

/*
 * A pass that the scan scheduler runs on its tick after the hazard scan, on the
 * scheduler's connection, at instant at_ms (fake.now_ms or the clock): the risk check
 * tasks' generation and missed checks (set by main.c, so that the hazard module does not
 * call the risk module that calls it).
 */
typedef void (*scan_pass_fn)(struct app *app, struct db *db, int64_t at_ms);

struct app {
	struct config cfg;
	struct db_pool *pool;
	struct metrics *metrics;
	struct rate_limiter *login_limiter;
	auth_resolve_fn auth_resolve;
	gauges_fn gauges;
	scan_pass_fn scan_extra; /* NULL = none */
	struct monitor *monitor; /* the monitoring runtime (src/monitor/monitor.h); NULL = off */
	struct live_hub *live;	 /* Server-Sent Events hub (src/monitor/live.h); NULL = off */
	/* The Modbus pollers (src/monitor/modbus.h): the points API calls
	 * modbus_device_changed(app->modbus, ...) after a commit; NULL = Modbus off. */
	struct modbus_set *modbus;
	int64_t started_ms;
};

#endif
