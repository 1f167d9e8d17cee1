-- Recoup on PostgreSQL, migration 1: the registry (who may call, what is published, what waits
-- for an operator). Every time is bigint Unix milliseconds UTC, as in the SQLite engine.
--
-- Three kinds of table, and every table is one of them (the test `every_table_has_a_declared_kind`
-- keeps it so):
--   per account  the primary key starts with account_id; distributed by account_id.
--   global       endpoint-wide, small, rarely written; a reference table when distributed.
--   lookup       maps a key that arrives without its account (a token's hash, a sign-in
--                subject, a provider's generation id) to the account; keyed by that key.

-- per account. `ledger_tx` numbers the account's write transactions for the change feed; it is
-- bumped by recoup_lock_account (migration 2), which every ledger write starts with.
CREATE TABLE accounts (
    account_id      uuid   PRIMARY KEY,
    created_at      bigint NOT NULL,
    clock_offset_ms bigint NOT NULL DEFAULT 0,
    subject         text,
    disabled_at     bigint,
    ledger_tx       bigint NOT NULL DEFAULT 0 CHECK (ledger_tx >= 0)
);

-- lookup: a sign-in subject is one account's (the unique index SQLite has on accounts.subject;
-- a distributed table may only be unique on its distribution column, hence a table of its own,
-- written in the transaction that sets accounts.subject).
CREATE TABLE account_subjects (
    subject    text PRIMARY KEY,
    account_id uuid NOT NULL
);

-- per account: an account's API tokens, only their SHA-256 kept.
CREATE TABLE tokens (
    account_id uuid   NOT NULL REFERENCES accounts (account_id),
    token_id   uuid   NOT NULL,
    prefix     text   NOT NULL,
    hash       bytea  NOT NULL CHECK (octet_length(hash) = 32),
    label      text   NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    expires_at bigint,
    revoked_at bigint,
    PRIMARY KEY (account_id, token_id)
);

-- lookup: which account a presented token belongs to (one index probe per request).
CREATE TABLE token_hashes (
    hash       bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    account_id uuid  NOT NULL,
    token_id   uuid  NOT NULL
);

-- global: named admin credentials are the endpoint's, not an account's.
CREATE TABLE admin_credentials (
    name       text   PRIMARY KEY,
    hash       bytea  NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
    created_at bigint NOT NULL,
    revoked_at bigint
);

-- global: who did what on the endpoint, append-only (the triggers below refuse the rest).
CREATE TABLE audit (
    seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     bigint NOT NULL,
    actor  text   NOT NULL,
    action text   NOT NULL,
    target text   NOT NULL,
    detail jsonb  NOT NULL
);

-- The one "append-only" refusal every append-only table raises, with its own SQLSTATE (RC001)
-- so the engine can name it without matching text.
CREATE FUNCTION recoup_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'RC001', TABLE = TG_TABLE_NAME,
        MESSAGE = TG_ARGV[0] || ' (' || TG_OP || ' refused)';
END $$;

CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION recoup_refuse_change('the audit log is append-only');
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION recoup_refuse_change('the audit log is append-only');

-- global: published policies. The document is text, not jsonb: it is signed as published, and
-- jsonb would reorder its keys.
CREATE TABLE policies (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version      text   NOT NULL UNIQUE,
    document     text   NOT NULL,
    published_at bigint NOT NULL
);

-- per account: claims waiting for an operator's decision.
CREATE TABLE reviews (
    account_id uuid   NOT NULL REFERENCES accounts (account_id),
    claim_id   uuid   NOT NULL,
    queued_at  bigint NOT NULL,
    PRIMARY KEY (account_id, claim_id)
);
CREATE INDEX reviews_queued ON reviews (queued_at);

-- global: the generation service's keys.
CREATE TABLE providers (
    provider_id uuid   PRIMARY KEY,
    name        text   NOT NULL,
    key_hash    bytea  NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_at  bigint NOT NULL,
    revoked_at  bigint
);

-- lookup: a provider's later calls name the generation only.
CREATE TABLE provider_generations (
    generation_id uuid   PRIMARY KEY,
    account_id    uuid   NOT NULL,
    provider_id   uuid   NOT NULL REFERENCES providers (provider_id),
    started_at    bigint NOT NULL
);

-- global: webhook receivers. The secret is kept as given: the endpoint signs with it.
CREATE TABLE webhooks (
    webhook_id uuid   PRIMARY KEY,
    url        text   NOT NULL,
    events     text[] NOT NULL,
    secret     text   NOT NULL,
    created_at bigint NOT NULL,
    removed_at bigint
);

-- per account: deliveries given up on. The body is text: it is the signed JSON as it would have
-- been delivered, byte for byte.
CREATE TABLE webhook_failures (
    account_id uuid   NOT NULL REFERENCES accounts (account_id),
    webhook_id uuid   NOT NULL REFERENCES webhooks (webhook_id),
    event_id   uuid   NOT NULL,
    event_type text   NOT NULL,
    body       text   NOT NULL,
    attempts   bigint NOT NULL CHECK (attempts >= 0),
    last_error text   NOT NULL,
    failed_at  bigint NOT NULL,
    PRIMARY KEY (account_id, webhook_id, event_id)
);
CREATE INDEX webhook_failures_at ON webhook_failures (webhook_id, failed_at);
