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

/// The most a single decoded value may hold: a corrupt length prefix is an error, not an allocation of
/// whatever size it claims.
const DECODE_LIMIT_BYTES: usize = 4 << 30;

/// bincode 2 with its standard configuration (and [`DECODE_LIMIT_BYTES`] when decoding).
pub struct Bincode;

impl Codec for Bincode {
    fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        bincode::serde::encode_to_vec(value, bincode::config::standard())
            .expect("encoding a value into a Vec cannot fail")
    }

    fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
        bincode::serde::decode_from_slice(bytes, bincode::config::standard().with_limit::<DECODE_LIMIT_BYTES>())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_length_prefix_larger_than_memory_is_an_error() {
        let bytes = [0xfd, 0xef, 0xef, 0xef, 0x00, 0x00, 0x00, 0xef, 0x01];
        assert!(decode::<String>(&bytes).is_err());
        assert!(decode::<Vec<u8>>(&bytes).is_err());
    }

    #[test]
    fn values_round_trip() {
        let value = (String::from("arn:aws:states:us-east-1:123456789012:execution:m:e"), vec![1u64, 2, 3]);
        assert_eq!(decode::<(String, Vec<u64>)>(&encode(&value)).unwrap(), value);
    }
}
