/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/hazard/hazard.c (issue 4, first slice: the pure rules).
 * The life cycle over every state (rectifying twice: with and without a pending
 * extension request) x action x role x level, against a table written from the
 * rules of docs/hazard.md, not from the code; the 409's list of allowed actions;
 * the field checks (reason, the plan and the major hazard's five elements 五到位,
 * after-photos, the extension limit); verifier != rectifier; the deadline states at
 * the UTC+8 day edges (15:59:59Z / 16:00:00Z), month ends and 2028-02-29, also with
 * TZ=America/New_York; the hazard number. No server, no database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "hazard/hazard.h"
#include "core/banned.h"

static int64_t d(const char *s)
{
	int64_t day = 0;

	if (date_parse(s, &day) != 0)
		fail_msg("'%s' does not parse", s);
	return day;
}

/* ------------------------------------------------------------ the table */

/*
 * The situations: the six states, rectifying three times (no request / a pending request /
 * no request but the limit of requests reached).
 */
enum sit { S_REP, S_CONF, S_DISM, S_RECT, S_RECT_PENDING, S_RECT_LIMIT, S_SUBM, S_CLOSED, S_COUNT };

static const char *const sit_names[S_COUNT] = { "reported",	      "confirmed",
						"dismissed",	      "rectifying",
						"rectifying+pending", "rectifying+limit",
						"submitted",	      "closed" };

/*
 * Expected result per role, in enum role order:
 *   none admin leader inspector grid_manager grid_patroller grid_supervisor enterprise_officer
 * 'o' = done, 'C' = 409 (not legal in this state), 'F' = 403 (role may not), 'I' = 422 (the
 * right role and person, but the request can only fail: not among the allowed actions).
 * Rules (docs/hazard.md): confirm, dismiss, verify, send_back, approve/refuse an extension:
 * inspector or grid manager for a general hazard, the inspector (supervising department)
 * only for a major one; plan, submit, request an extension: the enterprise officer.
 */
#define ALL_C "CCCCCCCC"
#define SUP_G "FFFooFFF"
#define SUP_M "FFFoFFFF"
#define ENT   "FFFFFFFo"
#define INSP  "FFFoFFFF"
#define ENT_I "FFFFFFFI" /* the extension limit reached: 422 extension, not offered */

static const struct {
	const char *general, *major;
	enum hazard_state next; /* after 'o' */
} table[S_COUNT][HAZARD_ACTION_COUNT_] = {
	[S_REP] = {
		[HAZARD_CONFIRM] = { SUP_G, SUP_M, HAZARD_CONFIRMED },
		[HAZARD_DISMISS] = { SUP_G, SUP_M, HAZARD_DISMISSED },
		[HAZARD_PLAN] = { ALL_C, ALL_C, 0 },
		[HAZARD_SUBMIT] = { ALL_C, ALL_C, 0 },
		[HAZARD_VERIFY] = { ALL_C, ALL_C, 0 },
		[HAZARD_SEND_BACK] = { ALL_C, ALL_C, 0 },
		[HAZARD_REQUEST_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_APPROVE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REFUSE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REOPEN] = { ALL_C, ALL_C, 0 },
	},
	[S_CONF] = {
		[HAZARD_CONFIRM] = { ALL_C, ALL_C, 0 },
		[HAZARD_DISMISS] = { ALL_C, ALL_C, 0 },
		[HAZARD_PLAN] = { ENT, ENT, HAZARD_RECTIFYING },
		[HAZARD_SUBMIT] = { ALL_C, ALL_C, 0 },
		[HAZARD_VERIFY] = { ALL_C, ALL_C, 0 },
		[HAZARD_SEND_BACK] = { ALL_C, ALL_C, 0 },
		[HAZARD_REQUEST_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_APPROVE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REFUSE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REOPEN] = { ALL_C, ALL_C, 0 },
	},
	[S_DISM] = {
		[HAZARD_CONFIRM] = { ALL_C, ALL_C, 0 },
		[HAZARD_DISMISS] = { ALL_C, ALL_C, 0 },
		[HAZARD_PLAN] = { ALL_C, ALL_C, 0 },
		[HAZARD_SUBMIT] = { ALL_C, ALL_C, 0 },
		[HAZARD_VERIFY] = { ALL_C, ALL_C, 0 },
		[HAZARD_SEND_BACK] = { ALL_C, ALL_C, 0 },
		[HAZARD_REQUEST_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_APPROVE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REFUSE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REOPEN] = { ALL_C, ALL_C, 0 },
	},
	[S_RECT] = {
		[HAZARD_CONFIRM] = { ALL_C, ALL_C, 0 },
		[HAZARD_DISMISS] = { ALL_C, ALL_C, 0 },
		[HAZARD_PLAN] = { ALL_C, ALL_C, 0 },
		[HAZARD_SUBMIT] = { ENT, ENT, HAZARD_SUBMITTED },
		[HAZARD_VERIFY] = { ALL_C, ALL_C, 0 },
		[HAZARD_SEND_BACK] = { ALL_C, ALL_C, 0 },
		[HAZARD_REQUEST_EXTENSION] = { ENT, ENT, HAZARD_RECTIFYING },
		[HAZARD_APPROVE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REFUSE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REOPEN] = { ALL_C, ALL_C, 0 },
	},
	[S_RECT_PENDING] = {
		[HAZARD_CONFIRM] = { ALL_C, ALL_C, 0 },
		[HAZARD_DISMISS] = { ALL_C, ALL_C, 0 },
		[HAZARD_PLAN] = { ALL_C, ALL_C, 0 },
		[HAZARD_SUBMIT] = { ENT, ENT, HAZARD_SUBMITTED },
		[HAZARD_VERIFY] = { ALL_C, ALL_C, 0 },
		[HAZARD_SEND_BACK] = { ALL_C, ALL_C, 0 },
		[HAZARD_REQUEST_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_APPROVE_EXTENSION] = { SUP_G, SUP_M, HAZARD_RECTIFYING },
		[HAZARD_REFUSE_EXTENSION] = { SUP_G, SUP_M, HAZARD_RECTIFYING },
		[HAZARD_REOPEN] = { ALL_C, ALL_C, 0 },
	},
	[S_RECT_LIMIT] = {
		[HAZARD_CONFIRM] = { ALL_C, ALL_C, 0 },
		[HAZARD_DISMISS] = { ALL_C, ALL_C, 0 },
		[HAZARD_PLAN] = { ALL_C, ALL_C, 0 },
		[HAZARD_SUBMIT] = { ENT, ENT, HAZARD_SUBMITTED },
		[HAZARD_VERIFY] = { ALL_C, ALL_C, 0 },
		[HAZARD_SEND_BACK] = { ALL_C, ALL_C, 0 },
		[HAZARD_REQUEST_EXTENSION] = { ENT_I, ENT_I, 0 },
		[HAZARD_APPROVE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REFUSE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REOPEN] = { ALL_C, ALL_C, 0 },
	},
	[S_SUBM] = {
		[HAZARD_CONFIRM] = { ALL_C, ALL_C, 0 },
		[HAZARD_DISMISS] = { ALL_C, ALL_C, 0 },
		[HAZARD_PLAN] = { ALL_C, ALL_C, 0 },
		[HAZARD_SUBMIT] = { ALL_C, ALL_C, 0 },
		[HAZARD_VERIFY] = { SUP_G, SUP_M, HAZARD_CLOSED },
		[HAZARD_SEND_BACK] = { SUP_G, SUP_M, HAZARD_RECTIFYING },
		[HAZARD_REQUEST_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_APPROVE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REFUSE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REOPEN] = { ALL_C, ALL_C, 0 },
	},
	[S_CLOSED] = {
		[HAZARD_CONFIRM] = { ALL_C, ALL_C, 0 },
		[HAZARD_DISMISS] = { ALL_C, ALL_C, 0 },
		[HAZARD_PLAN] = { ALL_C, ALL_C, 0 },
		[HAZARD_SUBMIT] = { ALL_C, ALL_C, 0 },
		[HAZARD_VERIFY] = { ALL_C, ALL_C, 0 },
		[HAZARD_SEND_BACK] = { ALL_C, ALL_C, 0 },
		[HAZARD_REQUEST_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_APPROVE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REFUSE_EXTENSION] = { ALL_C, ALL_C, 0 },
		[HAZARD_REOPEN] = { INSP, INSP, HAZARD_RECTIFYING },
	},
};

