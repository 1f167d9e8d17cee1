-- Recoup on PostgreSQL, migration 3: what recoup-store's SQLite schema versions 2 and 3 add to
-- an account's ledger: the outputs the endpoint keeps, with what their inspection found, and the
-- events told to the product's backend (its webhooks), with each receiver's cursor.

-- An output's description and findings, written in its capture's transaction. Not in the
-- change feed (devices never fill it).
CREATE TABLE outputs (
    account_id    uuid   NOT NULL,
    generation_id uuid   NOT NULL,
    media_type    text   NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    sha256        text   NOT NULL CHECK (length(sha256) = 64),
    file_name     text   NOT NULL,
    findings      jsonb  NOT NULL,
    stored_at     bigint NOT NULL,
    PRIMARY KEY (account_id, generation_id),
    FOREIGN KEY (account_id, generation_id) REFERENCES generations (account_id, generation_id)
);

-- The output's bytes, apart from its description so that listings never read them (see
-- docs/postgres.md: in the database, so any instance serves any output and a backup has them).
CREATE TABLE output_bodies (
    account_id    uuid  NOT NULL,
    generation_id uuid  NOT NULL,
    body          bytea NOT NULL,
    PRIMARY KEY (account_id, generation_id),
    FOREIGN KEY (account_id, generation_id) REFERENCES outputs (account_id, generation_id)
);
-- Images and videos arrive compressed (PNG, JPEG, GIF, MP4, WebM): stored out of line without
-- PostgreSQL's compression attempt, which would only cost CPU.
ALTER TABLE output_bodies ALTER COLUMN body SET STORAGE EXTERNAL;

-- The webhook outbox. Append-only (updates refused); filled by the triggers below in the
-- transaction of the event's cause, only for an account whose meta `events` is `on`.
CREATE TABLE events (
    account_id    uuid   NOT NULL REFERENCES accounts (account_id),
    seq           bigint NOT NULL,
    event_id      uuid   NOT NULL DEFAULT gen_random_uuid(),
    type          text   NOT NULL
                  CHECK (type IN ('claim.decided', 'refund.posted', 'generation.voided', 'balance.low')),
    at            bigint NOT NULL,
    generation_id uuid,
    claim_id      uuid,
    data          jsonb  NOT NULL,
    PRIMARY KEY (account_id, seq),
    UNIQUE (account_id, event_id)
);
CREATE TRIGGER events_seq BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq();
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION recoup_refuse_change('events are append-only');

CREATE TABLE event_cursors (
    account_id      uuid   NOT NULL REFERENCES accounts (account_id),
    consumer        uuid   NOT NULL,
    after_seq       bigint NOT NULL CHECK (after_seq >= 0),
    attempts        bigint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    failing_since   bigint,
    next_attempt_at bigint,
    last_error      text,
    PRIMARY KEY (account_id, consumer)
);

-- Whether the account's ledger tells events (meta `events` = `on`).
CREATE FUNCTION recoup_events_on(account uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM meta WHERE account_id = account AND key = 'events' AND value = 'on')
$$;

CREATE FUNCTION recoup_event_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.outcome IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.outcome IS DISTINCT FROM OLD.outcome)
       AND recoup_events_on(NEW.account_id) THEN
        INSERT INTO events (account_id, type, at, generation_id, claim_id, data)
        VALUES (NEW.account_id, 'claim.decided', COALESCE(NEW.decided_at, NEW.submitted_at),
                NEW.generation_id, NEW.claim_id,
                jsonb_build_object('outcome', NEW.outcome, 'code', NEW.outcome_code,
                                   'refunded_credits', NEW.refunded_credits, 'reason', NEW.reason));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_claim_insert AFTER INSERT ON claims
    FOR EACH ROW EXECUTE FUNCTION recoup_event_claim();
CREATE TRIGGER events_claim_update AFTER UPDATE OF outcome ON claims
    FOR EACH ROW EXECUTE FUNCTION recoup_event_claim();

CREATE FUNCTION recoup_event_refund() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF recoup_events_on(NEW.account_id) THEN
        INSERT INTO events (account_id, type, at, generation_id, claim_id, data)
        VALUES (NEW.account_id, 'refund.posted', NEW.at, NEW.generation_id, NEW.claim_id,
                jsonb_build_object('credits', NEW.credits));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_refund AFTER INSERT ON refunds
    FOR EACH ROW EXECUTE FUNCTION recoup_event_refund();

CREATE FUNCTION recoup_event_generation_voided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'running' AND NEW.status = 'failed' AND recoup_events_on(NEW.account_id) THEN
        INSERT INTO events (account_id, type, at, generation_id, data)
        VALUES (NEW.account_id, 'generation.voided', COALESCE(NEW.finished_at, NEW.started_at),
                NEW.generation_id,
                jsonb_build_object('failure', NEW.failure, 'released_credits', NEW.cost,
                                   'feature', NEW.feature, 'platform', NEW.platform));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_generation_voided AFTER UPDATE OF status ON generations
    FOR EACH ROW EXECUTE FUNCTION recoup_event_generation_voided();

-- The available balance falling below the account's threshold (its own, or the endpoint's
-- default): once per crossing. A hold or an expiry lowers it; the grant's projection has
-- already moved when its entry is appended.
CREATE FUNCTION recoup_event_balance_low() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    after_credits bigint;
    threshold     bigint;
BEGIN
    IF NOT recoup_events_on(NEW.account_id) THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(
        (SELECT value FROM meta WHERE account_id = NEW.account_id AND key = 'events.balance_low'),
        (SELECT value FROM meta WHERE account_id = NEW.account_id AND key = 'events.balance_low_default'))::bigint
    INTO threshold;
    IF threshold IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(sum(available), 0) INTO after_credits FROM grant_balances WHERE account_id = NEW.account_id;
    IF after_credits < threshold AND after_credits + NEW.credits >= threshold THEN
        INSERT INTO events (account_id, type, at, data)
        VALUES (NEW.account_id, 'balance.low', NEW.at,
                jsonb_build_object('available', after_credits, 'threshold', threshold));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_balance_low AFTER INSERT ON ledger_entries
    FOR EACH ROW WHEN (NEW.kind IN ('hold', 'expire')) EXECUTE FUNCTION recoup_event_balance_low();
