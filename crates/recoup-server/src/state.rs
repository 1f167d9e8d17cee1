//! Everything a request handler needs: the registry, the pool of account stores, the signing
//! key and the published policy, the generator's settings, and the rate limiter.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use jiff::{SignedDuration, Timestamp};
use recoup_api::{ErrorCode, GeneratorSettings, SignedPolicy};
use recoup_core::{Clock, Policy};
use recoup_store::{ClaimRecord, Judgement, Store, StoreError, SubmitClaim};
use uuid::Uuid;

use crate::error::AppError;
use crate::registry::Registry;

/// At most this many tokens are remembered (the cache starts over past it).
pub const TOKEN_CACHE_MAX: usize = 100_000;

/// At most this many account stores stay open; the least recently used idle one is closed.
pub const OPEN_STORES_MAX: usize = 256;

/// An open account store and when it was last used.
pub(crate) type OpenStore = (Arc<AccountSlot>, Instant);

/// One account's store and its claim writer: a thread that takes every claim waiting for the
/// account and commits them together (group commit: one durable transaction for all of them).
pub(crate) struct AccountSlot {
    store: Arc<Mutex<Store>>,
    claims: tokio::sync::mpsc::Sender<ClaimJob>,
    /// The publication number of the policy last put in force in this store, so that a request
    /// can tell without taking the store whether the published policy must be activated.
    policy_seq: std::sync::atomic::AtomicU64,
}

/// A claim for the account's writer, with where to send its result.
pub(crate) struct ClaimJob {
    pub(crate) req: SubmitClaim,
    /// The account's test-clock offset when the claim arrived.
    pub(crate) offset_ms: i64,
    pub(crate) reply: tokio::sync::oneshot::Sender<Result<ClaimRecord, StoreError>>,
}

/// Most claims waiting for one account's writer; a request beyond it waits for room.
pub const CLAIM_QUEUE_MAX: usize = 4_096;

/// Most claims one group commit takes.
pub const GROUP_COMMIT_MAX: usize = 1_000;

impl AccountSlot {
    fn open(
        account: Uuid,
        dir: PathBuf,
        registry: Arc<Mutex<Registry>>,
    ) -> Result<Arc<Self>, AppError> {
        std::fs::create_dir_all(dir.join("outputs"))
            .map_err(|e| AppError::internal(format!("cannot create account dir: {e}")))?;
        let store = Arc::new(Mutex::new(Store::open(&dir.join("ledger.sqlite3"))?));
        let (tx, rx) = tokio::sync::mpsc::channel(CLAIM_QUEUE_MAX);
        let writer_store = Arc::clone(&store);
        std::thread::Builder::new()
            .name(format!("claims-{account}"))
            .spawn(move || claim_writer(account, dir, writer_store, registry, rx))
            .map_err(|e| AppError::internal(format!("cannot start the claim writer: {e}")))?;
        Ok(Arc::new(Self {
            store,
            claims: tx,
            policy_seq: std::sync::atomic::AtomicU64::new(0),
        }))
    }

    /// The store, for exclusive use.
    pub(crate) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Store>, AppError> {
        lock(&self.store)
    }