#define ENTERPRISE_ID 7
#define RECTIFIER_ID  900

static struct hazard_state_in situation(enum sit s, enum hazard_level level)
{
	static const enum hazard_state states[S_COUNT] = {
		HAZARD_REPORTED,   HAZARD_CONFIRMED,  HAZARD_DISMISSED, HAZARD_RECTIFYING,
		HAZARD_RECTIFYING, HAZARD_RECTIFYING, HAZARD_SUBMITTED, HAZARD_CLOSED,
	};
	struct hazard_state_in in = {
		.state = states[s],
		.level = level,
		.enterprise_id = ENTERPRISE_ID,
		.max_extensions = HAZARD_MAX_EXTENSIONS_DEFAULT,
		.today = d("2026-11-29"),
	};

	if (s >= S_RECT && s != S_CLOSED)
		in.deadline = d("2026-12-10");
	if (s == S_RECT_PENDING) {
		in.extension_pending = true;
		in.pending_deadline = d("2026-12-20");
		in.extension_requests = 1;
	}
	if (s == S_RECT_LIMIT)
		in.extension_requests = HAZARD_MAX_EXTENSIONS_DEFAULT;
	if (s == S_SUBM || s == S_CLOSED)
		in.rectifier_id = RECTIFIER_ID;
	return in;
}

/* An actor of role r: user id 100 + r, the officer of the hazard's enterprise. */
static struct hazard_actor actor(enum role r)
{
	return (struct hazard_actor){ .role = r,
				      .user_id = 100 + (int64_t)r,
				      .enterprise_id = r == ROLE_ENTERPRISE_OFFICER ? ENTERPRISE_ID
										    : 0 };
}

/* Arguments that pass every field check of every action. */
static struct hazard_args good_args(void)
{
	return (struct hazard_args){
		.reason = "现场复核：隐患已消除",
		.plan = { .measures = "更换泄漏阀门并加装可燃气体探测器",
			  .responsible = "张三（演示）",
			  .funds_yuan = 5000,
			  .deadline = "2026-12-10",
			  .emergency = "整改期间停用该储罐，现场配备灭火器和警戒" },
		.after_photos = 2,
		.new_deadline = "2026-12-31",
	};
}

/* The actions the table says role r may take in situation s (its 'o' cells). */
static unsigned table_allowed(enum sit s, enum hazard_level level, enum role r)
{
	unsigned mask = 0;

	for (int a = 0; a < HAZARD_ACTION_COUNT_; a++) {
		const char *row = level == HAZARD_MAJOR ? table[s][a].major : table[s][a].general;
		if (row[r] == 'o')
			mask |= 1u << a;
	}
	return mask;
}

