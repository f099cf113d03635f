/* SPDX-License-Identifier: MIT */
/*
 * Major hazard installations of hazardous chemicals (危险化学品重大危险源, GB 18218-2018,
 * DESIGN §2 "mhi", issue 6 point 1): the pure rules of identification and grading. No
 * I/O: the standard's six tables come in as CSV text (data/mhi/), a unit's inventory as
 * an array. Storage, routes and the UI are not built yet (docs/mhi.md).
 *
 *   Q     critical quantity (临界量): Table 1 for a named chemical (4.1.2 a), else the
 *         lowest Table 2 value of its hazard categories (4.1.2 b);
 *   S     = q1/Q1 + ... + qn/Qn; the unit is a major hazard installation when S >= 1
 *         (4.2.1, formula 1; a single chemical: q >= Q);
 *   R     = alpha x (beta1 q1/Q1 + ... + betan qn/Qn) (4.3.2, formula 2): beta from
 *         Table 3 (14 named toxic gases) else Table 4 (by category), alpha from Table 5
 *         (people within 500 m of the plant boundary);
 *   grade 1..4 by Table 6 (R >= 100 one, 100 > R >= 50 two, 50 > R >= 10 three, else
 *         four; grade 1 is the most severe).
 *
 * Units: quantities are held in kilograms (thousandths of a tonne) as int64 (q_kg,
 * threshold_kg), factors in thousandths (beta_milli, alpha_milli), so that S and R are
 * compared with 1 and the grade bounds exactly (a common denominator, 128-bit
 * integers), never as 0.99999999. The doubles in struct mhi_result are for display.
 */
#ifndef MHI_MHI_H
#define MHI_MHI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errmsg;

/* The six tables of GB 18218-2018, each one file of data/mhi/. */
enum mhi_table_id {
	MHI_TABLE1 = 0, /* 表1 named chemicals and Q: gb18218_table1.csv */
	MHI_TABLE2,	/* 表2 hazard categories and Q: gb18218_table2.csv */
	MHI_TABLE3,	/* 表3 beta of named toxic gases: gb18218_beta_named.csv */
	MHI_TABLE4,	/* 表4 beta by category: gb18218_beta_category.csv */
	MHI_TABLE5,	/* 表5 alpha by people exposed: gb18218_alpha.csv */
	MHI_TABLE6,	/* 表6 grade by R: gb18218_grades.csv */
	MHI_TABLE_COUNT,
};

/* A Table 1 row. Strings owned by struct mhi_tables. */
struct mhi_chemical {
	int seq;       /* 序号 1..85 */
	char *name_zh; /* 危险化学品名称和说明, with its qualifier: "氯化氢(无水)" */
	char *name_en; /* our translation */
	char *aliases; /* 别名, ';'-separated, may be "" */
	char *cas;     /* CAS numbers, ';'-separated, may be "" (煤气, 烷基铝) */
	int64_t threshold_kg; /* Q x 1000 */
};

/* A Table 2 category with its Table 4 beta. */
struct mhi_category {
	char symbol[8]; /* "J1" .. "J5", "W1.1" .. "W11" */
	char *class_zh; /* 急性毒性, 易燃液体, ... */
	char *desc_zh;	/* 危险性分类及说明 */
	char *desc_en;
	int64_t threshold_kg; /* Q x 1000 */
	int64_t beta_milli;   /* Table 4's beta x 1000; 0 until Table 4 is parsed */
};

/* A Table 3 row: a named toxic gas and its beta. */
struct mhi_named_beta {
	char *name_zh;
	char *name_en;
	char cas[16];
	int64_t beta_milli;
};

/* A Table 5 row: alpha for people_min..people_max people (people_max -1: no upper bound). */
struct mhi_alpha {
	char *label_zh;
	int people_min;
	int people_max;
	int64_t alpha_milli;
};

/* A Table 6 row: grade for min <= R < max, in thousandths (-1: no bound on that side). */
struct mhi_grade_band {
	char *label_zh; /* 一级 .. 四级 */
	int grade;	/* 1..4 */
	int64_t r_min_milli;
	int64_t r_max_milli;
};

/* The standard's tables. Initialise with mhi_tables_init(), free with _release(). */
struct mhi_tables {
	struct mhi_chemical *chemicals;
	size_t nchemicals;
	struct mhi_category *categories;
	size_t ncategories;
	struct mhi_named_beta *named_betas;
	size_t nnamed_betas;
	struct mhi_alpha *alphas;
	size_t nalphas;
	struct mhi_grade_band *grades;
	size_t ngrades;
};

