/* SPDX-License-Identifier: MIT */
/*
 * Risk graded control (风险分级管控, DESIGN §2 "risk", issue 5): the pure rules of
 * assessment and grading. No I/O, no clock: "today" is an argument, tables come in as
 * CSV text. Storage, routes, check tasks and the UI are not built yet (docs/risk.md).
 *
 * Two methods (STANDARDS.md §2):
 *   LEC  D = L x E x C, each factor one of its scale's values (0.1 .. 100);
 *   LS   R = L x S, L and S integers 1..5.
 * A value is graded 1..4 (red, orange, yellow, blue) by a grading table: the lower
 * bounds of grades 1..3 and the boundary rule (">=" or ">"), versioned by an id and
 * read from data (data/risk/grading_tables.csv), since practice varies.
 *
 * Exact arithmetic: every LEC scale value is a whole number of tenths, so a factor is
 * held as value x 10 (an int) and D as D x 1000 (an int64): 0.5 x 6 x 100 is 300000
 * thousandths, never 299.99999.
 */
#ifndef RISK_RISK_H
#define RISK_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errmsg;

enum risk_method {
	RISK_LEC = 0, /* 作业条件危险性评价法, D = L x E x C */
	RISK_LS,      /* 风险矩阵法, R = L x S */
};

/* Grades 1..4, highest risk first; RISK_GRADE_NONE = not graded. */
enum risk_grade {
	RISK_GRADE_NONE = 0,
	RISK_RED = 1,	 /* 重大风险 */
	RISK_ORANGE = 2, /* 较大风险 */
	RISK_YELLOW = 3, /* 一般风险 */
	RISK_BLUE = 4,	 /* 低风险 */
};

/* The LEC factors. */
enum risk_factor {
	RISK_FACTOR_L = 0, /* likelihood, 事故发生的可能性 */
	RISK_FACTOR_E,	   /* exposure, 暴露于危险环境的频繁程度 */
	RISK_FACTOR_C,	   /* consequence, 发生事故产生的后果 */
};

/* The level that holds a grade's controls (issue 5 §3). */
enum risk_control_level {
	RISK_LEVEL_NONE = 0,
	RISK_LEVEL_COMPANY,    /* red: company (公司级) */
	RISK_LEVEL_DEPARTMENT, /* orange: department or workshop (部门/车间级) */
	RISK_LEVEL_TEAM,       /* yellow: team (班组级) */
	RISK_LEVEL_POST,       /* blue: post (岗位级) */
};

/* Longest table id, terminator included. */
#define RISK_TABLE_ID_MAX 64
/* The default tables' ids (data/risk/grading_tables.csv). */
#define RISK_TABLE_LEC_DEFAULT "lec_four_colour_v1"
#define RISK_TABLE_LS_DEFAULT  "ls_db37_v1"

/*
 * A grading table. min[g - 1] is the lower bound of grade g in the method's unit: for
 * LEC, D x 1000; for LS, R. Bounds strictly decrease from grade 1 to grade 4; grade 4's
 * is the floor (LEC 0, LS 1). A value belongs to the first grade g (1..3) with
 * value >= min (boundary_gt false) or value > min (boundary_gt true), else to grade 4.
 */
struct risk_table {
	char id[RISK_TABLE_ID_MAX]; /* versioned name, recorded with each assessment */
	enum risk_method method;
	bool boundary_gt; /* false: ">=" at the bound (STANDARDS.md §2.1's usual mapping) */
	int64_t min[4];
};

/*
 * Parses the table named id out of text, a grading-table CSV (data/risk/
 * grading_tables.csv): the header "table_id,method,boundary,grade,min", then one row
 * per grade: table_id (1..63 of [a-z0-9_]), method "lec" or "ls", boundary "ge" or "gt",
 * grade 1..4, min a decimal >= 0 (LEC: up to 3 fraction digits; LS: an integer 1..25).
 * Blank lines and lines starting with '#' are skipped; "\r\n" endings are accepted.
 * Every row is checked for shape, whatever its table; the rows of id must give each
 * grade once, one method and one boundary, strictly decreasing bounds and grade 4 at the
 * floor (LEC 0, LS 1). Returns 0 with *out filled (*line 0), or ERR_INVALID with *line the
 * 1-based line at fault (for bounds out of order: the lower grade's row; 0 when there is
 * no header, or id has no rows or lacks a grade) and m (may be NULL) the reason.
 */
int risk_table_parse(const char *text, const char *id, struct risk_table *out, int *line,
		     struct errmsg *m);

/* The built-in defaults, the same as data/risk/grading_tables.csv's rows for
 * RISK_TABLE_LEC_DEFAULT (D >= 320 / 160 / 70, STANDARDS.md §2.1) and
 * RISK_TABLE_LS_DEFAULT (R 20-25 / 15-16 / 9-12 / 1-8, STANDARDS.md §2.2, DB37/T 2882). */
void risk_table_default(enum risk_method method, struct risk_table *out);

