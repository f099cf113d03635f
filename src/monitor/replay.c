/* SPDX-License-Identifier: MIT */
/* anjian replay: CSV rules, NDJSON/JSON batches, HTTP and MQTT transports. */
#define LOG_MODULE "replay"

#include "monitor/replay.h"

#include <MQTTClient.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/banned.h"

/* Latest source time accepted: 3000-01-01T00:00:00Z. */
#define TS_MAX 32503680000000LL

/* Copies the line's next comma-separated cell into cell (size cap); advances *p. */
static size_t next_cell(const char **p, const char *end, const char **cell)
{
	const char *s = *p;
	const char *c = memchr(s, ',', (size_t)(end - s));

	*cell = s;
	if (c == NULL) {
		*p = end;
		return (size_t)(end - s);
	}
	*p = c + 1;
	return (size_t)(c - s);
}

static int parse_row(const char *s, const char *end, struct replay_row *r, size_t lineno,
		     struct errmsg *why)
{
	const char *cell;
	size_t n = next_cell(&s, end, &cell);
	char tmp[64];
	char *e;

	if (n == 0 || n > REPLAY_TAG_MAX)
		return errmsg_set(why, "tag", "line %zu: a tag of 1..%d bytes is required", lineno,
				  REPLAY_TAG_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)cell[i] < 0x20 || cell[i] == '"' || cell[i] == 0x7f)
			return errmsg_set(why, "tag",
					  "line %zu: a tag has no quotes or control characters",
					  lineno);
	memcpy(r->tag, cell, n);
	r->tag[n] = '\0';
	if (s == end && cell + n == end)
		return errmsg_set(why, "ts_ms", "line %zu: 3 cells tag,ts_ms,value are required",
				  lineno);
	n = next_cell(&s, end, &cell);
	if (n == 0 || n >= sizeof(tmp))
		return errmsg_set(why, "ts_ms", "line %zu: ts_ms is required", lineno);
	memcpy(tmp, cell, n);
	tmp[n] = '\0';
	errno = 0;
	long long ts = strtoll(tmp, &e, 10);

	if (errno != 0 || *e != '\0' || tmp[0] == '-' || tmp[0] == '+' || tmp[0] == ' ' ||
	    ts > TS_MAX)
		return errmsg_set(why, "ts_ms",
				  "line %zu: '%s' is not a time in UTC ms (0 .. year 3000)", lineno,
				  tmp);
	r->ts_ms = ts;
	if (cell + n == end)
		return errmsg_set(why, "value", "line %zu: 3 cells tag,ts_ms,value are required",
				  lineno);
	n = next_cell(&s, end, &cell);
	if (cell + n != end)
		return errmsg_set(why, "value", "line %zu: more than 3 cells", lineno);
	if (n == 0 || (n == 4 && memcmp(cell, "null", 4) == 0)) {
		r->value = NAN;
		return 0;
	}
	if (n >= sizeof(tmp))
		return errmsg_set(why, "value", "line %zu: the value is too long", lineno);
	memcpy(tmp, cell, n);
	tmp[n] = '\0';
	errno = 0;
	r->value = strtod(tmp, &e);
	/* strtod takes "nan", "inf" and hex: only plain finite decimals are readings. */
	if (errno != 0 || *e != '\0' || !isfinite(r->value) || strpbrk(tmp, "xXnNiI ") != NULL)
		return errmsg_set(why, "value", "line %zu: '%s' is not a finite number", lineno,
				  tmp);
	return 0;
}

int replay_parse(const char *text, size_t len, struct replay_row **rows, size_t *n,
		 struct errmsg *why)
{
	const char *p = text, *end = text + len;
	struct replay_row *out = NULL;
	size_t cap = 0, k = 0, lineno = 0;
	int rc = 0;

