//! RedriveExecution: a failed execution goes on under the same ARN from the state that failed, a failed inline
//! Map runs only its iterations that did not succeed, the redrive fields of DescribeExecution and
//! ListExecutions, the errors, and a redriven execution surviving a crash.

use aws_sdk_sfn::types::ExecutionRedriveFilter;
use aws_sdk_sfn::types::ExecutionRedriveStatus;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::HistoryEventType;

use crate::server::code;
use crate::server::take_task;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

async fn history(sfn: &aws_sdk_sfn::Client, arn: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    sfn.get_execution_history().execution_arn(arn).max_results(1000).send().await.unwrap().events().to_vec()
}

fn types(events: &[aws_sdk_sfn::types::HistoryEvent]) -> Vec<&str> {
    events.iter().map(|e| e.r#type().as_str()).collect()
}

async fn listed(sfn: &aws_sdk_sfn::Client, machine: &str, filter: ExecutionRedriveFilter) -> Vec<String> {
    let page = sfn.list_executions().state_machine_arn(machine).redrive_filter(filter).send().await.unwrap();
    page.executions().iter().map(|e| e.execution_arn().to_string()).collect()
}

#[tokio::test]
async fn a_failed_execution_redrives_from_the_state_that_failed() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("redrive-work").send().await.unwrap().activity_arn().to_string();
    let definition = format!(
        r#"{{"StartAt":"Prepare","States":{{
            "Prepare":{{"Type":"Pass","Result":"ready","ResultPath":"$.prepared","Next":"Work"}},
            "Work":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}"#
    );
    let machine = sfn.create_state_machine().name("redriven").definition(definition).role_arn(ROLE).send().await;
    let machine = machine.unwrap().state_machine_arn().to_string();

    tracing::info!("--- the Task fails: the execution is FAILED and redrivable");
    let arn = sfn.start_execution().state_machine_arn(&machine).input(r#"{"job":7}"#).send().await.unwrap();
    let arn = arn.execution_arn().to_string();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"job":7,"prepared":"ready"}"#);
    sfn.send_task_failure().task_token(&token).error("Busy").cause("try later").send().await.unwrap();
    let failed = wait_closed(&sfn, &arn).await;
    assert_eq!(failed.status(), &ExecutionStatus::Failed);
    assert_eq!(failed.redrive_count(), Some(0));
    assert_eq!(failed.redrive_status(), Some(&ExecutionRedriveStatus::Redrivable));
    assert_eq!(failed.redrive_date(), None);
    assert_eq!(listed(&sfn, &machine, ExecutionRedriveFilter::NotRedriven).await, vec![arn.clone()]);
    assert!(listed(&sfn, &machine, ExecutionRedriveFilter::Redriven).await.is_empty());

    let replaced = r#"{"StartAt":"Other","States":{"Other":{"Type":"Pass","End":true}}}"#;
    sfn.update_state_machine().state_machine_arn(&machine).definition(replaced).send().await.unwrap();

    tracing::info!(
        "--- a redrive reopens it under the same ARN and definition; the same client token answers the same redrive"
    );
    let first = sfn.redrive_execution().execution_arn(&arn).client_token("redrive-1").send().await.unwrap();
    let again = sfn.redrive_execution().execution_arn(&arn).client_token("redrive-1").send().await.unwrap();
    assert_eq!(first.redrive_date(), again.redrive_date());
    let running = sfn.describe_execution().execution_arn(&arn).send().await.unwrap();
    assert_eq!(running.status(), &ExecutionStatus::Running);
    assert_eq!(running.redrive_count(), Some(1));
    assert_eq!(running.redrive_date(), Some(first.redrive_date()));
    assert_eq!(running.stop_date(), None);
    assert_eq!(running.error(), None);
    assert_eq!(running.redrive_status(), Some(&ExecutionRedriveStatus::NotRedrivable));
    assert_eq!(running.redrive_status_reason(), Some("Execution is RUNNING and cannot be redriven"));
    assert_eq!(
        code(sfn.redrive_execution().execution_arn(&arn).client_token("redrive-2").send().await),
        "ExecutionNotRedrivable",
        "a RUNNING execution"
    );

    tracing::info!(
        "--- the failed Task of the original definition runs again with the input it had; the worker now succeeds"
    );
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"job":7,"prepared":"ready"}"#);
    sfn.send_task_success().task_token(&token).output(r#"{"done":true}"#).send().await.unwrap();
    let done = wait_closed(&sfn, &arn).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"{"done":true}"#));
    assert_eq!(done.redrive_count(), Some(1));
    assert_eq!(done.redrive_status_reason(), Some("Execution is SUCCEEDED and cannot be redriven"));

    tracing::info!("--- the history goes on after ExecutionRedriven; the Pass state that succeeded did not run again");
    let events = history(&sfn, &arn).await;
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivityFailed",
            "ExecutionFailed",
            "ExecutionRedriven",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
    );
    let ids: Vec<i64> = events.iter().map(|e| e.id()).collect();
    assert_eq!(ids, (1..=15).collect::<Vec<_>>());
    let redriven = events.iter().find(|e| e.r#type() == &HistoryEventType::ExecutionRedriven).unwrap();
    assert_eq!(redriven.execution_redriven_event_details().map(|d| d.redrive_count()), Some(Some(1)));
    assert_eq!(redriven.previous_event_id(), 8, "ExecutionRedriven follows ExecutionFailed");
    assert_eq!(events[9].previous_event_id(), 9, "the Task is entered again after ExecutionRedriven");

    tracing::info!("--- ListExecutions tells redriven executions apart");
    assert_eq!(listed(&sfn, &machine, ExecutionRedriveFilter::Redriven).await, vec![arn.clone()]);
    assert!(listed(&sfn, &machine, ExecutionRedriveFilter::NotRedriven).await.is_empty());
    let items = sfn.list_executions().state_machine_arn(&machine).send().await.unwrap();
    assert_eq!(items.executions()[0].redrive_count(), Some(1));
    assert_eq!(items.executions()[0].redrive_date(), Some(first.redrive_date()));

    tracing::info!("--- errors: a SUCCEEDED execution, an unknown one, a malformed ARN");
    assert_eq!(
        code(sfn.redrive_execution().execution_arn(&arn).client_token("redrive-3").send().await),
        "ExecutionNotRedrivable"
    );
    let repeated = sfn.redrive_execution().execution_arn(&arn).client_token("redrive-1").send().await.unwrap();
    assert_eq!(repeated.redrive_date(), first.redrive_date(), "the token of a redrive that went through repeats it");
    let unknown = arn.replace(":redriven:", ":redriven:unknown-");
    assert_eq!(code(sfn.redrive_execution().execution_arn(&unknown).send().await), "ExecutionDoesNotExist");
    assert_eq!(code(sfn.redrive_execution().execution_arn("not-an-arn").send().await), "InvalidArn");
    let after = sfn.describe_execution().execution_arn(&arn).send().await.unwrap();
    assert_eq!(after.redrive_count(), Some(1), "refused redrives change nothing");
}

