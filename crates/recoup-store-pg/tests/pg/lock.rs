//! Per-account serialisation: two writers of one account take turns, whatever connection (or
//! instance) they come from; writers of different accounts do not wait for each other.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use recoup_store_pg::{Error, lock_account};
use tokio::sync::oneshot;
use tokio_postgres::Client;
use uuid::Uuid;

use crate::support::{connect, create_account, migrated};

/// How long the test waits for the second writer to be seen waiting before giving up (a bound
/// so that a broken lock fails the test instead of hanging it, not a timing assertion).
const WAIT_SEEN_WITHIN: Duration = Duration::from_secs(60);

/// Waits until the backend `pid` waits for a lock.
async fn until_waiting_for_a_lock(observer: &Client, pid: i32) {
    let deadline = tokio::time::Instant::now() + WAIT_SEEN_WITHIN;
    loop {
        let waiting: i64 = observer
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted",
                &[&pid],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second writer (backend {pid}) must come to wait for the account's lock"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn read_counter(tx: &tokio_postgres::Transaction<'_>, account: Uuid) -> i64 {
    tx.query_opt(
        "SELECT value::bigint FROM meta WHERE account_id = $1 AND key = 'counter'",
        &[&account],
    )
    .await
    .unwrap()
    .map_or(0, |r| r.get(0))
}

async fn write_counter(tx: &tokio_postgres::Transaction<'_>, account: Uuid, value: i64) {
    tx.execute(
        "INSERT INTO meta (account_id, key, value) VALUES ($1, 'counter', $2)
         ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value",
        &[&account, &value.to_string()],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn two_transactions_on_one_account_take_turns() {
    let (observer, url) = migrated("turns").await;
    let account = create_account(&observer).await;
    let order = Arc::new(Mutex::new(Vec::<&'static str>::new()));

    let mut first = connect(&url).await;
    let tx_a = first.transaction().await.unwrap();
    let lock_a = lock_account(&tx_a, account).await.unwrap();
    order.lock().unwrap().push("first locked");
    let seen_a = read_counter(&tx_a, account).await;

    let (pid_tx, pid_rx) = oneshot::channel();
    let second = {
        let order = Arc::clone(&order);
        let url = url.clone();
        tokio::spawn(async move {
            let mut client = connect(&url).await;
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get(0);
            pid_tx.send(pid).unwrap();
            let tx = client.transaction().await.unwrap();
            let lock = lock_account(&tx, account).await.unwrap();
            order.lock().unwrap().push("second locked");
            let seen = read_counter(&tx, account).await;
            write_counter(&tx, account, seen + 1).await;
            tx.commit().await.unwrap();
            (lock, seen)
        })
    };
    let pid = pid_rx.await.unwrap();
    until_waiting_for_a_lock(&observer, pid).await;

    write_counter(&tx_a, account, seen_a + 1).await;
    order.lock().unwrap().push("first commits");
    tx_a.commit().await.unwrap();
    let (lock_b, seen_b) = second.await.unwrap();

    assert_eq!(
        *order.lock().unwrap(),
        ["first locked", "first commits", "second locked"],
        "the second writer of the account must get the lock only after the first commits"
    );
    assert_eq!(
        seen_b, 1,
        "the second writer must read what the first committed (no lost update)"
    );
    assert_eq!(
        lock_b.ledger_tx,
        lock_a.ledger_tx + 1,
        "the account's transactions must be numbered in the order they held the lock"
    );
    let counter: String = observer
        .query_one(
            "SELECT value FROM meta WHERE account_id = $1 AND key = 'counter'",
            &[&account],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(counter, "2", "both increments must be there");
}

#[tokio::test]
async fn writers_of_different_accounts_do_not_wait_for_each_other() {
    let (observer, url) = migrated("apart").await;
    let one = create_account(&observer).await;
    let two = create_account(&observer).await;
    let mut first = connect(&url).await;
    let tx_a = first.transaction().await.unwrap();
    lock_account(&tx_a, one).await.unwrap();
    // While the first account is held, the second locks, writes and commits: were it to wait for
    // the first, this would never return (the first commits only after it).
    let mut second = connect(&url).await;
    let tx_b = second.transaction().await.unwrap();
    lock_account(&tx_b, two).await.unwrap();
    write_counter(&tx_b, two, 1).await;
    tx_b.commit()
        .await
        .expect("a writer of another account must commit while the first account is held");
    tx_a.commit().await.unwrap();
}

#[tokio::test]
async fn locking_an_unknown_account_is_an_error() {
    let (mut client, _) = migrated("unknown").await;
    let tx = client.transaction().await.unwrap();
    let missing = Uuid::now_v7();
    match lock_account(&tx, missing).await {
        Err(Error::UnknownAccount(a)) => {
            assert_eq!(a, missing, "the error must name the account asked for")
        }
        other => {
            panic!("locking an account that does not exist must be UnknownAccount, got {other:?}")
        }
    }
}
