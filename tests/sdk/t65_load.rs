//! `statehouse load` against a real server: each run stops by itself, verifies what it claims and reports
//! percentiles, as JSON or as a table, with the timeline plotted as SVG or PNG.

use std::process::Command;
use std::process::Output;

use crate::server::TestServer;

fn load(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_statehouse")).arg("load").args(args).output().expect("run statehouse load")
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "statehouse load failed: {}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The width and height in a PNG file's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "the header chunk first");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (word(16), word(20))
}

#[test]
fn heartbeat_run_keeps_every_token_alive_and_reports_percentiles_and_a_png() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let png = dir.path().join("heartbeat.png");
    let endpoint = format!("http://{}", server.address);
    let args = ["heartbeat", "--endpoint", &endpoint, "--duration", "2s", "--tasks", "20", "-c", "4", "--quiet"];
    let output = load(&[&args[..], &["--json", "--plot", png.to_str().expect("utf-8 path")]].concat());
    let report: serde_json::Value = serde_json::from_str(&succeeded(&output)).expect("a JSON report");
    assert_eq!(report["operation"], "SendTaskHeartbeat");
    assert!(report["operations"].as_u64().expect("operations") > 0, "heartbeats were sent: {report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["figures"]["tasks (open tokens)"], 20);
    assert_eq!(report["figures"]["executions failed/timed out"], 0);
    for percentile in ["p50", "p90", "p99", "p999", "max"] {
        assert!(report["latencyMs"][percentile].as_f64().is_some(), "{percentile} in {}", report["latencyMs"]);
    }
    let plot = std::fs::read(&png).expect("the PNG was written");
    assert_eq!(png_size(&plot), (1000, 700));

    let table = succeeded(&load(&args));
    for heading in ["p50", "p90", "p99", "p99.9", "max", "SendTaskHeartbeat"] {
        assert!(table.contains(heading), "the table shows {heading}:\n{table}");
    }
}

#[test]
fn workflow_run_counts_transitions_and_plots_svg_and_refuses_other_formats() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let svg = dir.path().join("workflow.svg");
    let endpoint = format!("http://{}", server.address);
    let output = load(&[
        "workflow",
        "--endpoint",
        &endpoint,
        "--count",
        "30",
        "-c",
        "4",
        "--quiet",
        "--json",
        "--plot",
        svg.to_str().expect("utf-8 path"),
    ]);
    let report: serde_json::Value = serde_json::from_str(&succeeded(&output)).expect("a JSON report");
    assert!(report["operations"].as_u64().expect("operations") >= 30, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    let per_execution = report["figures"]["transitions per execution"].as_u64().expect("transitions per execution");
    assert!(per_execution >= 10, "the default chain has 10 states: {report}");
    let chart = std::fs::read_to_string(&svg).expect("the SVG was written");
    assert!(chart.starts_with("<svg") && chart.contains("latency (ms)"), "an SVG chart");

    let gif = dir.path().join("workflow.gif");
    let output =
        load(&["workflow", "--endpoint", &endpoint, "--count", "1", "--quiet", "--plot", gif.to_str().expect("utf-8")]);
    assert!(!output.status.success(), "an unknown plot format fails the run");
    assert!(String::from_utf8_lossy(&output.stderr).contains(".svg or .png"));
}
