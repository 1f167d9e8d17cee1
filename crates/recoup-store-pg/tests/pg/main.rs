//! recoup-store-pg against a real PostgreSQL that this test binary starts itself (one server for
//! the binary, a fresh database per test). Needs Debian's postgresql package
//! (scripts/test.sh installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod guarantees;
mod harness;
mod keys;
mod ledger;
mod lock;
mod migrations;
mod support;
mod tls;
