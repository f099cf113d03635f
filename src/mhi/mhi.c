/* SPDX-License-Identifier: MIT */
/*
 * GB 18218-2018 rules (mhi.h says what, docs/mhi.md the clauses and the data). Pure:
 * the tables are parsed from CSV text with report/table.h's RFC 4180 reader, and an
 * assessment is arithmetic over a common denominator, so S >= 1 and the Table 6 bounds
 * are decided exactly.
 */
#include "mhi/mhi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "report/table.h"
#include "core/banned.h"

/*
 * 128-bit integers for the exact sums (mhi.h: the bounds of an assessment keep every
 * product below 2^127). __extension__ keeps -Wpedantic quiet about a GCC/Clang type.
 */
__extension__ typedef __int128 i128;

/* The largest common denominator of an assessment's Q values, in kg (all of the
 * standard's Q divide 15 000 t). */
#define LCM_MAX 1000000000000LL
/* Beta and alpha are at most 100 (the standard's largest: 20 and 2). */
#define FACTOR_MILLI_MAX 100000

/* ------------------------------------------------------------ tables */

static const char *const table_file[MHI_TABLE_COUNT] = {
	[MHI_TABLE1] = "gb18218_table1.csv",	 [MHI_TABLE2] = "gb18218_table2.csv",
	[MHI_TABLE3] = "gb18218_beta_named.csv", [MHI_TABLE4] = "gb18218_beta_category.csv",
	[MHI_TABLE5] = "gb18218_alpha.csv",	 [MHI_TABLE6] = "gb18218_grades.csv",
};

/* The header row each file must start with (NULL ends a list). */
static const char *const table_header[MHI_TABLE_COUNT][8] = {
	[MHI_TABLE1] = { "seq", "name_zh", "name_en", "alias_zh", "cas", "critical_quantity_t",
			 "note", NULL },
	[MHI_TABLE2] = { "hazard_group", "hazard_class_zh", "symbol", "category_desc_zh",
			 "category_desc_en", "critical_quantity_t", "note", NULL },
	[MHI_TABLE3] = { "name_zh", "name_en", "cas", "beta", NULL },
	[MHI_TABLE4] = { "hazard_class_zh", "symbol", "beta", NULL },
	[MHI_TABLE5] = { "label_zh", "people_min", "people_max", "alpha", NULL },
	[MHI_TABLE6] = { "grade_zh", "grade", "condition", "r_min_inclusive", "r_max_exclusive",
			 NULL },
};

static const char *const table_field[MHI_TABLE_COUNT] = {
	"table1", "table2", "table3", "table4", "table5", "table6",
};

const char *mhi_table_file(enum mhi_table_id id)
{
	return (int)id >= 0 && id < MHI_TABLE_COUNT ? table_file[id] : NULL;
}

void mhi_tables_init(struct mhi_tables *t)
{
	memset(t, 0, sizeof(*t));
}

static void chemicals_free(struct mhi_chemical *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name_zh);
		free(c[i].name_en);
		free(c[i].aliases);
		free(c[i].cas);
	}
	free(c);
}

static void categories_free(struct mhi_category *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].class_zh);
		free(c[i].desc_zh);
		free(c[i].desc_en);
	}
	free(c);
}

static void named_free(struct mhi_named_beta *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].name_zh);
		free(b[i].name_en);
	}
	free(b);
}

static void alphas_free(struct mhi_alpha *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].label_zh);
	free(a);
}

static void grades_free(struct mhi_grade_band *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].label_zh);
	free(g);
}

void mhi_tables_release(struct mhi_tables *t)
{
	chemicals_free(t->chemicals, t->nchemicals);
	categories_free(t->categories, t->ncategories);
	named_free(t->named_betas, t->nnamed_betas);
	alphas_free(t->alphas, t->nalphas);
	grades_free(t->grades, t->ngrades);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ small parsers */

/*
 * A decimal "123" or "0.75" (at most 9 integer and 3 fraction digits) into thousandths.
 * Returns 0 or ERR_INVALID.
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

/* A non-negative integer of at most 9 digits. Returns 0 or ERR_INVALID. */
static int parse_count(const char *s, int *out)
{
	int v = 0, n = 0;

	for (; *s >= '0' && *s <= '9'; s++, n++) {
		if (n == 9)
			return ERR_INVALID;
		v = v * 10 + (*s - '0');
	}
	if (n == 0 || *s)
		return ERR_INVALID;
	*out = v;
	return 0;
}

int mhi_tonnes_parse(const char *s, int64_t *kg)
{
	return parse_milli(s, kg);
}

int mhi_tonnes_from_double(double t, int64_t *kg)
{
	/* t != t: NaN. */
	if (t != t || t < 0.0 || t > 1e9)
		return ERR_INVALID;
	*kg = (int64_t)(t * 1000.0 + 0.5);
	return 0;
}

/* [s, s+n) has the shape of a CAS number: 2-7 digits, '-', 2 digits, '-', 1 digit. */
static bool cas_valid_n(const char *s, size_t n)
{
	size_t i = 0, d1 = 0;
	int sum = 0, w, digits[10], nd = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9' && d1 < 8) {
		digits[nd++] = s[i] - '0';
		i++, d1++;
	}
	if (d1 < 2 || d1 > 7 || i + 5 != n || s[i] != '-' || s[i + 3] != '-')
		return false;
	for (size_t k = i + 1; k < n; k++) {
		if (k == i + 3)
			continue;
		if (s[k] < '0' || s[k] > '9')
			return false;
	}
	digits[nd++] = s[i + 1] - '0';
	digits[nd++] = s[i + 2] - '0';
	/* Check digit: sum of the other digits weighted 1, 2, 3 ... from the right, mod 10. */
	w = 1;
	for (int k = nd - 1; k >= 0; k--, w++)
		sum += digits[k] * w;
	return sum % 10 == s[n - 1] - '0';
}

