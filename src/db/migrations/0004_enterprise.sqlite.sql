-- Enterprise file (企业档案): the GB/T 4754-2017 industry classification (reference
-- data, loaded from data/industry/ at first start) and the enterprises themselves,
-- with a trigram full-text index over names, former names and credit codes so that
-- Chinese substrings can be searched (SQLite >= 3.34: tokenize='trigram').
CREATE TABLE industry (
	code        TEXT PRIMARY KEY,       -- section letter, or 2/3/4-digit division/group/class
	name        TEXT NOT NULL,
	level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4), -- 1 section .. 4 class
	section     TEXT NOT NULL,          -- A..T
	parent_code TEXT REFERENCES industry(code)
);
CREATE INDEX industry_parent ON industry(parent_code);

CREATE TABLE enterprise (
	id                   INTEGER PRIMARY KEY,
	uscc                 TEXT NOT NULL UNIQUE,   -- GB 32100-2015, 18 characters
	name                 TEXT NOT NULL,
	former_names         TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
	industry_code        TEXT NOT NULL REFERENCES industry(code), -- 4-digit class
	region_code          TEXT NOT NULL REFERENCES region(code),
	grid_id              INTEGER REFERENCES grid(id),
	address              TEXT NOT NULL DEFAULT '',
	lat                  REAL,                   -- CGCS2000 degrees
	lon                  REAL,
	legal_rep            TEXT NOT NULL DEFAULT '',
	legal_rep_phone      TEXT NOT NULL DEFAULT '',
	safety_officer       TEXT NOT NULL DEFAULT '',
	safety_officer_phone TEXT NOT NULL DEFAULT '',
	employees            INTEGER CHECK (employees IS NULL OR employees >= 0),
	scale                TEXT CHECK (scale IS NULL OR scale IN ('micro', 'small', 'medium',
	                         'large')),
	high_risk            INTEGER NOT NULL DEFAULT 0 CHECK (high_risk IN (0, 1)),
	std_grade            TEXT NOT NULL DEFAULT 'none' CHECK (std_grade IN ('none', '1', '2',
	                         '3')),
	status               TEXT NOT NULL DEFAULT 'operating' CHECK (status IN ('operating',
	                         'suspended', 'closed')),
	created_ms           INTEGER NOT NULL,
	updated_ms           INTEGER NOT NULL,
	CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX enterprise_region ON enterprise(region_code);
CREATE INDEX enterprise_grid ON enterprise(grid_id);
CREATE INDEX enterprise_industry ON enterprise(industry_code);
CREATE INDEX enterprise_name ON enterprise(name);

-- The search index holds its own copy of the three texts (not external content): the
-- connection runs with trusted_schema off, so triggers may not write a virtual table, and
-- enterprise_db.c keeps the index in step in the same statement sequence as each write.
CREATE VIRTUAL TABLE enterprise_fts USING fts5(name, former_names, uscc, tokenize='trigram');
