//! A minimal awsJson1_0 client for load generation: one pooled HTTP/1.1 client (keep-alive connections
//! reused across requests), endpoints chosen round-robin, raw JSON bodies in and out.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::Request;
use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A failed call: the AWS error code (`__type` suffix), or a transport error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CallError {
    /// The AWS error code, or `Transport` when no answer arrived.
    pub code: String,
    pub message: String,
}

impl CallError {
    fn transport(message: impl std::fmt::Display) -> CallError {
        CallError { code: "Transport".into(), message: message.to_string() }
    }
}

/// The Step Functions API over several endpoints.
pub struct SfnClient {
    http: Client<HttpConnector, Full<Bytes>>,
    endpoints: Vec<Uri>,
    next: AtomicUsize,
}

impl SfnClient {
    /// A client for `endpoints` (`http://host:port`), at least one.
    pub fn new(endpoints: &[String]) -> Result<SfnClient, String> {
        let endpoints = endpoints
            .iter()
            .map(|e| e.parse::<Uri>().map_err(|err| format!("invalid endpoint '{e}': {err}")))
            .collect::<Result<Vec<_>, _>>()?;
        if endpoints.is_empty() {
            return Err("at least one --endpoint is needed".into());
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(usize::MAX).build(connector);
        Ok(SfnClient { http, endpoints, next: AtomicUsize::new(0) })
    }

    /// Calls `operation` with a JSON body; the parsed answer or the AWS error.
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value, CallError> {
        let bytes = self.call_raw(operation, Bytes::from(body.to_string())).await?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| CallError::transport(format!("bad JSON from {operation}: {e}")))
    }

    /// Calls `operation` with a ready-made body; the raw answer on success (HTTP 200).
    pub async fn call_raw(&self, operation: &str, body: Bytes) -> Result<Bytes, CallError> {
        let endpoint = &self.endpoints[self.next.fetch_add(1, Ordering::Relaxed) % self.endpoints.len()];
        let request = Request::post(endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("AWSStepFunctions.{operation}"))
            .body(Full::new(body))
            .map_err(CallError::transport)?;
        let response = self.http.request(request).await.map_err(CallError::transport)?;
        let status = response.status();
        let bytes = response.into_body().collect().await.map_err(CallError::transport)?.to_bytes();
        if status.is_success() {
            return Ok(bytes);
        }
        let error: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = error["__type"].as_str().map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
        Err(CallError {
            code: code.unwrap_or_else(|| format!("HTTP{}", status.as_u16())),
            message: error["message"].as_str().unwrap_or_default().to_string(),
        })
    }
}
