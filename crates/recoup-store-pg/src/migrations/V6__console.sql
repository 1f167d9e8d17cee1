-- Recoup on PostgreSQL, migration 6: the operator console.
--
-- lookup: console sessions, keyed by the SHA-256 of the session id (the cookie); the id itself
-- is never stored. A session belongs to the admin credential it was opened with (revoking the
-- credential ends it: the lookup joins `admin_credentials`).
CREATE TABLE console_sessions (
    session_hash    bytea  PRIMARY KEY CHECK (octet_length(session_hash) = 32),
    credential_hash bytea  NOT NULL CHECK (octet_length(credential_hash) = 32),
    actor           text   NOT NULL,
    csrf_token      text   NOT NULL,
    created_at      bigint NOT NULL,
    expires_at      bigint NOT NULL,
    last_seen_at    bigint NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- Who decided a review: the audit log searched by target.
CREATE INDEX audit_target ON audit (target, action);

-- The review queue paged in a stable order (queued_at, then the key).
CREATE INDEX reviews_page ON reviews (queued_at, account_id, claim_id);
