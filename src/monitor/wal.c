/* SPDX-License-Identifier: MIT */
/*
 * Write-ahead log segments of the readings store: format, append, scan with torn-tail
 * truncation, deletion after a checkpoint. Format and rules in wal.h; the locking and the
 * group commit are in store.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "monitor/wal.h"
#include "core/banned.h"

#define LOG_MODULE "wal"

#define WAL_MAGIC 0x4c574a41u

struct wal {
	char *dir;
	int dir_fd;
	int fd;		       /* current segment, -1 before the first */
	int64_t cur_bytes;     /* bytes in the current segment */
	int64_t segment_bytes; /* roll threshold */
	uint64_t *segs;	       /* first seq of each segment file, ascending; the last is current */
	size_t nsegs, capsegs;
	uint64_t next_seq; /* the seq the next record must start with */
	uint8_t *enc;	   /* encode buffer */
	size_t enc_cap;
};

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t record_crc(const uint8_t *len4, const uint8_t *payload, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, len4, 4);
	/* zlib's crc32 takes a uInt length: payloads are bounded far below 4 GiB */
	c = crc32(c, payload, (uInt)n);
	return (uint32_t)c;
}

static void seg_path(const struct wal *w, uint64_t first, char *out, size_t n)
{
	int k = snprintf(out, n, "%s/%020" PRIu64 ".wal", w->dir, first);

	if (k < 0 || (size_t)k >= n) {
		log_error("wal path too long: '%s'", w->dir);
		abort();
	}
}

static void segs_push(struct wal *w, uint64_t first)
{
	if (w->nsegs == w->capsegs) {
		w->capsegs = w->capsegs ? w->capsegs * 2 : 16;
		w->segs = xrealloc(w->segs, w->capsegs * sizeof(*w->segs));
	}
	w->segs[w->nsegs++] = first;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int dir_sync(struct wal *w)
{
	if (fsync(w->dir_fd) < 0) {
		log_error("cannot sync wal directory '%s': %s", w->dir, strerror(errno));
		return ERR_IO;
	}
	return 0;
}

/* Lists <20 digits>.wal files into w->segs, sorted. */
static int list_segments(struct wal *w)
{
	DIR *d = opendir(w->dir);
	struct dirent *e;

	if (d == NULL) {
		log_error("cannot open wal directory '%s': %s", w->dir, strerror(errno));
		return ERR_IO;
	}
	while ((e = readdir(d)) != NULL) {
		char *end;
		unsigned long long v;

		if (strlen(e->d_name) != 24 || strcmp(e->d_name + 20, ".wal") != 0)
			continue;
		errno = 0;
		v = strtoull(e->d_name, &end, 10);
		if (errno != 0 || end != e->d_name + 20)
			continue;
		segs_push(w, (uint64_t)v);
	}
	closedir(d);
	if (w->nsegs > 1)
		qsort(w->segs, w->nsegs, sizeof(*w->segs), cmp_u64);
	return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat sb;
	uint8_t *p = NULL;
	size_t got = 0;
	int fd, rc = 0;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		log_error("cannot read wal segment '%s': %s", path, strerror(errno));
		rc = ERR_IO;
		goto out;
	}
	p = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		ssize_t k = read(fd, p + got, (size_t)sb.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			log_error("cannot read wal segment '%s': %s", path,
				  k < 0 ? strerror(errno) : "short read");
			rc = ERR_IO;
			goto out;
		}
		got += (size_t)k;
	}
	*data = p;
	*len = got;
	p = NULL;
out:
	free(p);
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Checks the record at data[off..len). Returns its total size, or 0 when it is not an
 * intact record (short, bad magic, bad length, bad CRC, seq out of order).
 */
static size_t record_check(const uint8_t *data, size_t len, size_t off, uint64_t *seq_first,
			   uint32_t *n)
{
	uint32_t plen;

	if (len - off < WAL_RECORD_HEADER)
		return 0;
	if (get_u32(data + off) != WAL_MAGIC)
		return 0;
	plen = get_u32(data + off + 4);
	if (plen < 12 || (plen - 12) % WAL_READING_BYTES != 0 ||
	    (plen - 12) / WAL_READING_BYTES > WAL_BATCH_MAX)
		return 0;
	if (len - off - WAL_RECORD_HEADER < plen)
		return 0;
	if (record_crc(data + off + 4, data + off + WAL_RECORD_HEADER, plen) !=
	    get_u32(data + off + 8))
		return 0;
	*seq_first = get_u64(data + off + WAL_RECORD_HEADER);
	*n = get_u32(data + off + WAL_RECORD_HEADER + 8);
	if (*n == 0 || (size_t)*n * WAL_READING_BYTES != plen - 12)
		return 0;
	return WAL_RECORD_HEADER + plen;
}

