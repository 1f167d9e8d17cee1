-- Recoup on PostgreSQL, migration 7: what bad results say (the console's insights).
--
-- Counters per UTC day, feature and platform, kept by triggers in the transaction of their
-- cause, so that a year of them reads in milliseconds whatever the number of generations. Each
-- counter row is split in 8 shards by account (the shard is a hash of the account id), so that
-- concurrent commits of different accounts rarely wait on one row; a read sums the shards.
--
-- What counts, on which day (the account's clock, as every time in the ledger):
-- - delivered / failed: a generation leaving `running`, on the day it finished; a hold that
--   expired (the generation service never answered) is not a failure the service reported and
--   is not counted;
-- - reports (and their reasons) and sent_to_review: a claim the endpoint recorded, on the day
--   the user made it (submitted_at);
-- - refunded_auto / refused_auto (and refunded_credits): a claim decided when it was recorded, on
--   the day it was decided;
-- - refunded_reviewed / refused_reviewed (and refunded_credits): a claim leaving review, on the
--   day a person decided it.
CREATE TABLE insight_days (
    day               bigint   NOT NULL,
    feature           text     NOT NULL,
    platform          text     NOT NULL,
    shard             smallint NOT NULL,
    delivered         bigint   NOT NULL DEFAULT 0,
    failed            bigint   NOT NULL DEFAULT 0,
    reports           bigint   NOT NULL DEFAULT 0,
    refunded_auto     bigint   NOT NULL DEFAULT 0,
    refused_auto      bigint   NOT NULL DEFAULT 0,
    sent_to_review    bigint   NOT NULL DEFAULT 0,
    refunded_reviewed bigint   NOT NULL DEFAULT 0,
    refused_reviewed  bigint   NOT NULL DEFAULT 0,
    refunded_credits  bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (day, feature, platform, shard)
);
CREATE TABLE insight_reasons (
    day      bigint   NOT NULL,
    feature  text     NOT NULL,
    platform text     NOT NULL,
    reason   text     NOT NULL,
    shard    smallint NOT NULL,
    reports  bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (day, feature, platform, reason, shard)
);

CREATE FUNCTION recoup_insight_shard(account uuid) RETURNS smallint LANGUAGE sql IMMUTABLE AS
    $$ SELECT (hashtext(account::text) & 7)::smallint $$;

-- Adds to one day's counters (every argument after the key is a delta).
CREATE FUNCTION recoup_insight_add(account uuid, at_ms bigint, f text, p text,
        d_delivered bigint, d_failed bigint, d_reports bigint, d_refunded_auto bigint,
        d_refused_auto bigint, d_sent bigint, d_refunded_reviewed bigint,
        d_refused_reviewed bigint, d_credits bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO insight_days AS d (day, feature, platform, shard, delivered, failed, reports,
            refunded_auto, refused_auto, sent_to_review, refunded_reviewed, refused_reviewed,
            refunded_credits)
        VALUES (at_ms / 86400000, f, p, recoup_insight_shard(account), d_delivered, d_failed,
            d_reports, d_refunded_auto, d_refused_auto, d_sent, d_refunded_reviewed,
            d_refused_reviewed, d_credits)
    ON CONFLICT (day, feature, platform, shard) DO UPDATE SET
        delivered = d.delivered + excluded.delivered,
        failed = d.failed + excluded.failed,
        reports = d.reports + excluded.reports,
        refunded_auto = d.refunded_auto + excluded.refunded_auto,
        refused_auto = d.refused_auto + excluded.refused_auto,
        sent_to_review = d.sent_to_review + excluded.sent_to_review,
        refunded_reviewed = d.refunded_reviewed + excluded.refunded_reviewed,
        refused_reviewed = d.refused_reviewed + excluded.refused_reviewed,
        refunded_credits = d.refunded_credits + excluded.refunded_credits
$$;

CREATE FUNCTION recoup_insight_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recoup_insight_add(NEW.account_id, coalesce(NEW.finished_at, NEW.started_at),
        NEW.feature, NEW.platform,
        CASE WHEN NEW.status = 'succeeded' THEN 1 ELSE 0 END,
        CASE WHEN NEW.status = 'failed' THEN 1 ELSE 0 END,
        0, 0, 0, 0, 0, 0, 0);
    RETURN NULL;
END $$;
CREATE TRIGGER insight_generation AFTER UPDATE OF status ON generations
    FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running'
        AND NEW.failure IS DISTINCT FROM 'hold_expired')
    EXECUTE FUNCTION recoup_insight_generation();

CREATE FUNCTION recoup_insight_claim() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g generations%ROWTYPE;
BEGIN
    SELECT * INTO g FROM generations WHERE account_id = NEW.account_id AND generation_id = NEW.generation_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM recoup_insight_add(NEW.account_id, NEW.submitted_at, g.feature, g.platform,
            0, 0, 1, 0, 0, CASE WHEN NEW.outcome = 'in_review' THEN 1 ELSE 0 END, 0, 0, 0);
        INSERT INTO insight_reasons AS r (day, feature, platform, reason, shard, reports)
            VALUES (NEW.submitted_at / 86400000, g.feature, g.platform, NEW.reason,
                recoup_insight_shard(NEW.account_id), 1)
        ON CONFLICT (day, feature, platform, reason, shard) DO UPDATE SET reports = r.reports + 1;
        IF NEW.outcome IN ('refunded', 'not_refunded') THEN
            PERFORM recoup_insight_add(NEW.account_id, coalesce(NEW.decided_at, NEW.submitted_at),
                g.feature, g.platform, 0, 0, 0,
                CASE WHEN NEW.outcome = 'refunded' THEN 1 ELSE 0 END,
                CASE WHEN NEW.outcome = 'not_refunded' THEN 1 ELSE 0 END,
                0, 0, 0, coalesce(NEW.refunded_credits, 0));
        END IF;
    ELSE
        PERFORM recoup_insight_add(NEW.account_id, coalesce(NEW.decided_at, NEW.submitted_at),
            g.feature, g.platform, 0, 0, 0, 0, 0, 0,
            CASE WHEN NEW.outcome = 'refunded' THEN 1 ELSE 0 END,
            CASE WHEN NEW.outcome = 'not_refunded' THEN 1 ELSE 0 END,
            coalesce(NEW.refunded_credits, 0));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER insight_claim_recorded AFTER INSERT ON claims
    FOR EACH ROW WHEN (NEW.outcome IS NOT NULL)
    EXECUTE FUNCTION recoup_insight_claim();
CREATE TRIGGER insight_claim_reviewed AFTER UPDATE OF outcome ON claims
    FOR EACH ROW WHEN (OLD.outcome = 'in_review' AND NEW.outcome IN ('refunded', 'not_refunded'))
    EXECUTE FUNCTION recoup_insight_claim();

-- What was recorded before this migration, counted by the same rules.
INSERT INTO insight_days (day, feature, platform, shard, delivered, failed)
    SELECT coalesce(finished_at, started_at) / 86400000, feature, platform,
        recoup_insight_shard(account_id),
        count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed')
    FROM generations
    WHERE status <> 'running' AND failure IS DISTINCT FROM 'hold_expired'
    GROUP BY 1, 2, 3, 4;
INSERT INTO insight_reasons (day, feature, platform, reason, shard, reports)
    SELECT c.submitted_at / 86400000, g.feature, g.platform, c.reason,
        recoup_insight_shard(c.account_id), count(*)
    FROM claims c JOIN generations g USING (account_id, generation_id)
    WHERE c.outcome IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5;
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT cl.account_id, cl.submitted_at, cl.decided_at, cl.outcome, cl.refunded_credits,
            g.feature, g.platform,
            EXISTS (SELECT 1 FROM audit a WHERE a.action = 'review.decide'
                AND a.target = cl.account_id::text || '/' || cl.claim_id::text) AS reviewed
        FROM claims cl JOIN generations g USING (account_id, generation_id)
        WHERE cl.outcome IS NOT NULL
    LOOP
        PERFORM recoup_insight_add(c.account_id, c.submitted_at, c.feature, c.platform,
            0, 0, 1, 0, 0, CASE WHEN c.outcome = 'in_review' OR c.reviewed THEN 1 ELSE 0 END, 0, 0, 0);
        IF c.outcome IN ('refunded', 'not_refunded') THEN
            PERFORM recoup_insight_add(c.account_id, coalesce(c.decided_at, c.submitted_at),
                c.feature, c.platform, 0, 0, 0,
                CASE WHEN c.outcome = 'refunded' AND NOT c.reviewed THEN 1 ELSE 0 END,
                CASE WHEN c.outcome = 'not_refunded' AND NOT c.reviewed THEN 1 ELSE 0 END,
                0,
                CASE WHEN c.outcome = 'refunded' AND c.reviewed THEN 1 ELSE 0 END,
                CASE WHEN c.outcome = 'not_refunded' AND c.reviewed THEN 1 ELSE 0 END,
                coalesce(c.refunded_credits, 0));
        END IF;
    END LOOP;
END $$;

-- The accounts with refunds in a recent window (the accounts closest to the safeguards).
CREATE INDEX activity_days_refunds ON activity_days (day) WHERE refunds > 0;
