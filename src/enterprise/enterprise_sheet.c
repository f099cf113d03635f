/* SPDX-License-Identifier: MIT */
/*
 * The enterprise sheet: its columns with the Chinese headers of the export (which
 * the import accepts, so that an export can be imported again) and the English API
 * field names, and the conversion of one row's cells to struct enterprise and
 * back. Pure: no I/O, no SQL. Spreadsheet habits handled here: 18-character codes
 * that Excel turned into numbers (refused with the reason), leading zeros dropped
 * from industry codes, numbers written as 320902.0, ="..." text cells, and the
 * apostrophe the export puts before a cell that would start a formula.
 */
#include "enterprise/enterprise_io.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/geo.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/util.h"
#include "core/banned.h"

const struct enterprise_column enterprise_columns[ECOL_N] = {
	[ECOL_USCC] = { "uscc", "统一社会信用代码", { "社会信用代码", "信用代码", NULL }, true },
	[ECOL_NAME] = { "name", "企业名称", { "单位名称", "名称", NULL }, true },
	[ECOL_FORMER_NAMES] = { "former_names", "曾用名", { NULL }, false },
	[ECOL_INDUSTRY] = { "industry_code",
			    "行业代码",
			    { "行业分类代码", "国民经济行业代码", NULL },
			    true },
	[ECOL_REGION] = { "region_code", "所属区划", { "区划代码", "行政区划代码", NULL }, true },
	[ECOL_GRID] = { "grid", "网格", { "网格编码", "grid_code", NULL }, false },
	[ECOL_ADDRESS] = { "address", "地址", { "详细地址", "经营地址", NULL }, false },
	[ECOL_LAT] = { "lat", "纬度", { NULL }, false },
	[ECOL_LON] = { "lon", "经度", { NULL }, false },
	[ECOL_CRS] = { "crs", "坐标系", { "coord_system", NULL }, false },
	[ECOL_LEGAL_REP] = { "legal_rep", "法定代表人", { "法人", NULL }, false },
	[ECOL_LEGAL_REP_PHONE] = { "legal_rep_phone",
				   "法人电话",
				   { "法定代表人电话", NULL },
				   false },
	[ECOL_SAFETY_OFFICER] = { "safety_officer", "安全负责人", { NULL }, false },
	[ECOL_SAFETY_OFFICER_PHONE] = { "safety_officer_phone", "安全负责人电话", { NULL }, false },
	[ECOL_EMPLOYEES] = { "employees", "从业人数", { "职工人数", NULL }, false },
	[ECOL_SCALE] = { "scale", "企业规模", { NULL }, false },
	[ECOL_STD_GRADE] = { "std_grade", "标准化等级", { "安全生产标准化等级", NULL }, false },
	[ECOL_STATUS] = { "status", "经营状态", { NULL }, false },
};

/* Display values of the enums: stored value, the export's Chinese word, other words accepted. */
struct enum_word {
	const char *value, *zh, *also[3];
};

static const struct enum_word scale_words[] = {
	{ "micro", "微型", { "微型企业", NULL } },
	{ "small", "小型", { "小型企业", NULL } },
	{ "medium", "中型", { "中型企业", NULL } },
	{ "large", "大型", { "大型企业", NULL } },
	{ NULL, NULL, { NULL } },
};

static const struct enum_word grade_words[] = {
	{ "none", "无", { "未达标", "未评定", NULL } },
	{ "1", "一级", { NULL } },
	{ "2", "二级", { NULL } },
	{ "3", "三级", { NULL } },
	{ NULL, NULL, { NULL } },
};

static const struct enum_word status_words[] = {
	{ "operating", "在营", { "存续", "开业", NULL } },
	{ "suspended", "停产", { "停业", "停产停业", NULL } },
	{ "closed", "关闭", { "注销", "吊销", NULL } },
	{ NULL, NULL, { NULL } },
};

/* ------------------------------------------------------------ header */

