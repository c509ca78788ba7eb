#!/usr/bin/env bash
# State transitions/s of the default 10-state Pass/Choice chain on one node and on a three-node cluster
# on this machine, side by side with the HTTP floor measured in the same run.
# Targets: >= 20,000 transitions/s on one node, >= 10,000 on three.
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

# The same load spread over the three nodes of a cluster (the one-node server is stopped first).
kill "${PIDS[1]}"
start_cluster wf3
wf3="$(load workflow "${ENDPOINTS[@]}" --duration "$DURATION" -c "$CONNECTIONS")"
t3="$(jget "$wf3" '.figures["transitions/s"]')"
printf 'workflow on 3 nodes: %s executions/s, %s transitions/s, %s errors; start->stop p50 %s ms, p99 %s ms\n' \
  "$(jget "$wf3" '.figures["executions/s"]')" "$t3" "$(jget "$wf3" .errors)" \
  "$(jget "$wf3" .latencyMs.p50)" "$(jget "$wf3" .latencyMs.p99)"
printf '3-node transitions/s vs target 10000: %.3f (%s)\n' "$(echo "$t3 / 10000" | bc -l)" \
  "$(echo "$t3 >= 10000" | bc -l | sed 's/1/MET/;s/0/MISSED/')"
printf '3 nodes vs 1 node: %.3f\n' "$(echo "$t3 / $t" | bc -l)"
