#!/usr/bin/env python3
"""Inline Maps of growing size, each iteration a `Wait 1 s`, `MaxConcurrency: 40` (as AWS runs inline Maps):
per size, the time end to end (against the items/40 seconds the waits take), the bytes the node wrote
(Raft log + state, from its counters; and the growth of its data directory) and its CPU seconds, per item.
Targets: per-item cost at the largest size within 1.5x of that at the smallest; 1,000 items write <= 10 MB
and end within 10% of the 25 s their waits take.

Usage: map.py --bin target/release/statehouse [--items 200,1000,5000] [--baseline-bin OLD --baseline-items 200,1000]
Only the Python standard library is used (the API is called over HTTP directly).
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402  (the bench's node runner, next to this file)
from soak import cpu_seconds, dir_bytes  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/sfn"
DEFINITION = {
    "StartAt": "Each",
    "States": {"Each": {"Type": "Map", "MaxConcurrency": 40, "End": True,
                        "ItemProcessor": {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 1, "End": True}}}}},
}


def call(api: str, operation: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://{api}/", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AWSStepFunctions.{operation}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def counters(api: str) -> float:
    total = 0.0
    with urllib.request.urlopen(f"http://{api}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(("statehouse_state_bytes_written_total ", "statehouse_raft_log_bytes_appended_total ")):
                total += float(line.split()[1])
    return total


def run_map(node, items: int) -> dict:
    machine = call(node.api, "CreateStateMachine", {
        "name": f"map-{items}-{time.time_ns()}", "definition": json.dumps(DEFINITION), "roleArn": ROLE})["stateMachineArn"]
    before = (counters(node.api), dir_bytes(node.data_dir), cpu_seconds(node.proc.pid))
    started = time.monotonic()
    arn = call(node.api, "StartExecution", {"stateMachineArn": machine, "input": json.dumps(list(range(items)))})["executionArn"]
    while True:
        described = call(node.api, "DescribeExecution", {"executionArn": arn})
        if described["status"] != "RUNNING":
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    if described["status"] != "SUCCEEDED":
        sys.exit(f"the Map of {items} items ended {described['status']}: {described.get('cause')}")
    return {
        "items": items,
        "seconds": elapsed,
        "waits": items / 40,
        "bytes": counters(node.api) - before[0],
        "disk": dir_bytes(node.data_dir) - before[1],
        "cpu": cpu_seconds(node.proc.pid) - before[2],
    }


def measure(bin_path: str, sizes: list, name: str) -> list:
    work = Path(tempfile.mkdtemp(prefix="statehouse-map."))
    node = cluster.Node(bin_path, work, 1, 1000)
    node.start(join=False)
    rows = []
    try:
        print(f"--- {name}")
        print(f"{'items':>6} {'seconds':>8} {'waits s':>8} {'MB written':>10} {'B/item':>8} {'disk MB':>8} {'CPU s':>6} {'CPU ms/item':>11}")
        for items in sizes:
            row = run_map(node, items)
            rows.append(row)
            print(f"{items:>6} {row['seconds']:>8.1f} {row['waits']:>8.1f} {row['bytes'] / 1e6:>10.2f} "
                  f"{row['bytes'] / items:>8.0f} {row['disk'] / 1e6:>8.1f} {row['cpu']:>6.2f} {row['cpu'] * 1000 / items:>11.3f}",
                  flush=True)
    finally:
        node.kill()
        subprocess.run(["rm", "-rf", str(work)])
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--items", default="200,1000,5000")
    parser.add_argument("--baseline-bin")
    parser.add_argument("--baseline-items", default="200,1000")
    args = parser.parse_args()
    rows = measure(args.bin, [int(n) for n in args.items.split(",")], "this build")
    if args.baseline_bin:
        measure(args.baseline_bin, [int(n) for n in args.baseline_items.split(",")], f"baseline {args.baseline_bin}")
    small, large = rows[0], rows[-1]
    per_item = lambda row, key: row[key] / row["items"]  # noqa: E731
    bytes_ratio = per_item(large, "bytes") / per_item(small, "bytes")
    cpu_ratio = per_item(large, "cpu") / max(per_item(small, "cpu"), 1e-9)
    ok = bytes_ratio <= 1.5 and cpu_ratio <= 1.5
    print(f"bytes per item at {large['items']} vs {small['items']}: {bytes_ratio:.2f}x; CPU per item: {cpu_ratio:.2f}x "
          f"(target <= 1.5x): {'MET' if ok else 'MISSED'}")
    for row in rows:
        if row["items"] == 1000:
            fits = row["bytes"] <= 10e6 and row["seconds"] <= row["waits"] * 1.1
            ok &= fits
            print(f"1,000 items: {row['bytes'] / 1e6:.2f} MB written (target <= 10), {row['seconds']:.1f} s "
                  f"(target <= {row['waits'] * 1.1:.1f}): {'MET' if fits else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