bool mhi_cas_valid(const char *s)
{
	return s != NULL && cas_valid_n(s, strlen(s));
}

/*
 * Copies s into out (size n) for comparison: spaces, tabs and U+3000 dropped, full-width
 * ASCII forms (U+FF01..FF5E: （ ） ， ＜ ＞ ％ digits) turned into ASCII, ASCII letters
 * lower-cased. Longer text is cut (no match is then expected).
 */
static void norm(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p && o + 1 < n) {
		unsigned char c = p[0];

		if (c == ' ' || c == '\t') {
			p++;
			continue;
		}
		if (c == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
			p += 3;
			continue;
		}
		if (c == 0xEF && p[1] == 0xBC && p[2] >= 0x81 && p[2] <= 0xBF) {
			c = (unsigned char)(0x20 + (p[2] - 0x80));
			p += 3;
		} else if (c == 0xEF && p[1] == 0xBD && p[2] >= 0x80 && p[2] <= 0x9E) {
			c = (unsigned char)(0x60 + (p[2] - 0x80));
			p += 3;
		} else {
			p++;
		}
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

#define NAME_MAX_BYTES 512

/* True when the list "a;b;c" (raw) has an element equal to nkey once normalised. */
static bool list_has(const char *list, const char *nkey)
{
	char part[NAME_MAX_BYTES], n[NAME_MAX_BYTES];
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len < sizeof(part)) {
			memcpy(part, p, len);
			part[len] = '\0';
			norm(part, n, sizeof(n));
			if (n[0] && strcmp(n, nkey) == 0)
				return true;
		}
		p += len;
		if (*p == ';')
			p++;
	}
	return false;
}

/* True when a CAS list "74-82-8;8006-14-2" holds cas (exact). */
static bool cas_list_has(const char *list, const char *cas)
{
	size_t n = strlen(cas);
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && memcmp(p, cas, n) == 0)
			return true;
		p += len;
		if (*p == ';')
			p++;
	}
	return false;
}

/*
 * True when name_zh matches nkey: the whole, or one of its parts separated by a
 * full-width comma outside brackets ("甲烷，天然气"; "硝酸(发红烟的除外，含...)" is one).
 */
static bool name_zh_has(const char *name, const char *nkey)
{
	char part[NAME_MAX_BYTES], n[NAME_MAX_BYTES];
	const char *p = name, *start = name;
	int depth = 0;

	norm(name, n, sizeof(n));
	if (strcmp(n, nkey) == 0)
		return true;
	for (;; p++) {
		bool comma = strncmp(p, "\xEF\xBC\x8C", 3) == 0 && depth == 0;

		if (*p == '(' || strncmp(p, "\xEF\xBC\x88", 3) == 0)
			depth++;
		else if ((*p == ')' || strncmp(p, "\xEF\xBC\x89", 3) == 0) && depth > 0)
			depth--;
		if (comma || *p == '\0') {
			size_t len = (size_t)(p - start);

			if (start != name || *p != '\0') {
				if (len < sizeof(part)) {
					memcpy(part, start, len);
					part[len] = '\0';
					norm(part, n, sizeof(n));
					if (n[0] && strcmp(n, nkey) == 0)
						return true;
				}
			}
			if (*p == '\0')
				break;
			start = p + 3;
			p += 2;
		}
	}
	return false;
}

/* A Table 2 symbol: 'J' or 'W', digits, optionally '.' digits; upper-cased into out[8]. */
static bool symbol_norm(const char *s, char out[8])
{
	char n[32];
	size_t i = 1;

	norm(s, n, sizeof(n));
	if (strlen(n) >= 8 || (n[0] != 'j' && n[0] != 'w'))
		return false;
	if (!(n[i] >= '0' && n[i] <= '9'))
		return false;
	while (n[i] >= '0' && n[i] <= '9')
		i++;
	if (n[i] == '.') {
		i++;
		if (!(n[i] >= '0' && n[i] <= '9'))
			return false;
		while (n[i] >= '0' && n[i] <= '9')
			i++;
	}
	if (n[i])
		return false;
	memcpy(out, n, i + 1); /* i < 8: checked above */
	out[0] = (char)(out[0] - 'a' + 'A');
	return true;
}

