/* SPDX-License-Identifier: MIT */
/*
 * Hidden hazards (隐患排查治理, DESIGN §2 "hazard", issue 4): the pure rules of the
 * life cycle, the deadline states and the hazard number. No I/O, no clock: "today"
 * and "now" are arguments. Storage, routes, the scheduler and the lists are not
 * built yet (docs/hazard.md says what is).
 *
 * The life cycle (docs/hazard.md has the table of who may do what):
 *
 *   reported --confirm--> confirmed --plan--> rectifying --submit--> submitted --verify--> closed
 *       \--dismiss (reason)--> dismissed          ^                      |
 *                                                 \----send_back (reason)/
 *
 * While rectifying, the enterprise may request an extension of the deadline
 * (request_extension, with a reason and a later date); the request is then pending
 * until approved or refused (each with a reason). Requests are limited in number.
 * A closed hazard found falsely closed (虚假销号) is reopened by an inspector
 * (reopen, with a reason): back to rectifying.
 */
#ifndef HAZARD_HAZARD_H
#define HAZARD_HAZARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/perm.h"

struct field_errors;

enum hazard_state {
	HAZARD_REPORTED = 0,
	HAZARD_CONFIRMED,
	HAZARD_DISMISSED, /* not a hazard (final) */
	HAZARD_RECTIFYING,
	HAZARD_SUBMITTED, /* submitted for verification */
	HAZARD_CLOSED,	  /* verified and closed, 销号 (final) */
	HAZARD_STATE_COUNT_
};

enum hazard_level {
	HAZARD_GENERAL = 0, /* 一般事故隐患 */
	HAZARD_MAJOR,	    /* 重大事故隐患 (STANDARDS.md §6 criteria) */
};

enum hazard_action {
	HAZARD_CONFIRM = 0,
	HAZARD_DISMISS,
	HAZARD_PLAN,
	HAZARD_SUBMIT,
	HAZARD_VERIFY,
	HAZARD_SEND_BACK,
	HAZARD_REQUEST_EXTENSION,
	HAZARD_APPROVE_EXTENSION,
	HAZARD_REFUSE_EXTENSION,
	HAZARD_REOPEN, /* closed -> rectifying: a false closure (虚假销号), inspector only */
	HAZARD_ACTION_COUNT_
};

/* Default limit of extension requests per hazard (approved or refused, each counts). */
#define HAZARD_MAX_EXTENSIONS_DEFAULT 2
/* Default "due soon" band: at most this many days left (deadline day included). */
#define HAZARD_DUE_SOON_DAYS_DEFAULT 3
/* Default "long overdue" band: more than this many days past the deadline. */
#define HAZARD_OVERDUE_LONG_DAYS_DEFAULT 30

/* The facts of a hazard the life cycle depends on. Days are local (UTC+8) day numbers. */
struct hazard_state_in {
	enum hazard_state state;
	enum hazard_level level;
	int64_t enterprise_id;	  /* the enterprise the hazard belongs to */
	int64_t rectifier_id;	  /* user who submitted the rectification (0 = none yet) */
	int64_t deadline;	  /* rectification deadline (set by plan, moved by extension) */
	bool extension_pending;	  /* a request waits for approval or refusal */
	int64_t pending_deadline; /* the deadline the pending request asks for */
	int extension_requests;	  /* requests made so far */
	int max_extensions;	  /* limit of requests (HAZARD_MAX_EXTENSIONS_DEFAULT) */
	int64_t today;		  /* local day number of "now" (core/clock.h today_local) */
};

/* Who acts. enterprise_id is the officer's own enterprise (0 for other roles). */
struct hazard_actor {
	enum role role;
	int64_t user_id;
	int64_t enterprise_id;
};

/*
 * The rectification plan (整改方案). For a major hazard the governance plan's
 * five elements (五到位: measures, responsibility, funds, time limit, emergency
 * arrangements) are all required; for a general hazard the emergency arrangements
 * are optional. Strings are borrowed; NULL or blank = missing.
 */
struct hazard_plan {
	const char *measures;	 /* 整改措施 */
	const char *responsible; /* 整改责任人 (name) */
	int64_t funds_yuan;    /* 整改资金, whole yuan; < 0 = missing; 0 allowed for general */
	const char *deadline;  /* "YYYY-MM-DD", local date, >= today */
	const char *emergency; /* 应急措施/预案 (major: required) */
};

