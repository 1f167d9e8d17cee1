//! The sync engine: push the outbox, pull the change feed, refresh the signed policy.
//!
//! Exactly once in effect: every outbox item carries its claim id, the endpoint's idempotency
//! key, so a batch that is sent again after a lost answer is answered with the first decision.
//! The queue never blocks: a permanent refusal of one claim is recorded as that claim's final
//! answer ("not refunded", with the code), a transient failure waits with capped full-jitter
//! backoff, and an item that keeps failing is quarantined so the others go on.
//!
//! What happens to an item after an answer is decided by the pure [`crate::planner`]; this
//! module sends, asks it, and carries out the step it returns.

use std::collections::HashMap;

use recoup_core::{TimeDelta, Timestamp};
use serde::Serialize;

use recoup_api::{
    ApiError, ClaimBatch, ClaimBatchAnswer, ClaimBatchItem, ClaimSubmission, ErrorCode, PolicyKey,
    SignatureError, SignedPolicy,
};
use recoup_core::{ClaimId, Clock};
use recoup_store::{ChangePage, ClaimOutcome, OutboxItem, Store, StoreError, Verdict};

use crate::backoff::Backoff;
use crate::client::{Client, ClientError, PolicyFetch};
use crate::planner::{self, Answer, BatchFailure, Moments, OutboxAction, Step, plan_batch_failure};
use crate::transport::Transport;
use crate::{clock_offset, is_offline, meta};
use recoup_core::rng::Random;

/// Most rejections a report lists one by one (the count is always complete).
const REJECTIONS_LISTED_MAX: usize = 20;

/// Most notices a report lists one by one.
const NOTICES_LISTED_MAX: usize = 50;

/// The engine's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncConfig {
    /// Claims per batch request, 1..=[`recoup_api::CLAIM_BATCH_MAX`].
    pub batch_max: u32,
    /// Failed attempts after which an item is quarantined (at least 1).
    pub quarantine_after: u32,
    /// Delay between attempts of one item.
    pub backoff: Backoff,
    /// Changes asked for per page, 1..=[`crate::CHANGES_LIMIT_MAX`].
    pub page_limit: u32,
    /// Most pages one pull reads before leaving the rest for the next sync.
    pub pages_max: u32,
}

impl Default for SyncConfig {
    /// Batches of 500, quarantine after 8 attempts, backoff 1 s to 5 min, pages of 1,000, at
    /// most 10,000 pages per pull.
    fn default() -> Self {
        Self {
            batch_max: 500,
            quarantine_after: 8,
            backoff: Backoff::default(),
            page_limit: 1_000,
            pages_max: 10_000,
        }
    }
}

impl SyncConfig {
    /// Checks the bounds.
    pub fn validate(&self) -> Result<(), SyncError> {
        let max = u32::try_from(recoup_api::CLAIM_BATCH_MAX).unwrap_or(u32::MAX);
        let problem = if self.batch_max == 0 || self.batch_max > max {
            Some(format!("batch_max must be between 1 and {max}"))
        } else if self.quarantine_after == 0 {
            Some("quarantine_after must be at least 1".to_owned())
        } else if self.page_limit == 0 || self.page_limit > crate::CHANGES_LIMIT_MAX {
            Some(format!(
                "page_limit must be between 1 and {}",
                crate::CHANGES_LIMIT_MAX
            ))
        } else if self.pages_max == 0 {
            Some("pages_max must be at least 1".to_owned())
        } else if self.backoff.base.is_zero() || self.backoff.cap < self.backoff.base {
            Some("the backoff base must be positive and the cap at least the base".to_owned())
        } else {
            None
        };
        problem.map_or(Ok(()), |p| Err(SyncError::Config(p)))
    }
}

/// Which part of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Sending the outbox.
    Push,
    /// Reading the change feed.
    Pull,
    /// Fetching the policy.
    Policy,
}

/// A failure during one phase; the phase stopped, the rest of the sync went on or was skipped,
/// and nothing was lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseError {
    /// Where.
    pub phase: Phase,
    /// Whether a later sync may succeed.
    pub transient: bool,
    /// The network failed (no answer at all).
    pub network: bool,
    /// The endpoint's error code, if it answered with one.
    pub code: Option<ErrorCode>,
    /// What happened.
    pub message: String,
}

