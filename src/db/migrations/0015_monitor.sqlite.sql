-- Issue 6: major hazard installations (GB 18218-2018), monitoring devices and points, set
-- point changes, the sequence of events (SOE) and the alarm -> hazard link. The readings
-- themselves are in 0014_readings (src/monitor/store.h). Contract: docs/monitoring.md,
-- docs/mhi.md.

-- A production or storage unit (生产单元 / 储存单元) assessed by GB 18218-2018. The computed
-- columns are rewritten, with the inventory, in the same transaction as every change.
CREATE TABLE mhi_installation (
	id            INTEGER PRIMARY KEY,
	enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
	name          TEXT NOT NULL,
	unit_kind     TEXT NOT NULL CHECK (unit_kind IN ('production', 'storage')),
	people_500m   INTEGER NOT NULL DEFAULT 0 CHECK (people_500m >= 0),
	description   TEXT NOT NULL DEFAULT '',
	lon           REAL,
	lat           REAL,
	s_value       REAL,              -- S = sum q/Q (4.2.1), display value
	major         INTEGER NOT NULL DEFAULT 0 CHECK (major IN (0, 1)),
	r_value       REAL,              -- R (4.3.2) when every beta is known
	grade         INTEGER CHECK (grade BETWEEN 1 AND 4), -- Table 6, NULL when not major
	assessed_ms   INTEGER,
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL,
	UNIQUE (enterprise_id, name)
);
CREATE INDEX mhi_installation_enterprise ON mhi_installation (enterprise_id);
CREATE INDEX mhi_installation_grade ON mhi_installation (grade);

-- One chemical (or mixture) of an installation's inventory: a GB 18218 Table 1 chemical
-- (seq, with chemical as entered) or Table 2 hazard categories; q_kg the design maximum
-- quantity (4.2.2) in kilograms.
CREATE TABLE mhi_inventory (
	id              INTEGER PRIMARY KEY,
	installation_id INTEGER NOT NULL REFERENCES mhi_installation(id) ON DELETE CASCADE,
	chemical        TEXT,
	seq             INTEGER,
	categories      TEXT,
	q_kg            INTEGER NOT NULL CHECK (q_kg > 0),
	position        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mhi_inventory_installation ON mhi_inventory (installation_id, position);

-- A field device or gateway of an enterprise. protocol 'modbus' polls host:port (Modbus TCP)
-- with unit_id every poll_ms; 'mqtt' and 'http' devices push.
CREATE TABLE monitor_device (
	id            INTEGER PRIMARY KEY,
	enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
	name          TEXT NOT NULL,
	protocol      TEXT NOT NULL CHECK (protocol IN ('mqtt', 'http', 'modbus')),
	host          TEXT,
	port          INTEGER CHECK (port IS NULL OR port BETWEEN 1 AND 65535),
	unit_id       INTEGER CHECK (unit_id IS NULL OR unit_id BETWEEN 0 AND 247),
	poll_ms       INTEGER CHECK (poll_ms IS NULL OR poll_ms >= 100),
	active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL,
	UNIQUE (enterprise_id, name)
);

-- A monitoring point (监测点位). kind and the set points follow src/monitor/alarm.h; NULL set
-- point = disabled. tag is unique within the enterprise and is what payloads name.
-- setpoint_source: 'default' (GB/T 50493-2019 defaults from gas.c), 'override' (changed
-- from the defaults, with a setpoint_change row giving who and why), 'manual' (a kind that
-- has no default: level, temperature, pressure, flow).
-- reg_*: the Modbus register map of a point on a 'modbus' device: value = raw x reg_scale +
-- reg_offset.
CREATE TABLE monitor_point (
	id               INTEGER PRIMARY KEY,
	enterprise_id    INTEGER NOT NULL REFERENCES enterprise(id),
	device_id        INTEGER REFERENCES monitor_device(id),
	installation_id  INTEGER REFERENCES mhi_installation(id),
	tag              TEXT NOT NULL,
	name             TEXT NOT NULL,
	kind             TEXT NOT NULL CHECK (kind IN ('combustible', 'toxic', 'oxygen', 'level',
				'temperature', 'pressure', 'flow')),
	gas              TEXT,
	unit             TEXT NOT NULL,
	range_lo         REAL NOT NULL,
	range_hi         REAL NOT NULL,
	high1            REAL,
	high2            REAL,
	low1             REAL,
	low2             REAL,
	deadband         REAL NOT NULL DEFAULT 0,
	on_delay_ms      INTEGER NOT NULL DEFAULT 0 CHECK (on_delay_ms >= 0),
	off_delay_ms     INTEGER NOT NULL DEFAULT 0 CHECK (off_delay_ms >= 0),
	comms_timeout_ms INTEGER NOT NULL DEFAULT 0 CHECK (comms_timeout_ms >= 0),
	setpoint_source  TEXT NOT NULL DEFAULT 'manual'
				CHECK (setpoint_source IN ('default', 'override', 'manual')),
	reg_kind         TEXT CHECK (reg_kind IS NULL OR reg_kind IN ('holding', 'input')),
	reg_addr         INTEGER CHECK (reg_addr IS NULL OR reg_addr BETWEEN 0 AND 65535),
	reg_type         TEXT CHECK (reg_type IS NULL OR reg_type IN ('u16', 'i16', 'u32', 'i32',
				'f32')),
	reg_scale        REAL NOT NULL DEFAULT 1,
	reg_offset       REAL NOT NULL DEFAULT 0,
	lon              REAL,
	lat              REAL,
	active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_ms       INTEGER NOT NULL,
	updated_ms       INTEGER NOT NULL,
	UNIQUE (enterprise_id, tag)
);
CREATE INDEX monitor_point_device ON monitor_point (device_id);
CREATE INDEX monitor_point_installation ON monitor_point (installation_id);

-- Every change of a point's alarm configuration: who, when, why, before and after (JSON
-- objects of the changed fields). Append-only.
CREATE TABLE setpoint_change (
	id         INTEGER PRIMARY KEY,
	point_id   INTEGER NOT NULL REFERENCES monitor_point(id),
	user_id    INTEGER REFERENCES app_user(id),
	reason     TEXT NOT NULL,
	before     TEXT NOT NULL,
	after      TEXT NOT NULL,
	changed_ms INTEGER NOT NULL
);
CREATE INDEX setpoint_change_point ON setpoint_change (point_id, changed_ms);