/* ------------------------------------------------------------ one table per function */

/*
 * Each row parser reads one data row r of a table (header checked) into the table's
 * growing array. Returns 0 or ERR_INVALID with m's text (the line is added by the caller).
 */

static int row_table1(struct mhi_tables *t, const struct table_row *r, struct errmsg *m)
{
	struct mhi_chemical c;
	const char *cas = table_cell(r, 4);
	int64_t q;
	int seq;

	if (parse_count(table_cell(r, 0), &seq) != 0 || seq < 1)
		return errmsg_set(m, "", "seq must be a positive integer");
	for (size_t i = 0; i < t->nchemicals; i++) {
		if (t->chemicals[i].seq == seq)
			return errmsg_set(m, "", "seq %d twice", seq);
	}
	if (!*table_cell(r, 1))
		return errmsg_set(m, "", "name_zh is empty");
	/* Each CAS of the list must pass its check digit. */
	for (const char *p = cas; *p;) {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!cas_valid_n(p, len))
			return errmsg_set(m, "", "bad CAS number '%.*s'", (int)len, p);
		p += len;
		if (*p == ';')
			p++;
	}
	if (parse_milli(table_cell(r, 5), &q) != 0 || q <= 0)
		return errmsg_set(m, "", "critical_quantity_t must be a decimal > 0");
	c.seq = seq;
	c.name_zh = xstrdup(table_cell(r, 1));
	c.name_en = xstrdup(table_cell(r, 2));
	c.aliases = xstrdup(table_cell(r, 3));
	c.cas = xstrdup(cas);
	c.threshold_kg = q;
	t->chemicals = xrealloc(t->chemicals, (t->nchemicals + 1) * sizeof(*t->chemicals));
	t->chemicals[t->nchemicals++] = c;
	return 0;
}

static int row_table2(struct mhi_tables *t, const struct table_row *r, struct errmsg *m)
{
	struct mhi_category c;
	int64_t q;

	memset(&c, 0, sizeof(c));
	if (!symbol_norm(table_cell(r, 2), c.symbol))
		return errmsg_set(m, "", "bad symbol '%s'", table_cell(r, 2));
	if (mhi_category_find(t, c.symbol))
		return errmsg_set(m, "", "symbol %s twice", c.symbol);
	if (parse_milli(table_cell(r, 5), &q) != 0 || q <= 0)
		return errmsg_set(m, "", "critical_quantity_t must be a decimal > 0");
	c.class_zh = xstrdup(table_cell(r, 1));
	c.desc_zh = xstrdup(table_cell(r, 3));
	c.desc_en = xstrdup(table_cell(r, 4));
	c.threshold_kg = q;
	t->categories = xrealloc(t->categories, (t->ncategories + 1) * sizeof(*t->categories));
	t->categories[t->ncategories++] = c;
	return 0;
}

static int parse_factor(const char *s, int64_t *out)
{
	return parse_milli(s, out) != 0 || *out <= 0 || *out > FACTOR_MILLI_MAX ? ERR_INVALID : 0;
}

static int row_table3(struct mhi_tables *t, const struct table_row *r, struct errmsg *m)
{
	struct mhi_named_beta b;
	const char *cas = table_cell(r, 2);

	memset(&b, 0, sizeof(b));
	if (!*table_cell(r, 0))
		return errmsg_set(m, "", "name_zh is empty");
	if (!mhi_cas_valid(cas) || strlen(cas) >= sizeof(b.cas))
		return errmsg_set(m, "", "bad CAS number '%s'", cas);
	if (mhi_named_beta_find(t, cas))
		return errmsg_set(m, "", "CAS %s twice", cas);
	if (parse_factor(table_cell(r, 3), &b.beta_milli) != 0)
		return errmsg_set(m, "", "beta must be a decimal in (0, 100]");
	snprintf(b.cas, sizeof(b.cas), "%s", cas);
	b.name_zh = xstrdup(table_cell(r, 0));
	b.name_en = xstrdup(table_cell(r, 1));
	t->named_betas = xrealloc(t->named_betas, (t->nnamed_betas + 1) * sizeof(*t->named_betas));
	t->named_betas[t->nnamed_betas++] = b;
	return 0;
}

/* Table 4 sets the betas of the categories in place (no array of its own). */
static int row_table4(struct mhi_tables *t, const struct table_row *r, struct errmsg *m)
{
	struct mhi_category *c;
	char sym[8];
	int64_t beta;

	if (!symbol_norm(table_cell(r, 1), sym))
		return errmsg_set(m, "", "bad symbol '%s'", table_cell(r, 1));
	c = (struct mhi_category *)mhi_category_find(t, sym);
	if (!c)
		return errmsg_set(m, "", "symbol %s is not in Table 2 (parse Table 2 first)", sym);
	if (c->beta_milli != 0)
		return errmsg_set(m, "", "symbol %s twice", sym);
	if (parse_factor(table_cell(r, 2), &beta) != 0)
		return errmsg_set(m, "", "beta must be a decimal in (0, 100]");
	c->beta_milli = beta;
	return 0;
}

