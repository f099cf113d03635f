/* SPDX-License-Identifier: MIT */
/*
 * `anjian serve`: the parts that run (serve.h). Split from main.c, which parses the command
 * line and prepares the database.
 */
#include "serve.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "demo/demo_monitor.h"
#include "hazard/hazard_scan.h"
#include "http/metrics.h"
#include "http/server.h"
#include "monitor/live.h"
#include "monitor/modbus.h"
#include "monitor/monitor.h"
#include "monitor/mqtt.h"
#include "org/org.h"
#include "core/banned.h"

#define LOG_MODULE "main"

enum { EXIT_FAIL = 1 }; /* as main.c's */

/* /metrics gauges of serve: the sessions, then the monitoring runtime's counters. */
void serve_gauges(struct app *app, struct db *db, struct buf *out)
{
	org_gauges(app, db, out);
	monitor_gauges(app->monitor, out);
}

/* Opens the monitoring runtime (after the migrations and the demo load). 0 or EXIT_FAIL. */
static int monitor_start(struct app *app)
{
	struct monitor_config mc;

	monitor_config_defaults(&mc);
	mc.db_path = app->cfg.db_path;
	mc.wal_dir = app->cfg.monitor_wal_dir[0] ? app->cfg.monitor_wal_dir : NULL;
	mc.checkpoint_s = app->cfg.monitor_checkpoint_s;
	mc.max_future_ms = app->cfg.monitor_max_future_ms;
	mc.value_push_ms = app->cfg.monitor_value_push_ms;
	mc.retention_raw_days = app->cfg.monitor_retention_raw_days;
	mc.retention_minute_days = app->cfg.monitor_retention_minute_days;
	mc.tick_thread = true;
	if (monitor_open(&mc, app->live, &app->monitor) < 0) {
		fprintf(stderr, "anjian: cannot open the monitoring runtime (readings log '%s')\n",
			mc.wal_dir ? mc.wal_dir : "<database>.wal");
		return EXIT_FAIL;
	}
	return 0;
}

/* The ingestion callback of the Modbus pollers and the demo player: the runtime. */
static int inputs_ingest(void *ctx, const monitor_reading *r, size_t n)
{
	return monitor_ingest(ctx, r, n, NULL);
}

/*
 * Starts the Modbus pollers (modbus.enabled) and, with --demo, the demo's player of the
 * real recordings (docs/monitoring.md "Modbus", "Demo"), after the runtime. A failure is
 * logged and serving goes on without them.
 */
static void inputs_start(struct app *app, struct db *db, struct demo_player **player,
			 struct demo_mqtt **dm)
{
	int rc;

	*player = NULL;
	*dm = NULL;
	if (app->monitor == NULL)
		return;
	if (app->cfg.modbus_enabled) {
		rc = modbus_set_start(db, inputs_ingest, app->monitor, &app->modbus);
		if (rc < 0)
			log_error("Modbus polling not started: %s", err_str(rc));
		else
			log_info("Modbus: polling %zu devices", modbus_set_count(app->modbus));
	}
	if (app->cfg.demo_load) {
		/* With mqtt.url, through the broker and the server's own subscriber. */
		if (app->cfg.mqtt_url[0]) {
			char host[256], hp[300];
			int port;
			struct errmsg why = { { 0 }, { 0 } };

			if (mqtt_url_parse(app->cfg.mqtt_url, host, sizeof(host), &port, &why) ==
			    0) {
				snprintf(hp, sizeof(hp), strchr(host, ':') ? "[%s]:%d" : "%s:%d",
					 host, port);
				if (demo_mqtt_open(db, hp, dm, &why) != 0)
					log_warn("demo: MQTT publisher not connected (%s): the "
						 "recordings go to the runtime directly",
						 why.text);
			}
		}
		rc = demo_player_start(db, app->cfg.data_dir, 3 * 3600 * 1000LL, inputs_ingest,
				       app->monitor, player);
		if (rc == 0)
			log_info("demo: playing the recordings of data/monitor/demo through %s "
				 "(3 h of history first, through the runtime)",
				 *dm ? "MQTT once the subscriber runs" : "the runtime");
		else if (rc != ERR_NOT_FOUND)
			log_error("demo recordings not played: %s", err_str(rc));
	}
}

