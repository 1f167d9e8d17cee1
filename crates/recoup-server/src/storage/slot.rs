//! The SQLite engine's accounts: one Recoup store per account (its own file, opened on demand,
//! the least recently used idle ones closed), each with a claim writer doing group commit, and
//! the account's generated outputs as files beside it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use recoup_core::Timestamp;
use recoup_core::{ClaimId, Clock, GenerationId};
use recoup_store::{
    ClaimOutcome, ClaimRecord, Judgement, OutputRecord, Store, StoreError, SubmitClaim,
};
use uuid::Uuid;

use super::console::QueueEntry;
use super::registry::Registry;
use super::{EventSettings, EventSignal, Ledger, StoredPolicy};
use crate::clock::AccountClock;
use crate::error::{AppError, lock};

/// At most this many account stores stay open; the least recently used idle one is closed.
pub const OPEN_STORES_MAX: usize = 256;

/// Most claims waiting for one account's writer; a request beyond it waits for room.
pub const CLAIM_QUEUE_MAX: usize = 4_096;

/// Most claims one group commit takes.
pub const GROUP_COMMIT_MAX: usize = 1_000;

/// One account's store and its claim writer: a task that takes every claim waiting for the
/// account and commits them together (group commit: one durable transaction for all of them).
/// The writer is a task, not a thread: an open account costs no thread of its own, and the
/// commits run on the shared blocking pool, so the endpoint's threads are bounded by that pool
/// however many accounts are open (an audit made 261 threads with 300 new accounts).
pub(super) struct AccountSlot {
    store: Arc<Mutex<Store>>,
    claims: tokio::sync::mpsc::Sender<ClaimJob>,
    /// The publication number of the policy last put in force in this store, so that a request
    /// can tell without taking the store whether the published policy must be activated.
    policy_seq: AtomicU64,
    /// The position of the last event of the account's ledger the dispatcher was told of.
    events_told: AtomicI64,
}

/// A claim for the account's writer, with where to send its result.
struct ClaimJob {
    req: SubmitClaim,
    /// The account's clock as the claim arrived (its test-clock offset then).
    clock: AccountClock,
    reply: tokio::sync::oneshot::Sender<Ledger<ClaimRecord>>,
}

impl AccountSlot {
    fn open(
        account: Uuid,
        dir: PathBuf,
        registry: Arc<Mutex<Registry>>,
        events: &EventSettings,
    ) -> Result<Arc<Self>, AppError> {
        std::fs::create_dir_all(dir.join("outputs"))
            .map_err(|e| AppError::internal(format!("cannot create account dir: {e}")))?;
        let mut store = Store::open(&dir.join("ledger.sqlite3"))?;
        store.enable_events(events.balance_low_default)?;
        let told = store.last_event_seq()?;
        let store = Arc::new(Mutex::new(store));
        let (tx, rx) = tokio::sync::mpsc::channel(CLAIM_QUEUE_MAX);
        let writer_store = Arc::clone(&store);
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| AppError::internal(format!("cannot start the claim writer: {e}")))?;
        let signal = Arc::clone(&events.signal);
        runtime.spawn(claim_writer(
            account,
            dir,
            writer_store,
            registry,
            signal,
            rx,
        ));
        Ok(Arc::new(Self {
            store,
            claims: tx,
            policy_seq: AtomicU64::new(0),
            events_told: AtomicI64::new(told),
        }))
    }

    /// Tells `signal` of the account when its ledger (`store`, this slot's, locked) has events
    /// the dispatcher was not told of yet. Called after every write.
    pub(super) fn tell_events(&self, account: Uuid, store: &Store, signal: &EventSignal) {
        match store.last_event_seq() {
            Ok(last) if last > self.events_told.fetch_max(last, Ordering::AcqRel) => {
                signal.mark(account);
            }
            Ok(_) => {}
            // The events are in the ledger: the next write, or the next start, finds them.
            Err(e) => tracing::warn!(%account, error = %e, "cannot read the last event"),
        }
    }

    /// The store, for exclusive use.
    pub(super) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Store>, AppError> {
        lock(&self.store)
    }

    /// Adjudicates claims through the account's writer; one result per claim, in order.
    pub(super) async fn adjudicate(
        &self,
        reqs: Vec<SubmitClaim>,
        clock: AccountClock,
    ) -> Result<Vec<Ledger<ClaimRecord>>, AppError> {
        let mut waiting = Vec::with_capacity(reqs.len());
        for req in reqs {
            let (reply, result) = tokio::sync::oneshot::channel();
            let job = ClaimJob {
                req,
                clock: clock.clone(),
                reply,
            };
            self.claims
                .send(job)
                .await
                .map_err(|_| AppError::internal("the account's claim writer stopped"))?;
            waiting.push(result);
        }
        let mut out = Vec::with_capacity(waiting.len());
        for r in waiting {
            out.push(
                r.await
                    .map_err(|_| AppError::internal("a queued claim got no result"))?,
            );
        }
        Ok(out)
    }
}

