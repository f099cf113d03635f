/* SPDX-License-Identifier: MIT */
/*
 * Risk grading rules (risk.h says what; docs/risk.md the sources). Pure: the grading
 * tables are parsed from CSV text, the LEC scale is a table below, dates are day numbers.
 */
#include "risk/risk.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/banned.h"

/* The LEC scales x 10 (STANDARDS.md §2.1, data/risk/lec_scales.csv). 0 ends a list. */
static const int lec_scale_x10[3][8] = {
	[RISK_FACTOR_L] = { 100, 60, 30, 10, 5, 2, 1, 0 },
	[RISK_FACTOR_E] = { 100, 60, 30, 20, 10, 5, 0 },
	[RISK_FACTOR_C] = { 1000, 400, 150, 70, 30, 10, 0 },
};
static const char *const lec_field[3] = { "l", "e", "c" };

int risk_lec_factor(enum risk_factor f, double v, int *x10, struct errmsg *m)
{
	double t;
	int r;

	if ((int)f < 0 || (int)f > 2)
		return errmsg_set(m, "factor", "unknown factor");
	/* v != v: NaN; the range check keeps the int conversion defined. */
	if (v != v || !(v > 0.0 && v <= 100.0))
		return errmsg_set(m, lec_field[f], "not a value of the scale");
	t = v * 10.0;
	r = (int)(t + 0.5);
	if (t - r > 1e-9 || r - t > 1e-9)
		return errmsg_set(m, lec_field[f], "not a value of the scale");
	for (int i = 0; lec_scale_x10[f][i] != 0; i++) {
		if (lec_scale_x10[f][i] == r) {
			*x10 = r;
			return 0;
		}
	}
	return errmsg_set(m, lec_field[f], "not a value of the scale");
}

int64_t risk_lec_d_x1000(int l10, int e10, int c10)
{
	return (int64_t)l10 * e10 * c10;
}

enum risk_grade risk_grade_value(const struct risk_table *t, int64_t value)
{
	if (value < t->min[3] || (t->method == RISK_LS && value > 25))
		return RISK_GRADE_NONE;
	for (int g = 0; g < 3; g++) {
		if (t->boundary_gt ? value > t->min[g] : value >= t->min[g])
			return (enum risk_grade)(g + 1);
	}
	return RISK_BLUE;
}

int risk_lec_assess(const struct risk_table *t, double l, double e, double c, int64_t *d_x1000,
		    enum risk_grade *grade, struct errmsg *m)
{
	int l10, e10, c10;

	if (t->method != RISK_LEC)
		return errmsg_set(m, "table", "not an LEC table");
	if (risk_lec_factor(RISK_FACTOR_L, l, &l10, m) != 0 ||
	    risk_lec_factor(RISK_FACTOR_E, e, &e10, m) != 0 ||
	    risk_lec_factor(RISK_FACTOR_C, c, &c10, m) != 0)
		return ERR_INVALID;
	*d_x1000 = risk_lec_d_x1000(l10, e10, c10);
	*grade = risk_grade_value(t, *d_x1000);
	return 0;
}

int risk_ls_assess(const struct risk_table *t, int l, int s, int *r, enum risk_grade *grade,
		   struct errmsg *m)
{
	if (t->method != RISK_LS)
		return errmsg_set(m, "table", "not an LS table");
	if (l < 1 || l > 5)
		return errmsg_set(m, "l", "must be an integer 1..5");
	if (s < 1 || s > 5)
		return errmsg_set(m, "s", "must be an integer 1..5");
	*r = l * s;
	*grade = risk_grade_value(t, *r);
	return 0;
}

/* ------------------------------------------------------------ the table parser */

/* One CSV line's fields (no quoting: the grading-table format has none). */
#define MAX_FIELDS 5
#define FIELD_MAX  64

/*
 * Splits the line [s, e) into exactly MAX_FIELDS comma-separated fields, each shorter
 * than FIELD_MAX. Returns 0 or ERR_INVALID.
 */
static int split_line(const char *s, const char *e, char f[MAX_FIELDS][FIELD_MAX])
{
	int n = 0;
	const char *p = s;

	for (;;) {
		const char *q = p;
		size_t len;

		while (q < e && *q != ',')
			q++;
		if (n == MAX_FIELDS)
			return ERR_INVALID;
		len = (size_t)(q - p);
		if (len >= FIELD_MAX)
			return ERR_INVALID;
		memcpy(f[n], p, len);
		f[n][len] = '\0';
		n++;
		if (q == e)
			break;
		p = q + 1;
	}
	return n == MAX_FIELDS ? 0 : ERR_INVALID;
}

static bool id_ok(const char *s)
{
	if (!*s || strlen(s) >= RISK_TABLE_ID_MAX)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	}
	return true;
}

