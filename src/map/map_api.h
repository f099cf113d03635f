/* SPDX-License-Identifier: MIT */
/* The map's route table (src/http/routes.c lists it). */
#ifndef MAP_MAP_API_H
#define MAP_MAP_API_H

#include "http/req.h"

extern const struct route map_routes[];

#endif
