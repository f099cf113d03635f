/* SPDX-License-Identifier: MIT */
/*
 * The one error enum of the program and the fixed-size message buffer used
 * when a caller needs a human reason (validation). Functions that can fail
 * return 0 or a negative enum err value; results come back through out
 * parameters. Mapping to HTTP status happens once, in http/router.c.
 */
#ifndef CORE_ERR_H
#define CORE_ERR_H

#include <stddef.h>

enum err {
	ERR_OK = 0,
	ERR_INVALID = -1,	/* bad input: 400/422 */
	ERR_NOT_FOUND = -2,	/* 404 */
	ERR_CONFLICT = -3,	/* 409 */
	ERR_FORBIDDEN = -4,	/* 403 */
	ERR_DB = -5,		/* 500, logged */
	ERR_IO = -6,		/* 500, logged */
	ERR_TIMEOUT = -7,	/* 503 */
	ERR_UNAVAILABLE = -8,	/* 503 */
	ERR_INTERNAL = -9,	/* 500, logged */
	ERR_UNAUTHORIZED = -10, /* 401 */
	ERR_TOO_MANY = -11,	/* 429 */
};

/* A reason for a failure, named field first. Caller-provided storage. */
struct errmsg {
	char field[64]; /* the offending field ("" when not about one field) */
	char text[256];
};

/* Returns a static lower-case name for rc ("invalid", "not found", ...). */
const char *err_str(int rc);

/*
 * Fills m with field and a printf-style reason; returns ERR_INVALID so that
 * validators can write `return errmsg_set(m, "login", "too long");`.
 * m may be NULL (then only the return value matters).
 */
int errmsg_set(struct errmsg *m, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
