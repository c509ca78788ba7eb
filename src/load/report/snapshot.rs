//! `RecorderSnapshot`: a [`super::Recorder`]'s counts and HDR histograms in a form that travels as JSON
//! (each histogram in HdrHistogram's V2 encoding, base64), so an agent's measurements merge exactly into
//! the coordinator's.

use std::collections::BTreeMap;
use std::io::Cursor;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::serialization::Serializer;
use hdrhistogram::serialization::V2Serializer;
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde::Serialize;

/// One recorder's measurements.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecorderSnapshot {
    pub ops: u64,
    pub errors: u64,
    pub cut_off: u64,
    pub elapsed_seconds: f64,
    pub errors_by_code: BTreeMap<String, u64>,
    /// Every success's latency (µs).
    pub latency: String,
    /// Second by second from the start of the run.
    pub seconds: Vec<WindowSnapshot>,
}

/// One second of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WindowSnapshot {
    pub errors: u64,
    pub latency: String,
}

/// `histogram` in the V2 encoding, base64.
pub fn encode_histogram(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(histogram, &mut bytes).expect("a histogram encodes into memory");
    STANDARD.encode(bytes)
}

/// The histogram [`encode_histogram`] encoded.
pub fn decode_histogram(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = STANDARD.decode(text).map_err(|e| format!("a histogram is not base64: {e}"))?;
    Deserializer::new().deserialize(&mut Cursor::new(bytes)).map_err(|e| format!("a histogram does not decode: {e:?}"))
}
