//! Each command: convert the arguments, call the store or the device layer, hand the result to
//! the renderer.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

use recoup_core::{
    AccountHistory, ClaimId, Clock, FixedClock, GenerationFacts, GenerationId, GenerationStatus,
    OffsetClock, OpId, SystemClock,
};
use recoup_store::{
    ClaimQuery, EntryQuery, FinishGeneration, GrantRequest, HistoryFilter, HistoryQuery, Outcome,
    StartGeneration, Store, SubmitClaim, SweepReport,
};
use recoup_sync::SyncError;

use crate::args::{Cli, Command, NetworkState, PolicyCommand, PricesCommand};
use crate::error::{CliError, Result};
use crate::link::{self, LoginRequest};
use crate::output::{Output, SyncStateView, read};
use crate::render;

pub fn run(cli: Cli) -> Result<Output> {
    // The admin commands talk to an endpoint only: no data dir is opened or created.
    if let Command::Admin(a) = cli.command {
        return crate::admin::run(a);
    }
    let dir = data_dir(cli.data_dir.as_deref())?;
    let mut store = open(&dir)?;
    let linked = recoup_sync::is_linked(&store)?;
    let (fixed, shift) = (cli.now, cli.clock_offset_secs);
    // The device clock (a QA tester's, when --now or --clock-offset-secs is given).
    let device_clock = move || clock(fixed, shift);
    let device = device_clock();
    // A linked data dir reads time as the endpoint's, as well as the device knows it (the
    // device clock plus the offset measured at the last sync), so local checks agree with the
    // endpoint even when the device clock is wrong.
    let now = if linked {
        recoup_sync::corrected(&store, &*device)?.now()
    } else {
        device.now()
    };
    // Stale holds and expired grants are settled before anything is shown or done, locally.
    // A linked data dir only mirrors the endpoint, which settles its holds itself.
    let swept = if linked {
        SweepReport::default()
    } else {
        store.sweep(now)?
    };
    match cli.command {
        Command::Policy(PolicyCommand::Load { .. }) if linked => Err(CliError::Linked(
            "this data dir is linked: the policy comes signed from the endpoint with `recoup sync`",
        )),
        Command::Grant(_) if linked => Err(CliError::Linked(
            "this data dir is linked: credits are granted on the endpoint and arrive with `recoup sync`",
        )),
        Command::Sweep if linked => Err(CliError::Linked(
            "this data dir is linked: the endpoint releases stale holds and expires grants; `recoup sync` brings the result",
        )),
        Command::Generate(a) if linked => {
            if a.fail || a.leave_running {
                return Err(CliError::Input {
                    field: "fail",
                    problem: "this data dir is linked: the endpoint's generator decides how a generation ends (QA: set its failure rate with the admin API)".to_owned(),
                });
            }
            let req = recoup_api::GenerationRequest {
                generation_id: a.id.unwrap_or_else(GenerationId::new_v7),
                feature: a.feature,
                platform: a.platform,
                surface: a.surface,
            };
            let mut engine = link::engine(&dir, &store, device_clock())?;
            let cell = std::sync::Mutex::new(store);
            let run = recoup_device::generate::generate(
                &cell,
                &mut engine,
                &req,
                &dir.join(recoup_device::generate::OUTPUTS_DIR),
            );
            let store = cell
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let run = run?;
            // The pull may have measured a new offset.
            let now = recoup_sync::corrected(&store, &*device)?.now();
            let g = match store.generation(req.generation_id) {
                Ok(g) => g,
                Err(_) => run.view.generation.clone(),
            };
            let decision = store.check_claim(req.generation_id, now).ok();
            let human = render::generated_remote(&g, decision.as_ref(), &run);
            Ok(Output::new(
                &serde_json::json!({
                    "generation": g,
                    "refund_check": decision,
                    "output_file": run.output_file,
                    "notes": run.notes,
                }),
                human,
            ))
        }
        Command::Login(a) => {
            let out = link::login(
                &dir,
                &mut store,
                LoginRequest {
                    endpoint: &a.endpoint,
                    create: a.create,
                    token: a.token,
                    policy_key: a.policy_key.as_deref(),
                },
                device_clock(),
            )?;
            Ok(Output::new(&out, render::logged_in(&out)))
        }
        Command::Account => {
            if recoup_sync::is_offline(&store)? {
                return Err(SyncError::Offline {
                    queued: store.outbox_len()?,
                }
                .into());
            }
            let engine = link::engine(&dir, &store, device_clock())?;
            let view = engine.client().account()?;
            let state = sync_state(&store)?;
            let human = render::account(&view, &state);
            Ok(Output::new(
                &serde_json::json!({ "account": view, "device": state }),
                human,
            ))
        }
        Command::Sync(a) => {
            link::endpoint_url(&store)?;
            let mut requeued = 0;
            if a.retry_quarantined {
                requeued = store.outbox_retry_quarantined(device.now())?;
            }
            let mut engine = link::engine(&dir, &store, device_clock())?;
            let report = engine.sync_once(&mut store)?;
            let mut json = serde_json::to_value(&report).unwrap_or_default();
            if let Some(o) = json.as_object_mut() {
                o.insert("clean".into(), report.is_clean().into());
                o.insert("requeued".into(), requeued.into());
            }
            Ok(Output {
                json,
                human: render::sync_report(&report, requeued),
            })
        }
        Command::Network { state } => {
            let mut sync = None;
            let mut sync_error = None;
            match state {
                Some(NetworkState::Off) => recoup_sync::set_offline(&mut store, true)?,
                Some(NetworkState::On) => {
                    recoup_sync::set_offline(&mut store, false)?;
                    // Back online: sync at once, as the app does when the network returns.
                    if linked {
                        match link::engine(&dir, &store, device_clock())
                            .and_then(|mut e| Ok(e.sync_once(&mut store)?))
                        {
                            Ok(r) => sync = Some(r),
                            Err(e) => sync_error = Some(e.to_string()),
                        }
                    }
                }
                None => {}
            }
            let state = sync_state(&store)?;
            let human = render::network(&state, sync.as_ref(), sync_error.as_deref());
            Ok(Output::new(
                &serde_json::json!({ "device": state, "sync": sync, "sync_error": sync_error }),
                human,
            ))
        }
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
            let json: Vec<serde_json::Value> = claims
                .iter()
                .map(|c| {
                    let mut v = serde_json::to_value(c).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("status".into(), render::claim_status(c).into());
                    }
                    v
                })
                .collect();
            let state = sync_state(&store)?;
            let human = format!(
                "{}\n{}",
                render::sync_state_line(&state),
                render::claims(&claims)
            );
            Ok(Output {
                json: serde_json::Value::Array(json),
                human,
            })
        }
        Command::Sweep => Ok(Output::new(&swept, render::swept(&swept))),
        // Handled above, before the data dir is opened.
        Command::Admin(a) => crate::admin::run(a),
    }
}

fn sync_state(store: &Store) -> Result<SyncStateView> {
    let s = recoup_device::state::sync_snapshot(store)?;
    Ok(SyncStateView {
        linked: s.linked,
        endpoint: s.endpoint,
        account_id: s.account_id,
        online: s.online,
        queued: s.queued,
        last_sync_at: s.last_sync_at,
        clock_offset_ms: s.clock_offset_ms,
    })
}

fn clock(fixed: Option<Timestamp>, shift: Option<i64>) -> Box<dyn Clock> {
    match (fixed, shift) {
        (Some(t), _) => Box::new(FixedClock(t)),
        (None, Some(secs)) => Box::new(OffsetClock::new(
            SystemClock,
            SignedDuration::from_secs(secs),
        )),
        (None, None) => Box::new(SystemClock),
    }
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

fn open(dir: &Path) -> Result<Store> {
    std::fs::create_dir_all(dir).map_err(|source| CliError::DataDir {
        path: dir.to_owned(),
        source,
    })?;
    Ok(Store::open(&dir.join("recoup.sqlite3"))?)
}
