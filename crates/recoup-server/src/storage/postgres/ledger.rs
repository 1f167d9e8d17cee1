//! The PostgreSQL engine, ledger half: [`Storage`] on `recoup_store_pg::PgLedger`, the
//! ledger operations of recoup-store's `Store` written for PostgreSQL with the same rules and
//! refusals. The registry parts (accounts, tokens, test clocks, the review queue, policies)
//! are this engine's inherent methods in `mod.rs`.
//!
//! What differs from the SQLite engine, and why:
//! - **The policy in force is read from the database** before each adjudication (one indexed
//!   row; parsed again only when its publication number changed): a policy published on one
//!   instance is in force on every instance from its next claim. There is no per-account
//!   activation to forget.
//! - **A claim in review joins the review queue in its own transaction**, so the queue and the
//!   ledgers never disagree and there is nothing to requeue at start.
//! - **The judgement reads the findings only.** The output's bytes are committed with its
//!   capture and its description in one transaction, so the file-versus-record check of the
//!   SQLite engine (a file lost or replaced beside its row) has nothing to catch here.
//! - **Claims are committed in groups per account on each instance** (`group.rs`): the
//!   requests for an account that wait for its transaction go together in the next one. Any
//!   instance may serve the account, and the per-account row lock orders the instances.

use std::sync::{Arc, Mutex};

use recoup_core::Timestamp;
use recoup_core::{ClaimId, GenerationId, OpId, Policy, PriceList};
use recoup_store::{
    AccountBalance, CaptureOutput, ChangePage, ClaimRecord, FinishGeneration, GenerationRecord,
    GrantRecord, GrantRequest, Judgement, OutputRecord, StartGeneration, SubmitClaim,
};
use recoup_store_pg::{LedgerFailure, PgLedger};
use uuid::Uuid;

use super::PgStorage;
use crate::clock::AccountClock;
use crate::error::AppError;
use crate::storage::{Account, Ledger, NewOutput, QueuedClaim, Storage, StorageFuture, TokenHash};

/// A parsed policy and the publication it came from.
pub(super) type PolicyCache = Arc<Mutex<Option<(u64, Arc<Policy>)>>>;

/// A ledger failure as an answer: a refusal is the ledger's (the handler decides), a database
/// failure is the engine's.
fn ledger<T>(r: Result<T, LedgerFailure>) -> Result<Ledger<T>, AppError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(LedgerFailure::Refused(e)) => Ok(Err(e)),
        Err(LedgerFailure::Database(e)) => Err(e.into()),
    }
}

/// A ledger failure where the operation has no refusal of its own to answer.
pub(super) fn plain<T>(r: Result<T, LedgerFailure>) -> Result<T, AppError> {
    match r {
        Ok(v) => Ok(v),
        Err(LedgerFailure::Refused(e)) => Err(e.into()),
        Err(LedgerFailure::Database(e)) => Err(e.into()),
    }
}

impl PgStorage {
    /// The ledgers, on this engine's pool.
    pub(super) fn ledger(&self) -> PgLedger {
        PgLedger::new(self.pool.clone())
    }

    /// Tells the webhook dispatcher to look at the account after a write that may have
    /// recorded events (the events themselves are in the database, committed with their cause).
    pub(super) fn told(&self, account: Uuid) {
        self.events.signal.mark(account);
    }

    /// The policy in force: the one published last, parsed once per publication.
    pub(super) async fn policy_in_force(&self) -> Result<Arc<Policy>, AppError> {
        let Some(stored) = self.latest_policy().await? else {
            return Ok(Arc::new(Policy::builtin()));
        };
        if let Ok(cache) = self.policy_cache.lock()
            && let Some((seq, p)) = cache.as_ref()
            && *seq == stored.seq
        {
            return Ok(Arc::clone(p));
        }
        let policy = Arc::new(Policy::from_json(stored.document.as_bytes()).map_err(|e| {
            AppError::internal(format!(
                "the published policy {} no longer validates: {e}",
                stored.version
            ))
        })?);
        if let Ok(mut cache) = self.policy_cache.lock() {
            *cache = Some((stored.seq, Arc::clone(&policy)));
        }
        Ok(policy)
    }

    /// Decides "clearly unusable" from the output's recorded findings: objective evidence
    /// (blank, corrupt, truncated, noise) refunds at once, anything else goes to a person; no
    /// record or findings that do not parse go to review, never to an automatic refund.
    /// One judgement per claim, in order, from one query for all their outputs' findings.
    async fn judge(
        &self,
        account: Uuid,
        claims: &[SubmitClaim],
    ) -> Result<Vec<Judgement>, AppError> {
        let ids: Vec<Uuid> = claims.iter().map(|c| c.generation_id.0).collect();
        let rows = self
            .query_cached(
                "SELECT generation_id, findings::text FROM outputs
                 WHERE account_id = $1 AND generation_id = ANY($2)",
                &[&account, &ids],
            )
            .await?;
        let mut findings = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            findings.insert(r.try_get::<_, Uuid>(0)?, r.try_get::<_, String>(1)?);
        }
        Ok(claims
            .iter()
            .map(|c| {
                judgement_of(
                    c.generation_id,
                    findings.get(&c.generation_id.0).map(String::as_str),
                )
            })
            .collect())
    }

    /// Keeps an output and captures its generation (see `Providers::capture_output`).
    pub(super) async fn capture(
        &self,
        account: Uuid,
        generation: GenerationId,
        output: NewOutput,
        now: Timestamp,
    ) -> Result<Ledger<GenerationRecord>, AppError> {
        let req = CaptureOutput {
            op_id: OpId(Uuid::now_v7()),
            generation_id: generation,
            output: OutputRecord {
                media_type: output.media_type.to_owned(),
                size_bytes: u64::try_from(output.bytes.len()).unwrap_or(u64::MAX),
                sha256: output.sha256.clone(),
                file_name: output.file_name(generation),
                findings: output.findings,
            },
        };
        let done = self
            .ledger()
            .capture_output(account, &req, &output.bytes, now)
            .await;
        self.told(account);
        ledger(done)
    }
}

