/* SPDX-License-Identifier: MIT */
/* The role table: name, Chinese name, permissions (tables over code). */
#include "core/perm.h"

#include <string.h>

#include "core/err.h"
#include "core/banned.h"

#define READ_ORG                                                                                 \
	(PERM_SELF | PERM_REGION_READ | PERM_DEPT_READ | PERM_GRID_READ | PERM_ENTERPRISE_READ | \
	 PERM_HAZARD_READ | PERM_RISK_READ | PERM_MONITOR_READ)

static const struct {
	const char *name, *zh;
	uint64_t perms;
} roles[ROLE_COUNT_] = {
	[ROLE_NONE] = { "none", "无", 0 },
	[ROLE_ADMIN] = { "admin", "系统管理员",
			 READ_ORG | PERM_DEPT_WRITE | PERM_GRID_WRITE | PERM_USER_READ |
				 PERM_USER_WRITE | PERM_AUDIT_READ | PERM_TOKEN_ADMIN |
				 PERM_METRICS | PERM_ENTERPRISE_WRITE | PERM_RISK_WRITE |
				 PERM_MONITOR_WRITE },
	[ROLE_LEADER] = { "leader", "局领导",
			  READ_ORG | PERM_USER_READ | PERM_HAZARD_REPORT | PERM_HAZARD_SUPERVISE |
				  PERM_HAZARD_LISTS },
	[ROLE_INSPECTOR] = { "inspector", "执法人员",
			     READ_ORG | PERM_ENTERPRISE_WRITE | PERM_HAZARD_REPORT |
				     PERM_HAZARD_ACT | PERM_HAZARD_LISTS },
	[ROLE_GRID_MANAGER] = { "grid_manager", "网格管理员",
				READ_ORG | PERM_ENTERPRISE_WRITE | PERM_HAZARD_REPORT |
					PERM_HAZARD_ACT },
	[ROLE_GRID_PATROLLER] = { "grid_patroller", "网格巡查员", READ_ORG | PERM_HAZARD_REPORT },
	[ROLE_GRID_SUPERVISOR] = { "grid_supervisor", "网格督导员", READ_ORG | PERM_HAZARD_REPORT },
	[ROLE_ENTERPRISE_OFFICER] = { "enterprise_officer", "企业安全管理员",
				      PERM_SELF | PERM_REGION_READ | PERM_ENTERPRISE_READ |
					      PERM_ENTERPRISE_WRITE | PERM_HAZARD_READ |
					      PERM_HAZARD_REPORT | PERM_HAZARD_ACT |
					      PERM_RISK_READ | PERM_RISK_WRITE | PERM_RISK_CHECK |
					      PERM_MONITOR_READ | PERM_MONITOR_WRITE |
					      PERM_ALARM_OPERATE | PERM_READINGS_INGEST },
};

const char *role_name(enum role r)
{
	return (r > ROLE_NONE && r < ROLE_COUNT_) ? roles[r].name : "none";
}

const char *role_name_zh(enum role r)
{
	return (r > ROLE_NONE && r < ROLE_COUNT_) ? roles[r].zh : "无";
}

int role_parse(const char *s, enum role *out)
{
	for (int r = ROLE_ADMIN; r < ROLE_COUNT_; r++) {
		if (strcmp(s, roles[r].name) == 0) {
			*out = (enum role)r;
			return 0;
		}
	}
	return ERR_INVALID;
}

uint64_t role_perms(enum role r)
{
	return (r > ROLE_NONE && r < ROLE_COUNT_) ? roles[r].perms : 0;
}

static const struct {
	uint64_t bit;
	const char *name;
} perm_names[] = {
	{ PERM_SELF, "self" },
	{ PERM_REGION_READ, "region.read" },
	{ PERM_DEPT_READ, "dept.read" },
	{ PERM_DEPT_WRITE, "dept.write" },
	{ PERM_GRID_READ, "grid.read" },
	{ PERM_GRID_WRITE, "grid.write" },
	{ PERM_USER_READ, "user.read" },
	{ PERM_USER_WRITE, "user.write" },
	{ PERM_AUDIT_READ, "audit.read" },
	{ PERM_TOKEN_ADMIN, "token.admin" },
	{ PERM_METRICS, "metrics" },
	{ PERM_ENTERPRISE_READ, "enterprise.read" },
	{ PERM_ENTERPRISE_WRITE, "enterprise.write" },
	{ PERM_HAZARD_READ, "hazard.read" },
	{ PERM_HAZARD_REPORT, "hazard.report" },
	{ PERM_HAZARD_ACT, "hazard.act" },
	{ PERM_HAZARD_SUPERVISE, "hazard.supervise" },
	{ PERM_HAZARD_LISTS, "hazard.lists" },
	{ PERM_RISK_READ, "risk.read" },
	{ PERM_RISK_WRITE, "risk.write" },
	{ PERM_RISK_CHECK, "risk.check" },
	{ PERM_MONITOR_READ, "monitor.read" },
	{ PERM_MONITOR_WRITE, "monitor.write" },
	{ PERM_ALARM_OPERATE, "alarm.operate" },
	{ PERM_READINGS_INGEST, "readings.ingest" },
};

const char *perm_name(uint64_t bit)
{
	for (size_t i = 0; i < sizeof(perm_names) / sizeof(perm_names[0]); i++)
		if (perm_names[i].bit == bit)
			return perm_names[i].name;
	return "?";
}
