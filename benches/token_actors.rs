//! Task tokens at scale, through the same registry the server uses (an actor per token, a deadline wheel per
//! arbiter): memory per open token, heartbeats handled per second, and how late heartbeat timeouts fire when
//! every token expires within the same second. Run with `cargo bench --bench token_actors -- [TOKENS...]`
//! (default 100000 1000000).

use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use actix::Actor;
use actix::AsyncContext;
use actix::Context;
use actix::Handler;
use actix::Message;
use actix_rt::Arbiter;
use hdrhistogram::Histogram;
use statehouse::actors::HeartbeatOutcome;
use statehouse::actors::HeartbeatsExpired;
use statehouse::actors::TokenRegistry;
use statehouse::clock::now_ms;
use statehouse::engine::TaskSlot;

/// Tokens per simulated execution (the wheel reports expiries per execution).
const TOKENS_PER_EXECUTION: usize = 100;

/// Stands in for an execution actor: records how late each expiry came, in ms past its token's deadline (the
/// time just before its last heartbeat was sent, plus the window, so lateness is never understated).
struct Expiries {
    deadlines: Arc<Vec<AtomicI64>>,
    lateness: Arc<Mutex<Histogram<u64>>>,
}

impl Actor for Expiries {
    type Context = Context<Self>;
}

/// Opens the tokens `first..first + count` from the sink's own arbiter, as an execution actor opens its tokens.
#[derive(Message)]
#[rtype(result = "()")]
struct OpenTokens {
    registry: Arc<TokenRegistry>,
    names: Arc<Vec<String>>,
    first: usize,
    count: usize,
    heartbeat_seconds: u64,
}

impl Handler<OpenTokens> for Expiries {
    type Result = ();

    fn handle(&mut self, open: OpenTokens, ctx: &mut Context<Self>) {
        let recipient = Arc::new(ctx.address().recipient());
        for i in open.first..(open.first + open.count).min(open.names.len()) {
            open.registry.open(
                &open.names[i],
                TaskSlot(i as u64),
                recipient.clone(),
                Some(open.heartbeat_seconds),
                now_ms(),
            );
        }
    }
}

impl Handler<HeartbeatsExpired> for Expiries {
    type Result = ();

    fn handle(&mut self, expired: HeartbeatsExpired, _: &mut Context<Self>) {
        let now = now_ms();
        let mut lateness = self.lateness.lock().unwrap();
        for (slot, _) in expired.slots {
            let deadline = self.deadlines[slot.0 as usize].load(Ordering::Relaxed);
            lateness.record((now - deadline).max(0) as u64).unwrap();
        }
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

async fn run(tokens: usize, arbiters: &[Arbiter]) {
    let lateness = Arc::new(Mutex::new(Histogram::<u64>::new(3).unwrap()));
    let handles: Vec<_> = arbiters.iter().map(Arbiter::handle).collect();
    let heartbeat_seconds = 20;
    let names: Arc<Vec<String>> = Arc::new((0..tokens).map(|i| format!("token-{i:08}")).collect());
    let deadlines: Arc<Vec<AtomicI64>> = Arc::new((0..tokens).map(|_| AtomicI64::new(i64::MAX)).collect());
    let sinks: Vec<_> = (0..tokens.div_ceil(TOKENS_PER_EXECUTION))
        .map(|i| {
            let sink = Expiries { deadlines: deadlines.clone(), lateness: lateness.clone() };
            Expiries::start_in_arbiter(&handles[i % handles.len()], |_| sink)
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_bytes();
    let started = Instant::now();
    let registry = Arc::new(TokenRegistry::new(&handles));
    for (i, sink) in sinks.iter().enumerate() {
        sink.do_send(OpenTokens {
            registry: registry.clone(),
            names: names.clone(),
            first: i * TOKENS_PER_EXECUTION,
            count: TOKENS_PER_EXECUTION,
            heartbeat_seconds,
        });
    }
    while registry.len() < tokens {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let spawn = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let per_token = (rss_bytes().saturating_sub(before)) as f64 / tokens as f64;

    let rounds = 3;
    let started = Instant::now();
    for _ in 0..rounds {
        for (i, name) in names.iter().enumerate() {
            deadlines[i].store(now_ms() + heartbeat_seconds as i64 * 1000, Ordering::Relaxed);
            match registry.heartbeat(name, None) {
                HeartbeatOutcome::Accepted => {}
                other => panic!("heartbeat answered {other:?}"),
            }
        }
    }
    let elapsed = started.elapsed();
    let rate = (rounds * tokens) as f64 / elapsed.as_secs_f64();

    let wait_until = Instant::now() + Duration::from_secs(heartbeat_seconds + 30);
    while lateness.lock().unwrap().len() < tokens as u64 && Instant::now() < wait_until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let h = lateness.lock().unwrap();
    println!(
        "tokens={tokens} open={:.2}s memory_per_token={per_token:.0}B heartbeats_per_s={rate:.0} \
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
