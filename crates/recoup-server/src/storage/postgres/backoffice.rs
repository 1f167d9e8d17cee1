//! The console's policy history and accounts on PostgreSQL.

use recoup_api::console::{ConsoleAccountRow, PolicyVersionRow};
use recoup_core::Timestamp;
use uuid::Uuid;

use super::super::StorageFuture;
use super::super::backoffice::{
    AccountSearch, AccountView, Backoffice, POLICY_VERSION_SQL, POLICY_VERSIONS_SQL, policy_seq,
};
use super::ledger::plain;
use super::{PgStorage, time};
use crate::error::AppError;

const ACCOUNT_ROW: &str = "SELECT account_id, subject, created_at, disabled_at FROM accounts";

fn policy_row(r: &tokio_postgres::Row) -> Result<PolicyVersionRow, AppError> {
    Ok(PolicyVersionRow {
        seq: policy_seq(r.try_get(0)?)?,
        version: r.try_get(1)?,
        published_at: time(r.try_get(2)?)?,
        published_by: r.try_get(3)?,
    })
}

fn account_row(r: &tokio_postgres::Row) -> Result<ConsoleAccountRow, AppError> {
    Ok(ConsoleAccountRow {
        account_id: r.try_get(0)?,
        subject: r.try_get(1)?,
        created_at: time(r.try_get(2)?)?,
        disabled_at: r.try_get::<_, Option<i64>>(3)?.map(time).transpose()?,
    })
}

impl PgStorage {
    async fn versions(&self) -> Result<Vec<PolicyVersionRow>, AppError> {
        let rows = self.client().await?.query(POLICY_VERSIONS_SQL, &[]).await?;
        rows.iter().map(policy_row).collect()
    }

    async fn version(&self, seq: u64) -> Result<Option<(PolicyVersionRow, String)>, AppError> {
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        let row = self
            .client()
            .await?
            .query_opt(POLICY_VERSION_SQL, &[&seq])
            .await?;
        row.map(|r| Ok((policy_row(&r)?, r.try_get(4)?)))
            .transpose()
    }

    async fn find(
        &self,
        search: AccountSearch,
        limit: u32,
    ) -> Result<Vec<ConsoleAccountRow>, AppError> {
        let client = self.client().await?;
        let rows = match search {
            AccountSearch::Id(id) => {
                client
                    .query(&format!("{ACCOUNT_ROW} WHERE account_id = $1"), &[&id])
                    .await?
            }
            // The subjects' own table finds the prefix (an index on the text in the "C"
            // collation's order would find it without reading every subject: docs/console.md).
            AccountSearch::SubjectPrefix(prefix) => {
                client
                    .query(
                        &format!(
                        "{ACCOUNT_ROW} WHERE account_id IN (SELECT account_id FROM account_subjects
                                 WHERE starts_with(subject, $1) ORDER BY subject LIMIT $2)
                             ORDER BY subject"
                    ),
                        &[&prefix, &i64::from(limit)],
                    )
                    .await?
            }
        };
        rows.iter().map(account_row).collect()
    }

    async fn view(
        &self,
        account: Uuid,
        rows: u32,
        now: Timestamp,
    ) -> Result<Option<(ConsoleAccountRow, AccountView)>, AppError> {
        let Some(row) = self.find(AccountSearch::Id(account), 1).await?.pop() else {
            return Ok(None);
        };
        let ledger = self.ledger();
        let (reports, refunds) = plain(ledger.claim_counts(account).await)?;
        let view = AccountView {
            balance: plain(ledger.balance(account, now).await)?,
            ledger: plain(ledger.latest_entries(account, rows).await)?,
            recent: plain(ledger.recent_claims(account, rows).await)?,
            reports,
            refunds,
        };
        Ok(Some((row, view)))
    }
}

impl Backoffice for PgStorage {
    fn policy_versions(&self) -> StorageFuture<'_, Vec<PolicyVersionRow>> {
        Box::pin(self.versions())
    }

    fn policy_version(&self, seq: u64) -> StorageFuture<'_, Option<(PolicyVersionRow, String)>> {
        Box::pin(self.version(seq))
    }

    fn find_accounts(
        &self,
        search: AccountSearch,
        limit: u32,
    ) -> StorageFuture<'_, Vec<ConsoleAccountRow>> {
        Box::pin(self.find(search, limit))
    }

    fn account_view(
        &self,
        account: Uuid,
        rows: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<(ConsoleAccountRow, AccountView)>> {
        Box::pin(self.view(account, rows, now))
    }
}
