#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and SDK integration tests, and the AWS CLI smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings
cargo build --quiet --bins
cargo nextest run --no-fail-fast
bash scripts/cli-smoke.sh
