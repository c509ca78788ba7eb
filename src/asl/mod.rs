//! The Amazon States Language: the typed model of a state machine definition, its parser and validator (with
//! AWS-worded diagnostics), JSONPath, and the syntax of intrinsic functions. Pure: no IO, no clock.

pub mod choice;
pub mod definition;
pub mod diagnostic;
mod express;
mod graph;
pub mod intrinsic;
mod parse;
pub mod path;
pub mod retry;
mod scopes;
pub mod state;
pub mod timestamp;

pub use definition::Definition;
pub use definition::StatesBody;
pub use diagnostic::Diagnostic;
pub use diagnostic::InvalidDefinition;
pub use diagnostic::Severity;
pub use state::QueryLanguage;
pub use state::State;
pub use state::StateKind;

#[cfg(test)]
mod tests;
