/* SPDX-License-Identifier: MIT */
/*
 * The live hub (live.h): a list of subscribers, each with a bounded ring of shared,
 * reference-counted events already formatted as SSE text, and a ping thread. It knows
 * nothing about HTTP: the route (live_api.c) and the HTTP layer read the text and park
 * the connection until the wake callback says there is more.
 *
 * Not for: deciding who may see what (the route computes the enterprise ids from the
 * user's scope) or producing events (the runtime, monitor.c, publishes them).
 */
#define LOG_MODULE "live"
#include "monitor/live.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/banned.h"

/* One published event, shared by every ring that holds it. */
struct live_event {
	atomic_size_t refs;
	size_t len;
	char text[]; /* "event: NAME\ndata: ...\n\n" */
};

struct live_sub {
	struct live_hub *hub;
	struct live_sub *prev, *next; /* hub list; the hub's mutex */
	int64_t *ids;		      /* sorted; immutable after subscribe */
	size_t nids;
	bool all;
	live_wake_fn wake; /* the hub's mutex */
	void *wake_ctx;
	/* mu protects everything below (after the hub's mutex in the lock order). */
	pthread_mutex_t mu;
	struct live_event **ring;
	size_t cap, head, count;
	size_t off;	    /* bytes of ring[head] already read */
	uint64_t lost;	    /* events dropped in all */
	uint64_t lost_told; /* of which already reported by an "overflow" event */
	char ctl[96];	    /* control text being read: retry, overflow, ping */
	size_t ctl_len, ctl_off;
	bool hello_done; /* the "retry:" hint was queued */
	bool ping_due;	 /* set by the ping thread, cleared by any read */
	bool closed;	 /* the hub is closing: end after draining */
};

struct live_hub {
	/* mu protects subs, nsubs, closed, max_subs and every subscriber's wake fields. */
	pthread_mutex_t mu;
	struct live_sub *subs;
	size_t nsubs, max_subs, ring;
	bool closed;
	/* tmu protects stop and ping_ms; tcv wakes the ping thread to stop or re-time. */
	pthread_mutex_t tmu;
	pthread_cond_t tcv;
	bool stop;
	int ping_ms;
	pthread_t thread;
};

static void event_unref(struct live_event *e)
{
	if (e && atomic_fetch_sub(&e->refs, 1) == 1)
		free(e);
}

/* The instant start + ms on CLOCK_MONOTONIC. */
static struct timespec ts_plus(struct timespec start, int ms)
{
	start.tv_sec += ms / 1000;
	start.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (start.tv_nsec >= 1000000000L) {
		start.tv_sec++;
		start.tv_nsec -= 1000000000L;
	}
	return start;
}

static void *ping_main(void *arg)
{
	struct live_hub *h = arg;

	pthread_mutex_lock(&h->tmu);
	while (!h->stop) {
		struct timespec start;
		int rc = 0;

		clock_gettime(CLOCK_MONOTONIC, &start);
		/*
		 * The deadline is recomputed after every wake-up, so that a new ping_ms
		 * (live_hub_set_limits) counts from this interval's start at once.
		 */
		while (!h->stop && rc != ETIMEDOUT) {
			struct timespec until = ts_plus(start, h->ping_ms);

			rc = pthread_cond_timedwait(&h->tcv, &h->tmu, &until);
		}
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->tmu);
		pthread_mutex_lock(&h->mu);
		for (struct live_sub *s = h->subs; s; s = s->next) {
			pthread_mutex_lock(&s->mu);
			s->ping_due = true;
			pthread_mutex_unlock(&s->mu);
			if (s->wake)
				s->wake(s->wake_ctx);
		}
		pthread_mutex_unlock(&h->mu);
		pthread_mutex_lock(&h->tmu);
	}
	pthread_mutex_unlock(&h->tmu);
	return NULL;
}

struct live_hub *live_hub_new(size_t ring)
{
	struct live_hub *h = xcalloc(1, sizeof(*h));
	pthread_condattr_t ca;

	h->ring = ring < 1 ? 1 : ring;
	h->max_subs = LIVE_MAX_SUBS;
	h->ping_ms = LIVE_PING_MS;
	pthread_mutex_init(&h->mu, NULL);
	pthread_mutex_init(&h->tmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->tcv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&h->thread, NULL, ping_main, h) != 0) {
		log_error("cannot start the live hub's ping thread");
		abort();
	}
	return h;
}

