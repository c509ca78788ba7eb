#!/usr/bin/env bash
# Restart after kill -9 with EVENTS history events (default 1,000,000) and OPEN parked executions (1,000) on
# disk: time until the node serves calls again and its RSS. Targets: <= 5 s, <= 300 MB.
source "$(dirname "$0")/common.sh"
build
machine
python3 "$ROOT/scripts/bench/restart.py" --bin "$BIN" --events "${EVENTS:-1000000}" --open "${OPEN:-1000}"
