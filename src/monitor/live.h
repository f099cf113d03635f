/* SPDX-License-Identifier: MIT */
/*
 * The live hub (issue 6 §6): Server-Sent Events fan-out of alarm transitions and latest
 * values, each event tagged with its enterprise, each subscriber holding the set of
 * enterprises its user's scope covers (computed when it subscribes). A slow subscriber
 * loses its oldest events (and is told: an "overflow" event) rather than slowing the
 * publisher. Routes: src/monitor/live_api.c (GET /api/v1/monitor/stream).
 *
 * A subscriber is read without blocking (live_sub_read hands back SSE text, or 0 when
 * there is nothing); its wake callback tells the reader that there is something again
 * (an event, a ping due every ping interval, or the hub closing). The HTTP layer parks a
 * stream whose read gave 0 (MHD_suspend_connection) and the wake callback resumes it, so
 * that an idle stream holds no thread and costs no polling (docs/monitoring.md "Live").
 *
 * Threads: every function may be called from any thread; live_publish never blocks on a
 * subscriber's reader. Lock order: the hub's mutex, then one subscriber's mutex; the wake
 * callback is called with the hub's mutex held (so that live_unsubscribe, which takes it,
 * waits for a wake in progress) and no subscriber's mutex.
 */
#ifndef MONITOR_LIVE_H
#define MONITOR_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct live_hub;
struct live_sub;

/* The reconnection delay the stream suggests to browsers (SSE "retry:" field), ms. */
#define LIVE_RETRY_MS 3000
/* Default interval of the ": ping" comment that keeps idle streams open and finds dead ones. */
#define LIVE_PING_MS 15000
/* Default cap on subscribers (config monitor.sse_max_clients). */
#define LIVE_MAX_SUBS 256

/*
 * A hub keeping up to ring events (>= 1) per subscriber, at most LIVE_MAX_SUBS subscribers,
 * pinging every LIVE_PING_MS (its own thread). Returns: owned (live_hub_free); never NULL
 * (allocation aborts).
 */
struct live_hub *live_hub_new(size_t ring);
/* Changes the subscriber cap (>= 1) and the ping interval (ms, >= 10). Call before use. */
void live_hub_set_limits(struct live_hub *h, size_t max_subs, int ping_ms);
/*
 * Ends every stream: each subscriber's read returns -1 after what it holds, and each is
 * woken; later subscriptions are refused. Call before stopping the HTTP server (which must
 * not stop with parked connections). Idempotent.
 */
void live_hub_close(struct live_hub *h);
/* Stops the ping thread and frees the hub; every subscriber must have been closed. NULL-safe. */
void live_hub_free(struct live_hub *h);

/*
 * Publishes one event: name ("alarm", "values"; letters, digits, '_' only) and data (JSON
 * text, len bytes, copied; a line break in it starts a new "data:" line, as SSE requires)
 * to every subscriber whose scope holds enterprise_id. Never blocks on a reader: a full
 * ring loses its oldest whole event, counted and reported to that reader as an "overflow"
 * event {"lost":N}.
 */
void live_publish(struct live_hub *h, int64_t enterprise_id, const char *name, const char *data,
		  size_t len);

/*
 * Subscribes for the enterprises ids[0..n) (copied; any order, duplicates allowed), or every
 * enterprise when all is nonzero. Returns: owned (live_unsubscribe), or NULL when the hub
 * already has its cap of subscribers or is closed (the route answers 503).
 */
struct live_sub *live_subscribe(struct live_hub *h, const int64_t *ids, size_t n, int all);
/* Removes and frees s; after it returns the wake callback is not called again. NULL-safe. */
void live_unsubscribe(struct live_sub *s);

/* Called (from any thread) when s has something to read; must not block or call into s. */
typedef void (*live_wake_fn)(void *ctx);
/* Sets the wake callback of s (NULL = none). */
void live_sub_set_wake(struct live_sub *s, live_wake_fn fn, void *ctx);

/*
 * Copies up to max (>= 1) bytes of SSE text into buf, without blocking: first the
 * "retry:" hint, then an "overflow" event when events were lost, then queued events (an
 * event may be split across reads), or ": ping" when a ping is due and nothing else was
 * sent since the last one. Returns the byte count, 0 when there is nothing now (the wake
 * callback will be called when there is), -1 at the end (hub closed and drained).
 */
ssize_t live_sub_read(struct live_sub *s, char *buf, size_t max);

/* Events s lost to a full ring since it subscribed. */
uint64_t live_sub_lost(struct live_sub *s);

/* Number of subscribers (metrics, tests). */
size_t live_subscribers(struct live_hub *h);

#endif
