//! `recoup policy` and `recoup prices`: show, check and replace the documents in force.

use recoup_core::{TimeDelta, Timestamp};

use recoup_core::{AccountHistory, GenerationFacts, GenerationStatus};

use crate::args::{PolicyCheckArgs, PolicyCommand, PricesCommand};
use crate::data_dir::DataDir;
use crate::error::Result;
use crate::output::{Output, read};
use crate::render;

pub fn policy(d: &mut DataDir, command: PolicyCommand) -> Result<Output> {
    match command {
        PolicyCommand::Show => {
            let policy = d.store.policy()?;
            Ok(Output::new(&policy.to_document(), render::policy(&policy)))
        }
        PolicyCommand::Check(a) => check(d, &a),
        PolicyCommand::Load { file } => {
            let bytes = read(&file)?;
            let before = d.store.policy()?;
            let policy = d.store.activate_policy_json(&bytes, d.now)?;
            let human = format!(
                "Policy {} is now in force (was {}).",
                policy.version(),
                before.version()
            );
            Ok(Output::new(&policy.to_document(), human))
        }
    }
}

/// What the policy in force decides about a generation described on the command line.
fn check(d: &DataDir, a: &PolicyCheckArgs) -> Result<Output> {
    let policy = d.store.policy()?;
    let prices = d.store.prices()?;
    let finished = (a.status != GenerationStatus::Running).then(|| {
        d.now
            .checked_sub(TimeDelta::seconds(i64::from(a.age_secs)))
            .unwrap_or(Timestamp::MIN)
    });
    let facts = GenerationFacts {
        feature: a.feature,
        platform: a.platform,
        surface: a.surface,
        status: a.status,
        finished_at: finished,
        charged_credits: if a.status == GenerationStatus::Succeeded {
            prices.price(a.feature)
        } else {
            0
        },
    };
    let history = AccountHistory {
        already_claimed: a.already_claimed,
        ..AccountHistory::default()
    };
    let decision = policy.evaluate(&facts, &history, d.now);
    Ok(Output::new(&decision, render::decision(&decision)))
}

pub fn prices(d: &mut DataDir, command: PricesCommand) -> Result<Output> {
    match command {
        PricesCommand::Show => {
            let prices = d.store.prices()?;
            Ok(Output::new(&prices.to_document(), render::prices(&prices)))
        }
        PricesCommand::Load { file } => {
            let bytes = read(&file)?;
            let prices = d.store.activate_prices_json(&bytes, d.now)?;
            let human = format!("Price list {} is now in force.", prices.version());
            Ok(Output::new(&prices.to_document(), human))
        }
    }
}
