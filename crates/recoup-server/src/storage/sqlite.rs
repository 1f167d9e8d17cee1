//! The SQLite engine: the registry (`server.sqlite3`: accounts, token hashes, test clocks,
//! published policies, the review queue) and one Recoup store per account
//! (`accounts/<id>/ledger.sqlite3`, outputs beside it). SQLite blocks, so every operation runs
//! on the blocking pool; the fast paths (a known token, an open account with the policy in
//! force) answer from memory first.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use recoup_core::Timestamp;
use recoup_core::{ClaimId, GenerationId, Policy};
use recoup_store::{
    AccountBalance, ChangePage, ClaimOutcome, ClaimRecord, FinishGeneration, GenerationRecord,
    GrantRecord, GrantRequest, StartGeneration, Store, StoreError, SubmitClaim,
};
use uuid::Uuid;

use super::registry::Registry;
use super::slot::{AccountSlot, Slots};
use super::{
    Account, EventSettings, Ledger, QueuedClaim, Storage, StorageFuture, StoredPolicy, TokenHash,
};
use crate::clock::{AccountClock, EndpointClock};
use crate::error::{AppError, lock, read, write};

/// Most claims in review of one account requeued at start-up (the store's page bound); a
/// ledger with more in review than this gets the rest at the next start.
const REQUEUE_CLAIMS_MAX: u32 = 1_000;

/// At most this many tokens are remembered (the cache starts over past it).
pub const TOKEN_CACHE_MAX: usize = 100_000;

/// The SQLite engine. Cheap to share: everything lives behind one `Arc`, which each operation
/// takes to the blocking pool.
pub(crate) struct SqliteStorage {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) registry: Arc<Mutex<Registry>>,
    pub(super) slots: Slots,
    /// Token hash -> account and test-clock offset, so a request does not query the registry.
    /// Cleared for an account when its clock moves; bounded.
    /// With each, its expiry (ms), checked against the endpoint's clock on every hit.
    tokens: Mutex<HashMap<TokenHash, (Account, Option<i64>)>>,
    /// The publication every account's store is brought to before use.
    in_force: RwLock<Option<Arc<StoredPolicy>>>,
    /// The endpoint's clock, for the time a store activates a policy.
    clock: EndpointClock,
}

impl SqliteStorage {
    /// Opens (or makes) the engine's files under `data_dir`.
    pub(crate) fn open(
        data_dir: &Path,
        clock: EndpointClock,
        events: EventSettings,
    ) -> Result<Self, AppError> {
        let accounts = data_dir.join("accounts");
        std::fs::create_dir_all(&accounts).map_err(|e| {
            AppError::internal(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let registry = Arc::new(Mutex::new(Registry::open(
            &data_dir.join("server.sqlite3"),
        )?));
        let in_force = lock(&registry)?.latest_policy()?.map(Arc::new);
        requeue_reviews(&*lock(&registry)?, &accounts, clock.now())?;
        Ok(Self {
            inner: Arc::new(Inner {
                slots: Slots::new(accounts, Arc::clone(&registry), events),
                registry,
                tokens: Mutex::new(HashMap::new()),
                in_force: RwLock::new(in_force),
                clock,
            }),
        })
    }

    /// The policy published last; `first` is published (at `now`) when none was yet, so that
    /// a new endpoint serves a signed policy from its first request.
    pub(crate) fn published_or(
        &self,
        first: &Policy,
        now: Timestamp,
    ) -> Result<StoredPolicy, AppError> {
        if let Some(p) = self.inner.in_force()? {
            return Ok((*p).clone());
        }
        let version = first.version().to_owned();
        let document = first.to_json();
        let seq = self.inner.publish(&version, &document, now)?;
        Ok(StoredPolicy {
            seq,
            version,
            document,
        })
    }

    /// Records the admin credential given at start (see `Registry::put_bootstrap`).
    pub(crate) fn put_bootstrap(&self, hash: TokenHash, now: Timestamp) -> Result<(), AppError> {
        lock(&self.inner.registry)?.put_bootstrap(hash, now)
    }

    /// Runs `f` on the blocking pool with the engine.
    pub(super) fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, AppError> + Send + 'static,
    ) -> StorageFuture<'_, T> {
        let inner = Arc::clone(&self.inner);
        Box::pin(crate::blocking(move || f(&inner)))
    }

    /// Who is told of accounts with new events.
    pub(super) fn signal(&self) -> Arc<super::EventSignal> {
        Arc::clone(self.inner.slots.signal())
    }

    /// Runs `f` on the blocking pool with the account's store, opened and up to date.
    pub(super) fn with_store<T: Send + 'static>(
        &self,
        account: Uuid,
        f: impl FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
    ) -> StorageFuture<'_, T> {
        self.run(move |inner| inner.write(account, f))
    }
}

