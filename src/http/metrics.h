/* SPDX-License-Identifier: MIT */
/*
 * Request counters by route pattern and status, and a latency histogram per
 * route, rendered in the Prometheus text exposition format. Thread-safe.
 */
#ifndef HTTP_METRICS_H
#define HTTP_METRICS_H

#include <stdint.h>

struct buf;
struct metrics;

/* Returns: owned. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* Records one answered request; route is the pattern ("/api/v1/grids/{id}") or "-". */
void metrics_observe(struct metrics *m, const char *method, const char *route, int status,
		     int64_t dur_us);
/* Appends the counters and histograms in Prometheus text format. */
void metrics_render(struct metrics *m, struct buf *out);

#endif
