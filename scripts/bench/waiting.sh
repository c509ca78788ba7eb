#!/usr/bin/env bash
# StartExecution with 10,000 executions waiting: the rate of StartExecution (a one-state Pass machine,
# closed loop) on an empty node, then after WAITING executions with a 1 KB input have entered a one-hour
# Wait, then after a restart of the node with them still waiting. Target: the rate with executions waiting
# stays >= 0.9x the empty node's.
# Env: WAITING (10000), DURATION (10s), CONNECTIONS (32).
source "$(dirname "$0")/common.sh"
WAITING="${WAITING:-10000}" DURATION="${DURATION:-10s}" CONNECTIONS="${CONNECTIONS:-32}"
build
machine
data="$WORK/data-waiting"
call() {
  curl -sf -X POST "$URL" -H 'Content-Type: application/x-amz-json-1.0' \
    -H "X-Amz-Target: AWSStepFunctions.$1" -d "$2" >/dev/null
}
role='arn:aws:iam::123456789012:role/bench'
machine_arn='arn:aws:states:us-east-1:123456789012:stateMachine'
rate() {
  local report
  report="$(load raw --endpoint "$URL" --operation StartExecution --duration "$DURATION" -c "$CONNECTIONS" \
    --body "{\"stateMachineArn\":\"$machine_arn:pass\"}")"
  if [ "$(jget "$report" .errors)" != "0" ]; then echo "errors: $report" >&2; exit 1; fi
  jget "$report" .throughputPerSecond
}

start_statehouse waiting
call CreateStateMachine "{\"name\":\"pass\",\"roleArn\":\"$role\",\"definition\":\"{\\\"StartAt\\\":\\\"P\\\",\\\"States\\\":{\\\"P\\\":{\\\"Type\\\":\\\"Pass\\\",\\\"End\\\":true}}}\"}"
call CreateStateMachine "{\"name\":\"wait\",\"roleArn\":\"$role\",\"definition\":\"{\\\"StartAt\\\":\\\"W\\\",\\\"States\\\":{\\\"W\\\":{\\\"Type\\\":\\\"Wait\\\",\\\"Seconds\\\":3600,\\\"End\\\":true}}}\"}"
empty="$(rate)"
printf 'StartExecution on an empty node: %.0f/s\n' "$empty"

padding="$(head -c 1000 /dev/zero | tr '\0' 'x')"
input="{\\\"padding\\\":\\\"$padding\\\"}"
started="$(load raw --endpoint "$URL" --operation StartExecution --count "$WAITING" -c "$CONNECTIONS" \
  --body "{\"stateMachineArn\":\"$machine_arn:wait\",\"input\":\"$input\"}")"
if [ "$(jget "$started" .errors)" != "0" ]; then echo "errors: $started" >&2; exit 1; fi
printf '%s waiting executions started at %.0f/s\n' "$WAITING" "$(jget "$started" .throughputPerSecond)"
waiting="$(rate)"
printf 'StartExecution with %s waiting: %.0f/s (%.3fx empty, %s)\n' "$WAITING" "$waiting" \
  "$(echo "$waiting / $empty" | bc -l)" "$(echo "$waiting >= 0.9 * $empty" | bc -l | sed 's/1/MET/;s/0/MISSED/')"
printf 'RSS %s MiB, data directory %s MiB\n' "$(( $(ps -o rss= -p "${PIDS[-1]}") / 1024 ))" "$(du -sm "$data" | cut -f1)"

kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
start_statehouse waiting
restarted="$(rate)"
printf 'StartExecution after a restart with them waiting: %.0f/s (%.3fx empty, %s)\n' "$restarted" \
  "$(echo "$restarted / $empty" | bc -l)" "$(echo "$restarted >= 0.9 * $empty" | bc -l | sed 's/1/MET/;s/0/MISSED/')"
printf 'RSS after restart %s MiB\n' "$(( $(ps -o rss= -p "${PIDS[-1]}") / 1024 ))"
