/* SPDX-License-Identifier: MIT */
/*
 * Alarm-management KPIs (issue 6 §7; EEMUA 191 and ANSI/ISA-18.2 as commonly quoted,
 * [U] in STANDARDS.md: the thresholds are configuration, monitor.kpi_*): pure functions
 * over arrays of SOE rows, no I/O. Routes: kpi_api.c; SQL: kpi_db.c.
 *
 * Definitions (docs/monitoring.md "Alarm KPIs"):
 * - an alarm is an annunciation: an SOE row whose to_state is "unack" and whose from_state
 *   is not "unack";
 * - alarm rate: alarms per window (flood_window_ms, 10 min) over the windows of the period,
 *   aligned at its start, mean and max; alarms per day (days of 24 h from the start);
 * - a flood window holds more than flood_alarms (10) alarms; consecutive flood windows are
 *   one flood; time in flood is the flood windows' total length;
 * - a chattering point has at least chatter_alarms (3) alarms within chatter_window_ms
 *   (60 s): t[i + k - 1] - t[i] < window;
 * - a standing alarm is an episode of an abnormal condition (to_cond not "normal", until a
 *   row returns it to "normal") longer than standing_ms (24 h); an episode still open is
 *   measured up to min(period end, now); a point whose first row in the period comes from
 *   an abnormal condition counts from the period start;
 * - top sources: the top_n (10) points by alarms, ties by point id.
 */
#ifndef MONITOR_KPI_H
#define MONITOR_KPI_H

#include <stddef.h>
#include <stdint.h>

struct kpi_config {
	size_t flood_alarms;	   /* a flood window has more than this many alarms: 10 */
	int64_t flood_window_ms;   /* 600000 (10 min); also the rate window */
	size_t chatter_alarms;	   /* at least this many alarms of one point ...: 3 */
	int64_t chatter_window_ms; /* ... within this time: 60000 */
	int64_t standing_ms;	   /* an active alarm standing longer than this: 24 h */
	size_t top_n;		   /* sources listed: 10 */
};

/* Fills c with the defaults above. */
void kpi_config_defaults(struct kpi_config *c);

/* One SOE row as the KPIs need it (states and conditions as enum alarm_state / alarm_cond). */
struct kpi_soe {
	int64_t point_id;
	int64_t source_ms;
	uint8_t from_state, to_state, from_cond, to_cond;
};

struct kpi_flood {
	int64_t start_ms, end_ms; /* window bounds, end exclusive */
	size_t alarms;
};

struct kpi_point {
	int64_t point_id;
	size_t alarms;	      /* alarms of the point in the period */
	size_t max_in_window; /* chattering: most alarms within the chatter window */
};

struct kpi_standing {
	int64_t point_id;
	int64_t since_ms;    /* the episode's start (or the period start) */
	int64_t until_ms;    /* its end, or 0 while still active */
	int64_t duration_ms; /* up to until_ms, or min(period end, now) */
};

struct kpi_result {
	size_t alarms;
	size_t windows;		/* rate windows in the period */
	double per_window_mean; /* alarms / windows */
	size_t per_window_max;
	size_t ndays;
	size_t *per_day; /* ndays counts; owned */
	size_t floods;
	int64_t flood_ms;
	double flood_pct; /* of the period's length */
	struct kpi_flood *flood;
	struct kpi_point *chattering; /* by alarms descending, then point id */
	size_t nchattering;
	struct kpi_standing *standing; /* by duration descending, then point id */
	size_t nstanding;
	struct kpi_point *top; /* at most top_n */
	size_t ntop;
};

/*
 * Computes the KPIs of rows[0..n) (sorted by source_ms; rows outside [from_ms, to_ms) are
 * ignored) over the period [from_ms, to_ms) at instant now_ms. Returns 0 with *out filled
 * (owned arrays: kpi_result_release), or ERR_INVALID (to_ms <= from_ms, a zero window or
 * threshold).
 */
int kpi_compute(const struct kpi_config *c, const struct kpi_soe *rows, size_t n, int64_t from_ms,
		int64_t to_ms, int64_t now_ms, struct kpi_result *out);
/* Frees what kpi_compute allocated; leaves r zeroed. NULL-safe. */
void kpi_result_release(struct kpi_result *r);

#endif
