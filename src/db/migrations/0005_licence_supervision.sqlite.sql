-- Licences, named supervision and change history of the enterprise file (issue 3).
--
-- licence: the work-safety licences an enterprise holds. Dates are local (UTC+8) calendar
-- dates as 'YYYY-MM-DD' text, which sorts like the dates; the warning state is computed
-- when read, never stored. A licence goes with its enterprise (ON DELETE CASCADE: the
-- enterprise.delete audit record lists them).
CREATE TABLE licence (
	id            INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: audit records name it
	enterprise_id INTEGER NOT NULL REFERENCES enterprise(id) ON DELETE CASCADE,
	type          TEXT NOT NULL CHECK (type IN ('safety_production', 'hazchem_business',
	                  'hazchem_use', 'fireworks_business', 'mining', 'other')),
	number        TEXT NOT NULL CHECK (number <> ''),
	issuer        TEXT NOT NULL DEFAULT '',
	valid_from    TEXT NOT NULL CHECK (length(valid_from) = 10),
	valid_until   TEXT NOT NULL CHECK (length(valid_until) = 10 AND valid_from <= valid_until),
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL,
	UNIQUE (enterprise_id, type, number)
);
-- The worst state of an enterprise is the state of its earliest valid_until.
CREATE INDEX licence_enterprise_until ON licence(enterprise_id, valid_until);
CREATE INDEX licence_until ON licence(valid_until);

-- Named supervision (挂牌责任制): the supervising department and the named inspector.
-- A department or user named here cannot be deleted (the foreign key answers 409).
ALTER TABLE enterprise ADD COLUMN supervising_dept_id INTEGER REFERENCES dept(id);
ALTER TABLE enterprise ADD COLUMN supervisor_id INTEGER REFERENCES app_user(id);
CREATE INDEX enterprise_supervising_dept ON enterprise(supervising_dept_id);
CREATE INDEX enterprise_supervisor ON enterprise(supervisor_id);

-- Which audit records belong to the history of which enterprise: its own records and
-- those of its licences (kept after a licence is deleted). Written in the same
-- transaction as the audit record; the record itself stays in the hash-chained log.
CREATE TABLE enterprise_history (
	audit_id      INTEGER PRIMARY KEY REFERENCES audit_log(id),
	enterprise_id INTEGER NOT NULL REFERENCES enterprise(id) ON DELETE CASCADE
);
CREATE INDEX enterprise_history_enterprise ON enterprise_history(enterprise_id, audit_id);

-- The records written before this step: those of each existing enterprise since its id
-- was last deleted (SQLite may give a deleted enterprise's id to a new one).
INSERT INTO enterprise_history (audit_id, enterprise_id)
SELECT audit_log.id, enterprise.id FROM audit_log JOIN enterprise
	ON audit_log.entity = 'enterprise' AND audit_log.entity_id = CAST(enterprise.id AS TEXT)
WHERE audit_log.id > COALESCE((SELECT MAX(d.id) FROM audit_log d WHERE d.entity = 'enterprise'
	AND d.action = 'enterprise.delete' AND d.entity_id = audit_log.entity_id), 0);
