//! `ExecutionActor`: the one writer of one STANDARD execution, on the node that owns its shard.
//!
//! Inputs (fired timers, task reports, stop requests, workers taking activity tasks) queue up while a
//! decision is committing; the next decision takes every queued input at once, runs the engine up to the
//! next wait and proposes what it produced (fenced by the next event id). The actor acts only on what
//! committed: timers, activity tasks, connector calls, token actors. If a proposal fails, the actor rebuilds
//! its state from the log (checkpoint + recorded inputs) and retries its own inputs; a client's input is
//! answered with the error instead.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Weak;
use std::time::Duration;

use actix::fut::wrap_future;
use actix::Actor;
use actix::ActorContext;
use actix::ActorFutureExt;
use actix::AsyncContext;
use actix::Context;
use actix::Handler;
use actix::Message;
use actix::Recipient;
use actix::ResponseFuture;
use actix::SpawnHandle;
use tokio::sync::oneshot;

use super::activity_queue::Delivery;
use super::child_watches::sync_child;
use super::injected_failures;
use super::supervisor::moving;
use super::ExecutionSupervisor;
use crate::asl::Definition;
use crate::aws_error::AwsError;
use crate::clock::now_ms;
use crate::cluster::Epoch;
use crate::cluster::LEASE;
use crate::connectors::route;
use crate::connectors::Outcome;
use crate::connectors::Pattern;
use crate::decision::Changes;
use crate::decision::Decision;
use crate::decision::Runtime;
use crate::engine::map_run::MapRunUpdate;
use crate::engine::EventType;
use crate::engine::ExecutionState;
use crate::engine::Input;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;
use crate::engine::TimerId;
use crate::execution_log::LoggingConfiguration;
use crate::mocks::TestCase;
use crate::raft::account_of;
use crate::raft::Command;
use crate::raft::ProposeError;
use crate::raft::RaftNode;
use crate::store::encode;
use crate::store::OpenTask;

/// How long to wait before retrying the actor's own inputs after a proposal failed.
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// Recorded inputs (bytes) below which no checkpoint is written, whatever the size of the state.
const MIN_TAIL_BYTES: usize = 16 * 1024;

/// Messages an execution actor may have queued before senders get ThrottlingException.
pub const EXECUTION_MAILBOX: usize = 1024;

/// One open execution.
pub struct ExecutionActor {
    arn: String,
    node: RaftNode,
    definition: Arc<Definition>,
    state: ExecutionState,
    /// The id the next event gets, as committed.
    next_event_id: u64,
    /// The epoch under which this node owns the execution's shard; every proposal is fenced by it.
    epoch: Epoch,
    /// Armed timers by due time (epoch ms); one alarm is set, for the earliest.
    timers: BTreeSet<(i64, TimerId)>,
    /// The due time of the alarm set, and its handle.
    alarm: Option<(i64, SpawnHandle)>,
    /// Timers whose firing is queued or committing.
    firing: BTreeSet<TimerId>,
    open_tasks: BTreeMap<u64, OpenTask>,
    supervisor: Weak<ExecutionSupervisor>,
    closed_at: Option<i64>,
    /// Inputs waiting for the next decision.
    pending: VecDeque<Queued>,
    /// Whether a decision is committing.
    deciding: bool,
    /// Where the deadline wheel reports this execution's expired heartbeats (one per actor, shared by its tokens).
    expiries: Option<Arc<Recipient<HeartbeatsExpired>>>,
    /// The `loggingConfiguration` of the revision the execution runs.
    logging: LoggingConfiguration,
    /// Size of the last checkpoint, and of the inputs recorded since: a checkpoint is due when they outgrow it.
    checkpoint_bytes: usize,
    tail_bytes: usize,
    /// The test case the execution runs, if any.
    test_case: Option<Arc<TestCase>>,
}

