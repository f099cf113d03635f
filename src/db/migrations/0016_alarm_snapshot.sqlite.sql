-- The monitoring runtime's alarm snapshot (src/monitor/monitor.c, docs/monitoring.md
-- "Runtime"): every cached point's alarm state after the readings up to arrival seq `seq`
-- and the SOE tick/action rows written until then, so that recovery re-evaluates only the
-- write-ahead log after it. data: monitor.c's versioned little-endian record array. One row.
-- An index for recovery's walk over the tick and action rows after the snapshot.
CREATE TABLE alarm_snapshot (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	seq      INTEGER NOT NULL,
	saved_ms INTEGER NOT NULL,
	data     BLOB NOT NULL
);
CREATE INDEX soe_seq ON soe (seq, sub, point_id);
