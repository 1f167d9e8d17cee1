#!/usr/bin/env bash
# A headless tour of Recoup from the command line (the desktop app: bash scripts/run.sh). Builds
# the endpoint (`recoup-server`) and the headless client (`recoup`), starts a local sandbox
# endpoint on loopback, and walks through the whole flow on a fresh data directory: an account
# with a starting allowance, generations made by
# the endpoint's generator (real images, some deliberately bad, some failing technically), the
# instant offline refund check, "Bad result" reports (refundable and not), going offline and back,
# the endpoint's decisions arriving as notifications, and both ledgers checked.
# Usage: bash scripts/tour.sh [DATA_DIR]   (default: a new temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_build_tools
step "Building recoup and recoup-server (release)"
cargo build --release --locked -p recoup-cli -p recoup-server
bin="$PWD/target/release"

data="${1:-$(mktemp -d -t recoup-XXXXXX)}"
mkdir -p "$data/endpoint" "$data/device"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18787)

step "Starting a local sandbox endpoint on 127.0.0.1:$port (data in $data/endpoint)"
"$bin/recoup-server" --data-dir "$data/endpoint" --listen "127.0.0.1:$port" --sandbox \
  --admin-token tour-Adm1n-7Kq9xZ2pLw4Rv8Nc --failure-rate 0.15 --bad-rate 0.5 >"$data/endpoint.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q listening "$data/endpoint.log" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$data/endpoint.log" || { echo "error: the endpoint did not start:"; cat "$data/endpoint.log"; exit 1; }

r() { printf '\n$ recoup %s\n' "$*"; "$bin/recoup" --data-dir "$data/device" "$@"; }
# The id of a new generation, read from the JSON output (no jq or python needed).
id_of() { "$bin/recoup" --data-dir "$data/device" --json "$@" | grep -m1 '"generation_id"' | cut -d'"' -f4; }

step "Walkthrough (device data in $data/device)"
r login --endpoint "http://127.0.0.1:$port" --create
ids=()
for f in virtual_model flat_lay ghost_mannequin edit_with_ai recolor logo; do ids+=("$(id_of generate --feature "$f")"); done
shadows=$(id_of generate --feature ai_shadows)
r history
r check "${ids[0]}"
r check "$shadows"
r network off
for id in "${ids[@]}"; do
  "$bin/recoup" --data-dir "$data/device" report "$id" --reason blank_or_corrupted \
    --details "The result is unusable" >/dev/null 2>&1 || true
done
r report "$shadows" --reason wrong_subject --details "The shadow falls on the wrong side" || true
r claims
r network on
r claims
r balance
r account
r ledger --verify
printf '\nOutputs of the generations are in %s/device/outputs. The endpoint keeps running until you\n' "$data"
printf 'press Enter (admin token: tour-Adm1n-7Kq9xZ2pLw4Rv8Nc, claims in review: curl -H "Authorization: Bearer tour-Adm1n-7Kq9xZ2pLw4Rv8Nc" http://127.0.0.1:%s/v1/admin/reviews).\n' "$port"
if [ -t 0 ] && [ -z "${CI:-}" ]; then read -r _; fi
