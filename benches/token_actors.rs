//! Task tokens at scale, through the same registry the server uses (an actor per token, a deadline wheel per
//! arbiter): memory per open token, heartbeats handled per second, and how late heartbeat timeouts fire when
//! every token expires within the same second. Run with `cargo bench --bench token_actors -- [TOKENS...]`
//! (default 100000 1000000).

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use actix::Actor;
use actix::Context;
use actix::Handler;
use actix_rt::Arbiter;
use hdrhistogram::Histogram;
use statehouse::actors::HeartbeatOutcome;
use statehouse::actors::HeartbeatsExpired;
use statehouse::actors::TokenRegistry;
use statehouse::clock::now_ms;
use statehouse::engine::TaskSlot;

/// Tokens per simulated execution (the wheel reports expiries per execution).
const TOKENS_PER_EXECUTION: usize = 100;

/// Stands in for an execution actor: records how late each expiry came, in ms past its deadline.
struct Expiries {
    deadline_ms: Arc<Mutex<i64>>,
    lateness: Arc<Mutex<Histogram<u64>>>,
}

impl Actor for Expiries {
    type Context = Context<Self>;
}

impl Handler<HeartbeatsExpired> for Expiries {
    type Result = ();

    fn handle(&mut self, expired: HeartbeatsExpired, _: &mut Context<Self>) {
        let late = (now_ms() - *self.deadline_ms.lock().unwrap()).max(0) as u64;
        let mut lateness = self.lateness.lock().unwrap();
        for _ in expired.slots {
            lateness.record(late).unwrap();
        }
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

async fn run(tokens: usize, arbiters: &[Arbiter]) {
    let deadline_ms = Arc::new(Mutex::new(i64::MAX));
    let lateness = Arc::new(Mutex::new(Histogram::<u64>::new(3).unwrap()));
    let handles: Vec<_> = arbiters.iter().map(Arbiter::handle).collect();
    let sinks: Vec<_> = (0..tokens.div_ceil(TOKENS_PER_EXECUTION))
        .map(|i| {
            let sink = Expiries { deadline_ms: deadline_ms.clone(), lateness: lateness.clone() };
            Expiries::start_in_arbiter(&handles[i % handles.len()], |_| sink).recipient()
        })
        .collect();

    let before = rss_bytes();
    let heartbeat_seconds = 20;
    let started = Instant::now();
    let registry = TokenRegistry::new(&handles);
    let names: Vec<String> = (0..tokens).map(|i| format!("token-{i:08}")).collect();
    for (i, name) in names.iter().enumerate() {
        registry.open(name, TaskSlot(i as u64), sinks[i / TOKENS_PER_EXECUTION].clone(), Some(heartbeat_seconds));
    }
    let spawn = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let per_token = (rss_bytes().saturating_sub(before)) as f64 / tokens as f64;

    let rounds = 3;
    let started = Instant::now();
    let mut throttled = 0u64;
    let mut last_round_ms = now_ms();
    for _ in 0..rounds {
        last_round_ms = now_ms();
        for name in &names {
            match registry.heartbeat(name) {
                HeartbeatOutcome::Accepted => {}
                HeartbeatOutcome::Throttled => {
                    throttled += 1;
                    tokio::task::yield_now().await;
                }
                other => panic!("heartbeat answered {other:?}"),
            }
        }
    }
    let elapsed = started.elapsed();
    let rate = (rounds * tokens) as f64 / elapsed.as_secs_f64();

    // Every deadline is at least this late (the last round moved them), so lateness is never understated.
    *deadline_ms.lock().unwrap() = last_round_ms + heartbeat_seconds as i64 * 1000;
    let wait_until = Instant::now() + Duration::from_secs(heartbeat_seconds + 30);
    while lateness.lock().unwrap().len() < tokens as u64 && Instant::now() < wait_until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let h = lateness.lock().unwrap();
    println!(
        "tokens={tokens} open={:.2}s memory_per_token={per_token:.0}B heartbeats_per_s={rate:.0} throttled={throttled} \
         expired={} lateness_ms p50={} p99={} max={}",
        spawn.as_secs_f64(),
        h.len(),
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.99),
        h.max()
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100_000, 1_000_000] } else { sizes };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    for tokens in sizes {
        actix::System::new().block_on(async move {
            let arbiters: Vec<Arbiter> = (0..cores).map(|_| Arbiter::new()).collect();
            run(tokens, &arbiters).await;
            for arbiter in arbiters {
                arbiter.stop();
            }
        });
    }
}
