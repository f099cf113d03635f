-- Indexes for the hazard statistics and the overdue scan (issue 4 §3, §5; docs/hazard.md
-- "Statistics"). Counts by industry, level and source read only the index (the key, the
-- state and the deadline decide total, open, closed and overdue), as the counts by region
-- and grid read hazard_region_state and hazard_grid_state of 0008. Rule B2's candidates
-- (sent back twice or more) are few: a partial index finds them without a table scan.
-- Reserved number 0010 (lists branch; core 0009, demo/bench 0011).
CREATE INDEX hazard_industry_state ON hazard(industry_code, state, deadline);
CREATE INDEX hazard_level_state ON hazard(level, state, deadline);
CREATE INDEX hazard_source_state ON hazard(source, state, deadline);
CREATE INDEX hazard_sent_back ON hazard(send_backs) WHERE send_backs >= 2;
CREATE INDEX hazard_accountability_kind ON hazard_accountability(kind, id);
CREATE INDEX enterprise_blacklist_enterprise ON enterprise_blacklist(enterprise_id, state);