/// The judgement a claim's output's recorded findings support (see [`PgStorage::judge`]).
fn judgement_of(generation: GenerationId, findings: Option<&str>) -> Judgement {
    let review = |why: &str| {
        tracing::warn!(%generation, why, "claim sent to review: its output's evidence is missing or damaged");
        Judgement::Review
    };
    let Some(findings) = findings else {
        return review("no output record");
    };
    let verdict = match crate::storage::provider::findings_verdict(findings) {
        Ok(v) => v,
        Err(why) => return review(why),
    };
    if verdict.clearly_unusable() {
        Judgement::Refund
    } else {
        Judgement::Review
    }
}

impl Storage for PgStorage {
    fn create_account(
        &self,
        account: Uuid,
        token: TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        Box::pin(PgStorage::create_account(self, account, token, now))
    }

    fn authenticate(&self, token: TokenHash) -> StorageFuture<'_, Option<Account>> {
        Box::pin(PgStorage::authenticate(self, token))
    }

    fn clock_offset_ms(&self, account: Uuid) -> StorageFuture<'_, Option<i64>> {
        Box::pin(PgStorage::clock_offset_ms(self, account))
    }

    fn advance_clock(&self, account: Uuid, by_ms: i64) -> StorageFuture<'_, Option<i64>> {
        Box::pin(PgStorage::advance_clock(self, account, by_ms))
    }

    fn balance(&self, account: Uuid, now: Timestamp) -> StorageFuture<'_, AccountBalance> {
        Box::pin(async move { plain(self.ledger().balance(account, now).await) })
    }

    fn grant(
        &self,
        account: Uuid,
        req: GrantRequest,
        now: Timestamp,
    ) -> StorageFuture<'_, GrantRecord> {
        Box::pin(async move {
            let done = self.ledger().grant(account, &req, now).await;
            self.told(account);
            plain(done)
        })
    }

    fn sweep(&self, account: Uuid, now: Timestamp) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let done = self.ledger().sweep(account, now).await;
            self.told(account);
            plain(done).map(drop)
        })
    }

    fn start_generation(
        &self,
        account: Uuid,
        req: StartGeneration,
        now: Timestamp,
    ) -> StorageFuture<'_, GenerationRecord> {
        Box::pin(async move {
            let done = self
                .ledger()
                .start_generation(account, &req, &PriceList::builtin(), now)
                .await;
            self.told(account);
            plain(done)
        })
    }

    fn generation(&self, account: Uuid, id: GenerationId) -> StorageFuture<'_, GenerationRecord> {
        Box::pin(async move { plain(self.ledger().generation(account, id).await) })
    }

    fn output(&self, account: Uuid, output_ref: String) -> StorageFuture<'_, Option<Vec<u8>>> {
        Box::pin(async move { plain(self.ledger().output_body(account, &output_ref).await) })
    }

    fn finish_generation(
        &self,
        account: Uuid,
        req: FinishGeneration,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<GenerationRecord>> {
        Box::pin(async move {
            let done = self.ledger().finish_generation(account, &req, now).await;
            self.told(account);
            ledger(done)
        })
    }

    fn adjudicate(
        &self,
        account: Uuid,
        claims: Vec<SubmitClaim>,
        clock: AccountClock,
    ) -> StorageFuture<'_, Vec<Ledger<ClaimRecord>>> {
        Box::pin(async move {
            let judgements = self.judge(account, &claims).await?;
            let items: Vec<(SubmitClaim, Judgement)> = claims.into_iter().zip(judgements).collect();
            self.adjudicate_grouped(account, items, clock).await
        })
    }

    fn changes(
        &self,
        account: Uuid,
        after: i64,
        limit: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, ChangePage> {
        Box::pin(async move {
            let ledger = self.ledger();
            plain(ledger.note_pull(account, now).await)?;
            plain(ledger.changes(account, after, limit).await)
        })
    }

    fn ready(&self) -> StorageFuture<'_, ()> {
        Box::pin(PgStorage::ready(self))
    }

    fn review_queue(&self, limit: u32) -> StorageFuture<'_, Vec<QueuedClaim>> {
        Box::pin(async move {
            let queued = PgStorage::review_queue(self, limit).await?;
            let ledger = self.ledger();
            let mut out = Vec::with_capacity(queued.len());
            for (account, claim, _) in queued {
                // Queued and decided in the claim's own transactions: a queued claim exists.
                let Some(claim) = plain(ledger.claim(account, ClaimId(claim)).await)? else {
                    return Err(AppError::internal(format!(
                        "claim {claim} of {account} is queued for review but not in its ledger"
                    )));
                };
                out.push(QueuedClaim { account, claim });
            }
            Ok(out)
        })
    }

    fn review(
        &self,
        account: Uuid,
        claim: ClaimId,
        approve: bool,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<ClaimRecord>> {
        Box::pin(async move {
            let done = self.ledger().review(account, claim, approve, now).await;
            self.told(account);
            ledger(done)
        })
    }

    fn publish_policy(
        &self,
        version: String,
        document: String,
        now: Timestamp,
    ) -> StorageFuture<'_, u64> {
        Box::pin(async move { PgStorage::publish_policy(self, &version, &document, now).await })
    }
}