static int row_table5(struct mhi_tables *t, const struct table_row *r, struct errmsg *m)
{
	struct mhi_alpha a;

	memset(&a, 0, sizeof(a));
	if (parse_count(table_cell(r, 1), &a.people_min) != 0)
		return errmsg_set(m, "", "people_min must be an integer >= 0");
	if (!*table_cell(r, 2))
		a.people_max = -1;
	else if (parse_count(table_cell(r, 2), &a.people_max) != 0 || a.people_max < a.people_min)
		return errmsg_set(m, "", "people_max must be empty or an integer >= people_min");
	if (parse_factor(table_cell(r, 3), &a.alpha_milli) != 0)
		return errmsg_set(m, "", "alpha must be a decimal in (0, 100]");
	a.label_zh = xstrdup(table_cell(r, 0));
	t->alphas = xrealloc(t->alphas, (t->nalphas + 1) * sizeof(*t->alphas));
	t->alphas[t->nalphas++] = a;
	return 0;
}

static int row_table6(struct mhi_tables *t, const struct table_row *r, struct errmsg *m)
{
	struct mhi_grade_band g;
	const char *lo = table_cell(r, 3), *hi = table_cell(r, 4);

	memset(&g, 0, sizeof(g));
	if (parse_count(table_cell(r, 1), &g.grade) != 0 || g.grade < 1 || g.grade > 4)
		return errmsg_set(m, "", "grade must be 1..4");
	for (size_t i = 0; i < t->ngrades; i++) {
		if (t->grades[i].grade == g.grade)
			return errmsg_set(m, "", "grade %d twice", g.grade);
	}
	g.r_min_milli = -1;
	g.r_max_milli = -1;
	if (*lo && parse_milli(lo, &g.r_min_milli) != 0)
		return errmsg_set(m, "", "r_min_inclusive must be empty or a decimal >= 0");
	if (*hi && parse_milli(hi, &g.r_max_milli) != 0)
		return errmsg_set(m, "", "r_max_exclusive must be empty or a decimal >= 0");
	if (g.r_min_milli >= 0 && g.r_max_milli >= 0 && g.r_max_milli <= g.r_min_milli)
		return errmsg_set(m, "", "r_max_exclusive must be above r_min_inclusive");
	g.label_zh = xstrdup(table_cell(r, 0));
	t->grades = xrealloc(t->grades, (t->ngrades + 1) * sizeof(*t->grades));
	t->grades[t->ngrades++] = g;
	return 0;
}

typedef int (*row_fn)(struct mhi_tables *t, const struct table_row *r, struct errmsg *m);

static const row_fn row_parser[MHI_TABLE_COUNT] = {
	row_table1, row_table2, row_table3, row_table4, row_table5, row_table6,
};

/* Empties table id of t (Table 4: resets the betas; Table 2 also drops them). */
static void table_clear(struct mhi_tables *t, enum mhi_table_id id)
{
	switch (id) {
	case MHI_TABLE1:
		chemicals_free(t->chemicals, t->nchemicals);
		t->chemicals = NULL;
		t->nchemicals = 0;
		break;
	case MHI_TABLE2:
		categories_free(t->categories, t->ncategories);
		t->categories = NULL;
		t->ncategories = 0;
		break;
	case MHI_TABLE3:
		named_free(t->named_betas, t->nnamed_betas);
		t->named_betas = NULL;
		t->nnamed_betas = 0;
		break;
	case MHI_TABLE4:
		for (size_t i = 0; i < t->ncategories; i++)
			t->categories[i].beta_milli = 0;
		break;
	case MHI_TABLE5:
		alphas_free(t->alphas, t->nalphas);
		t->alphas = NULL;
		t->nalphas = 0;
		break;
	case MHI_TABLE6:
		grades_free(t->grades, t->ngrades);
		t->grades = NULL;
		t->ngrades = 0;
		break;
	case MHI_TABLE_COUNT:
		break;
	}
}

int mhi_tables_parse(struct mhi_tables *t, enum mhi_table_id id, const char *text, int *line,
		     struct errmsg *m)
{
	struct table tab;
	struct table_limits lim;
	struct errmsg why;
	char reason[256];
	const char *const *hdr;
	const char *field;
	size_t ncols = 0;
	int rc;

