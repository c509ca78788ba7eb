//! Mocked service integrations in Step Functions Local's mock configuration format: a JSON file of test cases
//! (`StateMachines.<machine>.TestCases.<case>.<state> = <response>`) and mocked responses
//! (`MockedResponses.<response>.<"0" | "1-3">` = `{"Return": ...}` or `{"Throw": {"Error", "Cause"}}`).
//!
//! StartExecution on `arn:...:stateMachine:<machine>#<case>` runs the execution with that test case: each call
//! a mocked Task state makes is answered from its mocked response, chosen by how many calls the state made
//! before it (retries included), instead of calling a connector. The answer is resolved when the call is
//! made and goes into the decision as ordinary task inputs, so the log records it and a rebuild replays it
//! without reading the file. Activities cannot be mocked, as on Step Functions Local.

mod answer;
mod config;
mod error;
mod response;
mod test_case;

pub use answer::MockAnswer;
pub use config::MockConfig;
pub use error::MockConfigError;
pub use response::MockedResponse;
pub use test_case::TestCase;
