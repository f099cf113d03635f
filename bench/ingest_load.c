/* SPDX-License-Identifier: MIT */
/*
 * Load generators and probes of `make bench-ingest` (bench/ingest.sh, issue 6 benchmark
 * (b) and (c)). Compiled, so that the generator is not the bottleneck (a Python publisher
 * would be). Built on request only: `ninja -C build-rel bench_ingest_load`.
 *
 *   bench_ingest_load influx HOST PORT DB POINTS READINGS BATCH WRITERS
 *       Writes READINGS readings of POINTS series as InfluxDB line protocol
 *       (`r,p=B00042 v=12.5 <ms>`) with POST /write?db=DB&precision=ms, BATCH lines a request,
 *       WRITERS threads each on its own keep-alive connection taking the next batch.
 *   bench_ingest_load pub HOST PORT USCC POINTS READINGS BATCH CONNS
 *       Publishes READINGS readings of tags B00000.. as the contract's JSON payload
 *       ({"readings":[{"tag","ts","v"}]}, BATCH readings a message) to
 *       anjian/v1/USCC/readings, QoS 1, over CONNS connections (one thread each); returns
 *       when the broker acknowledged (PUBACK) every message. BENCH_PUB_RATE=R paces them to R
 *       readings/s in all (default: as fast as the broker takes them).
 *   bench_ingest_load sub HOST PORT TOPIC MESSAGES TIMEOUT_S
 *       Subscribes to TOPIC with QoS 1 and counts messages until MESSAGES arrived.
 *   bench_ingest_load alarms HOST PORT USCC TAGS COUNT INTERVAL_MS
 *       Every INTERVAL_MS publishes one reading to one of the tags LAT000..: alternately
 *       60 (above a 50 set point: an alarm) and 0 (normal again), with ts = the wall clock
 *       at publication (UTC ms); COUNT alarm-raising readings in all.
 *   bench_ingest_load one HOST PORT USCC TAG VALUE
 *       Publishes one reading of TAG with ts = now (QoS 1) and waits for the broker's PUBACK.
 *   bench_ingest_load sse HOST PORT TOKEN EXPECT TIMEOUT_S
 *       GET /api/v1/monitor/stream with the bearer TOKEN; for each "alarm" event of a tag
 *       LAT... whose to_state is "unack", latency = arrival (wall clock) - source_ms.
 *       Ends after EXPECT such events, TIMEOUT_S or SIGTERM, and prints what it has.
 *
 * Every mode prints `key=value` lines on stdout for the script: times are CLOCK_REALTIME
 * nanoseconds (t_start_ns, t_end_ns) so that two processes' stamps can be compared, rates in
 * readings/s. Readings are deterministic: point i, k-th reading: ts = base + k * 1000 (base
 * = BENCH_TS_BASE or now - the span, so nothing is in the future), v = 10 + (i*7+k) % 50 / 10
 * (10.0..14.9: below every set point of the bench's points, so the flood raises no alarm).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <mosquitto.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/banned.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long long num(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "bench_ingest_load: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_ingest_load: %s\n", what);
	exit(1);
}

/* Readings: point, k-th reading of that point. */
static long long g_points, g_readings;
static int64_t g_base_ms;

static void reading_of(long long idx, long long *point, int64_t *ts, double *v)
{
	long long p = idx % g_points, k = idx / g_points;

	*point = p;
	*ts = g_base_ms + k * 1000;
	*v = 10.0 + (double)((p * 7 + k) % 50) / 10.0;
}

static void set_base(void)
{
	const char *b = getenv("BENCH_TS_BASE");
	long long span = (g_readings / (g_points ? g_points : 1) + 1) * 1000;

	g_base_ms = b ? (int64_t)num(b) : now_ns() / 1000000 - span - 60000;
}

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(struct buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		int n;

		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("format");
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
}

/* ------------------------------------------------------------------ plain HTTP/1.1 */

static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		die("getaddrinfo");
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		die("connect");
	freeaddrinfo(ai);
	return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* Reads one response's head and body (Content-Length only, as influxd answers /write);
 * returns the status. */
