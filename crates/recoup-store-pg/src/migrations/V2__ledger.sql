-- Recoup on PostgreSQL, migration 2: each account's ledger, the tables of recoup-store's SQLite
-- schema version 1, keyed by account first. The guarantees the SQLite store keeps in its file
-- are kept here by the database itself: constraints, and the PL/pgSQL triggers below.
--
-- Per-account serialisation: every write transaction on an account's ledger starts with
-- `SELECT recoup_lock_account(account)` (Rust: `lock_account`), which takes the account row
-- FOR UPDATE, numbers the transaction, and marks the transaction as holding that account. The
-- triggers that number rows (seq) refuse a write without it, so no code path can write a ledger
-- row unserialised, and "max + 1 under the lock" numbers rows in commit order.

-- Locks an account for this transaction and returns its transaction number (NULL: no such
-- account). Locking the same account again in one transaction returns the same number; locking a
-- second account is refused (RC003): one account per transaction, so two transactions can never
-- wait on each other's accounts.
CREATE FUNCTION recoup_lock_account(account uuid) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    held text := NULLIF(current_setting('recoup.locked_account', true), '');
    tx   bigint;
BEGIN
    IF held IS NOT NULL THEN
        IF held <> account::text THEN
            RAISE EXCEPTION USING ERRCODE = 'RC003',
                MESSAGE = format('this transaction already holds account %s; one account per transaction (asked for %s)', held, account);
        END IF;
        RETURN current_setting('recoup.ledger_tx')::bigint;
    END IF;
    PERFORM 1 FROM accounts WHERE account_id = account FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE accounts SET ledger_tx = ledger_tx + 1 WHERE account_id = account RETURNING ledger_tx INTO tx;
    PERFORM set_config('recoup.locked_account', account::text, true);
    PERFORM set_config('recoup.ledger_tx', tx::text, true);
    RETURN tx;
END $$;

-- The transaction number of `account`'s ledger write in progress; refuses (RC002) when this
-- transaction has not locked that account.
CREATE FUNCTION recoup_ledger_tx(account uuid) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF NULLIF(current_setting('recoup.locked_account', true), '') IS DISTINCT FROM account::text THEN
        RAISE EXCEPTION USING ERRCODE = 'RC002',
            MESSAGE = format('account %s is not locked by this transaction: a ledger write starts with recoup_lock_account', account);
    END IF;
    RETURN current_setting('recoup.ledger_tx')::bigint;
END $$;

-- Numbers a per-account log row (`seq` = the account's last + 1). Safe because the caller holds
-- the account's lock until commit: rows get their numbers in commit order, with no gaps, which is
-- what a reader paging "after seq N" needs (a sequence would hand out numbers in nextval order,
-- and a reader could pass a number whose row commits later).
CREATE FUNCTION recoup_next_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recoup_ledger_tx(NEW.account_id);
    EXECUTE format('SELECT COALESCE(max(seq), 0) + 1 FROM %I WHERE account_id = $1', TG_TABLE_NAME)
        INTO NEW.seq USING NEW.account_id;
    RETURN NEW;
END $$;

-- The policy and prices documents an account's ledger has activated (its rules in force).
CREATE TABLE documents (
    account_id   uuid   NOT NULL REFERENCES accounts (account_id),
    seq          bigint NOT NULL,
    kind         text   NOT NULL CHECK (kind IN ('policy', 'prices')),
    version      text   NOT NULL,
    body         text   NOT NULL,
    activated_at bigint NOT NULL,
    PRIMARY KEY (account_id, seq)
);
CREATE TRIGGER documents_seq BEFORE INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq();

-- Idempotency: every client-made operation id, the request it carried and the answer it got.
CREATE TABLE operations (
    account_id uuid   NOT NULL REFERENCES accounts (account_id),
    op_id      uuid   NOT NULL,
    kind       text   NOT NULL,
    request    jsonb  NOT NULL,
    result     jsonb  NOT NULL,
    at         bigint NOT NULL,
    PRIMARY KEY (account_id, op_id)
);

CREATE TABLE grants (
    account_id uuid   NOT NULL REFERENCES accounts (account_id),
    grant_id   uuid   NOT NULL,
    kind       text   NOT NULL CHECK (kind IN ('allowance', 'top_up', 'promotion', 'refund')),
    credits    bigint NOT NULL CHECK (credits > 0),
    priority   integer NOT NULL CHECK (priority BETWEEN 0 AND 100),
    granted_at bigint NOT NULL,
    expires_at bigint,
    note       text   NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, grant_id)
);

