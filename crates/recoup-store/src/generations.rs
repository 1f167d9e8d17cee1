//! Generations: started with a hold, finished by a capture (success) or a void (technical
//! failure), listed newest first with keyset pagination.

use recoup_core::{TimeDelta, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use recoup_core::{Feature, GenerationId, GenerationStatus, OpId, Platform, Surface};

use recoup_api::rows::{ClaimSummary, GenerationRecord};

use crate::Store;
use crate::codec::{credits, id_bytes, ms, opt_ts, parse, sql_credits, ts};
use crate::error::{Result, StoreError};
use crate::filter::Filter;
use crate::ledger::{EntryKind, debug_check, hold, settle, sweep};

/// Most generations one history page returns.
pub const HISTORY_PAGE_MAX: u32 = 200;

/// Longest output reference (a file path or URL), in bytes.
pub const OUTPUT_REF_LEN_MAX: usize = 2_048;

/// Start a generation: its price is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartGeneration {
    /// Client-made id; also the operation's idempotency key.
    pub generation_id: GenerationId,
    /// The AI feature.
    pub feature: Feature,
    /// The platform.
    pub platform: Platform,
    /// The surface.
    pub surface: Surface,
}

/// How a generation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// It produced a result: the hold is captured.
    Succeeded {
        /// Where the result is (file path or URL), if anywhere.
        output_ref: Option<String>,
    },
    /// It failed for a technical reason: the hold is voided, nothing is charged.
    Failed {
        /// What went wrong, for the history.
        error: String,
    },
}

/// Finish a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishGeneration {
    /// Client-made id of this operation.
    pub op_id: OpId,
    /// The generation.
    pub generation_id: GenerationId,
    /// How it ended.
    pub outcome: Outcome,
}

/// Filters of the history listing; all optional, combined with AND.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryFilter {
    /// Only this feature.
    pub feature: Option<Feature>,
    /// Only this platform.
    pub platform: Option<Platform>,
    /// Only this status.
    pub status: Option<GenerationStatus>,
    /// Only reported (true) or unreported (false) generations.
    pub claimed: Option<bool>,
}

/// One page of history, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// Filters.
    pub filter: HistoryFilter,
    /// The cursor: generations older than this one (the previous page's `next`).
    pub before: Option<GenerationId>,
    /// Page size, 1..=[`HISTORY_PAGE_MAX`].
    pub limit: u32,
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The generations, newest first.
    pub items: Vec<GenerationRecord>,
    /// Pass as `before` to get the next page; absent on the last page.
    pub next: Option<GenerationId>,
}

/// Captures a running generation's hold and marks it succeeded with `output_ref`: the one
/// capture path, shared by a plain finish and a capture with its output record. `g` is the
/// generation as loaded in this transaction; returns it as it is after the capture.
pub(crate) fn capture(
    tx: &rusqlite::Transaction<'_>,
    op_id: OpId,
    mut g: GenerationRecord,
    output_ref: Option<&str>,
    now_ms: i64,
) -> Result<GenerationRecord> {
    let id = g.generation_id;
    let charged = settle(tx, Some(op_id), id, EntryKind::Capture, now_ms)?;
    assert_eq!(charged, g.cost, "a capture charges exactly the held cost");
    tx.prepare_cached(
        "UPDATE generations SET status = 'succeeded', charged = ?2, finished_at = ?3,
             output_ref = ?4 WHERE generation_id = ?1",
    )?
    .execute(params![
        id.as_bytes(),
        sql_credits(charged)?,
        now_ms,
        output_ref
    ])?;
    g.status = GenerationStatus::Succeeded;
    g.charged = charged;
    g.finished_at = Some(ts(now_ms)?);
    g.output_ref = output_ref.map(str::to_owned);
    Ok(g)
}

/// In debug builds, checks that a record built in memory is the one the rows give.
pub(crate) fn debug_same(conn: &Connection, built: &GenerationRecord) -> Result<()> {
    if cfg!(debug_assertions) {
        let stored = load(conn, built.generation_id)?;
        assert_eq!(
            built, &stored,
            "the answer built in memory differs from the stored generation"
        );
    }
    Ok(())
}

const SELECT: &str = "SELECT g.generation_id, g.feature, g.platform, g.surface, g.media_kind, g.status,
        g.failure, g.cost, g.charged, g.price_version, g.started_at, g.finished_at,
        g.hold_expires_at, g.output_ref,
        c.claim_id, c.local_eligible, c.sync_state, c.outcome
    FROM generations g
    LEFT JOIN claims c ON c.claim_id =
        (SELECT claim_id FROM claims WHERE generation_id = g.generation_id ORDER BY claim_id DESC LIMIT 1)";

