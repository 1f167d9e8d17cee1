//! The crate's one error type.

use uuid::Uuid;

/// Why a schema or lock operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database refused a statement or the connection failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection could be had from the pool.
    #[error("the PostgreSQL pool gave no connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The pool could not be built from the configuration given.
    #[error("the PostgreSQL pool cannot be built: {0}")]
    BuildPool(#[from] deadpool_postgres::BuildError),
    /// The database URL is not one tokio-postgres understands.
    #[error("the database URL is not valid: {0}")]
    Url(tokio_postgres::Error),
    /// A migration failed; the migrations before it stay applied (each is one transaction).
    #[error("the schema cannot be migrated: {0}")]
    Migrate(#[from] refinery::Error),
    /// The TLS settings cannot be made (the CA file is missing, unreadable or not PEM).
    #[error("TLS to PostgreSQL: {0}")]
    Tls(String),
    /// `lock_account` was asked for an account that does not exist.
    #[error("no account {0}")]
    UnknownAccount(Uuid),
}
