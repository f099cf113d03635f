/* SPDX-License-Identifier: MIT */
/*
 * A minimal MQTT 3.1.1 subscriber (mqtt.h): one blocking TCP connection per thread,
 * packets read into a growable buffer, the PUBACK of a QoS 1 PUBLISH written only after
 * the handler returned 0. Section numbers are those of MQTT Version 3.1.1 (OASIS
 * Standard, 29 October 2014).
 */
#define LOG_MODULE "mqtt"
#include "monitor/mqtt.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/banned.h"

/* Control packet types (§2.2.1). */
enum {
	PKT_CONNECT = 1,
	PKT_CONNACK = 2,
	PKT_PUBLISH = 3,
	PKT_PUBACK = 4,
	PKT_SUBSCRIBE = 8,
	PKT_SUBACK = 9,
	PKT_PINGREQ = 12,
	PKT_PINGRESP = 13,
	PKT_DISCONNECT = 14,
};

struct mqtt_sub {
	char *host, *client_id, *username, *password, *filter;
	int port;
	int keepalive_s;
	mqtt_message_fn fn;
	mqtt_flush_fn flush; /* NULL: no batch mode */
	void *ctx;
	unsigned pend_id[MQTT_BATCH_MAX]; /* batch mode: packet ids of the QoS 1 accepted */
	int npend;			  /* ids in pend_id */
	int naccepted;			  /* messages accepted since the last flush (QoS 0 too) */
	pthread_t thread;
	atomic_bool stop;
	int fd;
	unsigned char *buf; /* the packet being read */
	size_t cap;
	pthread_mutex_t lock; /* stats */
	struct mqtt_sub_stats stats;
};

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static void put16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Writes all of p[0..n); 0 or -1. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Encodes the remaining length (§2.2.3) at p; returns its byte count. */
static size_t put_len(unsigned char *p, size_t len)
{
	size_t k = 0;
	do {
		unsigned char b = (unsigned char)(len % 128);
		len /= 128;
		p[k++] = (unsigned char)(len ? b | 0x80 : b);
	} while (len);
	return k;
}

/*
 * Reads exactly n bytes, waiting at most until deadline (monotonic ms) and giving up when
 * stop is set. Returns 0, or -1 (closed, error, timeout, stop).
 */
