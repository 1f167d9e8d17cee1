//! Each command: convert the arguments, call the store, hand the result to the renderer.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use recoup_core::{
    AccountHistory, ClaimId, Clock, FixedClock, GenerationFacts, GenerationId, GenerationStatus,
    OffsetClock, OpId, SystemClock,
};
use recoup_store::{
    ClaimQuery, EntryQuery, FinishGeneration, GrantRequest, HistoryFilter, HistoryQuery, Outcome,
    StartGeneration, Store, StoreError, SubmitClaim,
};

use crate::args::{Cli, Command, PolicyCommand, PricesCommand};
use crate::render;

/// What a command prints: JSON for `--json`, text otherwise.
pub struct Output {
    pub json: serde_json::Value,
    pub human: String,
}

impl Output {
    fn new<T: Serialize>(value: &T, human: String) -> Self {
        Self {
            json: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
            human,
        }
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no data directory: set --data-dir or RECOUP_DATA_DIR (HOME is not set)")]
    NoDataDir,
    #[error("invalid {field}: {problem}")]
    Input {
        field: &'static str,
        problem: String,
    },
}

impl CliError {
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Store(e) => e.code(),
            CliError::Read { .. } => "file_unreadable",
            CliError::DataDir { .. } | CliError::NoDataDir => "data_dir",
            CliError::Input { .. } => "invalid_input",
        }
    }

    /// What to do next, where the message alone does not say it.
    pub fn hint(&self) -> Option<&'static str> {
        match self.code() {
            "insufficient_credits" => Some("add credits with `recoup grant --credits 100`"),
            "not_found" => Some("list generations with `recoup history`"),
            "invalid_document" => Some(
                "the policy in force was not changed; `recoup policy show --json` prints a valid document to start from",
            ),
            "busy" => Some("another recoup process is writing; try again"),
            _ => None,
        }
    }
}

type Result<T> = std::result::Result<T, CliError>;

