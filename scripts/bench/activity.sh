#!/usr/bin/env bash
# Activity round trip on one node: StartExecution -> GetActivityTask -> SendTaskHeartbeat ->
# SendTaskSuccess acknowledged, one worker at a time (latency, not throughput). Target: p50 <= 2 ms.
# The floor's p50 for one request at concurrency 1 is measured in the same run as the baseline.
# Env: DURATION (10s), WORKERS (1).
source "$(dirname "$0")/common.sh"
DURATION="${DURATION:-10s}" WORKERS="${WORKERS:-1}"
build
machine
start_floor; floor_url="$URL"
start_statehouse act; statehouse_url="$URL"
floor="$(load raw --endpoint "$floor_url" --duration "$DURATION" -c "$WORKERS")"
act="$(load activity --endpoint "$statehouse_url" --duration "$DURATION" -c "$WORKERS")"
p50="$(jget "$act" .latencyMs.p50)" fp50="$(jget "$floor" .latencyMs.p50)"
printf 'floor: one request p50 %s ms\n' "$fp50"
printf 'activity round trip: %s ok, %s errors; p50 %s ms, p90 %s ms, p99 %s ms (hand-off p50 %s ms, heartbeat+success p50 %s ms)\n' \
  "$(jget "$act" .operations)" "$(jget "$act" .errors)" "$p50" "$(jget "$act" .latencyMs.p90)" "$(jget "$act" .latencyMs.p99)" \
  "$(jget "$act" '.otherLatenciesMs["start->task handed out"].p50')" "$(jget "$act" '.otherLatenciesMs["heartbeat+success (worker)"].p50')"
printf 'round trip p50 / target 2 ms: %.3f (%s); in floor requests: %.1f\n' "$(echo "$p50 / 2" | bc -l)" \
  "$(echo "$p50 <= 2" | bc -l | sed 's/1/MET/;s/0/MISSED/')" "$(echo "$p50 / $fp50" | bc -l)"
