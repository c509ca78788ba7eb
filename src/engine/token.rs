//! Task tokens: `base64url("<executionArn>#<slot>") "." hex(HMAC-SHA256(key, that)[..16])`.
//!
//! The execution ARN routes the token to its shard in O(1); the MAC, under a secret kept in the
//! replicated state, makes tokens unforgeable. Minting is deterministic, so the engine stays pure.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Hmac;
use hmac::Mac;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::engine::io::TaskSlot;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC kept in a token.
const MAC_BYTES: usize = 16;

fn mac(key: &str, body: &str) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body.as_bytes());
    mac.finalize().into_bytes()[..MAC_BYTES].to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The token of task attempt `slot` of an execution, signed with `key`.
pub fn mint_task_token(key: &str, execution_arn: &str, slot: TaskSlot) -> String {
    let body = URL_SAFE_NO_PAD.encode(format!("{execution_arn}#{}", slot.0));
    let signature = hex(&mac(key, &body));
    format!("{body}.{signature}")
}

/// The execution ARN and slot of a token minted with `key`; `None` for anything malformed or forged.
pub fn verify_task_token(key: &str, token: &str) -> Option<(String, TaskSlot)> {
    let (body, signature) = token.rsplit_once('.')?;
    let expected = hex(&mac(key, body));
    if signature.len() != expected.len() || !bool::from(signature.as_bytes().ct_eq(expected.as_bytes())) {
        return None;
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    let (arn, slot) = text.rsplit_once('#')?;
    Some((arn.to_string(), TaskSlot(slot.parse().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_unaltered_and_under_their_key() {
        let arn = "arn:aws:states:us-east-1:1:execution:M:e";
        let token = mint_task_token("k1", arn, TaskSlot(7));
        assert_eq!(verify_task_token("k1", &token), Some((arn.to_string(), TaskSlot(7))));
        assert_eq!(verify_task_token("k2", &token), None, "another cluster's key");
        let (body, sig) = token.rsplit_once('.').unwrap();
        let other_body = URL_SAFE_NO_PAD.encode(format!("{arn}#8"));
        assert_eq!(verify_task_token("k1", &format!("{other_body}.{sig}")), None, "altered slot");
        assert_eq!(verify_task_token("k1", body), None, "no signature");
        assert_eq!(verify_task_token("k1", "garbage"), None);
        assert_eq!(mint_task_token("k1", arn, TaskSlot(7)), token, "minting is deterministic");
    }
}
