-- The monitoring runtime's alarm snapshot: see 0016_alarm_snapshot.sqlite.sql.
CREATE TABLE alarm_snapshot (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	seq      BIGINT NOT NULL,
	saved_ms BIGINT NOT NULL,
	data     BYTEA NOT NULL
);
CREATE INDEX soe_seq ON soe (seq, sub, point_id);
