/* SPDX-License-Identifier: MIT */
/* struct buf: a growable byte buffer that always keeps a NUL after len. */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stddef.h>

struct buf {
	char *p;    /* owned; NULL until the first add */
	size_t len; /* bytes used, not counting the trailing NUL */
	size_t cap;
};

#define BUF_INIT           \
	{                  \
		NULL, 0, 0 \
	}

void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns: b's text, "" when empty; borrowed, valid until the next change. */
const char *buf_str(const struct buf *b);
/* Returns: owned text; b is left empty. */
char *buf_detach(struct buf *b);
void buf_reset(struct buf *b);
void buf_release(struct buf *b);

#endif
