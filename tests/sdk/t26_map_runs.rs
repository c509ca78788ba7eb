//! Map runs: a Distributed Map's map run through DescribeMapRun and ListMapRuns (counts, status, paging),
//! tolerated failures, UpdateMapRun on a running map run (more items run; a lowered tolerance fails it), a
//! stopped execution's map run, UpdateMapRun through every node of a cluster, and the errors of the three
//! operations.

use std::time::Duration;

use aws_sdk_sfn::operation::describe_map_run::DescribeMapRunOutput;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::MapRunStatus;

use crate::cluster::TestCluster;
use crate::server::code;
use crate::server::take_task;
use crate::server::wait_closed;
use crate::server::TestServer;
use crate::server::ROLE;

async fn machine(sfn: &aws_sdk_sfn::Client, name: &str, definition: &str) -> String {
    let created = sfn.create_state_machine().name(name).definition(definition).role_arn(ROLE).send().await;
    created.unwrap().state_machine_arn().to_string()
}

async fn start(sfn: &aws_sdk_sfn::Client, machine: &str, input: &str) -> String {
    let started = sfn.start_execution().state_machine_arn(machine).input(input).send().await.unwrap();
    started.execution_arn().to_string()
}

/// The map runs of an execution, all pages.
async fn map_runs(sfn: &aws_sdk_sfn::Client, execution: &str) -> Vec<String> {
    let listed = sfn.list_map_runs().execution_arn(execution).send().await.unwrap();
    listed.map_runs().iter().map(|m| m.map_run_arn().to_string()).collect()
}

async fn describe(sfn: &aws_sdk_sfn::Client, map_run: &str) -> DescribeMapRunOutput {
    sfn.describe_map_run().map_run_arn(map_run).send().await.unwrap()
}

/// Polls DescribeMapRun until `holds` (bounded); the last answer.
async fn wait_map_run(
    sfn: &aws_sdk_sfn::Client,
    map_run: &str,
    what: &str,
    holds: impl Fn(&DescribeMapRunOutput) -> bool,
) -> DescribeMapRunOutput {
    for _ in 0..400 {
        let described = describe(sfn, map_run).await;
        if holds(&described) {
            return described;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("map run {map_run}: {what} did not happen in 10 s: {:?}", describe(sfn, map_run).await);
}

/// The first map run of `execution`, once it has one.
async fn first_map_run(sfn: &aws_sdk_sfn::Client, execution: &str) -> String {
    for _ in 0..400 {
        if let Some(map_run) = map_runs(sfn, execution).await.pop() {
            return map_run;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{execution} started no map run in 10 s");
}

/// A Distributed Map over `$.items` whose items run `processor` (a `States` object starting at "Work").
fn distributed(label: &str, limits: &str, processor: &str) -> String {
    format!(
        r#"{{"StartAt":"Fan","States":{{"Fan":{{"Type":"Map","Label":"{label}","ItemsPath":"$.items",{limits}
            "ItemProcessor":{{"ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},
              "StartAt":"Work","States":{processor}}},
            "End":true}}}}}}"#
    )
}

fn items(n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| format!(r#"{{"n":{i},"fail":{}}}"#, i % 4 == 1)).collect();
    format!(r#"{{"items":[{}]}}"#, items.join(","))
}

/// Items whose `fail` is true fail with `Broken`; the others succeed.
const FAIL_SOME: &str = r#"{"Work":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"Broken"}],
    "Default":"Fine"},"Broken":{"Type":"Fail","Error":"Broken"},"Fine":{"Type":"Pass","End":true}}"#;

