#!/usr/bin/env bash
# Benchmarks the desktop app in the real WebKit (docs/benchmarks.md, "The desktop app"): cold start
# to an interactive history of 10,000 generations, memory of the app and its WebKit processes next
# to a minimal Tauri 2 app (bench/tauri-minimal), and the IPC round trip of the eligibility check
# next to the empty command. On a fresh Debian 12 machine it installs what is missing first (as
# root, or with sudo). Needs Node 20 or newer for the UI build.
#
# Usage: bash scripts/bench-app.sh
#   Settings (environment): RECOUP_BENCH_RUNS (cold starts per app, 7), RECOUP_BENCH_IPC_N (timed
#   calls per command, 1000), RECOUP_BENCH_GENERATIONS (10000). The seeded data dir is cached in
#   target/bench-data/app-<N>/ (seeding 10,000 generations takes a few minutes); results are
#   printed and written to target/bench-data/app-bench.json.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_build_tools
ensure_app_build_deps
apt_install xvfb webkit2gtk-driver
ensure_tauri_driver
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

build_ui

step "Building the app (release, as tauri build does: feature tauri/custom-protocol)"
cargo build --release --locked -p recoup-desktop --features tauri/custom-protocol

step "Building the minimal Tauri app (bench/tauri-minimal, release, same target dir)"
cargo build --release --locked --manifest-path bench/tauri-minimal/Cargo.toml --features tauri/custom-protocol

step "Benchmark (cargo bench -p recoup-bench-app, under Xvfb)"
xvfb-run -a -s "-screen 0 1280x1024x24" \
  cargo bench --locked -p recoup-bench-app --bench app
