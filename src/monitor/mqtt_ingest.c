/* SPDX-License-Identifier: MIT */
/*
 * The application's ingestion of readings over MQTT (mqtt.h, docs/ingestion.md "MQTT"):
 * mqtt.connections subscribers of mqtt.c sharing "$share/anjian/anjian/v1/+/readings",
 * each message's enterprise resolved from its topic, its payload decoded (payload.c)
 * and handed to the runtime (monitor_ingest) before the PUBACK. The connections run in
 * mqtt.c's batch mode: the readings of every message already received on a connection
 * (up to MQTT_BATCH_MAX messages, INGEST_BATCH_READINGS readings) go to monitor_ingest
 * in one call, and the PUBACKs of those messages follow its return.
 */
#define LOG_MODULE "mqtt"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "monitor/monitor.h"
#include "monitor/mqtt.h"
#include "monitor/payload.h"
#include "monitor/wal.h"
#include "core/banned.h"

#define INGEST_FILTER	"$share/anjian/anjian/v1/+/readings"
#define INGEST_MAX_CONN 64
/* A connection's batch is flushed once it holds this many readings. */
#define INGEST_BATCH_READINGS 50000

/*
 * One connection of the application's ingestion: its decode buffer and its batch (the
 * readings of the messages accepted since the last flush) are reused.
 */
struct ingest_conn {
	struct app *app;
	struct payload_out out;
	monitor_reading *batch;
	size_t n, cap;
};

static struct mqtt_sub *ingest_subs[INGEST_MAX_CONN];
static struct ingest_conn ingest_conns[INGEST_MAX_CONN];
static int ingest_n;

struct resolve_ctx {
	struct monitor *m;
	int64_t enterprise_id;
};

static int resolve(void *ctx, const char *tag, size_t len, int64_t *point_id)
{
	const struct resolve_ctx *c = ctx;
	return monitor_resolve_held(c->m, c->enterprise_id, tag, len, point_id);
}

int mqtt_ingest_message(void *ctx, const char *topic, size_t topic_len,
			const unsigned char *payload, size_t len)
{
	struct ingest_conn *conn = ctx;
	struct payload_out *out = &conn->out;
	struct monitor *m = conn->app->monitor;
	static const char pre[] = "anjian/v1/", post[] = "/readings";
	const size_t npre = sizeof pre - 1, npost = sizeof post - 1;
	struct errmsg err = { { 0 }, { 0 } };
	int64_t eid;

	if (m == NULL)
		return ERR_UNAVAILABLE; /* not acknowledged: nothing could store it */
	if (topic_len <= npre + npost || memcmp(topic, pre, npre) != 0 ||
	    memcmp(topic + topic_len - npost, post, npost) != 0 ||
	    monitor_resolve_enterprise(m, topic + npre, topic_len - npre - npost, &eid) != 0) {
		monitor_count_bad_payload(m);
		log_every_ms(5000, LL_WARN,
			     "bad MQTT message: topic %.*s names no known enterprise "
			     "(anjian/v1/<credit code>/readings): acknowledged, dropped",
			     (int)(topic_len > 200 ? 200 : topic_len), topic);
		return 0;
	}
	struct resolve_ctx rc_ctx = { .m = m, .enterprise_id = eid };
	monitor_resolve_hold(m); /* one read lock for the message's tags */
	int rc = payload_decode_batch((const char *)payload, len, now_ms(), resolve, &rc_ctx, out,
				      &err);
	monitor_resolve_release(m);
	if (rc == ERR_INVALID || rc == ERR_TOO_MANY) {
		monitor_count_bad_payload(m);
		log_every_ms(5000, LL_WARN,
			     "bad MQTT payload on %.*s: %s %s (line %zu, byte %zu): "
			     "acknowledged, dropped",
			     (int)topic_len, topic, err.field, err.text, out->line, out->offset);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (out->unknown)
		log_every_ms(10000, LL_INFO, "%zu readings on %.*s name unknown tags (first: %s)",
			     out->unknown, (int)topic_len, topic, out->unknown_tag);
	if (out->n == 0)
		return 0;
	if (conn->n && conn->n + out->n > WAL_BATCH_MAX) {
		/* Too much for one call: commit what is there first (still before its PUBACKs). */
		size_t n = conn->n;
		conn->n = 0;
		int rc2 = monitor_ingest(m, conn->batch, n, NULL);
		if (rc2 < 0)
			return rc2;
	}
	if (conn->n + out->n > conn->cap) {
		size_t cap = conn->cap ? conn->cap : 4096;
		while (cap < conn->n + out->n)
			cap *= 2;
		conn->batch = xrealloc(conn->batch, cap * sizeof *conn->batch);
		conn->cap = cap;
	}
	memcpy(conn->batch + conn->n, out->r, out->n * sizeof *out->r);
	conn->n += out->n;
	return conn->n >= INGEST_BATCH_READINGS ? MQTT_FLUSH : 0;
}

int mqtt_ingest_flush(void *ctx, bool commit)
{
	struct ingest_conn *conn = ctx;
	size_t n = conn->n;
	conn->n = 0;
	if (!commit || n == 0)
		return 0;
	struct monitor *m = conn->app->monitor;
	if (m == NULL)
		return ERR_UNAVAILABLE;
	return monitor_ingest(m, conn->batch, n, NULL);
}

int mqtt_ingest_start(struct app *app)
{
	const struct config *c = &app->cfg;
	char host[256];
	int port;
	struct errmsg why;

	if (c->mqtt_url[0] == '\0')
		return 0;
	if (mqtt_url_parse(c->mqtt_url, host, sizeof host, &port, &why)) {
		log_error("%s: %s", why.field, why.text);
		return ERR_INVALID;
	}
	int n = c->mqtt_connections < 1 ? 1 : c->mqtt_connections;
	if (n > INGEST_MAX_CONN)
		n = INGEST_MAX_CONN;
	for (int k = 0; k < n; k++) {
		char id[64];
		snprintf(id, sizeof id, "%s-%d", c->mqtt_client_id, k + 1);
		struct mqtt_sub_config sc = {
			.host = host,
			.port = port,
			.client_id = id,
			.username = c->mqtt_username,
			.password = c->mqtt_password,
			.filter = INGEST_FILTER,
			.flush = mqtt_ingest_flush,
		};
		ingest_conns[ingest_n].app = app;
		int rc = mqtt_sub_start(&sc, mqtt_ingest_message, &ingest_conns[ingest_n],
					&ingest_subs[ingest_n]);
		if (rc) {
			mqtt_ingest_stop();
			return rc;
		}
		ingest_n++;
	}
	log_info("mqtt: %d connection(s) to %s:%d as %s-1..%d, subscribing %s", n, host, port,
		 c->mqtt_client_id, n, INGEST_FILTER);
	return 0;
}

void mqtt_ingest_stop(void)
{
	for (int k = 0; k < ingest_n; k++) {
		mqtt_sub_stop(ingest_subs[k]);
		ingest_subs[k] = NULL;
		payload_free(&ingest_conns[k].out);
		free(ingest_conns[k].batch);
		ingest_conns[k].batch = NULL;
		ingest_conns[k].n = ingest_conns[k].cap = 0;
	}
	ingest_n = 0;
}
