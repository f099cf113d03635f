/* SPDX-License-Identifier: MIT */
/*
 * XLSX (ECMA-376 SpreadsheetML) in and out, and the CSV writer.
 *
 * Reading: Debian 12 has no XLSX reader library (freexl 1.0.6 reads only .xls),
 * so the archive is opened with libzip and its XML parts are parsed with expat:
 * xl/workbook.xml names the first visible sheet, xl/_rels/workbook.xml.rels its part,
 * xl/sharedStrings.xml holds the shared strings, and the sheet part holds rows of
 * cells placed by their r= references. Each part is inflated as a stream and cut
 * off at a byte limit whatever its header declares (zip bombs); a part with a DTD
 * is refused (entity expansion attacks).
 *
 * Writing: libxlsxwriter into a temporary file, every cell a string so that
 * codes such as credit codes stay text; CSV into memory as Excel reads it.
 */
#define LOG_MODULE "report"
#include "report/table.h"

#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "core/banned.h"

/* table.c: appends a row (texts copied and trimmed; an all-empty row is skipped). */
void table_add_row(struct table *t, int64_t rowno, const char *const *texts, const size_t *lens,
		   const enum cell_kind *kinds, size_t n);

bool table_is_zip(const void *data, size_t n)
{
	return n >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

/* ------------------------------------------------------------ XML parts */

enum part { PART_WORKBOOK, PART_RELS, PART_SST, PART_SHEET };

/*
 * Shared strings kept at most: twice the distinct texts of a 500k-row list of every
 * column, and 72 MB at most; 250 MiB of "<si/>" (a few hundred kB zipped) took 464 MB.
 */
#define SST_MAX (1 << 23)

struct xctx {
	XML_Parser p;
	enum part part;
	const struct table_limits *lim;
	char *why;
	size_t why_n;
	int rc;
	/* workbook and relationships */
	char rid[128];	      /* the first visible sheet's relationship */
	char hidden_rid[128]; /* the first hidden one's, when every sheet is hidden */
	char target[512];
	/* shared strings */
	struct buf sst; /* texts one after the other, each with its NUL */
	size_t *sst_start;
	size_t sst_n, sst_cap;
	bool in_si;
	int rph; /* depth inside <rPh> (phonetic runs: not part of the text) */
	bool in_t;
	/* sheet */
	struct table *t;
	int64_t rowno;	/* current row number */
	struct buf row; /* cell texts of the row, each with its NUL */
	size_t *cstart;
	enum cell_kind *ckind;
	size_t ncells, ccap;
	bool in_c, in_v, in_is;
	char ctype[16];
	int64_t ccol, next_col;
	struct buf cv; /* the current cell's text */
};

static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2)
		if (strcmp(local(atts[i]), name) == 0)
			return atts[i + 1];
	return NULL;
}

static void fail(struct xctx *x, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct xctx *x, int rc, const char *fmt, ...)
{
	va_list ap;

	if (x->rc == 0) {
		va_start(ap, fmt);
		vsnprintf(x->why, x->why_n, fmt, ap);
		va_end(ap);
		x->rc = rc;
	}
	XML_StopParser(x->p, XML_FALSE);
}

/* Column index of a reference such as "B12" (A = 0), or -1. */
static int64_t ref_col(const char *r)
{
	int64_t col = 0;
	int letters = 0;

	for (; *r >= 'A' && *r <= 'Z'; r++, letters++) {
		if (letters == 3)
			return -1;
		col = col * 26 + (*r - 'A' + 1);
	}
	return letters ? col - 1 : -1;
}

