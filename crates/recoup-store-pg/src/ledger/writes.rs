//! The ledger's hot writes as values: a claim with its generation marked reported (and its
//! place in the review queue), an entry with its grant's projection, and a refund. Each is one
//! statement; [`Write::run`] sends one, [`pipeline`] sends many in one round trip, in order.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use deadpool_postgres::Transaction;
use futures_util::future::maybe_done;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use recoup_core::{Balances, EntryKind, GenerationId, GrantId, OpId};
use recoup_store::{ClaimOutcome, ClaimRecord, Verdict};

use super::codec::{ms, sql_credits};
use super::{Outcome, decode};

type Param = Box<dyn ToSql + Sync + Send>;

/// The claim row with the endpoint's verdict, its generation marked reported, and a claim in
/// review put on the review queue with what the console filters on (the generation's feature,
/// platform and charge are read as they were before this statement; it changes none of them).
const CLAIM: &str = "WITH claim AS (
        INSERT INTO claims (account_id, claim_id, generation_id, reason, details, submitted_at,
            local_eligible, local_decision, policy_version, sync_state, outcome, outcome_code,
            refunded_credits, decided_at, exclusive)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'acknowledged', $10, $11, $12, $13, $14)
    ), reported AS (
        UPDATE generations SET claimed = true WHERE account_id = $1 AND generation_id = $3
    )
    INSERT INTO reviews (account_id, claim_id, queued_at, generation_id, feature, platform, reason,
        credits, submitted_at)
    SELECT $1, $2, $6, $3, g.feature, g.platform, $4, g.charged, $6 FROM generations g
    WHERE g.account_id = $1 AND g.generation_id = $3 AND $15";

/// An entry and its grant's projection in one statement (the entry's AFTER triggers, which
/// read the projection, run at its end and see it moved).
const POST: &str = "WITH projection AS (
        UPDATE grant_balances SET available = $8, held = $9, spent = $10, refunded = $11,
            expired = $12, granted = $13 WHERE account_id = $1 AND grant_id = $4
    )
    INSERT INTO ledger_entries (account_id, op_id, kind, grant_id, generation_id, credits, at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

const REFUND: &str = "INSERT INTO refunds (account_id, generation_id, claim_id, credits, op_id, at)
    VALUES ($1, $2, $3, $4, $5, $6)";

/// One statement of the ledger with its parameters.
pub(crate) struct Write {
    sql: &'static str,
    params: Vec<Param>,
}

impl Write {
    /// A new claim as decided: `record` as it will read back, `verdict` the endpoint's (see
    /// [`CLAIM`]); `exclusive` when the policy allows one claim per generation.
    pub(crate) fn claim(
        account: Uuid,
        record: &ClaimRecord,
        exclusive: bool,
        verdict: &Verdict,
    ) -> Outcome<Self> {
        let decision = &record.local_decision;
        let decision_json = serde_json::to_string(decision).map_err(decode)?;
        Ok(Self {
            sql: CLAIM,
            params: vec![
                Box::new(account),
                Box::new(record.claim_id.0),
                Box::new(record.generation_id.0),
                Box::new(record.reason.as_str()),
                Box::new(record.details.clone()),
                Box::new(ms(record.submitted_at)),
                Box::new(decision.eligible),
                Box::new(decision_json),
                Box::new(decision.policy_version.clone()),
                Box::new(verdict.outcome.as_str()),
                Box::new(verdict.code.clone()),
                Box::new(sql_credits(verdict.refunded_credits)?),
                Box::new(verdict.decided_at.map(ms)),
                Box::new(exclusive),
                Box::new(verdict.outcome == ClaimOutcome::InReview),
            ],
        })
    }

    /// An entry of `amount` on `grant`, whose projection becomes `after` (see [`POST`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn post(
        account: Uuid,
        op_id: Option<OpId>,
        kind: EntryKind,
        grant: GrantId,
        generation: Option<GenerationId>,
        amount: u64,
        at_ms: i64,
        after: &Balances,
    ) -> Outcome<Self> {
        Ok(Self {
            sql: POST,
            params: vec![
                Box::new(account),
                Box::new(op_id.map(|o| o.0)),
                Box::new(kind.as_str()),
                Box::new(grant.0),
                Box::new(generation.map(|g| g.0)),
                Box::new(sql_credits(amount)?),
                Box::new(at_ms),
                Box::new(sql_credits(after.available)?),
                Box::new(sql_credits(after.held)?),
                Box::new(sql_credits(after.spent)?),
                Box::new(sql_credits(after.refunded)?),
                Box::new(sql_credits(after.expired)?),
                Box::new(sql_credits(after.granted)?),
            ],
        })
    }

    /// The refund row of generation `generation`.
    pub(crate) fn refund(
        account: Uuid,
        generation: GenerationId,
        claim: Option<Uuid>,
        amount: u64,
        op_id: OpId,
        at_ms: i64,
    ) -> Outcome<Self> {
        Ok(Self {
            sql: REFUND,
            params: vec![
                Box::new(account),
                Box::new(generation.0),
                Box::new(claim),
                Box::new(sql_credits(amount)?),
                Box::new(op_id.0),
                Box::new(at_ms),
            ],
        })
    }

    fn param_refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }

    /// Runs this statement (prepared once per connection).
    pub(crate) async fn run(&self, tx: &Transaction<'_>) -> Outcome<u64> {
        super::execute(tx, self.sql, &self.param_refs()).await
    }
}

/// Runs `writes` in order in one round trip: every statement is prepared first (once per
/// connection), then all are sent before the first answer is awaited. tokio-postgres queues a
/// request on its future's first poll and the connection writes requests in that order, so
/// polling each future once, in order, sends them in order; PostgreSQL runs them in the order
/// received. The first failure is answered (the ones after it fail with the transaction).
pub(crate) async fn pipeline(tx: &Transaction<'_>, writes: &[Write]) -> Outcome<()> {
    let mut statements = Vec::with_capacity(writes.len());
    for w in writes {
        statements.push(tx.prepare_cached(w.sql).await?);
    }
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = writes.iter().map(Write::param_refs).collect();
    let mut pending: Vec<_> = statements
        .iter()
        .zip(&params)
        .map(|(stmt, p)| Box::pin(maybe_done(tx.execute(stmt, p))))
        .collect();
    std::future::poll_fn(|cx| {
        for f in &mut pending {
            let _ = f.as_mut().poll(cx);
        }
        Poll::Ready(())
    })
    .await;
    for f in &mut pending {
        f.as_mut().await;
    }
    for f in &mut pending {
        match Pin::as_mut(f).take_output() {
            Some(result) => {
                result?;
            }
            None => return Err(decode("a pipelined statement gave no answer")),
        }
    }
    Ok(())
}
