-- Map layers (一张图): the boundaries of administrative divisions, one row per GB/T 2260
-- code, as GeoJSON in CGCS2000 [lon, lat] (converted from their source datum on loading).
-- name, level and parent_code are copied from the division table when the boundary is
-- loaded, so that the map module reads only its own table. The bounding box serves the
-- map's initial view. source says where the geometry came from and under which terms.
CREATE TABLE boundary (
	region_code TEXT PRIMARY KEY REFERENCES region(code),
	name        TEXT NOT NULL,
	level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4), -- 1 province .. 4 town
	parent_code TEXT,                       -- the division's parent (NULL for a province)
	geometry    TEXT NOT NULL,              -- GeoJSON Polygon/MultiPolygon, CGCS2000
	min_lon     REAL NOT NULL,
	min_lat     REAL NOT NULL,
	max_lon     REAL NOT NULL,
	max_lat     REAL NOT NULL,
	source      TEXT NOT NULL,
	loaded_ms   INTEGER NOT NULL
);
CREATE INDEX boundary_parent ON boundary(parent_code);
