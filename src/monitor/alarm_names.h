/* SPDX-License-Identifier: MIT */
/*
 * The names of the alarm engine's enums beyond alarm.h's English ones (alarm_state_name,
 * alarm_cond_name, alarm_kind_name, the JSON names): Chinese labels and parsers, shared by
 * the runtime, the routes, the SSE events and the exports. Pure data.
 */
#ifndef MONITOR_ALARM_NAMES_H
#define MONITOR_ALARM_NAMES_H

#include "monitor/alarm.h"

/* Chinese labels for exports and the UI: 正常, 未确认, ... ; 一级高报, ...; 可燃气体, ... */
const char *alarm_state_name_zh(int state);
const char *alarm_cond_name_zh(int cond);
const char *alarm_kind_name_zh(int kind);
/* Parse a name back. Return 0 with *out, or ERR_INVALID. */
int alarm_state_parse(const char *s, int *out);
int alarm_cond_parse(const char *s, int *out);
int alarm_kind_parse(const char *s, int *out);

#endif
