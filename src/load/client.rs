//! `SfnClient`: the Step Functions API over one or more endpoints for a scenario's setup, verification
//! and clean-up (a small pool of keep-alive [`Connection`]s), and the source of each load worker's own
//! connection for the measured loop.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;

use serde_json::Value;

use super::call_error::CallError;
use super::connection::Connection;
use super::endpoint::Endpoint;

/// The endpoints of a run and the idle connections of setup calls.
pub struct SfnClient {
    endpoints: Vec<Arc<Endpoint>>,
    next: AtomicUsize,
    idle: Mutex<Vec<Connection>>,
}

impl SfnClient {
    /// A client for `endpoints` (`http://host:port`), at least one.
    pub fn new(endpoints: &[String]) -> Result<SfnClient, String> {
        let endpoints = endpoints.iter().map(|e| Endpoint::parse(e).map(Arc::new)).collect::<Result<Vec<_>, _>>()?;
        if endpoints.is_empty() {
            return Err("at least one --endpoint is needed".into());
        }
        Ok(SfnClient { endpoints, next: AtomicUsize::new(0), idle: Mutex::new(Vec::new()) })
    }

    /// The endpoint URLs.
    pub fn endpoint_urls(&self) -> Vec<String> {
        self.endpoints.iter().map(|e| e.url.clone()).collect()
    }

    /// A new connection for load worker `worker`; workers are spread over the endpoints round-robin.
    pub fn connection(&self, worker: usize) -> Connection {
        Connection::new(self.endpoints[worker % self.endpoints.len()].clone())
    }

    /// Calls `operation` with a JSON body on an idle connection (or a new one, endpoints taken in turn).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value, CallError> {
        let idle = self.idle.lock().expect("idle connections lock").pop();
        let mut connection = idle.unwrap_or_else(|| self.connection(self.next.fetch_add(1, Ordering::Relaxed)));
        let answer = connection.call(operation, body).await;
        self.idle.lock().expect("idle connections lock").push(connection);
        answer
    }
}
