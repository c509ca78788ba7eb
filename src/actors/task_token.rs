//! `TaskTokenActor`: one per outstanding, started task token. It owns the token's heartbeat deadline: a
//! heartbeat is a message that moves it (no timer work, no log write). The arbiter's [`DeadlineWheel`]
//! watches the deadline and reports it to the execution when it passes; the execution's actor writes
//! `ActivityTimedOut`/`TaskTimedOut` into the replicated history, retrying until it commits.
//!
//! [`DeadlineWheel`]: super::deadline_wheel::DeadlineWheel

use std::sync::Arc;

use actix::Actor;
use actix::ActorContext;
use actix::Context;
use actix::Handler;
use actix::Message;

use super::deadline_wheel::TokenDeadline;
use crate::clock::now_ms;

/// Messages a token actor may have queued before it answers ThrottlingException.
pub const TOKEN_MAILBOX: usize = 16;

/// One outstanding task token.
pub struct TaskTokenActor {
    deadline: Arc<TokenDeadline>,
    heartbeat_ms: Option<i64>,
}

/// SendTaskHeartbeat.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Heartbeat;

/// The task closed: the token is no longer valid.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Close;

impl TaskTokenActor {
    /// A token whose heartbeat window (if any) started when `deadline` was set.
    pub fn new(deadline: Arc<TokenDeadline>, heartbeat_seconds: Option<u64>) -> TaskTokenActor {
        TaskTokenActor { deadline, heartbeat_ms: heartbeat_seconds.map(|s| s as i64 * 1000) }
    }
}

impl Actor for TaskTokenActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(TOKEN_MAILBOX);
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.deadline.end();
    }
}

impl Handler<Heartbeat> for TaskTokenActor {
    type Result = ();

    fn handle(&mut self, _: Heartbeat, _ctx: &mut Context<Self>) {
        if let Some(heartbeat) = self.heartbeat_ms {
            self.deadline.extend_to(now_ms() + heartbeat);
        }
    }
}

impl Handler<Close> for TaskTokenActor {
    type Result = ();

    fn handle(&mut self, _: Close, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
