/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of the readings payload decoder (src/monitor/payload.c), built with
 * clang-14 -fsanitize=fuzzer,address,undefined by tests/meson.build and run briefly by
 * `make test` (tests/fuzz/run_fuzz.sh). Each input is decoded as a batch object and as
 * NDJSON, from a copy of exactly its size so that any read past the end is caught. The
 * oracle, besides the sanitizers: whatever the decoder accepts as a batch, jansson
 * accepts too (strict RFC 8259 is what both claim); a rejection names a field and a
 * position inside the input; an accepted reading has quality 0..2 and NaN only with 2.
 */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "monitor/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Tags starting "GT-" are known (id = their length); the rest are unknown. */
static int resolve(void *ctx, const char *tag, size_t len, int64_t *id)
{
	(void)ctx;
	if (len >= 3 && memcmp(tag, "GT-", 3) == 0) {
		*id = (int64_t)len;
		return 0;
	}
	return ERR_NOT_FOUND;
}

static void check(int rc, const struct payload_out *o, const struct errmsg *e, size_t size)
{
	if (rc == 0) {
		for (size_t k = 0; k < o->n; k++) {
			if (o->r[k].quality > 2 || (isnan(o->r[k].value) && o->r[k].quality != 2))
				abort();
			if (o->r[k].point_id < 3 || o->r[k].point_id > PAYLOAD_TAG_MAX)
				abort();
		}
		return;
	}
	if (rc != ERR_INVALID && rc != ERR_TOO_MANY)
		abort();
	if (o->n || o->unknown || o->offset > size || o->line < 1 || !e->field[0] || !e->text[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	struct payload_out o = { 0 };
	struct errmsg e = { { 0 }, { 0 } };
	int rc = payload_decode_batch(copy, size, 1764460800000LL, resolve, NULL, &o, &e);
	check(rc, &o, &e, size);
	if (rc == 0 && !memmem(copy, size, "\\u0000", 6)) {
		/* jansson refuses NUL in object keys, a limit of its own, not of RFC 8259. */
		json_error_t je;
		json_t *j = json_loadb(copy, size, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &je);
		if (!j)
			abort();
		json_decref(j);
	}
	memset(&e, 0, sizeof e);
	rc = payload_decode_ndjson(copy, size, 1764460800000LL, resolve, NULL, &o, &e);
	check(rc, &o, &e, size);
	payload_free(&o);
	free(copy);
	return 0;
}