/// What a committed state looks like when an actor starts.
pub struct Committed {
    pub state: ExecutionState,
    pub next_event_id: u64,
    pub timers: Vec<(TimerId, i64)>,
    pub open_tasks: Vec<OpenTask>,
    pub checkpoint_bytes: usize,
    pub tail_bytes: usize,
    /// The test case the execution runs, if any: its mocked calls are answered without a connector.
    pub test_case: Option<Arc<TestCase>>,
}

/// An input and, for a client's, where its answer goes.
struct Queued {
    input: Input,
    reply: Option<Reply>,
}

/// The answer a client waits for once the decision holding its input commits.
enum Reply {
    Stop(oneshot::Sender<Result<i64, AwsError>>),
    Report(oneshot::Sender<Result<(), AwsError>>),
    StartTask(oneshot::Sender<Result<Delivery, AwsError>>, Delivery),
}

impl Reply {
    fn fail(self, error: AwsError) {
        let _ = match self {
            Reply::Stop(reply) => reply.send(Err(error)).map_err(|_| ()),
            Reply::Report(reply) => reply.send(Err(error)).map_err(|_| ()),
            Reply::StartTask(reply, _) => reply.send(Err(error)).map_err(|_| ()),
        };
    }

    fn succeed(self, stop_ms: i64) {
        let _ = match self {
            Reply::Stop(reply) => reply.send(Ok(stop_ms)).map_err(|_| ()),
            Reply::Report(reply) => reply.send(Ok(())).map_err(|_| ()),
            Reply::StartTask(reply, delivery) => reply.send(Ok(delivery)).map_err(|_| ()),
        };
    }
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

/// UpdateMapRun: change the limits of a running map run of the execution.
#[derive(Message)]
#[rtype(result = "Result<(), AwsError>")]
pub struct UpdateMapRun(pub MapRunUpdate);

/// SendTaskSuccess/SendTaskFailure for an outstanding task.
#[derive(Message)]
#[rtype(result = "Result<(), AwsError>")]
pub struct TaskReport {
    pub slot: TaskSlot,
    pub event: TaskEvent,
}

/// Tasks whose heartbeat deadline passed (from the deadline wheel), each with its worker's last heartbeat
/// details.
#[derive(Message)]
#[rtype(result = "()")]
pub struct HeartbeatsExpired {
    pub slots: Vec<(TaskSlot, Option<String>)>,
}

/// A worker polled the activity of a queued task: record ActivityStarted, then hand over token and input.
#[derive(Message)]
#[rtype(result = "Result<Delivery, AwsError>")]
pub struct StartActivityTask {
    pub slot: TaskSlot,
    pub worker_name: Option<String>,
}

impl ExecutionActor {
    /// An actor for an execution in the given committed state.
    pub fn new(
        arn: String,
        node: RaftNode,
        definition: Arc<Definition>,
        committed: Committed,
        supervisor: Weak<ExecutionSupervisor>,
        epoch: Epoch,
        logging: LoggingConfiguration,
    ) -> ExecutionActor {
        ExecutionActor {
            arn,
            node,
            definition,
            state: committed.state,
            next_event_id: committed.next_event_id,
            epoch,
            timers: committed.timers.into_iter().map(|(timer, due)| (due, timer)).collect(),
            alarm: None,
            firing: BTreeSet::new(),
            open_tasks: committed.open_tasks.into_iter().map(|t| (t.slot, t)).collect(),
            supervisor,
            closed_at: None,
            pending: VecDeque::new(),
            deciding: false,
            expiries: None,
            logging,
            checkpoint_bytes: committed.checkpoint_bytes,
            tail_bytes: committed.tail_bytes,
            test_case: committed.test_case,
        }
    }

    fn submit(&mut self, ctx: &mut Context<Self>, input: Input, reply: Option<Reply>) {
        self.pending.push_back(Queued { input, reply });
        self.decide_next(ctx);
    }

