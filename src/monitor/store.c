/* SPDX-License-Identifier: MIT */
/*
 * The readings store: group commit over the write-ahead log, per-point buffers, chunk and
 * minute flushes into SQLite, replay on open, queries. See store.h and docs/monitoring.md
 * "Store". SQL lives here (the store is its own _db layer: it owns one connection).
 *
 * Chunk blob (version 1): u8 version = 1; varint L, then L bytes of tsz chunk (times and
 * values); varint R quality runs, each varint run length + u8 quality; then one varint per
 * reading in the chunk's (source time, seq) order: the zigzag of seq minus the previous seq
 * (the first: minus the row's seq_min column). Varints are LEB128 (7 bits a byte, low first).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "monitor/store.h"
#include "monitor/tsz.h"
#include "monitor/wal.h"
#include "core/banned.h"

#define LOG_MODULE "store"

#define MINUTE_MS    60000LL
#define BLOB_VERSION 1

/* One buffered reading. */
struct brow {
	int64_t t;
	uint64_t seq;
	double v;
	uint8_t q;
};

/* The buffer of one point. */
struct pbuf {
	int64_t point_id;
	uint64_t flushed_seq; /* every reading with seq <= this is in SQLite */
	int64_t first_ms;     /* wall time of the oldest buffered reading's arrival */
	size_t n, cap;
	struct brow *r;
};

struct store {
	/*
	 * Protects everything below and the SQLite connection; released only by the
	 * group-commit leader around fdatasync(). Lock order: the only lock of the store.
	 */
	pthread_mutex_t mu;
	pthread_cond_t synced; /* signalled when a leader's fdatasync() ends */
	struct store_config cfg;
	struct db *db;
	struct wal *wal;
	uint64_t next_seq;
	uint64_t written_pos; /* bytes written to the log since open (all segments) */
	uint64_t synced_pos;  /* of which known to be on disk */
	bool syncing;	      /* a leader is in fdatasync() */
	bool replaying;
	int failed; /* sticky error after a failed sync or flush, 0 if none */
	/* open addressing hash point_id -> pbuf, and the list of buffers */
	struct pbuf **slots;
	size_t nslots;
	struct pbuf **bufs;
	size_t nbufs, capbufs;
	struct store_stats stats;
	/* flush scratch */
	uint8_t *blob;
	size_t blob_cap;
};

void store_config_defaults(struct store_config *c)
{
	memset(c, 0, sizeof(*c));
	c->segment_bytes = 64LL << 20;
	c->chunk_points = 1024;
	c->flush_age_ms = 10 * 60 * 1000;
	c->retention_raw_days = 30;
	c->retention_minute_days = 730;
}

/* ---- per-point buffers ---- */

static size_t hash_id(int64_t id, size_t nslots)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 17) & (nslots - 1);
}

static void slots_grow(struct store *st)
{
	size_t n = st->nslots ? st->nslots * 2 : 1024;

	free(st->slots);
	st->slots = xcalloc(n, sizeof(*st->slots));
	st->nslots = n;
	for (size_t i = 0; i < st->nbufs; i++) {
		size_t h = hash_id(st->bufs[i]->point_id, n);

		while (st->slots[h] != NULL)
			h = (h + 1) & (n - 1);
		st->slots[h] = st->bufs[i];
	}
}

/* Returns: the buffer of point_id, borrowed, created empty when missing. */
static struct pbuf *pbuf_get(struct store *st, int64_t point_id)
{
	struct pbuf *pb;
	size_t h;

	if (st->nslots > 0) {
		for (h = hash_id(point_id, st->nslots); st->slots[h] != NULL;
		     h = (h + 1) & (st->nslots - 1))
			if (st->slots[h]->point_id == point_id)
				return st->slots[h];
	}
	if ((st->nbufs + 1) * 2 > st->nslots)
		slots_grow(st);
	pb = xcalloc(1, sizeof(*pb));
	pb->point_id = point_id;
	if (st->nbufs == st->capbufs) {
		st->capbufs = st->capbufs ? st->capbufs * 2 : 1024;
		st->bufs = xrealloc(st->bufs, st->capbufs * sizeof(*st->bufs));
	}
	st->bufs[st->nbufs++] = pb;
	for (h = hash_id(point_id, st->nslots); st->slots[h] != NULL;
	     h = (h + 1) & (st->nslots - 1))
		;
	st->slots[h] = pb;
	return pb;
}

