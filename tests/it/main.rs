//! Cross-crate tests: the policy (recoup-core) through the store (recoup-store), as the app and
//! the CLI use them. One binary, one module per subject.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod architecture;
mod error_codes;
mod production;
mod seed_table;
mod soak;
mod system_crash;
mod system_faults;
mod system_identity;
mod system_instances;
mod system_production;
mod system_provider;
mod system_seed;
mod system_storage;
