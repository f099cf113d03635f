-- Hidden hazards, PostgreSQL dialect (see 0008_hazard.sqlite.sql for the comments).
-- hazards and their timeline, photos by content hash, notifications, listed supervision
-- (挂牌督办), the accountability list (追责问责清单) and the blacklist (黑名单), and the
-- daily overdue snapshot per grid the warnings compare against.
--
-- Dates that are calendar dates (deadlines) are local UTC+8 'YYYY-MM-DD' text, which
-- sorts like the dates; instants are UTC milliseconds. The deadline state (on time, due
-- soon, overdue, overdue_30) is computed when read, never stored.

-- Criteria for major accident hazards (重大事故隐患判定标准), loaded from data/hazard/ at
-- start-up: one row per numbered item of a set; which GB/T 4754 industries a set applies to.
CREATE TABLE hazard_criterion (
	id         BIGSERIAL PRIMARY KEY,
	set_code   TEXT NOT NULL,               -- e.g. chem_2017
	doc        TEXT NOT NULL,               -- e.g. 安监总管三〔2017〕121号
	item       BIGINT NOT NULL CHECK (item > 0),
	topic_zh   TEXT NOT NULL,
	topic_en   TEXT NOT NULL DEFAULT '',
	UNIQUE (set_code, item)
);
CREATE TABLE hazard_criterion_industry (
	set_code        TEXT NOT NULL,
	industry_prefix TEXT NOT NULL,          -- GB/T 4754 code prefix ('26', '2661', 'F51')
	PRIMARY KEY (set_code, industry_prefix)
);

