/* SPDX-License-Identifier: MIT */
/*
 * Pure rules of licences: the type list, the warning state of a validity end
 * date on a given day, the date ranges list filters select, field checks and
 * the JSON form. No I/O, no clock: "today" is an argument.
 */
#include "enterprise/licence.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/banned.h"

/* The licence types (tables over code): identifier and the certificate's Chinese name. */
static const struct {
	const char *type, *zh;
} types[] = {
	{ "safety_production", "安全生产许可证" },
	{ "hazchem_business", "危险化学品经营许可证" },
	{ "hazchem_use", "危险化学品安全使用许可证" },
	{ "fireworks_business", "烟花爆竹经营许可证" },
	{ "mining", "非煤矿山/煤矿安全生产许可证" },
	{ "other", "其他许可证" },
};

const char *licence_type_zh(const char *type)
{
	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i].type) == 0)
			return types[i].zh;
	return NULL;
}

/* ------------------------------------------------------------ states */

static const char *const state_names[] = {
	[LICENCE_STATE_VALID] = "valid",
	[LICENCE_STATE_EXPIRING_90] = "expiring_90",
	[LICENCE_STATE_EXPIRING_60] = "expiring_60",
	[LICENCE_STATE_EXPIRING_30] = "expiring_30",
	[LICENCE_STATE_EXPIRED] = "expired",
};

enum licence_state licence_state(int64_t valid_until, int64_t today, const struct licence_bands *b)
{
	int64_t days_left = valid_until - today;

	if (days_left < 0)
		return LICENCE_STATE_EXPIRED;
	if (days_left <= b->days_30)
		return LICENCE_STATE_EXPIRING_30;
	if (days_left <= b->days_60)
		return LICENCE_STATE_EXPIRING_60;
	if (days_left <= b->days_90)
		return LICENCE_STATE_EXPIRING_90;
	return LICENCE_STATE_VALID;
}

const char *licence_state_name(enum licence_state s)
{
	return (s >= LICENCE_STATE_VALID && s <= LICENCE_STATE_EXPIRED) ? state_names[s] : "valid";
}

int licence_state_parse(const char *s, enum licence_state *out)
{
	for (int i = LICENCE_STATE_VALID; i <= LICENCE_STATE_EXPIRED; i++) {
		if (s && strcmp(s, state_names[i]) == 0) {
			*out = (enum licence_state)i;
			return 0;
		}
	}
	return ERR_INVALID;
}

/* Narrows r to [from, to] (either end may be open). */
static void narrow(struct licence_range *r, bool has_from, int64_t from, bool has_to, int64_t to)
{
	if (has_from && (!r->has_from || from > r->from)) {
		r->has_from = true;
		r->from = from;
	}
	if (has_to && (!r->has_to || to < r->to)) {
		r->has_to = true;
		r->to = to;
	}
}

int licence_filter_range(const char *state, int64_t within_days, const struct licence_rules *r,
			 struct licence_range *out)
{
	const struct licence_bands *b = &r->bands;
	int64_t t = r->today;
	enum licence_state s;

	memset(out, 0, sizeof(*out));
	if (state != NULL && strcmp(state, "expiring") == 0) {
		narrow(out, true, t, true, t + b->days_90);
	} else if (state != NULL) {
		if (licence_state_parse(state, &s) < 0)
			return ERR_INVALID;
		switch (s) {
		case LICENCE_STATE_EXPIRED:
			narrow(out, false, 0, true, t - 1);
			break;
		case LICENCE_STATE_EXPIRING_30:
			narrow(out, true, t, true, t + b->days_30);
			break;
		case LICENCE_STATE_EXPIRING_60:
			narrow(out, true, t + b->days_30 + 1, true, t + b->days_60);
			break;
		case LICENCE_STATE_EXPIRING_90:
			narrow(out, true, t + b->days_60 + 1, true, t + b->days_90);
			break;
		case LICENCE_STATE_VALID:
			narrow(out, true, t + b->days_90 + 1, false, 0);
			break;
		}
	}
	if (within_days >= 0)
		narrow(out, true, t, true, t + within_days);
	return 0;
}

/* ------------------------------------------------------------ checks */

/*
 * True when s holds nothing but blanks: ASCII white space, the no-break space U+00A0 and
 * the ideographic space U+3000 (what Chinese input methods type for a space).
 */
static bool blank(const char *s)
{
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

int licence_check(const struct licence *l, struct field_errors *fe)
{
	size_t before = fe->n;
	int64_t from = 0, until = 0;
	bool from_ok, until_ok;

	if (licence_type_zh(l->type) == NULL)
		field_errors_add(fe, "type",
				 "must be safety_production, hazchem_business, hazchem_use, "
				 "fireworks_business, mining or other");
	if (blank(l->number))
		field_errors_add(fe, "number", "must not be empty");
	from_ok = date_parse(l->valid_from, &from) == 0;
	until_ok = date_parse(l->valid_until, &until) == 0;
	if (!from_ok)
		field_errors_add(
			fe, "valid_from",
			"must be a calendar date YYYY-MM-DD (years 1900 to 2999), not '%s'",
			l->valid_from);
	if (!until_ok)
		field_errors_add(
			fe, "valid_until",
			"must be a calendar date YYYY-MM-DD (years 1900 to 2999), not '%s'",
			l->valid_until);
	if (from_ok && until_ok && from > until)
		field_errors_add(fe, "valid_until", "must not be before valid_from (%s)",
				 l->valid_from);
	return fe->n > before ? ERR_INVALID : 0;
}

/* ------------------------------------------------------------ JSON */

json_t *licence_json(const struct licence *l, const struct licence_rules *r)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id",
			      (json_int_t)l->id, "enterprise_id", (json_int_t)l->enterprise_id,
			      "enterprise_name", l->enterprise_name, "type", l->type, "number",
			      l->number, "issuer", l->issuer, "valid_from", l->valid_from,
			      "valid_until", l->valid_until, "created_ms",
			      (json_int_t)l->created_ms, "updated_ms", (json_int_t)l->updated_ms);
	int64_t until;

	if (o == NULL || r == NULL)
		return o;
	if (date_parse(l->valid_until, &until) < 0) {
		/* Never stored: writes are checked. Say so rather than guess a state. */
		json_object_set_new(o, "state", json_null());
		json_object_set_new(o, "days_left", json_null());
		return o;
	}
	json_object_set_new(
		o, "state",
		json_string(licence_state_name(licence_state(until, r->today, &r->bands))));
	json_object_set_new(o, "days_left", json_integer(until - r->today));
	return o;
}
