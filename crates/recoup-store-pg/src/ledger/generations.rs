//! Generations: started with a hold, finished by a capture (success) or a void (technical
//! failure). recoup-store's `generations.rs`, on PostgreSQL.

use deadpool_postgres::Transaction;
use recoup_core::{TimeDelta, Timestamp};
use uuid::Uuid;

use recoup_core::{EntryKind, GenerationId, OpId, PriceList};
use tokio_postgres::types::Json;

use recoup_store::{
    CaptureOutput, ClaimSummary, FinishGeneration, GenerationRecord, OUTPUT_FIELD_LEN_MAX,
    Outcome as Finish, StartGeneration, StoreError,
};

use super::codec::{credits, ms, opt_ts, parse, sql_credits, ts};
use super::grants::{debug_check, hold, settle, sweep};
use super::{LedgerFailure, Outcome, PgLedger, execute, query, query_opt};

/// Longest output reference or failure text, in bytes (recoup-store's `OUTPUT_REF_LEN_MAX`).
const OUTPUT_REF_LEN_MAX: usize = 2_048;

/// Generations with their latest claim's summary, as recoup-store's `load` reads them (the
/// caller adds the WHERE clause).
const SELECT: &str = "SELECT g.generation_id, g.feature, g.platform, g.surface, g.media_kind,
        g.status, g.failure, g.cost, g.charged, g.price_version, g.started_at, g.finished_at,
        g.hold_expires_at, g.output_ref,
        c.claim_id, c.local_eligible, c.sync_state, c.outcome
    FROM generations g
    LEFT JOIN LATERAL (SELECT claim_id, local_eligible, sync_state, outcome FROM claims
                       WHERE account_id = g.account_id AND generation_id = g.generation_id
                       ORDER BY claim_id DESC LIMIT 1) c ON true";

fn decode(r: &tokio_postgres::Row) -> Outcome<GenerationRecord> {
    let claim = match r.try_get::<_, Option<Uuid>>(14)? {
        None => None,
        Some(id) => Some(ClaimSummary {
            claim_id: recoup_core::ClaimId(id),
            local_eligible: r.try_get(15)?,
            sync_state: parse(&r.try_get::<_, String>(16)?)?,
            outcome: r
                .try_get::<_, Option<String>>(17)?
                .as_deref()
                .map(parse)
                .transpose()?,
        }),
    };
    Ok(GenerationRecord {
        generation_id: GenerationId(r.try_get(0)?),
        feature: parse(&r.try_get::<_, String>(1)?)?,
        platform: parse(&r.try_get::<_, String>(2)?)?,
        surface: parse(&r.try_get::<_, String>(3)?)?,
        media_kind: parse(&r.try_get::<_, String>(4)?)?,
        status: parse(&r.try_get::<_, String>(5)?)?,
        failure: r.try_get(6)?,
        cost: credits(r.try_get(7)?)?,
        charged: credits(r.try_get(8)?)?,
        price_version: r.try_get(9)?,
        started_at: ts(r.try_get(10)?)?,
        finished_at: opt_ts(r.try_get(11)?)?,
        hold_expires_at: ts(r.try_get(12)?)?,
        output_ref: r.try_get(13)?,
        claim,
    })
}

/// A generation as it is now; not found is refused as the SQLite store refuses it.
pub(crate) async fn load(
    tx: &Transaction<'_>,
    account: Uuid,
    id: GenerationId,
) -> Outcome<GenerationRecord> {
    load_opt(tx, account, id).await?.ok_or_else(|| {
        LedgerFailure::Refused(StoreError::NotFound {
            what: "generation",
            id: id.to_string(),
        })
    })
}

/// The account's generations among `ids`, each with its latest claim.
pub(crate) async fn load_many(
    tx: &Transaction<'_>,
    account: Uuid,
    ids: &[Uuid],
) -> Outcome<Vec<GenerationRecord>> {
    query(
        tx,
        &format!("{SELECT} WHERE g.account_id = $1 AND g.generation_id = ANY($2)"),
        &[&account, &ids],
    )
    .await?
    .iter()
    .map(decode)
    .collect()
}

/// A generation with its latest claim, if the account has it.
pub(crate) async fn load_opt(
    tx: &Transaction<'_>,
    account: Uuid,
    id: GenerationId,
) -> Outcome<Option<GenerationRecord>> {
    query_opt(
        tx,
        &format!("{SELECT} WHERE g.account_id = $1 AND g.generation_id = $2"),
        &[&account, &id.0],
    )
    .await?
    .as_ref()
    .map(decode)
    .transpose()
}

