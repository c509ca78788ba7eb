//! Logging in and out of the console, and what the console's scripts learn about their session: whether
//! authentication is on, the account, and which optional operations this service offers.

use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::json;

use super::caller;
use super::session::COOKIE_NAME;
use super::session::SESSION_LIFETIME;
use super::Console;
use crate::api::error_response;
use crate::api::supported;
use crate::api::ApiState;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::config::AuthMode;

/// Operations the console uses when the service has them.
const OPTIONAL_OPERATIONS: &[&str] = &["ListStateMachineVersions", "ListStateMachineAliases", "RedriveExecution"];

/// Body of `POST /console/api/login`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginInput {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

/// `GET /console/api/session`: who the console acts for (or why it acts for no one yet).
pub async fn session(request: HttpRequest, state: web::Data<ApiState>, console: web::Data<Console>) -> HttpResponse {
    let operations: serde_json::Map<String, serde_json::Value> =
        OPTIONAL_OPERATIONS.iter().map(|op| (op.to_string(), json!(supported(op)))).collect();
    let mut body = json!({
        "auth": if state.config.auth == AuthMode::Sigv4 { "sigv4" } else { "none" },
        "region": state.config.region,
        "nodeId": state.node.id,
        "operations": operations,
    });
    match caller::account(&request, &state, &console) {
        Ok(account) => {
            body["authenticated"] = json!(true);
            body["account"] = json!(account);
        }
        Err(error) => {
            body["authenticated"] = json!(false);
            body["reason"] = json!(error.message);
        }
    }
    HttpResponse::Ok().json(body)
}

/// `POST /console/api/login`: checks an access key pair and sets the session cookie.
pub async fn login(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
    console: web::Data<Console>,
) -> HttpResponse {
    let answer = || -> Result<HttpResponse, AwsError> {
        caller::from_console(&request)?;
        if state.config.auth == AuthMode::None {
            return Err(AwsError::new(
                ErrorCode::ValidationException,
                "Authentication is off: the console needs no login.",
            ));
        }
        let input: LoginInput = serde_json::from_slice(&body)
            .map_err(|e| AwsError::new(ErrorCode::SerializationException, format!("Cannot read the login: {e}")))?;
        let (Some(access_key_id), Some(secret)) = (input.access_key_id, input.secret_access_key) else {
            return Err(AwsError::new(
                ErrorCode::ValidationException,
                "Give an access key id and a secret access key.",
            ));
        };
        let (cookie, account) = console.sessions.login(&access_key_id, &secret, now_ms())?;
        let set_cookie = session_cookie(&cookie, SESSION_LIFETIME.as_secs(), console.secure_cookies);
        Ok(HttpResponse::Ok()
            .insert_header(("set-cookie", set_cookie))
            .json(json!({ "account": account, "accessKeyId": access_key_id })))
    };
    answer().unwrap_or_else(|error| error_response(&error))
}

/// `POST /console/api/logout`: ends the session in this browser.
pub async fn logout(request: HttpRequest, console: web::Data<Console>) -> HttpResponse {
    if let Err(error) = caller::from_console(&request) {
        return error_response(&error);
    }
    HttpResponse::Ok().insert_header(("set-cookie", session_cookie("", 0, console.secure_cookies))).json(json!({}))
}

/// The `Set-Cookie` value of a session: HttpOnly, same-site only, scoped to the console.
fn session_cookie(value: &str, max_age_seconds: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={value}; Path=/console; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{secure}")
}