/// The claim writer of one account: waits for a claim, takes every other claim waiting, judges
/// each from its stored output, commits them in one transaction, queues the ones for review,
/// and answers. Stops when the account's slot is dropped. The claims arriving while a commit
/// runs on the blocking pool wait in the channel and make the next group.
async fn claim_writer(
    account: Uuid,
    dir: PathBuf,
    store: Arc<Mutex<Store>>,
    registry: Arc<Mutex<Registry>>,
    signal: Arc<EventSignal>,
    mut jobs: tokio::sync::mpsc::Receiver<ClaimJob>,
) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < GROUP_COMMIT_MAX {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let reqs: Vec<SubmitClaim> = batch.iter().map(|j| j.req.clone()).collect();
        let clock = batch[0].clock.clone();
        let (dir_, store_, registry_) = (dir.clone(), Arc::clone(&store), Arc::clone(&registry));
        let committed = tokio::task::spawn_blocking(move || {
            commit(account, &dir_, &store_, &registry_, reqs, &clock)
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Decode(format!("the claim writer failed: {e}"))));
        match committed {
            Ok(results) => {
                // Every decided claim recorded a `claim.decided` event.
                if results.iter().any(Result::is_ok) {
                    signal.mark(account);
                }
                for (job, r) in batch.into_iter().zip(results) {
                    // A requester that gave up is no reason to fail the others.
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                let code = e.code();
                let message = e.to_string();
                // Each waiting claim gets its own copy of the failure, keeping whether the
                // storage underneath failed (answered 503, try again) or something else did.
                let fault = e.is_resource_fault();
                for job in batch {
                    let copy = if fault {
                        StoreError::Io {
                            path: format!("the ledger of account {account}"),
                            detail: message.clone(),
                        }
                    } else {
                        StoreError::Decode(format!("{code}: {message}"))
                    };
                    let _ = job.reply.send(Err(copy));
                }
            }
        }
    }
}

