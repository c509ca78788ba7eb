//! The States Language through the SDK: each definition runs to its end, and the final status,
//! output (or error and cause) and the history's event types are what AWS produces.

use aws_sdk_sfn::types::ExecutionStatus;

use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

struct Case {
    name: &'static str,
    definition: String,
    input: String,
    status: ExecutionStatus,
    /// Expected output (SUCCEEDED) or `error` (otherwise).
    result: &'static str,
    events: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    let big = "x".repeat(150 * 1024);
    vec![
        Case {
            name: "choice-numeric-and-default",
            definition: r#"{"StartAt":"C","States":{
                "C":{"Type":"Choice","Choices":[
                    {"And":[{"Variable":"$.n","NumericGreaterThan":10},{"Not":{"Variable":"$.s","StringMatches":"skip*"}}],"Next":"Big"},
                    {"Variable":"$.missing","IsPresent":true,"Next":"Big"}],
                  "Default":"Small"},
                "Big":{"Type":"Pass","Result":"big","End":true},
                "Small":{"Type":"Pass","Result":"small","End":true}}}"#
                .into(),
            input: r#"{"n":11,"s":"keep"}"#.into(),
            status: ExecutionStatus::Succeeded,
            result: r#""big""#,
            events: &["ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        },
        Case {
            name: "choice-no-match",
            definition: r#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"D"}]},"D":{"Type":"Succeed"}}}"#.into(),
            input: r#"{"n":2}"#.into(),
            status: ExecutionStatus::Failed,
            result: "States.NoChoiceMatched",
            events: &["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"],
        },
        Case {
            name: "wait-seconds-path",
            definition: r#"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.delay","End":true}}}"#.into(),
            input: r#"{"delay":1}"#.into(),
            status: ExecutionStatus::Succeeded,
            result: r#"{"delay":1}"#,
            events: &["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"],
        },
        Case {
            name: "parallel-results-in-branch-order",
            definition: r#"{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
                {"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
                {"StartAt":"B","States":{"B":{"Type":"Pass","Result":2,"End":true}}}]}}}"#
                .into(),
            input: "{}".into(),
            status: ExecutionStatus::Succeeded,
            result: "[1,2]",
            events: &[
                "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered", "PassStateExited",
                "PassStateEntered", "PassStateExited", "ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded",
            ],
        },
        Case {
            name: "map-with-item-selector",
            definition: r#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
                "ItemSelector":{"value.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index"},
                "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}}"#
                .into(),
            input: r#"{"items":["a","b"]}"#.into(),
            status: ExecutionStatus::Succeeded,
            result: r#"[{"value":"a","index":0},{"value":"b","index":1}]"#,
            events: &[
                "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted", "PassStateEntered",
                "PassStateExited", "MapIterationSucceeded", "MapIterationStarted", "PassStateEntered", "PassStateExited",
                "MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded",
            ],
        },
        Case {
            name: "catch-a-failed-branch",
            definition: r#"{"StartAt":"P","States":{
                "P":{"Type":"Parallel","Next":"After","ResultPath":"$.err",
                     "Catch":[{"ErrorEquals":["Custom"],"ResultPath":"$.err","Next":"After"}],
                     "Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Custom","Cause":"bad"}}}]},
                "After":{"Type":"Pass","End":true}}}"#
                .into(),
            input: r#"{"keep":true}"#.into(),
            status: ExecutionStatus::Succeeded,
            result: r#"{"keep":true,"err":{"Error":"Custom","Cause":"bad"}}"#,
            events: &[
                "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "FailStateEntered",
                "ParallelStateFailed", "ParallelStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
            ],
        },
        Case {
            name: "intrinsics-and-variables",
            definition: r#"{"StartAt":"Set","States":{
                "Set":{"Type":"Pass","Assign":{"greeting":"hello"},"Next":"Use"},
                "Use":{"Type":"Pass","End":true,"Parameters":{
                    "text.$":"States.Format('{} {}', $greeting, $.who)",
                    "sum.$":"States.MathAdd($.a, $.b)",
                    "count.$":"States.ArrayLength($.list)"}}}}"#
                .into(),
            input: r#"{"who":"world","a":2,"b":40,"list":[1,2,3]}"#.into(),
            status: ExecutionStatus::Succeeded,
            result: r#"{"text":"hello world","sum":42,"count":3}"#,
            events: &["ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        },
        Case {
            name: "bad-input-path-is-a-runtime-error",
            definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.missing","End":true}}}"#.into(),
            input: "{}".into(),
            status: ExecutionStatus::Failed,
            result: "States.Runtime",
            events: &["ExecutionStarted", "PassStateEntered", "ExecutionFailed"],
        },
        Case {
            name: "execution-timeout",
            definition: r#"{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}"#.into(),
            input: "{}".into(),
            status: ExecutionStatus::TimedOut,
            result: "States.Timeout",
            events: &["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"],
        },
        Case {
            name: "data-limit-exceeded",
            definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}"#.into(),
            input: format!(r#"{{"s":"{big}"}}"#),
            status: ExecutionStatus::Failed,
            result: "States.DataLimitExceeded",
            events: &["ExecutionStarted", "PassStateEntered", "ExecutionFailed"],
        },
    ]
}

#[tokio::test]
async fn definitions_run_as_on_aws() {
    let server = TestServer::start();
    let sfn = server.client();
    let mut failures = Vec::new();
    let mut started = Vec::new();
    for case in cases() {
        let machine = sfn
            .create_state_machine()
            .name(case.name)
            .definition(&case.definition)
            .role_arn(ROLE)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        let execution = sfn
            .start_execution()
            .state_machine_arn(machine.state_machine_arn())
            .input(&case.input)
            .send()
            .await
            .unwrap();
        started.push((case, execution.execution_arn().to_string()));
    }
    for (case, arn) in started {
        let d = wait_closed(&sfn, &arn).await;
        let result = if case.status == ExecutionStatus::Succeeded { d.output() } else { d.error() };
        let history = sfn.get_execution_history().execution_arn(&arn).send().await.unwrap();
        let events: Vec<&str> = history.events().iter().map(|e| e.r#type().as_str()).collect();
        if d.status() != &case.status || result != Some(case.result) || events != case.events {
            failures.push(format!(
                "{}: status {:?} (want {:?}), result {:?} (want {:?}), events {:?} (want {:?})",
                case.name,
                d.status(),
                case.status,
                result,
                case.result,
                events,
                case.events
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
