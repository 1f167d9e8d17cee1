//! HTTP tests of `recoup-server`: the OpenAPI document against the router and real answers,
//! and the endpoint's behaviour over loopback (auth and scoping, input limits, claims and their
//! idempotency, policy distribution, review, the generator, the change feed, rate limits, logs,
//! time read from the injected clock).
//!
//! Every answer any test gets through [`support::Client`] is checked against
//! `docs/openapi.yaml`: its status must be documented for its route, and its body must match the
//! documented schema (and, for errors, one of the codes documented for that status).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod accounts;
mod audit;
mod auth;
mod changes;
mod claims;
mod clock;
mod console;
mod console_backoffice;
mod contract;
mod generator;
mod hardening;
mod input;
mod instances;
mod jwt;
mod metrics;
mod openapi;
mod policy;
mod process;
mod provider;
mod review;
mod webhooks;
