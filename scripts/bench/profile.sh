#!/usr/bin/env bash
# Where the time goes in the scenarios that miss their targets: runs one under `perf record` and prints
# the hottest functions, with the server's own timings from /metrics (mean Raft commit, mean API call).
#   bash scripts/bench/profile.sh activity    # activity round trip, one worker, one node
#   bash scripts/bench/profile.sh workflow3   # workflow load on a three-node cluster (every process)
#   bash scripts/bench/profile.sh tokens      # 1,000,000 token actors timing out (benches/token_actors.rs)
# Env: DURATION (10s), CONNECTIONS (64, workflow3), TOP (30 lines of the profile). Needs perf.
source "$(dirname "$0")/common.sh"
scenario="${1:?usage: profile.sh activity|workflow3|tokens}"
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
  *)
    echo "unknown scenario '$scenario' (activity, workflow3 or tokens)" >&2; exit 2
    ;;
esac
