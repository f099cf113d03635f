-- Performance of the hazard list and statistics at a million rows (issue 4 aims; numbers in
-- docs/benchmarks.md "Hidden hazards"). See the .sqlite.sql file for the reasons.
CREATE INDEX hazard_grid_created ON hazard(grid_id, created_ms, id);
CREATE INDEX hazard_enterprise_created ON hazard(enterprise_id, created_ms, id);
CREATE INDEX hazard_state_created ON hazard(state, created_ms, id);

-- Hazards counted per (region, grid, level, state) and the closed ones' sums, kept in step
-- by a trigger (grid 0: none); see the .sqlite.sql file.
CREATE TABLE hazard_tally (
	region_code TEXT NOT NULL,
	grid_id     BIGINT NOT NULL,
	level       TEXT NOT NULL,
	state       TEXT NOT NULL,
	n           BIGINT NOT NULL,
	closed_dl   BIGINT NOT NULL,
	on_time     BIGINT NOT NULL,
	close_ms    BIGINT NOT NULL,
	PRIMARY KEY (region_code, grid_id, level, state)
);
CREATE INDEX hazard_tally_grid ON hazard_tally(grid_id);
INSERT INTO hazard_tally (region_code, grid_id, level, state, n, closed_dl, on_time, close_ms)
	SELECT region_code, COALESCE(grid_id, 0), level, state, COUNT(*),
		SUM(CASE WHEN hazard.state = 'closed' AND hazard.deadline IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN hazard.state = 'closed' AND hazard.deadline IS NOT NULL AND
			(hazard.closed_ms + 28800000) / 86400000 <= (hazard.deadline::date - DATE '1970-01-01') THEN 1 ELSE 0 END),
		SUM(CASE WHEN hazard.state = 'closed' THEN COALESCE(hazard.closed_ms - hazard.found_ms, 0) ELSE 0 END)
	FROM hazard GROUP BY region_code, COALESCE(grid_id, 0), level, state;

CREATE FUNCTION hazard_tally_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.region_code IS NOT DISTINCT FROM NEW.region_code AND
		OLD.grid_id IS NOT DISTINCT FROM NEW.grid_id AND OLD.level = NEW.level AND
		OLD.state = NEW.state AND OLD.deadline IS NOT DISTINCT FROM NEW.deadline AND
		OLD.closed_ms IS NOT DISTINCT FROM NEW.closed_ms AND OLD.found_ms = NEW.found_ms THEN
		RETURN NULL;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE hazard_tally SET n = n - 1,
				closed_dl = closed_dl - (CASE WHEN OLD.state = 'closed' AND OLD.deadline IS NOT NULL THEN 1 ELSE 0 END),
				on_time = on_time - (CASE WHEN OLD.state = 'closed' AND OLD.deadline IS NOT NULL AND
			(OLD.closed_ms + 28800000) / 86400000 <= (OLD.deadline::date - DATE '1970-01-01') THEN 1 ELSE 0 END),
				close_ms = close_ms - (CASE WHEN OLD.state = 'closed' THEN COALESCE(OLD.closed_ms - OLD.found_ms, 0) ELSE 0 END)
			WHERE region_code = OLD.region_code AND grid_id = COALESCE(OLD.grid_id, 0) AND
				level = OLD.level AND state = OLD.state;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		INSERT INTO hazard_tally (region_code, grid_id, level, state, n, closed_dl, on_time, close_ms)
			VALUES (NEW.region_code, COALESCE(NEW.grid_id, 0), NEW.level, NEW.state, 1,
				CASE WHEN NEW.state = 'closed' AND NEW.deadline IS NOT NULL THEN 1 ELSE 0 END,
				CASE WHEN NEW.state = 'closed' AND NEW.deadline IS NOT NULL AND
			(NEW.closed_ms + 28800000) / 86400000 <= (NEW.deadline::date - DATE '1970-01-01') THEN 1 ELSE 0 END,
				CASE WHEN NEW.state = 'closed' THEN COALESCE(NEW.closed_ms - NEW.found_ms, 0) ELSE 0 END)
			ON CONFLICT (region_code, grid_id, level, state) DO UPDATE SET n = hazard_tally.n + 1,
				closed_dl = hazard_tally.closed_dl + excluded.closed_dl, on_time = hazard_tally.on_time + excluded.on_time,
				close_ms = hazard_tally.close_ms + excluded.close_ms;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER hazard_tally_step AFTER INSERT OR DELETE OR UPDATE OF region_code, grid_id,
	level, state, deadline, closed_ms, found_ms ON hazard
	FOR EACH ROW EXECUTE FUNCTION hazard_tally_step();

-- The date-dependent counts (overdue: running with a deadline before today) read the running
-- states' deadline ranges of hazard_state_deadline (0008), now with the columns the counts
-- group by, so that they read the index alone (not a row per hazard).
DROP INDEX hazard_state_deadline;
CREATE INDEX hazard_state_deadline ON hazard(state, deadline, region_code, grid_id, level,
	enterprise_id);

CREATE INDEX hazard_open_deadline ON hazard(deadline)
	WHERE state NOT IN ('closed', 'dismissed') AND deadline IS NOT NULL;
CREATE INDEX hazard_open_created ON hazard(created_ms) WHERE state NOT IN ('dismissed', 'closed');
CREATE INDEX hazard_open_level ON hazard(level, created_ms) WHERE state NOT IN ('dismissed', 'closed');
