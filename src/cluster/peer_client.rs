//! The client side of the cluster port: bincode frames over pooled HTTP/1.1 connections, each request
//! signed with the cluster secret so that no stranger's message is accepted.

use std::time::Duration;

use bytes::Bytes;
use hmac::Hmac;
use hmac::Mac;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use sha2::Sha256;

use super::PeerRequest;
use crate::store::decode;
use crate::store::encode;

/// The header carrying the hex HMAC-SHA256 of the body under the cluster secret.
pub const SIGNATURE_HEADER: &str = "x-statehouse-signature";

/// The path every peer request is posted to.
pub const PEER_PATH: &str = "/peer";

/// A peer request that got no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("peer {address}: {message}")]
pub struct PeerError {
    pub address: String,
    pub message: String,
}

/// Signs `body` with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` is `body` signed with `secret` (constant time).
pub fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    let Some(bytes) = decode_hex(signature) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// Sends [`PeerRequest`]s to other nodes' cluster ports. Clones share the connection pool.
#[derive(Clone)]
pub struct PeerClient {
    http: Client<HttpConnector, Full<Bytes>>,
    secret: std::sync::Arc<str>,
}

impl PeerClient {
    /// A client signing with `secret`.
    pub fn new(secret: &str) -> PeerClient {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_millis(500)));
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build(connector);
        PeerClient { http, secret: secret.into() }
    }

    /// Sends `request` to the node at `address` (its cluster port) and decodes the answer as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        address: &str,
        request: &PeerRequest,
        timeout: Duration,
    ) -> Result<T, PeerError> {
        let error = |message: String| PeerError { address: address.to_string(), message };
        let body = encode(request);
        let signature = sign(&self.secret, &body);
        let http_request = Request::post(format!("http://{address}{PEER_PATH}"))
            .header("content-type", "application/octet-stream")
            .header(SIGNATURE_HEADER, signature)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| error(e.to_string()))?;
        let exchange = async {
            let response = self.http.request(http_request).await.map_err(|e| error(e.to_string()))?;
            let status = response.status();
            let bytes = response.into_body().collect().await.map_err(|e| error(e.to_string()))?.to_bytes();
            if !status.is_success() {
                return Err(error(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes))));
            }
            decode(&bytes).map_err(|e| error(e.to_string()))
        };
        tokio::time::timeout(timeout, exchange).await.map_err(|_| error(format!("no answer within {timeout:?}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_same_secret_and_body() {
        let signature = sign("a cluster secret", b"body");
        assert!(verify("a cluster secret", b"body", &signature));
        assert!(!verify("another secret!!", b"body", &signature));
        assert!(!verify("a cluster secret", b"bodY", &signature));
        assert!(!verify("a cluster secret", b"body", "zz"));
        assert!(!verify("a cluster secret", b"body", ""));
    }
}
