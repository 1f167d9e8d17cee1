//! What the store costs on disk, with its real pragmas (WAL, `synchronous = FULL`).
//!
//! - `durable_generation`: one generation (start = hold, finish = capture: two durable
//!   transactions) next to two bare durable SQLite INSERT transactions. Target: under 1.5x.
//!   Before criterion's runs it prints the WAL frames per iteration and the ratio measured with
//!   the two interleaved (robust to a shared machine's load).
//! - `history_first_page`: a 50-row history page over 1,000,000 stored generations. Target:
//!   under 2 ms.
//! - `balance_read`: the balance with ~5 grants, over 1,000 and over 1,000,000 generations.
//!   Target: under 100 µs, and the same for both sizes.
//!
//! The 1M-generation database is seeded with raw SQL (hold and capture entries, settlements, the
//! grant's projection and, through the schema's triggers, the change feed, two transactions per
//! generation; `Store::verify` passes on it) and cached in `target/bench-data/history-1m.sqlite3`
//! (or under `$CARGO_TARGET_DIR`); it is rebuilt when its schema or row counts do not match what
//! the store makes today.
//! Figures and how to read them: `docs/benchmarks.md`.

// Setup failures (no temp dir, a broken cache file) end the benchmark run with a message.
#![allow(clippy::expect_used)]

use std::cell::OnceCell;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use recoup_core::ledger::GRANT_CREDITS_MAX;
use recoup_core::{Feature, GenerationId, GrantKind, OpId, Platform, PriceList, Surface};
use recoup_core::{TimeDelta, Timestamp};
use recoup_store::{
    FinishGeneration, GrantRequest, HistoryFilter, HistoryQuery, Outcome, RefundRequest,
    StartGeneration, Store,
};
use rusqlite::{Connection, TransactionBehavior, params};

/// Generations in the big history.
const BIG_HISTORY: u64 = 1_000_000;
/// Generations in the small history.
const SMALL_HISTORY: u64 = 1_000;
/// Generations made through the public API on top of the seeded ones (2 of them failed).
const API_GENERATIONS: u64 = 10;
/// Grants in every seeded database: the seeding allowance and four made through the API.
const GRANTS: u64 = 5;
/// Seeded generations start here, one every 15 s (1M of them end in mid-2026).
const SEED_START: &str = "2026-01-01T00:00:00Z";
const SEED_STEP_MS: i64 = 15_000;
/// The allowance the seeded generations are charged to (1M generations cost ~3.2M credits).
const SEED_ALLOWANCE: u64 = 10_000_000;
/// History page size, as the app asks for it.
const PAGE: u32 = 50;

/// The same pragmas `Store::open` sets: every commit is durable.
fn durable_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open bare database");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("journal_mode");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("synchronous");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("foreign_keys");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("read journal_mode");
    let sync: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .expect("read synchronous");
    assert_eq!((mode.as_str(), sync), ("wal", 2), "WAL + synchronous=FULL");
    conn
}

fn one_generation(store: &mut Store) -> u64 {
    let id = GenerationId::new_v7();
    let start = StartGeneration {
        generation_id: id,
        feature: Feature::VirtualModel,
        platform: Platform::Web,
        surface: Surface::Editor,
    };
    store
        .start_generation(&start, Timestamp::now())
        .expect("start_generation");
    let finish = FinishGeneration {
        op_id: OpId::new_v7(),
        generation_id: id,
        outcome: Outcome::Succeeded { output_ref: None },
    };
    store
        .finish_generation(&finish, Timestamp::now())
        .expect("finish_generation")
        .charged
}

/// A store with one allowance large enough for every iteration criterion will run.
fn funded_store(store: &mut Store) {
    store
        .grant(
            &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, GRANT_CREDITS_MAX),
            Timestamp::now(),
        )
        .expect("grant");
}

/// Two durable transactions of one INSERT each: the least a hold + a capture can cost.
fn bare_insert_pair(conn: &mut Connection, table: &str) {
    let sql = format!("INSERT INTO {table} (id, kind, credits, at) VALUES (?1, ?2, ?3, ?4)");
    for kind in ["hold", "capture"] {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        tx.prepare_cached(&sql)
            .expect("prepare")
            .execute(params![
                OpId::new_v7().as_bytes(),
                kind,
                4_i64,
                Timestamp::now().as_millis()
            ])
            .expect("insert");
        tx.commit().expect("commit");
    }
}

