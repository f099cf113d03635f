/* SPDX-License-Identifier: MIT */
/*
 * Gorilla-style chunk encoder and decoder (tsz.h gives the format). Bits are written most
 * significant first; each byte is zeroed when the stream first reaches it, so the buffer
 * needs no clearing and padding is always zero. Time arithmetic is done in uint64_t
 * (wrapping), which makes any int64 sequence round-trip exactly.
 */
#include "monitor/tsz.h"

#include <string.h>

#include "core/err.h"
#include "core/banned.h"

/* The delta-of-delta buckets: prefix, its length, field bits, low end of the range. */
static const struct {
	uint8_t prefix, prefix_bits, bits;
	int16_t lo;
} dod_bucket[3] = {
	{ 0x2, 2, 7, -63 },    /* '10' */
	{ 0x6, 3, 9, -255 },   /* '110' */
	{ 0xe, 4, 12, -2047 }, /* '1110' */
};

static void put(struct tsz_writer *w, uint64_t v, unsigned n)
{
	while (n > 0) {
		size_t at = TSZ_HEADER_BYTES + w->bits / 8;
		unsigned used = (unsigned)(w->bits % 8), room = 8 - used;
		unsigned take = n < room ? n : room;
		uint8_t part = (uint8_t)((v >> (n - take)) & ((1u << take) - 1));

		if (used == 0)
			w->buf[at] = 0;
		w->buf[at] |= (uint8_t)(part << (room - take));
		w->bits += take;
		n -= take;
	}
}

/* Reads n (<= 64) bits into *v. Returns 0, or -1 past the end. */
static int get(struct tsz_reader *r, unsigned n, uint64_t *v)
{
	uint64_t x = 0;

	if (r->len_bits - r->pos < n)
		return -1;
	while (n > 0) {
		uint8_t byte = r->buf[TSZ_HEADER_BYTES + r->pos / 8];
		unsigned used = (unsigned)(r->pos % 8), room = 8 - used;
		unsigned take = n < room ? n : room;

		x = (x << take) | ((uint64_t)(byte >> (room - take)) & ((1u << take) - 1));
		r->pos += take;
		n -= take;
	}
	*v = x;
	return 0;
}

