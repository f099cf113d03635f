-- Map layers (see 0006_map.sqlite.sql). Geometry stays GeoJSON text so that both engines
-- hold the same thing; PostGIS is not required.
CREATE TABLE boundary (
	region_code TEXT PRIMARY KEY REFERENCES region(code),
	name        TEXT NOT NULL,
	level       BIGINT NOT NULL CHECK (level BETWEEN 1 AND 4),
	parent_code TEXT,
	geometry    TEXT NOT NULL,
	min_lon     DOUBLE PRECISION NOT NULL,
	min_lat     DOUBLE PRECISION NOT NULL,
	max_lon     DOUBLE PRECISION NOT NULL,
	max_lat     DOUBLE PRECISION NOT NULL,
	source      TEXT NOT NULL,
	loaded_ms   BIGINT NOT NULL
);
CREATE INDEX boundary_parent ON boundary(parent_code);
