//! `recoup grant`, `balance`, `ledger` and `sweep`: the local credit ledger.

use recoup_core::TimeDelta;

use recoup_core::OpId;
use recoup_store::{EntryQuery, GrantRequest};

use crate::args::{GrantArgs, LedgerArgs};
use crate::data_dir::DataDir;
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::render;
use crate::views::Verified;

pub fn grant(d: &mut DataDir, a: GrantArgs) -> Result<Output> {
    let expires_at = match (a.expires_at, a.expires_in_days) {
        (Some(t), _) => Some(t),
        (None, Some(days)) => Some(
            d.now
                .checked_add(TimeDelta::hours(24 * i64::from(days)))
                .ok_or_else(|| CliError::Input {
                    field: "expires-in-days",
                    problem: format!("{days} days from now is past the year 9999"),
                })?,
        ),
        (None, None) => None,
    };
    let req = GrantRequest {
        op_id: a.op_id.unwrap_or_else(OpId::new_v7),
        kind: a.kind,
        credits: a.credits,
        priority: a.priority,
        expires_at,
        note: a.note,
    };
    let grant = d.store.grant(&req, d.now)?;
    Ok(Output::new(&grant, render::grant(&grant)))
}

pub fn balance(d: &DataDir) -> Result<Output> {
    let balance = d.store.balance(d.now)?;
    Ok(Output::new(&balance, render::balance(&balance, d.swept)))
}

/// The ledger's entries, newest first, or with `--verify` its invariants checked.
pub fn ledger(d: &DataDir, a: &LedgerArgs) -> Result<Output> {
    if a.verify {
        let totals = d.store.verify()?;
        let human = format!(
            "Ledger verified: every balance matches its entries, every hold settled at most once, \
             no refund above its charge.\n{}",
            render::totals_line(&totals)
        );
        return Ok(Output::new(&Verified { ok: true, totals }, human));
    }
    let entries = d.store.entries(&EntryQuery {
        kind: a.kind,
        generation_id: a.generation,
        before_seq: a.before,
        limit: a.limit,
    })?;
    Ok(Output::new(&entries, render::entries(&entries)))
}

/// What the sweep run when the data dir was opened settled.
pub fn sweep(d: &DataDir) -> Output {
    Output::new(&d.swept, render::swept(&d.swept))
}
