//! Accounts, their tokens, the admin credentials and the audit log, in the registry: the
//! registry's migrations 2 to 4 and every query on those tables. Each change an admin makes is
//! written in the same transaction as its audit record.

use recoup_api::{AdminAccount, AuditEntry, ErrorCode, TokenInfo};
use recoup_core::Timestamp;
use recoup_core::{GrantKind, OpId};
use recoup_store::GrantRequest;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::registry::{Registry, uuid_from};
use super::sqlite::SqliteStorage;
use super::{Account, StorageFuture, TokenHash};
use crate::error::{AppError, lock};

/// Migration 2: tokens get a table of their own (several per account, each with an expiry and
/// a revocation), accounts a sign-in subject and a disabled time. Each account's one token
/// moves into `tokens`; its text is unknown (only its hash was kept), so its prefix says so.
pub(super) const V2_TOKENS: &str = r#"
CREATE TABLE tokens (
    token_id   BLOB    PRIMARY KEY CHECK (length(token_id) = 16),
    account_id BLOB    NOT NULL CHECK (length(account_id) = 16),
    prefix     TEXT    NOT NULL,
    hash       BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32),
    label      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX tokens_by_account ON tokens (account_id);
INSERT INTO tokens (token_id, account_id, prefix, hash, label, created_at)
    SELECT randomblob(16), account_id, 'rk_', token_hash, 'first token', created_at FROM accounts;
CREATE TABLE accounts_v2 (
    account_id      BLOB    PRIMARY KEY CHECK (length(account_id) = 16),
    created_at      INTEGER NOT NULL,
    clock_offset_ms INTEGER NOT NULL DEFAULT 0,
    subject         TEXT    UNIQUE,
    disabled_at     INTEGER
) WITHOUT ROWID;
INSERT INTO accounts_v2 (account_id, created_at, clock_offset_ms)
    SELECT account_id, created_at, clock_offset_ms FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_v2 RENAME TO accounts;
"#;

/// Migration 3: named admin credentials, only their SHA-256 kept.
pub(super) const V3_ADMIN_CREDENTIALS: &str = r#"
CREATE TABLE admin_credentials (
    name       TEXT    PRIMARY KEY,
    hash       BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) WITHOUT ROWID;
"#;

/// Migration 4: the audit log, append-only (the triggers refuse to change or remove a record).
pub(super) const V4_AUDIT: &str = r#"
CREATE TABLE audit (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL CHECK (json_valid(detail))
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
"#;

/// The name of the admin credential given at start (`--admin-token`, `$RECOUP_ADMIN_TOKEN` or
/// `DATA_DIR/admin-token`).
pub const BOOTSTRAP_CREDENTIAL: &str = "bootstrap";

/// A token about to be stored: its hash and what listings show.
#[derive(Debug, Clone)]
pub(crate) struct NewTokenRow {
    pub(crate) token_id: Uuid,
    pub(crate) hash: TokenHash,
    pub(crate) prefix: String,
    pub(crate) label: String,
    pub(crate) expires_at: Option<Timestamp>,
}

/// Why a token is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No such token.
    Unknown,
    /// Past its expiry.
    Expired,
    /// Revoked.
    Revoked,
    /// Its account is disabled.
    Disabled,
}

impl Refusal {
    /// The answer.
    pub(crate) fn error(self) -> AppError {
        match self {
            Refusal::Unknown => AppError::unauthorized(),
            Refusal::Expired => AppError::api(
                ErrorCode::TokenExpired,
                "this token has expired: ask the operator for a new one",
            ),
            Refusal::Revoked => AppError::api(
                ErrorCode::TokenRevoked,
                "this token was revoked: use the token that replaced it",
            ),
            Refusal::Disabled => AppError::api(
                ErrorCode::AccountDisabled,
                "this account is disabled: ask the operator",
            ),
        }
    }
}

/// An admin credential as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdminCredential {
    /// Its name (the actor in the audit log).
    pub name: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

/// A stored instant (Unix milliseconds).
pub(super) fn ts(ms: i64) -> Result<Timestamp, AppError> {
    Timestamp::from_millis(ms).map_err(|e| AppError::internal(format!("stored time: {e}")))
}

fn opt_ts(ms: Option<i64>) -> Result<Option<Timestamp>, AppError> {
    ms.map(ts).transpose()
}

