-- Issue 6 §2, branch mon-points: the reference tables the monitoring configuration reads at
-- request time, loaded from data/ at every start (point_db_reference_load). The gas table
-- (data/monitor/gas_properties.csv) is kept as its text: gas_props_find (src/monitor/gas.h)
-- parses it, so the file on disk and the rows used stay one format.
CREATE TABLE monitor_reference (
	name      TEXT PRIMARY KEY,
	body      TEXT NOT NULL,
	loaded_ms INTEGER NOT NULL
);

-- The SOE list's scope and point filters (enterprise_id, point_id in SOE order).
CREATE INDEX soe_point ON soe (point_id, source_ms, seq, sub);
