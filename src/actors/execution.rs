//! `ExecutionActor`: drives one STANDARD execution. It runs the pure `engine::step`, proposes the events
//! (fenced by the next event id) together with the interpreter state, its timers and its open task tokens,
//! and acts on the effects only after they commit: timers, activity tasks, connector calls, token actors.

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
use crate::cluster::Epoch;
use crate::connectors::Outcome;
use crate::connectors::Pattern;
use crate::engine;
use crate::engine::Effect;
use crate::engine::ExecutionState;
use crate::engine::Input;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;
use crate::engine::TimerId;
use crate::execution_log::LoggingConfiguration;
use crate::history::StoredEvent;
use crate::raft::Command;
use crate::raft::EventAppend;
use crate::raft::ExecutionClose;
use crate::raft::RaftNode;
use crate::store::ExecutionStatus;
use crate::store::OpenTask;

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
    open_tasks: Vec<OpenTask>,
    supervisor: Weak<ExecutionSupervisor>,
    closed_at: Option<i64>,
    /// The epoch under which this node owns the execution's shard; every proposal is fenced by it.
    epoch: Epoch,
    /// The `loggingConfiguration` of the revision the execution runs.
    logging: LoggingConfiguration,
}

/// The execution's shard moved to another node: drop the runtime side (tokens), write nothing, stop.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Relinquish;

/// StopExecution: abort the execution, answering with the stop time.
#[derive(Message)]
#[rtype(result = "Result<i64, AwsError>")]
pub struct Stop {
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// News about an outstanding task: SendTaskSuccess/Failure, or a missed heartbeat.
#[derive(Message)]
#[rtype(result = "Result<(), AwsError>")]
pub struct TaskReport {
    pub slot: TaskSlot,
    pub event: TaskEvent,
}

/// A worker polled the activity of a queued task: record ActivityStarted, then hand over token and input.
#[derive(Message)]
#[rtype(result = "Result<(String, String), AwsError>")]
pub struct StartActivityTask {
    pub slot: TaskSlot,
    pub worker_name: Option<String>,
}

/// What a proposal attempt left behind: the state to roll back to, and whether it committed.
struct Attempt {
    before: Snapshot,
    result: Result<Committed, AwsError>,
}

/// The actor's in-memory state before a step, restored when the step does not commit.
struct Snapshot {
    state: ExecutionState,
    timers: Vec<(TimerId, i64)>,
    open_tasks: Vec<OpenTask>,
    next_event_id: u64,
}

/// A committed step.
struct Committed {
    effects: Vec<Effect>,
    /// The stop time recorded when this step closed the execution.
    stop_ms: Option<i64>,
    /// Tasks this step closed, whose tokens and queue entries go away once it commits.
    closed_tasks: Vec<OpenTask>,
    /// The step's events, kept only when the execution log wants them.
    events: Vec<StoredEvent>,
}

/// Whether the actor retries a step that failed to commit (steps answering a client are not retried).
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnFailure {
    Retry,
    Report,
}

impl ExecutionActor {
    /// An actor for an execution in the given committed state.
    #[allow(clippy::too_many_arguments, reason = "the committed record's parts, handed over once")]
    pub fn new(
        arn: String,
        node: RaftNode,
        definition: Arc<Definition>,
        state: ExecutionState,
        next_event_id: u64,
        timers: Vec<(TimerId, i64)>,
        open_tasks: Vec<OpenTask>,
        supervisor: Weak<ExecutionSupervisor>,
        epoch: Epoch,
        logging: LoggingConfiguration,
    ) -> ExecutionActor {
        ExecutionActor {
            arn,
            node,
            definition,
            state,
            next_event_id,
            timers,
            open_tasks,
            supervisor,
            closed_at: None,
            epoch,
            logging,
        }
    }

    /// Runs one engine step on `input`, proposes it, and applies the effects once committed.
    fn advance(&mut self, ctx: &mut Context<Self>, input: Input) {
        let fut = self.step_and_propose(input.clone());
        ctx.wait(wrap_future::<_, Self>(fut).map(move |attempt, act, ctx| {
            act.after_commit(ctx, &input, attempt, OnFailure::Retry);
        }));
    }