/*
 * Parses a decimal "123" or "123.456" (at most 3 fraction digits, at most 9 integer
 * digits) into thousandths. Returns 0 or ERR_INVALID.
 */
static int parse_milli(const char *s, int64_t *out)
{
	int64_t v = 0;
	int ni = 0, nf = 0;

	for (; *s >= '0' && *s <= '9'; s++, ni++) {
		if (ni == 9)
			return ERR_INVALID;
		v = v * 10 + (*s - '0');
	}
	if (ni == 0)
		return ERR_INVALID;
	v *= 1000;
	if (*s == '.') {
		int64_t scale = 100;

		s++;
		for (; *s >= '0' && *s <= '9'; s++, nf++) {
			if (nf == 3)
				return ERR_INVALID;
			v += (*s - '0') * scale;
			scale /= 10;
		}
		if (nf == 0)
			return ERR_INVALID;
	}
	if (*s)
		return ERR_INVALID;
	*out = v;
	return 0;
}

int risk_table_parse(const char *text, const char *id, struct risk_table *out, int *line,
		     struct errmsg *m)
{
	static const char header[] = "table_id,method,boundary,grade,min";
	struct risk_table t;
	bool seen[4] = { false, false, false, false };
	int at[4] = { 0, 0, 0, 0 }; /* the line of each grade's row */
	bool have_header = false;
	int rows = 0;
	int ln = 0;
	const char *p = text;

	memset(&t, 0, sizeof(t));
	*line = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		const char *next = e ? e + 1 : p + strlen(p);
		char f[MAX_FIELDS][FIELD_MAX];
		enum risk_method method;
		bool gt;
		int64_t v;
		int grade;

		if (!e)
			e = next;
		ln++;
		if (e > p && e[-1] == '\r')
			e--;
		if (e == p || *p == '#') {
			p = next;
			continue;
		}
		*line = ln;
		if (!have_header) {
			if ((size_t)(e - p) != sizeof(header) - 1 ||
			    memcmp(p, header, sizeof(header) - 1) != 0)
				return errmsg_set(m, "table", "line %d: expected the header '%s'",
						  ln, header);
			have_header = true;
			p = next;
			continue;
		}
		if (split_line(p, e, f) != 0)
			return errmsg_set(m, "table", "line %d: expected 5 fields", ln);
		if (!id_ok(f[0]))
			return errmsg_set(m, "table", "line %d: bad table_id", ln);
		if (strcmp(f[1], "lec") == 0)
			method = RISK_LEC;
		else if (strcmp(f[1], "ls") == 0)
			method = RISK_LS;
		else
			return errmsg_set(m, "table", "line %d: method must be lec or ls", ln);
		if (strcmp(f[2], "ge") == 0)
			gt = false;
		else if (strcmp(f[2], "gt") == 0)
			gt = true;
		else
			return errmsg_set(m, "table", "line %d: boundary must be ge or gt", ln);
		if (strlen(f[3]) != 1 || f[3][0] < '1' || f[3][0] > '4')
			return errmsg_set(m, "table", "line %d: grade must be 1..4", ln);
		grade = f[3][0] - '0';
		if (parse_milli(f[4], &v) != 0)
			return errmsg_set(m, "table", "line %d: bad min", ln);
		if (method == RISK_LS) {
			if (v % 1000 != 0 || v < 1000 || v > 25000)
				return errmsg_set(m, "table",
						  "line %d: LS min must be an integer 1..25", ln);
			v /= 1000;
		}
		p = next;
		if (strcmp(f[0], id) != 0)
			continue;
		if (rows == 0) {
			t.method = method;
			t.boundary_gt = gt;
		} else if (t.method != method || t.boundary_gt != gt) {
			return errmsg_set(m, "table", "line %d: method or boundary differs", ln);
		}
		if (seen[grade - 1])
			return errmsg_set(m, "table", "line %d: grade %d twice", ln, grade);
		seen[grade - 1] = true;
		at[grade - 1] = ln;
		t.min[grade - 1] = v;
		rows++;
	}
	if (!have_header) {
		*line = 0;
		return errmsg_set(m, "table", "empty: no header");
	}
	if (rows != 4) {
		*line = 0;
		return errmsg_set(m, "table", "table '%s': needs grades 1..4, has %d", id, rows);
	}
	for (int g = 1; g < 4; g++) {
		*line = at[g];
		if (t.min[g] >= t.min[g - 1])
			return errmsg_set(m, "table",
					  "table '%s': grade %d's min not below grade %d's", id,
					  g + 1, g);
	}
	*line = at[3];
	if (t.min[3] != (t.method == RISK_LEC ? 0 : 1))
		return errmsg_set(m, "table", "table '%s': grade 4's min must be %d", id,
				  t.method == RISK_LEC ? 0 : 1);
	*line = 0;
	snprintf(t.id, sizeof(t.id), "%s", id);
	*out = t;
	return 0;
}

