//! Who a console request acts for, and the check that a request acting for someone comes from the
//! console's own pages: it must carry the `X-Statehouse-Console` header (which a page of another origin
//! cannot send without a CORS preflight this server never grants) and must not be a cross-site fetch.

use actix_web::HttpRequest;

use super::session::COOKIE_NAME;
use super::Console;
use crate::api::ApiState;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::clock::now_ms;
use crate::config::AuthMode;

/// The header the console's scripts send with every request that acts.
pub const CONSOLE_HEADER: &str = "x-statehouse-console";

/// The account of the request: the configured one with auth off, else the account of its valid session.
pub fn account(request: &HttpRequest, state: &ApiState, console: &Console) -> Result<String, AwsError> {
    if state.config.auth == AuthMode::None {
        return Ok(state.config.account.clone());
    }
    let Some(cookie) = cookie(request, COOKIE_NAME) else {
        return Err(AwsError::new(ErrorCode::MissingAuthenticationTokenException, "Log in to the console first."));
    };
    let (_, account) = console.sessions.check(&cookie, now_ms())?;
    Ok(account.to_string())
}

/// Refuses a request that did not come from the console's own pages.
pub fn from_console(request: &HttpRequest) -> Result<(), AwsError> {
    let cross_site = request.headers().get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site || !request.headers().contains_key(CONSOLE_HEADER) {
        return Err(AwsError::new(
            ErrorCode::AccessDeniedException,
            format!("Console requests come from the console's pages (header {CONSOLE_HEADER})."),
        ));
    }
    Ok(())
}

/// The value of the cookie `name`, if the request carries it.
pub fn cookie(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get_all("cookie")
        .filter_map(|header| header.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}
