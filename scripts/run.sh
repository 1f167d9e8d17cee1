#!/usr/bin/env bash
# Runs Recoup. Until the desktop app lands this builds the `recoup` CLI and walks through the whole
# local flow on a fresh data directory: credits, generations (one fails technically), the instant
# refund check, "Bad result" reports (refundable and not), the outbox, and the ledger check.
# Usage: bash scripts/run.sh [DATA_DIR]   (default: a new temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_build_tools
step "Building recoup (release)"
cargo build --release --locked -p recoup-cli
bin="$PWD/target/release/recoup"

data="${1:-$(mktemp -d -t recoup-XXXXXX)}"
r() { printf '\n$ recoup %s\n' "$*"; "$bin" --data-dir "$data" "$@"; }
# The id of a new generation, read from the JSON output (no jq or python needed).
id_of() { "$bin" --data-dir "$data" --json "$@" | grep -m1 '"generation_id"' | cut -d'"' -f4; }

step "Walkthrough on $data"
r grant --credits 100 --note "November allowance" --expires-in-days 30
r grant --credits 10 --kind promotion --expires-in-days 7 --note "Welcome bonus"
good=$(id_of generate --feature virtual_model)
shadows=$(id_of generate --feature ai_shadows --platform ios)
batch=$(id_of generate --feature recolor --surface batch_editor)
r generate --feature video_generator --fail
r history
r check "$good"
r report "$good" --reason artifacts_or_distortions --details "The model has three arms"
r report "$shadows" --reason wrong_subject --details "The shadow falls on the wrong side"
r check "$batch"
r --clock-offset-secs 90000 check "$good"
r claims
r balance
r ledger --verify
printf '\nThe data stays in %s; run "%s --data-dir %s --help" to explore.\n' "$data" "$bin" "$data"
