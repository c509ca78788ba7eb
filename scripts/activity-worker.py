#!/usr/bin/env python3
"""A Step Functions activity worker, written with boto3: copy it and replace `handle`.

It long-polls GetActivityTask, heartbeats from a side thread while the work runs, and reports
SendTaskSuccess or SendTaskFailure. It works unchanged against AWS and against statehouse:

    python3 scripts/activity-worker.py --endpoint http://127.0.0.1:8083 --activity-arn ARN

`--demo N` creates an activity and a state machine that uses it, starts N executions, works them
off, and checks that every execution succeeded with the worker's output (used by the CLI smoke test).
"""

import argparse
import json
import sys
import threading
import time
import uuid

import boto3
from botocore.config import Config

ROLE_ARN = "arn:aws:iam::123456789012:role/sfn"


def handle(task_input):
    """The work: here, a sum of the input's `values`."""
    return {"sum": sum(task_input.get("values", []))}


def heartbeat_until(client, token, stop, interval):
    while not stop.wait(interval):
        client.send_task_heartbeat(taskToken=token)


def work_one(client, activity_arn, worker_name, heartbeat_interval):
    """Polls once; runs and reports the task if one came. Returns whether one came."""
    task = client.get_activity_task(activityArn=activity_arn, workerName=worker_name)
    token = task.get("taskToken")
    if not token:
        return False
    stop = threading.Event()
    beats = threading.Thread(target=heartbeat_until, args=(client, token, stop, heartbeat_interval), daemon=True)
    beats.start()
    try:
        output = handle(json.loads(task["input"]))
        client.send_task_success(taskToken=token, output=json.dumps(output))
    except Exception as error:  # report any failure of the work to the execution
        client.send_task_failure(taskToken=token, error=type(error).__name__, cause=str(error)[:32768])
    finally:
        stop.set()
        beats.join()
    return True


def demo(client, count, heartbeat_interval):
    name = f"worker-demo-{uuid.uuid4().hex[:8]}"
    activity_arn = client.create_activity(name=name)["activityArn"]
    definition = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": activity_arn, "HeartbeatSeconds": 5, "End": True}},
    }
    machine = client.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE_ARN)
    executions = [
        client.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps({"values": [i, i, 1]}))
        for i in range(count)
    ]
    done = 0
    deadline = time.time() + 60
    while done < count and time.time() < deadline:
        done += work_one(client, activity_arn, "demo-worker", heartbeat_interval)
    passed = failed = 0
    for i, execution in enumerate(executions):
        for _ in range(100):
            described = client.describe_execution(executionArn=execution["executionArn"])
            if described["status"] != "RUNNING":
                break
            time.sleep(0.05)
        expected = json.dumps({"sum": 2 * i + 1}, separators=(",", ":"))
        if described["status"] == "SUCCEEDED" and described.get("output") == expected:
            passed += 1
            print(f"ok - execution {i} succeeded with {expected}")
        else:
            failed += 1
            print(f"not ok - execution {i}: {described['status']} {described.get('output')} (want {expected})")
    print(f"{passed} passed, {failed} failed")
    return failed == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="Step Functions endpoint URL (omit for AWS)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--activity-arn")
    parser.add_argument("--worker-name", default="python-worker")
    parser.add_argument("--heartbeat-interval", type=float, default=2.0, help="seconds between heartbeats")
    parser.add_argument("--max-tasks", type=int, default=0, help="stop after this many tasks (0: run forever)")
    parser.add_argument("--demo", type=int, metavar="N", help="self-check with N executions")
    args = parser.parse_args()
    # GetActivityTask holds the connection up to 60 s: read timeouts must be longer.
    client = boto3.client(
        "stepfunctions", endpoint_url=args.endpoint, region_name=args.region, config=Config(read_timeout=70)
    )
    if args.demo:
        sys.exit(0 if demo(client, args.demo, args.heartbeat_interval) else 1)
    if not args.activity_arn:
        parser.error("--activity-arn is required (or --demo N)")
    handled = 0
    while args.max_tasks == 0 or handled < args.max_tasks:
        handled += work_one(client, args.activity_arn, args.worker_name, args.heartbeat_interval)


if __name__ == "__main__":
    main()
