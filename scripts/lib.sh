# Shared by scripts/run.sh and scripts/test.sh: progress lines and installing what is missing.

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; run as root or install sudo" >&2; return 1; fi
}

apt_updated=0
apt_install() {
  local missing=()
  # Installed means "install ok installed": a removed package whose config files remain still
  # answers `dpkg -s`, and must be installed again.
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "Installing Debian packages: ${missing[*]}"
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_build_tools() {
  # rusqlite builds its own SQLite (feature "bundled"), so a C compiler is all it needs.
  command -v cc >/dev/null || apt_install build-essential
  command -v pkg-config >/dev/null || apt_install pkg-config
  if ! command -v cargo >/dev/null; then
    # shellcheck disable=SC1091
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  fi
  if ! command -v cargo >/dev/null; then
    echo "error: cargo (Rust 1.95 or newer) is not installed; install it with rustup, then rerun" >&2
    exit 1
  fi
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
  done
}

# The storage fault tests mount filesystems of their own (a tmpfs, an ext4 image on a loop
# device): mount/findmnt (util-linux) and mkfs.ext4/e2fsck (e2fsprogs), present on Debian but
# not on every slimmed-down image.
ensure_fault_test_tools() {
  command -v findmnt >/dev/null || apt_install util-linux mount
  command -v mkfs.ext4 >/dev/null || apt_install e2fsprogs
}

# The PostgreSQL tests (crates/recoup-store-pg) start a server of their own from Debian's
# postgresql package (initdb, pg_ctl); no running service is needed, only the binaries.
ensure_postgres() {
  [ -x /usr/lib/postgresql/15/bin/initdb ] || apt_install postgresql
}

ensure_app_build_deps() {
  # The desktop app links WebKitGTK 4.1 (with GTK 3 and libsoup 3, which it pulls in). No OpenSSL:
  # TLS is rustls.
  apt_install libwebkit2gtk-4.1-dev
}

ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "error: Node.js 20 or newer with npm is needed to build the UI (ui/); install it, then rerun" >&2
    exit 1
  fi
  if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "error: the UI build needs Node.js 20 or newer; this machine has $(node --version)" >&2
    exit 1
  fi
}

# Installs the UI's packages when they are missing or older than package-lock.json ("ci" forces
# a clean install), then builds ui/dist, which the app embeds.
build_ui() {
  ensure_node
  if [ "${1:-}" = "ci" ] || [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    step "Installing the UI's packages (npm ci)"
    (cd ui && npm ci --no-audit --no-fund)
  fi
  step "Building the UI (type check, then vite build into ui/dist)"
  (cd ui && npm run build)
}

# tauri-driver (WebDriver for Tauri apps; it drives WebKitWebDriver), once per machine.
ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    step "Installing tauri-driver (cargo install, about 30 s)"
    cargo install tauri-driver --locked --version '^2'
  fi
}
