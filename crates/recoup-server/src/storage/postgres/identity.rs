//! Accounts, their tokens, sign-in subjects, admin credentials and the audit log on PostgreSQL,
//! with the semantics of the SQLite engine (`storage/identity.rs`): the same refusals, and each
//! admin change written in the same transaction as its audit record. A token's hash is kept in
//! `tokens` and in the lookup table `token_hashes`, a subject in `accounts.subject` and in
//! `account_subjects`, each pair in one transaction.

use recoup_api::{AdminAccount, AuditEntry, ErrorCode, TokenInfo};
use recoup_core::Timestamp;
use recoup_core::{GrantKind, OpId};
use recoup_store::GrantRequest;
use tokio_postgres::Transaction;
use uuid::Uuid;

use super::{
    DEFAULT_THRESHOLD_KEY, EVENTS_KEY, PgStorage, is_subject_taken, opt_time, subject_taken, time,
    violated,
};
use crate::error::AppError;
use crate::storage::identity::Refusal;
use crate::storage::{
    Account, AdminCredential, BOOTSTRAP_CREDENTIAL, Identity, NewTokenRow, StorageFuture, TokenHash,
};

/// The answer to an account that does not exist (the SQLite engine's words).
fn no_account(account: Uuid) -> AppError {
    AppError::api(
        ErrorCode::NotFound,
        format!("no account {account}: list them with GET /v1/admin/accounts"),
    )
}

/// The answer to a sign-in or a token of a disabled account.
fn disabled() -> AppError {
    AppError::api(
        ErrorCode::AccountDisabled,
        "this account is disabled: ask the operator",
    )
}

/// Appends an audit record inside `tx`.
async fn append_audit(
    tx: &Transaction<'_>,
    now: Timestamp,
    actor: &str,
    action: &str,
    target: &str,
    detail: &serde_json::Value,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
        &[&now.as_millis(), &actor, &action, &target, detail],
    )
    .await?;
    Ok(())
}

/// Inserts an account row, its subject's lookup row and its ledger's event settings (what the
/// SQLite engine writes when it first opens the account's store) inside `tx`. A subject that is
/// another account's is refused as `subject_taken`.
async fn insert_account(
    tx: &Transaction<'_>,
    events_default: Option<u64>,
    account: Uuid,
    subject: Option<&str>,
    now: Timestamp,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO accounts (account_id, created_at, subject) VALUES ($1, $2, $3)",
        &[&account, &now.as_millis(), &subject],
    )
    .await?;
    if let Some(s) = subject {
        tx.execute(
            "INSERT INTO account_subjects (subject, account_id) VALUES ($1, $2)",
            &[&s, &account],
        )
        .await
        .map_err(|e| {
            if is_subject_taken(&e) {
                subject_taken(s)
            } else {
                e.into()
            }
        })?;
    }
    tx.execute(
        "INSERT INTO meta (account_id, key, value) VALUES ($1, $2, 'on')",
        &[&account, &EVENTS_KEY],
    )
    .await?;
    if let Some(t) = events_default {
        tx.execute(
            "INSERT INTO meta (account_id, key, value) VALUES ($1, $2, $3)",
            &[&account, &DEFAULT_THRESHOLD_KEY, &t.to_string()],
        )
        .await?;
    }
    Ok(())
}

/// Inserts a token and its lookup row inside `tx`.
async fn insert_token(
    tx: &Transaction<'_>,
    account: Uuid,
    t: &NewTokenRow,
    now: Timestamp,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO tokens (account_id, token_id, prefix, hash, label, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &account,
            &t.token_id,
            &t.prefix,
            &&t.hash.0[..],
            &t.label,
            &now.as_millis(),
            &t.expires_at.map(Timestamp::as_millis),
        ],
    )
    .await?;
    tx.execute(
        "INSERT INTO token_hashes (hash, account_id, token_id) VALUES ($1, $2, $3)",
        &[&&t.hash.0[..], &account, &t.token_id],
    )
    .await?;
    Ok(())
}

/// The columns of an account as an admin sees it; `$1` is now (for the active tokens).
const ACCOUNT_COLUMNS: &str = "a.account_id, a.subject, a.created_at, a.disabled_at,
    (SELECT count(*) FROM tokens t WHERE t.account_id = a.account_id AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > $1))";

fn admin_account(r: &tokio_postgres::Row) -> Result<AdminAccount, AppError> {
    let active: i64 = r.try_get(4)?;
    Ok(AdminAccount {
        account_id: r.try_get(0)?,
        subject: r.try_get(1)?,
        created_at: time(r.try_get(2)?)?,
        disabled_at: opt_time(r.try_get(3)?)?,
        active_tokens: u32::try_from(active).unwrap_or(u32::MAX),
    })
}