/// Captures a running generation's hold and marks it succeeded.
async fn capture(
    tx: &Transaction<'_>,
    account: Uuid,
    op_id: OpId,
    id: GenerationId,
    output_ref: Option<&str>,
    now_ms: i64,
) -> Outcome<()> {
    let g = load(tx, account, id).await?;
    let charged = settle(tx, account, Some(op_id), id, EntryKind::Capture, now_ms).await?;
    if charged != g.cost {
        return Err(recoup_core::InvariantViolation(format!(
            "the capture of {id} charged {charged}, not the held cost {}",
            g.cost
        ))
        .into());
    }
    execute(
        tx,
        "UPDATE generations SET status = 'succeeded', charged = $3, finished_at = $4, output_ref = $5
         WHERE account_id = $1 AND generation_id = $2",
        &[&account, &id.0, &sql_credits(charged)?, &now_ms, &output_ref],
    )
    .await?;
    Ok(())
}

impl PgLedger {
    /// Starts a generation: records it and holds its cost, priced by `prices`. Idempotent by
    /// the generation's id; the same id with other settings is refused.
    pub async fn start_generation(
        &self,
        account: Uuid,
        req: &StartGeneration,
        prices: &PriceList,
        now: Timestamp,
    ) -> Outcome<GenerationRecord> {
        let cost = prices.price(req.feature);
        let stale_after = i64::try_from(prices.hold_stale_after_secs()).unwrap_or(i64::MAX);
        let hold_expires = TimeDelta::try_seconds(stale_after)
            .and_then(|d| now.checked_add(d))
            .ok_or_else(|| super::decode("the hold's expiry is past the year 9999"))?;
        let op_id = OpId(req.generation_id.0);
        let id = req.generation_id;
        self.idempotent(
            account,
            op_id,
            "start_generation",
            req,
            ms(now),
            async |tx| {
                sweep(tx, account, now).await?;
                if query_opt(
                    tx,
                    "SELECT 1 FROM generations WHERE account_id = $1 AND generation_id = $2",
                    &[&account, &id.0],
                )
                .await?
                .is_some()
                {
                    return Err(LedgerFailure::Refused(StoreError::GenerationExists(id)));
                }
                execute(
                tx,
                "INSERT INTO generations (account_id, generation_id, feature, platform, surface,
                     media_kind, status, cost, price_version, started_at, hold_expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10)",
                &[
                    &account,
                    &id.0,
                    &req.feature.as_str(),
                    &req.platform.as_str(),
                    &req.surface.as_str(),
                    &req.feature.media_kind().as_str(),
                    &sql_credits(cost)?,
                    &prices.version(),
                    &ms(now),
                    &ms(hold_expires),
                ],
            )
            .await?;
                hold(tx, account, op_id, id, cost, now).await?;
                debug_check(tx, account).await?;
                load(tx, account, id).await
            },
        )
        .await
    }

    /// Finishes a generation: a success captures its hold, a failure voids it. A generation
    /// already finished (or whose hold went stale) is refused as already settled.
    pub async fn finish_generation(
        &self,
        account: Uuid,
        req: &FinishGeneration,
        now: Timestamp,
    ) -> Outcome<GenerationRecord> {
        match &req.outcome {
            Finish::Succeeded {
                output_ref: Some(r),
            } if r.len() > OUTPUT_REF_LEN_MAX || r.is_empty() => {
                return Err(LedgerFailure::Refused(StoreError::InvalidInput {
                    field: "output_ref",
                    problem: format!("must be 1 to {OUTPUT_REF_LEN_MAX} bytes"),
                }));
            }
            Finish::Failed { error } if error.len() > OUTPUT_REF_LEN_MAX => {
                return Err(LedgerFailure::Refused(StoreError::InvalidInput {
                    field: "error",
                    problem: format!("must be at most {OUTPUT_REF_LEN_MAX} bytes"),
                }));
            }
            _ => {}
        }
        let id = req.generation_id;
        self.idempotent(
            account,
            req.op_id,
            "finish_generation",
            req,
            ms(now),
            async |tx| {
                // The sweep first: a finish after its hold went stale is refused as already settled.
                sweep(tx, account, now).await?;
                load(tx, account, id).await?;
                let now_ms = ms(now);
                match &req.outcome {
                    Finish::Succeeded { output_ref } => {
                        capture(tx, account, req.op_id, id, output_ref.as_deref(), now_ms).await?;
                    }
                    Finish::Failed { error } => {
                        settle(tx, account, Some(req.op_id), id, EntryKind::Void, now_ms).await?;
                        execute(
                        tx,
                        "UPDATE generations SET status = 'failed', failure = $3, finished_at = $4
                         WHERE account_id = $1 AND generation_id = $2",
                        &[&account, &id.0, error, &now_ms],
                    )
                    .await?;
                    }
                }
                debug_check(tx, account).await?;
                load(tx, account, id).await
            },
        )
        .await
    }

    /// A generation as it is now.
    pub async fn generation(&self, account: Uuid, id: GenerationId) -> Outcome<GenerationRecord> {
        self.read(async |tx| load(tx, account, id).await).await
    }
}

