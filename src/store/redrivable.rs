//! When a closed execution can be redriven: the one rule RedriveExecution, its apply and DescribeExecution's
//! `redriveStatus` share, with AWS's reasons.

use super::ExecutionRecord;
use super::ExecutionStatus;
use super::RedriveToken;

/// How long after its close an execution can be redriven: 14 days.
pub const REDRIVABLE_PERIOD_MS: i64 = 14 * 24 * 3600 * 1000;
/// How long an execution may stay open in all: one year from its start.
pub const MAX_EXECUTION_MS: i64 = 365 * 24 * 3600 * 1000;
/// The most times one execution can be redriven.
pub const MAX_REDRIVES: u64 = 1000;
/// The most events a history may hold to be redriven: room is left for ExecutionRedriven and one more event.
pub const MAX_EVENTS_TO_REDRIVE: u64 = 24_998;

/// How many client tokens of an execution's redrives are remembered, and for how long after their redrive.
pub const REMEMBERED_TOKENS: usize = 10;
pub const TOKEN_VALIDITY_MS: i64 = 15 * 60 * 1000;

/// The date of the redrive of `execution` that `token` made, if it is still remembered at `now_ms`: a repeat
/// of that redrive answers it and changes nothing.
pub fn repeated_redrive(execution: &ExecutionRecord, token: Option<&str>, now_ms: i64) -> Option<i64> {
    let token = token?;
    let remembered = execution.redrive_tokens.iter().find(|t| t.token == token)?;
    (now_ms - remembered.redrive_ms <= TOKEN_VALIDITY_MS).then_some(remembered.redrive_ms)
}

/// Remembers the client token of a redrive of `execution` at `redrive_ms`, forgetting the oldest beyond
/// [`REMEMBERED_TOKENS`].
pub fn remember_token(execution: &mut ExecutionRecord, token: Option<&str>, redrive_ms: i64) {
    let Some(token) = token else { return };
    execution.redrive_tokens.push(RedriveToken { token: token.to_string(), redrive_ms });
    let excess = execution.redrive_tokens.len().saturating_sub(REMEMBERED_TOKENS);
    execution.redrive_tokens.drain(..excess);
}

/// What a redrive of `execution` at `now_ms` needs to know besides its record.
pub struct RedriveContext {
    /// Whether its state machine is being deleted.
    pub machine_deleting: bool,
    /// The id of its last history event.
    pub last_event_id: u64,
    pub now_ms: i64,
}

/// Why `execution` cannot be redriven now, in AWS's words; `None` when it can.
pub fn not_redrivable(execution: &ExecutionRecord, context: &RedriveContext) -> Option<String> {
    let reason = match execution.status {
        ExecutionStatus::Running | ExecutionStatus::Succeeded => {
            format!("Execution is {} and cannot be redriven", execution.status.as_str())
        }
        _ if context.machine_deleting => "State machine is in DELETING status".to_string(),
        _ if context.last_event_id > MAX_EVENTS_TO_REDRIVE => "Execution history event limit exceeded".to_string(),
        _ if context.now_ms - execution.start_ms > MAX_EXECUTION_MS => {
            "Execution has exceeded the max execution time".to_string()
        }
        _ if context.now_ms - execution.stop_ms.unwrap_or(context.now_ms) > REDRIVABLE_PERIOD_MS => {
            "Execution redrivable period exceeded".to_string()
        }
        _ if execution.redrive_count >= MAX_REDRIVES => {
            format!("Execution has been redriven the maximum number of times ({MAX_REDRIVES})")
        }
        _ => return None,
    };
    Some(reason)
}
