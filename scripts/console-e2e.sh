#!/usr/bin/env bash
# End-to-end test of the operator console (docs/console.md) in a real browser: Debian's Chromium
# driven by playwright-core (ui/e2e/console.e2e.mjs) against the real endpoint
# (target/debug/recoup-server, a sandbox on SQLite) and a real device (target/debug/recoup).
# On a fresh Debian 12 machine it installs Chromium first (as root, or with sudo).
#
# Usage: bash scripts/console-e2e.sh [--update-screenshots]
#   The UI must be built (cd ui && npm ci && npm run build; scripts/test.sh does). Screenshots
#   land in target/console-e2e-screenshots/; --update-screenshots also copies the main ones into
#   docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

update_screenshots=0
for arg in "$@"; do
  case "$arg" in
    --update-screenshots) update_screenshots=1 ;;
    *) echo "error: unknown argument '$arg' (usage: bash scripts/console-e2e.sh [--update-screenshots])" >&2; exit 2 ;;
  esac
done

ensure_build_tools
ensure_node
apt_install chromium
if [ ! -f ui/dist-console/index.html ] || [ ! -d ui/node_modules/playwright-core ]; then
  echo "error: the console's front end is not built: run 'cd ui && npm ci && npm run build' first" >&2
  exit 1
fi

step "Building the endpoint and the CLI (debug) for the console's end-to-end test"
cargo build --locked -p recoup-server -p recoup-cli

target_dir="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)"
shots="$target_dir/console-e2e-screenshots"
rm -rf "$shots"
step "Console E2E test: Chromium against the endpoint and a device"
start=$(date +%s)
(cd ui && CARGO_TARGET_DIR="$target_dir" SCREENSHOTS="$shots" node e2e/console.e2e.mjs)
echo "Console E2E wall time: $(( $(date +%s) - start )) s; screenshots in $shots/"

if [ "$update_screenshots" -eq 1 ]; then
  step "Copying the console's screenshots into docs/screenshots/"
  mkdir -p docs/screenshots
  for name in console-sign-in console-queue console-decided console-conflict console-narrow-item \
    console-insights console-policy-diff console-account; do
    cp "$shots/$name.png" "docs/screenshots/$name.png"
  done
fi
