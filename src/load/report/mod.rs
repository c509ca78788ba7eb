//! The result of a load run: a table for people, JSON for scripts, and the per-second timeline the
//! plot is drawn from.

mod histogram;
mod snapshot;

use std::collections::BTreeMap;
use std::fmt::Write;

pub use histogram::Percentiles;
pub use histogram::Recorder;
pub use histogram::Second;
use serde::Serialize;
use serde_json::Value;
pub use snapshot::RecorderSnapshot;

use super::agent::AgentSummary;

/// Everything a scenario measured.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub scenario: &'static str,
    pub endpoints: Vec<String>,
    pub concurrency: usize,
    /// Target rate in the open loop; `None` for the closed loop.
    pub rate: Option<f64>,
    pub elapsed_seconds: f64,
    /// What one measured operation is, e.g. `SendTaskHeartbeat`.
    pub operation: &'static str,
    pub operations: u64,
    pub errors: u64,
    /// Errors by code: the AWS error code, `HTTP<status>`, or a wire failure such as `connect refused`.
    pub errors_by_code: BTreeMap<String, u64>,
    /// Operations the end of the run cut off before they finished (e.g. an execution still running):
    /// neither successes nor errors.
    pub cut_off: u64,
    pub throughput_per_second: f64,
    pub latency_ms: Percentiles,
    /// Further latencies the scenario measured, by name.
    pub other_latencies_ms: BTreeMap<String, Percentiles>,
    /// Scenario figures (e.g. transitions/s) and verification results.
    pub figures: BTreeMap<String, Value>,
    pub timeline: Vec<Second>,
    /// What each agent measured, when agents generated the load.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<AgentSummary>,
}

impl Report {
    /// A report of `recorder`'s main measurements.
    pub fn new(
        scenario: &'static str,
        operation: &'static str,
        common: &super::CommonArgs,
        recorder: &Recorder,
    ) -> Report {
        let elapsed = recorder.elapsed().as_secs_f64();
        Report {
            scenario,
            endpoints: common.endpoints.clone(),
            concurrency: common.concurrency,
            rate: common.rate,
            elapsed_seconds: elapsed,
            operation,
            operations: recorder.ops(),
            errors: recorder.errors(),
            errors_by_code: recorder.errors_by_code(),
            cut_off: recorder.cut_offs(),
            throughput_per_second: recorder.ops() as f64 / elapsed.max(1e-9),
            latency_ms: recorder.percentiles(),
            other_latencies_ms: BTreeMap::new(),
            figures: BTreeMap::new(),
            timeline: recorder.timeline(),
            agents: Vec::new(),
        }
    }

    /// The human-readable summary.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let mode = match self.rate {
            Some(rate) => format!("open loop at {rate}/s"),
            None => "closed loop".to_string(),
        };
        let _ = writeln!(out, "scenario   {} ({mode}, {} in flight)", self.scenario, self.concurrency);
        let _ = writeln!(out, "endpoints  {}", self.endpoints.join(", "));
        let _ = writeln!(
            out,
            "{} {} ok, {} errors in {:.2} s = {:.0}/s",
            self.operation, self.operations, self.errors, self.elapsed_seconds, self.throughput_per_second
        );
        if !self.errors_by_code.is_empty() {
            let codes: Vec<String> = self.errors_by_code.iter().map(|(code, n)| format!("{code} {n}")).collect();
            let _ = writeln!(out, "errors     {}", codes.join(", "));
        }
        if self.cut_off > 0 {
            let _ = writeln!(out, "cut off    {} by the end of the run (not errors)", self.cut_off);
        }
        for agent in &self.agents {
            let _ = writeln!(
                out,
                "agent      {}: {} ok, {} errors, {} cut off, p50 {:.3} ms, p99 {:.3} ms",
                agent.address,
                agent.operations,
                agent.errors,
                agent.cut_off,
                agent.latency_ms.p50,
                agent.latency_ms.p99
            );
        }
        for (name, value) in &self.figures {
            let _ = writeln!(out, "{name:<32} {value}");
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<32} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "latency (ms)", "p50", "p90", "p99", "p99.9", "max", "count"
        );
        let mut row = |name: &str, p: &Percentiles| {
            let _ = writeln!(
                out,
                "{:<32} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9}",
                name, p.p50, p.p90, p.p99, p.p999, p.max, p.count
            );
        };
        row(self.operation, &self.latency_ms);
        for (name, p) in &self.other_latencies_ms {
            row(name, p);
        }
        out
    }
}
