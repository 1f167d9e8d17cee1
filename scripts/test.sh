#!/usr/bin/env bash
# Runs every check and test of Recoup. On a fresh Debian 12 machine it installs what is missing
# first (as root, or with sudo). Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_build_tools

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Lints (cargo clippy, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Tests (unit, property, integration, CLI end to end, doc examples)"
cargo test --workspace --locked

step "Benchmarks compile (run them with: cargo bench --workspace)"
cargo bench --workspace --locked --no-run

step "All checks passed"
