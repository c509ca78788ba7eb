//! `Runner`: runs a scenario's measured phase on this machine (with the progress line, Ctrl-C ends the
//! run early) or on the agents named by `--agent`, and hands back one merged measurement.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::agent::AgentSummary;
use super::agent::Coordinator;
use super::client::SfnClient;
use super::measurement::Measurement;
use super::pacing::Pacing;
use super::progress;
use super::report::Recorder;
use super::report::Report;
use super::workload::Generator;
use super::workload::Workload;
use super::CommonArgs;

/// Where and how a scenario's load is generated.
pub struct Runner {
    /// The client for setup, verification and clean-up.
    pub client: Arc<SfnClient>,
    pacing: Pacing,
    quiet: bool,
    agents: Option<Coordinator>,
}

/// A measured phase and, when agents generated it, what each of them measured.
pub struct Measured {
    pub measurement: Measurement,
    pub agents: Vec<AgentSummary>,
}

impl Runner {
    /// The runner the command line asks for.
    pub fn new(common: &CommonArgs) -> Result<Runner, String> {
        let agents = match (&common.agents[..], &common.agent_secret) {
            ([], _) => None,
            (_, None) => return Err("--agent needs --agent-secret (or STATEHOUSE_AGENT_SECRET)".into()),
            (addresses, Some(secret)) => Some(Coordinator::new(addresses, secret)?),
        };
        Ok(Runner {
            client: Arc::new(SfnClient::new(&common.endpoints)?),
            pacing: Pacing::of(common),
            quiet: common.quiet,
            agents,
        })
    }

    /// Runs `workload` and returns its merged measurement.
    pub async fn measure(&self, workload: &Workload) -> Result<Measured, String> {
        if let Some(agents) = &self.agents {
            return agents.measure(workload, &self.pacing, &self.client.endpoint_urls()).await;
        }
        let main = Arc::new(Recorder::new());
        let stop_requested = Arc::new(AtomicBool::new(false));
        let on_ctrl_c = {
            let stop_requested = stop_requested.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    stop_requested.store(true, Ordering::Relaxed);
                }
            })
        };
        let bar = progress::show(&self.pacing, self.quiet, main.clone());
        let generator = Generator { client: &self.client, pacing: &self.pacing, part: 0, stop_requested };
        let measurement = workload.measure(&generator, main).await;
        on_ctrl_c.abort();
        bar.finish_and_clear();
        Ok(Measured { measurement: measurement?, agents: Vec::new() })
    }
}

impl Measured {
    /// The report of the main operation, with the further latencies and the agents' own figures.
    pub fn report(&self, scenario: &'static str, operation: &'static str, common: &CommonArgs) -> Report {
        let mut report = Report::new(scenario, operation, common, &self.measurement.main);
        for (name, recorder) in &self.measurement.others {
            report.other_latencies_ms.insert(name.clone(), recorder.percentiles());
        }
        report.agents = self.agents.clone();
        report
    }
}
