/* SPDX-License-Identifier: MIT */
/*
 * The pure rules of check-task schedules (risk_check.h). Calendar arithmetic is done on
 * core/clock.h day numbers (days since 1970-01-01, local UTC+8), with the civil-date
 * conversions of H. Hinnant's "chrono-compatible low-level date algorithms" (proleptic
 * Gregorian, exact for every year used here).
 */
#include "risk/risk_check.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/banned.h"

#define DAY_MS (86400000LL)
#define MIN_MS (60000LL)

static const char *const schedule_names[RISK_SCHED_COUNT_] = { "shift", "daily", "weekly",
							       "monthly" };
static const char *const state_names[RISK_TASK_STATE_COUNT_] = { "open", "passed", "failed",
								 "missed" };

const char *risk_schedule_name(enum risk_schedule s)
{
	return (unsigned)s < RISK_SCHED_COUNT_ ? schedule_names[s] : NULL;
}

int risk_schedule_parse(const char *s, enum risk_schedule *out)
{
	for (int i = 0; s && i < RISK_SCHED_COUNT_; i++)
		if (strcmp(s, schedule_names[i]) == 0) {
			*out = (enum risk_schedule)i;
			return 0;
		}
	return ERR_INVALID;
}

const char *risk_task_state_name(enum risk_task_state s)
{
	return (unsigned)s < RISK_TASK_STATE_COUNT_ ? state_names[s] : NULL;
}

/* ------------------------------------------------------------ calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Day number of y-m-d (m 1..12, d 1..31). */
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

/* The UTC instant of local day `day` at minute `min` after its midnight. */
static int64_t local_ms(int64_t day, int64_t min)
{
	return day * DAY_MS + min * MIN_MS - CLOCK_LOCAL_OFFSET_MS;
}

/* ISO weekday, Monday = 0 .. Sunday = 6 (1970-01-01, day 0, was a Thursday). */
static int weekday(int64_t day)
{
	return (int)(day - 7 * floor_div(day + 3, 7) + 3);
}

/* ------------------------------------------------------------ shifts */

static int parse_hhmm(const char *p, size_t len, int *min)
{
	int h, m;

	if (len != 5 || p[2] != ':')
		return ERR_INVALID;
	for (size_t i = 0; i < 5; i++)
		if (i != 2 && !(p[i] >= '0' && p[i] <= '9'))
			return ERR_INVALID;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (h > 23 || m > 59)
		return ERR_INVALID;
	*min = h * 60 + m;
	return 0;
}

int risk_shifts_parse(const char *text, struct risk_shifts *out, struct errmsg *why)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0')
		return errmsg_set(why, "risk.shift_starts",
				  "'risk.shift_starts' must list shift start times HH:MM");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int min = 0, i;

		if (parse_hhmm(p, len, &min) < 0)
			return errmsg_set(why, "risk.shift_starts",
					  "'risk.shift_starts' must be start times HH:MM (00:00 .. "
					  "23:59) separated by commas, like '%s', not '%s'",
					  RISK_SHIFT_STARTS_DEFAULT, text);
		if (out->n == RISK_SHIFTS_MAX)
			return errmsg_set(why, "risk.shift_starts",
					  "'risk.shift_starts' lists at most %d shifts",
					  RISK_SHIFTS_MAX);
		/* insertion keeps start_min ascending */
		for (i = out->n; i > 0 && out->start_min[i - 1] > min; i--)
			out->start_min[i] = out->start_min[i - 1];
		if (i > 0 && out->start_min[i - 1] == min)
			return errmsg_set(why, "risk.shift_starts",
					  "'risk.shift_starts' names %.5s twice", p);
		out->start_min[i] = min;
		out->n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* ------------------------------------------------------------ periods */

static void label_day(int64_t day, char *out, size_t n)
{
	date_format(day, out, n);
}

