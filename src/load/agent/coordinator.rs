//! `Coordinator`: the `--agent` side of a run. It sends every agent its share of the measured phase
//! (concurrency, rate and count divided evenly; one common start time), stops them all on Ctrl-C,
//! checks each answer's signature and merges the measurements into one.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;

use super::wire::nonce;
use super::wire::now_ms;
use super::wire::signature;
use super::wire::verify_signature;
use super::wire::RunRequest;
use super::wire::RunResult;
use super::wire::StopRequest;
use super::wire::RESULT_PATH;
use super::wire::RUN_PATH;
use super::wire::SIGNATURE_HEADER;
use super::wire::STOP_PATH;
use crate::load::measurement::Measurement;
use crate::load::measurement::MeasurementSnapshot;
use crate::load::pacing::Pacing;
use crate::load::report::Percentiles;
use crate::load::report::Recorder;
use crate::load::runner::Measured;
use crate::load::workload::Workload;

/// How long after the run requests are sent the agents start together.
const START_DELAY: Duration = Duration::from_millis(300);

/// What one agent measured, as the report lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSummary {
    pub address: String,
    pub operations: u64,
    pub errors: u64,
    pub cut_off: u64,
    pub latency_ms: Percentiles,
}

/// The agents of a run and their shared secret.
pub struct Coordinator {
    addresses: Vec<String>,
    secret: String,
    http: Client<HttpConnector, Full<Bytes>>,
}

impl Coordinator {
    /// A coordinator of the agents at `addresses` (`host:port` or `http://host:port`).
    pub fn new(addresses: &[String], secret: &str) -> Result<Coordinator, String> {
        let addresses = addresses
            .iter()
            .map(|a| {
                let address = a.strip_prefix("http://").unwrap_or(a).trim_end_matches('/');
                match address.is_empty() || address.contains('/') {
                    true => Err(format!("invalid agent address '{a}' (use host:port)")),
                    false => Ok(address.to_string()),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let http = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        Ok(Coordinator { addresses, secret: secret.to_string(), http })
    }

    /// Runs `workload` on every agent and merges what they measured.
    pub async fn measure(
        &self,
        workload: &Workload,
        pacing: &Pacing,
        endpoints: &[String],
    ) -> Result<Measured, String> {
        let start_at_ms = now_ms() + START_DELAY.as_millis() as u64;
        let parts = self.addresses.len();
        let runs = self.addresses.iter().enumerate().map(|(part, address)| {
            let request = RunRequest {
                nonce: nonce(),
                issued_at_ms: now_ms(),
                start_at_ms,
                part,
                endpoints: endpoints.to_vec(),
                pacing: pacing.share(part, parts),
                workload: workload.clone(),
            };
            self.run_on(address, request)
        });
        let mut runs = std::pin::pin!(futures::future::join_all(runs));
        let results = tokio::select! {
            results = &mut runs => results,
            _ = tokio::signal::ctrl_c() => {
                self.stop_all().await;
                runs.await
            }
        };
        let mut measurement = Measurement::new(std::sync::Arc::new(Recorder::new()));
        let mut agents = Vec::with_capacity(parts);
        for (address, result) in self.addresses.iter().zip(results) {
            let snapshot = result?;
            measurement.absorb(&snapshot)?;
            let own = Recorder::new();
            own.absorb(&snapshot.main)?;
            agents.push(AgentSummary {
                address: address.clone(),
                operations: own.ops(),
                errors: own.errors(),
                cut_off: own.cut_offs(),
                latency_ms: own.percentiles(),
            });
        }
        Ok(Measured { measurement, agents })
    }

    async fn run_on(&self, address: &str, request: RunRequest) -> Result<MeasurementSnapshot, String> {
        let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
        let answer = self.post(address, RUN_PATH, body).await?;
        let result: RunResult =
            serde_json::from_slice(&answer).map_err(|e| format!("agent {address} answered badly: {e}"))?;
        Ok(result.measurement)
    }

    async fn stop_all(&self) {
        let stops = self.addresses.iter().map(|address| {
            let body = serde_json::to_vec(&StopRequest { nonce: nonce(), issued_at_ms: now_ms() });
            async move {
                if let Ok(body) = body {
                    let _ = self.post(address, STOP_PATH, body).await;
                }
            }
        });
        futures::future::join_all(stops).await;
    }

    /// Posts a signed body to an agent; the answer's body, its signature checked for a run's result.
    async fn post(&self, address: &str, path: &str, body: Vec<u8>) -> Result<Bytes, String> {
        let failed = |e: &dyn std::fmt::Display| format!("agent {address}: {e}");
        let request = Request::post(format!("http://{address}{path}"))
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature(&self.secret, path, &body))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| failed(&e))?;
        let response = self.http.request(request).await.map_err(|e| failed(&e))?;
        let status = response.status();
        let signed = response.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let answer = response.into_body().collect().await.map_err(|e| failed(&e))?.to_bytes();
        if !status.is_success() {
            let why = String::from_utf8_lossy(&answer);
            return Err(failed(&format!("refused the {} request: HTTP {status}: {why}", &path[1..])));
        }
        if path == RUN_PATH && !verify_signature(&self.secret, RESULT_PATH, &answer, &signed.unwrap_or_default()) {
            return Err(failed(&"the result is not signed with the shared secret"));
        }
        Ok(answer)
    }
}
