/* SPDX-License-Identifier: MIT */
/*
 * Reading tables as text: the encodings Chinese offices save CSV in (UTF-8 with or
 * without a byte-order mark, GB18030/GBK converted with glibc's iconv) and the
 * CSV grammar of RFC 4180 as Excel and WPS write it. Pure functions over memory:
 * no files, no database. XLSX and the writers are in xlsx.c.
 */
#define LOG_MODULE "report"
#include "report/table.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/util.h"
#include "core/banned.h"

void table_limits_default(struct table_limits *l)
{
	l->max_rows = 500000;
	l->max_cols = 256;
	l->max_xml_bytes = 256LL * 1024 * 1024;
	l->max_cell_bytes = 32 * 1024;
}

void table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
}

void table_release(struct table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i].cells); /* the cells and their texts: one block */
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

void table_drop_rows(struct table *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t->rows[i].cells);
	memmove(t->rows, t->rows + n, (t->nrows - n) * sizeof(*t->rows));
	t->nrows -= n;
}

const char *table_cell(const struct table_row *r, size_t col)
{
	return col < r->ncells ? r->cells[col].text : "";
}

/* ------------------------------------------------------------ encodings */

int text_encoding_parse(const char *s, enum text_encoding *out)
{
	if (strcasecmp(s, "auto") == 0)
		*out = ENC_AUTO;
	else if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
		*out = ENC_UTF8;
	else if (strcasecmp(s, "gb18030") == 0 || strcasecmp(s, "gbk") == 0 ||
		 strcasecmp(s, "gb2312") == 0)
		*out = ENC_GB18030;
	else
		return ERR_INVALID;
	return 0;
}

const char *text_encoding_name(enum text_encoding e)
{
	switch (e) {
	case ENC_UTF8:
		return "utf-8";
	case ENC_GB18030:
		return "gb18030";
	default:
		return "auto";
	}
}

static bool has_bom(const char *d, size_t n)
{
	return n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0;
}

enum text_encoding text_detect(const char *data, size_t n)
{
	size_t skip = has_bom(data, n) ? 3 : 0;

	return utf8_valid(data + skip, n - skip) ? ENC_UTF8 : ENC_GB18030;
}

/* Line number (1-based) of byte offset off in d. */
static size_t line_of(const char *d, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		if (d[i] == '\n')
			line++;
	return line;
}

/* Offset of the first byte of d[0..n) that does not start a well-formed UTF-8 sequence. */
static size_t utf8_first_bad(const char *d, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)d[i];
		size_t len = c < 0x80	      ? 1
			     : (c >> 5) == 6  ? 2
			     : (c >> 4) == 14 ? 3
			     : (c >> 3) == 30 ? 4
					      : 0;

		if (len == 0 || i + len > n || !utf8_valid(d + i, len))
			return i;
		i += len;
	}
	return n;
}

static int gb18030_to_utf8(const char *data, size_t n, struct buf *out, char *why, size_t why_n)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	char *in = (char *)data;
	size_t left = n;
	int rc = 0;

	if (cd == (iconv_t)-1) {
		snprintf(why, why_n, "this system's iconv cannot convert GB18030: %s",
			 strerror(errno));
		return ERR_INTERNAL;
	}
	while (left > 0) {
		char chunk[16384];
		char *o = chunk;
		size_t room = sizeof(chunk);
		size_t r = iconv(cd, &in, &left, &o, &room);

		buf_add(out, chunk, sizeof(chunk) - room);
		if (r == (size_t)-1 && errno != E2BIG) {
			size_t off = (size_t)(in - data);

			snprintf(
				why, why_n,
				"the file is neither UTF-8 nor GB18030 text: byte 0x%02X at offset "
				"%zu (line %zu)%s",
				(unsigned char)*in, off, line_of(data, off),
				errno == EINVAL ? " ends in the middle of a character" : "");
			rc = ERR_INVALID;
			break;
		}
	}
	iconv_close(cd);
	return rc;
}

/*
 * True (why filled) when d[0..n), which is not all UTF-8, starts as UTF-8 with other
 * characters than ASCII before the line of its first bad byte: a UTF-8 file with lines of
 * another encoding (GBK rows pasted below a UTF-8 header). A file whose first bad byte
 * comes before any such character is of one encoding, GB18030 after its mark.
 */
static bool mixed_encodings(const char *d, size_t n, char *why, size_t why_n)
{
	size_t bad = utf8_first_bad(d, n), start = bad;

	while (start > 0 && d[start - 1] != '\n' && d[start - 1] != '\r')
		start--;
	for (size_t i = 0; i < start; i++)
		if ((unsigned char)d[i] >= 0x80) {
			snprintf(
				why, why_n,
				"the file has two encodings: it starts as UTF-8 text (with a "
				"byte-order mark), but byte 0x%02X at offset %zu (line %zu) is not "
				"UTF-8 (GBK pasted into it?); save the whole file again as \"CSV "
				"UTF-8\"",
				(unsigned char)d[bad], bad + 3, line_of(d, bad));
			return true;
		}
	return false;
}

