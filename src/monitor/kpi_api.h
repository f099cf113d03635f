/* SPDX-License-Identifier: MIT */
/*
 * The route table of the alarm-management KPIs (kpi_api.c): GET /api/v1/monitor/kpi and
 * its export.
 */
#ifndef MONITOR_KPI_API_H
#define MONITOR_KPI_API_H

#include "http/req.h"

extern const struct route kpi_routes[];

#endif
