//! The background sync: one thread with its own connection to the profile's store, so a long
//! drain never blocks the screens. It runs when woken (a report was queued, the network came
//! back, the user asked) and on a timer, and tells the UI what changed through events.

use recoup_device::sentence;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use recoup_core::Timestamp;
use recoup_core::time::saturating_seconds;

use recoup_core::{Clock, OffsetClock, SystemClock};
use recoup_store::{ClaimOutcome, Store};
use recoup_sync::{Client, PolicyStatus, SyncReport};

use crate::error::AppError;
use crate::views::{AppEvent, Problem, SyncProgress};
use crate::{EventSink, Link, convert};

/// How long the worker waits between syncs when nothing wakes it.
pub const IDLE_SYNC_INTERVAL: Duration = Duration::from_secs(20);

/// Most claims in review the worker watches for a decision arriving through the feed.
const WATCHED_REVIEWS_MAX: u32 = 200;

/// What the screens need to know about the sync that the store does not hold.
#[derive(Debug, Clone, Default)]
pub struct LiveStatus {
    /// A sync is running.
    pub syncing: bool,
    /// Whether the last attempt reached the endpoint.
    pub reachable: Option<bool>,
    /// The last failure: its code and its sentence, worded in the language in force when it is
    /// shown (`sync_status`).
    pub last_error: Option<LiveProblem>,
    /// How far the running drain has come.
    pub progress: Option<SyncProgress>,
}

/// The last failure of a sync, as the worker keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveProblem {
    /// Stable code.
    pub code: String,
    /// What happened and what to do.
    pub sentence: recoup_device::Sentence,
}

impl LiveProblem {
    /// The problem as the sync screen shows it, in the language of `messages`.
    pub fn view(&self, messages: &crate::i18n::Messages) -> Problem {
        Problem {
            code: self.code.clone(),
            message: messages.sentence(&self.sentence.text),
        }
    }
}

/// Shared between the worker and the commands.
pub type SharedStatus = Arc<Mutex<LiveStatus>>;

/// Locks the status, whatever a panicking thread left.
pub fn live(status: &SharedStatus) -> std::sync::MutexGuard<'_, LiveStatus> {
    status.lock().unwrap_or_else(PoisonError::into_inner)
}

enum Wake {
    Now(Option<Sender<()>>),
    Stop,
}

/// The running worker; stops (and waits for the sync in flight) when dropped.
pub struct Worker {
    tx: Sender<Wake>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the worker needs.
pub struct WorkerContext {
    /// The profile's database.
    pub store_path: PathBuf,
    /// The endpoint.
    pub link: Link,
    /// The QA device-clock offset, seconds (changed live by the QA panel).
    pub clock_offset_secs: Arc<AtomicI64>,
    /// Shared status.
    pub status: SharedStatus,
    /// Where events go.
    pub sink: Arc<dyn EventSink>,
    /// Time between syncs when idle.
    pub interval: Duration,
    /// The language the decisions' lines are written in.
    pub language: crate::i18n::SharedLanguage,
}

impl Worker {
    /// Starts the worker; it syncs once at once.
    pub fn spawn(ctx: WorkerContext) -> Result<Self, AppError> {
        let store = Store::open(&ctx.store_path)?;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("recoup-sync".to_owned())
            .spawn(move || run(ctx, store, rx))
            .map_err(|e| {
                AppError::new(
                    crate::ErrorCode::Internal,
                    sentence!(
                        "error-sync-thread",
                        "cannot start the sync thread: {cause}",
                        cause = e.to_string()
                    ),
                )
            })?;
        let _ = tx.send(Wake::Now(None));
        Ok(Self {
            tx,
            thread: Some(thread),
        })
    }

    /// Asks for a sync now (returns at once).
    pub fn wake(&self) {
        let _ = self.tx.send(Wake::Now(None));
    }