/* Length of a blank at s (space, tab, CR, LF, NBSP, U+3000 ideographic space), 0 if none. */
static size_t header_blank(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
		return 2;
	if (strncmp(s, "\xE3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

/* True when s ends with suffix (of length k), s being len bytes long. */
static bool ends_with(const char *s, size_t len, const char *suffix, size_t k)
{
	return len >= k && memcmp(s + len - k, suffix, k) == 0;
}

/*
 * The header as a name to look up, as office templates write it: every blank removed
 * (also inside: "企业 名称", a line break of a wrapped cell), a required-marker * or ＊
 * before or after, and a trailing note in brackets, ASCII or full-width
 * ("企业名称（全称）", "从业人数(人)"), left out. A note alone stays, so it is named.
 */
static void header_key(const char *s, char *out, size_t n)
{
	size_t len = 0, k;
	bool changed = true;

	utf8_copy(out, n, s);
	for (size_t i = 0; out[i];) { /* blanks out, in place */
		if ((k = header_blank(out + i)) > 0) {
			i += k;
			continue;
		}
		out[len++] = out[i++];
	}
	out[len] = '\0';
	k = 0;
	while (out[k] == '*' || strncmp(out + k, "\xEF\xBC\x8A", 3) == 0) /* *, ＊ */
		k += out[k] == '*' ? 1 : 3;
	memmove(out, out + k, len - k + 1);
	len -= k;
	while (changed && len > 0) {
		const char *open = NULL;

		changed = false;
		if (ends_with(out, len, "*", 1)) {
			len -= 1;
		} else if (ends_with(out, len, "\xEF\xBC\x8A", 3)) {
			len -= 3;
		} else if (ends_with(out, len, ")", 1) || ends_with(out, len, "\xEF\xBC\x89", 3)) {
			/* The last opening bracket of either kind; the note is what follows it. */
			for (size_t i = 0; i < len; i++)
				if (out[i] == '(' || strncmp(out + i, "\xEF\xBC\x88", 3) == 0)
					open = out + i;
			if (open == NULL || open == out)
				break;
			len = (size_t)(open - out);
		} else {
			break;
		}
		changed = true;
		out[len] = '\0';
	}
	out[len] = '\0';
}

static int column_of(const char *key)
{
	for (int c = 0; c < ECOL_N; c++) {
		const struct enterprise_column *k = &enterprise_columns[c];

		if (strcasecmp(key, k->field) == 0 || strcmp(key, k->zh) == 0)
			return c;
		for (int a = 0; k->alias[a]; a++)
			if (strcasecmp(key, k->alias[a]) == 0)
				return c;
	}
	return -1;
}

int enterprise_sheet_map_header(const struct table_row *header, struct enterprise_sheet_map *m,
				void (*add)(void *ctx, const char *column, const char *field,
					    const char *reason),
				void *ctx)
{
	char key[256], reason[224];
	int bad = 0;

	for (int c = 0; c < ECOL_N; c++)
		m->col[c] = -1;
	for (size_t i = 0; i < header->ncells; i++) {
		const char *text = header->cells[i].text;
		int c;

		header_key(text, key, sizeof(key));
		if (key[0] == '\0')
			continue; /* an empty header cell: a column with no name is left alone */
		c = column_of(key);
		if (c < 0) {
			snprintf(reason, sizeof(reason),
				 "unknown column '%.60s' (known: 统一社会信用代码/uscc, "
				 "企业名称/name, "
				 "行业代码/industry_code, 所属区划/region_code, … see "
				 "docs/enterprise.md)",
				 key);
			add(ctx, text, "header", reason);
			bad++;
		} else if (m->col[c] >= 0) {
			snprintf(reason, sizeof(reason), "column '%.60s' (%s) appears twice", key,
				 enterprise_columns[c].field);
			add(ctx, text, "header", reason);
			bad++;
		} else {
			m->col[c] = (int)i;
		}
	}
	for (int c = 0; c < ECOL_N; c++)
		if (enterprise_columns[c].required && m->col[c] < 0) {
			snprintf(reason, sizeof(reason), "the required column %s (%s) is missing",
				 enterprise_columns[c].zh, enterprise_columns[c].field);
			add(ctx, enterprise_columns[c].zh, enterprise_columns[c].field, reason);
			bad++;
		}
	return bad ? ERR_INVALID : 0;
}

/* ------------------------------------------------------------ cells */

/*
 * True when s is apostrophes before = + - or @: the form the CSV export gives a cell that
 * a spreadsheet would run as a formula (one ' more than the value had), so one is removed
 * on import and added on export (enterprise_sheet_cells) when the value has that form.
 */
static bool quoted_formula(const char *s)
{
	size_t k = strspn(s, "'");

	return k > 0 && s[k] && strchr("=+-@", s[k]);
}

/*
 * The text of a cell as the user meant it: ="…" (Excel's way to force text in CSV)
 * unwrapped, the export's apostrophe before = + - @ removed, and a number cell
 * holding an integral value written without ".0" (XLSX numbers: 320902 or 3.20902E5).
 */
static void cell_text(const struct table_row *r, int col, char *out, size_t n, bool *number)
{
	const struct cell *c = col >= 0 && (size_t)col < r->ncells ? &r->cells[col] : NULL;
	const char *s = c ? c->text : "";
	size_t len = strlen(s);

	*number = c && c->kind == CELL_NUMBER;
	if (len >= 3 && s[0] == '=' && s[1] == '"' && s[len - 1] == '"') {
		snprintf(out, n, "%.*s", (int)(len - 3), s + 2);
		return;
	}
	if (quoted_formula(s)) {
		utf8_copy(out, n, s + 1);
		return;
	}
	if (*number) {
		char *end;
		double v = strtod(s, &end);

		if (*end == '\0' && isfinite(v) && v == floor(v) && fabs(v) < 1e15) {
			snprintf(out, n, "%.0f", v);
			return;
		}
	}
	utf8_copy(out, n, s);
}

/* True when s looks like a number in scientific notation: 9.1E+17, 9.13209E+17, 9e17. */
static bool scientific(const char *s)
{
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != 'E' && *p != 'e')
		return false;
	p++;
	if (*p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Maps a display word (Chinese or English, any case) to its stored value; NULL if none. */
static const char *enum_value(const struct enum_word *w, const char *s)
{
	for (; w->value; w++) {
		if (strcasecmp(s, w->value) == 0 || strcmp(s, w->zh) == 0)
			return w->value;
		for (int a = 0; w->also[a]; a++)
			if (strcmp(s, w->also[a]) == 0)
				return w->value;
	}
	return NULL;
}

static const char *enum_zh(const struct enum_word *w, const char *value)
{
	for (; w->value; w++)
		if (strcmp(value, w->value) == 0)
			return w->zh;
	return value;
}

/* Copies text of at most max characters into dst, or names the field. */
static void take_text(const char *v, size_t max, char *dst, size_t n, const char *field,
		      struct field_errors *fe)
{
	if (utf8_len(v) > max) {
		field_errors_add(fe, field, "is longer than %zu characters", max);
		return;
	}
	utf8_copy(dst, n, v);
}

/* Former names separated by ; ；or new lines -> a JSON array text (owned). */
static char *former_names_json(const char *v)
{
	json_t *a = json_array();
	struct buf one = BUF_INIT;
	char *out;

	for (const char *p = v;; p++) {
		bool sep = *p == '\0' || *p == ';' || *p == '\n' ||
			   (strncmp(p, "\xEF\xBC\x9B", 3) == 0); /* ； */

		if (!sep) {
			buf_add(&one, p, 1);
			continue;
		}
		if (one.len) {
			size_t len = one.len;
			const char *s = one.p;

			while (len && (*s == ' ')) {
				s++;
				len--;
			}
			while (len && s[len - 1] == ' ')
				len--;
			if (len)
				json_array_append_new(a, json_stringn(s, len));
		}
		buf_reset(&one);
		if (*p == '\0')
			break;
		if (*p != ';' && *p != '\n')
			p += 2;
	}
	buf_release(&one);
	out = json_dump_compact(a);
	json_decref(a);
	return out;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (*s == '\0')
		return false;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out);
}

int enterprise_sheet_row(const struct enterprise_sheet_map *m, const struct table_row *r,
			 struct enterprise *e, char *grid_code, size_t n, struct field_errors *fe)
{
	char v[ECOL_N][4 * 1024];
	bool num[ECOL_N];
	size_t before = fe->n + fe->dropped;
	const char *w;

	for (int c = 0; c < ECOL_N; c++)
		cell_text(r, m->col[c], v[c], sizeof(v[c]), &num[c]);

	/* 统一社会信用代码: text of 18 characters, never a number. */
	if (num[ECOL_USCC] || scientific(v[ECOL_USCC])) {
		field_errors_add(fe, "uscc",
				 "'%.40s' is a number, not the 18-character code: a spreadsheet "
				 "turned the code into a number (9.13209E+17) and lost its last "
				 "digits; format the column as text and enter the codes again",
				 v[ECOL_USCC]);
	} else {
		for (char *p = v[ECOL_USCC]; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		utf8_copy(e->uscc, sizeof(e->uscc), v[ECOL_USCC]);
		if (strlen(v[ECOL_USCC]) != 18)
			field_errors_add(fe, "uscc",
					 "must be 18 characters (GB 32100-2015), not %zu",
					 utf8_len(v[ECOL_USCC]));
	}
	take_text(v[ECOL_NAME], 200, e->name, sizeof(e->name), "name", fe);
	/* Read whole, not through v: 20 names of 200 characters do not fit its 4 KiB. */
	if (m->col[ECOL_FORMER_NAMES] >= 0 && table_cell(r, (size_t)m->col[ECOL_FORMER_NAMES])[0]) {
		free(e->former_names);
		e->former_names =
			former_names_json(table_cell(r, (size_t)m->col[ECOL_FORMER_NAMES]));
	}
	/* 行业代码: a class; "C2614" (section letter first) and 614 (for 0614) accepted. */
	w = v[ECOL_INDUSTRY];
	if (w[0] >= 'A' && w[0] <= 'T' && strlen(w) == 5 && all_digits(w + 1))
		w++;
	if (strlen(w) == 3 && all_digits(w)) {
		e->industry_code[0] = '0';
		memcpy(e->industry_code + 1, w, 4); /* 3 digits and the NUL */
	} else {
		utf8_copy(e->industry_code, sizeof(e->industry_code),
			  strlen(w) < sizeof(e->industry_code) ? w : "?");
	}
	utf8_copy(e->region_code, sizeof(e->region_code),
		  strlen(v[ECOL_REGION]) < sizeof(e->region_code) ? v[ECOL_REGION] : "?");
	if (utf8_len(v[ECOL_GRID]) > 64)
		field_errors_add(fe, "grid", "a grid code has at most 64 characters");
	utf8_copy(grid_code, n, v[ECOL_GRID]);
	take_text(v[ECOL_ADDRESS], 200, e->address, sizeof(e->address), "address", fe);

	/* 纬度, 经度, 坐标系 */
	if (v[ECOL_LAT][0] || v[ECOL_LON][0]) {
		const char *crs = v[ECOL_CRS];
		bool gcj = false;

		if (strcasecmp(crs, "GCJ-02") == 0 || strcasecmp(crs, "gcj02") == 0 ||
		    strcmp(crs, "火星坐标") == 0)
			gcj = true;
		else if (crs[0] && strcasecmp(crs, "CGCS2000") != 0 &&
			 strcasecmp(crs, "WGS-84") != 0 && strcasecmp(crs, "WGS84") != 0)
			field_errors_add(fe, "crs", "must be CGCS2000 or GCJ-02, not '%.40s'", crs);
		if (!parse_double(v[ECOL_LAT], &e->lat))
			field_errors_add(fe, "lat",
					 "latitude and longitude are given together, as decimal "
					 "degrees");
		else if (!parse_double(v[ECOL_LON], &e->lon))
			field_errors_add(fe, "lon",
					 "latitude and longitude are given together, as decimal "
					 "degrees");
		else {
			e->has_location = true;
			if (gcj && enterprise_in_china(e->lat, e->lon))
				geo_gcj02_to_wgs84(e->lat, e->lon, &e->lat, &e->lon);
		}
	}
	take_text(v[ECOL_LEGAL_REP], 60, e->legal_rep, sizeof(e->legal_rep), "legal_rep", fe);
	take_text(v[ECOL_LEGAL_REP_PHONE], 20, e->legal_rep_phone, sizeof(e->legal_rep_phone),
		  "legal_rep_phone", fe);
	take_text(v[ECOL_SAFETY_OFFICER], 60, e->safety_officer, sizeof(e->safety_officer),
		  "safety_officer", fe);
	take_text(v[ECOL_SAFETY_OFFICER_PHONE], 20, e->safety_officer_phone,
		  sizeof(e->safety_officer_phone), "safety_officer_phone", fe);
	if (v[ECOL_EMPLOYEES][0]) {
		if (parse_i64(v[ECOL_EMPLOYEES], &e->employees) < 0 || e->employees < 0 ||
		    e->employees > 10000000) {
			field_errors_add(fe, "employees",
					 "must be a whole number from 0 to 10000000");
			e->employees = -1;
		}
	}
	if (v[ECOL_SCALE][0]) {
		if ((w = enum_value(scale_words, v[ECOL_SCALE])) == NULL)
			field_errors_add(fe, "scale",
					 "must be 微型, 小型, 中型 or 大型 (micro, small, medium, "
					 "large), not '%.40s'",
					 v[ECOL_SCALE]);
		else
			snprintf(e->scale, sizeof(e->scale), "%s", w);
	}
	if (v[ECOL_STD_GRADE][0]) {
		if ((w = enum_value(grade_words, v[ECOL_STD_GRADE])) == NULL)
			field_errors_add(
				fe, "std_grade",
				"must be 无, 一级, 二级 or 三级 (none, 1, 2, 3), not '%.40s'",
				v[ECOL_STD_GRADE]);
		else
			snprintf(e->std_grade, sizeof(e->std_grade), "%s", w);
	}
	if (v[ECOL_STATUS][0]) {
		if ((w = enum_value(status_words, v[ECOL_STATUS])) == NULL)
			field_errors_add(
				fe, "status",
				"must be 在营, 停产 or 关闭 (operating, suspended, closed), "
				"not '%.40s'",
				v[ECOL_STATUS]);
		else
			snprintf(e->status, sizeof(e->status), "%s", w);
	}
	/* The rules of a POST, for the fields not already found bad above. */
	if (fe->n + fe->dropped == before)
		enterprise_check(e, fe);
	return fe->n + fe->dropped > before ? ERR_INVALID : 0;
}

/* ------------------------------------------------------------ export */

void enterprise_sheet_cells(const struct enterprise *e, const char *grid_code, bool mask_phones,
			    char *cells[ECOL_N])
{
	char tmp[64];
	json_error_t jerr;
	json_t *former = json_loads(e->former_names ? e->former_names : "[]", 0, &jerr);
	struct buf b = BUF_INIT;
	size_t i;
	json_t *it;

	cells[ECOL_USCC] = xstrdup(e->uscc);
	cells[ECOL_NAME] = xstrdup(e->name);
	json_array_foreach(former, i, it) {
		if (i)
			buf_adds(&b, "；");
		buf_adds(&b, json_string_value(it) ? json_string_value(it) : "");
	}
	json_decref(former);
	cells[ECOL_FORMER_NAMES] = buf_detach(&b);
	cells[ECOL_INDUSTRY] = xstrdup(e->industry_code);
	cells[ECOL_REGION] = xstrdup(e->region_code);
	cells[ECOL_GRID] = xstrdup(grid_code ? grid_code : "");
	cells[ECOL_ADDRESS] = xstrdup(e->address);
	if (e->has_location) {
		snprintf(tmp, sizeof(tmp), "%.7f", e->lat);
		cells[ECOL_LAT] = xstrdup(tmp);
		snprintf(tmp, sizeof(tmp), "%.7f", e->lon);
		cells[ECOL_LON] = xstrdup(tmp);
		cells[ECOL_CRS] = xstrdup("CGCS2000");
	} else {
		cells[ECOL_LAT] = xstrdup("");
		cells[ECOL_LON] = xstrdup("");
		cells[ECOL_CRS] = xstrdup("");
	}
	cells[ECOL_LEGAL_REP] = xstrdup(e->legal_rep);
	cells[ECOL_SAFETY_OFFICER] = xstrdup(e->safety_officer);
	if (mask_phones) {
		enterprise_phone_mask(e->legal_rep_phone, tmp, sizeof(tmp));
		cells[ECOL_LEGAL_REP_PHONE] = xstrdup(tmp);
		enterprise_phone_mask(e->safety_officer_phone, tmp, sizeof(tmp));
		cells[ECOL_SAFETY_OFFICER_PHONE] = xstrdup(tmp);
	} else {
		cells[ECOL_LEGAL_REP_PHONE] = xstrdup(e->legal_rep_phone);
		cells[ECOL_SAFETY_OFFICER_PHONE] = xstrdup(e->safety_officer_phone);
	}
	if (e->employees >= 0)
		snprintf(tmp, sizeof(tmp), "%lld", (long long)e->employees);
	else
		tmp[0] = '\0';
	cells[ECOL_EMPLOYEES] = xstrdup(tmp);
	cells[ECOL_SCALE] = xstrdup(e->scale[0] ? enum_zh(scale_words, e->scale) : "");
	cells[ECOL_STD_GRADE] = xstrdup(enum_zh(grade_words, e->std_grade));
	cells[ECOL_STATUS] = xstrdup(enum_zh(status_words, e->status));
	for (int c = 0; c < ECOL_N; c++)
		if (quoted_formula(cells[c])) { /* '=x comes back as '=x, not =x */
			char *q = xmalloc(strlen(cells[c]) + 2);

			q[0] = '\'';
			memcpy(q + 1, cells[c], strlen(cells[c]) + 1);
			free(cells[c]);
			cells[c] = q;
		}
}

void enterprise_sheet_cells_free(char *cells[ECOL_N])
{
	for (int c = 0; c < ECOL_N; c++) {
		free(cells[c]);
		cells[c] = NULL;
	}
}