fn token_info(r: &tokio_postgres::Row) -> Result<TokenInfo, AppError> {
    Ok(TokenInfo {
        token_id: r.try_get(0)?,
        prefix: r.try_get(1)?,
        label: r.try_get(2)?,
        created_at: time(r.try_get(3)?)?,
        expires_at: opt_time(r.try_get(4)?)?,
        revoked_at: opt_time(r.try_get(5)?)?,
    })
}

impl PgStorage {
    /// Records a new account with its first token (none for one made by a sign-in), its
    /// subject, and the audit record saying who made it, in one transaction.
    pub(super) async fn create_account_audited(
        &self,
        account: Uuid,
        subject: Option<&str>,
        token: Option<&NewTokenRow>,
        now: Timestamp,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        insert_account(&tx, self.events.balance_low_default, account, subject, now).await?;
        if let Some(t) = token {
            insert_token(&tx, account, t, now).await?;
        }
        append_audit(
            &tx,
            now,
            actor,
            "account.create",
            &account.to_string(),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account a sign-in subject names, and whether it is disabled.
    async fn account_by_subject(&self, subject: &str) -> Result<Option<(Account, bool)>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT a.account_id, a.clock_offset_ms, a.disabled_at IS NOT NULL
                 FROM account_subjects s JOIN accounts a ON a.account_id = s.account_id
                 WHERE s.subject = $1",
                &[&subject],
            )
            .await?;
        row.map(|r| {
            Ok((
                Account {
                    id: r.try_get(0)?,
                    offset_ms: r.try_get(1)?,
                },
                r.try_get(2)?,
            ))
        })
        .transpose()
    }

