/* SPDX-License-Identifier: MIT */
/*
 * Alarm-management KPIs (kpi.h): annunciations counted per window and per day, floods,
 * chattering points, standing alarms and the top sources, from an array of SOE rows.
 * Pure: no I/O, no clock (now is an argument). The definitions are kpi.h's.
 */
#include "monitor/kpi.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "monitor/alarm.h"
#include "core/banned.h"

#define DAY_MS 86400000LL

void kpi_config_defaults(struct kpi_config *c)
{
	c->flood_alarms = 10;		 /* EEMUA 191: more than 10 alarms in 10 min [U] */
	c->flood_window_ms = 600000;	 /* 10 min */
	c->chatter_alarms = 3;		 /* ISA-18.2 practice: 3 or more in 1 min [U] */
	c->chatter_window_ms = 60000;	 /* 1 min */
	c->standing_ms = 24 * 3600000LL; /* active longer than 24 h [U] */
	c->top_n = 10;			 /* the "top 10 bad actors" */
}

void kpi_result_release(struct kpi_result *r)
{
	if (r == NULL)
		return;
	free(r->per_day);
	free(r->flood);
	free(r->chattering);
	free(r->standing);
	free(r->top);
	memset(r, 0, sizeof(*r));
}

/* An annunciation (kpi.h): to "unack" from anything else. */
static bool is_alarm(const struct kpi_soe *s)
{
	return s->to_state == ALARM_STATE_UNACK && s->from_state != ALARM_STATE_UNACK;
}

struct stamp {
	int64_t point_id;
	int64_t t;
	size_t idx; /* position in rows: keeps equal times in SOE order */
};