void mhi_tables_init(struct mhi_tables *t);
/* Frees everything t holds; t may be reused after mhi_tables_init(). NULL-safe members. */
void mhi_tables_release(struct mhi_tables *t);

/* Returns: static file name of table id in data/mhi/ ("gb18218_table1.csv"), or NULL. */
const char *mhi_table_file(enum mhi_table_id id);

/*
 * Parses one table's CSV text (UTF-8, RFC 4180, the header row of data/mhi/'s file,
 * described in docs/mhi.md) into t, replacing what t held of that table. Every row is
 * checked: numbers are decimals with at most 3 fraction digits (Q > 0, beta > 0, alpha >
 * 0), CAS numbers pass the check digit, symbols are J1..J5 / W1.1..W11 shaped, Table 1
 * sequence numbers and Table 2 symbols are unique. Table 4 needs Table 2 first (it sets
 * each category's beta and must name every Table 2 category). Returns 0 (*line 0), or
 * ERR_INVALID with *line the 1-based line at fault (0: the file as a whole, e.g. no rows)
 * and m (may be NULL) the reason, field "table1" .. "table6".
 */
int mhi_tables_parse(struct mhi_tables *t, enum mhi_table_id id, const char *text, int *line,
		     struct errmsg *m);

/*
 * Checks the tables against each other once all six are parsed: every category has a
 * beta (Table 4), Table 3's names and CAS numbers agree with Table 1 wherever either
 * appears there (README of the reference: public copies of Table 1 pair names and CAS
 * numbers wrongly), Table 5 covers 0 people upwards without gap or overlap, and Table 6
 * covers R >= 0 without gap or overlap, grades 1..4 from the top band down. Returns 0 or
 * ERR_INVALID (m: the table and the row).
 */
int mhi_tables_check(const struct mhi_tables *t, struct errmsg *m);

/* True when s is a CAS registry number ("7782-50-5") with a correct check digit. */
bool mhi_cas_valid(const char *s);

/*
 * Finds Table 1 rows by key: a CAS number, or a name compared with name_zh (and each of
 * its parts separated by a full-width comma outside parentheses: "甲烷，天然气"), each
 * alias and name_en (ASCII case ignored); spaces are ignored and full-width brackets,
 * commas and < > count as their ASCII forms. Returns 0 with *out the row, ERR_NOT_FOUND,
 * or ERR_CONFLICT when several rows match (硝化纤维素 rows 37-42 share CAS 9004-70-0,
 * 硝酸铵 rows 43-44 share 6484-52-2): choose one with mhi_chemical_by_seq(). *nmatch (may
 * be NULL) receives the number of rows matched. Returns: *out borrowed from t.
 */
int mhi_chemical_find(const struct mhi_tables *t, const char *key, const struct mhi_chemical **out,
		      size_t *nmatch);
/*
 * The Table 1 rows key matches, as mhi_chemical_find() compares them (the candidates of
 * an ambiguous key, for the caller to choose one by seq): at most max of them into
 * out[] in table order. Returns: the number of rows matched (may exceed max); rows
 * borrowed from t.
 */
size_t mhi_chemical_matches(const struct mhi_tables *t, const char *key,
			    const struct mhi_chemical **out, size_t max);
/* Returns: the Table 1 row with that sequence number (borrowed), or NULL. */
const struct mhi_chemical *mhi_chemical_by_seq(const struct mhi_tables *t, int seq);
/* Returns: the category with that symbol ("W5.3", case and spaces ignored), or NULL. */
const struct mhi_category *mhi_category_find(const struct mhi_tables *t, const char *symbol);
/*
 * Returns: the Table 3 row for a CAS number or a name (compared as in mhi_chemical_find),
 * or NULL: borrowed.
 */
const struct mhi_named_beta *mhi_named_beta_find(const struct mhi_tables *t, const char *key);
/* Table 5: alpha x 1000 for people >= 0 within 500 m; 0 when people < 0 or no row holds it. */
int64_t mhi_alpha_milli(const struct mhi_tables *t, int people);

/*
 * Parses a quantity in tonnes written as a decimal ("26.64", "0.075", at most 3 fraction
 * digits, at most 9 integer digits) into kilograms. Returns 0 or ERR_INVALID.
 */
int mhi_tonnes_parse(const char *s, int64_t *kg);
/* Tonnes as a number (a JSON value) to kilograms, rounded to the nearest kilogram; NaN,
 * negatives and more than 1e9 t are ERR_INVALID. */