	*line = 0;
	if ((int)id < 0 || id >= MHI_TABLE_COUNT)
		return errmsg_set(m, "table", "unknown table");
	field = table_field[id];
	hdr = table_header[id];
	while (hdr[ncols])
		ncols++;
	table_init(&tab);
	table_limits_default(&lim);
	lim.max_rows = 10000;
	lim.max_cols = 16;
	lim.max_cell_bytes = 1024;
	table_clear(t, id);
	rc = table_csv_parse(text, strlen(text), &lim, &tab, reason, sizeof(reason));
	if (rc != 0) {
		rc = errmsg_set(m, field, "%s", reason);
		goto out;
	}
	if (tab.nrows == 0) {
		rc = errmsg_set(m, field, "empty: no header");
		goto out;
	}
	*line = (int)tab.rows[0].row;
	for (size_t c = 0; c < ncols; c++) {
		if (tab.rows[0].ncells != ncols ||
		    strcmp(table_cell(&tab.rows[0], c), hdr[c]) != 0) {
			rc = errmsg_set(m, field, "line %d: expected the header of %s", *line,
					table_file[id]);
			goto out;
		}
	}
	if (tab.nrows == 1) {
		*line = 0;
		rc = errmsg_set(m, field, "no rows");
		goto out;
	}
	for (size_t i = 1; i < tab.nrows; i++) {
		const struct table_row *r = &tab.rows[i];

		*line = (int)r->row;
		if (r->ncells > ncols) {
			rc = errmsg_set(m, field, "line %d: more than %zu fields", *line, ncols);
			goto out;
		}
		memset(&why, 0, sizeof(why));
		if (row_parser[id](t, r, &why) != 0) {
			rc = errmsg_set(m, field, "line %d: %s", *line, why.text);
			goto out;
		}
	}
	if (id == MHI_TABLE4) {
		for (size_t i = 0; i < t->ncategories; i++) {
			if (t->categories[i].beta_milli == 0) {
				*line = 0;
				rc = errmsg_set(m, field, "category %s of Table 2 has no beta",
						t->categories[i].symbol);
				goto out;
			}
		}
	}
	*line = 0;
	rc = 0;
out:
	if (rc != 0)
		table_clear(t, id);
	table_release(&tab);
	return rc;
}

/* ------------------------------------------------------------ look-ups */

/* True when [s] looks like a CAS number (digits and two dashes), valid or not. */
static bool looks_like_cas(const char *s)
{
	int dashes = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s == '-')
			dashes++;
		else if (*s < '0' || *s > '9')
			return false;
	}
	return dashes == 2;
}

/* nkey: the key normalised (norm()); cas: it is shaped like a CAS number. */
static bool chemical_matches(const struct mhi_chemical *c, const char *nkey, bool cas)
{
	char n[NAME_MAX_BYTES];

	if (cas)
		return cas_list_has(c->cas, nkey);
	if (name_zh_has(c->name_zh, nkey) || list_has(c->aliases, nkey))
		return true;
	norm(c->name_en, n, sizeof(n));
	return n[0] && strcmp(n, nkey) == 0;
}

int mhi_chemical_find(const struct mhi_tables *t, const char *key, const struct mhi_chemical **out,
		      size_t *nmatch)
{
	char nkey[NAME_MAX_BYTES];
	size_t found = 0;
	bool cas;

	*out = NULL;
	norm(key, nkey, sizeof(nkey));
	cas = looks_like_cas(nkey);
	for (size_t i = 0; nkey[0] && i < t->nchemicals; i++) {
		if (chemical_matches(&t->chemicals[i], nkey, cas)) {
			if (found == 0)
				*out = &t->chemicals[i];
			found++;
		}
	}
	if (nmatch)
		*nmatch = found;
	if (found == 0)
		return ERR_NOT_FOUND;
	if (found > 1) {
		*out = NULL;
		return ERR_CONFLICT;
	}
	return 0;
}

size_t mhi_chemical_matches(const struct mhi_tables *t, const char *key,
			    const struct mhi_chemical **out, size_t max)
{
	char nkey[NAME_MAX_BYTES];
	size_t found = 0;
	bool cas;

	norm(key, nkey, sizeof(nkey));
	cas = looks_like_cas(nkey);
	for (size_t i = 0; nkey[0] && i < t->nchemicals; i++) {
		if (chemical_matches(&t->chemicals[i], nkey, cas)) {
			if (found < max)
				out[found] = &t->chemicals[i];
			found++;
		}
	}
	return found;
}

const struct mhi_chemical *mhi_chemical_by_seq(const struct mhi_tables *t, int seq)
{
	for (size_t i = 0; i < t->nchemicals; i++) {
		if (t->chemicals[i].seq == seq)
			return &t->chemicals[i];
	}
	return NULL;
}

const struct mhi_category *mhi_category_find(const struct mhi_tables *t, const char *symbol)
{
	char sym[8];

	if (!symbol_norm(symbol, sym))
		return NULL;
	for (size_t i = 0; i < t->ncategories; i++) {
		if (strcmp(t->categories[i].symbol, sym) == 0)
			return &t->categories[i];
	}
	return NULL;
}

