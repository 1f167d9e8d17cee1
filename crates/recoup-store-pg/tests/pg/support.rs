//! The shared server, fresh databases, and the few rows the tests build on.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use recoup_store_pg::harness::PgServer;
use tokio_postgres::{Client, GenericClient, NoTls};
use uuid::Uuid;

/// One server for the whole test binary; the harness's guardian stops it when the binary ends
/// (a `static` is never dropped).
static SERVER: OnceLock<PgServer> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

pub fn server() -> &'static PgServer {
    SERVER.get_or_init(|| {
        PgServer::start_new()
            .unwrap_or_else(|e| panic!("the tests' own PostgreSQL must start: {e}"))
    })
}

/// A new empty database for one test, and its URL.
pub fn fresh_database(test: &str) -> String {
    let n = NEXT_DB.fetch_add(1, Ordering::Relaxed);
    let name = format!("t{n}_{test}");
    server()
        .create_database(&name)
        .unwrap_or_else(|e| panic!("database {name} must be created: {e}"))
}

pub async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("the test must connect to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// A fresh database at the latest schema, and its URL.
pub async fn migrated(test: &str) -> (Client, String) {
    let url = fresh_database(test);
    let mut client = connect(&url).await;
    recoup_store_pg::migrate(&mut client)
        .await
        .unwrap_or_else(|e| panic!("the migrations must apply to an empty database: {e}"));
    (client, url)
}

/// How the database refused: SQLSTATE, message, constraint.
pub struct Refusal {
    pub code: String,
    pub message: String,
    pub constraint: Option<String>,
}

pub fn refusal<T: std::fmt::Debug>(
    result: Result<T, tokio_postgres::Error>,
    what: &str,
) -> Refusal {
    let e = match result {
        Ok(v) => panic!("the database must refuse {what}, but it accepted it: {v:?}"),
        Err(e) => e,
    };
    let db = e.as_db_error().unwrap_or_else(|| {
        panic!("{what} must be refused by the database itself, not fail otherwise: {e}")
    });
    Refusal {
        code: db.code().code().to_owned(),
        message: db.message().to_owned(),
        constraint: db.constraint().map(str::to_owned),
    }
}

pub async fn create_account(client: &impl GenericClient) -> Uuid {
    let account = Uuid::now_v7();
    client
        .execute(
            "INSERT INTO accounts (account_id, created_at) VALUES ($1, 0)",
            &[&account],
        )
        .await
        .expect("an account row must insert");
    account
}

/// A grant of `credits` with its balance projection (all available). Call under the lock.
pub async fn create_grant(client: &impl GenericClient, account: Uuid, credits: i64) -> Uuid {
    let grant = Uuid::now_v7();
    client
        .execute(
            "INSERT INTO grants (account_id, grant_id, kind, credits, priority, granted_at)
             VALUES ($1, $2, 'allowance', $3, 50, 0)",
            &[&account, &grant, &credits],
        )
        .await
        .expect("a grant must insert");
    client
        .execute(
            "INSERT INTO grant_balances (account_id, grant_id, granted, available, held, spent, refunded, expired)
             VALUES ($1, $2, $3, $3, 0, 0, 0, 0)",
            &[&account, &grant, &credits],
        )
        .await
        .expect("a grant's balance must insert");
    grant
}

/// A succeeded generation of `cost` credits of which `charged` were captured. Call under the lock.
pub async fn create_generation(
    client: &impl GenericClient,
    account: Uuid,
    cost: i64,
    charged: i64,
) -> Uuid {
    let generation = Uuid::now_v7();
    client
        .execute(
            "INSERT INTO generations (account_id, generation_id, feature, platform, surface, media_kind,
                 status, cost, charged, price_version, started_at, finished_at, hold_expires_at)
             VALUES ($1, $2, 'image_edit', 'ios', 'editor', 'image', 'succeeded', $3, $4, 'p1', 0, 1, 60000)",
            &[&account, &generation, &cost, &charged],
        )
        .await
        .expect("a generation must insert");
    generation
}

/// An account with one grant and one captured generation, committed: (account, grant, generation).
pub async fn ledger_with_a_capture(client: &mut Client, cost: i64) -> (Uuid, Uuid, Uuid) {
    let account = create_account(client).await;
    let tx = client
        .transaction()
        .await
        .expect("a transaction must begin");
    recoup_store_pg::lock_account(&tx, account)
        .await
        .expect("the new account must lock");
    let grant = create_grant(&tx, account, 100).await;
    let generation = create_generation(&tx, account, cost, cost).await;
    tx.execute(
        "INSERT INTO ledger_entries (account_id, kind, grant_id, generation_id, credits, at)
         VALUES ($1, 'capture', $2, $3, $4, 1)",
        &[&account, &grant, &generation, &cost],
    )
    .await
    .expect("a capture entry must insert");
    tx.commit().await.expect("the setup must commit");
    (account, grant, generation)
}
