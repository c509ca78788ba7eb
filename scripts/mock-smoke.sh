#!/usr/bin/env bash
# Mocked test cases through the AWS CLI, the way a Step Functions Local user runs them: starts a fresh
# statehouse server with SFN_MOCK_CONFIG pointing at examples/mocks/MockConfigFile.json (and
# wait_time_scale 0.01), creates the Orders state machine of examples/mocks/, runs its HappyPath,
# RetryPath and CatchPath test cases with `aws stepfunctions start-execution --state-machine-arn
# <arn>#<case>`, and checks each execution's status, output and history event types.
#
# Environment:
#   SMOKE_VENV      venv holding the AWS CLI (default target/smoke-venv; reused when present)
#   STATEHOUSE_BIN  server binary (default target/debug/statehouse)
#
# Prints `ok - <check>` per check and ends with `N passed, 0 failed`; on the first failed check prints
# `not ok - <check>` with what was expected and what came back, and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${SMOKE_VENV:-target/smoke-venv}
BIN=${STATEHOUSE_BIN:-target/debug/statehouse}
ROLE_ARN="arn:aws:iam::123456789012:role/sfn"
PASSED=0

ok() {
  PASSED=$((PASSED + 1))
  echo "ok - $1"
}

# fail <check> <expected> <actual>
fail() {
  echo "not ok - $1"
  echo "  expected: $2"
  echo "  actual:   $3"
  if [[ -n "${WORK:-}" && -s "$WORK/server.err" ]]; then
    echo "  server stderr (last 20 lines):"
    tail -n 20 "$WORK/server.err" | sed 's/^/    /'
  fi
  echo "$PASSED passed, 1 failed"
  exit 1
}

expect() {
  if [[ "$2" != "$3" ]]; then
    fail "$1" "$2" "$3"
  fi
}

if [[ ! -x "$VENV/bin/aws" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q awscli
fi
AWS="$VENV/bin/aws"
PY="$VENV/bin/python3"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SFN AWS_CA_BUNDLE
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1

if [[ ! -x "$BIN" ]]; then
  fail "server binary" "an executable at $BIN (build it with cargo build --bins)" "missing or not executable"
fi

WORK=$(mktemp -d)
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The server reads STATEHOUSE_* variables as configuration, so the script's STATEHOUSE_BIN stays out.
env -u STATEHOUSE_BIN SFN_MOCK_CONFIG="$PWD/examples/mocks/MockConfigFile.json" STATEHOUSE_WAIT_TIME_SCALE=0.01 \
  "$BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PORT=""
DEADLINE=$((SECONDS + 60))
while ((SECONDS < DEADLINE)) && [[ -z "$PORT" ]]; do
  PORT=$(sed -n 's#^statehouse listening on http://127\.0\.0\.1:\([0-9][0-9]*\)[[:space:]]*$#\1#p' "$WORK/server.out" | head -n 1)
  kill -0 "$SERVER_PID" 2>/dev/null || fail "server starts" "a listening line on stdout" "the server exited"
  sleep 0.1
done
[[ -n "$PORT" ]] || fail "server starts" "a listening line within 60 s" "none"
ok "server started with SFN_MOCK_CONFIG on port $PORT"

# sfn <subcommand> [args...]: runs the CLI, which must succeed; its stdout goes to OUT.
sfn() {
  OUT=$("$AWS" --endpoint-url "http://127.0.0.1:$PORT" --output json stepfunctions "$@" 2>"$WORK/stderr") \
    || fail "aws stepfunctions $1" "exit 0" "$(cat "$WORK/stderr")"
}

# field <python expression over d>: the value in OUT (strings raw, others as compact JSON).
field() {
  "$PY" -c 'import json,sys; d=json.loads(sys.argv[2]); v=eval(sys.argv[1]); print(v if isinstance(v,str) else json.dumps(v,separators=(",",":"),sort_keys=True))' "$1" "$OUT"
}

sfn create-state-machine --name Orders --role-arn "$ROLE_ARN" --definition file://examples/mocks/Orders.asl.json
MACHINE=$(field 'd["stateMachineArn"]')
ok "created $MACHINE"

# run_case <case> <expected status> <expected output> <expected event types, comma-separated>
run_case() {
  local case=$1 execution status
  sfn start-execution --state-machine-arn "$MACHINE#$case" --name "$case-run" --input '{"order":7}'
  execution=$(field 'd["executionArn"]')
  expect "$case: execution ARN" "${MACHINE/:stateMachine:/:execution:}:$case-run" "$execution"
  for _ in $(seq 200); do
    sfn describe-execution --execution-arn "$execution"
    status=$(field 'd["status"]')
    [[ "$status" != RUNNING ]] && break
    sleep 0.05
  done
  expect "$case: status" "$2" "$status"
  expect "$case: output" "$3" "$(field 'json.loads(d["output"])')"
  sfn get-execution-history --execution-arn "$execution"
  expect "$case: history" "$4" "$(field '",".join(e["type"] for e in d["events"])')"
  ok "$case: $2 with the history a real run writes"
}

LAMBDA="LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionSucceeded"
run_case HappyPath SUCCEEDED '{"notified":7}' \
  "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,TaskStateEntered,$LAMBDA,TaskStateExited,ExecutionSucceeded"
run_case RetryPath SUCCEEDED '{"notified":7}' \
  "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,TaskStateEntered,$LAMBDA,TaskStateExited,ExecutionSucceeded"
run_case CatchPath SUCCEEDED '{"error":{"Cause":"The card was declined.","Error":"PaymentDeclined"},"order":7,"refund":"refunded"}' \
  "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,TaskStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"

echo "$PASSED passed, 0 failed"
