-- Risk graded control (issue 5), branch risk-core: the reference data the API reads,
-- reloaded from data/risk/ at every start (src/risk/risk_db.c risk_data_load): the grading
-- tables (grading_tables.csv, checked by risk_table_parse), the GB 6441 accident types
-- (accident_types_gb6441.csv) and the per-industry choice of table (industry_tables.csv).

-- A grading table; min1..min4 are the lower bounds of grades 1..4 in the method's unit
-- (LEC: D x 1000; LS: R), boundary_gt 1 when a value on a bound belongs to the lower grade.
CREATE TABLE risk_grading_table (
	table_id    TEXT PRIMARY KEY,
	method      TEXT NOT NULL CHECK (method IN ('lec', 'ls')),
	boundary_gt INTEGER NOT NULL CHECK (boundary_gt IN (0, 1)),
	min1        BIGINT NOT NULL,
	min2        BIGINT NOT NULL,
	min3        BIGINT NOT NULL,
	min4        BIGINT NOT NULL
);

-- GB 6441-1986's 20 accident types (the numbers danger_source.accident_types holds).
CREATE TABLE risk_accident_type (
	number  BIGINT PRIMARY KEY CHECK (number BETWEEN 1 AND 99),
	name_zh TEXT NOT NULL,
	standard TEXT NOT NULL
);

-- The table an industry (GB/T 4754 code prefix) is assessed with, per method.
CREATE TABLE risk_industry_table (
	industry_prefix TEXT NOT NULL,
	method          TEXT NOT NULL CHECK (method IN ('lec', 'ls')),
	table_id        TEXT NOT NULL REFERENCES risk_grading_table(table_id),
	note            TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (industry_prefix, method)
);
