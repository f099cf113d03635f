/* SPDX-License-Identifier: MIT */
/*
 * Modbus TCP polling (issue 6 §2, docs/monitoring.md "Modbus"): one thread per active
 * 'modbus' device of monitor_device reads each of its active points' registers (the point's
 * reg_kind, reg_addr, reg_type, reg_scale, reg_offset) every poll_ms with libmodbus and hands
 * the poll's readings, as one batch, to an ingest callback (monitor_ingest in the server, a
 * fake in tests). A device that does not answer gives no readings (the runtime's comms-loss
 * timeout does the rest); it is retried with a doubling backoff (poll_ms .. 60 s) and the
 * outage is logged once when it starts and once when it ends.
 *
 * Register conversion (modbus_convert): the Modbus application protocol (V1.1b3 §4.2) sends
 * each 16-bit register big-endian; a 32-bit value takes two consecutive registers with the
 * HIGH word FIRST (at reg_addr; "ABCD" order, as most gas detector controllers and PLCs do).
 * f32 is IEEE 754 binary32 in that order. The engineering value is raw x reg_scale +
 * reg_offset.
 *
 * Not for: alarm evaluation, the device/point API (branch mon-points calls
 * modbus_device_changed() after its commits).
 *
 * Threads: modbus_set_* functions may be called from any thread.
 */
#ifndef MONITOR_MODBUS_H
#define MONITOR_MODBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/monitor.h"

struct db;

enum modbus_reg_type {
	MODBUS_U16 = 0,
	MODBUS_I16,
	MODBUS_U32,
	MODBUS_I32,
	MODBUS_F32,
};

enum modbus_reg_kind {
	MODBUS_HOLDING = 0, /* function code 03 */
	MODBUS_INPUT,	    /* function code 04 */
};

/* Parses "u16", "i16", "u32", "i32", "f32" (monitor_point.reg_type). 0 or ERR_INVALID. */
int modbus_reg_type_parse(const char *s, enum modbus_reg_type *out);
/* Parses "holding", "input" (monitor_point.reg_kind). 0 or ERR_INVALID. */
int modbus_reg_kind_parse(const char *s, enum modbus_reg_kind *out);
/* Registers a type occupies: 1 (u16, i16) or 2 (u32, i32, f32). */
int modbus_reg_count(enum modbus_reg_type t);

/*
 * Converts the registers regs[0..modbus_reg_count(t)) as read from the device (host-order
 * 16-bit words, high word first for 32-bit types) to the engineering value raw x scale +
 * offset. A non-finite f32 (NaN, infinity) or a non-finite result gives NAN.
 */
double modbus_convert(enum modbus_reg_type t, const uint16_t *regs, double scale, double offset);

/* One point of a device's register map. */
struct modbus_point {
	int64_t point_id;
	enum modbus_reg_kind kind;
	uint16_t addr; /* register address, 0-based (protocol address, not 4xxxx numbering) */
	enum modbus_reg_type type;
	double scale, offset;
};

/* One device to poll. */
struct modbus_device {
	int64_t id;
	char host[256];
	int port;		     /* 1..65535; 502 when the row has none */
	int unit_id;		     /* 0..247; 1 when the row has none */
	int poll_ms;		     /* >= 100; 1000 when the row has none */
	struct modbus_point *points; /* owned */
	size_t n_points;
};

/*
 * Called once per successful poll with that poll's readings r[0..n) (borrowed), all with the
 * same source time (the poll's start, UTC ms). A point whose register read failed with a
 * Modbus exception is handed with value NAN and quality 2 (bad). Return 0, or a negative err
 * (logged; the readings are not retried: the next poll supersedes them).
 */
typedef int (*modbus_ingest_fn)(void *ctx, const monitor_reading *r, size_t n);

/* A running poller of one device. */
struct modbus_poller;

/*
 * Starts a poller thread for dev (copied). Returns 0 with *out owned (modbus_poller_stop),
 * ERR_INVALID (no points, bad port/unit/poll) or ERR_INTERNAL.
 */
int modbus_poller_start(const struct modbus_device *dev, modbus_ingest_fn fn, void *ctx,
			struct modbus_poller **out);
/* Stops the thread (it returns within one response timeout) and frees. NULL-safe. */
void modbus_poller_stop(struct modbus_poller *p);

/* Counters of one poller, for tests and logs. */
struct modbus_poller_stats {
	uint64_t polls_ok;     /* polls handed to the callback */
	uint64_t polls_failed; /* polls dropped: connection lost, timeout */
	uint64_t outages;      /* outages started (each logged once) */
	bool down;	       /* in an outage now */
};
void modbus_poller_stats_get(struct modbus_poller *p, struct modbus_poller_stats *out);

/*
 * Loads device id (active, protocol 'modbus') and its active points with a complete register
 * map from the database into *dev (modbus_device_wipe). Returns 0, ERR_NOT_FOUND (no such
 * active modbus device, or none of its points has a map) or ERR_DB.
 */
int modbus_device_load(struct db *db, int64_t id, struct modbus_device *dev);
void modbus_device_wipe(struct modbus_device *dev);
/*
 * The ids of the active 'modbus' devices, ascending, into *ids (malloc'd, caller frees) and
 * *n. Returns 0, ERR_DB or ERR_INTERNAL.
 */
int modbus_device_ids(struct db *db, int64_t **ids, size_t *n);

/* The set of pollers of the process (one per active modbus device). */
struct modbus_set;

/*
 * Starts a poller for every active modbus device with mapped points. Returns 0 with *out
 * owned (modbus_set_stop) or ERR_DB / ERR_INTERNAL.
 */
int modbus_set_start(struct db *db, modbus_ingest_fn fn, void *ctx, struct modbus_set **out);
/*
 * Reloads device id after a committed change of the device or of one of its points
 * (created, changed, deactivated, deleted): stops its poller and starts a new one when the
 * device is still an active modbus device with mapped points. NULL-safe (set NULL: Modbus
 * off). Returns 0 or ERR_DB.
 */
int modbus_device_changed(struct modbus_set *set, struct db *db, int64_t id);
/* Pollers running. */
size_t modbus_set_count(struct modbus_set *set);
/* Stops every poller and frees. NULL-safe. */
void modbus_set_stop(struct modbus_set *set);

#endif
