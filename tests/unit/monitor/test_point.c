/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/monitor/point.c: the alarm configuration read off a point object, the
 * GB/T 50493-2019 defaults filled into a new gas point (STANDARDS.md §4.1: methane 25 / 50
 * %LEL; oxygen 19.5 / 23.5 %VOL) and what counts as an override, the configuration diff a
 * setpoint_change row records, and the Modbus register map check at its bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "core/err.h"
#include "monitor/alarm.h"
#include "monitor/gas.h"
#include "monitor/point.h"
#include "core/banned.h"

static json_t *obj(const char *text)
{
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);

	if (o == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return o;
}

/* The combustible defaults of GB/T 50493-2019 as gas_default_cfg gives them for methane. */
static void methane_defaults(struct alarm_cfg *d)
{
	struct gas_props g;
	struct errmsg m;

	memset(&g, 0, sizeof(g));
	g.lel_pct_vol = 5.0;
	g.mac_mg_m3 = g.pc_stel_mg_m3 = g.pc_twa_mg_m3 = g.oel_alarm_mg_m3 = NAN;
	assert_int_equal(gas_default_cfg(&g, ALARM_KIND_COMBUSTIBLE, d, &m), 0);
}

static void test_alarm_cfg_of_object(void **state)
{
	struct alarm_cfg c;
	struct errmsg m;
	json_t *p = obj("{\"id\": 7, \"kind\": \"oxygen\", \"range_lo\": 0, \"range_hi\": 25,"
			"\"low1\": 19.5, \"high1\": 23.5, \"high2\": null, \"deadband\": 0.2,"
			"\"on_delay_ms\": 3000, \"comms_timeout_ms\": 60000}");

	(void)state;
	assert_int_equal(point_alarm_cfg(p, &c, &m), 0);
	assert_int_equal(c.point_id, 7);
	assert_int_equal(c.kind, ALARM_KIND_OXYGEN);
	assert_true(c.low1 == 19.5 && c.high1 == 23.5 && c.deadband == 0.2);
	assert_true(isnan(c.high2) && isnan(c.low2));
	assert_int_equal(c.on_delay_ms, 3000);
	assert_int_equal(c.off_delay_ms, 0);
	assert_int_equal(c.comms_timeout_ms, 60000);
	assert_int_equal(alarm_cfg_check(&c, &m), 0);
	json_object_set_new(p, "off_delay_ms", json_integer(-1));
	assert_int_equal(point_alarm_cfg(p, &c, &m), ERR_INVALID);
	assert_string_equal(m.field, "off_delay_ms");
	json_object_set_new(p, "off_delay_ms", json_integer(4294967295LL));
	assert_int_equal(point_alarm_cfg(p, &c, &m), 0);
	assert_int_equal(c.off_delay_ms, 4294967295U);
	json_object_set_new(p, "off_delay_ms", json_integer(4294967296LL));
	assert_int_equal(point_alarm_cfg(p, &c, &m), ERR_INVALID);
	json_object_set_new(p, "kind", json_string("radiation"));
	assert_int_equal(point_alarm_cfg(p, &c, &m), ERR_INVALID);
	assert_string_equal(m.field, "kind");
	json_decref(p);
}

static void test_fill_defaults_methane(void **state)
{
	struct alarm_cfg d;
	bool over = true;
	json_t *p = obj("{\"kind\": \"combustible\", \"gas\": \"methane\"}");

	(void)state;
	methane_defaults(&d);
	assert_int_equal(point_fill_defaults(p, &d, "%LEL", &over), 7);
	assert_false(over);
	/* GB/T 50493-2019: 一级 <= 25 %LEL, 二级 <= 50 %LEL. */
	assert_true(json_number_value(json_object_get(p, "high1")) == 25);
	assert_true(json_number_value(json_object_get(p, "high2")) == 50);
	assert_true(json_is_null(json_object_get(p, "low1")));
	assert_string_equal(json_string_value(json_object_get(p, "unit")), "%LEL");
	json_decref(p);

	/* A given set point equal to the default (integer or real) is no override. */
	p = obj("{\"kind\": \"combustible\", \"high1\": 25, \"high2\": 50.0}");
	point_fill_defaults(p, &d, "%LEL", &over);
	assert_false(over);
	json_decref(p);
	/* One below the standard's value is; so is disabling one, or enabling a low alarm. */
	p = obj("{\"kind\": \"combustible\", \"high1\": 24.9}");
	point_fill_defaults(p, &d, "%LEL", &over);
	assert_true(over);
	json_decref(p);
	p = obj("{\"kind\": \"combustible\", \"high2\": null}");
	point_fill_defaults(p, &d, "%LEL", &over);
	assert_true(over);
	json_decref(p);
	p = obj("{\"kind\": \"combustible\", \"low1\": 1}");
	point_fill_defaults(p, &d, "%LEL", &over);
	assert_true(over);
	json_decref(p);
	/* A range given is kept and is not a set point override. */
	p = obj("{\"kind\": \"combustible\", \"range_hi\": 60}");
	assert_int_equal(point_fill_defaults(p, &d, "%LEL", &over), 6);
	assert_false(over);
	assert_true(json_number_value(json_object_get(p, "range_hi")) == 60);
	json_decref(p);
}