static void decode_readings(const uint8_t *p, uint32_t n, struct wal_reading *r)
{
	for (uint32_t i = 0; i < n; i++, p += WAL_READING_BYTES) {
		uint64_t bits = get_u64(p + 16);

		r[i].point_id = (int64_t)get_u64(p);
		r[i].source_ms = (int64_t)get_u64(p + 8);
		memcpy(&r[i].value, &bits, sizeof(bits));
		r[i].quality = p[24];
	}
}

/* Scans one segment; *valid gets the length of its intact prefix. */
static int scan_segment(struct wal *w, size_t idx, uint64_t after_seq, wal_replay_fn fn, void *ctx,
			uint64_t *last_seq, size_t *valid, size_t *file_len)
{
	char path[4096];
	uint8_t *data = NULL;
	struct wal_reading *r = NULL;
	size_t len, off = 0, cap = 0;
	int rc;

	seg_path(w, w->segs[idx], path, sizeof(path));
	rc = read_file(path, &data, &len);
	if (rc < 0)
		goto out;
	while (off < len) {
		uint64_t seq_first;
		uint32_t n;
		size_t sz = record_check(data, len, off, &seq_first, &n);

		if (sz == 0)
			break;
		if (seq_first <= *last_seq && *last_seq != 0 && seq_first + n - 1 > *last_seq) {
			/* overlapping seqs cannot be written by wal_write: treat as corrupt */
			break;
		}
		if (seq_first + n - 1 > after_seq && fn != NULL) {
			if (n > cap) {
				cap = n;
				r = xrealloc(r, cap * sizeof(*r));
			}
			decode_readings(data + off + WAL_RECORD_HEADER + 12, n, r);
			rc = fn(ctx, seq_first, r, n);
			if (rc < 0)
				goto out;
		}
		if (seq_first + n - 1 > *last_seq)
			*last_seq = seq_first + n - 1;
		off += sz;
	}
	*valid = off;
	*file_len = len;
out:
	free(r);
	free(data);
	return rc;
}

static int open_segment(struct wal *w, uint64_t first, bool create)
{
	char path[4096];
	struct stat sb;
	int fd;

	seg_path(w, first, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0640);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		log_error("cannot open wal segment '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ERR_IO;
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	w->cur_bytes = sb.st_size;
	if (create) {
		segs_push(w, first);
		return dir_sync(w);
	}
	return 0;
}

int wal_open(const char *dir, int64_t segment_bytes, uint64_t after_seq, wal_replay_fn fn,
	     void *ctx, struct wal **out, uint64_t *last_seq)
{
	struct wal *w = xcalloc(1, sizeof(*w));
	uint64_t last = 0;
	int rc = 0;

	*out = NULL;
	w->dir = xstrdup(dir);
	w->fd = -1;
	w->dir_fd = -1;
	w->segment_bytes = segment_bytes > 4096 ? segment_bytes : 4096;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		log_error("cannot create wal directory '%s': %s", dir, strerror(errno));
		rc = ERR_IO;
		goto out;
	}
	w->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dir_fd < 0) {
		log_error("cannot open wal directory '%s': %s", dir, strerror(errno));
		rc = ERR_IO;
		goto out;
	}
	rc = list_segments(w);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < w->nsegs; i++) {
		size_t valid = 0, len = 0;
		bool is_last = i + 1 == w->nsegs;

		rc = scan_segment(w, i, after_seq, fn, ctx, &last, &valid, &len);
		if (rc < 0)
			goto out;
		if (valid == len)
			continue;
		if (!is_last) {
			log_error("wal segment %020" PRIu64 " is corrupt at byte %zu of %zu "
				  "(not the last segment): refusing to open",
				  w->segs[i], valid, len);
			rc = ERR_IO;
			goto out;
		}
		log_warn("wal segment %020" PRIu64 " has a torn tail: truncating %zu bytes at %zu",
			 w->segs[i], len - valid, valid);
		rc = open_segment(w, w->segs[i], false);
		if (rc < 0)
			goto out;
		if (ftruncate(w->fd, (off_t)valid) < 0 || fdatasync(w->fd) < 0) {
			log_error("cannot truncate wal segment: %s", strerror(errno));
			rc = ERR_IO;
			goto out;
		}
		w->cur_bytes = (int64_t)valid;
	}
	if (after_seq > last)
		last = after_seq;
	w->next_seq = last + 1;
	if (w->nsegs == 0 || w->fd < 0) {
		if (w->nsegs > 0) {
			/* append to the last segment unless it is full */
			rc = open_segment(w, w->segs[w->nsegs - 1], false);
			if (rc == 0 && w->cur_bytes >= w->segment_bytes)
				rc = open_segment(w, w->next_seq, true);
		} else
			rc = open_segment(w, w->next_seq, true);
		if (rc < 0)
			goto out;
	}
	*last_seq = last;
	*out = w;
	w = NULL;
