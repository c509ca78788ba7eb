//! `ExecutionActor`: drives one STANDARD execution. It runs the pure `engine::step`, proposes the events
//! (fenced by the next event id), and applies the effects only after they commit.

use std::sync::Arc;
use std::sync::Weak;
use std::time::Duration;

use actix::fut::wrap_future;
use actix::Actor;
use actix::ActorContext;
use actix::ActorFutureExt;
use actix::AsyncContext;
use actix::AtomicResponse;
use actix::Context;
use actix::Handler;
use actix::Message;

use super::ExecutionSupervisor;
use crate::asl::Definition;
use crate::aws_error::AwsError;
use crate::clock::now_ms;
use crate::engine;
use crate::engine::Effect;
use crate::engine::ExecutionState;
use crate::engine::Input;
use crate::engine::TimerId;
use crate::history::StoredEvent;
use crate::raft::Command;
use crate::raft::EventAppend;
use crate::raft::ExecutionClose;
use crate::raft::RaftNode;
use crate::store::ExecutionStatus;

/// How long to wait before retrying a step whose proposal did not commit.
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// One open execution.
pub struct ExecutionActor {
    arn: String,
    node: RaftNode,
    definition: Arc<Definition>,
    state: ExecutionState,
    next_event_id: u64,
    timers: Vec<(TimerId, i64)>,
    supervisor: Weak<ExecutionSupervisor>,
    closed_at: Option<i64>,
}

/// StopExecution: abort the execution, answering with the stop time.
#[derive(Message)]
#[rtype(result = "Result<i64, AwsError>")]
pub struct Stop {
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// What a proposal attempt left behind: the state to roll back to, and whether it committed.
struct Attempt {
    state_before: ExecutionState,
    timers_before: Vec<(TimerId, i64)>,
    next_before: u64,
    result: Result<Committed, AwsError>,
}

/// A committed step: the outcome of proposing one step's events.
struct Committed {
    effects: Vec<Effect>,
    /// The stop time recorded when this step closed the execution.
    stop_ms: Option<i64>,
}

impl ExecutionActor {
    /// An actor for an execution in the given committed state.
    pub fn new(
        arn: String,
        node: RaftNode,
        definition: Arc<Definition>,
        state: ExecutionState,
        next_event_id: u64,
        timers: Vec<(TimerId, i64)>,
        supervisor: Weak<ExecutionSupervisor>,
    ) -> ExecutionActor {
        ExecutionActor {
            arn,
            node,
            definition,
            state,
            next_event_id,
            timers,
            supervisor,
            closed_at: None,
        }
    }

    /// Runs one engine step on `input` and proposes its events; effects apply once committed. On a failed
    /// proposal the state rolls back and the same input is retried.
    fn advance(&mut self, ctx: &mut Context<Self>, input: Input) {
        let fut = self.step_and_propose(input.clone());
        ctx.wait(wrap_future::<_, Self>(fut).map(move |result, act, ctx| act.after_commit(ctx, Some(input), result)));
    }

    fn step_and_propose(&mut self, input: Input) -> impl std::future::Future<Output = Attempt> + 'static {
        let (state_before, timers_before, next_before) = (self.state.clone(), self.timers.clone(), self.next_event_id);
        let now = now_ms();
        if let Input::TimerFired { timer } = &input {
            self.timers.retain(|(t, _)| t != timer);
        }
        let step = engine::step(&self.definition, &mut self.state, input, now);
        let events: Vec<StoredEvent> = step
            .events
            .iter()
            .map(|draft| StoredEvent {
                id: draft.id,
                previous_event_id: draft.previous_event_id,
                timestamp_ms: now,
                event_type: draft.event_type.as_str().to_string(),
                details: draft
                    .event_type
                    .details_member()
                    .zip(draft.details.as_ref())
                    .map(|(m, d)| (m.to_string(), d.to_string())),
            })
            .collect();
        let mut close = None;
        for effect in &step.effects {
            match effect {
                Effect::ArmTimer { timer, due_ms } => self.timers.push((*timer, *due_ms)),
                Effect::Finished {
                    status,
                    output,
                    error,
                    cause,
                } => {
                    close = Some(ExecutionClose {
                        status: ExecutionStatus::parse(status.as_str()).unwrap_or(ExecutionStatus::Failed),
                        stop_ms: now,
                        output: output.clone(),
                        error: error.clone(),
                        cause: cause.clone(),
                    });
                }
            }
        }
        let append = EventAppend {
            execution_arn: self.arn.clone(),
            expected_next_event_id: self.next_event_id,
            events,
            engine_state: serde_json::to_string(&self.state).unwrap_or_default(),
            timers: self
                .timers
                .iter()
                .map(|(t, due)| (serde_json::to_string(t).unwrap_or_default(), *due))
                .collect(),
            close,
        };
        let appended = append.events.len() as u64;
        let stop_ms = append.close.as_ref().map(|c| c.stop_ms);
        self.next_event_id += appended;
        let node = self.node.clone();
        let arn = self.arn.clone();
        let effects = step.effects;
        async move {
            let result = node
                .propose(&arn, Command::AppendEvents { append })
                .await
                .map(|_| Committed { effects, stop_ms });
            Attempt {
                state_before,
                timers_before,
                next_before,
                result,
            }
        }
    }