/// Judges a group of claims, commits them in one transaction, and queues the ones in review.
/// Blocking.
fn commit(
    account: Uuid,
    dir: &Path,
    store: &Mutex<Store>,
    registry: &Mutex<Registry>,
    reqs: Vec<SubmitClaim>,
    clock: &AccountClock,
) -> Result<Vec<Ledger<ClaimRecord>>, StoreError> {
    // A claim whose output cannot be read now (no file descriptor left, an I/O error) is not
    // adjudicated at all: judging it without its evidence would decide it blind. It is answered
    // as a storage fault (503, try again) and the others go on.
    let mut items: Vec<(SubmitClaim, Judgement)> = Vec::with_capacity(reqs.len());
    let mut unjudged: Vec<(usize, StoreError)> = Vec::new();
    let records = match lock(store) {
        Ok(s) => reqs
            .iter()
            .map(|r| s.output(r.generation_id))
            .collect::<Result<Vec<_>, _>>()?,
        Err(e) => return Err(StoreError::Decode(e.0.message)),
    };
    for (i, (req, record)) in reqs.into_iter().zip(records).enumerate() {
        match judge(dir, req.generation_id, record.as_ref()) {
            Ok(judgement) => items.push((req, judgement)),
            Err(e) => unjudged.push((i, e)),
        }
    }
    let now = clock.now();
    let (mut results, review, counted) = match lock(store) {
        Ok(mut s) => {
            // A claim recorded before (a device sending it again) is answered as it was and
            // counted once, when it was first recorded.
            let mut seen: std::collections::HashSet<ClaimId> = items
                .iter()
                .filter(|(req, _)| s.claim(req.claim_id).is_ok())
                .map(|(req, _)| req.claim_id)
                .collect();
            let results = s.adjudicate_batch(&items, now)?;
            // Each decided claim's generation is read once, for the review queue and the
            // counters. The claims are committed: a generation that cannot be read back leaves
            // the queue without its claim until the next start requeues it, and the counters
            // without it until the next start counts them again (logged).
            let mut review = Vec::new();
            let mut counted = Vec::new();
            for c in results.iter().flatten() {
                let g = match s.generation(c.generation_id) {
                    Ok(g) => g,
                    Err(e) => {
                        tracing::error!(%account, error = %e, "a decided claim's generation could not be read back for the review queue and the counters");
                        continue;
                    }
                };
                if c.outcome == Some(ClaimOutcome::InReview) {
                    review.push(QueueEntry::of(c, &g));
                }
                if seen.insert(c.claim_id) {
                    counted.extend(super::insights::InsightDelta::recorded(account, c, &g));
                }
            }
            (results, review, counted)
        }
        Err(e) => return Err(StoreError::Decode(e.0.message)),
    };
    queue_reviews(account, registry, &review, now);
    super::insights::count(registry, &counted);
    for (i, e) in unjudged {
        results.insert(i, Err(e));
    }
    Ok(results)
}

/// Puts the claims of a committed batch that went to review on the review queue. The claims
/// are committed whatever happens here, so a failure is logged, not answered.
fn queue_reviews(account: Uuid, registry: &Mutex<Registry>, review: &[QueueEntry], now: Timestamp) {
    if review.is_empty() {
        return;
    }
    let queued = lock(registry).map_err(|_| ()).and_then(|r| {
        r.queue_reviews(account, review, now).map_err(|e| {
            tracing::error!(%account, error = %e.0.message, "review queue not updated");
        })
    });
    if queued.is_err() {
        tracing::error!(%account, "claims in review could not be queued; GET /v1/admin/reviews misses them until requeued");
    }
}

/// Decides "clearly unusable" from the output's record (written with the capture): the
/// inspection's findings, checked against the file they were made from. Objective evidence
/// (blank, corrupt, truncated, noise) refunds at once; anything else goes to a person. It
/// fails closed: no record, findings that do not parse, a file that is gone or whose bytes are
/// not the recorded ones all go to review, never to an automatic refund. It matters only for a
/// succeeded generation: the store refuses claims on unknown, running or failed ones before
/// looking at the judgement. A file that cannot be read (no file descriptor left, an I/O
/// error) is an error, answered 503: judging without the evidence would decide blind.
fn judge(
    account_dir: &Path,
    generation: GenerationId,
    record: Option<&OutputRecord>,
) -> Result<Judgement, StoreError> {
    let review = |why: &str| {
        tracing::warn!(%generation, why, "claim sent to review: its output's evidence is missing or damaged");
        Ok(Judgement::Review)
    };
    let Some(record) = record else {
        return review("no output record");
    };
    let verdict = match super::provider::findings_verdict(&record.findings) {
        Ok(v) => v,
        Err(why) => return review(why),
    };
    let path = account_dir.join("outputs").join(&record.file_name);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return review("the output file is gone");
        }
        Err(e) => {
            return Err(StoreError::Io {
                path: path.display().to_string(),
                detail: e.to_string(),
            });
        }
    };
    let sha256 = hex_sha256(&bytes);
    if u64::try_from(bytes.len()).ok() != Some(record.size_bytes) || sha256 != record.sha256 {
        return review("the output file is not the one recorded");
    }
    Ok(if verdict.clearly_unusable() {
        Judgement::Refund
    } else {
        Judgement::Review
    })
}