void live_hub_set_limits(struct live_hub *h, size_t max_subs, int ping_ms)
{
	pthread_mutex_lock(&h->mu);
	h->max_subs = max_subs < 1 ? 1 : max_subs;
	pthread_mutex_unlock(&h->mu);
	pthread_mutex_lock(&h->tmu);
	h->ping_ms = ping_ms < 10 ? 10 : ping_ms;
	pthread_cond_signal(&h->tcv);
	pthread_mutex_unlock(&h->tmu);
}

void live_hub_close(struct live_hub *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->closed = true;
	for (struct live_sub *s = h->subs; s; s = s->next) {
		pthread_mutex_lock(&s->mu);
		s->closed = true;
		pthread_mutex_unlock(&s->mu);
		if (s->wake)
			s->wake(s->wake_ctx);
	}
	pthread_mutex_unlock(&h->mu);
}

void live_hub_free(struct live_hub *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->tmu);
	h->stop = true;
	pthread_cond_signal(&h->tcv);
	pthread_mutex_unlock(&h->tmu);
	pthread_join(h->thread, NULL);
	if (h->nsubs)
		log_error("BUG: live hub freed with %zu subscribers", h->nsubs);
	pthread_cond_destroy(&h->tcv);
	pthread_mutex_destroy(&h->tmu);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* True when an event name is safe on an SSE "event:" line. */
