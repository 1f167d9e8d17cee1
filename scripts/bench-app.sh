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
apt_install libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev xvfb webkit2gtk-driver
if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  step "Installing tauri-driver (cargo install, about 30 s)"
  cargo install tauri-driver --locked --version '^2'
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

step "Building the UI (ui/dist)"
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "error: the UI build needs Node 20 or newer (node: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
( cd ui && { [ -x node_modules/.bin/vite ] || npm ci; } && npm run build )

step "Building the app (release, as tauri build does: feature tauri/custom-protocol)"
cargo build --release --locked -p recoup-desktop --features tauri/custom-protocol

step "Building the minimal Tauri app (bench/tauri-minimal, release, same target dir)"
cargo build --release --locked --manifest-path bench/tauri-minimal/Cargo.toml --features tauri/custom-protocol

step "Benchmark (cargo bench -p recoup-bench-app, under Xvfb)"
xvfb-run -a -s "-screen 0 1280x1024x24" \
  cargo bench --locked -p recoup-bench-app --bench app
