/* SPDX-License-Identifier: MIT */
/*
 * Pure rules of hidden hazards: the life-cycle state machine (tables over code:
 * which actions are legal in which state, which roles may take each for each level),
 * the deadline states and the hazard number. No I/O, no clock.
 */
#include "hazard/hazard.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/banned.h"

#define BIT(a) (1u << (a))

static const char *const state_names[] = {
	[HAZARD_REPORTED] = "reported",	  [HAZARD_CONFIRMED] = "confirmed",
	[HAZARD_DISMISSED] = "dismissed", [HAZARD_RECTIFYING] = "rectifying",
	[HAZARD_SUBMITTED] = "submitted", [HAZARD_CLOSED] = "closed",
};

static const char *const action_names[] = {
	[HAZARD_CONFIRM] = "confirm",
	[HAZARD_DISMISS] = "dismiss",
	[HAZARD_PLAN] = "plan",
	[HAZARD_SUBMIT] = "submit",
	[HAZARD_VERIFY] = "verify",
	[HAZARD_SEND_BACK] = "send_back",
	[HAZARD_REQUEST_EXTENSION] = "request_extension",
	[HAZARD_APPROVE_EXTENSION] = "approve_extension",
	[HAZARD_REFUSE_EXTENSION] = "refuse_extension",
	[HAZARD_REOPEN] = "reopen",
};

const char *hazard_state_name(enum hazard_state s)
{
	return (unsigned)s < HAZARD_STATE_COUNT_ ? state_names[s] : "?";
}

const char *hazard_action_name(enum hazard_action a)
{
	return (unsigned)a < HAZARD_ACTION_COUNT_ ? action_names[a] : "?";
}

int hazard_action_parse(const char *s, enum hazard_action *out)
{
	for (int a = 0; s && a < HAZARD_ACTION_COUNT_; a++)
		if (strcmp(s, action_names[a]) == 0) {
			*out = (enum hazard_action)a;
			return 0;
		}
	return ERR_INVALID;
}

/* ------------------------------------------------------------ the tables */

/* The actions legal in each state (whoever acts); rectifying depends on a pending request. */
static unsigned legal_actions(const struct hazard_state_in *in)
{
	switch (in->state) {
	case HAZARD_REPORTED:
		return BIT(HAZARD_CONFIRM) | BIT(HAZARD_DISMISS);
	case HAZARD_CONFIRMED:
		return BIT(HAZARD_PLAN);
	case HAZARD_RECTIFYING:
		return BIT(HAZARD_SUBMIT) |
		       (in->extension_pending
				? BIT(HAZARD_APPROVE_EXTENSION) | BIT(HAZARD_REFUSE_EXTENSION)
				: BIT(HAZARD_REQUEST_EXTENSION));
	case HAZARD_SUBMITTED:
		return BIT(HAZARD_VERIFY) | BIT(HAZARD_SEND_BACK);
	case HAZARD_CLOSED:
		return BIT(HAZARD_REOPEN);
	case HAZARD_DISMISSED:
	case HAZARD_STATE_COUNT_:
		break;
	}
	return 0;
}

#define R(r) (1u << (r))
/* The supervisors of a general hazard: the bureau's inspector or the grid's manager. */
#define SUPERVISE_GENERAL (R(ROLE_INSPECTOR) | R(ROLE_GRID_MANAGER))
/* Of a major hazard: its supervising department only (a bureau role, not a grid role). */
#define SUPERVISE_MAJOR R(ROLE_INSPECTOR)
#define ENTERPRISE	R(ROLE_ENTERPRISE_OFFICER)

/* Roles that may take each action, for a general and for a major hazard. */
static const unsigned action_roles[HAZARD_ACTION_COUNT_][2] = {
	[HAZARD_CONFIRM] = { SUPERVISE_GENERAL, SUPERVISE_MAJOR },
	[HAZARD_DISMISS] = { SUPERVISE_GENERAL, SUPERVISE_MAJOR },
	[HAZARD_PLAN] = { ENTERPRISE, ENTERPRISE },
	[HAZARD_SUBMIT] = { ENTERPRISE, ENTERPRISE },
	[HAZARD_VERIFY] = { SUPERVISE_GENERAL, SUPERVISE_MAJOR },
	[HAZARD_SEND_BACK] = { SUPERVISE_GENERAL, SUPERVISE_MAJOR },
	[HAZARD_REQUEST_EXTENSION] = { ENTERPRISE, ENTERPRISE },
	[HAZARD_APPROVE_EXTENSION] = { SUPERVISE_GENERAL, SUPERVISE_MAJOR },
	[HAZARD_REFUSE_EXTENSION] = { SUPERVISE_GENERAL, SUPERVISE_MAJOR },
	/* A false closure is the bureau's finding (虚假销号), for either level. */
	[HAZARD_REOPEN] = { R(ROLE_INSPECTOR), R(ROLE_INSPECTOR) },
};

