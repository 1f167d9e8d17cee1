//! Every storage operation a handler performs, behind one interface: [`Storage`]. The handlers
//! in `routes` call only this trait; today's engine is [`sqlite::SqliteStorage`] (a registry
//! database plus one Recoup store per account), and a second engine implements the same trait
//! without touching a handler.
//!
//! The contract every engine keeps:
//! - Time comes in as an argument (or, for the group commit, as the account's clock): an engine
//!   never reads the system clock, so the sandbox test clock and tests move every stored time.
//! - Failures are [`AppError`]s, made from the engine's own errors in one place per engine
//!   (`crate::wire` for the ledger's [`StoreError`]). Where a handler answers a ledger refusal
//!   differently from its usual code (a claim on a failed generation, a review of a claim not in
//!   review, a generation finished twice), the operation returns a [`Ledger`] result inside the
//!   outer one: the outer error is the storage failing, the inner one the ledger refusing.
//! - Every operation on an account's ledger sees the policy published last in force: an engine
//!   activates it in the account's ledger itself (there is no "activate" for a handler to
//!   forget). Which policy is published when the endpoint starts is the engine's constructor's
//!   business (`SqliteStorage::published_or`).

mod backoffice;
mod console;
mod identity;
mod insights;
mod postgres;
mod provider;
mod ready;
mod registry;
mod slot;
mod sqlite;
mod webhooks;

use std::future::Future;
use std::pin::Pin;

use recoup_core::Timestamp;
use recoup_core::{ClaimId, GenerationId};
use recoup_store::{
    AccountBalance, ChangePage, ClaimRecord, FinishGeneration, GenerationRecord, GrantRecord,
    GrantRequest, StartGeneration, StoreError, SubmitClaim,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::clock::AccountClock;
use crate::error::AppError;

pub(crate) use backoffice::{AccountSearch, Backoffice};
pub(crate) use console::{
    Console, QueueCursor, QueueQuery, ReviewContext, SessionRow, review_target,
};
pub use identity::{AdminCredential, BOOTSTRAP_CREDENTIAL};
pub(crate) use identity::{Identity, NewTokenRow};
pub(crate) use insights::{AccountActivity, Insights, add_counts, day_of};
// Used by `--database`, wired together with the ledger half.
pub(crate) use postgres::PgStorage;
pub(crate) use provider::{NewOutput, Providers};
pub(crate) use registry::ProviderRow;
pub(crate) use registry::Registry;
pub(crate) use slot::hex_sha256;
pub(crate) use sqlite::SqliteStorage;
pub(crate) use webhooks::{FailureRow, WebhookRow, Webhooks};

/// What a storage operation answers: a boxed future, so that [`Storage`] can be used as
/// `dyn Storage`. The engine is chosen when the endpoint starts (SQLite files today, a database
/// URL later), and one router of non-generic handlers serves any engine; native `async fn` in
/// a trait would make the trait unusable as `dyn` and every handler generic over the engine.
/// One allocation per storage call is nothing next to the I/O behind it.
pub(crate) type StorageFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 'a>>;

/// The ledger's answer to one operation: a record, or the ledger's own refusal, which the
/// handler turns into an answer (see `crate::wire`).
pub(crate) type Ledger<T> = Result<T, StoreError>;

/// A bearer token as stored: tokens are 32 random bytes shown once; only their SHA-256 is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TokenHash(pub(crate) [u8; 32]);

impl TokenHash {
    /// The hash of a token as sent.
    pub(crate) fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }
}

/// An account as a request sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Account {
    /// The account.
    pub(crate) id: Uuid,
    /// Its sandbox test clock: how far its time is ahead of the endpoint's.
    pub(crate) offset_ms: i64,
}

/// A published policy, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredPolicy {
    /// Its publication number (increasing; signed with the document so devices can refuse
    /// going backwards).
    pub(crate) seq: u64,
    /// The policy's own version.
    pub(crate) version: String,
    /// The canonical JSON document.
    pub(crate) document: String,
}

/// A claim waiting for a person.
#[derive(Debug, Clone)]
pub(crate) struct QueuedClaim {
    /// Whose claim it is.
    pub(crate) account: Uuid,
    /// The claim as recorded.
    pub(crate) claim: ClaimRecord,
}