int text_to_utf8(const char *data, size_t n, enum text_encoding enc, struct buf *out,
		 enum text_encoding *used, char *why, size_t why_n)
{
	buf_reset(out);
	why[0] = '\0';
	if (n >= 2 && ((unsigned char)data[0] == 0xFF && (unsigned char)data[1] == 0xFE)) {
		snprintf(why, why_n,
			 "the file is UTF-16 text (Excel's \"Unicode text\"); save it as \"CSV "
			 "UTF-8\" or as an Excel workbook (.xlsx)");
		return ERR_INVALID;
	}
	if (n >= 2 && ((unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xFF)) {
		snprintf(why, why_n, "the file is UTF-16 text; save it as \"CSV UTF-8\" or .xlsx");
		return ERR_INVALID;
	}
	if (has_bom(data, n)) {
		/* The mark says UTF-8, but some tools write it before any text. */
		data += 3;
		n -= 3;
		if (enc == ENC_AUTO && !utf8_valid(data, n) && mixed_encodings(data, n, why, why_n))
			return ERR_INVALID;
	}
	if (enc == ENC_AUTO)
		enc = text_detect(data, n);
	*used = enc;
	if (enc == ENC_GB18030)
		return gb18030_to_utf8(data, n, out, why, why_n);
	if (!utf8_valid(data, n)) {
		size_t off = utf8_first_bad(data, n);

		snprintf(why, why_n,
			 "the file is not UTF-8 text: byte 0x%02X at offset %zu (line %zu); is it "
			 "GB18030/GBK? (encoding=auto detects it)",
			 (unsigned char)data[off], off, line_of(data, off));
		return ERR_INVALID;
	}
	buf_add(out, data, n);
	return 0;
}

/* ------------------------------------------------------------ CSV */

/* Cells of the record being read: texts one after the other, each with its NUL. */
struct record {
	struct buf text;
	size_t *start;
	size_t n, cap;
};

static void record_open_cell(struct record *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->start = xrealloc(r->start, r->cap * sizeof(*r->start));
	}
	r->start[r->n++] = r->text.len;
}