static void test_oxygen_defaults_json(void **state)
{
	struct alarm_cfg d;
	struct errmsg m;
	json_t *j;

	(void)state;
	assert_int_equal(gas_default_cfg(NULL, ALARM_KIND_OXYGEN, &d, &m), 0);
	j = point_defaults_json(&d, point_default_unit(ALARM_KIND_OXYGEN));
	assert_string_equal(json_string_value(json_object_get(j, "unit")), "%VOL");
	assert_true(json_number_value(json_object_get(j, "low1")) == 19.5);
	assert_true(json_number_value(json_object_get(j, "high1")) == 23.5);
	assert_true(json_is_null(json_object_get(j, "high2")));
	json_decref(j);
	assert_true(point_kind_has_defaults(ALARM_KIND_TOXIC));
	assert_false(point_kind_has_defaults(ALARM_KIND_LEVEL));
	assert_null(point_default_unit(ALARM_KIND_FLOW));
	assert_string_equal(point_default_unit(ALARM_KIND_TOXIC), "mg/m3");
}

static void test_cfg_diff(void **state)
{
	json_t *a = obj("{\"name\": \"a\", \"high1\": 25, \"high2\": 50, \"low1\": null,"
			"\"deadband\": 0, \"on_delay_ms\": 0}");
	json_t *b = obj("{\"name\": \"b\", \"high1\": 25.0, \"high2\": 45, \"deadband\": 0,"
			"\"on_delay_ms\": 2000}");
	json_t *was, *now;

	(void)state;
	/* name is not configuration; 25 == 25.0; null == absent. */
	assert_int_equal(point_cfg_diff(a, b, &was, &now), 2);
	assert_true(json_number_value(json_object_get(was, "high2")) == 50);
	assert_true(json_number_value(json_object_get(now, "high2")) == 45);
	assert_int_equal(json_integer_value(json_object_get(now, "on_delay_ms")), 2000);
	assert_null(json_object_get(now, "name"));
	json_decref(was);
	json_decref(now);
	assert_int_equal(point_cfg_diff(a, a, &was, &now), 0);
	assert_int_equal(json_object_size(was), 0);
	json_decref(was);
	json_decref(now);
	json_decref(a);
	json_decref(b);
}

static void test_reg_check_bounds(void **state)
{
	struct errmsg m;
	json_t *p = obj("{\"reg_kind\": \"holding\", \"reg_type\": \"u16\", \"reg_addr\": 65535}");

	(void)state;
	assert_int_equal(point_reg_check(p, "modbus", &m), 0);
	/* A two-register value needs the next address too. */
	json_object_set_new(p, "reg_type", json_string("f32"));
	assert_int_equal(point_reg_check(p, "modbus", &m), ERR_INVALID);
	assert_string_equal(m.field, "reg_addr");
	json_object_set_new(p, "reg_addr", json_integer(65534));
	assert_int_equal(point_reg_check(p, "modbus", &m), 0);
	json_object_set_new(p, "reg_addr", json_integer(-1));
	assert_int_equal(point_reg_check(p, "modbus", &m), ERR_INVALID);
	json_object_set_new(p, "reg_addr", json_integer(0));
	json_object_set_new(p, "reg_scale", json_real(0));
	assert_int_equal(point_reg_check(p, "modbus", &m), ERR_INVALID);
	assert_string_equal(m.field, "reg_scale");
	json_object_set_new(p, "reg_scale", json_real(-0.1));
	assert_int_equal(point_reg_check(p, "modbus", &m), 0);
	json_object_set_new(p, "reg_kind", json_string("coil"));
	assert_int_equal(point_reg_check(p, "modbus", &m), ERR_INVALID);
	assert_string_equal(m.field, "reg_kind");
	/* A pushing device, or none: no register map. */
	assert_int_equal(point_reg_check(p, "mqtt", &m), ERR_INVALID);
	assert_int_equal(point_reg_check(p, NULL, &m), ERR_INVALID);
	json_decref(p);
	p = obj("{\"reg_kind\": null, \"reg_addr\": null, \"reg_scale\": 1}");
	assert_int_equal(point_reg_check(p, NULL, &m), 0);
	assert_int_equal(point_reg_check(p, "modbus", &m), ERR_INVALID);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alarm_cfg_of_object),
		cmocka_unit_test(test_fill_defaults_methane),
		cmocka_unit_test(test_oxygen_defaults_json),
		cmocka_unit_test(test_cfg_diff),
		cmocka_unit_test(test_reg_check_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
