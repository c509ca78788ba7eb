//! Decision failures injected on purpose, so tests can take the paths that real faults reach only by timing.
//!
//! `STATEHOUSE_INJECT_DECISION_FAILURES=<kind>:<count>` makes the first `count` decisions of this process that
//! consume an input of `kind` fail as if the leader had not confirmed them, before they reach the log. Kinds
//! are `Start`, `TimersFired`, `Stop` and the task events (`HeartbeatTimedOut`, `Succeeded`, ...). Unset (the
//! normal case) nothing is ever injected; the variable is read once.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;

use crate::decision::Decision;
use crate::engine::Input;
use crate::engine::TaskEvent;

/// The environment variable that asks for failures.
pub const VARIABLE: &str = "STATEHOUSE_INJECT_DECISION_FAILURES";

struct Plan {
    kind: String,
    remaining: AtomicU64,
}

fn plan() -> Option<&'static Plan> {
    static PLAN: OnceLock<Option<Plan>> = OnceLock::new();
    PLAN.get_or_init(|| {
        let text = std::env::var(VARIABLE).ok()?;
        let (kind, count) = text.split_once(':')?;
        let count = count.trim().parse().ok()?;
        tracing::warn!(kind, count, "decisions will fail on purpose ({VARIABLE})");
        Some(Plan { kind: kind.trim().to_string(), remaining: AtomicU64::new(count) })
    })
    .as_ref()
}

/// Whether `decision` is to fail on purpose; each true answer uses up one of the failures asked for.
pub fn take(decision: &Decision) -> bool {
    let Some(plan) = plan() else { return false };
    if !decision.inputs.iter().any(|consumed| kind_of(&consumed.input) == plan.kind) {
        return false;
    }
    plan.remaining.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1)).is_ok()
}

fn kind_of(input: &Input) -> &'static str {
    match input {
        Input::Start => "Start",
        Input::TimersFired { .. } => "TimersFired",
        Input::Stop { .. } => "Stop",
        Input::Redrive => "Redrive",
        Input::UpdateMapRun(_) => "UpdateMapRun",
        Input::Task { event, .. } => match event {
            TaskEvent::Scheduled => "Scheduled",
            TaskEvent::ScheduleFailed { .. } => "ScheduleFailed",
            TaskEvent::Started { .. } => "Started",
            TaskEvent::Submitted { .. } => "Submitted",
            TaskEvent::HeartbeatTimedOut | TaskEvent::HeartbeatTimedOutWithDetails { .. } => "HeartbeatTimedOut",
            TaskEvent::Succeeded { .. } => "Succeeded",
            TaskEvent::Failed { .. } => "Failed",
        },
    }
}
