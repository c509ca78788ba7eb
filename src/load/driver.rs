//! The request loop every scenario shares. Generator threads (one per core unless told otherwise) each
//! run a single-threaded runtime with their share of the workers, and every worker owns one keep-alive
//! connection, so the loop shares no pool, lock or task hand-off between workers. Closed loop: a worker
//! sends its next operation when the previous one answered. Open loop: operation k is due at
//! start + k/rate and its latency counts from that due time, so a slow server cannot hide queueing
//! delay. The run ends at its duration, count or a stop request; calls an operation would make after
//! that are cut off and counted apart from errors.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use super::call_error::CallError;
use super::client::SfnClient;
use super::connection::Connection;
use super::pacing::Pacing;
use super::report::Recorder;
use super::run_stop::RunStop;

/// Runs `op(connection, k, due)` for k = 0, 1, 2, ... on `pacing.concurrency` workers until the run
/// ends, recording each outcome in `recorder` (whose start is the run's start). `due` is when operation k
/// should have started (open loop) or did start (closed loop). `Ok(None)` records the time from `due` to
/// the answer; `Ok(Some(d))` records the operation's own measure `d` instead (e.g. from server
/// timestamps). Setting `stop_requested` ends the run early.
pub async fn drive<F>(
    client: &SfnClient,
    pacing: &Pacing,
    stop_requested: Arc<AtomicBool>,
    recorder: Arc<Recorder>,
    op: F,
) -> Result<(), String>
where
    F: AsyncFn(&mut Connection, u64, Instant) -> Result<Option<Duration>, CallError> + Send + Sync + 'static,
{
    let start = recorder.started();
    let stop = RunStop::new(pacing.bound().map(|d| start + d), stop_requested);
    let plan = Arc::new(Plan { start, rate: pacing.rate, count: pacing.count, next: AtomicU64::new(0), stop });
    let op = Arc::new(op);
    let threads = pacing.threads();
    let mut finished = Vec::with_capacity(threads);
    for thread in 0..threads {
        let connections: Vec<Connection> = (thread..pacing.concurrency)
            .step_by(threads)
            .map(|worker| client.connection(worker).until(plan.stop.clone()))
            .collect();
        let (plan, op, recorder) = (plan.clone(), op.clone(), recorder.clone());
        let (done, finished_here) = tokio::sync::oneshot::channel::<()>();
        finished.push(finished_here);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a generator runtime: {e}"))?;
        std::thread::Builder::new()
            .name(format!("load-{thread}"))
            .spawn(move || {
                let workers = connections.into_iter().map(|c| worker(c, &*op, &plan, &recorder));
                runtime.block_on(futures::future::join_all(workers));
                let _ = done.send(());
            })
            .map_err(|e| format!("cannot start a generator thread: {e}"))?;
    }
    for finished_here in finished {
        let _ = finished_here.await;
    }
    recorder.finish();
    Ok(())
}

/// What the workers of one run share.
struct Plan {
    start: Instant,
    rate: Option<f64>,
    count: Option<u64>,
    next: AtomicU64,
    stop: RunStop,
}

async fn worker<F>(mut connection: Connection, op: &F, plan: &Plan, recorder: &Recorder)
where
    F: AsyncFn(&mut Connection, u64, Instant) -> Result<Option<Duration>, CallError>,
{
    loop {
        let k = plan.next.fetch_add(1, Ordering::Relaxed);
        if plan.count.is_some_and(|n| k >= n) {
            break;
        }
        let now = Instant::now();
        let due = match plan.rate {
            Some(rate) => plan.start + Duration::from_secs_f64(k as f64 / rate),
            None => now,
        };
        if plan.stop.reached_at(due.max(now)) {
            break;
        }
        if due > now {
            tokio::time::sleep_until(due.into()).await;
        }
        match op(&mut connection, k, due).await {
            Ok(None) => recorder.ok(due.elapsed()),
            Ok(Some(own)) => recorder.ok(own),
            Err(e) if e.is_cut_off() => recorder.cut_off(),
            Err(e) => recorder.error(&e.code),
        }
    }
}
