/* SPDX-License-Identifier: MIT */
/*
 * One line per event to stderr: `level=info mod=http rid=... msg="..."`.
 * Each .c defines LOG_MODULE before including this header. Secrets are never
 * passed here. Thread-safe (one write(2) per line).
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LL_ERROR, LL_WARN, LL_INFO, LL_DEBUG };

void log_set_level(enum log_level lv);
enum log_level log_get_level(void);
/* Parses "error|warn|info|debug". Returns 0 or ERR_INVALID. */
int log_level_parse(const char *s, enum log_level *out);
/* Sets the request id printed as rid= on this thread's lines (NULL clears). */
void log_set_rid(const char *rid);

void log_emit(enum log_level lv, const char *mod, long dropped, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Writes `level=info mod=<mod> [rid=..] <fields>`: fields are preformatted key=value pairs. */
void log_fields(const char *mod, const char *fields);
bool log_gate(_Atomic int64_t *last_ms, _Atomic long *dropped, int64_t interval_ms, long *n);

#define log_error(...) log_emit(LL_ERROR, LOG_MODULE, 0, __VA_ARGS__)
#define log_warn(...)  log_emit(LL_WARN, LOG_MODULE, 0, __VA_ARGS__)
#define log_info(...)  log_emit(LL_INFO, LOG_MODULE, 0, __VA_ARGS__)
#define log_debug(...) log_emit(LL_DEBUG, LOG_MODULE, 0, __VA_ARGS__)

#define log_every_ms(interval_ms, level, ...)                           \
	do {                                                            \
		static _Atomic int64_t last_ms_;                        \
		static _Atomic long dropped_;                           \
		long n_;                                                \
		if (log_gate(&last_ms_, &dropped_, (interval_ms), &n_)) \
			log_emit((level), LOG_MODULE, n_, __VA_ARGS__); \
	} while (0)

#endif
