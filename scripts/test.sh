#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and SDK integration tests, the AWS CLI and boto3 SWF smoke
# tests, AWS's recorded conformance cases (scripts/conformance.sh), the web console in headless Chromium, and
# each fuzz target for FUZZ_SECONDS seconds (default 10; 0 skips the fuzzers, which need a nightly toolchain).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-tools.sh
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings
cargo build --quiet --bins
cargo nextest run --no-fail-fast
bash scripts/cli-smoke.sh
bash scripts/mock-smoke.sh
bash scripts/swf-smoke.sh
bash scripts/conformance.sh
bash scripts/console-test.sh
fuzz_seconds="${FUZZ_SECONDS:-10}"
if [ "$fuzz_seconds" -gt 0 ]; then
  SECONDS_PER_TARGET="$fuzz_seconds" bash scripts/fuzz.sh
fi
