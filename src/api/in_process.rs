//! The API operations as the runtime calls them: the in-process Step Functions integrations run a Step Functions
//! operation exactly as a signed request for the calling execution's account would (throttle, catch-up, metrics).

use std::sync::Weak;

use futures::future::LocalBoxFuture;
use serde_json::Value;

use super::ApiState;
use crate::connectors::states::ApiError;
use crate::connectors::StatesApi;

/// Runs operations through [`super::call`]; holds the API state weakly, as the state holds the runtime.
pub struct InProcessApi {
    state: Weak<ApiState>,
}

impl InProcessApi {
    /// Operations run against `state` while it lives.
    pub fn new(state: Weak<ApiState>) -> InProcessApi {
        InProcessApi { state }
    }
}

impl StatesApi for InProcessApi {
    fn call(&self, operation: &str, body: Value, account: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        let state = self.state.upgrade();
        let operation = operation.to_string();
        Box::pin(async move {
            let Some(state) = state else {
                return Err(ApiError { code: "ServiceUnavailable".into(), message: "The server is stopping.".into() });
            };
            if !super::protocol::step_functions_operation(&operation) {
                let message = format!("Operation '{operation}' is not a Step Functions operation");
                return Err(ApiError { code: "UnknownOperationException".into(), message });
            }
            let response = super::call(&state, &operation, body.to_string().as_bytes(), account).await;
            let success = response.status().is_success();
            let bytes = actix_web::body::to_bytes(response.into_body()).await.unwrap_or_default();
            let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if success {
                return Ok(answer);
            }
            let code = answer["__type"].as_str().unwrap_or_default();
            Err(ApiError {
                code: code.rsplit('#').next().unwrap_or(code).to_string(),
                message: answer["message"].as_str().unwrap_or_default().to_string(),
            })
        })
    }
}
