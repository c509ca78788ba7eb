#!/usr/bin/env python3
"""A nemesis under load: three statehouse nodes in network namespaces, a steady mixed load through every
node, and faults injected one after another (partitions of the leader and of a follower, a bridge
partition, pauses, kill -9 of the leader, an owner and a follower, a full disk, and overlapping faults),
each healed before the next. At the end a checker compares what clients were told with what every node
holds (see checker.py).

Prints the figures (operations acknowledged, faults, time to converge after each heal, availability during
each fault, anomalies), writes them as JSON to --report, and exits 1 if any anomaly was found.
Usage (as root): nemesis.py --bin target/release/statehouse [--minutes 3]
Only the Python standard library is used."""
import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import faults
from checker import check
from load import Load
from load import Record
from load import call
from topology import Cluster

CONVERGE_TIMEOUT = 60
DRAIN_TIMEOUT = 180
# Calls whose answer says nothing about availability: a long poll may end empty by design.
NOT_COUNTED = {"GetActivityTask"}
UNANSWERED = {"timeout", "unreachable", "ServiceUnavailable"}


def availability(record, since: float, until: float) -> dict:
    attempts = [a for a in record.attempts if since <= a.sent < until and a.operation not in NOT_COUNTED]
    answered = [a for a in attempts if a.code not in UNANSWERED]
    codes = {}
    for a in attempts:
        if a.code != "ok":
            codes[a.code] = codes.get(a.code, 0) + 1
    return {"requests": len(attempts), "answered": len(answered),
            "share": round(len(answered) / len(attempts), 3) if attempts else None, "errors": codes}


def drain(cluster, machine: str) -> bool:
    """Until no execution of `machine` is RUNNING on the leader, or DRAIN_TIMEOUT."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        leader = cluster.leader()
        if leader:
            try:
                page = call(leader.api, "ListExecutions",
                            {"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1})
                if not page["executions"]:
                    return True
            except Exception:
                pass
        time.sleep(1)
    return False


def wait_applied_equal(cluster, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leader = cluster.leader()
        status = leader.status() if leader else None
        if status and len({m["appliedIndex"] for m in status["members"]}) == 1:
            return True
        time.sleep(0.5)
    return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--rate", type=float, default=10, help="executions started per second")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--fault-seconds", type=float, default=8)
    parser.add_argument("--disk-mib", type=int, default=1024)
    parser.add_argument("--report", default="nemesis-report.json")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    random.seed(args.seed)
    work = Path(tempfile.mkdtemp(prefix="statehouse-nemesis."))
    print(f"nemesis: seed {args.seed}, work directory {work}", flush=True)
    cluster = Cluster(args.bin, work, disk_mib=args.disk_mib)
    record, anomalies, injected, restarts = Record(), [], [], []
    load = None
    try:
        if cluster.wait_converged(CONVERGE_TIMEOUT) is None:
            print("the cluster did not form", file=sys.stderr)
            return 1
        load = Load({n.id: n.api for n in cluster.nodes}, args.rate, args.workers, record)
        machine = load.setup()
        load.run()
        time.sleep(5)
        began = time.monotonic()
        schedule = []
        while time.monotonic() - began < args.minutes * 60:
            if not schedule:
                schedule = random.sample(faults.ALL, len(faults.ALL))
            fault = schedule.pop()
            leader = cluster.leader() if cluster.wait_converged(CONVERGE_TIMEOUT) is not None else None
            if leader is None:
                anomalies.append("the cluster had not converged before the next fault")
                break
            since = time.time()
            what, heal = fault(cluster, leader)
            print(f"  fault at {since:.3f}: {what}", flush=True)
            time.sleep(args.fault_seconds)
            heal()
            healed = time.time()
            for node in cluster.nodes:
                if not node.alive():
                    # A node whose storage fails (a full disk) exits and is restarted by its supervisor,
                    # played here by the nemesis; any other exit is an anomaly.
                    if fault is faults.full_disk and "the Raft core stopped" in node.log_path.read_text(errors="replace"):
                        restarts.append(f"node {node.id} exited on its full disk and was restarted")
                    else:
                        anomalies.append(f"node {node.id} exited during '{what}' (see {node.log_path})")
                    node.start()
            converged = cluster.wait_converged(CONVERGE_TIMEOUT)
            if converged is None:
                anomalies.append(f"the cluster did not converge within {CONVERGE_TIMEOUT} s after '{what}' healed")
            injected.append({"fault": fault.__name__, "what": what,
                             "converged_seconds": None if converged is None else round(converged, 2),
                             "availability": availability(record, since, healed)})
            print(f"    healed at {healed:.3f}; converged in {converged if converged is None else round(converged, 2)} s; "
                  f"availability {injected[-1]['availability']['share']}", flush=True)
            time.sleep(3)
        load.stop_starting()
        if not drain(cluster, machine):
            anomalies.append(f"executions still RUNNING {DRAIN_TIMEOUT} s after the load stopped")
        load.stop()
        if not wait_applied_equal(cluster):
            anomalies.append("the nodes did not reach the same applied index")
        found, outcomes = check({n.id: n.api for n in cluster.nodes}, record)
        anomalies += found
    finally:
        if load:
            load.stopping.set()
        cluster.close()
    acknowledged = {}
    for a in record.attempts:
        if a.code == "ok":
            acknowledged[a.operation] = acknowledged.get(a.operation, 0) + 1
    report = {"seed": args.seed, "minutes": args.minutes, "acknowledged": acknowledged,
              "executions": {"acknowledged": len(record.started), "unanswered": len(record.maybe_started),
                             "outcomes": outcomes},
              "faults": injected, "restarts": restarts, "anomalies": anomalies}
    Path(args.report).write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("acknowledged", "executions")}, indent=2))
    for fault in injected:
        print(f"{fault['fault']:34} converged {fault['converged_seconds']} s, "
              f"answered {fault['availability']['share']} of {fault['availability']['requests']} requests "
              f"{fault['availability']['errors']}")
    for restart in restarts:
        print(f"  {restart}")
    print(f"{len(injected)} faults, {len(anomalies)} anomalies")
    for anomaly in anomalies[:50]:
        print(f"  ANOMALY {anomaly}")
    return 1 if anomalies else 0


if __name__ == "__main__":
    sys.exit(main())
