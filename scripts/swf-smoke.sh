#!/usr/bin/env bash
# Amazon SWF smoke test: starts a fresh statehouse server (SigV4 on) on a free loopback port and runs
# scripts/swf-smoke.py, which drives the SWF activity-worker operations through boto3's unchanged `swf`
# client (endpoint_url) next to its `stepfunctions` client.
#
# Environment:
#   SWF_VENV        venv holding boto3 (default target/swf-venv; reused when present)
#   STATEHOUSE_BIN  server binary (default target/debug/statehouse)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${SWF_VENV:-target/swf-venv}
BIN=${STATEHOUSE_BIN:-target/debug/statehouse}

if [[ ! -x "$VENV/bin/python3" ]] || ! "$VENV/bin/python3" -c "import boto3" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q boto3
fi
if [[ ! -x "$BIN" ]]; then
  echo "not ok - server binary: build it with cargo build --bins (looked for $BIN)"
  exit 1
fi

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The server reads every STATEHOUSE_* variable as configuration, so the script's own STATEHOUSE_BIN must not
# leak into its environment. One credential; polls wait 1 s instead of 60.
env -u STATEHOUSE_BIN STATEHOUSE_ACTIVITY_POLL_SECONDS=1 \
  STATEHOUSE_ACCESS_KEY_ID=swfsmoke STATEHOUSE_SECRET_ACCESS_KEY=swfsmoke-secret \
  "$BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" --auth sigv4 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

PORT=""
DEADLINE=$((SECONDS + 60))
while ((SECONDS < DEADLINE)) && [[ -z "$PORT" ]]; do
  PORT=$(sed -n 's#^statehouse listening on http://127\.0\.0\.1:\([0-9][0-9]*\)[[:space:]]*$#\1#p' "$WORK/server.out" | head -n 1)
  if [[ -z "$PORT" ]] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "not ok - server starts"; cat "$WORK/server.out" "$WORK/server.err"; exit 1
  fi
  [[ -n "$PORT" ]] || sleep 0.1
done
if [[ -z "$PORT" ]]; then
  echo "not ok - server starts within 60 s"; cat "$WORK/server.out" "$WORK/server.err"; exit 1
fi

if ! env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID=swfsmoke \
  AWS_SECRET_ACCESS_KEY=swfsmoke-secret AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
  AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  "$VENV/bin/python3" scripts/swf-smoke.py --endpoint "http://127.0.0.1:$PORT"; then
  echo "  server stderr (last 20 lines):"
  tail -n 20 "$WORK/server.err" | sed 's/^/    /'
  exit 1
fi
