"""Three statehouse nodes, each in its own network namespace on one bridge, so that the nemesis can cut
links between nodes (iptables inside a namespace), pause a node (SIGSTOP), kill it (SIGKILL) and fill its
disk (its data directory is a tmpfs of a fixed size). The client runs in the root namespace and reaches
every node over the bridge. Needs root, iproute2 and iptables."""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

BRIDGE = "shnem0"
SUBNET = "10.77.0"
API_PORT = 8080
CLUSTER_PORT = 9090
SECRET = "nemesis-cluster-secret-0123456789"


def sh(*args: str, check: bool = True) -> None:
    subprocess.run(args, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def get_json(url: str, timeout: float = 2.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class Node:
    """One statehouse process in namespace `shnem<id>` at 10.77.0.<id>."""

    def __init__(self, bin_path: str, work: Path, node_id: int, size: int, disk_mib: int):
        self.bin, self.id = bin_path, node_id
        self.ns, self.ip = f"shnem{node_id}", f"{SUBNET}.{node_id}"
        self.api = f"{self.ip}:{API_PORT}"
        self.data_dir = work / f"node{node_id}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.disk_mib = disk_mib
        if disk_mib:
            sh("mount", "-t", "tmpfs", "-o", f"size={disk_mib}m", "tmpfs", str(self.data_dir))
        members = ", ".join(f'"{i}={SUBNET}.{i}:{CLUSTER_PORT}"' for i in range(1, size + 1))
        self.config = work / f"node{node_id}.toml"
        self.config.write_text(
            f'node_id = {node_id}\nlisten = "{self.api}"\ncluster_listen = "{self.ip}:{CLUSTER_PORT}"\n'
            f'data_dir = "{self.data_dir}/data"\ncluster_secret = "{SECRET}"\n'
            f"initial_members = [{members}]\nfailure_timeout_ms = 1000\nlog = \"warn\"\n"
        )
        self.log_path = work / f"node{node_id}.log"
        self.proc = None
        self.paused = False

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, self.bin, "serve", "--config", str(self.config)],
            stdout=log, stderr=log,
        )

    def kill(self) -> None:
        if self.proc:
            if self.paused:
                self.resume()
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)
        self.paused = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def health(self) -> dict | None:
        try:
            return get_json(f"http://{self.api}/health", timeout=1.0)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def status(self) -> dict | None:
        try:
            return get_json(f"http://{self.api}/cluster/status", timeout=3.0)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def cut_from(self, other: "Node") -> None:
        """Drops every packet between this node and `other`, both ways, inside this node's namespace."""
        for chain, flag in (("INPUT", "-s"), ("OUTPUT", "-d")):
            sh("ip", "netns", "exec", self.ns, "iptables", "-A", chain, flag, other.ip, "-j", "DROP")

    def heal_links(self) -> None:
        sh("ip", "netns", "exec", self.ns, "iptables", "-F")

    def fill_disk(self) -> None:
        """Takes every free byte of the data directory's tmpfs."""
        free = os.statvfs(self.data_dir)
        ballast = self.data_dir / "ballast"
        sh("fallocate", "-l", str(free.f_bavail * free.f_frsize), str(ballast), check=False)

    def free_disk(self) -> None:
        (self.data_dir / "ballast").unlink(missing_ok=True)


class Cluster:
    """The bridge, the namespaces and the nodes; `close()` removes all of them."""

    def __init__(self, bin_path: str, work: Path, size: int = 3, disk_mib: int = 1024):
        self.close_network()
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "addr", "add", f"{SUBNET}.254/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        # Docker's FORWARD policy may drop bridged traffic when br_netfilter is loaded.
        sh("iptables", "-I", "FORWARD", "-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT", check=False)
        for i in range(1, size + 1):
            ns = f"shnem{i}"
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "add", f"{ns}h", "type", "veth", "peer", "name", f"{ns}n")
            sh("ip", "link", "set", f"{ns}n", "netns", ns)
            sh("ip", "link", "set", f"{ns}h", "master", BRIDGE, "up")
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{SUBNET}.{i}/24", "dev", f"{ns}n")
            sh("ip", "netns", "exec", ns, "ip", "link", "set", f"{ns}n", "up")
            sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        # Only the last node's disk is a small tmpfs: the full-disk fault fills it.
        self.nodes = [Node(bin_path, work, i, size, disk_mib if i == size else 0) for i in range(1, size + 1)]
        for node in self.nodes:
            node.start()

    def close(self) -> None:
        for node in self.nodes:
            node.kill()
            if node.disk_mib:
                sh("umount", "-l", str(node.data_dir), check=False)
        self.close_network()

    @staticmethod
    def close_network() -> None:
        for i in range(1, 10):
            sh("ip", "netns", "del", f"shnem{i}", check=False)
        sh("ip", "link", "del", BRIDGE, check=False)
        sh("iptables", "-D", "FORWARD", "-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT", check=False)

    def leader(self) -> "Node | None":
        """The node every live, unpaused node names as leader, or None while they disagree."""
        named = {(n.health() or {}).get("leader") for n in self.live()}
        if len(named) != 1 or None in named:
            return None
        leader = named.pop()
        return next((n for n in self.nodes if n.id == leader), None)

    def live(self) -> list:
        return [n for n in self.nodes if n.alive() and not n.paused]

    def converged(self) -> bool:
        """Every node up, one leader named by all, every member reachable and every shard owned by a
        member."""
        leader = self.leader()
        if len(self.live()) != len(self.nodes) or leader is None:
            return False
        status = leader.status()
        if not status or not all(m["reachable"] for m in status["members"]):
            return False
        return all(s["owner"] in {m["id"] for m in status["members"]} for s in status["shardMap"])

    def wait_converged(self, timeout: float) -> float | None:
        """Seconds until the cluster converged (polled every 100 ms), or None after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.converged():
                return time.monotonic() - started
            time.sleep(0.1)
        return None
