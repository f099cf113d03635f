/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/live.c (issue 6 §6): scope filtering (a subscriber never
 * reads another enterprise's event), the SSE text (retry hint, event and data lines, a
 * line break in data), a ring that overflows losing its oldest whole events and saying
 * so, an event read in pieces, the ping, the wake callback, the subscriber cap, closing,
 * and several publisher threads at once (every event arrives exactly once, in each
 * publisher's order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/buf.h"
#include "monitor/live.h"
#include "core/banned.h"

/* Reads everything s holds now into out (NUL-terminated, owned by the caller's buf). */
static void drain(struct live_sub *s, struct buf *out, size_t chunk)
{
	char tmp[4096];
	ssize_t n;

	assert_true(chunk <= sizeof(tmp));
	while ((n = live_sub_read(s, tmp, chunk)) > 0)
		buf_add(out, tmp, (size_t)n);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void test_live_first_read_is_the_retry_hint(void **state)
{
	struct live_hub *h = live_hub_new(8);
	struct live_sub *s = live_subscribe(h, NULL, 0, 1);
	struct buf b = BUF_INIT;

	(void)state;
	drain(s, &b, 4096);
	assert_string_equal(buf_str(&b), "retry: 3000\n\n");
	live_unsubscribe(s);
	live_hub_free(h);
	buf_release(&b);
}

static void test_live_subscriber_sees_only_its_enterprises(void **state)
{
	struct live_hub *h = live_hub_new(8);
	int64_t a_ids[] = { 7, 3 };
	int64_t b_ids[] = { 9 };
	struct live_sub *a = live_subscribe(h, a_ids, 2, 0);
	struct live_sub *b = live_subscribe(h, b_ids, 1, 0);
	struct live_sub *all = live_subscribe(h, NULL, 0, 1);
	struct live_sub *none = live_subscribe(h, NULL, 0, 0);
	struct buf ra = BUF_INIT, rb = BUF_INIT, rall = BUF_INIT, rnone = BUF_INIT;

	(void)state;
	assert_int_equal(live_subscribers(h), 4);
	live_publish(h, 3, "alarm", "{\"e\":3}", 7);
	live_publish(h, 9, "alarm", "{\"e\":9}", 7);
	live_publish(h, 7, "values", "{\"e\":7}", 7);
	live_publish(h, 4, "alarm", "{\"e\":4}", 7);
	drain(a, &ra, 4096);
	drain(b, &rb, 4096);
	drain(all, &rall, 4096);
	drain(none, &rnone, 4096);
	assert_string_equal(buf_str(&ra), "retry: 3000\n\n"
					  "event: alarm\ndata: {\"e\":3}\n\n"
					  "event: values\ndata: {\"e\":7}\n\n");
	assert_string_equal(buf_str(&rb), "retry: 3000\n\nevent: alarm\ndata: {\"e\":9}\n\n");
	assert_int_equal(count_of(buf_str(&rall), "event: "), 4);
	assert_string_equal(buf_str(&rnone), "retry: 3000\n\n");
	live_unsubscribe(a);
	live_unsubscribe(b);
	live_unsubscribe(all);
	live_unsubscribe(none);
	assert_int_equal(live_subscribers(h), 0);
	live_hub_free(h);
	buf_release(&ra);
	buf_release(&rb);
	buf_release(&rall);
	buf_release(&rnone);
}

static void test_live_line_break_in_data_starts_a_new_data_line(void **state)
{
	struct live_hub *h = live_hub_new(4);
	struct live_sub *s = live_subscribe(h, NULL, 0, 1);
	struct buf b = BUF_INIT;

	(void)state;
	drain(s, &b, 4096);
	buf_reset(&b);
	live_publish(h, 1, "alarm", "a\nb\r\nc\rd", 8);
	live_publish(h, 1, "bad name", "x", 1); /* refused: not a token */
	live_publish(h, 1, "bad\nname", "x", 1);
	drain(s, &b, 4096);
	assert_string_equal(buf_str(&b), "event: alarm\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
	live_unsubscribe(s);
	live_hub_free(h);
	buf_release(&b);
}

static void test_live_full_ring_loses_oldest_and_says_overflow(void **state)
{
	struct live_hub *h = live_hub_new(3);
	struct live_sub *s = live_subscribe(h, NULL, 0, 1);
	struct buf b = BUF_INIT;
	char data[16];

	(void)state;
	drain(s, &b, 4096);
	buf_reset(&b);
	for (int i = 1; i <= 5; i++) {
		int n = snprintf(data, sizeof(data), "%d", i);

		live_publish(h, 1, "values", data, (size_t)n);
	}
	assert_int_equal(live_sub_lost(s), 2);
	drain(s, &b, 4096);
	/* Events 1 and 2 are gone; the reader is told how many before the rest. */
	assert_string_equal(buf_str(&b), "event: overflow\ndata: {\"lost\":2}\n\n"
					 "event: values\ndata: 3\n\n"
					 "event: values\ndata: 4\n\n"
					 "event: values\ndata: 5\n\n");
	/* Told once: the next event comes without a second overflow. */
	buf_reset(&b);
	live_publish(h, 1, "values", "6", 1);
	drain(s, &b, 4096);
	assert_string_equal(buf_str(&b), "event: values\ndata: 6\n\n");
	live_unsubscribe(s);
	live_hub_free(h);
	buf_release(&b);
}

static void test_live_ring_exactly_full_loses_nothing(void **state)
{
	struct live_hub *h = live_hub_new(3);
	struct live_sub *s = live_subscribe(h, NULL, 0, 1);
	struct buf b = BUF_INIT;

	(void)state;
	live_publish(h, 1, "values", "1", 1);
	live_publish(h, 1, "values", "2", 1);
	live_publish(h, 1, "values", "3", 1);
	assert_int_equal(live_sub_lost(s), 0);
	drain(s, &b, 4096);
	assert_int_equal(count_of(buf_str(&b), "event: values"), 3);
	assert_null(strstr(buf_str(&b), "overflow"));
	live_unsubscribe(s);
	live_hub_free(h);
	buf_release(&b);
}

static void test_live_event_read_in_pieces_stays_whole_through_overflow(void **state)
{
	struct live_hub *h = live_hub_new(2);
	struct live_sub *s = live_subscribe(h, NULL, 0, 1);
	struct buf b = BUF_INIT;
	char tmp[8];
	ssize_t n;

	(void)state;
	drain(s, &b, 4096);
	buf_reset(&b);
	live_publish(h, 1, "alarm", "first-event", 11);
	live_publish(h, 1, "alarm", "second", 6);
	n = live_sub_read(s, tmp, 5); /* "event" of the first: now half sent */
	assert_int_equal(n, 5);
	buf_add(&b, tmp, (size_t)n);
	/* Ring full; the half-sent head stays, "second" is the one lost. */
	live_publish(h, 1, "alarm", "third", 5);
	assert_int_equal(live_sub_lost(s), 1);
	drain(s, &b, 3);
	assert_string_equal(buf_str(&b), "event: alarm\ndata: first-event\n\n"
					 "event: overflow\ndata: {\"lost\":1}\n\n"
					 "event: alarm\ndata: third\n\n");
	live_unsubscribe(s);
	live_hub_free(h);
	buf_release(&b);
}

static atomic_int wakes;

static void count_wake(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&wakes, 1);
}

static void test_live_wake_on_event_in_scope_and_ping(void **state)
{
	struct live_hub *h = live_hub_new(4);
	int64_t ids[] = { 5 };
	struct live_sub *s = live_subscribe(h, ids, 1, 0);
	struct buf b = BUF_INIT;
	char tmp[64];

	(void)state;
	atomic_store(&wakes, 0);
	live_sub_set_wake(s, count_wake, NULL);
	drain(s, &b, 4096);
	live_publish(h, 6, "alarm", "x", 1);
	assert_int_equal(atomic_load(&wakes), 0); /* not its enterprise: not woken */
	assert_int_equal(live_sub_read(s, tmp, sizeof(tmp)), 0);
	live_publish(h, 5, "alarm", "x", 1);
	assert_int_equal(atomic_load(&wakes), 1);
	drain(s, &b, 4096);
	/* The ping thread wakes it and the next read with nothing else is the comment. */
	/*
	 * Let the ping thread start waiting with its default 15 s first: a new interval must
	 * take effect at once, not after the wait already begun.
	 */
	usleep(50000);
	live_hub_set_limits(h, 10, 20);
	for (int i = 0; i < 200 && atomic_load(&wakes) < 2; i++)
		usleep(5000);
	assert_true(atomic_load(&wakes) >= 2);
	assert_int_equal(live_sub_read(s, tmp, sizeof(tmp)), 8);
	assert_memory_equal(tmp, ": ping\n\n", 8);
	live_unsubscribe(s);
	live_hub_free(h);
	buf_release(&b);
}

static void test_live_cap_refuses_and_close_ends_streams(void **state)
{
	struct live_hub *h = live_hub_new(4);
	struct live_sub *s1, *s2, *s3;
	struct buf b = BUF_INIT;
	char tmp[64];

	(void)state;
	live_hub_set_limits(h, 2, 60000);
	s1 = live_subscribe(h, NULL, 0, 1);
	s2 = live_subscribe(h, NULL, 0, 1);
	s3 = live_subscribe(h, NULL, 0, 1);
	assert_non_null(s1);
	assert_non_null(s2);
	assert_null(s3); /* beyond the cap */
	live_unsubscribe(s2);
	s2 = live_subscribe(h, NULL, 0, 1); /* a place is free again */
	assert_non_null(s2);
	atomic_store(&wakes, 0);
	live_sub_set_wake(s1, count_wake, NULL);
	live_publish(h, 1, "alarm", "last", 4);
	live_hub_close(h);
	assert_int_equal(atomic_load(&wakes), 2);
	assert_null(live_subscribe(h, NULL, 0, 1)); /* closed */
	drain(s1, &b, 4096);			    /* what it held is still delivered */
	assert_non_null(strstr(buf_str(&b), "data: last"));
	assert_int_equal(live_sub_read(s1, tmp, sizeof(tmp)), -1);
	live_unsubscribe(s1);
	live_unsubscribe(s2);
	live_hub_free(h);
	buf_release(&b);
}

enum { PUBLISHERS = 4, PER_PUBLISHER = 2000 };

struct pub_arg {
	struct live_hub *h;
	int id;
};

static void *publisher(void *arg)
{
	const struct pub_arg *p = arg;
	char data[32];

	for (int i = 0; i < PER_PUBLISHER; i++) {
		int n = snprintf(data, sizeof(data), "%d:%d", p->id, i);

		/* Publisher p publishes for enterprise p + 1. */
		live_publish(p->h, p->id + 1, "values", data, (size_t)n);
	}
	return NULL;
}

static void test_live_many_publishers_each_event_once_in_order(void **state)
{
	struct live_hub *h = live_hub_new(PUBLISHERS * PER_PUBLISHER);
	int64_t even[] = { 1, 3 }; /* publishers 0 and 2 */
	struct live_sub *all = live_subscribe(h, NULL, 0, 1);
	struct live_sub *some = live_subscribe(h, even, 2, 0);
	pthread_t t[PUBLISHERS];
	struct pub_arg args[PUBLISHERS];
	struct buf b = BUF_INIT;
	int next[PUBLISHERS] = { 0 };
	const char *p;

	(void)state;
	for (int i = 0; i < PUBLISHERS; i++) {
		args[i] = (struct pub_arg){ h, i };
		assert_int_equal(pthread_create(&t[i], NULL, publisher, &args[i]), 0);
	}
	for (int i = 0; i < PUBLISHERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(live_sub_lost(all), 0);
	drain(all, &b, 1000);
	assert_int_equal(count_of(buf_str(&b), "event: values\n"), PUBLISHERS * PER_PUBLISHER);
	for (p = buf_str(&b); (p = strstr(p, "data: ")) != NULL;) {
		int who, seq;

		assert_int_equal(sscanf(p, "data: %d:%d", &who, &seq), 2);
		assert_int_equal(seq, next[who]); /* each publisher's order kept, none twice */
		next[who]++;
		p += 6;
	}
	for (int i = 0; i < PUBLISHERS; i++)
		assert_int_equal(next[i], PER_PUBLISHER);
	buf_reset(&b);
	drain(some, &b, 4096);
	assert_int_equal(count_of(buf_str(&b), "event: values\n"), 2 * PER_PUBLISHER);
	assert_null(strstr(buf_str(&b), "data: 1:"));
	assert_null(strstr(buf_str(&b), "data: 3:"));
	live_unsubscribe(all);
	live_unsubscribe(some);
	live_hub_free(h);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_first_read_is_the_retry_hint),
		cmocka_unit_test(test_live_subscriber_sees_only_its_enterprises),
		cmocka_unit_test(test_live_line_break_in_data_starts_a_new_data_line),
		cmocka_unit_test(test_live_full_ring_loses_oldest_and_says_overflow),
		cmocka_unit_test(test_live_ring_exactly_full_loses_nothing),
		cmocka_unit_test(test_live_event_read_in_pieces_stays_whole_through_overflow),
		cmocka_unit_test(test_live_wake_on_event_in_scope_and_ping),
		cmocka_unit_test(test_live_cap_refuses_and_close_ends_streams),
		cmocka_unit_test(test_live_many_publishers_each_event_once_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