static uint64_t dbl_bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static double bits_dbl(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

int tsz_writer_init(struct tsz_writer *w, uint8_t *buf, size_t cap)
{
	if (!buf || cap < TSZ_CHUNK_MIN || cap > TSZ_CHUNK_MAX)
		return ERR_INVALID;
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap_bits = (cap - TSZ_HEADER_BYTES) * 8;
	w->trail = 64;
	buf[0] = TSZ_VERSION;
	buf[1] = buf[2] = 0;
	return 0;
}

static void put_time(struct tsz_writer *w, int64_t t)
{
	uint64_t delta = (uint64_t)t - (uint64_t)w->t_prev;
	uint64_t dod_u = delta - w->delta_prev;
	int64_t dod = (int64_t)dod_u;

	w->t_prev = t;
	w->delta_prev = delta;
	if (dod == 0) {
		put(w, 0, 1);
		return;
	}
	for (int i = 0; i < 3; i++) {
		int64_t lo = dod_bucket[i].lo, hi = -lo + 1;

		if (dod >= lo && dod <= hi) {
			put(w, dod_bucket[i].prefix, dod_bucket[i].prefix_bits);
			put(w, (uint64_t)(dod - lo), dod_bucket[i].bits);
			return;
		}
	}
	put(w, 0xf, 4);
	put(w, dod_u, 64);
}

static void put_value(struct tsz_writer *w, uint64_t u)
{
	uint64_t x = u ^ w->v_prev;
	unsigned lead, trail, len;

	w->v_prev = u;
	if (x == 0) {
		put(w, 0, 1);
		return;
	}
	lead = (unsigned)__builtin_clzll(x);
	trail = (unsigned)__builtin_ctzll(x);
	if (lead > 31)
		lead = 31;
	if (w->trail != 64 && lead >= w->lead && trail >= w->trail) {
		put(w, 0x2, 2);
		put(w, x >> w->trail, 64u - w->lead - w->trail);
		return;
	}
	len = 64 - lead - trail;
	put(w, 0x3, 2);
	put(w, lead, 5);
	put(w, len & 63, 6); /* 64 is written as 0 */
	put(w, x >> trail, len);
	w->lead = (uint8_t)lead;
	w->trail = (uint8_t)trail;
}

int tsz_append(struct tsz_writer *w, int64_t t_ms, double v)
{
	if (w->count >= TSZ_POINTS_MAX || w->bits + TSZ_POINT_BITS_MAX > w->cap_bits)
		return ERR_TOO_MANY;
	if (w->count == 0) {
		put(w, (uint64_t)t_ms, 64);
		put(w, dbl_bits(v), 64);
		w->t_prev = t_ms;
		w->delta_prev = 0;
		w->v_prev = dbl_bits(v);
	} else {
		put_time(w, t_ms);
		put_value(w, dbl_bits(v));
	}
	w->count++;
	w->buf[1] = (uint8_t)(w->count & 0xff);
	w->buf[2] = (uint8_t)(w->count >> 8);
	return 0;
}

size_t tsz_writer_len(const struct tsz_writer *w)
{
	return TSZ_HEADER_BYTES + (w->bits + 7) / 8;
}

int tsz_reader_init(struct tsz_reader *r, const uint8_t *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	if (!buf || len < TSZ_HEADER_BYTES || len > TSZ_CHUNK_MAX || buf[0] != TSZ_VERSION)
		return ERR_INVALID;
	r->buf = buf;
	r->len_bits = (len - TSZ_HEADER_BYTES) * 8;
	r->count = (uint32_t)buf[1] | (uint32_t)buf[2] << 8;
	r->trail = 64;
	return r->count == 0 ? ERR_INVALID : 0;
}

static int get_time(struct tsz_reader *r, int64_t *t)
{
	uint64_t bit, f, dod = 0;
	int i;

	if (get(r, 1, &bit) < 0)
		return -1;
	if (bit == 1) {
		/* Count further 1 bits of the prefix: '10', '110', '1110', '1111'. */
		for (i = 0; i < 3; i++) {
			if (get(r, 1, &bit) < 0)
				return -1;
			if (bit == 0)
				break;
		}
		if (i < 3) {
			if (get(r, dod_bucket[i].bits, &f) < 0)
				return -1;
			dod = (uint64_t)((int64_t)f + dod_bucket[i].lo);
		} else if (get(r, 64, &dod) < 0) {
			return -1;
		}
	}
	r->delta_prev += dod;
	r->t_prev = (int64_t)((uint64_t)r->t_prev + r->delta_prev);
	*t = r->t_prev;
	return 0;
}

static int get_value(struct tsz_reader *r, double *v)
{
	uint64_t bit, lead, len, x;

	if (get(r, 1, &bit) < 0)
		return -1;
	if (bit == 1) {
		if (get(r, 1, &bit) < 0)
			return -1;
		if (bit == 1) {
			if (get(r, 5, &lead) < 0 || get(r, 6, &len) < 0)
				return -1;
			if (len == 0)
				len = 64;
			if (lead + len > 64)
				return -1;
			r->lead = (uint8_t)lead;
			r->trail = (uint8_t)(64 - lead - len);
		} else if (r->trail == 64) {
			return -1; /* window reuse before any window */
		}
		len = 64u - r->lead - r->trail;
		if (get(r, (unsigned)len, &x) < 0)
			return -1;
		r->v_prev ^= x << r->trail;
	}
	*v = bits_dbl(r->v_prev);
	return 0;
}

int tsz_next(struct tsz_reader *r, int64_t *t_ms, double *v)
{
	uint64_t t0, v0;

	if (r->done >= r->count)
		return 0;
	if (r->done == 0) {
		if (get(r, 64, &t0) < 0 || get(r, 64, &v0) < 0)
			return ERR_INVALID;
		r->t_prev = (int64_t)t0;
		r->delta_prev = 0;
		r->v_prev = v0;
		*t_ms = r->t_prev;
		*v = bits_dbl(v0);
	} else if (get_time(r, t_ms) < 0 || get_value(r, v) < 0) {
		return ERR_INVALID;
	}
	r->done++;
	return 1;
}
