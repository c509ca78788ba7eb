//! The typed model of one state and its type-specific fields.

use serde_json::Value;

use crate::asl::choice::ChoiceRule;
use crate::asl::definition::StatesBody;
use crate::asl::retry::Catcher;
use crate::asl::retry::Retrier;

/// `JSONPath` (default) or `JSONata`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    JsonAta,
}

/// A path field that may be absent (default `$`), explicitly `null`, or a path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathField {
    Default,
    Null,
    Path(String),
}

/// One state of a `States` object.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub kind: StateKind,
    pub comment: Option<String>,
    /// The effective query language (the state's own, else the enclosing one).
    pub query_language: QueryLanguage,
    pub next: Option<String>,
    pub end: bool,
    pub input_path: PathField,
    pub output_path: PathField,
    pub result_path: PathField,
    pub parameters: Option<Value>,
    pub result_selector: Option<Value>,
    pub assign: Option<Value>,
    /// JSONata `Output`.
    pub output: Option<Value>,
    /// JSONata `Arguments`.
    pub arguments: Option<Value>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

impl State {
    /// The `Type` value (`Pass`, `Task`, …).
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            StateKind::Pass { .. } => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }

    /// Whether reaching this state can end its scope (End, Succeed or Fail).
    pub fn is_terminal(&self) -> bool {
        self.end || matches!(self.kind, StateKind::Succeed | StateKind::Fail(_))
    }
}

/// The type-specific part of a state.
#[derive(Debug, Clone)]
pub enum StateKind {
    Pass { result: Option<Value> },
    Task(Task),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Parallel),
    Map(Box<Map>),
}

/// A value given either literally or through a path (`X` / `XPath`) or a JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic<T> {
    Literal(T),
    Path(String),
    Expression(String),
}

/// Task state fields.
#[derive(Debug, Clone)]
pub struct Task {
    pub resource: String,
    pub timeout_seconds: Option<Dynamic<u64>>,
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    pub credentials: Option<Value>,
}

/// Choice state fields.
#[derive(Debug, Clone)]
pub struct Choice {
    pub choices: Vec<ChoiceRule>,
    pub default: Option<String>,
}

/// What a Wait state waits for.
#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    Seconds(Dynamic<u64>),
    Timestamp(Dynamic<String>),
}

/// Fail state fields (`Error`/`ErrorPath`, `Cause`/`CausePath`).
#[derive(Debug, Clone)]
pub struct Fail {
    pub error: Option<Dynamic<String>>,
    pub cause: Option<Dynamic<String>>,
}

/// Parallel state fields.
#[derive(Debug, Clone)]
pub struct Parallel {
    pub branches: Vec<StatesBody>,
}

/// Whether a Map runs its iterations inside the execution or as child executions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessorMode {
    Inline,
    Distributed,
}

/// Map state fields.
#[derive(Debug, Clone)]
pub struct Map {
    pub processor: StatesBody,
    pub mode: ProcessorMode,
    pub items_path: PathField,
    /// JSONata `Items` (array or expression).
    pub items: Option<Value>,
    /// `ItemSelector`, or the deprecated `Parameters` of a Map.
    pub item_selector: Option<Value>,
    pub max_concurrency: Option<Dynamic<u64>>,
    pub tolerated_failure_count: Option<Dynamic<Value>>,
    pub tolerated_failure_percentage: Option<Dynamic<Value>>,
    pub label: Option<String>,
    pub item_reader: Option<Value>,
    pub item_batcher: Option<Value>,
    pub result_writer: Option<Value>,
}
