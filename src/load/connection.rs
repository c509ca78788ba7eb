//! `Connection`: one HTTP/1.1 keep-alive connection to one endpoint (hyper's per-connection client), opened
//! on first use and again after a failure, sending awsJson1_0 calls one at a time. Each load worker owns
//! one, so the measured loop shares no pool, lock or channel with other workers.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::client::conn::http1;
use hyper::header::HeaderValue;
use hyper::header::CONTENT_TYPE;
use hyper::header::HOST;
use hyper::Method;
use hyper::Request;
use hyper::Uri;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

use super::call_error::CallError;
use super::endpoint::Endpoint;
use super::run_stop::RunStop;

const AWS_JSON: HeaderValue = HeaderValue::from_static("application/x-amz-json-1.0");

/// The `X-Amz-Target` of one operation, built once.
#[derive(Debug, Clone)]
pub struct Target(HeaderValue);

impl Target {
    /// The target of Step Functions' `operation` (e.g. `SendTaskHeartbeat`).
    pub fn new(operation: &str) -> Result<Target, String> {
        Target::full(&format!("AWSStepFunctions.{operation}"))
    }

    /// A target of another service, named in full (e.g. `Statehouse.SendTaskHeartbeats`).
    pub fn full(target: &str) -> Result<Target, String> {
        HeaderValue::from_str(target).map(Target).map_err(|_| format!("'{target}' cannot be put in a header"))
    }
}

/// A connection to one endpoint.
pub struct Connection {
    endpoint: Arc<Endpoint>,
    sender: Option<http1::SendRequest<Full<Bytes>>>,
    stop: Option<RunStop>,
}

impl Connection {
    /// A connection to `endpoint`, opened on the first call.
    pub fn new(endpoint: Arc<Endpoint>) -> Connection {
        Connection { endpoint, sender: None, stop: None }
    }

    /// The same connection whose calls after the end of `stop`'s run are cut off unsent.
    pub fn until(self, stop: RunStop) -> Connection {
        Connection { stop: Some(stop), ..self }
    }

    /// Calls `operation` with a JSON body; the parsed answer (`Null` for an empty one).
    pub async fn call(&mut self, operation: &str, body: &Value) -> Result<Value, CallError> {
        let target = Target::new(operation).map_err(|e| CallError::new("bad operation", e))?;
        let bytes = self.send(&target, Bytes::from(body.to_string())).await?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| CallError::new("bad JSON answer", format!("bad JSON from {operation}: {e}")))
    }

    /// Sends a ready-made body to `target`; the raw answer of a 2xx response.
    pub async fn send(&mut self, target: &Target, body: Bytes) -> Result<Bytes, CallError> {
        if self.stop.as_ref().is_some_and(RunStop::reached) {
            return Err(CallError::cut_off());
        }
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = Uri::from_static("/");
        let headers = request.headers_mut();
        headers.insert(HOST, self.endpoint.host.clone());
        headers.insert(CONTENT_TYPE, AWS_JSON);
        headers.insert("x-amz-target", target.0.clone());
        let sender = self.ready().await?;
        let exchange = async {
            let response = sender.send_request(request).await?;
            let status = response.status();
            Ok::<_, hyper::Error>((status, response.into_body().collect().await?.to_bytes()))
        };
        match exchange.await {
            Ok((status, bytes)) if status.is_success() => Ok(bytes),
            Ok((status, bytes)) => Err(CallError::from_answer(status.as_u16(), &bytes)),
            Err(e) => {
                self.sender = None;
                Err(CallError::transport(&e))
            }
        }
    }

    /// The open connection, ready for a request; opens one if there is none or the last one closed.
    async fn ready(&mut self) -> Result<&mut http1::SendRequest<Full<Bytes>>, CallError> {
        if let Some(sender) = self.sender.as_mut() {
            if sender.ready().await.is_err() {
                self.sender = None;
            }
        }
        if self.sender.is_none() {
            self.sender = Some(self.open().await?);
        }
        Ok(self.sender.as_mut().expect("a connection was just opened"))
    }

    async fn open(&self) -> Result<http1::SendRequest<Full<Bytes>>, CallError> {
        let stream = TcpStream::connect(&self.endpoint.address).await.map_err(|e| CallError::connect(&e))?;
        stream.set_nodelay(true).map_err(|e| CallError::connect(&e))?;
        let (sender, connection) =
            http1::handshake(TokioIo::new(stream)).await.map_err(|e| CallError::transport(&e))?;
        // The connection's IO runs as its own task until either side closes it.
        tokio::spawn(connection);
        Ok(sender)
    }
}