static int shift_at(const struct risk_shifts *sh, int64_t at_ms, struct risk_period *p)
{
	int64_t lms = at_ms + CLOCK_LOCAL_OFFSET_MS, day = floor_div(lms, DAY_MS);
	int64_t min = floor_div(lms - day * DAY_MS, MIN_MS);
	int i = sh->n - 1;
	char d[12];

	if (sh->n < 1 || sh->n > RISK_SHIFTS_MAX)
		return ERR_INVALID;
	while (i >= 0 && sh->start_min[i] > min)
		i--;
	if (i < 0) { /* before the day's first start: the previous day's last shift */
		day--;
		i = sh->n - 1;
	}
	p->start_ms = local_ms(day, sh->start_min[i]);
	p->end_ms = i + 1 < sh->n ? local_ms(day, sh->start_min[i + 1])
				  : local_ms(day + 1, sh->start_min[0]);
	label_day(day, d, sizeof(d));
	snprintf(p->label, sizeof(p->label), "%.10s#%c", d, (char)('1' + i)); /* i < 8 */
	return 0;
}

int risk_period_at(enum risk_schedule s, const struct risk_shifts *sh, int64_t at_ms,
		   struct risk_period *p)
{
	int64_t day = local_day(at_ms), y, start, wy;
	int m, d, wd;

	memset(p, 0, sizeof(*p));
	switch (s) {
	case RISK_SCHED_SHIFT:
		return sh ? shift_at(sh, at_ms, p) : ERR_INVALID;
	case RISK_SCHED_DAILY:
		p->start_ms = local_ms(day, 0);
		p->end_ms = local_ms(day + 1, 0);
		label_day(day, p->label, sizeof(p->label));
		return 0;
	case RISK_SCHED_WEEKLY:
		/* ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday. */
		wd = weekday(day);
		start = day - wd;
		civil_from_days(start + 3, &wy, &m, &d); /* the Thursday's year */
		p->start_ms = local_ms(start, 0);
		p->end_ms = local_ms(start + 7, 0);
		snprintf(p->label, sizeof(p->label), "%04d-W%02d", (int)wy,
			 (int)((start + 3 - days_from_civil(wy, 1, 1)) / 7 + 1));
		return 0;
	case RISK_SCHED_MONTHLY:
		civil_from_days(day, &y, &m, &d);
		p->start_ms = local_ms(days_from_civil(y, m, 1), 0);
		p->end_ms = local_ms(
			m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1), 0);
		snprintf(p->label, sizeof(p->label), "%04d-%02d", (int)y, m);
		return 0;
	default:
		return ERR_INVALID;
	}
}

int risk_period_next(enum risk_schedule s, const struct risk_shifts *sh,
		     const struct risk_period *p, struct risk_period *next)
{
	return risk_period_at(s, sh, p->end_ms, next);
}

size_t risk_periods_between(enum risk_schedule s, const struct risk_shifts *sh, int64_t from_ms,
			    int64_t to_ms, struct risk_period *out, size_t max)
{
	struct risk_period p;
	size_t n = 0;

	if (max == 0 || from_ms > to_ms || risk_period_at(s, sh, from_ms, &p) < 0)
		return 0;
	while (p.start_ms <= to_ms) {
		if (n == max) { /* keep the newest max: drop the oldest */
			memmove(out, out + 1, (max - 1) * sizeof(*out));
			n--;
		}
		out[n++] = p;
		if (risk_period_next(s, sh, &out[n - 1], &p) < 0)
			break;
	}
	return n;
}

bool risk_task_missed(enum risk_task_state state, int64_t period_end_ms, int64_t now_ms)
{
	return state == RISK_TASK_OPEN && now_ms >= period_end_ms;
}

bool risk_completion_rate(int64_t passed, int64_t failed, int64_t missed, double *rate)
{
	int64_t den = passed + failed + missed;

	if (den <= 0)
		return false;
	*rate = (double)(passed + failed) / (double)den;
	return true;
}