	*rows = NULL;
	*n = 0;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		lineno++;
		if (le > p && le[-1] == '\r')
			le--;
		if (lineno == 1) {
			if ((size_t)(le - p) != 15 || memcmp(p, "tag,ts_ms,value", 15) != 0)
				rc = errmsg_set(why, "header",
						"line 1: the header 'tag,ts_ms,value' is required");
		} else if (le > p) {
			if (k == cap) {
				struct replay_row *t =
					realloc(out, (cap = cap ? cap * 2 : 256) * sizeof(*out));

				if (t == NULL) {
					rc = errmsg_set(why, "", "out of memory");
					break;
				}
				out = t;
			}
			rc = parse_row(p, le, &out[k], lineno, why);
			if (rc == 0 && k > 0 && out[k].ts_ms < out[k - 1].ts_ms)
				rc = errmsg_set(
					why, "ts_ms",
					"line %zu: ts_ms goes back in time (rows must be in "
					"time order)",
					lineno);
			k++;
		}
		p = nl ? nl + 1 : end;
	}
	if (rc == 0 && lineno == 0)
		rc = errmsg_set(why, "header", "line 1: the header 'tag,ts_ms,value' is required");
	if (rc != 0) {
		free(out);
		return ERR_INVALID;
	}
	if (k == 0) {
		free(out);
		out = NULL;
	}
	*rows = out;
	*n = k;
	return 0;
}

int64_t replay_due_ms(int64_t first_ms, int64_t ts_ms, double speed)
{
	return (int64_t)((double)(ts_ms - first_ms) / speed);
}

void replay_format(const struct replay_row *r, size_t n, int64_t shift_ms,
		   enum replay_format_kind f, struct buf *out)
{
	if (f == REPLAY_OBJECT)
		buf_adds(out, "{\"readings\":[");
	for (size_t i = 0; i < n; i++) {
		json_t *tag = json_string(r[i].tag);
		char *t = json_dumps(tag, JSON_ENCODE_ANY);

		if (f == REPLAY_OBJECT && i > 0)
			buf_adds(out, ",");
		buf_addf(out, "{\"tag\":%s,\"ts\":%lld,\"v\":", t ? t : "\"\"",
			 (long long)(r[i].ts_ms + shift_ms));
		if (isnan(r[i].value))
			buf_adds(out, "null}");
		else
			buf_addf(out, "%.17g}", r[i].value);
		if (f == REPLAY_NDJSON)
			buf_adds(out, "\n");
		free(t);
		json_decref(tag);
	}
	if (f == REPLAY_OBJECT)
		buf_adds(out, "]}");
}

/* --- transports --- */

struct http_target {
	char host[256];
	char port[8];
	char prefix[256];
};

static int parse_url(const char *url, struct http_target *t, struct errmsg *why)
{
	const char *h, *hend, *path;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (strncmp(url, "http://", 7) != 0)
		return errmsg_set(why, "url", "'%s' is not http://HOST:PORT[/PREFIX]", url);
	h = url + 7;
	path = strchr(h, '/');
	if (path == NULL)
		path = h + strlen(h);
	if (*h == '[') {
		hend = memchr(h, ']', (size_t)(path - h));
		if (hend == NULL)
			return errmsg_set(why, "url", "unclosed '[' in '%s'", url);
		h++;
	} else {
		hend = memchr(h, ':', (size_t)(path - h));
		if (hend == NULL)
			hend = path;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n >= sizeof(t->host))
		return errmsg_set(why, "url", "no host in '%s'", url);
	memcpy(t->host, h, n);
	if (*hend == ']')
		hend++;
	if (*hend == ':') {
		n = (size_t)(path - hend - 1);
		if (n == 0 || n >= sizeof(t->port) || strspn(hend + 1, "0123456789") < n)
			return errmsg_set(why, "url", "bad port in '%s'", url);
		memcpy(t->port, hend + 1, n);
	} else if (hend != path) {
		return errmsg_set(why, "url", "'%s' is not http://HOST:PORT[/PREFIX]", url);
	} else {
		memcpy(t->port, "80", 3);
	}
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(t->prefix))
		return errmsg_set(why, "url", "the path of '%s' is too long", url);
	memcpy(t->prefix, path, n);
	return 0;
}

