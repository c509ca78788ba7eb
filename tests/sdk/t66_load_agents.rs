//! `statehouse load` with two agents on loopback against a real server: the merged report equals the
//! server's own counters for the run, percentiles come from the merged histograms, errors are broken down
//! by code, and an agent refuses a coordinator that does not know its secret.

use std::io::BufRead;
use std::io::BufReader;
use std::process::Child;
use std::process::Command;
use std::process::Output;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::server::scrape;
use crate::server::TestServer;

const SECRET: &str = "agents-share-this-secret";

/// A `statehouse load agent` process on a free loopback port.
struct Agent {
    child: Child,
    address: String,
}

impl Agent {
    fn start(secret: &str) -> Agent {
        let mut child = Command::new(env!("CARGO_BIN_EXE_statehouse"))
            .args(["load", "agent", "--listen", "127.0.0.1:0", "--secret", secret])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the agent");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("statehouse load agent listening on http://") {
                    let _ = tx.send(address.to_string());
                }
            }
        });
        let address = rx.recv_timeout(Duration::from_secs(60)).expect("the agent announces its address");
        Agent { child, address }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `statehouse load` with `args`, words separated by spaces.
fn load(args: &str) -> Output {
    let args = args.split_whitespace();
    Command::new(env!("CARGO_BIN_EXE_statehouse")).arg("load").args(args).output().expect("run statehouse load")
}

fn report_of(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "statehouse load failed: {}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).expect("a JSON report")
}

/// `statehouse_api_requests_total` for one operation and result code, read from the server's /metrics.
fn requests_counted(address: &str, operation: &str, code: &str) -> u64 {
    let (operation, code) = (format!("operation=\"{operation}\""), format!("code=\"{code}\""));
    scrape(address)
        .iter()
        .filter(|(k, _)| k.starts_with("statehouse_api_requests_total{") && k.contains(&operation) && k.contains(&code))
        .map(|(_, v)| v)
        .sum::<f64>() as u64
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("a number: {value}"))
}

#[test]
fn two_agents_report_the_servers_own_totals_with_merged_percentiles() {
    let server = TestServer::start();
    let agents = [Agent::start(SECRET), Agent::start(SECRET)];
    let endpoint = format!("http://{}", server.address);
    let on_agents = format!("--agent {} --agent {} --agent-secret {SECRET}", agents[0].address, agents[1].address);

    tracing::info!("--- a heartbeat run on two agents counts exactly what the server counted");
    {
        let args = format!("heartbeat --endpoint {endpoint} --duration 2s --tasks 20 -c 4 --quiet --json {on_agents}");
        let output = load(&args);
        let report = report_of(&output);
        let operations = report["operations"].as_u64().expect("operations");
        assert!(operations > 0, "heartbeats were sent: {report}");
        assert_eq!(report["errors"], 0, "{report}");
        assert_eq!(report["figures"]["executions failed/timed out"], 0, "{report}");
        assert_eq!(operations, requests_counted(&server.address, "SendTaskHeartbeat", "ok"), "{report}");

        let shares = report["agents"].as_array().expect("one summary per agent");
        assert_eq!(shares.len(), 2, "{report}");
        assert!(shares.iter().all(|a| a["operations"].as_u64() > Some(0)), "both agents sent load: {report}");
        assert_eq!(shares.iter().map(|a| a["operations"].as_u64().unwrap_or(0)).sum::<u64>(), operations);
        assert_eq!(report["latencyMs"]["count"].as_u64(), Some(operations), "one latency per heartbeat");
        let max = shares.iter().map(|a| number(&a["latencyMs"]["max"])).fold(0.0, f64::max);
        assert_eq!(number(&report["latencyMs"]["max"]), max, "the merged maximum is the agents' largest");
        let p50s: Vec<f64> = shares.iter().map(|a| number(&a["latencyMs"]["p50"])).collect();
        let p50 = number(&report["latencyMs"]["p50"]);
        assert!(p50 >= p50s[0].min(p50s[1]) && p50 <= p50s[0].max(p50s[1]), "merged p50 {p50} within {p50s:?}");
        let per_second: u64 =
            report["timeline"].as_array().expect("timeline").iter().map(|s| s["ops"].as_u64().unwrap_or(0)).sum();
        assert_eq!(per_second, operations, "the merged per-second series adds up to the total");
    }

    tracing::info!("--- errors are broken down by code, on agents and here");
    {
        let before = requests_counted(&server.address, "SendTaskHeartbeat", "InvalidToken");
        let output = load(&format!("raw --endpoint {endpoint} --count 200 -c 4 --quiet --json {on_agents}"));
        let report = report_of(&output);
        assert_eq!(report["errorsByCode"], serde_json::json!({ "InvalidToken": 200 }), "{report}");
        assert_eq!(report["operations"], 0);
        let counted = requests_counted(&server.address, "SendTaskHeartbeat", "InvalidToken") - before;
        assert_eq!(counted, 200, "the server refused exactly the requests the report counts");

        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let nowhere = format!("http://{}", closed.local_addr().expect("address"));
        drop(closed);
        let output = load(&format!("raw --endpoint {nowhere} --count 5 -c 1 --quiet"));
        let table = String::from_utf8_lossy(&output.stdout);
        assert!(table.contains("errors     connect refused 5"), "the table names the code:\n{table}");
    }

    tracing::info!("--- an agent refuses a coordinator with another secret, and nothing runs");
    {
        let before = requests_counted(&server.address, "SendTaskHeartbeat", "InvalidToken");
        let wrong = format!("--agent {} --agent-secret not-the-agents-secret", agents[0].address);
        let output = load(&format!("raw --endpoint {endpoint} --count 10 --quiet {wrong}"));
        assert!(!output.status.success(), "the run fails");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("refused") && stderr.contains("401"), "the agent refused: {stderr}");
        assert_eq!(requests_counted(&server.address, "SendTaskHeartbeat", "InvalidToken"), before);
    }
}
