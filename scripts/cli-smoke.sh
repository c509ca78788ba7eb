#!/usr/bin/env bash
# AWS CLI smoke test: starts a fresh statehouse server (SigV4 on, HTTPS with a certificate from a
# throwaway CA made with openssl) on a free loopback port and drives every core Step Functions
# operation through the real `aws stepfunctions` CLI (installed from PyPI into a venv), asserting on
# each response.
#
# Environment:
#   SMOKE_VENV      venv holding the AWS CLI (default target/smoke-venv; reused when present)
#   STATEHOUSE_BIN  server binary (default target/debug/statehouse)
#
# Prints `ok - <check>` per check and ends with `N passed, 0 failed`; on the first failed
# check prints `not ok - <check>` with what was expected and what came back, and exits 1.
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
  local f
  for f in server.out server.err; do
    if [[ -n "${WORK:-}" && -s "$WORK/$f" ]]; then
      echo "  server ${f#server.} (last 20 lines):"
      tail -n 20 "$WORK/$f" | sed $'s/\x1b\[[0-9;]*m//g; s/^/    /'
    fi
  done
  echo "$PASSED passed, 1 failed"
  exit 1
}

# ---------------------------------------------------------------- AWS CLI
if [[ ! -x "$VENV/bin/aws" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q awscli
fi
AWS="$VENV/bin/aws"
PY="$VENV/bin/python3"

# Isolate the CLI from any user configuration, and talk plainly (no retries, no pager).
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ENDPOINT_URL \
  AWS_ENDPOINT_URL_SFN AWS_CA_BUNDLE AWS_DEFAULT_OUTPUT AWS_REGION
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
# StartSyncExecution carries the model host prefix `sync-`; botocore (vendored in awscli as
# awscli/botocore, configprovider.py `disable_host_prefix_injection`) honours this variable,
# so the request goes to the --endpoint-url host unchanged instead of `sync-127.0.0.1`.
export AWS_DISABLE_HOST_PREFIX_INJECTION=true
export AWS_EC2_METADATA_DISABLED=true AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1
"$AWS" --version

# ---------------------------------------------------------------- server
if [[ ! -x "$BIN" ]]; then
  fail "server binary" "an executable at $BIN (build it with cargo build --bins)" "missing or not executable"
fi

WORK=$(mktemp -d)
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A CA and the server certificate it issues for 127.0.0.1; the CLI and boto3 trust the CA through
# AWS_CA_BUNDLE, so every command below also goes through TLS.
openssl_quiet() { openssl "$@" 2>"$WORK/openssl.err" || fail "openssl $1" "exit 0" "$(cat "$WORK/openssl.err")"; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=statehouse smoke CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr"
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
  "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$WORK/server.ext"
openssl_quiet x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -days 2 -extfile "$WORK/server.ext" -out "$WORK/server.pem"

# The server reads every STATEHOUSE_* variable as configuration and rejects unknown keys, so the
# script's own STATEHOUSE_BIN must not leak into its environment. SigV4 is on, with the CLI's key
# pair as the one credential, so every command below is also a signature check.
env -u STATEHOUSE_BIN STATEHOUSE_ACTIVITY_POLL_SECONDS=1 \
  STATEHOUSE_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" STATEHOUSE_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
  STATEHOUSE_TLS_CERT="$WORK/server.pem" STATEHOUSE_TLS_KEY="$WORK/server.key" \
  "$BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" --auth sigv4 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

PORT=""
DEADLINE=$((SECONDS + 60))
while ((SECONDS < DEADLINE)); do
  PORT=$(sed -n 's#^statehouse listening on https://127\.0\.0\.1:\([0-9][0-9]*\)[[:space:]]*$#\1#p' "$WORK/server.out" | head -n 1)
  [[ -n "$PORT" ]] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "server starts" "a line 'statehouse listening on https://127.0.0.1:PORT' on stdout" \
      "the server exited before printing it (its output follows)"
  fi
  sleep 0.1
done
if [[ -z "$PORT" ]]; then
  fail "server starts" "a line 'statehouse listening on https://127.0.0.1:PORT' on stdout within 60 s" \
    "no such line after 60 s (its output so far follows)"
fi
ENDPOINT="https://127.0.0.1:$PORT"
ok "server started on $ENDPOINT"
export AWS_CA_BUNDLE="$WORK/ca.pem"

# ---------------------------------------------------------------- helpers
# sfn <subcommand> [args...]: runs the CLI; sets OUT (stdout), ERR (stderr) and RC, never exits.
sfn() {
  set +e
  OUT=$("$AWS" --endpoint-url "$ENDPOINT" --output json stepfunctions "$@" 2>"$WORK/stderr")
  RC=$?
  set -e
  ERR=$(cat "$WORK/stderr")
}

# sfn_ok <check> <subcommand> [args...]: the command must succeed.
sfn_ok() {
  local check=$1
  shift
  sfn "$@"
  if [[ $RC -ne 0 ]]; then
    fail "$check" "aws stepfunctions $1 exits 0" "exit $RC; stderr: $ERR; stdout: $OUT"
  fi
}

# sfn_err <check> <ErrorCode> <subcommand> [args...]: the command must fail with that error code.
sfn_err() {
  local check=$1 code=$2
  shift 2
  sfn "$@"
  if [[ $RC -eq 0 ]]; then
    fail "$check" "aws stepfunctions $1 fails with ($code)" "exit 0; stdout: $OUT"
  fi
  if [[ "$ERR" != *"($code)"* ]]; then
    fail "$check" "stderr containing ($code)" "exit $RC; stderr: $ERR"
  fi
}

# j <python-expression over d>: evaluates against the JSON in OUT; strings print raw, other
# values as compact JSON, a missing key/index as <missing>.
j() {
  "$PY" -c '
import json, sys
try:
    d = json.loads(sys.argv[1]) if sys.argv[1].strip() else None
except ValueError:
    print("<not JSON: %s>" % sys.argv[1])
    sys.exit(0)
try:
    v = eval(sys.argv[2], {"json": json, "d": d})
except (KeyError, IndexError, TypeError, AttributeError):
    print("<missing>")
    sys.exit(0)
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), sort_keys=True))
' "$OUT" "$1"
}

