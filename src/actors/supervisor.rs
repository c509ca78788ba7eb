//! Owns this node's actors: one `ExecutionActor` per open execution, one `TaskTokenActor` per started task
//! token, one `ActivityQueueActor` per activity in use. Routes API calls to them.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use actix::Addr;
use actix_rt::Arbiter;
use dashmap::DashMap;
use tokio::sync::oneshot;

use super::activity_queue::ActivityQueueActor;
use super::activity_queue::CancelPoll;
use super::activity_queue::Delivery;
use super::activity_queue::Enqueue;
use super::activity_queue::Poll;
use super::activity_queue::QueuedTask;
use super::activity_queue::Withdraw;
use super::execution::StartActivityTask;
use super::execution::Stop;
use super::execution::TaskReport;
use super::task_token::Close;
use super::task_token::Heartbeat;
use super::task_token::TaskTokenActor;
use super::ExecutionActor;
use crate::asl::Definition;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::connectors::Connectors;
use crate::engine::ExecutionState;
use crate::engine::TaskEvent;
use crate::engine::TaskSlot;
use crate::engine::TimerId;
use crate::raft::RaftNode;

/// Starts, finds and forgets this node's actors.
pub struct ExecutionSupervisor {
    node: RaftNode,
    connectors: Arc<Connectors>,
    executions: DashMap<String, Addr<ExecutionActor>>,
    tokens: DashMap<String, Addr<TaskTokenActor>>,
    queues: DashMap<String, Addr<ActivityQueueActor>>,
    arbiters: Vec<Arbiter>,
    next_arbiter: AtomicUsize,
    next_poll: AtomicU64,
}

fn moving() -> AwsError {
    AwsError::unavailable("the execution is moving between nodes; retry")
}

