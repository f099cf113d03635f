/* SPDX-License-Identifier: MIT */
/*
 * Routes of the four hazard lists and their exports, listed-supervision and blacklist
 * actions, and the hazard statistics (hazard_lists_api.c; docs/api.md lists them).
 */
#ifndef HAZARD_HAZARD_LISTS_API_H
#define HAZARD_HAZARD_LISTS_API_H

#include "http/router.h"

/* The route table, listed in src/http/routes.c. */
extern const struct route hazard_lists_routes[];

#endif
