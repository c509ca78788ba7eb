#!/usr/bin/env bash
# Where the time goes in the scenarios that miss their targets: runs one under `perf record` and prints
# the hottest functions, with the server's own timings from /metrics (mean Raft commit, mean API call).
#   bash scripts/bench/profile.sh activity    # activity round trip, one worker, one node
#   bash scripts/bench/profile.sh workflow3   # workflow load on a three-node cluster (every process)
#   bash scripts/bench/profile.sh tokens      # 1,000,000 token actors timing out (benches/token_actors.rs)
#   bash scripts/bench/profile.sh heartbeat   # SendTaskHeartbeat driven by wrk, against the HTTP floor
# Env: DURATION (10s), CONNECTIONS (64), TOP (30 lines of the profile). Needs perf (and wrk for heartbeat).
source "$(dirname "$0")/common.sh"
scenario="${1:?usage: profile.sh activity|workflow3|tokens|heartbeat}"
DURATION="${DURATION:-10s}" CONNECTIONS="${CONNECTIONS:-64}" TOP="${TOP:-30}"
command -v perf >/dev/null || { echo "perf is needed (apt-get install linux-perf)" >&2; exit 1; }
build
machine

# hottest PERF_DATA SORT : the functions (or processes) with the largest share of samples.
hottest() {
  echo "-- perf samples by $2"
  perf report -i "$1" --no-children -g none --sort "$2" --percent-limit 1 --stdio 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//' | head -n "$TOP"
}

# timings URL : mean duration and count of each API operation and of a Raft commit on that node.
timings() {
  curl -s "$1/metrics" | python3 -c '
import re, sys
sums, counts = {}, {}
for line in sys.stdin:
    m = re.match(r"(statehouse_\w+)_(sum|count)(\{[^}]*\})? ([0-9.e+-]+)$", line.strip())
    if m:
        (sums if m[2] == "sum" else counts)[(m[1], m[3] or "")] = float(m[4])
for key in sorted(counts):
    if counts[key]:
        name, labels = key
        mean = sums.get(key, 0) / counts[key]
        shown = f"{1000 * mean:.3f} ms" if name.endswith("_seconds") else f"{mean:.2f}"
        print(f"  {name}{labels}: {counts[key]:.0f} x {shown} mean")
'
  curl -s "$1/metrics" | grep -E '^statehouse_raft_(log_fsyncs_total|applied_index) ' | sed 's/^/  /'
}

case "$scenario" in
  activity)
    start_statehouse profile; url="$URL"
    perf record -F 999 -g -o "$WORK/perf.data" -p "${PIDS[-1]}" 2>/dev/null &
    perf_pid=$!
    report="$(load activity --endpoint "$url" --duration "$DURATION" -c 1)"
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    printf 'activity round trips: %s, p50 %s ms (hand-off p50 %s ms, heartbeat+success p50 %s ms)\n' \
      "$(jget "$report" .operations)" "$(jget "$report" .latencyMs.p50)" \
      "$(jget "$report" '.otherLatenciesMs["start->task handed out"].p50')" \
      "$(jget "$report" '.otherLatenciesMs["heartbeat+success (worker)"].p50')"
    echo "-- server timings (/metrics)"; timings "$url"
    hottest "$WORK/perf.data" symbol
    ;;
  workflow3)
    start_cluster profile
    perf record -F 499 -g -a -o "$WORK/perf.data" 2>/dev/null &
    perf_pid=$!
    report="$(load workflow "${ENDPOINTS[@]}" --duration "$DURATION" -c "$CONNECTIONS")"
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    printf 'workflow on 3 nodes: %s transitions/s, %s errors\n' "$(jget "$report" '.figures["transitions/s"]')" \
      "$(jget "$report" .errors)"
    for url in $(printf '%s\n' "${ENDPOINTS[@]}" | grep http); do echo "-- $url timings (/metrics)"; timings "$url"; done
    hottest "$WORK/perf.data" comm
    hottest "$WORK/perf.data" symbol
    ;;
  tokens)
    (cd "$ROOT" && cargo bench --quiet --bench token_actors --no-run)
    bench="$(cd "$ROOT" && cargo bench --bench token_actors --no-run --message-format=json 2>/dev/null \
      | jq -r 'select(.executable != null and (.target.kind | index("bench"))) | .executable')"
    perf record -F 499 -g -o "$WORK/perf.data" -- "$bench" 1000000 2>"$WORK/perf.err"
    hottest "$WORK/perf.data" symbol
    ;;
  heartbeat)
    command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
    start_floor; floor_url="$URL" floor_pid="${PIDS[-1]}"
    start_statehouse profile; url="$URL" pid="${PIDS[-1]}"
    python3 "$ROOT/scripts/bench/open_tasks.py" --endpoint "$url" --tasks 1000 --out "$WORK/tokens.txt"
    seconds="${DURATION%s}"
    # drive URL : wrk posting heartbeats to URL for DURATION; prints the requests it completed.
    drive() {
      wrk -t1 -c "$CONNECTIONS" -d "$DURATION" -s "$ROOT/scripts/bench/heartbeat.lua" "$1" -- "$WORK/tokens.txt" \
        | sed -n 's/^WRK_JSON //p' | jq .requests
    }
    # cost NAME PID URL : the server's CPU time and context switches per request, measured by perf stat.
    cost() {
      perf stat -x, -e task-clock,context-switches -p "$2" -o "$WORK/$1.stat" -- sleep "$seconds" >/dev/null &
      local stat=$! requests
      requests="$(drive "$3")"; wait "$stat" || true
      awk -F, -v n="$requests" -v name="$1" '/task-clock/ {cpu = $1} /context-switches/ {cs = $1}
        END {printf "%-10s %d requests, %.1f us of server CPU and %.2f context switches per request\n", name, n, 1000 * cpu / n, cs / n}' \
        "$WORK/$1.stat"
    }
    echo "-- cost per request (wrk, heartbeat.lua, $CONNECTIONS connections)"
    cost floor "$floor_pid" "$floor_url"
    cost heartbeat "$pid" "$url"
    perf stat --per-thread -e task-clock -p "$pid" -o "$WORK/threads.stat" -- sleep "$seconds" >/dev/null &
    stat=$!
    perf record -F 499 --call-graph dwarf,32768 -o "$WORK/perf.data" -p "$pid" -- sleep "$seconds" >/dev/null 2>&1 &
    perf_pid=$!
    drive "$url" >/dev/null; wait "$stat" "$perf_pid" || true
    echo "-- server threads by CPU (the two busiest serve HTTP; the token actors run on the others)"
    grep msec "$WORK/threads.stat" | sort -k2 -g -r | awk '$2 > 1 {printf "  %-28s %8.0f ms\n", $1, $2}'
    echo "-- share of the server's samples, inclusive"
    perf report -i "$WORK/perf.data" --children --sort symbol --stdio -g none 2>/dev/null \
      | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//' \
      | grep -E 'protocol::run::\{\{closure\}\}$|ExecutionSupervisor::heartbeat_here|AddressSender<A>::try_send|TokenVerifier::verify|api::protocol::parse|metrics::record_request|ok_response|Arn::parse' \
      | awk '{share = $1; $1 = $2 = $3 = ""; sub(/^ +/, ""); printf "  %7s  %s\n", share, $0}'
    ;;
  *)
    echo "unknown scenario '$scenario' (activity, workflow3, tokens or heartbeat)" >&2; exit 2
    ;;
esac
