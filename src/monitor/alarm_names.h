/* SPDX-License-Identifier: MIT */
/*
 * The JSON names of the alarm engine's enums (docs/monitoring.md), one table each, shared by
 * the runtime, the routes, the SSE events and the exports. Pure data.
 */
#ifndef MONITOR_ALARM_NAMES_H
#define MONITOR_ALARM_NAMES_H

#include "monitor/alarm.h"

/* Returns: static "normal", "unack", "acked", "rtn_unack", "shelved", "suppressed",
 * "out_of_service", or "?" for a value out of range. */
const char *alarm_state_name(int state);
/* Returns: static "normal", "high1", "high2", "low1", "low2", "fault", "comms_loss", or "?". */
const char *alarm_cond_name(int cond);
/* Returns: static "combustible", "toxic", "oxygen", "level", "temperature", "pressure", "flow",
 * or "?". */
const char *alarm_kind_name(int kind);
/* Chinese labels for exports and the UI: 正常, 未确认, ... ; 一级高报, ...; 可燃气体, ... */
const char *alarm_state_name_zh(int state);
const char *alarm_cond_name_zh(int cond);
const char *alarm_kind_name_zh(int kind);
/* Parse a name back. Return 0 with *out, or ERR_INVALID. */
int alarm_state_parse(const char *s, int *out);
int alarm_cond_parse(const char *s, int *out);
int alarm_kind_parse(const char *s, int *out);

#endif
