//! Integration tests of `recoup-store` through its public API: the ledger against a model
//! (property test), burn-down and refunds, idempotency, claims and the outbox, history
//! pagination, bad files and documents, durability across reopening, the endpoint's
//! adjudication and review, and replication to a device through the change feed. Time is always
//! injected (`recoup_core::Timestamp` values advanced by hand); the system clock is never read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adjudication;
mod claims;
mod durability;
mod files;
mod history;
mod idempotency;
mod ledger;
mod model;
mod regression;
mod replica;
mod support;
