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

/// A task token key ready to check many tokens: the HMAC's keyed state is derived once, and a check
/// allocates only for the ARN it returns.
pub struct TokenVerifier {
    keyed: HmacSha256,
}

impl TokenVerifier {
    /// A verifier of tokens minted with `key`.
    pub fn new(key: &str) -> TokenVerifier {
        let keyed = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
        TokenVerifier { keyed }
    }

    /// The execution ARN and slot of a token minted with this key; `None` for anything malformed or forged.
    pub fn verify(&self, token: &str) -> Option<(String, TaskSlot)> {
        let (body, signature) = token.rsplit_once('.')?;
        // Minted signatures are lower-case hex: one spelling per token.
        if !signature.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut claimed = [0u8; MAC_BYTES];
        hex::decode_to_slice(signature, &mut claimed).ok()?;
        let mut mac = self.keyed.clone();
        mac.update(body.as_bytes());
        let expected = mac.finalize().into_bytes();
        if !bool::from(claimed.ct_eq(&expected[..MAC_BYTES])) {
            return None;
        }
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        let (arn, slot) = text.rsplit_once('#')?;
        Some((arn.to_string(), TaskSlot(slot.parse().ok()?)))
    }
}

/// The token of task attempt `slot` of an execution, signed with `key`.
pub fn mint_task_token(key: &str, execution_arn: &str, slot: TaskSlot) -> String {
    let body = URL_SAFE_NO_PAD.encode(format!("{execution_arn}#{}", slot.0));
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body.as_bytes());
    let signature = hex::encode(&mac.finalize().into_bytes()[..MAC_BYTES]);
    format!("{body}.{signature}")
}

/// The execution ARN and slot of a token minted with `key`; `None` for anything malformed or forged.
pub fn verify_task_token(key: &str, token: &str) -> Option<(String, TaskSlot)> {
    TokenVerifier::new(key).verify(token)
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
        assert_eq!(verify_task_token("k1", &format!("{body}.{}", sig.to_uppercase())), None, "hex is lower case");
        assert_eq!(verify_task_token("k1", &format!("{body}.{}", &sig[..30])), None, "a short signature");
        assert_eq!(verify_task_token("k1", &format!("{body}.{sig}00")), None, "a long signature");
    }
}
