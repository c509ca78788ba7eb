//! AWS Signature Version 4 verification of API requests, in the `Authorization` header or in the query
//! string (presigned). Owns the credentials and a cache of derived signing keys; it never reads the
//! clock itself (the caller passes `now`) and never says more about a failure than AWS does.

use std::collections::HashMap;
use std::time::Duration;
use std::time::SystemTime;

use actix_web::HttpRequest;
use chrono::DateTime;
use chrono::NaiveDateTime;
use chrono::Utc;
use dashmap::DashMap;
use hmac::Hmac;
use hmac::Mac;
use percent_encoding::percent_decode_str;
use percent_encoding::utf8_percent_encode;
use percent_encoding::AsciiSet;
use percent_encoding::NON_ALPHANUMERIC;
use sha2::Digest;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::config::Config;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";
const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
/// How far a request's signing time may be from the server's clock.
const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
/// The longest `X-Amz-Expires` SigV4 allows (7 days).
const MAX_EXPIRES_SECONDS: u64 = 7 * 24 * 60 * 60;
/// Characters SigV4 leaves unencoded: `A-Za-z0-9-_.~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

type HmacSha256 = Hmac<Sha256>;

/// The secret and account behind one access key id.
struct Secret {
    secret_access_key: String,
    account: String,
}

/// What a derived signing key is valid for (the region is always the node's own).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Scope {
    access_key_id: String,
    date: String,
    service: &'static str,
}

/// Checks request signatures against the configured credentials.
pub struct Verifier {
    region: String,
    secrets: HashMap<String, Secret>,
    signing_keys: DashMap<Scope, [u8; 32]>,
}

/// The parts of a signature, from the `Authorization` header or the query string.
struct Signature<'a> {
    access_key_id: String,
    scope_date: String,
    scope_region: String,
    scope_service: String,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    /// `X-Amz-Expires` of a presigned request.
    expires: Option<u64>,
    /// Query parameters (raw, still encoded) that take part in the canonical query string.
    query: Vec<(&'a str, &'a str)>,
}

impl Verifier {
    /// A verifier for the node's region and the configured credentials (account defaults to `account`).
    pub fn new(config: &Config) -> Verifier {
        let secrets = config
            .credentials
            .iter()
            .map(|c| {
                let account = c.account.clone().unwrap_or_else(|| config.account.clone());
                (c.access_key_id.clone(), Secret { secret_access_key: c.secret_access_key.clone(), account })
            })
            .collect();
        Verifier { region: config.region.clone(), secrets, signing_keys: DashMap::new() }
    }

    /// Verifies the signature of `request` with `body` at time `now`, for credentials scoped to `service`
    /// (`states`, or `swf` for Amazon SWF's operations); answers the caller's account.
    pub fn verify(
        &self,
        request: &HttpRequest,
        body: &[u8],
        now: SystemTime,
        service: &'static str,
    ) -> Result<&str, AwsError> {
        let signature = Signature::read(request)?;
        let Some(secret) = self.secrets.get(&signature.access_key_id) else {
            return Err(AwsError::new(
                ErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            ));
        };
        if signature.scope_service != service {
            return Err(invalid(format!("Credential should be scoped to correct service: '{service}'. ")));
        }
        if signature.scope_region != self.region {
            return Err(invalid(format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                signature.scope_region
            )));
        }
        check_time(&signature, now)?;
        if !signature.signed_headers.iter().any(|name| name == "host") {
            return Err(invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));
        }
        let canonical = canonical_request(request, &signature, body);
        let string_to_sign = format!(
            "{ALGORITHM}\n{}\n{}/{}/{service}/{TERMINATOR}\n{}",
            signature.amz_date,
            signature.scope_date,
            self.region,
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let key = self.signing_key(&signature.access_key_id, secret, &signature.scope_date, service, now);
        let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
        if !bool::from(expected.as_bytes().ct_eq(signature.signature.as_bytes())) {
            return Err(invalid(
                "The request signature we calculated does not match the signature you provided. Check your AWS \
                 Secret Access Key and signing method. Consult the service documentation for details.",
            ));
        }
        Ok(&secret.account)
    }

    /// The derived key for one access key and day, from the cache; deriving a new one evicts the keys of
    /// days no signature checked `now` can still be from (the longest presigned expiry plus a day).
    fn signing_key(
        &self,
        access_key_id: &str,
        secret: &Secret,
        date: &str,
        service: &'static str,
        now: SystemTime,
    ) -> [u8; 32] {
        let scope = Scope { access_key_id: access_key_id.to_string(), date: date.to_string(), service };
        if let Some(key) = self.signing_keys.get(&scope) {
            return *key;
        }
        let first = hmac(format!("AWS4{}", secret.secret_access_key).as_bytes(), date.as_bytes());
        let key =
            [self.region.as_str(), service, TERMINATOR].iter().fold(first, |key, part| hmac(&key, part.as_bytes()));
        let oldest = DateTime::<Utc>::from(now) - chrono::Duration::seconds(MAX_EXPIRES_SECONDS as i64 + 24 * 60 * 60);
        let oldest = oldest.format("%Y%m%d").to_string();
        self.signing_keys.retain(|s, _| s.date >= oldest);
        self.signing_keys.insert(scope, key);
        key
    }
}