    /// The account a subject names, made when it is new (see [`Identity::sign_in`]). Two
    /// instances signing the same new subject in at once: the second's insert waits for the
    /// first's commit, is refused as a duplicate, and that sign-in answers the first's account.
    async fn sign_in_subject(
        &self,
        subject: &str,
        allowance: Option<u64>,
        now: Timestamp,
    ) -> Result<(Account, bool), AppError> {
        match self.account_by_subject(subject).await? {
            Some((_, true)) => return Err(disabled()),
            Some((account, false)) => return Ok((account, false)),
            None => {}
        }
        let account = Uuid::now_v7();
        let detail = serde_json::json!({ "subject": subject, "allowance": allowance });
        let made = async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            insert_account(
                &tx,
                self.events.balance_low_default,
                account,
                Some(subject),
                now,
            )
            .await?;
            append_audit(
                &tx,
                now,
                "jwt",
                "account.create",
                &account.to_string(),
                &detail,
            )
            .await?;
            if let Some(credits) = allowance {
                // In the account's own transaction: an account never exists without it.
                self.grant_starting_allowance(&tx, account, credits, now)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, AppError>(())
        }
        .await;
        match made {
            Ok(()) => Ok((
                Account {
                    id: account,
                    offset_ms: 0,
                },
                true,
            )),
            Err(e) if e.0.code == ErrorCode::SubjectTaken => {
                match self.account_by_subject(subject).await? {
                    Some((_, true)) => Err(disabled()),
                    Some((account, false)) => Ok((account, false)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Grants a signed-in account its starting allowance inside the transaction that makes
    /// the account. The account's id is the grant's op id: one starting grant per account.
    async fn grant_starting_allowance(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        account: Uuid,
        credits: u64,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let mut grant = GrantRequest::new(OpId(account), GrantKind::Allowance, credits);
        grant.note = "sign-in starting allowance".to_owned();
        match recoup_store_pg::PgLedger::grant_in(tx, account, &grant, now).await {
            Ok(_) => Ok(()),
            Err(recoup_store_pg::LedgerFailure::Refused(e)) => Err(e.into()),
            Err(recoup_store_pg::LedgerFailure::Database(e)) => Err(e.into()),
        }
    }

    /// Why a token is refused (a usable one is answered `Unknown` too).
    async fn token_refusal(&self, token: TokenHash, now: Timestamp) -> Result<Refusal, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT t.expires_at, t.revoked_at, a.disabled_at
                 FROM token_hashes h
                 JOIN tokens t ON t.account_id = h.account_id AND t.token_id = h.token_id
                 JOIN accounts a ON a.account_id = t.account_id
                 WHERE h.hash = $1",
                &[&&token.0[..]],
            )
            .await?;
        let row: Option<(Option<i64>, Option<i64>, Option<i64>)> = row
            .map(|r| Ok::<_, AppError>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()?;
        Ok(match row {
            None => Refusal::Unknown,
            Some((_, _, Some(_))) => Refusal::Disabled,
            Some((_, Some(_), None)) => Refusal::Revoked,
            Some((Some(exp), None, None)) if exp <= now.as_millis() => Refusal::Expired,
            Some(_) => Refusal::Unknown,
        })
    }

    async fn admin_account_row(
        &self,
        account: Uuid,
        now: Timestamp,
    ) -> Result<Option<AdminAccount>, AppError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.account_id = $2");
        let row = self
            .client()
            .await?
            .query_opt(&sql, &[&now.as_millis(), &account])
            .await?;
        row.as_ref().map(admin_account).transpose()
    }

    /// Accounts after `after` (by id: ids are UUIDv7, so oldest first), at most `limit`.
    async fn admin_account_page(
        &self,
        after: Option<Uuid>,
        limit: u32,
        now: Timestamp,
    ) -> Result<Vec<AdminAccount>, AppError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.account_id > $2
             ORDER BY a.account_id LIMIT $3"
        );
        let rows = self
            .client()
            .await?
            .query(
                &sql,
                &[
                    &now.as_millis(),
                    &after.unwrap_or(Uuid::nil()),
                    &i64::from(limit),
                ],
            )
            .await?;
        rows.iter().map(admin_account).collect()
    }

    /// Disables an account (once: disabling it again changes nothing and records nothing).
    async fn disable(&self, account: Uuid, now: Timestamp, actor: &str) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let known = tx
            .query_opt(
                "SELECT disabled_at FROM accounts WHERE account_id = $1 FOR UPDATE",
                &[&account],
            )
            .await?;
        match known.map(|r| r.try_get::<_, Option<i64>>(0)).transpose()? {
            None => return Err(no_account(account)),
            Some(Some(_)) => return Ok(()),
            Some(None) => {}
        }
        tx.execute(
            "UPDATE accounts SET disabled_at = $2 WHERE account_id = $1",
            &[&account, &now.as_millis()],
        )
        .await?;
        append_audit(
            &tx,
            now,
            actor,
            "account.disable",
            &account.to_string(),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues a token to an enabled account. The account's row is held (`FOR SHARE`) until
    /// commit, so a disable running at the same time comes before or after, never between.
    async fn issue(
        &self,
        account: Uuid,
        token: &NewTokenRow,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let known = tx
            .query_opt(
                "SELECT disabled_at FROM accounts WHERE account_id = $1 FOR SHARE",
                &[&account],
            )
            .await?;
        match known.map(|r| r.try_get::<_, Option<i64>>(0)).transpose()? {
            None => return Err(no_account(account)),
            Some(Some(_)) => {
                return Err(AppError::api(
                    ErrorCode::InvalidState,
                    format!("account {account} is disabled: it gets no new token"),
                ));
            }
            Some(None) => {}
        }
        insert_token(&tx, account, token, now).await?;
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
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's tokens, oldest first.
    async fn token_list(&self, account: Uuid) -> Result<Vec<TokenInfo>, AppError> {
        if self.clock_offset_ms(account).await?.is_none() {
            return Err(no_account(account));
        }
        let rows = self
            .client()
            .await?
            .query(
                "SELECT token_id, prefix, label, created_at, expires_at, revoked_at FROM tokens
                 WHERE account_id = $1 ORDER BY created_at, token_id",
                &[&account],
            )
            .await?;
        rows.iter().map(token_info).collect()
    }

    /// Revokes one of an account's tokens (revoking it again changes nothing). Its lookup row
    /// stays: a revoked token is refused as revoked, not as unknown.
    async fn revoke(
        &self,
        account: Uuid,
        token: Uuid,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let known = tx
            .query_opt(
                "SELECT revoked_at FROM tokens WHERE account_id = $1 AND token_id = $2 FOR UPDATE",
                &[&account, &token],
            )
            .await?;
        match known.map(|r| r.try_get::<_, Option<i64>>(0)).transpose()? {
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
            "UPDATE tokens SET revoked_at = $3 WHERE account_id = $1 AND token_id = $2",
            &[&account, &token, &now.as_millis()],
        )
        .await?;
        append_audit(
            &tx,
            now,
            actor,
            "token.revoke",
            &format!("{account}/{token}"),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends one audit record.
    async fn append(
        &self,
        now: Timestamp,
        actor: &str,
        action: &str,
        target: &str,
        detail: &serde_json::Value,
    ) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        append_audit(&tx, now, actor, action, target, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audit records older than `before` (all when `None`), newest first, at most `limit`.
    async fn audit_records(
        &self,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, AppError> {
        let before = before.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, at, actor, action, target, detail FROM audit WHERE seq < $1
                 ORDER BY seq DESC LIMIT $2",
                &[&before, &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get::<_, i64>(0)?.unsigned_abs(),
                    at: time(r.try_get(1)?)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    target: r.try_get(4)?,
                    detail: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The name of the unrevoked admin credential with this hash.
    async fn actor(&self, hash: TokenHash) -> Result<Option<String>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT name FROM admin_credentials WHERE hash = $1 AND revoked_at IS NULL",
                &[&&hash.0[..]],
            )
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Stores the credential given at start as [`BOOTSTRAP_CREDENTIAL`]. A revoked bootstrap
    /// credential stays revoked while the same secret is given; a new secret replaces it.
    pub(crate) async fn put_bootstrap(
        &self,
        hash: TokenHash,
        now: Timestamp,
    ) -> Result<(), AppError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO admin_credentials (name, hash, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET hash = excluded.hash,
                     created_at = excluded.created_at, revoked_at = NULL
                 WHERE admin_credentials.hash <> excluded.hash",
                &[&BOOTSTRAP_CREDENTIAL, &&hash.0[..], &now.as_millis()],
            )
            .await?;
        Ok(())
    }

    /// Adds a named admin credential, audited as `server`; refused when the name is taken
    /// (even by a revoked one: names stay unique in the audit log), or the secret is another
    /// credential's, with `invalid_input` as by the SQLite engine.
    pub(crate) async fn add_admin_credential(
        &self,
        name: &str,
        hash: TokenHash,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO admin_credentials (name, hash, created_at) VALUES ($1, $2, $3)",
            &[&name, &&hash.0[..], &now.as_millis()],
        )
        .await
        .map_err(|e| match violated(&e) {
            Some("admin_credentials_pkey" | "admin_credentials_hash_key") => AppError::api(
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
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every admin credential, by name.
    pub(crate) async fn admin_credentials(&self) -> Result<Vec<AdminCredential>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT name, created_at, revoked_at FROM admin_credentials ORDER BY name",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AdminCredential {
                    name: r.try_get(0)?,
                    created_at: time(r.try_get(1)?)?,
                    revoked_at: opt_time(r.try_get(2)?)?,
                })
            })
            .collect()
    }

    /// Revokes a named admin credential (a second revocation keeps the first time, and is
    /// audited again, as by the SQLite engine); `false` when there is none by that name.
    pub(crate) async fn revoke_admin_credential(
        &self,
        name: &str,
        now: Timestamp,
    ) -> Result<bool, AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE admin_credentials SET revoked_at = coalesce(revoked_at, $2) WHERE name = $1",
                &[&name, &now.as_millis()],
            )
            .await?;
        if n == 1 {
            append_audit(
                &tx,
                now,
                "server",
                "admin_credential.revoke",
                name,
                &serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }
}

impl Identity for PgStorage {
    fn create_admin_account(
        &self,
        account: Uuid,
        subject: Option<String>,
        token: NewTokenRow,
        actor: String,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            self.create_account_audited(
                account,
                subject.as_deref(),
                Some(&token),
                now,
                &actor,
                &detail,
            )
            .await
        })
    }

    fn sign_in(
        &self,
        subject: String,
        allowance: Option<u64>,
        now: Timestamp,
    ) -> StorageFuture<'_, (Account, bool)> {
        Box::pin(async move { self.sign_in_subject(&subject, allowance, now).await })
    }

    fn refusal(&self, token: TokenHash, now: Timestamp) -> StorageFuture<'_, Refusal> {
        Box::pin(self.token_refusal(token, now))
    }

    fn admin_account(
        &self,
        account: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<AdminAccount>> {
        Box::pin(self.admin_account_row(account, now))
    }

    fn admin_accounts(
        &self,
        after: Option<Uuid>,
        limit: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, Vec<AdminAccount>> {
        Box::pin(self.admin_account_page(after, limit, now))
    }

    fn disable_account(
        &self,
        account: Uuid,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.disable(account, now, &actor).await })
    }

    fn issue_token(
        &self,
        account: Uuid,
        token: NewTokenRow,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.issue(account, &token, now, &actor).await })
    }

    fn tokens(&self, account: Uuid) -> StorageFuture<'_, Vec<TokenInfo>> {
        Box::pin(self.token_list(account))
    }

    fn revoke_token(
        &self,
        account: Uuid,
        token: Uuid,
        actor: String,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.revoke(account, token, now, &actor).await })
    }

    fn audit(
        &self,
        actor: String,
        action: &'static str,
        target: String,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.append(now, &actor, action, &target, &detail).await })
    }

    fn audit_page(&self, before: Option<u64>, limit: u32) -> StorageFuture<'_, Vec<AuditEntry>> {
        Box::pin(self.audit_records(before, limit))
    }

    fn admin_actor(&self, hash: TokenHash) -> StorageFuture<'_, Option<String>> {
        Box::pin(self.actor(hash))
    }
}
