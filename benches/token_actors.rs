//! Task token actors at scale: memory per open token, heartbeats handled per second, and how late
//! heartbeat timeouts fire. Run with `cargo bench --bench token_actors -- [TOKENS...]` (default 100000 1000000).

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use actix::Actor;
use actix::Context;
use actix::Handler;
use hdrhistogram::Histogram;
use statehouse::actors::Heartbeat;
use statehouse::actors::HeartbeatExpired;
use statehouse::actors::TaskTokenActor;
use statehouse::clock::now_ms;
use statehouse::engine::TaskSlot;

/// Receives expiry reports and records how late each came, in ms past its deadline.
struct Expiries {
    deadline_ms: Arc<Mutex<i64>>,
    lateness: Arc<Mutex<Histogram<u64>>>,
}

impl Actor for Expiries {
    type Context = Context<Self>;
}

impl Handler<HeartbeatExpired> for Expiries {
    type Result = ();

    fn handle(&mut self, _: HeartbeatExpired, _: &mut Context<Self>) {
        let late = (now_ms() - *self.deadline_ms.lock().unwrap()).max(0) as u64;
        self.lateness.lock().unwrap().record(late).unwrap();
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

async fn run(tokens: usize) {
    let deadline_ms = Arc::new(Mutex::new(i64::MAX));
    let lateness = Arc::new(Mutex::new(Histogram::<u64>::new(3).unwrap()));
    let sink = Expiries { deadline_ms: deadline_ms.clone(), lateness: lateness.clone() }.start().recipient();

    let before = rss_bytes();
    let heartbeat_seconds = 20;
    let started = Instant::now();
    let addrs: Vec<_> = (0..tokens)
        .map(|i| TaskTokenActor::new(TaskSlot(i as u64), sink.clone(), Some(heartbeat_seconds)).start())
        .collect();
    tokio::task::yield_now().await;
    let spawn = started.elapsed();
    let per_token = (rss_bytes().saturating_sub(before)) as f64 / tokens as f64;

    let rounds = 3;
    let started = Instant::now();
    let mut refused = 0u64;
    let mut last_round_ms = now_ms();
    for _ in 0..rounds {
        last_round_ms = now_ms();
        for addr in &addrs {
            if addr.try_send(Heartbeat).is_err() {
                refused += 1;
            }
        }
        for chunk in addrs.chunks(10_000) {
            futures::future::join_all(chunk.iter().map(|a| a.send(Heartbeat))).await;
        }
    }
    let elapsed = started.elapsed();
    let handled = (2 * rounds * tokens) as u64 - refused;
    let rate = handled as f64 / elapsed.as_secs_f64();

    // Every deadline is at least this late (the last round moved them), so lateness is never understated.
    *deadline_ms.lock().unwrap() = last_round_ms + heartbeat_seconds as i64 * 1000;
    let wait_until = Instant::now() + Duration::from_secs(heartbeat_seconds + 30);
    while lateness.lock().unwrap().len() < tokens as u64 && Instant::now() < wait_until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let h = lateness.lock().unwrap();
    println!(
        "tokens={tokens} spawn={:.2}s memory_per_token={per_token:.0}B heartbeats_per_s={rate:.0} refused={refused} \
         expired={} lateness_ms p50={} p99={} max={}",
        spawn.as_secs_f64(),
        h.len(),
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.99),
        h.max()
    );
    drop(h);
    drop(addrs);
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100_000, 1_000_000] } else { sizes };
    for tokens in sizes {
        actix::System::new().block_on(run(tokens));
    }
}