static void test_every_state_action_role(void **state)
{
	struct hazard_args args = good_args();
	int cells = 0;

	(void)state;
	for (int lv = HAZARD_GENERAL; lv <= HAZARD_MAJOR; lv++)
		for (int s = 0; s < S_COUNT; s++)
			for (int a = 0; a < HAZARD_ACTION_COUNT_; a++)
				for (int r = 0; r < ROLE_COUNT_; r++) {
					struct hazard_state_in in = situation((enum sit)s, lv);
					struct hazard_actor who = actor((enum role)r);
					struct hazard_outcome out;
					struct field_errors fe = { 0 };
					const char *row = lv == HAZARD_MAJOR ? table[s][a].major
									     : table[s][a].general;
					int want = row[r] == 'o'   ? 0
						   : row[r] == 'C' ? ERR_CONFLICT
						   : row[r] == 'I' ? ERR_INVALID
								   : ERR_FORBIDDEN;
					int rc = hazard_transition(&in, (enum hazard_action)a,
								   &args, &who, &out, &fe);
					unsigned allowed =
						table_allowed((enum sit)s, lv, (enum role)r);

					if (rc != want)
						fail_msg("%s %s, %s by %s: %s, want %s",
							 lv ? "major" : "general", sit_names[s],
							 hazard_action_name(a), role_name(r),
							 err_str(rc), err_str(want));
					if (rc == ERR_INVALID) {
						assert_int_equal(fe.n, 1);
						assert_string_equal(fe.e[0].field, "extension");
					} else {
						assert_int_equal(fe.n, 0);
					}
					if (hazard_allowed_actions(&in, &who) != allowed)
						fail_msg("%s %s by %s: allowed %#x, want %#x",
							 lv ? "major" : "general", sit_names[s],
							 role_name(r),
							 hazard_allowed_actions(&in, &who),
							 allowed);
					if (rc == 0)
						assert_int_equal(out.state, table[s][a].next);
					else if (rc != ERR_INVALID)
						assert_int_equal(out.allowed, allowed);
					cells++;
				}
	assert_int_equal(cells, 2 * S_COUNT * HAZARD_ACTION_COUNT_ * ROLE_COUNT_);
}

/* The 409's detail names the allowed actions. */
static void test_conflict_names_allowed_actions(void **state)
{
	struct hazard_args args = good_args();
	struct hazard_state_in in = situation(S_REP, HAZARD_GENERAL);
	struct hazard_actor who = actor(ROLE_INSPECTOR);
	struct hazard_outcome out;
	struct field_errors fe = { 0 };
	char names[160];

	(void)state;
	assert_int_equal(hazard_transition(&in, HAZARD_VERIFY, &args, &who, &out, &fe),
			 ERR_CONFLICT);
	hazard_actions_format(out.allowed, names, sizeof(names));
	assert_string_equal(names, "confirm, dismiss");

	in = situation(S_RECT_PENDING, HAZARD_GENERAL);
	who = actor(ROLE_ENTERPRISE_OFFICER);
	assert_int_equal(hazard_transition(&in, HAZARD_REQUEST_EXTENSION, &args, &who, &out, &fe),
			 ERR_CONFLICT);
	hazard_actions_format(out.allowed, names, sizeof(names));
	assert_string_equal(names, "submit");

	who = actor(ROLE_GRID_MANAGER);
	assert_int_equal(hazard_transition(&in, HAZARD_PLAN, &args, &who, &out, &fe), ERR_CONFLICT);
	hazard_actions_format(out.allowed, names, sizeof(names));
	assert_string_equal(names, "approve_extension, refuse_extension");

	in = situation(S_CLOSED, HAZARD_MAJOR);
	who = actor(ROLE_INSPECTOR);
	assert_int_equal(hazard_transition(&in, HAZARD_SEND_BACK, &args, &who, &out, &fe),
			 ERR_CONFLICT);
	hazard_actions_format(out.allowed, names, sizeof(names));
	assert_string_equal(names, "reopen");
	who = actor(ROLE_GRID_MANAGER); /* a false closure is the bureau's finding */
	assert_int_equal(hazard_transition(&in, HAZARD_SEND_BACK, &args, &who, &out, &fe),
			 ERR_CONFLICT);
	hazard_actions_format(out.allowed, names, sizeof(names));
	assert_string_equal(names, "");
	/* Every action, in order; a short buffer stays terminated. */
	hazard_actions_format((1u << HAZARD_ACTION_COUNT_) - 1, names, sizeof(names));
	assert_string_equal(names,
			    "confirm, dismiss, plan, submit, verify, send_back, "
			    "request_extension, approve_extension, refuse_extension, reopen");
	hazard_actions_format(3, names, 8);
	assert_true(strlen(names) < 8);
	/* A short buffer holds whole names only, never a cut one ("confirm, dis"). */
	hazard_actions_format(3, names, 12);
	assert_string_equal(names, "confirm");
	hazard_actions_format(3, names, 7);
	assert_string_equal(names, "");
	assert_int_equal(fe.n, 0);
}

static void expect_invalid(const struct hazard_state_in *in, enum hazard_action a,
			   const struct hazard_args *args, enum role r, const char *field)
{
	struct hazard_actor who = actor(r);
	struct hazard_outcome out;
	struct field_errors fe = { 0 };
	int rc = hazard_transition(in, a, args, &who, &out, &fe);

	if (rc != ERR_INVALID)
		fail_msg("%s: %s, want invalid (%s)", hazard_action_name(a), err_str(rc), field);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].field, field);
}

static void expect_ok(const struct hazard_state_in *in, enum hazard_action a,
		      const struct hazard_args *args, enum role r, struct hazard_outcome *out)
{
	struct hazard_actor who = actor(r);
	struct field_errors fe = { 0 };
	int rc = hazard_transition(in, a, args, &who, out, &fe);

	if (rc != 0)
		fail_msg("%s: %s (%s)", hazard_action_name(a), err_str(rc),
			 fe.n ? fe.e[0].field : "");
}