const struct mhi_named_beta *mhi_named_beta_find(const struct mhi_tables *t, const char *key)
{
	char nkey[NAME_MAX_BYTES], n[NAME_MAX_BYTES];
	bool cas;

	norm(key, nkey, sizeof(nkey));
	if (!nkey[0])
		return NULL;
	cas = looks_like_cas(nkey);
	for (size_t i = 0; i < t->nnamed_betas; i++) {
		const struct mhi_named_beta *b = &t->named_betas[i];

		if (cas) {
			if (strcmp(b->cas, nkey) == 0)
				return b;
			continue;
		}
		norm(b->name_zh, n, sizeof(n));
		if (strcmp(n, nkey) == 0)
			return b;
		norm(b->name_en, n, sizeof(n));
		if (n[0] && strcmp(n, nkey) == 0)
			return b;
	}
	return NULL;
}

/* Table 3's row for a Table 1 chemical: by any of its CAS numbers, else by its name. */
static const struct mhi_named_beta *named_beta_of(const struct mhi_tables *t,
						  const struct mhi_chemical *c)
{
	for (size_t i = 0; i < t->nnamed_betas; i++) {
		if (cas_list_has(c->cas, t->named_betas[i].cas))
			return &t->named_betas[i];
	}
	return *c->cas ? NULL : mhi_named_beta_find(t, c->name_zh);
}

int64_t mhi_alpha_milli(const struct mhi_tables *t, int people)
{
	if (people < 0)
		return 0;
	for (size_t i = 0; i < t->nalphas; i++) {
		const struct mhi_alpha *a = &t->alphas[i];

		if (people >= a->people_min && (a->people_max < 0 || people <= a->people_max))
			return a->alpha_milli;
	}
	return 0;
}

/* ------------------------------------------------------------ cross checks */

static int cmp_alpha(const void *a, const void *b)
{
	const struct mhi_alpha *x = a, *y = b;

	return (x->people_min > y->people_min) - (x->people_min < y->people_min);
}

static int cmp_band(const void *a, const void *b)
{
	const struct mhi_grade_band *x = a, *y = b;

	return (x->r_min_milli > y->r_min_milli) - (x->r_min_milli < y->r_min_milli);
}

int mhi_tables_check(const struct mhi_tables *t, struct errmsg *m)
{
	struct mhi_alpha *a = NULL;
	struct mhi_grade_band *g = NULL;
	int rc = 0;

	if (t->nchemicals == 0 || t->ncategories == 0 || t->nnamed_betas == 0 || t->nalphas == 0 ||
	    t->ngrades == 0)
		return errmsg_set(m, "tables", "a table is empty");
	for (size_t i = 0; i < t->ncategories; i++) {
		if (t->categories[i].beta_milli == 0)
			return errmsg_set(m, "table4", "category %s has no beta",
					  t->categories[i].symbol);
	}
	/* Table 3 against Table 1: the same CAS must carry the same name, and back. */
	for (size_t i = 0; i < t->nnamed_betas; i++) {
		const struct mhi_named_beta *b = &t->named_betas[i];
		char nb[NAME_MAX_BYTES], prefix[NAME_MAX_BYTES + 2];

		norm(b->name_zh, nb, sizeof(nb));
		snprintf(prefix, sizeof(prefix), "%s(", nb);
		for (size_t k = 0; k < t->nchemicals; k++) {
			const struct mhi_chemical *c = &t->chemicals[k];
			char nc[NAME_MAX_BYTES];
			bool by_cas = cas_list_has(c->cas, b->cas);
			bool by_name = name_zh_has(c->name_zh, nb) || list_has(c->aliases, nb);

			norm(c->name_zh, nc, sizeof(nc));
			/* "氯化氢" names "氯化氢(无水)": a qualifier after the name. */
			if (by_cas && !by_name && strncmp(nc, prefix, strlen(prefix)) != 0)
				return errmsg_set(m, "table3",
						  "'%s' has CAS %s, which Table 1 gives to '%s'",
						  b->name_zh, b->cas, c->name_zh);
			if (by_name && !by_cas)
				return errmsg_set(m, "table3",
						  "'%s' has CAS %s, Table 1 gives it '%s'",
						  b->name_zh, b->cas, c->cas);
		}
	}
	/* Table 5 tiles 0, 1, ... with the last row open. */
	a = xmalloc(t->nalphas * sizeof(*a));
	memcpy(a, t->alphas, t->nalphas * sizeof(*a));
	qsort(a, t->nalphas, sizeof(*a), cmp_alpha);
	for (size_t i = 0; i < t->nalphas; i++) {
		bool last = i + 1 == t->nalphas;
		int want = i == 0 ? 0 : a[i - 1].people_max + 1;

		if (a[i].people_min != want || (a[i].people_max < 0) != last) {
			rc = errmsg_set(m, "table5", "row '%s' leaves a gap or overlap",
					a[i].label_zh);
			goto out;
		}
	}
	/* Table 6 tiles R >= 0: no lower bound first, each upper bound the next lower one,
	 * grades 4, 3, 2, 1 upwards. */
	if (t->ngrades != 4) {
		rc = errmsg_set(m, "table6", "needs grades 1..4");
		goto out;
	}
	g = xmalloc(t->ngrades * sizeof(*g));
	memcpy(g, t->grades, t->ngrades * sizeof(*g));
	qsort(g, t->ngrades, sizeof(*g), cmp_band);
	for (size_t i = 0; i < t->ngrades; i++) {
		bool last = i + 1 == t->ngrades;
		bool ok = g[i].grade == (int)(4 - i) && (g[i].r_max_milli < 0) == last;

		if (i == 0)
			ok = ok && g[i].r_min_milli <= 0;
		else
			ok = ok && g[i].r_min_milli == g[i - 1].r_max_milli;
		if (!ok) {
			rc = errmsg_set(m, "table6", "band '%s' leaves a gap or overlap",
					g[i].label_zh);
			goto out;
		}
	}
out:
	free(g);
	free(a);
	return rc;
}