/// Puts back on the review queue every claim an account's ledger has in review but the queue
/// lacks. A claim is committed in review in the account's store and queued in the registry in
/// two transactions; an endpoint stopped between the two (a crash, a kill) left the claim out
/// of `GET /v1/admin/reviews` forever. The other way round too: a decision is committed in the
/// account's store and unqueued in the registry in two transactions, and an endpoint stopped
/// between them left the decided claim on the queue for good (found by the crash soak), so a
/// queued claim the ledger no longer has in review is taken off. Run at start-up, before any
/// request; idempotent (a queued claim keeps its row and its place). The insight counters are
/// counted again from the same ledgers and replaced (`insights::rebuild`). Opens each account's
/// ledger once, briefly.
fn requeue_reviews(
    registry: &Registry,
    accounts_dir: &Path,
    now: Timestamp,
) -> Result<(), AppError> {
    let reviewed = registry.reviewed_claims()?;
    let mut tally = super::insights::Tally::default();
    for account in registry.account_ids()? {
        let path = accounts_dir
            .join(account.to_string())
            .join("ledger.sqlite3");
        if !path.exists() {
            continue;
        }
        let store = Store::open(&path)?;
        for queued in registry.queued_claims(account)? {
            let decided = match store.claim(ClaimId(queued)) {
                Ok(c) => c.outcome != Some(ClaimOutcome::InReview),
                Err(StoreError::NotFound { .. }) => true,
                Err(e) => return Err(e.into()),
            };
            if decided {
                registry.unqueue_review(account, queued)?;
            }
        }
        let in_review = store.claims_in_review(REQUEUE_CLAIMS_MAX)?;
        let entries = super::console::entries_in_review(&store, &in_review)?;
        if !entries.is_empty() {
            registry.queue_reviews(account, &entries, now)?;
        }
        for d in super::insights::deltas_of_store(account, &store, &reviewed)? {
            tally.add(&d);
        }
    }
    registry.replace_insights(&tally)
}

impl Inner {
    fn in_force(&self) -> Result<Option<Arc<StoredPolicy>>, AppError> {
        Ok(read(&self.in_force).clone())
    }

    /// Forgets the remembered tokens of an account (one revoked, the account disabled).
    pub(super) fn forget_tokens(&self, account: Uuid) -> Result<(), AppError> {
        lock(&self.tokens)?.retain(|_, (a, _)| a.id != account);
        Ok(())
    }

    /// Runs `f` with the account's store (opened, the publication in force), then tells the
    /// webhook dispatcher if it recorded events. Blocking.
    pub(super) fn write<T>(
        &self,
        account: Uuid,
        f: impl FnOnce(&mut Store) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let slot = self.slot(account)?;
        let mut store = slot.lock()?;
        let out = f(&mut store);
        slot.tell_events(account, &store, self.slots.signal());
        out
    }

    /// The account's slot with the publication in force. Blocking.
    pub(super) fn slot(&self, account: Uuid) -> Result<Arc<AccountSlot>, AppError> {
        let in_force = self.in_force()?;
        self.slots
            .get(account, in_force.as_deref(), self.clock.now())
    }

    /// Records a publication and puts it in force. Blocking.
    fn publish(&self, version: &str, document: &str, now: Timestamp) -> Result<u64, AppError> {
        let seq = lock(&self.registry)?.publish_policy(version, document, now)?;
        let stored = StoredPolicy {
            seq,
            version: version.to_owned(),
            document: document.to_owned(),
        };
        *write(&self.in_force) = Some(Arc::new(stored));
        Ok(seq)
    }

