/* SPDX-License-Identifier: MIT */
/* Routes of the stored notifications (notify_api.c): /api/v1/notifications, one's own only. */
#ifndef NOTIFY_NOTIFY_API_H
#define NOTIFY_NOTIFY_API_H

#include "http/router.h"

/* The route table, listed in src/http/routes.c (PERM_SELF). */
extern const struct route notify_routes[];

#endif
