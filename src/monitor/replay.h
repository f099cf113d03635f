/* SPDX-License-Identifier: MIT */
/*
 * `anjian replay FILE` (issue 6 §8, docs/monitoring.md "Replay"): sends the readings of a CSV
 * file `tag,ts_ms,value` (header required) to a running server, over HTTP as NDJSON batches
 * (POST /api/v1/readings?enterprise=USCC with an API token) or over MQTT (QoS 1 to
 * anjian/v1/<USCC>/readings, the payload `{"readings":[...]}`), at real speed, X times real
 * speed or as fast as the server acknowledges. Timestamps are shifted so that the first row
 * is now, unless keep_time.
 *
 * Rules (pure, unit-tested): replay_parse, replay_due_ms, replay_format. Transport:
 * replay_run.
 */
#ifndef MONITOR_REPLAY_H
#define MONITOR_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct errmsg;

/* Longest tag accepted in a replay file (monitor_point.tag). */
#define REPLAY_TAG_MAX 64
/* Readings per HTTP request or MQTT message at most. */
#define REPLAY_BATCH_MAX 1000

struct replay_row {
	char tag[REPLAY_TAG_MAX + 1];
	int64_t ts_ms; /* source time, UTC ms */
	double value;  /* NAN: an empty cell or "null" (sent as null: a bad reading) */
};

/*
 * Parses CSV text[0..len) (UTF-8, LF or CRLF lines, optional UTF-8 BOM) whose first line is
 * exactly `tag,ts_ms,value`. Each later non-empty line is `TAG,TS_MS,VALUE`: TAG 1..64 bytes
 * without control characters, quotes or commas; TS_MS a whole number of ms (0 .. year 3000);
 * VALUE a finite decimal number, or empty / "null" for a bad reading. Rows must be in
 * non-decreasing ts_ms order (a replay plays time forward). Returns 0 with *rows (malloc'd,
 * caller frees; NULL when *n is 0) and *n, or ERR_INVALID with why naming the line ("line 7")
 * and the reason, nothing returned.
 */
int replay_parse(const char *text, size_t len, struct replay_row **rows, size_t *n,
		 struct errmsg *why);

/*
 * The wall-clock offset from the start of the replay at which a row of source time ts_ms is
 * due: (ts_ms - first_ms) / speed, speed > 0 (1 = real speed, 10 = ten times faster).
 */
int64_t replay_due_ms(int64_t first_ms, int64_t ts_ms, double speed);

enum replay_format_kind {
	REPLAY_NDJSON, /* one {"tag","ts","v"} object per line (HTTP, application/x-ndjson) */
	REPLAY_OBJECT, /* {"readings":[...]} (MQTT payload, docs/ingestion.md) */
};

/* Appends r[0..n) with ts shifted by shift_ms to out in the format f. */
void replay_format(const struct replay_row *r, size_t n, int64_t shift_ms,
		   enum replay_format_kind f, struct buf *out);

struct replay_opts {
	double speed;		 /* > 0; ignored when fast */
	bool fast;		 /* send each batch as soon as the previous one is acknowledged */
	bool keep_time;		 /* send the file's own timestamps */
	const char *url;	 /* "http://HOST:PORT[/PREFIX]" or NULL */
	const char *token;	 /* API token (Bearer) for url */
	const char *mqtt;	 /* "HOST:PORT" or NULL; exactly one of url and mqtt */
	const char *enterprise;	 /* unified social credit code */
	int64_t (*now_ms)(void); /* clock; NULL = the system clock */
};

struct replay_stats {
	size_t sent;	 /* readings acknowledged by the server / broker */
	size_t batches;	 /* requests or messages acknowledged */
	size_t accepted; /* HTTP only: the sum of the answers' "accepted" */
	size_t unknown;	 /* HTTP only: the sum of the answers' "unknown" (tags with no point) */
};

/*
 * Sends rows[0..n) as the options say, in batches of at most REPLAY_BATCH_MAX readings of
 * rows that are due. Stops at the first failure: a connection that fails, an HTTP answer
 * that is not 200 (its status and body in why), a publish not acknowledged. Returns 0, or
 * ERR_INVALID (options, in why), ERR_IO (transport, in why), ERR_UNAUTHORIZED (HTTP 401/403).
 */
int replay_run(const struct replay_opts *o, const struct replay_row *rows, size_t n,
	       struct replay_stats *st, struct errmsg *why);

/* A QoS 1 publisher (Paho C), for replay_run and the demo's MQTT path. */
struct replay_mqtt;

/*
 * Connects to the broker at "HOST:PORT" (clean session, client id "anjian-<what>-<pid>").
 * Returns 0 with *out owned (replay_mqtt_close), ERR_INVALID or ERR_IO (why says which).
 */
int replay_mqtt_open(const char *host_port, const char *what, struct replay_mqtt **out,
		     struct errmsg *why);
/* Publishes payload[0..len) to topic at QoS 1 and waits for its PUBACK (30 s). 0 or ERR_IO. */
int replay_mqtt_publish(struct replay_mqtt *m, const char *topic, const char *payload, size_t len,
			struct errmsg *why);
/* Disconnects and frees. NULL-safe. */
void replay_mqtt_close(struct replay_mqtt *m);

#endif
