//! An account's ledger on PostgreSQL: the operations of recoup-store's `Store` that the endpoint
//! performs (grants, generations, claims and reviews, the sweep, balances, the change feed and
//! `verify`), on the tables of migrations 2 and 3, with the same rules (recoup-core) and the
//! same refusals ([`StoreError`]), so that a device cannot tell the engines apart.
//!
//! Every write is one transaction that starts with [`crate::lock_account`]'s statement: the account's writes take
//! turns whichever instance runs them, and the statements after the lock see every earlier write
//! of the account. An operation that is refused rolls back whole (nothing written), as in the
//! SQLite store; a batch of claims gives each claim its own savepoint.
//!
//! What is shared with the SQLite store is everything but the SQL: the rules (allocation,
//! refund allocation, the balance arithmetic, the policy's evaluation) live in recoup-core and
//! the request and record types in recoup-store and recoup-api.

mod changes;
mod claim_set;
mod claims;
mod codec;
mod generations;
mod grants;
mod writes;

use deadpool_postgres::{Pool, Transaction};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_postgres::types::{Json, ToSql};
use uuid::Uuid;

use recoup_core::{DetailsError, DocumentError, InvariantViolation, LedgerError, OpId};
use recoup_store::StoreError;

use crate::Error;

pub use recoup_store::Judgement;

/// Why a ledger operation did not happen. Either way nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerFailure {
    /// The ledger's rules refused the operation, as the SQLite store would have.
    #[error(transparent)]
    Refused(#[from] StoreError),
    /// The database failed (or was unreachable); the operation may be tried again.
    #[error(transparent)]
    Database(#[from] Error),
}

impl From<tokio_postgres::Error> for LedgerFailure {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Database(Error::Postgres(e))
    }
}

impl From<deadpool_postgres::PoolError> for LedgerFailure {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Database(Error::Pool(e))
    }
}

/// The rule errors of recoup-core, refused as the SQLite store refuses them.
macro_rules! refused_from {
    ($($t:ty),*) => {$(
        impl From<$t> for LedgerFailure {
            fn from(e: $t) -> Self {
                Self::Refused(StoreError::from(e))
            }
        }
    )*};
}
refused_from!(LedgerError, InvariantViolation, DetailsError, DocumentError);

/// What an operation answers.
pub type Outcome<T> = Result<T, LedgerFailure>;

/// A stored value that cannot be read back (a bug or a hand-edited database).
pub(crate) fn decode(what: impl std::fmt::Display) -> LedgerFailure {
    LedgerFailure::Refused(StoreError::Decode(what.to_string()))
}

/// The ledgers of every account in one PostgreSQL database. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct PgLedger {
    pool: Pool,
}

impl std::fmt::Debug for PgLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLedger").finish_non_exhaustive()
    }
}

