//! Wall-clock time as the service records it: epoch milliseconds.

use std::time::SystemTime;
use std::time::UNIX_EPOCH;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Epoch milliseconds as the wire's epoch seconds (a JSON number with a fraction).
pub fn wire_seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}