bool hazard_role_may(enum role r, enum hazard_action a, enum hazard_level level)
{
	if ((unsigned)r >= ROLE_COUNT_ || (unsigned)a >= HAZARD_ACTION_COUNT_)
		return false;
	return (action_roles[a][level == HAZARD_MAJOR] & R(r)) != 0;
}

/* True when who may take a (legal in the state) on in: role, own enterprise, not rectifier. */
static bool may(const struct hazard_state_in *in, enum hazard_action a,
		const struct hazard_actor *who)
{
	if (!hazard_role_may(who->role, a, in->level))
		return false;
	if (who->user_id <= 0) /* no one to record, nor to compare with the rectifier */
		return false;
	if (who->role == ROLE_ENTERPRISE_OFFICER &&
	    (who->enterprise_id <= 0 || who->enterprise_id != in->enterprise_id))
		return false;
	if ((a == HAZARD_VERIFY || a == HAZARD_SEND_BACK) && in->rectifier_id > 0 &&
	    who->user_id == in->rectifier_id)
		return false;
	return true;
}

unsigned hazard_allowed_actions(const struct hazard_state_in *in, const struct hazard_actor *who)
{
	unsigned legal = legal_actions(in), mask = 0;

	/* At the limit a request can only fail (422 extension): not offered. */
	if (in->extension_requests >= in->max_extensions)
		legal &= ~BIT(HAZARD_REQUEST_EXTENSION);
	for (int a = 0; a < HAZARD_ACTION_COUNT_; a++)
		if ((legal & BIT(a)) && may(in, (enum hazard_action)a, who))
			mask |= BIT(a);
	return mask;
}

void hazard_actions_format(unsigned mask, char *out, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	for (int a = 0; a < HAZARD_ACTION_COUNT_; a++) {
		if ((mask & BIT(a)) == 0)
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", action_names[a]);
		if (w < 0 || (size_t)w >= n - len) {
			out[len] = '\0'; /* whole names only: drop the one cut short */
			return;
		}
		len += (size_t)w;
	}
}

/* ------------------------------------------------------------ fields */

/*
 * True when s is NULL or holds nothing but blanks: ASCII white space, U+00A0 and the
 * ideographic space U+3000 (as licence.c).
 */
static bool blank(const char *s)
{
	if (s == NULL)
		return true;
	while (*s) {
		if (strchr(" \t\r\n\v\f", *s) != NULL)
			s++;
		else if (strncmp(s, "\xc2\xa0", 2) == 0)
			s += 2;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			return false;
	}
	return true;
}

static void need_reason(const struct hazard_args *args, struct field_errors *fe)
{
	if (blank(args->reason))
		field_errors_add(fe, "reason", "a reason is required");
}

static void check_plan(const struct hazard_state_in *in, const struct hazard_plan *p,
		       int64_t *deadline, struct field_errors *fe)
{
	bool major = in->level == HAZARD_MAJOR;

	if (blank(p->measures))
		field_errors_add(fe, "measures", "the rectification measures are required");
	if (blank(p->responsible))
		field_errors_add(fe, "responsible", "the responsible person is required");
	if (p->funds_yuan < 0)
		field_errors_add(fe, "funds", "the rectification funds are required");
	else if (major && p->funds_yuan == 0)
		field_errors_add(fe, "funds", "a major hazard's plan needs funds > 0 (五到位)");
	if (p->deadline == NULL || date_parse(p->deadline, deadline) != 0)
		field_errors_add(fe, "deadline", "a real date YYYY-MM-DD is required");
	else if (*deadline < in->today)
		field_errors_add(fe, "deadline", "must not be before today (UTC+8)");
	if (major && blank(p->emergency))
		field_errors_add(fe, "emergency",
				 "a major hazard's plan needs its emergency arrangements (五到位)");
}

static void check_extension(const struct hazard_state_in *in, const struct hazard_args *args,
			    int64_t *day, struct field_errors *fe)
{
	need_reason(args, fe);
	if (args->new_deadline == NULL || date_parse(args->new_deadline, day) != 0)
		field_errors_add(fe, "new_deadline", "a real date YYYY-MM-DD is required");
	else if (*day <= in->deadline)
		field_errors_add(fe, "new_deadline", "must be later than the current deadline");
	if (in->extension_requests >= in->max_extensions)
		field_errors_add(fe, "extension", "at most %d extension requests per hazard",
				 in->max_extensions);
}