/* Length of the blank (space, tab, NBSP, ideographic space) at s, 0 when none. */
static size_t blank_len(const char *s, size_t left)
{
	if (left >= 1 && (s[0] == ' ' || s[0] == '\t'))
		return 1;
	if (left >= 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
		return 2;
	if (left >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

/* Trims blanks at both ends of s[0..*n) in place; returns the new start. */
static const char *trim(const char *s, size_t *n)
{
	size_t k;

	while (*n > 0 && (k = blank_len(s, *n)) > 0) {
		s += k;
		*n -= k;
	}
	for (;;) {
		if (*n >= 1 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
			*n -= 1;
		else if (*n >= 2 && (unsigned char)s[*n - 2] == 0xC2 &&
			 (unsigned char)s[*n - 1] == 0xA0)
			*n -= 2;
		else if (*n >= 3 && memcmp(s + *n - 3, "\xE3\x80\x80", 3) == 0)
			*n -= 3;
		else
			break;
	}
	return s;
}

/*
 * Appends a row of cells to t (copies, trimmed); an all-empty row is skipped. The row is
 * one block: its cells, then their texts, so that a cell costs its text and 17 bytes,
 * not an allocation of its own (a 32 MiB file of one-character cells held 850 MB).
 */
static void add_row(struct table *t, int64_t rowno, const char *const *texts, const size_t *lens,
		    const enum cell_kind *kinds, size_t n)
{
	struct table_row *r;
	size_t last = 0, bytes;
	char *text;

	for (size_t i = 0; i < n; i++) {
		size_t len = lens[i];

		trim(texts[i], &len);
		if (len > 0)
			last = i + 1;
	}
	if (last == 0)
		return;
	bytes = last * sizeof(*r->cells);
	for (size_t i = 0; i < last; i++) {
		size_t len = lens[i];

		trim(texts[i], &len);
		bytes += len + 1;
	}
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	r = &t->rows[t->nrows++];
	r->row = rowno;
	r->ncells = last; /* trailing empty cells are not kept */
	r->cells = xmalloc(bytes);
	text = (char *)(r->cells + last);
	for (size_t i = 0; i < last; i++) {
		size_t len = lens[i];
		const char *s = trim(texts[i], &len);

		memcpy(text, s, len);
		text[len] = '\0';
		r->cells[i].text = text;
		r->cells[i].kind = kinds ? kinds[i] : CELL_TEXT;
		text += len + 1;
	}
}

/* Internal to report/: xlsx.c adds its rows the same way. */
void table_add_row(struct table *t, int64_t rowno, const char *const *texts, const size_t *lens,
		   const enum cell_kind *kinds, size_t n);

void table_add_row(struct table *t, int64_t rowno, const char *const *texts, const size_t *lens,
		   const enum cell_kind *kinds, size_t n)
{
	add_row(t, rowno, texts, lens, kinds, n);
}

/* Ends the record: hands its cells to the table. Returns 0 or ERR_TOO_MANY. */
static int end_record(struct table *t, struct record *rec, int64_t rowno,
		      const struct table_limits *lim, char *why, size_t why_n)
{
	const char **texts = xmalloc((rec->n ? rec->n : 1) * sizeof(*texts));
	size_t *lens = xmalloc((rec->n ? rec->n : 1) * sizeof(*lens));
	int rc = 0;

	for (size_t i = 0; i < rec->n; i++) {
		size_t end = i + 1 < rec->n ? rec->start[i + 1] - 1 : rec->text.len;

		texts[i] = rec->text.p ? rec->text.p + rec->start[i] : "";
		lens[i] = end - rec->start[i];
	}
	add_row(t, rowno, texts, lens, NULL, rec->n);
	if (t->nrows > lim->max_rows) { /* only non-empty rows count */
		snprintf(why, why_n, "more than %zu rows (import.max_rows)", lim->max_rows);
		rc = ERR_TOO_MANY;
	}
	free(texts);
	free(lens);
	buf_reset(&rec->text);
	rec->n = 0;
	return rc;
}

int table_csv_parse(const char *s, size_t n, const struct table_limits *lim, struct table *t,
		    char *why, size_t why_n)
{
	struct record rec = { BUF_INIT, NULL, 0, 0 };
	int64_t rowno = 0;
	size_t i = 0;
	int rc = 0;

	why[0] = '\0';
	if (has_bom(s, n))
		i = 3;
	while (i < n && rc == 0) {
		int64_t start_row = ++rowno;
		bool end = false;

		while (!end) {
			size_t cell_start;

			if (rec.n == lim->max_cols) {
				snprintf(why, why_n, "row %lld has more than %zu columns",
					 (long long)start_row, lim->max_cols);
				rc = ERR_TOO_MANY;
				goto out;
			}
			if (rec.n > 0)
				buf_add(&rec.text, "", 1); /* the previous cell's NUL */
			record_open_cell(&rec);
			cell_start = rec.text.len;
			if (i < n && s[i] == '"') {
				bool closed = false;

				i++;
				while (i < n) {
					if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
						buf_add(&rec.text, "\"", 1);
						i += 2;
					} else if (s[i] == '"') {
						i++;
						closed = true;
						break;
					} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
						buf_add(&rec.text, "\n", 1);
						i += 2;
					} else {
						buf_add(&rec.text, s + i, 1);
						i++;
					}
				}
				if (!closed) {
					snprintf(why, why_n,
						 "row %lld: a quoted field (starting with \") is "
						 "not "
						 "closed before the end of the file",
						 (long long)start_row);
					rc = ERR_INVALID;
					goto out;
				}
			}
			/* Unquoted text, or what follows a closing quote, up to , or the line end. */
			while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
				buf_add(&rec.text, s + i, 1);
				i++;
			}
			if ((int64_t)(rec.text.len - cell_start) > lim->max_cell_bytes) {
				snprintf(why, why_n, "row %lld: a cell is longer than %lld bytes",
					 (long long)start_row, (long long)lim->max_cell_bytes);
				rc = ERR_TOO_MANY;
				goto out;
			}
			if (rec.text.len > cell_start &&
			    memchr(rec.text.p + cell_start, '\0', rec.text.len - cell_start)) {
				snprintf(why, why_n, "row %lld holds a NUL byte: not a text file",
					 (long long)start_row);
				rc = ERR_INVALID;
				goto out;
			}
			if (i < n && s[i] == ',') {
				i++;
				if (i == n) { /* "a,b," at the very end: one more empty cell */
					buf_add(&rec.text, "", 1);
					record_open_cell(&rec);
				}
				continue;
			}
			end = true;
			if (i < n && s[i] == '\r')
				i++; /* CR alone, or the CR of CRLF */
			if (i < n && s[i] == '\n')
				i++;
		}
		rc = end_record(t, &rec, start_row, lim, why, why_n);
	}
out:
	buf_release(&rec.text);
	free(rec.start);
	return rc;
}
