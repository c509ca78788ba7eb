//! Sustained load across snapshots: a node keeps serving after each snapshot of its state, restarts from
//! one after `kill -9`, and a follower that was down while the log behind it was purged catches up from a
//! snapshot streamed by the leader.

use std::process::Command;

use crate::cluster::TestCluster;
use crate::server::TestServer;

/// Log entries between two snapshots in these tests, however large the state has grown.
const SNAPSHOT_EVERY: u64 = 300;

fn snapshot_policy() -> String {
    format!("snapshot_every = {SNAPSHOT_EVERY}\nsnapshot_state_ratio = 0.0")
}

/// Runs `statehouse load workflow` for `count` executions against `endpoints`; panics unless every call
/// succeeded and every execution ended SUCCEEDED.
fn workflow_round(endpoints: &[&str], count: u64) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_statehouse"));
    command.args(["load", "workflow", "--count", &count.to_string(), "-c", "16", "--quiet", "--json"]);
    for endpoint in endpoints {
        command.args(["--endpoint", &format!("http://{endpoint}")]);
    }
    let output = command.output().expect("run statehouse load");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "load failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["errors"], 0, "every call succeeds: {report}");
    assert!(report["operations"].as_u64().unwrap_or(0) >= count, "{report}");
}

fn metric(address: &str, name: &str) -> u64 {
    crate::server::metric(address, name) as u64
}

fn snapshot_files(data_dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(data_dir.join("snapshots"))
        .expect("the snapshot directory exists")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".snap"))
        .collect()
}

async fn describe_status(sfn: &aws_sdk_sfn::Client, arn: &str) -> String {
    let described = sfn.describe_execution().execution_arn(arn).send().await.expect("the execution is found");
    described.status().as_str().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_serves_every_call_across_snapshots_and_restarts_from_one() {
    let server = TestServer::start_with_config(&snapshot_policy());
    let sfn = server.client();
    let machine = sfn
        .create_state_machine()
        .name("before-snapshots")
        .role_arn(crate::server::ROLE)
        .definition(r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        .send()
        .await
        .expect("created");
    let first = sfn.start_execution().state_machine_arn(machine.state_machine_arn()).send().await.expect("started");

    tracing::info!("--- load crosses three snapshots, and every call succeeds, before and after each");
    let mut rounds = 0;
    while metric(&server.address, "statehouse_raft_snapshots_built_total") < 3 {
        rounds += 1;
        assert!(rounds <= 40, "three snapshots within 40 rounds of load");
        workflow_round(&[&server.address], 200);
    }
    workflow_round(&[&server.address], 200);
    assert_eq!(snapshot_files(&server.data_dir).len(), 1, "only the newest snapshot is kept");

    tracing::info!("--- after kill -9 the node restarts from its snapshot and purged log, and serves again");
    let server = server.kill_and_restart();
    let sfn = server.client();
    assert_eq!(describe_status(&sfn, first.execution_arn()).await, "SUCCEEDED", "state from before the snapshots");
    workflow_round(&[&server.address], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_that_was_down_catches_up_from_a_snapshot() {
    let mut cluster = TestCluster::start_with(3, &snapshot_policy());
    cluster.wait_balanced().await;
    let leader = cluster.leader().await;
    let follower = cluster.nodes.iter().map(|n| n.id).find(|id| *id != leader).expect("a follower");
    let api = |id: u64| cluster.nodes.iter().find(|n| n.id == id).expect("node").api.clone();
    let (leader_api, follower_api) = (api(leader), api(follower));
    let down_at = metric(&follower_api, "statehouse_raft_applied_index");

    tracing::info!("--- a follower is killed; the others go on through three snapshots and purge the log behind them");
    cluster.kill(follower);
    cluster.wait_shards_on_live_nodes().await;
    let live: Vec<String> = cluster.nodes.iter().filter(|n| n.id != follower).map(|n| n.api.clone()).collect();
    let live: Vec<&str> = live.iter().map(String::as_str).collect();
    let mut rounds = 0;
    while metric(&leader_api, "statehouse_raft_snapshots_built_total") < 3
        || metric(&leader_api, "statehouse_raft_applied_index") < down_at + 1_000 + 2 * SNAPSHOT_EVERY
    {
        rounds += 1;
        assert!(rounds <= 60, "the log moves far enough within 60 rounds of load");
        workflow_round(&live, 200);
    }
    let sfn = crate::server::client_for(&leader_api);
    let machine = sfn
        .create_state_machine()
        .name("while-down")
        .role_arn(crate::server::ROLE)
        .definition(r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        .send()
        .await
        .expect("created");
    let marker = sfn.start_execution().state_machine_arn(machine.state_machine_arn()).send().await.expect("started");
    let leader_index = metric(&leader_api, "statehouse_raft_applied_index");

    tracing::info!("--- the follower comes back, installs the leader's snapshot and catches up");
    cluster.restart(follower);
    let mut waited = 0;
    while metric(&follower_api, "statehouse_raft_applied_index") < leader_index {
        waited += 1;
        assert!(waited <= 600, "the follower catches up within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(metric(&follower_api, "statehouse_raft_snapshots_installed_total") >= 1, "it caught up from a snapshot");
    let follower_sfn = crate::server::client_for(&follower_api);
    assert_eq!(describe_status(&follower_sfn, marker.execution_arn()).await, "SUCCEEDED");
    let follower_node = cluster.nodes.iter().find(|n| n.id == follower).expect("node");
    assert_eq!(snapshot_files(&follower_node.data_dir).len(), 1, "the installed snapshot is kept");

    tracing::info!("--- every node serves load again");
    let all: Vec<String> = cluster.nodes.iter().map(|n| n.api.clone()).collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    workflow_round(&all, 200);
}
