#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a bounded time each and reports executions and crashes.
#
#   bash scripts/fuzz.sh                      # every target, SECONDS_PER_TARGET (default 60) each
#   SECONDS_PER_TARGET=600 bash scripts/fuzz.sh json_path intrinsic
#
# Needs a nightly toolchain; installs cargo-fuzz if missing. Builds into FUZZ_TARGET_DIR (default
# fuzz/target), never the main build's target dir. New corpus entries go to fuzz/corpus-run/<target>;
# the committed seeds in fuzz/corpus/<target> are only read. Crash inputs land in fuzz/artifacts/<target>.
# FUZZ_SANITIZER (default none) picks the sanitizer, e.g. address. An input that runs longer than
# FUZZ_TIMEOUT seconds (default 10) counts as a crash. Exits non-zero if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${SECONDS_PER_TARGET:-60}"
sanitizer="${FUZZ_SANITIZER:-none}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# Overflow checks and debug assertions on, optimized: an arithmetic overflow counts as a crash.
flags=(--debug-assertions --sanitizer "$sanitizer")
if [ "${#targets[@]}" -gt 1 ]; then
    cargo +nightly fuzz build "${flags[@]}"
else
    cargo +nightly fuzz build "${flags[@]}" "${targets[0]}"
fi

mkdir -p logs
failed=0
summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus-run/$target" "corpus/$target"
    log="logs/$target.log"
    echo "== $target: ${seconds}s"
    status=0
    cargo +nightly fuzz run "${flags[@]}" "$target" "corpus-run/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 >"$log" 2>&1 || status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    if [ "$status" -eq 0 ]; then
        result="ok"
    else
        result="CRASHED (exit $status, see $PWD/$log and $PWD/artifacts/$target)"
        failed=1
        grep -m 1 -A 12 -E "panicked|ERROR: libFuzzer|deadly signal" "$log" || tail -n 20 "$log"
    fi
    line="$target: ${execs:-?} executions, ${rate:-?} exec/s: $result"
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
