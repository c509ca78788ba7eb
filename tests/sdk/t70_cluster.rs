//! The cluster: three processes on loopback. Every call works on every node; kill -9 of the leader, a
//! follower and a shard owner (each restarted after) loses no acknowledged execution, completes no task
//! twice, and times no token out before its heartbeat window passed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::types::HistoryEvent;
use aws_sdk_sfn::types::HistoryEventType;

use crate::cluster::TestCluster;
use crate::server::raw_post;
use crate::server::ROLE;

const HEARTBEAT_SECONDS: i64 = 8;

fn worker_machine(activity: &str) -> String {
    format!(
        r#"{{"StartAt":"Prepare","States":{{
            "Prepare":{{"Type":"Pass","Next":"Work"}},
            "Work":{{"Type":"Task","Resource":"{activity}","HeartbeatSeconds":{HEARTBEAT_SECONDS},
                "Retry":[{{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":5,"BackoffRate":1}}],
                "Next":"Nap"}},
            "Nap":{{"Type":"Wait","Seconds":1,"Next":"Done"}},
            "Done":{{"Type":"Pass","End":true}}}}}}"#
    )
}

const WAIT_MACHINE: &str = r#"{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Result":{"woke":true},"End":true}}}"#;

/// Retries a call on every node in turn until one answers (nodes may be down or moving shards).
macro_rules! on_any_node {
    ($clients:expr, |$sfn:ident| $call:expr) => {{
        let mut attempt = 0usize;
        loop {
            let $sfn = &$clients[attempt % $clients.len()];
            match $call.await {
                Ok(output) => break output,
                Err(e) if attempt < 600 => {
                    let _ = e;
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("no node served the call: {e:?}"),
            }
        }
    }};
}

async fn full_history(sfn: &[aws_sdk_sfn::Client], arn: &str) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = on_any_node!(sfn, |c| c
            .get_execution_history()
            .execution_arn(arn)
            .set_next_token(token.clone())
            .max_results(1000)
            .send());
        events.extend(page.events().iter().cloned());
        match page.next_token() {
            Some(next) => token = Some(next.to_string()),
            None => return events,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_serves_every_call() {
    let cluster = TestCluster::start(3);
    let sfn = cluster.clients();
    cluster.wait_balanced().await;

    let status = cluster.status().await;
    let members = status["members"].as_array().expect("members");
    assert_eq!(members.len(), 3);
    for member in members {
        assert_eq!(member["voter"], true, "{member}");
        let shards = member["shards"].as_u64().expect("shard count");
        assert!((21..=22).contains(&shards), "shards are spread evenly: {member}");
    }

    let machine =
        sfn[0].create_state_machine().name("naps").definition(WAIT_MACHINE).role_arn(ROLE).send().await.unwrap();
    let mut started = Vec::new();
    for i in 0..9 {
        let node = &sfn[i % 3];
        let e = node
            .start_execution()
            .state_machine_arn(machine.state_machine_arn())
            .name(format!("nap-{i}"))
            .send()
            .await
            .unwrap();
        let d = node.describe_execution().execution_arn(e.execution_arn()).send().await.unwrap();
        assert_eq!(d.status(), &ExecutionStatus::Running, "the node that started it reads it at once");
        let other = &sfn[(i + 1) % 3];
        let history = other.get_execution_history().execution_arn(e.execution_arn()).send().await;
        assert!(history.is_ok(), "another node finds it at once: {history:?}");
        started.push(e.execution_arn().to_string());
    }
    let stopped = &started[0];
    let stop = sfn[2].stop_execution().execution_arn(stopped).error("Halt").send().await.unwrap();
    assert!(stop.stop_date().secs() > 0);
    for (i, arn) in started.iter().enumerate() {
        let reader = &sfn[(i + 1) % 3];
        let mut polls = 0;
        let d = loop {
            let d = reader.describe_execution().execution_arn(arn).send().await;
            match d {
                Ok(d) if *d.status() != ExecutionStatus::Running => break d,
                _ => {
                    polls += 1;
                    assert!(polls <= 600, "{arn} ends within 30 s");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        if arn == stopped {
            assert_eq!(d.status(), &ExecutionStatus::Aborted);
            assert_eq!(d.error(), Some("Halt"));
        } else {
            assert_eq!(d.status(), &ExecutionStatus::Succeeded, "{arn}");
            assert_eq!(d.output(), Some(r#"{"woke":true}"#));
        }
    }

    let activity = sfn[1].create_activity().name("spread").send().await.unwrap();
    let arn = activity.activity_arn();
    let worker = sfn[0]
        .create_state_machine()
        .name("worker")
        .definition(worker_machine(arn))
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let mut executions = Vec::new();
    for i in 0..6 {
        let e = sfn[i % 3]
            .start_execution()
            .state_machine_arn(worker.state_machine_arn())
            .input(format!(r#"{{"n":{i}}}"#))
            .send()
            .await
            .unwrap();
        executions.push(e.execution_arn().to_string());
    }
    for i in 0..6 {
        let mut polls = 0;
        let task = loop {
            let task = sfn[i % 3].get_activity_task().activity_arn(arn).worker_name("w").send().await.unwrap();
            if task.task_token().is_some() {
                break task;
            }
            polls += 1;
            assert!(polls <= 30, "task {i} is handed out within 30 polls of 1 s");
        };
        let token = task.task_token().unwrap();
        sfn[(i + 1) % 3].send_task_heartbeat().task_token(token).send().await.unwrap();
        sfn[(i + 2) % 3].send_task_success().task_token(token).output(task.input().unwrap()).send().await.unwrap();
        let again = sfn[i % 3].send_task_success().task_token(token).output("{}").send().await;
        assert_eq!(crate::server::code(again), "TaskTimedOut", "a token completes once, whichever node is asked");
    }
    for arn in &executions {
        let mut polls = 0;
        let d = loop {
            let d = sfn[0].describe_execution().execution_arn(arn).send().await.unwrap();
            if *d.status() != ExecutionStatus::Running {
                break d;
            }
            polls += 1;
            assert!(polls <= 600, "{arn} ends within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(d.status(), &ExecutionStatus::Succeeded);
        assert_eq!(d.output(), d.input(), "the worker's output (its input) is the execution's output");
    }

    tracing::info!("--- the console's cluster view on one node reads every node's counters over the cluster port");
    {
        let api = &cluster.nodes[1].api;
        let mut stream = std::net::TcpStream::connect(api).expect("connect");
        let request = format!("GET /console/api/cluster HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n\r\n");
        std::io::Write::write_all(&mut stream, request.as_bytes()).expect("write");
        let mut response = String::new();
        std::io::Read::read_to_string(&mut stream, &mut response).expect("read");
        let body = response.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
        let view: serde_json::Value = serde_json::from_str(body).expect("JSON");
        let members = view["members"].as_array().expect("members");
        assert_eq!(members.len(), 3);
        for member in members {
            let requests = member["metrics"]["requests"].as_f64().unwrap_or_default();
            assert!(requests > 0.0, "every node served API calls: {member}");
        }
        assert!(view["members"].as_array().unwrap().iter().any(|m| m["metrics"]["commits"].as_f64() > Some(0.0)));
    }
}

/// What the worker saw of each token: the execution it belongs to, when it was received, and when each
/// acknowledged heartbeat was sent.
#[derive(Default)]
struct WorkerLog {
    tokens: HashMap<String, (String, i64, Vec<i64>)>,
    completed: HashMap<String, u32>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A worker on every node: polls, heartbeats every second for two seconds, then completes with its input.
fn spawn_workers(
    clients: &[aws_sdk_sfn::Client],
    activity: &str,
    log: Arc<Mutex<WorkerLog>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..clients.len() * 2)
        .map(|w| {
            let clients = clients.to_vec();
            let activity = activity.to_string();
            let log = log.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut turn = w;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    turn += 1;
                    let sfn = &clients[turn % clients.len()];
                    let Ok(task) = sfn.get_activity_task().activity_arn(&activity).send().await else {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    let Some(token) = task.task_token().map(str::to_string) else { continue };
                    let input = task.input().unwrap_or("{}").to_string();
                    let execution: serde_json::Value = serde_json::from_str(&input).unwrap();
                    let name = execution["name"].as_str().unwrap().to_string();
                    log.lock().unwrap().tokens.insert(token.clone(), (name, now_ms(), Vec::new()));
                    for beat in 0..2 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        let sent = now_ms();
                        let sfn = &clients[(turn + beat + 1) % clients.len()];
                        if sfn.send_task_heartbeat().task_token(&token).send().await.is_ok() {
                            log.lock().unwrap().tokens.get_mut(&token).unwrap().2.push(sent);
                        }
                    }
                    for attempt in 0..100 {
                        let sfn = &clients[(turn + attempt) % clients.len()];
                        match sfn.send_task_success().task_token(&token).output(&input).send().await {
                            Ok(_) => {
                                *log.lock().unwrap().completed.entry(token.clone()).or_default() += 1;
                                break;
                            }
                            Err(e) => {
                                use aws_sdk_sfn::error::ProvideErrorMetadata;
                                if e.code() == Some("TaskTimedOut") {
                                    break;
                                }
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                        }
                    }
                }
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_leader_follower_and_owner_loses_nothing() {
    let mut cluster = TestCluster::start(3);
    let sfn = cluster.clients();
    let activity = sfn[0].create_activity().name("chaos").send().await.unwrap();
    let activity_arn = activity.activity_arn().to_string();
    let machine = sfn[0]
        .create_state_machine()
        .name("chaos")
        .definition(worker_machine(&activity_arn))
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let log = Arc::new(Mutex::new(WorkerLog::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers = spawn_workers(&sfn, &activity_arn, log.clone(), stop.clone());

    let mut acknowledged: Vec<String> = Vec::new();
    let mut n = 0;
    let mut start_some = |count: usize| {
        let names: Vec<String> = (0..count)
            .map(|_| {
                n += 1;
                format!("run-{n}")
            })
            .collect();
        let sfn = sfn.clone();
        let machine = machine.state_machine_arn().to_string();
        async move {
            let mut acknowledged = Vec::new();
            for name in names {
                let input = format!(r#"{{"name":"{name}"}}"#);
                let e = on_any_node!(sfn, |c| c
                    .start_execution()
                    .state_machine_arn(&machine)
                    .name(&name)
                    .input(&input)
                    .send());
                acknowledged.push(e.execution_arn().to_string());
            }
            acknowledged
        }
    };

    acknowledged.extend(start_some(8).await);
    let leader = cluster.leader().await;
    cluster.kill(leader);
    acknowledged.extend(start_some(6).await);
    cluster.wait_shards_on_live_nodes().await;
    cluster.restart(leader);

    let leader = cluster.leader().await;
    let follower = cluster.nodes.iter().map(|n| n.id).find(|id| *id != leader).unwrap();
    acknowledged.extend(start_some(6).await);
    cluster.kill(follower);
    acknowledged.extend(start_some(6).await);
    cluster.wait_shards_on_live_nodes().await;
    cluster.restart(follower);

    let status = cluster.status().await;
    let shard_owner = |status: &serde_json::Value| {
        let owners: Vec<u64> =
            status["shardMap"].as_array().unwrap().iter().map(|s| s["owner"].as_u64().unwrap()).collect();
        let leader = status["leader"].as_u64().unwrap();
        *owners.iter().find(|o| **o != leader).unwrap_or(&owners[0])
    };
    let owner = shard_owner(&status);
    acknowledged.extend(start_some(4).await);
    cluster.kill(owner);
    acknowledged.extend(start_some(4).await);
    cluster.wait_shards_on_live_nodes().await;
    cluster.restart(owner);

    for arn in &acknowledged {
        let mut closed = None;
        for _ in 0..1200 {
            let d = on_any_node!(sfn, |c| c.describe_execution().execution_arn(arn).send());
            if *d.status() != ExecutionStatus::Running {
                closed = Some(d);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let d = closed.unwrap_or_else(|| panic!("{arn} did not finish within 60 s"));
        assert_eq!(d.status(), &ExecutionStatus::Succeeded, "{arn}: {:?} {:?}", d.error(), d.cause());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    let log = std::mem::take(&mut *log.lock().unwrap());
    assert!(log.completed.values().all(|count| *count == 1), "no token was completed twice");
    for arn in &acknowledged {
        let events = full_history(&sfn, arn).await;
        let ids: Vec<i64> = events.iter().map(|e| e.id()).collect();
        assert_eq!(ids, (1..=events.len() as i64).collect::<Vec<_>>(), "{arn}: ids without gaps or repeats");
        assert!(events.iter().all(|e| e.previous_event_id() < e.id()), "{arn}: previous ids point back");
        let count = |kind: HistoryEventType| events.iter().filter(|e| *e.r#type() == kind).count();
        assert_eq!(count(HistoryEventType::ExecutionSucceeded), 1, "{arn} ends exactly once");
        assert_eq!(count(HistoryEventType::ActivitySucceeded), 1, "{arn}: the task completed once");
        let name = arn.rsplit(':').next().unwrap();
        for timed_out in events.iter().filter(|e| *e.r#type() == HistoryEventType::ActivityTimedOut) {
            let at = timed_out.timestamp().to_millis().unwrap();
            let held = log
                .tokens
                .values()
                .filter(|(execution, received, _)| execution == name && *received < at)
                .max_by_key(|(_, received, _)| *received);
            if let Some((_, _, beats)) = held {
                let last = beats.iter().max().copied().unwrap_or(0);
                assert!(
                    at >= last + HEARTBEAT_SECONDS * 1000,
                    "{arn}: timed out at {at}, {} ms after an acknowledged heartbeat",
                    at - last
                );
            }
        }
    }
    for worker in workers {
        worker.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_join_or_speak_raft() {
    let mut cluster = TestCluster::start(2);
    let stranger = cluster.spawn_joining(3, "not-the-cluster-secret-at-all");
    let added = crate::cluster::add_node(&cluster.nodes[0].api, 3, &stranger);
    assert!(!added.status.success(), "a node with another secret is not added");
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert!(stderr.contains("does not answer as a member of this cluster"), "{stderr}");
    let status = cluster.status().await;
    assert_eq!(status["members"].as_array().unwrap().len(), 2, "membership is unchanged: {status}");

    let peer = &cluster.nodes[0].cluster;
    let (status, _) = raw_post(peer, "/peer", &[("Host", peer), ("x-statehouse-signature", "00")], "\u{5}");
    assert_eq!(status, 401, "an unsigned peer request is refused");
    let api = &cluster.nodes[0].api;
    let (status, _) = raw_post(api, "/cluster/remove-node", &[("Host", api)], r#"{"id":2}"#);
    assert_eq!(status, 403, "membership changes need the secret");
    assert_eq!(cluster.status().await["members"].as_array().unwrap().len(), 2);
}