#[tokio::test]
async fn a_failed_inline_map_redrives_only_its_unsuccessful_iterations() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("items").send().await.unwrap().activity_arn().to_string();
    let definition = format!(
        r#"{{"StartAt":"Each","States":{{"Each":{{"Type":"Map","MaxConcurrency":1,"End":true,
            "ItemProcessor":{{"StartAt":"Handle","States":{{
                "Handle":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}}}}}}}"#
    );
    let machine = sfn.create_state_machine().name("mapped").definition(definition).role_arn(ROLE).send().await;
    let machine = machine.unwrap().state_machine_arn().to_string();

    tracing::info!("--- item 1 succeeds, item 2 fails: the Map fails before item 3 starts");
    let arn = sfn.start_execution().state_machine_arn(&machine).input(r#"[{"n":1},{"n":2},{"n":3}]"#).send().await;
    let arn = arn.unwrap().execution_arn().to_string();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"n":1}"#);
    sfn.send_task_success().task_token(&token).output(r#""one""#).send().await.unwrap();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"n":2}"#);
    sfn.send_task_failure().task_token(&token).error("Flaky").send().await.unwrap();
    assert_eq!(wait_closed(&sfn, &arn).await.status(), &ExecutionStatus::Failed);

    tracing::info!("--- the redrive runs item 2 again and item 3; item 1 keeps its output and does not run again");
    sfn.redrive_execution().execution_arn(&arn).send().await.unwrap();
    let server = server.kill_and_restart();
    let sfn = server.client();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"n":2}"#, "the redriven execution survives a crash");
    sfn.send_task_success().task_token(&token).output(r#""two""#).send().await.unwrap();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"n":3}"#);
    sfn.send_task_success().task_token(&token).output(r#""three""#).send().await.unwrap();
    let done = wait_closed(&sfn, &arn).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"["one","two","three"]"#));
    assert_eq!(done.redrive_count(), Some(1));

    let events = history(&sfn, &arn).await;
    let redriven = events.iter().position(|e| e.r#type() == &HistoryEventType::ExecutionRedriven).unwrap();
    let iterations_started: Vec<i32> =
        events[redriven..].iter().filter_map(|e| e.map_iteration_started_event_details()).map(|d| d.index()).collect();
    assert_eq!(iterations_started, [1, 2], "only the failed item and the one never started run after the redrive");
    assert_eq!(
        types(&events[redriven..redriven + 4]),
        ["ExecutionRedriven", "MapStateEntered", "MapStateStarted", "MapIterationStarted"]
    );
    let handled = events.iter().filter(|e| e.r#type() == &HistoryEventType::TaskStateEntered).count();
    assert_eq!(handled, 4, "item 1 once, item 2 twice, item 3 once");
}

#[tokio::test]
async fn a_failed_parallel_and_a_stopped_execution_redrive_what_did_not_succeed() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("branch").send().await.unwrap().activity_arn().to_string();
    let definition = format!(
        r#"{{"StartAt":"Both","States":{{"Both":{{"Type":"Parallel","End":true,"Branches":[
            {{"StartAt":"Quick","States":{{"Quick":{{"Type":"Pass","Result":"quick","End":true}}}}}},
            {{"StartAt":"Slow","States":{{"Slow":{{"Type":"Task","Resource":"{activity}",
                "Parameters":{{"redrives.$":"$$.Execution.RedriveCount"}},"End":true}}}}}}]}}}}}}"#
    );
    let machine = sfn.create_state_machine().name("branches").definition(definition).role_arn(ROLE).send().await;
    let machine = machine.unwrap().state_machine_arn().to_string();

    tracing::info!("--- the slow branch fails: the redrive runs it again and keeps the quick branch's output");
    let arn = sfn.start_execution().state_machine_arn(&machine).send().await.unwrap().execution_arn().to_string();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"redrives":0}"#);
    sfn.send_task_failure().task_token(&token).error("Flaky").send().await.unwrap();
    assert_eq!(wait_closed(&sfn, &arn).await.status(), &ExecutionStatus::Failed);
    sfn.redrive_execution().execution_arn(&arn).send().await.unwrap();
    let (token, input) = take_task(&sfn, &activity, "worker").await;
    assert_eq!(input, r#"{"redrives":1}"#, "$$.Execution.RedriveCount counts the redrive");
    sfn.send_task_success().task_token(&token).output(r#""slow""#).send().await.unwrap();
    let done = wait_closed(&sfn, &arn).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"["quick","slow"]"#));
    let events = history(&sfn, &arn).await;
    let redriven = events.iter().position(|e| e.r#type() == &HistoryEventType::ExecutionRedriven).unwrap();
    assert_eq!(
        types(&events[redriven..redriven + 4]),
        ["ExecutionRedriven", "ParallelStateEntered", "ParallelStateStarted", "TaskStateEntered"]
    );
    let quick = events.iter().filter(|e| e.r#type() == &HistoryEventType::PassStateEntered).count();
    assert_eq!(quick, 1, "the branch that succeeded does not run again");

    tracing::info!("--- a stopped execution is redrivable: the Task it was waiting in is entered again");
    let arn = sfn.start_execution().state_machine_arn(&machine).send().await.unwrap().execution_arn().to_string();
    take_task(&sfn, &activity, "worker").await;
    sfn.stop_execution().execution_arn(&arn).error("Halt").send().await.unwrap();
    let aborted = wait_closed(&sfn, &arn).await;
    assert_eq!(aborted.status(), &ExecutionStatus::Aborted);
    assert_eq!(aborted.redrive_status(), Some(&ExecutionRedriveStatus::Redrivable));
    sfn.redrive_execution().execution_arn(&arn).send().await.unwrap();
    let (token, _) = take_task(&sfn, &activity, "worker").await;
    sfn.send_task_success().task_token(&token).output(r#""again""#).send().await.unwrap();
    let done = wait_closed(&sfn, &arn).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"["quick","again"]"#));
    let events = history(&sfn, &arn).await;
    let aborted_at = events.iter().position(|e| e.r#type() == &HistoryEventType::ExecutionAborted).unwrap();
    assert_eq!(events[aborted_at + 1].r#type(), &HistoryEventType::ExecutionRedriven);
}

#[tokio::test]
async fn a_redriven_execution_counts_as_open_and_leaves_the_closed_retention() {
    let server = TestServer::start_with_config("open_executions_per_account = 1\nhistory_retention_seconds = 2");
    let sfn = server.client();
    let activity = sfn.create_activity().name("limited").send().await.unwrap().activity_arn().to_string();
    let task = format!(r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}"#);
    let machine = sfn.create_state_machine().name("limited").definition(task).role_arn(ROLE).send().await.unwrap();
    let sleeper = r#"{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":3600,"End":true}}}"#;
    let sleeper = sfn.create_state_machine().name("sleeper").definition(sleeper).role_arn(ROLE).send().await.unwrap();

    tracing::info!("--- with the account's one open execution taken, a redrive is ExecutionLimitExceeded");
    let arn = sfn.start_execution().state_machine_arn(machine.state_machine_arn()).send().await.unwrap();
    let arn = arn.execution_arn().to_string();
    let (token, _) = take_task(&sfn, &activity, "worker").await;
    sfn.send_task_failure().task_token(&token).error("Busy").send().await.unwrap();
    assert_eq!(wait_closed(&sfn, &arn).await.status(), &ExecutionStatus::Failed);
    let holder = sfn.start_execution().state_machine_arn(sleeper.state_machine_arn()).send().await.unwrap();
    assert_eq!(code(sfn.redrive_execution().execution_arn(&arn).send().await), "ExecutionLimitExceeded");
    let refused = sfn.describe_execution().execution_arn(&arn).send().await.unwrap();
    assert_eq!((refused.status(), refused.redrive_count()), (&ExecutionStatus::Failed, Some(0)));

    tracing::info!("--- once the slot is free the redrive goes through and takes it");
    sfn.stop_execution().execution_arn(holder.execution_arn()).send().await.unwrap();
    sfn.redrive_execution().execution_arn(&arn).send().await.unwrap();
    let blocked = sfn.start_execution().state_machine_arn(sleeper.state_machine_arn()).send().await;
    assert_eq!(code(blocked), "ExecutionLimitExceeded", "the redriven execution is open again");

    tracing::info!("--- the retention forgets the execution stopped after its first close, but not the redriven one");
    let since = std::time::Instant::now();
    loop {
        assert!(since.elapsed() < std::time::Duration::from_secs(30), "forgotten within 30 s");
        let described = sfn.describe_execution().execution_arn(holder.execution_arn()).send().await;
        if described.is_err() && code(described) == "ExecutionDoesNotExist" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let kept = sfn.describe_execution().execution_arn(&arn).send().await.unwrap();
    assert_eq!(kept.status(), &ExecutionStatus::Running);
    let (token, _) = take_task(&sfn, &activity, "worker").await;
    sfn.send_task_success().task_token(&token).output("{}").send().await.unwrap();
    assert_eq!(wait_closed(&sfn, &arn).await.status(), &ExecutionStatus::Succeeded);
}

#[tokio::test]
async fn a_timed_out_execution_gets_its_timeout_again_when_redriven() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("never").send().await.unwrap().activity_arn().to_string();
    let definition = format!(
        r#"{{"TimeoutSeconds":1,"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}"#
    );
    let machine = sfn.create_state_machine().name("slow").definition(definition).role_arn(ROLE).send().await.unwrap();
    let arn = sfn.start_execution().state_machine_arn(machine.state_machine_arn()).send().await.unwrap();
    let arn = arn.execution_arn().to_string();
    let timed_out = wait_closed(&sfn, &arn).await;
    assert_eq!(timed_out.status(), &ExecutionStatus::TimedOut);
    assert_eq!(timed_out.redrive_status(), Some(&ExecutionRedriveStatus::Redrivable));

    tracing::info!("--- redriven, it runs its TimeoutSeconds again from the redrive, and times out again");
    let redrive = sfn.redrive_execution().execution_arn(&arn).send().await.unwrap();
    let again = wait_closed(&sfn, &arn).await;
    assert_eq!(again.status(), &ExecutionStatus::TimedOut);
    assert_eq!(again.redrive_count(), Some(1));
    let redriven_ms = redrive.redrive_date().to_millis().unwrap();
    let stopped_ms = again.stop_date().unwrap().to_millis().unwrap();
    assert!(stopped_ms - redriven_ms >= 1000, "timed out {} ms after the redrive", stopped_ms - redriven_ms);
    let events = history(&sfn, &arn).await;
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ExecutionTimedOut",
            "ExecutionRedriven",
            "TaskStateEntered",
            "ActivityScheduled",
            "ExecutionTimedOut",
        ]
    );
}

#[tokio::test]
async fn any_node_of_a_cluster_redrives_an_execution_its_owner_runs() {
    let cluster = crate::cluster::TestCluster::start(3);
    let sfn = cluster.clients();
    cluster.wait_balanced().await;
    let activity = sfn[0].create_activity().name("spread").send().await.unwrap().activity_arn().to_string();
    let task = format!(r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{activity}","End":true}}}}}}"#);
    let machine = sfn[0].create_state_machine().name("spread").definition(task).role_arn(ROLE).send().await.unwrap();

    for i in 0..3 {
        tracing::info!(node = i, "--- started on one node, failed through another, redriven through the third");
        let (starter, worker, redriver) = (&sfn[i], &sfn[(i + 1) % 3], &sfn[(i + 2) % 3]);
        let name = format!("spread-{i}");
        let started = starter.start_execution().state_machine_arn(machine.state_machine_arn()).name(name).send();
        let arn = started.await.unwrap().execution_arn().to_string();
        let (token, _) = take_task(worker, &activity, "worker").await;
        worker.send_task_failure().task_token(&token).error("Busy").send().await.unwrap();
        assert_eq!(wait_closed(redriver, &arn).await.status(), &ExecutionStatus::Failed);
        redriver.redrive_execution().execution_arn(&arn).send().await.unwrap();
        let (token, _) = take_task(worker, &activity, "worker").await;
        worker.send_task_success().task_token(&token).output("{}").send().await.unwrap();
        let done = wait_closed(starter, &arn).await;
        assert_eq!((done.status(), done.redrive_count()), (&ExecutionStatus::Succeeded, Some(1)));
    }
}
