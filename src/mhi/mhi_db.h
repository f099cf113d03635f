/* SPDX-License-Identifier: MIT */
/*
 * Storage of major hazard installations (issue 6 §1, docs/mhi.md "Storage and API"):
 * mhi_installation with its computed columns (S, major, R, grade: GB 18218-2018 4.2.1,
 * 4.3) and its inventory mhi_inventory (migration 0015). Every write here runs inside the
 * caller's transaction (db_begin/db_finish): the inventory and the computed columns are
 * written together, so that a row's grade always belongs to its inventory. Rows come back
 * as JSON objects; members starting with '_' (_uscc, _region_code, _grid_id) are for the
 * scope check and are stripped before a reply.
 */
#ifndef MHI_MHI_DB_H
#define MHI_MHI_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/scope.h"

struct db;
struct list_params;
struct mhi_item;
struct mhi_result;

/* What a write stores: the unit, its inventory and its assessment (mhi_assess()). */
struct mhi_installation_in {
	const char *name;
	const char *unit_kind;	 /* "production" | "storage" */
	const char *description; /* NULL: "" */
	int people_500m;	 /* Table 5's people within 500 m, >= 0 */
	bool has_pos;		 /* lon/lat given (else NULL) */
	double lon, lat;	 /* CGCS2000 degrees */
	const struct mhi_item *items;
	size_t nitems;
	const struct mhi_result *res; /* the assessment of items: S, major, R, grade */
	int64_t now_ms;
};

/* A list's filters: the caller's scope and the query's. Unset members filter nothing. */
struct mhi_filter {
	struct scope_bounds scope;
	int64_t enterprise_id; /* 0: any */
	int grade;	       /* 1..4, 0: any */
	int major;	       /* 0 or 1, -1: any */
	const char *region;    /* region code prefix (req_query_region), NULL: any */
	char region_end[16];
	const char *q; /* substring of the installation's or the enterprise's name */
};

/*
 * Inserts an installation of enterprise_id with in's inventory and computed columns.
 * Returns 0 with *id, ERR_CONFLICT (the enterprise has one of that name) or ERR_DB.
 */
int mhi_db_insert(struct db *db, int64_t enterprise_id, const struct mhi_installation_in *in,
		  int64_t *id);
/*
 * Rewrites installation id: its columns, its whole inventory (replaced) and its computed
 * columns. Returns 0, ERR_NOT_FOUND, ERR_CONFLICT (name taken) or ERR_DB.
 */
int mhi_db_update(struct db *db, int64_t id, const struct mhi_installation_in *in);
/*
 * Deletes installation id and its inventory. Returns 0, ERR_NOT_FOUND, or ERR_CONFLICT
 * while monitoring points name it (monitor_point.installation_id).
 */
int mhi_db_delete(struct db *db, int64_t id);

/*
 * One installation: {id, enterprise_id, enterprise_name, name, unit_kind, people_500m,
 * description, lon, lat, s, major, r, grade, assessed_ms, created_ms, updated_ms,
 * point_count, items:[{chemical, seq, categories, quantity_t}], _uscc, _region_code,
 * _grid_id, _e_lon, _e_lat}. Returns 0 with *row owned, ERR_NOT_FOUND or ERR_DB.
 */
int mhi_db_get(struct db *db, int64_t id, json_t **row);
/*
 * A page of installations inside f (keyset on id, lp's order), each as mhi_db_get's row
 * without items. Returns 0 with *items owned, or a negative err.
 */
int mhi_db_list(struct db *db, const struct mhi_filter *f, const struct list_params *lp,
		json_t **items);
/*
 * Every installation inside f (at most max rows; *truncated when more matched), for the
 * export and the map: rows as mhi_db_list's plus inventory_text ("液氯 30 t; ..."), with
 * lon/lat falling back to the enterprise's position. Returns 0 with *items owned.
 */
int mhi_db_all(struct db *db, const struct mhi_filter *f, int64_t max, json_t **items,
	       bool *truncated);

/*
 * The enterprise id: its credit code, region code and grid (0: none) for the scope check.
 * Returns 0, ERR_NOT_FOUND or ERR_DB.
 */
int mhi_db_enterprise(struct db *db, int64_t id, char uscc[20], char region[16], int64_t *grid_id);
/* The id of the enterprise with credit code uscc. Returns 0, ERR_NOT_FOUND or ERR_DB. */
int mhi_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id);

#endif
