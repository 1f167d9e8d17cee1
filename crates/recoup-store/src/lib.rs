//! # recoup-store
//!
//! The local, durable side of Recoup: the credit ledger (grants, holds, captures, voids, refunds,
//! expiry), generations, claims and their outbox, and the active policy and price list, in one
//! SQLite file. Every multi-row change is one `IMMEDIATE` transaction committed durably (WAL,
//! `synchronous = FULL`); every write carries a client-made id and repeating it returns the first
//! answer without writing anything.
//!
//! ```
//! use recoup_core::{FixedClock, Clock, Feature, Platform, Surface, GrantKind, OpId, GenerationId};
//! use recoup_store::{GrantRequest, StartGeneration, FinishGeneration, Outcome, Store};
//!
//! let clock = FixedClock("2026-11-25T10:00:00Z".parse().unwrap());
//! let mut store = Store::open_in_memory().unwrap();
//! store.grant(&GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 100), clock.now()).unwrap();
//! let id = GenerationId::new_v7();
//! store.start_generation(
//!     &StartGeneration { generation_id: id, feature: Feature::VirtualModel,
//!                        platform: Platform::Web, surface: Surface::Editor },
//!     clock.now(),
//! ).unwrap();
//! store.finish_generation(
//!     &FinishGeneration { op_id: OpId::new_v7(), generation_id: id,
//!                         outcome: Outcome::Succeeded { output_ref: None } },
//!     clock.now(),
//! ).unwrap();
//! assert_eq!(store.balance(clock.now()).unwrap().totals.spent, 4);
//! ```
#![deny(missing_docs)]

mod claims;
mod codec;
mod documents;
mod error;
mod events;
mod filter;
mod generations;
mod ledger;
mod outputs;
mod replica;
mod schema;
mod trace;

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use serde::de::DeserializeOwned;

use recoup_core::OpId;

pub use claims::{
    CLAIM_PAGE_MAX, ClaimQuery, Judgement, OutboxItem, SubmitClaim, endpoint_verdict,
};
pub use error::{Result, StoreError, StoreErrorKind, is_disk_fault};
pub use events::{EVENT_PAGE_MAX, EVENT_TYPES, EventCursor, EventRecord};
pub use generations::{
    FinishGeneration, HISTORY_PAGE_MAX, HistoryFilter, HistoryPage, HistoryQuery, Outcome,
    StartGeneration,
};
pub use ledger::{
    DailyFlow, ENTRY_PAGE_MAX, EntryKind, EntryQuery, GrantRequest, REFUND_REGRANT_TTL_SECS,
    RefundReceipt, RefundRequest, SweepReport,
};
pub use outputs::{CaptureOutput, OUTPUT_FIELD_LEN_MAX, OutputRecord};
pub use replica::{
    ApplyReport, CHANGE_PAGE_MAX, ChangePage, claim_as_changed, generation_as_changed,
};
pub use trace::{COMMIT_TRACE_AFTER_MS_ENV, COMMIT_TRACE_DELAY_MS_ENV, COMMIT_TRACE_ENV};
// The rows are the wire's (recoup-api owns them); the store reads and writes them, and they stay
// reachable here for the store's callers.
pub use recoup_api::rows::{
    AccountBalance, Change, ClaimOutcome, ClaimRecord, ClaimSummary, GenerationRecord, GrantRecord,
    GrantTerms, LedgerEntry, RefundRow, Settlement, SyncState, Verdict,
};

/// How long a write waits for another process's transaction before giving up with
/// [`StoreError::Busy`].
pub const BUSY_TIMEOUT_MS: u64 = 5_000;

/// How often opening retries while another process holds the new file (10 ms apart, so at
/// most about 5 s, the same as [`BUSY_TIMEOUT_MS`]).
const OPEN_BUSY_TRIES_MAX: u32 = 500;

/// Prepared statements kept per connection: all those of the write and read paths.
const STATEMENT_CACHE_CAPACITY: usize = 128;

/// The Recoup database: one SQLite file (or memory, for tests).
pub struct Store {
    conn: Connection,
    path: String,
    policy_cache: std::cell::RefCell<Option<(i64, recoup_core::Policy)>>,
    prices_cache: std::cell::RefCell<Option<(i64, recoup_core::PriceList)>>,
    /// The opt-in commit trace (see `trace`); `None` unless `RECOUP_COMMIT_TRACE` is set.
    trace: Option<trace::ConnTrace>,
    /// The change feed's number for the write transaction in progress, as `recoup_tx()` returns
    /// it to the triggers (see schema version 4). Set by `write` under the write lock.
    tx_number: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date. A
    /// damaged file or one that is not a database is refused with [`StoreError::Corrupt`] and
    /// left untouched.
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        make_private(path).map_err(|e| StoreError::Io {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| error::classify(e, &shown))?;
        Self::init(conn, shown)
    }

