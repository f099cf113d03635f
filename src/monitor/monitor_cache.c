/* SPDX-License-Identifier: MIT */
/*
 * The monitoring runtime's point cache (monitor_int.h): a string hash map for tags and credit codes,
 * the sorted point id set, loading and removing points.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "monitor/live.h"
#include "monitor/monitor.h"
#include "monitor/monitor_db.h"
#include "monitor/store.h"
#include "monitor/monitor_int.h"
#include "core/banned.h"

#define LOG_MODULE "monitor"

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

struct snode *mrt_smap_find(const struct smap *m, const char *k, size_t n)
{
	uint64_t h;

	if (m->nb == 0)
		return NULL;
	h = hash_bytes(k, n);
	for (struct snode *e = m->b[h % m->nb]; e; e = e->next)
		if (e->h == h && e->len == n && memcmp(e->key, k, n) == 0)
			return e;
	return NULL;
}

static void smap_grow(struct smap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64;
	struct snode **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < m->nb; i++)
		for (struct snode *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			e->next = b[e->h % nb];
			b[e->h % nb] = e;
		}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

/* Adds one holder of k: a new key gets val, an existing one counts one more. */
static void smap_add(struct smap *m, const char *k, size_t n, int64_t val)
{
	struct snode *e = mrt_smap_find(m, k, n);

	if (e) {
		e->count++;
		return;
	}
	if (m->n + 1 > m->nb)
		smap_grow(m);
	e = xmalloc(sizeof(*e) + n + 1);
	e->h = hash_bytes(k, n);
	e->val = val;
	e->count = 1;
	e->len = n;
	memcpy(e->key, k, n);
	e->key[n] = '\0';
	e->next = m->b[e->h % m->nb];
	m->b[e->h % m->nb] = e;
	m->n++;
}

/* Removes one holder of k; returns the node when holders remain, else NULL. */
static struct snode *smap_del(struct smap *m, const char *k, size_t n)
{
	uint64_t h;
	struct snode **pp;

	if (m->nb == 0)
		return NULL;
	h = hash_bytes(k, n);
	for (pp = &m->b[h % m->nb]; *pp; pp = &(*pp)->next) {
		struct snode *e = *pp;

		if (e->h == h && e->len == n && memcmp(e->key, k, n) == 0) {
			if (--e->count > 0)
				return e;
			*pp = e->next;
			free(e);
			m->n--;
			return NULL;
		}
	}
	return NULL;
}

void mrt_smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct snode *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			free(e);
		}
	free(m->b);
	memset(m, 0, sizeof(*m));
}