/* ------------------------------------------------------------ transition */

int hazard_transition(const struct hazard_state_in *in, enum hazard_action a,
		      const struct hazard_args *args, const struct hazard_actor *who,
		      struct hazard_outcome *out, struct field_errors *fe)
{
	static const struct hazard_args none;
	size_t before = fe->n + fe->dropped;
	int64_t day = 0;

	if (args == NULL)
		args = &none;
	*out = (struct hazard_outcome){
		.state = in->state,
		.deadline = in->deadline,
		.extension_pending = in->extension_pending,
		.pending_deadline = in->pending_deadline,
		.extension_requests = in->extension_requests,
		.rectifier_id = in->rectifier_id,
		.allowed = hazard_allowed_actions(in, who),
	};
	if ((unsigned)a >= HAZARD_ACTION_COUNT_ || (legal_actions(in) & BIT(a)) == 0)
		return ERR_CONFLICT;
	if (!may(in, a, who))
		return ERR_FORBIDDEN;

	switch (a) {
	case HAZARD_CONFIRM:
		out->state = HAZARD_CONFIRMED;
		break;
	case HAZARD_DISMISS:
		need_reason(args, fe);
		out->state = HAZARD_DISMISSED;
		break;
	case HAZARD_PLAN:
		check_plan(in, &args->plan, &day, fe);
		out->state = HAZARD_RECTIFYING;
		out->deadline = day;
		break;
	case HAZARD_SUBMIT:
		if (args->after_photos <= 0)
			field_errors_add(fe, "after_photos",
					 "at least one photo after rectification is required");
		out->state = HAZARD_SUBMITTED;
		out->rectifier_id = who->user_id;
		out->extension_pending = false;
		out->pending_deadline = 0;
		break;
	case HAZARD_VERIFY:
		out->state = HAZARD_CLOSED;
		break;
	case HAZARD_SEND_BACK:
		need_reason(args, fe);
		out->state = HAZARD_RECTIFYING;
		break;
	case HAZARD_REQUEST_EXTENSION:
		check_extension(in, args, &day, fe);
		out->extension_pending = true;
		out->pending_deadline = day;
		out->extension_requests = in->extension_requests + 1;
		break;
	case HAZARD_APPROVE_EXTENSION:
		need_reason(args, fe);
		out->deadline = in->pending_deadline;
		out->extension_pending = false;
		out->pending_deadline = 0;
		break;
	case HAZARD_REFUSE_EXTENSION:
		need_reason(args, fe);
		out->extension_pending = false;
		out->pending_deadline = 0;
		break;
	case HAZARD_REOPEN:
		need_reason(args, fe);
		out->state = HAZARD_RECTIFYING;
		out->extension_pending = false;
		out->pending_deadline = 0;
		break;
	case HAZARD_ACTION_COUNT_:
		return ERR_CONFLICT;
	}
	if (fe->n + fe->dropped != before)
		return ERR_INVALID;
	out->allowed = 0; /* the facts changed: ask hazard_allowed_actions again */
	return 0;
}

/* ------------------------------------------------------------ deadlines */

enum hazard_deadline_state hazard_deadline_state(int64_t deadline, int64_t now_ms,
						 const struct hazard_deadline_bands *b)
{
	int64_t days_left = deadline - local_day(now_ms);

	if (days_left < 0)
		return -days_left > b->overdue_long_days ? HAZARD_OVERDUE_LONG : HAZARD_OVERDUE;
	if (days_left <= b->due_soon_days)
		return HAZARD_DUE_SOON;
	return HAZARD_ON_TIME;
}

const char *hazard_deadline_state_name(enum hazard_deadline_state s)
{
	static const char *const names[] = {
		[HAZARD_ON_TIME] = "on_time",
		[HAZARD_DUE_SOON] = "due_soon",
		[HAZARD_OVERDUE] = "overdue",
		[HAZARD_OVERDUE_LONG] = "overdue_30",
	};
	return (unsigned)s <= HAZARD_OVERDUE_LONG ? names[s] : "?";
}

/* ------------------------------------------------------------ Chinese labels */

/*
 * The words of every hazard export (and of the web UI: web/src/i18n/hazard.ts), per domain,
 * since a code means different things in different columns ("overdue", "proposed").
 */
