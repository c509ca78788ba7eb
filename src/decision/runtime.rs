//! What the runtime answers at once while a decision runs, without waiting: whether an activity exists, and
//! the mocked answers of an execution that runs a test case.

use crate::mocks::TestCase;

/// The immediate answers a decision may take into account.
#[derive(Clone, Copy)]
pub struct Runtime<'a> {
    /// Whether an activity ARN names an activity (an activity task of a missing one fails as `States.Runtime`).
    pub activity_exists: &'a dyn Fn(&str) -> bool,
    /// The test case the execution runs, whose mocked Task states are answered from its mocked responses.
    pub test_case: Option<&'a TestCase>,
}