    /// Takes every queued input into one decision and proposes it, unless one is committing already.
    fn decide_next(&mut self, ctx: &mut Context<Self>) {
        if self.deciding || self.pending.is_empty() || self.closed_at.is_some() {
            return;
        }
        self.coalesce_timers();
        let now = now_ms();
        let mut decision = Decision::default();
        let mut taken: Vec<Queued> = Vec::new();
        let store = self.node.store.clone();
        let activity_exists = |arn: &str| matches!(store.activity(arn), Ok(Some(_)));
        let runtime = Runtime { activity_exists: &activity_exists, test_case: self.test_case.as_deref() };
        while let Some(queued) = self.pending.pop_front() {
            if let Some(refusal) = self.refusal(&queued.input, &decision.changes) {
                if let Some(reply) = queued.reply {
                    reply.fail(refusal);
                }
                continue;
            }
            let first_event = decision.events.len();
            decision.run(&self.definition, &mut self.state, queued.input.clone(), now, runtime);
            let mut queued = queued;
            if let Some(Reply::StartTask(_, delivery)) = &mut queued.reply {
                let started =
                    decision.events[first_event..].iter().position(|e| e.event_type == EventType::ActivityStarted);
                delivery.started_event_id = started.map_or(0, |i| self.next_event_id + (first_event + i) as u64);
            }
            taken.push(queued);
            if decision.changes.close.is_some() {
                break;
            }
        }
        if decision.is_empty() {
            for queued in taken {
                if let Some(reply) = queued.reply {
                    reply.succeed(now);
                }
            }
            return;
        }
        self.tail_bytes += decision.tail_bytes();
        if decision.changes.close.is_none() && self.tail_bytes > self.checkpoint_bytes.max(MIN_TAIL_BYTES) {
            let state = encode(&self.state);
            self.checkpoint_bytes = state.len();
            self.tail_bytes = 0;
            decision.checkpoint = Some(state);
            metrics::counter!(crate::metrics::CHECKPOINTS_WRITTEN).increment(1);
        }
        let expected = self.next_event_id;
        let next_event_id = decision.next_event_id(expected);
        let changes = decision.changes.clone();
        let logged = self.logging.enabled().then(|| (self.state.redrives.count, decision.events.clone()));
        let injected = injected_failures::take(&decision);
        let command = Command::Decide { execution_arn: self.arn.clone(), expected_next_event_id: expected, decision };
        let node = self.node.clone();
        let (arn, epoch) = (self.arn.clone(), self.epoch);
        self.deciding = true;
        let proposal = async move {
            if injected {
                return Err(ProposeError::Unavailable("a failure injected on purpose".into()));
            }
            node.propose_fenced(&arn, epoch, command).await
        };
        ctx.spawn(wrap_future::<_, Self>(proposal).map(move |result, act, ctx| {
            act.deciding = false;
            match result {
                Ok(_) => {
                    if let Some((redrive_count, events)) = logged {
                        crate::execution_log::record(&act.logging, &act.arn, redrive_count, &events);
                    }
                    act.committed(ctx, changes, next_event_id, taken)
                }
                Err(error) => act.not_committed(ctx, error, changes, next_event_id, taken),
            }
        }));
    }

    /// Folds every queued timer firing into the first one, so the engine wakes for all of them in one step.
    fn coalesce_timers(&mut self) {
        let mut fired = Vec::new();
        let mut first = None;
        for (index, queued) in self.pending.iter_mut().enumerate() {
            if let (Input::TimersFired { timers }, None) = (&mut queued.input, &queued.reply) {
                fired.append(timers);
                first.get_or_insert(index);
            }
        }
        let Some(first) = first else { return };
        self.pending.retain(|q| !matches!(&q.input, Input::TimersFired { timers } if timers.is_empty()));
        self.pending
            .insert(first.min(self.pending.len()), Queued { input: Input::TimersFired { timers: fired }, reply: None });
    }