/// Every storage operation a handler performs. Each one is async: an engine may wait on a
/// network database, and one on local files runs its blocking work off the async workers.
/// Arguments are owned so that an engine can move them to another thread or task.
pub(crate) trait Storage:
    Identity + Providers + Webhooks + Console + Insights + Backoffice + Send + Sync
{
    /// Records a new account and its token. The caller grants the starting allowance.
    fn create_account(
        &self,
        account: Uuid,
        token: TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'_, ()>;

    /// The account a token belongs to, with its test-clock offset; `None` for an unknown token.
    fn authenticate(&self, token: TokenHash) -> StorageFuture<'_, Option<Account>>;

    /// An account's test-clock offset; `None` when there is no such account.
    fn clock_offset_ms(&self, account: Uuid) -> StorageFuture<'_, Option<i64>>;

    /// Moves an account's test clock forward; answers the new offset, `None` when there is no
    /// such account. Tokens of the account authenticate with the new offset from then on.
    fn advance_clock(&self, account: Uuid, by_ms: i64) -> StorageFuture<'_, Option<i64>>;

    /// The account's balance at `now`.
    fn balance(&self, account: Uuid, now: Timestamp) -> StorageFuture<'_, AccountBalance>;

    /// Grants credits to an account.
    fn grant(
        &self,
        account: Uuid,
        req: GrantRequest,
        now: Timestamp,
    ) -> StorageFuture<'_, GrantRecord>;

    /// Releases what is stale or expired at `now` (a test clock moved).
    fn sweep(&self, account: Uuid, now: Timestamp) -> StorageFuture<'_, ()>;

    /// Starts a generation (idempotent by its id: a repeat answers the recorded start).
    fn start_generation(
        &self,
        account: Uuid,
        req: StartGeneration,
        now: Timestamp,
    ) -> StorageFuture<'_, GenerationRecord>;

    /// A generation as it is now.
    fn generation(&self, account: Uuid, id: GenerationId) -> StorageFuture<'_, GenerationRecord>;

    /// The bytes of a kept output; `None` when they are gone.
    fn output(&self, account: Uuid, output_ref: String) -> StorageFuture<'_, Option<Vec<u8>>>;

    /// Finishes a generation; the ledger refuses one already finished.
    fn finish_generation(
        &self,
        account: Uuid,
        req: FinishGeneration,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<GenerationRecord>>;

    /// Adjudicates claims of one account, judging each from its kept output, in one durable
    /// write with whatever else is waiting for the account (group commit). The decision time
    /// is read from `clock` when the write happens. One answer per claim, in order; claims in
    /// review join the review queue.
    fn adjudicate(
        &self,
        account: Uuid,
        claims: Vec<SubmitClaim>,
        clock: AccountClock,
    ) -> StorageFuture<'_, Vec<Ledger<ClaimRecord>>>;

    /// A page of the account's change feed after position `after`, pulled at `now`: the pull
    /// is recorded (at most once a minute) as the anchor late reports are weighed against
    /// (`Policy::report_instant`).
    fn changes(
        &self,
        account: Uuid,
        after: i64,
        limit: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, ChangePage>;

    /// Whether the registry answers a trivial query (`GET /v1/ready`).
    fn ready(&self) -> StorageFuture<'_, ()>;

    /// The oldest claims waiting for review, at most `limit`.
    fn review_queue(&self, limit: u32) -> StorageFuture<'_, Vec<QueuedClaim>>;

    /// Records a person's decision on a claim in review and takes it off the queue.
    fn review(
        &self,
        account: Uuid,
        claim: ClaimId,
        approve: bool,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<ClaimRecord>>;

    /// Publishes a validated policy document and answers its publication number. From then on
    /// every account's ledger has it in force before its next operation.
    fn publish_policy(
        &self,
        version: String,
        document: String,
        now: Timestamp,
    ) -> StorageFuture<'_, u64>;
}

/// How an engine records the events its webhooks deliver.
#[derive(Clone, Default)]
pub(crate) struct EventSettings {
    /// Told of every account whose commit recorded events.
    pub(crate) signal: std::sync::Arc<EventSignal>,
    /// The balance below which `balance.low` fires for an account without its own threshold
    /// (`None`: only for accounts with their own).
    pub(crate) balance_low_default: Option<u64>,
}

/// Which accounts have events not yet handed to the webhook dispatcher, and a wake-up for it.
/// An engine marks an account after a commit that recorded events (the events themselves are
/// durable in the account's ledger; this only says where to look); the dispatcher takes the
/// marked accounts, one task per account at a time.
#[derive(Default)]
pub(crate) struct EventSignal {
    state: std::sync::Mutex<SignalState>,
    wake: tokio::sync::Notify,
}

#[derive(Default)]
struct SignalState {
    /// Accounts to look at.
    marked: std::collections::HashSet<Uuid>,
    /// Accounts a dispatcher task is working on now.
    running: std::collections::HashSet<Uuid>,
    /// Accounts waiting for a retry, with when it is due.
    scheduled: std::collections::HashMap<Uuid, std::time::Instant>,
}

impl EventSignal {
    /// The account has events to look at.
    pub(crate) fn mark(&self, account: Uuid) {
        if let Ok(mut s) = self.state.lock() {
            s.marked.insert(account);
        }
        self.wake.notify_one();
    }

    /// Waits until some account is marked.
    pub(crate) async fn marked(&self) {
        self.wake.notified().await;
    }

    /// The marked accounts no task works on, now counted as running; an account marked while
    /// a task works on it stays marked for when that task finishes.
    pub(crate) fn take(&self) -> Vec<Uuid> {
        let Ok(mut s) = self.state.lock() else {
            return Vec::new();
        };
        let SignalState {
            marked, running, ..
        } = &mut *s;
        let ready: Vec<Uuid> = marked
            .iter()
            .filter(|a| !running.contains(*a))
            .copied()
            .collect();
        for a in &ready {
            marked.remove(a);
            running.insert(*a);
        }
        ready
    }

    /// A task finished with the account; wakes the dispatcher if it was marked meanwhile.
    pub(crate) fn finish(&self, account: Uuid) {
        let again = self.state.lock().is_ok_and(|mut s| {
            s.running.remove(&account);
            s.marked.contains(&account)
        });
        if again {
            self.wake.notify_one();
        }
    }

    /// Records that the account is to be looked at again at `due`; `false` when a retry at or
    /// before `due` is already pending (so a receiver that stays down costs one timer per
    /// account, however many events wait).
    pub(crate) fn schedule(&self, account: Uuid, due: std::time::Instant) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        match s.scheduled.get(&account) {
            Some(pending) if *pending <= due => false,
            _ => {
                s.scheduled.insert(account, due);
                true
            }
        }
    }

    /// A scheduled retry came due: the account is marked, and its schedule cleared unless a
    /// later one replaced it.
    pub(crate) fn due(&self, account: Uuid, due: std::time::Instant) {
        if let Ok(mut s) = self.state.lock()
            && s.scheduled.get(&account) == Some(&due)
        {
            s.scheduled.remove(&account);
        }
        self.mark(account);
    }

    /// How many accounts are marked, being worked on, or waiting for a retry (the backlog
    /// `/metrics` shows).
    pub(crate) fn backlog(&self) -> usize {
        self.state
            .lock()
            .map(|s| {
                let mut all: std::collections::HashSet<&Uuid> = s.marked.iter().collect();
                all.extend(s.running.iter());
                all.extend(s.scheduled.keys());
                all.len()
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn an_account_marked_while_its_task_runs_is_taken_again_only_after_it_finishes() {
        let s = EventSignal::default();
        let a = Uuid::now_v7();
        s.mark(a);
        assert_eq!(s.take(), vec![a], "a marked account is taken");
        s.mark(a);
        assert!(
            s.take().is_empty(),
            "not taken twice while a task works on it"
        );
        assert_eq!(s.backlog(), 1, "one account in the backlog");
        s.finish(a);
        assert_eq!(s.take(), vec![a], "taken again once its task finished");
        s.finish(a);
        assert_eq!(s.backlog(), 0, "nothing left");
    }

    #[test]
    fn one_retry_is_pending_per_account_the_earliest() {
        let s = EventSignal::default();
        let a = Uuid::now_v7();
        let t = Instant::now() + Duration::from_secs(10);
        assert!(s.schedule(a, t), "the first retry is scheduled");
        assert!(
            !s.schedule(a, t + Duration::from_secs(5)),
            "a later one is not: the pending one comes first"
        );
        assert!(
            s.schedule(a, t - Duration::from_secs(5)),
            "an earlier one replaces it"
        );
        assert_eq!(s.backlog(), 1, "an account waiting for a retry is backlog");
        s.due(a, t);
        assert_eq!(
            s.backlog(),
            1,
            "the replaced timer coming due marks the account but keeps the earlier schedule"
        );
        s.due(a, t - Duration::from_secs(5));
        assert_eq!(s.take(), vec![a], "due: the account is looked at");
        s.finish(a);
        assert_eq!(s.backlog(), 0, "and nothing is pending any more");
    }
}