static int read_exact(struct mqtt_sub *s, unsigned char *p, size_t n, int64_t deadline)
{
	while (n) {
		if (atomic_load(&s->stop))
			return -1;
		int64_t left = deadline - monotonic_ms();
		if (left <= 0)
			return -1;
		struct pollfd pf = { .fd = s->fd, .events = POLLIN };
		int r = poll(&pf, 1, left < 200 ? (int)left : 200);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0)
			continue;
		ssize_t k = recv(s->fd, p, n, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Reads one packet: *type, *flags (low nibble), body in s->buf[0..*len). Waits until
 * deadline for its first byte (a deadline already past: only looks whether a byte is
 * waiting). Returns 0, 1 (nothing arrived before the deadline: not an error) or -1.
 */
static int read_packet(struct mqtt_sub *s, int *type, int *flags, size_t *len, int64_t deadline)
{
	unsigned char h;
	for (;;) {
		if (atomic_load(&s->stop))
			return -1;
		int64_t left = deadline - monotonic_ms();
		if (left < 0)
			left = 0;
		struct pollfd pf = { .fd = s->fd, .events = POLLIN };
		int r = poll(&pf, 1, left < 200 ? (int)left : 200);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			break;
		if (left == 0)
			return 1;
	}
	/* A packet has begun: the rest must follow within 30 s. */
	int64_t rest = monotonic_ms() + 30000;
	if (read_exact(s, &h, 1, rest))
		return -1;
	size_t n = 0, mul = 1;
	for (int k = 0;; k++) {
		unsigned char b;
		if (k == 4 || read_exact(s, &b, 1, rest))
			return -1;
		n += (b & 127u) * mul;
		mul *= 128;
		if (!(b & 128))
			break;
	}
	if (n > MQTT_MAX_PACKET) {
		log_warn("%s: a packet of %zu bytes exceeds the limit of %u: reconnecting",
			 s->client_id, n, MQTT_MAX_PACKET);
		return -1;
	}
	if (n + 1 > s->cap) {
		s->cap = n + 1 > 4096 ? n + 1 : 4096;
		s->buf = xrealloc(s->buf, s->cap);
	}
	if (n && read_exact(s, s->buf, n, rest))
		return -1;
	*type = h >> 4;
	*flags = h & 15;
	*len = n;
	return 0;
}

static int connect_tcp(struct mqtt_sub *s)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char port[16];
	snprintf(port, sizeof port, "%d", s->port);
	int rc = getaddrinfo(s->host, port, &hints, &res);
	if (rc) {
		log_every_ms(10000, LL_WARN, "%s: cannot resolve %s: %s", s->client_id, s->host,
			     gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		log_every_ms(10000, LL_WARN, "%s: cannot connect to %s:%d: %s", s->client_id,
			     s->host, s->port, strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	s->fd = fd;
	return 0;
}

/* Appends a UTF-8 string field (§1.5.3) at p; returns bytes written. */
static size_t put_str(unsigned char *p, const char *str)
{
	size_t n = strlen(str);
	put16(p, n);
	memcpy(p + 2, str, n);
	return n + 2;
}

/* CONNECT (§3.1) with clean session 0, then CONNACK (§3.2). Returns 0 or -1. */
static int handshake(struct mqtt_sub *s)
{
	size_t body = 10 + 2 + strlen(s->client_id);
	if (s->username)
		body += 2 + strlen(s->username);
	if (s->username && s->password)
		body += 2 + strlen(s->password);
	unsigned char *p = xmalloc(body + 5), *q = p;
	*q++ = PKT_CONNECT << 4;
	q += put_len(q, body);
	q += put_str(q, "MQTT");
	*q++ = 4;		 /* protocol level 3.1.1 */
	unsigned char flags = 0; /* clean session 0: a persistent session (§3.1.2.4) */
	if (s->username)
		flags |= 0x80;
	if (s->username && s->password)
		flags |= 0x40;
	*q++ = flags;
	put16(q, (size_t)s->keepalive_s);
	q += 2;
	q += put_str(q, s->client_id);
	if (s->username)
		q += put_str(q, s->username);
	if (s->username && s->password)
		q += put_str(q, s->password);
	int rc = write_all(s->fd, p, (size_t)(q - p));
	free(p);
	if (rc)
		return -1;
	int type, fl;
	size_t len;
	if (read_packet(s, &type, &fl, &len, monotonic_ms() + 10000) != 0 || type != PKT_CONNACK ||
	    len != 2) {
		log_every_ms(10000, LL_WARN, "%s: no CONNACK from %s:%d", s->client_id, s->host,
			     s->port);
		return -1;
	}
	if (s->buf[1] != 0) {
		static const char *const why[] = { "",
						   "unacceptable protocol version",
						   "identifier rejected",
						   "server unavailable",
						   "bad user name or password",
						   "not authorised" };
		log_every_ms(10000, LL_WARN, "%s: the broker refused the connection: %s",
			     s->client_id, s->buf[1] < 6 ? why[s->buf[1]] : "unknown code");
		return -1;
	}
	/* SUBSCRIBE (§3.8) at QoS 1, packet id 1. */
	size_t flen = strlen(s->filter);
	unsigned char sub[8 + 65536];
	if (flen > 65535)
		return -1;
	q = sub;
	*q++ = PKT_SUBSCRIBE << 4 | 2;
	q += put_len(q, 2 + 2 + flen + 1);
	put16(q, 1);
	q += 2;
	q += put_str(q, s->filter);
	*q++ = 1;
	return write_all(s->fd, sub, (size_t)(q - sub));
}

static void stat_add(struct mqtt_sub *s, uint64_t *field, int connected)
{
	pthread_mutex_lock(&s->lock);
	if (field)
		(*field)++;
	if (connected >= 0)
		s->stats.connected = connected;
	pthread_mutex_unlock(&s->lock);
}

/*
 * Batch mode: flushes what was accepted since the last flush, then sends the PUBACKs of
 * its QoS 1 messages in one write, in the order received (§4.6). 0 or -1 (close).
 */
static int flush_pending(struct mqtt_sub *s)
{
	if (s->naccepted == 0)
		return 0;
	int rc = s->flush(s->ctx, true);
	int n = s->npend;
	s->naccepted = 0;
	s->npend = 0;
	if (rc < 0) {
		pthread_mutex_lock(&s->lock);
		s->stats.refused += (uint64_t)n;
		pthread_mutex_unlock(&s->lock);
		log_every_ms(5000, LL_WARN,
			     "%s: a batch of %d message(s) could not be stored (%s): not "
			     "acknowledged, reconnecting so that the broker sends them again",
			     s->client_id, n, err_str(rc));
		return -1;
	}
	unsigned char ack[4 * MQTT_BATCH_MAX];
	for (int k = 0; k < n; k++) {
		ack[4 * k] = PKT_PUBACK << 4;
		ack[4 * k + 1] = 2;
		ack[4 * k + 2] = (unsigned char)(s->pend_id[k] >> 8);
		ack[4 * k + 3] = (unsigned char)s->pend_id[k];
	}
	if (n && write_all(s->fd, ack, 4 * (size_t)n))
		return -1;
	pthread_mutex_lock(&s->lock);
	s->stats.acked += (uint64_t)n;
	s->stats.flushes++;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/*
 * One PUBLISH (§3.3) in s->buf[0..len) with the fixed header's flags: acknowledged now,
 * or in batch mode accepted (flushed at once when the batch is full). 0 or -1 (close).
 */
static int on_publish(struct mqtt_sub *s, int flags, size_t len)
{
	int qos = flags >> 1 & 3;
	if (qos > 1 || len < 2) {
		log_warn("%s: PUBLISH with QoS %d or no topic: protocol error, reconnecting",
			 s->client_id, qos);
		return -1;
	}
	size_t tlen = (size_t)s->buf[0] << 8 | s->buf[1];
	size_t at = 2 + tlen;
	unsigned id = 0;
	if (at + (qos ? 2 : 0) > len)
		return -1;
	if (qos) {
		id = (unsigned)s->buf[at] << 8 | s->buf[at + 1];
		at += 2;
	}
	stat_add(s, &s->stats.messages, -1);
	int rc = s->fn(s->ctx, (const char *)s->buf + 2, tlen, s->buf + at, len - at);
	if (rc < 0) {
		stat_add(s, &s->stats.refused, -1);
		log_every_ms(5000, LL_WARN,
			     "%s: a message could not be processed (%s): not acknowledged, "
			     "reconnecting so that the broker sends it again",
			     s->client_id, err_str(rc));
		return -1;
	}
	if (s->flush) {
		if (qos == 1)
			s->pend_id[s->npend++] = id;
		s->naccepted++;
		if (rc == MQTT_FLUSH || s->naccepted >= MQTT_BATCH_MAX)
			return flush_pending(s);
		return 0;
	}
	if (qos == 1) {
		unsigned char ack[4] = { PKT_PUBACK << 4, 2, (unsigned char)(id >> 8),
					 (unsigned char)id };
		if (write_all(s->fd, ack, sizeof ack))
			return -1;
		stat_add(s, &s->stats.acked, -1);
	}
	return 0;
}

/*
 * Runs one connection until it fails or stop. In batch mode, while messages are
 * accepted and not flushed, it only looks whether another packet is waiting; when none
 * is, it flushes.
 */
static void session_run(struct mqtt_sub *s)
{
	if (handshake(s))
		return;
	stat_add(s, &s->stats.connects, -1);
	int64_t ka = (int64_t)s->keepalive_s * 1000;
	int64_t last_sent = monotonic_ms(), last_recv = last_sent;
	bool ping_out = false;
	for (;;) {
		int type, flags;
		size_t len;
		int64_t now = monotonic_ms();
		int64_t due = last_sent + ka / 2;
		if (s->naccepted)
			due = now; /* only what is already there */
		else if (due <= now)
			due = now + 1;
		int r = read_packet(s, &type, &flags, &len, due);
		if (r < 0)
			return;
		now = monotonic_ms();
		if (r == 1 && s->naccepted) {
			if (flush_pending(s))
				return;
			last_sent = monotonic_ms();
			continue;
		}
		if (r == 1) {
			if (ping_out && now - last_recv > ka * 3 / 2) {
				log_warn("%s: no answer to PINGREQ: reconnecting", s->client_id);
				return;
			}
			unsigned char ping[2] = { PKT_PINGREQ << 4, 0 };
			if (write_all(s->fd, ping, 2))
				return;
			ping_out = true;
			last_sent = now;
			continue;
		}
		last_recv = now;
		switch (type) {
		case PKT_PUBLISH:
			if (on_publish(s, flags, len))
				return;
			last_sent = monotonic_ms();
			break;
		case PKT_SUBACK:
			if (len < 3 || s->buf[2] == 0x80) {
				log_warn("%s: the broker refused the subscription to %s",
					 s->client_id, s->filter);
				return;
			}
			stat_add(s, NULL, 1);
			log_info("%s: subscribed to %s on %s:%d (QoS %d)", s->client_id, s->filter,
				 s->host, s->port, s->buf[2]);
			break;
		case PKT_PINGRESP:
			ping_out = false;
			break;
		default:
			log_warn("%s: unexpected packet type %d: reconnecting", s->client_id, type);
			return;
		}
	}
}

/* session_run, then drops what was accepted and not flushed (never acknowledged). */
static void session(struct mqtt_sub *s)
{
	session_run(s);
	if (s->naccepted)
		s->flush(s->ctx, false);
	s->naccepted = 0;
	s->npend = 0;
}

static void sleep_ms(struct mqtt_sub *s, int64_t ms)
{
	int64_t end = monotonic_ms() + ms;
	while (!atomic_load(&s->stop) && monotonic_ms() < end) {
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void *run(void *arg)
{
	struct mqtt_sub *s = arg;
	int64_t backoff = 100;
	while (!atomic_load(&s->stop)) {
		if (connect_tcp(s) == 0) {
			uint64_t before = s->stats.connects;
			session(s);
			if (s->stats.connects != before)
				backoff = 100;
			if (atomic_load(&s->stop)) {
				unsigned char d[2] = { PKT_DISCONNECT << 4, 0 };
				write_all(s->fd, d, 2);
			}
			close(s->fd);
			s->fd = -1;
			stat_add(s, NULL, 0);
		}
		if (atomic_load(&s->stop))
			break;
		sleep_ms(s, backoff);
		backoff = backoff * 2 > 10000 ? 10000 : backoff * 2;
	}
	return NULL;
}

int mqtt_sub_start(const struct mqtt_sub_config *cfg, mqtt_message_fn fn, void *ctx,
		   struct mqtt_sub **out)
{
	if (!cfg->host || !*cfg->host || cfg->port < 1 || cfg->port > 65535 || !cfg->client_id ||
	    !*cfg->client_id || strlen(cfg->client_id) > 65535 || !cfg->filter || !*cfg->filter ||
	    !fn)
		return ERR_INVALID;
	struct mqtt_sub *s = xcalloc(1, sizeof *s);
	s->host = xstrdup(cfg->host);
	s->port = cfg->port;
	s->client_id = xstrdup(cfg->client_id);
	s->username = dup_or_null(cfg->username);
	s->password = s->username ? dup_or_null(cfg->password) : NULL;
	s->filter = xstrdup(cfg->filter);
	s->keepalive_s = cfg->keepalive_s > 0 ? cfg->keepalive_s : 30;
	s->fn = fn;
	s->flush = cfg->flush;
	s->ctx = ctx;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (pthread_create(&s->thread, NULL, run, s)) {
		pthread_mutex_destroy(&s->lock);
		free(s->host);
		free(s->client_id);
		free(s->username);
		free(s->password);
		free(s->filter);
		free(s);
		return ERR_INTERNAL;
	}
	*out = s;
	return 0;
}

void mqtt_sub_stop(struct mqtt_sub *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	free(s->buf);
	free(s->host);
	free(s->client_id);
	free(s->username);
	free(s->password);
	free(s->filter);
	free(s);
}

void mqtt_sub_stats_get(struct mqtt_sub *s, struct mqtt_sub_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

int mqtt_url_parse(const char *url, char *host, size_t n, int *port, struct errmsg *why)
{
	static const char scheme[] = "mqtt://";
	if (strncmp(url, scheme, sizeof scheme - 1) != 0)
		return errmsg_set(why, "mqtt.url",
				  "must start with mqtt:// (TLS is not supported)");
	const char *h = url + sizeof scheme - 1, *end;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return errmsg_set(why, "mqtt.url", "an IPv6 address needs its ']'");
		h++;
	} else {
		end = h + strcspn(h, ":/");
	}
	size_t hl = (size_t)(end - h);
	if (hl == 0 || hl >= n)
		return errmsg_set(why, "mqtt.url", "the host is missing or too long");
	memcpy(host, h, hl);
	host[hl] = '\0';
	const char *rest = *end == ']' ? end + 1 : end;
	*port = 1883;
	if (*rest == ':') {
		char *e;
		long p = strtol(rest + 1, &e, 10);
		if (e == rest + 1 || p < 1 || p > 65535)
			return errmsg_set(why, "mqtt.url", "the port must be 1..65535");
		*port = (int)p;
		rest = e;
	}
	if (*rest == '/')
		rest++;
	if (*rest)
		return errmsg_set(why, "mqtt.url", "nothing may follow host:port");
	return 0;
}