# expect <check> <expected> <actual>
expect() {
  if [[ "$2" != "$3" ]]; then
    fail "$1" "$2" "$3"
  fi
}

# expect_match <check> <bash-glob> <actual>
expect_match() {
  # shellcheck disable=SC2053
  if [[ "$3" != $2 ]]; then
    fail "$1" "a value matching $2" "$3"
  fi
}

# canon <json text>: compact, key-sorted JSON (for comparing JSON documents).
canon() {
  "$PY" -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), separators=(",", ":"), sort_keys=True))' "$1" 2>/dev/null \
    || echo "<not JSON: $1>"
}

ARN_PREFIX="arn:aws:states:us-east-1:123456789012"

# ---------------------------------------------------------------- TLS
C="list-state-machines without trusting the CA"
unset AWS_CA_BUNDLE
sfn list-state-machines
export AWS_CA_BUNDLE="$WORK/ca.pem"
if [[ $RC -eq 0 || "$ERR" != *"SSL validation failed"* ]]; then
  fail "$C" "failure with 'SSL validation failed'" "exit $RC; stderr: $ERR; stdout: $OUT"
fi
ok "$C fails certificate validation"

C="list-state-machines over plain http"
ENDPOINT_TLS=$ENDPOINT ENDPOINT="http://127.0.0.1:$PORT"
sfn list-state-machines
ENDPOINT=$ENDPOINT_TLS
if [[ $RC -eq 0 ]]; then
  fail "$C" "no API answer over plain HTTP" "exit 0; stdout: $OUT"
fi
ok "$C gets no API answer"

# ---------------------------------------------------------------- authentication
C="list-state-machines signed with a wrong secret"
AWS_SECRET_ACCESS_KEY=wrong sfn_err "$C" InvalidSignatureException list-state-machines
ok "$C fails with InvalidSignatureException"

C="list-state-machines signed with an unknown key"
AWS_ACCESS_KEY_ID=nobody sfn_err "$C" UnrecognizedClientException list-state-machines
ok "$C fails with UnrecognizedClientException"

# ---------------------------------------------------------------- state machines
PASS_DEF='{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":{"greeting":"hi"},"ResultPath":"$.r","Next":"Done"},"Done":{"Type":"Succeed"}}}'
PASS_DEF2='{"Comment":"updated","StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":{"greeting":"hi"},"ResultPath":"$.r","Next":"Done"},"Done":{"Type":"Succeed"}}}'
BAD_DEF='{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Next":"Nowhere"}}}'