impl PhaseError {
    fn new(phase: Phase, e: &ClientError) -> Self {
        Self {
            phase,
            transient: e.is_transient(),
            network: matches!(e, ClientError::Transport(_)),
            code: e.code(),
            message: e.to_string(),
        }
    }

    fn other(phase: Phase, message: impl Into<String>) -> Self {
        Self {
            phase,
            transient: true,
            network: false,
            code: None,
            message: message.into(),
        }
    }
}

/// A claim the endpoint refused for good; recorded as its final "not refunded" answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The claim.
    pub claim_id: ClaimId,
    /// The endpoint's code.
    pub code: ErrorCode,
    /// The endpoint's message.
    pub message: String,
}

/// The endpoint's answer to one claim, as the user is told it ("Refund granted: 4 credits",
/// "Thank you for your feedback").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// The claim.
    pub claim_id: ClaimId,
    /// The outcome.
    pub outcome: ClaimOutcome,
    /// The notification text.
    pub message: String,
}

/// Why a policy from the endpoint was not put in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyRefusal {
    /// No key was pinned at login, so nothing can be trusted.
    #[error("no policy key is pinned (log in again to pin the endpoint's key)")]
    NoPinnedKey,
    /// The pinned key in the store is unreadable.
    #[error("the pinned policy key is unreadable: {0}")]
    BadPinnedKey(String),
    /// The signature is missing, malformed or does not verify.
    #[error(transparent)]
    Signature(SignatureError),
    /// The signed document does not validate as a policy.
    #[error("the signed policy does not validate: {0}")]
    InvalidDocument(String),
    /// The signed publication number is lower than the one in force here (a replayed old policy).
    #[error(
        "the offered policy is publication {offered}, older than publication {have} in force here"
    )]
    Downgrade {
        /// The offered publication number.
        offered: u64,
        /// The one in force.
        have: u64,
    },
    /// The envelope's version (the ETag) is not the signed document's.
    #[error("the policy is labelled {envelope} but the signed document is {document}")]
    VersionMismatch {
        /// The unsigned label.
        envelope: String,
        /// The version inside the signed bytes.
        document: String,
    },
}

impl PolicyRefusal {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyRefusal::NoPinnedKey => "no_pinned_key",
            PolicyRefusal::BadPinnedKey(_) => "bad_pinned_key",
            PolicyRefusal::Signature(SignatureError::Unsigned) => "unsigned",
            PolicyRefusal::Signature(SignatureError::Malformed(_)) => "malformed_signature",
            PolicyRefusal::Signature(SignatureError::Invalid) => "invalid_signature",
            PolicyRefusal::InvalidDocument(_) => "invalid_document",
            PolicyRefusal::VersionMismatch { .. } => "version_mismatch",
            PolicyRefusal::Downgrade { .. } => "downgrade",
        }
    }
}

impl Serialize for PolicyRefusal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            code: &'a str,
            message: String,
        }
        Shown {
            code: self.code(),
            message: self.to_string(),
        }
        .serialize(s)
    }
}

/// What the policy phase did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PolicyStatus {
    /// Not asked (offline, or an earlier phase found the endpoint unreachable).
    #[default]
    NotChecked,
    /// The device already has the endpoint's version.
    Unchanged {
        /// The version in force.
        version: String,
    },
    /// A new, verified version is in force.
    Updated {
        /// The version before.
        from: String,
        /// The version now.
        to: String,
    },
    /// The endpoint's document was refused; the last good one stays in force.
    Refused {
        /// What the endpoint offered.
        offered: String,
        /// What stays in force.
        kept: String,
        /// Why.
        reason: PolicyRefusal,
    },
}

