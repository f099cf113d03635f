/* SPDX-License-Identifier: MIT */
/*
 * Tests of src/monitor/mqtt.c, the MQTT 3.1.1 subscriber, against a real mosquitto
 * broker started by the test on a free loopback port (Debian mosquitto, and
 * mosquitto_pub from mosquitto-clients to publish at QoS 1):
 *  - delivery and PUBACK after the handler returned 0;
 *  - a handler failure leaves the message unacknowledged and the broker redelivers it
 *    (the acknowledgement rule of docs/ingestion.md, the point of a client of our own);
 *  - the persistent session (clean session 0, §3.1.2.4): what was published while the
 *    client was away is delivered when it comes back with the same client id;
 *  - a shared subscription ($share/<group>/...) splits the messages between two clients,
 *    each message to exactly one;
 *  - the batch mode: a burst of messages flushed in fewer batches than messages, no
 *    PUBACK of a batch sent before its flush returned 0, and a failed flush leaves the
 *    whole batch unacknowledged (redelivered);
 *  - mqtt_url_parse.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "monitor/mqtt.h"
#include "core/banned.h"

static pid_t broker;
static int port;
static char dir[] = "/tmp/anjian-mqtt-XXXXXX";

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof a;
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &n);
	close(fd);
	return ntohs(a.sin_port);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int broker_up(void **state)
{
	(void)state;
	char conf[256];
	if (!mkdtemp(dir))
		return -1;
	port = free_port();
	snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
	FILE *f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f,
		"listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
		"max_queued_messages 100000\nuser root\nlog_dest none\n",
		port);
	fclose(f);
	broker = fork();
	if (broker == 0) {
		execlp("mosquitto", "mosquitto", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (int k = 0; k < 100; k++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
		close(fd);
		if (ok)
			return 0;
		int st;
		if (waitpid(broker, &st, WNOHANG) == broker) {
			fprintf(stderr,
				"mosquitto did not start (exit %d): run scripts/deps.sh test\n",
				WEXITSTATUS(st));
			return -1;
		}
		sleep_ms(50);
	}
	return -1;
}

static int broker_down(void **state)
{
	(void)state;
	char cmd[512];
	if (broker > 0) {
		kill(broker, SIGTERM);
		waitpid(broker, NULL, 0);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Publishes msg to topic at QoS 1 with mosquitto_pub; asserts it succeeded. */
static void publish(const char *topic, const char *msg)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "mosquitto_pub -h 127.0.0.1 -p %d -q 1 -t '%s' -m '%s'", port,
		 topic, msg);
	assert_int_equal(system(cmd), 0);
}

/* What a handler saw. */
struct seen {
	pthread_mutex_t lock;
	char msgs[64][64];
	int n;
	int fail_left; /* fail this many calls first (no PUBACK) */
};

static int handler(void *ctx, const char *topic, size_t tlen, const unsigned char *p, size_t len)
{
	(void)topic;
	(void)tlen;
	struct seen *s = ctx;
	pthread_mutex_lock(&s->lock);
	int rc = 0;
	if (s->fail_left > 0) {
		s->fail_left--;
		rc = ERR_IO;
	}
	if (s->n < 64)
		snprintf(s->msgs[s->n++], sizeof s->msgs[0], "%s%.*s", rc ? "FAILED:" : "",
			 (int)(len < 50 ? len : 50), (const char *)p);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int seen_n(struct seen *s)
{
	pthread_mutex_lock(&s->lock);
	int n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* Waits until the handler saw n messages (10 s at most). */
static void wait_seen(struct seen *s, int n)
{
	for (int k = 0; k < 200 && seen_n(s) < n; k++)
		sleep_ms(50);
	assert_true(seen_n(s) >= n);
}

static struct mqtt_sub *sub_start(const char *id, const char *filter, struct seen *s)
{
	struct mqtt_sub_config c = { .host = "127.0.0.1",
				     .port = port,
				     .client_id = id,
				     .filter = filter,
				     .keepalive_s = 5 };
	struct mqtt_sub *sub = NULL;
	assert_int_equal(mqtt_sub_start(&c, handler, s, &sub), 0);
	struct mqtt_sub_stats st;
	for (int k = 0; k < 200; k++) {
		mqtt_sub_stats_get(sub, &st);
		if (st.connected)
			break;
		sleep_ms(50);
	}
	assert_int_equal(st.connected, 1);
	return sub;
}

static void test_delivery_and_ack(void **state)
{
	(void)state;
	struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct mqtt_sub *sub = sub_start("t-deliver", "t1/+/readings", &s);
	publish("t1/A/readings", "one");
	publish("t1/B/readings", "two");
	wait_seen(&s, 2);
	assert_string_equal(s.msgs[0], "one");
	assert_string_equal(s.msgs[1], "two");
	struct mqtt_sub_stats st;
	mqtt_sub_stats_get(sub, &st);
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.acked, 2);
	assert_int_equal(st.refused, 0);
	mqtt_sub_stop(sub);
}

static void test_failure_means_redelivery(void **state)
{
	(void)state;
	struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER, .fail_left = 2 };
	struct mqtt_sub *sub = sub_start("t-redeliver", "t2/#", &s);
	publish("t2/x", "keep-me");
	/* Refused twice (no PUBACK, reconnect), then processed and acknowledged. */
	wait_seen(&s, 3);
	assert_string_equal(s.msgs[0], "FAILED:keep-me");
	assert_string_equal(s.msgs[1], "FAILED:keep-me");
	assert_string_equal(s.msgs[2], "keep-me");
	struct mqtt_sub_stats st;
	sleep_ms(300);
	mqtt_sub_stats_get(sub, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.acked, 1);
	assert_true(st.connects >= 3);
	/* Acknowledged once: never delivered again. */
	sleep_ms(500);
	assert_int_equal(seen_n(&s), 3);
	mqtt_sub_stop(sub);
}

