//! Console sessions. After a login with an access key pair, the browser holds an HttpOnly cookie naming
//! the access key and an expiry, signed with a key derived from that credential's secret: the cookie never
//! carries the secret. A forged, altered or expired cookie is refused, and removing a credential from the
//! configuration ends its sessions. This module reads no clock: callers pass `now_ms`.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Hmac;
use hmac::Mac;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::config::Config;

/// The cookie holding a session.
pub const COOKIE_NAME: &str = "statehouse_session";
/// How long a login lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// What the signing key of a credential's sessions is derived for, so it signs nothing else.
const KEY_PURPOSE: &[u8] = b"statehouse console session v1";

/// A credential the console accepts.
struct Credential {
    secret_access_key: String,
    account: String,
}

/// Why a session cookie is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("the session cookie is not of the form this console issues")]
    Malformed,
    #[error("the session names an access key this node does not accept")]
    UnknownKey,
    #[error("the session cookie's signature does not match")]
    BadSignature,
    #[error("the session expired")]
    Expired,
}

impl From<SessionError> for AwsError {
    fn from(error: SessionError) -> AwsError {
        match error {
            SessionError::Expired => {
                AwsError::new(ErrorCode::ExpiredTokenException, "The console session expired; log in again.")
            }
            _ => AwsError::new(ErrorCode::InvalidSignatureException, "The console session is not valid; log in again."),
        }
    }
}

/// Issues and checks the session cookies of the configured credentials.
pub struct Sessions {
    credentials: HashMap<String, Credential>,
}

impl Sessions {
    /// Sessions for the credentials of `config` (a credential without an account acts for `account`).
    pub fn new(config: &Config) -> Sessions {
        let credentials = config
            .credentials
            .iter()
            .map(|c| {
                let account = c.account.clone().unwrap_or_else(|| config.account.clone());
                (c.access_key_id.clone(), Credential { secret_access_key: c.secret_access_key.clone(), account })
            })
            .collect();
        Sessions { credentials }
    }

    /// Checks an access key pair; answers a new session cookie value and the credential's account.
    pub fn login(&self, access_key_id: &str, secret_access_key: &str, now_ms: i64) -> Result<(String, &str), AwsError> {
        let Some(credential) = self.credentials.get(access_key_id) else {
            return Err(AwsError::new(
                ErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            ));
        };
        if !bool::from(credential.secret_access_key.as_bytes().ct_eq(secret_access_key.as_bytes())) {
            return Err(AwsError::new(
                ErrorCode::InvalidSignatureException,
                "The secret access key does not match the access key id.",
            ));
        }
        let expires_ms = now_ms + SESSION_LIFETIME.as_millis() as i64;
        let payload = format!("{}.{expires_ms}", URL_SAFE_NO_PAD.encode(access_key_id));
        let signature = sign(&credential.secret_access_key, &payload);
        Ok((format!("{payload}.{signature}"), &credential.account))
    }

    /// The access key id and account of a valid session cookie value at `now_ms`.
    pub fn check(&self, cookie: &str, now_ms: i64) -> Result<(String, &str), SessionError> {
        let mut parts = cookie.split('.');
        let (Some(key), Some(expires), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SessionError::Malformed);
        };
        let access_key_id = URL_SAFE_NO_PAD
            .decode(key)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(SessionError::Malformed)?;
        let expires_ms: i64 = expires.parse().map_err(|_| SessionError::Malformed)?;
        let credential = self.credentials.get(&access_key_id).ok_or(SessionError::UnknownKey)?;
        let expected = sign(&credential.secret_access_key, &format!("{key}.{expires}"));
        if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
            return Err(SessionError::BadSignature);
        }
        if now_ms >= expires_ms {
            return Err(SessionError::Expired);
        }
        Ok((access_key_id, &credential.account))
    }
}

/// HMAC-SHA256 of `payload` under a key derived from `secret`, in hex.
fn sign(secret: &str, payload: &str) -> String {
    let key = mac(secret.as_bytes(), KEY_PURPOSE);
    hex::encode(mac(&key, payload.as_bytes()))
}

fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credential as ConfiguredCredential;

    const NOW: i64 = 1_750_000_000_000;

    fn sessions() -> Sessions {
        let config = Config {
            credentials: vec![
                ConfiguredCredential {
                    access_key_id: "AKIDONE".into(),
                    secret_access_key: "secret-one".into(),
                    account: None,
                },
                ConfiguredCredential {
                    access_key_id: "AKIDTWO".into(),
                    secret_access_key: "secret-two".into(),
                    account: Some("222222222222".into()),
                },
            ],
            ..Config::default()
        };
        Sessions::new(&config)
    }

    #[test]
    fn a_login_gives_a_cookie_for_the_credentials_account_without_the_secret() {
        let sessions = sessions();
        let (cookie, account) = sessions.login("AKIDTWO", "secret-two", NOW).expect("valid pair");
        assert_eq!(account, "222222222222");
        assert!(!cookie.contains("secret-two"));
        assert_eq!(sessions.check(&cookie, NOW + 1000), Ok(("AKIDTWO".to_string(), "222222222222")));
        let (cookie, account) = sessions.login("AKIDONE", "secret-one", NOW).expect("valid pair");
        assert_eq!(account, "123456789012", "the node's account when the credential names none");
        assert!(sessions.check(&cookie, NOW).is_ok());
    }

    #[test]
    fn a_wrong_pair_is_refused_as_aws_refuses_it() {
        let sessions = sessions();
        assert_eq!(
            sessions.login("AKIDNOPE", "secret-one", NOW).unwrap_err().code,
            ErrorCode::UnrecognizedClientException
        );
        assert_eq!(
            sessions.login("AKIDONE", "secret-two", NOW).unwrap_err().code,
            ErrorCode::InvalidSignatureException
        );
    }

    #[test]
    fn an_expired_cookie_is_refused() {
        let sessions = sessions();
        let (cookie, _) = sessions.login("AKIDONE", "secret-one", NOW).unwrap();
        let lifetime = SESSION_LIFETIME.as_millis() as i64;
        assert!(sessions.check(&cookie, NOW + lifetime - 1).is_ok());
        assert_eq!(sessions.check(&cookie, NOW + lifetime), Err(SessionError::Expired));
        assert_eq!(AwsError::from(SessionError::Expired).code, ErrorCode::ExpiredTokenException);
    }

    #[test]
    fn forged_and_altered_cookies_are_refused() {
        let sessions = sessions();
        let (cookie, _) = sessions.login("AKIDONE", "secret-one", NOW).unwrap();
        let (key, rest) = cookie.split_once('.').unwrap();
        let (expires, signature) = rest.split_once('.').unwrap();

        let later = format!("{key}.{}.{signature}", NOW + 10 * SESSION_LIFETIME.as_millis() as i64);
        assert_eq!(sessions.check(&later, NOW), Err(SessionError::BadSignature), "a pushed-back expiry");

        let other_key = URL_SAFE_NO_PAD.encode("AKIDTWO");
        let swapped = format!("{other_key}.{expires}.{signature}");
        assert_eq!(sessions.check(&swapped, NOW), Err(SessionError::BadSignature), "another credential's name");

        let forged = format!("{key}.{expires}.{}", sign("a guessed secret", &format!("{key}.{expires}")));
        assert_eq!(sessions.check(&forged, NOW), Err(SessionError::BadSignature), "signed without the secret");

        let unknown = format!("{}.{expires}.{signature}", URL_SAFE_NO_PAD.encode("AKIDGONE"));
        assert_eq!(sessions.check(&unknown, NOW), Err(SessionError::UnknownKey));

        for malformed in ["", "abc", "a.b", "a.b.c.d", &format!("{key}.soon.{signature}"), "%%%.1.00"] {
            assert_eq!(sessions.check(malformed, NOW), Err(SessionError::Malformed), "{malformed:?}");
        }
    }
}