static void test_reasons_required(void **state)
{
	static const char *const blanks[] = { NULL, "", "   ", "\xe3\x80\x80", "\xc2\xa0\t" };
	struct hazard_args args = good_args();
	struct hazard_state_in rep = situation(S_REP, HAZARD_GENERAL);
	struct hazard_state_in subm = situation(S_SUBM, HAZARD_GENERAL);
	struct hazard_state_in pend = situation(S_RECT_PENDING, HAZARD_MAJOR);
	struct hazard_state_in rect = situation(S_RECT, HAZARD_GENERAL);
	struct hazard_state_in closed = situation(S_CLOSED, HAZARD_MAJOR);

	(void)state;
	for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
		args.reason = blanks[i];
		expect_invalid(&closed, HAZARD_REOPEN, &args, ROLE_INSPECTOR, "reason");
		expect_invalid(&rep, HAZARD_DISMISS, &args, ROLE_GRID_MANAGER, "reason");
		expect_invalid(&subm, HAZARD_SEND_BACK, &args, ROLE_INSPECTOR, "reason");
		expect_invalid(&pend, HAZARD_APPROVE_EXTENSION, &args, ROLE_INSPECTOR, "reason");
		expect_invalid(&pend, HAZARD_REFUSE_EXTENSION, &args, ROLE_INSPECTOR, "reason");
		expect_invalid(&rect, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER,
			       "reason");
	}
	/* Confirm and verify need none. */
	struct hazard_outcome out;
	expect_ok(&rep, HAZARD_CONFIRM, &args, ROLE_INSPECTOR, &out);
	assert_int_equal(out.state, HAZARD_CONFIRMED);
	expect_ok(&subm, HAZARD_VERIFY, NULL, ROLE_GRID_MANAGER, &out);
	assert_int_equal(out.state, HAZARD_CLOSED);
	/* A falsely closed hazard (虚假销号) goes back to rectifying, its deadline kept. */
	closed.deadline = d("2026-12-10");
	args.reason = "复查发现阀门未更换，虚假销号";
	expect_ok(&closed, HAZARD_REOPEN, &args, ROLE_INSPECTOR, &out);
	assert_int_equal(out.state, HAZARD_RECTIFYING);
	assert_int_equal(out.deadline, d("2026-12-10"));
	assert_int_equal(out.rectifier_id, RECTIFIER_ID);
}

/* 五到位: measures, responsibility, funds, time limit, emergency arrangements (Art. 15 [U]). */
static void test_major_plan_needs_five_elements(void **state)
{
	struct hazard_state_in major = situation(S_CONF, HAZARD_MAJOR);
	struct hazard_state_in general = situation(S_CONF, HAZARD_GENERAL);
	struct hazard_outcome out;
	struct hazard_args args;

	(void)state;
	args = good_args();
	expect_ok(&major, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, &out);
	assert_int_equal(out.state, HAZARD_RECTIFYING);
	assert_int_equal(out.deadline, d("2026-12-10"));

	args = good_args();
	args.plan.measures = " ";
	expect_invalid(&major, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "measures");
	args = good_args();
	args.plan.responsible = NULL;
	expect_invalid(&major, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "responsible");
	args = good_args();
	args.plan.funds_yuan = -1;
	expect_invalid(&major, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "funds");
	args.plan.funds_yuan = 0;
	expect_invalid(&major, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "funds");
	args = good_args();
	args.plan.deadline = NULL;
	expect_invalid(&major, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "deadline");
	args = good_args();
	args.plan.emergency = "";
	expect_invalid(&major, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "emergency");

	/* A general hazard's plan: no emergency arrangements needed, funds may be 0. */
	args.plan.funds_yuan = 0;
	expect_ok(&general, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, &out);
	/* ... but the four others are. */
	args.plan.measures = NULL;
	expect_invalid(&general, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "measures");

	/* The deadline: a real date, today (UTC+8) at the earliest. */
	args = good_args();
	args.plan.deadline = "2026-11-29";
	expect_ok(&general, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, &out);
	assert_int_equal(out.deadline, d("2026-11-29"));
	args.plan.deadline = "2026-11-28";
	expect_invalid(&general, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "deadline");
	args.plan.deadline = "2026-02-29";
	expect_invalid(&general, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, "deadline");

	/* Every missing element is named at once. */
	{
		struct hazard_actor who = actor(ROLE_ENTERPRISE_OFFICER);
		struct field_errors fe = { 0 };

		args = (struct hazard_args){ .plan = { .funds_yuan = -1 } };
		assert_int_equal(hazard_transition(&major, HAZARD_PLAN, &args, &who, &out, &fe),
				 ERR_INVALID);
		assert_int_equal(fe.n, 5);
		assert_string_equal(fe.e[0].field, "measures");
		assert_string_equal(fe.e[1].field, "responsible");
		assert_string_equal(fe.e[2].field, "funds");
		assert_string_equal(fe.e[3].field, "deadline");
		assert_string_equal(fe.e[4].field, "emergency");
	}
}

