//! Owns the execution actors of this node.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use actix::Actor;
use actix::Addr;
use actix_rt::Arbiter;
use dashmap::DashMap;

use super::execution::Stop;
use super::ExecutionActor;
use crate::asl::Definition;
use crate::aws_error::AwsError;
use crate::engine::ExecutionState;
use crate::engine::TimerId;
use crate::raft::RaftNode;

/// Starts, finds and forgets execution actors.
pub struct ExecutionSupervisor {
    node: RaftNode,
    actors: DashMap<String, Addr<ExecutionActor>>,
    arbiters: Vec<Arbiter>,
    next_arbiter: AtomicUsize,
}

impl ExecutionSupervisor {
    /// A supervisor with one Arbiter per available core.
    pub fn new(node: RaftNode) -> Arc<ExecutionSupervisor> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Arc::new(ExecutionSupervisor {
            node,
            actors: DashMap::new(),
            arbiters: (0..cores).map(|_| Arbiter::new()).collect(),
            next_arbiter: AtomicUsize::new(0),
        })
    }

    /// Starts an actor for every execution that was running when the node last stopped.
    pub fn resume_all(self: &Arc<Self>) -> Result<usize, AwsError> {
        let open = self
            .node
            .store
            .open_executions()
            .map_err(|e| AwsError::internal(e.to_string()))?;
        for arn in &open {
            self.ensure_running(arn);
        }
        Ok(open.len())
    }

    /// Starts the execution's actor unless it runs already (or the execution has ended).
    pub fn ensure_running(self: &Arc<Self>, arn: &str) {
        if self.actors.contains_key(arn) {
            return;
        }
        match self.build(arn) {
            Ok(Some(actor)) => {
                let index = self.next_arbiter.fetch_add(1, Ordering::Relaxed) % self.arbiters.len();
                let addr = ExecutionActor::start_in_arbiter(&self.arbiters[index].handle(), move |_| actor);
                self.actors.insert(arn.to_string(), addr);
            }
            Ok(None) => {}
            Err(e) => tracing::error!(execution = arn, error = %e.message, "cannot start execution"),
        }
    }

    fn build(self: &Arc<Self>, arn: &str) -> Result<Option<ExecutionActor>, AwsError> {
        let store = &self.node.store;
        let Some(record) = store.execution(arn).map_err(|e| AwsError::internal(e.to_string()))? else {
            return Ok(None);
        };
        if record.stop_ms.is_some() {
            return Ok(None);
        }
        let revision = store
            .revision(&record.state_machine_arn, &record.revision_id)
            .map_err(|e| AwsError::internal(e.to_string()))?
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
            Arc::downgrade(self),
        )))
    }

    /// Forgets an actor whose execution ended.
    pub fn finished(&self, arn: &str) {
        self.actors.remove(arn);
    }

    /// Stops a running execution; returns the stop time.
    pub async fn stop(
        self: &Arc<Self>,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, AwsError> {
        self.ensure_running(arn);
        let addr = self.actors.get(arn).map(|a| a.clone());
        let Some(addr) = addr else {
            return Err(AwsError::execution_does_not_exist(arn));
        };
        addr.send(Stop { error, cause })
            .await
            .map_err(|_| AwsError::unavailable("the execution is moving between nodes; retry"))?
    }

    /// Number of executions with a live actor.
    pub fn running(&self) -> usize {
        self.actors.len()
    }
}
