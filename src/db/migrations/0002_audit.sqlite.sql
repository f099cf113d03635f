-- Tamper-evident audit log: each row holds SM3(previous hash || canonical
-- record). Rows are only ever appended; the triggers refuse changes so that
-- only someone editing the file directly can alter history, and
-- `anjian audit verify` finds that.
CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY,
	at_ms       INTEGER NOT NULL,
	actor_id    INTEGER,                    -- NULL for the system or the CLI
	actor_login TEXT NOT NULL,
	ip          TEXT NOT NULL,
	action      TEXT NOT NULL,              -- e.g. login.ok, login.fail, user.create
	entity      TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	summary     TEXT NOT NULL,              -- JSON object describing the change
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_actor ON audit_log(actor_id);
CREATE INDEX audit_at ON audit_log(at_ms);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
