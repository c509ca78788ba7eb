//! `ActivityQueueActor`: one per activity with work or pollers. It keeps the FIFO backlog of scheduled
//! tasks and the waiting GetActivityTask long-polls, and hands a task to a poller only after its
//! `ActivityStarted` event has committed: each task reaches exactly one worker.

use std::collections::VecDeque;
use std::sync::Weak;
use std::time::Duration;

use actix::fut::wrap_future;
use actix::Actor;
use actix::ActorFutureExt;
use actix::AsyncContext;
use actix::Context;
use actix::Handler;
use actix::Message;
use actix::MessageResult;
use serde::Deserialize;
use serde::Serialize;
use tokio::sync::oneshot;

use super::ExecutionSupervisor;
use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::engine::TaskSlot;

/// How long a task whose execution could not be reached waits before it is offered again.
const RETRY_DELAY: Duration = Duration::from_millis(200);

/// Most concurrent pollers of one activity (AWS: 1,000).
pub const MAX_POLLERS: usize = 1000;

/// A scheduled activity task waiting for a worker.
#[derive(Debug, Clone)]
pub struct QueuedTask {
    pub execution_arn: String,
    pub slot: TaskSlot,
}

/// What a poller receives.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    pub token: String,
    pub input: String,
    /// The id of the task's ActivityStarted event.
    pub started_event_id: u64,
}

/// Adds a scheduled task to the back of the queue.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Enqueue(pub QueuedTask);

/// Removes a task that closed before a worker took it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Withdraw {
    pub execution_arn: String,
    pub slot: TaskSlot,
}

/// A GetActivityTask long poll.
#[derive(Message)]
#[rtype(result = "Result<(), AwsError>")]
pub struct Poll {
    pub id: u64,
    pub worker_name: Option<String>,
    pub reply: oneshot::Sender<Delivery>,
}

/// Ends a poll that timed out. Answers whether it was still waiting (false: a task is on its way).
#[derive(Message)]
#[rtype(result = "bool")]
pub struct CancelPoll {
    pub id: u64,
}

/// Reads how many tasks wait for a worker and how many workers wait for a task.
#[derive(Message)]
#[rtype(result = "QueueDepth")]
pub struct Depth;

/// The answer to [`Depth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    pub backlog: usize,
    pub pollers: usize,
}

struct Poller {
    id: u64,
    worker_name: Option<String>,
    reply: oneshot::Sender<Delivery>,
}

/// The backlog and pollers of one activity.
pub struct ActivityQueueActor {
    tasks: VecDeque<QueuedTask>,
    pollers: VecDeque<Poller>,
    supervisor: Weak<ExecutionSupervisor>,
}

impl ActivityQueueActor {
    pub fn new(supervisor: Weak<ExecutionSupervisor>) -> ActivityQueueActor {
        ActivityQueueActor { tasks: VecDeque::new(), pollers: VecDeque::new(), supervisor }
    }

    /// Pairs waiting pollers with queued tasks; each pair is started through the execution's actor and the
    /// poller gets the task once `ActivityStarted` committed.
    fn dispatch(&mut self, ctx: &mut Context<Self>) {
        while !self.tasks.is_empty() {
            let Some(poller) = self.pollers.pop_front() else { return };
            if poller.reply.is_closed() {
                continue;
            }
            let task = self.tasks.pop_front().expect("checked non-empty");
            let Some(supervisor) = self.supervisor.upgrade() else { return };
            let worker = poller.worker_name.clone();
            let task_again = task.clone();
            let started = async move { supervisor.start_activity_task(&task.execution_arn, task.slot, worker).await };
            ctx.spawn(wrap_future::<_, Self>(started).map(move |result, act, ctx| match result {
                Ok(delivery) => {
                    let _ = poller.reply.send(delivery);
                }
                Err(error) if error.code == ErrorCode::ServiceUnavailable => {
                    tracing::debug!(error = %error.message, "activity task not startable yet; retrying");
                    act.pollers.push_front(poller);
                    act.tasks.push_front(task_again);
                    ctx.run_later(RETRY_DELAY, |act, ctx| act.dispatch(ctx));
                }
                Err(error) => {
                    tracing::debug!(error = %error.message, "activity task no longer startable");
                    act.pollers.push_front(poller);
                    act.dispatch(ctx);
                }
            }));
        }
    }
}

impl Actor for ActivityQueueActor {
    type Context = Context<Self>;
}

impl Handler<Enqueue> for ActivityQueueActor {
    type Result = ();

    fn handle(&mut self, Enqueue(task): Enqueue, ctx: &mut Context<Self>) {
        if !self.tasks.iter().any(|t| t.execution_arn == task.execution_arn && t.slot == task.slot) {
            self.tasks.push_back(task);
        }
        self.dispatch(ctx);
    }
}

impl Handler<Withdraw> for ActivityQueueActor {
    type Result = ();

    fn handle(&mut self, w: Withdraw, _ctx: &mut Context<Self>) {
        self.tasks.retain(|t| !(t.execution_arn == w.execution_arn && t.slot == w.slot));
    }
}

impl Handler<Poll> for ActivityQueueActor {
    type Result = Result<(), AwsError>;

    fn handle(&mut self, poll: Poll, ctx: &mut Context<Self>) -> Result<(), AwsError> {
        self.pollers.retain(|p| !p.reply.is_closed());
        if self.pollers.len() >= MAX_POLLERS {
            return Err(AwsError::new(
                ErrorCode::ActivityWorkerLimitExceeded,
                format!("At most {MAX_POLLERS} workers may poll one activity at a time"),
            ));
        }
        self.pollers.push_back(Poller { id: poll.id, worker_name: poll.worker_name, reply: poll.reply });
        self.dispatch(ctx);
        Ok(())
    }
}

impl Handler<CancelPoll> for ActivityQueueActor {
    type Result = bool;

    fn handle(&mut self, cancel: CancelPoll, _ctx: &mut Context<Self>) -> bool {
        let before = self.pollers.len();
        self.pollers.retain(|p| p.id != cancel.id);
        self.pollers.len() != before
    }
}

impl Handler<Depth> for ActivityQueueActor {
    type Result = MessageResult<Depth>;

    fn handle(&mut self, _: Depth, _ctx: &mut Context<Self>) -> MessageResult<Depth> {
        let pollers = self.pollers.iter().filter(|p| !p.reply.is_closed()).count();
        MessageResult(QueueDepth { backlog: self.tasks.len(), pollers })
    }
}
