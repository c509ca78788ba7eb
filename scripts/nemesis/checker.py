"""Judges a nemesis run from what clients were told and what every node holds at the end.

Anomalies (each must never happen):
- an acknowledged StartExecution whose execution is missing on a node, or never ends;
- nodes that disagree on an execution's status or history, or a history with a gap in its event ids or a
  previousEventId that points nowhere;
- a task token handed out twice, or an activity that succeeded twice in one execution;
- an acknowledged SendTaskSuccess whose output is not the execution's outcome;
- a deadline that fired early: a Wait shorter than its Seconds, a heartbeat timeout sooner than
  HeartbeatSeconds after the task started or after an acknowledged heartbeat was sent."""
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from load import HEARTBEAT_SECONDS
from load import WAIT_SECONDS
from load import CallFailed
from load import call

# History timestamps are milliseconds; a timer may fire in the same millisecond it was due.
TOLERANCE_SECONDS = 0.001


def seconds(timestamp) -> float:
    if isinstance(timestamp, (int, float)):
        return float(timestamp)
    return datetime.fromisoformat(str(timestamp).replace("Z", "+00:00")).timestamp()


def history(api: str, arn: str) -> list:
    events, token = [], None
    while True:
        body = {"executionArn": arn, "maxResults": 1000}
        if token:
            body["nextToken"] = token
        page = call(api, "GetExecutionHistory", body, timeout=30)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def view(api: str, arn: str) -> tuple:
    """(status, output, history) of `arn` as the node at `api` holds it; status None if it is missing."""
    try:
        described = call(api, "DescribeExecution", {"executionArn": arn}, timeout=30)
    except CallFailed as e:
        if e.code == "ExecutionDoesNotExist":
            return None, None, []
        raise
    return described["status"], described.get("output"), history(api, arn)


def check_history(arn: str, events: list, record, anomalies: list) -> None:
    for position, event in enumerate(events, start=1):
        if event["id"] != position:
            anomalies.append(f"{arn}: event {position} has id {event['id']} (gap or duplicate)")
            return
        if event.get("previousEventId", 0) >= event["id"]:
            anomalies.append(f"{arn}: event {event['id']} points forward to {event['previousEventId']}")
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    if len(by_type.get("ActivitySucceeded", [])) > 1:
        anomalies.append(f"{arn}: the activity succeeded {len(by_type['ActivitySucceeded'])} times")
    for entered, exited in zip(by_type.get("WaitStateEntered", []), by_type.get("WaitStateExited", [])):
        waited = seconds(exited["timestamp"]) - seconds(entered["timestamp"])
        if waited < WAIT_SECONDS - TOLERANCE_SECONDS:
            anomalies.append(f"{arn}: the Wait of {WAIT_SECONDS} s ended after {waited:.3f} s")
    for timed_out in by_type.get("ActivityTimedOut", []):
        at = seconds(timed_out["timestamp"])
        started = [seconds(e["timestamp"]) for e in by_type.get("ActivityStarted", [])]
        if started and at < started[-1] + HEARTBEAT_SECONDS - TOLERANCE_SECONDS:
            anomalies.append(f"{arn}: heartbeat timeout {at - started[-1]:.3f} s after the task started")
        sent, node = record.heartbeats.get(arn, (None, None))
        if sent and at < sent + HEARTBEAT_SECONDS - TOLERANCE_SECONDS:
            anomalies.append(f"{arn}: heartbeat timeout {at - sent:.3f} s after a heartbeat acknowledged by node "
                             f"{node} was sent at {sent:.3f}")


def check(apis: dict, record) -> tuple:
    """(anomalies, outcome counts) over every execution a client may have started."""
    anomalies, outcomes = [], {}
    for token, times in record.tokens_seen.items():
        if times > 1:
            anomalies.append(f"a task token was handed out {times} times: {token[:40]}…")
    arns = sorted(set(record.started) | record.maybe_started)

    def judge(arn: str) -> tuple:
        views, failures = {}, []
        for node, api in apis.items():
            try:
                views[node] = view(api, arn)
            except CallFailed as e:
                failures.append(f"{arn}: node {node} answered {e.code} when read")
        return arn, views, failures

    with ThreadPoolExecutor(max_workers=8) as pool:
        judged = list(pool.map(judge, arns))
    for arn, views, failures in judged:
        if failures:
            anomalies += failures
            continue
        statuses = {node: v[0] for node, v in views.items()}
        acknowledged = arn in record.started
        if set(statuses.values()) == {None}:
            if acknowledged:
                anomalies.append(f"{arn}: acknowledged by StartExecution but missing on every node")
            continue
        if len(set(statuses.values())) > 1:
            anomalies.append(f"{arn}: nodes disagree on its status: {statuses}")
            continue
        status = next(iter(statuses.values()))
        outcomes[status] = outcomes.get(status, 0) + 1
        if status == "RUNNING":
            anomalies.append(f"{arn}: still RUNNING after the run drained (a lost deadline or task)")
        histories = [json.dumps(v[2], sort_keys=True) for v in views.values()]
        if len(set(histories)) > 1:
            anomalies.append(f"{arn}: nodes hold different histories")
        events = next(iter(views.values()))[2]
        check_history(arn, events, record, anomalies)
        if arn in record.successes:
            output = next(iter(views.values()))[1]
            told = json.loads(record.successes[arn])
            if status != "SUCCEEDED" or {k: json.loads(output).get(k) for k in told} != told:
                anomalies.append(f"{arn}: SendTaskSuccess was acknowledged but the execution ended {status}")
    return anomalies, outcomes
