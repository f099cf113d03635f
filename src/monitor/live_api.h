/* SPDX-License-Identifier: MIT */
/*
 * The route table of the live stream (live_api.c): GET /api/v1/monitor/stream.
 */
#ifndef MONITOR_LIVE_API_H
#define MONITOR_LIVE_API_H

#include "http/req.h"

extern const struct route live_routes[];

#endif
