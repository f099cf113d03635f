-- Tamper-evident audit log (see 0002_audit.sqlite.sql).
CREATE TABLE audit_log (
	id          BIGINT PRIMARY KEY,
	at_ms       BIGINT NOT NULL,
	actor_id    BIGINT,
	actor_login TEXT NOT NULL,
	ip          TEXT NOT NULL,
	action      TEXT NOT NULL,
	entity      TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	summary     TEXT NOT NULL,
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_actor ON audit_log(actor_id);
CREATE INDEX audit_at ON audit_log(at_ms);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
