//! The request loop every scenario shares: C workers, closed loop (each sends its next request when
//! the previous one answered) or open loop (request k is due at start + k/rate and its latency counts
//! from that due time, so a slow server cannot hide queueing delay), bounded by a duration and/or a
//! count, with a live progress line. Ctrl-C ends the run early; the report covers what ran until then.

use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use indicatif::ProgressBar;
use indicatif::ProgressStyle;

use super::client::CallError;
use super::report::Recorder;
use super::CommonArgs;

/// The default bound when neither `--duration` nor `--count` is given.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);

/// Runs `op(k, due)` for k = 0, 1, 2, ... on `common.concurrency` workers until the bounds are reached,
/// recording each outcome in `recorder`. `due` is when operation k should have started (open loop) or
/// did start (closed loop). `Ok(None)` records the time from `due` to the answer; `Ok(Some(d))` records
/// the operation's own measure `d` instead (e.g. from server timestamps).
pub async fn drive<F, Fut>(common: &CommonArgs, recorder: Arc<Recorder>, op: F)
where
    F: Fn(u64, Instant) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Duration>, CallError>> + Send,
{
    let bound =
        if common.duration.is_none() && common.count.is_none() { Some(DEFAULT_DURATION) } else { common.duration };
    let start = Instant::now();
    let deadline = bound.map(|d| start + d);
    let next = Arc::new(AtomicU64::new(0));
    let op = Arc::new(op);
    let progress = progress(common, recorder.clone(), bound);
    let interrupted = Arc::new(AtomicBool::new(false));
    let on_ctrl_c = {
        let interrupted = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::Relaxed);
            }
        })
    };
    let mut workers = Vec::with_capacity(common.concurrency);
    for _ in 0..common.concurrency.max(1) {
        let (op, next, recorder, interrupted) = (op.clone(), next.clone(), recorder.clone(), interrupted.clone());
        let (count, rate) = (common.count, common.rate);
        workers.push(tokio::spawn(async move {
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if count.is_some_and(|n| k >= n) {
                    break;
                }
                let due = match rate {
                    Some(rate) => start + Duration::from_secs_f64(k as f64 / rate),
                    None => Instant::now(),
                };
                if interrupted.load(Ordering::Relaxed) || deadline.is_some_and(|d| due >= d || Instant::now() >= d) {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                match op(k, due).await {
                    Ok(None) => recorder.ok(due.elapsed()),
                    Ok(Some(own)) => recorder.ok(own),
                    Err(e) => recorder.error(&e.code),
                }
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    on_ctrl_c.abort();
    progress.finish_and_clear();
}

fn progress(common: &CommonArgs, recorder: Arc<Recorder>, bound: Option<Duration>) -> ProgressBar {
    if common.quiet {
        return ProgressBar::hidden();
    }
    let bar = match common.count {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner()
            .with_style(ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}").expect("valid template")),
    };
    let ticker = bar.clone();
    let limit = bound.map(|d| format!(" of {}s", d.as_secs())).unwrap_or_default();
    tokio::spawn(async move {
        let mut last = (Instant::now(), 0u64);
        while !ticker.is_finished() {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let (ops, now) = (recorder.ops(), Instant::now());
            let rate = (ops - last.1) as f64 / now.duration_since(last.0).as_secs_f64().max(1e-6);
            last = (now, ops);
            ticker.set_position(ops);
            ticker.set_message(format!(
                "{ops} ok  {rate:.0}/s  {} errors  ({:.0}s{limit})",
                recorder.errors(),
                recorder.elapsed().as_secs_f64()
            ));
        }
    });
    bar
}
