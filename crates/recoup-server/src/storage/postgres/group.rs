//! Group commit per account on PostgreSQL: claims for an account that arrive while one of its
//! transactions is running wait, and all of them go together in its next transaction (as the
//! SQLite engine's per-account writer commits every waiting claim at once). Each account's
//! transactions take turns on its row lock anyway; this makes the turn carry every request
//! that is waiting for it instead of one, so an account's claims cost one lock, one set of
//! reads and one commit per turn rather than per request.
//!
//! Only the requests of one instance are grouped; instances still take turns through the row
//! lock. A grouped transaction that fails in the database (or whose policy cannot be read) is
//! not answered for the requests that joined it: each runs again alone and gets its own
//! answer, so a failure is reported exactly as it would have been without grouping (nothing
//! of the failed transaction was written).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use recoup_core::Clock;
use recoup_store::{ClaimRecord, Judgement, StoreError, SubmitClaim};
use recoup_store_pg::LedgerFailure;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::PgStorage;
use crate::clock::AccountClock;
use crate::error::AppError;

/// The answers of one request's claims, in order.
pub(super) type Answers = Vec<Result<ClaimRecord, StoreError>>;

/// A request waiting for its account's next transaction; `None` tells it to run alone.
struct Waiting {
    items: Vec<(SubmitClaim, Judgement)>,
    clock: AccountClock,
    answer: oneshot::Sender<Option<Answers>>,
}

/// The accounts with a transaction of claims running on this instance, and the requests
/// waiting for each.
#[derive(Clone, Default)]
pub(super) struct ClaimGroups(Arc<Mutex<HashMap<Uuid, Vec<Waiting>>>>);

/// What a request does: lead (its account has no transaction running here), or wait.
enum Turn {
    Lead,
    Wait(oneshot::Receiver<Option<Answers>>),
}

impl ClaimGroups {
    fn join(
        &self,
        account: Uuid,
        items: &[(SubmitClaim, Judgement)],
        clock: &AccountClock,
    ) -> Turn {
        let Ok(mut groups) = self.0.lock() else {
            // A poisoned map (a panic elsewhere): no grouping, every request leads.
            return Turn::Lead;
        };
        match groups.get_mut(&account) {
            Some(waiting) => {
                let (answer, rx) = oneshot::channel();
                waiting.push(Waiting {
                    items: items.to_vec(),
                    clock: clock.clone(),
                    answer,
                });
                Turn::Wait(rx)
            }
            None => {
                groups.insert(account, Vec::new());
                Turn::Lead
            }
        }
    }

    /// How many requests wait for `account`'s next transaction (`None`: no transaction of
    /// claims of the account is running on this instance).
    #[cfg(test)]
    pub(super) fn waiting(&self, account: Uuid) -> Option<usize> {
        self.0.lock().ok()?.get(&account).map(Vec::len)
    }

    /// The requests waiting for `account`'s next transaction; when none, the account is
    /// marked idle (the next request leads).
    fn take(&self, account: Uuid) -> Vec<Waiting> {
        let Ok(mut groups) = self.0.lock() else {
            return Vec::new();
        };
        match groups.get_mut(&account) {
            Some(waiting) if !waiting.is_empty() => std::mem::take(waiting),
            _ => {
                groups.remove(&account);
                Vec::new()
            }
        }
    }
}

/// Hands an account's waiting requests to a task when the request that led dies or ends.
struct ServeWaitingOnDrop {
    storage: PgStorage,
    account: Uuid,
}

impl Drop for ServeWaitingOnDrop {
    fn drop(&mut self) {
        let (storage, account) = (self.storage.clone(), self.account);
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move { storage.serve_waiting(account).await });
            }
            // No runtime (shutting down): nothing will be served; let the next request lead.
            Err(_) => loop {
                let waiting = storage.claim_groups.take(account);
                if waiting.is_empty() {
                    break;
                }
                for w in waiting {
                    let _ = w.answer.send(None);
                }
            },
        }
    }
}

impl PgStorage {
    /// Adjudicates one request's claims, in a transaction of their own or together with the
    /// other requests for the account waiting at the same time.
    pub(super) async fn adjudicate_grouped(
        &self,
        account: Uuid,
        items: Vec<(SubmitClaim, Judgement)>,
        clock: AccountClock,
    ) -> Result<Answers, AppError> {
        match self.claim_groups.join(account, &items, &clock) {
            Turn::Wait(rx) => {
                if let Ok(Some(answers)) = rx.await {
                    return Ok(answers);
                }
                self.adjudicate_alone(account, items, &clock).await
            }
            Turn::Lead => {
                // However this request ends (answered, failed, or dropped because its client
                // went away), the requests that arrived meanwhile go in the next
                // transactions, on a task of their own.
                let _next = ServeWaitingOnDrop {
                    storage: self.clone(),
                    account,
                };
                self.adjudicate_alone(account, items, &clock).await
            }
        }
    }

    async fn adjudicate_alone(
        &self,
        account: Uuid,
        items: Vec<(SubmitClaim, Judgement)>,
        clock: &AccountClock,
    ) -> Result<Answers, AppError> {
        let policy = self.policy_in_force().await?;
        let done = self
            .ledger()
            .adjudicate(account, items, &policy, || clock.now())
            .await;
        self.told(account);
        match done {
            Ok(answers) => Ok(answers),
            Err(LedgerFailure::Refused(e)) => Err(e.into()),
            Err(LedgerFailure::Database(e)) => Err(e.into()),
        }
    }

    /// Runs the waiting requests of `account`, all together, until none is waiting.
    async fn serve_waiting(&self, account: Uuid) {
        loop {
            let waiting = self.claim_groups.take(account);
            let Some(first) = waiting.first() else {
                return;
            };
            let clock = first.clock.clone();
            let items: Vec<_> = waiting.iter().flat_map(|w| w.items.clone()).collect();
            match self.adjudicate_alone(account, items, &clock).await {
                Ok(answers) => {
                    let mut answers = answers.into_iter();
                    for w in waiting {
                        let mine: Answers = answers.by_ref().take(w.items.len()).collect();
                        let _ = w.answer.send(Some(mine));
                    }
                }
                Err(_) => {
                    for w in waiting {
                        let _ = w.answer.send(None);
                    }
                }
            }
        }
    }
}
