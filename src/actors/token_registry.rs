//! The open task tokens of this node: one `TaskTokenActor` per started token, on the arbiter of the execution
//! that opened it (or the next arbiter in turn), each arbiter with a `DeadlineWheel` that watches the
//! deadlines of the tokens placed on it. A token whose task was abandoned stays known for a while, answering
//! that a cancel is requested, so that its worker learns to stop.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use actix::Addr;
use actix::Recipient;
use actix_rt::ArbiterHandle;
use dashmap::DashMap;

use super::deadline_wheel::local_wheel;
use super::deadline_wheel::DeadlineWheel;
use super::deadline_wheel::TokenDeadline;
use super::deadline_wheel::Watch;
use super::execution::HeartbeatsExpired;
use super::task_token::Close;
use super::task_token::Linger;
use super::task_token::TaskTokenActor;
use crate::clock::now_ms;
use crate::engine::TaskSlot;

/// What became of a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatOutcome {
    /// The token's deadline moved.
    Accepted,
    /// The task was abandoned: its worker should cancel it (the deadline no longer matters).
    CancelRequested,
    /// The token timed out or closed.
    Ended,
    /// No started token of that name on this node.
    Unknown,
}

/// The least time an abandoned task's token answers that a cancel is requested (when its window is shorter
/// or it has none).
pub const MIN_CANCEL_LINGER: Duration = Duration::from_secs(60);

type Tokens = DashMap<TokenKey, (Addr<TaskTokenActor>, Arc<TokenDeadline>)>;

/// A token as the registry keys it: 128 bits of its SHA-256 digest (tokens are a few hundred bytes long).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TokenKey([u8; 16]);

impl TokenKey {
    fn of(token: &str) -> TokenKey {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(token.as_bytes());
        TokenKey(digest[..16].try_into().expect("a SHA-256 digest has 32 bytes"))
    }
}

/// The started tokens of this node.
pub struct TokenRegistry {
    tokens: Arc<Tokens>,
    places: Vec<(ArbiterHandle, Addr<DeadlineWheel>)>,
    next_place: AtomicUsize,
}

impl TokenRegistry {
    /// A registry placing tokens on `arbiters`, with a deadline wheel started on each.
    pub fn new(arbiters: &[ArbiterHandle]) -> TokenRegistry {
        let places = arbiters
            .iter()
            .map(|arbiter| (arbiter.clone(), DeadlineWheel::start_in_arbiter(arbiter, |_| DeadlineWheel::default())))
            .collect();
        TokenRegistry { tokens: Arc::default(), places, next_place: AtomicUsize::new(0) }
    }

    /// Starts the actor of a started token, with a fresh heartbeat window from `window_from_ms` (epoch ms);
    /// `execution` hears when the window passes without a heartbeat. Opening a token that is open already
    /// changes nothing.
    pub fn open(
        &self,
        token: &str,
        slot: TaskSlot,
        execution: Arc<Recipient<HeartbeatsExpired>>,
        heartbeat_seconds: Option<u64>,
        window_from_ms: i64,
    ) {
        let dashmap::Entry::Vacant(vacant) = self.tokens.entry(TokenKey::of(token)) else { return };
        let window_seconds = heartbeat_seconds.map_or(0, |s| u32::try_from(s).unwrap_or(u32::MAX));
        let deadline = Arc::new(TokenDeadline::new(window_from_ms, window_seconds));
        let actor = TaskTokenActor::new(deadline.clone());
        // On an arbiter (an execution actor's thread) the token stays there, with that arbiter's wheel;
        // from elsewhere it goes to the next arbiter in turn.
        let (addr, wheel) = match local_wheel() {
            Some(wheel) => (actor.start(), wheel),
            None => {
                let (arbiter, wheel) =
                    &self.places[self.next_place.fetch_add(1, Ordering::Relaxed) % self.places.len()];
                (TaskTokenActor::start_in_arbiter(arbiter, move |_| actor), wheel.clone())
            }
        };
        if heartbeat_seconds.is_some() {
            wheel.do_send(Watch { deadline: deadline.clone(), slot, execution });
        }
        vacant.insert((addr, deadline));
    }

    /// A heartbeat for `token`: moves the deadline its actor owns and keeps `details` (if given) as the last.
    pub fn heartbeat(&self, token: &str, details: Option<&str>) -> HeartbeatOutcome {
        let Some(entry) = self.tokens.get(&TokenKey::of(token)) else {
            return HeartbeatOutcome::Unknown;
        };
        let deadline = &entry.1;
        if deadline.has_ended() {
            return HeartbeatOutcome::Ended;
        }
        if deadline.cancel_requested() {
            return HeartbeatOutcome::CancelRequested;
        }
        deadline.heartbeat(now_ms(), details);
        HeartbeatOutcome::Accepted
    }

    /// Ends a token: later heartbeats and completions get TaskTimedOut.
    pub fn close(&self, token: &str) {
        if let Some((_, (addr, deadline))) = self.tokens.remove(&TokenKey::of(token)) {
            deadline.end();
            addr.do_send(Close);
        }
    }

    /// The task of `token` was abandoned: for its heartbeat window (at least [`MIN_CANCEL_LINGER`]) heartbeats
    /// answer [`HeartbeatOutcome::CancelRequested`] and [`TokenRegistry::cancelled`] is accepted; then the token
    /// is forgotten.
    pub fn request_cancel(&self, token: &str) {
        let key = TokenKey::of(token);
        let Some((addr, deadline)) = self.tokens.get(&key).map(|entry| entry.clone()) else { return };
        if !deadline.request_cancel() {
            return;
        }
        let linger = MIN_CANCEL_LINGER.max(Duration::from_millis(deadline.window_ms() as u64));
        let tokens = Arc::downgrade(&self.tokens);
        let forget = Box::new(move || {
            if let Some(tokens) = tokens.upgrade() {
                tokens.remove_if(&key, |_, (_, held)| Arc::ptr_eq(held, &deadline));
            }
        });
        addr.do_send(Linger { linger, forget });
    }

    /// The worker of `token` reports that it cancelled the task: accepted (and the token forgotten) while a
    /// cancel is requested; otherwise the token's state, unchanged.
    pub fn cancelled(&self, token: &str) -> HeartbeatOutcome {
        let key = TokenKey::of(token);
        let removed = self.tokens.remove_if(&key, |_, (_, deadline)| deadline.cancel_requested());
        if let Some((_, (addr, deadline))) = removed {
            deadline.end();
            addr.do_send(Close);
            return HeartbeatOutcome::CancelRequested;
        }
        match self.tokens.get(&key) {
            Some(entry) if entry.1.has_ended() => HeartbeatOutcome::Ended,
            Some(_) => HeartbeatOutcome::Accepted,
            None => HeartbeatOutcome::Unknown,
        }
    }

    /// Started tokens outstanding on this node.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether no token is outstanding.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}