    fn after_commit(&mut self, ctx: &mut Context<Self>, retry: Option<Input>, attempt: Attempt) {
        let Attempt {
            state_before,
            timers_before,
            next_before,
            result,
        } = attempt;
        match result {
            Ok(committed) => {
                for effect in committed.effects {
                    match effect {
                        Effect::ArmTimer { timer, due_ms } => self.arm(ctx, timer, due_ms),
                        Effect::Finished { .. } => {
                            self.closed_at = committed.stop_ms;
                            if let Some(supervisor) = self.supervisor.upgrade() {
                                supervisor.finished(&self.arn);
                            }
                            ctx.stop();
                        }
                    }
                }
            }
            Err(error) => {
                tracing::warn!(execution = %self.arn, error = %error.message, "step did not commit; retrying");
                self.state = state_before;
                self.timers = timers_before;
                self.next_event_id = next_before;
                if self.reload_if_moved_on() {
                    return;
                }
                if let Some(input) = retry {
                    ctx.run_later(RETRY_DELAY, move |act, ctx| act.advance(ctx, input));
                }
            }
        }
    }

    /// After a rejected proposal: if the committed execution is ahead of this actor or closed, stop.
    fn reload_if_moved_on(&mut self) -> bool {
        match self.node.store.execution(&self.arn) {
            Ok(Some(record)) if record.stop_ms.is_none() && record.next_event_id == self.next_event_id => false,
            _ => {
                if let Some(supervisor) = self.supervisor.upgrade() {
                    supervisor.finished(&self.arn);
                }
                true
            }
        }
    }

    fn arm(&mut self, ctx: &mut Context<Self>, timer: TimerId, due_ms: i64) {
        let delay = Duration::from_millis((due_ms - now_ms()).max(0) as u64);
        ctx.run_later(delay, move |act, ctx| {
            if act.timers.iter().any(|(t, _)| *t == timer) {
                act.advance(ctx, Input::TimerFired { timer });
            }
        });
    }
}

impl Actor for ExecutionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(64);
        if self.next_event_id == 2 {
            self.advance(ctx, Input::Start);
        } else {
            for (timer, due) in self.timers.clone() {
                self.arm(ctx, timer, due);
            }
        }
    }
}

impl Handler<Stop> for ExecutionActor {
    type Result = AtomicResponse<Self, Result<i64, AwsError>>;

    fn handle(&mut self, stop: Stop, _ctx: &mut Context<Self>) -> Self::Result {
        if let Some(at) = self.closed_at {
            return AtomicResponse::new(Box::pin(actix::fut::ready(Ok(at))));
        }
        let input = Input::Stop {
            error: stop.error,
            cause: stop.cause,
        };
        let fut = self.step_and_propose(input);
        AtomicResponse::new(Box::pin(wrap_future::<_, Self>(fut).map(move |result, act, ctx| {
            let failed = result.result.as_ref().err().cloned();
            act.after_commit(ctx, None, result);
            match failed {
                None => Ok(act.closed_at.unwrap_or_else(now_ms)),
                Some(error) => Err(error),
            }
        })))
    }
}
