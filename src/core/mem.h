/* SPDX-License-Identifier: MIT */
/*
 * Allocation that aborts on out-of-memory (so ERR_NOMEM never exists), and a
 * per-request arena: many small allocations freed together. Nothing from an
 * arena may outlive the request that owns it.
 */
#ifndef CORE_MEM_H
#define CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Returns: owned copy of s (s must not be NULL). */
char *xstrdup(const char *s);
/* Returns: owned NUL-terminated copy of the first n bytes of s. */
char *xstrndup(const char *s, size_t n);

struct arena_block;
struct arena {
	struct arena_block *head;
};

void arena_init(struct arena *a);
/* Returns: memory owned by the arena, aligned for any type, zeroed. */
void *arena_alloc(struct arena *a, size_t n);
/* Returns: arena-owned copy of s. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Frees every block; the arena can be reused afterwards. */
void arena_release(struct arena *a);

#endif
