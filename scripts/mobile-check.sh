#!/usr/bin/env bash
# Checks that the app compiles for Android (aarch64-linux-android) without building an APK:
# `cargo clippy` (a superset of `cargo check`, warnings are errors) on recoup-desktop and every
# workspace crate it uses, so the cfg(mobile) / target_os = "android" paths are type-checked and
# linted (no embedded endpoint, no keyring, the mobile entry point). Nothing is linked, so the
# Android NDK is not needed.
#
# Build scripts still compile C for the target (ring through rustls/reqwest, SQLite through
# rusqlite's "bundled" feature). Without the NDK they use Debian's clang with
# --target=aarch64-linux-android24 and, since Debian ships no Bionic headers, the aarch64 glibc
# headers of libc6-dev-arm64-cross. Those C objects are never linked by a check and are not the
# ones an APK would contain: real Android builds need the NDK (see docs/mobile.md). With NDK_HOME
# set to an NDK, its own clang and sysroot are used instead.
#
# iOS cannot be checked on Linux: cc-rs needs Xcode's `xcrun` for the iOS SDK (docs/mobile.md).
#
# On a fresh Debian 12 it installs what is missing (as root, or with sudo) and adds the rustup
# target. Uses the shared target dir ($CARGO_TARGET_DIR, else ./target).
# Usage: bash scripts/mobile-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

target=aarch64-linux-android
api=24 # minSdk of the project `tauri android init` generates

ensure_build_tools
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! rustup target list --installed | grep -qx "$target"; then
  step "Adding the Rust target $target"
  rustup target add "$target"
fi

ndk_bin="${NDK_HOME:+$NDK_HOME/toolchains/llvm/prebuilt/linux-x86_64/bin}"
if [ -n "$ndk_bin" ] && [ -x "$ndk_bin/$target$api-clang" ]; then
  step "C for $target: the NDK's clang ($ndk_bin)"
  export CC_aarch64_linux_android="${CC_aarch64_linux_android:-$ndk_bin/$target$api-clang}"
  export AR_aarch64_linux_android="${AR_aarch64_linux_android:-$ndk_bin/llvm-ar}"
else
  apt_install clang llvm libc6-dev-arm64-cross
  step "C for $target: Debian's clang with aarch64 glibc headers (no NDK; checked, never linked)"
  export CC_aarch64_linux_android="${CC_aarch64_linux_android:-clang}"
  export AR_aarch64_linux_android="${AR_aarch64_linux_android:-llvm-ar}"
  export CFLAGS_aarch64_linux_android="${CFLAGS_aarch64_linux_android:---target=$target$api -nostdlibinc -isystem /usr/aarch64-linux-gnu/include}"
fi

step "Checking recoup-desktop for $target (cargo clippy, warnings are errors)"
start=$SECONDS
if ! cargo clippy -p recoup-desktop --target "$target" --locked -- -D warnings; then
  echo "error: recoup-desktop does not compile (or has warnings) for $target; see above." >&2
  echo "       Mobile builds leave out the embedded endpoint and the keychain: check the" >&2
  echo "       cfg(mobile) / target_os paths in src-tauri and crates/recoup-app." >&2
  exit 1
fi
echo "mobile check ($target): passed in $((SECONDS - start)) s"