static void test_submit_needs_photos(void **state)
{
	struct hazard_state_in in = situation(S_RECT, HAZARD_GENERAL);
	struct hazard_args args = good_args();
	struct hazard_outcome out;

	(void)state;
	args.after_photos = 0;
	expect_invalid(&in, HAZARD_SUBMIT, &args, ROLE_ENTERPRISE_OFFICER, "after_photos");
	args.after_photos = -1;
	expect_invalid(&in, HAZARD_SUBMIT, &args, ROLE_ENTERPRISE_OFFICER, "after_photos");
	args.after_photos = 1;
	expect_ok(&in, HAZARD_SUBMIT, &args, ROLE_ENTERPRISE_OFFICER, &out);
	assert_int_equal(out.state, HAZARD_SUBMITTED);
	assert_int_equal(out.rectifier_id, 100 + ROLE_ENTERPRISE_OFFICER);
	/* Submitting withdraws a pending extension request (it still counts). */
	in = situation(S_RECT_PENDING, HAZARD_GENERAL);
	expect_ok(&in, HAZARD_SUBMIT, &args, ROLE_ENTERPRISE_OFFICER, &out);
	assert_false(out.extension_pending);
	assert_int_equal(out.extension_requests, 1);
	assert_int_equal(out.deadline, d("2026-12-10"));
}

static void test_extensions(void **state)
{
	struct hazard_state_in in = situation(S_RECT, HAZARD_GENERAL);
	struct hazard_args args = good_args();
	struct hazard_outcome out;

	(void)state;
	/* Request: pending with the date asked for, one request used. */
	expect_ok(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER, &out);
	assert_true(out.extension_pending);
	assert_int_equal(out.pending_deadline, d("2026-12-31"));
	assert_int_equal(out.extension_requests, 1);
	assert_int_equal(out.deadline, d("2026-12-10"));
	assert_int_equal(out.state, HAZARD_RECTIFYING);

	/* Approve: the deadline moves; refuse: it stays. */
	in.extension_pending = true;
	in.pending_deadline = out.pending_deadline;
	in.extension_requests = 1;
	expect_ok(&in, HAZARD_APPROVE_EXTENSION, &args, ROLE_GRID_MANAGER, &out);
	assert_false(out.extension_pending);
	assert_int_equal(out.deadline, d("2026-12-31"));
	assert_int_equal(out.extension_requests, 1);
	expect_ok(&in, HAZARD_REFUSE_EXTENSION, &args, ROLE_INSPECTOR, &out);
	assert_false(out.extension_pending);
	assert_int_equal(out.deadline, d("2026-12-10"));

	/* The new date must be later than the deadline. */
	in = situation(S_RECT, HAZARD_GENERAL);
	args.new_deadline = "2026-12-10";
	expect_invalid(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER,
		       "new_deadline");
	args.new_deadline = "2026-13-01";
	expect_invalid(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER,
		       "new_deadline");
	args.new_deadline = "2026-12-11";
	expect_ok(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER, &out);

	/* The limit: the default 2 requests; the third is refused; a higher limit allows it. */
	in.extension_requests = HAZARD_MAX_EXTENSIONS_DEFAULT - 1;
	expect_ok(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER, &out);
	assert_int_equal(out.extension_requests, 2);
	in.extension_requests = HAZARD_MAX_EXTENSIONS_DEFAULT;
	expect_invalid(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER, "extension");
	/* ... and, at the limit, it is not offered (submit still is). */
	{
		struct hazard_actor who = actor(ROLE_ENTERPRISE_OFFICER);

		assert_int_equal(hazard_allowed_actions(&in, &who), 1u << HAZARD_SUBMIT);
		in.extension_requests = HAZARD_MAX_EXTENSIONS_DEFAULT - 1;
		assert_int_equal(hazard_allowed_actions(&in, &who),
				 (1u << HAZARD_SUBMIT) | (1u << HAZARD_REQUEST_EXTENSION));
		in.extension_requests = HAZARD_MAX_EXTENSIONS_DEFAULT;
	}
	in.max_extensions = 3;
	expect_ok(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER, &out);
	in.max_extensions = 0;
	in.extension_requests = 0;
	expect_invalid(&in, HAZARD_REQUEST_EXTENSION, &args, ROLE_ENTERPRISE_OFFICER, "extension");
}

