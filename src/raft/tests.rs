//! The Raft layer against its real storage: snapshots, log purging, restart and snapshot install.

use std::time::Duration;

use openraft::storage::RaftStateMachine;
use openraft::RaftSnapshotBuilder;

use super::Command;
use super::RaftNode;
use super::SnapshotDir;
use super::StateMachine;
use crate::store::ActivityRecord;
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
