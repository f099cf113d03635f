/* SPDX-License-Identifier: MIT */
/* key=value logger to stderr, with per-thread request id and rate limiting. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/banned.h"

static _Atomic int level_ = LL_INFO;
static _Thread_local char rid_[40];

static const char *const names[] = { "error", "warn", "info", "debug" };

void log_set_level(enum log_level lv)
{
	level_ = lv;
}

enum log_level log_get_level(void)
{
	return (enum log_level)level_;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return ERR_INVALID;
}

void log_set_rid(const char *rid)
{
	snprintf(rid_, sizeof(rid_), "%s", rid ? rid : "");
}

void log_emit(enum log_level lv, const char *mod, long dropped, const char *fmt, ...)
{
	char msg[2048], line[2400];
	va_list ap;
	int n;

	if ((int)lv > level_)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Quotes inside the message would break key=value parsing. */
	for (char *p = msg; *p; p++)
		if (*p == '"' || *p == '\n')
			*p = *p == '"' ? '\'' : ' ';
	n = snprintf(line, sizeof(line), "level=%s mod=%s%s%s msg=\"%s\"", names[lv], mod,
		     rid_[0] ? " rid=" : "", rid_, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 40)
		n = (int)sizeof(line) - 40;
	if (dropped > 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " dropped=%ld", dropped);
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

void log_fields(const char *mod, const char *fields)
{
	char line[1024];
	int n;

	if (level_ < LL_INFO)
		return;
	n = snprintf(line, sizeof(line) - 1, "level=info mod=%s%s%s %s", mod,
		     rid_[0] ? " rid=" : "", rid_, fields);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

bool log_gate(_Atomic int64_t *last_ms, _Atomic long *dropped, int64_t interval_ms, long *n)
{
	int64_t now = monotonic_ms();
	int64_t last = *last_ms;

	if (last != 0 && now - last < interval_ms) {
		(*dropped)++;
		return false;
	}
	*last_ms = now;
	*n = atomic_exchange(dropped, 0);
	return true;
}
