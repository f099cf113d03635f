-- Licences, named supervision and change history (see 0005_licence_supervision.sqlite.sql).
CREATE TABLE licence (
	id            BIGSERIAL PRIMARY KEY,
	enterprise_id BIGINT NOT NULL REFERENCES enterprise(id) ON DELETE CASCADE,
	type          TEXT NOT NULL CHECK (type IN ('safety_production', 'hazchem_business',
	                  'hazchem_use', 'fireworks_business', 'mining', 'other')),
	number        TEXT NOT NULL CHECK (number <> ''),
	issuer        TEXT NOT NULL DEFAULT '',
	valid_from    TEXT NOT NULL CHECK (length(valid_from) = 10),
	valid_until   TEXT NOT NULL CHECK (length(valid_until) = 10 AND valid_from <= valid_until),
	created_ms    BIGINT NOT NULL,
	updated_ms    BIGINT NOT NULL,
	UNIQUE (enterprise_id, type, number)
);
CREATE INDEX licence_enterprise_until ON licence(enterprise_id, valid_until);
CREATE INDEX licence_until ON licence(valid_until);

ALTER TABLE enterprise ADD COLUMN supervising_dept_id BIGINT REFERENCES dept(id);
ALTER TABLE enterprise ADD COLUMN supervisor_id BIGINT REFERENCES app_user(id);
CREATE INDEX enterprise_supervising_dept ON enterprise(supervising_dept_id);
CREATE INDEX enterprise_supervisor ON enterprise(supervisor_id);

CREATE TABLE enterprise_history (
	audit_id      BIGINT PRIMARY KEY REFERENCES audit_log(id),
	enterprise_id BIGINT NOT NULL REFERENCES enterprise(id) ON DELETE CASCADE
);
CREATE INDEX enterprise_history_enterprise ON enterprise_history(enterprise_id, audit_id);

INSERT INTO enterprise_history (audit_id, enterprise_id)
SELECT audit_log.id, enterprise.id FROM audit_log JOIN enterprise
	ON audit_log.entity = 'enterprise' AND audit_log.entity_id = CAST(enterprise.id AS TEXT)
WHERE audit_log.id > COALESCE((SELECT MAX(d.id) FROM audit_log d WHERE d.entity = 'enterprise'
	AND d.action = 'enterprise.delete' AND d.entity_id = audit_log.entity_id), 0);