static const struct {
	const char *domain, *code, *zh;
} labels[] = {
	{ "source", "self_check", "企业自查" },
	{ "source", "grid_patrol", "网格巡查" },
	{ "source", "tipoff", "举报" },
	{ "source", "enforcement", "执法检查" },
	{ "source", "leader_inspection", "领导检查" },
	{ "category", "management", "基础管理" },
	{ "category", "site", "现场管理" },
	{ "level", "general", "一般隐患" },
	{ "level", "major", "重大隐患" },
	{ "state", "reported", "已上报" },
	{ "state", "confirmed", "已确认" },
	{ "state", "dismissed", "已排除" },
	{ "state", "rectifying", "整改中" },
	{ "state", "submitted", "待验收" },
	{ "state", "closed", "已销号" },
	{ "deadline_state", "on_time", "正常" },
	{ "deadline_state", "due_soon", "即将到期" },
	{ "deadline_state", "overdue", "已逾期" },
	{ "deadline_state", "overdue_30", "逾期超30天" },
	{ "supervision_state", "proposed", "拟督办" },
	{ "supervision_state", "listed", "督办中" },
	{ "supervision_state", "declined", "不予督办" },
	{ "supervision_state", "lifted", "已解除" },
	{ "supervision_reason", "overdue_major", "重大隐患逾期" },
	{ "supervision_reason", "overdue_30", "逾期超30天" },
	{ "supervision_reason", "manual", "领导指定" },
	{ "accountability_kind", "overdue", "逾期未整改" },
	{ "accountability_kind", "overdue_30", "逾期超30天" },
	{ "accountability_kind", "false_closure", "虚假销号" },
	{ "blacklist_state", "proposed", "拟列入" },
	{ "blacklist_state", "listed", "已列入" },
	{ "blacklist_state", "rejected", "不予列入" },
	{ "blacklist_state", "removed", "已移出" },
	{ "blacklist_rule", "B1", "B1 重大隐患逾期未整改" },
	{ "blacklist_rule", "B2", "B2 拒不整改" },
	{ "blacklist_rule", "manual", "人工列入" },
};

const char *hazard_label(const char *domain, const char *code)
{
	if (domain == NULL || code == NULL)
		return code;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].domain, domain) == 0 && strcmp(labels[i].code, code) == 0)
			return labels[i].zh;
	return code;
}

void hazard_note_text(const char *note, char *out, size_t n)
{
	int64_t day;

	if (n == 0)
		return;
	if (note != NULL && strncmp(note, "deadline ", 9) == 0 && strlen(note) == 19 &&
	    date_parse(note + 9, &day) == 0)
		snprintf(out, n, "整改期限 %s", note + 9);
	else
		snprintf(out, n, "%s", note ? note : "");
}

/* ------------------------------------------------------------ the number */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool region_ok(const char *r, size_t n)
{
	return (n == 6 || n == 9 || n == 12) && all_digits(r, n);
}

int hazard_number_build(const char *region, int year, int64_t seq, char *out, size_t n)
{
	int w;

	if (n > 0)
		out[0] = '\0';
	if (region == NULL || !region_ok(region, strlen(region)) || year < 1900 || year > 2999 ||
	    seq < 1 || seq > 999999999)
		return ERR_INVALID;
	w = snprintf(out, n, "YH-%s-%04d-%06lld", region, year, (long long)seq);
	if (w < 0 || (size_t)w >= n) {
		if (n > 0)
			out[0] = '\0';
		return ERR_INVALID;
	}
	return 0;
}

int hazard_number_parse(const char *s, char region[13], int *year, int64_t *seq)
{
	const char *p, *dash;
	size_t rlen, slen;
	int64_t v = 0;
	int y = 0;

	if (s == NULL || strncmp(s, "YH-", 3) != 0)
		return ERR_INVALID;
	p = s + 3;
	dash = strchr(p, '-');
	if (dash == NULL)
		return ERR_INVALID;
	rlen = (size_t)(dash - p);
	if (!region_ok(p, rlen))
		return ERR_INVALID;
	if (!all_digits(dash + 1, 4) || dash[5] != '-')
		return ERR_INVALID;
	for (int i = 1; i <= 4; i++)
		y = y * 10 + (dash[i] - '0');
	p = dash + 6;
	slen = strlen(p);
	if (slen < 6 || slen > 9 || !all_digits(p, slen) || (slen > 6 && p[0] == '0'))
		return ERR_INVALID;
	for (size_t i = 0; i < slen; i++)
		v = v * 10 + (p[i] - '0');
	if (y < 1900 || y > 2999 || v < 1)
		return ERR_INVALID;
	memcpy(region, s + 3, rlen);
	region[rlen] = '\0';
	*year = y;
	*seq = v;
	return 0;
}
