//! `POST /console/api/graph`: the SVG drawing of a definition, for the console's state machine and
//! execution pages.

use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;

use super::caller;
use super::graph;
use super::Console;
use crate::api::error_response;
use crate::api::ApiState;
use crate::asl::Definition;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;

/// `POST /console/api/graph`: the SVG drawing of the definition in the body.
pub async fn graph(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
    console: web::Data<Console>,
) -> HttpResponse {
    let drawn =
        caller::from_console(&request).and_then(|()| caller::account(&request, &state, &console)).and_then(|_| {
            let text = std::str::from_utf8(&body)
                .map_err(|_| AwsError::new(ErrorCode::InvalidDefinition, "The definition is not UTF-8 text."))?;
            let definition =
                Definition::parse(text).map_err(|e| AwsError::new(ErrorCode::InvalidDefinition, e.to_string()))?;
            Ok(graph::render(&definition))
        });
    match drawn {
        Ok(svg) => HttpResponse::Ok().content_type("image/svg+xml").body(svg),
        Err(error) => error_response(&error),
    }
}