    /// Why an input cannot go into the decision being built: its task is no longer outstanding (or, for a
    /// worker taking it, already taken).
    fn refusal(&self, input: &Input, changes: &Changes) -> Option<AwsError> {
        let Input::Task { slot, event } = input else { return None };
        let opened = changes.tasks_opened.iter().find(|t| t.slot == slot.0);
        let open = (self.open_tasks.contains_key(&slot.0) || opened.is_some()) && !changes.tasks_closed.contains(slot);
        let started = self.open_tasks.get(&slot.0).is_some_and(|t| t.started)
            || opened.is_some_and(|t| t.started)
            || changes.tasks_started.contains(slot);
        match event {
            _ if !open => Some(AwsError::task_timed_out()),
            TaskEvent::Started { .. } if started => Some(AwsError::task_timed_out()),
            _ => None,
        }
    }

    fn committed(&mut self, ctx: &mut Context<Self>, changes: Changes, next_event_id: u64, taken: Vec<Queued>) {
        self.next_event_id = next_event_id;
        let stop_ms = changes.close.as_ref().map(|close| close.stop_ms);
        self.act_on(ctx, changes);
        for queued in taken {
            if let Some(reply) = queued.reply {
                reply.succeed(stop_ms.unwrap_or_else(now_ms));
            }
        }
        if stop_ms.is_none() {
            self.decide_next(ctx);
        }
    }

    /// After a proposal that did not commit as far as this actor knows: rebuild from the log. If the decision
    /// committed after all (its answer was lost on the way back from the leader), go on as if it had; if the
    /// execution closed or its shard moved to another owner, stop.
    fn not_committed(
        &mut self,
        ctx: &mut Context<Self>,
        error: ProposeError,
        changes: Changes,
        next_event_id: u64,
        taken: Vec<Queued>,
    ) {
        tracing::warn!(execution = %self.arn, %error, "decision did not commit");
        metrics::counter!(crate::metrics::DECISIONS_NOT_COMMITTED).increment(1);
        let owned = self.node.owned_epoch(&self.arn) == Some(self.epoch);
        let rebuilt = match (owned, self.supervisor.upgrade()) {
            (true, Some(supervisor)) => supervisor.rebuild(&self.arn),
            _ => Ok(None),
        };
        let committed = match rebuilt {
            Ok(Some(committed)) => committed,
            Ok(None) => {
                for reply in taken.into_iter().filter_map(|q| q.reply) {
                    reply.fail(error.clone().into());
                }
                self.relinquish(ctx);
                return;
            }
            Err(e) => {
                tracing::error!(execution = %self.arn, error = %e.message, "cannot rebuild the execution");
                for reply in taken.into_iter().filter_map(|q| q.reply) {
                    reply.fail(e.clone());
                }
                self.relinquish(ctx);
                return;
            }
        };
        if committed.next_event_id == next_event_id {
            self.committed(ctx, changes, next_event_id, taken);
            return;
        }
        self.state = committed.state;
        self.next_event_id = committed.next_event_id;
        self.checkpoint_bytes = committed.checkpoint_bytes;
        self.tail_bytes = committed.tail_bytes;
        let mut retry = Vec::new();
        for queued in taken {
            match queued.reply {
                Some(reply) => reply.fail(error.clone().into()),
                None => retry.push(queued),
            }
        }
        for queued in retry.into_iter().rev() {
            self.pending.push_front(queued);
        }
        if !self.pending.is_empty() {
            ctx.run_later(RETRY_DELAY, |act, ctx| act.decide_next(ctx));
        }
    }