static int connect_to(const char *host, const char *port, struct errmsg *why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	struct timeval tv = { .tv_sec = 60 };
	int fd = -1, rc = getaddrinfo(host, port, &hints, &ai);

	if (rc != 0) {
		errmsg_set(why, "url", "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		errmsg_set(why, "url", "cannot connect to %s:%s: %s", host, port, strerror(errno));
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The query value of a credit code: letters and digits only (GB 32100), so no escaping. */
static bool plain_code(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

/* POSTs one NDJSON batch; one connection per request (Connection: close). */
static int http_post(const struct http_target *t, const struct replay_opts *o,
		     const struct buf *body, struct replay_stats *st, struct errmsg *why)
{
	struct buf req = BUF_INIT, ans = BUF_INIT;
	char chunk[4096];
	int fd = connect_to(t->host, t->port, why), status = 0, rc = 0;
	const char *bodyp;

	if (fd < 0)
		return ERR_IO;
	buf_addf(&req,
		 "POST %s/api/v1/readings?enterprise=%s HTTP/1.1\r\nHost: %s:%s\r\n"
		 "Authorization: Bearer %s\r\nContent-Type: application/x-ndjson\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 t->prefix, o->enterprise, t->host, t->port, o->token, body->len);
	buf_add(&req, body->p ? body->p : "", body->len);
	if (write_all(fd, req.p, req.len) != 0) {
		rc = errmsg_set(why, "url", "sending to %s:%s failed: %s", t->host, t->port,
				strerror(errno));
		rc = ERR_IO;
	}
	for (;;) {
		ssize_t r = rc == 0 ? recv(fd, chunk, sizeof(chunk), 0) : 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		buf_add(&ans, chunk, (size_t)r);
	}
	close(fd);
	buf_release(&req);
	if (rc != 0) {
		buf_release(&ans);
		return rc;
	}
	if (sscanf(buf_str(&ans), "HTTP/1.%*d %d", &status) != 1) {
		errmsg_set(why, "url", "no HTTP answer from %s:%s", t->host, t->port);
		buf_release(&ans);
		return ERR_IO;
	}
	bodyp = strstr(buf_str(&ans), "\r\n\r\n");
	bodyp = bodyp ? bodyp + 4 : "";
	if (status != 200) {
		errmsg_set(why, "url", "HTTP %d: %.200s", status, bodyp);
		buf_release(&ans);
		return status == 401 || status == 403 ? ERR_UNAUTHORIZED : ERR_IO;
	}
	json_t *j = json_loads(bodyp, 0, NULL);

	if (j != NULL) {
		st->accepted += (size_t)json_integer_value(json_object_get(j, "accepted"));
		st->unknown += (size_t)json_integer_value(json_object_get(j, "unknown"));
		json_decref(j);
	}
	buf_release(&ans);
	return 0;
}

struct replay_mqtt {
	MQTTClient c;
};

int replay_mqtt_open(const char *host_port, const char *what, struct replay_mqtt **out,
		     struct errmsg *why)
{
	MQTTClient_connectOptions co = MQTTClient_connectOptions_initializer;
	struct replay_mqtt *m;
	char uri[300], id[64];
	int rc;

	snprintf(uri, sizeof(uri), "tcp://%s", host_port);
	snprintf(id, sizeof(id), "anjian-%s-%ld", what, (long)getpid());
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return ERR_INTERNAL;
	if (MQTTClient_create(&m->c, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL) !=
	    MQTTCLIENT_SUCCESS) {
		free(m);
		return errmsg_set(why, "mqtt", "'%s' is not HOST:PORT", host_port);
	}
	co.keepAliveInterval = 30;
	co.cleansession = 1;
	co.connectTimeout = 10;
	rc = MQTTClient_connect(m->c, &co);
	if (rc != MQTTCLIENT_SUCCESS) {
		MQTTClient_destroy(&m->c);
		free(m);
		errmsg_set(why, "mqtt", "cannot connect to %s (paho rc %d)", host_port, rc);
		return ERR_IO;
	}
	*out = m;
	return 0;
}

int replay_mqtt_publish(struct replay_mqtt *m, const char *topic, const char *payload, size_t len,
			struct errmsg *why)
{
	MQTTClient_message msg = MQTTClient_message_initializer;
	MQTTClient_deliveryToken dt;
	int rc;

	msg.payload = (void *)payload;
	msg.payloadlen = (int)len;
	msg.qos = 1;
	msg.retained = 0;
	rc = MQTTClient_publishMessage(m->c, topic, &msg, &dt);
	if (rc == MQTTCLIENT_SUCCESS)
		rc = MQTTClient_waitForCompletion(m->c, dt, 30000L);
	if (rc != MQTTCLIENT_SUCCESS) {
		errmsg_set(why, "mqtt", "publish to '%s' not acknowledged (paho rc %d)", topic, rc);
		return ERR_IO;
	}
	return 0;
}

void replay_mqtt_close(struct replay_mqtt *m)
{
	if (m == NULL)
		return;
	MQTTClient_disconnect(m->c, 1000);
	MQTTClient_destroy(&m->c);
	free(m);
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int replay_run(const struct replay_opts *o, const struct replay_row *rows, size_t n,
	       struct replay_stats *st, struct errmsg *why)
{
	int64_t (*clock)(void) = o->now_ms ? o->now_ms : now_ms;
	struct http_target t;
	struct replay_mqtt *mc = NULL;
	char topic[128];
	int64_t start, shift;
	size_t i = 0;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if ((o->url == NULL) == (o->mqtt == NULL))
		return errmsg_set(why, "url", "give exactly one of --url and --mqtt");
	if (!plain_code(o->enterprise))
		return errmsg_set(why, "enterprise",
				  "a unified social credit code (letters and digits) is required");
	if (!o->fast && !(o->speed > 0 && isfinite(o->speed)))
		return errmsg_set(why, "speed", "the speed must be a number > 0");
	if (o->url) {
		if (parse_url(o->url, &t, why) != 0)
			return ERR_INVALID;
		if (o->token == NULL || o->token[0] == '\0' || strpbrk(o->token, "\r\n "))
			return errmsg_set(why, "token", "an API token is required with --url");
	} else {
		snprintf(topic, sizeof(topic), "anjian/v1/%s/readings", o->enterprise);
		rc = replay_mqtt_open(o->mqtt, "replay", &mc, why);
		if (rc != 0)
			return rc;
	}
	start = clock();
	shift = n == 0 || o->keep_time ? 0 : start - rows[0].ts_ms;
	while (i < n && rc == 0) {
		size_t j = i;
		struct buf body = BUF_INIT;

		if (!o->fast) {
			int64_t wait = start +
				       replay_due_ms(rows[0].ts_ms, rows[i].ts_ms, o->speed) -
				       clock();

			if (wait > 0)
				sleep_ms(wait);
		}
		/* Every row that is due now goes in this batch. */
		int64_t elapsed = clock() - start;

		while (j < n && j - i < REPLAY_BATCH_MAX &&
		       (o->fast || j == i ||
			replay_due_ms(rows[0].ts_ms, rows[j].ts_ms, o->speed) <= elapsed))
			j++;
		replay_format(rows + i, j - i, shift, o->url ? REPLAY_NDJSON : REPLAY_OBJECT,
			      &body);
		rc = o->url ? http_post(&t, o, &body, st, why)
			    : replay_mqtt_publish(mc, topic, buf_str(&body), body.len, why);
		buf_release(&body);
		if (rc == 0) {
			st->sent += j - i;
			st->batches++;
		}
		i = j;
	}
	replay_mqtt_close(mc);
	return rc;
}
