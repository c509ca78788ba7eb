#!/usr/bin/env bash
# State transitions/s on one node (default 10-state Pass/Choice chain), side by side with the HTTP floor
# measured in the same run. Target: >= 20,000 transitions/s.
# Env: DURATION (15s), CONNECTIONS (64).
source "$(dirname "$0")/common.sh"
DURATION="${DURATION:-15s}" CONNECTIONS="${CONNECTIONS:-64}"
build
machine
start_floor; floor_url="$URL"
start_statehouse wf; statehouse_url="$URL"
floor="$(load raw --endpoint "$floor_url" --duration "$DURATION" -c "$CONNECTIONS")"
wf="$(load workflow --endpoint "$statehouse_url" --duration "$DURATION" -c "$CONNECTIONS")"
f="$(jget "$floor" .throughputPerSecond)"
t="$(jget "$wf" '.figures["transitions/s"]')"
printf 'floor: %.0f req/s\n' "$f"
printf 'workflow: %s executions/s, %s transitions/execution, %s transitions/s, %s errors; start->stop p50 %s ms, p99 %s ms\n' \
  "$(jget "$wf" '.figures["executions/s"]')" "$(jget "$wf" '.figures["transitions per execution"]')" "$t" \
  "$(jget "$wf" .errors)" "$(jget "$wf" .latencyMs.p50)" "$(jget "$wf" .latencyMs.p99)"
printf 'transitions/s vs target 20000: %.3f (%s)\n' "$(echo "$t / 20000" | bc -l)" \
  "$(echo "$t >= 20000" | bc -l | sed 's/1/MET/;s/0/MISSED/')"
printf 'transitions/s vs floor req/s: %.3f\n' "$(echo "$t / $f" | bc -l)"