    /// Asks for a sync and waits until one has finished after this call, at most `timeout`.
    /// Returns whether it finished in time.
    pub fn sync_and_wait(&self, timeout: Duration) -> bool {
        let (done_tx, done_rx) = mpsc::channel();
        if self.tx.send(Wake::Now(Some(done_tx))).is_err() {
            return false;
        }
        done_rx.recv_timeout(timeout).is_ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.tx.send(Wake::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(ctx: WorkerContext, mut store: Store, rx: Receiver<Wake>) {
    let mut timeout = Duration::ZERO;
    loop {
        let mut waiting: Vec<Sender<()>> = Vec::new();
        match rx.recv_timeout(timeout) {
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Wake::Now(reply)) => waiting.extend(reply),
            Err(RecvTimeoutError::Timeout) => {}
        }
        // Several wakes while a sync ran count as one.
        while let Ok(w) = rx.try_recv() {
            match w {
                Wake::Stop => return,
                Wake::Now(reply) => waiting.extend(reply),
            }
        }
        sync(&ctx, &mut store);
        for w in waiting {
            let _ = w.send(());
        }
        timeout = next_wait(&ctx, &store);
    }
}

/// Soon again while reports wait and the endpoint answers; the idle interval otherwise.
fn next_wait(ctx: &WorkerContext, store: &Store) -> Duration {
    let queued = store.outbox_len().unwrap_or(0);
    let reachable = live(&ctx.status).reachable == Some(true);
    if queued > 0 && reachable {
        Duration::from_secs(2)
    } else {
        ctx.interval
    }
}

/// The device clock: the system clock moved by the QA offset.
pub fn device_clock(offset_secs: i64) -> OffsetClock<SystemClock> {
    OffsetClock::new(SystemClock, saturating_seconds(offset_secs))
}

fn sync(ctx: &WorkerContext, store: &mut Store) {
    let offline = recoup_sync::is_offline(store).unwrap_or(false);
    if offline {
        let status = crate::sync_status(store, &ctx.status, false, ctx.language.messages());
        ctx.sink.emit(&AppEvent::SyncFinished(status));
        return;
    }
    let device = device_clock(ctx.clock_offset_secs.load(Ordering::Relaxed));
    let watched: Vec<_> = store
        .claims_in_review(WATCHED_REVIEWS_MAX)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.claim_id)
        .collect();
    let policy_before = store.policy().map(|p| p.version().to_owned()).ok();
    live(&ctx.status).syncing = true;
    let client = Client::new(ctx.link.transport.clone()).with_token(ctx.link.token.clone());
    let result = recoup_device::sync::engine(client, device).and_then(|mut engine| {
        let sink = Arc::clone(&ctx.sink);
        let status = Arc::clone(&ctx.status);
        engine.on_progress(move |p| {
            let p = SyncProgress {
                sent: p.sent,
                total: p.total,
            };
            live(&status).progress = Some(p);
            sink.emit(&AppEvent::SyncProgress(p));
        });
        engine.sync_once(store).map_err(AppError::from)
    });
    let reachable_before = live(&ctx.status).reachable;
    let error_before = live(&ctx.status).last_error.clone();
    let report = match result {
        Ok(report) => {
            if report.sent > 0 || report.pulled > 0 || report.quarantined > 0 {
                tracing::info!(
                    sent = report.sent,
                    refunded = report.refunded,
                    not_refunded = report.not_refunded,
                    in_review = report.in_review,
                    rejected = report.rejected,
                    quarantined = report.quarantined,
                    pulled = report.pulled,
                    still_queued = report.still_queued,
                    "synced"
                );
            }
            let mut l = live(&ctx.status);
            l.syncing = false;
            l.progress = None;
            l.reachable = Some(!report.unreachable());
            l.last_error = problem(&report);
            Some(report)
        }
        Err(e) => {
            let mut l = live(&ctx.status);
            l.syncing = false;
            l.progress = None;
            if e.code.is_refused_sign_in() {
                // It answered: it is the token that is wrong.
                l.reachable = Some(true);
            }
            l.last_error = Some(LiveProblem {
                code: e.code.as_str().to_owned(),
                sentence: recoup_device::sentence!("problem-error", "{error}", error = e),
            });
            None
        }
    };
    if let Some(report) = &report {
        announce(
            ctx,
            store,
            report,
            &watched,
            policy_before.as_deref(),
            device.now(),
        );
    }
    let error_now = live(&ctx.status).last_error.clone();
    if error_now != error_before {
        match &error_now {
            Some(p) => tracing::warn!(code = %p.code, "sync stopped: {}", p.sentence),
            None => tracing::info!("sync works again"),
        }
    }
    let status = crate::sync_status(store, &ctx.status, false, ctx.language.messages());
    if status.reachable != reachable_before {
        ctx.sink.emit(&AppEvent::Network {
            online: status.online,
            reachable: status.reachable,
        });
    }
    ctx.sink.emit(&AppEvent::SyncFinished(status));
}

/// The first failure of a sync, in words a user understands.
fn problem(report: &SyncReport) -> Option<LiveProblem> {
    if let PolicyStatus::Refused { reason, kept, .. } = &report.policy {
        return Some(LiveProblem {
            code: reason.code().to_owned(),
            sentence: recoup_device::sentence!(
                "problem-policy-refused",
                "the endpoint offered a refund policy this device refused ({reason}); policy {kept} stays in force",
                reason = reason.to_string(),
                kept = kept.to_string(),
            ),
        });
    }
    let e = report.errors.first()?;
    let detail = e.message.clone();
    let sentence = if e.network {
        recoup_device::sentence!(
            "problem-unreachable",
            "the endpoint could not be reached ({detail}); reports wait on this device and go out automatically when it answers",
            detail = detail,
        )
    } else if e.transient {
        recoup_device::sentence!(
            "problem-trouble",
            "the endpoint is having trouble ({detail}); the app tries again on its own",
            detail = detail,
        )
    } else {
        recoup_device::sentence!(
            "problem-refused",
            "the endpoint refused part of the sync: {detail}",
            detail = detail,
        )
    };
    Some(LiveProblem {
        code: if e.network {
            "network".to_owned()
        } else {
            e.code
                .and_then(|c| serde_json::to_value(c).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "endpoint".to_owned())
        },
        sentence,
    })
}

/// Tells the UI what a sync changed: decisions, the balance, the history, the policy.
fn announce(
    ctx: &WorkerContext,
    store: &Store,
    report: &SyncReport,
    watched: &[recoup_core::ClaimId],
    policy_before: Option<&str>,
    now: Timestamp,
) {
    let mut decided = Vec::new();
    for n in &report.notices {
        decided.push(n.claim_id);
    }
    // Reviews decided since: their answer came through the change feed.
    for id in watched {
        if let Ok(c) = store.claim(*id)
            && c.outcome.is_some_and(ClaimOutcome::is_final)
            && !decided.contains(id)
        {
            decided.push(*id);
        }
    }
    for id in decided {
        if let Ok(c) = store.claim(id) {
            tracing::info!(
                claim = %id,
                generation = %c.generation_id,
                outcome = c.outcome.map_or("pending", |o| o.as_str()),
                "report decided by the endpoint"
            );
            ctx.sink.emit(&AppEvent::ClaimDecided {
                claim: decided_view(store, &c, &ctx.language),
            });
        }
    }
    if report.pulled > 0 || report.answered > 0 {
        ctx.sink.emit(&AppEvent::History {
            changed: report.pulled.max(report.answered),
        });
        if let Ok(b) = crate::balance_summary(store, now) {
            ctx.sink.emit(&AppEvent::Balance(b));
        }
    }
    if let Ok(p) = store.policy()
        && Some(p.version()) != policy_before
    {
        ctx.sink.emit(&AppEvent::Policy {
            version: p.version().to_owned(),
        });
    }
}

/// A decided claim as the UI shows it, in the app's language.
fn decided_view(
    store: &Store,
    c: &recoup_store::ClaimRecord,
    language: &crate::i18n::SharedLanguage,
) -> crate::views::ClaimView {
    let m = language.messages();
    match (store.generation(c.generation_id), store.policy()) {
        (Ok(g), Ok(policy)) => convert::claim(
            c,
            m,
            Some(&convert::reason_facts(&g, &c.local_decision, &policy)),
        ),
        // The generation or the policy cannot be read: the line is still in the app's
        // language; the reasons keep the words the policy engine wrote.
        _ => convert::claim(c, m, None),
    }
}

#[cfg(test)]
mod problem_tests {
    use super::*;
    use crate::i18n::{Language, Messages};
    use recoup_sync::{Phase, PhaseError};

