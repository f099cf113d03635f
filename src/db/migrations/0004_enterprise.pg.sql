-- Enterprise file (see 0004_enterprise.sqlite.sql). PostgreSQL has no FTS5: the
-- equivalent of the trigram index is pg_trgm's GIN index, which serves
-- "name LIKE '%q%'" (and ILIKE) for queries of three characters or more, so the
-- same portable LIKE query is used there (the PostgreSQL driver is not written yet).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE industry (
	code        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
	section     TEXT NOT NULL,
	parent_code TEXT REFERENCES industry(code)
);
CREATE INDEX industry_parent ON industry(parent_code);

CREATE TABLE enterprise (
	id                   BIGSERIAL PRIMARY KEY,
	uscc                 TEXT NOT NULL UNIQUE,
	name                 TEXT NOT NULL,
	former_names         TEXT NOT NULL DEFAULT '[]',
	industry_code        TEXT NOT NULL REFERENCES industry(code),
	region_code          TEXT NOT NULL REFERENCES region(code),
	grid_id              BIGINT REFERENCES grid(id),
	address              TEXT NOT NULL DEFAULT '',
	lat                  DOUBLE PRECISION,
	lon                  DOUBLE PRECISION,
	legal_rep            TEXT NOT NULL DEFAULT '',
	legal_rep_phone      TEXT NOT NULL DEFAULT '',
	safety_officer       TEXT NOT NULL DEFAULT '',
	safety_officer_phone TEXT NOT NULL DEFAULT '',
	employees            BIGINT CHECK (employees IS NULL OR employees >= 0),
	scale                TEXT CHECK (scale IS NULL OR scale IN ('micro', 'small', 'medium',
	                         'large')),
	high_risk            BIGINT NOT NULL DEFAULT 0 CHECK (high_risk IN (0, 1)),
	std_grade            TEXT NOT NULL DEFAULT 'none' CHECK (std_grade IN ('none', '1', '2',
	                         '3')),
	status               TEXT NOT NULL DEFAULT 'operating' CHECK (status IN ('operating',
	                         'suspended', 'closed')),
	created_ms           BIGINT NOT NULL,
	updated_ms           BIGINT NOT NULL,
	CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX enterprise_region ON enterprise(region_code);
CREATE INDEX enterprise_grid ON enterprise(grid_id);
CREATE INDEX enterprise_industry ON enterprise(industry_code);
CREATE INDEX enterprise_name ON enterprise(name);
CREATE INDEX enterprise_name_trgm ON enterprise USING gin (name gin_trgm_ops);
CREATE INDEX enterprise_former_trgm ON enterprise USING gin (former_names gin_trgm_ops);
CREATE INDEX enterprise_uscc_trgm ON enterprise USING gin (uscc gin_trgm_ops);
