/* SPDX-License-Identifier: MIT */
/*
 * `anjian serve` once the database is ready (main.c's cmd_serve has migrated it, made the
 * first administrator and loaded the demo): the monitoring runtime and the live hub, the
 * Modbus pollers and the demo's player, the HTTP server, the hazard scheduler, MQTT
 * ingestion; then it waits for SIGINT or SIGTERM and stops them in the reverse order.
 */
#ifndef SERVE_H
#define SERVE_H

struct app;
struct buf;
struct db;

/*
 * Runs the server until SIGINT or SIGTERM. db is the process's own connection (borrowed).
 * Returns 0 after a clean stop, or EXIT_FAIL (main.c's exit code) when a part did not start
 * (logged).
 */
int serve_run(struct app *app, struct db *db);

/* The gauges of /metrics (struct app.gauges): the organisation's counts and the monitoring
 * runtime's counters, Prometheus text appended to out. */
void serve_gauges(struct app *app, struct db *db, struct buf *out);

#endif
