//! One state run alone, as TestState runs it: the state's data flow over a given input, variables and
//! context object, with the work of Task, Parallel and Map states answered by the caller (a mocked result or
//! error, or a connector's answer) instead of being carried out. Retry and Catch are decided once: a
//! retrier with attempts left makes the run RETRIABLE, a catcher makes it CAUGHT_ERROR.
//!
//! The run records what each step of the data flow produced ([`Inspection`]). Like the rest of `engine` it
//! performs no IO and reads no clock: the caller passes the time and the entropy.

mod answers;
mod handling;
mod jsonata;
mod jsonpath;
#[cfg(test)]
mod tests;

use serde_json::Map;
use serde_json::Value;

use crate::asl::QueryLanguage;
use crate::asl::State;
use crate::engine::dataflow::Site;
use crate::engine::env::Env;
use crate::engine::env::Scope;
use crate::engine::error::StateError;

/// What stands in for the work of a Task, Parallel or Map state.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The work's result.
    Result(Value),
    /// The work failed with this error.
    Error(StateError),
}

/// The situation a state is tested in (TestState's `stateConfiguration`).
#[derive(Debug, Clone, Default)]
pub struct Situation {
    /// Retries already made by the retrier that matches the error.
    pub retrier_retry_count: u64,
    /// Map iterations that failed.
    pub map_iteration_failure_count: Option<u64>,
    /// The items a Map's ItemReader read.
    pub map_item_reader_data: Option<Value>,
}

/// One state to run alone.
pub struct SingleStateRun<'a> {
    pub state: &'a State,
    pub input: Value,
    /// The context object (`$$`, `$states.context`).
    pub context: Value,
    pub variables: Map<String, Value>,
    /// The answer to the state's work; required for Task, Parallel and Map states.
    pub answer: Option<Answer>,
    pub situation: Situation,
    pub now_ms: i64,
    /// Material for deterministic pseudo-randomness.
    pub entropy: String,
}

/// How the run ended (TestState's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Succeeded,
    Failed,
    Retriable,
    CaughtError,
}

impl RunStatus {
    /// The name AWS gives the status.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "SUCCEEDED",
            RunStatus::Failed => "FAILED",
            RunStatus::Retriable => "RETRIABLE",
            RunStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// The retrier or catcher that handled an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorDetails {
    pub catch_index: Option<usize>,
    pub retry_index: Option<usize>,
    pub retry_backoff_interval_seconds: Option<u64>,
}

/// What each step of the state's data flow produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    pub input: Option<Value>,
    pub after_input_path: Option<Value>,
    pub after_parameters: Option<Value>,
    pub after_arguments: Option<Value>,
    pub result: Option<Value>,
    pub after_result_selector: Option<Value>,
    pub after_result_path: Option<Value>,
    pub after_items_path: Option<Value>,
    pub after_item_selector: Option<Value>,
    /// The variables after the state (given and assigned), when there are any.
    pub variables: Option<Map<String, Value>>,
    pub error_details: Option<ErrorDetails>,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
    pub max_concurrency: Option<u64>,
}

/// The end of a single-state run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub status: RunStatus,
    pub output: Option<Value>,
    pub error: Option<StateError>,
    pub next_state: Option<String>,
    pub inspection: Inspection,
}

/// A request the run cannot honour (the caller answers it as a validation error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfit(pub String);

/// How the state's own attempt ended, before Retry and Catch.
enum Attempt {
    Exit { output: Value, assigned: Option<Map<String, Value>>, next: Option<String> },
    Failed(Failure),
}

impl Attempt {
    /// A failure of the state's own data flow.
    fn failed(error: StateError) -> Attempt {
        Attempt::Failed(Failure { error, from_task: false })
    }
}

/// A failed attempt: the error, and whether the state's work raised it (`States.TaskFailed` matches those).
struct Failure {
    error: StateError,
    from_task: bool,
}

/// What one attempt works with.
struct Ground<'r, 'e> {
    run: &'r SingleStateRun<'r>,
    env: &'r Env<'e>,
    site: Site<'r>,
}

impl<'e> Ground<'_, 'e> {
    /// The environment a Task's parameters see: `$$.Task` as the given context has it, else a made-up token.
    fn task_env(&self) -> Env<'e> {
        let task = self.env.context().get("Task").cloned();
        self.env.with_context_member("Task", task.unwrap_or_else(|| serde_json::json!({"Token": self.run.entropy})))
    }
}

/// Runs `run.state` once.
pub fn run_single_state(run: &SingleStateRun<'_>) -> Result<RunOutcome, Unfit> {
    let scope = Scope { variables: &run.variables, parent: None };
    let env = Env::new(run.context.clone(), &scope, run.entropy.clone(), run.now_ms);
    let ground = Ground { run, env: &env, site: Site { state: &run.state.name, entered_event: 0 } };
    let mut inspection = Inspection { input: Some(run.input.clone()), ..Inspection::default() };
    let attempt = match run.state.query_language {
        QueryLanguage::JsonPath => jsonpath::attempt(&ground, &mut inspection)?,
        QueryLanguage::JsonAta => jsonata::attempt(&ground, &mut inspection)?,
    };
    let mut variables = run.variables.clone();
    let outcome = match attempt {
        Attempt::Exit { output, assigned, next } => {
            variables.extend(assigned.unwrap_or_default());
            let next_state = next.or_else(|| run.state.next.clone().filter(|_| !run.state.end));
            RunOutcome { status: RunStatus::Succeeded, output: Some(output), error: None, next_state, inspection }
        }
        Attempt::Failed(failure) => handling::handle(&ground, failure, inspection, &mut variables),
    };
    Ok(with_variables(outcome, variables))
}

/// The parameters a Task state's call carries: its InputPath and Parameters, or its Arguments.
pub fn task_parameters(run: &SingleStateRun<'_>) -> Result<Value, StateError> {
    let scope = Scope { variables: &run.variables, parent: None };
    let env = Env::new(run.context.clone(), &scope, run.entropy.clone(), run.now_ms);
    let ground = Ground { run, env: &env, site: Site { state: &run.state.name, entered_event: 0 } };
    match run.state.query_language {
        QueryLanguage::JsonPath => jsonpath::parameters(&ground, &mut Inspection::default()),
        QueryLanguage::JsonAta => {
            let states = crate::engine::query::States::input(&run.input);
            crate::engine::query_flow::arguments(run.state, states, &ground.task_env(), ground.site)
        }
    }
}

fn with_variables(mut outcome: RunOutcome, variables: Map<String, Value>) -> RunOutcome {
    outcome.inspection.variables = (!variables.is_empty()).then_some(variables);
    outcome
}
