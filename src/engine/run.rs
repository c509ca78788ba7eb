//! The per-step working set: the definition, the clock value given by the caller, event id and timer id
//! allocation, fired timers and the collected events and effects.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use serde_json::Map;
use serde_json::Value;

use crate::asl::definition::StatesBody;
use crate::asl::state::StateKind;
use crate::asl::Definition;
use crate::engine::event::EventDraft;
use crate::engine::event::EventType;
use crate::engine::execution::ExecutionInfo;
use crate::engine::execution::ScopeStep;
use crate::engine::io::Effect;
use crate::engine::io::TaskEvent;
use crate::engine::io::TaskSlot;
use crate::engine::io::TimerId;
use crate::engine::json::to_text;

/// Everything one call of `step` works with.
pub struct Run<'a> {
    pub definition: &'a Definition,
    pub info: &'a ExecutionInfo,
    pub execution_input: Arc<Value>,
    pub now_ms: i64,
    pub next_event_id: u64,
    pub next_timer_id: u64,
    pub fired: Vec<TimerId>,
    pub events: Vec<EventDraft>,
    pub effects: Vec<Effect>,
    /// While set, events are dropped (a Distributed Map child is running).
    pub silent: bool,
    pub next_task_slot: u64,
    /// Task reports not yet consumed by the task they name.
    pub task_events: Vec<(TaskSlot, TaskEvent)>,
    /// Calls made so far by each Task state (by name), retries included.
    pub invocations: BTreeMap<String, u64>,
}

impl<'a> Run<'a> {
    /// Appends an event after `previous` and returns its id.
    pub fn emit(&mut self, event_type: EventType, previous: u64, details: Option<Value>) -> u64 {
        if self.silent {
            return previous;
        }
        let id = self.next_event_id;
        self.next_event_id += 1;
        self.events.push(EventDraft { id, previous_event_id: previous, event_type, details });
        id
    }

    /// Asks the runtime for a timer due at `due_ms`.
    pub fn arm(&mut self, due_ms: i64) -> TimerId {
        let timer = TimerId(self.next_timer_id);
        self.next_timer_id += 1;
        self.effects.push(Effect::ArmTimer { timer, due_ms });
        timer
    }

    /// Counts a call of the Task state `state`; returns how many it made before this one.
    pub fn count_invocation(&mut self, state: &str) -> u64 {
        let count = self.invocations.entry(state.to_string()).or_default();
        *count += 1;
        *count - 1
    }

    /// Consumes `timer` if it has fired.
    pub fn take_fired(&mut self, timer: TimerId) -> bool {
        match self.fired.iter().position(|t| *t == timer) {
            Some(i) => {
                self.fired.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Takes the first unconsumed report for `slot`.
    pub fn take_task_event(&mut self, slot: TaskSlot) -> Option<TaskEvent> {
        let i = self.task_events.iter().position(|(s, _)| *s == slot)?;
        Some(self.task_events.remove(i).1)
    }

    /// Removes and returns the first report for `slot` that satisfies `wanted`.
    pub fn take_task_event_if(&mut self, slot: TaskSlot, wanted: impl Fn(&TaskEvent) -> bool) -> Option<TaskEvent> {
        let i = self.task_events.iter().position(|(s, e)| *s == slot && wanted(e))?;
        Some(self.task_events.remove(i).1)
    }

    /// The `States` body a thread with `scope` runs.
    pub fn body(&self, scope: &[ScopeStep]) -> &'a StatesBody {
        let mut body = &self.definition.body;
        for step in scope {
            let (ScopeStep::Branch { state, .. } | ScopeStep::Processor { state }) = step;
            let Some(found) = body.get(state) else { return body };
            body = match (&found.kind, step) {
                (StateKind::Parallel(p), ScopeStep::Branch { index, .. }) => &p.branches[*index],
                (StateKind::Map(m), ScopeStep::Processor { .. }) => &m.processor,
                _ => return body,
            };
        }
        body
    }

    /// Material for deterministic pseudo-randomness, unique per event position.
    pub fn entropy(&self) -> String {
        format!("{}#{}", self.info.execution_arn, self.next_event_id)
    }
}

/// `stateEnteredEventDetails`. An input that is still the execution's input keeps the caller's own text, as AWS
/// writes it.
pub fn entered_details(name: &str, input: &Value, execution_input: &str, parsed_input: &Value) -> Value {
    let text = if parsed_input == input { execution_input.to_string() } else { to_text(input) };
    json!({"name": name, "input": text, "inputDetails": {"truncated": false}})
}

/// `stateExitedEventDetails`, with `assignedVariables` when the state assigned any.
pub fn exited_details(name: &str, output: &Value, assigned: Option<&Map<String, Value>>) -> Value {
    let mut details = json!({"name": name, "output": to_text(output), "outputDetails": {"truncated": false}});
    if let Some(assigned) = assigned.filter(|a| !a.is_empty()) {
        let texts: Map<String, Value> = assigned.iter().map(|(k, v)| (k.clone(), Value::String(to_text(v)))).collect();
        details["assignedVariables"] = Value::Object(texts);
        details["assignedVariablesDetails"] = json!({"truncated": false});
    }
    details
}