size_t mrt_ent_tag_key(char *out, size_t cap, int64_t ent, const char *tag, size_t len)
{
	/* "<ent>:<tag>", the decimal written by hand: this runs once per decoded reading */
	char d[24];
	size_t nd = 0, k = 0;
	uint64_t u = ent < 0 ? (uint64_t)0 - (uint64_t)ent : (uint64_t)ent;

	do {
		d[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if ((ent < 0 ? 1 : 0) + nd + 1 + len >= cap)
		return 0;
	if (ent < 0)
		out[k++] = '-';
	while (nd)
		out[k++] = d[--nd];
	out[k++] = ':';
	memcpy(out + k, tag, len);
	out[k + len] = '\0';
	return k + len;
}

struct mpoint *mrt_point_get(const struct monitor *m, int64_t id)
{
	if (m->nids == 0)
		return NULL;
	for (struct mpoint *p = m->ids[(uint64_t)id % m->nids]; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static void ids_grow(struct monitor *m)
{
	size_t nb = m->nids ? m->nids * 2 : 256;
	struct mpoint **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < m->nids; i++)
		for (struct mpoint *p = m->ids[i], *nx; p; p = nx) {
			nx = p->next;
			p->next = b[(uint64_t)p->id % nb];
			b[(uint64_t)p->id % nb] = p;
		}
	free(m->ids);
	m->ids = b;
	m->nids = nb;
}

/* Registers the resolve keys of p (rw write-locked). */
void mrt_keys_add(struct monitor *m, struct mpoint *p)
{
	char k[600];
	size_t n = mrt_ent_tag_key(k, sizeof(k), p->enterprise_id, p->tag, strlen(p->tag));

	if (n)
		smap_add(&m->tags, k, n, p->id);
	smap_add(&m->tag1, p->tag, strlen(p->tag), p->id);
	smap_add(&m->uscc, p->uscc, strlen(p->uscc), p->enterprise_id);
}

void mrt_keys_del(struct monitor *m, struct mpoint *p)
{
	char k[600];
	size_t n = mrt_ent_tag_key(k, sizeof(k), p->enterprise_id, p->tag, strlen(p->tag));
	struct snode *left;

	if (n)
		smap_del(&m->tags, k, n);
	left = smap_del(&m->tag1, p->tag, strlen(p->tag));
	if (left && left->count == 1) /* the tag is unique again: find its remaining holder */
		for (size_t i = 0; i < m->npts; i++)
			if (m->pts[i] != p && strcmp(m->pts[i]->tag, p->tag) == 0)
				left->val = m->pts[i]->id;
	smap_del(&m->uscc, p->uscc, strlen(p->uscc));
}

void mrt_point_free(struct mpoint *p)
{
	if (p == NULL)
		return;
	free(p->tag);
	free(p->name);
	free(p->ent_name);
	free(p->uscc);
	free(p);
}

/* Inserts p into the cache (mu held; rw write-locked by the caller when running). */
void mrt_point_insert(struct monitor *m, struct mpoint *p)
{
	if (m->npts + 1 > m->nids)
		ids_grow(m);
	p->next = m->ids[(uint64_t)p->id % m->nids];
	m->ids[(uint64_t)p->id % m->nids] = p;
	if (m->npts == m->cappts) {
		m->cappts = m->cappts ? m->cappts * 2 : 256;
		m->pts = xrealloc(m->pts, m->cappts * sizeof(*m->pts));
	}
	p->idx = m->npts;
	m->pts[m->npts++] = p;
	mrt_keys_add(m, p);
	m->stats.points = m->npts;
}

void mrt_point_remove(struct monitor *m, struct mpoint *p)
{
	struct mpoint **pp = &m->ids[(uint64_t)p->id % m->nids];

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	mrt_keys_del(m, p);
	mrt_dirty_del(m, p);
	m->pts[p->idx] = m->pts[m->npts - 1];
	m->pts[p->idx]->idx = p->idx;
	m->npts--;
	m->stats.points = m->npts;
	mrt_point_free(p);
}

/* A new cache entry from a row whose configuration passed alarm_cfg_check. */
struct mpoint *mrt_point_new(const struct mon_point_row *r, int64_t now)
{
	struct mpoint *p = xcalloc(1, sizeof(*p));

	p->id = r->id;
	p->enterprise_id = r->enterprise_id;
	p->tag = xstrdup(r->tag ? r->tag : "");
	p->name = xstrdup(r->name ? r->name : "");
	p->ent_name = xstrdup(r->enterprise_name ? r->enterprise_name : "");
	p->uscc = xstrdup(r->uscc ? r->uscc : "");
	p->cfg = r->cfg;
	alarm_point_init(&p->p, now);
	p->since_ms = INT64_MIN;
	return p;
}

int mrt_cfg_ok(const struct mon_point_row *r)
{
	struct errmsg why = { 0 };

	if (alarm_cfg_check(&r->cfg, &why) < 0) {
		log_warn("monitoring point %" PRId64 " (%s) skipped: invalid alarm configuration: "
			 "%s %s",
			 r->id, r->tag ? r->tag : "", why.field, why.text);
		return 0;
	}
	return 1;
}

int mrt_load_row(void *ctx, const struct mon_point_row *r)
{
	struct monitor *m = ctx;

	if (mrt_cfg_ok(r))
		mrt_point_insert(m, mrt_point_new(r, mrt_now(m)));
	return 0;
}
