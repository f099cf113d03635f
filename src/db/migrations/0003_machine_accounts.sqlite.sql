-- Machine accounts: clients (gateways, scrapers) that use API tokens and never log in with a
-- password. Their password_hash is '!', which no password matches.
ALTER TABLE app_user ADD COLUMN machine INTEGER NOT NULL DEFAULT 0;
