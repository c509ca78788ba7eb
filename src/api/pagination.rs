//! `nextToken`: an opaque encoding of where the next page starts, bound to the listing it came from and
//! signed with an HMAC under the cluster's secret, so any node accepts it and an altered token is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use hmac::Hmac;
use hmac::Mac;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

/// Bytes of the signature a token starts with.
const SIGNATURE_BYTES: usize = 16;

/// Encodes the resume position `key` of the listing `scope` as a token signed with `secret`.
pub fn encode_token(secret: &str, scope: &str, key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(key.len() + SIGNATURE_BYTES);
    bytes.extend_from_slice(&signature(secret, scope, key));
    bytes.extend_from_slice(key);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes a token made by [`encode_token`] for the same `scope` and `secret`; anything else is InvalidToken.
pub fn decode_token(secret: &str, scope: &str, token: &str) -> Result<Vec<u8>, AwsError> {
    let invalid = || AwsError::new(ErrorCode::InvalidToken, format!("Invalid Token: '{token}'"));
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    if bytes.len() < SIGNATURE_BYTES {
        return Err(invalid());
    }
    let (check, key) = bytes.split_at(SIGNATURE_BYTES);
    if !bool::from(check.ct_eq(&signature(secret, scope, key))) {
        return Err(invalid());
    }
    Ok(key.to_vec())
}

/// HMAC-SHA256 of the scope and the key under a key derived from the cluster's secret for this purpose.
fn signature(secret: &str, scope: &str, key: &[u8]) -> [u8; SIGNATURE_BYTES] {
    let mut mac = Hmac::<Sha256>::new_from_slice(format!("pagination:{secret}").as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(scope.as_bytes());
    mac.update(&[0]);
    mac.update(key);
    mac.finalize().into_bytes()[..SIGNATURE_BYTES].try_into().expect("a SHA-256 MAC has 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering_and_other_keys() {
        let token = encode_token("secret", "list-a", b"resume-here");
        assert_eq!(decode_token("secret", "list-a", &token).unwrap(), b"resume-here");
        assert_eq!(decode_token("secret", "list-b", &token).unwrap_err().code, ErrorCode::InvalidToken);
        assert_eq!(decode_token("other", "list-a", &token).unwrap_err().code, ErrorCode::InvalidToken);
        assert_eq!(decode_token("secret", "list-a", "garbage!").unwrap_err().code, ErrorCode::InvalidToken);
        let mut tampered = token.clone();
        tampered.push('A');
        assert!(decode_token("secret", "list-a", &tampered).is_err());
    }
}