    /// Carries out a committed decision: timers, tasks and their tokens, the end of the execution.
    fn act_on(&mut self, ctx: &mut Context<Self>, changes: Changes) {
        let Some(supervisor) = self.supervisor.upgrade() else { return };
        if !changes.timers_dropped.is_empty() {
            self.timers.retain(|(_, timer)| !changes.timers_dropped.contains(timer));
            for timer in &changes.timers_dropped {
                self.firing.remove(timer);
            }
        }
        self.timers.extend(changes.timers_armed.into_iter().map(|(timer, due)| (due, timer)));
        self.set_alarm(ctx);
        for slot in &changes.tasks_closed {
            if let Some(task) = self.open_tasks.remove(&slot.0) {
                let abandoned = changes.tasks_abandoned.contains(slot);
                supervisor.close_task_runtime(&self.arn, &task, abandoned);
            }
        }
        for slot in &changes.tasks_submitted {
            if let Some(task) = self.open_tasks.get_mut(&slot.0) {
                task.submitted = true;
            }
        }
        for slot in &changes.tasks_started {
            if let Some(task) = self.open_tasks.get_mut(&slot.0) {
                task.started = true;
            }
            self.start_token_actor(ctx, *slot, now_ms());
        }
        for task in changes.tasks_opened {
            let slot = TaskSlot(task.slot);
            let activity = task.activity_arn.clone();
            self.open_tasks.insert(task.slot, task);
            match activity {
                Some(activity) => supervisor.enqueue_activity_task(activity.as_str(), &self.arn, slot),
                None => {
                    self.start_token_actor(ctx, slot, now_ms());
                    self.invoke_connector(ctx, slot);
                }
            }
        }
        if let Some(close) = changes.close {
            self.closed_at = Some(close.stop_ms);
            // The tasks still open when the execution ends (stopped, timed out, failed) are abandoned.
            for task in std::mem::take(&mut self.open_tasks).values() {
                supervisor.close_task_runtime(&self.arn, task, true);
            }
            for queued in std::mem::take(&mut self.pending) {
                if let Some(reply) = queued.reply {
                    match queued.input {
                        Input::Stop { .. } => reply.succeed(close.stop_ms),
                        _ => reply.fail(AwsError::task_timed_out()),
                    }
                }
            }
            supervisor.finished(&self.arn, self.epoch);
            ctx.stop();
        }
    }

    fn relinquish(&mut self, ctx: &mut Context<Self>) {
        if let Some(supervisor) = self.supervisor.upgrade() {
            for task in self.open_tasks.values() {
                supervisor.close_token(&task.token);
            }
            supervisor.finished(&self.arn, self.epoch);
        }
        for queued in std::mem::take(&mut self.pending) {
            if let Some(reply) = queued.reply {
                reply.fail(moving());
            }
        }
        ctx.stop();
    }

    /// Sets the alarm for the earliest armed timer that has not fired yet, unless it is set already.
    fn set_alarm(&mut self, ctx: &mut Context<Self>) {
        let Some(&(due, _)) = self.timers.iter().find(|(_, timer)| !self.firing(*timer)) else {
            if let Some((_, handle)) = self.alarm.take() {
                ctx.cancel_future(handle);
            }
            return;
        };
        match self.alarm {
            Some((set, _)) if set <= due => return,
            Some((_, handle)) => {
                ctx.cancel_future(handle);
            }
            None => {}
        }
        let delay = Duration::from_millis((due - now_ms()).max(0) as u64);
        let handle = ctx.run_later(delay, |act, ctx| {
            act.alarm = None;
            act.ring(ctx);
        });
        self.alarm = Some((due, handle));
    }

