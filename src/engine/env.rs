//! The evaluation environment of a state: the context object (`$$`) and the visible workflow variables.

use std::cell::OnceCell;
use std::sync::Arc;

use serde_json::json;
use serde_json::Map;
use serde_json::Value;

use crate::engine::execution::ExecutionInfo;
use crate::engine::json::iso_millis;

/// Variables visible from a thread: its own, then those of the enclosing threads.
pub struct Scope<'a> {
    pub variables: &'a Map<String, Value>,
    pub parent: Option<&'a Scope<'a>>,
}

impl Scope<'_> {
    /// The value of `$name`, searching outwards.
    pub fn lookup(&self, name: &str) -> Option<&Value> {
        self.variables.get(name).or_else(|| self.parent.and_then(|p| p.lookup(name)))
    }
}

/// What paths and intrinsics of one state can see. The context object is built on first use: most
/// states never read `$$`, and it holds the whole execution input.
pub struct Env<'a> {
    context: OnceCell<Value>,
    source: ContextSource<'a>,
    pub scope: &'a Scope<'a>,
    /// Material for deterministic pseudo-randomness (States.UUID, States.MathRandom, JSONata `$random`).
    pub entropy: String,
    /// The step's time (JSONata `$now()`), in milliseconds since the epoch.
    pub now_ms: i64,
}

/// A state as its context object (`$$.State`) describes it.
pub struct EnteredState<'s> {
    pub name: &'s str,
    pub entered_ms: i64,
    /// For states that retry (Task, Parallel, Map): the retries so far.
    pub retry_count: Option<u64>,
}

/// What the context object of an [`Env`] is made of.
#[derive(Clone)]
enum ContextSource<'a> {
    Given(Value),
    State { info: &'a ExecutionInfo, input: Arc<Value>, state: String, entered_ms: i64, retry_count: Option<u64> },
}

impl<'a> Env<'a> {
    /// An environment whose context object is `context`.
    pub fn new(context: Value, scope: &'a Scope<'a>, entropy: String, now_ms: i64) -> Env<'a> {
        Env { context: OnceCell::new(), source: ContextSource::Given(context), scope, entropy, now_ms }
    }

    /// The environment of the state `entered` in the execution `info` started with `input`.
    pub fn of_state(
        info: &'a ExecutionInfo,
        input: Arc<Value>,
        entered: EnteredState<'_>,
        scope: &'a Scope<'a>,
        entropy: String,
        now_ms: i64,
    ) -> Env<'a> {
        let EnteredState { name, entered_ms, retry_count } = entered;
        let source = ContextSource::State { info, input, state: name.to_string(), entered_ms, retry_count };
        Env { context: OnceCell::new(), source, scope, entropy, now_ms }
    }

    /// The context object (`$$`).
    pub fn context(&self) -> &Value {
        self.context.get_or_init(|| match &self.source {
            ContextSource::Given(context) => context.clone(),
            ContextSource::State { info, input, state, entered_ms, retry_count } => {
                context_object(info, input, state, *entered_ms, *retry_count)
            }
        })
    }

    /// This environment with `member` set in the context object (`Task`, `Map`).
    pub fn with_context_member(&self, member: &str, value: Value) -> Env<'a> {
        let mut context = self.context().clone();
        if let Some(object) = context.as_object_mut() {
            object.insert(member.into(), value);
        }
        Env::new(context, self.scope, self.entropy.clone(), self.now_ms)
    }
}

/// Builds the context object for a state entered at `entered_ms`.
pub fn context_object(
    info: &ExecutionInfo,
    input: &Value,
    state: &str,
    entered_ms: i64,
    retry_count: Option<u64>,
) -> Value {
    let mut context = json!({
        "Execution": {
            "Id": info.execution_arn,
            "Input": Value::Null,
            "StartTime": iso_millis(info.start_time_ms),
            "Name": info.execution_name,
            "RoleArn": info.role_arn
        },
        "StateMachine": {
            "Id": info.state_machine_arn,
            "Name": info.state_machine_name
        },
        "State": {
            "EnteredTime": iso_millis(entered_ms),
            "Name": state
        }
    });
    context["Execution"]["Input"] = input.clone();
    context["Execution"]["RedriveCount"] = json!(info.redrive.count);
    if let Some(redriven) = info.redrive.last_ms {
        context["Execution"]["RedriveTime"] = json!(iso_millis(redriven));
    }
    if let Some(count) = retry_count {
        context["State"]["RetryCount"] = json!(count);
    }
    context
}

impl<'a> Env<'a> {
    /// The environment a Map's ItemSelector sees for one item: the context object with `Map.Item` set.
    pub fn for_map_item(&self, index: usize, value: &Value) -> Env<'a> {
        self.with_context_member("Map", json!({"Item": {"Index": index, "Value": value}}))
    }
}
