#!/usr/bin/env bash
# Failover time (kill -9 of a shard owner under load -> its shards served again), p50/p99 over 20 kills
# of a three-node cluster on loopback. Target: p99 < 3 s.
# Env: KILLS (20), FAILURE_TIMEOUT_MS (1000), LOAD_RATE (200 executions/s in the background).
source "$(dirname "$0")/common.sh"
build
machine
python3 "$ROOT/scripts/bench/failover.py" --bin "$BIN" --kills "${KILLS:-20}" \
  --failure-timeout-ms "${FAILURE_TIMEOUT_MS:-1000}" --load-rate "${LOAD_RATE:-200}"
