/* SPDX-License-Identifier: MIT */
/* The audit module's routes (listed in http/routes.c). */
#ifndef AUDIT_AUDIT_API_H
#define AUDIT_AUDIT_API_H

#include "http/req.h"

extern const struct route audit_routes[];

#endif