/// The SHA-256 of `bytes`, lowercase hex.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Writes an output atomically and durably: a temporary file, synced, renamed over the final
/// name, and the folder synced, so after a crash the output is whole or absent. The temporary
/// name is unique per writer: two concurrent repeats of one generation write the same bytes,
/// and either rename may land. On failure (a full disk) the temporary file is removed.
pub(super) fn write_output(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let tmp = path.with_extension(format!("{}.part", Uuid::now_v7().simple()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok::<(), std::io::Error>(())
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        AppError::storage_fault(format!("cannot store output {}: {e}", path.display()))
    })
}

/// The open account stores, by account.
pub(super) struct Slots {
    /// `DATA_DIR/accounts`: one folder per account.
    dir: PathBuf,
    open: Mutex<HashMap<Uuid, (Arc<AccountSlot>, Instant)>>,
    registry: Arc<Mutex<Registry>>,
    events: EventSettings,
}

impl Slots {
    pub(super) fn new(dir: PathBuf, registry: Arc<Mutex<Registry>>, events: EventSettings) -> Self {
        Self {
            dir,
            open: Mutex::new(HashMap::new()),
            registry,
            events,
        }
    }

    /// Who is told of new events.
    pub(super) fn signal(&self) -> &Arc<EventSignal> {
        &self.events.signal
    }

    /// The folder of an account's store and outputs.
    pub(super) fn account_dir(&self, account: Uuid) -> PathBuf {
        self.dir.join(account.to_string())
    }

    /// The account's slot, opened on first use, with `in_force` activated (at `now`) if it is
    /// not yet. Blocking: run it off the async workers.
    pub(super) fn get(
        &self,
        account: Uuid,
        in_force: Option<&StoredPolicy>,
        now: Timestamp,
    ) -> Result<Arc<AccountSlot>, AppError> {
        let open = {
            let mut open = lock(&self.open)?;
            open.get_mut(&account).map(|(s, used)| {
                *used = Instant::now();
                Arc::clone(s)
            })
        };
        let slot = match open {
            Some(s) => s,
            None => self.open(account)?,
        };
        if let Some(policy) = in_force
            && slot.policy_seq.load(Ordering::Acquire) != policy.seq
        {
            let mut store = slot.lock()?;
            if store.policy()?.version() != policy.version {
                store.activate_policy_json(policy.document.as_bytes(), now)?;
            }
            slot.policy_seq.store(policy.seq, Ordering::Release);
        }
        Ok(slot)
    }

    /// Opens an account's slot without holding the map, so opening one account's file never
    /// stalls requests for the others. If another request opened it meanwhile, keeps that one.
    fn open(&self, account: Uuid) -> Result<Arc<AccountSlot>, AppError> {
        let fresh = AccountSlot::open(
            account,
            self.account_dir(account),
            Arc::clone(&self.registry),
            &self.events,
        )?;
        let mut open = lock(&self.open)?;
        if open.len() >= OPEN_STORES_MAX && !open.contains_key(&account) {
            let idle = open
                .iter()
                .filter(|(_, (s, _))| Arc::strong_count(s) == 1)
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| *id);
            if let Some(id) = idle {
                open.remove(&id);
            }
        }
        let (s, _) = open
            .entry(account)
            .or_insert_with(|| (fresh, Instant::now()));
        Ok(Arc::clone(s))
    }

    /// The account's slot if it is open with publication `seq` in force (no I/O, so async code
    /// may call it); `None` means "open it on the blocking pool with [`Slots::get`]".
    pub(super) fn ready(
        &self,
        account: Uuid,
        seq: u64,
    ) -> Result<Option<Arc<AccountSlot>>, AppError> {
        let mut open = lock(&self.open)?;
        Ok(open.get_mut(&account).and_then(|(s, used)| {
            if s.policy_seq.load(Ordering::Acquire) == seq {
                *used = Instant::now();
                Some(Arc::clone(s))
            } else {
                None
            }
        }))
    }
}
