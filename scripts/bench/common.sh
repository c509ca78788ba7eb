# Shared by the bench scripts: release build, servers on free ports, clean-up on exit, JSON figures.
# Source it; it sets ROOT, BIN, FLOOR and WORK and traps EXIT to stop what it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/statehouse"
FLOOR="$TARGET_DIR/release/examples/http_floor"
WORK="$(mktemp -d -t statehouse-bench.XXXXXX)"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Builds the release binaries and runs copies of them, so a rebuild during a long run changes nothing.
build() {
  (cd "$ROOT" && cargo build --release --quiet --bin statehouse --example http_floor)
  cp "$BIN" "$WORK/statehouse" && BIN="$WORK/statehouse"
  cp "$FLOOR" "$WORK/http_floor" && FLOOR="$WORK/http_floor"
}

# start NAME CMD... : runs CMD in the background, waits for its "listening on http://ADDR" line,
# and sets URL to it. Every server binds port 0, so runs never collide. (Not in a subshell, so that
# the EXIT trap knows the pid.)
start() {
  local name="$1"; shift
  local log="$WORK/$name.log"
  "$@" >"$log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 300); do
    if grep -q "listening on http://" "$log"; then
      URL="$(grep -o "http://[0-9.:]*" "$log" | head -1)"
      return 0
    fi
    if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$log" >&2; exit 1
}

start_statehouse() {
  start "statehouse-$1" env RUST_LOG=warn "$BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data-$1"
}

# start_cluster NAME: three nodes on loopback (scripts/bench/cluster.py); sets ENDPOINTS to their
# `--endpoint URL` arguments for `statehouse load`.
start_cluster() {
  local name="$1" log="$WORK/cluster-$1.log"
  python3 "$ROOT/scripts/bench/cluster.py" --bin "$BIN" >"$log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1200); do
    if grep -q "^cluster listening on" "$log"; then
      ENDPOINTS=()
      for url in $(sed -n 's/^cluster listening on //p' "$log"); do ENDPOINTS+=(--endpoint "$url"); done
      return 0
    fi
    if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "cluster $name did not start:" >&2; cat "$log" >&2; exit 1
}

start_floor() {
  start floor "$FLOOR" 127.0.0.1:0
}

# load SCENARIO ARGS... : runs `statehouse load` quietly and prints its JSON report.
load() {
  "$BIN" load "$@" --quiet --json
}

# jget JSON EXPR : reads one figure from a report with jq.
jget() {
  jq -r "$2" <<<"$1"
}

machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -h | awk '/Mem:/ {print $2}') RAM"
}
