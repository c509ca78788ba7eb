//! The state machine definition: top-level fields and the `States` bodies (the machine's own, each Parallel
//! branch and each Map processor).

use serde_json::Value;

use crate::asl::diagnostic::Diagnostic;
use crate::asl::diagnostic::InvalidDefinition;
use crate::asl::parse;
use crate::asl::state::QueryLanguage;
use crate::asl::state::State;
use crate::asl::state::StateKind;

/// A `StartAt` + `States` pair; states keep their declaration order.
#[derive(Debug, Clone)]
pub struct StatesBody {
    pub start_at: String,
    pub states: Vec<State>,
    pub comment: Option<String>,
}

impl StatesBody {
    /// The state called `name`, if this body declares it.
    pub fn get(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }

    /// The state called `name` declared in this body or in any body nested in it (Parallel branches, Map
    /// processors); state names are unique across a whole definition.
    pub fn find(&self, name: &str) -> Option<&State> {
        self.states.iter().find_map(|state| match &state.kind {
            _ if state.name == name => Some(state),
            StateKind::Parallel(parallel) => parallel.branches.iter().find_map(|branch| branch.find(name)),
            StateKind::Map(map) => map.processor.find(name),
            _ => None,
        })
    }
}

/// A parsed and validated ASL document.
#[derive(Debug, Clone)]
pub struct Definition {
    pub comment: Option<String>,
    pub version: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub query_language: QueryLanguage,
    pub body: StatesBody,
    /// The document as given (for fields the model carries only verbatim).
    pub source: Value,
}

impl Definition {
    /// Parses and validates an ASL document, as CreateStateMachine/UpdateStateMachine do.
    pub fn parse(text: &str) -> Result<Definition, InvalidDefinition> {
        let (definition, diagnostics) = parse::parse_document(text);
        match definition {
            Some(definition) if diagnostics.iter().all(|d| d.severity != crate::asl::Severity::Error) => Ok(definition),
            _ => Err(InvalidDefinition { diagnostics }),
        }
    }

    /// Every finding about `text`, as ValidateStateMachineDefinition reports them (empty when valid).
    pub fn validate(text: &str) -> Vec<Diagnostic> {
        parse::parse_document(text).1
    }

    /// The machine's `StartAt`.
    pub fn start_at(&self) -> &str {
        &self.body.start_at
    }

    /// The machine's top-level states, in declaration order.
    pub fn states(&self) -> &[State] {
        &self.body.states
    }
}
