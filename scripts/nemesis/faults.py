"""The faults the nemesis injects. Each takes the cluster and its current leader, injects its fault and
answers a description and the function that heals it."""
import random


def others(cluster, node) -> list:
    return [n for n in cluster.nodes if n is not node]


def followers(cluster, leader) -> list:
    return [n for n in cluster.nodes if n is not leader]


def isolate(cluster, node) -> None:
    for other in others(cluster, node):
        node.cut_from(other)
        other.cut_from(node)


def heal_links(cluster):
    def heal():
        for node in cluster.nodes:
            node.heal_links()
    return heal


def partition_leader(cluster, leader):
    isolate(cluster, leader)
    return f"node {leader.id} (leader) cut off from the others", heal_links(cluster)


def partition_follower(cluster, leader):
    victim = random.choice(followers(cluster, leader))
    isolate(cluster, victim)
    return f"node {victim.id} (follower) cut off from the others", heal_links(cluster)


def bridge_partition(cluster, leader):
    """Two nodes cannot reach each other; the third (the bridge) reaches both. The leader is one of the
    two, so the bridge sees a leader its peer cannot."""
    a = leader
    b = random.choice(others(cluster, leader))
    bridge = next(n for n in cluster.nodes if n is not a and n is not b)
    a.cut_from(b)
    b.cut_from(a)
    return f"nodes {a.id} (leader) and {b.id} cut from each other; node {bridge.id} sees both", heal_links(cluster)


def pause_leader(cluster, leader):
    leader.pause()
    return f"node {leader.id} (leader) paused", leader.resume


def pause_follower(cluster, leader):
    victim = random.choice(followers(cluster, leader))
    victim.pause()
    return f"node {victim.id} (follower) paused", victim.resume


def restart(node):
    def heal():
        node.start()
    return heal


def kill_leader(cluster, leader):
    leader.kill()
    return f"node {leader.id} (leader) killed with SIGKILL", restart(leader)


def kill_owner(cluster, leader):
    """Kills the follower that owns the most shards (every node owns executions in flight)."""
    status = leader.status() or {"shardMap": []}
    owned = {}
    for shard in status["shardMap"]:
        owned[shard["owner"]] = owned.get(shard["owner"], 0) + 1
    victim = max(followers(cluster, leader), key=lambda n: owned.get(n.id, 0))
    victim.kill()
    return f"node {victim.id} (owner of {owned.get(victim.id, 0)} shards) killed with SIGKILL", restart(victim)


def kill_follower(cluster, leader):
    victim = random.choice(followers(cluster, leader))
    victim.kill()
    return f"node {victim.id} (follower) killed with SIGKILL", restart(victim)


def full_disk(cluster, leader):
    """Fills the last node's disk (its data directory is a tmpfs); freed at heal."""
    victim = cluster.nodes[-1]
    victim.fill_disk()
    return f"node {victim.id}'s disk full", victim.free_disk


def leader_cut_while_follower_killed(cluster, leader):
    """Overlapping faults: no majority is left until both heal."""
    victim = random.choice(followers(cluster, leader))
    victim.kill()
    isolate(cluster, leader)

    def heal():
        heal_links(cluster)()
        victim.start()
    return f"node {victim.id} killed while node {leader.id} (leader) is cut off", heal


ALL = [
    partition_leader, partition_follower, bridge_partition, pause_leader, pause_follower,
    kill_leader, kill_owner, kill_follower, full_disk, leader_cut_while_follower_killed,
]