static int read_response(int fd, struct buf *in)
{
	size_t head_end = 0, clen = 0;

	in->len = 0;
	for (;;) {
		char *e;
		ssize_t r;

		if (in->cap - in->len < 4096) {
			in->cap = in->cap * 2 + 8192;
			in->p = realloc(in->p, in->cap);
			if (!in->p)
				die("out of memory");
		}
		if (head_end && in->len >= head_end + clen)
			break;
		r = read(fd, in->p + in->len, in->cap - in->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read: connection closed");
		in->len += (size_t)r;
		in->p[in->len] = 0;
		if (!head_end && (e = strstr(in->p, "\r\n\r\n"))) {
			const char *cl = strcasestr(in->p, "\r\nContent-Length:");

			head_end = (size_t)(e - in->p) + 4;
			clen = cl && cl < e ? (size_t)strtoull(cl + 17, NULL, 10) : 0;
		}
	}
	return (int)strtol(in->p + 9, NULL, 10);
}

static const char *g_host, *g_port, *g_db;
static long long g_batch;
static atomic_llong g_next_batch, g_http_errors;

static void *influx_writer(void *arg)
{
	struct buf body = { 0 }, req = { 0 }, in = { 0 };
	long long nbatches = (g_readings + g_batch - 1) / g_batch;
	int fd = tcp_connect(g_host, g_port);

	(void)arg;
	for (;;) {
		long long b = atomic_fetch_add(&g_next_batch, 1), end;
		int status;

		if (b >= nbatches)
			break;
		end = (b + 1) * g_batch < g_readings ? (b + 1) * g_batch : g_readings;
		body.len = 0;
		for (long long i = b * g_batch; i < end; i++) {
			long long p;
			int64_t ts;
			double v;

			reading_of(i, &p, &ts, &v);
			buf_add(&body, "r,p=B%05lld v=%.1f %" PRId64 "\n", p, v, ts);
		}
		req.len = 0;
		buf_add(&req,
			"POST /write?db=%s&precision=ms HTTP/1.1\r\nHost: %s:%s\r\n"
			"Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
			g_db, g_host, g_port, body.len);
		write_all(fd, req.p, req.len);
		write_all(fd, body.p, body.len);
		status = read_response(fd, &in);
		if (status != 204) {
			atomic_fetch_add(&g_http_errors, 1);
			fprintf(stderr, "influx write: HTTP %d: %.200s\n", status, in.p);
		}
	}
	close(fd);
	free(body.p);
	free(req.p);
	free(in.p);
	return NULL;
}

static int mode_influx(char **a)
{
	long long writers;
	pthread_t th[64];
	int64_t t0, t1;

	g_host = a[0];
	g_port = a[1];
	g_db = a[2];
	g_points = num(a[3]);
	g_readings = num(a[4]);
	g_batch = num(a[5]);
	writers = num(a[6]);
	if (!g_points || !g_batch || writers < 1 || writers > 64)
		die("influx: bad POINTS, BATCH or WRITERS");
	set_base();
	t0 = now_ns();
	for (long long i = 0; i < writers; i++)
		if (pthread_create(&th[i], NULL, influx_writer, NULL) != 0)
			die("pthread_create");
	for (long long i = 0; i < writers; i++)
		pthread_join(th[i], NULL);
	t1 = now_ns();
	printf("t_start_ns=%" PRId64 "\nt_end_ns=%" PRId64 "\nreadings=%lld\nhttp_errors=%lld\n"
	       "rate=%.0f\nts_base_ms=%" PRId64 "\n",
	       t0, t1, g_readings, (long long)atomic_load(&g_http_errors),
	       (double)g_readings / ((double)(t1 - t0) / 1e9), g_base_ms);
	return atomic_load(&g_http_errors) ? 1 : 0;
}

/* ------------------------------------------------------------------ MQTT */

static const char *g_uscc;
static int g_mqtt_port;

struct pub_conn {
	struct mosquitto *m;
	long long first, last; /* readings [first, last) */
	atomic_llong acked;
	long long sent;
	int64_t t0_ns;
};

static double g_rate; /* readings/s of all publishers together; 0: as fast as possible */
static long long g_conns;

static void on_publish(struct mosquitto *m, void *ud, int mid)
{
	struct pub_conn *c = ud;

	(void)m;
	(void)mid;
	atomic_fetch_add(&c->acked, 1);
}

static struct mosquitto *mqtt_open(const char *id, void *ud, bool clean)
{
	struct mosquitto *m = mosquitto_new(id, clean, ud);

	if (!m)
		die("mosquitto_new");
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_max_inflight_messages_set(m, 100);
	if (mosquitto_connect(m, g_host, g_mqtt_port, 60) != MOSQ_ERR_SUCCESS)
		die("mqtt connect");
	return m;
}

static void *publisher(void *arg)
{
	struct pub_conn *c = arg;
	struct buf body = { 0 };
	char topic[128];
	long long msgs = 0;

	snprintf(topic, sizeof(topic), "anjian/v1/%s/readings", g_uscc);
	for (long long i = c->first; i < c->last; i += g_batch) {
		long long end = i + g_batch < c->last ? i + g_batch : c->last;
		int rc;

		body.len = 0;
		buf_add(&body, "{\"readings\":[");
		for (long long j = i; j < end; j++) {
			long long p;
			int64_t ts;
			double v;

			reading_of(j, &p, &ts, &v);
			buf_add(&body, "%s{\"tag\":\"B%05lld\",\"ts\":%" PRId64 ",\"v\":%.1f}",
				j == i ? "" : ",", p, ts, v);
		}
		buf_add(&body, "]}");
		/* The library queues the message; its loop sends it within the in-flight window. */
		while ((rc = mosquitto_publish(c->m, NULL, topic, (int)body.len, body.p, 1,
					       false)) == MOSQ_ERR_NOMEM)
			usleep(1000);
		if (rc != MOSQ_ERR_SUCCESS)
			die("mqtt publish");
		msgs++;
		/* Paced (BENCH_PUB_RATE): this connection's share of the rate, by the wall clock. */
		if (g_rate > 0) {
			int64_t due = c->t0_ns + (int64_t)((double)(i + g_batch - c->first) /
							   (g_rate / (double)g_conns) * 1e9);
			int64_t now = now_ns();

			if (due > now)
				usleep((useconds_t)((due - now) / 1000));
		}
		/* Keep the library's queue bounded: at most 1000 messages not yet acknowledged. */
		while (msgs - atomic_load(&c->acked) > 1000)
			usleep(200);
	}
	c->sent = msgs;
	while (atomic_load(&c->acked) < msgs)
		usleep(200);
	free(body.p);
	return NULL;
}

static int mode_pub(char **a)
{
	long long conns, per;
	struct pub_conn *c;
	pthread_t *th;
	int64_t t0, t1;

	g_host = a[0];
	g_mqtt_port = (int)num(a[1]);
	g_uscc = a[2];
	g_points = num(a[3]);
	g_readings = num(a[4]);
	g_batch = num(a[5]);
	conns = num(a[6]);
	if (!g_points || !g_batch || conns < 1 || conns > 64)
		die("pub: bad POINTS, BATCH or CONNS");
	set_base();
	mosquitto_lib_init();
	c = calloc((size_t)conns, sizeof(*c));
	th = calloc((size_t)conns, sizeof(*th));
	if (!c || !th)
		die("out of memory");
	/* Whole batches per connection: a reading index range a multiple of BATCH each. */
	per = (g_readings / g_batch + conns - 1) / conns * g_batch;
	for (long long i = 0; i < conns; i++) {
		char id[64];

		snprintf(id, sizeof(id), "bench-pub-%d-%lld", (int)getpid(), i);
		c[i].m = mqtt_open(id, &c[i], true);
		mosquitto_publish_callback_set(c[i].m, on_publish);
		c[i].first = i * per < g_readings ? i * per : g_readings;
		c[i].last = (i + 1) * per < g_readings ? (i + 1) * per : g_readings;
		if (mosquitto_loop_start(c[i].m) != MOSQ_ERR_SUCCESS)
			die("mosquitto_loop_start");
	}
	g_conns = conns;
	g_rate = getenv("BENCH_PUB_RATE") ? (double)num(getenv("BENCH_PUB_RATE")) : 0;
	t0 = now_ns();
	for (long long i = 0; i < conns; i++)
		c[i].t0_ns = t0;
	for (long long i = 0; i < conns; i++)
		if (pthread_create(&th[i], NULL, publisher, &c[i]) != 0)
			die("pthread_create");
	for (long long i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	t1 = now_ns();
	long long msgs = 0;
	for (long long i = 0; i < conns; i++) {
		msgs += c[i].sent;
		mosquitto_disconnect(c[i].m);
		mosquitto_loop_stop(c[i].m, false);
		mosquitto_destroy(c[i].m);
	}
	printf("t_start_ns=%" PRId64 "\nt_end_ns=%" PRId64 "\nreadings=%lld\nmessages=%lld\n"
	       "rate=%.0f\nts_base_ms=%" PRId64 "\n",
	       t0, t1, g_readings, msgs, (double)g_readings / ((double)(t1 - t0) / 1e9), g_base_ms);
	free(c);
	free(th);
	mosquitto_lib_cleanup();
	return 0;
}

struct sub_state {
	long long want, got;
	int64_t first_ns, last_ns;
	size_t bytes;
};

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	struct sub_state *s = ud;
	int64_t t = now_ns();

	if (!s->got)
		s->first_ns = t;
	s->last_ns = t;
	s->got++;
	s->bytes += (size_t)msg->payloadlen;
	if (s->got >= s->want)
		mosquitto_disconnect(m);
}

static int mode_sub(char **a)
{
	struct sub_state s = { 0 };
	struct mosquitto *m;
	int64_t deadline;
	char id[64];

	g_host = a[0];
	g_mqtt_port = (int)num(a[1]);
	s.want = num(a[3]);
	deadline = now_ns() + num(a[4]) * 1000000000LL;
	mosquitto_lib_init();
	snprintf(id, sizeof(id), "bench-sub-%d", (int)getpid());
	m = mqtt_open(id, &s, true);
	mosquitto_message_callback_set(m, on_message);
	if (mosquitto_subscribe(m, NULL, a[2], 1) != MOSQ_ERR_SUCCESS)
		die("subscribe");
	/* Subscribed once the SUBACK is in: a few loop rounds, then say so. */
	for (int i = 0; i < 20; i++)
		mosquitto_loop(m, 10, 1);
	printf("ready=1\n");
	fflush(stdout);
	while (s.got < s.want && now_ns() < deadline) {
		int rc = mosquitto_loop(m, 100, 1);

		if (rc == MOSQ_ERR_NO_CONN && s.got >= s.want)
			break;
		if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
			die("mosquitto_loop");
	}
	printf("messages=%lld\nbytes=%zu\nt_first_ns=%" PRId64 "\nt_last_ns=%" PRId64 "\n", s.got,
	       s.bytes, s.first_ns, s.last_ns);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return s.got >= s.want ? 0 : 1;
}

static int mode_alarms(char **a)
{
	long long tags, count, interval;
	struct pub_conn c = { 0 };
	char topic[128], body[256];
	long long sent = 0, total = 0;
	int64_t t0 = now_ns(), t1;

	g_host = a[0];
	g_mqtt_port = (int)num(a[1]);
	g_uscc = a[2];
	tags = num(a[3]);
	count = num(a[4]);
	interval = num(a[5]);
	if (!tags)
		die("alarms: TAGS must be > 0");
	mosquitto_lib_init();
	snprintf(topic, sizeof(topic), "anjian/v1/%s/readings", g_uscc);
	c.m = mqtt_open("bench-alarms", &c, true);
	mosquitto_publish_callback_set(c.m, on_publish);
	if (mosquitto_loop_start(c.m) != MOSQ_ERR_SUCCESS)
		die("mosquitto_loop_start");
	/* Reading i goes to tag i % tags; a tag alternates alarm (60) and normal (0). */
	for (long long i = 0; sent < count; i++) {
		bool high = (i / tags) % 2 == 0;
		int n = snprintf(body, sizeof(body),
				 "{\"readings\":[{\"tag\":\"LAT%03lld\",\"ts\":%" PRId64
				 ",\"v\":%s}]}",
				 i % tags, now_ns() / 1000000, high ? "60" : "0");

		if (mosquitto_publish(c.m, NULL, topic, n, body, 1, false) != MOSQ_ERR_SUCCESS)
			die("mqtt publish");
		sent += high;
		total++;
		usleep((useconds_t)(interval * 1000));
	}
	while (atomic_load(&c.acked) < total)
		usleep(1000);
	t1 = now_ns();
	mosquitto_disconnect(c.m);
	mosquitto_loop_stop(c.m, false);
	mosquitto_destroy(c.m);
	mosquitto_lib_cleanup();
	printf("alarms_sent=%lld\nreadings=%lld\nt_start_ns=%" PRId64 "\nt_end_ns=%" PRId64 "\n",
	       sent, total, t0, t1);
	return 0;
}

/* One reading {"tag":TAG,"ts":now,"v":VALUE} to the enterprise's topic, QoS 1, acknowledged
 * by the broker: the probe that the server is subscribed. */
static int mode_one(char **a)
{
	struct pub_conn c = { 0 };
	char topic[128], body[256];
	int n;

	g_host = a[0];
	g_mqtt_port = (int)num(a[1]);
	mosquitto_lib_init();
	snprintf(topic, sizeof(topic), "anjian/v1/%s/readings", a[2]);
	n = snprintf(body, sizeof(body),
		     "{\"readings\":[{\"tag\":\"%s\",\"ts\":%" PRId64 ",\"v\":%s}]}", a[3],
		     now_ns() / 1000000, a[4]);
	if (n < 0 || (size_t)n >= sizeof(body))
		die("one: TAG or VALUE too long");
	c.m = mqtt_open("bench-one", &c, true);
	mosquitto_publish_callback_set(c.m, on_publish);
	if (mosquitto_publish(c.m, NULL, topic, n, body, 1, false) != MOSQ_ERR_SUCCESS)
		die("mqtt publish");
	for (int i = 0; i < 500 && !atomic_load(&c.acked); i++)
		mosquitto_loop(c.m, 10, 1);
	mosquitto_disconnect(c.m);
	mosquitto_destroy(c.m);
	mosquitto_lib_cleanup();
	return atomic_load(&c.acked) ? 0 : 1;
}

/* ------------------------------------------------------------------ SSE */

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Where the value of "key" starts in a flat JSON object (after the colon and any blanks), or
 * NULL. */
static const char *json_val(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(s, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	return p;
}

static volatile sig_atomic_t g_stop;

static void on_term(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int mode_sse(char **a)
{
	long long expect = num(a[3]), timeout = num(a[4]);
	struct buf req = { 0 }, in = { 0 };
	double *lat = calloc((size_t)expect + 1, sizeof(double));
	long long n = 0;
	int64_t deadline = now_ns() + timeout * 1000000000LL;
	int fd;

	if (!lat)
		die("out of memory");
	g_host = a[0];
	g_port = a[1];
	fd = tcp_connect(g_host, g_port);
	{
		struct timeval tv = { .tv_sec = 1 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	buf_add(&req,
		"GET /api/v1/monitor/stream HTTP/1.0\r\nHost: %s:%s\r\nAccept: "
		"text/event-stream\r\n"
		"Authorization: Bearer %s\r\n\r\n",
		g_host, g_port, a[2]);
	write_all(fd, req.p, req.len);
	in.cap = 1 << 20;
	in.p = malloc(in.cap);
	if (!in.p)
		die("out of memory");
	printf("ready=1\n");
	fflush(stdout);
	/* HTTP/1.0: no chunked transfer coding, the body is the event stream as it is. */
	{
		struct sigaction sa = { .sa_handler = on_term }; /* no SA_RESTART: read returns */

		sigaction(SIGTERM, &sa, NULL);
	}
	while (n < expect && now_ns() < deadline && !g_stop) {
		ssize_t r = read(fd, in.p + in.len, in.cap - in.len - 1);
		char *line, *nl;
		int64_t t = now_ns();

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		in.len += (size_t)r;
		in.p[in.len] = 0;
		line = in.p;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			const char *st = json_val(line, "to_state"),
				   *src = json_val(line, "source_ms");

			if (!strncmp(line, "data:", 5) && strstr(line, "\"LAT") && st && src &&
			    !strncmp(st, "\"unack\"", 7) && n < expect)
				lat[n++] = (double)t / 1e6 - strtod(src, NULL);
			line = nl + 1;
		}
		in.len -= (size_t)(line - in.p);
		memmove(in.p, line, in.len);
		if (in.len > in.cap / 2)
			in.len = 0; /* a runaway line: drop it */
	}
	close(fd);
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("alarm_events=%lld\n", n);
	if (n) {
		printf("p50_ms=%.2f\np99_ms=%.2f\nmax_ms=%.2f\n", lat[(n - 1) / 2],
		       lat[(long long)ceil(0.99 * (double)n) - 1], lat[n - 1]);
	}
	free(lat);
	free(req.p);
	free(in.p);
	return n >= expect ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int args;
		int (*run)(char **);
	} modes[] = {
		{ "influx", 7, mode_influx }, { "pub", 7, mode_pub }, { "sub", 5, mode_sub },
		{ "alarms", 6, mode_alarms }, { "one", 5, mode_one }, { "sse", 5, mode_sse },
	};

	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name)) {
			if (argc != modes[i].args + 2) {
				fprintf(stderr, "bench_ingest_load %s: %d arguments expected\n",
					modes[i].name, modes[i].args);
				return 2;
			}
			return modes[i].run(argv + 2);
		}
	fprintf(stderr, "usage: bench_ingest_load influx|pub|sub|alarms|one|sse ... (see "
			"bench/ingest_load.c)\n");
	return 2;
}
