//! The node's Prometheus metrics: the recorder (installed once per process), the metric names, and the
//! text rendering behind `GET /metrics`.
//!
//! Hot paths only bump counters and record histogram samples through the `metrics` macros; gauges that
//! other components already know (open executions, open tokens, Raft indexes) are sampled when the page
//! is rendered, so they cost nothing between scrapes. This module never blocks a request path.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;
use std::time::Instant;

use metrics::Counter;
use metrics::Histogram;
use metrics_exporter_prometheus::Matcher;
use metrics_exporter_prometheus::PrometheusBuilder;
use metrics_exporter_prometheus::PrometheusHandle;

/// Counter: API requests, labelled `operation` and `code` (`ok` or the AWS error code).
pub const API_REQUESTS: &str = "statehouse_api_requests_total";
/// Histogram (seconds): API request latency, labelled `operation`.
pub const API_LATENCY: &str = "statehouse_api_request_duration_seconds";
/// Counter: SendTaskHeartbeat calls accepted for a started token.
pub const HEARTBEATS: &str = "statehouse_heartbeats_total";
/// Counter: heartbeat deadlines that expired (each becomes a timed-out task in the history).
pub const TIMEOUTS_FIRED: &str = "statehouse_timeouts_fired_total";
/// Gauge: executions with a live actor on this node.
pub const OPEN_EXECUTIONS: &str = "statehouse_open_executions";
/// Gauge: started task tokens outstanding on this node.
pub const OPEN_TOKENS: &str = "statehouse_open_tokens";
/// Histogram (seconds): from proposing a command to its commit and apply.
pub const RAFT_COMMIT_LATENCY: &str = "statehouse_raft_commit_duration_seconds";
/// Gauge: the last log index applied to the state machine.
pub const RAFT_APPLIED_INDEX: &str = "statehouse_raft_applied_index";
/// Gauge: the last log index appended to this node's log.
pub const RAFT_LAST_LOG_INDEX: &str = "statehouse_raft_last_log_index";
/// Histogram: log appends (proposal batches) made durable by one fsync.
pub const PROPOSALS_PER_FSYNC: &str = "statehouse_raft_appends_per_fsync";
/// Counter: fsyncs of the Raft log.
pub const LOG_FSYNCS: &str = "statehouse_raft_log_fsyncs_total";
/// Counter: bytes (keys and values) that applying committed entries wrote into the state.
pub const STATE_BYTES_WRITTEN: &str = "statehouse_state_bytes_written_total";
/// Counter: bytes of log entries appended to this node's Raft log.
pub const LOG_BYTES_APPENDED: &str = "statehouse_raft_log_bytes_appended_total";
/// Histogram: proposals committed together in one log entry.
pub const PROPOSALS_PER_ENTRY: &str = "statehouse_raft_proposals_per_entry";
/// Counter: execution checkpoints this node's execution actors wrote.
pub const CHECKPOINTS_WRITTEN: &str = "statehouse_execution_checkpoints_total";
/// Counter: decisions of execution actors that did not commit as proposed (the actor rebuilt and retried).
pub const DECISIONS_NOT_COMMITTED: &str = "statehouse_decisions_not_committed_total";
/// Counter: snapshots of the state this node built.
pub const SNAPSHOTS_BUILT: &str = "statehouse_raft_snapshots_built_total";
/// Counter: snapshots received from the leader and installed by this node.
pub const SNAPSHOTS_INSTALLED: &str = "statehouse_raft_snapshots_installed_total";
/// Gauge: the size in bytes of the last snapshot this node built or installed.
pub const SNAPSHOT_BYTES: &str = "statehouse_raft_snapshot_bytes";
/// Counter: execution log lines dropped because the writer fell behind.
pub const EXECUTION_LOG_DROPPED: &str = "statehouse_execution_log_dropped_total";

const LATENCY_BUCKETS: &[f64] =
    &[0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0];
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (idempotent) and starts its upkeep thread, which drains
/// histogram samples between scrapes so memory stays bounded under load.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(PROPOSALS_PER_FSYNC.into()), BATCH_BUCKETS))
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(PROPOSALS_PER_ENTRY.into()), BATCH_BUCKETS))
            .expect("bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || loop {
            std::thread::sleep(UPKEEP_INTERVAL);
            upkeep.run_upkeep();
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the metrics upkeep thread");
        }
        handle
    })
}

