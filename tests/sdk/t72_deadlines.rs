//! Deadlines fire exactly once whatever fails: heartbeat timeouts passing while the leader or a shard owner
//! is killed, execution timeouts, Waits and Retry intervals crossing a leader kill, and a timeout whose
//! proposal fails. None fires early; none is lost.

use std::time::Duration;
use std::time::Instant;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::HistoryEvent;
use aws_sdk_sfn::types::HistoryEventType;

use crate::cluster::TestCluster;
use crate::server::metric;
use crate::server::TestServer;
use crate::server::ROLE;

const HEARTBEAT_SECONDS: i64 = 3;

/// A task on `activity` that fails once no heartbeat came for HEARTBEAT_SECONDS.
fn heartbeat_machine(activity: &str) -> String {
    format!(
        r#"{{"StartAt":"Work","States":{{"Work":{{"Type":"Task","Resource":"{activity}",
            "HeartbeatSeconds":{HEARTBEAT_SECONDS},"End":true}}}}}}"#
    )
}

/// Retries `call` on every client in turn (nodes may be down or moving shards) for up to 60 s.
async fn on_any<T, E: std::fmt::Debug, F>(
    clients: &[aws_sdk_sfn::Client],
    mut call: impl FnMut(aws_sdk_sfn::Client) -> F,
) -> T
where
    F: std::future::Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        match call(clients[attempt % clients.len()].clone()).await {
            Ok(value) => return value,
            Err(e) if started.elapsed() < Duration::from_secs(60) => {
                let _ = e;
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("no node served the call within 60 s: {e:?}"),
        }
    }
}

async fn history(clients: &[aws_sdk_sfn::Client], arn: &str) -> Vec<HistoryEvent> {
    let page = on_any(clients, |c| {
        let arn = arn.to_string();
        async move { c.get_execution_history().execution_arn(arn).max_results(1000).send().await }
    })
    .await;
    page.events().to_vec()
}

fn millis(event: &HistoryEvent) -> i64 {
    event.timestamp().to_millis().expect("a timestamp in range")
}

