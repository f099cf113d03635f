-- Issue 6, PostgreSQL dialect (see 0018_points.sqlite.sql).
CREATE TABLE monitor_reference (
	name      TEXT PRIMARY KEY,
	body      TEXT NOT NULL,
	loaded_ms BIGINT NOT NULL
);

CREATE INDEX soe_point ON soe (point_id, source_ms, seq, sub);
