#!/usr/bin/env bash
# Runs the Recoup desktop app. On a fresh Debian 12 machine it installs what is missing first (as
# root, or with sudo), builds the UI and the app (release), and starts it with its own sandbox
# endpoint inside (on loopback), so everything works with no server to set up: a starting
# allowance, generations with real images (some deliberately bad, some failing technically),
# "Bad result" reports decided at once, offline and back.
#
# Usage: bash scripts/run.sh [DATA_DIR]
#   DATA_DIR defaults to the platform's app data folder (~/.local/share/app.recoup.desktop).
#   Without a display (a server, CI) it runs under a virtual display (Xvfb), saves a screenshot
#   to target/run-screenshot.png after start-up and keeps running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_build_tools
ensure_app_build_deps
build_ui
step "Building the app (release, as shipped: the UI embedded; the first build takes a few minutes)"
cargo build --release --locked -p recoup-desktop --features tauri/custom-protocol
app="$PWD/target/release/recoup-app"

if [ -n "${1:-}" ]; then
  mkdir -p "$1"
  export RECOUP_DATA_DIR="$(cd "$1" && pwd)"
fi
step "Starting Recoup (data: ${RECOUP_DATA_DIR:-the app data folder}; log: target/run.log)"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$app"
fi

apt_install xvfb imagemagick
echo "No display here: running under a virtual display (Xvfb). Stop with Ctrl-C."
display=":$(( 90 + RANDOM % 400 ))"
Xvfb "$display" -screen 0 1200x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill "${app_pid:-}" "$xvfb" 2>/dev/null || true' EXIT INT TERM
sleep 1
DISPLAY="$display" "$app" >target/run.log 2>&1 &
app_pid=$!
sleep 6
if ! kill -0 "$app_pid" 2>/dev/null; then
  echo "error: the app stopped during start-up; its log:" >&2
  cat target/run.log >&2
  exit 1
fi
DISPLAY="$display" import -window root target/run-screenshot.png
echo "Running. A screenshot of the window: target/run-screenshot.png"
wait "$app_pid"
