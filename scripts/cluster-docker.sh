#!/usr/bin/env bash
# Container fault tests for the three-node cluster of cluster/docker-compose.yml.
#
# Builds the image (cluster/build-image.sh, skipped with SKIP_BUILD=1), starts the cluster as compose
# project "statehouse-chaos", creates a Pass state machine through the AWS CLI on the published
# host ports (127.0.0.1:8181..8183), then injects three faults, each followed by a heal and a
# convergence check:
#   a. the leader is cut off from the cluster network (docker network disconnect)
#   b. one follower (a minority of one) is cut off
#   c. the leader is frozen (docker pause)
# In a and b the cut-off node must refuse a write with ServiceUnavailable while the two others keep
# accepting writes; in c the two others must elect a new leader and keep accepting writes. After
# each heal all three must agree on the leader and reach the same appliedIndex (/cluster/status),
# and every execution started so far must read SUCCEEDED through every node.
#
# Prints PASS/FAIL per step and exits non-zero if any step failed. Always removes the cluster,
# its volumes and its extra network (KEEP=1 keeps the cluster running for inspection instead).
#
# Environment:
#   SKIP_BUILD=1     use the existing image statehouse:local
#   CHAOS_VENV       venv with the AWS CLI (default /tmp/venv; created with awscli when missing)
#   KEEP=1           leave the cluster up at the end (remove it with the `down -v` command printed)
#
# How the cut-off node is reached: a published port forwards to the container's address on one of
# its networks, so a container disconnected from its only network can no longer be reached through
# it (and has no shell for `docker exec`). Before the cut the script attaches the container to a
# second bridge network, "statehouse-chaos-probe", that no other node is on, then disconnects it
# from the compose network and sends its requests to the node's IP on the probe network, straight
# from the host (the host is on every bridge network; Docker 20.10 also moves the published port
# there, but the script does not rely on that). The node cannot reach its peers through the probe
# network (they are not on it, and Docker's DNS there does not resolve node1..node3, nor does
# Docker route between bridge networks), so the requests sent there really exercise a node in a
# minority of one. Healing reconnects the container to the compose network with its service name
# as DNS alias (what compose registered on `up`), then detaches it from the probe network; the
# convergence check (every member reachable from every node) proves the peers find it again.
set -euo pipefail
cd "$(dirname "$0")/.."

START=$SECONDS
PROJECT=statehouse-chaos
COMPOSE=(docker-compose -p "$PROJECT" -f cluster/docker-compose.yml)
NET="${PROJECT}_statehouse"         # the compose network (project name + network key)
PROBE_NET="${PROJECT}-probe"        # host-only side door to a cut-off node
VENV=${CHAOS_VENV:-/tmp/venv}
ROLE_ARN="arn:aws:iam::123456789012:role/sfn"
PASS_DEF='{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":{"greeting":"hi"},"ResultPath":"$.r","Next":"Done"},"Done":{"Type":"Succeed"}}}'

# Bounds, in seconds.
FORM_WAIT=90        # cluster formation after `up`
ELECT_WAIT=20       # a new leader among the majority
WRITE_WAIT=15       # first successful write through the majority after a fault
CONVERGE_WAIT=60    # all three on the same leader and appliedIndex after a heal
DONE_WAIT=30        # executions reading SUCCEEDED everywhere

