//! Shared helpers: an injected clock, time-ordered ids made from it, and short-hands for the
//! store's requests.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use recoup_core::{
    ClaimId, ClaimReason, Feature, GenerationId, GrantKind, OpId, Platform, Surface,
};
use recoup_core::{TimeDelta, Timestamp};
use recoup_store::{
    ClaimQuery, ClaimRecord, EntryQuery, FinishGeneration, GenerationRecord, GrantRecord,
    GrantRequest, LedgerEntry, Outcome, StartGeneration, Store, SubmitClaim,
};
use uuid::Uuid;

/// The instant every test starts at.
pub fn t0() -> Timestamp {
    "2026-11-25T10:00:00Z".parse().expect("t0 parses")
}

/// `n` seconds.
pub fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

/// A clock the test moves by hand.
#[derive(Debug, Clone, Copy)]
pub struct TestClock(pub Timestamp);

impl TestClock {
    pub fn start() -> Self {
        Self(t0())
    }

    pub fn now(&self) -> Timestamp {
        self.0
    }

    pub fn advance(&mut self, s: i64) -> Timestamp {
        self.0 = self.0.checked_add(secs(s)).expect("time stays in range");
        self.0
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// A UUIDv7 for the injected instant `at`; a process-wide counter fills the random bits, so ids
/// made later (by the injected clock, then by the counter) sort after earlier ones.
pub fn uuid_at(at: Timestamp) -> Uuid {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0_u8; 10];
    bytes[2..].copy_from_slice(&n.to_be_bytes());
    let ms = u64::try_from(at.as_millis()).expect("instants after 1970");
    uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid()
}

pub fn op_at(at: Timestamp) -> OpId {
    OpId(uuid_at(at))
}

pub fn gen_at(at: Timestamp) -> GenerationId {
    GenerationId(uuid_at(at))
}

pub fn claim_at(at: Timestamp) -> ClaimId {
    ClaimId(uuid_at(at))
}

pub fn grant(
    store: &mut Store,
    kind: GrantKind,
    credits: u64,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> GrantRecord {
    let mut req = GrantRequest::new(op_at(now), kind, credits);
    req.expires_at = expires_at;
    store.grant(&req, now).expect("grant is accepted")
}

pub fn start_req(
    feature: Feature,
    platform: Platform,
    surface: Surface,
    now: Timestamp,
) -> StartGeneration {
    StartGeneration {
        generation_id: gen_at(now),
        feature,
        platform,
        surface,
    }
}

/// Starts a generation in the editor on the web.
pub fn start(store: &mut Store, feature: Feature, now: Timestamp) -> GenerationId {
    start_on(store, feature, Platform::Web, Surface::Editor, now)
}

pub fn start_on(
    store: &mut Store,
    feature: Feature,
    platform: Platform,
    surface: Surface,
    now: Timestamp,
) -> GenerationId {
    let req = start_req(feature, platform, surface, now);
    store
        .start_generation(&req, now)
        .expect("start_generation is accepted");
    req.generation_id
}

pub fn finish(
    store: &mut Store,
    id: GenerationId,
    success: bool,
    now: Timestamp,
) -> GenerationRecord {
    let outcome = if success {
        Outcome::Succeeded {
            output_ref: Some(format!("out/{id}.png")),
        }
    } else {
        Outcome::Failed {
            error: "generator timed out".to_owned(),
        }
    };
    let req = FinishGeneration {
        op_id: op_at(now),
        generation_id: id,
        outcome,
    };
    store
        .finish_generation(&req, now)
        .expect("finish_generation is accepted")
}

/// Starts and finishes a successful generation.
pub fn succeeded(
    store: &mut Store,
    feature: Feature,
    platform: Platform,
    surface: Surface,
    now: Timestamp,
) -> GenerationId {
    let id = start_on(store, feature, platform, surface, now);
    finish(store, id, true, now);
    id
}

pub fn claim_req(generation: GenerationId, now: Timestamp) -> SubmitClaim {
    SubmitClaim {
        claim_id: claim_at(now),
        generation_id: generation,
        reason: ClaimReason::ArtifactsOrDistortions,
        details: "The face is melted and the hands have seven fingers.".to_owned(),
        reported_at: None,
    }
}

/// Every ledger entry, newest first, paging through the whole ledger.
pub fn all_entries(store: &Store) -> Vec<LedgerEntry> {
    let mut out: Vec<LedgerEntry> = Vec::new();
    loop {
        let page = store
            .entries(&EntryQuery {
                before_seq: out.last().map(|e| e.seq),
                limit: 1_000,
                ..EntryQuery::default()
            })
            .expect("entries");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

pub fn entry_count(store: &Store) -> usize {
    all_entries(store).len()
}

/// Every claim, newest first.
pub fn all_claims(store: &Store) -> Vec<ClaimRecord> {
    store
        .claims(&ClaimQuery {
            sync_state: None,
            before: None,
            limit: 1_000,
        })
        .expect("claims")
}

/// Row counts read behind the store's back, with a separate read-only connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    pub operations: i64,
    pub entries: i64,
    pub grants: i64,
    pub generations: i64,
    pub claims: i64,
    pub outbox: i64,
    pub refunds: i64,
    pub documents: i64,
}

pub fn rows(path: &Path) -> Rows {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open the database read-only");
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count rows")
    };
    Rows {
        operations: count("operations"),
        entries: count("ledger_entries"),
        grants: count("grants"),
        generations: count("generations"),
        claims: count("claims"),
        outbox: count("outbox"),
        refunds: count("refunds"),
        documents: count("documents"),
    }
}

/// A store in a fresh temporary directory (kept alive by the returned guard).
pub fn temp_store() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("recoup.sqlite3");
    let store = Store::open(&path).expect("open a new store");
    (dir, path, store)
}
