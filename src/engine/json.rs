//! JSON text as AWS writes it inside events and outputs: compact, keys in their original order, numbers as
//! written.

use serde_json::Value;

/// The maximum size of a state's input or output, in UTF-8 bytes.
pub const PAYLOAD_LIMIT_BYTES: usize = 262_144;

/// Compact JSON text of a value.
pub fn to_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// Whether the JSON text of `value` exceeds the payload limit.
pub fn exceeds_limit(value: &Value) -> bool {
    to_text(value).len() > PAYLOAD_LIMIT_BYTES
}

/// Epoch milliseconds as the ISO-8601 text the context object uses (`2024-01-01T00:00:00.123Z`).
pub fn iso_millis(epoch_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(epoch_ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compact_and_keeps_order_and_number_spelling() {
        let value: Value = serde_json::from_str(r#"{"b": 1.0, "a": [1, 2.50, "é"]}"#).unwrap();
        assert_eq!(to_text(&value), r#"{"b":1.0,"a":[1,2.50,"é"]}"#);
        assert_eq!(iso_millis(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}