out:
	wal_close(w);
	return rc;
}

static int roll(struct wal *w)
{
	if (wal_sync(w) < 0)
		return ERR_IO;
	return open_segment(w, w->next_seq, true);
}

int wal_write(struct wal *w, uint64_t seq_first, const struct wal_reading *r, size_t n)
{
	size_t plen, total, off = 0;
	uint8_t *p;

	if (n == 0 || n > WAL_BATCH_MAX || seq_first != w->next_seq)
		return ERR_INVALID;
	if (w->cur_bytes >= w->segment_bytes && roll(w) < 0)
		return ERR_IO;
	plen = 12 + n * WAL_READING_BYTES;
	total = WAL_RECORD_HEADER + plen;
	if (total > w->enc_cap) {
		w->enc_cap = total;
		w->enc = xrealloc(w->enc, total);
	}
	p = w->enc;
	put_u32(p, WAL_MAGIC);
	put_u32(p + 4, (uint32_t)plen);
	put_u64(p + 12, seq_first);
	put_u32(p + 20, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *q = p + 24 + i * WAL_READING_BYTES;
		uint64_t bits;

		memcpy(&bits, &r[i].value, sizeof(bits));
		put_u64(q, (uint64_t)r[i].point_id);
		put_u64(q + 8, (uint64_t)r[i].source_ms);
		put_u64(q + 16, bits);
		q[24] = r[i].quality;
	}
	put_u32(p + 8, record_crc(p + 4, p + WAL_RECORD_HEADER, plen));
	while (off < total) {
		ssize_t k =
			pwrite(w->fd, p + off, total - off, (off_t)(w->cur_bytes + (int64_t)off));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			log_error("cannot write wal record: %s",
				  k < 0 ? strerror(errno) : "no progress");
			/* cut the partial record off so that the next one follows an intact one */
			if (ftruncate(w->fd, (off_t)w->cur_bytes) < 0)
				log_error("cannot cut partial wal record: %s", strerror(errno));
			return ERR_IO;
		}
		off += (size_t)k;
	}
	w->cur_bytes += (int64_t)total;
	w->next_seq = seq_first + n;
	return 0;
}

bool wal_full(const struct wal *w)
{
	return w->cur_bytes >= w->segment_bytes;
}

int wal_fd(const struct wal *w)
{
	return w->fd;
}

int wal_sync(struct wal *w)
{
	if (fdatasync(w->fd) < 0) {
		log_error("cannot sync wal segment: %s", strerror(errno));
		return ERR_IO;
	}
	return 0;
}

int wal_roll(struct wal *w)
{
	if (w->cur_bytes == 0)
		return 0;
	return roll(w);
}

int wal_drop(struct wal *w, uint64_t upto_seq)
{
	size_t keep = 0;
	int dropped = 0;

	/* segment i holds seqs segs[i] .. segs[i + 1] - 1 */
	while (keep + 1 < w->nsegs && w->segs[keep + 1] - 1 <= upto_seq) {
		char path[4096];

		seg_path(w, w->segs[keep], path, sizeof(path));
		if (unlink(path) < 0 && errno != ENOENT) {
			log_error("cannot delete wal segment '%s': %s", path, strerror(errno));
			break;
		}
		keep++;
		dropped++;
	}
	if (keep > 0) {
		memmove(w->segs, w->segs + keep, (w->nsegs - keep) * sizeof(*w->segs));
		w->nsegs -= keep;
		if (dir_sync(w) < 0)
			return ERR_IO;
	}
	return dropped;
}

size_t wal_segment_count(const struct wal *w)
{
	return w->nsegs;
}

int64_t wal_current_bytes(const struct wal *w)
{
	return w->cur_bytes;
}

void wal_close(struct wal *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->dir_fd >= 0)
		close(w->dir_fd);
	free(w->segs);
	free(w->enc);
	free(w->dir);
	free(w);
}