    /// A private in-memory database (tests, benchmarks).
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()?;
        Self::init(conn, ":memory:".to_owned())
    }

    fn init(mut conn: Connection, path: String) -> Result<Self> {
        // Every statement of the write path is prepared once and kept (rusqlite keeps 16 by
        // default; a generation alone uses about 20, and past the capacity each call would
        // parse again the statement it evicted).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        let tx_number = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
        register_tx_function(&conn, &tx_number).map_err(|e| error::classify(e, &path))?;
        // Opening a file another process is opening or migrating at the same moment can meet
        // "busy" in places where SQLite does not wait (switching to WAL, the migration's first
        // read). Every step below is idempotent, so retry the whole sequence, boundedly.
        let mut tries = 0;
        loop {
            match Self::prepare(&mut conn, &path) {
                Err(StoreError::Busy) if tries < OPEN_BUSY_TRIES_MAX => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(e),
                Ok(()) => {
                    // Installed after the migrations, so that every traced commit is one of
                    // `write`'s, which marks its end.
                    let trace = trace::CommitTrace::installed().map(|t| t.connection());
                    if let Some(t) = &trace {
                        let t = t.clone();
                        conn.commit_hook(Some(move || t.in_commit()))
                            .map_err(|e| error::classify(e, &path))?;
                    }
                    return Ok(Self {
                        conn,
                        path,
                        policy_cache: std::cell::RefCell::new(None),
                        prices_cache: std::cell::RefCell::new(None),
                        trace,
                        tx_number,
                    });
                }
            }
        }
    }

    fn prepare(conn: &mut Connection, path: &str) -> Result<()> {
        let path = path.to_owned();
        let classify = |e| error::classify(e, &path);
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(classify)?;
        // Reading the header first turns "file is not a database" into Corrupt before any write.
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(classify)?;
        // Reading the schema touches the header and the schema pages: a file that is not a
        // database, or whose schema is damaged, is refused here. A full `quick_check` would read
        // the whole file (seconds for a large history) on every start; damage elsewhere surfaces
        // as `Corrupt` when the damaged page is read, and `recoup ledger --verify` reads it all.
        let _tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(classify)?;
        let supported = schema::LATEST;
        if found > supported {
            return Err(StoreError::TooNew { found, supported });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(classify)?;
        // FULL in WAL mode makes every commit durable (fsync of the WAL on commit).
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(classify)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(classify)?;
        let migrations = schema::migrations();
        if let Err(e) = migrations.to_latest(conn) {
            // Two processes opening a new file at once both see version 0 and one loses the race
            // to create the tables. If the winner brought the schema up to date, that is fine.
            let now: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(classify)?;
            if now != schema::LATEST {
                return Err(match e {
                    rusqlite_migration::Error::RusqliteError { err, .. } => classify(err),
                    other => StoreError::Migration(other.to_string()),
                });
            }
        }
        Ok(())
    }

    /// Where the database lives (`:memory:` for in-memory stores).
    pub fn path(&self) -> &str {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        error::classify(e, &self.path)
    }

    /// Runs `f` in one `IMMEDIATE` transaction: committed if it returns `Ok`, rolled back
    /// otherwise, so an error never leaves a partial write.
    fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let tx_number = std::sync::Arc::clone(&self.tx_number);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| error::classify(e, &path))?;
        let out = (|| {
            // Numbers the transaction for the change feed (see `changes` in the schema): one
            // more than the last change's, read under the write lock, so every transaction that
            // writes changes has its own number, increasing in commit order. A read, not a
            // counter row: a transaction writes no page for it.
            let last: Option<i64> = tx
                .prepare_cached("SELECT tx FROM changes ORDER BY seq DESC LIMIT 1")?
                .query_row([], |r| r.get(0))
                .optional()?;
            tx_number.store(
                last.unwrap_or(0).saturating_add(1),
                std::sync::atomic::Ordering::Relaxed,
            );
            f(&tx)
        })()
        .map_err(|e| match e {
            StoreError::Sqlite(inner) => error::classify(inner, &path),
            other => other,
        })?;
        let committed = tx.commit();
        if let Some(t) = &self.trace {
            t.committed();
        }
        committed.map_err(|e| error::classify(e, &path))?;
        Ok(out)
    }

    /// Runs `f` as the operation `op_id`: the first time, in a transaction that also records the
    /// request and the answer; every later time with the same request, returns the recorded answer
    /// and writes nothing; with a different request, refuses.
    fn idempotent<Req, Res>(
        &mut self,
        op_id: OpId,
        kind: &'static str,
        request: &Req,
        at_ms: i64,
        f: impl FnOnce(&Transaction<'_>) -> Result<Res>,
    ) -> Result<Res>
    where
        Req: Serialize,
        Res: Serialize + DeserializeOwned,
    {
        self.idempotent_as(op_id, kind, request, at_ms, f, None)
    }

    /// [`Store::idempotent`], with the answer recorded as the empty string when `replay` is
    /// given: a repeat gets `replay`'s answer, which must rebuild the first one from the rows
    /// the operation wrote (it must not depend on anything that can change after). Keeps the
    /// record small: one generation's answer is a few hundred bytes of JSON that its rows hold
    /// already, and a small record dirties fewer pages of `operations` per commit.
    fn idempotent_as<Req, Res>(
        &mut self,
        op_id: OpId,
        kind: &'static str,
        request: &Req,
        at_ms: i64,
        f: impl FnOnce(&Transaction<'_>) -> Result<Res>,
        replay: Option<Replay<'_, Res>>,
    ) -> Result<Res>
    where
        Req: Serialize,
        Res: Serialize + DeserializeOwned,
    {
        let request = serde_json::to_string(request).map_err(StoreError::decode)?;
        // One lookup, under the write lock (another process may have just done it). A repeat
        // writes nothing, so its commit costs no page and no fsync.
        self.write(|tx| {
            match recorded(tx, op_id, kind, &request)? {
                Some(Recorded::Answer(answer)) => return Ok(answer),
                Some(Recorded::Rebuilt) => {
                    let rebuild = replay.ok_or_else(|| {
                        StoreError::decode(format!("operation {op_id} has no recorded answer"))
                    })?;
                    return rebuild(tx);
                }
                None => {}
            }
            let result = f(tx)?;
            let json = match replay {
                Some(_) => String::new(),
                None => serde_json::to_string(&result).map_err(StoreError::decode)?,
            };
            tx.prepare_cached(
                "INSERT INTO operations (op_id, kind, request, result, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(rusqlite::params![op_id.as_bytes(), kind, request, json, at_ms])?;
            Ok(result)
        })
    }

    fn err_store(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Sqlite(inner) => self.err(inner),
            other => other,
        }
    }
}

/// A ledger is nobody else's business: the database file is created readable and writable by its
/// owner only (0600), and an older file made with the default permissions is narrowed to that.
/// SQLite gives its `-wal` and `-shm` files the database file's permissions.
#[cfg(unix)]
fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn make_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Registers `recoup_tx()`, the change feed's number for the write transaction in progress (see
/// schema version 4), on `conn`.
fn register_tx_function(
    conn: &Connection,
    tx_number: &std::sync::Arc<std::sync::atomic::AtomicI64>,
) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let number = std::sync::Arc::clone(tx_number);
    conn.create_scalar_function(
        "recoup_tx",
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_INNOCUOUS,
        move |_| Ok(number.load(std::sync::atomic::Ordering::Relaxed)),
    )
}

/// Rebuilds an operation's answer from the rows it wrote (see [`Store::idempotent_as`]).
type Replay<'a, Res> = &'a dyn Fn(&Connection) -> Result<Res>;

/// What the operations table holds for an operation done before.
enum Recorded<Res> {
    /// Its answer, as recorded.
    Answer(Res),
    /// An empty answer: the operation's rows give it back (see [`Store::idempotent_as`]).
    Rebuilt,
}

fn recorded<Res: DeserializeOwned>(
    conn: &Connection,
    op_id: OpId,
    kind: &str,
    request: &str,
) -> Result<Option<Recorded<Res>>> {
    let row: Option<(String, String, String)> = conn
        .prepare_cached("SELECT kind, request, result FROM operations WHERE op_id = ?1")?
        .query_row([op_id.as_bytes()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match row {
        None => Ok(None),
        Some((k, req, result)) if k == kind && req == request => {
            if result.is_empty() {
                return Ok(Some(Recorded::Rebuilt));
            }
            serde_json::from_str(&result)
                .map(|r| Some(Recorded::Answer(r)))
                .map_err(StoreError::decode)
        }
        Some(_) => Err(StoreError::IdempotencyConflict { op_id }),
    }
}
