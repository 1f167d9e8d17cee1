//! Recoup's PostgreSQL storage, foundation: the schema as versioned migrations, the ledger's
//! guarantees kept by the database itself, the per-account lock every write takes, and (with the
//! `test-harness` feature) a private PostgreSQL server for tests. The engine that implements the
//! endpoint's `Storage` on it comes next (docs/postgres.md).
//!
//! # Choices
//!
//! - **tokio-postgres with deadpool-postgres**, not sqlx: async on the endpoint's tokio, pooled,
//!   and plain SQL strings checked by the tests against a real server. sqlx's checked queries
//!   need a database (or a prepared offline cache) at compile time, and it builds much more;
//!   tokio-postgres is small, maintained with the `postgres` crates, and light to build.
//! - **refinery** for migrations, through that same driver: numbered SQL files in
//!   `src/migrations/`, each applied in one transaction with its history row; a database that
//!   has a migration this build lacks, or whose applied SQL changed, is refused.
//! - **Times are `bigint` Unix milliseconds UTC**, as the SQLite engine stores them: the wire
//!   is RFC 3339 at millisecond precision, so nothing is lost, the two engines hold the same
//!   numbers (a device cannot tell them apart), the day arithmetic of the safeguards
//!   (`at / 86400000`) is the same, and no time zone setting of a session can shift a value.
//!   `timestamptz` would add microseconds the wire drops and a conversion at every boundary.
//! - **Every table is keyed by account first** or declared global or lookup ([`TableKind`]),
//!   so that the data can be distributed by account.
//!
//! # Example
//!
//! ```no_run
//! # async fn example(url: &str, account: uuid::Uuid) -> Result<(), recoup_store_pg::Error> {
//! let pool = recoup_store_pg::pool(url, 8)?;
//! let mut client = pool.get().await?;
//! recoup_store_pg::migrate(&mut client).await?;
//! let tx = client.transaction().await?;
//! let lock = recoup_store_pg::lock_account(&tx, account).await?;
//! // ... the account's ledger writes, tagged with lock.ledger_tx in the change feed ...
//! tx.commit().await?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod error;
#[cfg(feature = "test-harness")]
pub mod harness;
mod ledger;
mod lock;
mod pool;
mod schema;

pub use error::Error;
pub use ledger::{Judgement, LedgerFailure, Outcome, PgLedger};
pub use lock::{AccountLock, codes, lock_account};
pub use pool::{POOL_SIZE_MAX, pool, pool_with_ca};
#[cfg(feature = "test-harness")]
pub use schema::migrate_to;
pub use schema::{
    HISTORY_TABLE, LATEST_VERSION, Migrated, TABLES, TableKind, current_version, migrate,
};