static void row_add_cell(struct xctx *x, int64_t col, const char *text, size_t len,
			 enum cell_kind kind)
{
	if (len == 0)
		return; /* empty cells (formatting only) are not kept */
	if (col >= (int64_t)x->lim->max_cols) {
		fail(x, ERR_TOO_MANY, "row %lld: a value in column %lld, more than %zu columns",
		     (long long)x->rowno, (long long)col + 1, x->lim->max_cols);
		return;
	}
	if (col < (int64_t)x->ncells) {
		fail(x, ERR_INVALID, "row %lld: cells out of order", (long long)x->rowno);
		return;
	}
	while ((int64_t)x->ncells <= col) {
		if (x->ncells == x->ccap) {
			x->ccap = x->ccap ? 2 * x->ccap : 32;
			x->cstart = xrealloc(x->cstart, x->ccap * sizeof(*x->cstart));
			x->ckind = xrealloc(x->ckind, x->ccap * sizeof(*x->ckind));
		}
		if (x->ncells > 0)
			buf_add(&x->row, "", 1);
		x->cstart[x->ncells] = x->row.len;
		x->ckind[x->ncells] = CELL_TEXT;
		x->ncells++;
	}
	buf_add(&x->row, text, len);
	x->ckind[col] = kind;
}

static void row_end(struct xctx *x)
{
	const char **texts;
	size_t *lens;

	if (x->ncells == 0)
		return;
	texts = xmalloc(x->ncells * sizeof(*texts));
	lens = xmalloc(x->ncells * sizeof(*lens));
	for (size_t i = 0; i < x->ncells; i++) {
		size_t end = i + 1 < x->ncells ? x->cstart[i + 1] - 1 : x->row.len;

		texts[i] = x->row.p + x->cstart[i];
		lens[i] = end - x->cstart[i];
	}
	table_add_row(x->t, x->rowno, texts, lens, x->ckind, x->ncells);
	free(texts);
	free(lens);
	if (x->t->nrows > x->lim->max_rows)
		fail(x, ERR_TOO_MANY, "more than %zu rows (import.max_rows)", x->lim->max_rows);
	buf_reset(&x->row);
	x->ncells = 0;
}

static void cell_end(struct xctx *x)
{
	const char *text = buf_str(&x->cv);
	size_t len = x->cv.len;
	enum cell_kind kind = CELL_TEXT;

	if (strcmp(x->ctype, "s") == 0) {
		int64_t idx;

		if (len == 0)
			return;
		if (parse_i64(text, &idx) < 0 || idx < 0 || (size_t)idx >= x->sst_n) {
			fail(x, ERR_INVALID,
			     "row %lld: a cell names shared string '%s', which does "
			     "not exist",
			     (long long)x->rowno, text);
			return;
		}
		text = x->sst.p + x->sst_start[idx];
		len = strlen(text);
	} else if (strcmp(x->ctype, "b") == 0) {
		kind = CELL_BOOL;
		text = strcmp(text, "1") == 0 ? "TRUE" : "FALSE";
		len = len ? strlen(text) : 0;
	} else if (strcmp(x->ctype, "e") == 0) {
		kind = CELL_ERROR;
	} else if (x->ctype[0] == '\0' || strcmp(x->ctype, "n") == 0) {
		kind = CELL_NUMBER;
	} /* "str" (formula result), "inlineStr", "d" (ISO date): text as it is */
	row_add_cell(x, x->ccol, text, len, kind);
}

