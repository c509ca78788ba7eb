//! The API request decoder: the first byte picks an operation, the rest is its JSON body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use statehouse::api::decode_input;

const OPERATIONS: &[&str] = &[
    "CreateStateMachine",
    "DescribeStateMachine",
    "UpdateStateMachine",
    "DeleteStateMachine",
    "ListStateMachines",
    "ValidateStateMachineDefinition",
    "DescribeStateMachineForExecution",
    "CreateActivity",
    "DescribeActivity",
    "DeleteActivity",
    "ListActivities",
    "GetActivityTask",
    "StartExecution",
    "DescribeExecution",
    "ListExecutions",
    "StopExecution",
    "StartSyncExecution",
    "GetExecutionHistory",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "SendTaskSuccess",
    "SendTaskFailure",
    "SendTaskHeartbeat",
    "RecordActivityTaskHeartbeat",
    "RespondActivityTaskCompleted",
    "RespondActivityTaskFailed",
    "RespondActivityTaskCanceled",
    "PollForActivityTask",
    "SendTaskHeartbeats",
    "NoSuchOperation",
];

fuzz_target!(|data: &[u8]| {
    let Some((selector, body)) = data.split_first() else {
        return;
    };
    let operation = OPERATIONS[usize::from(*selector) % OPERATIONS.len()];
    let _ = decode_input(operation, body);
});
