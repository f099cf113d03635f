-- Performance of the hazard list and statistics at a million rows (issue 4 aims; numbers in
-- docs/benchmarks.md "Hidden hazards").
--
-- Lists: a filter on a grid, an enterprise or a state, sorted by report time (the default
-- sort), walks an index whose last columns are the sort key and stops after a page; before,
-- every matching row was read and sorted for a page of 50. (SQLite appends the rowid id to
-- every index; the id is written out for PostgreSQL's sake.)
CREATE INDEX hazard_grid_created ON hazard(grid_id, created_ms, id);
CREATE INDEX hazard_enterprise_created ON hazard(enterprise_id, created_ms, id);
CREATE INDEX hazard_state_created ON hazard(state, created_ms, id);

-- Statistics: hazards counted per (region, grid, level, state), kept in step by the triggers
-- below in the same transaction as every write to hazard (reports, transitions, the demo
-- load, an enterprise moving region through hazard_follow_enterprise). grid_id 0 stands for
-- none (a key column must not be NULL to be unique). Rows at n = 0 stay; readers skip them.
-- For the summary, the closed hazards' sums: closed_dl those with a deadline, on_time those
-- closed on or before their deadline's day (UTC+8), close_ms the sum of closed_ms - found_ms.
CREATE TABLE hazard_tally (
	region_code TEXT NOT NULL,
	grid_id     INTEGER NOT NULL,
	level       TEXT NOT NULL,
	state       TEXT NOT NULL,
	n           INTEGER NOT NULL,
	closed_dl   INTEGER NOT NULL,
	on_time     INTEGER NOT NULL,
	close_ms    INTEGER NOT NULL,
	PRIMARY KEY (region_code, grid_id, level, state)
);
CREATE INDEX hazard_tally_grid ON hazard_tally(grid_id);
INSERT INTO hazard_tally (region_code, grid_id, level, state, n, closed_dl, on_time, close_ms)
	SELECT region_code, COALESCE(grid_id, 0), level, state, COUNT(*),
		SUM(CASE WHEN hazard.state = 'closed' AND hazard.deadline IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN hazard.state = 'closed' AND hazard.deadline IS NOT NULL AND
			(hazard.closed_ms + 28800000) / 86400000 <= CAST(julianday(hazard.deadline) - 2440587.5 AS INTEGER) THEN 1 ELSE 0 END),
		SUM(CASE WHEN hazard.state = 'closed' THEN COALESCE(hazard.closed_ms - hazard.found_ms, 0) ELSE 0 END)
	FROM hazard GROUP BY region_code, COALESCE(grid_id, 0), level, state;

CREATE TRIGGER hazard_tally_insert AFTER INSERT ON hazard
BEGIN
	INSERT INTO hazard_tally (region_code, grid_id, level, state, n, closed_dl, on_time, close_ms)
		VALUES (NEW.region_code, COALESCE(NEW.grid_id, 0), NEW.level, NEW.state, 1,
			CASE WHEN NEW.state = 'closed' AND NEW.deadline IS NOT NULL THEN 1 ELSE 0 END,
			CASE WHEN NEW.state = 'closed' AND NEW.deadline IS NOT NULL AND
			(NEW.closed_ms + 28800000) / 86400000 <= CAST(julianday(NEW.deadline) - 2440587.5 AS INTEGER) THEN 1 ELSE 0 END,
			CASE WHEN NEW.state = 'closed' THEN COALESCE(NEW.closed_ms - NEW.found_ms, 0) ELSE 0 END)
		ON CONFLICT (region_code, grid_id, level, state) DO UPDATE SET n = n + 1,
			closed_dl = closed_dl + excluded.closed_dl, on_time = on_time + excluded.on_time,
			close_ms = close_ms + excluded.close_ms;
END;
CREATE TRIGGER hazard_tally_delete AFTER DELETE ON hazard
BEGIN
	UPDATE hazard_tally SET n = n - 1,
			closed_dl = closed_dl - (CASE WHEN OLD.state = 'closed' AND OLD.deadline IS NOT NULL THEN 1 ELSE 0 END),
			on_time = on_time - (CASE WHEN OLD.state = 'closed' AND OLD.deadline IS NOT NULL AND
			(OLD.closed_ms + 28800000) / 86400000 <= CAST(julianday(OLD.deadline) - 2440587.5 AS INTEGER) THEN 1 ELSE 0 END),
			close_ms = close_ms - (CASE WHEN OLD.state = 'closed' THEN COALESCE(OLD.closed_ms - OLD.found_ms, 0) ELSE 0 END)
		WHERE region_code = OLD.region_code AND grid_id = COALESCE(OLD.grid_id, 0) AND
			level = OLD.level AND state = OLD.state;
END;
CREATE TRIGGER hazard_tally_update AFTER UPDATE OF region_code, grid_id, level, state, deadline,
	closed_ms, found_ms ON hazard
	WHEN OLD.region_code IS NOT NEW.region_code OR OLD.grid_id IS NOT NEW.grid_id OR
		OLD.level IS NOT NEW.level OR OLD.state IS NOT NEW.state OR
		OLD.deadline IS NOT NEW.deadline OR OLD.closed_ms IS NOT NEW.closed_ms OR
		OLD.found_ms IS NOT NEW.found_ms
BEGIN
	UPDATE hazard_tally SET n = n - 1,
			closed_dl = closed_dl - (CASE WHEN OLD.state = 'closed' AND OLD.deadline IS NOT NULL THEN 1 ELSE 0 END),
			on_time = on_time - (CASE WHEN OLD.state = 'closed' AND OLD.deadline IS NOT NULL AND
			(OLD.closed_ms + 28800000) / 86400000 <= CAST(julianday(OLD.deadline) - 2440587.5 AS INTEGER) THEN 1 ELSE 0 END),
			close_ms = close_ms - (CASE WHEN OLD.state = 'closed' THEN COALESCE(OLD.closed_ms - OLD.found_ms, 0) ELSE 0 END)
		WHERE region_code = OLD.region_code AND grid_id = COALESCE(OLD.grid_id, 0) AND
			level = OLD.level AND state = OLD.state;
	INSERT INTO hazard_tally (region_code, grid_id, level, state, n, closed_dl, on_time, close_ms)
		VALUES (NEW.region_code, COALESCE(NEW.grid_id, 0), NEW.level, NEW.state, 1,
			CASE WHEN NEW.state = 'closed' AND NEW.deadline IS NOT NULL THEN 1 ELSE 0 END,
			CASE WHEN NEW.state = 'closed' AND NEW.deadline IS NOT NULL AND
			(NEW.closed_ms + 28800000) / 86400000 <= CAST(julianday(NEW.deadline) - 2440587.5 AS INTEGER) THEN 1 ELSE 0 END,
			CASE WHEN NEW.state = 'closed' THEN COALESCE(NEW.closed_ms - NEW.found_ms, 0) ELSE 0 END)
		ON CONFLICT (region_code, grid_id, level, state) DO UPDATE SET n = n + 1,
			closed_dl = closed_dl + excluded.closed_dl, on_time = on_time + excluded.on_time,
			close_ms = close_ms + excluded.close_ms;
END;

-- The date-dependent counts (overdue: running with a deadline before today) read the running
-- states' deadline ranges of hazard_state_deadline (0008), now with the columns the counts
-- group by (and the enterprise, for the summary's top ten), so that they read the index alone
-- (not a row per hazard).
DROP INDEX hazard_state_deadline;
CREATE INDEX hazard_state_deadline ON hazard(state, deadline, region_code, grid_id, level,
	enterprise_id);

-- A deadline filter (due soon, overdue, overdue by 30 days) sorted by deadline walks the open
-- hazards in deadline order and stops after a page, whatever region it also filters on.
CREATE INDEX hazard_open_deadline ON hazard(deadline)
	WHERE state NOT IN ('closed', 'dismissed') AND deadline IS NOT NULL;
-- The same filter in report order (the default sort), and state=open (with or without a level),
-- walk the open hazards from the newest, not every hazard: the list spells the condition with
-- the states the other way round (hazard_db.c where_parts), so that each sort finds its own
-- index.
CREATE INDEX hazard_open_created ON hazard(created_ms) WHERE state NOT IN ('dismissed', 'closed');
CREATE INDEX hazard_open_level ON hazard(level, created_ms) WHERE state NOT IN ('dismissed', 'closed');
