//! `DeadlineWheel`: one per arbiter, it watches task tokens' heartbeat deadlines. Each `TaskTokenActor` owns
//! its deadline (a [`TokenDeadline`] that heartbeats move); the wheel files it in a bucket of its due time,
//! looks again when the bucket comes due, files it anew if a heartbeat moved it, and otherwise reports it
//! expired, with the worker's last heartbeat details. Expiries leave the wheel in batches, one message per
//! execution. No token arms a timer of its own.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::atomic::AtomicI64;
use std::sync::atomic::AtomicU8;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use actix::AsyncContext;
use actix::Context;
use actix::Handler;
use actix::Message;
use actix::Recipient;
use arc_swap::ArcSwapOption;

use super::execution::HeartbeatsExpired;
use crate::clock::now_ms;
use crate::engine::TaskSlot;

thread_local! {
    /// The wheel of the arbiter this thread runs, once it has started.
    static LOCAL_WHEEL: std::cell::RefCell<Option<actix::Addr<DeadlineWheel>>> = const { std::cell::RefCell::new(None) };
}

/// The wheel of the arbiter the caller runs on, if it has one.
pub fn local_wheel() -> Option<actix::Addr<DeadlineWheel>> {
    LOCAL_WHEEL.with(|wheel| wheel.borrow().clone())
}

/// The wheel's resolution: a deadline fires at most this late (plus the time to deliver it).
const TICK: Duration = Duration::from_millis(10);

/// A token's heartbeat deadline and the worker's last heartbeat details, shared by its actor (which moves
/// the deadline) and the wheel (which watches it).
#[derive(Debug)]
pub struct TokenDeadline {
    due_ms: AtomicI64,
    /// The `details` of the last heartbeat that carried some; kept in memory only, never logged. One pointer
    /// wide, so that a token without details costs no more than before.
    details: ArcSwapOption<String>,
    /// The heartbeat window (HeartbeatSeconds); 0 for a token without one.
    window_seconds: u32,
    /// [`OPEN`], [`CANCEL_REQUESTED`] or [`ENDED`].
    phase: AtomicU8,
}

/// The task is open: heartbeats move the deadline.
const OPEN: u8 = 0;
/// The task was abandoned: the worker is asked to cancel; the deadline no longer matters.
const CANCEL_REQUESTED: u8 = 1;
/// The token closed or expired.
const ENDED: u8 = 2;

impl TokenDeadline {
    /// A heartbeat window of `window_seconds` (0: none) starting at `now_ms`.
    pub fn new(now_ms: i64, window_seconds: u32) -> TokenDeadline {
        TokenDeadline {
            due_ms: AtomicI64::new(now_ms + i64::from(window_seconds) * 1000),
            details: ArcSwapOption::empty(),
            window_seconds,
            phase: AtomicU8::new(OPEN),
        }
    }

    /// A heartbeat at `now_ms`: the window starts again (a deadline never moves earlier); `details`, if
    /// given, replace the last ones.
    pub fn heartbeat(&self, now_ms: i64, details: Option<&str>) {
        if self.window_seconds > 0 {
            self.due_ms.fetch_max(now_ms + self.window_ms(), Ordering::Relaxed);
        }
        if let Some(details) = details {
            self.details.store(Some(Arc::new(details.to_string())));
        }
    }

    /// The heartbeat window in ms (0: none).
    pub fn window_ms(&self) -> i64 {
        i64::from(self.window_seconds) * 1000
    }

    /// The task was abandoned: the worker is asked to cancel. False if the token was not open.
    pub fn request_cancel(&self) -> bool {
        self.phase.compare_exchange(OPEN, CANCEL_REQUESTED, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    /// Whether the worker is being asked to cancel.
    pub fn cancel_requested(&self) -> bool {
        self.phase.load(Ordering::Relaxed) == CANCEL_REQUESTED
    }

    /// The token closed or expired: the wheel forgets it.
    pub fn end(&self) {
        self.phase.store(ENDED, Ordering::Relaxed);
    }

    /// Whether the token closed or expired.
    pub fn has_ended(&self) -> bool {
        self.phase.load(Ordering::Relaxed) == ENDED
    }

    /// Whether heartbeats still move the deadline.
    fn is_open(&self) -> bool {
        self.phase.load(Ordering::Relaxed) == OPEN
    }

    /// Takes the last heartbeat details.
    fn take_details(&self) -> Option<String> {
        let details = self.details.swap(None)?;
        Some(Arc::try_unwrap(details).unwrap_or_else(|shared| shared.as_ref().clone()))
    }

    fn due_ms(&self) -> i64 {
        self.due_ms.load(Ordering::Relaxed)
    }
}

/// An expired task and its worker's last heartbeat details.
type Expired = (TaskSlot, Option<String>);

/// Watch a deadline; report the slot to `execution` when it passes.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Watch {
    pub deadline: Arc<TokenDeadline>,
    pub slot: TaskSlot,
    /// Shared by the tokens of one execution.
    pub execution: Arc<Recipient<HeartbeatsExpired>>,
}

/// The deadlines of one arbiter's tokens, by the tick they come due.
#[derive(Default)]
pub struct DeadlineWheel {
    buckets: BTreeMap<i64, Vec<Watch>>,
}

fn bucket_of(due_ms: i64) -> i64 {
    due_ms.div_euclid(TICK.as_millis() as i64)
}

impl DeadlineWheel {
    /// Files a deadline in the bucket of its due time, but never in a bucket before `earliest`.
    fn file(&mut self, watch: Watch, earliest: i64) {
        let bucket = bucket_of(watch.deadline.due_ms()).max(earliest);
        self.buckets.entry(bucket).or_default().push(watch);
    }

    /// Looks at every deadline whose bucket is due: files moved ones anew, reports expired ones per execution.
    fn tick(&mut self) {
        let now = now_ms();
        let next = bucket_of(now) + 1;
        let mut expired: HashMap<Arc<Recipient<HeartbeatsExpired>>, Vec<Expired>> = HashMap::new();
        while let Some(entry) = self.buckets.first_entry() {
            if *entry.key() > bucket_of(now) {
                break;
            }
            for watch in entry.remove() {
                if !watch.deadline.is_open() {
                    continue;
                }
                if watch.deadline.due_ms() > now {
                    self.file(watch, next);
                    continue;
                }
                watch.deadline.end();
                let details = watch.deadline.take_details();
                expired.entry(watch.execution).or_default().push((watch.slot, details));
            }
        }
        for (execution, slots) in expired {
            metrics::counter!(crate::metrics::TIMEOUTS_FIRED).increment(slots.len() as u64);
            execution.do_send(HeartbeatsExpired { slots });
        }
    }
}

impl Actor for DeadlineWheel {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let addr = ctx.address();
        LOCAL_WHEEL.with(|wheel| *wheel.borrow_mut() = Some(addr));
        ctx.run_interval(TICK, |wheel, _| wheel.tick());
    }
}

impl Handler<Watch> for DeadlineWheel {
    type Result = ();

    fn handle(&mut self, watch: Watch, _: &mut Context<Self>) {
        self.file(watch, i64::MIN);
    }
}