/// What one sync did. Every count is of this sync only.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SyncReport {
    /// Claims sent (a claim sent again after a failure counts again).
    pub sent: u32,
    /// Claims the endpoint answered (decisions and permanent refusals).
    pub answered: u32,
    /// Of those, refunded.
    pub refunded: u32,
    /// Credits refunded by those.
    pub refunded_credits: u64,
    /// Of those, not refunded (refusals included).
    pub not_refunded: u32,
    /// Of those, waiting for review.
    pub in_review: u32,
    /// Of the not refunded, refused with an error code (recorded as final, never retried).
    pub rejected: u32,
    /// The first rejections, with their codes.
    pub rejections: Vec<Rejection>,
    /// The first answers, as notifications.
    pub notices: Vec<Notice>,
    /// Claims that failed transiently and wait for a later attempt.
    pub retried: u32,
    /// Claims set aside after too many failures (`recoup sync --retry-quarantined`).
    pub quarantined: u32,
    /// Items still waiting in the outbox after this sync.
    pub still_queued: u64,
    /// Change-feed pages read.
    pub pages: u32,
    /// Changes that were new here.
    pub pulled: u32,
    /// Changes already here (a page read twice).
    pub already_had: u32,
    /// Claims whose final decision arrived through the feed.
    pub claims_decided: u32,
    /// More changes wait (the pull stopped at its page bound).
    pub more_to_pull: bool,
    /// Endpoint time minus device time, in ms, as measured by this sync.
    pub clock_offset_ms: Option<i64>,
    /// The policy version the endpoint says is in force.
    pub endpoint_policy_version: Option<String>,
    /// The policy phase.
    pub policy: PolicyStatus,
    /// What went wrong, per phase.
    pub errors: Vec<PhaseError>,
}

impl SyncReport {
    /// Whether everything went through: no phase failed and no policy was refused.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && !matches!(self.policy, PolicyStatus::Refused { .. })
    }

    /// Whether a phase found the network down (no answer at all).
    pub fn unreachable(&self) -> bool {
        self.errors.iter().any(|e| e.network)
    }

    fn note_rejection(&mut self, claim_id: ClaimId, error: ApiError) {
        self.rejected += 1;
        if self.rejections.len() < REJECTIONS_LISTED_MAX {
            self.rejections.push(Rejection {
                claim_id,
                code: error.code,
                message: error.message,
            });
        }
    }

    fn count_verdict(&mut self, claim_id: ClaimId, v: &Verdict) {
        self.answered += 1;
        if self.notices.len() < NOTICES_LISTED_MAX {
            self.notices.push(Notice {
                claim_id,
                outcome: v.outcome,
                message: recoup_api::ClaimAnswer::message_for(v),
            });
        }
        match v.outcome {
            ClaimOutcome::Refunded => {
                self.refunded += 1;
                self.refunded_credits = self.refunded_credits.saturating_add(v.refunded_credits);
            }
            ClaimOutcome::NotRefunded => self.not_refunded += 1,
            ClaimOutcome::InReview => self.in_review += 1,
        }
    }
}

/// How far a long drain has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Items handled so far in this sync.
    pub sent: u64,
    /// Items that were waiting when the sync began.
    pub total: u64,
}

/// Why a sync did not run or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The network is switched off (QA "force offline"): nothing was sent or read.
    #[error(
        "offline: the network is switched off; nothing was sent or read ({queued} item(s) wait in the outbox)"
    )]
    Offline {
        /// Items waiting in the outbox.
        queued: u64,
    },
    /// The endpoint refused the token.
    #[error("the endpoint refused the token ({}); log in again", .0.message)]
    Unauthorized(ApiError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration is out of bounds.
    #[error("invalid sync configuration: {0}")]
    Config(String),
}

impl SyncError {
    /// Its code in the one vocabulary.
    pub fn code(&self) -> ErrorCode {
        match self {
            SyncError::Offline { .. } => ErrorCode::Offline,
            // The endpoint's precise refusal (expired, revoked, disabled…) when it named one.
            SyncError::Unauthorized(e) if e.code.is_refused_sign_in() => e.code,
            SyncError::Unauthorized(_) => ErrorCode::Unauthorized,
            SyncError::Store(e) => e.kind().into(),
            SyncError::Config(_) => ErrorCode::Internal,
        }
    }
}

type ProgressFn = Box<dyn FnMut(Progress) + Send>;

/// Moves the outbox to the endpoint and the endpoint's changes to the store.
pub struct SyncEngine<T> {
    client: Client<T>,
    config: SyncConfig,
    clock: Box<dyn Clock>,
    random: Box<dyn Random + Send>,
    progress: Option<ProgressFn>,
}

impl<T> std::fmt::Debug for SyncEngine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> SyncEngine<T> {
    /// An engine over `client`, reading time from `clock` (the device clock; the outbox goes by
    /// the later of it and the device clock corrected by the measured offset, the clock reports
    /// are queued in) and jitter from `random`.
    pub fn new(
        client: Client<T>,
        config: SyncConfig,
        clock: impl Clock + 'static,
        random: impl Random + Send + 'static,
    ) -> Result<Self, SyncError> {
        config.validate()?;
        Ok(Self {
            client,
            config,
            clock: Box::new(clock),
            random: Box::new(random),
            progress: None,
        })
    }

