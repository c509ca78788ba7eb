#!/usr/bin/env python3
"""Failover time of a three-node cluster on loopback: kill -9 of a shard owner while `statehouse load
workflow` runs against all nodes, until an execution in one of the killed node's shards has run to the
end on the survivors. Kills rotate over the nodes (so the leader is among them); each killed node is
restarted and the shards rebalanced before the next kill. Prints p50/p99/max over the kills.

Usage: failover.py --bin target/release/statehouse [--kills 20] [--failure-timeout-ms 1000]
Only the Python standard library is used; every port is picked by the OS (port 0).
"""
import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from cluster import start_cluster
from cluster import status
from cluster import wait_balanced
from cluster import wait_steady_leader

ACCOUNT_PREFIX = "arn:aws:states:us-east-1:123456789012"


def shard_of(key: str, count: int) -> int:
    """The shard of a key, as the server computes it (FNV-1a 64 modulo the shard count)."""
    h = 0xCBF29CE484222325
    for byte in key.encode():
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h % count


def call(api: str, operation: str, body: dict, timeout: float = 5.0) -> dict:
    request = urllib.request.Request(
        f"http://{api}/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AWSStepFunctions.{operation}"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--failure-timeout-ms", type=int, default=1000)
    parser.add_argument("--load-rate", type=float, default=200.0, help="executions/s of background load")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="statehouse-failover."))
    nodes, load = [], None
    try:
        nodes = start_cluster(args.bin, work, args.failure_timeout_ms)
        machine = call(nodes[0].api, "CreateStateMachine", {
            "name": "failover-probe",
            "definition": json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            "roleArn": "arn:aws:iam::123456789012:role/bench",
        })["stateMachineArn"]
        load = subprocess.Popen(
            [args.bin, "load", "workflow", "--duration", "3600s", "--rate", str(args.load_rate), "-c", "32",
             "--quiet", "--json"] + [a for n in nodes for a in ("--endpoint", f"http://{n.api}")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        samples = []
        for kill in range(args.kills):
            victim = nodes[kill % len(nodes)]
            current = status(nodes)
            was_leader = current["leader"] == victim.id
            owned = {s["shard"] for s in current["shardMap"] if s["owner"] == victim.id}
            count = len(current["shardMap"])
            name = next(
                f"probe-{kill}-{i}" for i in range(100000)
                if shard_of(f"{ACCOUNT_PREFIX}:execution:failover-probe:probe-{kill}-{i}", count) in owned
            )
            survivors = [n for n in nodes if n is not victim]
            started = time.monotonic()
            victim.kill()
            arn, turn = None, 0
            while True:
                api = survivors[turn % len(survivors)].api
                turn += 1
                try:
                    if arn is None:
                        arn = call(api, "StartExecution", {"stateMachineArn": machine, "name": name})["executionArn"]
                    if call(api, "DescribeExecution", {"executionArn": arn})["status"] == "SUCCEEDED":
                        break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() - started > 60:
                    sys.exit(f"kill {kill}: shards of node {victim.id} not served within 60 s")
                time.sleep(0.01)
            elapsed = time.monotonic() - started
            samples.append(elapsed)
            print(f"kill {kill + 1:2}: node {victim.id}{' (leader)' if was_leader else ''}: "
                  f"served again after {elapsed * 1000:.0f} ms", flush=True)
            victim.start(join=False)
            wait_balanced(nodes)
            wait_steady_leader(nodes)
        load.send_signal(signal.SIGINT)
        report = json.loads(load.communicate()[0] or b"{}")
        samples.sort()
        p = lambda q: samples[min(len(samples) - 1, int(round(q * (len(samples) - 1))))]
        print(f"failover over {len(samples)} kills (failure_timeout_ms={args.failure_timeout_ms}): "
              f"p50 {p(0.5) * 1000:.0f} ms, p99 {p(0.99) * 1000:.0f} ms, max {samples[-1] * 1000:.0f} ms, "
              f"mean {statistics.mean(samples) * 1000:.0f} ms")
        print(f"background load: {report.get('figures', {}).get('executions/s', '?')} executions/s, "
              f"{report.get('errors', '?')} errors (calls to killed nodes)")
        print(f"p99 vs target 3000 ms: {'MET' if p(0.99) < 3.0 else 'MISSED'}")
    finally:
        if load and load.poll() is None:
            load.kill()
        for node in nodes:
            if node.proc:
                node.kill()


if __name__ == "__main__":
    main()
