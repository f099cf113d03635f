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

/* Report, detail, criteria (hazard_api.c); list and export (hazard_list_api.c); the
 * life-cycle actions (hazard_actions_api.c). */
extern const struct route hazard_routes[];
extern const struct route hazard_list_routes[];
extern const struct route hazard_action_routes[];
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

/*
 * Checks the criterion of a major hazard for an enterprise of GB/T 4754 class industry
 * (重大事故隐患判定标准: covered industries name criterion_id, others criterion_text; a
 * general hazard names none) and appends the errors to fe. level is "general" or "major".
 */
void hazard_api_check_criterion(struct req *rq, const char *level, int64_t criterion_id,
				const char *criterion_text, const char *industry,
				struct field_errors *fe);
/*
 * Checks arr, a JSON array of photo SHA-256s (lower-case hex) each stored and visible to
 * the caller (hazard_api_photo_visible); appends the first error to fe under field.
 */
void hazard_api_check_photos(struct req *rq, const json_t *arr, const char *field,
			     struct field_errors *fe);

/*
 * Files hidden hazard hn (checked by the caller) inside the caller's open write
 * transaction, as POST /hazards does: the numbered hazard row in state 'reported', its
 * 'report' timeline event, the photos of arr (sha256 strings, NULL = none) linked as
 * 'before', and the audit record "hazard.report" (actor: rq's caller) tied to the event.
 * The one report path of the hazard module: POST /hazards and a failed risk check (issue
 * 5 §4, risk_point_id / check_task_id set) both call it. Returns 0 with *id and number
 * (HAZARD_NUMBER_MAX bytes) set, or as hazard_db_insert() / audit_record(); the caller's
 * db_finish() then rolls everything back.
 */
int hazard_report_in_tx(struct req *rq, const struct hazard_new *hn, const json_t *photos,
			int64_t *id, char *number);

#endif