impl<'a> Signature<'a> {
    /// Reads the signature from the `Authorization` header, else from the `X-Amz-*` query parameters.
    fn read(request: &'a HttpRequest) -> Result<Signature<'a>, AwsError> {
        if let Some(header) = request.headers().get("authorization") {
            let header = header.to_str().map_err(|_| incomplete("Authorization header is not valid text."))?;
            return Signature::from_header(request, header);
        }
        let query = query_pairs(request);
        if query.iter().any(|(name, _)| *name == "X-Amz-Algorithm") {
            return Signature::from_query(query);
        }
        Err(AwsError::new(ErrorCode::MissingAuthenticationTokenException, "Missing Authentication Token"))
    }

    fn from_header(request: &'a HttpRequest, header: &'a str) -> Result<Signature<'a>, AwsError> {
        let Some(fields) = header.strip_prefix(ALGORITHM).filter(|rest| rest.starts_with(' ')) else {
            return Err(incomplete(format!("Unsupported AWS 'algorithm': '{header}'.")));
        };
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for field in fields.split(',').map(str::trim) {
            match field.split_once('=') {
                Some(("Credential", value)) => credential = Some(value),
                Some(("SignedHeaders", value)) => signed_headers = Some(value),
                Some(("Signature", value)) => signature = Some(value),
                _ => {}
            }
        }
        let missing: String = [("Credential", credential), ("Signature", signature), ("SignedHeaders", signed_headers)]
            .iter()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| format!("Authorization header requires '{name}' parameter. "))
            .collect();
        let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
            return Err(incomplete(format!("{missing}Authorization={header}")));
        };
        let Some(amz_date) = request.headers().get("x-amz-date").and_then(|v| v.to_str().ok()) else {
            return Err(incomplete(format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. \
                 Authorization={header}"
            )));
        };
        Signature::new(credential, signed_headers, signature, amz_date, None, query_pairs(request))
    }

    fn from_query(query: Vec<(&'a str, &'a str)>) -> Result<Signature<'a>, AwsError> {
        let param = |name: &str| query.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let algorithm = param("X-Amz-Algorithm").unwrap_or_default();
        if algorithm != ALGORITHM {
            return Err(incomplete(format!("Unsupported AWS 'algorithm': '{algorithm}'.")));
        }
        let missing: String = ["X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"]
            .iter()
            .filter(|name| param(name).is_none())
            .map(|name| format!("AWS query-string parameters must include '{name}'. "))
            .collect();
        let (Some(credential), Some(signature), Some(signed_headers), Some(amz_date)) =
            (param("X-Amz-Credential"), param("X-Amz-Signature"), param("X-Amz-SignedHeaders"), param("X-Amz-Date"))
        else {
            return Err(incomplete(format!("{missing}Re-examine the query-string parameters.")));
        };
        let expires = match param("X-Amz-Expires") {
            None => None,
            Some(text) => match text.parse::<u64>() {
                Ok(seconds) if seconds <= MAX_EXPIRES_SECONDS => Some(seconds),
                _ => {
                    return Err(incomplete(format!(
                        "X-Amz-Expires must be a number of seconds from 0 to {MAX_EXPIRES_SECONDS}, not '{text}'."
                    )))
                }
            },
        };
        let (credential, signed_headers, signature, amz_date) =
            (decoded(credential), decoded(signed_headers), decoded(signature), decoded(amz_date));
        let query = query.iter().copied().filter(|(name, _)| *name != "X-Amz-Signature").collect();
        Signature::new(&credential, &signed_headers, &signature, &amz_date, expires, query)
    }

    fn new(
        credential: &str,
        signed_headers: &str,
        signature: &str,
        amz_date: &str,
        expires: Option<u64>,
        query: Vec<(&'a str, &'a str)>,
    ) -> Result<Signature<'a>, AwsError> {
        let scope: Vec<&str> = credential.split('/').collect();
        let [access_key_id, scope_date, scope_region, scope_service, terminator] = scope[..] else {
            return Err(incomplete(format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, \
                 got '{credential}'"
            )));
        };
        if terminator != TERMINATOR {
            return Err(invalid(format!(
                "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'."
            )));
        }
        Ok(Signature {
            access_key_id: access_key_id.to_string(),
            scope_date: scope_date.to_string(),
            scope_region: scope_region.to_string(),
            scope_service: scope_service.to_string(),
            signed_headers: signed_headers.split(';').map(str::to_string).collect(),
            signature: signature.to_string(),
            amz_date: amz_date.to_string(),
            expires,
            query,
        })
    }
}

