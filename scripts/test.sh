#!/usr/bin/env bash
# Runs every check and test of Recoup: the UI (type check, unit tests, build), Rust (format,
# lints, unit/property/integration/IPC tests, the deterministic simulation's CI seeds, the layer
# rules, the generated TypeScript types up to date), the desktop app end to end in the real WebKit
# under Xvfb, the Android check, a short run of every fuzz target, and that the benchmarks
# compile. On a fresh Debian 12 machine it installs what is missing first (as root, or with sudo).
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# A clean clone builds everything once: incremental caches would only take disk.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi

ensure_build_tools
ensure_app_build_deps
ensure_fault_test_tools
ensure_postgres

build_ui ci
step "UI unit tests (vitest)"
(cd ui && npm test)

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Lints (cargo clippy, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The e2e test has `test = false` (it needs the built app and a display), so --all-targets skips it.
cargo clippy -p recoup-tests --test e2e --locked -- -D warnings

step "Tests (unit, property, integration, IPC on the mock runtime, CLI end to end, doc examples)"
cargo test --workspace --locked

step "The endpoint's HTTP and system suites again, on PostgreSQL (the same tests; a server of their own, docs/postgres.md)"
# --workspace keeps the features the run above built with: no rebuild, only these test binaries rerun.
RECOUP_TEST_ENGINE=postgres cargo test --workspace --locked --test http --test it

step "The UI's TypeScript types are what the Rust types generate (ts-rs)"
if ! git diff --quiet -- ui/src/lib/bindings || [ -n "$(git ls-files --others --exclude-standard ui/src/lib/bindings)" ]; then
  git status --short ui/src/lib/bindings
  echo "error: ui/src/lib/bindings is out of date: run 'cargo test -p recoup-app' and commit the result" >&2
  exit 1
fi

step "Building the desktop app (debug) for the end-to-end test"
cargo build --locked -p recoup-desktop
bash scripts/e2e.sh

bash scripts/console-e2e.sh

bash scripts/mobile-check.sh

step "Fuzzing, a short run of each target (the long runs and their figures: docs/fuzzing.md)"
bash scripts/fuzz.sh 10

step "Benchmarks compile (run them with: cargo bench --workspace; the app's: bash scripts/bench-app.sh)"
cargo bench --workspace --locked --no-run

step "All checks passed"
