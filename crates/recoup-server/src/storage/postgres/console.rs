//! The operator console's storage on PostgreSQL: sessions (`console_sessions`), the review queue
//! joined with its claims and generations for the filters, and one item in full.

use recoup_api::console::{ReviewOrder, ReviewRow};
use recoup_core::{ClaimId, GenerationId, TimeDelta, Timestamp};
use recoup_store::OutputRecord;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::super::console::{
    Console, QueueQuery, RECENT_REPORTS, ReviewContext, SessionRow, SessionUse, hash32,
    non_negative, review_target, spelled,
};
use super::super::{StorageFuture, TokenHash};
use super::ledger::plain;
use super::{PgStorage, time};
use crate::error::AppError;

impl PgStorage {
    async fn page(&self, q: QueueQuery) -> Result<(Vec<ReviewRow>, u64), AppError> {
        let feature = q.feature.map(|f| f.as_str().to_owned());
        let platform = q.platform.map(|p| p.as_str().to_owned());
        let reason = q.reason.map(|r| r.as_str().to_owned());
        let before = q.queued_before.map(Timestamp::as_millis);
        let after = q.queued_after.map(Timestamp::as_millis);
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let mut filter = String::new();
        let mut add = |sql: &str, v: Box<dyn ToSql + Sync + Send>| {
            args.push(v);
            filter.push_str(&format!(" AND {sql}${}", args.len()));
        };
        if let Some(f) = feature {
            add("feature = ", Box::new(f));
        }
        if let Some(p) = platform {
            add("platform = ", Box::new(p));
        }
        if let Some(r) = reason {
            add("reason = ", Box::new(r));
        }
        if let Some(t) = before {
            add("queued_at <= ", Box::new(t));
        }
        if let Some(t) = after {
            add("queued_at >= ", Box::new(t));
        }
        // The filter columns are the queue's own (migration 6): no join.
        let from = "FROM reviews WHERE feature IS NOT NULL";
        let client = self.client().await?;
        let refs: Vec<&(dyn ToSql + Sync)> = args
            .iter()
            .map(|a| a.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let total: i64 = client
            .query_one(&format!("SELECT count(*) {from}{filter}"), &refs)
            .await?
            .try_get(0)?;
        let (cmp, dir) = match q.order {
            ReviewOrder::Oldest => (">", "ASC"),
            ReviewOrder::Newest => ("<", "DESC"),
        };
        let mut page_filter = filter.clone();
        let cursor = q
            .after
            .map(|c| (c.queued_at.as_millis(), c.account, c.claim));
        let mut page_refs = refs.clone();
        if let Some((at, account, claim)) = &cursor {
            let n = page_refs.len();
            page_filter.push_str(&format!(
                " AND (queued_at, account_id, claim_id) {cmp} (${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3
            ));
            page_refs.push(at);
            page_refs.push(account);
            page_refs.push(claim);
        }
        let limit = i64::from(q.limit);
        page_refs.push(&limit);
        let sql = format!(
            "SELECT account_id, claim_id, generation_id, feature, platform, reason, credits,
                 submitted_at, queued_at {from}{page_filter}
             ORDER BY queued_at {dir}, account_id {dir}, claim_id {dir} LIMIT ${}",
            page_refs.len()
        );
        let rows = client.query(&sql, &page_refs).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(ReviewRow {
                    account_id: r.try_get(0)?,
                    claim_id: ClaimId(r.try_get(1)?),
                    generation_id: GenerationId(r.try_get(2)?),
                    feature: spelled(&r.try_get::<_, String>(3)?)?,
                    platform: spelled(&r.try_get::<_, String>(4)?)?,
                    reason: spelled(&r.try_get::<_, String>(5)?)?,
                    credits: non_negative(r.try_get(6)?)?,
                    submitted_at: time(r.try_get(7)?)?,
                    queued_at: time(r.try_get(8)?)?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok((items, non_negative(total)?))
    }

    async fn context(
        &self,
        account: Uuid,
        claim: ClaimId,
        now: Timestamp,
    ) -> Result<Option<ReviewContext>, AppError> {
        let ledger = self.ledger();
        let Some(record) = plain(ledger.claim(account, claim).await)? else {
            return Ok(None);
        };
        let generation = plain(ledger.generation(account, record.generation_id).await)?;
        let client = self.client().await?;
        let queued_at = client
            .query_opt(
                "SELECT queued_at FROM reviews WHERE account_id = $1 AND claim_id = $2",
                &[&account, &claim.0],
            )
            .await?
            .map(|r| time(r.try_get(0)?))
            .transpose()?;
        let output = client
            .query_opt(
                "SELECT media_type, size_bytes, sha256, file_name, findings::text FROM outputs
                 WHERE account_id = $1 AND generation_id = $2",
                &[&account, &record.generation_id.0],
            )
            .await?
            .map(|r| -> Result<OutputRecord, AppError> {
                Ok(OutputRecord {
                    media_type: r.try_get(0)?,
                    size_bytes: non_negative(r.try_get(1)?)?,
                    sha256: r.try_get(2)?,
                    file_name: r.try_get(3)?,
                    findings: r.try_get(4)?,
                })
            })
            .transpose()?;
        drop(client);
        let recent = plain(ledger.recent_claims(account, RECENT_REPORTS).await)?;
        let (reports, refunds) = plain(ledger.claim_counts(account).await)?;
        let balance = plain(ledger.balance(account, now).await)?;
        Ok(Some(ReviewContext {
            claim: record,
            generation,
            queued_at,
            output,
            recent,
            reports,
            refunds,
            balance,
        }))
    }

    async fn lookup_session(
        &self,
        hash: TokenHash,
        now: Timestamp,
        idle: TimeDelta,
    ) -> Result<Option<SessionRow>, AppError> {
        let client = self.client().await?;
        let Some(r) = client
            .query_opt(
                "SELECT s.credential_hash, s.actor, s.csrf_token, s.created_at, s.expires_at,
                     s.last_seen_at, a.hash IS NOT NULL
                 FROM console_sessions s
                 LEFT JOIN admin_credentials a ON a.hash = s.credential_hash AND a.revoked_at IS NULL
                 WHERE s.session_hash = $1",
                &[&hash.0.as_slice()],
            )
            .await?
        else {
            return Ok(None);
        };
        let seen: i64 = r.try_get(5)?;
        let mut session = SessionRow {
            hash,
            credential: hash32(r.try_get(0)?)?,
            actor: r.try_get(1)?,
            csrf_token: r.try_get(2)?,
            created_at: time(r.try_get(3)?)?,
            expires_at: time(r.try_get(4)?)?,
            last_seen_at: time(seen)?,
        };
        let credential_ok: bool = r.try_get(6)?;
        match session.on_use(now, idle, credential_ok) {
            SessionUse::End => {
                client
                    .execute(
                        "DELETE FROM console_sessions WHERE session_hash = $1",
                        &[&hash.0.as_slice()],
                    )
                    .await?;
                return Ok(None);
            }
            SessionUse::Touch => {
                client
                    .execute(
                        "UPDATE console_sessions SET last_seen_at = $2 WHERE session_hash = $1",
                        &[&hash.0.as_slice(), &now.as_millis()],
                    )
                    .await?;
                session.last_seen_at = now;
            }
            SessionUse::Keep => {}
        }
        Ok(Some(session))
    }
}

impl Console for PgStorage {
    fn open_session(&self, row: SessionRow) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            // Sessions over for a day are cleared as new ones open.
            client
                .execute(
                    "DELETE FROM console_sessions WHERE expires_at < $1",
                    &[&(row.created_at.as_millis() - 86_400_000)],
                )
                .await?;
            client
                .execute(
                    "INSERT INTO console_sessions (session_hash, credential_hash, actor,
                         csrf_token, created_at, expires_at, last_seen_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        &row.hash.0.as_slice(),
                        &row.credential.0.as_slice(),
                        &row.actor,
                        &row.csrf_token,
                        &row.created_at.as_millis(),
                        &row.expires_at.as_millis(),
                        &row.last_seen_at.as_millis(),
                    ],
                )
                .await?;
            Ok(())
        })
    }

    fn session(
        &self,
        hash: TokenHash,
        now: Timestamp,
        idle: TimeDelta,
    ) -> StorageFuture<'_, Option<SessionRow>> {
        Box::pin(self.lookup_session(hash, now, idle))
    }

    fn close_session(&self, hash: TokenHash) -> StorageFuture<'_, bool> {
        Box::pin(async move {
            let n = self
                .client()
                .await?
                .execute(
                    "DELETE FROM console_sessions WHERE session_hash = $1",
                    &[&hash.0.as_slice()],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn review_page(&self, query: QueueQuery) -> StorageFuture<'_, (Vec<ReviewRow>, u64)> {
        Box::pin(self.page(query))
    }

    fn review_context(
        &self,
        account: Uuid,
        claim: ClaimId,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<ReviewContext>> {
        Box::pin(self.context(account, claim, now))
    }

    fn decided_by(
        &self,
        account: Uuid,
        claim: ClaimId,
    ) -> StorageFuture<'_, Option<(String, Timestamp)>> {
        Box::pin(async move {
            let row = self
                .client()
                .await?
                .query_opt(
                    "SELECT actor, at FROM audit WHERE target = $1 AND action = 'review.decide'
                     ORDER BY seq DESC LIMIT 1",
                    &[&review_target(account, claim)],
                )
                .await?;
            row.map(|r| Ok((r.try_get(0)?, time(r.try_get(1)?)?)))
                .transpose()
        })
    }
}
