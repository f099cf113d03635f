/* SPDX-License-Identifier: MIT */
/*
 * Tables as offices exchange them (DESIGN §2 "report": Excel export and import):
 * reading CSV and XLSX files into rows of UTF-8 text cells, and writing rows
 * back out as CSV or XLSX. Knows nothing about enterprises or any other domain:
 * a module maps the columns itself.
 *
 *   table.c  CSV (RFC 4180, as Excel writes it) and the text encodings of
 *            Chinese offices (UTF-8 with or without BOM, GB18030/GBK via glibc
 *            iconv), and the CSV writer;
 *   xlsx.c   XLSX (ECMA-376 SpreadsheetML) read with libzip + expat, because
 *            Debian 12 has no XLSX reader library (freexl 1.0.6 reads only
 *            .xls); XLSX written with libxlsxwriter.
 *
 * Not for: formulas (only the cached value of a formula cell is read), styles,
 * dates (a date cell is read as its serial number), more than one sheet.
 */
#ifndef REPORT_TABLE_H
#define REPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* How a cell's value was stored in the file (XLSX knows; CSV cells are all TEXT). */
enum cell_kind {
	CELL_TEXT = 0,
	CELL_NUMBER, /* an XLSX numeric cell: text is the stored number as written (<v>) */
	CELL_BOOL,
	CELL_ERROR,
};

struct cell {
	char *text; /* UTF-8, NUL-terminated, owned by the table; never NULL */
	enum cell_kind kind;
};

/* One non-empty row: its number as a spreadsheet shows it (1-based) and its cells. */
struct table_row {
	int64_t row;
	struct cell *cells;
	size_t ncells;
};

struct table {
	struct table_row *rows;
	size_t nrows, cap;
};

/* Limits on what a file may make us hold (docs/configuration.md, import.*). */
struct table_limits {
	size_t max_rows;	/* rows kept (empty ones do not count); more: ERR_TOO_MANY */
	size_t max_cols;	/* cells in one row */
	int64_t max_xml_bytes;	/* XLSX: bytes inflated from any one part of the archive */
	int64_t max_cell_bytes; /* one cell's text */
};

/* The defaults of docs/configuration.md (tests use them). */
void table_limits_default(struct table_limits *l);

void table_init(struct table *t);
/* Frees every row and cell. NULL-safe on members; t may be reused after table_init(). */
void table_release(struct table *t);
/* Drops the first n rows of t (n <= t->nrows); the others keep their numbers. */
void table_drop_rows(struct table *t, size_t n);
/* Returns: the text of cell col of r, "" when the row is shorter (borrowed). */
const char *table_cell(const struct table_row *r, size_t col);

/* Text encodings accepted in input files. */
enum text_encoding {
	ENC_AUTO = 0,
	ENC_UTF8,
	ENC_GB18030, /* also GBK and GB 2312 texts: GB18030 is a superset of both */
};

/*
 * Parses "auto", "utf-8"/"utf8", "gb18030"/"gbk"/"gb2312" (any case). Returns 0 or
 * ERR_INVALID.
 */
int text_encoding_parse(const char *s, enum text_encoding *out);
/* "utf-8" or "gb18030" ("auto" for ENC_AUTO). */
const char *text_encoding_name(enum text_encoding e);

/*
 * Decides the encoding of data[0..n) for ENC_AUTO: a UTF-8 byte-order mark or
 * well-formed UTF-8 => ENC_UTF8, anything else => ENC_GB18030 (what Excel and WPS
 * save as "CSV" on a Chinese Windows: code page 936). Pure.
 */
enum text_encoding text_detect(const char *data, size_t n);

/*
 * Converts data[0..n) from enc (ENC_AUTO: text_detect) to UTF-8 in out, without a
 * byte-order mark. *used receives the encoding decided. UTF-8 input is checked,
 * GB18030 converted with glibc's iconv. A UTF-16 file (FF FE / FE FF mark) is
 * refused with a reason. Returns 0 or ERR_INVALID with why (the byte offset and
 * line of the first bad sequence).
 */
int text_to_utf8(const char *data, size_t n, enum text_encoding enc, struct buf *out,
		 enum text_encoding *used, char *why, size_t why_n);

/*
 * Parses UTF-8 CSV text (RFC 4180 as Excel writes it): comma separator, fields in
 * double quotes may hold commas, CR/LF and "" for a quote; records end at CRLF, LF
 * or CR; a CRLF inside quotes becomes LF. Rows whose cells are all empty (after
 * trimming) are skipped but counted, so row numbers are those a spreadsheet shows.
 * Cell text is trimmed of spaces, tabs and U+3000 (ideographic space).
 * Returns 0, ERR_INVALID (an unterminated quote, or a quote inside an unquoted
 * field: why names the row) or ERR_TOO_MANY (a limit: why says which).
 */
int table_csv_parse(const char *text, size_t n, const struct table_limits *lim, struct table *t,
		    char *why, size_t why_n);

/*
 * Reads the first visible worksheet (in workbook order; hidden ones are skipped unless all are) of an XLSX file held in memory:
 * shared strings, inline strings, numbers, booleans, cached formula results;
 * cells placed by their r= references (gaps are empty cells, missing rows are
 * skipped). Every part inflated is capped at lim->max_xml_bytes whatever the
 * archive declares (zip bombs), and a DTD is refused (entity expansion).
 * Returns 0, ERR_INVALID (not an XLSX file, or a broken one; why says what) or
 * ERR_TOO_MANY (a limit).
 */
int table_xlsx_read(const void *data, size_t n, const struct table_limits *lim, struct table *t,
		    char *why, size_t why_n);

/* True when data starts like a ZIP archive ("PK\3\4"), as an XLSX file does. */
bool table_is_zip(const void *data, size_t n);

/* --- writing --- */

enum table_format { TABLE_CSV, TABLE_XLSX };

/* The media type of an XLSX file (ECMA-376). */
#define TABLE_XLSX_MIME "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

struct table_writer;

/*
 * Starts a table: CSV into memory (UTF-8 with a byte-order mark so that Excel shows
 * Chinese, CRLF line ends, cells quoted when needed, and cells starting with = + -
 * or @ prefixed with an apostrophe against formula injection, OWASP "CSV
 * Injection"), or XLSX into a temporary file in tmpdir (libxlsxwriter; every cell a
 * string, so codes stay text). sheet is the XLSX sheet name. Returns: owned, or
 * NULL when the temporary file cannot be made (logged).
 */
struct table_writer *table_writer_new(enum table_format f, const char *sheet, const char *tmpdir);
/* Appends one row of n UTF-8 cells (NULL = empty). The first row is the header. */
void table_writer_row(struct table_writer *w, const char *const *cells, size_t n);
/*
 * Finishes the file. CSV: *body (owned) and *len are the bytes, *fd is -1. XLSX: *fd
 * is an open descriptor of the unlinked file (owned) and *len its size, *body NULL.
 * Frees w in every case. Returns 0, or ERR_IO (logged).
 */
int table_writer_finish(struct table_writer *w, char **body, size_t *len, int *fd);

/* Frees an unfinished writer (its file too). NULL-safe. */
void table_writer_free(struct table_writer *w);

#endif