impl PgLedger {
    /// The ledgers reached through `pool` (whose database [`crate::migrate`] brought up to date).
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// The pool, for the engine's other tables.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs `f` in one write transaction on `account`'s ledger: locked first, committed if `f`
    /// answers `Ok`, rolled back otherwise. An account that does not exist is refused as not
    /// found.
    pub(crate) async fn write<T>(
        &self,
        account: Uuid,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Outcome<T>,
    ) -> Outcome<T> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        locked(&tx, account).await?;
        let out = f(&tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Runs `f` in one read-only transaction that sees a single state of the database
    /// (REPEATABLE READ), so every row read belongs to the same moment.
    pub(crate) async fn read<T>(
        &self,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Outcome<T>,
    ) -> Outcome<T> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let out = f(&tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Runs `f` as the operation `op_id` of `account`: the first time, in the write transaction
    /// that also records the request and the answer; every later time with the same request,
    /// answers the recorded answer and writes nothing; with a different request, refuses with
    /// [`StoreError::IdempotencyConflict`]. Requests are compared as JSON values.
    pub(crate) async fn idempotent<Req, Res>(
        &self,
        account: Uuid,
        op_id: OpId,
        kind: &'static str,
        request: &Req,
        at_ms: i64,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Outcome<Res>,
    ) -> Outcome<Res>
    where
        Req: Serialize,
        Res: Serialize + DeserializeOwned,
    {
        let request = serde_json::to_value(request).map_err(decode)?;
        {
            let client = self.pool.get().await?;
            let stmt = client.prepare_cached(RECORDED).await?;
            let rows = client.query(&stmt, &[&account, &op_id.0]).await?;
            if let Some(answer) = recorded(&rows, op_id, kind, &request)? {
                return Ok(answer);
            }
        }
        self.write(account, async |tx| {
            idempotent_in(tx, account, op_id, kind, &request, at_ms, f).await
        })
        .await
    }
}

/// Locks `account` for the rest of `tx`; an account that does not exist is refused as not
/// found (the ledger's refusal, as the SQLite engine answers an unknown account).
pub(crate) async fn locked(tx: &Transaction<'_>, account: Uuid) -> Outcome<()> {
    // `lock_account`'s statement, prepared once per connection (it starts every write).
    let row = query_one(tx, "SELECT recoup_lock_account($1)", &[&account]).await?;
    match row.try_get::<_, Option<i64>>(0)? {
        Some(_) => Ok(()),
        None => Err(LedgerFailure::Refused(StoreError::NotFound {
            what: "account",
            id: account.to_string(),
        })),
    }
}

/// The idempotent part of [`PgLedger::idempotent`], in a transaction that holds the account:
/// the recorded answer if the operation was done (a different request is a conflict), else
/// `f`, recorded with its answer.
pub(crate) async fn idempotent_in<Req, Res>(
    tx: &Transaction<'_>,
    account: Uuid,
    op_id: OpId,
    kind: &'static str,
    request: &Req,
    at_ms: i64,
    f: impl AsyncFnOnce(&Transaction<'_>) -> Outcome<Res>,
) -> Outcome<Res>
where
    Req: Serialize,
    Res: Serialize + DeserializeOwned,
{
    let request = serde_json::to_value(request).map_err(decode)?;
    let rows = query(tx, RECORDED, &[&account, &op_id.0]).await?;
    if let Some(answer) = recorded(&rows, op_id, kind, &request)? {
        return Ok(answer);
    }
    let result = f(tx).await?;
    let json = serde_json::to_value(&result).map_err(decode)?;
    execute(
        tx,
        "INSERT INTO operations (account_id, op_id, kind, request, result, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &account,
            &op_id.0,
            &kind,
            &Json(&request),
            &Json(&json),
            &at_ms,
        ],
    )
    .await?;
    Ok(result)
}

const RECORDED: &str =
    "SELECT kind, request, result FROM operations WHERE account_id = $1 AND op_id = $2";

/// The recorded answer of an operation, from the row [`RECORDED`] found.
fn recorded<Res: DeserializeOwned>(
    rows: &[tokio_postgres::Row],
    op_id: OpId,
    kind: &str,
    request: &serde_json::Value,
) -> Outcome<Option<Res>> {
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let k: String = row.try_get(0)?;
    let Json(req): Json<serde_json::Value> = row.try_get(1)?;
    if k != kind || &req != request {
        return Err(LedgerFailure::Refused(StoreError::IdempotencyConflict {
            op_id,
        }));
    }
    let Json(result): Json<serde_json::Value> = row.try_get(2)?;
    serde_json::from_value(result).map(Some).map_err(decode)
}

/// The rows of one statement, prepared once per connection.
pub(crate) async fn query(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Outcome<Vec<tokio_postgres::Row>> {
    let stmt = tx.prepare_cached(sql).await?;
    Ok(tx.query(&stmt, params).await?)
}

/// The one row of a statement, or none.
pub(crate) async fn query_opt(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Outcome<Option<tokio_postgres::Row>> {
    let stmt = tx.prepare_cached(sql).await?;
    Ok(tx.query_opt(&stmt, params).await?)
}

/// The one row of a statement that always answers one.
pub(crate) async fn query_one(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Outcome<tokio_postgres::Row> {
    let stmt = tx.prepare_cached(sql).await?;
    Ok(tx.query_one(&stmt, params).await?)
}

/// Runs a statement; answers the rows it changed.
pub(crate) async fn execute(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Outcome<u64> {
    let stmt = tx.prepare_cached(sql).await?;
    Ok(tx.execute(&stmt, params).await?)
}
