#!/usr/bin/env bash
# Builds the desktop app's Debian package with the Tauri CLI and checks it: lists it, installs it
# (apt-get, which also brings its dependencies), starts the installed /usr/bin/recoup-app under a
# virtual display on a fresh data dir, then removes the package again. On a fresh Debian 12 machine
# it installs what is missing first (as root, or with sudo). Needs Node 20 or newer (UI build and
# the Tauri CLI, a dev dependency in ui/package.json).
#
# Usage: bash scripts/bundle.sh [--no-install]
#   --no-install: build and list the .deb, and run its binary from an extracted copy instead of
#   installing it.
# A one-step `tauri build` does not work here: the CLI treats the folder holding tauri.conf.json
# (the repository root, a workspace manifest) as the app crate. So: cargo builds the app as
# `tauri build` would (release, feature tauri/custom-protocol), then `tauri bundle` packages it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

install=1
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    *) echo "error: unknown argument '$arg' (usage: bash scripts/bundle.sh [--no-install])" >&2; exit 2 ;;
  esac
done

ensure_build_tools
apt_install libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev xvfb binutils file
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
release="$CARGO_TARGET_DIR/release"

step "Building the UI (ui/dist) and installing the Tauri CLI (ui/node_modules)"
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "error: the UI build needs Node 20 or newer (node: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
( cd ui && { [ -x node_modules/.bin/vite ] && [ -x node_modules/.bin/tauri ] || npm ci; } && npm run build )

step "Building the app (release, feature tauri/custom-protocol as tauri build does)"
cargo build --release --locked -p recoup-desktop --features tauri/custom-protocol
bin="$release/recoup-app"
strip -o "$release/recoup-app.stripped" "$bin"

step "Bundling the .deb (tauri bundle --bundles deb)"
rm -rf "$release/bundle/deb"
ui/node_modules/.bin/tauri bundle --bundles deb --config tauri.conf.json
deb=$(ls "$release"/bundle/deb/*.deb)
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb"

printf '\nrelease binary: %s bytes (%s)\n' "$(stat -c %s "$bin")" "$bin"
printf 'stripped:       %s bytes\n' "$(stat -c %s "$release/recoup-app.stripped")"
printf '.deb:           %s bytes (%s)\n' "$(stat -c %s "$deb")" "$deb"

tmp=$(mktemp -d -t recoup-bundle-XXXXXX)
if [ "$install" -eq 1 ]; then
  step "Installing the .deb (apt-get install ./$(basename "$deb"))"
  cp "$deb" "$tmp/"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tmp/$(basename "$deb")"
  app=/usr/bin/recoup-app
  package=$(dpkg-deb --field "$deb" Package)
else
  step "Extracting the .deb (dpkg-deb -x)"
  dpkg-deb -x "$deb" "$tmp/root"
  app="$tmp/root/usr/bin/recoup-app"
fi
file "$app"

step "Starting $app under Xvfb on a fresh data dir"
display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x1024x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb=$!
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  if [ "$install" -eq 1 ] && [ -n "${package:-}" ]; then
    as_root dpkg -r "$package" >/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
sleep 1
DISPLAY=":$display" RECOUP_DATA_DIR="$tmp/data" RECOUP_NO_KEYCHAIN=1 "$app" >"$tmp/app.log" 2>&1 &
app_pid=$!
ok=0
for _ in $(seq 1 150); do
  if [ -f "$tmp/data/profiles/embedded/ledger.sqlite3" ] && grep -q "embedded sandbox endpoint listening" "$tmp/app.log"; then ok=1; break; fi
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.1
done
sleep 3
if [ "$ok" -eq 1 ] && kill -0 "$app_pid" 2>/dev/null; then
  echo "The installed app started: embedded endpoint listening, ledger created, still running after 3 s."
  pgrep -a -P "$app_pid" || true
else
  echo "error: the installed app did not start; its output:" >&2
  cat "$tmp/app.log" >&2
  exit 1
fi
