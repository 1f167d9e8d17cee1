//! Per-account serialisation: how every write to an account's ledger takes its turn, whichever
//! instance of the endpoint runs it.
//!
//! A write transaction starts with [`lock_account`]: `SELECT recoup_lock_account($1)`, a
//! PL/pgSQL function (migration 2) that takes the account's row `FOR UPDATE`, bumps the
//! account's transaction number (`accounts.ledger_tx`, the change feed's `tx`) and marks the
//! transaction as holding that account. A second transaction on the same account waits at that
//! `SELECT ... FOR UPDATE` until the first commits or rolls back; transactions on other accounts
//! do not wait at all. The database refuses a ledger write that did not start so (SQLSTATE
//! [`codes::ACCOUNT_NOT_LOCKED`]), and a transaction that locks a second account
//! ([`codes::ONE_ACCOUNT_PER_TRANSACTION`]): with one account per transaction, two writers can
//! never wait on each other, so there is no deadlock to retry.
//!
//! Why a row lock and not SERIALIZABLE with retries: every write of an account reads then
//! writes its balances, so under SERIALIZABLE concurrent writes of one account would mostly
//! abort and retry; the lock queues them instead, costs one index probe, and the READ COMMITTED
//! reads after it see every earlier write of the account, which is what the rules need.

use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::Error;

/// The SQLSTATEs Recoup's own triggers and functions raise, so that the engine can name a
/// refusal without matching its text.
pub mod codes {
    /// A change to an append-only table (ledger entries, the audit log, events) was refused.
    pub const APPEND_ONLY: &str = "RC001";
    /// A ledger write in a transaction that has not locked its account.
    pub const ACCOUNT_NOT_LOCKED: &str = "RC002";
    /// A transaction asked to lock a second account.
    pub const ONE_ACCOUNT_PER_TRANSACTION: &str = "RC003";
    /// The constraint named in the check violation a refund above its charge raises.
    pub const REFUND_WITHIN_CHARGE: &str = "refunds_within_charge";
}

/// The account a transaction holds and the number of its write transaction (the `tx` the
/// change feed tags this transaction's rows with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountLock {
    /// The account locked.
    pub account: Uuid,
    /// The account's write transaction number: one more than the last transaction's.
    pub ledger_tx: i64,
}

/// Locks `account` for the rest of `tx` (until commit or rollback): waits while another
/// transaction holds it. Errors with [`Error::UnknownAccount`] for an account that does not exist.
pub async fn lock_account(tx: &Transaction<'_>, account: Uuid) -> Result<AccountLock, Error> {
    let row = tx
        .query_one("SELECT recoup_lock_account($1)", &[&account])
        .await?;
    let ledger_tx: Option<i64> = row.try_get(0)?;
    ledger_tx
        .map(|ledger_tx| AccountLock { account, ledger_tx })
        .ok_or(Error::UnknownAccount(account))
}