type RawRow = (
    [u8; 16],
    [String; 5],
    Option<String>,
    [i64; 2],
    String,
    i64,
    Option<i64>,
    i64,
    Option<String>,
    Option<([u8; 16], bool, String, Option<String>)>,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    let claim = match r.get::<_, Option<Vec<u8>>>(14)? {
        Some(_) => Some((id_bytes(r, 14)?, r.get(15)?, r.get(16)?, r.get(17)?)),
        None => None,
    };
    Ok((
        id_bytes(r, 0)?,
        [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
        r.get(6)?,
        [r.get(7)?, r.get(8)?],
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
        claim,
    ))
}

fn decode(row: RawRow) -> Result<GenerationRecord> {
    let (
        id,
        [feature, platform, surface, media_kind, status],
        failure,
        [cost, charged],
        price_version,
        started,
        finished,
        hold_expires,
        output_ref,
        claim,
    ) = row;
    Ok(GenerationRecord {
        generation_id: GenerationId::from_bytes(id),
        feature: parse(&feature)?,
        platform: parse(&platform)?,
        surface: parse(&surface)?,
        media_kind: parse(&media_kind)?,
        status: parse(&status)?,
        failure,
        cost: credits(cost)?,
        charged: credits(charged)?,
        price_version,
        started_at: ts(started)?,
        finished_at: opt_ts(finished)?,
        hold_expires_at: ts(hold_expires)?,
        output_ref,
        claim: claim
            .map(|(cid, eligible, state, outcome)| -> Result<ClaimSummary> {
                Ok(ClaimSummary {
                    claim_id: recoup_core::ClaimId::from_bytes(cid),
                    local_eligible: eligible,
                    sync_state: parse(&state)?,
                    outcome: outcome.as_deref().map(parse).transpose()?,
                })
            })
            .transpose()?,
    })
}

/// A generation as `start_generation` answered: running, nothing charged, no claim (one cannot
/// refer to a generation before it exists). Its other columns never change after the insert.
fn as_started(mut g: GenerationRecord) -> GenerationRecord {
    g.status = GenerationStatus::Running;
    g.failure = None;
    g.charged = 0;
    g.finished_at = None;
    g.output_ref = None;
    g.claim = None;
    g
}

/// A generation as `finish_generation` answered: as it is now, since a settled generation's
/// columns never change again, without the claim filed since (a running generation cannot be
/// claimed, so there was none when it finished).
fn as_finished(mut g: GenerationRecord) -> GenerationRecord {
    g.claim = None;
    g
}

pub(crate) fn load(conn: &Connection, id: GenerationId) -> Result<GenerationRecord> {
    let row = conn
        .prepare_cached(&format!("{SELECT} WHERE g.generation_id = ?1"))?
        .query_row([id.as_bytes()], raw)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "generation",
            id: id.to_string(),
        })?;
    decode(row)
}

