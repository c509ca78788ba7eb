//! `nextToken`: an opaque, tamper-evident encoding of where the next page starts, bound to the listing
//! it came from.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

/// Encodes the resume position `key` of the listing `scope` as a token.
pub fn encode_token(scope: &str, key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(key.len() + 8);
    bytes.extend_from_slice(&fingerprint(scope, key).to_be_bytes());
    bytes.extend_from_slice(key);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes a token made by [`encode_token`] for the same `scope`; anything else is InvalidToken.
pub fn decode_token(scope: &str, token: &str) -> Result<Vec<u8>, AwsError> {
    let invalid = || AwsError::new(ErrorCode::InvalidToken, format!("Invalid Token: '{token}'"));
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    if bytes.len() < 8 {
        return Err(invalid());
    }
    let (check, key) = bytes.split_at(8);
    if check != fingerprint(scope, key).to_be_bytes() {
        return Err(invalid());
    }
    Ok(key.to_vec())
}

fn fingerprint(scope: &str, key: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in scope.as_bytes().iter().chain([0u8].iter()).chain(key) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let token = encode_token("list-a", b"resume-here");
        assert_eq!(decode_token("list-a", &token).unwrap(), b"resume-here");
        assert_eq!(decode_token("list-b", &token).unwrap_err().code, ErrorCode::InvalidToken);
        assert_eq!(decode_token("list-a", "garbage!").unwrap_err().code, ErrorCode::InvalidToken);
        let mut tampered = token.clone();
        tampered.push('A');
        assert!(decode_token("list-a", &tampered).is_err());
    }
}