void risk_table_default(enum risk_method method, struct risk_table *out)
{
	static const struct risk_table lec = {
		RISK_TABLE_LEC_DEFAULT, RISK_LEC, false, { 320000, 160000, 70000, 0 }
	};
	static const struct risk_table ls = {
		RISK_TABLE_LS_DEFAULT, RISK_LS, false, { 20, 15, 9, 1 }
	};

	*out = method == RISK_LS ? ls : lec;
}

/* ------------------------------------------------------------ names and levels */

const char *risk_grade_colour(enum risk_grade g)
{
	static const char *const n[] = { "?", "red", "orange", "yellow", "blue" };

	return (int)g >= 1 && (int)g <= 4 ? n[g] : "?";
}

const char *risk_grade_colour_zh(enum risk_grade g)
{
	static const char *const n[] = { "?", "红", "橙", "黄", "蓝" };

	return (int)g >= 1 && (int)g <= 4 ? n[g] : "?";
}

const char *risk_grade_name_zh(enum risk_grade g)
{
	static const char *const n[] = { "?", "重大风险", "较大风险", "一般风险", "低风险" };

	return (int)g >= 1 && (int)g <= 4 ? n[g] : "?";
}

enum risk_control_level risk_grade_control_level(enum risk_grade g)
{
	/* The enums line up: red 1 -> company 1 ... blue 4 -> post 4. */
	return (int)g >= 1 && (int)g <= 4 ? (enum risk_control_level)g : RISK_LEVEL_NONE;
}

const char *risk_control_level_name(enum risk_control_level l)
{
	static const char *const n[] = { "?", "company", "department", "team", "post" };

	return (int)l >= 1 && (int)l <= 4 ? n[l] : "?";
}

enum risk_grade risk_point_grade(const enum risk_grade *sources, size_t n)
{
	int best = 0;

	for (size_t i = 0; i < n; i++) {
		int g = (int)sources[i];

		if (g >= 1 && g <= 4 && (best == 0 || g < best))
			best = g;
	}
	return (enum risk_grade)best;
}

enum risk_grade risk_enterprise_grade(const enum risk_grade *points, size_t n)
{
	/* The same "highest wins" as a point's, over points instead of sources. */
	return risk_point_grade(points, n);
}

enum risk_control_level risk_control_level_parse(const char *s)
{
	for (int l = RISK_LEVEL_COMPANY; s && l <= RISK_LEVEL_POST; l++)
		if (strcmp(s, risk_control_level_name((enum risk_control_level)l)) == 0)
			return (enum risk_control_level)l;
	return RISK_LEVEL_NONE;
}

bool risk_control_level_enough(enum risk_control_level held, enum risk_grade g)
{
	enum risk_control_level need = risk_grade_control_level(g);

	if (held < RISK_LEVEL_COMPANY || held > RISK_LEVEL_POST)
		return false;
	/* Company (1) is the highest level: a number at most the required one is enough. */
	return need == RISK_LEVEL_NONE || held <= need;
}

int risk_polygon_check(const double *xy, size_t n, int width, int height, struct errmsg *m)
{
	if (n < 3 || n > RISK_POLYGON_MAX)
		return errmsg_set(m, "polygon", "must have 3 to %d vertices, not %zu",
				  RISK_POLYGON_MAX, n);
	for (size_t i = 0; i < n; i++) {
		double x = xy[2 * i], y = xy[2 * i + 1];

		if (!isfinite(x) || !isfinite(y))
			return errmsg_set(m, "polygon", "vertex %zu is not a pair of numbers", i);
		if (x < 0 || y < 0 || (width > 0 && height > 0 && (x > width || y > height)))
			return errmsg_set(m, "polygon",
					  "vertex %zu (%g, %g) lies outside the site plan (0..%d x "
					  "0..%d)",
					  i, x, y, width, height);
	}
	return 0;
}

/* ------------------------------------------------------------ reassessment */

int64_t risk_reassess_due(int64_t assessed)
{
	char buf[16], next[32];
	int y, mo, d;
	int64_t due = 0;

	/* Through the text form: core/clock.h keeps its civil conversions private. */
	date_format(assessed, buf, sizeof(buf));
	y = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 + (buf[3] - '0');
	mo = (buf[5] - '0') * 10 + (buf[6] - '0');
	d = (buf[8] - '0') * 10 + (buf[9] - '0');
	if (mo == 2 && d == 29)
		d = 28;
	snprintf(next, sizeof(next), "%04d-%02d-%02d", y + 1, mo, d);
	if (date_parse(next, &due) != 0)
		return assessed + 365; /* outside 1900..2999: a plain year of days */
	return due;
}

bool risk_reassess_is_due(int64_t assessed, int64_t today)
{
	return today >= risk_reassess_due(assessed);
}
