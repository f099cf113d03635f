/* SPDX-License-Identifier: MIT */
/*
 * Wall and monotonic clocks; all times are int64 milliseconds, UTC. Calendar
 * dates are local dates in China Standard Time (UTC+8, no daylight saving,
 * DESIGN §3), counted as day numbers: days since 1970-01-01 (proleptic
 * Gregorian), so that date arithmetic is integer arithmetic.
 */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* China Standard Time is UTC+8 all year (no DST since 1991). */
#define CLOCK_LOCAL_OFFSET_MS (8LL * 3600 * 1000)

/* Milliseconds since the Unix epoch, UTC. */
int64_t now_ms(void);
/* Milliseconds from an arbitrary origin; never goes backwards. */
int64_t monotonic_ms(void);
/* Microseconds, monotonic, for durations. */
int64_t monotonic_us(void);
/* Writes ms as RFC 3339 UTC with milliseconds ("2026-11-29T14:00:00.123Z"). */
void time_fmt_rfc3339(int64_t ms, char *out, size_t n);

/*
 * The local (UTC+8) calendar day of the instant ms, as a day number:
 * 2026-11-29T15:59:59Z is 2026-11-29 local, 2026-11-29T16:00:00Z is 2026-11-30.
 * Pure; floors correctly before 1970.
 */
int64_t local_day(int64_t ms);
/*
 * The date used by date rules today: local_day(fixed_now_ms) when fixed_now_ms > 0
 * (setting fake.now_ms, for tests), else local_day(now_ms()).
 */
int64_t today_local(int64_t fixed_now_ms);
/*
 * Parses "YYYY-MM-DD" (exactly 10 characters, years 1900..2999) into a day number.
 * Only real calendar dates pass: 2026-02-29 and 2026-04-31 are refused, 2028-02-29 is
 * not. Returns 0 or ERR_INVALID.
 */
int date_parse(const char *s, int64_t *day);
/* Writes day as "YYYY-MM-DD" into out (n >= 11 for years 0..9999). */
void date_format(int64_t day, char *out, size_t n);

#endif
