/* SPDX-License-Identifier: MIT */
/*
 * SQL of the alarm KPIs (kpi_api.c): the SOE rows of a period inside a scope, and the
 * names of the points the KPIs list.
 */
#ifndef MONITOR_KPI_DB_H
#define MONITOR_KPI_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/scope.h"
#include "monitor/kpi.h"

struct db;

/* Which rows: the scope's bounds, and optionally one enterprise or a region subtree. */
struct kpi_filter {
	struct scope_bounds scope;
	int64_t enterprise_id; /* 0 = any */
	const char *region;    /* region code prefix, NULL = any */
	char region_end[16];
};

/*
 * The SOE rows with from_ms <= source_ms < to_ms of the enterprises f selects, in SOE
 * order (source_ms, seq, sub, point_id). Returns 0 with *rows (owned, free()) and *n, or
 * ERR_DB.
 */
int kpi_db_rows(struct db *db, const struct kpi_filter *f, int64_t from_ms, int64_t to_ms,
		struct kpi_soe **rows, size_t *n);

/* A listed point's names. */
struct kpi_point_info {
	int64_t enterprise_id;
	char tag[64];
	char name[128];
	char enterprise_name[256];
};
/* 0 with *out, or ERR_NOT_FOUND (deleted point: empty names), ERR_DB. */
int kpi_db_point(struct db *db, int64_t point_id, struct kpi_point_info *out);

/*
 * 0 when enterprise id exists inside the bounds b, ERR_NOT_FOUND otherwise, or ERR_DB.
 */
int kpi_db_enterprise_in_scope(struct db *db, const struct scope_bounds *b, int64_t id);

#endif
