//! # recoup-sim
//!
//! A deterministic simulation of Recoup in the spirit of TigerBeetle's VOPR: a few devices (the
//! real `SyncEngine` over real `Store`s on disk) and the real endpoint (`recoup_server::app`,
//! called in-process) talk over a seeded network that drops, cuts answers after commit,
//! duplicates and reorders requests; devices and the endpoint crash and reopen from disk; device
//! clocks are skewed and jump; the sandbox test clock moves. Every choice comes from one seed, so
//! a failing seed replays (`recoup-sim --seed S`). After every step the invariants are checked;
//! after a quiescent phase (faults off, everyone syncs until nothing changes) every report must
//! have one final answer and every device's ledger must equal the endpoint's. See
//! `docs/simulation.md`.
#![deny(missing_docs)]

mod check;
pub mod net;
mod world;

pub use world::{Options, SeedStats, run_seed};

/// Why a seed failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The simulation could not set itself up (temp dir, runtime): not a finding.
    #[error("setup: {0}")]
    Setup(String),
    /// An invariant broke: a finding.
    #[error("invariant broken: {0}")]
    Invariant(String),
}