/* What an action brings. Borrowed; fields an action does not use are ignored. */
struct hazard_args {
	const char *reason;	  /* dismiss, send_back, *_extension */
	struct hazard_plan plan;  /* plan */
	int after_photos;	  /* submit: number of after-rectification photos (> 0) */
	const char *new_deadline; /* request_extension: "YYYY-MM-DD", later than the deadline */
};

/* The result of a transition: the new facts, or (ERR_CONFLICT) what is allowed. */
struct hazard_outcome {
	enum hazard_state state;
	int64_t deadline;
	bool extension_pending;
	int64_t pending_deadline;
	int extension_requests;
	int64_t rectifier_id;
	unsigned
		allowed; /* not 0: hazard_allowed_actions(in, who) before the action; 0 on success */
};

/* Returns: static identifier ("reported", ...), or "?" out of range. */
const char *hazard_state_name(enum hazard_state s);
/* Returns: static identifier ("confirm", "request_extension", ...), or "?". */
const char *hazard_action_name(enum hazard_action a);
/* Parses an action identifier. Returns 0 or ERR_INVALID. */
int hazard_action_parse(const char *s, enum hazard_action *out);

/*
 * True when role r may take action a on a hazard of level (the role table of
 * docs/hazard.md: confirm, dismiss, verify, send_back and the extension decisions by an
 * inspector or a grid manager for a general hazard, by an inspector only for a major
 * one; plan, submit and request_extension by an enterprise officer; reopen by an
 * inspector). Says nothing of the person (own enterprise, rectifier). False for an
 * out-of-range role or action.
 */
bool hazard_role_may(enum role r, enum hazard_action a, enum hazard_level level);

/*
 * The actions who may take on the hazard in now: those legal in its state (and
 * extension sub-state) that who's role may take for its level, and for which who is
 * the right person (a user id > 0; an officer only for its own enterprise; the
 * verifier not the rectifier). request_extension is left out once extension_requests
 * has reached max_extensions (a request could only be refused: hazard_transition still
 * answers it with ERR_INVALID naming "extension"). Field checks are not part of it.
 * Returns a mask of (1u << action).
 */
unsigned hazard_allowed_actions(const struct hazard_state_in *in, const struct hazard_actor *who);

/*
 * Writes the names of the actions of mask into out, ", "-separated in action order
 * ("confirm, dismiss"; "" for none), for a 409's detail. out is always terminated;
 * when n is too small it holds the names that fit whole (never a cut name).
 */
void hazard_actions_format(unsigned mask, char *out, size_t n);

/*
 * Applies action a with args to in on behalf of who. Checks in this order:
 * 1. the action is legal in the state (whoever acts), else ERR_CONFLICT with
 *    out->allowed = hazard_allowed_actions(in, who);
 * 2. who's role may take it for the hazard's level and who is the right person
 *    (user id > 0; own enterprise; verify/send_back not by the rectifier), else ERR_FORBIDDEN;
 * 3. the fields: dismiss, send_back, reopen and the extension actions need a reason; plan needs measures,
 *    responsible, funds, deadline (a real date, not before in->today) and, for a major
 *    hazard, emergency and funds > 0 (五到位, 安全生产事故隐患排查治理暂行规定 Art. 15
 *    [U]); submit needs after_photos > 0; request_extension needs new_deadline later
 *    than the deadline and extension_requests < max_extensions. Each bad field is
 *    added to fe (named "reason", "measures", "responsible", "funds", "deadline",
 *    "emergency", "after_photos", "new_deadline", "extension"), then ERR_INVALID.
 * On 0, out holds the new facts: confirm -> confirmed; dismiss -> dismissed;
 * plan -> rectifying with the deadline; submit -> submitted (rectifier = who, a
 * pending request withdrawn); verify -> closed; send_back -> rectifying;
 * request_extension -> pending (requests + 1); approve -> deadline = requested;
 * refuse -> pending cleared; reopen -> rectifying (closed by mistake or falsely: the
 * deadline kept, a pending request cleared). Returns 0, ERR_CONFLICT, ERR_FORBIDDEN or ERR_INVALID.
 */
int hazard_transition(const struct hazard_state_in *in, enum hazard_action a,
		      const struct hazard_args *args, const struct hazard_actor *who,
		      struct hazard_outcome *out, struct field_errors *fe);

/* --- deadline states --- */