C="create-state-machine"
sfn_ok "$C" create-state-machine --name smoke-pass --definition "$PASS_DEF" --role-arn "$ROLE_ARN"
SM_ARN=$(j 'd["stateMachineArn"]')
expect "$C: stateMachineArn" "$ARN_PREFIX:stateMachine:smoke-pass" "$SM_ARN"
expect "$C: creationDate is a number" "true" "$(j 'type(d["creationDate"]).__name__ in ("int","float")')"
ok "$C returns $SM_ARN"

C="describe-state-machine"
sfn_ok "$C" describe-state-machine --state-machine-arn "$SM_ARN"
expect "$C: stateMachineArn" "$SM_ARN" "$(j 'd["stateMachineArn"]')"
expect "$C: name" "smoke-pass" "$(j 'd["name"]')"
expect "$C: status" "ACTIVE" "$(j 'd["status"]')"
expect "$C: type" "STANDARD" "$(j 'd["type"]')"
expect "$C: roleArn" "$ROLE_ARN" "$(j 'd["roleArn"]')"
expect "$C: definition" "$(canon "$PASS_DEF")" "$(canon "$(j 'd["definition"]')")"
ok "$C returns name, status, type, roleArn and definition"

C="update-state-machine"
sfn_ok "$C" update-state-machine --state-machine-arn "$SM_ARN" --definition "$PASS_DEF2"
REVISION=$(j 'd["revisionId"]')
if [[ -z "$REVISION" || "$REVISION" == "<missing>" || "$REVISION" == "null" ]]; then
  fail "$C: revisionId" "a non-empty revisionId" "$OUT"
fi
expect "$C: updateDate is a number" "true" "$(j 'type(d["updateDate"]).__name__ in ("int","float")')"
sfn_ok "$C (describe after update)" describe-state-machine --state-machine-arn "$SM_ARN"
expect "$C: definition after update" "$(canon "$PASS_DEF2")" "$(canon "$(j 'd["definition"]')")"
expect "$C: describe revisionId after update" "$REVISION" "$(j 'd["revisionId"]')"
ok "$C returns revisionId $REVISION and the new definition is live"

C="list-state-machines"
sfn_ok "$C" list-state-machines
expect "$C: entry for smoke-pass" "smoke-pass STANDARD True" \
  "$(j '" ".join([i["name"] + " " + i["type"] + " " + str(isinstance(i["creationDate"], (int, float))) for i in d["stateMachines"] if i["stateMachineArn"] == "'"$SM_ARN"'"]) or "<not listed>"')"
ok "$C lists smoke-pass"

C="validate-state-machine-definition (valid)"
sfn_ok "$C" validate-state-machine-definition --definition "$PASS_DEF"
expect "$C: result" "OK" "$(j 'd["result"]')"
expect "$C: diagnostics" "[]" "$(j 'd["diagnostics"]')"
ok "$C returns OK"

C="validate-state-machine-definition (Next names a missing state)"
sfn_ok "$C" validate-state-machine-definition --definition "$BAD_DEF"
expect "$C: result" "FAIL" "$(j 'd["result"]')"
expect "$C: an ERROR diagnostic" "true" "$(j 'any(x["severity"] == "ERROR" and x["code"] and x["message"] for x in d["diagnostics"])')"
ok "$C returns FAIL with an ERROR diagnostic ($(j 'd["diagnostics"][0]["code"]'))"

# ---------------------------------------------------------------- activities
C="create-activity"
sfn_ok "$C" create-activity --name smoke-activity
ACT_ARN=$(j 'd["activityArn"]')
expect "$C: activityArn" "$ARN_PREFIX:activity:smoke-activity" "$ACT_ARN"
expect "$C: creationDate is a number" "true" "$(j 'type(d["creationDate"]).__name__ in ("int","float")')"
ok "$C returns $ACT_ARN"

C="create-activity with an invalid name"
sfn_err "$C" InvalidName create-activity --name 'bad?name'
ok "$C fails with InvalidName"

C="describe-activity"
sfn_ok "$C" describe-activity --activity-arn "$ACT_ARN"
expect "$C: activityArn" "$ACT_ARN" "$(j 'd["activityArn"]')"
expect "$C: name" "smoke-activity" "$(j 'd["name"]')"
expect "$C: creationDate is a number" "true" "$(j 'type(d["creationDate"]).__name__ in ("int","float")')"
ok "$C returns arn, name and creationDate"

