#!/usr/bin/env bash
# Heartbeat ingestion vs the HTTP floor, and the load tool vs wrk, on the same machine with the same
# connections and generator threads. Each round measures, side by side:
#   wrk on the floor, `statehouse load raw` on the floor,
#   wrk (heartbeat.lua, a pool of tokens opened by open_tasks.py) on statehouse,
#   `statehouse load heartbeat` on statehouse,
# and prints three ratios: load tool / wrk on the floor (target >= 0.9), heartbeat / floor driven by wrk
# (target >= 0.9) and heartbeat / floor driven by the load tool (target >= 0.9). The summary gives each
# ratio over all rounds (summed rates) and its range over the rounds.
# Env: ROUNDS (3), DURATION (8s), CONNECTIONS (64), TASKS (1000), THREADS (1: wrk -t and load --threads).
# Needs wrk (apt-get install wrk), jq and bc.
source "$(dirname "$0")/common.sh"
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-8s}" CONNECTIONS="${CONNECTIONS:-64}" TASKS="${TASKS:-1000}"
THREADS="${THREADS:-1}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
build
machine
start_floor; floor_url="$URL"
start_statehouse hb; statehouse_url="$URL"
python3 "$ROOT/scripts/bench/open_tasks.py" --endpoint "$statehouse_url" --tasks "$TASKS" --out "$WORK/tokens.txt"

# wrk_rate URL : requests/s of wrk posting heartbeats (tokens in turn) to URL; non-2xx answers fail the run.
wrk_rate() {
  local summary
  summary="$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" -s "$ROOT/scripts/bench/heartbeat.lua" "$1" \
    -- "$WORK/tokens.txt" | sed -n 's/^WRK_JSON //p')"
  if [ "$(jget "$summary" '.non2xx + .connectErrors + .readErrors + .writeErrors + .timeouts')" != 0 ]; then
    echo "wrk against $1 saw errors: $summary" >&2; exit 1
  fi
  jget "$summary" .perSecond
}

ratio() { echo "$1 / $2" | bc -l; }
verdict() { echo "$1 >= 0.9" | bc -l | sed 's/1/MET/;s/0/MISSED/'; }
sums=(0 0 0 0) tool_wrk=() hb_wrk=() hb_tool=()
for round in $(seq "$ROUNDS"); do
  wrk_floor="$(wrk_rate "$floor_url")"
  floor="$(load raw --endpoint "$floor_url" --duration "$DURATION" -c "$CONNECTIONS" --threads "$THREADS")"
  wrk_hb="$(wrk_rate "$statehouse_url")"
  hb="$(load heartbeat --endpoint "$statehouse_url" --duration "$DURATION" -c "$CONNECTIONS" --threads "$THREADS" \
    -n "$TASKS")"
  tool_floor="$(jget "$floor" .throughputPerSecond)" tool_hb="$(jget "$hb" .throughputPerSecond)"
  printf 'round %s: floor: wrk %.0f req/s, load tool %.0f req/s (p50 %s ms, p99 %s ms, errors %s)\n' "$round" \
    "$wrk_floor" "$tool_floor" "$(jget "$floor" .latencyMs.p50)" "$(jget "$floor" .latencyMs.p99)" \
    "$(jget "$floor" '.errorsByCode | tostring')"
  printf '         heartbeat: wrk %.0f/s, load tool %.0f/s (p50 %s ms, p99 %s ms, errors %s, %s timed out)\n' \
    "$wrk_hb" "$tool_hb" "$(jget "$hb" .latencyMs.p50)" "$(jget "$hb" .latencyMs.p99)" \
    "$(jget "$hb" '.errorsByCode | tostring')" "$(jget "$hb" '.figures["executions failed/timed out"]')"
  tool_wrk+=("$(ratio "$tool_floor" "$wrk_floor")") hb_wrk+=("$(ratio "$wrk_hb" "$wrk_floor")")
  hb_tool+=("$(ratio "$tool_hb" "$tool_floor")")
  printf '         ratios: load tool/wrk %.3f, heartbeat/floor (wrk) %.3f, heartbeat/floor (load tool) %.3f\n' \
    "${tool_wrk[-1]}" "${hb_wrk[-1]}" "${hb_tool[-1]}"
  sums=("$(echo "${sums[0]} + $wrk_floor" | bc -l)" "$(echo "${sums[1]} + $tool_floor" | bc -l)"
    "$(echo "${sums[2]} + $wrk_hb" | bc -l)" "$(echo "${sums[3]} + $tool_hb" | bc -l)")
done

# summary NAME OVERALL VALUES... : the overall ratio, its range over the rounds and the verdict.
summary() {
  local name="$1" overall="$2"; shift 2
  local range
  range="$(printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | xargs printf '%.3f ' | sed 's/ $//;s/ /–/')"
  printf '%-40s %.3f (rounds %s; target >= 0.9): %s\n' "$name" "$overall" "$range" "$(verdict "$overall")"
}
summary "load tool / wrk on the floor:" "$(ratio "${sums[1]}" "${sums[0]}")" "${tool_wrk[@]}"
summary "heartbeat / floor, driven by wrk:" "$(ratio "${sums[2]}" "${sums[0]}")" "${hb_wrk[@]}"
summary "heartbeat / floor, driven by load tool:" "$(ratio "${sums[3]}" "${sums[1]}")" "${hb_tool[@]}"
