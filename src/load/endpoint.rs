//! `Endpoint`: a server the load client talks to, parsed once from its `http://host:port` URL.

use hyper::header::HeaderValue;
use hyper::Uri;

/// Where to connect and what to put in the `Host` header.
#[derive(Debug)]
pub struct Endpoint {
    /// The URL as given.
    pub url: String,
    /// `host:port`, for connecting.
    pub address: String,
    /// The `Host` header of every request.
    pub host: HeaderValue,
}

impl Endpoint {
    /// Parses `http://host[:port]` (port 80 when absent).
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let invalid = |why: &str| format!("invalid endpoint '{url}': {why}");
        let uri: Uri = url.parse().map_err(|e| invalid(&format!("{e}")))?;
        if uri.scheme_str() != Some("http") {
            return Err(invalid("the load client speaks plain http://"));
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        let address = format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(80));
        let host = HeaderValue::from_str(authority.as_str()).map_err(|e| invalid(&e.to_string()))?;
        Ok(Endpoint { url: url.to_string(), address, host })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_need_http_and_a_host() {
        let endpoint = Endpoint::parse("http://127.0.0.1:8083").expect("valid");
        assert_eq!(endpoint.address, "127.0.0.1:8083");
        assert_eq!(endpoint.host, "127.0.0.1:8083");
        assert_eq!(Endpoint::parse("http://localhost").expect("valid").address, "localhost:80");
        assert!(Endpoint::parse("https://localhost").is_err());
        assert!(Endpoint::parse("localhost:80").is_err());
    }
}