static void XMLCALL on_start(void *ud, const char *name, const char **atts)
{
	struct xctx *x = ud;
	const char *n = local(name);

	if (x->rc)
		return;
	switch (x->part) {
	case PART_WORKBOOK:
		if (strcmp(n, "sheet") == 0 && x->rid[0] == '\0') {
			/* The first sheet the user sees: templates hide their lists' words. */
			const char *id = attr(atts, "id"), *state = attr(atts, "state");
			bool hidden = state && (strcmp(state, "hidden") == 0 ||
						strcmp(state, "veryHidden") == 0);

			if (!hidden)
				snprintf(x->rid, sizeof(x->rid), "%s", id ? id : "?");
			else if (x->hidden_rid[0] == '\0')
				snprintf(x->hidden_rid, sizeof(x->hidden_rid), "%s", id ? id : "?");
		}
		break;
	case PART_RELS:
		if (strcmp(n, "Relationship") == 0 && x->target[0] == '\0') {
			const char *id = attr(atts, "Id"), *target = attr(atts, "Target");

			if (id && target && strcmp(id, x->rid) == 0)
				snprintf(x->target, sizeof(x->target), "%s", target);
		}
		break;
	case PART_SST:
		if (strcmp(n, "si") == 0) {
			x->in_si = true;
			if (x->sst_n == SST_MAX) {
				fail(x, ERR_TOO_MANY, "more than %d shared strings: refused",
				     SST_MAX);
				return;
			}
			if (x->sst_n == x->sst_cap) {
				x->sst_cap = x->sst_cap ? 2 * x->sst_cap : 256;
				x->sst_start =
					xrealloc(x->sst_start, x->sst_cap * sizeof(*x->sst_start));
			}
			x->sst_start[x->sst_n++] = x->sst.len;
		} else if (strcmp(n, "rPh") == 0) {
			x->rph++;
		} else if (strcmp(n, "t") == 0 && x->in_si && x->rph == 0) {
			x->in_t = true;
		}
		break;
	case PART_SHEET:
		if (strcmp(n, "row") == 0) {
			const char *r = attr(atts, "r");
			int64_t v;

			x->rowno = (r && parse_i64(r, &v) == 0 && v > 0) ? v : x->rowno + 1;
			x->next_col = 0;
			x->ncells = 0;
			buf_reset(&x->row);
		} else if (strcmp(n, "c") == 0) {
			const char *r = attr(atts, "r"), *t = attr(atts, "t");

			x->in_c = true;
			x->ccol = r ? ref_col(r) : x->next_col;
			if (x->ccol < 0)
				fail(x, ERR_INVALID, "row %lld: bad cell reference '%s'",
				     (long long)x->rowno, r);
			x->next_col = x->ccol + 1;
			snprintf(x->ctype, sizeof(x->ctype), "%s", t ? t : "");
			buf_reset(&x->cv);
		} else if (x->in_c && strcmp(n, "v") == 0) {
			x->in_v = true;
		} else if (x->in_c && strcmp(n, "is") == 0) {
			x->in_is = true;
		} else if (x->in_is && strcmp(n, "rPh") == 0) {
			x->rph++;
		} else if (x->in_is && strcmp(n, "t") == 0 && x->rph == 0) {
			x->in_t = true;
		}
		break;
	}
}

static void XMLCALL on_end(void *ud, const char *name)
{
	struct xctx *x = ud;
	const char *n = local(name);

	if (x->rc)
		return;
	if (x->part == PART_SST) {
		if (strcmp(n, "t") == 0)
			x->in_t = false;
		else if (strcmp(n, "rPh") == 0 && x->rph > 0)
			x->rph--;
		else if (strcmp(n, "si") == 0 && x->in_si) {
			buf_add(&x->sst, "", 1);
			x->in_si = false;
		}
	} else if (x->part == PART_SHEET) {
		if (strcmp(n, "t") == 0)
			x->in_t = false;
		else if (strcmp(n, "rPh") == 0 && x->rph > 0)
			x->rph--;
		else if (strcmp(n, "v") == 0)
			x->in_v = false;
		else if (strcmp(n, "is") == 0)
			x->in_is = false;
		else if (strcmp(n, "c") == 0 && x->in_c) {
			x->in_c = false;
			cell_end(x);
		} else if (strcmp(n, "row") == 0) {
			row_end(x);
		}
	}
}

static void XMLCALL on_text(void *ud, const char *s, int len)
{
	struct xctx *x = ud;

	if (x->rc)
		return;
	if (x->part == PART_SST && x->in_t) {
		size_t have = x->sst.len - x->sst_start[x->sst_n - 1];

		if ((int64_t)(have + (size_t)len) > x->lim->max_cell_bytes)
			fail(x, ERR_TOO_MANY, "a shared string is longer than %lld bytes",
			     (long long)x->lim->max_cell_bytes);
		else
			buf_add(&x->sst, s, (size_t)len);
	} else if (x->part == PART_SHEET && (x->in_v || x->in_t)) {
		if ((int64_t)(x->cv.len + (size_t)len) > x->lim->max_cell_bytes)
			fail(x, ERR_TOO_MANY, "row %lld: a cell is longer than %lld bytes",
			     (long long)x->rowno, (long long)x->lim->max_cell_bytes);
		else
			buf_add(&x->cv, s, (size_t)len);
	}
}

static void XMLCALL on_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
			       int has_internal)
{
	struct xctx *x = ud;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	fail(x, ERR_INVALID, "an XML part declares a DTD, which spreadsheets never do: refused");
}

