use recoup_store_pg::{LATEST_VERSION, current_version, migrate};

use crate::support::{connect, fresh_database};

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_reach_the_latest_version() {
    let url = fresh_database("empty");
    let mut client = connect(&url).await;
    assert_eq!(
        current_version(&client).await.unwrap(),
        None,
        "a database never migrated has no schema version"
    );
    let done = migrate(&mut client).await.unwrap();
    assert_eq!(
        done.applied,
        vec![
            "registry",
            "ledger",
            "outputs_events",
            "webhook_leases",
            "static_seq",
            "console",
            "insights"
        ],
        "every migration must apply, in order, to an empty database"
    );
    assert_eq!(
        done.version, LATEST_VERSION,
        "the database must be at the latest version after migrating"
    );
}

#[tokio::test]
async fn migrating_again_applies_nothing_and_keeps_the_data() {
    let url = fresh_database("again");
    let mut client = connect(&url).await;
    migrate(&mut client).await.unwrap();
    client
        .execute(
            "INSERT INTO accounts (account_id, created_at) VALUES (gen_random_uuid(), 0)",
            &[],
        )
        .await
        .unwrap();
    let again = migrate(&mut client).await.unwrap();
    assert!(
        again.applied.is_empty(),
        "an up-to-date database must get no migration, got {:?}",
        again.applied
    );
    assert_eq!(
        again.version, LATEST_VERSION,
        "the version must stay the latest"
    );
    let accounts: i64 = client
        .query_one("SELECT count(*) FROM accounts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        accounts, 1,
        "migrating again must keep the rows already there"
    );
}

#[tokio::test]
async fn instances_migrating_at_the_same_time_apply_each_migration_once() {
    let url = fresh_database("concurrent");
    let mut a = connect(&url).await;
    let mut b = connect(&url).await;
    let mut c = connect(&url).await;
    let (ra, rb, rc) = tokio::join!(migrate(&mut a), migrate(&mut b), migrate(&mut c));
    let runs = [ra.unwrap(), rb.unwrap(), rc.unwrap()];
    let applied: usize = runs.iter().map(|r| r.applied.len()).sum();
    assert_eq!(
        applied, LATEST_VERSION as usize,
        "three instances starting at once must apply each migration exactly once between them: {runs:?}"
    );
    assert!(
        runs.iter().all(|r| r.version == LATEST_VERSION),
        "every instance must see the latest version afterwards: {runs:?}"
    );
}

#[tokio::test]
async fn migration_6_fills_the_queue_rows_written_before_it_from_their_claims() {
    let url = fresh_database("console_backfill");
    let mut client = connect(&url).await;
    recoup_store_pg::migrate_to(&mut client, 5).await.unwrap();
    let account = uuid::Uuid::now_v7();
    let generation = uuid::Uuid::now_v7();
    let claim = uuid::Uuid::now_v7();
    // Rows as version 5 had them (written directly, the ledger's triggers off: only their
    // columns matter here).
    client
        .batch_execute(&format!(
            "SET session_replication_role = replica;
             INSERT INTO accounts (account_id, created_at) VALUES ('{account}', 1);
             INSERT INTO generations (account_id, generation_id, feature, platform, surface,
                 media_kind, status, cost, charged, price_version, started_at, finished_at,
                 hold_expires_at, claimed)
                 VALUES ('{account}', '{generation}', 'logo', 'ios', 'editor', 'image',
                 'succeeded', 3, 3, 'p', 10, 20, 30, true);
             INSERT INTO claims (account_id, claim_id, generation_id, reason, details,
                 submitted_at, local_eligible, local_decision, policy_version, outcome)
                 VALUES ('{account}', '{claim}', '{generation}', 'wrong_subject', 'bad', 40,
                 true, '{{}}', 'v', 'in_review');
             INSERT INTO reviews (account_id, claim_id, queued_at) VALUES ('{account}', '{claim}', 50);
             SET session_replication_role = DEFAULT;"
        ))
        .await
        .unwrap();
    recoup_store_pg::migrate_to(&mut client, 6).await.unwrap();
    let row = client
        .query_one(
            "SELECT generation_id, feature, platform, reason, credits, submitted_at, queued_at
             FROM reviews WHERE claim_id = $1",
            &[&claim],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, uuid::Uuid>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            row.get::<_, String>(3),
            row.get::<_, i64>(4),
            row.get::<_, i64>(5),
            row.get::<_, i64>(6),
        ),
        (
            generation,
            "logo".to_owned(),
            "ios".to_owned(),
            "wrong_subject".to_owned(),
            3,
            40,
            50
        ),
        "the queue row has its claim's filter columns, and keeps its place"
    );
}