    fn remember_token(
        &self,
        token: TokenHash,
        account: Account,
        expires_ms: Option<i64>,
    ) -> Result<(), AppError> {
        let mut tokens = lock(&self.tokens)?;
        if tokens.len() >= TOKEN_CACHE_MAX {
            tokens.clear();
        }
        tokens.insert(token, (account, expires_ms));
        Ok(())
    }
}

impl Storage for SqliteStorage {
    fn create_account(
        &self,
        account: Uuid,
        token: TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        self.run(move |inner| {
            // A sandbox account: its token's text is not known here, only its hash.
            let row = super::NewTokenRow {
                token_id: Uuid::now_v7(),
                hash: token,
                prefix: "rk_".to_owned(),
                label: "sandbox".to_owned(),
                expires_at: None,
            };
            lock(&inner.registry)?.create_account_audited(
                account,
                None,
                Some(&row),
                now,
                "sandbox",
                &serde_json::json!({}),
            )?;
            // Opened now, so that the account's folder and store exist from its creation.
            inner.slot(account).map(drop)
        })
    }

    fn authenticate(&self, token: TokenHash) -> StorageFuture<'_, Option<Account>> {
        Box::pin(async move {
            let now = self.inner.clock.now();
            let hit = lock(&self.inner.tokens)?.get(&token).copied();
            match hit {
                Some((account, exp)) if exp.is_none_or(|e| e > now.as_millis()) => {
                    return Ok(Some(account));
                }
                Some(_) => {
                    lock(&self.inner.tokens)?.remove(&token);
                    return Ok(None);
                }
                None => {}
            }
            let found = self
                .run(move |inner| lock(&inner.registry)?.usable_token(token, now))
                .await?;
            if let Some((account, exp)) = found {
                self.inner.remember_token(token, account, exp)?;
            }
            Ok(found.map(|(a, _)| a))
        })
    }

    fn clock_offset_ms(&self, account: Uuid) -> StorageFuture<'_, Option<i64>> {
        self.run(move |inner| lock(&inner.registry)?.clock_offset_ms(account))
    }

    fn advance_clock(&self, account: Uuid, by_ms: i64) -> StorageFuture<'_, Option<i64>> {
        self.run(move |inner| {
            let offset = {
                let registry = lock(&inner.registry)?;
                if !registry.advance_clock(account, by_ms)? {
                    return Ok(None);
                }
                registry.clock_offset_ms(account)?.unwrap_or(0)
            };
            // Cached tokens carry the old offset.
            inner.forget_tokens(account)?;
            Ok(Some(offset))
        })
    }

    fn balance(&self, account: Uuid, now: Timestamp) -> StorageFuture<'_, AccountBalance> {
        self.with_store(account, move |s| Ok(s.balance(now)?))
    }

    fn grant(
        &self,
        account: Uuid,
        req: GrantRequest,
        now: Timestamp,
    ) -> StorageFuture<'_, GrantRecord> {
        self.with_store(account, move |s| Ok(s.grant(&req, now)?))
    }

    fn sweep(&self, account: Uuid, now: Timestamp) -> StorageFuture<'_, ()> {
        self.with_store(account, move |s| Ok(s.sweep(now).map(drop)?))
    }

    fn start_generation(
        &self,
        account: Uuid,
        req: StartGeneration,
        now: Timestamp,
    ) -> StorageFuture<'_, GenerationRecord> {
        self.with_store(account, move |s| Ok(s.start_generation(&req, now)?))
    }

    fn generation(&self, account: Uuid, id: GenerationId) -> StorageFuture<'_, GenerationRecord> {
        self.with_store(account, move |s| Ok(s.generation(id)?))
    }

    fn output(&self, account: Uuid, output_ref: String) -> StorageFuture<'_, Option<Vec<u8>>> {
        self.run(move |inner| {
            let path = inner
                .slots
                .account_dir(account)
                .join("outputs")
                .join(output_ref);
            Ok(std::fs::read(path).ok())
        })
    }

    fn finish_generation(
        &self,
        account: Uuid,
        req: FinishGeneration,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<GenerationRecord>> {
        self.run(move |inner| {
            super::insights::finishing(inner, account, req.generation_id, |s| {
                s.finish_generation(&req, now)
            })
        })
    }

    fn adjudicate(
        &self,
        account: Uuid,
        claims: Vec<SubmitClaim>,
        clock: AccountClock,
    ) -> StorageFuture<'_, Vec<Ledger<ClaimRecord>>> {
        Box::pin(async move {
            let seq = self.inner.in_force()?.map_or(0, |p| p.seq);
            let slot = match self.inner.slots.ready(account, seq)? {
                Some(s) => s,
                None => self.run(move |inner| inner.slot(account)).await?,
            };
            slot.adjudicate(claims, clock).await
        })
    }

    fn changes(
        &self,
        account: Uuid,
        after: i64,
        limit: u32,
        now: Timestamp,
    ) -> StorageFuture<'_, ChangePage> {
        self.with_store(account, move |s| {
            s.note_pull(now)?;
            Ok(s.changes(after, limit)?)
        })
    }

    fn ready(&self) -> StorageFuture<'_, ()> {
        self.run(move |inner| lock(&inner.registry)?.answers())
    }

    fn review_queue(&self, limit: u32) -> StorageFuture<'_, Vec<QueuedClaim>> {
        self.run(move |inner| {
            let queued = lock(&inner.registry)?.reviews(limit)?;
            let mut out = Vec::with_capacity(queued.len());
            for (account, claim) in queued {
                let claim = inner.slot(account)?.lock()?.claim(ClaimId(claim))?;
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
        self.run(move |inner| {
            let (decided, generation) = inner.write(account, |s| {
                let decided = s.review(claim, approve, now);
                let generation = match &decided {
                    Ok(c) => s.generation(c.generation_id).ok(),
                    Err(_) => None,
                };
                Ok((decided, generation))
            })?;
            if let (Ok(c), Some(g)) = (&decided, &generation) {
                super::insights::count(
                    &inner.registry,
                    &[super::insights::InsightDelta::reviewed(account, c, g)],
                );
            }
            if decided.is_ok() {
                lock(&inner.registry)?.unqueue_review(account, claim.0)?;
            }
            Ok(decided)
        })
    }

    fn publish_policy(
        &self,
        version: String,
        document: String,
        now: Timestamp,
    ) -> StorageFuture<'_, u64> {
        self.run(move |inner| inner.publish(&version, &document, now))
    }
}

