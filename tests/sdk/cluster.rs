//! A real multi-node cluster for tests: the first node initializes it, the others start with `--join` and
//! are added with `statehouse cluster add-node`, all on free loopback ports. Each node can be killed with
//! SIGKILL and restarted on the same ports and data directory.

use std::io::BufRead;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::Child;
use std::process::Command;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::server::client_for;

pub const SECRET: &str = "a-test-cluster-secret-0123456789";

/// One node process.
pub struct ClusterNode {
    pub id: u64,
    /// Where the node keeps its data.
    pub data_dir: PathBuf,
    child: Option<Child>,
    pub api: String,
    pub cluster: String,
    config: PathBuf,
}

/// Several nodes sharing a temp directory.
pub struct TestCluster {
    pub nodes: Vec<ClusterNode>,
    strangers: Vec<Child>,
    _temp: tempfile::TempDir,
}

enum Announced {
    Cluster(String),
    Api(String),
}

/// Set to a log filter (e.g. `info`) to see the nodes' logs on the test's stderr.
const NODE_LOG_ENV: &str = "TEST_NODE_LOG";

fn spawn(config: &PathBuf, join: bool) -> (Child, mpsc::Receiver<Announced>) {
    let node_log = std::env::var(NODE_LOG_ENV).ok();
    let forward_logs = node_log.is_some();
    let mut command = Command::new(env!("CARGO_BIN_EXE_statehouse"));
    command.args(["serve", "--config"]).arg(config);
    if join {
        command.arg("--join");
    }
    let mut child = command
        .env("STATEHOUSE_ACTIVITY_POLL_SECONDS", "1")
        .env("RUST_LOG", node_log.as_deref().unwrap_or("warn"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn statehouse");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if forward_logs {
                eprintln!("node: {line}");
            }
            if let Some(address) = line.strip_prefix("statehouse cluster port on ") {
                let _ = tx.send(Announced::Cluster(address.to_string()));
            } else if let Some(address) = line.strip_prefix("statehouse listening on http://") {
                let _ = tx.send(Announced::Api(address.to_string()));
            }
        }
    });
    (child, rx)
}

fn announced(rx: &mpsc::Receiver<Announced>, api: bool) -> String {
    loop {
        match rx.recv_timeout(Duration::from_secs(60)).expect("the node announces its addresses") {
            Announced::Cluster(address) if !api => return address,
            Announced::Api(address) if api => return address,
            _ => {}
        }
    }
}

/// Writes a node's configuration; port 0 on first start, the ports it got on every restart.
fn write_config(path: &PathBuf, id: u64, data_dir: &std::path::Path, api: &str, cluster: &str, extra: &str) {
    write_config_with_secret(path, id, data_dir, api, cluster, SECRET);
    let written = std::fs::read_to_string(path).expect("read config");
    std::fs::write(path, format!("{written}{extra}\n")).expect("write config");
}

fn write_config_with_secret(
    path: &PathBuf,
    id: u64,
    data_dir: &std::path::Path,
    api: &str,
    cluster: &str,
    secret: &str,
) {
    let toml = format!(
        "node_id = {id}\nlisten = \"{api}\"\ncluster_listen = \"{cluster}\"\ndata_dir = \"{}\"\n\
         cluster_secret = \"{secret}\"\nfailure_timeout_ms = 1500\n",
        data_dir.display()
    );
    std::fs::write(path, toml).expect("write config");
}

impl TestCluster {
    /// Starts `size` nodes: node 1 initializes, the others join through `statehouse cluster add-node`.
    pub fn start(size: u64) -> TestCluster {
        TestCluster::start_with(size, "")
    }

    /// Starts `size` nodes whose configurations also hold the TOML lines `extra`.
    pub fn start_with(size: u64, extra: &str) -> TestCluster {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut nodes: Vec<ClusterNode> = Vec::new();
        for id in 1..=size {
            let config = temp.path().join(format!("node{id}.toml"));
            let data_dir = temp.path().join(format!("node{id}"));
            write_config(&config, id, &data_dir, "127.0.0.1:0", "127.0.0.1:0", extra);
            let (child, rx) = spawn(&config, id > 1);
            let cluster = announced(&rx, false);
            if id > 1 {
                let added = add_node(&nodes[0].api, id, &cluster);
                assert!(added.status.success(), "node {id} is added: {}", String::from_utf8_lossy(&added.stderr));
            }
            let api = announced(&rx, true);
            write_config(&config, id, &data_dir, &api, &cluster, extra);
            nodes.push(ClusterNode { id, data_dir, child: Some(child), api, cluster, config });
        }
        TestCluster { nodes, strangers: Vec::new(), _temp: temp }
    }