/// The bare table, and a "wide" copy with 11 secondary indexes so that one INSERT dirties about
/// as many pages (12 B-tree leaves) as one of the store's transactions does.
const BARE_SCHEMA: &str = "
CREATE TABLE events (
    id      BLOB    PRIMARY KEY CHECK (length(id) = 16),
    kind    TEXT    NOT NULL,
    credits INTEGER NOT NULL CHECK (credits > 0),
    at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE events_wide (
    id      BLOB    PRIMARY KEY CHECK (length(id) = 16),
    kind    TEXT    NOT NULL,
    credits INTEGER NOT NULL CHECK (credits > 0),
    at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX w1  ON events_wide (kind, id);
CREATE INDEX w2  ON events_wide (credits, id);
CREATE INDEX w3  ON events_wide (at, id);
CREATE INDEX w4  ON events_wide (kind, at);
CREATE INDEX w5  ON events_wide (credits, at);
CREATE INDEX w6  ON events_wide (at, kind);
CREATE INDEX w7  ON events_wide (at, credits);
CREATE INDEX w8  ON events_wide (kind, credits, id);
CREATE INDEX w9  ON events_wide (credits, kind, id);
CREATE INDEX w10 ON events_wide (at, kind, credits);
CREATE INDEX w11 ON events_wide (kind, at, credits);
";

/// Rounds of the interleaved measurement (one generation, then one bare pair).
const INTERLEAVED_ROUNDS: usize = 2_000;

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

/// WAL frames (one dirty page each) written per call of `f`, averaged over 20 calls. Valid on a
/// young database whose WAL has not been checkpointed and restarted yet.
fn wal_frames_per(db: &Path, mut f: impl FnMut()) -> f64 {
    let [wal, _] = sidecars(db);
    let size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let before = size();
    for _ in 0..20 {
        f();
    }
    (size().saturating_sub(before)) as f64 / (24.0 + 4096.0) / 20.0
}

fn durable_generation(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_path = dir.path().join("recoup.sqlite3");
    let mut store = Store::open(&store_path).expect("open store");
    funded_store(&mut store);
    let bare_path = dir.path().join("bare.sqlite3");
    let mut bare = durable_connection(&bare_path);
    bare.execute_batch(BARE_SCHEMA).expect("create bare tables");
    let mut in_memory = Store::open_in_memory().expect("open in-memory store");
    funded_store(&mut in_memory);
    // The endpoint's stores record webhook events (triggers on every entry, claim and
    // generation); a device's do not. The same generation with them on shows their cost.
    let mut in_memory_events = Store::open_in_memory().expect("open in-memory store");
    in_memory_events.enable_events(Some(10)).expect("events on");
    funded_store(&mut in_memory_events);
    let frames = [
        wal_frames_per(&store_path, || {
            one_generation(&mut store);
        }),
        wal_frames_per(&bare_path, || bare_insert_pair(&mut bare, "events")),
        wal_frames_per(&bare_path, || bare_insert_pair(&mut bare, "events_wide")),
    ];
    eprintln!(
        "WAL frames (4 KiB pages) per iteration: generation {:.1}, bare pair {:.1}, wide bare pair {:.1}",
        frames[0], frames[1], frames[2]
    );
    // The two measured one after the other, so that both see the same load: on a shared
    // machine, criterion's figures below are taken seconds apart and their ratio moves with
    // whatever else uses the disk meanwhile; this one does not.
    let (mut generation, mut pair) = (Vec::new(), Vec::new());
    for _ in 0..INTERLEAVED_ROUNDS {
        let t = Instant::now();
        black_box(one_generation(&mut store));
        generation.push(t.elapsed());
        let t = Instant::now();
        bare_insert_pair(&mut bare, "events");
        pair.push(t.elapsed());
    }
    let (g, p) = (median(&mut generation), median(&mut pair));
    eprintln!(
        "Interleaved, {INTERLEAVED_ROUNDS} rounds: generation median {:.1} µs, bare pair median {:.1} µs, ratio {:.2}",
        g.as_secs_f64() * 1e6,
        p.as_secs_f64() * 1e6,
        g.as_secs_f64() / p.as_secs_f64()
    );

    let mut g = c.benchmark_group("durable_generation");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    g.bench_function("start_finish_succeeded", |b| {
        b.iter(|| black_box(one_generation(&mut store)))
    });
    g.bench_function("bare_insert_pair", |b| {
        b.iter(|| bare_insert_pair(&mut bare, "events"))
    });
    // Diagnostics: the pair again with as many dirty pages per commit as the store's
    // transactions, and the generation with no disk at all (the store's CPU work).
    g.bench_function("bare_insert_pair_12_btrees", |b| {
        b.iter(|| bare_insert_pair(&mut bare, "events_wide"))
    });
    g.bench_function("in_memory_start_finish", |b| {
        b.iter(|| black_box(one_generation(&mut in_memory)))
    });
    g.bench_function("in_memory_start_finish_events_on", |b| {
        b.iter(|| black_box(one_generation(&mut in_memory_events)))
    });
    g.finish();
}

/// Where the cached 1M-generation database lives: `<target>/bench-data/`.
fn bench_data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("bench-data")
}

fn sidecars(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|s| {
        let mut p = path.as_os_str().to_owned();
        p.push(s);
        PathBuf::from(p)
    })
}

