/* SPDX-License-Identifier: MIT */
/*
 * A fixed-window rate limiter keyed by text (client IP): at most `limit`
 * events per key per window. In memory, per process. Thread-safe.
 */
#ifndef CORE_RATELIMIT_H
#define CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rate_limiter;

/* Returns: owned. */
struct rate_limiter *rate_limiter_new(int limit, int64_t window_ms);
void rate_limiter_free(struct rate_limiter *rl);
/*
 * Counts one event for key at now_ms. Returns true when allowed; when not,
 * *retry_after_s (may be NULL) says how long until the window ends.
 */
bool rate_limiter_allow(struct rate_limiter *rl, const char *key, int64_t now_ms,
			int *retry_after_s);

/*
 * As rate_limiter_allow; *attempt (may be NULL) receives the number of this event within
 * its key's window, refused ones included, so that limit + 1 is the first refusal.
 */
bool rate_limiter_allow_ex(struct rate_limiter *rl, const char *key, int64_t now_ms,
			   int *retry_after_s, int *attempt);

#endif