/* ------------------------------------------------------------ assessment */

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* The band holding R = num / unit thousandths (exact); 0 when none. */
static int grade_of(const struct mhi_tables *t, i128 num, i128 unit)
{
	for (size_t i = 0; i < t->ngrades; i++) {
		const struct mhi_grade_band *g = &t->grades[i];

		if (g->r_min_milli >= 0 && num < (i128)g->r_min_milli * unit)
			continue;
		if (g->r_max_milli >= 0 && num >= (i128)g->r_max_milli * unit)
			continue;
		if (g->r_min_milli < 0 && num < 0)
			continue;
		return g->grade;
	}
	return 0;
}

int mhi_grade_of_milli(const struct mhi_tables *t, int64_t r_milli)
{
	return grade_of(t, r_milli, 1);
}

const char *mhi_grade_name_zh(int grade)
{
	static const char *const n[] = { "?", "一级", "二级", "三级", "四级" };

	return grade >= 1 && grade <= 4 ? n[grade] : "?";
}

/* Working state of one item. */
struct work {
	struct mhi_line line;
	i128 s_num; /* q x (L / Q) */
	i128 b_num; /* beta_milli x q x (L / Q) */
};

static int cmp_work(const void *a, const void *b)
{
	const struct work *x = a, *y = b;
	i128 kx = x->b_num ? x->b_num : x->s_num, ky = y->b_num ? y->b_num : y->s_num;

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return (x->line.item > y->line.item) - (x->line.item < y->line.item);
}

/*
 * Resolves item i: its Table 1 row or its categories, Q and beta, into w->line.
 * Returns 0 or ERR_INVALID (m names the field).
 */
static int resolve(const struct mhi_tables *t, const struct mhi_item *it, size_t i, struct work *w,
		   struct errmsg *m)
{
	struct mhi_line *l = &w->line;
	const struct mhi_category *cats[MHI_CATEGORY_MAX];
	size_t ncats = 0;
	char field[48];
	const char *label = it->chemical && *it->chemical ? it->chemical : NULL;

	memset(w, 0, sizeof(*w));
	l->item = i;
	l->q_kg = it->q_kg;
	if (it->q_kg < 1 || it->q_kg > MHI_Q_KG_MAX) {
		snprintf(field, sizeof(field), "items[%zu].q_kg", i);
		return errmsg_set(m, field, "must be 1 kg .. 1e9 t");
	}
	if (it->seq != 0) {
		l->chemical = mhi_chemical_by_seq(t, it->seq);
		if (!l->chemical) {
			snprintf(field, sizeof(field), "items[%zu].seq", i);
			return errmsg_set(m, field, "no row %d in Table 1", it->seq);
		}
	} else if (label) {
		size_t nm = 0;
		int rc = mhi_chemical_find(t, label, &l->chemical, &nm);

		if (rc == ERR_CONFLICT) {
			snprintf(field, sizeof(field), "items[%zu].chemical", i);
			return errmsg_set(m, field,
					  "'%s' matches %zu rows of Table 1: give its seq", label,
					  nm);
		}
	}
	/* Categories: symbols separated by ',' ';' or blanks. */
	for (const char *p = it->categories ? it->categories : ""; *p;) {
		char sym[32];
		size_t len = strcspn(p, ",; \t");

		if (len == 0) {
			p++;
			continue;
		}
		snprintf(field, sizeof(field), "items[%zu].categories", i);
		if (len >= sizeof(sym))
			return errmsg_set(m, field, "unknown category");
		memcpy(sym, p, len);
		sym[len] = '\0';
		if (ncats == MHI_CATEGORY_MAX)
			return errmsg_set(m, field, "more than %d categories", MHI_CATEGORY_MAX);
		cats[ncats] = mhi_category_find(t, sym);
		if (!cats[ncats])
			return errmsg_set(m, field, "unknown category '%s' (Table 2)", sym);
		ncats++;
		p += len;
	}
	/* Q: Table 1 (4.1.2 a), else the lowest Q of its categories (4.1.2 b). */
	if (l->chemical) {
		l->threshold_kg = l->chemical->threshold_kg;
	} else if (ncats > 0) {
		l->q_category = cats[0];
		for (size_t k = 1; k < ncats; k++) {
			if (cats[k]->threshold_kg < l->q_category->threshold_kg)
				l->q_category = cats[k];
		}
		l->threshold_kg = l->q_category->threshold_kg;
	} else if (label) {
		snprintf(field, sizeof(field), "items[%zu].chemical", i);
		return errmsg_set(m, field,
				  "'%s' is not in Table 1: give its hazard categories (Table 2)",
				  label);
	} else {
		snprintf(field, sizeof(field), "items[%zu]", i);
		return errmsg_set(m, field, "needs a chemical or its hazard categories");
	}
	/* beta: Table 3, else the largest Table 4 beta of its categories ([U]). */
	l->b_named = l->chemical ? named_beta_of(t, l->chemical)
				 : (label ? mhi_named_beta_find(t, label) : NULL);
	if (l->b_named) {
		l->beta_source = MHI_BETA_TABLE3;
		l->beta_milli = l->b_named->beta_milli;
	} else if (ncats > 0) {
		l->b_category = cats[0];
		for (size_t k = 1; k < ncats; k++) {
			if (cats[k]->beta_milli > l->b_category->beta_milli)
				l->b_category = cats[k];
		}
		l->beta_source = MHI_BETA_TABLE4;
		l->beta_milli = l->b_category->beta_milli;
	}
	return 0;
}

