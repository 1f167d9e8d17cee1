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

-- The review queue's filter columns, copied from the claim and its generation when the claim is
-- queued (ledger/writes.rs), so that the console lists, filters and counts the queue from this
-- table alone: joined with the claims and generations, a first page of 100,000 items took 0.4 s
-- (docs/benchmarks.md, section 7). The rows queued before are filled here.
ALTER TABLE reviews
    ADD COLUMN generation_id uuid,
    ADD COLUMN feature       text,
    ADD COLUMN platform      text,
    ADD COLUMN reason        text,
    ADD COLUMN credits       bigint,
    ADD COLUMN submitted_at  bigint;
UPDATE reviews r SET generation_id = c.generation_id, feature = g.feature, platform = g.platform,
        reason = c.reason, credits = g.charged, submitted_at = c.submitted_at
    FROM claims c
    JOIN generations g ON g.account_id = c.account_id AND g.generation_id = c.generation_id
    WHERE c.account_id = r.account_id AND c.claim_id = r.claim_id;

-- The review queue paged in a stable order (queued_at, then the key), and by each filter.
CREATE INDEX reviews_page ON reviews (queued_at, account_id, claim_id);
CREATE INDEX reviews_feature ON reviews (feature, queued_at);
CREATE INDEX reviews_platform ON reviews (platform, queued_at);
CREATE INDEX reviews_reason ON reviews (reason, queued_at);