-- Projection of ledger_entries per grant, written in the transaction of the entries. No
-- balance below zero, ever: the checks refuse the write that would make one.
CREATE TABLE grant_balances (
    account_id uuid   NOT NULL,
    grant_id   uuid   NOT NULL,
    granted    bigint NOT NULL CHECK (granted >= 0),
    available  bigint NOT NULL CHECK (available >= 0),
    held       bigint NOT NULL CHECK (held >= 0),
    spent      bigint NOT NULL CHECK (spent >= 0),
    refunded   bigint NOT NULL CHECK (refunded >= 0),
    expired    bigint NOT NULL CHECK (expired >= 0),
    PRIMARY KEY (account_id, grant_id),
    FOREIGN KEY (account_id, grant_id) REFERENCES grants (account_id, grant_id)
);

CREATE TABLE generations (
    account_id      uuid    NOT NULL REFERENCES accounts (account_id),
    generation_id   uuid    NOT NULL,
    feature         text    NOT NULL,
    platform        text    NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
    surface         text    NOT NULL CHECK (surface IN ('editor', 'batch_editor', 'product_catalog')),
    media_kind      text    NOT NULL CHECK (media_kind IN ('image', 'video')),
    status          text    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    failure         text,
    cost            bigint  NOT NULL CHECK (cost > 0),
    charged         bigint  NOT NULL DEFAULT 0 CHECK (charged >= 0 AND charged <= cost),
    price_version   text    NOT NULL,
    started_at      bigint  NOT NULL,
    finished_at     bigint,
    hold_expires_at bigint  NOT NULL,
    output_ref      text,
    claimed         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, generation_id)
);
CREATE INDEX generations_feature  ON generations (account_id, feature, generation_id);
CREATE INDEX generations_platform ON generations (account_id, platform, generation_id);
CREATE INDEX generations_claimed  ON generations (account_id, claimed, generation_id);
-- The hold-expiry sweep looks across accounts.
CREATE INDEX generations_running  ON generations (hold_expires_at) WHERE status = 'running';

CREATE TABLE ledger_entries (
    account_id    uuid   NOT NULL,
    seq           bigint NOT NULL,
    op_id         uuid,
    kind          text   NOT NULL
                  CHECK (kind IN ('grant', 'hold', 'capture', 'void', 'hold_expired', 'refund', 'expire')),
    grant_id      uuid   NOT NULL,
    generation_id uuid,
    credits       bigint NOT NULL CHECK (credits > 0),
    at            bigint NOT NULL,
    PRIMARY KEY (account_id, seq),
    FOREIGN KEY (account_id, grant_id) REFERENCES grants (account_id, grant_id),
    FOREIGN KEY (account_id, generation_id) REFERENCES generations (account_id, generation_id)
);
CREATE INDEX ledger_entries_generation ON ledger_entries (account_id, generation_id) WHERE generation_id IS NOT NULL;
CREATE INDEX ledger_entries_kind_at ON ledger_entries (account_id, kind, at);
CREATE TRIGGER ledger_entries_seq BEFORE INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION recoup_refuse_change('ledger entries are append-only');
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION recoup_refuse_change('ledger entries are append-only');

-- A hold settles exactly once: the primary key refuses a second settlement.
CREATE TABLE hold_settlements (
    account_id    uuid   NOT NULL,
    generation_id uuid   NOT NULL,
    outcome       text   NOT NULL CHECK (outcome IN ('captured', 'voided', 'expired')),
    op_id         uuid,
    at            bigint NOT NULL,
    PRIMARY KEY (account_id, generation_id),
    FOREIGN KEY (account_id, generation_id) REFERENCES generations (account_id, generation_id)
);

