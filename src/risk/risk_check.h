/* SPDX-License-Identifier: MIT */
/*
 * Check tasks of risk graded control (issue 5 §4, docs/risk.md "Check tasks"): the pure
 * rules of schedules. A check item is checked once per period of its schedule; a period
 * is a half-open interval [start_ms, end_ms) of UTC milliseconds cut on local (UTC+8,
 * DESIGN §3) calendar boundaries, computed with core/clock.h day numbers only (never the
 * process's TZ):
 *   daily    the local day 00:00 .. next 00:00, label "2026-11-29";
 *   weekly   the ISO 8601 week, Monday 00:00 .. next Monday 00:00, label "2026-W53"
 *            (the ISO week-year: the year of the week's Thursday);
 *   monthly  the local calendar month, label "2026-11";
 *   shift    the shifts of setting risk.shift_starts (default "08:00,16:00,00:00": three
 *            8-hour shifts), label "2026-11-29#2": the local day the shift starts on and
 *            its number among that day's shifts in order of start time (00:00 is #1).
 * No I/O, no clock: every instant is an argument.
 */
#ifndef RISK_RISK_CHECK_H
#define RISK_RISK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errmsg;

enum risk_schedule {
	RISK_SCHED_SHIFT = 0, /* 每班 */
	RISK_SCHED_DAILY,     /* 每日 */
	RISK_SCHED_WEEKLY,    /* 每周 */
	RISK_SCHED_MONTHLY,   /* 每月 */
	RISK_SCHED_COUNT_,
};

/* The states of a check task. */
enum risk_task_state {
	RISK_TASK_OPEN = 0,
	RISK_TASK_PASSED,
	RISK_TASK_FAILED,
	RISK_TASK_MISSED,
	RISK_TASK_STATE_COUNT_,
};

/* Most shifts in a day. */
#define RISK_SHIFTS_MAX 8
/* The default of setting risk.shift_starts. */
#define RISK_SHIFT_STARTS_DEFAULT "08:00,16:00,00:00"
/* Room for a period label, terminator included ("2026-11-29#8" is the longest). */
#define RISK_LABEL_MAX 32

/* The shifts of a day: start minutes after local midnight, strictly ascending. */
struct risk_shifts {
	int n;				/* 1..RISK_SHIFTS_MAX */
	int start_min[RISK_SHIFTS_MAX]; /* 0..1439 */
};

/* One period of a schedule. */
struct risk_period {
	int64_t start_ms; /* UTC ms, inclusive */
	int64_t end_ms;	  /* UTC ms, exclusive */
	char label[RISK_LABEL_MAX];
};

/* "shift", "daily", "weekly", "monthly"; NULL when out of range. */
const char *risk_schedule_name(enum risk_schedule s);
/* Parses a schedule's name. Returns 0 or ERR_INVALID (s NULL or unknown). */
int risk_schedule_parse(const char *s, enum risk_schedule *out);
/* "open", "passed", "failed", "missed"; NULL when out of range. */
const char *risk_task_state_name(enum risk_task_state s);

/*
 * Parses setting risk.shift_starts: 1..RISK_SHIFTS_MAX local start times "HH:MM"
 * (00..23, 00..59) separated by commas, in any order, no two equal, no spaces
 * ("08:00,16:00,00:00"). The shifts are sorted by start time; each runs until the next
 * one starts (the last until the first of the next day). Returns 0, or ERR_INVALID with
 * the reason in why (field "risk.shift_starts"); out is then unspecified.
 */
int risk_shifts_parse(const char *text, struct risk_shifts *out, struct errmsg *why);

/*
 * The period of schedule s that contains instant at_ms (UTC ms). sh is required for
 * RISK_SCHED_SHIFT and ignored otherwise. Returns 0, or ERR_INVALID (s out of range,
 * or a shift schedule without shifts).
 */
int risk_period_at(enum risk_schedule s, const struct risk_shifts *sh, int64_t at_ms,
		   struct risk_period *p);

/* The period that follows p (the one containing p->end_ms). Returns as risk_period_at(). */
int risk_period_next(enum risk_schedule s, const struct risk_shifts *sh,
		     const struct risk_period *p, struct risk_period *next);

/*
 * The periods of s that contain an instant of [from_ms, to_ms] (both inclusive), oldest
 * first, written into out (max entries). When there are more than max, the newest max
 * are kept (a long-idle item gets its recent periods, not its oldest). Returns the
 * number written (0 when from_ms > to_ms or on an invalid schedule).
 */
size_t risk_periods_between(enum risk_schedule s, const struct risk_shifts *sh, int64_t from_ms,
			    int64_t to_ms, struct risk_period *out, size_t max);

/*
 * The "missed" rule (issue 5 §4): an open task is missed once its period has ended
 * (now_ms >= period_end_ms); a passed, failed or already missed task never becomes
 * missed (so a missed check is counted once).
 */
bool risk_task_missed(enum risk_task_state state, int64_t period_end_ms, int64_t now_ms);

/*
 * The completion rate of tasks whose period ended: (passed + failed) / (passed + failed +
 * missed); a failed check was done (it found a hazard). Returns false (no rate: JSON
 * null) when the denominator is 0, else true with *rate in [0, 1].
 */
bool risk_completion_rate(int64_t passed, int64_t failed, int64_t missed, double *rate);

#endif
