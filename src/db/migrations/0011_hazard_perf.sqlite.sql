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
CREATE TABLE hazard_tally (
	region_code TEXT NOT NULL,
	grid_id     INTEGER NOT NULL,
	level       TEXT NOT NULL,
	state       TEXT NOT NULL,
	n           INTEGER NOT NULL,
	PRIMARY KEY (region_code, grid_id, level, state)
);
CREATE INDEX hazard_tally_grid ON hazard_tally(grid_id);
INSERT INTO hazard_tally (region_code, grid_id, level, state, n)
	SELECT region_code, COALESCE(grid_id, 0), level, state, COUNT(*) FROM hazard
	GROUP BY region_code, COALESCE(grid_id, 0), level, state;

CREATE TRIGGER hazard_tally_insert AFTER INSERT ON hazard
BEGIN
	INSERT INTO hazard_tally (region_code, grid_id, level, state, n)
		VALUES (NEW.region_code, COALESCE(NEW.grid_id, 0), NEW.level, NEW.state, 1)
		ON CONFLICT (region_code, grid_id, level, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER hazard_tally_delete AFTER DELETE ON hazard
BEGIN
	UPDATE hazard_tally SET n = n - 1 WHERE region_code = OLD.region_code AND
		grid_id = COALESCE(OLD.grid_id, 0) AND level = OLD.level AND state = OLD.state;
END;
CREATE TRIGGER hazard_tally_update AFTER UPDATE OF region_code, grid_id, level, state ON hazard
	WHEN OLD.region_code IS NOT NEW.region_code OR OLD.grid_id IS NOT NEW.grid_id OR
		OLD.level IS NOT NEW.level OR OLD.state IS NOT NEW.state
BEGIN
	UPDATE hazard_tally SET n = n - 1 WHERE region_code = OLD.region_code AND
		grid_id = COALESCE(OLD.grid_id, 0) AND level = OLD.level AND state = OLD.state;
	INSERT INTO hazard_tally (region_code, grid_id, level, state, n)
		VALUES (NEW.region_code, COALESCE(NEW.grid_id, 0), NEW.level, NEW.state, 1)
		ON CONFLICT (region_code, grid_id, level, state) DO UPDATE SET n = n + 1;
END;

-- The date-dependent counts (overdue: running with a deadline before today) read the running
-- states' deadline ranges of hazard_state_deadline (0008), now with the columns the counts
-- group by, so that they read the index alone (not a row per hazard).
DROP INDEX hazard_state_deadline;
CREATE INDEX hazard_state_deadline ON hazard(state, deadline, region_code, grid_id, level);

-- A deadline filter (due soon, overdue, overdue by 30 days) sorted by deadline walks the open
-- hazards in deadline order and stops after a page, whatever region it also filters on.
CREATE INDEX hazard_open_deadline ON hazard(deadline)
	WHERE state NOT IN ('closed', 'dismissed') AND deadline IS NOT NULL;
