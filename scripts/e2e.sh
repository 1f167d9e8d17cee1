#!/usr/bin/env bash
# End-to-end test of the desktop app: the built app (target/debug/recoup-app) in the real WebKit,
# driven through tauri-driver and WebKitWebDriver under a virtual display (Xvfb). On a fresh
# Debian 12 machine it installs what is missing first (as root, or with sudo).
#
# Usage: bash scripts/e2e.sh [--update-screenshots]
#   The caller builds the app first: cargo build -p recoup-desktop (scripts/test.sh does).
#   Screenshots of every screen land in target/e2e-screenshots/; --update-screenshots also copies
#   the main ones into docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

update_screenshots=0
for arg in "$@"; do
  case "$arg" in
    --update-screenshots) update_screenshots=1 ;;
    *) echo "error: unknown argument '$arg' (usage: bash scripts/e2e.sh [--update-screenshots])" >&2; exit 2 ;;
  esac
done

ensure_build_tools

step "E2E prerequisites: Xvfb, WebKitWebDriver, WebKitGTK, ImageMagick, D-Bus, dunst, tauri-driver"
apt_install xvfb webkit2gtk-driver libwebkit2gtk-4.1-dev imagemagick dbus dunst
ensure_tauri_driver
command -v WebKitWebDriver >/dev/null || {
  echo "error: WebKitWebDriver is not on PATH although webkit2gtk-driver is installed" >&2; exit 1; }

target_dir="${CARGO_TARGET_DIR:-target}"
app="$target_dir/debug/recoup-app"
if [ ! -x "$app" ]; then
  echo "error: the desktop app is not built: $app is missing." >&2
  echo "       Build it first with: cargo build -p recoup-desktop (it needs ui/dist: cd ui && npm ci && npm run build)" >&2
  exit 1
fi

step "E2E test: the app in WebKit through tauri-driver, under Xvfb"
rm -rf "$target_dir/e2e-screenshots"
start=$(date +%s)
# -a picks a free display; the screen is large enough for the desktop layout. A D-Bus session bus
# of its own: the app keeps one instance per data folder through it (a second launch hands over).
xvfb-run -a -s "-screen 0 1280x900x24" \
  dbus-run-session -- cargo test -p recoup-tests --test e2e --locked -- --test-threads=1 --nocapture
echo "E2E wall time: $(( $(date +%s) - start )) s; screenshots in $target_dir/e2e-screenshots/"

if [ "$update_screenshots" -eq 1 ]; then
  step "Copying the main screenshots into docs/screenshots/"
  mkdir -p docs/screenshots
  for name in balance history claim-eligible claim-ineligible claim-with-output ledger sync qa phone-dark-history phone-dark-claim fr-history fr-claim deep-link-report; do
    cp "$target_dir/e2e-screenshots/$name.png" "docs/screenshots/$name.png"
  done
fi