static void test_persistent_session(void **state)
{
	(void)state;
	struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct mqtt_sub *sub = sub_start("t-persist", "t3/#", &s);
	mqtt_sub_stop(sub); /* DISCONNECT; the session stays with the broker */
	publish("t3/a", "while-away-1");
	publish("t3/a", "while-away-2");
	assert_int_equal(seen_n(&s), 0);
	sub = sub_start("t-persist", "t3/#", &s);
	wait_seen(&s, 2);
	assert_string_equal(s.msgs[0], "while-away-1");
	assert_string_equal(s.msgs[1], "while-away-2");
	mqtt_sub_stop(sub);
}

static void test_shared_subscription(void **state)
{
	(void)state;
	struct seen a = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct seen b = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct mqtt_sub *sa = sub_start("t-share-1", "$share/g/t4/+/readings", &a);
	struct mqtt_sub *sb = sub_start("t-share-2", "$share/g/t4/+/readings", &b);
	for (int k = 0; k < 10; k++) {
		char m[16];
		snprintf(m, sizeof m, "m%d", k);
		publish("t4/E/readings", m);
	}
	for (int k = 0; k < 200 && seen_n(&a) + seen_n(&b) < 10; k++)
		sleep_ms(50);
	sleep_ms(300);
	/* Each message exactly once, split between the two (mosquitto: round robin). */
	assert_int_equal(seen_n(&a) + seen_n(&b), 10);
	assert_true(seen_n(&a) > 0);
	assert_true(seen_n(&b) > 0);
	int hit[10] = { 0 };
	for (int k = 0; k < seen_n(&a); k++)
		hit[strtol(a.msgs[k] + 1, NULL, 10)]++;
	for (int k = 0; k < seen_n(&b); k++)
		hit[strtol(b.msgs[k] + 1, NULL, 10)]++;
	for (int k = 0; k < 10; k++)
		assert_int_equal(hit[k], 1);
	mqtt_sub_stop(sa);
	mqtt_sub_stop(sb);
}

/* What the batch mode's handler and flush saw. */
struct batch_seen {
	pthread_mutex_t lock;
	struct mqtt_sub *sub;	 /* set once started: the flush reads its counters */
	int accepted;		 /* handler calls */
	int pending;		 /* accepted since the last flush */
	int flushed;		 /* messages in the flushes that returned 0 */
	int flushes;		 /* flush(commit) calls that returned 0 */
	int fail_flushes;	 /* fail this many flushes first */
	int failed;		 /* messages in the failed flushes */
	int acked_too_early;	 /* flushes that found a PUBACK already sent for their batch */
	char seen[64];		 /* seen[k]: message "b<k>" was in a successful flush */
	int cur[MQTT_BATCH_MAX]; /* the numbers of the pending messages */
};