-- At most one refund per generation (the primary key), never above what was charged (the
-- trigger below: a check cannot read another table).
CREATE TABLE refunds (
    account_id    uuid   NOT NULL,
    generation_id uuid   NOT NULL,
    claim_id      uuid,
    credits       bigint NOT NULL CHECK (credits > 0),
    op_id         uuid   NOT NULL,
    at            bigint NOT NULL,
    PRIMARY KEY (account_id, generation_id),
    FOREIGN KEY (account_id, generation_id) REFERENCES generations (account_id, generation_id)
);
CREATE INDEX refunds_at ON refunds (account_id, at);

CREATE FUNCTION recoup_refund_within_charge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    charged_credits bigint;
BEGIN
    SELECT charged INTO charged_credits FROM generations
    WHERE account_id = NEW.account_id AND generation_id = NEW.generation_id;
    IF charged_credits IS NULL OR NEW.credits > charged_credits THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', TABLE = 'refunds',
            CONSTRAINT = 'refunds_within_charge',
            MESSAGE = format('a refund of %s credits is above the %s charged for generation %s',
                             NEW.credits, COALESCE(charged_credits, 0), NEW.generation_id);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refunds_within_charge BEFORE INSERT OR UPDATE ON refunds
    FOR EACH ROW EXECUTE FUNCTION recoup_refund_within_charge();

