/* SPDX-License-Identifier: MIT */
/* Prometheus counters and histograms for HTTP requests. */
#include "http/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

/* Upper bounds in seconds of the latency buckets. */
static const double bucket_s[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0
};
#define NBUCKETS (sizeof(bucket_s) / sizeof(bucket_s[0]))

struct series {
	const char *method; /* static */
	const char *route;  /* static (route table) or "-" */
	int status;
	uint64_t count;
};

struct hist {
	const char *method, *route;
	uint64_t bucket[NBUCKETS];
	uint64_t count;
	double sum_s;
};

struct metrics {
	pthread_mutex_t lock; /* protects everything below; leaf lock */
	struct series *s;
	size_t ns, caps;
	struct hist *h;
	size_t nh, caph;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->s);
	free(m->h);
	free(m);
}

void metrics_observe(struct metrics *m, const char *method, const char *route, int status,
		     int64_t dur_us)
{
	struct series *se = NULL;
	struct hist *hi = NULL;
	double s = (double)dur_us / 1e6;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->ns && !se; i++)
		if (m->s[i].status == status && m->s[i].route == route && m->s[i].method == method)
			se = &m->s[i];
	if (se == NULL) {
		if (m->ns == m->caps) {
			m->caps = m->caps ? m->caps * 2 : 64;
			m->s = xrealloc(m->s, m->caps * sizeof(*m->s));
		}
		se = &m->s[m->ns++];
		*se = (struct series){ method, route, status, 0 };
	}
	se->count++;
	for (size_t i = 0; i < m->nh && !hi; i++)
		if (m->h[i].route == route && m->h[i].method == method)
			hi = &m->h[i];
	if (hi == NULL) {
		if (m->nh == m->caph) {
			m->caph = m->caph ? m->caph * 2 : 64;
			m->h = xrealloc(m->h, m->caph * sizeof(*m->h));
		}
		hi = &m->h[m->nh++];
		memset(hi, 0, sizeof(*hi));
		hi->method = method;
		hi->route = route;
	}
	for (size_t i = 0; i < NBUCKETS; i++)
		if (s <= bucket_s[i])
			hi->bucket[i]++;
	hi->count++;
	hi->sum_s += s;
	pthread_mutex_unlock(&m->lock);
}

void metrics_render(struct metrics *m, struct buf *out)
{
	pthread_mutex_lock(&m->lock);
	buf_adds(out, "# HELP anjian_http_requests_total HTTP requests answered, by route and "
		      "status.\n# TYPE anjian_http_requests_total counter\n");
	for (size_t i = 0; i < m->ns; i++)
		buf_addf(out,
			 "anjian_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} "
			 "%llu\n",
			 m->s[i].method, m->s[i].route, m->s[i].status,
			 (unsigned long long)m->s[i].count);
	buf_adds(out, "# HELP anjian_http_request_duration_seconds Time to answer, by route.\n"
		      "# TYPE anjian_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < m->nh; i++) {
		const struct hist *h = &m->h[i];

		for (size_t b = 0; b < NBUCKETS; b++)
			buf_addf(out,
				 "anjian_http_request_duration_seconds_bucket{method=\"%s\",route="
				 "\"%s\",le=\"%g\"} %llu\n",
				 h->method, h->route, bucket_s[b],
				 (unsigned long long)h->bucket[b]);
		buf_addf(out,
			 "anjian_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
			 "le=\"+Inf\"} %llu\n",
			 h->method, h->route, (unsigned long long)h->count);
		buf_addf(out,
			 "anjian_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} "
			 "%.6f\n",
			 h->method, h->route, h->sum_s);
		buf_addf(out,
			 "anjian_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
			 "%llu\n",
			 h->method, h->route, (unsigned long long)h->count);
	}
	pthread_mutex_unlock(&m->lock);
}
