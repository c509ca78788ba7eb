//! `ChildWatches`: the child executions that this node's parents wait for (`states:startExecution.sync` and
//! `.sync:2`). A watch lives in memory on the parent's owner; what makes it durable is the parent's open task in
//! the replicated state, from which the child's ARN is derived again ([`sync_child`]) when an owner resumes the
//! parent. When a watched child closes (the applied notice on every node), its end is reported to the parent's
//! task as SendTaskSuccess/SendTaskFailure would be. No watch polls: a child that closed before its watch was set
//! is found in the store when the watch is set.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;

use super::ExecutionSupervisor;
use crate::aws_error::ErrorCode;
use crate::connectors::states;
use crate::connectors::Integration;
use crate::connectors::Outcome;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;
use crate::store::ExecutionRecord;
use crate::store::OpenTask;

/// Attempts at reporting a child's end to a parent that is briefly unavailable, and the pause between them.
const REPORT_ATTEMPTS: usize = 20;
const REPORT_RETRY: Duration = Duration::from_millis(500);

/// Child execution ARN -> the parent task that waits for it.
#[derive(Default)]
pub struct ChildWatches {
    watches: DashMap<String, ChildOf>,
}

/// The task of a parent execution that ends when a child execution does.
#[derive(Debug, Clone)]
pub struct ChildOf {
    /// The parent execution's ARN.
    pub parent: String,
    /// The parent's task that started the child.
    pub slot: TaskSlot,
    /// `.sync:2`: the child's input and output as JSON rather than JSON text.
    pub json_output: bool,
}

impl ChildWatches {
    /// Watches `child` for the task `of`.
    pub fn watch(&self, child: &str, of: ChildOf) {
        self.watches.insert(child.to_string(), of);
    }

    /// The watch of a child that closed, taken out.
    pub fn take(&self, child: &str) -> Option<ChildOf> {
        self.watches.remove(child).map(|(_, of)| of)
    }

    /// Stops watching `child` (its parent's task closed).
    pub fn forget(&self, child: &str) {
        self.watches.remove(child);
    }
}

/// The child execution an open `.sync` Step Functions task waits for.
pub fn sync_child(task: &OpenTask) -> Option<String> {
    let waits = Integration::of(&task.resource).is_some_and(|integration| integration.waits_for_child());
    waits.then(|| states::child_arn(&task.input, &task.token)).flatten()
}

/// Reports a closed child's end to the parent task `of`. A parent whose task closed meanwhile has nothing to
/// hear; one whose decision did not commit, or that is moving between nodes, hears it once its owner answers.
pub async fn report_child_end(supervisor: Arc<ExecutionSupervisor>, child: ExecutionRecord, of: ChildOf) {
    let event = match states::child_outcome(&child, of.json_output) {
        Outcome::Answered { output } => TaskEvent::Succeeded { output },
        Outcome::Failed { error, cause } => TaskEvent::Failed { error: Some(error), cause: Some(cause) },
        Outcome::Started { .. } => return,
    };
    for _ in 0..REPORT_ATTEMPTS {
        match supervisor.report(&of.parent, of.slot, event.clone()).await {
            Err(e) if e.code == ErrorCode::ServiceUnavailable => tokio::time::sleep(REPORT_RETRY).await,
            Err(e) => {
                tracing::debug!(execution = %of.parent, error = %e.message, "the child's end was not reported");
                return;
            }
            Ok(()) => return,
        }
    }
    tracing::warn!(
        execution = %of.parent,
        child = %child.arn,
        "the child's end could not be reported; the parent hears it when it resumes"
    );
}
