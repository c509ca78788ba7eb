//! Executions through the SDK: start, run to the end, describe, history, list, stop, express.

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::StateMachineType;
use aws_sdk_sfn::types::SyncExecutionStatus;

use crate::server::code;
use crate::server::history_types;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::PASS_MACHINE;
use crate::server::ROLE;

const FAIL_MACHINE: &str =
    r#"{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"MyError","Cause":"it broke"}}}"#;
const WAIT_MACHINE: &str = r#"{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":600,"End":true}}}"#;

#[tokio::test]
async fn pass_succeed_and_fail_run_to_the_end() {
    let server = TestServer::start();
    let sfn = server.client();
    let machine = sfn.create_state_machine().name("pass").definition(PASS_MACHINE).role_arn(ROLE).send().await.unwrap();
    let machine_arn = machine.state_machine_arn();

    // --- a Pass/Succeed machine succeeds with the Pass output
    let started =
        sfn.start_execution().state_machine_arn(machine_arn).name("e1").input(r#"{"x":1}"#).send().await.unwrap();
    assert_eq!(started.execution_arn(), "arn:aws:states:us-east-1:123456789012:execution:pass:e1");
    let d = wait_closed(&sfn, started.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);
    assert_eq!(d.output(), Some(r#"{"Arg1":"argument1"}"#));
    assert_eq!(d.input(), Some(r#"{"x":1}"#));
    assert!(d.stop_date().is_some());
    assert_eq!(
        history_types(&sfn, started.execution_arn()).await,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    let history = sfn.get_execution_history().execution_arn(started.execution_arn()).send().await.unwrap();
    let ids: Vec<(i64, i64)> = history.events().iter().map(|e| (e.id(), e.previous_event_id())).collect();
    assert_eq!(ids, [(1, 0), (2, 0), (3, 2), (4, 3), (5, 4), (6, 5)]);
    let started_details = history.events()[0].execution_started_event_details().unwrap();
    assert_eq!(started_details.role_arn(), Some(ROLE));
    assert_eq!(started_details.input(), Some(r#"{"x":1}"#));

    // --- history paging, reverse order, and without data
    let first = sfn.get_execution_history().execution_arn(started.execution_arn()).max_results(4).send().await.unwrap();
    assert_eq!(first.events().len(), 4);
    let rest = sfn
        .get_execution_history()
        .execution_arn(started.execution_arn())
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.events().iter().map(|e| e.id()).collect::<Vec<_>>(), [5, 6]);
    assert!(rest.next_token().is_none());
    let reversed =
        sfn.get_execution_history().execution_arn(started.execution_arn()).reverse_order(true).send().await.unwrap();
    assert_eq!(reversed.events().iter().map(|e| e.id()).collect::<Vec<_>>(), [6, 5, 4, 3, 2, 1]);
    let lean = sfn
        .get_execution_history()
        .execution_arn(started.execution_arn())
        .include_execution_data(false)
        .send()
        .await
        .unwrap();
    assert!(lean.events()[0].execution_started_event_details().unwrap().input().is_none());

    // --- the same name again after it closed: ExecutionAlreadyExists
    let r = sfn.start_execution().state_machine_arn(machine_arn).name("e1").input(r#"{"x":1}"#).send().await;
    assert_eq!(code(r), "ExecutionAlreadyExists");

    // --- a Fail machine fails with its error and cause
    let failing = sfn.create_state_machine().name("fail").definition(FAIL_MACHINE).role_arn(ROLE).send().await.unwrap();
    let f = sfn.start_execution().state_machine_arn(failing.state_machine_arn()).send().await.unwrap();
    let d = wait_closed(&sfn, f.execution_arn()).await;
    assert_eq!(d.status(), &ExecutionStatus::Failed);
    assert_eq!((d.error(), d.cause()), (Some("MyError"), Some("it broke")));
    assert!(d.output().is_none());
    assert_eq!(
        history_types(&sfn, f.execution_arn()).await,
        ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    );

    // --- ListExecutions filters by status and pages newest first
    for i in 0..3 {
        let e = sfn.start_execution().state_machine_arn(machine_arn).name(format!("more-{i}")).send().await.unwrap();
        wait_closed(&sfn, e.execution_arn()).await;
    }
    let all = sfn.list_executions().state_machine_arn(machine_arn).send().await.unwrap();
    let names: Vec<&str> = all.executions().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["more-2", "more-1", "more-0", "e1"]);
    let page = sfn.list_executions().state_machine_arn(machine_arn).max_results(3).send().await.unwrap();
    assert_eq!(page.executions().len(), 3);
    let tail = sfn
        .list_executions()
        .state_machine_arn(machine_arn)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(tail.executions().iter().map(|e| e.name()).collect::<Vec<_>>(), ["e1"]);
    let failed_only = sfn
        .list_executions()
        .state_machine_arn(failing.state_machine_arn())
        .status_filter(ExecutionStatus::Failed)
        .send()
        .await
        .unwrap();
    assert_eq!(failed_only.executions().len(), 1);
    let none = sfn
        .list_executions()
        .state_machine_arn(machine_arn)
        .status_filter(ExecutionStatus::Failed)
        .send()
        .await
        .unwrap();
    assert!(none.executions().is_empty());

    // --- bad input
    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:missing";
    assert_eq!(code(sfn.start_execution().state_machine_arn(missing).send().await), "StateMachineDoesNotExist");
    assert_eq!(
        code(sfn.start_execution().state_machine_arn(machine_arn).input("{'not': 'json'").send().await),
        "InvalidExecutionInput"
    );
    assert_eq!(
        code(sfn.start_execution().state_machine_arn(machine_arn).input("").send().await),
        "InvalidExecutionInput"
    );
    assert_eq!(code(sfn.start_execution().state_machine_arn(machine_arn).name("a b").send().await), "InvalidName");
    let missing_exec = "arn:aws:states:us-east-1:123456789012:execution:pass:nope";
    assert_eq!(code(sfn.describe_execution().execution_arn(missing_exec).send().await), "ExecutionDoesNotExist");
    assert_eq!(code(sfn.get_execution_history().execution_arn("invalid").send().await), "InvalidArn");
    assert_eq!(code(sfn.list_executions().state_machine_arn(missing).send().await), "StateMachineDoesNotExist");
}

#[tokio::test]
async fn running_executions_are_idempotent_stoppable_and_keep_their_revision() {
    let server = TestServer::start();
    let sfn = server.client();
    let machine =
        sfn.create_state_machine().name("waits").definition(WAIT_MACHINE).role_arn(ROLE).send().await.unwrap();
    let arn = machine.state_machine_arn();

    let first = sfn.start_execution().state_machine_arn(arn).name("w").input("{}").send().await.unwrap();
    let again = sfn.start_execution().state_machine_arn(arn).name("w").input("{}").send().await.unwrap();
    assert_eq!(again.execution_arn(), first.execution_arn());
    assert_eq!(again.start_date(), first.start_date(), "same name and input while running: the original start");
    let r = sfn.start_execution().state_machine_arn(arn).name("w").input(r#"{"other":1}"#).send().await;
    assert_eq!(code(r), "ExecutionAlreadyExists");

    // The execution keeps running the revision it started on.
    sfn.update_state_machine().state_machine_arn(arn).definition(PASS_MACHINE).send().await.unwrap();
    let for_exec =
        sfn.describe_state_machine_for_execution().execution_arn(first.execution_arn()).send().await.unwrap();
    assert_eq!(for_exec.definition(), WAIT_MACHINE);
    let running =
        sfn.list_executions().state_machine_arn(arn).status_filter(ExecutionStatus::Running).send().await.unwrap();
    assert_eq!(running.executions().len(), 1);

    // Deleting the machine while it runs: DELETING, new starts refused.
    sfn.delete_state_machine().state_machine_arn(arn).send().await.unwrap();
    let d = sfn.describe_state_machine().state_machine_arn(arn).send().await.unwrap();
    assert_eq!(d.status().unwrap().as_str(), "DELETING");
    assert_eq!(code(sfn.start_execution().state_machine_arn(arn).send().await), "StateMachineDeleting");

    // StopExecution aborts it, with the given error and cause; the machine then goes away.
    let stopped =
        sfn.stop_execution().execution_arn(first.execution_arn()).error("Halt").cause("by test").send().await.unwrap();
    let d = sfn.describe_execution().execution_arn(first.execution_arn()).send().await.unwrap();
    assert_eq!(d.status(), &ExecutionStatus::Aborted);
    assert_eq!(d.stop_date(), Some(stopped.stop_date()));
    assert_eq!((d.error(), d.cause()), (Some("Halt"), Some("by test")));
    let types = history_types(&sfn, first.execution_arn()).await;
    assert_eq!(types.first().map(String::as_str), Some("ExecutionStarted"));
    assert_eq!(types.last().map(String::as_str), Some("ExecutionAborted"));
    assert_eq!(code(sfn.describe_state_machine().state_machine_arn(arn).send().await), "StateMachineDoesNotExist");
}

#[tokio::test]
async fn express_machines_run_synchronously() {
    let server = TestServer::start();
    let sfn = server.client();
    let express = sfn
        .create_state_machine()
        .name("fast")
        .definition(PASS_MACHINE)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap();
    let r = sfn.start_sync_execution().state_machine_arn(express.state_machine_arn()).input("{}").send().await.unwrap();
    assert_eq!(r.status(), &SyncExecutionStatus::Succeeded);
    assert_eq!(r.output(), Some(r#"{"Arg1":"argument1"}"#));
    assert!(r.execution_arn().contains(":express:fast:"));
    assert!(r.billing_details().is_some());

    let failing = sfn
        .create_state_machine()
        .name("fast-fail")
        .definition(FAIL_MACHINE)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap();
    let r = sfn.start_sync_execution().state_machine_arn(failing.state_machine_arn()).send().await.unwrap();
    assert_eq!(r.status(), &SyncExecutionStatus::Failed);
    assert_eq!((r.error(), r.cause()), (Some("MyError"), Some("it broke")));
    assert!(r.output().is_none());

    let standard =
        sfn.create_state_machine().name("slow").definition(PASS_MACHINE).role_arn(ROLE).send().await.unwrap();
    let r = sfn.start_sync_execution().state_machine_arn(standard.state_machine_arn()).send().await;
    assert_eq!(code(r), "StateMachineTypeNotSupported");
    let r = sfn.list_executions().state_machine_arn(express.state_machine_arn()).send().await;
    assert_eq!(code(r), "StateMachineTypeNotSupported");
}

#[tokio::test]
async fn a_stop_racing_the_end_of_an_execution_answers_with_its_stop_date() {
    let server = TestServer::start();
    let sfn = server.client();
    let machine =
        sfn.create_state_machine().name("racing").definition(PASS_MACHINE).role_arn(ROLE).send().await.unwrap();
    let mut stops = Vec::new();
    for i in 0..200 {
        let sfn = sfn.clone();
        let machine_arn = machine.state_machine_arn().to_string();
        stops.push(tokio::spawn(async move {
            let started =
                sfn.start_execution().state_machine_arn(machine_arn).name(format!("race-{i}")).send().await.unwrap();
            let stopped = sfn.stop_execution().execution_arn(started.execution_arn()).send().await;
            (started.execution_arn().to_string(), stopped.map(|s| s.stop_date).map_err(|e| format!("{e:?}")))
        }));
    }
    for stop in stops {
        let (arn, stopped) = stop.await.unwrap();
        let stop_date = stopped.unwrap_or_else(|e| panic!("StopExecution of {arn} failed: {e}"));
        let described = sfn.describe_execution().execution_arn(&arn).send().await.unwrap();
        assert_ne!(*described.status(), ExecutionStatus::Running, "{arn} ended");
        assert_eq!(described.stop_date(), Some(&stop_date), "{arn}: the answer is the recorded stop date");
    }
}
