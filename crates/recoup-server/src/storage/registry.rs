//! The SQLite engine's own small database (`server.sqlite3`): accounts and their hashed tokens,
//! the sandbox test clocks, published policies, the index of claims waiting for review, admin
//! credentials and the audit log (those of identity in `identity`). Versioned migrations. Each
//! account's ledger lives in its own Recoup store (see `slot`).

use std::path::Path;

use recoup_core::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use uuid::Uuid;

use super::{StoredPolicy, TokenHash};
use crate::error::AppError;

/// Migration 1: the schema the registry had before it was versioned, exactly (`IF NOT EXISTS`
/// included), so that a data dir made then opens unchanged: its tables are kept and it is
/// marked version 1.
pub(super) const V1: &str = r#"
CREATE TABLE IF NOT EXISTS accounts (
    account_id      BLOB    PRIMARY KEY CHECK (length(account_id) = 16),
    token_hash      BLOB    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    clock_offset_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS policies (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    version      TEXT    NOT NULL UNIQUE,
    document     TEXT    NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
    account_id BLOB    NOT NULL,
    claim_id   BLOB    NOT NULL,
    queued_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, claim_id)
) WITHOUT ROWID;
"#;

// Migration 5: provider credentials (the generation service's keys), kept apart from account
// tokens: a key is never an account's token, nor an admin credential. `IF NOT EXISTS` because
// builds before the registry had versioned migrations made these tables at every start.
const PROVIDERS_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS providers (
    provider_id BLOB    PRIMARY KEY CHECK (length(provider_id) = 16),
    name        TEXT    NOT NULL,
    key_hash    BLOB    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) WITHOUT ROWID;
-- Which account (and provider) a provider-reported generation belongs to: the provider's later
-- calls name the generation only.
CREATE TABLE IF NOT EXISTS provider_generations (
    generation_id BLOB    PRIMARY KEY CHECK (length(generation_id) = 16),
    account_id    BLOB    NOT NULL,
    provider_id   BLOB    NOT NULL,
    started_at    INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Every migration of the registry, oldest first. Another part's tables (providers, webhooks)
/// come after these as migrations of their own.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(super::identity::V2_TOKENS),
        M::up(super::identity::V3_ADMIN_CREDENTIALS),
        M::up(super::identity::V4_AUDIT),
        M::up(PROVIDERS_SCHEMA),
        M::up(super::webhooks::V6_WEBHOOKS),
        M::up(super::console::V7_REVIEW_INDEX),
        M::up(super::console::V8_CONSOLE_SESSIONS),
        M::up(super::insights::V9_INSIGHTS),
    ])
}

/// Brings the registry to the latest schema, in one transaction per migration.
fn migrate(conn: &mut Connection) -> Result<(), AppError> {
    migrations().to_latest(conn).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => err.into(),
        other => AppError::internal(format!("the registry cannot be migrated: {other}")),
    })
}

/// The registry database.
pub(crate) struct Registry {
    pub(super) conn: Connection,
}

impl Registry {
    pub(crate) fn open(path: &Path) -> Result<Self, AppError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn)?;
        Ok(Self { conn })
    }

    pub(crate) fn clock_offset_ms(&self, account: Uuid) -> Result<Option<i64>, AppError> {
        Ok(self
            .conn
            .prepare_cached("SELECT clock_offset_ms FROM accounts WHERE account_id = ?1")?
            .query_row([account.as_bytes()], |r| r.get(0))
            .optional()?)
    }

    pub(crate) fn advance_clock(&self, account: Uuid, by_ms: i64) -> Result<bool, AppError> {
        let n = self.conn.execute(
            "UPDATE accounts SET clock_offset_ms = clock_offset_ms + ?2 WHERE account_id = ?1",
            params![account.as_bytes(), by_ms],
        )?;
        Ok(n == 1)
    }

    pub(crate) fn latest_policy(&self) -> Result<Option<StoredPolicy>, AppError> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, version, document FROM policies ORDER BY seq DESC LIMIT 1",
                [],
                |r| {
                    Ok(StoredPolicy {
                        seq: r.get::<_, i64>(0)?.unsigned_abs(),
                        version: r.get(1)?,
                        document: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records a publication and returns its number (increasing; it is signed with the
    /// document so devices can refuse going backwards).
    pub(crate) fn publish_policy(
        &self,
        version: &str,
        document: &str,
        now: Timestamp,
    ) -> Result<u64, AppError> {
        self.conn
            .execute(
                "INSERT INTO policies (version, document, published_at) VALUES (?1, ?2, ?3)",
                params![version, document, now.as_millis()],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => AppError::api(
                    recoup_api::ErrorCode::PolicyVersionTaken,
                    format!(
                        "policy version {version} was already published; give the new one its own version"
                    ),
                ),
                _ => e.into(),
            })?;
        Ok(self.conn.last_insert_rowid().unsigned_abs())
    }

    /// Every account, in no particular order.
    pub(crate) fn account_ids(&self) -> Result<Vec<Uuid>, AppError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT account_id FROM accounts")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(uuid_from(&row?)?);
        }
        Ok(out)
    }

    pub(crate) fn reviews(&self, limit: u32) -> Result<Vec<(Uuid, Uuid)>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT account_id, claim_id FROM reviews ORDER BY queued_at LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::from(limit)], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (a, c) = row?;
            out.push((uuid_from(&a)?, uuid_from(&c)?));
        }
        Ok(out)
    }

    /// The claims of one account on the review queue.
    pub(crate) fn queued_claims(&self, account: Uuid) -> Result<Vec<Uuid>, AppError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT claim_id FROM reviews WHERE account_id = ?1")?;
        let rows = stmt.query_map([account.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(uuid_from(&row?)?);
        }
        Ok(out)
    }

    pub(crate) fn unqueue_review(&self, account: Uuid, claim: Uuid) -> Result<(), AppError> {
        self.conn.execute(
            "DELETE FROM reviews WHERE account_id = ?1 AND claim_id = ?2",
            params![account.as_bytes(), claim.as_bytes()],
        )?;
        Ok(())
    }
}

