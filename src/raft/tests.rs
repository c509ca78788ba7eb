//! The Raft layer against its real storage: snapshots, log purging, restart and snapshot install.

use std::time::Duration;

use openraft::storage::RaftStateMachine;
use openraft::RaftSnapshotBuilder;

use super::Command;
use super::Proposal;
use super::ProposeError;
use super::RaftNode;
use super::Refusal;
use super::SnapshotDir;
use super::StateMachine;
use super::StateMachineUpdate;
use super::VersionPublish;
use crate::cluster::Epoch;
use crate::cluster::ShardId;
use crate::decision::Consumed;
use crate::decision::Decision;
use crate::decision::ExecutionClose;
use crate::engine::map_run::MapRunCounts;
use crate::engine::map_run::MapRunStatus;
use crate::engine::Input;
use crate::engine::TimerId;
use crate::store::tables::LAST_VERSION;
use crate::store::ActivityRecord;
use crate::store::AliasRecord;
use crate::store::AliasRoute;
use crate::store::ExecutionRecord;
use crate::store::ExecutionStatus;
use crate::store::MapRunRecord;
use crate::store::StateMachineRecord;
use crate::store::StateMachineStatus;
use crate::store::StateMachineType;
use crate::store::StateStore;

fn activity(i: usize) -> Command {
    let arn = format!("arn:aws:states:us-east-1:123456789012:activity:a{i:04}");
    Command::CreateActivity {
        activity: ActivityRecord { arn, name: format!("a{i:04}"), creation_ms: i as i64, encryption: None },
        tags: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_purge_and_restart_keep_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let node = RaftNode::start_single(1, "127.0.0.1:1", dir.path()).await.unwrap();
    let writes = futures::future::join_all((0..300).map(|i| {
        let node = node.clone();
        async move { node.propose(&format!("a{i}"), activity(i)).await }
    }))
    .await;
    assert!(writes.iter().all(Result::is_ok), "every concurrent proposal commits");

    let applied = node.raft.metrics().borrow().last_applied.unwrap();
    node.raft.trigger().snapshot().await.unwrap();
    let built = node
        .raft
        .wait(Some(Duration::from_secs(10)))
        .metrics(|m| m.snapshot.is_some_and(|s| s.index >= applied.index), "snapshot built")
        .await
        .unwrap();
    let last = built.snapshot.unwrap();
    node.raft.trigger().purge_log(last.index).await.unwrap();
    node.raft.wait(Some(Duration::from_secs(10))).purged(Some(last), "log purged").await.unwrap();
    node.shutdown().await;
    drop(node);

    // The stopped group's tasks release the database files as they wind down.
    let mut reopened = None;
    for _ in 0..100 {
        match RaftNode::start_single(1, "127.0.0.1:1", dir.path()).await {
            Ok(node) => {
                reopened = Some(node);
                break;
            }
            Err(super::node::StartError::Store(_)) | Err(super::node::StartError::Raft(_)) => {
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let node = reopened.expect("the data directory reopens once the stopped group released it");
    let listed = node.store.list_activities("", None, 1000).unwrap();
    assert_eq!(listed.items.len(), 300, "state survives a restart after purge");
    assert_eq!(node.raft.metrics().borrow().purged, Some(last));
    node.propose("a-new", activity(300)).await.expect("writes continue");
    assert_eq!(node.store.list_activities("", None, 1000).unwrap().items.len(), 301);

    let machine = |store, dir: &std::path::Path| {
        let (notices, _) = tokio::sync::mpsc::unbounded_channel();
        StateMachine::new(store, SnapshotDir::open(dir).unwrap(), Default::default(), notices, Default::default())
    };
    let mut source = machine(node.store.clone(), &dir.path().join("snapshots"));
    let snapshot = source.build_snapshot().await.unwrap();
    let other = tempfile::tempdir().unwrap();
    let target_store = std::sync::Arc::new(StateStore::open(&other.path().join("s.redb")).unwrap());
    let mut target = machine(target_store.clone(), &other.path().join("snap"));
    let mut received = target.begin_receiving_snapshot().await.unwrap();
    let mut sent = snapshot.snapshot;
    tokio::io::copy(&mut sent, &mut *received).await.unwrap();
    target.install_snapshot(&snapshot.meta, received).await.unwrap();
    let (applied, _) = target.applied_state().await.unwrap();
    assert_eq!(applied, snapshot.meta.last_log_id, "an installed snapshot carries its applied log id");
    let installed = target.get_current_snapshot().await.unwrap().expect("installed snapshot is current");
    assert_eq!(installed.meta.snapshot_id, snapshot.meta.snapshot_id);
    let copied = target_store.list_activities("", None, 1000).unwrap();
    assert_eq!(copied.items.len(), 301, "every row arrives");
    node.shutdown().await;
}

fn machine_record(arn: &str, revision_id: &str) -> StateMachineRecord {
    StateMachineRecord {
        arn: arn.to_string(),
        name: "m".to_string(),
        machine_type: StateMachineType::Standard,
        status: StateMachineStatus::Active,
        creation_ms: 1,
        definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#.to_string(),
        role_arn: "arn:aws:iam::123456789012:role/r".to_string(),
        revision_id: revision_id.to_string(),
        revision_ms: 1,
        logging: "{}".to_string(),
        tracing: "{}".to_string(),
        encryption: None,
    }
}

fn publish(arn: &str, revision_id: &str, at: i64) -> Command {
    Command::PublishStateMachineVersion {
        publish: VersionPublish {
            machine_arn: arn.to_string(),
            revision_id: Some(revision_id.to_string()),
            description: None,
            creation_ms: at,
            limit: 1000,
        },
    }
}

fn update(arn: &str, revision_id: &str, at: i64) -> Command {
    Command::UpdateStateMachine {
        update: StateMachineUpdate {
            arn: arn.to_string(),
            definition: None,
            role_arn: Some(format!("arn:aws:iam::123456789012:role/{revision_id}")),
            logging: None,
            tracing: None,
            revision_id: revision_id.to_string(),
            update_ms: at,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_aliases_and_the_version_counter_travel_in_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let node = RaftNode::start_single(1, "127.0.0.1:1", dir.path()).await.unwrap();
    let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
    let create = Command::CreateStateMachine { machine: machine_record(arn, "r1"), tags: Vec::new() };
    node.propose(arn, create).await.unwrap();
    node.propose(arn, publish(arn, "r1", 10)).await.unwrap();
    assert_eq!(node.propose(arn, publish(arn, "r1", 11)).await.unwrap(), 10, "the same revision is published once");
    node.propose(arn, update(arn, "r2", 20)).await.unwrap();
    let stale = node.propose(arn, publish(arn, "r1", 21)).await;
    assert!(matches!(stale, Err(ProposeError::Refused(Refusal::Conflict { .. }))), "{stale:?}");
    node.propose(arn, publish(arn, "r2", 22)).await.unwrap();
    let alias = AliasRecord {
        name: "live".to_string(),
        description: None,
        routing: vec![AliasRoute { version: 1, weight: 100 }],
        creation_ms: 30,
        update_ms: 30,
    };
    node.propose(arn, Command::CreateStateMachineAlias { machine_arn: arn.to_string(), alias }).await.unwrap();
    let routed =
        node.propose(arn, Command::DeleteStateMachineVersion { machine_arn: arn.to_string(), number: 1 }).await;
    assert!(matches!(routed, Err(ProposeError::Refused(Refusal::Conflict { .. }))), "{routed:?}");
    node.propose(arn, Command::DeleteStateMachineVersion { machine_arn: arn.to_string(), number: 2 }).await.unwrap();

    let mut source = StateMachine::new(
        node.store.clone(),
        SnapshotDir::open(&dir.path().join("snapshots")).unwrap(),
        Default::default(),
        tokio::sync::mpsc::unbounded_channel().0,
        Default::default(),
    );
    let snapshot = source.build_snapshot().await.unwrap();
    let other = tempfile::tempdir().unwrap();
    let target_store = std::sync::Arc::new(StateStore::open(&other.path().join("s.redb")).unwrap());
    let mut target = StateMachine::new(
        target_store.clone(),
        SnapshotDir::open(&other.path().join("snap")).unwrap(),
        Default::default(),
        tokio::sync::mpsc::unbounded_channel().0,
        Default::default(),
    );
    let mut received = target.begin_receiving_snapshot().await.unwrap();
    let mut sent = snapshot.snapshot;
    tokio::io::copy(&mut sent, &mut *received).await.unwrap();
    target.install_snapshot(&snapshot.meta, received).await.unwrap();

    let versions = target_store.list_versions(arn, None, 10).unwrap().items;
    let numbers: Vec<u64> = versions.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [1], "version 2 was deleted");
    assert_eq!(versions[0].revision_id, "r1");
    assert_eq!(target_store.alias(arn, "live").unwrap().unwrap().routing, [AliasRoute { version: 1, weight: 100 }]);
    let counter = target_store.begin_read().unwrap().open_table(LAST_VERSION).unwrap().get(arn).unwrap();
    assert_eq!(counter.map(|v| v.value()), Some(2), "the counter remembers the deleted version 2");
    node.shutdown().await;
}

/// A RUNNING execution of `machine` (revision r1) as StartExecution records it.
fn running_execution(arn: &str, machine: &str) -> ExecutionRecord {
    ExecutionRecord {
        arn: arn.to_string(),
        state_machine_arn: machine.to_string(),
        name: arn.rsplit(':').next().unwrap_or_default().to_string(),
        status: ExecutionStatus::Running,
        start_ms: 1,
        stop_ms: None,
        input: "{}".to_string(),
        output: None,
        error: None,
        cause: None,
        trace_header: None,
        revision_id: "r1".to_string(),
        role_arn: "arn:aws:iam::123456789012:role/r".to_string(),
        test_case: None,
        wait_time_scale: Default::default(),
        version_arn: None,
        alias_arn: None,
        redrive_count: 0,
        redrive_ms: None,
        redrive_tokens: Vec::new(),
    }
}

fn map_run(status: MapRunStatus, stop_ms: Option<i64>) -> MapRunRecord {
    MapRunRecord {
        arn: "arn:aws:states:us-east-1:123456789012:mapRun:m/fan:1c4b".to_string(),
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e".to_string(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".to_string(),
        status,
        start_ms: 2,
        stop_ms,
        max_concurrency: 3,
        tolerated_failure_count: Some(1),
        tolerated_failure_percentage: None,
        items: MapRunCounts { total: 4, running: 3, pending: 1, ..Default::default() },
        executions: MapRunCounts { total: 4, running: 3, pending: 1, ..Default::default() },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_runs_follow_decisions_travel_in_snapshots_and_expire_with_their_execution() {
    let dir = tempfile::tempdir().unwrap();
    let node = RaftNode::start_single(1, "127.0.0.1:1", dir.path()).await.unwrap();
    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
    let create = Command::CreateStateMachine { machine: machine_record(machine, "r1"), tags: Vec::new() };
    node.propose(machine, create).await.unwrap();
    let running = map_run(MapRunStatus::Running, None);
    let execution = running.execution_arn.clone();
    let record = running_execution(&execution, machine);
    let mut decision = Decision::default();
    decision.changes.map_runs.push(running.clone());
    let start = Command::StartExecution { execution: Box::new(record), decision, open_limit: 10 };
    node.propose(&execution, start).await.unwrap();
    assert_eq!(node.store.map_run(&running.arn).unwrap(), Some(running.clone()));

    let closed = map_run(MapRunStatus::Succeeded, Some(5));
    let mut decision = Decision::default();
    decision.changes.map_runs.push(closed.clone());
    decision.changes.close = Some(ExecutionClose {
        status: ExecutionStatus::Succeeded,
        stop_ms: 5,
        output: Some("[]".to_string()),
        error: None,
        cause: None,
    });
    let decide = Command::Decide { execution_arn: execution.clone(), expected_next_event_id: 1, decision };
    node.propose(&execution, decide).await.unwrap();
    assert_eq!(node.store.map_run(&running.arn).unwrap(), Some(closed.clone()), "the closing decision's record");
    assert_eq!(
        node.store.list_map_runs(&execution, None, 10).unwrap().items,
        std::slice::from_ref(&closed),
        "listed once"
    );

    let mut source = StateMachine::new(
        node.store.clone(),
        SnapshotDir::open(&dir.path().join("snapshots")).unwrap(),
        Default::default(),
        tokio::sync::mpsc::unbounded_channel().0,
        Default::default(),
    );
    let snapshot = source.build_snapshot().await.unwrap();
    let other = tempfile::tempdir().unwrap();
    let target_store = std::sync::Arc::new(StateStore::open(&other.path().join("s.redb")).unwrap());
    let mut target = StateMachine::new(
        target_store.clone(),
        SnapshotDir::open(&other.path().join("snap")).unwrap(),
        Default::default(),
        tokio::sync::mpsc::unbounded_channel().0,
        Default::default(),
    );
    let mut received = target.begin_receiving_snapshot().await.unwrap();
    let mut sent = snapshot.snapshot;
    tokio::io::copy(&mut sent, &mut *received).await.unwrap();
    target.install_snapshot(&snapshot.meta, received).await.unwrap();
    assert_eq!(target_store.map_run(&closed.arn).unwrap(), Some(closed.clone()));
    assert_eq!(target_store.list_map_runs(&execution, None, 10).unwrap().items, std::slice::from_ref(&closed));

    let expire =
        Proposal { shard: ShardId(0), epoch: Epoch(0), command: Command::ExpireClosed { before_ms: 10, limit: 10 } };
    node.propose_raw(expire).await.unwrap();
    assert_eq!(node.store.map_run(&closed.arn).unwrap(), None, "retention deletes the map run");
    assert!(node.store.list_map_runs(&execution, None, 10).unwrap().items.is_empty());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_without_events_keep_each_others_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let node = RaftNode::start_single(1, "127.0.0.1:1", dir.path()).await.unwrap();
    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
    let create = Command::CreateStateMachine { machine: machine_record(machine, "r1"), tags: Vec::new() };
    node.propose(machine, create).await.unwrap();
    let execution = "arn:aws:states:us-east-1:123456789012:execution:m:quiet".to_string();
    let record = running_execution(&execution, machine);
    let start = Command::StartExecution { execution: Box::new(record), decision: Decision::default(), open_limit: 10 };
    node.propose(&execution, start).await.unwrap();
    let consumed = |at_ms: i64| Consumed { at_ms, input: Input::TimersFired { timers: vec![TimerId(at_ms as u64)] } };
    for at_ms in [10, 20] {
        let decision = Decision { inputs: vec![consumed(at_ms)], ..Default::default() };
        let decide = Command::Decide { execution_arn: execution.clone(), expected_next_event_id: 1, decision };
        node.propose(&execution, decide).await.unwrap();
    }
    let tail = node.store.execution_tail(&execution).unwrap().expect("running");
    let replayed: Vec<Consumed> =
        tail.decisions.iter().flat_map(|d| crate::store::decode::<Vec<Consumed>>(d).unwrap()).collect();
    assert_eq!(replayed, [consumed(10), consumed(20)], "both decisions are replayed, in order");
    node.shutdown().await;
}