/* Returns: the buffer of point_id or NULL, borrowed. */
static struct pbuf *pbuf_find(struct store *st, int64_t point_id)
{
	if (st->nslots == 0)
		return NULL;
	for (size_t h = hash_id(point_id, st->nslots); st->slots[h] != NULL;
	     h = (h + 1) & (st->nslots - 1))
		if (st->slots[h]->point_id == point_id)
			return st->slots[h];
	return NULL;
}

static int cmp_brow(const void *a, const void *b)
{
	const struct brow *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int64_t minute_of(int64_t t)
{
	int64_t m = t / MINUTE_MS;

	if (t % MINUTE_MS != 0 && t < 0)
		m--;
	return m * MINUTE_MS;
}

/* ---- chunk blobs ---- */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t k = 0;

	while (v >= 0x80) {
		p[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[k++] = (uint8_t)v;
	return k;
}

static int get_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (*off >= len)
			return ERR_INVALID;
		b = p[(*off)++];
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return ERR_INVALID;
}

/* Encodes r[0..n) (sorted) into st->blob; returns its length. */
static size_t blob_encode(struct store *st, const struct brow *r, size_t n, uint64_t seq_min)
{
	size_t tsz_cap = TSZ_HEADER_BYTES + (n * TSZ_POINT_BITS_MAX + 7) / 8 + 8;
	size_t need = 1 + 10 + tsz_cap + 10 + n * 11 + n * 10;
	struct tsz_writer w;
	uint8_t *tsz;
	size_t off, tlen, runs = 0, tsz_off;

	if (need > st->blob_cap) {
		st->blob_cap = need;
		st->blob = xrealloc(st->blob, need);
	}
	/* encode the tsz part after room for its length varint, then move it down */
	tsz_off = 1 + 10;
	tsz = st->blob + tsz_off;
	if (tsz_cap < TSZ_CHUNK_MIN)
		tsz_cap = TSZ_CHUNK_MIN;
	if (tsz_writer_init(&w, tsz, tsz_cap) < 0)
		abort(); /* cap within TSZ_CHUNK_MIN..MAX by the chunk_points bound */
	for (size_t i = 0; i < n; i++)
		if (tsz_append(&w, r[i].t, r[i].v) < 0)
			abort(); /* sized for the worst case */
	tlen = tsz_writer_len(&w);
	st->blob[0] = BLOB_VERSION;
	off = 1 + put_varint(st->blob + 1, tlen);
	memmove(st->blob + off, tsz, tlen);
	off += tlen;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || r[i].q != r[i - 1].q)
			runs++;
	off += put_varint(st->blob + off, runs);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && r[j].q == r[i].q)
			j++;
		off += put_varint(st->blob + off, j - i);
		st->blob[off++] = r[i].q;
		i = j;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t d = (int64_t)(r[i].seq - (i == 0 ? seq_min : r[i - 1].seq));

		off += put_varint(st->blob + off, ((uint64_t)d << 1) ^ (uint64_t)(d >> 63));
	}
	return off;
}

/* Decodes a chunk blob, appending its readings in [from, to) to *rows. */
static int blob_decode(const uint8_t *p, size_t len, uint64_t seq_min, int64_t n_expect,
		       int64_t from, int64_t to, struct store_row **rows, size_t *n, size_t *cap)
{
	struct tsz_reader rd;
	uint64_t tlen, runs, run_left = 0;
	size_t off = 1, qoff, soff;
	uint64_t seq = seq_min;
	uint8_t q = 0;
	int rc;

	if (len < 1 || p[0] != BLOB_VERSION || get_varint(p, len, &off, &tlen) < 0 ||
	    tlen > len - off)
		return ERR_INVALID;
	if (tsz_reader_init(&rd, p + off, (size_t)tlen) < 0 || rd.count != (uint32_t)n_expect)
		return ERR_INVALID;
	qoff = off + (size_t)tlen;
	if (get_varint(p, len, &qoff, &runs) < 0)
		return ERR_INVALID;
	/* skip the quality runs to find the seqs */
	soff = qoff;
	for (uint64_t i = 0; i < runs; i++) {
		uint64_t k;

		if (get_varint(p, len, &soff, &k) < 0 || soff >= len)
			return ERR_INVALID;
		soff++;
	}
	for (int64_t i = 0; i < n_expect; i++) {
		int64_t t;
		double v;
		uint64_t ds;

		rc = tsz_next(&rd, &t, &v);
		if (rc != 1)
			return ERR_INVALID;
		if (run_left == 0) {
			if (runs-- == 0 || get_varint(p, len, &qoff, &run_left) < 0 ||
			    qoff >= len || run_left == 0)
				return ERR_INVALID;
			q = p[qoff++];
		}
		run_left--;
		if (get_varint(p, len, &soff, &ds) < 0)
			return ERR_INVALID;
		seq += (ds >> 1) ^ (0 - (ds & 1)); /* zigzag back to a signed delta */
		if (t < from || t >= to)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*rows = xrealloc(*rows, *cap * sizeof(**rows));
		}
		(*rows)[(*n)++] =
			(struct store_row){ .source_ms = t, .seq = seq, .value = v, .quality = q };
	}
	return 0;
}