/*
 * Checks an LEC factor value v against its scale (STANDARDS.md §2.1): L in
 * {10, 6, 3, 1, 0.5, 0.2, 0.1}, E in {10, 6, 3, 2, 1, 0.5}, C in {100, 40, 15, 7, 3, 1};
 * nothing else (no 5, no 0, no NaN). Returns 0 with *x10 = v x 10 (an exact int), or
 * ERR_INVALID (m, may be NULL: field "l", "e" or "c").
 */
int risk_lec_factor(enum risk_factor f, double v, int *x10, struct errmsg *m);

/* D x 1000 from the factors x 10 (exact: l10 x e10 x c10). */
int64_t risk_lec_d_x1000(int l10, int e10, int c10);

/*
 * Grades value (LEC: D x 1000; LS: R) by t. Returns 1..4; RISK_GRADE_NONE for a value
 * below the floor (LEC < 0, LS < 1) or above the method's ceiling (LS > 25).
 */
enum risk_grade risk_grade_value(const struct risk_table *t, int64_t value);

/*
 * An LEC assessment: checks l, e, c (risk_lec_factor), then *d_x1000 = D x 1000 and
 * *grade = its grade by t (t->method must be RISK_LEC). Returns 0 or ERR_INVALID (m names
 * the first bad factor, or "table").
 */
int risk_lec_assess(const struct risk_table *t, double l, double e, double c, int64_t *d_x1000,
		    enum risk_grade *grade, struct errmsg *m);

/*
 * An LS assessment: l and s integers 1..5 (STANDARDS.md §2.2), *r = l x s and *grade its
 * grade by t (t->method must be RISK_LS). Returns 0 or ERR_INVALID (m: "l", "s" or "table").
 */
int risk_ls_assess(const struct risk_table *t, int l, int s, int *r, enum risk_grade *grade,
		   struct errmsg *m);

/* Returns: static "red", "orange", "yellow", "blue" (STANDARDS.md §2.3), or "?". */
const char *risk_grade_colour(enum risk_grade g);
/* Returns: static "红", "橙", "黄", "蓝", or "?". */
const char *risk_grade_colour_zh(enum risk_grade g);
/* Returns: static "重大风险", "较大风险", "一般风险", "低风险" (STANDARDS.md §2.3), or "?". */
const char *risk_grade_name_zh(enum risk_grade g);
/* The level holding g's controls: red company, orange department, yellow team, blue post
 * (issue 5 §3); RISK_LEVEL_NONE for anything else. */
enum risk_control_level risk_grade_control_level(enum risk_grade g);
/* Returns: static "company", "department", "team", "post", or "?". */
const char *risk_control_level_name(enum risk_control_level l);

/*
 * A point's grade: the highest (numerically lowest) of its danger sources' grades
 * (issue 5 §2). Entries outside 1..4 are ignored; RISK_GRADE_NONE when none is left
 * (n = 0 included).
 */
enum risk_grade risk_point_grade(const enum risk_grade *sources, size_t n);

/*
 * An enterprise's grade (issue 5 §2 asks for "a documented rule"; this is the project's
 * rule, docs/risk.md): the highest (numerically lowest) grade of its assessed points, so
 * one red point makes a red enterprise. Entries outside 1..4 (points not assessed) are
 * ignored; RISK_GRADE_NONE while none is assessed (n = 0 included).
 */
enum risk_grade risk_enterprise_grade(const enum risk_grade *points, size_t n);

/* The level named s ("company", "department", "team", "post"), or RISK_LEVEL_NONE. */
enum risk_control_level risk_control_level_parse(const char *s);

/*
 * True when a measure held at level held is high enough for a source of grade g (issue 5
 * §3): red needs company; orange department or higher; yellow team or higher; blue (and
 * an ungraded source) any level. A level outside the enum is never enough.
 */
bool risk_control_level_enough(enum risk_control_level held, enum risk_grade g);

/* Most vertices of a polygon drawn on a site plan. */
#define RISK_POLYGON_MAX 500

/*
 * Checks a polygon drawn on a site plan: n vertices (xy[2i], xy[2i + 1]) in the plan
 * image's pixels, 3..RISK_POLYGON_MAX of them, each coordinate finite and, when the
 * enterprise has a plan (width, height > 0), within 0..width and 0..height. Returns 0 or
 * ERR_INVALID (m, may be NULL: field "polygon" and the reason naming the vertex).
 */
int risk_polygon_check(const double *xy, size_t n, int width, int height, struct errmsg *m);

/*
 * The day a point assessed on local day assessed (a core/clock.h day number) is due for
 * reassessment: the same day of the month 12 months later; 29 February gives 28 February
 * (issue 5 §2: "not reassessed within 12 months" is listed; the date rule is this
 * project's practice). Years 1900..2998.
 */
int64_t risk_reassess_due(int64_t assessed);
/* True when on local day today the point assessed on day assessed is due: today >= due. */
bool risk_reassess_is_due(int64_t assessed, int64_t today);

#endif