pub fn run(cli: Cli) -> Result<Output> {
    let clock = clock(&cli)?;
    let now = clock.now();
    let mut store = open(cli.data_dir.as_deref())?;
    // Stale holds and expired grants are settled before anything is shown or done.
    let swept = store.sweep(now)?;
    match cli.command {
        Command::Policy(PolicyCommand::Show) => {
            let policy = store.policy()?;
            Ok(Output::new(&policy.to_document(), render::policy(&policy)))
        }
        Command::Policy(PolicyCommand::Check(a)) => {
            let policy = store.policy()?;
            let prices = store.prices()?;
            let finished = (a.status != GenerationStatus::Running).then(|| {
                now.checked_sub(SignedDuration::from_secs(i64::from(a.age_secs)))
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
            let decision = policy.evaluate(&facts, &history, now);
            Ok(Output::new(&decision, render::decision(&decision)))
        }
        Command::Policy(PolicyCommand::Load { file }) => {
            let bytes = read(&file)?;
            let before = store.policy()?;
            let policy = store.activate_policy_json(&bytes, now)?;
            let human = format!(
                "Policy {} is now in force (was {}).",
                policy.version(),
                before.version()
            );
            Ok(Output::new(&policy.to_document(), human))
        }
        Command::Prices(PricesCommand::Show) => {
            let prices = store.prices()?;
            Ok(Output::new(&prices.to_document(), render::prices(&prices)))
        }
        Command::Prices(PricesCommand::Load { file }) => {
            let bytes = read(&file)?;
            let prices = store.activate_prices_json(&bytes, now)?;
            let human = format!("Price list {} is now in force.", prices.version());
            Ok(Output::new(&prices.to_document(), human))
        }
        Command::Grant(a) => {
            let expires_at = match (a.expires_at, a.expires_in_days) {
                (Some(t), _) => Some(t),
                (None, Some(days)) => Some(
                    now.checked_add(SignedDuration::from_hours(24 * i64::from(days)))
                        .map_err(|e| CliError::Input {
                            field: "expires-in-days",
                            problem: e.to_string(),
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
            let grant = store.grant(&req, now)?;
            let human = render::grant(&grant);
            Ok(Output::new(&grant, human))
        }
        Command::Balance => {
            let balance = store.balance(now)?;
            Ok(Output::new(&balance, render::balance(&balance, swept)))
        }
        Command::Ledger(a) if a.verify => {
            let totals = store.verify()?;
            let human = format!(
                "Ledger verified: every balance matches its entries, every hold settled at most once, \
                 no refund above its charge.\n{}",
                render::totals_line(&totals)
            );
            Ok(Output::new(
                &serde_json::json!({ "ok": true, "totals": totals }),
                human,
            ))
        }
        Command::Ledger(a) => {
            let entries = store.entries(&EntryQuery {
                kind: a.kind,
                generation_id: a.generation,
                before_seq: a.before,
                limit: a.limit,
            })?;
            Ok(Output::new(&entries, render::entries(&entries)))
        }
        Command::Generate(a) => {
            let id = a.id.unwrap_or_else(GenerationId::new_v7);
            let start = StartGeneration {
                generation_id: id,
                feature: a.feature,
                platform: a.platform,
                surface: a.surface,
            };
            let mut g = store.start_generation(&start, now)?;
            if !a.leave_running {
                let outcome = if a.fail {
                    Outcome::Failed {
                        error: "simulated technical failure".to_owned(),
                    }
                } else {
                    Outcome::Succeeded { output_ref: None }
                };
                let finish = FinishGeneration {
                    op_id: OpId::new_v7(),
                    generation_id: id,
                    outcome,
                };
                g = store.finish_generation(&finish, now)?;
            }
            let decision = store.check_claim(id, now)?;
            let human = render::generated(&g, &decision);
            Ok(Output::new(
                &serde_json::json!({ "generation": g, "refund_check": decision }),
                human,
            ))
        }
        Command::History(a) => {
            let page = store.history(&HistoryQuery {
                filter: HistoryFilter {
                    feature: a.feature,
                    platform: a.platform,
                    status: a.status,
                    claimed: match (a.claimed, a.unclaimed) {
                        (true, _) => Some(true),
                        (_, true) => Some(false),
                        _ => None,
                    },
                },
                before: a.before,
                limit: a.limit,
            })?;
            Ok(Output::new(&page, render::history(&page)))
        }
        Command::Check { generation } => {
            let decision = store.check_claim(generation, now)?;
            Ok(Output::new(&decision, render::decision(&decision)))
        }
        Command::Report(a) => {
            let req = SubmitClaim {
                claim_id: a.claim_id.unwrap_or_else(ClaimId::new_v7),
                generation_id: a.generation,
                reason: a.reason,
                details: a.details,
            };
            let claim = store.submit_claim(&req, now)?;
            let queued = store.outbox_len()?;
            Ok(Output::new(&claim, render::reported(&claim, queued)))
        }
        Command::Claims(a) => {
            let claims = store.claims(&ClaimQuery {
                sync_state: a.state,
                before: a.before,
                limit: a.limit,
            })?;
            Ok(Output::new(&claims, render::claims(&claims)))
        }
        Command::Sweep => Ok(Output::new(&swept, render::swept(&swept))),
    }
}

fn clock(cli: &Cli) -> Result<Box<dyn Clock>> {
    Ok(match (cli.now, cli.clock_offset_secs) {
        (Some(t), _) => Box::new(FixedClock(t)),
        (None, Some(secs)) => Box::new(OffsetClock::new(
            SystemClock,
            SignedDuration::from_secs(secs),
        )),
        (None, None) => Box::new(SystemClock),
    })
}

fn data_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_owned());
    }
    let env = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env("RECOUP_DATA_DIR") {
        return Ok(dir);
    }
    if let Some(xdg) = env("XDG_DATA_HOME") {
        return Ok(xdg.join("recoup"));
    }
    env("HOME")
        .map(|h| h.join(".local/share/recoup"))
        .ok_or(CliError::NoDataDir)
}

fn open(flag: Option<&Path>) -> Result<Store> {
    let dir = data_dir(flag)?;
    std::fs::create_dir_all(&dir).map_err(|source| CliError::DataDir {
        path: dir.clone(),
        source,
    })?;
    Ok(Store::open(&dir.join("recoup.sqlite3"))?)
}

/// Reads a document, at most one byte more than a document may have (so a huge file is refused
/// by the parser's size check without being loaded whole).
fn read(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let err = |source| CliError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    let cap = recoup_core::document::DOCUMENT_BYTES_MAX as u64 + 1;
    file.take(cap).read_to_end(&mut bytes).map_err(err)?;
    Ok(bytes)
}