/* Stops what inputs_start started, before the runtime closes. */
static void inputs_stop(struct app *app, struct demo_player *player, struct demo_mqtt *dm)
{
	demo_player_stop(player);
	demo_mqtt_close(dm);
	modbus_set_stop(app->modbus);
	app->modbus = NULL;
}

static void monitor_stop(struct app *app)
{
	monitor_close(app->monitor);
	app->monitor = NULL;
}

int serve_run(struct app *app, struct db *db)
{
	struct hazard_scheduler *sched = NULL;
	struct http_server *srv = NULL;
	struct demo_player *player = NULL;
	struct demo_mqtt *dm = NULL;
	sigset_t set;
	int sig, rc;

	/* Worker threads inherit this mask: only this thread takes the signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	app->live = live_hub_new((size_t)app->cfg.monitor_sse_ring); /* mon-live */
	live_hub_set_limits(app->live, (size_t)app->cfg.monitor_sse_max_clients,
			    app->cfg.monitor_sse_ping_s * 1000);
	if (monitor_start(app) != 0) {
		live_hub_free(app->live);
		app->live = NULL;
		return EXIT_FAIL;
	}
	inputs_start(app, db, &player, &dm);
	rc = http_server_start(app, &srv);
	if (rc < 0) {
		inputs_stop(app, player, dm);
		monitor_stop(app);
		live_hub_free(app->live);
		app->live = NULL;
		return EXIT_FAIL;
	}
	if (hazard_scheduler_start(app, &sched) < 0) {
		live_hub_close(app->live); /* no parked stream may outlive the server */
		http_server_stop(srv);
		inputs_stop(app, player, dm);
		monitor_stop(app);
		live_hub_free(app->live); /* after the runtime, which publishes to it */
		app->live = NULL;
		return EXIT_FAIL;
	}
	if (app->cfg.port_file[0]) {
		char tmp[600];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", app->cfg.port_file);
		f = fopen(tmp, "w");
		if (f == NULL || fprintf(f, "%d\n", http_server_port(srv)) < 0 || fclose(f) != 0 ||
		    rename(tmp, app->cfg.port_file) != 0) {
			log_error("cannot write port file '%s'", app->cfg.port_file);
			hazard_scheduler_stop(sched);
			live_hub_close(app->live);
			http_server_stop(srv);
			inputs_stop(app, player, dm);
			monitor_stop(app);
			live_hub_free(app->live);
			app->live = NULL;
			return EXIT_FAIL;
		}
	}
	/* Readings over MQTT (docs/ingestion.md), acknowledged only after monitor_ingest(). */
	if (mqtt_ingest_start(app) != 0) {
		hazard_scheduler_stop(sched);
		http_server_stop(srv);
		inputs_stop(app, player, dm);
		monitor_stop(app);
		return EXIT_FAIL;
	}
	if (player && dm) /* the demo's live readings through the broker from now on */
		demo_player_redirect(player, demo_mqtt_ingest, dm);
	log_info("listening on http://%s%s%s:%d/ database=%s started_in_ms=%" PRId64,
		 strchr(app->cfg.listen, ':') ? "[" : "", app->cfg.listen,
		 strchr(app->cfg.listen, ':') ? "]" : "", http_server_port(srv), app->cfg.db_path,
		 now_ms() - app->started_ms);
	sigwait(&set, &sig);
	log_info("stopping on signal %d", sig);
	mqtt_ingest_stop();
	hazard_scheduler_stop(sched);
	live_hub_close(app->live); /* ends every stream: none may stay parked */
	http_server_stop(srv);
	inputs_stop(app, player, dm);
	monitor_stop(app);
	live_hub_free(app->live); /* after the runtime, which publishes to it */
	app->live = NULL;
	return 0;
}
