//! `recoup-soak`: the crash soak (see `recoup_tests::soak` and docs/crash-soak.md). Kills the
//! endpoint and the devices' CLI commands with SIGKILL while work flows, then checks that
//! nothing was lost or doubled. Exits 1 with the seed to replay when a check fails.
//!
//! `cargo build --release -p recoup-server -p recoup-cli -p recoup-tests`, then
//! `target/release/recoup-soak --kills 500 --seed 1`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// Kill -9 the endpoint and devices at random points while generations, reports and syncs
/// flow; then check every ledger and report.
#[derive(Debug, Parser)]
#[command(name = "recoup-soak", about)]
struct Args {
    /// Kills to land in all (endpoint and device processes).
    #[arg(long, default_value_t = 500)]
    kills: u32,
    /// The seed of the schedule [default: from the clock, printed].
    #[arg(long)]
    seed: Option<u64>,
    /// Devices, each a CLI data dir with its own account.
    #[arg(long, default_value_t = 3)]
    devices: u32,
    /// The share of the kills aimed at the endpoint (0-1).
    #[arg(long, default_value_t = 0.35)]
    endpoint_share: f64,
    /// The pause inside each commit (RECOUP_COMMIT_TRACE_DELAY_MS), in ms.
    #[arg(long, default_value_t = 3)]
    commit_delay_ms: u64,
    /// The pause after each commit (RECOUP_COMMIT_TRACE_AFTER_MS), in ms; 0 for none.
    #[arg(long, default_value_t = 2)]
    commit_after_ms: u64,
    /// Keep the data here (else a temp dir, removed when the soak passes, kept when it fails).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Where `recoup` and `recoup-server` are [default: next to this executable].
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

#[cfg(unix)]
fn main() -> ExitCode {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.endpoint_share) {
        eprintln!("error: --endpoint-share is between 0 and 1");
        return ExitCode::from(2);
    }
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let Some(bin_dir) = args.bin_dir.clone().or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(std::path::Path::to_owned))
    }) else {
        eprintln!("error: cannot tell where this executable is; pass --bin-dir");
        return ExitCode::from(2);
    };
    let mut config = recoup_tests::soak::Config::new(seed, args.kills);
    config.devices = args.devices;
    config.endpoint_kill_share = args.endpoint_share;
    config.commit_delay_ms = args.commit_delay_ms;
    config.commit_after_ms = args.commit_after_ms;
    config.work_dir = args.work_dir;
    println!(
        "recoup-soak: seed {seed}, {} kills, {} devices, binaries in {}",
        args.kills,
        args.devices,
        bin_dir.display()
    );
    let mut shown = Duration::ZERO;
    let result = recoup_tests::soak::run_with_progress(&config, &bin_dir, |p| {
        if p.elapsed >= shown + Duration::from_secs(3) {
            shown = p.elapsed;
            println!(
                "  {:>6.1} s: kills {} (endpoint {}, device {}), {} inside commits, {} commands",
                p.elapsed.as_secs_f64(),
                p.endpoint_kills + p.device_kills,
                p.endpoint_kills,
                p.device_kills,
                p.kills_inside_commits,
                p.commands
            );
        }
    });
    match result {
        Ok(r) => {
            println!("PASS seed {}", r.seed);
            println!(
                "  kills: {} endpoint ({} inside commits: {} in the hook, {} while SQLite wrote; {} right after a commit)",
                r.endpoint.total,
                r.endpoint.inside_commits(),
                r.endpoint.in_hook,
                r.endpoint.in_commit_write,
                r.endpoint.after_commit
            );
            println!(
                "         {} device ({} inside commits: {} in the hook, {} while SQLite wrote; {} right after a commit)",
                r.device.total,
                r.device.inside_commits(),
                r.device.in_hook,
                r.device.in_commit_write,
                r.device.after_commit
            );
            println!(
                "  stores verified right after a kill inside a commit: {}; reports cut in their commit: {} there, {} absent",
                r.stores_checked_after_kills, r.cut_reports_present, r.cut_reports_absent
            );
            println!(
                "  commands {}, generations {} ({} retried), reports {} acknowledged, {} refused, {} abandoned, syncs {}, reviews decided {}",
                r.commands,
                r.generations,
                r.generations_retried,
                r.reports,
                r.reports_refused,
                r.reports_abandoned,
                r.syncs,
                r.reviews_decided
            );
            println!("  refusals by code: {:?}", r.refusals);
            println!(
                "  at the end: {} refunded, {} not refunded, quiescent after {} sync rounds ({:.1} s); elapsed {:.1} s",
                r.refunds,
                r.not_refunded,
                r.quiesce_rounds,
                r.quiesce_time.as_secs_f64(),
                r.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e @ recoup_tests::soak::SoakError::MissingBinary { .. }) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("FAIL: {e}");
            eprintln!("replay: recoup-soak --kills {} --seed {seed}", args.kills);
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(unix))]
fn main() -> ExitCode {
    eprintln!("recoup-soak kills processes with SIGKILL: it runs on Unix only");
    ExitCode::FAILURE
}
