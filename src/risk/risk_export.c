/* SPDX-License-Identifier: MIT */
/*
 * One enterprise's risk data in the structure of the dual-prevention data exchange of
 * 危险化学品企业双重预防机制数字化建设 (issue 5 §6; docs/risk.md "Dual-prevention export"
 * says where the structure and the field names come from and which names are verified):
 * enterprise (companyCode = credit code) -> risk analysis object (our risk unit) -> risk
 * unit (our point) -> risk event (our danger source) -> control measure -> check task (our
 * check item, a recurring 排查任务). Every row carries companyCode and the id of its
 * parent, as the exchange's flat tables do, and is nested under its parent as well. Pure:
 * rows in, JSON out.
 */
#define LOG_MODULE "risk"
#include "risk/risk_views.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/json.h"
#include "risk/risk.h"
#include "core/banned.h"

/* The exchange's measure classes (classify1) for our measure kinds (our mapping). */
static const char *classify1_of(const char *kind)
{
	if (kind == NULL)
		return "";
	if (strcmp(kind, "engineering") == 0)
		return "工程技术";
	if (strcmp(kind, "emergency") == 0)
		return "应急措施";
	return "操作行为"; /* management, training, ppe: what people do */
}

/* A schedule as a check cycle and its unit (our mapping; 8 hours: the default shift). */
static void cycle_of(const char *schedule, int *cycle, const char **unit)
{
	*cycle = 1;
	*unit = "天";
	if (schedule == NULL)
		return;
	if (strcmp(schedule, "shift") == 0) {
		*cycle = 8;
		*unit = "小时";
	} else if (strcmp(schedule, "weekly") == 0) {
		*unit = "周";
	} else if (strcmp(schedule, "monthly") == 0) {
		*unit = "月";
	}
}

static json_t *grade_json(const json_t *row)
{
	json_t *g = json_object_get(row, "grade");

	return json_is_integer(g) ? json_integer(json_integer_value(g)) : json_null();
}

static json_t *colour_json(const json_t *row)
{
	json_t *g = json_object_get(row, "grade");

	return json_is_integer(g)
		       ? json_string(risk_grade_colour((enum risk_grade)json_integer_value(g)))
		       : json_null();
}

static json_t *text(const json_t *row, const char *key)
{
	const char *v = json_str(row, key);

	return json_string(v ? v : "");
}

static json_t *id_text(int64_t id)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRId64, id);
	return json_string(b);
}

/* The children array of the parent with id in index (created empty when first asked). */
static json_t *children(json_t *index, int64_t id)
{
	char k[24];
	json_t *a;

	snprintf(k, sizeof(k), "%" PRId64, id);
	a = json_object_get(index, k);
	if (a == NULL) {
		a = json_array();
		json_object_set_new(index, k, a);
	}
	return a;
}

