/* SPDX-License-Identifier: MIT */
/*
 * Gas table lookup and GB/T 50493-2019 default set points (gas.h). The CSV reader here
 * is the minimum the gas table needs: RFC 4180 quoting, fixed field count, bounded field
 * length; it allocates nothing.
 */
#include "monitor/gas.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/banned.h"

#define GAS_FIELDS    13
#define GAS_FIELD_MAX 256

static const char GAS_HEADER[] =
	"name_zh,name_en,cas,formula,mol_weight,lel_pct_vol,uel_pct_vol,mac_mg_m3,"
	"pc_twa_mg_m3,pc_stel_mg_m3,oel_used_for_alarm_mg_m3,idlh_ppm_niosh,notes";

/*
 * Splits the record starting at *s into f; *s moves past its line end. Returns the field
 * count, or -1 for a bad record (unterminated quote, a field too long, too many fields).
 */
static int split_record(const char **s, char f[GAS_FIELDS][GAS_FIELD_MAX])
{
	const char *p = *s;
	int n = 0;
	size_t len = 0;
	bool quoted = false, bad = false;

	f[0][0] = '\0';
	for (;;) {
		char ch = *p;

		if (quoted) {
			if (ch == '\0') {
				bad = true;
				break;
			}
			p++;
			if (ch == '"') {
				if (*p == '"')
					p++; /* "" is one quote */
				else {
					quoted = false;
					continue;
				}
			}
		} else if (ch == '"' && len == 0) {
			quoted = true;
			p++;
			continue;
		} else if (ch == ',' || ch == '\n' || ch == '\r' || ch == '\0') {
			f[n][len] = '\0';
			n++;
			len = 0;
			if (ch != ',')
				break;
			p++;
			if (n == GAS_FIELDS) {
				bad = true;
				break;
			}
			f[n][0] = '\0';
			continue;
		} else {
			p++;
		}
		if (len + 1 >= GAS_FIELD_MAX) {
			bad = true;
			break;
		}
		f[n][len++] = ch;
	}
	while (*p && *p != '\n')
		p++;
	if (*p == '\n')
		p++;
	*s = p;
	return bad ? -1 : n;
}

/* A number with an optional trailing remark; "" is NAN. Returns 0 or -1. */
static int parse_num(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0') {
		*out = NAN;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0)
		return -1;
	if (*end != '\0' && *end != ' ')
		return -1;
	*out = v;
	return 0;
}

static int copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static bool row_matches(char f[GAS_FIELDS][GAS_FIELD_MAX], const char *key)
{
	return strcmp(f[0], key) == 0 || strcasecmp(f[1], key) == 0 || strcmp(f[2], key) == 0 ||
	       strcmp(f[3], key) == 0;
}

/* True when the fields of row are exactly GAS_HEADER's. */
static bool is_header(char row[GAS_FIELDS][GAS_FIELD_MAX], int n)
{
	const char *h = GAS_HEADER;

	for (int k = 0; k < n; k++) {
		size_t l = strlen(row[k]);

		if (strncmp(h, row[k], l) != 0)
			return false;
		h += l;
		if (k + 1 < n) {
			if (*h != ',')
				return false;
			h++;
		}
	}
	return n == GAS_FIELDS && *h == '\0';
}

