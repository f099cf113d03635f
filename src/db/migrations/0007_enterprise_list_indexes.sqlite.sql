-- Indexes for the enterprise list's filters (enterprise_db.c, probe_filters): the
-- standardisation grade, and the high-risk flag with the industry (a high-risk filter
-- alone, or with an industry prefix as one range).
CREATE INDEX enterprise_grade ON enterprise(std_grade);
CREATE INDEX enterprise_risk_industry ON enterprise(high_risk, industry_code);