fn remove_db(path: &Path) {
    for p in std::iter::once(path.to_path_buf()).chain(sidecars(path)) {
        if p.exists() {
            std::fs::remove_file(&p).expect("remove stale bench database");
        }
    }
}

/// The schema a database holds, as text (tables, indexes, triggers, in name order).
fn schema_text(conn: &Connection) -> Option<String> {
    conn.query_row(
        "SELECT group_concat(type || ' ' || name || ': ' || coalesce(sql, ''), char(10))
         FROM (SELECT type, name, sql FROM sqlite_master ORDER BY type, name)",
        [],
        |r| r.get(0),
    )
    .ok()
}

/// The schema `Store::open` creates today, read from a fresh database.
fn current_schema() -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("schema.sqlite3");
    drop(Store::open(&path).expect("open an empty store"));
    schema_text(&Connection::open(&path).expect("open the empty store")).expect("read schema")
}

/// Whether the database at `path` holds exactly what [`build_db`] makes for `seeded`, under the
/// schema the store creates today (a cache seeded under an older schema is rebuilt).
fn is_expected_db(path: &Path, seeded: u64) -> bool {
    if !path.exists() {
        return false;
    }
    let Ok(conn) = Connection::open(path) else {
        return false;
    };
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).ok();
    schema_text(&conn).is_some_and(|s| s == current_schema())
        && count("SELECT count(*) FROM generations") == Some((seeded + API_GENERATIONS) as i64)
        && count("SELECT count(*) FROM grants") == Some(GRANTS as i64)
}

/// splitmix64: a fixed, well-mixed pseudo-random stream for the seeded rows.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A UUIDv7 for instant `ms`; `salt` fills the counter/random bits.
fn v7(ms: i64, salt: u64, tag: u8) -> [u8; 16] {
    let mut rand = [0_u8; 10];
    rand[..8].copy_from_slice(&salt.to_be_bytes());
    rand[8] = tag;
    uuid::Builder::from_unix_timestamp_millis(ms as u64, &rand)
        .into_uuid()
        .into_bytes()
}