fn no_account(account: Uuid) -> AppError {
    AppError::api(
        ErrorCode::NotFound,
        format!("no account {account}: list them with GET /v1/admin/accounts"),
    )
}

fn subject_taken(e: rusqlite::Error, subject: Option<&str>) -> AppError {
    match (e.sqlite_error_code(), subject) {
        (Some(rusqlite::ErrorCode::ConstraintViolation), Some(s)) => AppError::api(
            ErrorCode::SubjectTaken,
            format!("the subject {s:?} already belongs to another account"),
        ),
        _ => e.into(),
    }
}

/// Appends an audit record inside `tx`.
fn append_audit(
    tx: &Transaction<'_>,
    now: Timestamp,
    actor: &str,
    action: &str,
    target: &str,
    detail: &serde_json::Value,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now.as_millis(), actor, action, target, detail.to_string()],
    )?;
    Ok(())
}

fn insert_token(
    tx: &Transaction<'_>,
    account: Uuid,
    t: &NewTokenRow,
    now: Timestamp,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO tokens (token_id, account_id, prefix, hash, label, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            t.token_id.as_bytes(),
            account.as_bytes(),
            t.prefix,
            t.hash.0,
            t.label,
            now.as_millis(),
            t.expires_at.map(Timestamp::as_millis)
        ],
    )?;
    Ok(())
}

const ACCOUNT_COLUMNS: &str = "a.account_id, a.subject, a.created_at, a.disabled_at,
    (SELECT count(*) FROM tokens t WHERE t.account_id = a.account_id AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > ?1))";

type AccountRow = (Vec<u8>, Option<String>, i64, Option<i64>, i64);

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn admin_account(row: AccountRow) -> Result<AdminAccount, AppError> {
    let (id, subject, created, disabled, active) = row;
    Ok(AdminAccount {
        account_id: uuid_from(&id)?,
        subject,
        created_at: ts(created)?,
        disabled_at: opt_ts(disabled)?,
        active_tokens: u32::try_from(active).unwrap_or(u32::MAX),
    })
}

type TokenRow = (Vec<u8>, String, String, i64, Option<i64>, Option<i64>);

fn token_info(row: TokenRow) -> Result<TokenInfo, AppError> {
    let (id, prefix, label, created, expires, revoked) = row;
    Ok(TokenInfo {
        token_id: uuid_from(&id)?,
        prefix,
        label,
        created_at: ts(created)?,
        expires_at: opt_ts(expires)?,
        revoked_at: opt_ts(revoked)?,
    })
}

