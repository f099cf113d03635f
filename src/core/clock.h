/* SPDX-License-Identifier: MIT */
/* Wall and monotonic clocks; all times are int64 milliseconds, UTC. */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch, UTC. */
int64_t now_ms(void);
/* Milliseconds from an arbitrary origin; never goes backwards. */
int64_t monotonic_ms(void);
/* Microseconds, monotonic, for durations. */
int64_t monotonic_us(void);
/* Writes ms as RFC 3339 UTC with milliseconds ("2026-11-29T14:00:00.123Z"). */
void time_fmt_rfc3339(int64_t ms, char *out, size_t n);

#endif