/// Provider credentials.
impl Registry {
    pub(crate) fn create_provider(
        &self,
        provider: Uuid,
        name: &str,
        key: TokenHash,
        now: Timestamp,
    ) -> Result<(), AppError> {
        self.conn.execute(
            "INSERT INTO providers (provider_id, name, key_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![provider.as_bytes(), name, key.0, now.as_millis()],
        )?;
        Ok(())
    }

    /// The provider a key belongs to; `None` for an unknown or revoked key.
    pub(crate) fn provider_by_key(&self, key: TokenHash) -> Result<Option<Uuid>, AppError> {
        let id: Option<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT provider_id FROM providers WHERE key_hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([key.0], |r| r.get(0))
            .optional()?;
        id.map(|id| uuid_from(&id)).transpose()
    }

    /// Every provider, oldest first, at most `limit`.
    pub(crate) fn providers(&self, limit: u32) -> Result<Vec<ProviderRow>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT provider_id, name, created_at, revoked_at FROM providers
             ORDER BY created_at, provider_id LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::from(limit)], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, created, revoked) = row?;
            out.push(ProviderRow {
                provider_id: uuid_from(&id)?,
                name,
                created_at: time_from(created)?,
                revoked_at: revoked.map(time_from).transpose()?,
            });
        }
        Ok(out)
    }

    /// Revokes a provider's key (a second revocation keeps the first time); answers the
    /// provider as it is now, `None` when there is no such provider.
    pub(crate) fn revoke_provider(
        &self,
        provider: Uuid,
        now: Timestamp,
    ) -> Result<Option<ProviderRow>, AppError> {
        self.conn.execute(
            "UPDATE providers SET revoked_at = ?2 WHERE provider_id = ?1 AND revoked_at IS NULL",
            params![provider.as_bytes(), now.as_millis()],
        )?;
        let row: Option<(String, i64, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT name, created_at, revoked_at FROM providers WHERE provider_id = ?1",
            )?
            .query_row([provider.as_bytes()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        row.map(|(name, created, revoked)| {
            Ok(ProviderRow {
                provider_id: provider,
                name,
                created_at: time_from(created)?,
                revoked_at: revoked.map(time_from).transpose()?,
            })
        })
        .transpose()
    }
}

/// Provider-reported generations: whose they are.
impl Registry {
    /// Records that `provider` reports `generation` for `account`, unless it already is
    /// recorded; answers the (account, provider) recorded for it, the new one or the older one.
    pub(crate) fn index_generation(
        &self,
        generation: Uuid,
        account: Uuid,
        provider: Uuid,
        now: Timestamp,
    ) -> Result<(Uuid, Uuid), AppError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO provider_generations (generation_id, account_id, provider_id, started_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![generation.as_bytes(), account.as_bytes(), provider.as_bytes(), now.as_millis()],
        )?;
        self.generation_owner(generation)?
            .ok_or_else(|| AppError::internal("a generation indexed a moment ago is not found"))
    }

    /// The (account, provider) a provider-reported generation belongs to.
    pub(crate) fn generation_owner(
        &self,
        generation: Uuid,
    ) -> Result<Option<(Uuid, Uuid)>, AppError> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT account_id, provider_id FROM provider_generations WHERE generation_id = ?1",
            )?
            .query_row([generation.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(a, p)| Ok((uuid_from(&a)?, uuid_from(&p)?)))
            .transpose()
    }
}

/// A provider as stored (without its key hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProviderRow {
    pub(crate) provider_id: Uuid,
    pub(crate) name: String,
    pub(crate) created_at: Timestamp,
    pub(crate) revoked_at: Option<Timestamp>,
}

fn time_from(ms: i64) -> Result<Timestamp, AppError> {
    Timestamp::from_millis(ms).map_err(|e| AppError::internal(format!("stored time: {e}")))
}

pub(super) fn uuid_from(bytes: &[u8]) -> Result<Uuid, AppError> {
    Uuid::from_slice(bytes).map_err(|e| AppError::internal(format!("stored id: {e}")))
}

/// SQLite's own failures, as answers: a database held too long by another writer is worth a
/// retry; anything else is the endpoint failing.
impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Self::api(
                    recoup_api::ErrorCode::Unavailable,
                    "the endpoint is busy; retry in a moment",
                )
            }
            // The disk under the registry is full or failing: answered 503 like the ledgers'.
            _ if recoup_store::is_disk_fault(&e) => Self::storage_fault(e),
            _ => Self::internal(e.to_string()),
        }
    }
}