#[cfg(test)]
mod tests {
    use recoup_core::FixedClock;

    use super::*;

    fn engine(dir: &Path) -> Box<dyn Storage> {
        let t0: Timestamp = "2031-01-01T00:00:00Z".parse().expect("a timestamp");
        Box::new(
            SqliteStorage::open(dir, Arc::new(FixedClock(t0)), EventSettings::default())
                .expect("the engine opens"),
        )
    }

    #[tokio::test]
    async fn a_token_already_remembered_authenticates_with_the_offset_its_clock_moved_to() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = engine(dir.path());
        let (account, token) = (Uuid::now_v7(), TokenHash::of("rk_test"));
        storage
            .create_account(account, token, Timestamp::UNIX_EPOCH)
            .await
            .expect("account created");
        let before = storage.authenticate(token).await.expect("authenticates");
        assert_eq!(
            before,
            Some(Account {
                id: account,
                offset_ms: 0
            }),
            "a new account's clock is the endpoint's"
        );
        let moved = storage.advance_clock(account, 5_000).await.expect("moves");
        assert_eq!(moved, Some(5_000), "advancing answers the new offset");
        let after = storage.authenticate(token).await.expect("authenticates");
        assert_eq!(
            after.map(|a| a.offset_ms),
            Some(5_000),
            "the remembered token is not served with the offset it had before the clock moved"
        );
    }

    #[tokio::test]
    async fn an_unknown_account_or_token_is_none_not_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = engine(dir.path());
        let nobody = Uuid::now_v7();
        assert_eq!(
            (
                storage.authenticate(TokenHash::of("rk_nobody")).await.ok(),
                storage.clock_offset_ms(nobody).await.ok(),
                storage.advance_clock(nobody, 1_000).await.ok(),
            ),
            (Some(None), Some(None), Some(None)),
            "the handlers answer 401 or 404 from a None; an error would be a 500"
        );
    }
}
