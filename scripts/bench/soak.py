#!/usr/bin/env python3
"""Soak: the default workflow load for many minutes on one node, then on a three-node cluster, with one
line per minute: transitions/s, p99 start->stop latency, errors, the servers' RSS, the size of their data
directories, snapshots built and the size of the largest last snapshot. Then the verdict: the last minute's rate against the first minute's
(target >= 0.9), and whether RSS and disk levelled off (the second half of the run grows them by less
than a fifth of what the first half did, or by less than 64 MiB).

Usage: soak.py --bin target/release/statehouse [--minutes 10] [--nodes 1,3] [--connections 64]
               [--config-line 'history_retention_seconds = 120' ...]
Exit status 0 only if every verdict holds. Only the Python standard library is used.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402  (the bench's cluster runner, next to this file)

MIB = 1 << 20
WRITE_CONFIG = cluster.Node.write_config


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dir_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def metric(api: str, name: str) -> float:
    with urllib.request.urlopen(f"http://{api}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def start_nodes(bin_path: str, work: Path, size: int, extra: list) -> list:
    """One node alone, or a cluster of `size`; every node's configuration also holds the lines `extra`."""
    def with_extra(self):
        WRITE_CONFIG(self)
        self.config.write_text(self.config.read_text() + "".join(line + "\n" for line in extra))

    cluster.Node.write_config = with_extra
    if size == 1:
        node = cluster.Node(bin_path, work, 1, 1000)
        node.start(join=False)
        return [node]
    return cluster.start_cluster(bin_path, work, 1000, size)


def soak(bin_path: str, nodes: list, minutes: int, connections: int) -> list:
    endpoints = []
    for node in nodes:
        endpoints += ["--endpoint", f"http://{node.api}"]
    rows = []
    print(f"{'minute':>6} {'transitions/s':>13} {'p99 ms':>8} {'errors':>6} {'RSS MiB':>8} {'disk MiB':>9} "
          f"{'snapshots':>9} {'snap MiB':>8} {'CPU us/transition':>17}")
    cpu_before = sum(cpu_seconds(n.proc.pid) for n in nodes)
    for minute in range(1, minutes + 1):
        run = subprocess.run(
            [bin_path, "load", "workflow", "--duration", "60s", "-c", str(connections), "--quiet", "--json"] + endpoints,
            capture_output=True, text=True,
        )
        if run.returncode != 0:
            sys.exit(f"load failed in minute {minute}: {run.stdout}\n{run.stderr}")
        report = json.loads(run.stdout)
        row = {
            "minute": minute,
            "transitions": report["figures"]["transitions/s"],
            "p99": report.get("otherLatenciesMs", {}).get("start->end seen by polling", report["latencyMs"])["p99"],
            "errors": report["errors"],
            "rss": sum(rss_bytes(n.proc.pid) for n in nodes),
            "disk": sum(dir_bytes(n.data_dir) for n in nodes),
            "snapshots": int(sum(metric(n.api, "statehouse_raft_snapshots_built_total") for n in nodes)),
            "snapshot_bytes": max(metric(n.api, "statehouse_raft_snapshot_bytes") for n in nodes),
        }
        cpu_now = sum(cpu_seconds(n.proc.pid) for n in nodes)
        transitions = row["transitions"] * report["elapsedSeconds"]
        row["cpu_us"] = (cpu_now - cpu_before) / max(transitions, 1) * 1e6
        cpu_before = cpu_now
        rows.append(row)
        print(f"{minute:>6} {row['transitions']:>13.0f} {row['p99']:>8.1f} {row['errors']:>6} "
              f"{row['rss'] / MIB:>8.0f} {row['disk'] / MIB:>9.0f} {row['snapshots']:>9} "
              f"{row['snapshot_bytes'] / MIB:>8.0f} {row['cpu_us']:>17.1f}"
              + (f"  errors by code: {report['errorsByCode']}" if row["errors"] else ""),
              flush=True)
    return rows


def levelled(values: list) -> bool:
    half = len(values) // 2
    first, second = values[half] - values[0], values[-1] - values[half]
    return second <= max(first / 5, 64 * MIB)


def verdict(name: str, rows: list) -> bool:
    ratio = rows[-1]["transitions"] / rows[0]["transitions"] if rows[0]["transitions"] else 0.0
    rss_ok, disk_ok = levelled([r["rss"] for r in rows]), levelled([r["disk"] for r in rows])
    errors = sum(r["errors"] for r in rows)
    ok = ratio >= 0.9 and rss_ok and disk_ok and errors == 0
    print(f"{name}: last/first minute {ratio:.3f} (target >= 0.9), RSS {'levelled off' if rss_ok else 'GROWING'}, "
          f"disk {'levelled off' if disk_ok else 'GROWING'}, {errors} errors, "
          f"{rows[-1]['snapshots']} snapshots: {'HOLDS' if ok else 'FAILS'}", flush=True)
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--nodes", default="1,3")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--config-line", action="append", default=[])
    args = parser.parse_args()
    held = True
    for size in [int(n) for n in args.nodes.split(",")]:
        work = Path(tempfile.mkdtemp(prefix="statehouse-soak."))
        nodes = []
        try:
            print(f"--- {size} node(s), {args.minutes} minutes, {args.connections} connections", flush=True)
            nodes = start_nodes(args.bin, work, size, args.config_line)
            held &= verdict(f"{size} node(s)", soak(args.bin, nodes, args.minutes, args.connections))
        finally:
            for node in nodes:
                if node.proc:
                    node.kill()
            subprocess.run(["rm", "-rf", str(work)])
    sys.exit(0 if held else 1)


if __name__ == "__main__":
    main()
