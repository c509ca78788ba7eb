#!/usr/bin/env python3
"""Opens N activity tasks on a statehouse node for heartbeat benchmarks driven by another client (wrk):
creates an activity and a one-Task state machine with HeartbeatSeconds, starts N executions, takes their
tasks with GetActivityTask as a worker would and writes one task token a line to OUT.

Usage: open_tasks.py --endpoint http://127.0.0.1:PORT --tasks 1000 --out tokens.txt [--heartbeat-seconds 60]
Only the Python standard library is used; calls go over one keep-alive connection.
"""
import argparse
import http.client
import json
import sys
import time
import urllib.parse
import uuid

ROLE = "arn:aws:iam::123456789012:role/statehouse-bench"


class Api:
    def __init__(self, endpoint: str):
        url = urllib.parse.urlparse(endpoint)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def call(self, operation: str, body: dict) -> dict:
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AWSStepFunctions.{operation}"}
        self.connection.request("POST", "/", json.dumps(body), headers)
        response = self.connection.getresponse()
        answer = json.loads(response.read() or b"{}")
        if response.status != 200:
            raise RuntimeError(f"{operation}: HTTP {response.status} {answer}")
        return answer


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--heartbeat-seconds", type=int, default=60)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    api, run = Api(args.endpoint), uuid.uuid4().hex[:8]
    activity = api.call("CreateActivity", {"name": f"bench-heartbeat-{run}"})["activityArn"]
    definition = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": activity, "HeartbeatSeconds": args.heartbeat_seconds,
                            "TimeoutSeconds": max(3600, 100 * args.heartbeat_seconds), "End": True}},
    }
    machine = api.call("CreateStateMachine", {"name": f"bench-heartbeat-{run}", "definition": json.dumps(definition),
                                              "roleArn": ROLE})["stateMachineArn"]
    for i in range(args.tasks):
        api.call("StartExecution", {"stateMachineArn": machine, "name": f"hb-{i}-{run}"})
    tokens, deadline = [], time.monotonic() + 120
    while len(tokens) < args.tasks and time.monotonic() < deadline:
        task = api.call("GetActivityTask", {"activityArn": activity, "workerName": "bench"})
        if task.get("taskToken"):
            tokens.append(task["taskToken"])
    if len(tokens) < args.tasks:
        print(f"only {len(tokens)} of {args.tasks} tasks were handed out", file=sys.stderr)
        return 1
    with open(args.out, "w") as out:
        out.write("\n".join(tokens) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