    /// Adjudicates claims through the account's writer; one result per claim, in order.
    pub(crate) async fn adjudicate(
        &self,
        reqs: Vec<SubmitClaim>,
        offset_ms: i64,
    ) -> Result<Vec<Result<ClaimRecord, StoreError>>, AppError> {
        let mut waiting = Vec::with_capacity(reqs.len());
        for req in reqs {
            let (reply, result) = tokio::sync::oneshot::channel();
            self.claims
                .send(ClaimJob {
                    req,
                    offset_ms,
                    reply,
                })
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
/// and answers. Stops when the account's slot is dropped.
fn claim_writer(
    account: Uuid,
    dir: PathBuf,
    store: Arc<Mutex<Store>>,
    registry: Arc<Mutex<Registry>>,
    mut jobs: tokio::sync::mpsc::Receiver<ClaimJob>,
) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_COMMIT_MAX {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let items: Vec<(SubmitClaim, Judgement)> = batch
            .iter()
            .map(|j| (j.req.clone(), judge(&dir, j.req.generation_id)))
            .collect();
        let now = AccountClock {
            offset: SignedDuration::from_millis(batch[0].offset_ms),
        }
        .now();
        let results = match store.lock() {
            Ok(mut s) => s.adjudicate_batch(&items, now),
            Err(_) => Err(StoreError::Decode(
                "the account's store lock was poisoned".into(),
            )),
        };
        match results {
            Ok(results) => {
                let review: Vec<Uuid> = results
                    .iter()
                    .filter_map(|r| r.as_ref().ok())
                    .filter(|c| c.outcome == Some(recoup_store::ClaimOutcome::InReview))
                    .map(|c| c.claim_id.0)
                    .collect();
                if !review.is_empty() {
                    let queued = registry.lock().map_err(|_| ()).and_then(|r| {
                        r.queue_reviews(account, &review, now).map_err(|e| {
                            tracing::error!(%account, error = %e.0.message, "review queue not updated");
                        })
                    });
                    if queued.is_err() {
                        tracing::error!(%account, "claims in review could not be queued; GET /v1/admin/reviews misses them until requeued");
                    }
                }
                for (job, r) in batch.into_iter().zip(results) {
                    // A requester that gave up is no reason to fail the others.
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                let code = e.code();
                let message = e.to_string();
                for job in batch {
                    let _ = job
                        .reply
                        .send(Err(StoreError::Decode(format!("{code}: {message}"))));
                }
            }
        }
    }
}

/// Decides "clearly unusable" from the stored output: objective evidence (blank, corrupt,
/// truncated, noise) refunds at once; anything else goes to a person. Reads only the output
/// files (the verdict recorded when the output was stored, else the output itself). It matters
/// only for a succeeded generation: the store refuses claims on unknown, running or failed ones
/// before looking at the judgement.
pub(crate) fn judge(account_dir: &Path, generation: recoup_core::GenerationId) -> Judgement {
    let dir = account_dir.join("outputs");
    if let Ok(v) = std::fs::read_to_string(dir.join(format!("{generation}.verdict"))) {
        return if v.trim() == "usable" {
            Judgement::Review
        } else {
            Judgement::Refund
        };
    }
    for ext in ["png", "gif"] {
        if let Ok(bytes) = std::fs::read(dir.join(format!("{generation}.{ext}"))) {
            return if recoup_generator::inspect(&bytes).verdict.clearly_unusable() {
                Judgement::Refund
            } else {
                Judgement::Review
            };
        }
    }
    // A succeeded generation whose output is gone is objectively unusable.
    Judgement::Refund
}

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the databases and outputs live.
    pub data_dir: PathBuf,
    /// Sandbox mode: open account creation, test clocks, generator settings.
    pub sandbox: bool,
    /// Admin bearer token for the review and publishing API.
    pub admin_token: String,
    /// Share of generations that fail technically.
    pub failure_rate: f64,
    /// Share of successful generations with deliberately bad output.
    pub bad_rate: f64,
    /// Requests per second allowed per account (token bucket, burst twice that).
    pub rate_per_sec: u32,
    /// Credits a new sandbox account starts with.
    pub starting_allowance: u64,
}

/// The published policy: validated, and signed as served.
pub(crate) struct Published {
    pub(crate) policy: Policy,
    pub(crate) signed: SignedPolicy,
}

/// Shared state.
pub struct AppState {
    pub(crate) config: Config,
    pub(crate) registry: Arc<Mutex<Registry>>,
    pub(crate) stores: Mutex<HashMap<Uuid, OpenStore>>,
    pub(crate) key: SigningKey,
    pub(crate) published: RwLock<Arc<Published>>,
    pub(crate) generator: RwLock<GeneratorSettings>,
    pub(crate) buckets: Mutex<HashMap<Uuid, (f64, Instant)>>,
    pub(crate) admin_token_hash: [u8; 32],
    /// Token hash -> (account, test-clock offset), so a request does not query the registry.
    /// Cleared for an account when its clock moves; bounded.
    pub(crate) tokens: Mutex<HashMap<[u8; 32], (Uuid, i64)>>,
}

/// A poisoned lock means a handler panicked while holding it: answer 500, never panic again.
pub(crate) fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, AppError> {
    m.lock()
        .map_err(|_| AppError::internal("a lock was poisoned by an earlier failure"))
}

impl AppState {
    /// Opens the registry, loads or makes the signing key, and publishes the built-in policy
    /// if none was published yet.
    pub fn open(config: Config) -> Result<Self, AppError> {
        std::fs::create_dir_all(config.data_dir.join("accounts")).map_err(|e| {
            AppError::internal(format!("cannot create {}: {e}", config.data_dir.display()))
        })?;
        let registry = Registry::open(&config.data_dir.join("server.sqlite3"))?;
        let key = load_or_make_key(&config.data_dir.join("policy-signing.key"))?;
        let published = match registry.latest_policy()? {
            Some(p) => {
                let policy = Policy::from_json(p.document.as_bytes()).map_err(|e| {
                    AppError::internal(format!("stored policy no longer validates: {e}"))
                })?;
                let signed = SignedPolicy::sign(&p.version, p.seq, p.document, &key);
                Published { policy, signed }
            }
            None => {
                let policy = Policy::builtin();
                let document = policy.to_json();
                let seq = registry.publish_policy(policy.version(), &document, Timestamp::now())?;
                let signed = SignedPolicy::sign(policy.version(), seq, document, &key);
                Published { policy, signed }
            }
        };
        let generator = GeneratorSettings {
            failure_rate: config.failure_rate,
            bad_rate: config.bad_rate,
        };
        let admin_token_hash = crate::registry::token_hash(&config.admin_token);
        Ok(Self {
            config,
            registry: Arc::new(Mutex::new(registry)),
            stores: Mutex::new(HashMap::new()),
            key,
            published: RwLock::new(Arc::new(published)),
            generator: RwLock::new(generator),
            buckets: Mutex::new(HashMap::new()),
            admin_token_hash,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn published(&self) -> Result<Arc<Published>, AppError> {
        self.published
            .read()
            .map(|p| Arc::clone(&p))
            .map_err(|_| AppError::internal("policy lock poisoned"))
    }

    /// The account's store, opened on first use, with the published policy in force.
    pub(crate) fn store(&self, account: Uuid) -> Result<Arc<AccountSlot>, AppError> {
        let open = {
            let mut stores = lock(&self.stores)?;
            stores.get_mut(&account).map(|(s, used)| {
                *used = Instant::now();
                Arc::clone(s)
            })
        };
        let store = match open {
            Some(s) => s,
            None => {
                // Opened without holding the map, so opening one account's file never stalls
                // requests for the others. If another request opened it meanwhile, keep that one.
                let fresh = AccountSlot::open(
                    account,
                    self.account_dir(account),
                    Arc::clone(&self.registry),
                )?;
                let mut stores = lock(&self.stores)?;
                if stores.len() >= OPEN_STORES_MAX && !stores.contains_key(&account) {
                    let idle = stores
                        .iter()
                        .filter(|(_, (s, _))| Arc::strong_count(s) == 1)
                        .min_by_key(|(_, (_, used))| *used)
                        .map(|(id, _)| *id);
                    if let Some(id) = idle {
                        stores.remove(&id);
                    }
                }
                let (s, _) = stores
                    .entry(account)
                    .or_insert_with(|| (fresh, Instant::now()));
                Arc::clone(s)
            }
        };
        let published = self.published()?;
        let seq = published.signed.seq;
        if store.policy_seq.load(std::sync::atomic::Ordering::Acquire) != seq {
            let mut guard = store.lock()?;
            if guard.policy()?.version() != published.policy.version() {
                guard
                    .activate_policy_json(published.signed.document.as_bytes(), Timestamp::now())?;
            }
            store
                .policy_seq
                .store(seq, std::sync::atomic::Ordering::Release);
        }
        Ok(store)
    }

    /// The account's slot if it is open with the published policy in force (no I/O, so async
    /// code may call it); `None` means "open it on the blocking pool with [`AppState::store`]".
    pub(crate) fn ready_store(&self, account: Uuid) -> Result<Option<Arc<AccountSlot>>, AppError> {
        let seq = self.published()?.signed.seq;
        let mut stores = lock(&self.stores)?;
        Ok(stores.get_mut(&account).and_then(|(s, used)| {
            if s.policy_seq.load(std::sync::atomic::Ordering::Acquire) == seq {
                *used = Instant::now();
                Some(Arc::clone(s))
            } else {
                None
            }
        }))
    }

    pub(crate) fn account_dir(&self, account: Uuid) -> PathBuf {
        self.config
            .data_dir
            .join("accounts")
            .join(account.to_string())
    }

    /// The account's clock: the endpoint's clock, moved by the account's sandbox test clock.
    pub(crate) fn clock(&self, offset_ms: i64) -> AccountClock {
        AccountClock {
            offset: SignedDuration::from_millis(offset_ms),
        }
    }

    /// The account a bearer token belongs to, with its test-clock offset.
    pub(crate) fn authenticate(&self, token: &str) -> Result<Option<(Uuid, i64)>, AppError> {
        let hash = crate::registry::token_hash(token);
        if let Some(hit) = lock(&self.tokens)?.get(&hash) {
            return Ok(Some(*hit));
        }
        let found = lock(&self.registry)?.authenticate(token)?;
        if let Some(hit) = found {
            let mut tokens = lock(&self.tokens)?;
            if tokens.len() >= TOKEN_CACHE_MAX {
                tokens.clear();
            }
            tokens.insert(hash, hit);
        }
        Ok(found)
    }

    /// Forgets cached tokens of an account (its test clock moved).
    pub(crate) fn forget_tokens(&self, account: Uuid) -> Result<(), AppError> {
        lock(&self.tokens)?.retain(|_, (a, _)| *a != account);
        Ok(())
    }

    /// Token bucket per account: `rate_per_sec` refill, burst of twice that.
    pub(crate) fn admit(&self, account: Uuid) -> Result<(), AppError> {
        let rate = f64::from(self.config.rate_per_sec.max(1));
        let burst = rate * 2.0;
        let mut buckets = lock(&self.buckets)?;
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, at)| at.elapsed().as_secs() < 60);
        }
        let now = Instant::now();
        let (tokens, at) = buckets.entry(account).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens < 1.0 {
            return Err(AppError::api(
                ErrorCode::RateLimited,
                "too many requests for this account; retry in a second",
            ));
        }
        *tokens -= 1.0;
        Ok(())
    }
}

/// The clock of one account.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AccountClock {
    offset: SignedDuration,
}

impl Clock for AccountClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.offset)
            .unwrap_or(Timestamp::MAX)
    }
}

fn load_or_make_key(path: &Path) -> Result<SigningKey, AppError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                AppError::internal(format!("{} is not a 32-byte key", path.display()))
            })?;
            Ok(SigningKey::from_bytes(&arr))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed)
                .map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
            write_private(path, &seed)?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(AppError::internal(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes a secret file readable by its owner only, atomically.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", tmp.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))
}

/// A new random bearer token.
pub(crate) fn new_token(prefix: &str) -> Result<String, AppError> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(format!(
        "{prefix}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}
