/* SPDX-License-Identifier: MIT */
/* Scope parsing and matching; USCC check (GB 32100-2015). Pure, no I/O. */
#include "core/scope.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "core/banned.h"

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

size_t region_prefix_len(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (n == 0 || !all_digits(code, n))
		return 0;
	if (n == 9 || n == 12)
		return n;
	if (n != 6)
		return 0;
	if (strcmp(code + 2, "0000") == 0)
		return 2;
	if (strcmp(code + 4, "00") == 0)
		return 4;
	return 6;
}

bool region_in_subtree(const char *ancestor, const char *code)
{
	size_t p = region_prefix_len(ancestor);

	if (p == 0 || region_prefix_len(code) == 0 || strlen(code) < p)
		return false;
	return strncmp(ancestor, code, p) == 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int scope_parse(const char *text, struct scope *out, struct errmsg *why)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(text, "all") == 0) {
		out->kind = SCOPE_ALL;
		return 0;
	}
	if (strncmp(text, "region:", 7) == 0) {
		const char *c = text + 7;

		if (region_prefix_len(c) == 0 || strlen(c) > 9)
			return errmsg_set(why, "scope",
					  "'%s' is not a GB/T 2260 code of 6 or 9 digits", c);
		out->kind = SCOPE_REGION;
		snprintf(out->region, sizeof(out->region), "%s", c);
		return 0;
	}
	if (strncmp(text, "grids:", 6) == 0) {
		const char *p = text + 6;

		out->kind = SCOPE_GRIDS;
		while (*p) {
			char num[24];
			size_t n = strcspn(p, ",");
			int64_t id;

			if (n == 0 || n >= sizeof(num))
				return errmsg_set(why, "scope",
						  "grid ids must be positive integers "
						  "separated by commas");
			memcpy(num, p, n);
			num[n] = '\0';
			if (parse_i64(num, &id) < 0 || id <= 0)
				return errmsg_set(why, "scope", "'%s' is not a grid id", num);
			if (out->ngrids == SCOPE_MAX_GRIDS)
				return errmsg_set(why, "scope", "more than %d grids",
						  SCOPE_MAX_GRIDS);
			out->grids[out->ngrids++] = id;
			p += n;
			if (*p == ',') {
				p++;
				if (*p == '\0')
					return errmsg_set(why, "scope", "trailing comma");
			}
		}
		if (out->ngrids == 0)
			return errmsg_set(why, "scope", "a grids scope needs at least one grid id");
		qsort(out->grids, out->ngrids, sizeof(out->grids[0]), cmp_i64);
		for (size_t i = 1; i < out->ngrids; i++)
			if (out->grids[i] == out->grids[i - 1])
				return errmsg_set(why, "scope", "grid %lld is listed twice",
						  (long long)out->grids[i]);
		return 0;
	}
	if (strncmp(text, "enterprise:", 11) == 0) {
		const char *c = text + 11;

		if (!uscc_valid(c))
			return errmsg_set(why, "scope",
					  "'%s' is not a valid unified social credit code", c);
		out->kind = SCOPE_ENTERPRISE;
		snprintf(out->enterprise, sizeof(out->enterprise), "%s", c);
		return 0;
	}
	return errmsg_set(why, "scope",
			  "must be 'all', 'region:CODE', 'grids:ID,ID' or 'enterprise:USCC'");
}