# ---------------------------------------------------------------- AWS CLI
if [[ ! -x "$VENV/bin/aws" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q awscli
fi
AWS="$VENV/bin/aws"
PY="$VENV/bin/python3"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ENDPOINT_URL \
  AWS_ENDPOINT_URL_SFN AWS_CA_BUNDLE AWS_DEFAULT_OUTPUT AWS_REGION
# Dummy credentials, no retries (a refused write must surface as the CLI's error, not be retried).
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_EC2_METADATA_DISABLED=true AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1

WORK=$(mktemp -d)
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"

FAILED=0
RESULTS=()
declare -A PROBE_IP=()    # node -> IP on the probe network while it is cut off

log() { printf '[%3ds] %s\n' $((SECONDS - START)) "$*"; }

# pass/fail <step> [detail]: record the verdict of a step.
pass() {
  RESULTS+=("PASS $1")
  log "PASS $1"
}
fail() {
  RESULTS+=("FAIL $1: $2")
  FAILED=1
  log "FAIL $1: $2"
}

container() { "${COMPOSE[@]}" ps -q "node$1"; }

cleanup() {
  local rc=$?
  set +e
  if ((FAILED)) || ((rc != 0)); then
    for n in 1 2 3; do
      local c
      c=$(container "$n" 2>/dev/null)
      [[ -n "$c" ]] || continue
      # The last lines of the log, without the per-heartbeat replication errors of a partition.
      echo "---- docker logs node$n (last 30 lines but replication retries)"
      docker logs "$c" 2>&1 | sed $'s/\x1b\[[0-9;]*m//g' \
        | grep -v -e 'error replication to target' -e 'RPCError' -e 'backoff_drain_events' \
          -e 'update progress error' -e 'heartbeat error' | tail -n 30 | sed 's/^/    /'
    done
  fi
  for n in 1 2 3; do
    c=$(container "$n" 2>/dev/null)
    [[ -n "$c" ]] && docker unpause "$c" >/dev/null 2>&1
  done
  if [[ "${KEEP:-0}" == 1 ]]; then
    echo "KEEP=1: cluster left running; remove it with:"
    echo "  ${COMPOSE[*]} down -v; docker network rm $PROBE_NET"
  else
    for n in 1 2 3; do
      c=$(container "$n" 2>/dev/null)
      [[ -n "$c" ]] && docker network disconnect -f "$PROBE_NET" "$c" >/dev/null 2>&1
    done
    "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1
    docker network rm "$PROBE_NET" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
  echo "==== summary ($((SECONDS - START)) s)"
  for r in "${RESULTS[@]}"; do echo "  $r"; done
  if ((FAILED)) || ((rc != 0)); then
    echo "cluster-docker: FAILED"
    ((rc != 0)) || rc=1
  else
    echo "cluster-docker: all steps passed"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
# endpoint <node>: the node's API, through its published host port or, while it is cut off from
# the cluster network, through its IP on the probe network.
endpoint() {
  if [[ -n "${PROBE_IP[$1]:-}" ]]; then
    echo "http://${PROBE_IP[$1]}:8083"
  else
    echo "http://127.0.0.1:818$1"
  fi
}

# get <node> <path>: GET the path from the node's API (JSON on stdout; empty on failure).
get() { curl -fsS --max-time 3 "$(endpoint "$1")$2" 2>/dev/null || true; }

# jqf <filter>: jq -r on stdin; "?" when stdin is not JSON.
jqf() { jq -r "$1" 2>/dev/null || echo "?"; }

leader_of() { get "$1" /health | jqf '.leader // "none"'; }

# sfn <node> <subcommand> [args...]: the AWS CLI against the node; sets OUT, ERR and RC.
sfn() {
  local node=$1 errf="$WORK/stderr.$BASHPID"   # per process: refused_on runs in the background
  shift
  set +e
  OUT=$("$AWS" --endpoint-url "$(endpoint "$node")" --cli-connect-timeout 5 --cli-read-timeout 30 \
    --output json stepfunctions "$@" 2>"$errf")
  RC=$?
  set -e
  ERR=$(tr '\n' ' ' <"$errf")
}

# common_leader <nodes...>: prints the leader id when all the nodes' /health agree on one, else "".
common_leader() {
  local first="" l n
  for n in "$@"; do
    l=$(leader_of "$n")
    [[ "$l" =~ ^[0-9]+$ ]] || { echo ""; return; }
    [[ -z "$first" || "$first" == "$l" ]] || { echo ""; return; }
    first=$l
  done
  echo "$first"
}

# wait_leader <seconds> <exclude|-> <nodes...>: waits until the nodes agree on a leader other than
# <exclude>; prints it (empty on timeout).
wait_leader() {
  local deadline=$((SECONDS + $1)) exclude=$2 l
  shift 2
  while ((SECONDS < deadline)); do
    l=$(common_leader "$@")
    if [[ -n "$l" && "$l" != "$exclude" ]]; then
      echo "$l"
      return
    fi
    sleep 0.5
  done
  echo ""
}

EXECS=()          # every execution ARN started so far
COUNTER=0

# start_on <node> <seconds>: starts an execution through the node, retrying (a failed attempt may be
# a refusal while the cluster reorganizes) until it succeeds or the bound passes. Returns non-zero
# on timeout, with the last error in ERR.
start_on() {
  local node=$1 deadline=$((SECONDS + $2)) t0=$SECONDS
  while :; do
    COUNTER=$((COUNTER + 1))
    sfn "$node" start-execution --state-machine-arn "$SM_ARN" --name "chaos-$COUNTER-n$node" \
      --input "{\"n\":$COUNTER}"
    if ((RC == 0)); then
      EXECS+=("$(jq -r .executionArn <<<"$OUT")")
      log "  start-execution via node$node ok after $((SECONDS - t0)) s"
      return 0
    fi
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# refused_on <node> <label>: a write through the node must fail with ServiceUnavailable.
# Runs both a StartExecution and a CreateActivity (each a single attempt, AWS_MAX_ATTEMPTS=1, read
# timeout 30 s). Writes "ok" or the reason to $WORK/refused-<label>.
refused_on() {
  local node=$1 label=$2 t0=$SECONDS verdict=ok
  sfn "$node" start-execution --state-machine-arn "$SM_ARN" --name "refused-$label" --input '{}'
  if ((RC == 0)); then
    verdict="start-execution through cut-off node$node succeeded: $OUT"
  elif [[ "$ERR" == *"Read timeout"* ]]; then
    verdict="start-execution through cut-off node$node got no answer at all within $((SECONDS - t0)) s (neither committed nor refused; node$node's /health then: $(get "$node" /health)): $ERR"
  elif [[ "$ERR" != *ServiceUnavailable* ]]; then
    verdict="start-execution through cut-off node$node failed (exit $RC) without ServiceUnavailable: $ERR"
  else
    log "  start-execution via cut-off node$node refused after $((SECONDS - t0)) s: ${ERR:0:160}"
    t0=$SECONDS
    sfn "$node" create-activity --name "refused-$label"
    if ((RC == 0)); then
      verdict="create-activity through cut-off node$node succeeded: $OUT"
    elif [[ "$ERR" == *"Read timeout"* ]]; then
      verdict="create-activity through cut-off node$node got no answer at all within $((SECONDS - t0)) s: $ERR"
    elif [[ "$ERR" != *ServiceUnavailable* ]]; then
      verdict="create-activity through cut-off node$node failed (exit $RC) without ServiceUnavailable: $ERR"
    else
      log "  create-activity via cut-off node$node refused after $((SECONDS - t0)) s: ${ERR:0:160}"
    fi
  fi
  echo "$verdict" >"$WORK/refused-$label"
}

# converged: every node's /cluster/status answers, names the same leader, sees every member
# reachable, and every appliedIndex reported (3 nodes x 3 members) is the same number.
converged() {
  local n s all=""
  for n in 1 2 3; do
    s=$(get "$n" /cluster/status)
    [[ -n "$s" ]] || return 1
    all+="$s"$'\n'
  done
  jq -es '
    (map(.leader) | unique | length == 1 and .[0] != null)
    and (map(.members | length == 3 and all(.reachable)) | all)
    and ([.[].members[].appliedIndex] | unique | length == 1 and .[0] != null)
    and (map(.nodeId) | unique | length == 3)' <<<"$all" >/dev/null 2>&1
}

# wait_converged <step>: bounded wait for `converged`, then reports the verdict.
wait_converged() {
  local step=$1 deadline=$((SECONDS + CONVERGE_WAIT)) t0=$SECONDS
  while ((SECONDS < deadline)); do
    if converged; then
      local s
      s=$(get 1 /cluster/status)
      pass "$step: converged in $((SECONDS - t0)) s (leader $(jqf .leader <<<"$s"), appliedIndex $(jqf '.members[0].appliedIndex' <<<"$s"))"
      return 0
    fi
    sleep 1
  done
  local n detail=""
  for n in 1 2 3; do
    detail+=" node$n: $(get "$n" /cluster/status | jq -c '{leader, term, m: [.members[] | [.id, .reachable, .appliedIndex]]}' 2>/dev/null)"
  done
  fail "$step" "no convergence within $CONVERGE_WAIT s;$detail"
  return 1
}

# all_succeeded <step>: every execution started so far reads SUCCEEDED through every node.
all_succeeded() {
  local step=$1 deadline=$((SECONDS + DONE_WAIT)) arn n status bad
  while :; do
    bad=""
    for n in 1 2 3; do
      for arn in "${EXECS[@]}"; do
        sfn "$n" describe-execution --execution-arn "$arn"
        status=$(jqf .status <<<"$OUT")
        if [[ "$status" != SUCCEEDED ]]; then
          bad="${arn##*:} via node$n: ${status} ${ERR:0:160}"
          break 2
        fi
      done
    done
    if [[ -z "$bad" ]]; then
      pass "$step: ${#EXECS[@]} executions SUCCEEDED through all 3 nodes"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      fail "$step" "not every execution SUCCEEDED through every node within $DONE_WAIT s: $bad"
      return 1
    fi
    sleep 1
  done
}

# cut <node>: attaches the node to the probe network, then disconnects it from the cluster network.
cut() {
  local c
  c=$(container "$1")
  docker network connect "$PROBE_NET" "$c"
  PROBE_IP[$1]=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$PROBE_NET\").IPAddress}}" "$c")
  docker network disconnect "$NET" "$c"
  log "  node$1 cut off from $NET (reachable from the host at ${PROBE_IP[$1]}:8083 only)"
}

# heal <node>: reconnects the node to the cluster network under its service name (the alias
# Docker's DNS resolves for the peers: compose registers the service name as an alias when it
# attaches a container, and `network connect` needs it again), then leaves the probe network.
heal() {
  local c
  c=$(container "$1")
  docker network connect --alias "node$1" "$NET" "$c"
  docker network disconnect "$PROBE_NET" "$c"
  unset "PROBE_IP[$1]"
  log "  node$1 reconnected to $NET as node$1"
}

# api_up <node> <seconds>: waits until the node's published host port answers /health.
api_up() {
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    [[ -n "$(get "$1" /health)" ]] && return 0
    sleep 0.5
  done
  return 1
}

others() { local n; for n in 1 2 3; do [[ "$n" == "$1" ]] || printf '%s ' "$n"; done; }

# partition_step <label> <node>: the fault tests a and b.
partition_step() {
  local label=$1 victim=$2 step ok l n
  local -a rest
  read -r -a rest <<<"$(others "$victim")"
  step="$label: node$victim cut off"
  cut "$victim"
  # The refusal check takes up to ~10 s per write: run it alongside the majority's checks.
  refused_on "$victim" "$label" &
  local refuse_pid=$!

  ok=1
  l=$(wait_leader "$ELECT_WAIT" "$victim" "${rest[@]}")
  if [[ -z "$l" ]]; then
    fail "$step" "nodes ${rest[*]} agree on no leader (other than node$victim) within $ELECT_WAIT s"
    ok=0
  else
    log "  majority (nodes ${rest[*]}) leader: node$l"
    for n in "${rest[@]}"; do
      if ! start_on "$n" "$WRITE_WAIT"; then
        fail "$step" "no write through majority node$n within $WRITE_WAIT s; last error: ${ERR:0:300}"
        ok=0
      fi
    done
  fi
  wait "$refuse_pid" || true
  local refused
  refused=$(cat "$WORK/refused-$label" 2>/dev/null || echo "refusal check did not finish")
  if [[ "$refused" != ok ]]; then
    fail "$step" "$refused"
    ok=0
  fi
  ((ok)) && pass "$step: it refuses writes (ServiceUnavailable), nodes ${rest[*]} accept them"

  heal "$victim"
  if ! api_up "$victim" 10; then
    # Not a statehouse problem, but the script then cannot reach the node: say so plainly.
    fail "$label: heal" "node$victim's published port 127.0.0.1:818$victim does not answer after reconnecting"
    return
  fi
  wait_converged "$label: heal" && all_succeeded "$label: executions" || true
}

# ---------------------------------------------------------------- cluster up
"${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
docker network rm "$PROBE_NET" >/dev/null 2>&1 || true

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building the image (cluster/build-image.sh)"
  cluster/build-image.sh
fi
docker image inspect statehouse:local >/dev/null

docker network create "$PROBE_NET" >/dev/null
"${COMPOSE[@]}" up -d
LEADER=$(wait_leader "$FORM_WAIT" - 1 2 3)
if [[ -z "$LEADER" ]]; then
  fail "cluster formed" "the three nodes agree on no leader within $FORM_WAIT s"
  exit 1
fi
pass "cluster formed: node$LEADER leads"

sfn 1 create-state-machine --name chaos-pass --definition "$PASS_DEF" --role-arn "$ROLE_ARN"
if ((RC != 0)); then
  fail "setup" "create-state-machine failed (exit $RC): $ERR"
  exit 1
fi
SM_ARN=$(jq -r .stateMachineArn <<<"$OUT")
for n in 1 2 3; do
  start_on "$n" 10 || { fail "setup" "start-execution via node$n: $ERR"; exit 1; }
done
all_succeeded "setup" || exit 1

# ---------------------------------------------------------------- a. leader partitioned
LEADER=$(common_leader 1 2 3)
[[ -n "$LEADER" ]] || { fail "a" "no agreed leader before the step"; exit 1; }
log "a. cutting off the leader node$LEADER"
partition_step "a" "$LEADER"

# ---------------------------------------------------------------- b. follower partitioned
LEADER=$(wait_leader 20 - 1 2 3)
[[ -n "$LEADER" ]] || { fail "b" "no agreed leader before the step"; exit 1; }
FOLLOWER=$(others "$LEADER" | awk '{print $1}')
log "b. cutting off follower node$FOLLOWER (leader node$LEADER)"
partition_step "b" "$FOLLOWER"

# ---------------------------------------------------------------- c. leader paused
LEADER=$(wait_leader 20 - 1 2 3)
[[ -n "$LEADER" ]] || { fail "c" "no agreed leader before the step"; exit 1; }
read -r -a REST <<<"$(others "$LEADER")"
log "c. pausing the leader node$LEADER"
docker pause "$(container "$LEADER")" >/dev/null
STEP="c: node$LEADER paused"
OK=1
L=$(wait_leader "$ELECT_WAIT" "$LEADER" "${REST[@]}")
if [[ -z "$L" ]]; then
  fail "$STEP" "nodes ${REST[*]} elect no new leader within $ELECT_WAIT s"
  OK=0
else
  log "  new leader: node$L"
  for n in "${REST[@]}"; do
    if ! start_on "$n" "$WRITE_WAIT"; then
      fail "$STEP" "no write through node$n within $WRITE_WAIT s; last error: ${ERR:0:300}"
      OK=0
    fi
  done
fi
((OK)) && pass "$STEP: node$L elected, nodes ${REST[*]} accept writes"
docker unpause "$(container "$LEADER")" >/dev/null
log "  node$LEADER unpaused"
wait_converged "c: unpause" && all_succeeded "c: executions" || true

((FAILED == 0))
