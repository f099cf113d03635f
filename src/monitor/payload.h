/* SPDX-License-Identifier: MIT */
/*
 * The readings payload decoder (issue 6 §3, docs/ingestion.md "Payload"): the one JSON
 * shape every ingestion path carries, decoded straight into the write-ahead log's
 * records (struct wal_reading) without building a JSON tree, because decoding is on the
 * hot path of every reading (aim: decode + evaluate >= 5M readings/s per core).
 *
 *   batch:  {"readings":[{"tag":"GT-101","ts":1764460800123,"v":12.5,"q":0}, ...]}
 *   NDJSON: one reading object per line: {"tag":"GT-101","ts":1764460800123,"v":12.5}
 *
 * A reading: tag (string, required, 1..PAYLOAD_TAG_MAX bytes after unescaping), ts
 * (integer UTC ms >= 0, optional or null: the arrival time), v (number, or null = bad
 * value, required), q (optional 0 good, 1 uncertain, 2 bad; v null forces 2). Members
 * of other names are skipped (validated, not used); a member given twice is an error.
 *
 * What it accepts is strict RFC 8259: UTF-8 text (no BOM), the four whitespace
 * characters, strings without raw control characters, with the escapes of §7 (\u
 * surrogates must pair), numbers of the §6 grammar, nesting at most PAYLOAD_DEPTH_MAX,
 * nothing after the value but whitespace. Anything else is rejected with the field, a
 * reason, and the line and byte offset; nothing is returned for a rejected payload.
 * A reading whose tag the resolver does not know is not an error: it is counted.
 */
#ifndef MONITOR_PAYLOAD_H
#define MONITOR_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "monitor/wal.h"

/* Longest tag (bytes of UTF-8 after unescaping) a reading may name. */
#define PAYLOAD_TAG_MAX 128
/* Deepest nesting of arrays/objects accepted (the batch object is level 1). */
#define PAYLOAD_DEPTH_MAX 32
/* Longest number literal accepted (characters). */
#define PAYLOAD_NUMBER_MAX 64

/*
 * Resolves a tag (tag[0..len), not NUL-terminated, valid UTF-8) to its point. Returns 0
 * with *point_id, or ERR_NOT_FOUND (counted as unknown); any other negative value stops
 * the decode and is returned by it. monitor_resolve() fits, with the enterprise bound
 * by the caller.
 */
typedef int (*payload_resolve_fn)(void *ctx, const char *tag, size_t len, int64_t *point_id);

/* The decoded readings: grown by the decoder (xrealloc), reusable, freed by payload_free. */
struct payload_out {
	struct wal_reading *r;
	size_t n; /* readings decoded with a known tag */
	size_t cap;
	size_t unknown;			       /* readings with a tag the resolver did not know */
	char unknown_tag[PAYLOAD_TAG_MAX + 1]; /* the first such tag, for the log; "" none */
	size_t line;			       /* error: 1-based line of the offending byte */
	size_t offset;			       /* error: 0-based byte offset of it */
};

/*
 * Decodes a batch object s[0..len) into out (out->n reset to 0 first). Readings without
 * ts get arrival_ms. Returns 0; ERR_INVALID with err->field ("readings[3].v", "body")
 * and err->text the reason, out->line/offset the position, out->n 0; ERR_TOO_MANY when
 * more than WAL_BATCH_MAX readings; or the resolver's error.
 */
int payload_decode_batch(const char *s, size_t len, int64_t arrival_ms, payload_resolve_fn fn,
			 void *ctx, struct payload_out *out, struct errmsg *err);

/*
 * Decodes NDJSON s[0..len): one reading object per line ("\n" or "\r\n"; blank lines
 * are skipped). Errors as payload_decode_batch, the field named "line 4.v".
 */
int payload_decode_ndjson(const char *s, size_t len, int64_t arrival_ms, payload_resolve_fn fn,
			  void *ctx, struct payload_out *out, struct errmsg *err);

/* Frees out's array (not out). NULL-safe. */
void payload_free(struct payload_out *out);

#endif