    /// Steps the engine (mutating the in-memory state) and returns the proposal of the step's results.
    fn step_and_propose(&mut self, input: Input) -> impl std::future::Future<Output = Attempt> + 'static {
        let before = Snapshot {
            state: self.state.clone(),
            timers: self.timers.clone(),
            open_tasks: self.open_tasks.clone(),
            next_event_id: self.next_event_id,
        };
        let now = now_ms();
        match &input {
            Input::TimerFired { timer } => self.timers.retain(|(t, _)| t != timer),
            Input::Task { slot, event: TaskEvent::Started { .. } } => {
                if let Some(task) = self.open_tasks.iter_mut().find(|t| t.slot == slot.0) {
                    task.started = true;
                }
            }
            _ => {}
        }
        let step = engine::step(&self.definition, &mut self.state, input, now);
        let events: Vec<StoredEvent> = step.events.iter().map(|draft| StoredEvent::from_draft(draft, now)).collect();
        let mut close = None;
        let mut closed_tasks = Vec::new();
        for effect in &step.effects {
            match effect {
                Effect::ArmTimer { timer, due_ms } => self.timers.push((*timer, *due_ms)),
                Effect::ScheduleActivity { slot, activity_arn, input, heartbeat_seconds, task_token, .. } => {
                    self.open_tasks.push(OpenTask {
                        slot: slot.0,
                        token: task_token.clone(),
                        activity_arn: Some(activity_arn.clone()),
                        resource: activity_arn.clone(),
                        input: input.clone(),
                        heartbeat_seconds: *heartbeat_seconds,
                        started: false,
                    })
                }
                Effect::InvokeTask { slot, resource, parameters, heartbeat_seconds, task_token, .. } => {
                    self.open_tasks.push(OpenTask {
                        slot: slot.0,
                        token: task_token.clone(),
                        activity_arn: None,
                        resource: resource.clone(),
                        input: parameters.clone(),
                        heartbeat_seconds: *heartbeat_seconds,
                        started: false,
                    })
                }
                Effect::CloseTask { slot } => {
                    if let Some(i) = self.open_tasks.iter().position(|t| t.slot == slot.0) {
                        closed_tasks.push(self.open_tasks.remove(i));
                    }
                }
                Effect::Finished { status, output, error, cause } => {
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
        let logged = if self.logging.enabled() { events.clone() } else { Vec::new() };
        let append = EventAppend {
            execution_arn: self.arn.clone(),
            expected_next_event_id: self.next_event_id,
            events,
            engine_state: serde_json::to_string(&self.state).unwrap_or_default(),
            timers: self.timers.iter().map(|(t, due)| (serde_json::to_string(t).unwrap_or_default(), *due)).collect(),
            open_tasks: if close.is_some() { Vec::new() } else { self.open_tasks.clone() },
            close,
        };
        let stop_ms = append.close.as_ref().map(|c| c.stop_ms);
        if stop_ms.is_some() {
            closed_tasks.append(&mut self.open_tasks);
        }
        self.next_event_id += append.events.len() as u64;
        let node = self.node.clone();
        let arn = self.arn.clone();
        let epoch = self.epoch;
        let effects = step.effects;
        async move {
            let result = node.propose_fenced(&arn, epoch, Command::AppendEvents { append }).await.map(|_| Committed {
                effects,
                stop_ms,
                closed_tasks,
                events: logged,
            });
            Attempt { before, result }
        }
    }

    fn after_commit(&mut self, ctx: &mut Context<Self>, input: &Input, attempt: Attempt, on_failure: OnFailure) {
        let committed = match attempt.result {
            Ok(committed) => committed,
            Err(error) => {
                tracing::warn!(execution = %self.arn, error = %error.message, "step did not commit");
                let before = attempt.before;
                self.state = before.state;
                self.timers = before.timers;
                self.open_tasks = before.open_tasks;
                self.next_event_id = before.next_event_id;
                if !self.stop_if_moved_on(ctx) && on_failure == OnFailure::Retry {
                    let input = input.clone();
                    ctx.run_later(RETRY_DELAY, move |act, ctx| act.advance(ctx, input));
                }
                return;
            }
        };
        crate::execution_log::record(&self.logging, &self.arn, &committed.events);
        if let Input::Task { slot, event } = input {
            match event {
                TaskEvent::Scheduled => self.queue_activity_task(*slot),
                TaskEvent::Started { .. } => self.start_token_actor(ctx, *slot),
                _ => {}
            }
        }
        for task in &committed.closed_tasks {
            self.close_task_runtime(task);
        }
        for effect in committed.effects {
            match effect {
                Effect::ArmTimer { timer, due_ms } => self.arm(ctx, timer, due_ms),
                Effect::ScheduleActivity { slot, activity_arn, .. } => {
                    let exists = matches!(self.node.store.activity(&activity_arn), Ok(Some(_)));
                    let event = if exists {
                        TaskEvent::Scheduled
                    } else {
                        TaskEvent::ScheduleFailed { cause: format!("The activity {activity_arn} does not exist.") }
                    };
                    self.advance(ctx, Input::Task { slot, event });
                }
                Effect::InvokeTask { slot, .. } => self.invoke_connector(ctx, slot),
                Effect::CloseTask { .. } => {}
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

    /// After a proposal that did not commit as far as this actor knows: carry on if the committed execution is
    /// where the actor is. If the step committed after all (its answer was lost on the way back from the
    /// leader), the actor is rebuilt from the committed state; if the execution closed or its shard moved to
    /// another owner, the actor stops.
    fn stop_if_moved_on(&mut self, ctx: &mut Context<Self>) -> bool {
        let owned = self.node.owned_epoch(&self.arn) == Some(self.epoch);
        let record = self.node.store.execution(&self.arn);
        let open = matches!(&record, Ok(Some(r)) if r.stop_ms.is_none());
        if owned && open && matches!(&record, Ok(Some(r)) if r.next_event_id == self.next_event_id) {
            return false;
        }
        if let Some(supervisor) = self.supervisor.upgrade() {
            supervisor.finished(&self.arn);
            if owned && open {
                for task in &self.open_tasks {
                    supervisor.close_token(&task.token);
                }
                supervisor.ensure_running(&self.arn);
            }
        }
        ctx.stop();
        true
    }

    fn arm(&mut self, ctx: &mut Context<Self>, timer: TimerId, due_ms: i64) {
        let delay = Duration::from_millis((due_ms - now_ms()).max(0) as u64);
        ctx.run_later(delay, move |act, ctx| {
            if act.timers.iter().any(|(t, _)| *t == timer) {
                act.advance(ctx, Input::TimerFired { timer });
            }
        });
    }

    fn open_task(&self, slot: TaskSlot) -> Option<&OpenTask> {
        self.open_tasks.iter().find(|t| t.slot == slot.0)
    }

    fn queue_activity_task(&self, slot: TaskSlot) {
        let (Some(task), Some(supervisor)) = (self.open_task(slot), self.supervisor.upgrade()) else { return };
        if let Some(activity) = &task.activity_arn {
            supervisor.enqueue_activity_task(activity, &self.arn, slot);
        }
    }

    fn start_token_actor(&self, ctx: &mut Context<Self>, slot: TaskSlot) {
        let (Some(task), Some(supervisor)) = (self.open_task(slot), self.supervisor.upgrade()) else { return };
        supervisor.start_token(&task.token, slot, ctx.address(), task.heartbeat_seconds);
    }

    fn close_task_runtime(&self, task: &OpenTask) {
        let Some(supervisor) = self.supervisor.upgrade() else { return };
        supervisor.close_token(&task.token);
        if let Some(activity) = &task.activity_arn {
            supervisor.withdraw_activity_task(activity, &self.arn, TaskSlot(task.slot));
        }
    }

    /// Records TaskStarted (unless it already committed), calls the connector of a service task, and
    /// reports the outcome: TaskSubmitted for `.waitForTaskToken`, else TaskSucceeded/TaskFailed.
    fn invoke_connector(&mut self, ctx: &mut Context<Self>, slot: TaskSlot) {
        let (Some(task), Some(supervisor)) = (self.open_task(slot).cloned(), self.supervisor.upgrade()) else {
            return;
        };
        if !task.started {
            self.advance(ctx, Input::Task { slot, event: TaskEvent::Started { worker_name: None } });
        }
        let pattern = crate::connectors::integration(&task.resource).map(|(_, pattern)| pattern);
        let connectors = supervisor.connectors();
        let call = async move { connectors.invoke(&task.resource, &task.input, &task.token).await };
        ctx.spawn(wrap_future::<_, Self>(call).map(move |outcome, act, ctx| {
            if act.open_task(slot).is_none() {
                return;
            }
            let event = match (outcome, pattern) {
                (Outcome::Answered { output }, Some(Pattern::WaitForTaskToken)) => TaskEvent::Submitted { output },
                (Outcome::Answered { output }, _) => TaskEvent::Succeeded { output },
                (Outcome::Failed { error, cause }, _) => TaskEvent::Failed { error: Some(error), cause: Some(cause) },
            };
            act.advance(ctx, Input::Task { slot, event });
        }));
    }

    /// Resumes the runtime side of a recovered execution: timers, queued activity tasks, started tokens
    /// (with a fresh heartbeat window) and connector calls that had not reported back.
    fn resume(&mut self, ctx: &mut Context<Self>) {
        for (timer, due) in self.timers.clone() {
            self.arm(ctx, timer, due);
        }
        for task in self.open_tasks.clone() {
            let slot = TaskSlot(task.slot);
            let waits_for_callback = crate::connectors::integration(&task.resource)
                .is_some_and(|(_, pattern)| pattern == Pattern::WaitForTaskToken);
            match (&task.activity_arn, task.started) {
                (Some(_), true) => self.start_token_actor(ctx, slot),
                (Some(_), false) => self.queue_activity_task(slot),
                (None, true) if waits_for_callback => self.start_token_actor(ctx, slot),
                (None, _) => self.invoke_connector(ctx, slot),
            }
        }
    }

    /// Steps on a client's request: the answer waits for the commit, and a failed step is not retried.
    fn answer<T: 'static>(
        &mut self,
        input: Input,
        reply: impl FnOnce(&mut Self) -> T + 'static,
    ) -> AtomicResponse<Self, Result<T, AwsError>> {
        let fut = self.step_and_propose(input.clone());
        AtomicResponse::new(Box::pin(wrap_future::<_, Self>(fut).map(move |attempt, act, ctx| {
            let failed = attempt.result.as_ref().err().cloned();
            act.after_commit(ctx, &input, attempt, OnFailure::Report);
            match failed {
                None => Ok(reply(act)),
                Some(error) => Err(error),
            }
        })))
    }
}

impl Actor for ExecutionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(256);
        if self.next_event_id == 2 {
            self.advance(ctx, Input::Start);
        } else {
            self.resume(ctx);
        }
    }
}

impl Handler<Stop> for ExecutionActor {
    type Result = AtomicResponse<Self, Result<i64, AwsError>>;

    fn handle(&mut self, stop: Stop, _ctx: &mut Context<Self>) -> Self::Result {
        if let Some(at) = self.closed_at {
            return AtomicResponse::new(Box::pin(actix::fut::ready(Ok(at))));
        }
        self.answer(Input::Stop { error: stop.error, cause: stop.cause }, |act| act.closed_at.unwrap_or_else(now_ms))
    }
}

impl Handler<TaskReport> for ExecutionActor {
    type Result = AtomicResponse<Self, Result<(), AwsError>>;

    fn handle(&mut self, report: TaskReport, _ctx: &mut Context<Self>) -> Self::Result {
        if self.closed_at.is_some() || self.open_task(report.slot).is_none() {
            let error = AwsError::task_timed_out();
            return AtomicResponse::new(Box::pin(actix::fut::ready(Err(error))));
        }
        self.answer(Input::Task { slot: report.slot, event: report.event }, |_| ())
    }
}

impl Handler<StartActivityTask> for ExecutionActor {
    type Result = AtomicResponse<Self, Result<(String, String), AwsError>>;

    fn handle(&mut self, start: StartActivityTask, _ctx: &mut Context<Self>) -> Self::Result {
        let Some(task) = self.open_task(start.slot).filter(|t| !t.started && self.closed_at.is_none()).cloned() else {
            let error = AwsError::task_timed_out();
            return AtomicResponse::new(Box::pin(actix::fut::ready(Err(error))));
        };
        let input = Input::Task { slot: start.slot, event: TaskEvent::Started { worker_name: start.worker_name } };
        self.answer(input, move |_| (task.token, task.input))
    }
}

impl Handler<Relinquish> for ExecutionActor {
    type Result = ();

    fn handle(&mut self, _: Relinquish, ctx: &mut Context<Self>) {
        if let Some(supervisor) = self.supervisor.upgrade() {
            for task in &self.open_tasks {
                supervisor.close_token(&task.token);
            }
        }
        ctx.stop();
    }
}
