//! `recoup`: the Recoup client, headless. Same core and store as the app; `--json` on every
//! command for scripts; `--now` and `--clock-offset-secs` for QA time travel.

mod admin;
mod args;
mod commands;
mod data_dir;
mod error;
mod link;
mod output;
mod render;
mod views;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use serde::Serialize;

use recoup_device::DeviceError;

/// What `--json` prints for a failure: `{"error": {"code", "message"}}`.
#[derive(Serialize)]
struct ErrorBody {
    error: DeviceError,
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = cli.json;
    let outcome = commands::run(cli);
    let mut stdout = std::io::stdout().lock();
    match outcome {
        Ok(out) => {
            let text = out.text(json);
            // A closed pipe (`recoup history | head`) is not an error worth a panic.
            let _ = writeln!(stdout, "{}", text.trim_end());
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                let body = ErrorBody {
                    error: DeviceError::new(e.code(), e.to_string()),
                };
                let _ = writeln!(
                    stdout,
                    "{}",
                    serde_json::to_string_pretty(&body).unwrap_or_default()
                );
            } else {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                if let Some(hint) = e.hint() {
                    let _ = writeln!(std::io::stderr(), "hint: {hint}");
                }
            }
            ExitCode::from(e.code().exit_code())
        }
    }
}
