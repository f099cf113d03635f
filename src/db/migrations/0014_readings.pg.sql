-- The readings store, PostgreSQL dialect (see 0014_readings.sqlite.sql for the comments).
CREATE TABLE reading_chunk (
	id       BIGSERIAL PRIMARY KEY,
	point_id BIGINT NOT NULL,
	start_ms BIGINT NOT NULL,
	end_ms   BIGINT NOT NULL,
	seq_min  BIGINT NOT NULL,
	seq_max  BIGINT NOT NULL,
	n        INTEGER NOT NULL CHECK (n > 0),
	data     BYTEA NOT NULL,
	UNIQUE (point_id, start_ms, seq_min)
);

CREATE TABLE reading_minute (
	point_id  BIGINT NOT NULL,
	minute_ms BIGINT NOT NULL,
	min       DOUBLE PRECISION NOT NULL,
	max       DOUBLE PRECISION NOT NULL,
	sum       DOUBLE PRECISION NOT NULL,
	n         BIGINT NOT NULL CHECK (n > 0),
	PRIMARY KEY (point_id, minute_ms)
);

CREATE TABLE reading_point (
	point_id    BIGINT PRIMARY KEY,
	flushed_seq BIGINT NOT NULL
);

CREATE TABLE reading_checkpoint (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	seq      BIGINT NOT NULL,
	saved_ms BIGINT NOT NULL
);
