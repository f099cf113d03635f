-- Indexes for the enterprise list's filters (see 0007_enterprise_list_indexes.sqlite.sql).
-- The list matches code prefixes as ranges (code >= prefix AND code < end, end = prefix with
-- its last byte incremented), which hold in byte order: a PostgreSQL driver must compare
-- region_code and industry_code under COLLATE "C" (digits only, so the same order).
CREATE INDEX enterprise_grade ON enterprise(std_grade);
CREATE INDEX enterprise_risk_industry ON enterprise(high_risk, industry_code);
