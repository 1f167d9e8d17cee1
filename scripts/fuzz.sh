#!/usr/bin/env bash
# Coverage-guided fuzzing of Recoup's parsers and verifiers (docs/fuzzing.md), on the stable
# toolchain: cargo-fuzz's libFuzzer with `--sanitizer none` (no -Z flag, no nightly).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each target (all five if none is named) for SECONDS (default 30) one after another,
# starting from the committed seeds in fuzz/corpus/TARGET plus what earlier runs found in
# target/fuzz-corpus/TARGET (the committed corpus is never written to). FUZZ_RUNS=N also stops a
# target after N executions. A crash is saved under fuzz/artifacts/TARGET/ and the script exits 1;
# replay it with `cargo fuzz run --sanitizer none --features libfuzzer TARGET FILE` from fuzz/.
# Installs cargo-fuzz (from crates.io) if it is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-30}"
shift || true
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then
    TARGETS=(documents signed_policy api_bodies change_pages image_inspection)
fi
CARGO_FUZZ_VERSION=0.13.2

# shellcheck source=lib.sh
source "$ROOT/scripts/lib.sh"
ensure_build_tools
# libfuzzer-sys compiles libFuzzer's C++.
command -v c++ >/dev/null || apt_install g++

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# The fuzz build instruments every crate with its own flags: keep it out of a build directory
# shared with ordinary builds. It lands in target/x86_64-unknown-linux-gnu/, apart from target/debug.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$ROOT/target}"
unset CARGO_BUILD_BUILD_DIR
FLAGS=(--sanitizer none --features libfuzzer)

cd "$ROOT/fuzz"
# Release with debug assertions and overflow checks (cargo-fuzz's default without -O): an
# arithmetic overflow in the ledger is a finding, not a wrap.
cargo fuzz build "${FLAGS[@]}"

EXTRA=()
if [ -n "${FUZZ_RUNS:-}" ]; then
    EXTRA+=("-runs=$FUZZ_RUNS")
fi

failed=()
summary=()
for target in "${TARGETS[@]}"; do
    work="$CARGO_TARGET_DIR/fuzz-corpus/$target"
    artifacts="$ROOT/fuzz/artifacts/$target"
    log="$CARGO_TARGET_DIR/fuzz-logs/$target.log"
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    echo "fuzz: $target for ${SECONDS_EACH}s (log: $log)"
    if cargo fuzz run "${FLAGS[@]}" "$target" "$work" "$ROOT/fuzz/corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 "${EXTRA[@]}" >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
        tail -n 40 "$log"
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)
    summary+=("$(printf '%-18s %-7s runs=%-10s exec/s=%-7s %s' "$target" "$status" "${runs:-?}" "${speed:-?}" "${cov:-}")")
done

echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz: ${#TARGETS[@]} passed, 0 failed"
