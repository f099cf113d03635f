/* SPDX-License-Identifier: MIT */
#include "monitor/alarm_names.h"

#include <string.h>

#include "core/err.h"

static const char *const state_names[ALARM_STATE_COUNT_] = {
	"normal", "unack", "acked", "rtn_unack", "shelved", "suppressed", "out_of_service",
};
static const char *const state_zh[ALARM_STATE_COUNT_] = {
	"正常", "未确认", "已确认", "已恢复未确认", "已搁置", "已抑制", "停用",
};
static const char *const cond_names[ALARM_COND_COUNT_] = {
	"normal", "high1", "high2", "low1", "low2", "fault", "comms_loss",
};
static const char *const cond_zh[ALARM_COND_COUNT_] = {
	"正常",		"一级报警(高)", "二级报警(高)", "一级报警(低)",
	"二级报警(低)", "传感器故障",	"通讯中断",
};
static const char *const kind_names[ALARM_KIND_COUNT_] = {
	"combustible", "toxic", "oxygen", "level", "temperature", "pressure", "flow",
};
static const char *const kind_zh[ALARM_KIND_COUNT_] = {
	"可燃气体", "有毒气体", "氧气", "液位", "温度", "压力", "流量",
};

static const char *pick(const char *const *t, int n, int v)
{
	return (v >= 0 && v < n) ? t[v] : "?";
}

static int parse(const char *const *t, int n, const char *s, int *out)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(t[i], s) == 0) {
			*out = i;
			return 0;
		}
	return ERR_INVALID;
}

const char *alarm_state_name(int v)
{
	return pick(state_names, ALARM_STATE_COUNT_, v);
}
const char *alarm_cond_name(int v)
{
	return pick(cond_names, ALARM_COND_COUNT_, v);
}
const char *alarm_kind_name(int v)
{
	return pick(kind_names, ALARM_KIND_COUNT_, v);
}
const char *alarm_state_name_zh(int v)
{
	return pick(state_zh, ALARM_STATE_COUNT_, v);
}
const char *alarm_cond_name_zh(int v)
{
	return pick(cond_zh, ALARM_COND_COUNT_, v);
}
const char *alarm_kind_name_zh(int v)
{
	return pick(kind_zh, ALARM_KIND_COUNT_, v);
}
int alarm_state_parse(const char *s, int *out)
{
	return parse(state_names, ALARM_STATE_COUNT_, s, out);
}
int alarm_cond_parse(const char *s, int *out)
{
	return parse(cond_names, ALARM_COND_COUNT_, s, out);
}
int alarm_kind_parse(const char *s, int *out)
{
	return parse(kind_names, ALARM_KIND_COUNT_, s, out);
}
