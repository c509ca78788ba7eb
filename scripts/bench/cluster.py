#!/usr/bin/env python3
"""A three-node statehouse cluster on loopback for the bench scripts: node 1 initializes, nodes 2 and 3
join through `statehouse cluster add-node`; every port is picked by the OS (port 0).

As a program it starts the cluster, waits until the shards are balanced and the leader is steady,
prints `cluster listening on http://A http://B http://C` and keeps the nodes up until it is terminated.
Usage: cluster.py --bin target/release/statehouse [--failure-timeout-ms 1000]
Only the Python standard library is used.
"""
import argparse
import json
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

SECRET = "bench-cluster-secret-0123456789"


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


def start_cluster(bin_path: str, work: Path, failure_timeout_ms: int, size: int = 3) -> list:
    """Starts `size` nodes and waits until they are balanced under a steady leader."""
    nodes = [Node(bin_path, work, i, failure_timeout_ms) for i in range(1, size + 1)]
    nodes[0].start(join=False)
    for node in nodes[1:]:
        def add(n):
            subprocess.run(
                [bin_path, "cluster", "add-node", "--endpoint", f"http://{nodes[0].api}",
                 "--id", str(n.id), "--address", n.cluster, "--secret", SECRET],
                check=True, stdout=subprocess.DEVNULL,
            )
        node.start(join=True, before_api=add)
    wait_balanced(nodes)
    wait_steady_leader(nodes)
    return nodes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--failure-timeout-ms", type=int, default=1000)
    args = parser.parse_args()
    nodes = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        nodes = start_cluster(args.bin, Path(tempfile.mkdtemp(prefix="statehouse-cluster.")), args.failure_timeout_ms)
        print("cluster listening on " + " ".join(f"http://{n.api}" for n in nodes), flush=True)
        while all(n.proc.poll() is None for n in nodes):
            time.sleep(0.5)
        sys.exit("a node stopped")
    finally:
        for node in nodes:
            if node.proc:
                node.kill()


if __name__ == "__main__":
    main()