C="list-activities"
sfn_ok "$C" list-activities
expect "$C: entry for smoke-activity" "smoke-activity" \
  "$(j '" ".join(i["name"] for i in d["activities"] if i["activityArn"] == "'"$ACT_ARN"'") or "<not listed>"')"
ok "$C lists smoke-activity"

C="get-activity-task (nothing scheduled)"
T0=$(date +%s)
sfn_ok "$C" get-activity-task --activity-arn "$ACT_ARN" --worker-name smoke-worker
T1=$(date +%s)
expect "$C: no taskToken" "None" "$(j 'str(d.get("taskToken")) if d else "None"')"
if ((T1 - T0 > 15)); then
  fail "$C: returns after the 1 s poll" "an answer within 15 s" "$((T1 - T0)) s"
fi
ok "$C returns no taskToken after $((T1 - T0)) s"

# ---------------------------------------------------------------- tags
C="tag-resource"
sfn_ok "$C" tag-resource --resource-arn "$SM_ARN" --tags key=env,value=smoke key=team,value=qa
ok "$C adds two tags"

C="list-tags-for-resource"
sfn_ok "$C" list-tags-for-resource --resource-arn "$SM_ARN"
expect "$C: tags" "env=smoke team=qa" "$(j '" ".join(sorted(t["key"] + "=" + t["value"] for t in d["tags"]))')"
ok "$C returns both tags"

C="untag-resource"
sfn_ok "$C" untag-resource --resource-arn "$SM_ARN" --tag-keys env
sfn_ok "$C (list after untag)" list-tags-for-resource --resource-arn "$SM_ARN"
expect "$C: tags left" "team=qa" "$(j '" ".join(sorted(t["key"] + "=" + t["value"] for t in d["tags"]))')"
ok "$C removes env, keeps team"

# ---------------------------------------------------------------- executions
C="start-execution"
sfn_ok "$C" start-execution --state-machine-arn "$SM_ARN" --name smoke-exec-1 --input '{"a":1}'
EXEC_ARN=$(j 'd["executionArn"]')
expect "$C: executionArn" "$ARN_PREFIX:execution:smoke-pass:smoke-exec-1" "$EXEC_ARN"
expect "$C: startDate is a number" "true" "$(j 'type(d["startDate"]).__name__ in ("int","float")')"
ok "$C returns $EXEC_ARN"

C="describe-execution"
DEADLINE=$((SECONDS + 10))
while :; do
  sfn_ok "$C" describe-execution --execution-arn "$EXEC_ARN"
  STATUS=$(j 'd["status"]')
  if [[ "$STATUS" != "RUNNING" ]] || ((SECONDS >= DEADLINE)); then break; fi
  sleep 0.5
done
expect "$C: status (polled up to ~10 s)" "SUCCEEDED" "$STATUS"
expect "$C: executionArn" "$EXEC_ARN" "$(j 'd["executionArn"]')"
expect "$C: stateMachineArn" "$SM_ARN" "$(j 'd["stateMachineArn"]')"
expect "$C: name" "smoke-exec-1" "$(j 'd["name"]')"
expect "$C: input" '{"a":1}' "$(canon "$(j 'd["input"]')")"
expect "$C: output" '{"a":1,"r":{"greeting":"hi"}}' "$(canon "$(j 'd["output"]')")"
expect "$C: stopDate is a number" "true" "$(j 'type(d["stopDate"]).__name__ in ("int","float")')"
ok "$C reaches SUCCEEDED with output {\"a\":1,\"r\":{\"greeting\":\"hi\"}}"

C="get-execution-history"
sfn_ok "$C" get-execution-history --execution-arn "$EXEC_ARN"
expect "$C: event types" \
  "ExecutionStarted PassStateEntered PassStateExited SucceedStateEntered SucceedStateExited ExecutionSucceeded" \
  "$(j '" ".join(e["type"] for e in d["events"])')"
expect "$C: event ids" "1 2 3 4 5 6" "$(j '" ".join(str(e["id"]) for e in d["events"])')"
ok "$C has the Pass→Succeed event sequence"

C="list-executions"
sfn_ok "$C" list-executions --state-machine-arn "$SM_ARN"
expect "$C: entry for smoke-exec-1" "smoke-exec-1 SUCCEEDED" \
  "$(j '" ".join(i["name"] + " " + i["status"] for i in d["executions"] if i["executionArn"] == "'"$EXEC_ARN"'") or "<not listed>"')"
