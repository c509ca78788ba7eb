//! Owns this node's actors: one `ExecutionActor` per open execution of the shards this node owns, one
//! `TaskTokenActor` per started task token, one `ActivityQueueActor` per activity in use. Routes API calls
//! to them, or to the node that owns the shard; starts and stops actors as shards change owner.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use actix::Addr;
use actix::Recipient;
use actix_rt::Arbiter;
use dashmap::DashMap;
use tokio::sync::oneshot;

use super::activity_queue::ActivityQueueActor;
use super::activity_queue::CancelPoll;
use super::activity_queue::Delivery;
use super::activity_queue::Depth;
use super::activity_queue::Enqueue;
use super::activity_queue::Poll;
use super::activity_queue::QueueDepth;
use super::activity_queue::QueuedTask;
use super::activity_queue::Withdraw;
use super::child_watches::report_child_end;
use super::child_watches::sync_child;
use super::child_watches::ChildOf;
use super::child_watches::ChildWatches;
use super::execution::Committed;
use super::execution::HeartbeatsExpired;
use super::execution::Relinquish;
use super::execution::StartActivityTask;
use super::execution::Stop;
use super::execution::TaskReport;
use super::execution::UpdateMapRun;
use super::remote::call_owner;
use super::remote::HeartbeatForwarder;
use super::remote::ROUTED_TIMEOUT;
use super::token_registry::HeartbeatOutcome;
use super::token_registry::TokenRegistry;
use super::ExecutionActor;
use crate::asl::Definition;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::cluster::Epoch;
use crate::cluster::NodeId;
use crate::cluster::Routed;
use crate::connectors::Connectors;
use crate::decision::execution_info;
use crate::decision::rebuild;
use crate::engine::map_run::MapRunUpdate;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;
use crate::engine::TimerId;
use crate::execution_log::LoggingConfiguration;
use crate::mocks::MockConfig;
use crate::raft::AppliedNotice;
use crate::raft::RaftNode;
use crate::store::encode;
use crate::store::ExecutionRecord;
use crate::store::ExecutionStatus;
use crate::store::ExecutionTail;
use crate::store::OpenTask;

/// Starts, finds and forgets this node's actors.
pub struct ExecutionSupervisor {
    node: RaftNode,
    connectors: Arc<Connectors>,
    mocks: MockConfig,
    executions: DashMap<String, (Addr<ExecutionActor>, Epoch)>,
    tokens: TokenRegistry,
    queues: DashMap<String, Addr<ActivityQueueActor>>,
    definitions: DashMap<(String, String), Arc<Definition>>,
    arbiters: Vec<Arbiter>,
    next_arbiter: AtomicUsize,
    next_poll: AtomicU64,
    heartbeats: HeartbeatForwarder,
    /// The `.sync` child executions this node's parents wait for.
    children: ChildWatches,
}

/// Parsed definitions kept at most; the cache starts over beyond it.
const DEFINITION_CACHE: usize = 4096;

/// The answer to a call for an execution whose actor is stopping because its shard moves.
pub(super) fn moving() -> AwsError {
    AwsError::unavailable("the execution is moving between nodes; retry")
}

/// Where a call for a shard is served.
enum Route {
    Here,
    Owner(NodeId),
}

