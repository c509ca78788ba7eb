//! What travels between the coordinator and its agents: the run request, the stop request and the
//! result, each signed over its path and body with the shared secret. A request also carries a nonce and
//! the time it was issued, so an agent refuses a replayed or stale one.

use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use serde::Deserialize;
use serde::Serialize;

use crate::cluster::sign;
use crate::cluster::verify;
use crate::load::measurement::MeasurementSnapshot;
use crate::load::pacing::Pacing;
use crate::load::workload::Workload;

/// The path a run is posted to; the answer comes when the run is over.
pub const RUN_PATH: &str = "/run";
/// The path that ends the current run early.
pub const STOP_PATH: &str = "/stop";
/// What a signed answer is signed as (its "path").
pub const RESULT_PATH: &str = "/result";
/// The header carrying the hex HMAC-SHA256 of path and body.
pub const SIGNATURE_HEADER: &str = "x-statehouse-signature";
/// How far the issue time of a request may be from the agent's clock.
pub const MAX_REQUEST_AGE_MS: u64 = 5 * 60 * 1000;

/// Starts an agent's share of a run.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    pub nonce: String,
    pub issued_at_ms: u64,
    /// When every agent starts (milliseconds since the Unix epoch), so their seconds line up.
    pub start_at_ms: u64,
    /// This agent's number among the run's agents.
    pub part: usize,
    pub endpoints: Vec<String>,
    pub pacing: Pacing,
    pub workload: Workload,
}

/// Ends the current run early.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopRequest {
    pub nonce: String,
    pub issued_at_ms: u64,
}

/// What an agent measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunResult {
    pub measurement: MeasurementSnapshot,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A fresh nonce.
pub fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The signature of `body` sent to (or answered from) `path`.
pub fn signature(secret: &str, path: &str, body: &[u8]) -> String {
    sign(secret, &signed_bytes(path, body))
}

/// Whether `signature` signs `body` at `path` with `secret` (constant time).
pub fn verify_signature(secret: &str, path: &str, body: &[u8], signature: &str) -> bool {
    verify(secret, &signed_bytes(path, body), signature)
}

fn signed_bytes(path: &str, body: &[u8]) -> Vec<u8> {
    [path.as_bytes(), b"\n", body].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_binds_the_secret_the_path_and_the_body() {
        let signed = signature("secret", RUN_PATH, b"{}");
        assert!(verify_signature("secret", RUN_PATH, b"{}", &signed));
        assert!(!verify_signature("other", RUN_PATH, b"{}", &signed));
        assert!(!verify_signature("secret", STOP_PATH, b"{}", &signed), "a run request is no stop request");
        assert!(!verify_signature("secret", RUN_PATH, b"{ }", &signed));
    }
}