ok "$C lists smoke-exec-1 as SUCCEEDED"

C="describe-state-machine-for-execution"
sfn_ok "$C" describe-state-machine-for-execution --execution-arn "$EXEC_ARN"
expect "$C: stateMachineArn" "$SM_ARN" "$(j 'd["stateMachineArn"]')"
expect "$C: name" "smoke-pass" "$(j 'd["name"]')"
expect "$C: roleArn" "$ROLE_ARN" "$(j 'd["roleArn"]')"
expect "$C: definition" "$(canon "$PASS_DEF2")" "$(canon "$(j 'd["definition"]')")"
expect "$C: updateDate is a number" "true" "$(j 'type(d["updateDate"]).__name__ in ("int","float")')"
ok "$C returns the updated definition"

# ---------------------------------------------------------------- stop-execution
WAIT_DEF='{"StartAt":"Sleep","States":{"Sleep":{"Type":"Wait","Seconds":600,"End":true}}}'
C="create-state-machine (Wait 600 s)"
sfn_ok "$C" create-state-machine --name smoke-wait --definition "$WAIT_DEF" --role-arn "$ROLE_ARN"
WAIT_ARN=$(j 'd["stateMachineArn"]')
expect "$C: stateMachineArn" "$ARN_PREFIX:stateMachine:smoke-wait" "$WAIT_ARN"
sfn_ok "$C (start-execution)" start-execution --state-machine-arn "$WAIT_ARN" --name smoke-wait-1
WAIT_EXEC=$(j 'd["executionArn"]')
expect "$C: executionArn" "$ARN_PREFIX:execution:smoke-wait:smoke-wait-1" "$WAIT_EXEC"
sfn_ok "$C (describe-execution)" describe-execution --execution-arn "$WAIT_EXEC"
expect "$C: status" "RUNNING" "$(j 'd["status"]')"
ok "$C started smoke-wait-1, RUNNING"

C="stop-execution"
sfn_ok "$C" stop-execution --execution-arn "$WAIT_EXEC" --error Smoke.Stopped --cause "stopped by cli-smoke"
expect "$C: stopDate is a number" "true" "$(j 'type(d["stopDate"]).__name__ in ("int","float")')"
sfn_ok "$C (describe-execution)" describe-execution --execution-arn "$WAIT_EXEC"
expect "$C: status" "ABORTED" "$(j 'd["status"]')"
expect "$C: error" "Smoke.Stopped" "$(j 'd["error"]')"
expect "$C: cause" "stopped by cli-smoke" "$(j 'd["cause"]')"
ok "$C aborts the waiting execution with its error and cause"

# ---------------------------------------------------------------- map runs
MAP_DEF='{"StartAt":"Fan","States":{"Fan":{"Type":"Map","Label":"fan","MaxConcurrency":2,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}'
C="create-state-machine (Distributed Map)"
sfn_ok "$C" create-state-machine --name smoke-map --definition "$MAP_DEF" --role-arn "$ROLE_ARN"
MAP_SM=$(j 'd["stateMachineArn"]')
sfn_ok "$C (start-execution)" start-execution --state-machine-arn "$MAP_SM" --name smoke-map-1 --input '[1,2,3]'
MAP_EXEC=$(j 'd["executionArn"]')
DEADLINE=$((SECONDS + 10))
while :; do
  sfn_ok "$C (describe-execution)" describe-execution --execution-arn "$MAP_EXEC"
  STATUS=$(j 'd["status"]')
  if [[ "$STATUS" != "RUNNING" ]] || ((SECONDS >= DEADLINE)); then break; fi
  sleep 0.5
done
expect "$C: status (polled up to ~10 s)" "SUCCEEDED" "$STATUS"
ok "$C runs a Distributed Map over 3 items"

C="list-map-runs"
sfn_ok "$C" list-map-runs --execution-arn "$MAP_EXEC"
MAP_RUN=$(j 'd["mapRuns"][0]["mapRunArn"]')
expect_match "$C: mapRunArn" "$ARN_PREFIX:mapRun:smoke-map/fan:*" "$MAP_RUN"
expect "$C: executionArn" "$MAP_EXEC" "$(j 'd["mapRuns"][0]["executionArn"]')"
ok "$C lists the execution's map run"

