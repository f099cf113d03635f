/* SPDX-License-Identifier: MIT */
/*
 * The live hub (issue 6 §6): Server-Sent Events fan-out of alarm transitions and latest
 * values, each event tagged with its enterprise, each subscriber holding the set of
 * enterprises its user's scope covers (computed when it subscribes). A slow subscriber
 * loses its oldest events (and is told: an "overflow" event) rather than slowing the
 * publisher. Routes: src/monitor/live_api.c (GET /api/v1/monitor/stream).
 *
 * Threads: live_publish may be called from any thread and never blocks on a subscriber.
 */
#ifndef MONITOR_LIVE_H
#define MONITOR_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct live_hub;
struct live_sub;

/* A hub keeping up to ring events per subscriber. Returns NULL on allocation failure. */
struct live_hub *live_hub_new(size_t ring);
/* Frees the hub; every subscriber must have been closed. NULL-safe. */
void live_hub_free(struct live_hub *h);

/*
 * Publishes one event: name ("alarm", "values") and data (one line of JSON, len bytes,
 * copied) to every subscriber whose scope holds enterprise_id.
 */
void live_publish(struct live_hub *h, int64_t enterprise_id, const char *name, const char *data,
		  size_t len);

/*
 * Subscribes for the enterprises ids[0..n) (copied; any order), or every enterprise when
 * all is nonzero. Returns NULL on allocation failure.
 */
struct live_sub *live_subscribe(struct live_hub *h, const int64_t *ids, size_t n, int all);
void live_unsubscribe(struct live_sub *s);

/* Number of subscribers (metrics, tests). */
size_t live_subscribers(struct live_hub *h);

#endif
