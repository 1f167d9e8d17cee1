//! The connection pool the engine will share between requests.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::Error;

/// The most connections one instance opens. PostgreSQL serves a few connections per core best;
/// several instances share the server's `max_connections` (100 by default).
pub const POOL_SIZE_MAX: usize = 16;

/// A pool of connections to `url` (`postgres://user@host:port/db`, or key=value form), opened
/// lazily, at most `size_max`. Plain TCP or a unix socket: TLS to a managed PostgreSQL is for the
/// engine's session to add.
pub fn pool(url: &str, size_max: usize) -> Result<Pool, Error> {
    let config: tokio_postgres::Config = url.parse().map_err(Error::Url)?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            // A connection is checked with a cheap query before reuse, so that one broken by a
            // restart of PostgreSQL is replaced rather than handed out.
            recycling_method: RecyclingMethod::Verified,
        },
    );
    Ok(Pool::builder(manager)
        .max_size(size_max.clamp(1, POOL_SIZE_MAX))
        .build()?)
}
