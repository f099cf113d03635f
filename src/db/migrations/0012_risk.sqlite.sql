-- Risk graded control (风险分级管控, issue 5): per enterprise, risk units (drawn on the site
-- plan) holding risk points, each point's danger sources (危险源 / 风险事件) with their
-- hazardous factors and possible accident types (GB 6441), every assessment kept (LEC or LS,
-- with the grading table used), control measures held at the level the grade demands, check
-- items derived from the measures, the check tasks generated from them on schedules, safety
-- zones and the enterprise's site plan. Rules: src/risk/risk.h, docs/risk.md.
--
-- Grades are 1..4 (red, orange, yellow, blue); NULL = not yet assessed. The grades kept on
-- danger_source, risk_point, risk_unit and risk_enterprise are derived (the latest
-- assessment; the highest below) and rewritten in the transaction of the assessment that
-- changes them. Calendar days are local UTC+8 'YYYY-MM-DD'; instants are UTC ms.

-- A unit (风险分析单元): an installation, workshop, piece of equipment, operation or place.
-- polygon is its outline on the site plan: JSON [[x, y], ...] in the plan image's pixels.
CREATE TABLE risk_unit (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
	kind          TEXT NOT NULL CHECK (kind IN ('installation', 'workshop', 'equipment',
	                  'operation', 'place')),
	name          TEXT NOT NULL CHECK (name <> ''),
	code          TEXT NOT NULL DEFAULT '',
	description   TEXT NOT NULL DEFAULT '',
	polygon       TEXT,
	grade         INTEGER CHECK (grade BETWEEN 1 AND 4),   -- highest of its points
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL,
	UNIQUE (enterprise_id, name)
);

-- A risk point (风险点) inside a unit.
CREATE TABLE risk_point (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id      INTEGER NOT NULL REFERENCES enterprise(id),
	unit_id            INTEGER NOT NULL REFERENCES risk_unit(id),
	kind               TEXT NOT NULL CHECK (kind IN ('installation', 'workshop', 'equipment',
	                       'operation', 'place')),
	name               TEXT NOT NULL CHECK (name <> ''),
	location           TEXT NOT NULL DEFAULT '',
	grade              INTEGER CHECK (grade BETWEEN 1 AND 4), -- highest of its danger sources
	last_assessed_day  TEXT,   -- the oldest of its sources' latest assessment days
	reassess_due       TEXT,   -- risk_reassess_due(last_assessed_day)
	created_ms         INTEGER NOT NULL,
	updated_ms         INTEGER NOT NULL,
	UNIQUE (unit_id, name)
);
CREATE INDEX risk_point_enterprise ON risk_point(enterprise_id, grade);
CREATE INDEX risk_point_due ON risk_point(reassess_due);

