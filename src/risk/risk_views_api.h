/* SPDX-License-Identifier: MIT */
/*
 * The route table of the regulator's risk views (risk_views_api.c): statistics, the
 * major-risk and reassessment lists, the enterprises' grades, their exports and the
 * dual-prevention data export.
 */
#ifndef RISK_RISK_VIEWS_API_H
#define RISK_RISK_VIEWS_API_H

#include "http/req.h"

extern const struct route risk_views_routes[];

#endif
