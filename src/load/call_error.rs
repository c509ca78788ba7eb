//! `CallError`: why one call of the load client did not succeed, named by a short code that reports group
//! errors by: the AWS error code the server answered (`ThrottlingException`), the HTTP status when the
//! answer named none (`HTTP503`), or what went wrong on the wire (`connect refused`, `connection reset`).
//! A call not made because the run had ended carries [`CUT_OFF`]: it is counted apart from errors.

use std::error::Error;
use std::io;

/// The code of a call the end of the run cut off before it was sent.
pub const CUT_OFF: &str = "cut off";

/// A failed call: the code reports count it under, and a message for people.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CallError {
    pub code: String,
    pub message: String,
}

impl CallError {
    /// An error with its own code.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> CallError {
        CallError { code: code.into(), message: message.into() }
    }

    /// A call not made because the run ended.
    pub fn cut_off() -> CallError {
        CallError::new(CUT_OFF, "the run ended before this call")
    }

    /// Whether this call was cut off by the end of the run (not an error).
    pub fn is_cut_off(&self) -> bool {
        self.code == CUT_OFF
    }

    /// A connection that could not be opened.
    pub fn connect(error: &io::Error) -> CallError {
        let code = match error.kind() {
            io::ErrorKind::ConnectionRefused => "connect refused".to_string(),
            io::ErrorKind::TimedOut => "connect timeout".to_string(),
            kind => format!("connect: {kind}"),
        };
        CallError::new(code, error.to_string())
    }

    /// A request that got no complete answer.
    pub fn transport(error: &hyper::Error) -> CallError {
        let io_kind = error.source().and_then(|s| s.downcast_ref::<io::Error>()).map(io::Error::kind);
        let code = match io_kind {
            Some(io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe) => "connection reset",
            Some(io::ErrorKind::TimedOut) => "timeout",
            Some(_) => "transport",
            None if error.is_timeout() => "timeout",
            None if error.is_parse() => "bad HTTP answer",
            None if error.is_incomplete_message() || error.is_closed() || error.is_canceled() => "connection closed",
            None => "transport",
        };
        CallError::new(code, error.to_string())
    }

    /// A non-2xx answer: the AWS error code in its `__type` (without the namespace), else `HTTP<status>`.
    pub fn from_answer(status: u16, body: &[u8]) -> CallError {
        let error: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let code = error["__type"].as_str().map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
        CallError {
            code: code.unwrap_or_else(|| format!("HTTP{status}")),
            message: error["message"].as_str().unwrap_or_default().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_the_aws_error_the_status_or_the_wire_failure() {
        let answer = br#"{"__type":"com.amazonaws.swf.service.model#ThrottlingException","message":"Rate exceeded"}"#;
        assert_eq!(CallError::from_answer(400, answer).code, "ThrottlingException");
        assert_eq!(CallError::from_answer(503, b"busy").code, "HTTP503");
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(CallError::connect(&refused).code, "connect refused");
        assert!(CallError::cut_off().is_cut_off());
        assert!(!CallError::from_answer(500, b"").is_cut_off());
    }
}