/// Creates a database with `seeded` succeeded generations (raw SQL, one transaction), then adds
/// grants, generations and a refund through the public API, and checks it with `Store::verify`.
fn build_db(path: &Path, seeded: u64) {
    let started = Instant::now();
    let seed_start: Timestamp = SEED_START.parse().expect("seed start");
    let allowance = OpId::new_v7();
    {
        // Store::open creates the schema; the seeding allowance comes from the public API.
        let mut store = Store::open(path).expect("open store to seed");
        let mut req = GrantRequest::new(allowance, GrantKind::Allowance, SEED_ALLOWANCE);
        req.note = "seeding allowance".to_owned();
        store.grant(&req, seed_start).expect("seeding grant");
    }

    let mut conn = Connection::open(path).expect("open seeding connection");
    conn.execute_batch(
        "PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144;",
    )
    .expect("seeding pragmas");
    // The change triggers read the transaction number from `recoup_tx()`, which `Store`
    // registers on its connection; this one registers its own (numbers after the seeding grant's).
    let tx_number = Arc::new(AtomicI64::new(1));
    let read = Arc::clone(&tx_number);
    conn.create_scalar_function(
        "recoup_tx",
        0,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8,
        move |_| Ok(read.load(Ordering::Relaxed)),
    )
    .expect("register recoup_tx");
    let prices = PriceList::builtin();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .expect("begin seeding");
    let mut spent = 0_i64;
    {
        let mut generation = tx
            .prepare(
                "INSERT INTO generations (generation_id, feature, platform, surface, media_kind,
                     status, failure, cost, charged, price_version, started_at, finished_at,
                     hold_expires_at, output_ref, claimed)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'succeeded', NULL, ?6, ?6, ?7, ?8, ?9, ?10, NULL, 0)",
            )
            .expect("prepare generations");
        let mut entry = tx
            .prepare(
                "INSERT INTO ledger_entries (op_id, kind, grant_id, generation_id, credits, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .expect("prepare ledger_entries");
        let mut settlement = tx
            .prepare(
                "INSERT INTO hold_settlements (generation_id, outcome, op_id, at)
                 VALUES (?1, 'captured', ?2, ?3)",
            )
            .expect("prepare hold_settlements");
        // Numbers each simulated transaction for the change feed, as `Store` does for every
        // write, so that the triggers tag a start and a finish as two transactions.
        let next_tx = || tx_number.fetch_add(1, Ordering::Relaxed);
        let stale_ms = i64::try_from(prices.hold_stale_after_secs()).expect("stale secs") * 1_000;
        let grant = allowance.as_bytes();
        for i in 0..seeded {
            let r = mix(i);
            let start_ms = seed_start.as_millis() + i as i64 * SEED_STEP_MS;
            let finish_ms = start_ms + 2_000 + (r >> 40) as i64 % 10_000;
            let id = v7(start_ms, r, 0);
            let finish_op = v7(finish_ms, r, 1);
            let feature = Feature::ALL[(r % Feature::ALL.len() as u64) as usize];
            let platform = Platform::ALL[((r >> 8) % 3) as usize];
            let surface = match (r >> 16) % 10 {
                0 => Surface::BatchEditor,
                1 => Surface::ProductCatalog,
                _ => Surface::Editor,
            };
            let cost = i64::try_from(prices.price(feature)).expect("price");
            next_tx();
            generation
                .execute(params![
                    id,
                    feature.as_str(),
                    platform.as_str(),
                    surface.as_str(),
                    feature.media_kind().as_str(),
                    cost,
                    prices.version(),
                    start_ms,
                    finish_ms,
                    start_ms + stale_ms
                ])
                .expect("insert generation");
            // The hold's op id is the generation id, as `start_generation` writes it.
            entry
                .execute(params![id, "hold", grant, id, cost, start_ms])
                .expect("insert hold");
            next_tx();
            entry
                .execute(params![finish_op, "capture", grant, id, cost, finish_ms])
                .expect("insert capture");
            settlement
                .execute(params![id, finish_op, finish_ms])
                .expect("insert settlement");
            spent += cost;
        }
    }
    tx.execute(
        "UPDATE grant_balances SET available = available - ?2, spent = spent + ?2
         WHERE grant_id = ?1",
        params![allowance.as_bytes(), spent],
    )
    .expect("move the allowance's projection");
    tx.commit().expect("commit seeding");
    drop(conn);
    let seeded_in = started.elapsed();

    // A few grants and entries through the public API, at the real clock (after the seeded
    // history, whose newest generation is months old).
    let mut store = Store::open(path).expect("reopen seeded store");
    let now = Timestamp::now();
    let far = now + TimeDelta::hours(24 * 365 * 20);
    for (kind, credits, expires_at, note) in [
        (GrantKind::TopUp, 500, None, "top-up"),
        (GrantKind::Promotion, 200, Some(far), "welcome promotion"),
        (
            GrantKind::Allowance,
            1_000,
            Some(far),
            "next month's allowance",
        ),
        (GrantKind::Promotion, 50, Some(far), "referral"),
    ] {
        let mut req = GrantRequest::new(OpId::new_v7(), kind, credits);
        req.expires_at = expires_at;
        req.note = note.to_owned();
        store.grant(&req, now).expect("grant");
    }
    let mut last_succeeded = None;
    for i in 0..API_GENERATIONS {
        let id = GenerationId::new_v7();
        let feature = Feature::ALL[i as usize % Feature::ALL.len()];
        let start = StartGeneration {
            generation_id: id,
            feature,
            platform: Platform::Web,
            surface: Surface::Editor,
        };
        store.start_generation(&start, now).expect("start");
        let outcome = if i % 5 == 4 {
            Outcome::Failed {
                error: "generator timed out".to_owned(),
            }
        } else {
            last_succeeded = Some(id);
            Outcome::Succeeded { output_ref: None }
        };
        let finish = FinishGeneration {
            op_id: OpId::new_v7(),
            generation_id: id,
            outcome,
        };
        store.finish_generation(&finish, now).expect("finish");
    }
    let refund = RefundRequest {
        op_id: OpId::new_v7(),
        generation_id: last_succeeded.expect("a succeeded generation"),
        claim_id: None,
        credits: None,
    };
    store.refund(&refund, now).expect("refund");
    let verified = Instant::now();
    store.verify().expect("the seeded database verifies");
    eprintln!(
        "seeded {seeded} generations in {:.1?}, verified in {:.1?} ({})",
        seeded_in,
        verified.elapsed(),
        path.display()
    );
}