/* ---- flushing ---- */

static const char SQL_CHUNK_INSERT[] =
	"INSERT INTO reading_chunk (point_id, start_ms, end_ms, seq_min, seq_max, n, data) "
	"VALUES (:point_id, :start_ms, :end_ms, :seq_min, :seq_max, :n, :data)";

static int chunk_insert(struct store *st, int64_t point_id, const struct brow *r, size_t n)
{
	struct db_stmt *s = db_stmt(st->db, SQL_CHUNK_INSERT);
	uint64_t smin = r[0].seq, smax = r[0].seq;
	size_t len;

	if (s == NULL)
		return ERR_DB;
	for (size_t i = 1; i < n; i++) {
		if (r[i].seq < smin)
			smin = r[i].seq;
		if (r[i].seq > smax)
			smax = r[i].seq;
	}
	len = blob_encode(st, r, n, smin);
	db_bind_i64(s, ":point_id", point_id);
	db_bind_i64(s, ":start_ms", r[0].t);
	db_bind_i64(s, ":end_ms", r[n - 1].t);
	db_bind_i64(s, ":seq_min", (int64_t)smin);
	db_bind_i64(s, ":seq_max", (int64_t)smax);
	db_bind_i64(s, ":n", (int64_t)n);
	db_bind_blob(s, ":data", st->blob, len);
	st->stats.chunks_flushed++;
	return db_step_done(s);
}

static const char SQL_MINUTE_UPSERT[] =
	"INSERT INTO reading_minute (point_id, minute_ms, min, max, sum, n) "
	"VALUES (:point_id, :minute_ms, :min, :max, :sum, :n) "
	"ON CONFLICT (point_id, minute_ms) DO UPDATE SET "
	"min = CASE WHEN excluded.min < reading_minute.min THEN excluded.min "
	"ELSE reading_minute.min END, "
	"max = CASE WHEN excluded.max > reading_minute.max THEN excluded.max "
	"ELSE reading_minute.max END, "
	"sum = reading_minute.sum + excluded.sum, n = reading_minute.n + excluded.n";

static int minute_upsert(struct store *st, int64_t point_id, const struct store_minute *m)
{
	struct db_stmt *s = db_stmt(st->db, SQL_MINUTE_UPSERT);

	if (s == NULL)
		return ERR_DB;
	db_bind_i64(s, ":point_id", point_id);
	db_bind_i64(s, ":minute_ms", m->minute_ms);
	db_bind_f64(s, ":min", m->min);
	db_bind_f64(s, ":max", m->max);
	db_bind_f64(s, ":sum", m->sum);
	db_bind_i64(s, ":n", m->n);
	return db_step_done(s);
}

/* Adds v to the aggregate m (NaN ignored). */
static void minute_add(struct store_minute *m, double v)
{
	if (isnan(v))
		return;
	if (m->n == 0 || v < m->min)
		m->min = v;
	if (m->n == 0 || v > m->max)
		m->max = v;
	m->sum += v;
	m->n++;
}

static const char SQL_POINT_FLUSHED[] =
	"INSERT INTO reading_point (point_id, flushed_seq) VALUES (:point_id, :seq) "
	"ON CONFLICT (point_id) DO UPDATE SET flushed_seq = excluded.flushed_seq";

static int tx_begin(struct store *st, bool *in_tx)
{
	int rc;

	if (*in_tx)
		return 0;
	rc = db_begin(st->db);
	if (rc == 0)
		*in_tx = true;
	return rc;
}

/*
 * Flushes the buffer of one point inside the caller's transaction (started on demand):
 * sorted by (source time, seq), cut into chunks of at most chunk_points readings spanning
 * at most STORE_CHUNK_SPAN_MS, minute aggregates added, flushed_seq advanced.
 */