impl PgLedger {
    /// Keeps a generation's output and captures its hold, in one transaction: the capture, the
    /// output's description with its findings, and its bytes commit together or not at all (a
    /// capture never exists without its evidence, nor bytes without their capture). Refused as
    /// `finish_generation` refuses: a generation already finished, or whose hold went stale.
    /// The findings must be a JSON document.
    pub async fn capture_output(
        &self,
        account: Uuid,
        req: &CaptureOutput,
        body: &[u8],
        now: Timestamp,
    ) -> Outcome<GenerationRecord> {
        let o = &req.output;
        let too_long = [&o.media_type, &o.file_name, &o.findings]
            .iter()
            .any(|f| f.is_empty() || f.len() > OUTPUT_FIELD_LEN_MAX);
        if too_long {
            return Err(LedgerFailure::Refused(StoreError::InvalidInput {
                field: "output",
                problem: format!(
                    "media type, file name and findings are 1 to {OUTPUT_FIELD_LEN_MAX} bytes"
                ),
            }));
        }
        if o.sha256.len() != 64 || !o.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LedgerFailure::Refused(StoreError::InvalidInput {
                field: "sha256",
                problem: "must be 64 hex digits".to_owned(),
            }));
        }
        let findings: serde_json::Value = serde_json::from_str(&o.findings).map_err(|e| {
            LedgerFailure::Refused(StoreError::InvalidInput {
                field: "findings",
                problem: format!("must be a JSON document: {e}"),
            })
        })?;
        let size = i64::try_from(o.size_bytes).map_err(super::decode)?;
        let id = req.generation_id;
        self.write(account, async |tx| {
            sweep(tx, account, now).await?;
            load(tx, account, id).await?;
            let now_ms = ms(now);
            capture(tx, account, req.op_id, id, Some(&o.file_name), now_ms).await?;
            execute(
                tx,
                "INSERT INTO outputs (account_id, generation_id, media_type, size_bytes, sha256,
                     file_name, findings, stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &account,
                    &id.0,
                    &o.media_type,
                    &size,
                    &o.sha256.to_ascii_lowercase(),
                    &o.file_name,
                    &Json(&findings),
                    &now_ms,
                ],
            )
            .await?;
            execute(
                tx,
                "INSERT INTO output_bodies (account_id, generation_id, body) VALUES ($1, $2, $3)",
                &[&account, &id.0, &body],
            )
            .await?;
            debug_check(tx, account).await?;
            load(tx, account, id).await
        })
        .await
    }

    /// The bytes of the output kept under `file_name` for a generation of `account`; `None`
    /// when there is none. The file name starts with its generation's id (the engine names
    /// them so), which finds the row by its key.
    pub async fn output_body(&self, account: Uuid, file_name: &str) -> Outcome<Option<Vec<u8>>> {
        let Some(generation) = file_name.get(..36).and_then(|s| Uuid::parse_str(s).ok()) else {
            return Ok(None);
        };
        self.read(async |tx| {
            let row = super::query_opt(
                tx,
                "SELECT b.body FROM outputs o JOIN output_bodies b USING (account_id, generation_id)
                 WHERE o.account_id = $1 AND o.generation_id = $2 AND o.file_name = $3",
                &[&account, &generation, &file_name],
            )
            .await?;
            row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
        })
        .await
    }
}
