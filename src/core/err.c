/* SPDX-License-Identifier: MIT */
/* Names of enum err values and the errmsg helper. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/banned.h"

const char *err_str(int rc)
{
	switch (rc) {
	case ERR_OK:
		return "ok";
	case ERR_INVALID:
		return "invalid";
	case ERR_NOT_FOUND:
		return "not found";
	case ERR_CONFLICT:
		return "conflict";
	case ERR_FORBIDDEN:
		return "forbidden";
	case ERR_DB:
		return "database error";
	case ERR_IO:
		return "i/o error";
	case ERR_TIMEOUT:
		return "timeout";
	case ERR_UNAVAILABLE:
		return "unavailable";
	case ERR_INTERNAL:
		return "internal error";
	case ERR_UNAUTHORIZED:
		return "unauthorized";
	case ERR_TOO_MANY:
		return "too many requests";
	default:
		return "unknown error";
	}
}

int errmsg_set(struct errmsg *m, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (m == NULL)
		return ERR_INVALID;
	snprintf(m->field, sizeof(m->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof(m->text), fmt, ap);
	va_end(ap);
	return ERR_INVALID;
}