    /// Starts a node that holds `secret` and waits to be added; returns its cluster address. The process
    /// is stopped with the cluster.
    pub fn spawn_joining(&mut self, id: u64, secret: &str) -> String {
        let config = self._temp.path().join(format!("node{id}.toml"));
        let data_dir = self._temp.path().join(format!("node{id}"));
        write_config_with_secret(&config, id, &data_dir, "127.0.0.1:0", "127.0.0.1:0", secret);
        let (child, rx) = spawn(&config, true);
        let cluster = announced(&rx, false);
        self.strangers.push(child);
        cluster
    }

    /// SDK clients for every node.
    pub fn clients(&self) -> Vec<aws_sdk_sfn::Client> {
        self.nodes.iter().map(|node| client_for(&node.api)).collect()
    }

    /// SDK clients for the nodes that are running (not killed).
    pub fn live_clients(&self) -> Vec<aws_sdk_sfn::Client> {
        self.nodes.iter().filter(|node| node.child.is_some()).map(|node| client_for(&node.api)).collect()
    }

    /// `GET /cluster/status` from the first live node that answers.
    pub async fn status(&self) -> Value {
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            if let Ok(status) = node_status(&node.api).await {
                return status;
            }
        }
        panic!("no node answers /cluster/status");
    }

    /// The current leader's id, once a live node reports one that is alive.
    pub async fn leader(&self) -> u64 {
        for _ in 0..200 {
            for node in self.nodes.iter().filter(|n| n.child.is_some()) {
                let Ok(status) = node_status(&node.api).await else { continue };
                if let Some(leader) = status["leader"].as_u64() {
                    if self.nodes.iter().any(|n| n.id == leader && n.child.is_some()) {
                        return leader;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no live leader within 20 s");
    }

    /// Waits until every shard is owned by a live node (after a kill, the controller moves them).
    pub async fn wait_shards_on_live_nodes(&self) {
        for _ in 0..300 {
            let status = self.status().await;
            let live = |id: u64| self.nodes.iter().any(|n| n.id == id && n.child.is_some());
            let shards = status["shardMap"].as_array().cloned().unwrap_or_default();
            if !shards.is_empty() && shards.iter().all(|s| s["owner"].as_u64().is_some_and(live)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("shards still owned by a dead node after 30 s");
    }

    /// Waits until the controller has spread the shards over every member (counts differ by one at most).
    pub async fn wait_balanced(&self) {
        for _ in 0..300 {
            let status = self.status().await;
            let counts: Vec<u64> =
                status["members"].as_array().into_iter().flatten().filter_map(|m| m["shards"].as_u64()).collect();
            let (min, max) = (counts.iter().min().copied(), counts.iter().max().copied());
            if counts.len() == self.nodes.len() && max.zip(min).is_some_and(|(max, min)| max - min <= 1) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("shards not spread over the members after 30 s");
    }

    /// Kills node `id` with SIGKILL.
    pub fn kill(&mut self, id: u64) {
        let node = self.nodes.iter_mut().find(|n| n.id == id).expect("node");
        let mut child = node.child.take().expect("node is running");
        child.kill().expect("kill -9");
        child.wait().expect("reap");
    }

    /// Restarts a killed node on its ports and data directory.
    pub fn restart(&mut self, id: u64) {
        let node = self.nodes.iter_mut().find(|n| n.id == id).expect("node");
        let (child, rx) = spawn(&node.config, false);
        assert_eq!(announced(&rx, false), node.cluster);
        assert_eq!(announced(&rx, true), node.api);
        node.child = Some(child);
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for child in &mut self.strangers {
            let _ = child.kill();
            let _ = child.wait();
        }
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Runs `statehouse cluster add-node` against the API at `api`, signed with the cluster's secret.
pub fn add_node(api: &str, id: u64, cluster_address: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .args(["cluster", "add-node", "--endpoint", &format!("http://{api}")])
        .args(["--id", &id.to_string(), "--address", cluster_address, "--secret", SECRET])
        .output()
        .expect("run statehouse cluster add-node")
}

async fn node_status(api: &str) -> Result<Value, String> {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .args(["cluster", "status", "--json", "--endpoint", &format!("http://{api}")])
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).to_string());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}
