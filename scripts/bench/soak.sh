#!/usr/bin/env bash
# Soak: the default workflow load for MINUTES minutes (default 10) on one node, then on three, one line per
# minute (transitions/s, p99, errors, RSS, data-directory size, snapshots built) and a verdict: the last
# minute's rate >= 0.9x the first minute's, RSS and disk levelled off, no errors.
# Env: MINUTES (10), NODES (1,3), CONNECTIONS (64); extra arguments go to soak.py (e.g. --config-line).
source "$(dirname "$0")/common.sh"
build
machine
python3 "$ROOT/scripts/bench/soak.py" --bin "$BIN" --minutes "${MINUTES:-10}" --nodes "${NODES:-1,3}" \
  --connections "${CONNECTIONS:-64}" "$@"