int mhi_tonnes_from_double(double t, int64_t *kg);

/* Limits of one assessment (bounds keep the exact arithmetic inside 128 bits). */
#define MHI_ITEMS_MAX	 256
#define MHI_Q_KG_MAX	 1000000000000LL /* 1e9 t */
#define MHI_CATEGORY_MAX 8		 /* categories on one item */

/*
 * One chemical (or mixture) in a unit's inventory. A Table 1 chemical: chemical (a name,
 * alias or CAS) or seq (its Table 1 number, which wins; needed where a key matches several
 * rows). Anything else: its GB 30000 hazard categories, and chemical only as a label (it
 * is still matched against Table 3 for beta, e.g. 一氧化碳). A mixture of the same hazard
 * class as its pure substance is entered as that substance with the mixture's whole mass;
 * any other mixture by the categories of its own class (4.2.3).
 */
struct mhi_item {
	const char *chemical;	/* may be NULL */
	int seq;		/* Table 1 序号, 0: none */
	const char *categories; /* Table 2 symbols separated by ',' ';' or spaces; may be NULL */
	int64_t q_kg;		/* design maximum quantity (4.2.2), kg, 1..MHI_Q_KG_MAX */
};

/* Where an item's beta came from. */
enum mhi_beta_source {
	MHI_BETA_NONE = 0, /* unknown: no Table 3 match and no category given */
	MHI_BETA_TABLE3,   /* a named toxic gas */
	MHI_BETA_TABLE4,   /* by category: the largest beta of its categories ([U], docs/mhi.md) */
};

/* One item of the explanation: its part of S and of R. */
struct mhi_line {
	size_t item;			       /* index in the input */
	const struct mhi_chemical *chemical;   /* Table 1 row, or NULL (borrowed) */
	const struct mhi_category *q_category; /* the category giving Q when not Table 1 */
	const struct mhi_category *b_category; /* the category giving beta (Table 4) */
	const struct mhi_named_beta *b_named;  /* the Table 3 row giving beta */
	enum mhi_beta_source beta_source;
	int64_t q_kg;
	int64_t threshold_kg; /* Q */
	int64_t beta_milli;   /* 0 when beta_source is MHI_BETA_NONE */
	double ratio;	      /* q / Q */
	double r_term;	      /* alpha x beta x q / Q (0 when R is not known) */
	double r_share;	      /* r_term / R, 0..1: how much of R this item makes */
};

struct mhi_result {
	double s;		/* S, formula 1 */
	bool major;		/* S >= 1, exactly: 重大危险源 (4.2.1) */
	int64_t alpha_milli;	/* Table 5 */
	bool r_known;		/* every item has a beta */
	double r;		/* R, formula 2, when r_known */
	int grade;		/* 1..4 by Table 6 when major (and r_known), else 0 */
	struct mhi_line *lines; /* owned: one per item, by r_term (else ratio) descending */
	size_t nlines;
};

/*
 * Identifies and grades one unit (生产单元 or 储存单元) holding items[0..n) with people
 * people normally living within 500 m outside the plant boundary (Table 5). Each item's Q
 * comes from Table 1 (seq, or chemical found there) else from the lowest Q of its
 * categories (4.1.2 b); its beta from Table 3 (by the Table 1 row's CAS numbers, or the
 * chemical's name or CAS) else the largest Table 4 beta of its categories. S decides
 * major; a major unit must have every beta (else ERR_INVALID naming the item) and gets
 * R and its grade; a unit that is not major gets R when every beta is known, grade 0.
 * Returns 0 with *out filled (release with mhi_result_release()), or ERR_INVALID with m
 * naming the field ("items[2].chemical", "items[0].categories", "items[1].q_kg",
 * "people", "items") and why; *out is then empty.
 */
int mhi_assess(const struct mhi_tables *t, const struct mhi_item *items, size_t n, int people,
	       struct mhi_result *out, struct errmsg *m);
/* Frees the lines of r. NULL-safe. */
void mhi_result_release(struct mhi_result *r);

/*
 * Table 6's grade of R = r_milli / 1000 (R x 1000 exact, e.g. 100000 for R = 100):
 * 1..4, 0 when no band holds it (negative). For display and tests; mhi_assess() grades
 * with the exact fraction.
 */
int mhi_grade_of_milli(const struct mhi_tables *t, int64_t r_milli);
/* Returns: static "一级", "二级", "三级", "四级", or "?". */
const char *mhi_grade_name_zh(int grade);

#endif
