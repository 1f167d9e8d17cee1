//! What the operator console reads besides the review queue (a part of [`super::Storage`]): the
//! published policies with who published each, and accounts (found by id or sign-in subject,
//! and one in full: balance, grants, ledger, reports).

use recoup_api::console::{ConsoleAccountRow, PolicyVersionRow};
use recoup_core::{Feature, Timestamp};
use recoup_store::{AccountBalance, ClaimQuery, ClaimRecord, EntryQuery, LedgerEntry, Store};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::StorageFuture;
use super::console::non_negative;
use super::identity::ts;
use super::registry::{Registry, uuid_from};
use super::sqlite::SqliteStorage;
use crate::error::{AppError, lock};

/// How a search names accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccountSearch {
    /// The account with this id.
    Id(Uuid),
    /// The accounts whose sign-in subject starts with this.
    SubjectPrefix(String),
}

/// One account in full, as its ledger has it.
#[derive(Debug, Clone)]
pub(crate) struct AccountView {
    pub(crate) balance: AccountBalance,
    /// The latest entries, newest first.
    pub(crate) ledger: Vec<LedgerEntry>,
    /// The latest claims, newest first, each with its generation's feature.
    pub(crate) recent: Vec<(ClaimRecord, Feature)>,
    /// Claims in all, and those refunded.
    pub(crate) reports: u64,
    pub(crate) refunds: u64,
}

/// The SQL of a publication's row: its number, version, time, and the actor of its
/// `policy.publish` audit record (the same on both engines); then, for one version, its document.
macro_rules! policy_row_sql {
    () => {
        "SELECT p.seq, p.version, p.published_at,
            (SELECT a.actor FROM audit a WHERE a.target = p.version AND a.action = 'policy.publish'
             ORDER BY a.seq DESC LIMIT 1)"
    };
}

/// Every publication, newest first.
pub(crate) const POLICY_VERSIONS_SQL: &str =
    concat!(policy_row_sql!(), " FROM policies p ORDER BY p.seq DESC");

/// One publication with its document (`$1`/`?1`: its number).
pub(crate) const POLICY_VERSION_SQL: &str = concat!(
    policy_row_sql!(),
    ", p.document FROM policies p WHERE p.seq = $1"
);

/// Storage operations of the console's policy and accounts pages.
pub(crate) trait Backoffice: Send + Sync {
    /// Every published policy, newest first.
    fn policy_versions(&self) -> StorageFuture<'_, Vec<PolicyVersionRow>>;

    /// One published policy and its document.
    fn policy_version(&self, seq: u64) -> StorageFuture<'_, Option<(PolicyVersionRow, String)>>;

    /// Accounts a search names, at most `limit`, in subject order.
    fn find_accounts(
        &self,
        search: AccountSearch,
        limit: u32,
    ) -> StorageFuture<'_, Vec<ConsoleAccountRow>>;

    /// One account in full: `None` when there is no such account.
    fn account_view(
        &self,
        account: Uuid,
        rows: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<(ConsoleAccountRow, AccountView)>>;
}

/// A stored publication number.
pub(crate) fn policy_seq(seq: i64) -> Result<u64, AppError> {
    non_negative(seq)
}

type PolicyRowSql = (i64, String, i64, Option<String>);

fn policy_row((seq, version, at, by): PolicyRowSql) -> Result<PolicyVersionRow, AppError> {
    Ok(PolicyVersionRow {
        seq: policy_seq(seq)?,
        version,
        published_at: ts(at)?,
        published_by: by,
    })
}

type AccountRowSql = (Vec<u8>, Option<String>, i64, Option<i64>);

const ACCOUNT_ROW: &str = "SELECT account_id, subject, created_at, disabled_at FROM accounts";

fn account_row(
    (id, subject, created, disabled): AccountRowSql,
) -> Result<ConsoleAccountRow, AppError> {
    Ok(ConsoleAccountRow {
        account_id: uuid_from(&id)?,
        subject,
        created_at: ts(created)?,
        disabled_at: disabled.map(ts).transpose()?,
    })
}

/// The first string after every string that starts with `prefix` (in byte order): the end of
/// a prefix's range on an index.
pub(crate) fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

impl Registry {
    fn policy_versions(&self) -> Result<Vec<PolicyVersionRow>, AppError> {
        let mut stmt = self.conn.prepare_cached(POLICY_VERSIONS_SQL)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<PolicyRowSql>, _>>()?;
        rows.into_iter().map(policy_row).collect()
    }