static bool name_ok(const char *name)
{
	if (name == NULL || *name == '\0')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* Formats name and data as one SSE event (WHATWG HTML §9.2.5). Returns: owned, refs 0. */
static struct live_event *event_new(const char *name, const char *data, size_t len)
{
	struct buf b = BUF_INIT;
	struct live_event *e;

	buf_addf(&b, "event: %s\ndata: ", name);
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue; /* CRLF counts as one break */
		if (data[i] == '\r' || data[i] == '\n')
			buf_adds(&b, "\ndata: ");
		else
			buf_add(&b, &data[i], 1);
	}
	buf_adds(&b, "\n\n");
	e = xmalloc(sizeof(*e) + b.len + 1);
	atomic_init(&e->refs, 0);
	e->len = b.len;
	memcpy(e->text, b.p, b.len + 1);
	buf_release(&b);
	return e;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static bool sub_wants(const struct live_sub *s, int64_t enterprise_id)
{
	return s->all || (s->nids && bsearch(&enterprise_id, s->ids, s->nids, sizeof(*s->ids),
					     cmp_i64) != NULL);
}

/* Queues e in s (s->mu held): a full ring drops its oldest event not being read. */
static void sub_push(struct live_sub *s, struct live_event *e)
{
	if (s->count == s->cap) {
		/* The head event is half sent: keep it whole, drop the one after it. */
		size_t drop = s->off > 0 ? 1 : 0;

		if (drop >= s->count) {
			s->lost++; /* a one-event ring busy sending: the new event is the loss */
			return;
		}
		if (drop == 0) {
			event_unref(s->ring[s->head]);
			s->head = (s->head + 1) % s->cap;
		} else {
			size_t second = (s->head + 1) % s->cap;

			event_unref(s->ring[second]);
			s->ring[second] = s->ring[s->head];
			s->head = second;
		}
		s->count--;
		s->lost++;
	}
	atomic_fetch_add(&e->refs, 1);
	s->ring[(s->head + s->count) % s->cap] = e;
	s->count++;
}

void live_publish(struct live_hub *h, int64_t enterprise_id, const char *name, const char *data,
		  size_t len)
{
	struct live_event *e = NULL;

	if (h == NULL)
		return;
	if (!name_ok(name)) {
		log_error("BUG: live event name '%s' is not a token", name ? name : "(null)");
		return;
	}
	pthread_mutex_lock(&h->mu);
	for (struct live_sub *s = h->subs; s; s = s->next) {
		if (!sub_wants(s, enterprise_id))
			continue;
		if (e == NULL) {
			e = event_new(name, data, len);
			atomic_fetch_add(&e->refs, 1); /* ours until the loop ends */
		}
		pthread_mutex_lock(&s->mu);
		sub_push(s, e);
		pthread_mutex_unlock(&s->mu);
		if (s->wake)
			s->wake(s->wake_ctx);
	}
	pthread_mutex_unlock(&h->mu);
	event_unref(e);
}

struct live_sub *live_subscribe(struct live_hub *h, const int64_t *ids, size_t n, int all)
{
	struct live_sub *s;

	pthread_mutex_lock(&h->mu);
	if (h->closed || h->nsubs >= h->max_subs) {
		pthread_mutex_unlock(&h->mu);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->hub = h;
	s->all = all != 0;
	if (!s->all && n > 0) {
		size_t k = 0;

		s->ids = xmalloc(n * sizeof(*s->ids));
		memcpy(s->ids, ids, n * sizeof(*s->ids));
		qsort(s->ids, n, sizeof(*s->ids), cmp_i64);
		for (size_t i = 0; i < n; i++)
			if (k == 0 || s->ids[k - 1] != s->ids[i])
				s->ids[k++] = s->ids[i];
		s->nids = k;
	}
	s->cap = h->ring;
	s->ring = xcalloc(s->cap, sizeof(*s->ring));
	pthread_mutex_init(&s->mu, NULL);
	s->next = h->subs;
	if (h->subs)
		h->subs->prev = s;
	h->subs = s;
	h->nsubs++;
	pthread_mutex_unlock(&h->mu);
	return s;
}

void live_unsubscribe(struct live_sub *s)
{
	struct live_hub *h;

	if (s == NULL)
		return;
	h = s->hub;
	pthread_mutex_lock(&h->mu);
	if (s->prev)
		s->prev->next = s->next;
	else
		h->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	h->nsubs--;
	pthread_mutex_unlock(&h->mu);
	for (size_t i = 0; i < s->count; i++)
		event_unref(s->ring[(s->head + i) % s->cap]);
	pthread_mutex_destroy(&s->mu);
	free(s->ring);
	free(s->ids);
	free(s);
}

void live_sub_set_wake(struct live_sub *s, live_wake_fn fn, void *ctx)
{
	pthread_mutex_lock(&s->hub->mu);
	s->wake = fn;
	s->wake_ctx = ctx;
	pthread_mutex_unlock(&s->hub->mu);
}

/* Queues control text (s->mu held). */
static void ctl_set(struct live_sub *s, const char *text)
{
	int n = snprintf(s->ctl, sizeof(s->ctl), "%s", text);

	s->ctl_len = n < 0 ? 0 : (size_t)n;
	s->ctl_off = 0;
}

ssize_t live_sub_read(struct live_sub *s, char *buf, size_t max)
{
	size_t w = 0;
	ssize_t rc;

	pthread_mutex_lock(&s->mu);
	if (!s->hello_done) {
		char t[32];

		snprintf(t, sizeof(t), "retry: %d\n\n", LIVE_RETRY_MS);
		ctl_set(s, t);
		s->hello_done = true;
	}
	while (w < max) {
		size_t take;

		if (s->ctl_off < s->ctl_len) {
			take = s->ctl_len - s->ctl_off;
			if (take > max - w)
				take = max - w;
			memcpy(buf + w, s->ctl + s->ctl_off, take);
			s->ctl_off += take;
			w += take;
			continue;
		}
		if (s->off == 0 && s->lost > s->lost_told) {
			char t[80];

			snprintf(t, sizeof(t), "event: overflow\ndata: {\"lost\":%llu}\n\n",
				 (unsigned long long)(s->lost - s->lost_told));
			s->lost_told = s->lost;
			ctl_set(s, t);
			continue;
		}
		if (s->count == 0) {
			if (w == 0 && s->ping_due) {
				ctl_set(s, ": ping\n\n");
				s->ping_due = false;
				continue;
			}
			break;
		}
		{
			struct live_event *e = s->ring[s->head];

			take = e->len - s->off;
			if (take > max - w)
				take = max - w;
			memcpy(buf + w, e->text + s->off, take);
			s->off += take;
			w += take;
			if (s->off == e->len) {
				event_unref(e);
				s->ring[s->head] = NULL;
				s->head = (s->head + 1) % s->cap;
				s->count--;
				s->off = 0;
			}
		}
	}
	if (w > 0)
		s->ping_due = false;
	rc = w > 0 ? (ssize_t)w : s->closed ? -1 : 0;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

uint64_t live_sub_lost(struct live_sub *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->mu);
	n = s->lost;
	pthread_mutex_unlock(&s->mu);
	return n;
}

size_t live_subscribers(struct live_hub *h)
{
	size_t n;

	pthread_mutex_lock(&h->mu);
	n = h->nsubs;
	pthread_mutex_unlock(&h->mu);
	return n;
}