enum hazard_deadline_state {
	HAZARD_ON_TIME = 0,
	HAZARD_DUE_SOON,
	HAZARD_OVERDUE,
	HAZARD_OVERDUE_LONG, /* "overdue_30": more than overdue_long_days past */
};

/* The bands (defaults HAZARD_DUE_SOON_DAYS_DEFAULT, HAZARD_OVERDUE_LONG_DAYS_DEFAULT). */
struct hazard_deadline_bands {
	int due_soon_days;
	int overdue_long_days;
};

/*
 * The state of deadline day (local UTC+8 day number, due at the end of that local
 * day, i.e. at 16:00:00Z) at the instant now_ms (UTC ms; independent of the
 * process's TZ): days_left = deadline - local_day(now_ms); overdue when days_left < 0,
 * overdue_long when -days_left > b->overdue_long_days, due_soon when
 * 0 <= days_left <= b->due_soon_days, on_time beyond. Issue 4 §3; the bands are
 * this project's practice, not a national rule.
 */
enum hazard_deadline_state hazard_deadline_state(int64_t deadline, int64_t now_ms,
						 const struct hazard_deadline_bands *b);
/* Returns: static name ("on_time", "due_soon", "overdue", "overdue_30"). */
const char *hazard_deadline_state_name(enum hazard_deadline_state s);

/* --- Chinese labels (exports) --- */

/*
 * The Chinese word of code in domain, as every hazard export writes it (one set, the same
 * as the web UI's): domains "source", "category", "level", "state" (of a hazard),
 * "deadline_state", "supervision_state", "supervision_reason", "accountability_kind",
 * "blacklist_state", "blacklist_rule". Returns a static string, or code itself when the
 * pair is unknown (NULL when code is NULL).
 */
const char *hazard_label(const char *domain, const char *code);

/*
 * The accountability note in words: the scan's "deadline YYYY-MM-DD" becomes
 * "整改期限 YYYY-MM-DD"; any other note (an inspector's reason) is copied. out (n bytes) is
 * always terminated.
 */
void hazard_note_text(const char *note, char *out, size_t n);

/* --- the hazard number --- */

/* Longest number: "YH-" + 12-digit region + "-" + year + "-" + 9-digit sequence. */
#define HAZARD_NUMBER_MAX 32

/*
 * Writes "YH-<region>-<year>-<seq>" (seq zero-padded to 6 digits): region is a GB/T 2260
 * code of 6, 9 or 12 digits, year 1900..2999, seq 1..999999999. Returns 0, or
 * ERR_INVALID (out then "").
 */
int hazard_number_build(const char *region, int year, int64_t seq, char *out, size_t n);
/*
 * Parses a number written by hazard_number_build (canonical form only: "YH-320902-
 * 2026-000123"; seq of 6..9 digits, no padding beyond 6). region must hold 13 bytes.
 * Returns 0 or ERR_INVALID.
 */
int hazard_number_parse(const char *s, char region[13], int *year, int64_t *seq);

/* A new hazard (state 'reported'). Strings are borrowed; NULL = empty/none. */
struct hazard_new {
	int64_t enterprise_id;
	const char *region_code;   /* the enterprise's (6, 9 or 12 digits): the number's region */
	int64_t grid_id;	   /* the enterprise's, 0 = none */
	const char *industry_code; /* the enterprise's GB/T 4754 class */
	const char
		*source; /* self_check | grid_patrol | tipoff | enforcement | leader_inspection */
	int64_t reporter_id;	 /* user, 0 = none (the system) */
	const char *actor_login; /* the timeline's actor ("system" when NULL) */
	int64_t found_ms;	 /* when found, UTC ms */
	const char *location;	 /* where in the enterprise */
	bool has_coord;		 /* lat/lon given (WGS-84 / CGCS2000 degrees) */
	double lat, lon;
	const char *category;	 /* management | site */
	const char *subcategory; /* free text */
	const char *level;	 /* general | major */
	int64_t criterion_id;	 /* hazard_criterion id, 0 = none */
	const char *criterion_text;
	const char *description; /* not blank */
	const char *client_ref;	 /* the reporting client's id (idempotent retries), NULL = none */
	int year;		 /* the number's year (the local year of the report) */
	int64_t now_ms;		 /* created_ms, updated_ms and the event's at_ms */
	int64_t risk_point_id;	 /* a failed risk check's point, 0 = none (issue 5 §4) */
	int64_t check_task_id;	 /* the failed check task, 0 = none */
};

#endif