    fn policy_version(&self, seq: u64) -> Result<Option<(PolicyVersionRow, String)>, AppError> {
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        let row = self
            .conn
            .prepare_cached(POLICY_VERSION_SQL)?
            .query_row([seq], |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        row.map(|(r, doc)| Ok((policy_row(r)?, doc))).transpose()
    }

    fn find_accounts(
        &self,
        search: &AccountSearch,
        limit: u32,
    ) -> Result<Vec<ConsoleAccountRow>, AppError> {
        let read = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
        let rows: Vec<AccountRowSql> = match search {
            AccountSearch::Id(id) => self
                .conn
                .prepare_cached(&format!("{ACCOUNT_ROW} WHERE account_id = ?1"))?
                .query_map([id.as_bytes()], read)?
                .collect::<Result<_, _>>()?,
            AccountSearch::SubjectPrefix(prefix) => self
                .conn
                .prepare_cached(&format!(
                    "{ACCOUNT_ROW} WHERE subject >= ?1 AND subject < ?2 ORDER BY subject LIMIT ?3"
                ))?
                .query_map(params![prefix, prefix_end(prefix), limit], read)?
                .collect::<Result<_, _>>()?,
        };
        rows.into_iter().map(account_row).collect()
    }
}

/// The latest `limit` claims of an account's store, each with its generation's feature.
pub(crate) fn recent_claims(
    store: &Store,
    limit: u32,
) -> Result<Vec<(ClaimRecord, Feature)>, AppError> {
    let latest = store.claims(&ClaimQuery {
        sync_state: None,
        before: None,
        limit,
    })?;
    let mut recent = Vec::with_capacity(latest.len());
    for c in latest {
        let feature = store.generation(c.generation_id)?.feature;
        recent.push((c, feature));
    }
    Ok(recent)
}

impl Backoffice for SqliteStorage {
    fn policy_versions(&self) -> StorageFuture<'_, Vec<PolicyVersionRow>> {
        self.run(move |inner| lock(&inner.registry)?.policy_versions())
    }

    fn policy_version(&self, seq: u64) -> StorageFuture<'_, Option<(PolicyVersionRow, String)>> {
        self.run(move |inner| lock(&inner.registry)?.policy_version(seq))
    }

    fn find_accounts(
        &self,
        search: AccountSearch,
        limit: u32,
    ) -> StorageFuture<'_, Vec<ConsoleAccountRow>> {
        self.run(move |inner| lock(&inner.registry)?.find_accounts(&search, limit))
    }

    fn account_view(
        &self,
        account: Uuid,
        rows: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<(ConsoleAccountRow, AccountView)>> {
        self.run(move |inner| {
            let row = lock(&inner.registry)?
                .find_accounts(&AccountSearch::Id(account), 1)?
                .pop();
            let Some(row) = row else { return Ok(None) };
            let slot = inner.slot(account)?;
            let store = slot.lock()?;
            let (reports, refunds) = store.claim_counts()?;
            let view = AccountView {
                balance: store.balance(now)?,
                ledger: store.entries(&EntryQuery {
                    kind: None,
                    generation_id: None,
                    before_seq: None,
                    limit: rows,
                })?,
                recent: recent_claims(&store, rows)?,
                reports,
                refunds,
            };
            Ok(Some((row, view)))
        })
    }
}