C="describe-map-run"
sfn_ok "$C" describe-map-run --map-run-arn "$MAP_RUN"
expect "$C: status" "SUCCEEDED" "$(j 'd["status"]')"
expect "$C: maxConcurrency" "2" "$(j 'd["maxConcurrency"]')"
expect "$C: itemCounts total/succeeded" "3/3" "$(j 'str(d["itemCounts"]["total"]) + "/" + str(d["itemCounts"]["succeeded"])')"
sfn_err "$C (unknown)" ResourceNotFound describe-map-run --map-run-arn "$ARN_PREFIX:mapRun:smoke-map/fan:00000000-0000-0000-0000-000000000000"
sfn_err "$C (malformed)" InvalidArn describe-map-run --map-run-arn not-an-arn
sfn_err "$C (update-map-run out of range)" ValidationException update-map-run --map-run-arn "$MAP_RUN" --tolerated-failure-percentage 101
ok "$C shows the SUCCEEDED map run with its counts"

# ---------------------------------------------------------------- start-sync-execution
EXPRESS_DEF='{"StartAt":"Shape","States":{"Shape":{"Type":"Pass","Parameters":{"got.$":"$.a","kind":"express"},"End":true}}}'
C="create-state-machine --type EXPRESS"
sfn_ok "$C" create-state-machine --name smoke-express --type EXPRESS --definition "$EXPRESS_DEF" --role-arn "$ROLE_ARN"
EXPRESS_ARN=$(j 'd["stateMachineArn"]')
expect "$C: stateMachineArn" "$ARN_PREFIX:stateMachine:smoke-express" "$EXPRESS_ARN"
sfn_ok "$C (describe-state-machine)" describe-state-machine --state-machine-arn "$EXPRESS_ARN"
expect "$C: type" "EXPRESS" "$(j 'd["type"]')"
ok "$C creates smoke-express"

C="start-sync-execution"
sfn_ok "$C" start-sync-execution --state-machine-arn "$EXPRESS_ARN" --name smoke-sync-1 --input '{"a":42}'
expect "$C: status" "SUCCEEDED" "$(j 'd["status"]')"
expect "$C: output" '{"got":42,"kind":"express"}' "$(canon "$(j 'd["output"]')")"
expect_match "$C: executionArn" "$ARN_PREFIX:express:smoke-express:smoke-sync-1:*" "$(j 'd["executionArn"]')"
ok "$C returns SUCCEEDED with output {\"got\":42,\"kind\":\"express\"}"

# ---------------------------------------------------------------- task tokens
GARBAGE_TOKEN="not-a-real-task-token"
C="send-task-success with a garbage token"
sfn_err "$C" InvalidToken send-task-success --task-token "$GARBAGE_TOKEN" --task-output '{"x":1}'
ok "$C fails with InvalidToken"

C="send-task-failure with a garbage token"
sfn_err "$C" InvalidToken send-task-failure --task-token "$GARBAGE_TOKEN" --error Smoke.Err --cause nope
ok "$C fails with InvalidToken"

C="send-task-heartbeat with a garbage token"
sfn_err "$C" InvalidToken send-task-heartbeat --task-token "$GARBAGE_TOKEN"
ok "$C fails with InvalidToken"

# ---------------------------------------------------------------- deletes
C="delete-activity"
sfn_ok "$C" delete-activity --activity-arn "$ACT_ARN"
sfn_err "$C (describe-activity after delete)" ActivityDoesNotExist describe-activity --activity-arn "$ACT_ARN"
ok "$C removes smoke-activity"

C="delete-state-machine"
sfn_ok "$C" delete-state-machine --state-machine-arn "$SM_ARN"
# Deletion is asynchronous on AWS: the machine may show status DELETING for a moment.
DEADLINE=$((SECONDS + 10))
while :; do
  sfn describe-state-machine --state-machine-arn "$SM_ARN"
  if [[ $RC -ne 0 || "$(j 'd.get("status")')" != "DELETING" ]] || ((SECONDS >= DEADLINE)); then break; fi
  sleep 0.5
done
if [[ $RC -eq 0 ]]; then
  fail "$C: describe-state-machine afterwards" "failure with (StateMachineDoesNotExist) within ~10 s" "exit 0; stdout: $OUT"
fi
if [[ "$ERR" != *"(StateMachineDoesNotExist)"* ]]; then
  fail "$C: describe-state-machine afterwards" "stderr containing (StateMachineDoesNotExist)" "exit $RC; stderr: $ERR"