/// Checks the signing time against `now` and the credential scope's date.
fn check_time(signature: &Signature, now: SystemTime) -> Result<(), AwsError> {
    let Ok(signed_at) = NaiveDateTime::parse_from_str(&signature.amz_date, DATE_FORMAT).map(|t| t.and_utc()) else {
        return Err(incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            signature.amz_date
        )));
    };
    let day = signed_at.format("%Y%m%d").to_string();
    if day != signature.scope_date {
        return Err(invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != \
             '{day}', from '{}'.",
            signature.scope_date, signature.amz_date
        )));
    }
    let now = DateTime::<Utc>::from(now);
    let stamp = |t: DateTime<Utc>| t.format(DATE_FORMAT).to_string();
    let skew = chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
    let (earliest, earliest_text) = match signature.expires {
        Some(seconds) => (now - chrono::Duration::seconds(seconds as i64), format!("{} - {seconds} sec.", stamp(now))),
        None => (now - skew, format!("{} - 5 min.", stamp(now))),
    };
    if signed_at < earliest {
        return Err(invalid(format!(
            "Signature expired: {} is now earlier than {} ({earliest_text})",
            signature.amz_date,
            stamp(earliest)
        )));
    }
    if signed_at > now + skew {
        return Err(invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + 5 min.)",
            signature.amz_date,
            stamp(now + skew),
            stamp(now)
        )));
    }
    Ok(())
}

/// The canonical request of SigV4: method, path, sorted query, signed headers as received, payload hash.
/// The payload hash is always the body's own: a signed `x-amz-content-sha256` must carry exactly that.
fn canonical_request(request: &HttpRequest, signature: &Signature, body: &[u8]) -> String {
    let mut query: Vec<(String, String)> =
        signature.query.iter().map(|(name, value)| (canonical_component(name), canonical_component(value))).collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(name, value)| format!("{name}={value}")).collect();
    let headers: String = signature
        .signed_headers
        .iter()
        .map(|name| {
            let values: Vec<String> = request
                .headers()
                .get_all(name.as_str())
                .map(|value| String::from_utf8_lossy(value.as_bytes()).split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            format!("{name}:{}\n", values.join(","))
        })
        .collect();
    format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        request.method(),
        request.uri().path(),
        query.join("&"),
        signature.signed_headers.join(";"),
        hex::encode(Sha256::digest(body))
    )
}

/// A query name or value as SigV4 encodes it: decoded from the wire, then every reserved byte escaped.
fn canonical_component(raw: &str) -> String {
    let decoded = percent_decode_str(raw).decode_utf8_lossy();
    utf8_percent_encode(&decoded, UNRESERVED).to_string()
}

/// A query parameter's decoded value.
fn decoded(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// The query string as raw `(name, value)` pairs.
fn query_pairs(request: &HttpRequest) -> Vec<(&str, &str)> {
    request
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect()
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidSignatureException, message)
}

fn incomplete(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::IncompleteSignatureException, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_at(amz_date: &str, expires: Option<u64>) -> Signature<'static> {
        Signature {
            access_key_id: "AKID".into(),
            scope_date: amz_date[..8].into(),
            scope_region: "us-east-1".into(),
            scope_service: "states".into(),
            signed_headers: vec!["host".into()],
            signature: String::new(),
            amz_date: amz_date.into(),
            expires,
            query: Vec::new(),
        }
    }

    #[test]
    fn signing_time_must_be_within_the_window() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_689_600); // 20250101T000000Z
        assert!(check_time(&signed_at("20241231T235600Z", None), now).is_ok());
        assert_eq!(
            check_time(&signed_at("20241231T235400Z", None), now).unwrap_err().message,
            "Signature expired: 20241231T235400Z is now earlier than 20241231T235500Z (20250101T000000Z - 5 min.)"
        );
        assert_eq!(
            check_time(&signed_at("20250101T000600Z", None), now).unwrap_err().message,
            "Signature not yet current: 20250101T000600Z is still later than 20250101T000500Z (20250101T000000Z + 5 min.)"
        );
        assert!(check_time(&signed_at("20241231T230000Z", Some(3600)), now).is_ok(), "presigned for an hour");
        let mut other_day = signed_at("20241231T235900Z", None);
        other_day.scope_date = "20250101".into();
        assert_eq!(check_time(&other_day, now).unwrap_err().code, ErrorCode::InvalidSignatureException);
    }
}