#[tokio::test]
async fn migration_7_counts_what_was_recorded_before_it_by_the_rules_of_its_triggers() {
    let url = fresh_database("insights_backfill");
    let mut client = connect(&url).await;
    recoup_store_pg::migrate_to(&mut client, 6).await.unwrap();
    let account = uuid::Uuid::now_v7();
    let [g1, g2, g3, g4] = [(); 4].map(|_| uuid::Uuid::now_v7());
    let [auto, reviewed, waiting] = [(); 3].map(|_| uuid::Uuid::now_v7());
    let day = 86_400_000i64;
    // Rows as version 6 had them (written directly, the ledger's triggers off): three finished
    // generations on day 1 (one failed), one whose hold expired; a claim refunded at once on
    // day 2, one a person refused on day 3 (the audit log says so), one waiting.
    client
        .batch_execute(&format!(
            "SET session_replication_role = replica;
             INSERT INTO accounts (account_id, created_at) VALUES ('{account}', 1);
             INSERT INTO generations (account_id, generation_id, feature, platform, surface,
                 media_kind, status, failure, cost, charged, price_version, started_at,
                 finished_at, hold_expires_at, claimed) VALUES
                 ('{account}', '{g1}', 'logo', 'ios', 'editor', 'image', 'succeeded', NULL, 3, 3, 'p', {day}, {day}, {day}, true),
                 ('{account}', '{g2}', 'logo', 'ios', 'editor', 'image', 'succeeded', NULL, 3, 3, 'p', {day}, {day}, {day}, true),
                 ('{account}', '{g3}', 'logo', 'ios', 'editor', 'image', 'failed', 'provider_error', 3, 0, 'p', {day}, {day}, {day}, false),
                 ('{account}', '{g4}', 'logo', 'ios', 'editor', 'image', 'failed', 'hold_expired', 3, 0, 'p', {day}, {day}, {day}, false);
             INSERT INTO claims (account_id, claim_id, generation_id, reason, details,
                 submitted_at, local_eligible, local_decision, policy_version, outcome,
                 refunded_credits, decided_at) VALUES
                 ('{account}', '{auto}', '{g1}', 'blank_or_corrupted', 'bad', 2 * {day}, true, '{{}}', 'v', 'refunded', 3, 2 * {day}),
                 ('{account}', '{reviewed}', '{g2}', 'wrong_subject', 'bad', 2 * {day}, true, '{{}}', 'v', 'not_refunded', 0, 3 * {day});
             INSERT INTO claims (account_id, claim_id, generation_id, reason, details,
                 submitted_at, local_eligible, local_decision, policy_version, outcome, exclusive)
                 VALUES ('{account}', '{waiting}', '{g2}', 'other', 'bad', 2 * {day}, true, '{{}}', 'v', 'in_review', false);
             INSERT INTO audit (at, actor, action, target, detail)
                 VALUES (3 * {day}, 'ops', 'review.decide', '{account}/{reviewed}', '{{}}');
             SET session_replication_role = DEFAULT;"
        ))
        .await
        .unwrap();
    let done = migrate(&mut client).await.unwrap();
    assert_eq!(
        done.applied,
        vec!["insights"],
        "only migration 7 was left to apply"
    );
    let rows = client
        .query(
            "SELECT day, sum(delivered)::bigint, sum(failed)::bigint, sum(reports)::bigint,
                 sum(refunded_auto)::bigint, sum(refused_auto)::bigint, sum(sent_to_review)::bigint,
                 sum(refunded_reviewed)::bigint, sum(refused_reviewed)::bigint,
                 sum(refunded_credits)::bigint
             FROM insight_days GROUP BY day ORDER BY day",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<Vec<i64>> = rows
        .iter()
        .map(|r| (0..10).map(|i| r.get::<_, i64>(i)).collect())
        .collect();
    assert_eq!(
        got,
        vec![
            vec![1, 2, 1, 0, 0, 0, 0, 0, 0, 0],
            vec![2, 0, 0, 3, 1, 0, 2, 0, 0, 3],
            vec![3, 0, 0, 0, 0, 0, 0, 0, 1, 0],
        ],
        "day 1: two delivered, one failed (the expired hold not); day 2: three reports, one refunded at once, two sent to a person; day 3: the person's refusal"
    );
    let reasons: i64 = client
        .query_one(
            "SELECT sum(reports)::bigint FROM insight_reasons WHERE day = 2",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(reasons, 3, "every report's reason is counted");
}
