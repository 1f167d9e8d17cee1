//! `recoup-sim`: runs seeds of the deterministic simulation (see `docs/simulation.md`).

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use recoup_sim::{Options, SeedStats, run_seed};

/// Runs the simulation: `--seeds N` from `--start`, or `--seed S` alone with its step log.
#[derive(Debug, Parser)]
#[command(name = "recoup-sim", version)]
struct Args {
    /// How many seeds to run.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Replay this one seed, printing its step log.
    #[arg(long)]
    seed: Option<u64>,
    /// Workload steps per seed before the quiescent phase.
    #[arg(long, default_value_t = Options::default().steps)]
    steps: u32,
    /// Devices per seed (over two accounts).
    #[arg(long, default_value_t = Options::default().devices)]
    devices: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let opts = Options {
        steps: args.steps,
        devices: args.devices,
        log: args.seed.is_some(),
    };
    let (first, count) = match args.seed {
        Some(s) => (s, 1),
        None => (args.start, args.seeds),
    };
    let started = Instant::now();
    let mut total = SeedStats::default();
    for seed in first..first.saturating_add(count) {
        match run_seed(seed, opts) {
            Ok(s) => {
                for line in &s.log {
                    println!("{line}");
                }
                add(&mut total, &s);
            }
            Err((e, log)) => {
                // Replaying one seed prints its whole log; a run of many, the end of it.
                let keep = if args.seed.is_some() { log.len() } else { 60 };
                for line in log.iter().skip(log.len().saturating_sub(keep)) {
                    println!("{line}");
                }
                println!("seed {seed} FAILED: {e}");
                println!("replay: cargo run -p recoup-sim --release -- --seed {seed}");
                return ExitCode::FAILURE;
            }
        }
        let n = seed - first + 1;
        if n % 100 == 0 {
            eprintln!("{n} seeds, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let n = &total.net;
    println!(
        "{count} seeds, {} steps in {secs:.1} s: {:.1} seeds/s, {:.0} steps/s",
        total.steps,
        count as f64 / secs,
        total.steps as f64 / secs
    );
    println!(
        "generations {}, reports {} (refunded {}, in review {}), syncs {}, device crashes {} ({} inside a request), endpoint restarts {}",
        total.generations,
        total.reports,
        total.refunded,
        total.in_review,
        total.syncs,
        total.device_crashes,
        n.device_crashes_in_flight,
        n.endpoint_restarts
    );
    println!(
        "network: delivered {}, dropped {}, answers cut {}, duplicated {}, held back {}, delivered late {}",
        n.delivered, n.dropped, n.cut, n.duplicated, n.delayed, n.replayed
    );
    ExitCode::SUCCESS
}

fn add(t: &mut SeedStats, s: &SeedStats) {
    t.steps += s.steps;
    t.generations += s.generations;
    t.reports += s.reports;
    t.refunded += s.refunded;
    t.in_review += s.in_review;
    t.syncs += s.syncs;
    t.device_crashes += s.device_crashes;
    let (a, b) = (&mut t.net, &s.net);
    a.delivered += b.delivered;
    a.dropped += b.dropped;
    a.cut += b.cut;
    a.duplicated += b.duplicated;
    a.delayed += b.delayed;
    a.replayed += b.replayed;
    a.endpoint_restarts += b.endpoint_restarts;
    a.device_crashes_in_flight += b.device_crashes_in_flight;
}