/*
 * Inflates part `name` of the archive as a stream into expat with x's handlers.
 * Returns 0, ERR_NOT_FOUND (no such part), ERR_INVALID or ERR_TOO_MANY (x->why).
 */
static int parse_part(zip_t *za, const char *name, struct xctx *x)
{
	zip_file_t *zf = NULL;
	int64_t total = 0;
	char chunk[65536];
	int rc = 0;

	zf = zip_fopen(za, name, 0);
	if (zf == NULL)
		return ERR_NOT_FOUND;
	x->p = XML_ParserCreate("UTF-8");
	if (x->p == NULL)
		abort(); /* expat allocates with malloc: out of memory */
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	for (;;) {
		zip_int64_t got = zip_fread(zf, chunk, sizeof(chunk));

		if (got < 0) {
			fail(x, ERR_INVALID, "cannot inflate '%s': %s (a damaged file?)", name,
			     zip_strerror(za));
			break;
		}
		total += got;
		if (total > x->lim->max_xml_bytes) {
			fail(x, ERR_TOO_MANY,
			     "'%s' inflates to more than %lld bytes (import.max_xml_bytes): "
			     "refused",
			     name, (long long)x->lim->max_xml_bytes);
			break;
		}
		if (XML_Parse(x->p, chunk, (int)got, got == 0) == XML_STATUS_ERROR) {
			if (x->rc == 0)
				fail(x, ERR_INVALID, "'%s' is not well-formed XML: %s at line %lu",
				     name, XML_ErrorString(XML_GetErrorCode(x->p)),
				     (unsigned long)XML_GetCurrentLineNumber(x->p));
			break;
		}
		if (got == 0 || x->rc)
			break;
	}
	rc = x->rc;
	XML_ParserFree(x->p);
	x->p = NULL;
	zip_fclose(zf);
	return rc;
}

int table_xlsx_read(const void *data, size_t n, const struct table_limits *lim, struct table *t,
		    char *why, size_t why_n)
{
	struct xctx x;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	zip_error_t zerr;
	char sheet[1024];
	int rc;

	memset(&x, 0, sizeof(x));
	x.lim = lim;
	x.why = why;
	x.why_n = why_n;
	x.t = t;
	why[0] = '\0';
	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, n, 0, &zerr);
	if (src == NULL) {
		rc = ERR_INTERNAL;
		snprintf(why, why_n, "cannot read the archive: %s", zip_error_strerror(&zerr));
		goto out;
	}
	za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	if (za == NULL) {
		zip_source_free(src);
		rc = ERR_INVALID;
		snprintf(why, why_n, "not an XLSX file: the ZIP archive cannot be opened (%s)",
			 zip_error_strerror(&zerr));
		goto out;
	}
	/* The first sheet in workbook order; sheet1.xml when the workbook does not say. */
	snprintf(sheet, sizeof(sheet), "xl/worksheets/sheet1.xml");
	x.part = PART_WORKBOOK;
	rc = parse_part(za, "xl/workbook.xml", &x);
	if (rc == ERR_NOT_FOUND) {
		rc = ERR_INVALID;
		snprintf(why, why_n,
			 "not an XLSX file: it has no xl/workbook.xml (an .xls, .et or "
			 ".ods file? save it as .xlsx or CSV)");
		goto out;
	}
	if (rc < 0)
		goto out;
	if (x.rid[0] == '\0')
		memcpy(x.rid, x.hidden_rid, sizeof(x.rid));
	if (x.rid[0]) {
		x.part = PART_RELS;
		rc = parse_part(za, "xl/_rels/workbook.xml.rels", &x);
		if (rc < 0 && rc != ERR_NOT_FOUND)
			goto out;
		if (x.target[0] == '/')
			snprintf(sheet, sizeof(sheet), "%s", x.target + 1);
		else if (x.target[0])
			snprintf(sheet, sizeof(sheet), "xl/%s", x.target);
	}
	x.part = PART_SST;
	rc = parse_part(za, "xl/sharedStrings.xml", &x);
	if (rc < 0 && rc != ERR_NOT_FOUND)
		goto out;
	x.part = PART_SHEET;
	rc = parse_part(za, sheet, &x);
	if (rc == ERR_NOT_FOUND) {
		rc = ERR_INVALID;
		snprintf(why, why_n, "the workbook's first sheet '%s' is missing", sheet);
	}