fi
ok "$C then describe-state-machine fails with StateMachineDoesNotExist"

# ---------------------------------------------------------------- versions and aliases
# A machine of its own: publish two versions, route an alias to the second, start through the alias.
VER_DEF1='{"StartAt":"V","States":{"V":{"Type":"Pass","Result":{"v":1},"End":true}}}'
VER_DEF2='{"StartAt":"V","States":{"V":{"Type":"Pass","Result":{"v":2},"End":true}}}'

C="create-state-machine --publish"
sfn_ok "$C" create-state-machine --name smoke-versioned --definition "$VER_DEF1" --role-arn "$ROLE_ARN" --publish
VER_SM=$(j 'd["stateMachineArn"]')
expect "$C: stateMachineVersionArn" "$VER_SM:1" "$(j 'd["stateMachineVersionArn"]')"
ok "$C publishes version 1"

C="publish-state-machine-version"
sfn_ok "$C (update-state-machine)" update-state-machine --state-machine-arn "$VER_SM" --definition "$VER_DEF2"
REVISION=$(j 'd["revisionId"]')
sfn_ok "$C" publish-state-machine-version --state-machine-arn "$VER_SM" --revision-id "$REVISION" --description second
expect "$C: stateMachineVersionArn" "$VER_SM:2" "$(j 'd["stateMachineVersionArn"]')"
sfn_ok "$C (list-state-machine-versions)" list-state-machine-versions --state-machine-arn "$VER_SM"
expect "$C: versions newest first" '["'"$VER_SM"':2","'"$VER_SM"':1"]' "$(j '[v["stateMachineVersionArn"] for v in d["stateMachineVersions"]]')"
ok "$C publishes version 2"

C="create-state-machine-alias"
sfn_ok "$C" create-state-machine-alias --name live \
  --routing-configuration "stateMachineVersionArn=$VER_SM:2,weight=100"
ALIAS_ARN=$(j 'd["stateMachineAliasArn"]')
expect "$C: stateMachineAliasArn" "$VER_SM:live" "$ALIAS_ARN"
ok "$C routes live to version 2"

C="start-execution through the alias"
sfn_ok "$C" start-execution --state-machine-arn "$ALIAS_ARN" --name smoke-alias-1
ALIAS_EXEC=$(j 'd["executionArn"]')
DEADLINE=$((SECONDS + 10))
while :; do
  sfn_ok "$C (describe-execution)" describe-execution --execution-arn "$ALIAS_EXEC"
  if [[ "$(j 'd["status"]')" != "RUNNING" ]] || ((SECONDS >= DEADLINE)); then break; fi
  sleep 0.5
done
expect "$C: status" "SUCCEEDED" "$(j 'd["status"]')"
expect "$C: output" '{"v":2}' "$(canon "$(j 'd["output"]')")"
expect "$C: stateMachineAliasArn" "$ALIAS_ARN" "$(j 'd["stateMachineAliasArn"]')"
expect "$C: stateMachineVersionArn" "$VER_SM:2" "$(j 'd["stateMachineVersionArn"]')"
ok "$C runs version 2 and names the alias and the version"

C="delete-state-machine-version"
sfn_err "$C (routed by an alias)" ConflictException delete-state-machine-version --state-machine-version-arn "$VER_SM:2"
sfn_ok "$C (delete-state-machine-alias)" delete-state-machine-alias --state-machine-alias-arn "$ALIAS_ARN"
sfn_ok "$C" delete-state-machine-version --state-machine-version-arn "$VER_SM:2"
sfn_ok "$C (delete-state-machine)" delete-state-machine --state-machine-arn "$VER_SM"
ok "$C refuses a routed version, then deletes it once its alias is gone"

# ---------------------------------------------------------------- boto3 activity worker
C="activity-worker.py"
if ! "$PY" -c "import boto3" 2>/dev/null; then
  "$VENV/bin/pip" install -q boto3
fi
if ! WORKER_OUT=$("$PY" scripts/activity-worker.py --endpoint "$ENDPOINT" --demo 5 --heartbeat-interval 0.5 2>&1); then
  fail "$C --demo 5" "5 passed, 0 failed" "$WORKER_OUT"
fi
ok "$C works off 5 activity tasks with heartbeats"

echo "$PASSED passed, 0 failed"
