/* SPDX-License-Identifier: MIT */
/*
 * A time-series chunk codec in the manner of Gorilla (Pelkonen et al., "Gorilla: a fast,
 * scalable, in-memory time series database", VLDB 2015, §4.1): one point's (time, value)
 * pairs packed into a bounded byte buffer, timestamps as delta-of-delta, doubles as the
 * XOR with the previous value. The storage layer (issue 6 §5) writes such chunks as blobs;
 * this file only encodes and decodes. Pure, no allocation: the caller owns the buffer.
 *
 * Chunk format (version 1; docs/monitoring.md "Chunk format"):
 *   byte 0       version, 1
 *   bytes 1..2   point count, unsigned little-endian (1..TSZ_POINTS_MAX)
 *   bytes 3..    bit stream, most significant bit of each byte first, zero-padded:
 *     point 0    time: 64 bits two's complement; value: 64 bits IEEE-754 pattern
 *     point i>0  time: delta-of-delta D = (t_i - t_{i-1}) - (t_{i-1} - t_{i-2}) (the delta
 *                before point 1 is 0), wrapping 64-bit arithmetic, as
 *                  '0'                       D = 0
 *                  '10'   + 7 bits           D in [-63, 64]
 *                  '110'  + 9 bits           D in [-255, 256]
 *                  '1110' + 12 bits          D in [-2047, 2048]
 *                  '1111' + 64 bits          otherwise
 *                (an n-bit field holds D minus its range's low end: 0 .. 2^n - 1;
 *                the 64-bit one D itself);
 *                value: X = bits(v_i) XOR bits(v_{i-1}):
 *                  '0'                       X = 0
 *                  '10' + the meaningful bits in the previous window, when X's leading
 *                         and trailing zero counts are >= the window's
 *                  '11' + 5 bits leading zeros (capped at 31) + 6 bits length (64 as 0)
 *                       + the meaningful bits; this becomes the window.
 * Any int64 times (unordered, negative, far apart) and any doubles (NaN payloads, -0,
 * infinities) round-trip bit-identically.
 */
#ifndef MONITOR_TSZ_H
#define MONITOR_TSZ_H

#include <stddef.h>
#include <stdint.h>

#define TSZ_VERSION	 1
#define TSZ_HEADER_BYTES 3
/* Most points a chunk holds (the 16-bit count). */
#define TSZ_POINTS_MAX 65535
/* Worst case bits of one point (4 + 64 time, 2 + 5 + 6 + 64 value). */
#define TSZ_POINT_BITS_MAX 145
/* Smallest and largest chunk buffers accepted. */
#define TSZ_CHUNK_MIN (TSZ_HEADER_BYTES + (TSZ_POINT_BITS_MAX + 7) / 8)
#define TSZ_CHUNK_MAX (1u << 20)

/* The encoder's state; buf is borrowed, owned by the caller. */
struct tsz_writer {
	uint8_t *buf;
	size_t cap_bits; /* bit-stream capacity */
	size_t bits;	 /* bit-stream length */
	uint32_t count;
	uint8_t lead, trail; /* the current XOR window (trail 64 = none yet) */
	int64_t t_prev;
	uint64_t delta_prev;
	uint64_t v_prev;
};

/* The decoder's state; buf is borrowed. */
struct tsz_reader {
	const uint8_t *buf;
	size_t len_bits;
	size_t pos;
	uint32_t count, done;
	uint8_t lead, trail;
	int64_t t_prev;
	uint64_t delta_prev;
	uint64_t v_prev;
};

/*
 * Starts an empty chunk in buf[0..cap). cap must be TSZ_CHUNK_MIN..TSZ_CHUNK_MAX.
 * Returns 0 or ERR_INVALID. Writes the header now (count 0).
 */
int tsz_writer_init(struct tsz_writer *w, uint8_t *buf, size_t cap);

/*
 * Appends (t_ms, v). Returns 0, or ERR_TOO_MANY when the chunk is full: the worst case
 * of one more point might not fit in cap, or it holds TSZ_POINTS_MAX points. A full chunk
 * is left unchanged and complete; start a new one.
 */
int tsz_append(struct tsz_writer *w, int64_t t_ms, double v);

/* Bytes of the chunk so far (header and padded bit stream): what to store. */
size_t tsz_writer_len(const struct tsz_writer *w);

/*
 * Opens the chunk buf[0..len) for reading. Returns 0, or ERR_INVALID for a short buffer,
 * an unknown version or a count of 0.
 */
int tsz_reader_init(struct tsz_reader *r, const uint8_t *buf, size_t len);

/*
 * Decodes the next point into *t_ms, *v. Returns 1 with a point, 0 at the end of the
 * chunk, or ERR_INVALID when the bit stream ends early or is malformed (never reads past
 * len).
 */
int tsz_next(struct tsz_reader *r, int64_t *t_ms, double *v);

#endif