impl Store {
    /// Starts a generation: holds its price over the live grants, in one durable transaction.
    /// Idempotent by `generation_id`.
    pub fn start_generation(
        &mut self,
        req: &StartGeneration,
        now: Timestamp,
    ) -> Result<GenerationRecord> {
        let prices = self.prices()?;
        let cost = prices.price(req.feature);
        let stale_after = i64::try_from(prices.hold_stale_after_secs()).unwrap_or(i64::MAX);
        let hold_expires = TimeDelta::try_seconds(stale_after)
            .and_then(|d| now.checked_add(d))
            .ok_or_else(|| StoreError::decode("the hold's expiry is past the year 9999"))?;
        let op_id = OpId(req.generation_id.0);
        let id = req.generation_id;
        // A repeat's answer is rebuilt from the generation's row (see `as_started`).
        let replay = |conn: &Connection| load(conn, id).map(as_started);
        self.idempotent_as(
            op_id,
            "start_generation",
            req,
            ms(now),
            |tx| {
            sweep(tx, now)?;
            let exists: Option<i64> = tx
                .prepare_cached("SELECT 1 FROM generations WHERE generation_id = ?1")?
                .query_row([id.as_bytes()], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(StoreError::GenerationExists(id));
            }
            tx.prepare_cached(
                "INSERT INTO generations (generation_id, feature, platform, surface, media_kind, status,
                     cost, price_version, started_at, hold_expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                id.as_bytes(),
                req.feature.as_str(),
                req.platform.as_str(),
                req.surface.as_str(),
                req.feature.media_kind().as_str(),
                sql_credits(cost)?,
                prices.version(),
                ms(now),
                ms(hold_expires)
            ])?;
            hold(tx, op_id, id, cost, now)?;
            debug_check(tx)?;
            // The answer from what was just inserted, not read back.
            let started = GenerationRecord {
                generation_id: id,
                feature: req.feature,
                platform: req.platform,
                surface: req.surface,
                media_kind: req.feature.media_kind(),
                status: GenerationStatus::Running,
                failure: None,
                cost,
                charged: 0,
                price_version: prices.version().to_owned(),
                started_at: ts(ms(now))?,
                finished_at: None,
                hold_expires_at: ts(ms(hold_expires))?,
                output_ref: None,
                claim: None,
            };
            debug_same(tx, &started)?;
            Ok(started)
        },
            Some(&replay),
        )
    }

    /// Finishes a generation: success captures the hold (the charge), a technical failure voids
    /// it (the credits stay available). A hold settles once; a second finish is refused.
    /// Idempotent by `op_id`.
    pub fn finish_generation(
        &mut self,
        req: &FinishGeneration,
        now: Timestamp,
    ) -> Result<GenerationRecord> {
        match &req.outcome {
            Outcome::Succeeded {
                output_ref: Some(r),
            } if r.len() > OUTPUT_REF_LEN_MAX || r.is_empty() => {
                return Err(StoreError::InvalidInput {
                    field: "output_ref",
                    problem: format!("must be 1 to {OUTPUT_REF_LEN_MAX} bytes"),
                });
            }
            Outcome::Failed { error } if error.len() > OUTPUT_REF_LEN_MAX => {
                return Err(StoreError::InvalidInput {
                    field: "error",
                    problem: format!("must be at most {OUTPUT_REF_LEN_MAX} bytes"),
                });
            }
            _ => {}
        }
        let id = req.generation_id;
        // A repeat's answer is rebuilt from the generation's row (see `as_finished`).
        let replay = |conn: &Connection| load(conn, id).map(as_finished);
        self.idempotent_as(
            req.op_id,
            "finish_generation",
            req,
            ms(now),
            |tx| {
                // The sweep runs first: a finish that arrives after its hold went stale is refused as
                // already settled, never applied on top of the release. Being an error, the whole
                // transaction (this sweep too) rolls back; the next write or sweep releases the hold.
                sweep(tx, now)?;
                // An unknown generation is refused as not found before anything else.
                let mut g = load(tx, id)?;
                let now_ms = ms(now);
                let finished = match &req.outcome {
                    Outcome::Succeeded { output_ref } => {
                        capture(tx, req.op_id, g, output_ref.as_deref(), now_ms)?
                    }
                    Outcome::Failed { error } => {
                        settle(tx, Some(req.op_id), id, EntryKind::Void, now_ms)?;
                        tx.prepare_cached(
                        "UPDATE generations SET status = 'failed', failure = ?2, finished_at = ?3
                         WHERE generation_id = ?1",
                    )?
                    .execute(params![id.as_bytes(), error, now_ms])?;
                        g.status = GenerationStatus::Failed;
                        g.failure = Some(error.clone());
                        g.finished_at = Some(ts(now_ms)?);
                        g
                    }
                };
                debug_check(tx)?;
                debug_same(tx, &finished)?;
                Ok(finished)
            },
            Some(&replay),
        )
    }

    /// One generation.
    pub fn generation(&self, id: GenerationId) -> Result<GenerationRecord> {
        load(&self.conn, id).map_err(|e| self.err_store(e))
    }

    /// A page of history, newest first, with keyset pagination: the cost of a page does not
    /// grow with the size of the history.
    pub fn history(&self, q: &HistoryQuery) -> Result<HistoryPage> {
        if q.limit == 0 || q.limit > HISTORY_PAGE_MAX {
            return Err(StoreError::InvalidInput {
                field: "limit",
                problem: format!("must be between 1 and {HISTORY_PAGE_MAX}"),
            });
        }
        let f = q.filter;
        let filter = Filter::new(SELECT)
            .and("g.feature = ?", f.feature.map(|v| v.as_str().to_owned()))
            .and("g.platform = ?", f.platform.map(|v| v.as_str().to_owned()))
            .and("g.status = ?", f.status.map(|v| v.as_str().to_owned()))
            // Spelled out: `generations_claimed` covers only claimed generations (schema 4).
            .and_fixed("g.claimed = 1", f.claimed == Some(true))
            .and_fixed("g.claimed = 0", f.claimed == Some(false))
            .and(
                "g.generation_id < ?",
                q.before.map(|b| b.as_bytes().to_vec()),
            );
        // One more than asked tells whether there is a next page.
        let mut items = self.select(filter, "g.generation_id DESC", q.limit + 1, raw, decode)?;
        let next = if items.len() > q.limit as usize {
            items.truncate(q.limit as usize);
            items.last().map(|g| g.generation_id)
        } else {
            None
        };
        Ok(HistoryPage { items, next })
    }
}
