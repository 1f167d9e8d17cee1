//! What CI runs of the simulation: a few dozen seeds, and one replayed.

use recoup_sim::{Options, run_seed};

/// Seeds CI runs (the long runs are `recoup-sim --seeds N`; see docs/simulation.md).
const SEEDS: u64 = 24;

#[test]
fn a_few_dozen_seeds_keep_every_invariant_through_faults_crashes_and_quiescence() {
    // Two threads: each seed is its own world (endpoint, devices, temp dir).
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2u64)
            .map(|w| {
                s.spawn(move || {
                    (0..SEEDS)
                        .filter(|seed| seed % 2 == w)
                        .filter_map(|seed| {
                            run_seed(seed, Options::default()).err().map(|(e, log)| {
                                let tail = log[log.len().saturating_sub(30)..].join("\n");
                                format!("seed {seed}: {e}\n{tail}")
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a worker panicked".to_owned()])
            })
            .collect()
    });
    assert!(
        failures.is_empty(),
        "every seed keeps the invariants; replay with `recoup-sim --seed S`:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn a_seed_replays_step_for_step() {
    let opts = Options {
        log: true,
        ..Options::default()
    };
    let first = run_seed(7, opts).map_err(|(e, _)| e.to_string());
    let second = run_seed(7, opts).map_err(|(e, _)| e.to_string());
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(!first.log.is_empty(), "the replay prints a step log");
    assert_eq!(
        first.log, second.log,
        "the same seed makes the same steps, faults and answers"
    );
    assert_eq!(
        (first.steps, first.generations, first.reports, first.net),
        (second.steps, second.generations, second.reports, second.net),
        "and the same totals"
    );
}