    fn report(network: bool, transient: bool) -> SyncReport {
        SyncReport {
            errors: vec![PhaseError {
                phase: Phase::Push,
                transient,
                network,
                code: None,
                message: "connection refused".to_owned(),
            }],
            ..SyncReport::default()
        }
    }

    #[test]
    fn the_sync_screens_problem_is_worded_in_the_language_in_force_when_shown() {
        let p = problem(&report(true, true)).expect("a network failure is a problem");
        assert_eq!(
            p.code, "network",
            "the code does not depend on the language"
        );
        let en = p.view(Messages::of(Language::En)).message;
        let fr = p.view(Messages::of(Language::Fr)).message;
        assert_eq!(
            en,
            "the endpoint could not be reached (connection refused); reports wait on this device and go out automatically when it answers",
            "English says what it always said"
        );
        assert!(
            fr.starts_with("le serveur est injoignable (connection refused)"),
            "French, the system's words kept as they are: {fr}"
        );
        let refused = problem(&report(false, false)).expect("a refusal is a problem");
        assert!(
            refused
                .view(Messages::of(Language::Fr))
                .message
                .starts_with("le serveur a refusé une partie de la synchronisation"),
            "a refusal in French"
        );
        assert_eq!(
            problem(&SyncReport::default()),
            None,
            "a clean sync has no problem"
        );
    }
}