#[tokio::test]
async fn a_distributed_map_reports_its_map_run() {
    let server = TestServer::start();
    let sfn = server.client();
    let pass = r#"{"Work":{"Type":"Pass","End":true}}"#;
    let machine = machine(&sfn, "fan-out", &distributed("fan", r#""MaxConcurrency":5,"#, pass)).await;

    tracing::info!("--- a Distributed Map over 20 items succeeds; its map run is listed under the execution");
    let execution = start(&sfn, &machine, &items(20)).await;
    assert_eq!(wait_closed(&sfn, &execution).await.status(), &ExecutionStatus::Succeeded);
    let listed = sfn.list_map_runs().execution_arn(&execution).send().await.unwrap();
    assert_eq!(listed.map_runs().len(), 1);
    let item = &listed.map_runs()[0];
    assert_eq!(item.execution_arn(), execution);
    assert_eq!(item.state_machine_arn(), machine);
    assert!(item.stop_date().is_some());
    let map_run = item.map_run_arn().to_string();
    let expected_prefix = format!("{}/fan:", machine.replacen(":stateMachine:", ":mapRun:", 1));
    assert!(map_run.starts_with(&expected_prefix), "{map_run}");
    let history = sfn.get_execution_history().execution_arn(&execution).send().await.unwrap();
    let started = history.events().iter().find_map(|e| e.map_run_started_event_details());
    assert_eq!(started.and_then(|d| d.map_run_arn()), Some(map_run.as_str()), "MapRunStarted names the map run");

    tracing::info!("--- DescribeMapRun: SUCCEEDED, its limits, and every item counted as succeeded");
    let d = describe(&sfn, &map_run).await;
    assert_eq!(d.status(), &MapRunStatus::Succeeded);
    assert_eq!(d.execution_arn(), execution);
    assert_eq!(d.max_concurrency(), 5);
    assert_eq!(d.tolerated_failure_count(), 0);
    assert_eq!(d.tolerated_failure_percentage(), 0.0);
    assert!(d.stop_date().is_some());
    assert!(d.start_date() <= d.stop_date().unwrap());
    for counts in [
        (d.item_counts().unwrap().total(), d.item_counts().unwrap().succeeded(), d.item_counts().unwrap().running()),
        (
            d.execution_counts().unwrap().total(),
            d.execution_counts().unwrap().succeeded(),
            d.execution_counts().unwrap().running(),
        ),
    ] {
        assert_eq!(counts, (20, 20, 0));
    }
    assert_eq!(d.item_counts().unwrap().failed(), 0);
    assert_eq!(d.item_counts().unwrap().pending(), 0);

    tracing::info!("--- two Distributed Maps in one execution: ListMapRuns pages through both, oldest first");
    let twice = format!(
        r#"{{"StartAt":"First","States":{{
            "First":{{"Type":"Map","Label":"first","ItemsPath":"$.items","ResultPath":null,"ItemProcessor":{{"ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},"StartAt":"Work","States":{pass}}},"Next":"Second"}},
            "Second":{{"Type":"Map","Label":"second","ItemsPath":"$.items","ItemProcessor":{{"ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},"StartAt":"Other","States":{{"Other":{{"Type":"Pass","End":true}}}}}},"End":true}}}}}}"#
    );
    let twice = self::machine(&sfn, "twice", &twice).await;
    let execution = start(&sfn, &twice, &items(3)).await;
    assert_eq!(wait_closed(&sfn, &execution).await.status(), &ExecutionStatus::Succeeded);
    let first = sfn.list_map_runs().execution_arn(&execution).max_results(1).send().await.unwrap();
    assert_eq!(first.map_runs().len(), 1);
    let token = first.next_token().expect("a second page").to_string();
    let second = sfn.list_map_runs().execution_arn(&execution).max_results(1).next_token(token).send().await.unwrap();
    assert_eq!(second.map_runs().len(), 1);
    assert_eq!(second.next_token(), None);
    let (first, second) = (first.map_runs()[0].map_run_arn(), second.map_runs()[0].map_run_arn());
    assert_ne!(first, second);
    assert!(first.contains(":mapRun:twice/first:"), "{first}");
    assert!(second.contains(":mapRun:twice/second:"), "{second}");
    assert_eq!(map_runs(&sfn, &execution).await.len(), 2);

    tracing::info!("--- ItemBatcher: 10 items in batches of 3 are 4 executions; each batch is one iteration's input");
    let batched = distributed("b", r#""ItemBatcher":{"MaxItemsPerBatch":3,"BatchInput":{"from":"batcher"}},"#, pass);
    let batched = self::machine(&sfn, "batched", &batched).await;
    let execution = start(&sfn, &batched, &items(10)).await;
    let done = wait_closed(&sfn, &execution).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    let output: serde_json::Value = serde_json::from_str(done.output().unwrap()).unwrap();
    let sizes: Vec<usize> = output.as_array().unwrap().iter().map(|b| b["Items"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [3, 3, 3, 1]);
    assert_eq!(output[0]["BatchInput"], serde_json::json!({"from": "batcher"}));
    let d = describe(&sfn, &map_runs(&sfn, &execution).await.remove(0)).await;
    let (item_counts, execution_counts) = (d.item_counts().unwrap(), d.execution_counts().unwrap());
    assert_eq!((item_counts.total(), item_counts.succeeded()), (10, 10));
    assert_eq!((execution_counts.total(), execution_counts.succeeded()), (4, 4));

    tracing::info!("--- an execution reads its own map run through aws-sdk:sfn:listMapRuns and describeMapRun");
    let reader = format!(
        r#"{{"StartAt":"Fan","States":{{
            "Fan":{{"Type":"Map","Label":"own","ResultPath":null,"ItemsPath":"$.items","ItemProcessor":{{"ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},"StartAt":"Work","States":{pass}}},"Next":"List"}},
            "List":{{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:listMapRuns",
                "Parameters":{{"ExecutionArn.$":"$$.Execution.Id"}},"ResultSelector":{{"arn.$":"$.MapRuns[0].MapRunArn"}},"Next":"Describe"}},
            "Describe":{{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:describeMapRun",
                "Parameters":{{"MapRunArn.$":"$.arn"}},"ResultSelector":{{"status.$":"$.Status","total.$":"$.ItemCounts.Total"}},"End":true}}}}}}"#
    );
    let reader = self::machine(&sfn, "reader", &reader).await;
    let execution = start(&sfn, &reader, &items(4)).await;
    let done = wait_closed(&sfn, &execution).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    let output: serde_json::Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output, serde_json::json!({"status": "SUCCEEDED", "total": 4}));

    tracing::info!("--- ListExecutions takes the map run's ARN");
    let children = sfn.list_executions().map_run_arn(first).send().await;
    assert!(children.is_ok(), "{children:?}");
}

#[tokio::test]
async fn failed_items_count_against_the_tolerated_failures() {
    let server = TestServer::start();
    let sfn = server.client();

    tracing::info!("--- 3 of 12 items fail and 3 are tolerated: the map run SUCCEEDED with 3 failed items");
    let tolerant = machine(&sfn, "tolerant", &distributed("t", r#""ToleratedFailureCount":3,"#, FAIL_SOME)).await;
    let execution = start(&sfn, &tolerant, &items(12)).await;
    assert_eq!(wait_closed(&sfn, &execution).await.status(), &ExecutionStatus::Succeeded);
    let map_run = map_runs(&sfn, &execution).await.remove(0);
    let d = describe(&sfn, &map_run).await;
    assert_eq!(d.status(), &MapRunStatus::Succeeded);
    assert_eq!(d.tolerated_failure_count(), 3);
    let counts = d.item_counts().unwrap();
    assert_eq!((counts.total(), counts.succeeded(), counts.failed()), (12, 9, 3));

    tracing::info!("--- only 2 are tolerated: the third failure fails the map run and the execution");
    let strict = machine(&sfn, "strict", &distributed("s", r#""ToleratedFailureCount":2,"#, FAIL_SOME)).await;
    let execution = start(&sfn, &strict, &items(12)).await;
    let failed = wait_closed(&sfn, &execution).await;
    assert_eq!(failed.status(), &ExecutionStatus::Failed);
    assert_eq!(failed.error(), Some("States.ExceedToleratedFailureThreshold"));
    let map_run = map_runs(&sfn, &execution).await.remove(0);
    let d = describe(&sfn, &map_run).await;
    assert_eq!(d.status(), &MapRunStatus::Failed);
    assert!(d.stop_date().is_some());
    let counts = d.item_counts().unwrap();
    assert_eq!(counts.failed(), 3);
    assert_eq!(counts.total(), 12);
    assert_eq!(counts.running(), 0);
    assert_eq!(
        counts.succeeded() + counts.failed() + counts.aborted() + counts.pending(),
        12,
        "every item is counted once: {counts:?}"
    );

    tracing::info!("--- a percentage: 25% of 12 items fail, 20% are tolerated");
    let percent = machine(&sfn, "percent", &distributed("p", r#""ToleratedFailurePercentage":20,"#, FAIL_SOME)).await;
    let execution = start(&sfn, &percent, &items(12)).await;
    assert_eq!(wait_closed(&sfn, &execution).await.status(), &ExecutionStatus::Failed);
    let d = describe(&sfn, &map_runs(&sfn, &execution).await.remove(0)).await;
    assert_eq!(d.status(), &MapRunStatus::Failed);
    assert_eq!(d.tolerated_failure_percentage(), 20.0);
}

#[tokio::test]
async fn update_map_run_changes_a_running_map_run() {
    let server = TestServer::start();
    let sfn = server.client();
    let activity = sfn.create_activity().name("item-work").send().await.unwrap().activity_arn().to_string();
    let processor = format!(r#"{{"Work":{{"Type":"Task","Resource":"{activity}","End":true}}}}"#);
    let limits = r#""MaxConcurrency":1,"ToleratedFailureCount":5,"#;
    let machine = machine(&sfn, "slow-fan", &distributed("slow", limits, &processor)).await;

    tracing::info!("--- MaxConcurrency 1: one of 4 items runs, 3 wait");
    let execution = start(&sfn, &machine, &items(4)).await;
    let map_run = first_map_run(&sfn, &execution).await;
    let d = wait_map_run(&sfn, &map_run, "one item running", |d| d.item_counts().unwrap().running() == 1).await;
    assert_eq!(d.status(), &MapRunStatus::Running);
    assert_eq!(d.item_counts().unwrap().pending(), 3);
    assert_eq!(d.stop_date(), None);

    tracing::info!("--- raising maxConcurrency to 3 lets two more items run: three tasks wait for workers");
    sfn.update_map_run().map_run_arn(&map_run).max_concurrency(3).send().await.unwrap();
    let d = wait_map_run(&sfn, &map_run, "three items running", |d| d.item_counts().unwrap().running() == 3).await;
    assert_eq!(d.max_concurrency(), 3);
    assert_eq!(d.item_counts().unwrap().pending(), 1);
    let mut tokens = Vec::new();
    for worker in ["w1", "w2", "w3"] {
        tokens.push(take_task(&sfn, &activity, worker).await.0);
    }

    tracing::info!("--- after a crash the rebuilt execution keeps the raised limit: three items still run");
    let server = server.kill_and_restart();
    let sfn = server.client();
    let d = describe(&sfn, &map_run).await;
    assert_eq!((d.max_concurrency(), d.item_counts().unwrap().running()), (3, 3));

    tracing::info!("--- one item fails within the tolerance of 5: the map run goes on");
    sfn.send_task_failure().task_token(&tokens[0]).error("Boom").send().await.unwrap();
    let d = wait_map_run(&sfn, &map_run, "one failed item", |d| d.item_counts().unwrap().failed() == 1).await;
    assert_eq!(d.status(), &MapRunStatus::Running);

    tracing::info!("--- lowering toleratedFailureCount to 0 fails the map run at once, and the execution with it");
    sfn.update_map_run().map_run_arn(&map_run).tolerated_failure_count(0).send().await.unwrap();
    let failed = wait_closed(&sfn, &execution).await;
    assert_eq!(failed.status(), &ExecutionStatus::Failed);
    assert_eq!(failed.error(), Some("States.ExceedToleratedFailureThreshold"));
    let d = describe(&sfn, &map_run).await;
    assert_eq!(d.status(), &MapRunStatus::Failed);
    assert_eq!(d.tolerated_failure_count(), 0);
    let counts = d.item_counts().unwrap();
    assert_eq!((counts.failed(), counts.running(), counts.aborted(), counts.total()), (1, 0, 3, 4), "{counts:?}");

    tracing::info!("--- an update of a closed map run changes nothing");
    sfn.update_map_run().map_run_arn(&map_run).max_concurrency(9).send().await.unwrap();
    assert_eq!(describe(&sfn, &map_run).await.max_concurrency(), 3);

    tracing::info!("--- stopping the execution aborts its running map run");
    let execution = start(&sfn, &machine, &items(4)).await;
    let map_run = first_map_run(&sfn, &execution).await;
    wait_map_run(&sfn, &map_run, "one item running", |d| d.item_counts().unwrap().running() == 1).await;
    sfn.stop_execution().execution_arn(&execution).send().await.unwrap();
    let d = wait_map_run(&sfn, &map_run, "aborted", |d| d.status() == &MapRunStatus::Aborted).await;
    assert!(d.stop_date().is_some());
    let counts = d.item_counts().unwrap();
    assert_eq!((counts.aborted(), counts.pending(), counts.running()), (1, 3, 0), "{counts:?}");
}

#[tokio::test]
async fn a_thousand_items_run_faster_when_update_map_run_raises_the_concurrency() {
    let server = TestServer::start();
    let sfn = server.client();
    let wait = r#"{"Work":{"Type":"Wait","Seconds":1,"End":true}}"#;
    let machine = machine(&sfn, "thousand", &distributed("k", r#""MaxConcurrency":50,"#, wait)).await;

    tracing::info!("--- 1,000 items that wait one second each, 50 at a time");
    let execution = start(&sfn, &machine, &items(1000)).await;
    let map_run = first_map_run(&sfn, &execution).await;
    let d = wait_map_run(&sfn, &map_run, "50 items running", |d| d.item_counts().unwrap().running() == 50).await;
    assert_eq!(d.item_counts().unwrap().total(), 1000);
    assert!(d.item_counts().unwrap().pending() >= 900, "{:?}", d.item_counts());

    tracing::info!("--- maxConcurrency 0 (no limit): every remaining item starts, and the map run ends");
    sfn.update_map_run().map_run_arn(&map_run).max_concurrency(0).send().await.unwrap();
    let d = wait_map_run(&sfn, &map_run, "no item pending", |d| d.item_counts().unwrap().pending() == 0).await;
    assert_eq!(d.max_concurrency(), 0);
    assert_eq!(wait_closed(&sfn, &execution).await.status(), &ExecutionStatus::Succeeded);
    let d = describe(&sfn, &map_run).await;
    assert_eq!(d.status(), &MapRunStatus::Succeeded);
    let counts = d.item_counts().unwrap();
    assert_eq!((counts.total(), counts.succeeded(), counts.running(), counts.pending()), (1000, 1000, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_map_run_reaches_the_owner_through_every_node() {
    let cluster = TestCluster::start(3);
    let nodes = cluster.clients();
    cluster.wait_balanced().await;
    let sfn = &nodes[0];
    let activity = sfn.create_activity().name("cluster-items").send().await.unwrap().activity_arn().to_string();
    let processor = format!(r#"{{"Work":{{"Type":"Task","Resource":"{activity}","End":true}}}}"#);
    let machine = machine(sfn, "cluster-fan", &distributed("c", r#""MaxConcurrency":1,"#, &processor)).await;
    let execution = start(sfn, &machine, &items(6)).await;
    let map_run = first_map_run(sfn, &execution).await;

    tracing::info!("--- each node in turn raises maxConcurrency; the owner runs one more item each time");
    for (index, node) in nodes.iter().enumerate() {
        let limit = index as i32 + 2;
        node.update_map_run().map_run_arn(&map_run).max_concurrency(limit).send().await.unwrap();
        let running = |d: &DescribeMapRunOutput| {
            d.max_concurrency() == limit && d.item_counts().unwrap().running() == i64::from(limit)
        };
        wait_map_run(node, &map_run, &format!("{limit} items running"), running).await;
    }
    sfn.stop_execution().execution_arn(&execution).send().await.unwrap();
    let d = wait_map_run(sfn, &map_run, "aborted", |d| d.status() == &MapRunStatus::Aborted).await;
    assert_eq!((d.item_counts().unwrap().aborted(), d.item_counts().unwrap().pending()), (4, 2));
}

#[tokio::test]
async fn map_run_errors() {
    let server = TestServer::start();
    let sfn = server.client();
    let unknown = "arn:aws:states:us-east-1:123456789012:mapRun:nothing/label:8e3c2bd0-6b59-4d5e-9d0a-54c5f2b8d4a1";

    tracing::info!("--- a malformed or wrong-kind ARN is InvalidArn; an unknown map run is ResourceNotFound");
    assert_eq!(code(sfn.describe_map_run().map_run_arn("not-an-arn").send().await), "InvalidArn");
    let execution_arn = "arn:aws:states:us-east-1:123456789012:execution:m:e";
    assert_eq!(code(sfn.describe_map_run().map_run_arn(execution_arn).send().await), "InvalidArn");
    assert_eq!(code(sfn.describe_map_run().map_run_arn(unknown).send().await), "ResourceNotFound");
    assert_eq!(code(sfn.update_map_run().map_run_arn(unknown).max_concurrency(2).send().await), "ResourceNotFound");
    assert_eq!(code(sfn.update_map_run().map_run_arn("bad").max_concurrency(2).send().await), "InvalidArn");
    assert_eq!(code(sfn.list_executions().map_run_arn(unknown).send().await), "ResourceNotFound");

    tracing::info!("--- out-of-range UpdateMapRun values are ValidationException");
    let update = || sfn.update_map_run().map_run_arn(unknown);
    assert_eq!(code(update().max_concurrency(-1).send().await), "ValidationException");
    assert_eq!(code(update().tolerated_failure_count(-1).send().await), "ValidationException");
    assert_eq!(code(update().tolerated_failure_percentage(100.5).send().await), "ValidationException");
    assert_eq!(code(update().tolerated_failure_percentage(-0.5).send().await), "ValidationException");
    assert_eq!(code(update().send().await), "ValidationException", "nothing to change");

    tracing::info!("--- ListMapRuns of an unknown execution is ExecutionDoesNotExist; of a bad ARN InvalidArn");
    let missing = sfn.list_map_runs().execution_arn(execution_arn).send().await;
    assert_eq!(code(missing), "ExecutionDoesNotExist");
    assert_eq!(code(sfn.list_map_runs().execution_arn("nope").send().await), "InvalidArn");
    assert_eq!(
        code(sfn.list_map_runs().execution_arn(execution_arn).max_results(1001).send().await),
        "ValidationException"
    );

    tracing::info!("--- an execution without a Distributed Map has no map runs");
    let plain = sfn
        .create_state_machine()
        .name("plain")
        .definition(r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let execution = start(&sfn, plain.state_machine_arn(), "{}").await;
    wait_closed(&sfn, &execution).await;
    assert!(map_runs(&sfn, &execution).await.is_empty());
}
