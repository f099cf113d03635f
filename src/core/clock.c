/* SPDX-License-Identifier: MIT */
/*
 * Clocks and local calendar dates. The day-number conversions are Howard
 * Hinnant's days_from_civil / civil_from_days ("chrono-Compatible Low-Level
 * Date Algorithms"), exact for the proleptic Gregorian calendar.
 */
#include "core/clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/banned.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t monotonic_ms(void)
{
	return monotonic_us() / 1000;
}

int64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_fmt_rfc3339(int64_t ms, char *out, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* ------------------------------------------------------------ local dates */

#define DAY_MS (86400LL * 1000)

/* Floor division for a positive divisor (C's '/' truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && a < 0);
}

int64_t local_day(int64_t ms)
{
	return floor_div(ms + CLOCK_LOCAL_OFFSET_MS, DAY_MS);
}

int64_t today_local(int64_t fixed_now_ms)
{
	return local_day(fixed_now_ms > 0 ? fixed_now_ms : now_ms());
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int date_parse(const char *s, int64_t *day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, last;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return ERR_INVALID;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
		return ERR_INVALID;
	last = mdays[m - 1] + (m == 2 && leap(y));
	if (d > last)
		return ERR_INVALID;
	*day = days_from_civil(y, m, d);
	return 0;
}

void date_format(int64_t day, char *out, size_t n)
{
	int64_t y;
	int m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, n, "%04lld-%02d-%02d", (long long)y, m, d);
}
