//! `Workload`: the measured phase of a scenario, everything a generator needs to run it once setup is
//! done (a body, the tokens, the state machine to start...). The coordinator builds it; it runs here or,
//! sent as JSON, on each agent.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use serde::Deserialize;
use serde::Serialize;

use super::call_error::CallError;
use super::client::SfnClient;
use super::connection::Connection;
use super::driver;
use super::measurement::Measurement;
use super::pacing::Pacing;
use super::report::Recorder;
use super::scenarios;

/// The measured phase of one scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "scenario", rename_all = "camelCase")]
pub enum Workload {
    /// One fixed request.
    Raw { operation: String, body: String },
    /// SendTaskHeartbeat round-robin over these request bodies; with `batch`, Statehouse.SendTaskHeartbeats
    /// whose bodies each hold `batch` tokens.
    #[serde(rename_all = "camelCase")]
    Heartbeat {
        bodies: Vec<String>,
        #[serde(default)]
        batch: Option<u16>,
    },
    /// Executions of a state machine, each awaited to its end.
    #[serde(rename_all = "camelCase")]
    Workflow { state_machine: String, input: String, run_id: String },
    /// Activity round trips: start, take the task, heartbeat, succeed.
    #[serde(rename_all = "camelCase")]
    Activity { state_machine: String, activity: String, run_id: String },
}

/// One generator's run of a workload: where it sends, how it paces, and where it records.
pub struct Generator<'a> {
    pub client: &'a SfnClient,
    pub pacing: &'a Pacing,
    /// This generator's number among the agents of the run (0 when alone), kept in names it creates.
    pub part: usize,
    pub stop_requested: Arc<AtomicBool>,
}

impl Generator<'_> {
    /// Runs `op` under this generator's pacing, recording into `recorder`.
    pub async fn drive<F>(&self, recorder: Arc<Recorder>, op: F) -> Result<(), String>
    where
        F: AsyncFn(&mut Connection, u64, Instant) -> Result<Option<Duration>, CallError> + Send + Sync + 'static,
    {
        driver::drive(self.client, self.pacing, self.stop_requested.clone(), recorder, op).await
    }
}

impl Workload {
    /// Runs the measured phase with `generator`, recording the main operation into `main`.
    pub async fn measure(&self, generator: &Generator<'_>, main: Arc<Recorder>) -> Result<Measurement, String> {
        let mut measurement = Measurement::new(main);
        match self {
            Workload::Raw { operation, body } => {
                scenarios::raw::measure(generator, &mut measurement, operation, body).await?
            }
            Workload::Heartbeat { bodies, batch } => {
                scenarios::heartbeat::measure(generator, &mut measurement, bodies, batch.is_some()).await?
            }
            Workload::Workflow { state_machine, input, run_id } => {
                scenarios::workflow::measure(generator, &mut measurement, state_machine, input, run_id).await?
            }
            Workload::Activity { state_machine, activity, run_id } => {
                scenarios::activity::measure(generator, &mut measurement, state_machine, activity, run_id).await?
            }
        }
        Ok(measurement)
    }
}
