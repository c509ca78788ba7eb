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
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

SECRET = "failover-bench-cluster-secret-0123"
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


def get_json(url: str, timeout: float = 2.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class Node:
    def __init__(self, bin_path: str, work: Path, node_id: int, failure_timeout_ms: int):
        self.bin, self.id, self.failure_timeout_ms = bin_path, node_id, failure_timeout_ms
        self.config = work / f"node{node_id}.toml"
        self.data_dir = work / f"node{node_id}"
        self.log = open(work / f"node{node_id}.log", "ab")
        self.api = self.cluster = "127.0.0.1:0"
        self.proc = None

    def write_config(self):
        self.config.write_text(
            f'node_id = {self.id}\nlisten = "{self.api}"\ncluster_listen = "{self.cluster}"\n'
            f'data_dir = "{self.data_dir}"\ncluster_secret = "{SECRET}"\n'
            f"failure_timeout_ms = {self.failure_timeout_ms}\nlog = \"warn\"\n"
        )

    def start(self, join: bool, before_api=None):
        self.write_config()
        args = [self.bin, "serve", "--config", str(self.config)] + (["--join"] if join else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l.decode().strip()) for l in self.proc.stdout], daemon=True).start()

        def announced(prefix: str) -> str:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=1)
                except queue.Empty:
                    continue
                if line.startswith(prefix):
                    return line[len(prefix):]
            sys.exit(f"node {self.id} did not print '{prefix}'")

        self.cluster = announced("statehouse cluster port on ")
        if before_api:
            before_api(self)
        self.api = announced("statehouse listening on http://")
        self.write_config()

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None


def status(nodes) -> dict:
    for node in nodes:
        if node.proc:
            try:
                return get_json(f"http://{node.api}/cluster/status")
            except (urllib.error.URLError, OSError):
                continue
    sys.exit("no node answers /cluster/status")


def wait_balanced(nodes, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        members = status(nodes)["members"]
        counts = [m["shards"] for m in members]
        if len(members) == len(nodes) and all(m["reachable"] for m in members) and max(counts) - min(counts) <= 1:
            return
        time.sleep(0.1)
    sys.exit("the cluster did not rebalance")


def wait_steady_leader(nodes, timeout: float = 60):
    """Until every node has named the same leader on ten polls in a row (100 ms apart)."""
    deadline, agreed = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        try:
            leaders = {get_json(f"http://{n.api}/health")["leader"] for n in nodes}
        except (urllib.error.URLError, OSError):
            leaders = set()
        agreed = agreed + 1 if len(leaders) == 1 and None not in leaders else 0
        if agreed >= 10:
            return
        time.sleep(0.1)
    sys.exit("the nodes do not agree on a leader")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--failure-timeout-ms", type=int, default=1000)
    parser.add_argument("--load-rate", type=float, default=200.0, help="executions/s of background load")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="statehouse-failover."))
    nodes = [Node(args.bin, work, i, args.failure_timeout_ms) for i in (1, 2, 3)]
    load = None
    try:
        nodes[0].start(join=False)
        for node in nodes[1:]:
            def add(n):
                subprocess.run(
                    [args.bin, "cluster", "add-node", "--endpoint", f"http://{nodes[0].api}",
                     "--id", str(n.id), "--address", n.cluster, "--secret", SECRET],
                    check=True, stdout=subprocess.DEVNULL,
                )
            node.start(join=True, before_api=add)
        wait_balanced(nodes)
        wait_steady_leader(nodes)
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
        load.terminate()
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