static int pbuf_flush(struct store *st, struct pbuf *pb, bool *in_tx)
{
	uint64_t maxseq = 0;
	struct store_minute m = { 0 };
	size_t start = 0;
	int rc;

	if (pb->n == 0)
		return 0;
	rc = tx_begin(st, in_tx);
	if (rc < 0)
		return rc;
	qsort(pb->r, pb->n, sizeof(*pb->r), cmp_brow);
	for (size_t i = 0; i <= pb->n; i++) {
		if (i < pb->n && i - start < st->cfg.chunk_points &&
		    /* sorted, so the unsigned difference is exact, never an overflow */
		    (uint64_t)pb->r[i].t - (uint64_t)pb->r[start].t <=
			    (uint64_t)STORE_CHUNK_SPAN_MS)
			continue;
		rc = chunk_insert(st, pb->point_id, pb->r + start, i - start);
		if (rc < 0)
			return rc;
		start = i;
	}
	for (size_t i = 0; i < pb->n; i++) {
		int64_t mm = minute_of(pb->r[i].t);

		if (pb->r[i].seq > maxseq)
			maxseq = pb->r[i].seq;
		if (m.n > 0 && mm != m.minute_ms) {
			rc = minute_upsert(st, pb->point_id, &m);
			if (rc < 0)
				return rc;
			m = (struct store_minute){ 0 };
		}
		if (m.n == 0)
			m.minute_ms = mm;
		minute_add(&m, pb->r[i].v);
	}
	if (m.n > 0) {
		rc = minute_upsert(st, pb->point_id, &m);
		if (rc < 0)
			return rc;
	}
	{
		struct db_stmt *s = db_stmt(st->db, SQL_POINT_FLUSHED);

		if (s == NULL)
			return ERR_DB;
		db_bind_i64(s, ":point_id", pb->point_id);
		db_bind_i64(s, ":seq", (int64_t)maxseq);
		rc = db_step_done(s);
		if (rc < 0)
			return rc;
	}
	pb->flushed_seq = maxseq;
	st->stats.buffered -= pb->n;
	pb->n = 0;
	if (pb->cap > st->cfg.chunk_points * 2) {
		/* a burst of late readings grew it: give the memory back */
		free(pb->r);
		pb->r = NULL;
		pb->cap = 0;
	}
	return 0;
}

/* Ends the transaction of a series of flushes; a failure makes the store refuse writes. */
static int tx_end(struct store *st, bool in_tx, int rc)
{
	if (in_tx)
		rc = db_finish(st->db, rc);
	if (rc < 0 && !st->failed) {
		log_error("readings flush failed (%s): the store refuses writes until reopened, "
			  "which replays the log",
			  err_str(rc));
		st->failed = rc;
	}
	return rc;
}

/* Puts one reading (seq) into its point's buffer; flushes the buffer when full. */
static int apply_one(struct store *st, const struct wal_reading *r, uint64_t seq, int64_t wall_ms,
		     bool *in_tx)
{
	struct pbuf *pb = pbuf_get(st, r->point_id);

	if (seq <= pb->flushed_seq) {
		st->stats.replay_skipped++;
		return 0; /* already in SQLite: the idempotence rule of replay */
	}
	if (pb->n == pb->cap) {
		pb->cap = pb->cap ? pb->cap * 2 : 16;
		pb->r = xrealloc(pb->r, pb->cap * sizeof(*pb->r));
	}
	if (pb->n == 0)
		pb->first_ms = wall_ms;
	pb->r[pb->n++] =
		(struct brow){ .t = r->source_ms, .seq = seq, .v = r->value, .q = r->quality };
	st->stats.buffered++;
	if (st->replaying)
		st->stats.replayed++;
	if (pb->n >= st->cfg.chunk_points)
		return pbuf_flush(st, pb, in_tx);
	return 0;
}

static int apply_batch(struct store *st, const struct wal_reading *r, size_t n, uint64_t seq_first)
{
	int64_t wall = now_ms();
	bool in_tx = false;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = apply_one(st, &r[i], seq_first + i, wall, &in_tx);
	return tx_end(st, in_tx, rc);
}