fn describe() {
    metrics::describe_counter!(API_REQUESTS, "API requests by operation and result code");
    metrics::describe_histogram!(API_LATENCY, metrics::Unit::Seconds, "API request latency by operation");
    metrics::describe_counter!(HEARTBEATS, "SendTaskHeartbeat calls accepted");
    metrics::describe_counter!(TIMEOUTS_FIRED, "Heartbeat deadlines that expired");
    metrics::describe_gauge!(OPEN_EXECUTIONS, "Executions with a live actor on this node");
    metrics::describe_gauge!(OPEN_TOKENS, "Started task tokens outstanding on this node");
    metrics::describe_histogram!(RAFT_COMMIT_LATENCY, metrics::Unit::Seconds, "Proposal to commit and apply");
    metrics::describe_gauge!(RAFT_APPLIED_INDEX, "Last applied Raft log index");
    metrics::describe_gauge!(RAFT_LAST_LOG_INDEX, "Last appended Raft log index");
    metrics::describe_histogram!(PROPOSALS_PER_FSYNC, "Raft log appends made durable by one fsync");
    metrics::describe_counter!(LOG_FSYNCS, "Raft log fsyncs");
    metrics::describe_counter!(STATE_BYTES_WRITTEN, "Bytes applying committed entries wrote into the state");
    metrics::describe_counter!(LOG_BYTES_APPENDED, "Bytes of entries appended to the Raft log");
    metrics::describe_histogram!(PROPOSALS_PER_ENTRY, "Proposals committed together in one log entry");
    metrics::describe_counter!(CHECKPOINTS_WRITTEN, "Execution checkpoints written with a decision");
    metrics::describe_counter!(
        DECISIONS_NOT_COMMITTED,
        "Decisions of execution actors that did not commit as proposed and were retried"
    );
    metrics::describe_counter!(SNAPSHOTS_BUILT, "Snapshots of the state built by this node");
    metrics::describe_counter!(SNAPSHOTS_INSTALLED, "Snapshots received from the leader and installed");
    metrics::describe_gauge!(SNAPSHOT_BYTES, "Size in bytes of the last snapshot built or installed");
    metrics::describe_counter!(EXECUTION_LOG_DROPPED, "Execution log lines dropped because the writer fell behind");
}

/// The handles of one operation and result code: requests counted, latency.
type RequestHandles = (Counter, Histogram);

thread_local! {
    /// Each request thread's handles of the request counter and latency histogram, by operation and code,
    /// so that counting a request is an atomic add rather than a registry lookup.
    static REQUEST_HANDLES: RefCell<HashMap<(&'static str, &'static str), RequestHandles>> =
        RefCell::new(HashMap::new());
}

/// Counts one API request and records its latency. `code` is `None` for a success.
pub fn record_request(operation: &'static str, code: Option<&'static str>, started: Instant) {
    let code = code.unwrap_or("ok");
    let seconds = started.elapsed().as_secs_f64();
    REQUEST_HANDLES.with_borrow_mut(|handles| {
        let (requests, latency) = handles.entry((operation, code)).or_insert_with(|| {
            (
                metrics::counter!(API_REQUESTS, "operation" => operation, "code" => code),
                metrics::histogram!(API_LATENCY, "operation" => operation),
            )
        });
        requests.increment(1);
        latency.record(seconds);
    });
}

/// Values sampled from other components when the page is rendered.
pub struct Sample {
    pub open_executions: usize,
    pub open_tokens: usize,
    pub applied_index: Option<u64>,
    pub last_log_index: Option<u64>,
}

impl Sample {
    /// The values of `node` and its actors now.
    pub fn take(node: &crate::raft::RaftNode, executions: &crate::actors::ExecutionSupervisor) -> Sample {
        let raft = node.raft.metrics().borrow().clone();
        Sample {
            open_executions: executions.running(),
            open_tokens: executions.open_tokens(),
            applied_index: raft.last_applied.map(|l| l.index),
            last_log_index: raft.last_log_index,
        }
    }
}

/// Sets the sampled gauges and renders every metric in the Prometheus text format.
pub fn render(sample: &Sample) -> String {
    let handle = install();
    metrics::gauge!(OPEN_EXECUTIONS).set(sample.open_executions as f64);
    metrics::gauge!(OPEN_TOKENS).set(sample.open_tokens as f64);
    metrics::gauge!(RAFT_APPLIED_INDEX).set(sample.applied_index.unwrap_or(0) as f64);
    metrics::gauge!(RAFT_LAST_LOG_INDEX).set(sample.last_log_index.unwrap_or(0) as f64);
    handle.run_upkeep();
    handle.render()
}
