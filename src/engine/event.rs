//! History event types (all 62 `HistoryEventType` values) and the drafts the engine emits.

use serde::Deserialize;
use serde::Serialize;

macro_rules! event_types {
    ($($name:ident => $details:expr),* $(,)?) => {
        /// A `HistoryEventType`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventType {
            $($name),*
        }

        impl EventType {
            /// Every event type, in the order the API model lists them.
            pub const ALL: &'static [EventType] = &[$(EventType::$name),*];

            /// The wire name (`"PassStateEntered"`).
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(EventType::$name => stringify!($name)),*
                }
            }

            /// The `HistoryEvent` member holding this type's details, if it has any.
            pub fn details_member(&self) -> Option<&'static str> {
                match self {
                    $(EventType::$name => $details),*
                }
            }
        }
    };
}

event_types! {
    ActivityFailed => Some("activityFailedEventDetails"),
    ActivityScheduled => Some("activityScheduledEventDetails"),
    ActivityScheduleFailed => Some("activityScheduleFailedEventDetails"),
    ActivityStarted => Some("activityStartedEventDetails"),
    ActivitySucceeded => Some("activitySucceededEventDetails"),
    ActivityTimedOut => Some("activityTimedOutEventDetails"),
    ChoiceStateEntered => Some("stateEnteredEventDetails"),
    ChoiceStateExited => Some("stateExitedEventDetails"),
    ExecutionAborted => Some("executionAbortedEventDetails"),
    ExecutionFailed => Some("executionFailedEventDetails"),
    ExecutionStarted => Some("executionStartedEventDetails"),
    ExecutionSucceeded => Some("executionSucceededEventDetails"),
    ExecutionTimedOut => Some("executionTimedOutEventDetails"),
    FailStateEntered => Some("stateEnteredEventDetails"),
    LambdaFunctionFailed => Some("lambdaFunctionFailedEventDetails"),
    LambdaFunctionScheduled => Some("lambdaFunctionScheduledEventDetails"),
    LambdaFunctionScheduleFailed => Some("lambdaFunctionScheduleFailedEventDetails"),
    LambdaFunctionStarted => None,
    LambdaFunctionStartFailed => Some("lambdaFunctionStartFailedEventDetails"),
    LambdaFunctionSucceeded => Some("lambdaFunctionSucceededEventDetails"),
    LambdaFunctionTimedOut => Some("lambdaFunctionTimedOutEventDetails"),
    MapIterationAborted => Some("mapIterationAbortedEventDetails"),
    MapIterationFailed => Some("mapIterationFailedEventDetails"),
    MapIterationStarted => Some("mapIterationStartedEventDetails"),
    MapIterationSucceeded => Some("mapIterationSucceededEventDetails"),
    MapStateAborted => None,
    MapStateEntered => Some("stateEnteredEventDetails"),
    MapStateExited => Some("stateExitedEventDetails"),
    MapStateFailed => None,
    MapStateStarted => Some("mapStateStartedEventDetails"),
    MapStateSucceeded => None,
    ParallelStateAborted => None,
    ParallelStateEntered => Some("stateEnteredEventDetails"),
    ParallelStateExited => Some("stateExitedEventDetails"),
    ParallelStateFailed => None,
    ParallelStateStarted => None,
    ParallelStateSucceeded => None,
    PassStateEntered => Some("stateEnteredEventDetails"),
    PassStateExited => Some("stateExitedEventDetails"),
    SucceedStateEntered => Some("stateEnteredEventDetails"),
    SucceedStateExited => Some("stateExitedEventDetails"),
    TaskFailed => Some("taskFailedEventDetails"),
    TaskScheduled => Some("taskScheduledEventDetails"),
    TaskStarted => Some("taskStartedEventDetails"),
    TaskStartFailed => Some("taskStartFailedEventDetails"),
    TaskStateAborted => None,
    TaskStateEntered => Some("stateEnteredEventDetails"),
    TaskStateExited => Some("stateExitedEventDetails"),
    TaskSubmitFailed => Some("taskSubmitFailedEventDetails"),
    TaskSubmitted => Some("taskSubmittedEventDetails"),
    TaskSucceeded => Some("taskSucceededEventDetails"),
    TaskTimedOut => Some("taskTimedOutEventDetails"),
    WaitStateAborted => None,
    WaitStateEntered => Some("stateEnteredEventDetails"),
    WaitStateExited => Some("stateExitedEventDetails"),
    MapRunAborted => None,
    MapRunFailed => Some("mapRunFailedEventDetails"),
    MapRunStarted => Some("mapRunStartedEventDetails"),
    MapRunSucceeded => None,
    ExecutionRedriven => Some("executionRedrivenEventDetails"),
    MapRunRedriven => Some("mapRunRedrivenEventDetails"),
    EvaluationFailed => Some("evaluationFailedEventDetails"),
}

impl EventType {
    /// The `<Type>StateEntered` event for a state type name.
    pub fn entered(type_name: &str) -> EventType {
        match type_name {
            "Pass" => EventType::PassStateEntered,
            "Task" => EventType::TaskStateEntered,
            "Choice" => EventType::ChoiceStateEntered,
            "Wait" => EventType::WaitStateEntered,
            "Succeed" => EventType::SucceedStateEntered,
            "Fail" => EventType::FailStateEntered,
            "Parallel" => EventType::ParallelStateEntered,
            _ => EventType::MapStateEntered,
        }
    }

    /// The `<Type>StateExited` event for a state type name (Fail states never exit).
    pub fn exited(type_name: &str) -> EventType {
        match type_name {
            "Pass" => EventType::PassStateExited,
            "Task" => EventType::TaskStateExited,
            "Choice" => EventType::ChoiceStateExited,
            "Wait" => EventType::WaitStateExited,
            "Succeed" => EventType::SucceedStateExited,
            "Parallel" => EventType::ParallelStateExited,
            _ => EventType::MapStateExited,
        }
    }

    /// The wire name parsed back.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.iter().copied().find(|t| t.as_str() == name)
    }
}

/// One history event to append. Ids are assigned sequentially from `ExecutionState::next_event_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDraft {
    pub id: u64,
    pub previous_event_id: u64,
    pub event_type: EventType,
    /// The `*EventDetails` object, with AWS member names.
    pub details: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_62_types_round_trip_their_names() {
        assert_eq!(EventType::ALL.len(), 62);
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
        }
        let cases = [
            (EventType::PassStateEntered, Some("stateEnteredEventDetails")),
            (EventType::MapStateExited, Some("stateExitedEventDetails")),
            (EventType::MapIterationStarted, Some("mapIterationStartedEventDetails")),
            (EventType::ParallelStateStarted, None),
            (EventType::ExecutionTimedOut, Some("executionTimedOutEventDetails")),
        ];
        for (t, member) in cases {
            assert_eq!(t.details_member(), member, "{}", t.as_str());
        }
    }
}
