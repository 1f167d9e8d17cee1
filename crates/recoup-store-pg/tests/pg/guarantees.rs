//! Each guarantee of the ledger, refused by the database itself (whatever code sends the write).

use recoup_store_pg::{codes, lock_account};
use tokio_postgres::GenericClient;
use uuid::Uuid;

use crate::support::{
    connect, create_account, create_generation, create_grant, ledger_with_a_capture, migrated,
    refusal,
};

const UNIQUE_VIOLATION: &str = "23505";
const CHECK_VIOLATION: &str = "23514";

#[tokio::test]
async fn a_ledger_entry_cannot_be_updated_deleted_or_truncated() {
    let (mut client, _) = migrated("append_only").await;
    let (account, _, _) = ledger_with_a_capture(&mut client, 4).await;
    for (what, sql) in [
        (
            "an update",
            "UPDATE ledger_entries SET credits = 1 WHERE account_id = $1",
        ),
        (
            "a delete",
            "DELETE FROM ledger_entries WHERE account_id = $1",
        ),
    ] {
        let r = refusal(client.execute(sql, &[&account]).await, what);
        assert_eq!(
            r.code,
            codes::APPEND_ONLY,
            "{what} of a ledger entry must be refused as append-only"
        );
        assert!(
            r.message.contains("ledger entries are append-only"),
            "{what} must be refused with the trigger's message, got {:?}",
            r.message
        );
    }
    let r = refusal(
        client.execute("TRUNCATE ledger_entries CASCADE", &[]).await,
        "a truncate",
    );
    assert_eq!(
        r.code,
        codes::APPEND_ONLY,
        "truncating the ledger must be refused too"
    );
    let entries: i64 = client
        .query_one(
            "SELECT count(*) FROM ledger_entries WHERE account_id = $1",
            &[&account],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(entries, 1, "the entry must still be there, unchanged");
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed() {
    let (client, _) = migrated("audit").await;
    client
        .execute(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES (0, 'bootstrap', 'accounts.create', 'a', '{}')",
            &[],
        )
        .await
        .unwrap();
    let r = refusal(
        client
            .execute("UPDATE audit SET actor = 'someone else'", &[])
            .await,
        "rewriting the audit log",
    );
    assert_eq!(
        r.code,
        codes::APPEND_ONLY,
        "the audit log must be append-only: {}",
        r.message
    );
    let r = refusal(
        client.execute("DELETE FROM audit", &[]).await,
        "deleting the audit log",
    );
    assert_eq!(
        r.code,
        codes::APPEND_ONLY,
        "the audit log must be append-only: {}",
        r.message
    );
}

#[tokio::test]
async fn a_hold_settles_only_once() {
    let (mut client, _) = migrated("settle_once").await;
    let (account, _, generation) = ledger_with_a_capture(&mut client, 4).await;
    let settle = "INSERT INTO hold_settlements (account_id, generation_id, outcome, at) VALUES ($1, $2, $3, 2)";
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    tx.execute(settle, &[&account, &generation, &"captured"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let r = refusal(
        tx.execute(settle, &[&account, &generation, &"voided"])
            .await,
        "a second settlement",
    );
    assert_eq!(
        r.code, UNIQUE_VIOLATION,
        "a hold already settled must refuse a second settlement: {}",
        r.message
    );
    assert_eq!(
        r.constraint.as_deref(),
        Some("hold_settlements_pkey"),
        "the primary key must be what refuses it"
    );
}

#[tokio::test]
async fn a_refund_above_its_charge_is_refused() {
    let (mut client, _) = migrated("refund_cap").await;
    let (account, _, generation) = ledger_with_a_capture(&mut client, 4).await;
    let refund = "INSERT INTO refunds (account_id, generation_id, credits, op_id, at) VALUES ($1, $2, $3, gen_random_uuid(), 3)";
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let r = refusal(
        tx.execute(refund, &[&account, &generation, &5_i64]).await,
        "a refund of 5 on a charge of 4",
    );
    assert_eq!(
        r.code, CHECK_VIOLATION,
        "a refund above its charge must be a check violation: {}",
        r.message
    );
    assert_eq!(
        r.constraint.as_deref(),
        Some(codes::REFUND_WITHIN_CHARGE),
        "the refund trigger must name itself"
    );
    assert!(
        r.message.contains("above the 4 charged"),
        "the refusal must say what was charged, got {:?}",
        r.message
    );
    drop(tx);

    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    tx.execute(refund, &[&account, &generation, &4_i64])
        .await
        .expect("a refund of exactly the charge must be accepted");
    tx.commit().await.unwrap();
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let r = refusal(
        tx.execute(refund, &[&account, &generation, &1_i64]).await,
        "a second refund",
    );
    assert_eq!(
        r.code, UNIQUE_VIOLATION,
        "a generation must be refunded at most once: {}",
        r.message
    );
}

#[tokio::test]
async fn a_refund_of_a_generation_never_charged_is_refused() {
    let (mut client, _) = migrated("refund_uncharged").await;
    let account = create_account(&client).await;
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let generation = create_generation(&tx, account, 4, 0).await;
    let r = refusal(
        tx.execute(
            "INSERT INTO refunds (account_id, generation_id, credits, op_id, at) VALUES ($1, $2, 1, gen_random_uuid(), 3)",
            &[&account, &generation],
        )
        .await,
        "a refund of an uncharged generation",
    );
    assert_eq!(
        r.constraint.as_deref(),
        Some(codes::REFUND_WITHIN_CHARGE),
        "nothing charged, nothing to refund: {}",
        r.message
    );
}

#[tokio::test]
async fn a_balance_cannot_go_negative() {
    let (mut client, _) = migrated("negative").await;
    let (account, grant, _) = ledger_with_a_capture(&mut client, 4).await;
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let r = refusal(
        tx.execute(
            "UPDATE grant_balances SET available = available - 101 WHERE account_id = $1 AND grant_id = $2",
            &[&account, &grant],
        )
        .await,
        "taking 101 credits from a balance of 100",
    );
    assert_eq!(
        r.code, CHECK_VIOLATION,
        "a negative available balance must be a check violation: {}",
        r.message
    );
    assert_eq!(
        r.constraint.as_deref(),
        Some("grant_balances_available_check"),
        "the available >= 0 check must be what refuses it"
    );
}

#[tokio::test]
async fn credits_must_be_positive_and_a_charge_within_the_cost() {
    let (mut client, _) = migrated("positive").await;
    let (account, grant, generation) = ledger_with_a_capture(&mut client, 4).await;
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let r = refusal(
        tx.execute(
            "INSERT INTO ledger_entries (account_id, kind, grant_id, credits, at) VALUES ($1, 'grant', $2, 0, 5)",
            &[&account, &grant],
        )
        .await,
        "an entry of 0 credits",
    );
    assert_eq!(
        r.constraint.as_deref(),
        Some("ledger_entries_credits_check"),
        "an entry moves at least one credit: {}",
        r.message
    );
    drop(tx);
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let r = refusal(
        tx.execute(
            "UPDATE generations SET charged = cost + 1 WHERE account_id = $1 AND generation_id = $2",
            &[&account, &generation],
        )
        .await,
        "charging more than the cost",
    );
    assert_eq!(
        r.constraint.as_deref(),
        Some("generations_check"),
        "a charge never exceeds the cost: {}",
        r.message
    );
}

async fn claim(
    client: &impl GenericClient,
    account: Uuid,
    generation: Uuid,
    exclusive: bool,
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO claims (account_id, claim_id, generation_id, reason, details, submitted_at,
                 local_eligible, local_decision, policy_version, exclusive)
             VALUES ($1, gen_random_uuid(), $2, 'unusable_output', '', 2, true, 'refund', 'v1', $3)",
            &[&account, &generation, &exclusive],
        )
        .await
}

#[tokio::test]
async fn a_second_claim_for_one_generation_is_refused() {
    let (mut client, _) = migrated("one_claim").await;
    let (account, _, generation) = ledger_with_a_capture(&mut client, 4).await;
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    claim(&tx, account, generation, true)
        .await
        .expect("the first claim must be accepted");
    tx.commit().await.unwrap();
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    let r = refusal(
        claim(&tx, account, generation, true).await,
        "a second claim for one generation",
    );
    assert_eq!(
        r.code, UNIQUE_VIOLATION,
        "one claim per generation: {}",
        r.message
    );
    assert_eq!(
        r.constraint.as_deref(),
        Some("claims_one_per_generation"),
        "the partial unique index must refuse it"
    );
}

#[tokio::test]
async fn a_policy_allowing_several_claims_can_write_them() {
    let (mut client, _) = migrated("several_claims").await;
    let (account, _, generation) = ledger_with_a_capture(&mut client, 4).await;
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    claim(&tx, account, generation, false).await.unwrap();
    claim(&tx, account, generation, false)
        .await
        .expect("claims written under a policy allowing several must all be accepted");
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_ledger_write_without_the_account_lock_is_refused() {
    let (client, _) = migrated("unlocked").await;
    let account = create_account(&client).await;
    let r = refusal(
        client
            .execute(
                "INSERT INTO grants (account_id, grant_id, kind, credits, priority, granted_at)
                 VALUES ($1, gen_random_uuid(), 'allowance', 5, 50, 0)",
                &[&account],
            )
            .await,
        "a grant written without lock_account",
    );
    assert_eq!(
        r.code,
        codes::ACCOUNT_NOT_LOCKED,
        "an unserialised ledger write must be refused: {}",
        r.message
    );
}

#[tokio::test]
async fn a_transaction_holds_one_account_only() {
    let (mut client, _) = migrated("one_account").await;
    let first = create_account(&client).await;
    let second = create_account(&client).await;
    let tx = client.transaction().await.unwrap();
    let a = lock_account(&tx, first).await.unwrap();
    let again = lock_account(&tx, first).await.unwrap();
    assert_eq!(
        a, again,
        "locking the held account again must return the same transaction number"
    );
    let e = lock_account(&tx, second)
        .await
        .expect_err("a second account must be refused");
    let code = match &e {
        recoup_store_pg::Error::Postgres(pg) => {
            pg.as_db_error().map(|d| d.code().code().to_owned())
        }
        _ => None,
    };
    assert_eq!(
        code.as_deref(),
        Some(codes::ONE_ACCOUNT_PER_TRANSACTION),
        "locking a second account must be refused: {e}"
    );
}

#[tokio::test]
async fn the_change_feed_numbers_rows_per_account_in_transaction_order() {
    let (mut client, _) = migrated("feed").await;
    let (one, _, _) = ledger_with_a_capture(&mut client, 4).await;
    let (two, _, _) = ledger_with_a_capture(&mut client, 3).await;
    let tx = client.transaction().await.unwrap();
    let lock = lock_account(&tx, one).await.unwrap();
    assert_eq!(
        lock.ledger_tx, 2,
        "the account's second write transaction must be number 2"
    );
    create_grant(&tx, one, 7).await;
    tx.commit().await.unwrap();
    for (account, expected) in [
        (
            one,
            vec![
                (1, 1, "grant"),
                (2, 1, "generation"),
                (3, 1, "entry"),
                (4, 2, "grant"),
            ],
        ),
        (
            two,
            vec![(1, 1, "grant"), (2, 1, "generation"), (3, 1, "entry")],
        ),
    ] {
        let rows = client
            .query(
                "SELECT seq, tx, kind FROM changes WHERE account_id = $1 ORDER BY seq",
                &[&account],
            )
            .await
            .unwrap();
        let got: Vec<(i64, i64, String)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let expected: Vec<(i64, i64, String)> = expected
            .into_iter()
            .map(|(s, t, k)| (s, t, k.to_owned()))
            .collect();
        assert_eq!(
            got, expected,
            "each account's feed must count from 1 in its own transactions' order, as its SQLite file does"
        );
    }
}

#[tokio::test]
async fn a_refund_posts_an_event_when_the_account_tells_events() {
    let (mut client, url) = migrated("events").await;
    let (account, _, generation) = ledger_with_a_capture(&mut client, 4).await;
    let tx = client.transaction().await.unwrap();
    lock_account(&tx, account).await.unwrap();
    tx.execute(
        "INSERT INTO meta (account_id, key, value) VALUES ($1, 'events', 'on')",
        &[&account],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO refunds (account_id, generation_id, credits, op_id, at) VALUES ($1, $2, 4, gen_random_uuid(), 3)",
        &[&account, &generation],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let other = connect(&url).await;
    let row = other
        .query_one(
            "SELECT seq, type, (data->>'credits')::bigint FROM events WHERE account_id = $1",
            &[&account],
        )
        .await
        .expect("exactly one event must be written");
    let (seq, kind, credits): (i64, String, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(
        (seq, kind.as_str(), credits),
        (1, "refund.posted", 4),
        "the refund must post its event, first of the account's"
    );
    let r = refusal(
        other
            .execute(
                "UPDATE events SET at = 0 WHERE account_id = $1",
                &[&account],
            )
            .await,
        "rewriting an event",
    );
    assert_eq!(
        r.code,
        codes::APPEND_ONLY,
        "events are append-only: {}",
        r.message
    );
}
