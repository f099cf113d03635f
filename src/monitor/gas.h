/* SPDX-License-Identifier: MIT */
/*
 * Gas properties and the default alarm set points of a gas detector (GB/T 50493-2019,
 * STANDARDS.md §4, issue 6 §2). Pure: the gas table comes in as CSV text
 * (data/monitor/gas_properties.csv), nothing is read or allocated here.
 */
#ifndef MONITOR_GAS_H
#define MONITOR_GAS_H

#include <stddef.h>

#include "monitor/alarm.h"

struct errmsg;

/* One row of data/monitor/gas_properties.csv. Missing numbers are NAN. */
struct gas_props {
	char name_zh[64];
	char name_en[64];
	char cas[16];
	char formula[16];
	double mol_weight;	/* g/mol */
	double lel_pct_vol;	/* lower explosive limit, %VOL [U: literature values] */
	double uel_pct_vol;	/* upper explosive limit, %VOL [U] */
	double mac_mg_m3;	/* GBZ 2.1-2019 maximum allowable concentration */
	double pc_twa_mg_m3;	/* GBZ 2.1-2019 time-weighted average */
	double pc_stel_mg_m3;	/* GBZ 2.1-2019 short-term exposure limit */
	double oel_alarm_mg_m3; /* the file's "OEL used for alarm" column */
	double idlh_ppm;	/* NIOSH IDLH [U] */
};

/*
 * Finds the gas key in text, the gas CSV (header "name_zh,name_en,cas,formula,mol_weight,
 * lel_pct_vol,uel_pct_vol,mac_mg_m3,pc_twa_mg_m3,pc_stel_mg_m3,oel_used_for_alarm_mg_m3,
 * idlh_ppm_niosh,notes", RFC 4180 quoting, "\r\n" accepted). key matches the CAS number,
 * the formula, the English name (ASCII case-insensitive) or the Chinese name exactly.
 * A number field may carry a trailing remark ("2100 (10%LEL)" reads 2100).
 * Returns 0 with *out filled, ERR_NOT_FOUND, or ERR_INVALID (bad header or a malformed
 * row, m names the line).
 */
int gas_props_find(const char *text, const char *key, struct gas_props *out, struct errmsg *m);

/*
 * The occupational exposure limit a toxic-gas alarm is set against: the MAC when the
 * substance has one, else the PC-STEL, else the PC-TWA (STANDARDS.md §4.2, GB/T
 * 50493-2019 terms [U: the choice of limit is not verified from the standard's text]).
 * Returns mg/m3, or NAN when the gas has no OEL.
 */
double gas_oel_mg_m3(const struct gas_props *g);

/*
 * The default alarm configuration of a detector of kind for gas g (point_id 0, deadband
 * and delays 0, comms timeout 0: the caller sets them), GB/T 50493-2019 alarm set points
 * (STANDARDS.md §4.1 [V], data/monitor/gas_alarm_setpoints.csv), each set at the highest
 * value the clause allows:
 *   ALARM_KIND_COMBUSTIBLE  unit %LEL, range 0..100 [U], high1 25 (一级 <= 25 %LEL),
 *                           high2 50 (二级 <= 50 %LEL); g needs an LEL;
 *   ALARM_KIND_TOXIC        unit mg/m3, range 0..3 x OEL [U], high1 1 x OEL (一级 <= 100 %OEL),
 *                           high2 2 x OEL (二级 <= 200 %OEL), OEL by gas_oel_mg_m3; g needs an
 *                           OEL;
 *   ALARM_KIND_OXYGEN       unit %VOL, range 0..25 [U], low1 19.5 (欠氧), high1 23.5 (过氧);
 *                           g is not used and may be NULL.
 * Returns 0, or ERR_INVALID (other kinds, or the gas lacks the property; m says which).
 */
int gas_default_cfg(const struct gas_props *g, enum alarm_kind kind, struct alarm_cfg *out,
		    struct errmsg *m);

/*
 * The detector kind GB/T 50493-2019 calls for: a gas with an OEL (toxic, whether or not
 * also combustible) gets a toxic-gas detector (STANDARDS.md §4.2 [P]); else one with an LEL
 * a combustible-gas detector. Returns ALARM_KIND_COUNT_ when it has neither.
 */
enum alarm_kind gas_detector_kind(const struct gas_props *g);

/*
 * Converts mg/m3 to ppm (vol): ppm = mg/m3 x molar_volume_l / mol_weight, with the molar
 * volume of the reference conditions: 24.04 L at 20 degC, 101.325 kPa (STANDARDS.md §4.3;
 * 22.4 at 0 degC, 24.45 at 25 degC). NAN for a non-positive weight or volume.
 */
double gas_mg_m3_to_ppm(double mg_m3, double mol_weight, double molar_volume_l);

#endif