    /// Submits every armed timer that is due (and not submitted yet) as one input, then sets the next alarm.
    fn ring(&mut self, ctx: &mut Context<Self>) {
        let now = now_ms();
        let due: Vec<TimerId> = self
            .timers
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, timer)| *timer)
            .filter(|timer| !self.firing(*timer))
            .collect();
        if !due.is_empty() {
            self.firing.extend(due.iter().copied());
            self.submit(ctx, Input::TimersFired { timers: due }, None);
        }
        self.set_alarm(ctx);
    }

    /// Whether a timer's firing is queued or in the decision committing.
    fn firing(&self, timer: TimerId) -> bool {
        self.firing.contains(&timer)
    }

    fn start_token_actor(&mut self, ctx: &mut Context<Self>, slot: TaskSlot, window_from_ms: i64) {
        let expiries = self.expiries.get_or_insert_with(|| Arc::new(ctx.address().recipient())).clone();
        let (Some(task), Some(supervisor)) = (self.open_tasks.get(&slot.0), self.supervisor.upgrade()) else {
            return;
        };
        supervisor.start_token(&task.token, slot, expiries, task.heartbeat_seconds, window_from_ms);
    }

    /// Calls the connector of a started service task and reports its outcome: TaskSubmitted for
    /// `.waitForTaskToken`, TaskSubmitted then TaskSucceeded for `.sync`, else TaskSucceeded/TaskFailed. A
    /// `.sync` child execution is submitted, then waited for until it closes.
    fn invoke_connector(&mut self, ctx: &mut Context<Self>, slot: TaskSlot) {
        let (Some(task), Some(supervisor)) = (self.open_tasks.get(&slot.0).cloned(), self.supervisor.upgrade()) else {
            return;
        };
        let pattern = route(&task.resource).map(|route| route.pattern);
        let json_output = task.resource.ends_with(".sync:2");
        let connectors = supervisor.connectors();
        let account = account_of(&self.arn).to_string();
        let call = async move { connectors.invoke(&task.resource, &task.input, &task.token, &account).await };
        ctx.spawn(wrap_future::<_, Self>(call).map(move |outcome, act, ctx| {
            if !act.open_tasks.contains_key(&slot.0) {
                return;
            }
            let events = match (outcome, pattern) {
                // A child execution started: the task ends when the child does.
                (Outcome::Started { output, child }, _) => {
                    if let Some(supervisor) = act.supervisor.upgrade() {
                        supervisor.watch_child(&child, &act.arn, slot, json_output);
                    }
                    vec![TaskEvent::Submitted { output }]
                }
                (Outcome::Answered { output }, Some(Pattern::WaitForTaskToken)) => {
                    vec![TaskEvent::Submitted { output }]
                }
                // The `.sync` connector answered when the job was done: submitted and finished at once.
                (Outcome::Answered { output }, Some(Pattern::Sync)) => {
                    vec![TaskEvent::Submitted { output: output.clone() }, TaskEvent::Succeeded { output }]
                }
                (Outcome::Answered { output }, _) => vec![TaskEvent::Succeeded { output }],
                (Outcome::Failed { error, cause }, _) => {
                    vec![TaskEvent::Failed { error: Some(error), cause: Some(cause) }]
                }
            };
            for event in events {
                act.pending.push_back(Queued { input: Input::Task { slot, event }, reply: None });
            }
            act.decide_next(ctx);
        }));
    }

    /// Resumes the runtime side of a committed execution: timers, queued activity tasks, started tokens
    /// and connector calls that had not reported back. A started token gets a fresh heartbeat window that
    /// opens one owner lease from now: until then the node that owned the shard before may still have
    /// acknowledged a heartbeat this node never heard of.
    fn resume(&mut self, ctx: &mut Context<Self>) {
        let Some(supervisor) = self.supervisor.upgrade() else { return };
        let window_from = now_ms() + LEASE.as_millis() as i64;
        self.set_alarm(ctx);
        for task in self.open_tasks.values().cloned().collect::<Vec<_>>() {
            let slot = TaskSlot(task.slot);
            let waits_for_callback =
                route(&task.resource).is_some_and(|route| route.pattern == Pattern::WaitForTaskToken);
            let child = sync_child(&task).filter(|_| task.submitted);
            match (&task.activity_arn, task.started) {
                (Some(_), true) => self.start_token_actor(ctx, slot, window_from),
                (Some(activity), false) => supervisor.enqueue_activity_task(activity, &self.arn, slot),
                (None, _) if waits_for_callback && task.submitted => self.start_token_actor(ctx, slot, window_from),
                (None, _) if child.is_some() => {
                    self.start_token_actor(ctx, slot, window_from);
                    let json_output = task.resource.ends_with(".sync:2");
                    supervisor.watch_child(child.as_deref().unwrap_or_default(), &self.arn, slot, json_output);
                }
                (None, _) => {
                    self.start_token_actor(ctx, slot, window_from);
                    self.invoke_connector(ctx, slot);
                }
            }
        }
    }
}