static int batch_handler(void *ctx, const char *topic, size_t tlen, const unsigned char *p,
			 size_t len)
{
	(void)topic;
	(void)tlen;
	struct batch_seen *b = ctx;
	char num[16];
	snprintf(num, sizeof num, "%.*s", (int)(len < 15 ? len : 15), (const char *)p);
	pthread_mutex_lock(&b->lock);
	b->accepted++;
	if (b->pending < MQTT_BATCH_MAX)
		b->cur[b->pending] = (int)strtol(num + 1, NULL, 10);
	b->pending++;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int batch_flush(void *ctx, bool commit)
{
	struct batch_seen *b = ctx;
	struct mqtt_sub *sub = NULL;
	for (int k = 0; k < 200 && !sub; k++) {
		pthread_mutex_lock(&b->lock);
		sub = b->sub;
		pthread_mutex_unlock(&b->lock);
		if (!sub)
			sleep_ms(10);
	}
	struct mqtt_sub_stats st = { 0 };
	if (sub)
		mqtt_sub_stats_get(sub, &st);
	pthread_mutex_lock(&b->lock);
	int rc = 0;
	if (commit && b->fail_flushes > 0) {
		b->fail_flushes--;
		b->failed += b->pending;
		rc = ERR_IO;
	} else if (commit) {
		/* Every PUBACK sent so far is of an earlier, successful flush. */
		if (st.acked != (uint64_t)b->flushed)
			b->acked_too_early++;
		for (int k = 0; k < b->pending && k < MQTT_BATCH_MAX; k++)
			if (b->cur[k] >= 0 && b->cur[k] < 64)
				b->seen[b->cur[k]] = 1;
		b->flushed += b->pending;
		b->flushes++;
	}
	b->pending = 0;
	pthread_mutex_unlock(&b->lock);
	return rc;
}

static struct mqtt_sub *batch_start(struct batch_seen *b)
{
	struct mqtt_sub_config c = { .host = "127.0.0.1",
				     .port = port,
				     .client_id = "t-batch",
				     .filter = "t5/#",
				     .keepalive_s = 5,
				     .flush = batch_flush };
	struct mqtt_sub *sub = NULL;
	assert_int_equal(mqtt_sub_start(&c, batch_handler, b, &sub), 0);
	pthread_mutex_lock(&b->lock);
	b->sub = sub;
	pthread_mutex_unlock(&b->lock);
	struct mqtt_sub_stats st;
	for (int k = 0; k < 200; k++) {
		mqtt_sub_stats_get(sub, &st);
		if (st.connected)
			break;
		sleep_ms(50);
	}
	assert_int_equal(st.connected, 1);
	return sub;
}

static void test_batch_mode(void **state)
{
	(void)state;
	enum { N = 40 };
	struct batch_seen b = { .lock = PTHREAD_MUTEX_INITIALIZER, .fail_flushes = 1 };
	struct mqtt_sub *sub = batch_start(&b);
	mqtt_sub_stop(sub); /* the session stays: the burst waits at the broker */
	pthread_mutex_lock(&b.lock);
	b.sub = NULL;
	pthread_mutex_unlock(&b.lock);
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "for k in $(seq 0 %d); do echo b$k; done | "
		 "mosquitto_pub -h 127.0.0.1 -p %d -q 1 -t t5/x -l",
		 N - 1, port);
	assert_int_equal(system(cmd), 0);
	sub = batch_start(&b);
	struct mqtt_sub_stats st = { 0 };
	for (int k = 0; k < 200; k++) {
		mqtt_sub_stats_get(sub, &st);
		if (st.acked >= N)
			break;
		sleep_ms(50);
	}
	sleep_ms(300);
	mqtt_sub_stats_get(sub, &st);
	mqtt_sub_stop(sub);
	/* The first flush failed: its messages were not acknowledged, and came again. */
	assert_true(b.failed > 0);
	assert_int_equal(st.refused, (uint64_t)b.failed);
	assert_int_equal(st.acked, N);
	assert_int_equal(b.flushed, N);
	for (int k = 0; k < N; k++)
		assert_int_equal(b.seen[k], 1);
	assert_int_equal(b.acked_too_early, 0);
	assert_int_equal(st.flushes, (uint64_t)b.flushes);
	/* A burst: fewer flushes than messages. */
	assert_true(b.flushes < N);
	printf("# batch mode: %d messages (%d refused once) in %d flushes\n", N, b.failed,
	       b.flushes);
}

static void test_url_parse(void **state)
{
	(void)state;
	char host[64];
	int p;
	struct errmsg e;
	assert_int_equal(mqtt_url_parse("mqtt://localhost", host, sizeof host, &p, &e), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(p, 1883);
	assert_int_equal(mqtt_url_parse("mqtt://127.0.0.1:18830/", host, sizeof host, &p, &e), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(p, 18830);
	assert_int_equal(mqtt_url_parse("mqtt://[::1]:1884", host, sizeof host, &p, &e), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(p, 1884);
	static const char *bad[] = {
		"",	      "tcp://h:1",	"mqtts://h",  "mqtt://",      "mqtt://:1883",
		"mqtt://h:0", "mqtt://h:65536", "mqtt://h:x", "mqtt://h:1/x", "mqtt://[::1"
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(mqtt_url_parse(bad[k], host, sizeof host, &p, &e), ERR_INVALID);
		assert_string_equal(e.field, "mqtt.url");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test(test_delivery_and_ack),
		cmocka_unit_test(test_failure_means_redelivery),
		cmocka_unit_test(test_persistent_session),
		cmocka_unit_test(test_shared_subscription),
		cmocka_unit_test(test_batch_mode),
	};
	return cmocka_run_group_tests(tests, broker_up, broker_down);
}
