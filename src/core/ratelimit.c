/* SPDX-License-Identifier: MIT */
#define LOG_MODULE "ratelimit"
/* Fixed-window counters in a small open-addressing table; old windows are reused. */
#include "core/ratelimit.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/banned.h"

#define SLOTS  4096
#define PROBES 8

struct slot {
	char key[48];
	int64_t window_start_ms;
	int count;
};

struct rate_limiter {
	pthread_mutex_t lock; /* protects slots; leaf lock */
	int limit;
	int64_t window_ms;
	struct slot slots[SLOTS];
};

struct rate_limiter *rate_limiter_new(int limit, int64_t window_ms)
{
	struct rate_limiter *rl = xcalloc(1, sizeof(*rl));

	pthread_mutex_init(&rl->lock, NULL);
	rl->limit = limit;
	rl->window_ms = window_ms;
	return rl;
}

void rate_limiter_free(struct rate_limiter *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * A slot holds the first sizeof(key) - 1 bytes of its key; longer keys that
 * share them share the slot (the strict side) instead of never matching.
 */
static bool key_eq(const struct slot *s, const char *key)
{
	return strncmp(s->key, key, sizeof(s->key) - 1) == 0;
}

bool rate_limiter_allow_ex(struct rate_limiter *rl, const char *key, int64_t now_ms,
			   int *retry_after_s, int *attempt)
{
	uint32_t h = hash(key);
	struct slot *use = NULL;
	bool ok;

	pthread_mutex_lock(&rl->lock);
	/* The key's own slot first, so that its count is never lost to a free slot before it. */
	for (int probe = 0; probe < PROBES && use == NULL; probe++) {
		struct slot *s = &rl->slots[(h + (uint32_t)probe) % SLOTS];

		if (s->key[0] != '\0' && key_eq(s, key))
			use = s;
	}
	for (int probe = 0; probe < PROBES && use == NULL; probe++) {
		struct slot *s = &rl->slots[(h + (uint32_t)probe) % SLOTS];

		if (s->key[0] == '\0' || now_ms - s->window_start_ms >= rl->window_ms)
			use = s;
	}
	/*
	 * Every slot near the key holds a live window (thousands of clients within one
	 * window): let the event through untracked rather than evict another key's count or
	 * shut out every new client. Account lockout still bounds guessing per account.
	 */
	if (use == NULL) {
		pthread_mutex_unlock(&rl->lock);
		log_every_ms(60000, LL_WARN, "rate limiter table crowded; key not tracked");
		if (attempt)
			*attempt = 1;
		return true;
	}
	if (!key_eq(use, key) || now_ms - use->window_start_ms >= rl->window_ms) {
		snprintf(use->key, sizeof(use->key), "%s", key);
		use->window_start_ms = now_ms;
		use->count = 0;
	}
	ok = use->count < rl->limit;
	if (use->count < INT_MAX)
		use->count++; /* refused events count too: callers tell the first refusal */
	if (attempt)
		*attempt = use->count;
	if (!ok && retry_after_s)
		*retry_after_s =
			(int)((use->window_start_ms + rl->window_ms - now_ms + 999) / 1000);
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

bool rate_limiter_allow(struct rate_limiter *rl, const char *key, int64_t now_ms,
			int *retry_after_s)
{
	return rate_limiter_allow_ex(rl, key, now_ms, retry_after_s, NULL);
}
