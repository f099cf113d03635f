-- Machine accounts (see 0003_machine_accounts.sqlite.sql).
ALTER TABLE app_user ADD COLUMN machine BIGINT NOT NULL DEFAULT 0;
