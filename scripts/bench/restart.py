#!/usr/bin/env python3
"""Restart after kill -9 with a large history on disk: fills one node with EVENTS history events (the default
workflow: ExecutionStarted, an Entered and an Exited event per transition, and the close) plus OPEN executions parked in a long Wait, kills it with SIGKILL, starts
it again on the same data directory, and prints the time until it answers /health and serves calls (a
StartExecution that runs to its end), and its RSS then. Targets: ready in <= 5 s with <= 300 MB RSS.

Usage: restart.py --bin target/release/statehouse [--events 1000000] [--open 1000]
Only the Python standard library is used.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402
from map import call  # noqa: E402
from soak import dir_bytes, rss_bytes  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/sfn"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
PARKED = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": True}}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="statehouse-restart."))
    node = cluster.Node(args.bin, work, 1, 1000)
    try:
        node.start(join=False)
        executions = args.events // 22 + 1
        print(f"filling: {executions} workflow executions (~{executions * 22} events) and {args.open} parked executions", flush=True)
        run = subprocess.run([args.bin, "load", "workflow", "--count", str(executions), "-c", "64", "--quiet", "--json",
                              "--endpoint", f"http://{node.api}"], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"load failed: {run.stdout}{run.stderr}")
        report = json.loads(run.stdout)
        finished = report["operations"]
        per_execution = 2 + 2 * report["figures"]["transitions per execution"]
        parked = call(node.api, "CreateStateMachine", {"name": "parked", "definition": json.dumps(PARKED), "roleArn": ROLE})
        for i in range(args.open):
            call(node.api, "StartExecution", {"stateMachineArn": parked["stateMachineArn"], "name": f"p{i}"})
        events = finished * per_execution + args.open * 2
        print(f"on disk: {events} history events, data directory {dir_bytes(node.data_dir) / 1e6:.0f} MB, "
              f"RSS before the kill {rss_bytes(node.proc.pid) / 2**20:.0f} MiB", flush=True)

        node.kill()
        started = time.monotonic()
        node.start(join=False)
        while True:
            try:
                with urllib.request.urlopen(f"http://{node.api}/health", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.01)
        health = time.monotonic() - started
        machine = call(node.api, "CreateStateMachine", {"name": "after", "definition": json.dumps(PASS), "roleArn": ROLE})
        arn = call(node.api, "StartExecution", {"stateMachineArn": machine["stateMachineArn"]})["executionArn"]
        while call(node.api, "DescribeExecution", {"executionArn": arn})["status"] == "RUNNING":
            time.sleep(0.01)
        serving = time.monotonic() - started
        rss = rss_bytes(node.proc.pid) / 2**20
        ok = serving <= 5 and rss <= 300
        print(f"restart after kill -9: /health after {health:.2f} s, serving calls after {serving:.2f} s (target <= 5), "
              f"RSS {rss:.0f} MiB (target <= 300): {'MET' if ok else 'MISSED'}")
        sys.exit(0 if ok else 1)
    finally:
        if node.proc:
            node.kill()
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