-- The sequence of events (issue 6 §4): every alarm transition, append-only. Order: source_ms,
-- then seq (arrival sequence of the readings store), then sub, then point_id. cause
-- 'reading' (sub 0), 'tick' (comms loss, shelve expiry) or 'action' (an operator's: sub 1..
-- after the reading seq current at the time). States and conditions are the values of enum
-- alarm_state / enum alarm_cond (src/monitor/alarm.h). (point_id, seq, sub) makes a replay
-- after a crash idempotent (INSERT OR IGNORE).
CREATE TABLE soe (
	id              INTEGER PRIMARY KEY,
	point_id        INTEGER NOT NULL,
	enterprise_id   INTEGER NOT NULL,
	source_ms       INTEGER NOT NULL,
	seq             INTEGER NOT NULL,
	sub             INTEGER NOT NULL DEFAULT 0,
	value           REAL,
	from_state      INTEGER NOT NULL,
	to_state        INTEGER NOT NULL,
	from_cond       INTEGER NOT NULL,
	to_cond         INTEGER NOT NULL,
	cause           TEXT NOT NULL CHECK (cause IN ('reading', 'tick', 'action')),
	action          TEXT,
	until_ms        INTEGER,
	user_id         INTEGER,
	comment         TEXT,
	recorded_ms     INTEGER NOT NULL,
	UNIQUE (point_id, seq, sub)
);
CREATE INDEX soe_order ON soe (source_ms, seq, sub, point_id);
CREATE INDEX soe_enterprise ON soe (enterprise_id, source_ms);
CREATE TRIGGER soe_no_update BEFORE UPDATE ON soe
BEGIN
	SELECT RAISE(ABORT, 'soe is append-only');
END;
CREATE TRIGGER soe_no_delete BEFORE DELETE ON soe
BEGIN
	SELECT RAISE(ABORT, 'soe is append-only');
END;

-- An alarm turned into a hidden hazard by an operator (one hazard per SOE row).
CREATE TABLE alarm_hazard (
	soe_id     INTEGER PRIMARY KEY REFERENCES soe(id),
	point_id   INTEGER NOT NULL,
	hazard_id  INTEGER NOT NULL REFERENCES hazard(id),
	user_id    INTEGER,
	created_ms INTEGER NOT NULL
);
CREATE INDEX alarm_hazard_point ON alarm_hazard (point_id);