static int replay_fn(void *ctx, uint64_t seq_first, const struct wal_reading *r, size_t n)
{
	struct store *st = ctx;
	bool in_tx = false;
	int64_t wall = now_ms();
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		if (seq_first + i <= st->stats.checkpoint_seq) {
			st->stats.replay_skipped++;
			continue;
		}
		rc = apply_one(st, &r[i], seq_first + i, wall, &in_tx);
	}
	rc = tx_end(st, in_tx, rc);
	if (rc == 0 && st->cfg.on_replay != NULL)
		rc = st->cfg.on_replay(st->cfg.on_replay_ctx, seq_first, r, n);
	return rc;
}

/* ---- open / close ---- */

static const char SQL_CHECKPOINT_GET[] = "SELECT seq FROM reading_checkpoint WHERE id = 1";
static const char SQL_POINTS_GET[] = "SELECT point_id, flushed_seq FROM reading_point";

int store_open(const struct store_config *cfg, struct store **out)
{
	struct store *st = NULL;
	struct db_stmt *s;
	uint64_t last = 0;
	int64_t ck = 0;
	int rc;

	*out = NULL;
	if (cfg->db_path == NULL || cfg->wal_dir == NULL || cfg->chunk_points < 16 ||
	    cfg->chunk_points > STORE_CHUNK_POINTS_MAX || cfg->segment_bytes <= 0 ||
	    cfg->flush_age_ms <= 0 || cfg->retention_raw_days <= 0 ||
	    cfg->retention_minute_days <= 0) {
		log_error("invalid readings store configuration");
		return ERR_INVALID;
	}
	st = xcalloc(1, sizeof(*st));
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->synced, NULL);
	st->cfg = *cfg;
	st->cfg.db_path = NULL; /* borrowed strings are not kept */
	st->cfg.wal_dir = NULL;
	rc = db_open(cfg->db_path, 5000, &st->db);
	if (rc < 0)
		goto out;
	s = db_stmt(st->db, SQL_CHECKPOINT_GET);
	if (s == NULL) {
		rc = ERR_DB;
		goto out;
	}
	rc = db_step_i64(s, &ck);
	if (rc == ERR_NOT_FOUND)
		rc = 0, ck = 0;
	if (rc < 0)
		goto out;
	st->stats.checkpoint_seq = (uint64_t)ck;
	s = db_stmt(st->db, SQL_POINTS_GET);
	if (s == NULL) {
		rc = ERR_DB;
		goto out;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		struct pbuf *pb = pbuf_get(st, db_col_i64(s, 0));

		pb->flushed_seq = (uint64_t)db_col_i64(s, 1);
	}
	if (rc < 0)
		goto out;
	st->replaying = true;
	rc = wal_open(cfg->wal_dir, cfg->segment_bytes, (uint64_t)ck, replay_fn, st, &st->wal,
		      &last);
	st->replaying = false;
	if (rc < 0)
		goto out;
	st->next_seq = last + 1;
	st->stats.last_seq = last;
	if (st->stats.replayed > 0 || st->stats.replay_skipped > 0)
		log_info("readings store recovered replayed=%" PRIu64 " skipped=%" PRIu64
			 " checkpoint_seq=%" PRIu64 " last_seq=%" PRIu64,
			 st->stats.replayed, st->stats.replay_skipped, st->stats.checkpoint_seq,
			 last);
	*out = st;
	st = NULL;
out:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	wal_close(st->wal);
	db_close(st->db);
	for (size_t i = 0; i < st->nbufs; i++) {
		free(st->bufs[i]->r);
		free(st->bufs[i]);
	}
	free(st->bufs);
	free(st->slots);
	free(st->blob);
	pthread_cond_destroy(&st->synced);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* ---- append with group commit ---- */

/* Waits (mu held) until no leader is in fdatasync(). */
static void wait_no_sync(struct store *st)
{
	while (st->syncing)
		pthread_cond_wait(&st->synced, &st->mu);
}

