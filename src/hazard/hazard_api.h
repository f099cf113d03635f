/* SPDX-License-Identifier: MIT */
/*
 * Routes of hidden hazards (hazard_api.c) and photos (photo_api.c), and what other
 * hazard routes (the lists branch) share with them.
 */
#ifndef HAZARD_HAZARD_API_H
#define HAZARD_HAZARD_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hazard/hazard.h"
#include "http/req.h"

extern const struct route hazard_routes[];
extern const struct route photo_routes[];

/* "Now" of date rules: setting fake.now_ms when set (tests), else the clock. UTC ms. */
int64_t hazard_api_now(const struct req *rq);
/*
 * Fills b from the settings hazard.due_soon_days and hazard.overdue_long_days (the
 * project's practice, docs/hazard.md; validated when the configuration is read).
 * Returns 0.
 */
int hazard_bands(const struct config *c, struct hazard_deadline_bands *b);
/*
 * True when the caller may see hazard h (an object of hazard_db_get(), which carries
 * "_uscc"): the caller would see its enterprise (region prefix, own grids, own enterprise).
 */
bool hazard_api_visible(const struct req *rq, const json_t *h);

/*
 * True when the caller may see stored photo sha256: it uploaded it, or may see a hazard that
 * shows it (photo_api.c). A hazard's report and submission attach only such photos.
 */
bool hazard_api_photo_visible(struct req *rq, const char *sha256);

#endif
