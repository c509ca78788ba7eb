#!/usr/bin/env bash
# Runs AWS's recorded conformance cases (../shared/conformance, or CONFORMANCE_DIR) against a fresh
# statehouse server on a free loopback port, and fails if a case fails that
# scripts/conformance-known-failures.txt does not list with its reason. Listed cases that pass are reported,
# so the list only shrinks.
#   bash scripts/conformance.sh [run.py arguments, e.g. --filter 'test_state']
# Environment: CONFORMANCE_DIR, CONFORMANCE_VENV (venv with boto3; default target/swf-venv),
# STATEHOUSE_BIN (default target/debug/statehouse).
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${CONFORMANCE_DIR:-../shared/conformance}
VENV=${CONFORMANCE_VENV:-target/swf-venv}
BIN=${STATEHOUSE_BIN:-target/debug/statehouse}
KNOWN=scripts/conformance-known-failures.txt

[[ -f "$CORPUS/run.py" ]] || { echo "no conformance corpus at $CORPUS (set CONFORMANCE_DIR)" >&2; exit 1; }
[[ -x "$BIN" ]] || { echo "no server binary at $BIN: build it with cargo build --bins" >&2; exit 1; }
if [[ ! -x "$VENV/bin/python3" ]] || ! "$VENV/bin/python3" -c "import boto3" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q boto3
fi

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
env -u STATEHOUSE_BIN "$BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 300); do
  ADDRESS=$(sed -n 's|^statehouse listening on \(http://[0-9.:]*\)$|\1|p' "$WORK/server.out")
  [[ -n "$ADDRESS" ]] && break
  sleep 0.1
done
[[ -n "$ADDRESS" ]] || { echo "the server did not start:" >&2; cat "$WORK/server.err" >&2; exit 1; }

"$VENV/bin/python3" "$CORPUS/run.py" --endpoint "$ADDRESS" --jobs 8 --quiet --json-report "$WORK/report.json" "$@" \
  | tail -1 || true
"$VENV/bin/python3" - "$WORK/report.json" "$KNOWN" <<'PY'
import json, sys
report, known_path = sys.argv[1], sys.argv[2]
known = {}
for line in open(known_path):
    line = line.strip()
    if line and not line.startswith("#"):
        case, _, reason = line.partition(" ")
        known[case] = reason.strip()
results = json.load(open(report))["results"]
failed = {r["id"] for r in results if r["result"] != "PASS"}
ran = {r["id"] for r in results}
unexpected = sorted(failed - set(known))
fixed = sorted((set(known) & ran) - failed)
for case in fixed:
    print(f"now passing, remove it from {known_path}: {case}")
for case in unexpected:
    print(f"not ok - {case}")
print(f"{len(ran) - len(failed)} of {len(ran)} cases pass; {len(failed) - len(unexpected)} known failures; "
      f"{len(unexpected)} unexpected")
sys.exit(1 if unexpected else 0)
PY
