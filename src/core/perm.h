/* SPDX-License-Identifier: MIT */
/*
 * Roles (DESIGN §1) and the permission bits each grants. Routes declare the
 * bit they need; the router checks it before the handler runs. Pure data.
 */
#ifndef CORE_PERM_H
#define CORE_PERM_H

#include <stdbool.h>
#include <stdint.h>

enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN,
	ROLE_LEADER,
	ROLE_INSPECTOR,
	ROLE_GRID_MANAGER,
	ROLE_GRID_PATROLLER,
	ROLE_GRID_SUPERVISOR,
	ROLE_ENTERPRISE_OFFICER,
	ROLE_COUNT_
};

enum perm {
	PERM_SELF = 1u << 0,	    /* own session, profile and password */
	PERM_REGION_READ = 1u << 1, /* administrative divisions (reference data) */
	PERM_DEPT_READ = 1u << 2,
	PERM_DEPT_WRITE = 1u << 3,
	PERM_GRID_READ = 1u << 4,
	PERM_GRID_WRITE = 1u << 5,
	PERM_USER_READ = 1u << 6,
	PERM_USER_WRITE = 1u << 7,
	PERM_AUDIT_READ = 1u << 8,
	PERM_TOKEN_ADMIN = 1u << 9, /* API tokens for machine clients */
	PERM_METRICS = 1u << 10,
	PERM_ENTERPRISE_READ = 1u << 11, /* the enterprise file, within the data scope */
	PERM_ENTERPRISE_WRITE =
		1u << 12,	     /* create/change/delete enterprises (officers: own, limited) */
	PERM_HAZARD_READ = 1u << 13, /* hidden hazards, lists, statistics, within the scope */
	PERM_HAZARD_REPORT = 1u << 14, /* report a hidden hazard (and upload its photos) */
	PERM_HAZARD_ACT = 1u << 15, /* life-cycle actions; hazard_allowed_actions decides which */
	PERM_HAZARD_SUPERVISE = 1u << 16, /* listed supervision (挂牌督办): list, progress, lift */
	PERM_HAZARD_LISTS =
		1u << 17,	   /* blacklist entry, review and removal; accountability notes */
	PERM_RISK_READ = 1u << 18, /* risk units, points, assessments, measures, maps, views */
	PERM_RISK_WRITE =
		1u << 19, /* identify, assess and control risks; check items; site plan, zones */
	PERM_RISK_CHECK = 1u << 20, /* do check tasks (pass or fail, a failure opens a hazard) */
	PERM_MONITOR_READ =
		1u << 21, /* installations, points, live values, trends, alarms, SOE, KPIs */
	PERM_MONITOR_WRITE =
		1u << 22, /* installations and inventories, devices, points, set points */
	PERM_ALARM_OPERATE = 1u << 23,	 /* acknowledge, shelve, suppress alarms; alarm -> hazard */
	PERM_READINGS_INGEST = 1u << 24, /* POST readings (machine accounts' API tokens) */
};

/* Returns: static identifier ("admin", "grid_manager", ...) or "none". */
const char *role_name(enum role r);
/* Returns: static Chinese name (管理员, 网格员 ...). */
const char *role_name_zh(enum role r);
/* Parses an identifier. Returns 0 or ERR_INVALID. */
int role_parse(const char *s, enum role *out);
/* Returns: static name of one permission bit ("grid.read"), or "?". */
const char *perm_name(uint64_t bit);
/* Permission bits granted to r. */
uint64_t role_perms(enum role r);

#endif
