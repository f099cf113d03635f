/* SPDX-License-Identifier: MIT */
/*
 * The SQL of the monitoring configuration and the operator's views (docs/monitoring.md
 * "Points and set points", "Operator API"): devices, points, set point changes, the gas
 * reference table, the SOE list and the alarm -> hazard link. Rows come back as the API's
 * JSON objects plus the scope members _uscc, _region_code, _grid_id (point_api strips
 * them). Rules are not here: point.c and alarm.c decide.
 */
#ifndef MONITOR_POINT_DB_H
#define MONITOR_POINT_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;
struct db_stmt;
struct list_params;

/* What a list may see and what it asks for; unset members (NULL, 0) filter nothing. */
struct point_filter {
	const char *scope_prefix; /* region scope: the code prefix and its end */
	const char *scope_prefix_end;
	int64_t grid_user;	/* grids scope: the user whose grids are visible */
	const char *scope_uscc; /* enterprise scope */
	int64_t enterprise_id;
	int64_t device_id;
	int64_t installation_id;
	const char *kind;
	const char *q_like; /* db_like_contains() of q: tag or name */
	bool active_only;
};

/*
 * Loads data/monitor/gas_properties.csv under data_dir into monitor_reference (name
 * "gas_properties"), replacing the one loaded before, after checking that it parses
 * (gas_props_find of methane). When the file cannot be opened from here but a table was
 * loaded before (a command run from another folder), that one is kept. Returns 0, ERR_IO
 * (unreadable, none loaded), ERR_INVALID (bad file, logged) or ERR_DB.
 */
int point_db_reference_load(struct db *db, const char *data_dir);
/* The gas table's text. Returns 0 with *text owned (free), ERR_NOT_FOUND or ERR_DB. */
int point_db_gas_csv(struct db *db, char **text);

/* The enterprise id's {id, name, uscc, region_code, grid_id}. 0 with *out owned, ERR_NOT_FOUND. */
int point_db_enterprise(struct db *db, int64_t id, json_t **out);
/* The enterprise id of credit code uscc. 0, ERR_NOT_FOUND or ERR_DB. */
int point_db_enterprise_by_uscc(struct db *db, const char *uscc, int64_t *id);
/* The enterprise of installation id into *enterprise_id. 0, ERR_NOT_FOUND or ERR_DB. */
int point_db_installation_enterprise(struct db *db, int64_t id, int64_t *enterprise_id);

/* ------------------------------------------------------------ devices */

/* Inserts device d (checked) of enterprise_id. 0 with *id, ERR_CONFLICT (name), ERR_DB. */
int point_db_device_insert(struct db *db, int64_t enterprise_id, const json_t *d, int64_t now_ms,
			   int64_t *id);
/* Rewrites device id from d (merged). 0, ERR_NOT_FOUND, ERR_CONFLICT (name), ERR_DB. */
int point_db_device_update(struct db *db, int64_t id, const json_t *d, int64_t now_ms);
/* The device object. 0 with *out owned, ERR_NOT_FOUND, ERR_DB. */
int point_db_device_get(struct db *db, int64_t id, json_t **out);
/* Deletes device id unless points name it. 0, ERR_CONFLICT, ERR_NOT_FOUND, ERR_DB. */
int point_db_device_delete(struct db *db, int64_t id);
/* A page of devices by id (f: scope, enterprise_id, q_like on name). 0 with *items owned. */
int point_db_device_list(struct db *db, const struct point_filter *f, const struct list_params *lp,
			 json_t **items);

/* ------------------------------------------------------------ points */

/* Inserts point p (checked, defaults filled) of enterprise_id. 0 with *id, ERR_CONFLICT (tag). */
int point_db_point_insert(struct db *db, int64_t enterprise_id, const json_t *p, int64_t now_ms,
			  int64_t *id);
/* Rewrites point id from p (merged). 0, ERR_NOT_FOUND, ERR_CONFLICT (tag), ERR_DB. */
int point_db_point_update(struct db *db, int64_t id, const json_t *p, int64_t now_ms);
/* The point object without live. 0 with *out owned, ERR_NOT_FOUND, ERR_DB. */
int point_db_point_get(struct db *db, int64_t id, json_t **out);
/*
 * Deletes point id unless it has history (SOE rows, set point changes, readings flushed to
 * the store's tables: reading_point): that is kept, and the point is deactivated instead
 * (a deleted id may be given again to a new point, which must not inherit the readings).
 * 0, ERR_CONFLICT, ERR_NOT_FOUND, ERR_DB.
 */
int point_db_point_delete(struct db *db, int64_t id);
/* A page of points by id (f: every member). 0 with *items owned. */
int point_db_point_list(struct db *db, const struct point_filter *f, const struct list_params *lp,
			json_t **items);

/* Appends a setpoint_change row (before, after: objects, borrowed). 0 or ERR_DB. */
int point_db_setpoint_change(struct db *db, int64_t point_id, int64_t user_id, const char *reason,
			     const json_t *before, const json_t *after, int64_t now_ms);
/* A page of the point's set point changes, newest first. 0 with *items owned. */
int point_db_setpoint_changes(struct db *db, int64_t point_id, const struct list_params *lp,
			      json_t **items);

/* ------------------------------------------------------------ SOE */

/* The SOE list's filter: point_filter's scope and enterprise, plus these (unset: none). */
struct soe_filter {
	struct point_filter pf;
	int64_t point_id;
	int64_t from_ms, to_ms; /* source_ms in [from_ms, to_ms); 0 = open */
	bool has_from, has_to;
	const char *cause;
	int to_state, to_cond; /* -1 = any */
	bool asc;
};

/*
 * A page of SOE rows in SOE order (source_ms, seq, sub, point_id), ascending or not, after
 * the row lp->after in that order; limit lp->limit + 1. Each row is the API's SOE object
 * (state and condition names) with _from_state, _to_state, _from_cond, _to_cond integers
 * and the point's _unit. 0 with *items owned.
 */
int point_db_soe_list(struct db *db, const struct soe_filter *f, const struct list_params *lp,
		      json_t **items);
/* One SOE row as above. 0 with *out owned, ERR_NOT_FOUND, ERR_DB. */
int point_db_soe_get(struct db *db, int64_t id, json_t **out);
/* Links SOE row soe_id to hazard_id. 0, ERR_CONFLICT (linked already), ERR_DB. */
int point_db_alarm_hazard(struct db *db, int64_t soe_id, int64_t point_id, int64_t hazard_id,
			  int64_t user_id, int64_t now_ms);

#endif
