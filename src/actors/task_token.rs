//! `TaskTokenActor`: one per outstanding, started task token. It owns the heartbeat deadline: a heartbeat
//! is a message that moves the deadline (no timer work, no log write); one timer stays armed and, when it
//! fires, re-checks the deadline and re-arms if it moved. On expiry it reports `HeartbeatTimedOut` to the
//! execution, whose actor writes `ActivityTimedOut`/`TaskTimedOut` into the replicated history.

use std::time::Duration;

use actix::Actor;
use actix::ActorContext;
use actix::AsyncContext;
use actix::Context;
use actix::Handler;
use actix::Message;
use actix::Recipient;

use super::execution::HeartbeatExpired;
use crate::clock::now_ms;
use crate::engine::TaskSlot;

/// Messages a token actor may have queued before it answers ThrottlingException.
pub const TOKEN_MAILBOX: usize = 16;

/// One outstanding task token.
pub struct TaskTokenActor {
    slot: TaskSlot,
    execution: Recipient<HeartbeatExpired>,
    heartbeat: Option<Duration>,
    deadline_ms: i64,
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
    /// A token whose heartbeat window (if any) starts now.
    pub fn new(
        slot: TaskSlot,
        execution: Recipient<HeartbeatExpired>,
        heartbeat_seconds: Option<u64>,
    ) -> TaskTokenActor {
        let heartbeat = heartbeat_seconds.map(Duration::from_secs);
        let deadline_ms = now_ms() + heartbeat.map_or(0, |h| h.as_millis() as i64);
        TaskTokenActor { slot, execution, heartbeat, deadline_ms }
    }

    fn arm(&self, ctx: &mut Context<Self>) {
        let delay = Duration::from_millis((self.deadline_ms - now_ms()).max(0) as u64);
        ctx.run_later(delay, |act, ctx| {
            if now_ms() >= act.deadline_ms {
                act.execution.do_send(HeartbeatExpired { slot: act.slot });
                ctx.stop();
            } else {
                act.arm(ctx);
            }
        });
    }
}

impl Actor for TaskTokenActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(TOKEN_MAILBOX);
        if self.heartbeat.is_some() {
            self.arm(ctx);
        }
    }
}

impl Handler<Heartbeat> for TaskTokenActor {
    type Result = ();

    fn handle(&mut self, _: Heartbeat, _ctx: &mut Context<Self>) {
        if let Some(heartbeat) = self.heartbeat {
            self.deadline_ms = self.deadline_ms.max(now_ms() + heartbeat.as_millis() as i64);
        }
    }
}

impl Handler<Close> for TaskTokenActor {
    type Result = ();

    fn handle(&mut self, _: Close, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