-- One claim per generation: the partial unique index refuses a second `exclusive` claim. A claim
-- is exclusive when the policy in force enforces one claim per generation (the default, and
-- the default policy's rule); a policy that allows several writes its claims with exclusive =
-- false, and still at most one refund (the refunds key).
CREATE TABLE claims (
    account_id       uuid    NOT NULL,
    claim_id         uuid    NOT NULL,
    generation_id    uuid    NOT NULL,
    reason           text    NOT NULL,
    details          text    NOT NULL,
    submitted_at     bigint  NOT NULL,
    local_eligible   boolean NOT NULL,
    local_decision   text    NOT NULL,
    policy_version   text    NOT NULL,
    sync_state       text    NOT NULL DEFAULT 'queued'
                     CHECK (sync_state IN ('queued', 'sent', 'acknowledged', 'quarantined')),
    outcome          text    CHECK (outcome IN ('refunded', 'not_refunded', 'in_review')),
    outcome_code     text,
    refunded_credits bigint  CHECK (refunded_credits >= 0),
    decided_at       bigint,
    exclusive        boolean NOT NULL DEFAULT true,
    PRIMARY KEY (account_id, claim_id),
    FOREIGN KEY (account_id, generation_id) REFERENCES generations (account_id, generation_id)
);
CREATE UNIQUE INDEX claims_one_per_generation ON claims (account_id, generation_id) WHERE exclusive;
CREATE INDEX claims_generation ON claims (account_id, generation_id);

-- Per-day totals for the safeguards, kept by triggers.
CREATE TABLE activity_days (
    account_id uuid   NOT NULL REFERENCES accounts (account_id),
    day        bigint NOT NULL,
    spent      bigint NOT NULL DEFAULT 0 CHECK (spent >= 0),
    refunded   bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    refunds    bigint NOT NULL DEFAULT 0 CHECK (refunds >= 0),
    PRIMARY KEY (account_id, day)
);
CREATE FUNCTION recoup_activity_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_days (account_id, day, spent) VALUES (NEW.account_id, NEW.at / 86400000, NEW.credits)
    ON CONFLICT (account_id, day) DO UPDATE SET spent = activity_days.spent + excluded.spent;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_capture AFTER INSERT ON ledger_entries
    FOR EACH ROW WHEN (NEW.kind = 'capture') EXECUTE FUNCTION recoup_activity_capture();
CREATE FUNCTION recoup_activity_refund() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_days (account_id, day, refunded, refunds) VALUES (NEW.account_id, NEW.at / 86400000, NEW.credits, 1)
    ON CONFLICT (account_id, day) DO UPDATE
        SET refunded = activity_days.refunded + excluded.refunded, refunds = activity_days.refunds + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_refund AFTER INSERT ON refunds
    FOR EACH ROW EXECUTE FUNCTION recoup_activity_refund();

-- Small named values of an account's ledger (events on, balance thresholds, ...). The SQLite
-- store's meta 'tx' is accounts.ledger_tx here.
CREATE TABLE meta (
    account_id uuid NOT NULL REFERENCES accounts (account_id),
    key        text NOT NULL,
    value      text NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- The change feed: every row written to the tables a device mirrors, in commit order, tagged
-- with its write transaction. Filled by triggers, so no code path can forget it; `seq` and `tx`
-- are the account's own, as in the account's SQLite file, so a device cannot tell the engines
-- apart.
CREATE TABLE changes (
    account_id uuid   NOT NULL REFERENCES accounts (account_id),
    seq        bigint NOT NULL,
    tx         bigint NOT NULL,
    kind       text   NOT NULL CHECK (kind IN ('grant', 'entry', 'generation', 'settlement', 'refund', 'claim')),
    key        uuid,
    entry_seq  bigint,
    snapshot   jsonb,
    PRIMARY KEY (account_id, seq)
);
CREATE TRIGGER changes_seq BEFORE INSERT ON changes
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq();

CREATE FUNCTION recoup_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx bigint := recoup_ledger_tx(NEW.account_id);
BEGIN
    CASE TG_TABLE_NAME
    WHEN 'grants' THEN
        INSERT INTO changes (account_id, tx, kind, key) VALUES (NEW.account_id, tx, 'grant', NEW.grant_id);
    WHEN 'ledger_entries' THEN
        INSERT INTO changes (account_id, tx, kind, entry_seq) VALUES (NEW.account_id, tx, 'entry', NEW.seq);
    WHEN 'generations' THEN
        INSERT INTO changes (account_id, tx, kind, key, snapshot) VALUES (NEW.account_id, tx, 'generation', NEW.generation_id,
            jsonb_build_object('status', NEW.status, 'failure', NEW.failure, 'charged', NEW.charged,
                               'finished_at', NEW.finished_at, 'output_ref', NEW.output_ref));
    WHEN 'hold_settlements' THEN
        INSERT INTO changes (account_id, tx, kind, key) VALUES (NEW.account_id, tx, 'settlement', NEW.generation_id);
    WHEN 'refunds' THEN
        INSERT INTO changes (account_id, tx, kind, key) VALUES (NEW.account_id, tx, 'refund', NEW.generation_id);
    WHEN 'claims' THEN
        INSERT INTO changes (account_id, tx, kind, key, snapshot) VALUES (NEW.account_id, tx, 'claim', NEW.claim_id,
            jsonb_build_object('outcome', NEW.outcome, 'outcome_code', NEW.outcome_code,
                               'refunded_credits', NEW.refunded_credits, 'decided_at', NEW.decided_at));
    END CASE;
    RETURN NULL;
END $$;
CREATE TRIGGER changes_grant AFTER INSERT ON grants
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
CREATE TRIGGER changes_entry AFTER INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
CREATE TRIGGER changes_generation_insert AFTER INSERT ON generations
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
CREATE TRIGGER changes_generation_update AFTER UPDATE OF status, failure, charged, finished_at, output_ref ON generations
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
CREATE TRIGGER changes_settlement AFTER INSERT ON hold_settlements
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
CREATE TRIGGER changes_refund AFTER INSERT ON refunds
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
CREATE TRIGGER changes_claim_insert AFTER INSERT ON claims
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
CREATE TRIGGER changes_claim_update AFTER UPDATE OF outcome, outcome_code, refunded_credits, decided_at ON claims
    FOR EACH ROW EXECUTE FUNCTION recoup_change();