out:
	if (za)
		zip_discard(za);
	buf_release(&x.sst);
	free(x.sst_start);
	buf_release(&x.row);
	free(x.cstart);
	free(x.ckind);
	buf_release(&x.cv);
	return rc;
}

/* ------------------------------------------------------------ writers */

struct table_writer {
	enum table_format f;
	struct buf csv;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold;
	lxw_row_t row;
	char path[512];
};

struct table_writer *table_writer_new(enum table_format f, const char *sheet, const char *tmpdir)
{
	struct table_writer *w = xcalloc(1, sizeof(*w));
	lxw_workbook_options opt = { 0 };
	int fd;

	w->f = f;
	if (f == TABLE_CSV) {
		buf_add(&w->csv, "\xEF\xBB\xBF", 3);
		return w;
	}
	if (tmpdir == NULL)
		tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(w->path, sizeof(w->path), "%s/anjian-export-XXXXXX", tmpdir);
	fd = mkstemp(w->path);
	if (fd < 0) {
		log_error("cannot make a temporary file in '%s': %s", tmpdir, strerror(errno));
		free(w);
		return NULL;
	}
	close(fd);
	opt.tmpdir = (char *)tmpdir;
	w->wb = workbook_new_opt(w->path, &opt);
	if (w->wb)
		w->ws = workbook_add_worksheet(w->wb, sheet);
	if (w->wb == NULL || w->ws == NULL) {
		log_error("libxlsxwriter cannot start a workbook in '%s'", w->path);
		table_writer_free(w);
		return NULL;
	}
	w->bold = workbook_add_format(w->wb);
	format_set_bold(w->bold);
	return w;
}

/* OWASP "CSV Injection": a cell that a spreadsheet would run as a formula. */
static bool formula_like(const char *s)
{
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	       s[0] == '\r';
}

static void csv_cell(struct buf *b, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' ||
		     (s[0] && s[strlen(s) - 1] == ' ');

	if (quote)
		buf_add(b, "\"", 1);
	if (formula_like(s))
		buf_add(b, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_add(b, "\"\"", 2);
		else
			buf_add(b, p, 1);
	}
	if (quote)
		buf_add(b, "\"", 1);
}

void table_writer_row(struct table_writer *w, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = cells[i] ? cells[i] : "";

		if (w->f == TABLE_CSV) {
			if (i)
				buf_add(&w->csv, ",", 1);
			csv_cell(&w->csv, s);
		} else if (s[0]) {
			/* A string cell: never a formula, never a number. */
			worksheet_write_string(w->ws, w->row, (lxw_col_t)i, s,
					       w->row == 0 ? w->bold : NULL);
		}
	}
	if (w->f == TABLE_CSV)
		buf_add(&w->csv, "\r\n", 2);
	w->row++;
}

int table_writer_finish(struct table_writer *w, char **body, size_t *len, int *fd)
{
	struct stat st;
	lxw_error e;
	int rc = 0;

	*body = NULL;
	*len = 0;
	*fd = -1;
	if (w->f == TABLE_CSV) {
		*len = w->csv.len;
		*body = buf_detach(&w->csv);
		free(w);
		return 0;
	}
	e = workbook_close(w->wb);
	w->wb = NULL;
	if (e != LXW_NO_ERROR) {
		log_error("libxlsxwriter cannot write '%s': %s", w->path, lxw_strerror(e));
		rc = ERR_IO;
		goto out;
	}
	*fd = open(w->path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0) {
		log_error("cannot read back '%s': %s", w->path, strerror(errno));
		rc = ERR_IO;
		goto out;
	}
	*len = (size_t)st.st_size;
out:
	if (rc < 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	table_writer_free(w);
	return rc;
}

void table_writer_free(struct table_writer *w)
{
	if (w == NULL)
		return;
	if (w->wb)
		workbook_close(w->wb); /* writes it, then it is removed below */
	if (w->path[0])
		unlink(w->path);
	buf_release(&w->csv);
	free(w);
}
