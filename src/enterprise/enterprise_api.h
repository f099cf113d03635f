/* SPDX-License-Identifier: MIT */
/* The enterprise module's route table (listed in http/routes.c). */
#ifndef ENTERPRISE_ENTERPRISE_API_H
#define ENTERPRISE_ENTERPRISE_API_H

#include "http/req.h"

extern const struct route enterprise_routes[];

#endif
