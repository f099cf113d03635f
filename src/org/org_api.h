/* SPDX-License-Identifier: MIT */
/* The org module's route tables (listed in http/routes.c). */
#ifndef ORG_ORG_API_H
#define ORG_ORG_API_H

#include "http/req.h"

extern const struct route org_account_routes[];
extern const struct route org_unit_routes[];

#endif