/// The 1M-generation database, built once and reused while its row counts match.
fn big_history_db() -> PathBuf {
    let dir = bench_data_dir();
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let path = dir.join("history-1m.sqlite3");
    if is_expected_db(&path, BIG_HISTORY) {
        return path;
    }
    eprintln!("building {} (once; reused by later runs)", path.display());
    let building = dir.join("history-1m.sqlite3.building");
    remove_db(&building);
    build_db(&building, BIG_HISTORY);
    // Every connection is closed: the WAL has been checkpointed into the main file.
    assert!(
        sidecars(&building).iter().all(|p| !p.exists()),
        "WAL left behind"
    );
    remove_db(&path);
    std::fs::rename(&building, &path).expect("move the seeded database in place");
    path
}

fn open_timed(path: &Path) -> Store {
    let t = Instant::now();
    let store = Store::open(path).expect("open seeded store");
    eprintln!(
        "Store::open on {} took {:.1?}",
        path.file_name()
            .map_or_else(Default::default, |n| n.to_string_lossy()),
        t.elapsed()
    );
    store
}

fn page(filter: HistoryFilter, before: Option<GenerationId>) -> HistoryQuery {
    HistoryQuery {
        filter,
        before,
        limit: PAGE,
    }
}

/// The stored 1M-generation history and the pages asked of it.
struct HistoryBench {
    store: Store,
    all: HistoryQuery,
    virtual_model: HistoryQuery,
    deep: HistoryQuery,
}

fn history_setup() -> HistoryBench {
    let path = big_history_db();
    let store = open_timed(&path);
    let all = page(HistoryFilter::default(), None);
    let virtual_model = page(
        HistoryFilter {
            feature: Some(Feature::VirtualModel),
            ..HistoryFilter::default()
        },
        None,
    );
    // A cursor half-way down the history: keyset pagination costs the same there.
    let middle: [u8; 16] = Connection::open(&path)
        .expect("open for the cursor")
        .query_row(
            "SELECT generation_id FROM generations ORDER BY generation_id LIMIT 1 OFFSET ?1",
            [BIG_HISTORY as i64 / 2],
            |r| r.get(0),
        )
        .expect("middle generation");
    let deep = page(
        HistoryFilter::default(),
        Some(GenerationId::from_bytes(middle)),
    );
    for (name, q) in [
        ("all", &all),
        ("virtual_model", &virtual_model),
        ("deep", &deep),
    ] {
        let p = store.history(q).expect("history");
        assert_eq!(p.items.len(), PAGE as usize, "{name}: a full page");
        assert!(p.next.is_some(), "{name}: more pages follow");
    }
    HistoryBench {
        store,
        all,
        virtual_model,
        deep,
    }
}

// Setups are lazy (criterion calls a closure only when its benchmark passes the filter), so
// `-- durable_generation` does not build or open the 1M-generation database.
fn history_first_page(c: &mut Criterion) {
    let cell = OnceCell::new();
    let ctx = || cell.get_or_init(history_setup);
    let mut g = c.benchmark_group("history_first_page");
    g.warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("all_50_of_1m", |b| {
        let h = ctx();
        b.iter(|| h.store.history(black_box(&h.all)).expect("history"))
    });
    g.bench_function("virtual_model_50_of_1m", |b| {
        let h = ctx();
        b.iter(|| {
            h.store
                .history(black_box(&h.virtual_model))
                .expect("history")
        })
    });
    g.bench_function("all_50_at_500k_cursor", |b| {
        let h = ctx();
        b.iter(|| h.store.history(black_box(&h.deep)).expect("history"))
    });
    g.finish();
}

/// A store to read the balance of, checked to hold the expected grants.
fn balance_store(path: &Path) -> Store {
    let store = open_timed(path);
    let b = store.balance(Timestamp::now()).expect("balance");
    assert_eq!(b.grants.len(), GRANTS as usize, "~5 grants");
    store
}

fn balance_read(c: &mut Criterion) {
    let small = OnceCell::new();
    let small = || {
        small.get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("history-1k.sqlite3");
            build_db(&path, SMALL_HISTORY);
            (balance_store(&path), dir)
        })
    };
    let big = OnceCell::new();
    let big = || big.get_or_init(|| balance_store(&big_history_db()));
    let now = Timestamp::now();

    let mut g = c.benchmark_group("balance_read");
    g.warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("5_grants_1k_generations", |b| {
        let (store, _dir) = small();
        b.iter(|| store.balance(black_box(now)).expect("balance"))
    });
    g.bench_function("5_grants_1m_generations", |b| {
        let store = big();
        b.iter(|| store.balance(black_box(now)).expect("balance"))
    });
    g.finish();
}

criterion_group!(
    benches,
    durable_generation,
    history_first_page,
    balance_read
);
criterion_main!(benches);