static void test_verifier_is_not_rectifier(void **state)
{
	struct hazard_state_in in = situation(S_SUBM, HAZARD_GENERAL);
	struct hazard_args args = good_args();
	struct hazard_actor who = actor(ROLE_GRID_MANAGER);
	struct hazard_outcome out;
	struct field_errors fe = { 0 };

	(void)state;
	in.rectifier_id = who.user_id;
	assert_int_equal(hazard_transition(&in, HAZARD_VERIFY, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	assert_int_equal(hazard_transition(&in, HAZARD_SEND_BACK, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	assert_int_equal(hazard_allowed_actions(&in, &who), 0);
	/* Another grid manager may. */
	who.user_id++;
	assert_int_equal(hazard_transition(&in, HAZARD_VERIFY, &args, &who, &out, &fe), 0);
	/* Major: the inspector who rectified may not verify it either. */
	in = situation(S_SUBM, HAZARD_MAJOR);
	who = actor(ROLE_INSPECTOR);
	in.rectifier_id = who.user_id;
	assert_int_equal(hazard_transition(&in, HAZARD_VERIFY, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	/* A submitter without a user id (0) would leave no rectifier to compare: refused. */
	in = situation(S_RECT, HAZARD_GENERAL);
	who = actor(ROLE_ENTERPRISE_OFFICER);
	who.user_id = 0;
	assert_int_equal(hazard_transition(&in, HAZARD_SUBMIT, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	assert_int_equal(hazard_allowed_actions(&in, &who), 0);
	/* Nor may an actor without a user id verify. */
	in = situation(S_SUBM, HAZARD_GENERAL);
	who = actor(ROLE_INSPECTOR);
	who.user_id = 0;
	assert_int_equal(hazard_transition(&in, HAZARD_VERIFY, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	assert_int_equal(fe.n, 0);
}

static void test_officer_only_own_enterprise(void **state)
{
	struct hazard_args args = good_args();
	struct hazard_actor who = actor(ROLE_ENTERPRISE_OFFICER);
	struct hazard_outcome out;
	struct field_errors fe = { 0 };
	struct hazard_state_in in = situation(S_CONF, HAZARD_GENERAL);

	(void)state;
	who.enterprise_id = ENTERPRISE_ID + 1;
	assert_int_equal(hazard_transition(&in, HAZARD_PLAN, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	in = situation(S_RECT, HAZARD_GENERAL);
	assert_int_equal(hazard_transition(&in, HAZARD_SUBMIT, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	assert_int_equal(hazard_transition(&in, HAZARD_REQUEST_EXTENSION, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	who.enterprise_id = 0;
	assert_int_equal(hazard_allowed_actions(&in, &who), 0);
	/* A forbidden action with bad fields is still 403, and names no field. */
	args.after_photos = 0;
	assert_int_equal(hazard_transition(&in, HAZARD_SUBMIT, &args, &who, &out, &fe),
			 ERR_FORBIDDEN);
	assert_int_equal(fe.n, 0);
}

/*
 * hazard_role_may: the role table alone (docs/hazard.md), whatever the person; a grid
 * manager supervises a general hazard but not a major one; reopen is the inspector's.
 */
static void test_role_may(void **state)
{
	(void)state;
	assert_true(hazard_role_may(ROLE_GRID_MANAGER, HAZARD_CONFIRM, HAZARD_GENERAL));
	assert_false(hazard_role_may(ROLE_GRID_MANAGER, HAZARD_CONFIRM, HAZARD_MAJOR));
	assert_true(hazard_role_may(ROLE_INSPECTOR, HAZARD_CONFIRM, HAZARD_MAJOR));
	assert_false(hazard_role_may(ROLE_ENTERPRISE_OFFICER, HAZARD_CONFIRM, HAZARD_GENERAL));
	assert_true(hazard_role_may(ROLE_ENTERPRISE_OFFICER, HAZARD_PLAN, HAZARD_MAJOR));
	assert_false(hazard_role_may(ROLE_INSPECTOR, HAZARD_PLAN, HAZARD_GENERAL));
	assert_false(hazard_role_may(ROLE_GRID_MANAGER, HAZARD_REOPEN, HAZARD_GENERAL));
	assert_true(hazard_role_may(ROLE_INSPECTOR, HAZARD_REOPEN, HAZARD_GENERAL));
	assert_false(hazard_role_may(ROLE_LEADER, HAZARD_VERIFY, HAZARD_GENERAL));
	assert_false(hazard_role_may(ROLE_COUNT_, HAZARD_CONFIRM, HAZARD_GENERAL));
	assert_false(hazard_role_may(ROLE_INSPECTOR, HAZARD_ACTION_COUNT_, HAZARD_GENERAL));
	/* The whole table agrees with the matrix: 'F' cells are the role's, not the person's. */
	for (int s = 0; s < S_COUNT; s++)
		for (int a = 0; a < HAZARD_ACTION_COUNT_; a++)
			for (int r = 0; r < ROLE_COUNT_; r++)
				for (int lv = HAZARD_GENERAL; lv <= HAZARD_MAJOR; lv++) {
					const char *row = lv ? table[s][a].major
							     : table[s][a].general;
					if (row[r] == 'o' || row[r] == 'I')
						assert_true(hazard_role_may(
							(enum role)r, (enum hazard_action)a, lv));
					if (row[r] == 'F')
						assert_false(hazard_role_may(
							(enum role)r, (enum hazard_action)a, lv));
				}
}

/* A whole loop: reported -> confirmed -> rectifying -> submitted -> sent back -> closed. */
static void test_full_loop(void **state)
{
	struct hazard_args args = good_args();
	struct hazard_state_in in = situation(S_REP, HAZARD_MAJOR);
	struct hazard_outcome out;

	(void)state;
	expect_ok(&in, HAZARD_CONFIRM, &args, ROLE_INSPECTOR, &out);
	in.state = out.state;
	expect_ok(&in, HAZARD_PLAN, &args, ROLE_ENTERPRISE_OFFICER, &out);
	in.state = out.state;
	in.deadline = out.deadline;
	expect_ok(&in, HAZARD_SUBMIT, &args, ROLE_ENTERPRISE_OFFICER, &out);
	in.state = out.state;
	in.rectifier_id = out.rectifier_id;
	expect_ok(&in, HAZARD_SEND_BACK, &args, ROLE_INSPECTOR, &out);
	assert_int_equal(out.state, HAZARD_RECTIFYING);
	in.state = out.state;
	expect_ok(&in, HAZARD_SUBMIT, &args, ROLE_ENTERPRISE_OFFICER, &out);
	in.state = out.state;
	expect_ok(&in, HAZARD_VERIFY, &args, ROLE_INSPECTOR, &out);
	assert_int_equal(out.state, HAZARD_CLOSED);
	in.state = out.state;
	assert_int_equal(
		hazard_allowed_actions(&in, &(struct hazard_actor){ .role = ROLE_INSPECTOR }), 0);
}

/* ------------------------------------------------------------ deadlines */

static const struct hazard_deadline_bands bands = {
	.due_soon_days = HAZARD_DUE_SOON_DAYS_DEFAULT,
	.overdue_long_days = HAZARD_OVERDUE_LONG_DAYS_DEFAULT,
};

static void expect_deadline(const char *deadline, int64_t now, const char *want)
{
	const char *got =
		hazard_deadline_state_name(hazard_deadline_state(d(deadline), now, &bands));

	if (strcmp(got, want) != 0)
		fail_msg("deadline %s at %lld ms: %s, want %s", deadline, (long long)now, got,
			 want);
}

#define S 1000LL
/* Instants, UTC (python3 datetime): each is a local (UTC+8) midnight. */
#define T_2026_11_29_16Z 1795968000000LL /* 2026-11-30 00:00 local */
#define T_2026_11_26_16Z 1795708800000LL /* 2026-11-27 00:00 local */
#define T_2026_12_31_16Z 1798732800000LL /* 2027-01-01 00:00 local */
#define T_2026_03_02_16Z 1772467200000LL /* 2026-03-03 00:00 local */
#define T_2028_02_28_16Z 1835366400000LL /* 2028-02-29 00:00 local */
#define T_2028_02_29_16Z 1835452800000LL /* 2028-03-01 00:00 local */

static void deadline_edges(void)
{
	/* Due at the end of the local day: 23:59:59 local = 15:59:59Z still due, 16:00Z overdue. */
	expect_deadline("2026-11-29", T_2026_11_29_16Z - S, "due_soon");
	expect_deadline("2026-11-29", T_2026_11_29_16Z - 1, "due_soon");
	expect_deadline("2026-11-29", T_2026_11_29_16Z, "overdue");
	/* 23:59:59Z is already the next local day (07:59:59): overdue, not "due today". */
	expect_deadline("2026-11-29", T_2026_11_29_16Z + 8 * 3600 * S - S, "overdue");
	/* due_soon is <= 3 days left: 2026-11-30 is 4 days from 11-26, 3 from 11-27. */
	expect_deadline("2026-11-30", T_2026_11_26_16Z - S, "on_time");
	expect_deadline("2026-11-30", T_2026_11_26_16Z, "due_soon");
	/* Month and year end. */
	expect_deadline("2026-12-31", T_2026_12_31_16Z - S, "due_soon");
	expect_deadline("2026-12-31", T_2026_12_31_16Z, "overdue");
	/* > 30 days overdue: 2026-01-31 + 30 days = 2026-03-02 (February has 28 days). */
	expect_deadline("2026-01-31", T_2026_03_02_16Z - S, "overdue");
	expect_deadline("2026-01-31", T_2026_03_02_16Z, "overdue_30");
	/* 29 February 2028. */
	expect_deadline("2028-02-29", T_2028_02_28_16Z - S, "due_soon"); /* 1 day left */
	expect_deadline("2028-02-29", T_2028_02_28_16Z, "due_soon");	 /* the day itself */
	expect_deadline("2028-02-29", T_2028_02_29_16Z - S, "due_soon");
	expect_deadline("2028-02-29", T_2028_02_29_16Z, "overdue");
	/* 2028-03-03 from 2028-02-29 is 3 days (leap day counted), from 02-28 4. */
	expect_deadline("2028-03-03", T_2028_02_28_16Z - S, "on_time");
	expect_deadline("2028-03-03", T_2028_02_28_16Z, "due_soon");
	/* 2028-01-30 + 30 days = 2028-02-29: overdue_30 from 2028-03-01 local. */
	expect_deadline("2028-01-30", T_2028_02_29_16Z - S, "overdue");
	expect_deadline("2028-01-30", T_2028_02_29_16Z, "overdue_30");
}

static void test_deadline_states_utc8(void **state)
{
	struct hazard_deadline_bands b = { .due_soon_days = 0, .overdue_long_days = 1 };

	(void)state;
	deadline_edges();
	/* Other bands: due_soon 0 = only the day itself; overdue_long 1 = from the 2nd day past. */
	assert_int_equal(hazard_deadline_state(d("2026-11-30"), T_2026_11_29_16Z - S, &b),
			 HAZARD_ON_TIME);
	assert_int_equal(hazard_deadline_state(d("2026-11-30"), T_2026_11_29_16Z, &b),
			 HAZARD_DUE_SOON);
	assert_int_equal(hazard_deadline_state(d("2026-11-28"), T_2026_11_29_16Z - S, &b),
			 HAZARD_OVERDUE);
	assert_int_equal(hazard_deadline_state(d("2026-11-28"), T_2026_11_29_16Z, &b),
			 HAZARD_OVERDUE_LONG);
	b.overdue_long_days = 0; /* 0: every overdue deadline is long overdue */
	assert_int_equal(hazard_deadline_state(d("2026-11-29"), T_2026_11_29_16Z, &b),
			 HAZARD_OVERDUE_LONG);
}

/* A server whose TZ is not Asia/Shanghai computes the same states. */
static void test_deadline_states_other_tz(void **state)
{
	static const char *const zones[] = { "America/New_York", "UTC", "Pacific/Kiritimati" };

	(void)state;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		assert_int_equal(setenv("TZ", zones[i], 1), 0);
		tzset();
		deadline_edges();
	}
	unsetenv("TZ");
	tzset();
}

/* ------------------------------------------------------------ numbers and names */

static void test_number(void **state)
{
	static const char *const bad[] = {
		"",
		"YH-320902-2026-00012",	     /* seq shorter than 6 */
		"YH-320902-2026-0000123",    /* padded beyond 6 */
		"YH-32090-2026-000123",	     /* region of 5 digits */
		"YH-3209021-2026-000123",    /* 7 */
		"yh-320902-2026-000123",     /* prefix case */
		"YH-320902-26-000123",	     /* 2-digit year */
		"YH-320902-1899-000123",     /* year out of range */
		"YH-320902-2026-000000",     /* seq 0 */
		"YH-320902-2026-000123 ",    /* trailing space */
		"YH-320902-2026-1234567890", /* 10 digits */
		"YH-32090a-2026-000123",
		"YH-320902-2026",
		"YH-320902",
	};
	char buf[HAZARD_NUMBER_MAX], region[13];
	int year = 0;
	int64_t seq = 0;

	(void)state;
	assert_int_equal(hazard_number_build("320902", 2026, 123, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "YH-320902-2026-000123");
	assert_int_equal(hazard_number_parse(buf, region, &year, &seq), 0);
	assert_string_equal(region, "320902");
	assert_int_equal(year, 2026);
	assert_int_equal(seq, 123);
	/* A town (9 digits) and a village (12), a 9-digit sequence. */
	assert_int_equal(hazard_number_build("320902001", 2028, 999999999, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "YH-320902001-2028-999999999");
	assert_int_equal(hazard_number_parse(buf, region, &year, &seq), 0);
	assert_string_equal(region, "320902001");
	assert_int_equal(seq, 999999999);
	assert_int_equal(hazard_number_build("320902001002", 2999, 1234567, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "YH-320902001002-2999-1234567");
	assert_int_equal(strlen("YH-320902001002-2999-999999999") + 1 <= HAZARD_NUMBER_MAX, 1);
	/* Refused. */
	assert_int_equal(hazard_number_build("3209", 2026, 1, buf, sizeof(buf)), ERR_INVALID);
	assert_string_equal(buf, "");
	assert_int_equal(hazard_number_build("320902", 2026, 0, buf, sizeof(buf)), ERR_INVALID);
	assert_int_equal(hazard_number_build("320902", 2026, 1000000000, buf, sizeof(buf)),
			 ERR_INVALID);
	assert_int_equal(hazard_number_build("320902", 3000, 1, buf, sizeof(buf)), ERR_INVALID);
	assert_int_equal(hazard_number_build("320902", 2026, 1, buf, 10), ERR_INVALID);
	assert_string_equal(buf, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hazard_number_parse(bad[i], region, &year, &seq) != ERR_INVALID)
			fail_msg("'%s' parsed", bad[i]);
	assert_int_equal(hazard_number_parse(NULL, region, &year, &seq), ERR_INVALID);
}

static void test_names(void **state)
{
	enum hazard_action a;

	(void)state;
	for (int i = 0; i < HAZARD_ACTION_COUNT_; i++) {
		assert_int_equal(hazard_action_parse(hazard_action_name(i), &a), 0);
		assert_int_equal(a, i);
	}
	assert_int_equal(hazard_action_parse("close", &a), ERR_INVALID);
	assert_int_equal(hazard_action_parse(NULL, &a), ERR_INVALID);
	assert_string_equal(hazard_state_name(HAZARD_SUBMITTED), "submitted");
	assert_string_equal(hazard_state_name(HAZARD_STATE_COUNT_), "?");
	assert_string_equal(hazard_deadline_state_name(HAZARD_OVERDUE_LONG), "overdue_30");
	assert_string_equal(hazard_action_name(HAZARD_ACTION_COUNT_), "?");
}

/* One set of Chinese words for every export; a code means what its domain says. */
static void test_labels(void **state)
{
	char note[64];

	(void)state;
	assert_string_equal(hazard_label("state", "rectifying"), "整改中");
	assert_string_equal(hazard_label("deadline_state", "on_time"), "正常");
	assert_string_equal(hazard_label("deadline_state", "overdue"), "已逾期");
	assert_string_equal(hazard_label("accountability_kind", "overdue"), "逾期未整改");
	assert_string_equal(hazard_label("supervision_state", "proposed"), "拟督办");
	assert_string_equal(hazard_label("blacklist_state", "proposed"), "拟列入");
	assert_string_equal(hazard_label("blacklist_rule", "B1"), "B1 重大隐患逾期未整改");
	assert_string_equal(hazard_label("level", "major"), "重大隐患");
	/* Unknown: the code itself (never a blank cell); no domain: as is. */
	assert_string_equal(hazard_label("state", "flying"), "flying");
	assert_string_equal(hazard_label(NULL, "B1"), "B1");
	assert_null(hazard_label("state", NULL));
	/* Every hazard state and deadline state has its word. */
	for (int s = 0; s < HAZARD_STATE_COUNT_; s++)
		assert_string_not_equal(hazard_label("state",
						     hazard_state_name((enum hazard_state)s)),
					hazard_state_name((enum hazard_state)s));
	for (int s = HAZARD_ON_TIME; s <= HAZARD_OVERDUE_LONG; s++)
		assert_string_not_equal(
			hazard_label("deadline_state",
				     hazard_deadline_state_name((enum hazard_deadline_state)s)),
			hazard_deadline_state_name((enum hazard_deadline_state)s));
	hazard_note_text("deadline 2026-09-02", note, sizeof(note));
	assert_string_equal(note, "整改期限 2026-09-02");
	hazard_note_text("deadline 2026-13-02", note, sizeof(note));
	assert_string_equal(note, "deadline 2026-13-02");
	hazard_note_text("复查发现阀门未更换", note, sizeof(note));
	assert_string_equal(note, "复查发现阀门未更换");
	hazard_note_text(NULL, note, sizeof(note));
	assert_string_equal(note, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_action_role),
		cmocka_unit_test(test_conflict_names_allowed_actions),
		cmocka_unit_test(test_reasons_required),
		cmocka_unit_test(test_major_plan_needs_five_elements),
		cmocka_unit_test(test_submit_needs_photos),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_verifier_is_not_rectifier),
		cmocka_unit_test(test_officer_only_own_enterprise),
		cmocka_unit_test(test_role_may),
		cmocka_unit_test(test_full_loop),
		cmocka_unit_test(test_deadline_states_utc8),
		cmocka_unit_test(test_deadline_states_other_tz),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
