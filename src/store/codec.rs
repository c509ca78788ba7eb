//! The binary codec for log entries, stored records and network frames: bincode 2 behind one trait,
//! so the format can change in one place.
//!
//! Never encode self-describing values (`serde_json::Value`) with it: JSON documents are stored as text.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value that could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("cannot decode stored value: {0}")]
pub struct CodecError(String);

/// Encoding and decoding of every binary value statehouse stores or sends.
pub trait Codec {
    /// Encodes `value`.
    fn encode<T: Serialize>(value: &T) -> Vec<u8>;
    /// Decodes a value encoded by [`Codec::encode`].
    fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError>;
}

/// bincode 2 with its standard configuration.
pub struct Bincode;

impl Codec for Bincode {
    fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        bincode::serde::encode_to_vec(value, bincode::config::standard())
            .expect("encoding a value into a Vec cannot fail")
    }

    fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
        bincode::serde::decode_from_slice(bytes, bincode::config::standard())
            .map(|(value, _)| value)
            .map_err(|e| CodecError(e.to_string()))
    }
}

/// Encodes with the project's codec.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    Bincode::encode(value)
}

/// Decodes with the project's codec.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    Bincode::decode(bytes)
}