    /// Calls `f` after each batch with the items handled so far and the total.
    pub fn on_progress(&mut self, f: impl FnMut(Progress) + Send + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// The client.
    pub fn client(&self) -> &Client<T> {
        &self.client
    }

    /// The bounds.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// One full sync: push the due outbox items, pull the change feed until it is drained,
    /// refresh the policy. Network trouble is reported in the [`SyncReport`] (nothing is lost;
    /// the next sync goes on from there); a phase that finds the network down skips the rest.
    /// Refused with [`SyncError::Offline`], without touching the network, when the network is
    /// switched off.
    pub fn sync_once(&mut self, store: &mut Store) -> Result<SyncReport, SyncError> {
        self.guard_offline(store)?;
        let mut report = SyncReport::default();
        self.push(store, &mut report)?;
        if !report.unreachable() {
            self.pull(store, &mut report)?;
        }
        if !report.unreachable() {
            self.refresh_policy(store, &mut report)?;
        }
        self.finish(store, report)
    }

    /// Only the pull (after a generation ran on the endpoint, to bring its ledger rows here).
    pub fn pull_only(&mut self, store: &mut Store) -> Result<SyncReport, SyncError> {
        self.guard_offline(store)?;
        let mut report = SyncReport::default();
        self.pull(store, &mut report)?;
        self.finish(store, report)
    }

    fn guard_offline(&self, store: &Store) -> Result<(), SyncError> {
        if is_offline(store)? {
            return Err(SyncError::Offline {
                queued: store.outbox_len()?,
            });
        }
        Ok(())
    }

    fn finish(&self, store: &mut Store, mut report: SyncReport) -> Result<SyncReport, SyncError> {
        report.still_queued = store.outbox_len()?;
        if !report.unreachable() {
            let at = self.clock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            store.set_meta(meta::LAST_SYNC_AT, &at)?;
        }
        Ok(report)
    }

    fn emit(&mut self, p: Progress) {
        if let Some(f) = self.progress.as_mut() {
            f(p);
        }
    }

    /// The endpoint's time as well as the device knows it (for the decision time of a refusal).
    fn corrected_now(&self, store: &Store) -> Result<Timestamp, StoreError> {
        let now = self.clock.now();
        Ok(match clock_offset(store)? {
            Some(off) => now.checked_add(off).unwrap_or(now),
            None => now,
        })
    }

    fn push(&mut self, store: &mut Store, report: &mut SyncReport) -> Result<(), SyncError> {
        // Items are due at the start of the sync; a failed item waits until after it (at
        // least 1 ms), so no item is tried twice in one sync and the loop always ends.
        let start = self.moments(None, clock_offset(store)?).now;
        // A retry waits at most one backoff ceiling, so an item due later than that was queued
        // by a clock that has since gone back (fast when the report was made, then set right):
        // it is due now. Sending early costs nothing; waiting out the clock's error can cost
        // the refund (found by recoup-sim, seed 30).
        let ceiling = start
            .saturating_add(TimeDelta::from_std(self.config.backoff.cap).unwrap_or(TimeDelta::MAX));
        store.outbox_bring_forward(ceiling, start)?;
        let total = store.outbox_len()?;
        let mut handled: u64 = 0;
        if total > 0 {
            self.emit(Progress { sent: 0, total });
        }
        loop {
            let due = store.outbox_due(start, self.config.batch_max)?;
            if due.is_empty() {
                break;
            }
            let mut items = Vec::with_capacity(due.len());
            let mut claims = Vec::with_capacity(due.len());
            for item in due {
                match item.submission() {
                    Ok(c) => {
                        items.push(item);
                        claims.push(c);
                    }
                    Err(why) => {
                        let at = self.moments(Some(start), clock_offset(store)?);
                        let step = self.plan(&item, Answer::Unsendable(&why), at);
                        self.take(store, &item, step, None, report)?;
                        handled += 1;
                    }
                }
            }
            if claims.is_empty() {
                continue;
            }
            let n = u32::try_from(claims.len()).unwrap_or(u32::MAX);
            report.sent = report.sent.saturating_add(n);
            let stop = self.push_batch(store, &items, claims, start, report)?;
            handled += u64::from(n);
            self.emit(Progress {
                sent: handled,
                total: total.max(handled),
            });
            if stop {
                break;
            }
        }
        Ok(())
    }

    /// Sends one batch and carries out the plan for each of its items. Returns whether to stop
    /// pushing (the endpoint cannot be reached).
    fn push_batch(
        &mut self,
        store: &mut Store,
        items: &[OutboxItem],
        claims: Vec<ClaimSubmission>,
        start: Timestamp,
        report: &mut SyncReport,
    ) -> Result<bool, SyncError> {
        let batch = ClaimBatch { claims };
        let e = match self.client.submit_claims(&batch) {
            Ok(answer) => {
                self.apply_batch(store, items, answer, start, report)?;
                return Ok(false);
            }
            Err(e) => e,
        };
        match plan_batch_failure(&e) {
            BatchFailure::Unauthorized(error) => Err(SyncError::Unauthorized(error)),
            BatchFailure::RetryEachAndHalt => {
                let offset = clock_offset(store)?;
                for item in items {
                    let at = self.moments(Some(start), offset);
                    let step = self.plan(item, Answer::BatchFailed(&e), at);
                    self.take(store, item, step, None, report)?;
                }
                report.errors.push(PhaseError::new(Phase::Push, &e));
                Ok(true)
            }
            BatchFailure::SendEachAlone => {
                self.push_one_by_one(store, items, batch.claims, start, report)
            }
        }
    }

    fn apply_batch(
        &mut self,
        store: &mut Store,
        items: &[OutboxItem],
        answer: ClaimBatchAnswer,
        start: Timestamp,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let offset = clock_offset(store)?;
        let mut by_id: HashMap<uuid::Uuid, ClaimBatchItem> = answer
            .results
            .into_iter()
            .map(|r| (r.claim_id.0, r))
            .collect();
        // One transaction for the batch's answers.
        let mut verdicts = Vec::with_capacity(items.len());
        for item in items {
            let result = by_id.remove(&item.item_id);
            let answer = match &result {
                Some(ClaimBatchItem {
                    answer: Some(a), ..
                }) => Answer::Decided(&a.verdict),
                Some(ClaimBatchItem { error: Some(e), .. }) => Answer::Refused(e),
                _ => Answer::Missing,
            };
            let at = self.moments(Some(start), offset);
            let step = self.plan(item, answer, at);
            // No answer in a batch halts the push (only a claim sent alone meets a network
            // failure of its own), so the flag is not needed here.
            self.take(store, item, step, Some(&mut verdicts), report)?;
        }
        store.record_verdicts(&verdicts)?;
        for (id, v) in &verdicts {
            report.count_verdict(*id, v);
        }
        Ok(())
    }

    /// Returns whether to stop pushing (the network went down).
    fn push_one_by_one(
        &mut self,
        store: &mut Store,
        items: &[OutboxItem],
        claims: Vec<ClaimSubmission>,
        start: Timestamp,
        report: &mut SyncReport,
    ) -> Result<bool, SyncError> {
        let mut pairs = items.iter().zip(claims);
        while let Some((item, claim)) = pairs.next() {
            let result = self.client.submit_claim(&claim);
            let answer = match &result {
                Ok(a) if a.claim_id.0 == item.item_id => Answer::Decided(&a.verdict),
                Ok(_) => Answer::AnsweredAnother,
                Err(e) => Answer::Failed(e),
            };
            let at = self.moments(Some(start), clock_offset(store)?);
            let step = self.plan(item, answer, at);
            if !self.take(store, item, step, None, report)? {
                continue;
            }
            // The network is down: the rest wait too, without another try.
            if let Err(e) = &result {
                for (rest, _) in pairs.by_ref() {
                    let at = self.moments(Some(start), clock_offset(store)?);
                    let step = self.plan(rest, Answer::NotSent(e), at);
                    self.take(store, rest, step, None, report)?;
                }
                report.errors.push(PhaseError::new(Phase::Push, e));
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// The moments a plan is made at, with `offset` the measured offset to the endpoint's clock
    /// and `start` when the push began (in the outbox's clock).
    ///
    /// The outbox's clock is the later of the device clock and the corrected one (the device
    /// clock plus the offset). Reports are queued in the corrected clock, retries and a user's
    /// requeue may be in either, and an item is due once either says so: picking due items with
    /// the raw clock alone held a slow device's reports back (a device 1 h slow sent nothing for
    /// an hour; one 25 h slow sent a report after its window had closed, and the refund was
    /// lost). Sending early costs nothing (every item is idempotent by its claim id); sending
    /// late can cost a refund.
    fn moments(&self, start: Option<Timestamp>, offset: Option<TimeDelta>) -> Moments {
        let device = self.clock.now();
        let endpoint_now = offset.map_or(device, |off| device.checked_add(off).unwrap_or(device));
        let now = device.max(endpoint_now);
        Moments {
            push_started: start.unwrap_or(now),
            now,
            endpoint_now,
        }
    }

    /// Asks the planner what to do with `item` after `answer`.
    fn plan(&mut self, item: &OutboxItem, answer: Answer<'_>, at: Moments) -> Step {
        planner::plan(item.attempts, answer, &self.config, at, &mut *self.random)
    }

    /// Carries out a planned step. Returns whether the push is to halt. An answer goes into
    /// `verdicts` when given (a batch records its answers in one transaction), else is recorded
    /// at once.
    fn take(
        &mut self,
        store: &mut Store,
        item: &OutboxItem,
        step: Step,
        verdicts: Option<&mut Vec<(ClaimId, Verdict)>>,
        report: &mut SyncReport,
    ) -> Result<bool, SyncError> {
        let (action, halt) = match step {
            Step::Act(action) => (action, false),
            Step::ActAndHalt(action) => (action, true),
            Step::Unauthorized(error) => return Err(SyncError::Unauthorized(error)),
        };
        let id = ClaimId(item.item_id);
        let (verdict, rejection) = match action {
            OutboxAction::Record(verdict) => (verdict, None),
            OutboxAction::Reject { verdict, error } => (verdict, Some(error)),
            OutboxAction::Retry { due_at, why } => {
                store.outbox_attempt_failed(item.item_id, &why, due_at, false)?;
                report.retried += 1;
                return Ok(halt);
            }
            OutboxAction::Quarantine { due_at, why } => {
                store.outbox_attempt_failed(item.item_id, &why, due_at, true)?;
                report.quarantined += 1;
                return Ok(halt);
            }
        };
        match verdicts {
            Some(batch) => batch.push((id, verdict)),
            None => {
                store.record_verdict(id, &verdict)?;
                report.count_verdict(id, &verdict);
            }
        }
        if let Some(error) = rejection {
            report.note_rejection(id, error);
        }
        Ok(halt)
    }

    fn pull(&mut self, store: &mut Store, report: &mut SyncReport) -> Result<(), SyncError> {
        let mut cursor = store.meta(meta::CURSOR)?;
        // The offset is measured on every page; the page with the shortest round trip gives
        // the tightest bound (the error is at most half the round trip).
        let mut best: Option<(TimeDelta, TimeDelta)> = None;
        let mut pages = 0;
        loop {
            if pages >= self.config.pages_max {
                report.more_to_pull = true;
                break;
            }
            pages += 1;
            let t0 = self.clock.now();
            let answer = match self
                .client
                .changes(cursor.as_deref(), self.config.page_limit)
            {
                Ok(a) => a,
                Err(e) if e.is_unauthorized() => return Err(unauthorized(e)),
                Err(e) => {
                    report.errors.push(PhaseError::new(Phase::Pull, &e));
                    break;
                }
            };
            let t1 = self.clock.now();
            let rtt = t1.duration_since(t0);
            let midpoint = t0.checked_add(rtt / 2).unwrap_or(t0);
            let offset = answer.server_time.duration_since(midpoint);
            if best.is_none_or(|(r, _)| rtt < r) {
                best = Some((rtt, offset));
            }
            let page = ChangePage {
                changes: answer.changes,
                last_seq: 0,
                has_more: answer.has_more,
            };
            let applied = store.apply_changes(&page, &answer.cursor)?;
            report.pages += 1;
            report.pulled += applied.applied;
            report.already_had += applied.skipped;
            report.claims_decided += applied.claims_decided;
            report.endpoint_policy_version = Some(answer.policy_version);
            let stalled = page.has_more
                && page.changes.is_empty()
                && cursor.as_deref() == Some(answer.cursor.as_str());
            cursor = Some(answer.cursor);
            if !page.has_more {
                break;
            }
            if stalled {
                report.errors.push(PhaseError::other(
                    Phase::Pull,
                    "the endpoint said more changes wait but sent none and kept the cursor",
                ));
                break;
            }
        }
        if let Some((_, offset)) = best {
            let ms = offset.num_milliseconds();
            store.set_meta(meta::CLOCK_OFFSET_MS, &ms.to_string())?;
            report.clock_offset_ms = Some(ms);
        }
        Ok(())
    }

    fn refresh_policy(
        &mut self,
        store: &mut Store,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let active = store.policy()?.version().to_owned();
        match self.client.policy(Some(&active)) {
            Err(e) if e.is_unauthorized() => return Err(unauthorized(e)),
            Err(e) => report.errors.push(PhaseError::new(Phase::Policy, &e)),
            Ok(PolicyFetch::NotModified) => {
                report.policy = PolicyStatus::Unchanged { version: active };
            }
            Ok(PolicyFetch::Signed(signed)) => {
                report.policy = self.install_policy(store, signed, active)?;
            }
        }
        Ok(())
    }

    fn install_policy(
        &mut self,
        store: &mut Store,
        signed: SignedPolicy,
        active: String,
    ) -> Result<PolicyStatus, SyncError> {
        if signed.version == active {
            return Ok(PolicyStatus::Unchanged { version: active });
        }
        let refused = |reason| PolicyStatus::Refused {
            offered: signed.version.clone(),
            kept: active.clone(),
            reason,
        };
        let Some(pinned) = store.meta(meta::POLICY_KEY)? else {
            return Ok(refused(PolicyRefusal::NoPinnedKey));
        };
        let key = match PolicyKey::from_base64(&pinned) {
            Ok(k) => k,
            Err(e) => return Ok(refused(PolicyRefusal::BadPinnedKey(e.to_string()))),
        };
        let bytes = match signed.verify(&key) {
            Ok(b) => b,
            Err(e) => return Ok(refused(PolicyRefusal::Signature(e))),
        };
        let have = store
            .meta(meta::POLICY_SEQ)?
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        if signed.seq < have {
            return Ok(refused(PolicyRefusal::Downgrade {
                offered: signed.seq,
                have,
            }));
        }
        let policy = match recoup_core::Policy::from_json(bytes) {
            Ok(p) => p,
            Err(e) => return Ok(refused(PolicyRefusal::InvalidDocument(e.to_string()))),
        };
        if policy.version() != signed.version {
            return Ok(refused(PolicyRefusal::VersionMismatch {
                envelope: signed.version.clone(),
                document: policy.version().to_owned(),
            }));
        }
        let now = self.corrected_now(store)?;
        match store.activate_policy_json(bytes, now) {
            Ok(p) => {
                store.set_meta(meta::POLICY_SEQ, &signed.seq.to_string())?;
                Ok(PolicyStatus::Updated {
                    from: active,
                    to: p.version().to_owned(),
                })
            }
            Err(StoreError::Document(e)) => {
                Ok(refused(PolicyRefusal::InvalidDocument(e.to_string())))
            }
            Err(e) => Err(e.into()),
        }
    }
}

fn unauthorized(e: ClientError) -> SyncError {
    SyncError::Unauthorized(planner::unauthorized(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn config_bounds_are_checked() {
        assert!(SyncConfig::default().validate().is_ok());
        for bad in [
            SyncConfig {
                batch_max: 0,
                ..SyncConfig::default()
            },
            SyncConfig {
                batch_max: 501,
                ..SyncConfig::default()
            },
            SyncConfig {
                quarantine_after: 0,
                ..SyncConfig::default()
            },
            SyncConfig {
                page_limit: 1001,
                ..SyncConfig::default()
            },
            SyncConfig {
                backoff: Backoff {
                    base: Duration::from_secs(10),
                    cap: Duration::from_secs(1),
                },
                ..SyncConfig::default()
            },
        ] {
            assert!(
                matches!(bad.validate(), Err(SyncError::Config(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn policy_refusals_serialize_as_code_and_message() {
        let v = serde_json::to_value(PolicyStatus::Refused {
            offered: "v2".into(),
            kept: "v1".into(),
            reason: PolicyRefusal::Signature(SignatureError::Invalid),
        })
        .unwrap();
        assert_eq!(v["status"], "refused");
        assert_eq!(v["reason"]["code"], "invalid_signature");
        assert!(
            v["reason"]["message"]
                .as_str()
                .unwrap()
                .contains("last good")
        );
    }
}