impl ExecutionSupervisor {
    /// A supervisor with one Arbiter per available core.
    pub fn new(node: RaftNode, connectors: Connectors) -> Arc<ExecutionSupervisor> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Arc::new(ExecutionSupervisor {
            node,
            connectors: Arc::new(connectors),
            executions: DashMap::new(),
            tokens: DashMap::new(),
            queues: DashMap::new(),
            arbiters: (0..cores).map(|_| Arbiter::new()).collect(),
            next_arbiter: AtomicUsize::new(0),
            next_poll: AtomicU64::new(0),
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

    /// Starts an actor for every execution that was running when the node last stopped.
    pub fn resume_all(self: &Arc<Self>) -> Result<usize, AwsError> {
        let open = self.node.store.open_executions()?;
        for arn in &open {
            self.ensure_running(arn);
        }
        Ok(open.len())
    }

    /// Starts the execution's actor unless it runs already (or the execution has ended).
    pub fn ensure_running(self: &Arc<Self>, arn: &str) {
        if self.executions.contains_key(arn) {
            return;
        }
        match self.build(arn) {
            Ok(Some(actor)) => {
                let addr = ExecutionActor::start_in_arbiter(&self.arbiter(), move |_| actor);
                self.executions.insert(arn.to_string(), addr);
            }
            Ok(None) => {}
            Err(e) => tracing::error!(execution = arn, error = %e.message, "cannot start execution"),
        }
    }

    fn build(self: &Arc<Self>, arn: &str) -> Result<Option<ExecutionActor>, AwsError> {
        let store = &self.node.store;
        let Some(record) = store.execution(arn)? else {
            return Ok(None);
        };
        if record.stop_ms.is_some() {
            return Ok(None);
        }
        let revision = store
            .revision(&record.state_machine_arn, &record.revision_id)?
            .ok_or_else(|| AwsError::internal(format!("revision {} of {arn} is missing", record.revision_id)))?;
        let definition = Definition::parse(&revision.definition)
            .map_err(|e| AwsError::internal(format!("stored definition no longer parses: {e}")))?;
        let state: ExecutionState = serde_json::from_str(&record.engine_state)
            .map_err(|e| AwsError::internal(format!("stored execution state does not decode: {e}")))?;
        let timers = record
            .timers
            .iter()
            .filter_map(|(timer, due)| serde_json::from_str::<TimerId>(timer).ok().map(|t| (t, *due)))
            .collect();
        Ok(Some(ExecutionActor::new(
            arn.to_string(),
            self.node.clone(),
            Arc::new(definition),
            state,
            record.next_event_id,
            timers,
            record.open_tasks,
            Arc::downgrade(self),
        )))
    }

    fn execution(self: &Arc<Self>, arn: &str) -> Option<Addr<ExecutionActor>> {
        self.ensure_running(arn);
        self.executions.get(arn).map(|a| a.clone())
    }

    /// Forgets an actor whose execution ended.
    pub fn finished(&self, arn: &str) {
        self.executions.remove(arn);
    }

    /// Stops a running execution; returns the stop time.
    pub async fn stop(
        self: &Arc<Self>,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, AwsError> {
        let addr = self.execution(arn).ok_or_else(|| AwsError::execution_does_not_exist(arn))?;
        addr.send(Stop { error, cause }).await.map_err(|_| moving())?
    }

    /// Reports SendTaskSuccess/SendTaskFailure for the task `slot` of an execution.
    pub async fn report(self: &Arc<Self>, arn: &str, slot: TaskSlot, event: TaskEvent) -> Result<(), AwsError> {
        let Some(addr) = self.execution(arn) else {
            return Err(AwsError::task_timed_out());
        };
        addr.send(TaskReport { slot, event }).await.map_err(|_| moving())?
    }

    /// SendTaskHeartbeat: moves the token's heartbeat deadline. A token without a started task (a callback
    /// whose call is still being made) is accepted if the task is open.
    pub fn heartbeat(&self, token: &str, arn: &str, slot: TaskSlot) -> Result<(), AwsError> {
        let timed_out = AwsError::task_timed_out;
        if let Some(addr) = self.tokens.get(token).map(|a| a.clone()) {
            return match addr.try_send(Heartbeat) {
                Ok(()) => {
                    metrics::counter!(crate::metrics::HEARTBEATS).increment(1);
                    Ok(())
                }
                Err(actix::dev::SendError::Full(_)) => {
                    Err(AwsError::new(ErrorCode::ThrottlingException, "Rate exceeded"))
                }
                Err(actix::dev::SendError::Closed(_)) => Err(timed_out()),
            };
        }
        let record = self.node.store.execution(arn)?;
        match record {
            Some(r) if r.stop_ms.is_none() && r.open_tasks.iter().any(|t| t.slot == slot.0 && !t.started) => Ok(()),
            Some(_) => Err(timed_out()),
            None => Err(AwsError::new(ErrorCode::TaskDoesNotExist, "Task Does Not Exist")),
        }
    }

    /// Starts the token actor of a started task, with a fresh heartbeat window.
    pub fn start_token(
        &self,
        token: &str,
        slot: TaskSlot,
        execution: Addr<ExecutionActor>,
        heartbeat_seconds: Option<u64>,
    ) {
        if self.tokens.contains_key(token) {
            return;
        }
        let addr = TaskTokenActor::new(slot, execution.recipient(), heartbeat_seconds).start();
        self.tokens.insert(token.to_string(), addr);
    }

    /// Ends a token: later heartbeats and completions get TaskTimedOut.
    pub fn close_token(&self, token: &str) {
        if let Some((_, addr)) = self.tokens.remove(token) {
            addr.do_send(Close);
        }
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

    /// Queues a scheduled activity task for the activity's pollers.
    pub fn enqueue_activity_task(self: &Arc<Self>, activity: &str, arn: &str, slot: TaskSlot) {
        self.queue(activity).do_send(Enqueue(QueuedTask { execution_arn: arn.to_string(), slot }));
    }

    /// Removes a queued task that closed before any worker took it.
    pub fn withdraw_activity_task(self: &Arc<Self>, activity: &str, arn: &str, slot: TaskSlot) {
        if let Some(queue) = self.queues.get(activity) {
            queue.do_send(Withdraw { execution_arn: arn.to_string(), slot });
        }
    }

    /// Records ActivityStarted for a queued task; answers its token and input once committed.
    pub async fn start_activity_task(
        self: &Arc<Self>,
        arn: &str,
        slot: TaskSlot,
        worker_name: Option<String>,
    ) -> Result<Delivery, AwsError> {
        let addr = self.execution(arn).ok_or_else(|| AwsError::execution_does_not_exist(arn))?;
        addr.send(StartActivityTask { slot, worker_name }).await.map_err(|_| moving())?
    }

    /// GetActivityTask: waits up to `wait` for a task of the activity.
    pub async fn poll(
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

    /// Number of executions with a live actor.
    pub fn running(&self) -> usize {
        self.executions.len()
    }
}
