-- Organisation: administrative divisions (GB/T 2260), departments, grids
-- (一格三员), users with roles and data scopes, sessions and API tokens.
CREATE TABLE region (
	code        TEXT PRIMARY KEY,          -- 6 digits (province/city/county) or 9 (town)
	name        TEXT NOT NULL,
	level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4), -- 1 province .. 4 town
	parent_code TEXT REFERENCES region(code)
);
CREATE INDEX region_parent ON region(parent_code);
CREATE INDEX region_name ON region(name);

CREATE TABLE dept (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES region(code),
	description TEXT NOT NULL DEFAULT '',
	created_ms  INTEGER NOT NULL,
	updated_ms  INTEGER NOT NULL,
	UNIQUE (region_code, name)
);

CREATE TABLE app_user (
	id                   INTEGER PRIMARY KEY,
	login                TEXT NOT NULL UNIQUE,
	display_name         TEXT NOT NULL DEFAULT '',
	role                 TEXT NOT NULL CHECK (role IN ('admin', 'leader', 'inspector',
	                         'grid_manager', 'grid_patroller', 'grid_supervisor',
	                         'enterprise_officer')),
	scope_kind           TEXT NOT NULL CHECK (scope_kind IN ('all', 'region', 'grids',
	                         'enterprise')),
	scope                TEXT NOT NULL,            -- text form: all, region:C, grids:1,2, enterprise:U
	scope_anchor         TEXT NOT NULL DEFAULT '', -- region code prefix the scope lies under ('' = all)
	dept_id              INTEGER REFERENCES dept(id),
	phone                TEXT NOT NULL DEFAULT '',
	password_hash        TEXT NOT NULL,
	must_change_password INTEGER NOT NULL DEFAULT 1,
	locked               INTEGER NOT NULL DEFAULT 0,   -- locked by an administrator
	failed_logins        INTEGER NOT NULL DEFAULT 0,
	locked_until_ms      INTEGER NOT NULL DEFAULT 0,   -- lockout after failures
	password_changed_ms  INTEGER NOT NULL DEFAULT 0,
	created_ms           INTEGER NOT NULL,
	updated_ms           INTEGER NOT NULL
);

CREATE TABLE grid (
	id            INTEGER PRIMARY KEY,
	code          TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	region_code   TEXT NOT NULL REFERENCES region(code),
	geometry      TEXT,                      -- GeoJSON Polygon/MultiPolygon, CGCS2000
	manager_id    INTEGER REFERENCES app_user(id),
	patroller_id  INTEGER REFERENCES app_user(id),
	supervisor_id INTEGER REFERENCES app_user(id),
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL
);
CREATE INDEX grid_region ON grid(region_code);

CREATE INDEX app_user_anchor ON app_user(scope_anchor);

CREATE TABLE user_grid (
	user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
	grid_id INTEGER NOT NULL REFERENCES grid(id),
	PRIMARY KEY (user_id, grid_id)
);

CREATE TABLE session (
	id          INTEGER PRIMARY KEY,
	token_hash  TEXT NOT NULL UNIQUE,        -- SHA-256 of the 256-bit token
	csrf_token  TEXT NOT NULL,
	user_id     INTEGER NOT NULL REFERENCES app_user(id),
	ip          TEXT NOT NULL DEFAULT '',
	created_ms  INTEGER NOT NULL,
	last_seen_ms INTEGER NOT NULL,
	revoked_ms  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX session_user ON session(user_id);

CREATE TABLE api_token (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES app_user(id),
	name        TEXT NOT NULL,
	prefix      TEXT NOT NULL,               -- first characters, to recognise a token
	token_hash  TEXT NOT NULL UNIQUE,
	created_ms  INTEGER NOT NULL,
	last_used_ms INTEGER NOT NULL DEFAULT 0,
	revoked_ms  INTEGER NOT NULL DEFAULT 0
);