-- A hidden hazard. region_code, grid_id and industry_code are the enterprise's, copied on
-- report and kept in step by the trigger below, so that scope filters and statistics
-- over a million hazards are single-index scans.
CREATE TABLE hazard (
	id                 BIGSERIAL PRIMARY KEY, -- never reused: audit records name it
	number             TEXT NOT NULL UNIQUE,              -- YH-<region>-<year>-<seq>
	client_ref         TEXT UNIQUE,                       -- the reporting client's id: retries are idempotent
	enterprise_id      BIGINT NOT NULL REFERENCES enterprise(id),
	region_code        TEXT NOT NULL,
	grid_id            BIGINT,
	industry_code      TEXT NOT NULL,
	source             TEXT NOT NULL CHECK (source IN ('self_check', 'grid_patrol', 'tipoff',
	                       'enforcement', 'leader_inspection')),
	reporter_id        BIGINT REFERENCES app_user(id),
	found_ms           BIGINT NOT NULL,
	location           TEXT NOT NULL DEFAULT '',          -- where in the enterprise
	lat                DOUBLE PRECISION,                              -- where reported, CGCS2000
	lon                DOUBLE PRECISION,
	category           TEXT NOT NULL CHECK (category IN ('management', 'site')),
	subcategory        TEXT NOT NULL DEFAULT '',
	level              TEXT NOT NULL CHECK (level IN ('general', 'major')),
	criterion_id       BIGINT REFERENCES hazard_criterion(id),
	criterion_text     TEXT NOT NULL DEFAULT '',           -- the criterion in words when no loaded set covers the industry
	description        TEXT NOT NULL CHECK (description <> ''),
	state              TEXT NOT NULL CHECK (state IN ('reported', 'confirmed', 'dismissed',
	                       'rectifying', 'submitted', 'closed')),
	measures           TEXT,                              -- the plan (整改方案)
	responsible        TEXT,
	funds_yuan         BIGINT,
	emergency          TEXT,
	deadline           TEXT CHECK (deadline IS NULL OR length(deadline) = 10),
	extension_pending  BIGINT NOT NULL DEFAULT 0 CHECK (extension_pending IN (0, 1)),
	pending_deadline   TEXT,
	extension_requests BIGINT NOT NULL DEFAULT 0,
	rectifier_id       BIGINT REFERENCES app_user(id),
	verifier_id        BIGINT REFERENCES app_user(id),
	send_backs         BIGINT NOT NULL DEFAULT 0,
	closed_ms          BIGINT,
	created_ms         BIGINT NOT NULL,
	updated_ms         BIGINT NOT NULL,
	CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX hazard_region_state ON hazard(region_code, state, deadline);
CREATE INDEX hazard_grid_state ON hazard(grid_id, state, deadline);
CREATE INDEX hazard_enterprise_state ON hazard(enterprise_id, state);
CREATE INDEX hazard_state_deadline ON hazard(state, deadline);
CREATE INDEX hazard_created ON hazard(created_ms);

CREATE FUNCTION hazard_follow_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE hazard SET region_code = NEW.region_code, grid_id = NEW.grid_id,
		industry_code = NEW.industry_code WHERE enterprise_id = NEW.id;
	RETURN NEW;
END $$;
CREATE TRIGGER hazard_follow_enterprise AFTER UPDATE OF region_code, grid_id, industry_code
	ON enterprise FOR EACH ROW EXECUTE FUNCTION hazard_follow_enterprise();

-- The next sequence number of hazard numbers per (region, year).
CREATE TABLE hazard_seq (
	region_code TEXT NOT NULL,
	year        BIGINT NOT NULL,
	last        BIGINT NOT NULL,
	PRIMARY KEY (region_code, year)
);

-- The timeline: one row per report, transition, escalation or list event, written in the
-- same transaction as the change and its audit record.
CREATE TABLE hazard_event (
	id          BIGSERIAL PRIMARY KEY,
	hazard_id   BIGINT NOT NULL REFERENCES hazard(id),
	at_ms       BIGINT NOT NULL,
	actor_id    BIGINT REFERENCES app_user(id),     -- NULL = the system (scheduler)
	actor_login TEXT NOT NULL,
	action      TEXT NOT NULL,       -- report, confirm, ..., overdue, supervision_proposed, ...
	from_state  TEXT,
	to_state    TEXT,
	reason      TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT '{}',          -- JSON object
	audit_id    BIGINT REFERENCES audit_log(id)
);
CREATE INDEX hazard_event_hazard ON hazard_event(hazard_id, id);

-- Photos by content: the file is var/photos/<aa>/<sha256> (and a thumbnail beside it).
CREATE TABLE photo (
	sha256       TEXT PRIMARY KEY CHECK (length(sha256) = 64),
	mime         TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
	bytes        BIGINT NOT NULL,
	width        BIGINT NOT NULL,
	height       BIGINT NOT NULL,
	has_location BIGINT NOT NULL DEFAULT 0,          -- the original carries GPS metadata
	uploader_id  BIGINT REFERENCES app_user(id),
	created_ms   BIGINT NOT NULL
);
CREATE TABLE hazard_photo (
	hazard_id  BIGINT NOT NULL REFERENCES hazard(id),
	sha256     TEXT NOT NULL REFERENCES photo(sha256),
	stage      TEXT NOT NULL CHECK (stage IN ('before', 'after')),
	event_id   BIGINT REFERENCES hazard_event(id),
	created_ms BIGINT NOT NULL,
	PRIMARY KEY (hazard_id, stage, sha256)
);
CREATE INDEX hazard_photo_sha ON hazard_photo(sha256);

-- Stored notifications (in-app list, unread count; other channels read them later).
-- dedup_key makes every scheduler pass idempotent: INSERT ... ON CONFLICT DO NOTHING.
CREATE TABLE notification (
	id         BIGSERIAL PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,        -- hazard.overdue, hazard.overdue_30, hazard.supervision_proposed ...
	entity     TEXT NOT NULL,        -- hazard
	entity_id  BIGINT NOT NULL,
	dedup_key  TEXT NOT NULL,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL DEFAULT '',
	created_ms BIGINT NOT NULL,
	read_ms    BIGINT,
	UNIQUE (user_id, dedup_key)
);
CREATE INDEX notification_user ON notification(user_id, read_ms, id);

-- Listed supervision (挂牌督办): proposed by the scheduler for an overdue major hazard
-- or a hazard overdue more than 30 days, listed by a leader, lifted when closed.
CREATE TABLE hazard_supervision (
	id          BIGSERIAL PRIMARY KEY,
	hazard_id   BIGINT NOT NULL UNIQUE REFERENCES hazard(id),
	state       TEXT NOT NULL CHECK (state IN ('proposed', 'listed', 'declined', 'lifted')),
	reason      TEXT NOT NULL CHECK (reason IN ('overdue_major', 'overdue_30', 'manual')),
	proposed_ms BIGINT NOT NULL,
	leader_id   BIGINT REFERENCES app_user(id),
	deadline    TEXT,                -- the supervision deadline (local date)
	listed_ms   BIGINT,
	lifted_ms   BIGINT,
	progress    TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hazard_supervision_state ON hazard_supervision(state, proposed_ms);

-- Accountability list (追责问责清单): an overdue or falsely closed hazard and the people
-- responsible, one row per (hazard, kind).
CREATE TABLE hazard_accountability (
	id             BIGSERIAL PRIMARY KEY,
	hazard_id      BIGINT NOT NULL REFERENCES hazard(id),
	kind           TEXT NOT NULL CHECK (kind IN ('overdue', 'overdue_30', 'false_closure')),
	recorded_ms    BIGINT NOT NULL,
	responsible    TEXT NOT NULL DEFAULT '',   -- the plan's responsible person
	rectifier_id   BIGINT REFERENCES app_user(id),
	verifier_id    BIGINT REFERENCES app_user(id),
	note           TEXT NOT NULL DEFAULT '',
	UNIQUE (hazard_id, kind)
);

-- Blacklist (黑名单) of enterprises meeting a documented rule (docs/hazard.md).
CREATE TABLE enterprise_blacklist (
	id             BIGSERIAL PRIMARY KEY,
	enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
	rule           TEXT NOT NULL,            -- rule code in docs/hazard.md
	hazard_id      BIGINT REFERENCES hazard(id),
	state          TEXT NOT NULL CHECK (state IN ('proposed', 'listed', 'rejected', 'removed')),
	reason         TEXT NOT NULL,
	proposed_ms    BIGINT NOT NULL,
	entered_ms     BIGINT,                  -- listed
	entered_by     BIGINT REFERENCES app_user(id),
	review_due     TEXT,                     -- local date of the next review
	reviewed_ms    BIGINT,
	review_note    TEXT NOT NULL DEFAULT '',
	removed_ms     BIGINT,
	removed_by     BIGINT REFERENCES app_user(id),
	removal_reason TEXT NOT NULL DEFAULT '',
	UNIQUE (enterprise_id, rule, hazard_id)
);
CREATE INDEX enterprise_blacklist_state ON enterprise_blacklist(state, enterprise_id);

-- The overdue count per grid at each local day, written by the scheduler; a grid's
-- warning compares today with the day before.
CREATE TABLE hazard_grid_daily (
	day      TEXT NOT NULL,
	grid_id  BIGINT NOT NULL,
	overdue  BIGINT NOT NULL,
	PRIMARY KEY (day, grid_id)
);