void scope_format(const struct scope *s, char *out, size_t n)
{
	size_t used;

	switch (s->kind) {
	case SCOPE_ALL:
		snprintf(out, n, "all");
		return;
	case SCOPE_REGION:
		snprintf(out, n, "region:%s", s->region);
		return;
	case SCOPE_ENTERPRISE:
		snprintf(out, n, "enterprise:%s", s->enterprise);
		return;
	case SCOPE_GRIDS:
		snprintf(out, n, "grids:");
		used = strlen(out);
		for (size_t i = 0; i < s->ngrids && used < n; i++) {
			int w = snprintf(out + used, n - used, "%s%lld", i ? "," : "",
					 (long long)s->grids[i]);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		return;
	}
}

bool scope_has_region(const struct scope *s, const char *region_code)
{
	switch (s->kind) {
	case SCOPE_ALL:
		return true;
	case SCOPE_REGION:
		return region_code && region_in_subtree(s->region, region_code);
	default:
		return false;
	}
}

bool scope_has_grid(const struct scope *s, int64_t grid_id, const char *region_code)
{
	if (s->kind == SCOPE_GRIDS)
		return bsearch(&grid_id, s->grids, s->ngrids, sizeof(s->grids[0]), cmp_i64) != NULL;
	return scope_has_region(s, region_code);
}

bool scope_has_enterprise(const struct scope *s, const char *uscc, const char *region_code)
{
	if (s->kind == SCOPE_ENTERPRISE)
		return uscc && strcmp(s->enterprise, uscc) == 0;
	return scope_has_region(s, region_code);
}

bool scope_covers(const struct scope *outer, const struct scope *inner,
		  const char *const *inner_grid_regions)
{
	if (outer->kind == SCOPE_ALL)
		return true;
	switch (inner->kind) {
	case SCOPE_ALL:
		return false;
	case SCOPE_REGION:
		return outer->kind == SCOPE_REGION &&
		       region_in_subtree(outer->region, inner->region);
	case SCOPE_GRIDS:
		for (size_t i = 0; i < inner->ngrids; i++) {
			const char *r = inner_grid_regions ? inner_grid_regions[i] : NULL;

			if (!scope_has_grid(outer, inner->grids[i], r))
				return false;
		}
		return true;
	case SCOPE_ENTERPRISE: {
		/* Positions 3-8 of a USCC are the registering authority's division. */
		char region[7];

		memcpy(region, inner->enterprise + 2, 6);
		region[6] = '\0';
		return scope_has_enterprise(outer, inner->enterprise, region);
	}
	}
	return false;
}

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int uscc_value(char c)
{
	const char *p = c ? strchr(uscc_charset, c) : NULL;

	return p ? (int)(p - uscc_charset) : -1;
}

/* The GB 11714 check character of an 8-character organization code body, or 0 if bad. */
static char org_code_check(const char *c)
{
	static const int w[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0, check;

	for (int i = 0; i < 8; i++) {
		int v;

		if (isdigit((unsigned char)c[i]))
			v = c[i] - '0';
		else if (c[i] >= 'A' && c[i] <= 'Z')
			v = c[i] - 'A' + 10;
		else
			return 0;
		sum += v * w[i];
	}
	check = 11 - sum % 11;
	return check == 10 ? 'X' : check == 11 ? '0' : (char)('0' + check);
}

static bool org_code_valid(const char *c)
{
	char expect = org_code_check(c);

	return expect != 0 && c[8] == expect;
}

/* The GB 32100 check character over the first 17 characters, or 0 if one is not allowed. */
static char uscc_check(const char *code)
{
	int sum = 0, weight = 1;

	for (int i = 0; i < 17; i++) {
		int v = uscc_value(code[i]);

		if (v < 0)
			return 0;
		sum += v * weight;
		weight = weight * 3 % 31;
	}
	return uscc_charset[(31 - sum % 31) % 31];
}

int uscc_complete(const char *start, char out[19])
{
	if (start == NULL || strlen(start) != 16 || !all_digits(start + 2, 6))
		return ERR_INVALID;
	for (int i = 0; i < 16; i++)
		if (uscc_value(start[i]) < 0)
			return ERR_INVALID;
	memcpy(out, start, 16);
	out[16] = org_code_check(start + 8);
	if (out[16] == 0)
		return ERR_INVALID;
	out[17] = uscc_check(out);
	out[18] = '\0';
	return 0;
}

bool uscc_valid(const char *code)
{
	char check;

	/* Positions 3-8 are the GB/T 2260 division of the registering authority. */
	if (code == NULL || strlen(code) != 18 || !all_digits(code + 2, 6))
		return false;
	check = uscc_check(code);
	if (check == 0 || code[17] != check)
		return false;
	return org_code_valid(code + 8);
}

bool scope_has_row(const struct scope *s, const char *region_code, int64_t grid_id,
		   const char *uscc)
{
	if (s->kind == SCOPE_GRIDS)
		return grid_id != 0 && scope_has_grid(s, grid_id, region_code);
	return scope_has_enterprise(s, uscc, region_code);
}

bool scope_prefix_end(const char *prefix, char *end, size_t n)
{
	size_t len = strlen(prefix);

	if (len == 0 || len >= n || (unsigned char)prefix[len - 1] == 0xFF)
		return false;
	memcpy(end, prefix, len + 1);
	end[len - 1] = (char)((unsigned char)end[len - 1] + 1);
	return true;
}

void scope_bounds_of(const struct scope *s, int64_t user_id, char *buf, size_t n,
		     struct scope_bounds *out)
{
	memset(out, 0, sizeof(*out));
	switch (s->kind) {
	case SCOPE_ALL:
		break;
	case SCOPE_REGION:
		snprintf(buf, n, "%.*s", (int)region_prefix_len(s->region), s->region);
		out->prefix = buf;
		scope_prefix_end(buf, out->prefix_end, sizeof(out->prefix_end));
		break;
	case SCOPE_GRIDS:
		out->grid_user = user_id;
		break;
	case SCOPE_ENTERPRISE:
		out->uscc = s->enterprise;
		break;
	}
}
