#!/usr/bin/env bash
# Batched heartbeats vs single ones, in the same run against the same server: `statehouse load heartbeat`
# first sends one SendTaskHeartbeat per request, then `Statehouse.SendTaskHeartbeats` with BATCH tokens per
# request, each time over TASKS open tokens (heartbeated round-robin), and prints heartbeats/s of each and
# their ratio (target >= 10). Each run opens its own TASKS tasks and completes them at its end, so TASKS
# tokens are open while it measures.
# Env: TASKS (100000), BATCH (100), DURATION (10s), CONNECTIONS (64), THREADS (1: load --threads),
# HEARTBEAT_SECONDS (600: no token may expire while the others are being opened). Needs jq and bc.
source "$(dirname "$0")/common.sh"
TASKS="${TASKS:-100000}" BATCH="${BATCH:-100}" DURATION="${DURATION:-10s}" CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}" HEARTBEAT_SECONDS="${HEARTBEAT_SECONDS:-600}"
build
machine
start_statehouse hb-batch; url="$URL"

# run [ARGS...] : one heartbeat run over TASKS fresh tokens; prints its JSON report.
run() {
  load heartbeat --endpoint "$url" --duration "$DURATION" -c "$CONNECTIONS" --threads "$THREADS" -n "$TASKS" \
    --heartbeat-seconds "$HEARTBEAT_SECONDS" "$@"
}

# show NAME REPORT : one line of figures.
show() {
  printf '%-32s %10.0f heartbeats/s  (%8.0f requests/s, p50 %s ms, p99 %s ms, errors %s, %s timed out)\n' "$1" \
    "$(jget "$2" '.figures.heartbeatsPerSecond')" "$(jget "$2" .throughputPerSecond)" \
    "$(jget "$2" .latencyMs.p50)" "$(jget "$2" .latencyMs.p99)" "$(jget "$2" '.errorsByCode | tostring')" \
    "$(jget "$2" '.figures["executions failed/timed out"]')"
}

single="$(run)"
show "SendTaskHeartbeat:" "$single"
batched="$(run --batch "$BATCH")"
show "SendTaskHeartbeats (batch $BATCH):" "$batched"
ratio="$(echo "$(jget "$batched" '.figures.heartbeatsPerSecond') / $(jget "$single" '.figures.heartbeatsPerSecond')" | bc -l)"
verdict="$(echo "$ratio >= 10" | bc -l | sed 's/1/MET/;s/0/MISSED/')"
printf 'open tokens: %s; batched / single: %.1fx (target >= 10): %s\n' "$TASKS" "$ratio" "$verdict"
