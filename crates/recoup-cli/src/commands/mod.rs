//! One function per command, grouped by what it works on; [`run`] only dispatches. Each one
//! converts its arguments, calls the store or the device layer, and hands the result to the
//! renderer and a typed view.

mod endpoint;
mod generate;
mod ledger;
mod policy;
mod report;

use crate::args::{Cli, Command, PolicyCommand};
use crate::data_dir::DataDir;
use crate::error::{CliError, Result};
use crate::output::Output;

/// Runs one command.
pub fn run(cli: Cli) -> Result<Output> {
    // The admin commands talk to an endpoint only: no data dir is opened or created.
    if let Command::Admin(a) = cli.command {
        return crate::admin::run(a);
    }
    let mut d = DataDir::open(cli.data_dir.as_deref(), cli.now, cli.clock_offset_secs)?;
    if d.linked {
        refuse_local_only(&cli.command)?;
    }
    match cli.command {
        Command::Policy(c) => policy::policy(&mut d, c),
        Command::Prices(c) => policy::prices(&mut d, c),
        Command::Grant(a) => ledger::grant(&mut d, a),
        Command::Balance => ledger::balance(&d),
        Command::Ledger(a) => ledger::ledger(&d, &a),
        Command::Sweep => Ok(ledger::sweep(&d)),
        Command::Generate(a) if d.linked => generate::remote(d, a),
        Command::Generate(a) => generate::local(&mut d, a),
        Command::History(a) => generate::history(&d, a),
        Command::Check { generation } => report::check(&d, generation),
        Command::Report(a) => report::report(&mut d, a),
        Command::Claims(a) => report::claims(&d, a),
        Command::Login(a) => endpoint::login(&mut d, a),
        Command::Account => endpoint::account(&d),
        Command::Sync(a) => endpoint::sync(&mut d, &a),
        Command::Network { state } => endpoint::network(&mut d, state),
        // Handled above, before the data dir is opened.
        Command::Admin(a) => crate::admin::run(a),
    }
}

/// The refusal of a command that would write a local ledger into a linked data dir, which
/// mirrors the endpoint's.
fn refuse_local_only(command: &Command) -> Result<()> {
    let refusal = match command {
        Command::Policy(PolicyCommand::Load { .. }) => {
            "this data dir is linked: the policy comes signed from the endpoint with `recoup sync`"
        }
        Command::Grant(_) => {
            "this data dir is linked: credits are granted on the endpoint and arrive with `recoup sync`"
        }
        Command::Sweep => {
            "this data dir is linked: the endpoint releases stale holds and expires grants; `recoup sync` brings the result"
        }
        Command::Generate(a) if a.fail || a.leave_running => {
            return Err(CliError::Input {
                field: "fail",
                problem: "this data dir is linked: the endpoint's generator decides how a generation ends (QA: set its failure rate with the admin API)".to_owned(),
            });
        }
        _ => return Ok(()),
    };
    Err(CliError::Linked(refusal))
}