int gas_props_find(const char *text, const char *key, struct gas_props *out, struct errmsg *m)
{
	char row[GAS_FIELDS][GAS_FIELD_MAX]; /* 3.3 kB of stack, no allocation */
	const char *p = text;
	int line = 0, n;
	bool header = false;
	double *num[8] = {
		&out->mol_weight,   &out->lel_pct_vol,	 &out->uel_pct_vol,	&out->mac_mg_m3,
		&out->pc_twa_mg_m3, &out->pc_stel_mg_m3, &out->oel_alarm_mg_m3, &out->idlh_ppm,
	};

	while (*p) {
		line++;
		if (*p == '\n' || *p == '\r' || *p == '#') {
			while (*p && *p != '\n')
				p++;
			if (*p)
				p++;
			continue;
		}
		n = split_record(&p, row);
		if (n < 0)
			return errmsg_set(m, "gas", "line %d: malformed record", line);
		if (!header) {
			if (!is_header(row, n))
				return errmsg_set(m, "gas", "line %d: expected the header '%s'",
						  line, GAS_HEADER);
			header = true;
			continue;
		}
		if (n != GAS_FIELDS)
			return errmsg_set(m, "gas", "line %d: expected %d fields, got %d", line,
					  GAS_FIELDS, n);
		if (!row_matches(row, key))
			continue;
		if (copy_field(out->name_zh, sizeof(out->name_zh), row[0]) < 0 ||
		    copy_field(out->name_en, sizeof(out->name_en), row[1]) < 0 ||
		    copy_field(out->cas, sizeof(out->cas), row[2]) < 0 ||
		    copy_field(out->formula, sizeof(out->formula), row[3]) < 0)
			return errmsg_set(m, "gas", "line %d: a name is too long", line);
		for (int k = 0; k < 8; k++)
			if (parse_num(row[4 + k], num[k]) < 0)
				return errmsg_set(m, "gas", "line %d: field %d is not a number",
						  line, 5 + k);
		return 0;
	}
	if (!header)
		return errmsg_set(m, "gas", "empty: no header");
	errmsg_set(m, "gas", "no gas '%s' in the table", key);
	return ERR_NOT_FOUND;
}

double gas_oel_mg_m3(const struct gas_props *g)
{
	if (!isnan(g->mac_mg_m3))
		return g->mac_mg_m3;
	if (!isnan(g->pc_stel_mg_m3))
		return g->pc_stel_mg_m3;
	return g->pc_twa_mg_m3; /* NAN when the gas has none */
}

static void cfg_blank(struct alarm_cfg *c, enum alarm_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = (uint8_t)kind;
	c->high1 = c->high2 = c->low1 = c->low2 = NAN;
}

int gas_default_cfg(const struct gas_props *g, enum alarm_kind kind, struct alarm_cfg *out,
		    struct errmsg *m)
{
	double oel;

	cfg_blank(out, kind);
	switch (kind) {
	case ALARM_KIND_COMBUSTIBLE:
		if (!g || isnan(g->lel_pct_vol))
			return errmsg_set(m, "gas", "not combustible: no LEL");
		out->range_lo = 0;
		out->range_hi = 100;
		out->high1 = 25; /* GB/T 50493-2019: 一级报警设定值 <= 25 %LEL */
		out->high2 = 50; /* 二级报警设定值 <= 50 %LEL */
		return 0;
	case ALARM_KIND_TOXIC:
		oel = g ? gas_oel_mg_m3(g) : NAN;
		if (isnan(oel) || !(oel > 0))
			return errmsg_set(m, "gas", "no occupational exposure limit");
		out->range_lo = 0;
		out->range_hi = 3 * oel; /* 0..300 %OEL [U] */
		out->high1 = oel;	 /* 一级 <= 100 %OEL */
		out->high2 = 2 * oel;	 /* 二级 <= 200 %OEL */
		return 0;
	case ALARM_KIND_OXYGEN:
		out->range_lo = 0;
		out->range_hi = 25; /* 0..25 %VOL [U] */
		out->low1 = 19.5;   /* 欠氧报警 19.5 %VOL (宜为) */
		out->high1 = 23.5;  /* 过氧报警 23.5 %VOL (宜为) */
		return 0;
	default:
		return errmsg_set(m, "kind", "no GB/T 50493 default for kind '%s'",
				  alarm_kind_name(kind));
	}
}

enum alarm_kind gas_detector_kind(const struct gas_props *g)
{
	if (!isnan(gas_oel_mg_m3(g)))
		return ALARM_KIND_TOXIC;
	if (!isnan(g->lel_pct_vol))
		return ALARM_KIND_COMBUSTIBLE;
	return ALARM_KIND_COUNT_;
}

double gas_mg_m3_to_ppm(double mg_m3, double mol_weight, double molar_volume_l)
{
	if (!(mol_weight > 0) || !(molar_volume_l > 0))
		return NAN;
	return mg_m3 * molar_volume_l / mol_weight;
}
