#!/usr/bin/env python3
"""Amazon SWF activity workers against statehouse, through boto3's unchanged `swf` client.

Run by scripts/swf-smoke.sh against a fresh server with SigV4 on (credentials from the environment). Prints
`ok - <check>` per check and `N passed, 0 failed`; exits 1 at the first failed check. Never sleeps to
synchronize: every wait polls a condition until a deadline.
"""

import argparse
import json
import sys
import time
import urllib.request
import uuid

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/sfn"
PASSED = 0


def ok(check):
    global PASSED
    PASSED += 1
    print(f"ok - {check}")


def fail(check, expected, actual):
    print(f"not ok - {check}")
    print(f"  expected: {expected}")
    print(f"  actual:   {actual}")
    print(f"{PASSED} passed, 1 failed")
    sys.exit(1)


def expect(check, expected, actual):
    if expected != actual:
        fail(check, expected, actual)
    ok(check)


def error_code(call):
    """The AWS error code `call` fails with, or None if it succeeds."""
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def until(check, condition, seconds=15):
    """Polls `condition` until it returns a truthy value; fails `check` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
    fail(check, f"the condition within {seconds} s", "it never held")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    endpoint = parser.parse_args().endpoint
    config = Config(retries={"max_attempts": 1})
    sfn = boto3.client("stepfunctions", endpoint_url=endpoint, config=config)
    swf = boto3.client("swf", endpoint_url=endpoint, config=config)
    # The same client without botocore's own checks, to see the server's answer to out-of-limit input.
    raw_swf = boto3.client(
        "swf", endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}, parameter_validation=False)
    )
    run = uuid.uuid4().hex[:8]
    name = f"swf-smoke-{run}"
    activity_arn = sfn.create_activity(name=name)["activityArn"]

    def machine(suffix, definition):
        return sfn.create_state_machine(name=f"{name}-{suffix}", definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]

    def task_state(extra=None):
        return {"Type": "Task", "Resource": activity_arn, "End": True, **(extra or {})}

    def take():
        """Polls through SWF until a task arrives."""
        def poll():
            task = swf.poll_for_activity_task(domain="smoke", taskList={"name": name}, identity="smoke-worker")
            return task if task.get("taskToken") else None

        return until("a task arrives through PollForActivityTask", poll)

    def closed(execution):
        def status():
            d = sfn.describe_execution(executionArn=execution)
            return d if d["status"] != "RUNNING" else None

        return until(f"{execution} closes", status)

    def heartbeat(token, details=None):
        args = {"taskToken": token} if details is None else {"taskToken": token, "details": details}
        return swf.record_activity_task_heartbeat(**args)["cancelRequested"]

    plain = machine("plain", {"StartAt": "T", "States": {"T": task_state({"HeartbeatSeconds": 30})}})

    # ------------------------------------------------------------ empty poll, unknown task list
    empty = swf.poll_for_activity_task(domain="smoke", taskList={"name": name})
    expect("an empty poll answers an empty taskToken", "", empty.get("taskToken", ""))
    expect(
        "polling an unknown task list is UnknownResourceFault",
        "UnknownResourceFault",
        error_code(lambda: swf.poll_for_activity_task(domain="smoke", taskList={"name": f"nope-{run}"})),
    )

    # ------------------------------------------------------------ heartbeat, stop, cancel
    execution = sfn.start_execution(stateMachineArn=plain, input='{"job": 1}')["executionArn"]
    task = take()
    token = task["taskToken"]
    expect("ActivityTask.input", {"job": 1}, json.loads(task["input"]))
    expect("ActivityTask.workflowExecution.workflowId", execution, task["workflowExecution"]["workflowId"])
    expect("ActivityTask.activityType.name", name, task["activityType"]["name"])
    expect("a heartbeat with details reads cancelRequested false", False, heartbeat(token, "25%"))
    expect(
        "RespondActivityTaskCanceled without a cancel request is OperationNotPermittedFault",
        "OperationNotPermittedFault",
        error_code(lambda: swf.respond_activity_task_canceled(taskToken=token)),
    )
    sfn.stop_execution(executionArn=execution)
    until("the heartbeat after StopExecution reads cancelRequested true", lambda: heartbeat(token, "30%"))
    ok("the heartbeat after StopExecution reads cancelRequested true")
    expect(
        "Step Functions' SendTaskHeartbeat answers TaskTimedOut",
        "TaskTimedOut",
        error_code(lambda: sfn.send_task_heartbeat(taskToken=token)),
    )
    swf.respond_activity_task_canceled(taskToken=token, details="stopped at 30%")
    ok("RespondActivityTaskCanceled succeeds")
    expect(
        "the token is unknown afterwards",
        "UnknownResourceFault",
        error_code(lambda: heartbeat(token)),
    )

    # ------------------------------------------------------------ silent worker: details become the cause
    resumable = machine(
        "resumable",
        {
            "StartAt": "Work",
            "States": {
                "Work": task_state(
                    {"HeartbeatSeconds": 1, "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Resume"}]}
                ),
                "Resume": {"Type": "Pass", "Parameters": {"resumeFrom.$": "$.Cause"}, "End": True},
            },
        },
    )
    execution = sfn.start_execution(stateMachineArn=resumable)["executionArn"]
    token = take()["taskToken"]
    heartbeat(token, "checkpoint-7")
    d = closed(execution)
    expect("a silent worker's execution is caught and succeeds", "SUCCEEDED", d["status"])
    expect("the Catch reads the last details from $.Cause", {"resumeFrom": "checkpoint-7"}, json.loads(d["output"]))
    events = sfn.get_execution_history(executionArn=execution)["events"]
    timed_out = [e["activityTimedOutEventDetails"] for e in events if e["type"] == "ActivityTimedOut"]
    expect("ActivityTimedOut's cause is the last details", [("States.Timeout", "checkpoint-7")],
           [(t.get("error"), t.get("cause")) for t in timed_out])

    # ------------------------------------------------------------ poll + complete, poll + fail
    execution = sfn.start_execution(stateMachineArn=plain)["executionArn"]
    swf.respond_activity_task_completed(taskToken=take()["taskToken"], result='{"done": true}')
    d = closed(execution)
    expect("poll + RespondActivityTaskCompleted: SUCCEEDED", ("SUCCEEDED", {"done": True}),
           (d["status"], json.loads(d["output"])))
    execution = sfn.start_execution(stateMachineArn=plain)["executionArn"]
    swf.respond_activity_task_failed(taskToken=take()["taskToken"], reason="Disk.Full", details="no space")
    d = closed(execution)
    expect("poll + RespondActivityTaskFailed: FAILED with reason and details", ("FAILED", "Disk.Full", "no space"),
           (d["status"], d.get("error"), d.get("cause")))

    # ------------------------------------------------------------ limits and faults
    execution = sfn.start_execution(stateMachineArn=plain)["executionArn"]
    open_token = take()["taskToken"]
    expect("2,048 characters of details are accepted", False, heartbeat(open_token, "x" * 2048))
    expect(
        "2,049 characters of details are ValidationException",
        "ValidationException",
        error_code(lambda: raw_swf.record_activity_task_heartbeat(taskToken=open_token, details="x" * 2049)),
    )
    forged = open_token[:-1] + ("0" if open_token[-1] != "0" else "1")
    expect("a forged token is UnknownResourceFault", "UnknownResourceFault", error_code(lambda: heartbeat(forged)))
    expect(
        "completing a forged token is UnknownResourceFault",
        "UnknownResourceFault",
        error_code(lambda: swf.respond_activity_task_completed(taskToken=forged)),
    )

    # ------------------------------------------------------------ Statehouse.SendTaskHeartbeats
    other = sfn.start_execution(stateMachineArn=plain)["executionArn"]
    closed_token = take()["taskToken"]
    swf.respond_activity_task_completed(taskToken=closed_token)
    closed(other)
    body = {"heartbeats": [
        {"taskToken": open_token, "details": "1/3"},
        {"taskToken": closed_token},
        {"taskToken": forged},
    ]}
    results = batch(endpoint, body)["results"]
    expect("a batch answers each entry in order",
           [{"cancelRequested": False}, "TaskTimedOut", "InvalidToken"],
           [results[0], results[1].get("error"), results[2].get("error")])
    sfn.stop_execution(executionArn=execution)
    until("a batch reads cancelRequested true for a stopped execution's token",
          lambda: batch(endpoint, {"heartbeats": [{"taskToken": open_token}]})["results"][0].get("cancelRequested"))
    ok("a batch reads cancelRequested true for a stopped execution's token")
    print(f"{PASSED} passed, 0 failed")


def batch(endpoint, body):
    """Calls Statehouse.SendTaskHeartbeats, signed with the environment's credentials for `states`."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "Statehouse.SendTaskHeartbeats"}
    request = AWSRequest(method="POST", url=endpoint + "/", data=data, headers=headers)
    credentials = boto3.Session().get_credentials()
    SigV4Auth(credentials, "states", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(endpoint + "/", data=data, headers=dict(request.headers), method="POST")
    with urllib.request.urlopen(prepared, timeout=30) as response:
        return json.loads(response.read())


if __name__ == "__main__":
    main()
