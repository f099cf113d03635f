/* SPDX-License-Identifier: MIT */
/*
 * The MQTT subscriber of readings (issue 6 §3 a, docs/ingestion.md "MQTT"): an MQTT 3.1.1
 * (OASIS 2014) client of its own, because it must send the PUBACK of a QoS 1 message only
 * after the message's readings are durable and evaluated, and neither Debian client
 * library lets an application do that (libmosquitto 2.0.11 sends PUBACK before calling
 * on_message; Paho C 1.3.12 sends it once the message is queued for the application,
 * before messageArrived runs): docs/ingestion.md "Why a client of our own".
 *
 * It implements only what a subscriber needs: CONNECT (clean session off: a persistent
 * session, so that the broker keeps and redelivers what was not acknowledged), SUBSCRIBE
 * at QoS 1, PUBLISH in (QoS 0 and 1), PUBACK out, PINGREQ/PINGRESP, DISCONNECT. Each
 * mqtt_sub runs one connection in a thread of its own and reconnects with a doubling
 * backoff (100 ms .. 10 s). A message whose handler fails is not acknowledged: the
 * connection is closed and opened again, and the broker sends the message again.
 */
#ifndef MONITOR_MQTT_H
#define MONITOR_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct errmsg;

/* Largest PUBLISH accepted (bytes); a larger one closes the connection (logged). */
#define MQTT_MAX_PACKET (64u * 1024 * 1024)

/*
 * Called on the connection's thread for each PUBLISH, topic[0..topic_len) and
 * payload[0..len) borrowed for the call. Return 0 to acknowledge (QoS 1: PUBACK is sent
 * after the return), or a negative err to leave the message unacknowledged (the
 * connection is then closed and reopened; the broker redelivers it).
 */
typedef int (*mqtt_message_fn)(void *ctx, const char *topic, size_t topic_len,
			       const unsigned char *payload, size_t len);

/* A message handler's "accepted, and flush the batch before the next message". */
#define MQTT_FLUSH 1

/* Most messages a batching connection accepts before it flushes (mqtt_flush_fn). */
#define MQTT_BATCH_MAX 64

/*
 * The batch mode (mqtt_sub_config.flush): the message handler only accepts a message
 * (returns 0, or MQTT_FLUSH when its batch is full) and the connection keeps reading
 * every complete PUBLISH already received, up to MQTT_BATCH_MAX messages; then, when no
 * further packet is waiting, it calls flush(ctx, true), which must make everything
 * accepted since the last flush durable and return 0; only then are the PUBACKs of all
 * those messages sent, in the order of their PUBLISHes (§4.6). A flush returning a
 * negative err leaves all of them unacknowledged (the connection is closed and reopened;
 * the broker redelivers them). When the connection ends with accepted messages not yet
 * flushed, flush(ctx, false) is called: drop them (they were not acknowledged).
 */
typedef int (*mqtt_flush_fn)(void *ctx, bool commit);

struct mqtt_sub_config {
	const char *host;      /* broker host name or address (borrowed) */
	int port;	       /* 1..65535 */
	const char *client_id; /* fixed, 1..23 bytes recommended by the spec (borrowed) */
	const char *username;  /* NULL or "" = none */
	const char *password;  /* NULL or "" = none (only with a username) */
	const char *filter;    /* topic filter subscribed at QoS 1 */
	int keepalive_s;       /* 0 = 30 */
	mqtt_flush_fn flush;   /* NULL: each message acknowledged after its handler returned
				  0; else the batch mode (mqtt_flush_fn) */
};

struct mqtt_sub;

/* Counters of one connection since start. */
struct mqtt_sub_stats {
	uint64_t connects; /* CONNACKs accepted */
	uint64_t messages; /* PUBLISH packets received */
	uint64_t acked;	   /* PUBACKs sent */
	uint64_t refused;  /* messages left unacknowledged by the handler or a flush */
	uint64_t flushes;  /* batch mode: flush(ctx, true) calls that returned 0 */
	int connected;	   /* 1 while subscribed */
};

/*
 * Starts a connection thread (copies cfg's strings). Returns 0 with *out owned
 * (mqtt_sub_stop), or ERR_INVALID (cfg) / ERR_INTERNAL (thread).
 */
int mqtt_sub_start(const struct mqtt_sub_config *cfg, mqtt_message_fn fn, void *ctx,
		   struct mqtt_sub **out);
/* Sends DISCONNECT when connected, stops and joins the thread, frees. NULL-safe. */
void mqtt_sub_stop(struct mqtt_sub *s);
void mqtt_sub_stats_get(struct mqtt_sub *s, struct mqtt_sub_stats *out);

/*
 * Parses mqtt.url "mqtt://host[:port]" (port 1883 by default; host may be [v6]) into
 * host[0..n) and *port. Returns 0 or ERR_INVALID with the reason in why (field "mqtt.url").
 */
int mqtt_url_parse(const char *url, char *host, size_t n, int *port, struct errmsg *why);

/*
 * The ingestion of readings over MQTT for the application: when cfg mqtt.url is set,
 * mqtt.connections connections with client ids "<mqtt.client_id>-1" .. "-N", all
 * subscribed to "$share/anjian/anjian/v1/+/readings"; each message's topic names the
 * enterprise by credit code, its payload is a batch object (payload.h) handed to
 * monitor_ingest() before the PUBACK. Each connection runs in the batch mode
 * (mqtt_flush_fn): the readings of all the messages already received on it (at most
 * MQTT_BATCH_MAX messages; flushed early at 50000 readings) go to one monitor_ingest call,
 * then their PUBACKs are sent. A bad payload (unknown enterprise, not decodable)
 * is counted (monitor_count_bad_payload), logged with its reason and acknowledged; only a
 * failure to store leaves a message unacknowledged. Returns 0 (also when off), or
 * ERR_INVALID (bad mqtt.url, logged) / ERR_INTERNAL.
 */
int mqtt_ingest_start(struct app *app);
/* Stops the connections started by mqtt_ingest_start. Safe when none were started. */
void mqtt_ingest_stop(void);

/*
 * The handler mqtt_ingest_start installs, ctx being its struct ingest_conn (the app, a
 * decode buffer and the connection's batch). Topic "anjian/v1/<credit code>/readings".
 * Appends the message's decoded readings to the batch: returns 0, MQTT_FLUSH when the
 * batch holds 50000 readings or more, 0 for a bad message (counted, logged: it is
 * acknowledged with the batch), or ERR_UNAVAILABLE (no runtime) / ERR_NOMEM.
 */
int mqtt_ingest_message(void *ctx, const char *topic, size_t topic_len,
			const unsigned char *payload, size_t len);

/*
 * The flush mqtt_ingest_start installs (mqtt_flush_fn): commit true hands the batch to
 * monitor_ingest (one call: durable and evaluated on return) and returns its result;
 * commit false drops the batch. The batch is empty afterwards either way.
 */
int mqtt_ingest_flush(void *ctx, bool commit);

#endif
