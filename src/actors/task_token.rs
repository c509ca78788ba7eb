//! `TaskTokenActor`: one per outstanding, started task token. It owns the token's heartbeat deadline, a
//! [`TokenDeadline`] cell that a heartbeat moves with one atomic update (no message, no timer work, no log
//! write), and that keeps the worker's last heartbeat details in memory. The arbiter's [`DeadlineWheel`]
//! watches the deadline and reports it to the execution when it passes; the execution's actor writes
//! `ActivityTimedOut`/`TaskTimedOut` into the replicated history, retrying until it commits. The actor ends
//! the token when the task closes, or, when the task was abandoned, after the worker has had a window to
//! hear that it should cancel.
//!
//! [`DeadlineWheel`]: super::deadline_wheel::DeadlineWheel

use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use actix::ActorContext;
use actix::AsyncContext;
use actix::Context;
use actix::Handler;
use actix::Message;

use super::deadline_wheel::TokenDeadline;

/// One outstanding task token.
pub struct TaskTokenActor {
    deadline: Arc<TokenDeadline>,
}

/// The task closed: the token is no longer valid.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Close;

/// The task was abandoned: keep answering that a cancel is requested for `linger`, then run `forget` (which
/// takes the token out of the registry) and end.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Linger {
    pub linger: Duration,
    pub forget: Box<dyn FnOnce() + Send>,
}

impl TaskTokenActor {
    /// The actor of a token whose deadline is `deadline`.
    pub fn new(deadline: Arc<TokenDeadline>) -> TaskTokenActor {
        TaskTokenActor { deadline }
    }
}

impl Actor for TaskTokenActor {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.deadline.end();
    }
}

impl Handler<Close> for TaskTokenActor {
    type Result = ();

    fn handle(&mut self, _: Close, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<Linger> for TaskTokenActor {
    type Result = ();

    fn handle(&mut self, linger: Linger, ctx: &mut Context<Self>) {
        let forget = linger.forget;
        ctx.run_later(linger.linger, move |_, ctx| {
            forget();
            ctx.stop();
        });
    }
}
