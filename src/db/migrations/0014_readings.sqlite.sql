-- The readings store (issue 6 §5; src/monitor/store.h, docs/monitoring.md "Store"). Raw
-- readings live in compressed per-point chunks (blobs, format in docs/monitoring.md "Chunk
-- blob"); one-minute aggregates are kept longer. Rows are written only by the store, in the
-- same transaction that advances reading_point.flushed_seq, so that replaying the
-- write-ahead log after a crash never stores a reading twice.

-- One chunk of one point's readings, sorted by (source_ms, seq). Chunks of one point may
-- overlap in time (late readings); a chunk never spans more than the store's span limit
-- (24 h), which bounds the range scan of a query. seq_min..seq_max: arrival sequence numbers.
-- A rowid table, not WITHOUT ROWID: a blob of 1-4 KiB fits a rowid table's 4 KiB leaf page,
-- while a WITHOUT ROWID row spills past about 1 KiB into overflow pages (bench/bench_store.c,
-- 200-reading chunks: 24.8 bytes a reading on disk WITHOUT ROWID with absolute seq offsets in
-- the blob, 11.7 with this table and delta seqs).
CREATE TABLE reading_chunk (
	id       INTEGER PRIMARY KEY,
	point_id INTEGER NOT NULL,
	start_ms INTEGER NOT NULL,
	end_ms   INTEGER NOT NULL,
	seq_min  INTEGER NOT NULL,
	seq_max  INTEGER NOT NULL,
	n        INTEGER NOT NULL CHECK (n > 0),
	data     BLOB NOT NULL,
	UNIQUE (point_id, start_ms, seq_min)
);

-- One-minute aggregates (minute_ms = source time floored to the minute, UTC ms).
CREATE TABLE reading_minute (
	point_id  INTEGER NOT NULL,
	minute_ms INTEGER NOT NULL,
	min       REAL NOT NULL,
	max       REAL NOT NULL,
	sum       REAL NOT NULL,
	n         INTEGER NOT NULL CHECK (n > 0),
	PRIMARY KEY (point_id, minute_ms)
) WITHOUT ROWID;

-- Per point: every reading with an arrival seq <= flushed_seq is in reading_chunk (the
-- idempotence rule of log replay).
CREATE TABLE reading_point (
	point_id    INTEGER PRIMARY KEY,
	flushed_seq INTEGER NOT NULL
);

-- The write-ahead log position fully reflected in the tables above: every reading with an
-- arrival seq <= seq. One row.
CREATE TABLE reading_checkpoint (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	seq      INTEGER NOT NULL,
	saved_ms INTEGER NOT NULL
);
