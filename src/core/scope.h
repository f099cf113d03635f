/* SPDX-License-Identifier: MIT */
/*
 * Data scopes (DESIGN §1): what part of the data a user may see. A scope is
 * everything, a region subtree (a GB/T 2260 code and all codes under it), a
 * set of grids, or one enterprise (by unified social credit code). Pure
 * functions; modules call them with the region/grid/enterprise of the row
 * they are about to show or change.
 */
#ifndef CORE_SCOPE_H
#define CORE_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errmsg;

enum scope_kind { SCOPE_ALL = 0, SCOPE_REGION, SCOPE_GRIDS, SCOPE_ENTERPRISE };

#define SCOPE_MAX_GRIDS 64

struct scope {
	enum scope_kind kind;
	char region[16];		/* SCOPE_REGION: 6- or 9-digit code */
	char enterprise[20];		/* SCOPE_ENTERPRISE: 18-character USCC */
	int64_t grids[SCOPE_MAX_GRIDS]; /* SCOPE_GRIDS: sorted ascending */
	size_t ngrids;
};

/*
 * Length of the code prefix that a region's subtree shares (GB/T 2260 §7.2 of
 * STANDARDS.md): "PP0000" -> 2, "PPCC00" -> 4, "PPCCDD" -> 6, 9-digit town
 * -> 9, 12-digit village -> 12. Returns 0 for a malformed code.
 */
size_t region_prefix_len(const char *code);

/* True when code names a region inside the subtree of ancestor (itself included). */
bool region_in_subtree(const char *ancestor, const char *code);

/*
 * Parses "all", "region:330106", "grids:3,7,12" or "enterprise:<USCC>".
 * Returns 0 or ERR_INVALID with the reason in why (field "scope").
 */
int scope_parse(const char *text, struct scope *out, struct errmsg *why);
/* Writes the text form parsed by scope_parse into out. */
void scope_format(const struct scope *s, char *out, size_t n);

/* True when a row in region `region_code` (may be NULL) is inside s. */
bool scope_has_region(const struct scope *s, const char *region_code);
/* True when a row of grid `grid_id` in region `region_code` is inside s. */
bool scope_has_grid(const struct scope *s, int64_t grid_id, const char *region_code);
/* True when the enterprise `uscc` in region `region_code` (may be NULL) is inside s. */
bool scope_has_enterprise(const struct scope *s, const char *uscc, const char *region_code);
/*
 * A row (an enterprise's, or a hazard's carrying its enterprise's region, grid and
 * credit code) inside s: in grids scope, its grid is one of s's grids; otherwise
 * scope_has_enterprise. region_code and uscc may be NULL.
 */
bool scope_has_row(const struct scope *s, const char *region_code, int64_t grid_id,
		   const char *uscc);

/*
 * The end of a code prefix's range for SQL bounds (code >= prefix AND code < end): prefix
 * with its last byte incremented ("3209" -> "320:"). Returns false, end unchanged, when
 * prefix is empty, does not fit in n, or ends in byte 0xFF.
 */
bool scope_prefix_end(const char *prefix, char *end, size_t n);

/* A scope as the bounds of a SQL query over rows carrying an enterprise's region, grid
 * and credit code. Unset members (NULL, 0, "") bound nothing. */
struct scope_bounds {
	const char *prefix;  /* region scope: the subtree's code prefix */
	char prefix_end[16]; /* scope_prefix_end(prefix) */
	int64_t grid_user;   /* grids scope: the user whose grids (user_grid) are visible */
	const char *uscc;    /* enterprise scope: the enterprise's credit code */
};

/*
 * Fills out from s, the scope of user user_id. buf (n >= 16 bytes, the caller's) holds the
 * region prefix out->prefix points to; out->uscc points into s.
 */
void scope_bounds_of(const struct scope *s, int64_t user_id, char *buf, size_t n,
		     struct scope_bounds *out);

/* True when every row `inner` may see is also visible to `outer`. */
bool scope_covers(const struct scope *outer, const struct scope *inner,
		  const char *const *inner_grid_regions);

/*
 * Checks a unified social credit code (GB 32100-2015 §4, STANDARDS.md §5):
 * 18 characters from the 31-symbol set, positions 3-8 digits (GB/T 2260),
 * position 18 the check character over weights 3^(i-1) mod 31, and
 * positions 9-17 a valid GB 11714
 * organization code. Returns true when both check characters hold.
 */
bool uscc_valid(const char *code);

/*
 * Completes a unified social credit code from its first 16 characters: the registration
 * authority and kind ("91": market regulation, enterprise), the 6-digit division and the
 * 8-character body of the organization code, all from the code's 31-symbol set. Appends
 * the GB 11714 check character (position 17) and the GB 32100 check character (position
 * 18). out holds 19 bytes. Returns 0, or ERR_INVALID when start does not fit.
 */
int uscc_complete(const char *start, char out[19]);

#endif