impl Registry {
    /// Records a new account with its first token (none for one made by a sign-in), and the
    /// audit record saying who made it, in one transaction.
    pub(crate) fn create_account_audited(
        &self,
        account: Uuid,
        subject: Option<&str>,
        token: Option<&NewTokenRow>,
        now: Timestamp,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO accounts (account_id, created_at, subject) VALUES (?1, ?2, ?3)",
            params![account.as_bytes(), now.as_millis(), subject],
        )
        .map_err(|e| subject_taken(e, subject))?;
        if let Some(t) = token {
            insert_token(&tx, account, t, now)?;
        }
        append_audit(
            &tx,
            now,
            actor,
            "account.create",
            &account.to_string(),
            detail,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The account a token belongs to and the token's expiry, when the token is usable at
    /// `now`: known, not revoked, not expired, its account enabled.
    pub(crate) fn usable_token(
        &self,
        token: TokenHash,
        now: Timestamp,
    ) -> Result<Option<(Account, Option<i64>)>, AppError> {
        let row: Option<(Vec<u8>, i64, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT a.account_id, a.clock_offset_ms, t.expires_at
                 FROM tokens t JOIN accounts a ON a.account_id = t.account_id
                 WHERE t.hash = ?1 AND t.revoked_at IS NULL AND a.disabled_at IS NULL
                   AND (t.expires_at IS NULL OR t.expires_at > ?2)",
            )?
            .query_row(params![token.0, now.as_millis()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        row.map(|(id, offset_ms, expires)| {
            Ok((
                Account {
                    id: uuid_from(&id)?,
                    offset_ms,
                },
                expires,
            ))
        })
        .transpose()
    }

    /// Why a token that is not usable is refused (a usable one is answered `Unknown` too).
    pub(crate) fn refusal(&self, token: TokenHash, now: Timestamp) -> Result<Refusal, AppError> {
        let row: Option<(Option<i64>, Option<i64>, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT t.expires_at, t.revoked_at, a.disabled_at
                 FROM tokens t JOIN accounts a ON a.account_id = t.account_id WHERE t.hash = ?1",
            )?
            .query_row([token.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(match row {
            None => Refusal::Unknown,
            Some((_, _, Some(_))) => Refusal::Disabled,
            Some((_, Some(_), None)) => Refusal::Revoked,
            Some((Some(exp), None, None)) if exp <= now.as_millis() => Refusal::Expired,
            Some(_) => Refusal::Unknown,
        })
    }

    /// The account a sign-in subject names, and whether it is disabled.
    pub(crate) fn account_by_subject(
        &self,
        subject: &str,
    ) -> Result<Option<(Account, bool)>, AppError> {
        let row: Option<(Vec<u8>, i64, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT account_id, clock_offset_ms, disabled_at FROM accounts WHERE subject = ?1",
            )?
            .query_row([subject], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(id, offset_ms, disabled)| {
            Ok((
                Account {
                    id: uuid_from(&id)?,
                    offset_ms,
                },
                disabled.is_some(),
            ))
        })
        .transpose()
    }

    pub(crate) fn admin_account(
        &self,
        account: Uuid,
        now: Timestamp,
    ) -> Result<Option<AdminAccount>, AppError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.account_id = ?2");
        self.conn
            .prepare_cached(&sql)?
            .query_row(params![now.as_millis(), account.as_bytes()], account_row)
            .optional()?
            .map(admin_account)
            .transpose()
    }

    /// Accounts after `after` (by id: ids are UUIDv7, so oldest first), at most `limit`.
    pub(crate) fn admin_accounts(
        &self,
        after: Option<Uuid>,
        limit: u32,
        now: Timestamp,
    ) -> Result<Vec<AdminAccount>, AppError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.account_id > ?2
             ORDER BY a.account_id LIMIT ?3"
        );
        let after = after.map_or([0u8; 16], |u| *u.as_bytes());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![now.as_millis(), after, i64::from(limit)],
            account_row,
        )?;
        let mut out = Vec::new();
        for row in rows {
            out.push(admin_account(row?)?);
        }
        Ok(out)
    }

    /// Disables an account (once: disabling it again changes nothing and records nothing).
    pub(crate) fn disable_account(
        &self,
        account: Uuid,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        let known: Option<Option<i64>> = tx
            .query_row(
                "SELECT disabled_at FROM accounts WHERE account_id = ?1",
                [account.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        match known {
            None => return Err(no_account(account)),
            Some(Some(_)) => return Ok(()),
            Some(None) => {}
        }
        tx.execute(
            "UPDATE accounts SET disabled_at = ?2 WHERE account_id = ?1",
            params![account.as_bytes(), now.as_millis()],
        )?;
        append_audit(
            &tx,
            now,
            actor,
            "account.disable",
            &account.to_string(),
            &serde_json::json!({}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Issues a token to an enabled account.
    pub(crate) fn issue_token(
        &self,
        account: Uuid,
        token: &NewTokenRow,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        let known: Option<Option<i64>> = tx
            .query_row(
                "SELECT disabled_at FROM accounts WHERE account_id = ?1",
                [account.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        match known {
            None => return Err(no_account(account)),
            Some(Some(_)) => {
                return Err(AppError::api(
                    ErrorCode::InvalidState,
                    format!("account {account} is disabled: it gets no new token"),
                ));
            }
            Some(None) => {}
        }
        insert_token(&tx, account, token, now)?;
        append_audit(
            &tx,
            now,
            actor,
            "token.issue",
            &format!("{account}/{}", token.token_id),
            &serde_json::json!({
                "label": token.label,
                "prefix": token.prefix,
                "expires_at": token.expires_at,
            }),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn tokens(&self, account: Uuid) -> Result<Vec<TokenInfo>, AppError> {
        if self.clock_offset_ms(account)?.is_none() {
            return Err(no_account(account));
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT token_id, prefix, label, created_at, expires_at, revoked_at FROM tokens
             WHERE account_id = ?1 ORDER BY created_at, token_id",
        )?;
        let rows = stmt.query_map([account.as_bytes()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            out.push(token_info(row?)?);
        }
        Ok(out)
    }

    /// Revokes one of an account's tokens (revoking it again changes nothing).
    pub(crate) fn revoke_token(
        &self,
        account: Uuid,
        token: Uuid,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        let known: Option<Option<i64>> = tx
            .query_row(
                "SELECT revoked_at FROM tokens WHERE token_id = ?1 AND account_id = ?2",
                params![token.as_bytes(), account.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        match known {
            None => {
                return Err(AppError::api(
                    ErrorCode::NotFound,
                    format!(
                        "account {account} has no token {token}: list them with GET /v1/admin/accounts/{account}/tokens"
                    ),
                ));
            }
            Some(Some(_)) => return Ok(()),
            Some(None) => {}
        }
        tx.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE token_id = ?1",
            params![token.as_bytes(), now.as_millis()],
        )?;
        append_audit(
            &tx,
            now,
            actor,
            "token.revoke",
            &format!("{account}/{token}"),
            &serde_json::json!({}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Appends one audit record.
    pub(crate) fn audit(
        &self,
        now: Timestamp,
        actor: &str,
        action: &str,
        target: &str,
        detail: &serde_json::Value,
    ) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        append_audit(&tx, now, actor, action, target, detail)?;
        tx.commit()?;
        Ok(())
    }

    /// Audit records older than `before` (all when `None`), newest first, at most `limit`.
    pub(crate) fn audit_page(
        &self,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, AppError> {
        let before = before.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, actor, action, target, detail FROM audit WHERE seq < ?1
             ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![before, i64::from(limit)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, actor, action, target, detail) = row?;
            out.push(AuditEntry {
                seq: seq.unsigned_abs(),
                at: ts(at)?,
                actor,
                action,
                target,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| AppError::internal(format!("stored audit detail: {e}")))?,
            });
        }
        Ok(out)
    }

    /// The name of the unrevoked admin credential with this hash.
    pub(crate) fn admin_actor(&self, hash: TokenHash) -> Result<Option<String>, AppError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT name FROM admin_credentials WHERE hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([hash.0], |r| r.get(0))
            .optional()?)
    }

    /// Stores the credential given at start as [`BOOTSTRAP_CREDENTIAL`]. A revoked bootstrap
    /// credential stays revoked while the same secret is given; a new secret replaces it.
    pub(crate) fn put_bootstrap(&self, hash: TokenHash, now: Timestamp) -> Result<(), AppError> {
        self.conn.execute(
            "INSERT INTO admin_credentials (name, hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at,
                 revoked_at = NULL
             WHERE admin_credentials.hash != excluded.hash",
            params![BOOTSTRAP_CREDENTIAL, hash.0, now.as_millis()],
        )?;
        Ok(())
    }

    /// Adds a named admin credential; refused when the name is taken (even by a revoked one:
    /// names stay unique in the audit log).
    pub(crate) fn add_admin_credential(
        &self,
        name: &str,
        hash: TokenHash,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO admin_credentials (name, hash, created_at) VALUES (?1, ?2, ?3)",
            params![name, hash.0, now.as_millis()],
        )
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => AppError::api(
                ErrorCode::InvalidInput,
                format!("an admin credential named {name:?} exists already: pick another name"),
            ),
            _ => e.into(),
        })?;
        append_audit(
            &tx,
            now,
            "server",
            "admin_credential.add",
            name,
            &serde_json::json!({}),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn admin_credentials(&self) -> Result<Vec<AdminCredential>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name, created_at, revoked_at FROM admin_credentials ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (name, created, revoked) = row?;
            out.push(AdminCredential {
                name,
                created_at: ts(created)?,
                revoked_at: opt_ts(revoked)?,
            });
        }
        Ok(out)
    }

    /// Revokes a named admin credential; `false` when there is none by that name.
    pub(crate) fn revoke_admin_credential(
        &self,
        name: &str,
        now: Timestamp,
    ) -> Result<bool, AppError> {
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE admin_credentials SET revoked_at = coalesce(revoked_at, ?2) WHERE name = ?1",
            params![name, now.as_millis()],
        )?;
        if n == 1 {
            append_audit(
                &tx,
                now,
                "server",
                "admin_credential.revoke",
                name,
                &serde_json::json!({}),
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }
}

/// The identity operations of a storage engine: accounts as an admin sees them, their tokens,
/// sign-in subjects, admin credentials and the audit log. Part of [`super::Storage`].
pub(crate) trait Identity: Send + Sync {
    /// Records an account made by an admin with its first token, audited as `actor`.
    fn create_admin_account(
        &self,
        account: Uuid,
        subject: Option<String>,
        token: NewTokenRow,
        actor: String,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> StorageFuture<'_, ()>;

    /// The account a sign-in subject names, made (audited as `jwt`, granted `allowance` credits
    /// when given) when it is new; the flag says whether it was made now. A disabled account is
    /// refused.
    fn sign_in(
        &self,
        subject: String,
        allowance: Option<u64>,
        now: Timestamp,
    ) -> StorageFuture<'_, (Account, bool)>;

    /// Why a token is refused.
    fn refusal(&self, token: TokenHash, now: Timestamp) -> StorageFuture<'_, Refusal>;

    /// An account as an admin sees it; `None` when there is no such account.
    fn admin_account(
        &self,
        account: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<AdminAccount>>;

    /// A page of accounts after `after`, oldest first.
    fn admin_accounts(
        &self,
        after: Option<Uuid>,
        limit: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, Vec<AdminAccount>>;

    /// Disables an account: its tokens and sign-ins are refused from the next request on.
    fn disable_account(
        &self,
        account: Uuid,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()>;

    /// Issues a token to an account.
    fn issue_token(
        &self,
        account: Uuid,
        token: NewTokenRow,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()>;

    /// An account's tokens (never their secrets).
    fn tokens(&self, account: Uuid) -> StorageFuture<'_, Vec<TokenInfo>>;

    /// Revokes a token: refused from the next request on.
    fn revoke_token(
        &self,
        account: Uuid,
        token: Uuid,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()>;

    /// Appends an audit record.
    fn audit(
        &self,
        actor: String,
        action: &'static str,
        target: String,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> StorageFuture<'_, ()>;

    /// Audit records older than `before`, newest first.
    fn audit_page(&self, before: Option<u64>, limit: u32) -> StorageFuture<'_, Vec<AuditEntry>>;

    /// The name of the admin credential with this hash, unless revoked.
    fn admin_actor(&self, hash: TokenHash) -> StorageFuture<'_, Option<String>>;
}

impl Identity for SqliteStorage {
    fn create_admin_account(
        &self,
        account: Uuid,
        subject: Option<String>,
        token: NewTokenRow,
        actor: String,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        self.run(move |inner| {
            lock(&inner.registry)?.create_account_audited(
                account,
                subject.as_deref(),
                Some(&token),
                now,
                &actor,
                &detail,
            )?;
            inner.slot(account).map(drop)
        })
    }

    fn sign_in(
        &self,
        subject: String,
        allowance: Option<u64>,
        now: Timestamp,
    ) -> StorageFuture<'_, (Account, bool)> {
        self.run(move |inner| {
            let disabled = || {
                AppError::api(
                    ErrorCode::AccountDisabled,
                    "this account is disabled: ask the operator",
                )
            };
            let registry = lock(&inner.registry)?;
            match registry.account_by_subject(&subject)? {
                Some((_, true)) => return Err(disabled()),
                Some((account, false)) => return Ok((account, false)),
                None => {}
            }
            let account = Uuid::now_v7();
            registry.create_account_audited(
                account,
                Some(&subject),
                None,
                now,
                "jwt",
                &serde_json::json!({ "subject": subject, "allowance": allowance }),
            )?;
            drop(registry);
            let slot = inner.slot(account)?;
            if let Some(credits) = allowance {
                // The account's id is the grant's op id: one starting grant per account. It runs
                // in this blocking task, so a client hanging up cannot leave the account without it.
                let mut grant = GrantRequest::new(OpId(account), GrantKind::Allowance, credits);
                grant.note = "sign-in starting allowance".to_owned();
                slot.lock()?.grant(&grant, now)?;
            }
            Ok((
                Account {
                    id: account,
                    offset_ms: 0,
                },
                true,
            ))
        })
    }

    fn refusal(&self, token: TokenHash, now: Timestamp) -> StorageFuture<'_, Refusal> {
        self.run(move |inner| lock(&inner.registry)?.refusal(token, now))
    }

    fn admin_account(
        &self,
        account: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<AdminAccount>> {
        self.run(move |inner| lock(&inner.registry)?.admin_account(account, now))
    }

    fn admin_accounts(
        &self,
        after: Option<Uuid>,
        limit: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, Vec<AdminAccount>> {
        self.run(move |inner| lock(&inner.registry)?.admin_accounts(after, limit, now))
    }

    fn disable_account(
        &self,
        account: Uuid,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        self.run(move |inner| {
            lock(&inner.registry)?.disable_account(account, now, &actor)?;
            inner.forget_tokens(account)
        })
    }

    fn issue_token(
        &self,
        account: Uuid,
        token: NewTokenRow,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        self.run(move |inner| lock(&inner.registry)?.issue_token(account, &token, now, &actor))
    }

    fn tokens(&self, account: Uuid) -> StorageFuture<'_, Vec<TokenInfo>> {
        self.run(move |inner| lock(&inner.registry)?.tokens(account))
    }

    fn revoke_token(
        &self,
        account: Uuid,
        token: Uuid,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        self.run(move |inner| {
            lock(&inner.registry)?.revoke_token(account, token, now, &actor)?;
            inner.forget_tokens(account)
        })
    }

    fn audit(
        &self,
        actor: String,
        action: &'static str,
        target: String,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        self.run(move |inner| lock(&inner.registry)?.audit(now, &actor, action, &target, &detail))
    }

    fn audit_page(&self, before: Option<u64>, limit: u32) -> StorageFuture<'_, Vec<AuditEntry>> {
        self.run(move |inner| lock(&inner.registry)?.audit_page(before, limit))
    }

    fn admin_actor(&self, hash: TokenHash) -> StorageFuture<'_, Option<String>> {
        self.run(move |inner| lock(&inner.registry)?.admin_actor(hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2031-01-01T00:00:00Z".parse().expect("a timestamp")
    }

    #[test]
    fn a_registry_made_before_migrations_opens_and_keeps_its_accounts_and_their_tokens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.sqlite3");
        let account = Uuid::now_v7();
        {
            // What the endpoint wrote before the registry was versioned.
            let old = rusqlite::Connection::open(&path).expect("opens");
            old.execute_batch(super::super::registry::V1)
                .expect("old schema");
            old.execute(
                "INSERT INTO accounts (account_id, token_hash, created_at, clock_offset_ms)
                 VALUES (?1, ?2, ?3, 7000)",
                params![
                    account.as_bytes(),
                    TokenHash::of("rk_old").0,
                    t0().as_millis()
                ],
            )
            .expect("old account");
            old.execute(
                "INSERT INTO policies (version, document, published_at) VALUES ('v-old', '{}', 1)",
                [],
            )
            .expect("old policy");
        }
        let registry = Registry::open(&path).expect("the old registry opens");
        let found = registry
            .usable_token(TokenHash::of("rk_old"), t0())
            .expect("looks up");
        assert_eq!(
            found.map(|(a, exp)| (a.id, a.offset_ms, exp)),
            Some((account, 7000, None)),
            "the old account's token still signs it in, with its clock"
        );
        assert_eq!(
            registry.latest_policy().expect("reads").map(|p| p.version),
            Some("v-old".to_owned()),
            "the published policy is kept"
        );
        drop(registry);
        let again = Registry::open(&path).expect("opens a second time");
        assert_eq!(
            again.account_ids().expect("lists"),
            vec![account],
            "opening again migrates nothing twice and keeps the account"
        );
    }

    #[test]
    fn the_audit_log_refuses_to_change_or_lose_a_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::open(&dir.path().join("r.sqlite3")).expect("opens");
        registry
            .audit(
                t0(),
                "ops",
                "grant",
                "acct",
                &serde_json::json!({"credits": 5}),
            )
            .expect("appends");
        let update = registry.conn.execute("UPDATE audit SET actor = 'x'", []);
        let delete = registry.conn.execute("DELETE FROM audit", []);
        assert!(
            update.is_err() && delete.is_err(),
            "both are refused: {update:?} {delete:?}"
        );
        let page = registry.audit_page(None, 10).expect("reads");
        assert_eq!(
            page.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(),
            vec!["ops"],
            "the record is as written"
        );
    }
}
