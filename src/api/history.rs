//! GetExecutionHistory.

use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::executions;
use super::pagination::decode_token;
use super::pagination::encode_token;
use super::validate::page_size;
use super::validate::Constraints;
use super::AccountView;
use crate::aws_error::AwsError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetExecutionHistoryInput {
    execution_arn: Option<String>,
    max_results: Option<i64>,
    reverse_order: Option<bool>,
    next_token: Option<String>,
    include_execution_data: Option<bool>,
}

pub async fn get(state: &AccountView<'_>, input: GetExecutionHistoryInput) -> Result<Value, AwsError> {
    let mut c = Constraints::default();
    let arn = c.required("executionArn", &input.execution_arn, 1, 256);
    c.range("maxResults", input.max_results, 0, 1000);
    c.length("nextToken", input.next_token.as_ref(), 1, 1024);
    c.finish()?;
    executions::load(state, arn)?;
    let reverse = input.reverse_order.unwrap_or(false);
    let scope = format!("GetExecutionHistory:{arn}:{reverse}");
    let from = match input.next_token.as_deref() {
        Some(token) => {
            let key = decode_token(state.node.token_key(), &scope, token)?;
            Some(u64::from_be_bytes(key.try_into().map_err(|_| {
                AwsError::new(crate::aws_error::ErrorCode::InvalidToken, format!("Invalid Token: '{token}'"))
            })?))
        }
        None => None,
    };
    let page = state.node.store.history(arn, from, reverse, page_size(input.max_results))?;
    let include = input.include_execution_data.unwrap_or(true);
    let events: Vec<Value> = page.items.iter().map(|e| e.to_wire(include)).collect();
    let mut out = json!({ "events": events });
    if let Some(next) = page.next {
        out["nextToken"] = json!(encode_token(state.node.token_key(), &scope, &next));
    }
    Ok(out)
}
