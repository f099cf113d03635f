/* SPDX-License-Identifier: MIT */
/*
 * The demo's real-time monitoring (issue 6 §8, docs/monitoring.md "Demo"): the devices and
 * points of demo.officer's enterprise, and a player that feeds them, in a loop at real
 * speed, with real recordings (data/monitor/demo/README.md): the SKAB water pump's pressure,
 * temperatures and flow (1 s) and the UCI air-quality CO (hourly). A few hours of history
 * are played at once when the player starts, so that trends are not empty.
 *
 * Points (tag, kind, set points; GB/T 50493-2019 defaults by monitor/gas.h for the gas
 * detectors; manual set points for the pump, chosen from the recording, see the README):
 *   GT-101 combustible methane   %LEL  defaults (no recording exists: no readings)
 *   AT-201 toxic CO              mg/m3 defaults (OEL 30: the city air never reaches it)
 *   OT-301 oxygen                %VOL  defaults (no recording: no readings)
 *   PT-401 pressure              bar   high1 2.0, high2 2.5 (above the recording's range)
 *   TT-402 temperature (motor)   degC  high1 85, high2 95
 *   TT-403 temperature (fluid)   degC  high1 40, high2 50
 *   FT-404 flow                  L/min low1 30, low2 27, deadband 0.5, on delay 2 s, off
 *                                      delay 5 s: the valve-closure anomalies raise them
 * Internal to the demo module and main.c.
 */
#ifndef DEMO_DEMO_MONITOR_H
#define DEMO_DEMO_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/modbus.h"
#include "monitor/replay.h"

struct db;
struct errmsg;

/* The names of the demo's two devices (monitor_device.name; the player finds its points by
 * them). */
#define DEMO_MONITOR_GDS  "GDS-1 可燃/有毒气体报警控制器（演示）"
#define DEMO_MONITOR_PUMP "P-401 输送泵数据采集（演示）"

/*
 * Writes the two devices and seven points above for enterprise_id into db (inside the
 * caller's transaction), at instant now_ms. gas_csv: data/monitor/gas_properties.csv's text.
 * Returns 0 with *devices and *points counted, or a negative err (why says what).
 */
int demo_monitor_load(struct db *db, int64_t enterprise_id, int64_t now_ms, const char *gas_csv,
		      int64_t *devices, int64_t *points, struct errmsg *why);

/* One recording played in a loop. */
struct demo_track {
	struct replay_row *rows; /* owned, time order */
	int64_t *point_ids;	 /* owned, per row; 0: no such point (skipped) */
	size_t n;
	int64_t loop_ms;  /* the recording's span + its median step: one loop */
	int64_t epoch_ms; /* wall time of rows[0] in loop 0 */
	size_t next;	  /* next row to play */
	int64_t loop;	  /* loop number of next */
};

/*
 * The wall time at which row i of loop k is due: epoch + k x loop_ms + (ts_i - ts_0); the
 * readings are sent with this source time. Pure.
 */
int64_t demo_track_due(const struct demo_track *t, size_t i, int64_t k);

/*
 * Hands ingest the readings of t due at or before now_ms, in batches of at most max rows
 * (>= 1), advancing t (across loop ends). Rows of unknown points are skipped. Returns the
 * readings handed, or ingest's negative error (t stays at the failed batch).
 */
long demo_track_play(struct demo_track *t, int64_t now_ms, size_t max, modbus_ingest_fn ingest,
		     void *ctx);

/* The running player (one thread). */
struct demo_player;

/*
 * Loads data/monitor/demo/pump_valve1.csv and co_2004.csv from data_dir, resolves their tags
 * to the points of the demo devices in db, plays the loop's first history_ms at once through
 * ingest, before returning (source times in the past, one batch a track), and starts the
 * thread that plays on at real speed until demo_player_stop. Returns 0 with *out, ERR_NOT_FOUND (the demo's
 * devices are not in db: nothing to play), ERR_INVALID/ERR_IO (a file; logged) or ERR_DB.
 */
int demo_player_start(struct db *db, const char *data_dir, int64_t history_ms,
		      modbus_ingest_fn ingest, void *ctx, struct demo_player **out);
/*
 * From now on the player hands its readings to ingest(ctx) instead (the history, played
 * first, stays with the runtime: a broker drops what is published before the server's
 * subscriber is there). Call before the live readings start to matter; thread-safe.
 */
void demo_player_redirect(struct demo_player *p, modbus_ingest_fn ingest, void *ctx);
/* Readings handed to ingest so far. */
uint64_t demo_player_played(struct demo_player *p);
/* Stops the thread and frees. NULL-safe. */
void demo_player_stop(struct demo_player *p);

/*
 * The demo's MQTT path: an ingest callback for the player that publishes the readings back
 * under their tags, as a device would, to anjian/v1/<credit code of the demo's
 * enterprise>/readings at QoS 1 ({"readings":[...]}, docs/ingestion.md), through the broker
 * at "HOST:PORT"; the server's own subscriber (mqtt.url) takes them from there.
 */
struct demo_mqtt;
/* Returns 0 with *out (demo_mqtt_close), ERR_NOT_FOUND (no demo devices), ERR_IO, ERR_DB. */
int demo_mqtt_open(struct db *db, const char *host_port, struct demo_mqtt **out,
		   struct errmsg *why);
/* A modbus_ingest_fn with ctx a struct demo_mqtt: 0 once the broker acknowledged, ERR_IO. */
int demo_mqtt_ingest(void *ctx, const monitor_reading *r, size_t n);
void demo_mqtt_close(struct demo_mqtt *d);

#endif
