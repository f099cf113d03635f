/* SPDX-License-Identifier: MIT */
/*
 * Routes of risk check items, check tasks and check completion (issue 5 §4,
 * risk_check_api.c, docs/risk.md "Check tasks").
 */
#ifndef RISK_RISK_CHECK_API_H
#define RISK_RISK_CHECK_API_H

#include "http/req.h"

extern const struct route risk_check_routes[];

#endif
