#!/usr/bin/env bash
# Heartbeat ingestion vs the HTTP floor, same machine, same client and connection count.
# Target: heartbeats/s / floor requests/s >= 0.8. Rounds alternate floor and statehouse so that
# background noise hits both; the ratio of the summed rates is reported.
# Env: ROUNDS (3), DURATION (8s), CONNECTIONS (64), TASKS (1000).
source "$(dirname "$0")/common.sh"
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-8s}" CONNECTIONS="${CONNECTIONS:-64}" TASKS="${TASKS:-1000}"
build
machine
start_floor; floor_url="$URL"
start_statehouse hb; statehouse_url="$URL"
floor_sum=0 hb_sum=0
for round in $(seq "$ROUNDS"); do
  floor="$(load raw --endpoint "$floor_url" --duration "$DURATION" -c "$CONNECTIONS")"
  hb="$(load heartbeat --endpoint "$statehouse_url" --duration "$DURATION" -c "$CONNECTIONS" -n "$TASKS")"
  f="$(jget "$floor" .throughputPerSecond)" h="$(jget "$hb" .throughputPerSecond)"
  errors="$(jget "$hb" .errors)" lost="$(jget "$hb" '.figures["executions failed/timed out"]')"
  printf 'round %s: floor %.0f req/s (p50 %s ms, p99 %s ms)  heartbeat %.0f/s (p50 %s ms, p99 %s ms, %s errors, %s timed out)\n' \
    "$round" "$f" "$(jget "$floor" .latencyMs.p50)" "$(jget "$floor" .latencyMs.p99)" \
    "$h" "$(jget "$hb" .latencyMs.p50)" "$(jget "$hb" .latencyMs.p99)" "$errors" "$lost"
  floor_sum="$(echo "$floor_sum + $f" | bc -l)" hb_sum="$(echo "$hb_sum + $h" | bc -l)"
done
ratio="$(echo "$hb_sum / $floor_sum" | bc -l)"
printf 'heartbeat/floor ratio: %.3f (target >= 0.8): %s\n' "$ratio" "$(echo "$ratio >= 0.8" | bc -l | sed 's/1/MET/;s/0/MISSED/')"
