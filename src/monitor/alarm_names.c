/* SPDX-License-Identifier: MIT */
#include "monitor/alarm_names.h"

#include <string.h>

#include "core/err.h"

static const char *const state_zh[ALARM_STATE_COUNT_] = {
	"正常", "未确认", "已确认", "已恢复未确认", "已搁置", "已抑制", "停用",
};
static const char *const cond_zh[ALARM_COND_COUNT_] = {
	"正常",		"一级报警(高)", "二级报警(高)", "一级报警(低)",
	"二级报警(低)", "传感器故障",	"通讯中断",
};
static const char *const kind_zh[ALARM_KIND_COUNT_] = {
	"可燃气体", "有毒气体", "氧气", "液位", "温度", "压力", "流量",
};

static const char *pick(const char *const *t, int n, int v)
{
	return (v >= 0 && v < n) ? t[v] : "?";
}

typedef const char *(*name_fn)(int);

static int parse(name_fn f, int n, const char *s, int *out)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(f(i), s) == 0) {
			*out = i;
			return 0;
		}
	return ERR_INVALID;
}

static const char *state_en(int v)
{
	return alarm_state_name((enum alarm_state)v);
}
static const char *cond_en(int v)
{
	return alarm_cond_name((enum alarm_cond)v);
}
static const char *kind_en(int v)
{
	return alarm_kind_name((enum alarm_kind)v);
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
	return parse(state_en, ALARM_STATE_COUNT_, s, out);
}
int alarm_cond_parse(const char *s, int *out)
{
	return parse(cond_en, ALARM_COND_COUNT_, s, out);
}
int alarm_kind_parse(const char *s, int *out)
{
	return parse(kind_en, ALARM_KIND_COUNT_, s, out);
}