static int cmp_stamp(const void *a, const void *b)
{
	const struct stamp *x = a, *y = b;

	if (x->point_id != y->point_id)
		return x->point_id < y->point_id ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_top(const void *a, const void *b)
{
	const struct kpi_point *x = a, *y = b;

	if (x->alarms != y->alarms)
		return x->alarms > y->alarms ? -1 : 1;
	return (x->point_id > y->point_id) - (x->point_id < y->point_id);
}

static int cmp_standing(const void *a, const void *b)
{
	const struct kpi_standing *x = a, *y = b;

	if (x->duration_ms != y->duration_ms)
		return x->duration_ms > y->duration_ms ? -1 : 1;
	if (x->point_id != y->point_id)
		return x->point_id < y->point_id ? -1 : 1;
	return (x->since_ms > y->since_ms) - (x->since_ms < y->since_ms);
}

/* Floods: windows with more than flood_alarms alarms, consecutive ones merged. */
static void floods_of(const struct kpi_config *c, const size_t *win, size_t nwin, int64_t from_ms,
		      int64_t to_ms, struct kpi_result *out)
{
	size_t cap = 0;

	for (size_t i = 0; i < nwin; i++) {
		int64_t start = from_ms + (int64_t)i * c->flood_window_ms;
		int64_t end = start + c->flood_window_ms < to_ms ? start + c->flood_window_ms
								 : to_ms;

		if (win[i] <= c->flood_alarms)
			continue;
		out->flood_ms += end - start;
		if (out->floods > 0 && out->flood[out->floods - 1].end_ms == start) {
			out->flood[out->floods - 1].end_ms = end;
			out->flood[out->floods - 1].alarms += win[i];
			continue;
		}
		if (out->floods == cap) {
			cap = cap ? cap * 2 : 8;
			out->flood = xrealloc(out->flood, cap * sizeof(*out->flood));
		}
		out->flood[out->floods++] = (struct kpi_flood){ start, end, win[i] };
	}
	out->flood_pct = 100.0 * (double)out->flood_ms / (double)(to_ms - from_ms);
}

/* Per point: alarms, chattering (sliding window) and the top sources. a sorted by point. */
static void points_of(const struct kpi_config *c, const struct stamp *a, size_t na,
		      struct kpi_result *out)
{
	struct kpi_point *pts = NULL;
	size_t npts = 0, nchat = 0;

	if (na == 0)
		return;
	pts = xcalloc(na, sizeof(*pts));
	for (size_t g = 0; g < na;) {
		size_t e = g, lo = g, best = 0;

		while (e < na && a[e].point_id == a[g].point_id)
			e++;
		for (size_t j = g; j < e; j++) {
			while (a[j].t - a[lo].t >= c->chatter_window_ms)
				lo++;
			if (j - lo + 1 > best)
				best = j - lo + 1;
		}
		pts[npts++] = (struct kpi_point){ a[g].point_id, e - g, best };
		g = e;
	}
	qsort(pts, npts, sizeof(*pts), cmp_top);
	out->chattering = xcalloc(npts, sizeof(*out->chattering));
	for (size_t i = 0; i < npts; i++)
		if (pts[i].max_in_window >= c->chatter_alarms)
			out->chattering[nchat++] = pts[i];
	out->nchattering = nchat;
	out->ntop = npts < c->top_n ? npts : c->top_n;
	out->top = pts;
}

/* Standing alarms: abnormal-condition episodes longer than standing_ms. */
static void standing_of(const struct kpi_config *c, const struct kpi_soe *rows,
			const struct stamp *s, size_t ns, int64_t from_ms, int64_t to_ms,
			int64_t now_ms, struct kpi_result *out)
{
	int64_t horizon = now_ms < to_ms ? now_ms : to_ms;
	size_t cap = 0;

	for (size_t g = 0; g < ns;) {
		const struct kpi_soe *first = &rows[s[g].idx];
		bool active = first->from_cond != ALARM_COND_NORMAL;
		int64_t since = from_ms;
		size_t e = g;

		for (; e < ns && s[e].point_id == s[g].point_id; e++) {
			const struct kpi_soe *r = &rows[s[e].idx];
			struct kpi_standing ep = { r->point_id, since, r->source_ms,
						   r->source_ms - since };

			if (!active && r->to_cond != ALARM_COND_NORMAL) {
				active = true;
				since = r->source_ms;
				continue;
			}
			if (!(active && r->to_cond == ALARM_COND_NORMAL))
				continue;
			active = false;
			if (ep.duration_ms <= c->standing_ms)
				continue;
			if (out->nstanding == cap) {
				cap = cap ? cap * 2 : 8;
				out->standing =
					xrealloc(out->standing, cap * sizeof(*out->standing));
			}
			out->standing[out->nstanding++] = ep;
		}
		if (active && horizon - since > c->standing_ms) {
			if (out->nstanding == cap) {
				cap = cap ? cap * 2 : 8;
				out->standing =
					xrealloc(out->standing, cap * sizeof(*out->standing));
			}
			out->standing[out->nstanding++] =
				(struct kpi_standing){ s[g].point_id, since, 0, horizon - since };
		}
		g = e;
	}
	if (out->nstanding > 1)
		qsort(out->standing, out->nstanding, sizeof(*out->standing), cmp_standing);
}

int kpi_compute(const struct kpi_config *c, const struct kpi_soe *rows, size_t n, int64_t from_ms,
		int64_t to_ms, int64_t now_ms, struct kpi_result *out)
{
	struct stamp *all = NULL, *alarms = NULL;
	size_t *win = NULL, nall = 0, nalarm = 0;

	memset(out, 0, sizeof(*out));
	if (to_ms <= from_ms || c->flood_window_ms <= 0 || c->chatter_window_ms <= 0 ||
	    c->standing_ms <= 0 || c->chatter_alarms < 1)
		return ERR_INVALID;
	out->windows = (size_t)((to_ms - from_ms + c->flood_window_ms - 1) / c->flood_window_ms);
	out->ndays = (size_t)((to_ms - from_ms + DAY_MS - 1) / DAY_MS);
	win = xcalloc(out->windows, sizeof(*win));
	out->per_day = xcalloc(out->ndays, sizeof(*out->per_day));
	all = xcalloc(n ? n : 1, sizeof(*all));
	alarms = xcalloc(n ? n : 1, sizeof(*alarms));
	for (size_t i = 0; i < n; i++) {
		const struct kpi_soe *r = &rows[i];
		int64_t off = r->source_ms - from_ms;

		if (r->source_ms < from_ms || r->source_ms >= to_ms)
			continue;
		all[nall++] = (struct stamp){ r->point_id, r->source_ms, i };
		if (!is_alarm(r))
			continue;
		out->alarms++;
		win[off / c->flood_window_ms]++;
		out->per_day[off / DAY_MS]++;
		alarms[nalarm++] = (struct stamp){ r->point_id, r->source_ms, i };
	}
	for (size_t i = 0; i < out->windows; i++)
		if (win[i] > out->per_window_max)
			out->per_window_max = win[i];
	out->per_window_mean = (double)out->alarms / (double)out->windows;
	floods_of(c, win, out->windows, from_ms, to_ms, out);
	qsort(alarms, nalarm, sizeof(*alarms), cmp_stamp);
	points_of(c, alarms, nalarm, out);
	qsort(all, nall, sizeof(*all), cmp_stamp);
	standing_of(c, rows, all, nall, from_ms, to_ms, now_ms, out);
	free(win);
	free(all);
	free(alarms);
	return 0;
}
