//! The console's insights on PostgreSQL: the counters migration 7's triggers keep (summed over
//! their shards), and the accounts' refunds and spending from the safeguards' `activity_days`.

use recoup_core::{ClaimReason, Feature, Platform};
use uuid::Uuid;

use super::super::StorageFuture;
use super::super::console::{non_negative, spelled};
use super::super::insights::{AccountActivity, InsightRow, Insights, counts_from};
use super::PgStorage;
use crate::error::AppError;

impl PgStorage {
    async fn rows(&self, from: i64, to: i64) -> Result<Vec<InsightRow>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT day, feature, platform, sum(delivered)::bigint, sum(failed)::bigint,
                     sum(reports)::bigint, sum(refunded_auto)::bigint, sum(refused_auto)::bigint,
                     sum(sent_to_review)::bigint, sum(refunded_reviewed)::bigint,
                     sum(refused_reviewed)::bigint, sum(refunded_credits)::bigint
                 FROM insight_days WHERE day BETWEEN $1 AND $2
                 GROUP BY day, feature, platform ORDER BY day",
                &[&from, &to],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let mut c = [0i64; 9];
                for (i, v) in c.iter_mut().enumerate() {
                    *v = r.try_get(3 + i)?;
                }
                Ok(InsightRow {
                    day: r.try_get(0)?,
                    feature: spelled(r.try_get::<_, &str>(1)?)?,
                    platform: spelled(r.try_get::<_, &str>(2)?)?,
                    counts: counts_from(c)?,
                })
            })
            .collect()
    }

    async fn reasons(
        &self,
        from: i64,
        to: i64,
        feature: Option<Feature>,
        platform: Option<Platform>,
    ) -> Result<Vec<(ClaimReason, u64)>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT reason, sum(reports)::bigint FROM insight_reasons
                 WHERE day BETWEEN $1 AND $2 AND ($3::text IS NULL OR feature = $3)
                     AND ($4::text IS NULL OR platform = $4)
                 GROUP BY reason",
                &[
                    &from,
                    &to,
                    &feature.map(Feature::as_str),
                    &platform.map(Platform::as_str),
                ],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    spelled(r.try_get::<_, &str>(0)?)?,
                    non_negative(r.try_get(1)?)?,
                ))
            })
            .collect()
    }

    async fn refunding(&self, from: i64) -> Result<Vec<AccountActivity>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "WITH r AS (SELECT DISTINCT account_id FROM activity_days
                            WHERE day >= $1 AND refunds > 0)
                 SELECT d.account_id, a.subject, sum(d.refunds)::bigint, sum(d.refunded)::bigint,
                     sum(d.spent)::bigint
                 FROM activity_days d
                 JOIN r USING (account_id)
                 JOIN accounts a USING (account_id)
                 WHERE d.day >= $1
                 GROUP BY d.account_id, a.subject",
                &[&from],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AccountActivity {
                    account: r.try_get::<_, Uuid>(0)?,
                    subject: r.try_get(1)?,
                    refunds: non_negative(r.try_get(2)?)?,
                    refunded: non_negative(r.try_get(3)?)?,
                    spent: non_negative(r.try_get(4)?)?,
                })
            })
            .collect()
    }
}

impl Insights for PgStorage {
    fn insight_rows(&self, from: i64, to: i64) -> StorageFuture<'_, Vec<InsightRow>> {
        Box::pin(self.rows(from, to))
    }

    fn insight_reasons(
        &self,
        from: i64,
        to: i64,
        feature: Option<Feature>,
        platform: Option<Platform>,
    ) -> StorageFuture<'_, Vec<(ClaimReason, u64)>> {
        Box::pin(self.reasons(from, to, feature, platform))
    }

    fn refunding_accounts(&self, from: i64) -> StorageFuture<'_, Vec<AccountActivity>> {
        Box::pin(self.refunding(from))
    }
}