/// The time of the `nth` (from 0) event of `kind`.
fn at(events: &[HistoryEvent], kind: HistoryEventType, nth: usize) -> i64 {
    let event = events.iter().filter(|e| *e.r#type() == kind).nth(nth);
    millis(event.unwrap_or_else(|| panic!("event {kind:?} #{nth} in {events:?}")))
}

/// Waits (bounded) until every execution in `arns` has closed; answers their final statuses.
async fn wait_all_closed(clients: &[aws_sdk_sfn::Client], arns: &[String], within: Duration) -> Vec<ExecutionStatus> {
    let deadline = Instant::now() + within;
    let mut statuses = Vec::new();
    for arn in arns {
        loop {
            let described = on_any(clients, |c| {
                let arn = arn.clone();
                async move { c.describe_execution().execution_arn(arn).send().await }
            })
            .await;
            if *described.status() != ExecutionStatus::Running {
                statuses.push(described.status().clone());
                break;
            }
            if Instant::now() > deadline {
                let events: Vec<String> = history(clients, arn)
                    .await
                    .iter()
                    .map(|e| format!("{} {:?} at {}", e.id(), e.r#type(), millis(e)))
                    .collect();
                panic!("{arn} still running after {within:?}: {events:#?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    statuses
}

async fn create_machine(clients: &[aws_sdk_sfn::Client], name: &str, definition: &str) -> String {
    let created = on_any(clients, |c| {
        let (name, definition) = (name.to_string(), definition.to_string());
        async move { c.create_state_machine().name(name).role_arn(ROLE).definition(definition).send().await }
    })
    .await;
    created.state_machine_arn().to_string()
}

async fn create_activity(clients: &[aws_sdk_sfn::Client], name: &str) -> String {
    let created = on_any(clients, |c| {
        let name = name.to_string();
        async move { c.create_activity().name(name).send().await }
    })
    .await;
    created.activity_arn().to_string()
}

async fn start(clients: &[aws_sdk_sfn::Client], machine: &str, name: String) -> String {
    let started = on_any(clients, |c| {
        let (machine, name) = (machine.to_string(), name.clone());
        async move { c.start_execution().state_machine_arn(machine).name(name).send().await }
    })
    .await;
    started.execution_arn().to_string()
}

/// A worker takes `count` tasks of `activity`, polling the nodes in turn, and never reports on them.
async fn take_tasks(clients: &[aws_sdk_sfn::Client], activity: &str, count: usize) {
    let mut taken = 0;
    let mut polls = 0;
    while taken < count {
        polls += 1;
        assert!(polls <= 10 * count, "the worker took {taken} of {count} tasks");
        let task = clients[polls % clients.len()].get_activity_task().activity_arn(activity).send().await;
        if task.is_ok_and(|t| t.task_token().is_some_and(|token| !token.is_empty())) {
            taken += 1;
        }
    }
}

/// Which node a test kills while deadlines pass.
#[derive(Clone, Copy, Debug)]
enum Victim {
    Leader,
    /// A follower, which owns about a third of the shards.
    Owner,
}

/// 100 activity tasks are taken by a worker that never heartbeats; the victim is killed as their deadlines
/// pass. Every execution ends FAILED with ActivityTimedOut, none before its deadline, none later than a
/// fresh heartbeat window after the failover (plus the time to write 100 timeouts in a debug build).
async fn heartbeat_deadlines_survive_a_kill(victim: Victim) {
    const EXECUTIONS: usize = 100;
    let mut cluster = TestCluster::start(3);
    cluster.wait_balanced().await;
    let clients = cluster.clients();
    let activity = create_activity(&clients, "silent-worker").await;
    let machine = create_machine(&clients, "heartbeats", &heartbeat_machine(&activity)).await;

    tracing::info!("--- {EXECUTIONS} executions start and a worker takes every task, then never heartbeats");
    let mut arns = Vec::new();
    for i in 0..EXECUTIONS {
        arns.push(start(&clients, &machine, format!("hb-{i}")).await);
    }
    take_tasks(&clients, &activity, EXECUTIONS).await;

    let leader = cluster.leader().await;
    let killed = match victim {
        Victim::Leader => leader,
        Victim::Owner => cluster.nodes.iter().map(|n| n.id).find(|id| *id != leader).expect("a follower"),
    };
    tracing::info!("--- node {killed} ({victim:?}) is killed while the deadlines pass");
    let killed_at = Instant::now();
    cluster.kill(killed);
    cluster.wait_shards_on_live_nodes().await;
    let failover = killed_at.elapsed();
    let live = cluster.live_clients();

    tracing::info!("--- every execution ends FAILED with ActivityTimedOut, none early, none lost");
    let statuses = wait_all_closed(&live, &arns, Duration::from_secs(120)).await;
    let window_ms = HEARTBEAT_SECONDS * 1000;
    let latest_ms = window_ms + failover.as_millis() as i64 + window_ms + 15_000;
    for (arn, status) in arns.iter().zip(statuses) {
        assert_eq!(status, ExecutionStatus::Failed, "{arn}");
        let events = history(&live, arn).await;
        let timed_out = events.iter().filter(|e| *e.r#type() == HistoryEventType::ActivityTimedOut).count();
        assert_eq!(timed_out, 1, "one timeout in {arn}: {events:?}");
        let late =
            at(&events, HistoryEventType::ActivityTimedOut, 0) - at(&events, HistoryEventType::ActivityStarted, 0);
        assert!(
            late >= window_ms,
            "{arn} timed out {late} ms after its task started, before its {window_ms} ms window"
        );
        assert!(late <= latest_ms, "{arn} timed out {late} ms after its task started (failover took {failover:?})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_deadlines_passing_while_the_leader_is_killed_all_fire() {
    heartbeat_deadlines_survive_a_kill(Victim::Leader).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_deadlines_passing_while_an_owner_is_killed_all_fire() {
    heartbeat_deadlines_survive_a_kill(Victim::Owner).await;
}

/// Execution TimeoutSeconds, a Wait, a started activity task's TimeoutSeconds and a Retry interval, each
/// 4 s, all cross a kill of the leader: each fires, and not before its time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_waits_and_retry_intervals_crossing_a_leader_kill_fire_on_time() {
    const EACH: usize = 10;
    let mut cluster = TestCluster::start(3);
    cluster.wait_balanced().await;
    let clients = cluster.clients();
    let slow = create_activity(&clients, "slow-worker").await;
    let wait = create_machine(
        &clients,
        "wait",
        r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":4,"Next":"P"},"P":{"Type":"Pass","End":true}}}"#,
    )
    .await;
    let execution_timeout = create_machine(
        &clients,
        "execution-timeout",
        r#"{"TimeoutSeconds":4,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}"#,
    )
    .await;
    let task_timeout = create_machine(
        &clients,
        "task-timeout",
        &format!(
            r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{slow}","TimeoutSeconds":4,
                "Catch":[{{"ErrorEquals":["States.Timeout"],"Next":"Caught"}}],"End":true}},
                "Caught":{{"Type":"Pass","End":true}}}}}}"#
        ),
    )
    .await;
    let retry = create_machine(
        &clients,
        "retry-interval",
        r#"{"StartAt":"Try","States":{"Try":{"Type":"Parallel",
            "Branches":[{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Boom"}}}],
            "Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":4,"MaxAttempts":1}],
            "Catch":[{"ErrorEquals":["Boom"],"Next":"Caught"}],"End":true},
            "Caught":{"Type":"Pass","End":true}}}"#,
    )
    .await;
    let mut started: Vec<(&str, String)> = Vec::new();
    for i in 0..EACH {
        started.push(("wait", start(&clients, &wait, format!("w-{i}")).await));
        started.push(("execution-timeout", start(&clients, &execution_timeout, format!("e-{i}")).await));
        started.push(("task-timeout", start(&clients, &task_timeout, format!("t-{i}")).await));
        started.push(("retry", start(&clients, &retry, format!("r-{i}")).await));
    }

    take_tasks(&clients, &slow, EACH).await;

    let leader = cluster.leader().await;
    tracing::info!("--- the leader (node {leader}) is killed while every deadline is pending");
    cluster.kill(leader);
    let live = cluster.live_clients();
    let arns: Vec<String> = started.iter().map(|(_, arn)| arn.clone()).collect();
    let statuses = wait_all_closed(&live, &arns, Duration::from_secs(120)).await;

    tracing::info!("--- each ended as its definition says, none before its time");
    for ((kind, arn), status) in started.iter().zip(statuses) {
        let events = history(&live, arn).await;
        match *kind {
            "wait" => {
                assert_eq!(status, ExecutionStatus::Succeeded, "{arn}");
                let waited = at(&events, HistoryEventType::WaitStateExited, 0)
                    - at(&events, HistoryEventType::WaitStateEntered, 0);
                assert!(waited >= 4_000, "{arn} left its 4 s Wait after {waited} ms");
            }
            "execution-timeout" => {
                assert_eq!(status, ExecutionStatus::TimedOut, "{arn}");
                let ran = at(&events, HistoryEventType::ExecutionTimedOut, 0)
                    - at(&events, HistoryEventType::ExecutionStarted, 0);
                assert!(ran >= 4_000, "{arn} timed out after {ran} ms of its 4 s");
            }
            "task-timeout" => {
                assert_eq!(status, ExecutionStatus::Succeeded, "{arn}: the Catch took the timeout");
                let ran = at(&events, HistoryEventType::ActivityTimedOut, 0)
                    - at(&events, HistoryEventType::ActivityStarted, 0);
                assert!(ran >= 4_000, "{arn}'s task timed out {ran} ms after a worker took it, not 4 s");
            }
            _ => {
                assert_eq!(status, ExecutionStatus::Succeeded, "{arn}: the Catch took the second failure");
                let interval = at(&events, HistoryEventType::ParallelStateStarted, 1)
                    - at(&events, HistoryEventType::ParallelStateStarted, 0);
                assert!(interval >= 4_000, "{arn} retried {interval} ms after the first attempt, not 4 s");
                let attempts = events.iter().filter(|e| *e.r#type() == HistoryEventType::FailStateEntered).count();
                assert_eq!(attempts, 2, "{arn}: the first attempt and the retry each failed once: {events:?}");
            }
        }
    }
}

/// The decisions that write the heartbeat timeout fail three times (injected); the actor rebuilds and
/// retries until one commits, and the execution fails with exactly one ActivityTimedOut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_timeout_whose_proposal_fails_is_retried_until_it_commits() {
    let server = TestServer::start_with_env("", &[("STATEHOUSE_INJECT_DECISION_FAILURES", "HeartbeatTimedOut:3")]);
    let clients = vec![server.client()];
    let activity = create_activity(&clients, "falters").await;
    let machine = create_machine(&clients, "injected", &heartbeat_machine(&activity)).await;
    let arn = start(&clients, &machine, "injected".into()).await;
    let task = clients[0].get_activity_task().activity_arn(&activity).send().await.expect("polled");
    assert!(task.task_token().is_some_and(|t| !t.is_empty()), "the worker took the task");

    let statuses = wait_all_closed(&clients, std::slice::from_ref(&arn), Duration::from_secs(60)).await;
    assert_eq!(statuses, vec![ExecutionStatus::Failed]);
    let events = history(&clients, &arn).await;
    let timed_out: Vec<&HistoryEvent> =
        events.iter().filter(|e| *e.r#type() == HistoryEventType::ActivityTimedOut).collect();
    assert_eq!(timed_out.len(), 1, "{events:?}");
    let late = millis(timed_out[0]) - at(&events, HistoryEventType::ActivityStarted, 0);
    assert!(late >= HEARTBEAT_SECONDS * 1000, "timed out after {late} ms");
    let failed = metric(&server.address, "statehouse_decisions_not_committed_total");
    assert!(failed >= 3.0, "the three injected failures were seen as decisions that did not commit ({failed})");
}