impl Actor for ExecutionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(EXECUTION_MAILBOX);
        self.resume(ctx);
    }
}

impl Handler<Stop> for ExecutionActor {
    type Result = ResponseFuture<Result<i64, AwsError>>;

    fn handle(&mut self, stop: Stop, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(at) = self.closed_at {
            return Box::pin(async move { Ok(at) });
        }
        let (reply, answer) = oneshot::channel();
        self.submit(ctx, Input::Stop { error: stop.error, cause: stop.cause }, Some(Reply::Stop(reply)));
        Box::pin(async move { answer.await.unwrap_or_else(|_| Err(moving())) })
    }
}

impl Handler<UpdateMapRun> for ExecutionActor {
    type Result = ResponseFuture<Result<(), AwsError>>;

    fn handle(&mut self, update: UpdateMapRun, ctx: &mut Context<Self>) -> Self::Result {
        if self.closed_at.is_some() {
            return Box::pin(async { Ok(()) });
        }
        let (reply, answer) = oneshot::channel();
        self.submit(ctx, Input::UpdateMapRun(update.0), Some(Reply::Report(reply)));
        Box::pin(async move { answer.await.unwrap_or_else(|_| Err(moving())) })
    }
}

impl Handler<TaskReport> for ExecutionActor {
    type Result = ResponseFuture<Result<(), AwsError>>;

    fn handle(&mut self, report: TaskReport, ctx: &mut Context<Self>) -> Self::Result {
        if self.closed_at.is_some() || !self.open_tasks.contains_key(&report.slot.0) {
            return Box::pin(async { Err(AwsError::task_timed_out()) });
        }
        let (reply, answer) = oneshot::channel();
        self.submit(ctx, Input::Task { slot: report.slot, event: report.event }, Some(Reply::Report(reply)));
        Box::pin(async move { answer.await.unwrap_or_else(|_| Err(moving())) })
    }
}

impl Handler<HeartbeatsExpired> for ExecutionActor {
    type Result = ();

    fn handle(&mut self, expired: HeartbeatsExpired, ctx: &mut Context<Self>) {
        for (slot, details) in expired.slots {
            if self.closed_at.is_none() && self.open_tasks.contains_key(&slot.0) {
                let event = match details {
                    Some(details) => TaskEvent::HeartbeatTimedOutWithDetails { details },
                    None => TaskEvent::HeartbeatTimedOut,
                };
                self.pending.push_back(Queued { input: Input::Task { slot, event }, reply: None });
            }
        }
        self.decide_next(ctx);
    }
}

impl Handler<StartActivityTask> for ExecutionActor {
    type Result = ResponseFuture<Result<Delivery, AwsError>>;

    fn handle(&mut self, start: StartActivityTask, ctx: &mut Context<Self>) -> Self::Result {
        let task = self.open_tasks.get(&start.slot.0).filter(|t| !t.started && self.closed_at.is_none());
        let Some(task) = task else {
            return Box::pin(async { Err(AwsError::task_timed_out()) });
        };
        let delivery = Delivery { token: task.token.clone(), input: task.input.clone(), started_event_id: 0 };
        let (reply, answer) = oneshot::channel();
        let input = Input::Task { slot: start.slot, event: TaskEvent::Started { worker_name: start.worker_name } };
        self.submit(ctx, input, Some(Reply::StartTask(reply, delivery)));
        Box::pin(async move { answer.await.unwrap_or_else(|_| Err(moving())) })
    }
}

impl Handler<Relinquish> for ExecutionActor {
    type Result = ();

    fn handle(&mut self, _: Relinquish, ctx: &mut Context<Self>) {
        self.relinquish(ctx);
    }
}