int store_append(struct store *st, const struct wal_reading *r, size_t n, uint64_t *seq_first)
{
	uint64_t first, my_pos, before;
	bool rolls;
	int rc;

	if (n == 0 || n > WAL_BATCH_MAX)
		return ERR_INVALID;
	pthread_mutex_lock(&st->mu);
	if (st->failed) {
		rc = st->failed;
		goto out;
	}
	rolls = wal_full(st->wal);
	if (rolls) {
		/* the roll syncs and closes the current fd: no leader may be using it */
		wait_no_sync(st);
		if (st->failed) {
			rc = st->failed;
			goto out;
		}
	}
	first = st->next_seq;
	before = st->written_pos;
	rc = wal_write(st->wal, first, r, n);
	if (rc < 0) {
		st->failed = rc;
		pthread_cond_broadcast(&st->synced);
		goto out;
	}
	if (rolls && before > st->synced_pos) {
		st->synced_pos = before; /* the roll synced what the old segment holds */
		pthread_cond_broadcast(&st->synced);
	}
	st->next_seq += n;
	st->stats.last_seq = st->next_seq - 1;
	st->written_pos += WAL_RECORD_HEADER + 12 + n * WAL_READING_BYTES;
	my_pos = st->written_pos;
	/*
	 * Applied before the record is synced, in seq order: a query may see the batch a few
	 * ms before it is acknowledged; if the process dies first the batch was never
	 * acknowledged (it may survive in the log all the same).
	 */
	rc = apply_batch(st, r, n, first);
	if (rc < 0)
		goto out;
	while (st->synced_pos < my_pos) {
		if (st->failed) {
			rc = st->failed;
			goto out;
		}
		if (!st->syncing) {
			uint64_t target = st->written_pos;
			int fd = wal_fd(st->wal);
			int r_sync;

			st->syncing = true;
			pthread_mutex_unlock(&st->mu);
			r_sync = fdatasync(fd);
			pthread_mutex_lock(&st->mu);
			st->syncing = false;
			st->stats.syncs++;
			if (r_sync < 0) {
				/* after a failed fdatasync the page cache state is unknown */
				log_error("cannot sync the readings log: %s: the store refuses "
					  "writes",
					  strerror(errno));
				st->failed = ERR_IO;
			} else if (target > st->synced_pos) {
				st->synced_pos = target;
			}
			pthread_cond_broadcast(&st->synced);
		} else {
			pthread_cond_wait(&st->synced, &st->mu);
		}
	}
	if (seq_first != NULL)
		*seq_first = first;
	st->stats.appended += n;
	st->stats.batches++;
	rc = 0;
out:
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int store_tick(struct store *st, int64_t now)
{
	bool in_tx = false;
	int rc = 0;

	pthread_mutex_lock(&st->mu);
	if (st->failed) {
		rc = st->failed;
		goto out;
	}
	for (size_t i = 0; i < st->nbufs && rc == 0; i++) {
		struct pbuf *pb = st->bufs[i];

		if (pb->n > 0 && pb->first_ms <= now - st->cfg.flush_age_ms)
			rc = pbuf_flush(st, pb, &in_tx);
	}
	rc = tx_end(st, in_tx, rc);
out:
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static const char SQL_CHECKPOINT_SET[] =
	"INSERT INTO reading_checkpoint (id, seq, saved_ms) VALUES (1, :seq, :now) "
	"ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, saved_ms = excluded.saved_ms";

int store_checkpoint(struct store *st)
{
	bool in_tx = false;
	uint64_t upto;
	int rc;

	pthread_mutex_lock(&st->mu);
	if (st->failed) {
		rc = st->failed;
		goto out;
	}
	wait_no_sync(st);
	/* everything applied is synced first: SQLite never holds an unsynced batch after this */
	rc = wal_sync(st->wal);
	if (rc < 0) {
		st->failed = rc;
		goto out;
	}
	st->synced_pos = st->written_pos;
	upto = st->next_seq - 1;
	/* this commit syncs SQLite's log, and with it every earlier commit of the flushes */
	rc = db_exec(st->db, "PRAGMA synchronous=FULL");
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < st->nbufs && rc == 0; i++)
		rc = pbuf_flush(st, st->bufs[i], &in_tx);
	if (rc == 0)
		rc = tx_begin(st, &in_tx);
	if (rc == 0) {
		struct db_stmt *s = db_stmt(st->db, SQL_CHECKPOINT_SET);

		if (s == NULL) {
			rc = ERR_DB;
		} else {
			db_bind_i64(s, ":seq", (int64_t)upto);
			db_bind_i64(s, ":now", now_ms());
			rc = db_step_done(s);
		}
	}
	rc = tx_end(st, in_tx, rc);
	if (db_exec(st->db, "PRAGMA synchronous=NORMAL") < 0 && rc == 0)
		rc = ERR_DB;
	if (rc < 0)
		goto out;
	st->stats.checkpoint_seq = upto;
	rc = wal_roll(st->wal);
	if (rc < 0) {
		st->failed = rc;
		goto out;
	}
	rc = wal_drop(st->wal, upto);
	if (rc > 0)
		log_debug("readings checkpoint seq=%" PRIu64 " dropped_segments=%d", upto, rc);
	rc = rc < 0 ? rc : 0;
out:
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* ---- queries ---- */

static int cmp_row(const void *a, const void *b)
{
	const struct store_row *x = a, *y = b;

	if (x->source_ms != y->source_ms)
		return x->source_ms < y->source_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char SQL_CHUNKS_GET[] =
	"SELECT seq_min, n, data FROM reading_chunk WHERE point_id = :point_id "
	"AND start_ms >= :lo AND start_ms < :to AND end_ms >= :from";

int store_read(struct store *st, int64_t point_id, int64_t from_ms, int64_t to_ms,
	       struct store_row **rows, size_t *n)
{
	struct store_row *out = NULL;
	size_t cnt = 0, cap = 0;
	struct db_stmt *s;
	struct pbuf *pb;
	int rc = 0;

	*rows = NULL;
	*n = 0;
	if (from_ms >= to_ms)
		return from_ms == to_ms ? 0 : ERR_INVALID;
	pthread_mutex_lock(&st->mu);
	s = db_stmt(st->db, SQL_CHUNKS_GET);
	if (s == NULL) {
		rc = ERR_DB;
		goto out;
	}
	db_bind_i64(s, ":point_id", point_id);
	db_bind_i64(s, ":lo",
		    from_ms < INT64_MIN + STORE_CHUNK_SPAN_MS ? INT64_MIN
							      : from_ms - STORE_CHUNK_SPAN_MS);
	db_bind_i64(s, ":to", to_ms);
	db_bind_i64(s, ":from", from_ms);
	while ((rc = db_step(s)) == DB_ROW) {
		size_t blen;
		const void *blob = db_col_blob(s, 2, &blen);

		rc = blob_decode(blob, blen, (uint64_t)db_col_i64(s, 0), db_col_i64(s, 1), from_ms,
				 to_ms, &out, &cnt, &cap);
		if (rc < 0) {
			log_error("corrupt reading chunk point=%" PRId64, point_id);
			db_reset(s);
			rc = ERR_DB;
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	rc = 0;
	pb = pbuf_find(st, point_id);
	for (size_t i = 0; pb != NULL && i < pb->n; i++) {
		const struct brow *b = &pb->r[i];

		if (b->t < from_ms || b->t >= to_ms)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 256;
			out = xrealloc(out, cap * sizeof(*out));
		}
		out[cnt++] = (struct store_row){
			.source_ms = b->t, .seq = b->seq, .value = b->v, .quality = b->q
		};
	}
	if (cnt > 1)
		qsort(out, cnt, sizeof(*out), cmp_row);
	*rows = out;
	*n = cnt;
	out = NULL;
out:
	pthread_mutex_unlock(&st->mu);
	free(out);
	return rc;
}

static int cmp_minute(const void *a, const void *b)
{
	const struct store_minute *x = a, *y = b;

	return x->minute_ms < y->minute_ms ? -1 : x->minute_ms > y->minute_ms;
}

static const char SQL_MINUTES_GET[] =
	"SELECT minute_ms, min, max, sum, n FROM reading_minute WHERE point_id = :point_id "
	"AND minute_ms >= :from AND minute_ms < :to";

int store_minutes(struct store *st, int64_t point_id, int64_t from_ms, int64_t to_ms,
		  struct store_minute **res, size_t *n)
{
	struct store_minute *out = NULL;
	size_t cnt = 0, cap = 0, k = 0;
	int64_t from = minute_of(from_ms);
	struct db_stmt *s;
	struct pbuf *pb;
	int rc;

	*res = NULL;
	*n = 0;
	if (from_ms > to_ms)
		return ERR_INVALID;
	pthread_mutex_lock(&st->mu);
	s = db_stmt(st->db, SQL_MINUTES_GET);
	if (s == NULL) {
		rc = ERR_DB;
		goto out;
	}
	db_bind_i64(s, ":point_id", point_id);
	db_bind_i64(s, ":from", from);
	db_bind_i64(s, ":to", to_ms);
	while ((rc = db_step(s)) == DB_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			out = xrealloc(out, cap * sizeof(*out));
		}
		out[cnt++] = (struct store_minute){ .minute_ms = db_col_i64(s, 0),
						    .min = db_col_f64(s, 1),
						    .max = db_col_f64(s, 2),
						    .sum = db_col_f64(s, 3),
						    .n = db_col_i64(s, 4) };
	}
	if (rc < 0)
		goto out;
	rc = 0;
	pb = pbuf_find(st, point_id);
	for (size_t i = 0; pb != NULL && i < pb->n; i++) {
		int64_t mm = minute_of(pb->r[i].t);

		if (mm < from || mm >= to_ms || isnan(pb->r[i].v))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			out = xrealloc(out, cap * sizeof(*out));
		}
		out[cnt] = (struct store_minute){ .minute_ms = mm };
		minute_add(&out[cnt++], pb->r[i].v);
	}
	if (cnt > 1)
		qsort(out, cnt, sizeof(*out), cmp_minute);
	/* merge the rows of the same minute */
	for (size_t i = 0; i < cnt; i++) {
		if (k > 0 && out[k - 1].minute_ms == out[i].minute_ms) {
			struct store_minute *m = &out[k - 1];

			if (out[i].min < m->min)
				m->min = out[i].min;
			if (out[i].max > m->max)
				m->max = out[i].max;
			m->sum += out[i].sum;
			m->n += out[i].n;
		} else {
			out[k++] = out[i];
		}
	}
	*res = out;
	*n = k;
	out = NULL;
out:
	pthread_mutex_unlock(&st->mu);
	free(out);
	return rc;
}

static const char SQL_MINUTES_COUNT[] =
	"SELECT COALESCE(SUM(n), 0) FROM reading_minute WHERE point_id = :point_id "
	"AND minute_ms >= :from AND minute_ms < :to";

int store_pick_resolution(struct store *st, int64_t point_id, int64_t from_ms, int64_t to_ms,
			  size_t budget, enum store_resolution *res)
{
	struct db_stmt *s;
	struct pbuf *pb;
	int64_t count = 0;
	int rc;

	if (from_ms > to_ms)
		return ERR_INVALID;
	pthread_mutex_lock(&st->mu);
	s = db_stmt(st->db, SQL_MINUTES_COUNT);
	if (s == NULL) {
		rc = ERR_DB;
		goto out;
	}
	db_bind_i64(s, ":point_id", point_id);
	db_bind_i64(s, ":from", minute_of(from_ms));
	db_bind_i64(s, ":to", to_ms);
	rc = db_step_i64(s, &count);
	if (rc < 0)
		goto out;
	pb = pbuf_find(st, point_id);
	for (size_t i = 0; pb != NULL && i < pb->n; i++)
		if (pb->r[i].t >= from_ms && pb->r[i].t < to_ms)
			count++;
	*res = (uint64_t)count <= budget ? STORE_RESOLUTION_RAW : STORE_RESOLUTION_MINUTE;
out:
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static const char SQL_RETAIN_CHUNKS[] = "DELETE FROM reading_chunk WHERE end_ms < :cut";
static const char SQL_RETAIN_MINUTES[] = "DELETE FROM reading_minute WHERE minute_ms < :cut";

int store_retention(struct store *st, int64_t now, int64_t *chunks, int64_t *minutes)
{
	struct db_stmt *s;
	int64_t dc = 0, dm = 0;
	int rc;

	pthread_mutex_lock(&st->mu);
	rc = db_begin(st->db);
	if (rc < 0)
		goto out;
	s = db_stmt(st->db, SQL_RETAIN_CHUNKS);
	if (s == NULL) {
		rc = ERR_DB;
		goto fin;
	}
	db_bind_i64(s, ":cut", now - (int64_t)st->cfg.retention_raw_days * 86400000LL);
	rc = db_step_done(s);
	if (rc < 0)
		goto fin;
	dc = db_changes(st->db);
	s = db_stmt(st->db, SQL_RETAIN_MINUTES);
	if (s == NULL) {
		rc = ERR_DB;
		goto fin;
	}
	db_bind_i64(s, ":cut", now - (int64_t)st->cfg.retention_minute_days * 86400000LL);
	rc = db_step_done(s);
	if (rc < 0)
		goto fin;
	dm = db_changes(st->db);
fin:
	rc = db_finish(st->db, rc);
out:
	pthread_mutex_unlock(&st->mu);
	if (chunks != NULL)
		*chunks = dc;
	if (minutes != NULL)
		*minutes = dm;
	return rc;
}

void store_stats_get(struct store *st, struct store_stats *out)
{
	pthread_mutex_lock(&st->mu);
	*out = st->stats;
	pthread_mutex_unlock(&st->mu);
}
