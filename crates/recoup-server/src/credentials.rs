//! Admin credentials: several, each with a name (the actor in the audit log), kept in the
//! registry as SHA-256 hashes, revocable. `recoup-server admin-credentials add|list|revoke`
//! works on a data dir (or, with `--database`, the PostgreSQL database) through these functions; the credential given at start
//! (`--admin-token`, `$RECOUP_ADMIN_TOKEN`, `DATA_DIR/admin-token`) is the one named
//! [`BOOTSTRAP_CREDENTIAL`].

use std::collections::HashSet;
use std::path::Path;

use recoup_core::Timestamp;

use crate::error::AppError;
use crate::state::Database;
use crate::storage::{PgStorage, Registry, TokenHash};

pub use crate::storage::{AdminCredential, BOOTSTRAP_CREDENTIAL};

/// Shortest admin secret accepted, in characters.
pub const ADMIN_SECRET_CHARS_MIN: usize = 24;

/// Fewest distinct characters an admin secret must have (a long run of few characters is as
/// easy to guess as a short one).
pub const ADMIN_SECRET_DISTINCT_MIN: usize = 10;

/// Longest credential name, in bytes.
pub const CREDENTIAL_NAME_BYTES_MAX: usize = 64;

/// Whether an admin secret is strong enough: at least [`ADMIN_SECRET_CHARS_MIN`] characters, of
/// which at least [`ADMIN_SECRET_DISTINCT_MIN`] are distinct. The error says what to do.
pub fn check_admin_secret(secret: &str) -> Result<(), String> {
    let chars = secret.chars().count();
    let distinct = secret.chars().collect::<HashSet<_>>().len();
    if chars < ADMIN_SECRET_CHARS_MIN || distinct < ADMIN_SECRET_DISTINCT_MIN {
        return Err(format!(
            "the admin token is too weak ({chars} characters, {distinct} distinct; at least \
             {ADMIN_SECRET_CHARS_MIN} and {ADMIN_SECRET_DISTINCT_MIN} needed): remove it to have \
             a strong one made in DATA_DIR/admin-token, or add one with \
             `recoup-server admin-credentials add NAME`"
        ));
    }
    Ok(())
}

fn registry(data_dir: &Path) -> Result<Registry, AppError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", data_dir.display())))?;
    Registry::open(&data_dir.join("server.sqlite3"))
}

/// Refuses a credential name that is not 1 to [`CREDENTIAL_NAME_BYTES_MAX`] letters, digits,
/// '-', '_' or '.' (or that takes the providers' `provider:` prefix).
fn check_name(name: &str) -> Result<(), AppError> {
    let valid = !name.is_empty()
        && name.len() <= CREDENTIAL_NAME_BYTES_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !valid || name.starts_with("provider:") {
        return Err(AppError::api(
            recoup_api::ErrorCode::InvalidInput,
            format!(
                "a credential name is 1 to {CREDENTIAL_NAME_BYTES_MAX} letters, digits, '-', '_' or '.'"
            ),
        ));
    }
    Ok(())
}

/// Adds a named admin credential to the data dir's registry and answers its secret (shown
/// once: only its hash is kept).
pub fn add(data_dir: &Path, name: &str, now: Timestamp) -> Result<String, AppError> {
    check_name(name)?;
    let secret = crate::new_admin_token()?;
    registry(data_dir)?.add_admin_credential(name, TokenHash::of(&secret), now)?;
    Ok(secret)
}

/// Every admin credential of the data dir, by name.
pub fn list(data_dir: &Path) -> Result<Vec<AdminCredential>, AppError> {
    registry(data_dir)?.admin_credentials()
}

/// Revokes a named admin credential; `false` when there is none by that name.
pub fn revoke(data_dir: &Path, name: &str, now: Timestamp) -> Result<bool, AppError> {
    registry(data_dir)?.revoke_admin_credential(name, now)
}

/// The endpoint's PostgreSQL database for a credentials command: the schema brought up to
/// date, no account touched.
async fn database(database: &Database) -> Result<PgStorage, AppError> {
    PgStorage::connect(
        database,
        std::sync::Arc::new(recoup_core::SystemClock),
        crate::storage::EventSettings::default(),
    )
    .await
}

/// [`add`], in the PostgreSQL database.
pub async fn add_in_database(
    url: &Database,
    name: &str,
    now: Timestamp,
) -> Result<String, AppError> {
    check_name(name)?;
    let secret = crate::new_admin_token()?;
    database(url)
        .await?
        .add_admin_credential(name, TokenHash::of(&secret), now)
        .await?;
    Ok(secret)
}

/// [`list`], in the PostgreSQL database.
pub async fn list_in_database(url: &Database) -> Result<Vec<AdminCredential>, AppError> {
    database(url).await?.admin_credentials().await
}

/// [`revoke`], in the PostgreSQL database.
pub async fn revoke_in_database(
    url: &Database,
    name: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    database(url)
        .await?
        .revoke_admin_credential(name, now)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_repetitive_admin_secrets_are_refused_and_generated_ones_pass() {
        for weak in [
            "test-admin-token",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abababababababababababababab",
        ] {
            assert!(check_admin_secret(weak).is_err(), "{weak:?} is refused");
        }
        let made = crate::new_admin_token().expect("random");
        assert!(
            check_admin_secret(&made).is_ok(),
            "a generated token passes"
        );
    }
}