int mhi_assess(const struct mhi_tables *t, const struct mhi_item *items, size_t n, int people,
	       struct mhi_result *out, struct errmsg *m)
{
	struct work *w = NULL;
	int64_t lcm = 1;
	i128 s_num = 0, b_num = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return errmsg_set(m, "items", "an empty unit");
	if (n > MHI_ITEMS_MAX)
		return errmsg_set(m, "items", "more than %d items", MHI_ITEMS_MAX);
	if (people < 0)
		return errmsg_set(m, "people", "must be >= 0");
	out->alpha_milli = mhi_alpha_milli(t, people);
	if (out->alpha_milli == 0)
		return errmsg_set(m, "people", "no row of Table 5 holds %d", people);
	w = xcalloc(n, sizeof(*w));
	out->r_known = true;
	for (size_t i = 0; i < n; i++) {
		int64_t q = 0, g;

		rc = resolve(t, &items[i], i, &w[i], m);
		if (rc != 0)
			goto out;
		q = w[i].line.threshold_kg;
		g = gcd64(lcm, q);
		if (lcm / g > LCM_MAX / q) {
			rc = errmsg_set(m, "items",
					"the critical quantities have no common "
					"denominator within 1e9 t");
			goto out;
		}
		lcm = lcm / g * q;
		if (w[i].line.beta_source == MHI_BETA_NONE)
			out->r_known = false;
	}
	/* Formula 1 and the sum of formula 2 over the common denominator lcm. */
	for (size_t i = 0; i < n; i++) {
		struct mhi_line *l = &w[i].line;

		w[i].s_num = (i128)l->q_kg * (lcm / l->threshold_kg);
		w[i].b_num = w[i].s_num * l->beta_milli;
		s_num += w[i].s_num;
		b_num += w[i].b_num;
		l->ratio = (double)l->q_kg / (double)l->threshold_kg;
	}
	out->s = (double)((long double)s_num / (long double)lcm);
	out->major = s_num >= (i128)lcm;
	if (out->major && !out->r_known) {
		for (size_t i = 0; i < n; i++) {
			if (w[i].line.beta_source == MHI_BETA_NONE) {
				char field[48];

				snprintf(field, sizeof(field), "items[%zu].categories", i);
				rc = errmsg_set(m, field,
						"beta unknown: not a Table 3 gas, give its hazard "
						"categories (Table 4)");
				goto out;
			}
		}
	}
	if (out->r_known) {
		/* R x 1000 = alpha_milli x b_num / (1000 x lcm). */
		i128 r_num = b_num * out->alpha_milli;
		i128 unit = (i128)lcm * 1000;

		out->r = (double)((long double)r_num / ((long double)unit * 1000.0L));
		if (out->major)
			out->grade = grade_of(t, r_num, unit);
		for (size_t i = 0; i < n; i++) {
			struct mhi_line *l = &w[i].line;

			l->r_term = (double)((long double)w[i].b_num * out->alpha_milli /
					     ((long double)lcm * 1e6L));
			l->r_share = b_num ? (double)((long double)w[i].b_num / (long double)b_num)
					   : 0.0;
		}
	}
	if (!out->r_known) {
		for (size_t i = 0; i < n; i++)
			w[i].b_num = 0; /* sort by q/Q */
	}
	qsort(w, n, sizeof(*w), cmp_work);
	out->lines = xcalloc(n, sizeof(*out->lines));
	for (size_t i = 0; i < n; i++)
		out->lines[i] = w[i].line;
	out->nlines = n;
	rc = 0;
out:
	free(w);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

void mhi_result_release(struct mhi_result *r)
{
	if (!r)
		return;
	free(r->lines);
	r->lines = NULL;
	r->nlines = 0;
}