-- A danger source / risk event (危险源, 危险有害因素) of a point. factor: 人 物 环境 管理
-- (GB/T 13861's four classes); accident_types: JSON array of GB 6441 type numbers (1..20).
CREATE TABLE danger_source (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id  INTEGER NOT NULL REFERENCES enterprise(id),
	point_id       INTEGER NOT NULL REFERENCES risk_point(id),
	name           TEXT NOT NULL CHECK (name <> ''),
	factor         TEXT NOT NULL CHECK (factor IN ('person', 'object', 'environment',
	                   'management')),
	accident_types TEXT NOT NULL DEFAULT '[]',
	description    TEXT NOT NULL DEFAULT '',
	grade          INTEGER CHECK (grade BETWEEN 1 AND 4),  -- its latest assessment's
	assessment_id  INTEGER,                                -- its latest assessment
	created_ms     INTEGER NOT NULL,
	updated_ms     INTEGER NOT NULL
);
CREATE INDEX danger_source_point ON danger_source(point_id);

-- Every assessment, append-only. LEC keeps its factors x 10 and D x 1000; LS keeps L, S and
-- R x 1000 (so value_x1000 is one unit for both). table_id is the grading table used.
CREATE TABLE risk_assessment (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id    INTEGER NOT NULL REFERENCES enterprise(id),
	point_id         INTEGER NOT NULL REFERENCES risk_point(id),
	danger_source_id INTEGER NOT NULL REFERENCES danger_source(id),
	method           TEXT NOT NULL CHECK (method IN ('lec', 'ls')),
	table_id         TEXT NOT NULL,
	lec_l_x10        INTEGER,
	lec_e_x10        INTEGER,
	lec_c_x10        INTEGER,
	ls_l             INTEGER CHECK (ls_l BETWEEN 1 AND 5),
	ls_s             INTEGER CHECK (ls_s BETWEEN 1 AND 5),
	value_x1000      INTEGER NOT NULL,
	grade            INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
	assessed_day     TEXT NOT NULL CHECK (length(assessed_day) = 10),
	assessed_ms      INTEGER NOT NULL,
	assessor_id      INTEGER REFERENCES app_user(id),
	note             TEXT NOT NULL DEFAULT '',
	CHECK ((method = 'lec') = (lec_l_x10 IS NOT NULL AND lec_e_x10 IS NOT NULL
	                            AND lec_c_x10 IS NOT NULL)),
	CHECK ((method = 'ls') = (ls_l IS NOT NULL AND ls_s IS NOT NULL))
);
CREATE INDEX risk_assessment_source ON risk_assessment(danger_source_id, id);
CREATE INDEX risk_assessment_point ON risk_assessment(point_id, id);

-- An enterprise's grade (the rule: src/risk/risk.h risk_enterprise_grade) and its points
-- per grade, rewritten with every assessment that changes them.
CREATE TABLE risk_enterprise (
	enterprise_id INTEGER PRIMARY KEY REFERENCES enterprise(id),
	grade         INTEGER CHECK (grade BETWEEN 1 AND 4),
	red           INTEGER NOT NULL DEFAULT 0,
	orange        INTEGER NOT NULL DEFAULT 0,
	yellow        INTEGER NOT NULL DEFAULT 0,
	blue          INTEGER NOT NULL DEFAULT 0,
	updated_ms    INTEGER NOT NULL
);

-- A control measure (管控措施) of a danger source, held at a control level with a named
-- responsible person (responsible_user_id: an account of the enterprise, when there is one).
CREATE TABLE control_measure (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id       INTEGER NOT NULL REFERENCES enterprise(id),
	point_id            INTEGER NOT NULL REFERENCES risk_point(id),
	danger_source_id    INTEGER NOT NULL REFERENCES danger_source(id),
	kind                TEXT NOT NULL CHECK (kind IN ('engineering', 'management', 'training',
	                        'ppe', 'emergency')),
	description         TEXT NOT NULL CHECK (description <> ''),
	control_level       TEXT NOT NULL CHECK (control_level IN ('company', 'department',
	                        'team', 'post')),
	responsible_name    TEXT NOT NULL CHECK (responsible_name <> ''),
	responsible_user_id INTEGER REFERENCES app_user(id),
	active              INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_ms          INTEGER NOT NULL,
	updated_ms          INTEGER NOT NULL
);
CREATE INDEX control_measure_source ON control_measure(danger_source_id);
CREATE INDEX control_measure_point ON control_measure(point_id);

-- A check item (排查清单项) of a measure and its schedule; tasks go to assignee_id.
CREATE TABLE check_item (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
	point_id      INTEGER NOT NULL REFERENCES risk_point(id),
	measure_id    INTEGER NOT NULL REFERENCES control_measure(id),
	content       TEXT NOT NULL CHECK (content <> ''),
	schedule      TEXT NOT NULL CHECK (schedule IN ('shift', 'daily', 'weekly', 'monthly')),
	assignee_id   INTEGER NOT NULL REFERENCES app_user(id),
	active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	start_ms      INTEGER NOT NULL,      -- tasks are generated for periods ending after this
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL
);
CREATE INDEX check_item_measure ON check_item(measure_id);
CREATE INDEX check_item_enterprise ON check_item(enterprise_id, active);

-- A check task (排查任务): one per item and period [period_start_ms, period_end_ms).
-- open -> passed | failed (by the assignee) | missed (by the scan, once the period ended).
-- A failed task opens exactly one hidden hazard (hazard_id).
CREATE TABLE check_task (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id   INTEGER NOT NULL REFERENCES enterprise(id),
	point_id        INTEGER NOT NULL REFERENCES risk_point(id),
	item_id         INTEGER NOT NULL REFERENCES check_item(id),
	control_level   TEXT NOT NULL,      -- the measure's, when the task was generated
	schedule        TEXT NOT NULL,
	period_label    TEXT NOT NULL,      -- 2026-11-29 / 2026-11-29#2 / 2026-W48 / 2026-11
	period_start_ms INTEGER NOT NULL,
	period_end_ms   INTEGER NOT NULL,
	assignee_id     INTEGER NOT NULL REFERENCES app_user(id),
	state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'passed', 'failed',
	                    'missed')),
	done_ms         INTEGER,
	done_by         INTEGER REFERENCES app_user(id),
	note            TEXT NOT NULL DEFAULT '',
	hazard_id       INTEGER UNIQUE REFERENCES hazard(id),
	created_ms      INTEGER NOT NULL,
	UNIQUE (item_id, period_start_ms)
);
CREATE INDEX check_task_open ON check_task(state, period_end_ms);
CREATE INDEX check_task_assignee ON check_task(assignee_id, state, period_end_ms);
CREATE INDEX check_task_enterprise ON check_task(enterprise_id, period_start_ms);

-- Safety zones (安全站位): green / yellow / red areas on the site plan with their entry rules.
CREATE TABLE risk_zone (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
	colour        TEXT NOT NULL CHECK (colour IN ('green', 'yellow', 'red')),
	name          TEXT NOT NULL CHECK (name <> ''),
	entry_rules   TEXT NOT NULL DEFAULT '',
	polygon       TEXT,
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL
);
CREATE INDEX risk_zone_enterprise ON risk_zone(enterprise_id);

-- The enterprise's site plan image (in the photo store) the units and zones are drawn on.
CREATE TABLE risk_site_plan (
	enterprise_id INTEGER PRIMARY KEY REFERENCES enterprise(id),
	sha256        TEXT NOT NULL REFERENCES photo(sha256),
	width         INTEGER NOT NULL,
	height        INTEGER NOT NULL,
	uploader_id   INTEGER REFERENCES app_user(id),
	updated_ms    INTEGER NOT NULL
);

-- A hidden hazard found by a failed check names its point and task.
ALTER TABLE hazard ADD COLUMN risk_point_id INTEGER REFERENCES risk_point(id);
ALTER TABLE hazard ADD COLUMN check_task_id INTEGER REFERENCES check_task(id);