json_t *risk_export_dual_prevention(const struct risk_views_enterprise *e, json_t *units,
				    json_t *points, json_t *sources, json_t *measures,
				    json_t *items, int64_t exported_ms)
{
	json_t *by_measure = json_object(), *by_source = json_object(), *by_point = json_object(),
	       *by_unit = json_object(), *objects = json_array(), *out, *row;
	char when[40];
	size_t i;

	json_array_foreach(items, i, row) {
		int cycle;
		const char *unit;
		int64_t start = json_i64(row, "start_ms", 0);
		char start_text[40];

		cycle_of(json_str(row, "schedule"), &cycle, &unit);
		time_fmt_rfc3339(start, start_text, sizeof(start_text));
		json_array_append_new(
			children(by_measure, json_i64(row, "measure_id", 0)),
			json_pack("{s:s, s:o, s:o, s:o, s:i, s:s, s:o, s:s, s:o, s:b}",
				  "companyCode", e->uscc, "id", id_text(json_i64(row, "id", 0)),
				  "riskMeasureId", id_text(json_i64(row, "measure_id", 0)),
				  "troubleshootContent", text(row, "content"), "checkCycle", cycle,
				  "checkCycleUnit", unit, "schedule", text(row, "schedule"),
				  "taskStartTime", start_text, "assigneeName",
				  text(row, "assignee_name"), "active",
				  json_i64(row, "active", 1) != 0));
	}
	json_array_foreach(measures, i, row) {
		int64_t id = json_i64(row, "id", 0);

		json_array_append_new(
			children(by_source, json_i64(row, "danger_source_id", 0)),
			json_pack("{s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:O}",
				  "companyCode", e->uscc, "id", id_text(id), "riskEventId",
				  id_text(json_i64(row, "danger_source_id", 0)), "riskMeasureDesc",
				  text(row, "description"), "classify1",
				  classify1_of(json_str(row, "kind")), "classify2", "", "classify3",
				  "", "measureKind", text(row, "kind"), "controlLevel",
				  text(row, "control_level"), "responsibleName",
				  text(row, "responsible_name"), "active",
				  json_i64(row, "active", 1) != 0, "checkTasks",
				  children(by_measure, id)));
	}
	json_array_foreach(sources, i, row) {
		int64_t id = json_i64(row, "id", 0);
		json_t *types = json_loads(
			json_str(row, "accident_types") ? json_str(row, "accident_types") : "[]", 0,
			NULL);
		json_t *assessment = json_null();

		if (!json_is_array(types)) {
			json_decref(types);
			types = json_array();
		}
		if (json_str(row, "method")) {
			char value[32];
			int64_t v = json_i64(row, "value_x1000", 0);

			snprintf(value, sizeof(value), "%" PRId64 ".%03" PRId64, v / 1000,
				 v % 1000);
			assessment = json_pack("{s:o, s:o, s:s, s:o}", "method",
					       text(row, "method"), "tableId",
					       text(row, "table_id"), "value", value, "assessedDay",
					       text(row, "assessed_day"));
		}
		json_array_append_new(
			children(by_point, json_i64(row, "point_id", 0)),
			json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O}",
				  "companyCode", e->uscc, "id", id_text(id), "riskUnitId",
				  id_text(json_i64(row, "point_id", 0)), "riskEventName",
				  text(row, "name"), "factor", text(row, "factor"), "accidentTypes",
				  types, "description", text(row, "description"), "riskLevel",
				  grade_json(row), "colour", colour_json(row), "assessment",
				  assessment, "controlMeasures", children(by_source, id)));
	}
	json_array_foreach(points, i, row) {
		int64_t id = json_i64(row, "id", 0);

		json_array_append_new(
			children(by_unit, json_i64(row, "unit_id", 0)),
			json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O}",
				  "companyCode", e->uscc, "id", id_text(id), "riskObjectId",
				  id_text(json_i64(row, "unit_id", 0)), "riskUnitName",
				  text(row, "name"), "unitKind", text(row, "kind"), "location",
				  text(row, "location"), "riskLevel", grade_json(row), "colour",
				  colour_json(row), "lastAssessedDay",
				  json_str(row, "last_assessed_day")
					  ? text(row, "last_assessed_day")
					  : json_null(),
				  "reassessDue",
				  json_str(row, "reassess_due") ? text(row, "reassess_due")
								: json_null(),
				  "riskEvents", children(by_point, id)));
	}
	json_array_foreach(units, i, row) {
		int64_t id = json_i64(row, "id", 0);

		json_array_append_new(
			objects,
			json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O}", "companyCode",
				  e->uscc, "id", id_text(id), "riskObjectName", text(row, "name"),
				  "riskObjectCode", text(row, "code"), "objectKind",
				  text(row, "kind"), "description", text(row, "description"),
				  "riskLevel", grade_json(row), "colour", colour_json(row),
				  "riskUnits", children(by_unit, id)));
	}
	time_fmt_rfc3339(exported_ms, when, sizeof(when));
	out = json_pack(
		"{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "format", "anjian-dual-prevention/1",
		"structure",
		"企业 -> 风险分析对象 -> 风险分析单元 -> 风险事件 -> 管控措施 -> 隐患排查任务",
		"companyCode", e->uscc, "companyName", e->name, "riskLevel",
		e->grade ? json_integer(e->grade) : json_null(), "colour",
		e->grade ? json_string(risk_grade_colour((enum risk_grade)e->grade)) : json_null(),
		"exportTime", when, "riskObjects", objects);
	json_decref(by_measure);
	json_decref(by_source);
	json_decref(by_point);
	json_decref(by_unit);
	return out;
}