impl ExecutionSupervisor {
    /// A supervisor with one Arbiter per available core, calling `connectors` and answering the mocked calls
    /// of test cases from `mocks`.
    pub fn new(node: RaftNode, connectors: Connectors, mocks: MockConfig) -> Arc<ExecutionSupervisor> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let arbiters: Vec<Arbiter> = (0..cores).map(|_| Arbiter::new()).collect();
        Arc::new(ExecutionSupervisor {
            node,
            connectors: Arc::new(connectors),
            mocks,
            executions: DashMap::new(),
            tokens: TokenRegistry::new(&arbiters.iter().map(Arbiter::handle).collect::<Vec<_>>()),
            queues: DashMap::new(),
            definitions: DashMap::new(),
            arbiters,
            next_arbiter: AtomicUsize::new(0),
            next_poll: AtomicU64::new(0),
            heartbeats: HeartbeatForwarder::default(),
            children: ChildWatches::default(),
        })
    }

    fn arbiter(&self) -> actix_rt::ArbiterHandle {
        let index = self.next_arbiter.fetch_add(1, Ordering::Relaxed) % self.arbiters.len();
        self.arbiters[index].handle()
    }

    /// The configured service connectors.
    pub fn connectors(&self) -> Arc<Connectors> {
        self.connectors.clone()
    }

    /// The mock configuration's test cases.
    pub fn mocks(&self) -> &MockConfig {
        &self.mocks
    }

    /// Starts an actor for every open execution of the shards this node owns; returns how many run.
    pub fn resume_all(self: &Arc<Self>) -> Result<usize, AwsError> {
        for arn in self.node.store.open_executions()? {
            self.ensure_running(&arn);
        }
        Ok(self.executions.len())
    }

    /// Applies what the state machine reports, in order, until the node stops.
    pub async fn follow(self: Arc<Self>, mut notices: tokio::sync::mpsc::UnboundedReceiver<AppliedNotice>) {
        while let Some(notice) = notices.recv().await {
            match notice {
                AppliedNotice::ExecutionStarted(arn) => self.ensure_running(&arn),
                AppliedNotice::ExecutionClosed(arn) => self.child_closed(&arn),
                AppliedNotice::ShardsChanged => {
                    if let Err(e) = self.shards_changed() {
                        tracing::error!(error = %e.message, "cannot follow the new shard map");
                    }
                }
            }
        }
    }

    /// After the shard map changed: stops the actors of shards this node lost, starts those of shards it
    /// gained, and rebuilds the queues of activities it now owns from the replicated state.
    pub fn shards_changed(self: &Arc<Self>) -> Result<(), AwsError> {
        let lost: Vec<Addr<ExecutionActor>> = self
            .executions
            .iter()
            .filter(|entry| self.node.owned_epoch(entry.key()) != Some(entry.value().1))
            .map(|entry| entry.value().0.clone())
            .collect();
        // A relinquished actor leaves the map itself once it has closed its tokens (`finished`), and a new
        // owner's actor starts only then: started at once, its tokens could be closed by the old actor's
        // relinquish, which would lose their heartbeat deadlines.
        for addr in lost {
            addr.do_send(Relinquish);
        }
        self.queues.retain(|activity, _| self.node.owned_epoch(activity).is_some());
        let mut rebuilt = 0;
        for arn in self.node.store.open_executions()? {
            self.ensure_running(&arn);
        }
        for (arn, task) in self.node.store.all_open_tasks()? {
            if task.started {
                continue;
            }
            if let Some(activity) = task.activity_arn.as_deref().filter(|a| self.node.owned_epoch(a).is_some()) {
                self.queue(activity).do_send(Enqueue(QueuedTask { execution_arn: arn, slot: TaskSlot(task.slot) }));
                rebuilt += 1;
            }
        }
        tracing::info!(node = self.node.id, executions = self.executions.len(), queued = rebuilt, "shard map applied");
        Ok(())
    }

    /// Starts the execution's actor if this node owns its shard, unless it runs already (or has ended).
    pub fn ensure_running(self: &Arc<Self>, arn: &str) {
        // The vacant entry holds its map shard until the actor is in it: two callers racing for the same
        // execution (the API's start and the applied-entry notice) cannot start two writers.
        let dashmap::Entry::Vacant(slot) = self.executions.entry(arn.to_string()) else { return };
        let Some(epoch) = self.node.owned_epoch(arn) else { return };
        match self.build(arn, epoch) {
            Ok(Some(actor)) => {
                let addr = ExecutionActor::start_in_arbiter(&self.arbiter(), move |_| actor);
                slot.insert((addr, epoch));
            }
            Ok(None) => {}
            Err(e) => tracing::error!(execution = arn, error = %e.message, "cannot start execution"),
        }
    }

    fn build(self: &Arc<Self>, arn: &str, epoch: Epoch) -> Result<Option<ExecutionActor>, AwsError> {
        let Some(record) = self.node.store.execution(arn)? else {
            return Ok(None);
        };
        let definition = self.revision_definition(&record.state_machine_arn, &record.revision_id)?;
        let Some(committed) = self.committed(&record, &definition)? else {
            return Ok(None);
        };
        let logging = match self.node.store.revision(&record.state_machine_arn, &record.revision_id)? {
            Some(revision) => LoggingConfiguration::parse(&revision.logging),
            None => LoggingConfiguration::default(),
        };
        Ok(Some(ExecutionActor::new(
            arn.to_string(),
            self.node.clone(),
            definition,
            committed,
            Arc::downgrade(self),
            epoch,
            logging,
        )))
    }

    /// The committed state of a RUNNING execution, rebuilt from the log; `None` once it has closed.
    pub fn rebuild(&self, arn: &str) -> Result<Option<Committed>, AwsError> {
        let Some(record) = self.node.store.execution(arn)? else {
            return Ok(None);
        };
        let definition = self.revision_definition(&record.state_machine_arn, &record.revision_id)?;
        self.committed(&record, &definition)
    }

    fn committed(&self, record: &ExecutionRecord, definition: &Definition) -> Result<Option<Committed>, AwsError> {
        let Some(tail) = self.node.store.execution_tail(&record.arn)? else {
            return Ok(None);
        };
        self.rebuilt(record, definition, tail).map(Some)
    }

    /// The state a closed execution that did not succeed was left in, rebuilt from what it kept at its close
    /// (to redrive it); `None` if it kept nothing.
    pub fn closed_state(
        &self,
        record: &ExecutionRecord,
        definition: &Definition,
    ) -> Result<Option<Committed>, AwsError> {
        let Some(tail) = self.node.store.closed_tail(&record.arn)? else {
            return Ok(None);
        };
        self.rebuilt(record, definition, tail).map(Some)
    }

    fn rebuilt(
        &self,
        record: &ExecutionRecord,
        definition: &Definition,
        tail: ExecutionTail,
    ) -> Result<Committed, AwsError> {
        let info = execution_info(record, self.node.token_key());
        let test_case = record.test_case.as_deref().and_then(|case| {
            let machine = &info.state_machine_name;
            self.mocks
                .test_case(machine, case)
                .inspect_err(|e| tracing::warn!(execution = %record.arn, "calls are not mocked: {e}"))
                .ok()
        });
        let rebuilt = rebuild(definition, info, &tail).map_err(|e| {
            tracing::error!(execution = %record.arn, error = %e, "cannot rebuild the execution from the log");
            AwsError::internal("The execution's state could not be rebuilt; see the node's log")
        })?;
        Ok(Committed {
            state: rebuilt.state,
            next_event_id: tail.next_event_id,
            timers: tail.timers.iter().map(|(timer, due)| (TimerId(*timer), *due)).collect(),
            open_tasks: tail.open_tasks,
            checkpoint_bytes: rebuilt.checkpoint_bytes,
            tail_bytes: rebuilt.tail_bytes,
            test_case,
        })
    }

    /// The parsed definition of a state machine revision, parsed once per revision.
    pub fn definition(&self, machine_arn: &str, revision_id: &str, text: &str) -> Result<Arc<Definition>, AwsError> {
        let key = (machine_arn.to_string(), revision_id.to_string());
        if let Some(definition) = self.definitions.get(&key) {
            return Ok(definition.clone());
        }
        let definition = Arc::new(
            Definition::parse(text)
                .map_err(|e| AwsError::internal(format!("stored definition no longer parses: {e}")))?,
        );
        if self.definitions.len() >= DEFINITION_CACHE {
            self.definitions.clear();
        }
        self.definitions.insert(key, definition.clone());
        Ok(definition)
    }

    fn revision_definition(&self, machine_arn: &str, revision_id: &str) -> Result<Arc<Definition>, AwsError> {
        let key = (machine_arn.to_string(), revision_id.to_string());
        if let Some(definition) = self.definitions.get(&key) {
            return Ok(definition.clone());
        }
        let revision = self
            .node
            .store
            .revision(machine_arn, revision_id)?
            .ok_or_else(|| AwsError::internal(format!("revision {revision_id} of {machine_arn} is missing")))?;
        self.definition(machine_arn, revision_id, &revision.definition)
    }

    fn execution(self: &Arc<Self>, arn: &str) -> Option<Addr<ExecutionActor>> {
        self.ensure_running(arn);
        self.executions.get(arn).map(|a| a.0.clone())
    }

    fn route(&self, key: &str) -> Route {
        match self.node.owner_of(key) {
            Some((owner, _)) if owner != self.node.id => Route::Owner(owner),
            _ => Route::Here,
        }
    }

    /// Serves a call another node routed here because this node owns the shard; the encoded answer.
    pub async fn serve(self: &Arc<Self>, routed: Routed) -> Vec<u8> {
        let owned = |key: &str| self.node.owned_epoch(key).is_some();
        match routed {
            Routed::Stop { arn, error, cause } if owned(&arn) => encode(&self.stop_here(&arn, error, cause).await),
            Routed::Report { arn, slot, event } if owned(&arn) => encode(&self.report_here(&arn, slot, event).await),
            Routed::Heartbeats(heartbeats) => {
                let answers: Vec<Result<bool, AwsError>> = heartbeats
                    .iter()
                    .map(|(token, arn, slot, details)| match owned(arn) {
                        true => self.heartbeat_here(token, arn, *slot, details.as_deref()),
                        false => Err(moving()),
                    })
                    .collect();
                encode(&Ok::<_, AwsError>(answers))
            }
            Routed::Cancelled { token, arn, slot } if owned(&arn) => encode(&self.cancelled_here(&token, &arn, slot)),
            Routed::UpdateMapRun { arn, update } if owned(&arn) => {
                encode(&self.update_map_run_here(&arn, update).await)
            }
            Routed::StartActivityTask { arn, slot, worker_name } if owned(&arn) => {
                encode(&self.start_activity_task_here(&arn, slot, worker_name).await)
            }
            Routed::Enqueue { activity, arn, slot } if owned(&activity) => {
                self.queue(&activity).do_send(Enqueue(QueuedTask { execution_arn: arn, slot }));
                encode(&Ok::<(), AwsError>(()))
            }
            Routed::Withdraw { activity, arn, slot } if owned(&activity) => {
                if let Some(queue) = self.queues.get(&activity) {
                    queue.do_send(Withdraw { execution_arn: arn, slot });
                }
                encode(&Ok::<(), AwsError>(()))
            }
            Routed::Poll { activity, worker_name, wait_ms } if owned(&activity) => {
                encode(&self.poll_here(&activity, worker_name, Duration::from_millis(wait_ms)).await)
            }
            _ => encode(&Err::<(), AwsError>(moving())),
        }
    }

    /// Forgets an actor whose execution ended (or moved), unless another actor has taken its place. An execution
    /// that a redrive reopened while its actor was closing it gets a new actor.
    pub fn finished(self: &Arc<Self>, arn: &str, epoch: Epoch) {
        if self.executions.remove_if(arn, |_, (_, running)| *running == epoch).is_none() {
            return;
        }
        if matches!(self.node.store.execution(arn), Ok(Some(e)) if e.status == ExecutionStatus::Running) {
            self.ensure_running(arn);
        }
    }

    /// Ends the runtime side of a task that closed: its token (which first asks its worker to cancel, if the
    /// task was `abandoned`), its place in the activity's queue, and the watch on a `.sync` child, which is
    /// stopped if the task was abandoned (its parent stopped, failed or timed out).
    pub fn close_task_runtime(self: &Arc<Self>, arn: &str, task: &OpenTask, abandoned: bool) {
        match abandoned {
            true => self.tokens.request_cancel(&task.token),
            false => self.close_token(&task.token),
        }
        if let Some(child) = sync_child(task) {
            self.children.forget(&child);
            if abandoned {
                let supervisor = self.clone();
                actix_rt::spawn(async move {
                    if let Err(e) = supervisor.stop(&child, None, None).await {
                        tracing::debug!(execution = %child, error = %e.message, "the child execution was not stopped");
                    }
                });
            }
        }
        if let (Some(activity), false) = (&task.activity_arn, task.started) {
            self.withdraw_activity_task(activity, arn, TaskSlot(task.slot));
        }
    }

    /// Waits for the child execution of a parent's `.sync` task: when the child closes, its end is reported to
    /// the task. A child that closed already is reported at once.
    pub fn watch_child(self: &Arc<Self>, child: &str, parent: &str, slot: TaskSlot, json_output: bool) {
        self.children.watch(child, ChildOf { parent: parent.to_string(), slot, json_output });
        if matches!(self.node.store.execution(child), Ok(Some(record)) if record.stop_ms.is_some()) {
            self.child_closed(child);
        }
    }

    /// Reports the end of a closed execution to the parent task that waits for it here, if any.
    fn child_closed(self: &Arc<Self>, child: &str) {
        let Some(of) = self.children.take(child) else { return };
        match self.node.store.execution(child) {
            Ok(Some(record)) if record.stop_ms.is_some() => {
                actix_rt::spawn(report_child_end(self.clone(), record, of));
            }
            // An idempotent repeat of a start, not the close of the child that runs.
            Ok(Some(_)) => self.children.watch(child, of),
            Ok(None) => {}
            Err(e) => tracing::error!(execution = child, error = %e, "cannot read the closed child execution"),
        }
    }

    /// Stops a running execution; returns the stop time.
    pub async fn stop(
        self: &Arc<Self>,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, AwsError> {
        match self.route(arn) {
            Route::Here => self.stop_here(arn, error, cause).await,
            Route::Owner(owner) => {
                let routed = Routed::Stop { arn: arn.to_string(), error, cause };
                call_owner(&self.node, owner, routed, ROUTED_TIMEOUT).await
            }
        }
    }

    async fn stop_here(
        self: &Arc<Self>,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, AwsError> {
        if self.node.store.execution(arn)?.is_none() {
            // Started through another node that answered before this one applied the start.
            self.node.catch_up().await;
        }
        let stopped = match self.execution(arn) {
            Some(addr) => addr.send(Stop { error, cause }).await.ok(),
            None => None,
        };
        match stopped {
            Some(answer) => answer,
            // The execution ended (and its actor stopped) while the stop was on its way: its stop time stands.
            None => match self.node.store.execution(arn)? {
                Some(record) => record.stop_ms.ok_or_else(moving),
                None => Err(AwsError::execution_does_not_exist(arn)),
            },
        }
    }

    /// Changes the limits of a running map run of the execution `arn` (UpdateMapRun).
    pub async fn update_map_run(self: &Arc<Self>, arn: &str, update: MapRunUpdate) -> Result<(), AwsError> {
        match self.route(arn) {
            Route::Here => self.update_map_run_here(arn, update).await,
            Route::Owner(owner) => {
                let routed = Routed::UpdateMapRun { arn: arn.to_string(), update };
                call_owner(&self.node, owner, routed, ROUTED_TIMEOUT).await
            }
        }
    }

    async fn update_map_run_here(self: &Arc<Self>, arn: &str, update: MapRunUpdate) -> Result<(), AwsError> {
        match self.execution(arn) {
            Some(addr) => addr.send(UpdateMapRun(update)).await.unwrap_or_else(|_| Err(moving())),
            // The execution ended while the update was on its way: its map runs ended with it.
            None => Ok(()),
        }
    }

    /// Reports SendTaskSuccess/SendTaskFailure for the task `slot` of an execution.
    pub async fn report(self: &Arc<Self>, arn: &str, slot: TaskSlot, event: TaskEvent) -> Result<(), AwsError> {
        match self.route(arn) {
            Route::Here => self.report_here(arn, slot, event).await,
            Route::Owner(owner) => {
                let routed = Routed::Report { arn: arn.to_string(), slot, event };
                call_owner(&self.node, owner, routed, ROUTED_TIMEOUT).await
            }
        }
    }

    async fn report_here(self: &Arc<Self>, arn: &str, slot: TaskSlot, event: TaskEvent) -> Result<(), AwsError> {
        let Some(addr) = self.execution(arn) else {
            return Err(AwsError::task_timed_out());
        };
        addr.send(TaskReport { slot, event }).await.map_err(|_| moving())?
    }

    /// A heartbeat (SendTaskHeartbeat, RecordActivityTaskHeartbeat): moves the token's heartbeat deadline and
    /// keeps `details` as the worker's last; answers whether the worker is asked to cancel the task. A token
    /// without a started task (a callback whose call is still being made) is accepted if the task is open.
    pub async fn heartbeat(
        &self,
        token: &str,
        arn: &str,
        slot: TaskSlot,
        details: Option<String>,
    ) -> Result<bool, AwsError> {
        match self.route(arn) {
            Route::Here => self.heartbeat_here(token, arn, slot, details.as_deref()),
            Route::Owner(owner) => self.heartbeats.send(&self.node, owner, (token, arn, slot, details)).await,
        }
    }

    /// Heartbeats for many tokens, as (token, execution, slot, details): those of executions this node owns
    /// are served at once, the others forwarded to their owners together; one answer per heartbeat, in order.
    pub async fn heartbeats(
        &self,
        batch: Vec<(String, String, TaskSlot, Option<String>)>,
    ) -> Vec<Result<bool, AwsError>> {
        let mut answers = Vec::with_capacity(batch.len());
        let mut forwarded = Vec::new();
        for (index, (token, arn, slot, details)) in batch.into_iter().enumerate() {
            match self.route(&arn) {
                Route::Here => answers.push(self.heartbeat_here(&token, &arn, slot, details.as_deref())),
                Route::Owner(owner) => {
                    answers.push(Ok(false));
                    forwarded.push((index, owner, token, arn, slot, details));
                }
            }
        }
        let remote = forwarded.into_iter().map(|(index, owner, token, arn, slot, details)| async move {
            (index, self.heartbeats.send(&self.node, owner, (&token, &arn, slot, details)).await)
        });
        for (index, answer) in futures::future::join_all(remote).await {
            answers[index] = answer;
        }
        answers
    }

    fn heartbeat_here(&self, token: &str, arn: &str, slot: TaskSlot, details: Option<&str>) -> Result<bool, AwsError> {
        // Without the owner lease this node may have lost the shard already; the new owner's heartbeat window
        // would not know of this heartbeat.
        if !self.node.holds_owner_lease() {
            return Err(AwsError::unavailable("this node cannot confirm it still owns the task's execution; retry"));
        }
        match self.tokens.heartbeat(token, details) {
            HeartbeatOutcome::Accepted => {
                metrics::counter!(crate::metrics::HEARTBEATS).increment(1);
                Ok(false)
            }
            HeartbeatOutcome::CancelRequested => Ok(true),
            HeartbeatOutcome::Ended => Err(AwsError::task_timed_out()),
            HeartbeatOutcome::Unknown => self.untracked_task(arn, slot).map(|()| false),
        }
    }

    /// A token this node keeps no actor for: fine if its task is open and not started, else TaskTimedOut (or
    /// TaskDoesNotExist when the execution is unknown).
    fn untracked_task(&self, arn: &str, slot: TaskSlot) -> Result<(), AwsError> {
        if self.node.store.open_task(arn, slot.0)?.is_some_and(|t| !t.started) {
            return Ok(());
        }
        match self.node.store.execution(arn)? {
            Some(_) => Err(AwsError::task_timed_out()),
            None => Err(AwsError::new(ErrorCode::TaskDoesNotExist, "Task Does Not Exist")),
        }
    }

    /// RespondActivityTaskCanceled: the worker stopped an abandoned task. Accepted while the token answers that
    /// a cancel is requested (then the token is forgotten); OperationNotPermittedFault while the task is open.
    pub async fn cancelled(self: &Arc<Self>, token: &str, arn: &str, slot: TaskSlot) -> Result<(), AwsError> {
        match self.route(arn) {
            Route::Here => self.cancelled_here(token, arn, slot),
            Route::Owner(owner) => {
                let routed = Routed::Cancelled { token: token.to_string(), arn: arn.to_string(), slot };
                call_owner(&self.node, owner, routed, ROUTED_TIMEOUT).await
            }
        }
    }

    fn cancelled_here(&self, token: &str, arn: &str, slot: TaskSlot) -> Result<(), AwsError> {
        let not_requested = || {
            AwsError::new(
                ErrorCode::OperationNotPermittedFault,
                "No cancel was requested for this task: report its outcome with RespondActivityTaskCompleted or \
                 RespondActivityTaskFailed",
            )
        };
        match self.tokens.cancelled(token) {
            HeartbeatOutcome::CancelRequested => Ok(()),
            HeartbeatOutcome::Accepted => Err(not_requested()),
            HeartbeatOutcome::Ended => Err(AwsError::task_timed_out()),
            HeartbeatOutcome::Unknown => self.untracked_task(arn, slot).and_then(|()| Err(not_requested())),
        }
    }

    /// Starts the token actor of a started task, with a fresh heartbeat window from `window_from_ms`.
    pub fn start_token(
        &self,
        token: &str,
        slot: TaskSlot,
        expiries: Arc<Recipient<HeartbeatsExpired>>,
        heartbeat_seconds: Option<u64>,
        window_from_ms: i64,
    ) {
        self.tokens.open(token, slot, expiries, heartbeat_seconds, window_from_ms);
    }

    /// Ends a token: later heartbeats and completions get TaskTimedOut.
    pub fn close_token(&self, token: &str) {
        self.tokens.close(token);
    }

    /// Number of outstanding started tokens on this node.
    pub fn open_tokens(&self) -> usize {
        self.tokens.len()
    }

    fn queue(self: &Arc<Self>, activity: &str) -> Addr<ActivityQueueActor> {
        let weak = Arc::downgrade(self);
        self.queues
            .entry(activity.to_string())
            .or_insert_with(|| {
                ActivityQueueActor::start_in_arbiter(&self.arbiter(), move |_| ActivityQueueActor::new(weak))
            })
            .clone()
    }

    /// Queues a scheduled activity task for the activity's pollers, on the node owning the activity. If that
    /// node cannot be reached, the task waits in the replicated state until the activity's shard moves.
    pub fn enqueue_activity_task(self: &Arc<Self>, activity: &str, arn: &str, slot: TaskSlot) {
        match self.route(activity) {
            Route::Here => {
                self.queue(activity).do_send(Enqueue(QueuedTask { execution_arn: arn.to_string(), slot }));
            }
            Route::Owner(owner) => {
                let routed = Routed::Enqueue { activity: activity.to_string(), arn: arn.to_string(), slot };
                self.send_to_owner(owner, routed);
            }
        }
    }

    /// Removes a queued task that closed before any worker took it.
    pub fn withdraw_activity_task(self: &Arc<Self>, activity: &str, arn: &str, slot: TaskSlot) {
        match self.route(activity) {
            Route::Here => {
                if let Some(queue) = self.queues.get(activity) {
                    queue.do_send(Withdraw { execution_arn: arn.to_string(), slot });
                }
            }
            Route::Owner(owner) => {
                let routed = Routed::Withdraw { activity: activity.to_string(), arn: arn.to_string(), slot };
                self.send_to_owner(owner, routed);
            }
        }
    }

    /// Sends a one-way routed call in the background.
    fn send_to_owner(&self, owner: NodeId, routed: Routed) {
        let node = self.node.clone();
        self.arbiter().spawn(async move {
            let answer: Result<(), AwsError> = call_owner(&node, owner, routed, ROUTED_TIMEOUT).await;
            if let Err(e) = answer {
                tracing::warn!(owner, error = %e.message, "a queue change did not reach the activity's owner");
            }
        });
    }

    /// Records ActivityStarted for a queued task; answers its token and input once committed.
    pub async fn start_activity_task(
        self: &Arc<Self>,
        arn: &str,
        slot: TaskSlot,
        worker_name: Option<String>,
    ) -> Result<Delivery, AwsError> {
        match self.route(arn) {
            Route::Here => self.start_activity_task_here(arn, slot, worker_name).await,
            Route::Owner(owner) => {
                let routed = Routed::StartActivityTask { arn: arn.to_string(), slot, worker_name };
                call_owner(&self.node, owner, routed, ROUTED_TIMEOUT).await
            }
        }
    }

    async fn start_activity_task_here(
        self: &Arc<Self>,
        arn: &str,
        slot: TaskSlot,
        worker_name: Option<String>,
    ) -> Result<Delivery, AwsError> {
        let addr = self.execution(arn).ok_or_else(|| AwsError::execution_does_not_exist(arn))?;
        addr.send(StartActivityTask { slot, worker_name }).await.map_err(|_| moving())?
    }

    /// GetActivityTask: waits up to `wait` for a task of the activity, on the node owning the activity.
    pub async fn poll(
        self: &Arc<Self>,
        activity: &str,
        worker_name: Option<String>,
        wait: Duration,
    ) -> Result<Option<Delivery>, AwsError> {
        match self.route(activity) {
            Route::Here => self.poll_here(activity, worker_name, wait).await,
            Route::Owner(owner) => {
                let wait_ms = wait.as_millis() as u64;
                let routed = Routed::Poll { activity: activity.to_string(), worker_name, wait_ms };
                call_owner(&self.node, owner, routed, wait + ROUTED_TIMEOUT).await
            }
        }
    }

    async fn poll_here(
        self: &Arc<Self>,
        activity: &str,
        worker_name: Option<String>,
        wait: Duration,
    ) -> Result<Option<Delivery>, AwsError> {
        let queue = self.queue(activity);
        let id = self.next_poll.fetch_add(1, Ordering::Relaxed);
        let (reply, mut delivered) = oneshot::channel();
        queue.send(Poll { id, worker_name, reply }).await.map_err(|_| moving())??;
        match tokio::time::timeout(wait, &mut delivered).await {
            Ok(delivery) => Ok(delivery.ok()),
            Err(_) => {
                let still_waiting = queue.send(CancelPoll { id }).await.unwrap_or(true);
                if still_waiting {
                    Ok(None)
                } else {
                    Ok(delivered.await.ok())
                }
            }
        }
    }

    /// The backlog and waiting pollers of an activity whose queue is on this node (`None`: no queue here).
    pub async fn activity_queue_depth(&self, activity: &str) -> Option<QueueDepth> {
        let queue = self.queues.get(activity).map(|q| q.clone())?;
        queue.send(Depth).await.ok()
    }

    /// Number of executions with a live actor.
    pub fn running(&self) -> usize {
        self.executions.len()
    }
}
