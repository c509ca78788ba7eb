//! Map runs: what a Distributed Map reports about itself. Each time its items start, finish or are given up,
//! and when its limits change (UpdateMapRun), the engine emits [`Effect::MapRun`] with the whole record, which
//! the runtime stores for DescribeMapRun and ListMapRuns. Nothing here decides how items run; `map` does.

use serde::Deserialize;
use serde::Serialize;

use crate::engine::execution::MapProgress;
use crate::engine::execution::Position;
use crate::engine::execution::Thread;
use crate::engine::io::Effect;
use crate::engine::run::Run;

/// What a Distributed Map remembers about its map run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRunTrack {
    /// `arn:aws:states:<region>:<account>:mapRun:<machine>/<label>:<id>`.
    pub arn: String,
    pub start_ms: i64,
    /// Items in each iteration's batch (ItemBatcher); empty when each iteration runs one item.
    pub batch_sizes: Vec<u64>,
    /// How each started iteration stands (index = iteration index).
    pub outcomes: Vec<Outcome>,
}

/// Where one iteration (an item, or a batch of items) of a map run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Running,
    Succeeded,
    Failed,
    /// Given up while running: the map run failed or was aborted.
    Aborted,
}

impl MapRunTrack {
    /// The items iteration `index` runs.
    pub fn items_of(&self, index: usize) -> u64 {
        self.batch_sizes.get(index).copied().unwrap_or(1)
    }

    /// The items of a map run of `iterations` iterations.
    pub fn total_items(&self, iterations: usize) -> u64 {
        match self.batch_sizes.is_empty() {
            true => iterations as u64,
            false => self.batch_sizes.iter().sum(),
        }
    }

    /// Records how iteration `index` stands.
    pub fn set(&mut self, index: usize, outcome: Outcome) {
        match self.outcomes.get_mut(index) {
            Some(slot) => *slot = outcome,
            None => self.outcomes.push(outcome),
        }
    }

    /// The counts of a map run of `iterations` iterations, weighing each iteration by `weight`; running ones
    /// count as aborted when the map run is `closed`.
    fn counts(&self, iterations: usize, closed: bool, weight: impl Fn(usize) -> u64) -> MapRunCounts {
        let mut counts = MapRunCounts::default();
        for index in 0..iterations {
            let n = weight(index);
            counts.total += n;
            match self.outcomes.get(index) {
                None => counts.pending += n,
                Some(Outcome::Running) if closed => counts.aborted += n,
                Some(Outcome::Running) => counts.running += n,
                Some(Outcome::Succeeded) => counts.succeeded += n,
                Some(Outcome::Failed) => counts.failed += n,
                Some(Outcome::Aborted) => counts.aborted += n,
            }
        }
        counts
    }
}

/// RUNNING, SUCCEEDED, FAILED or ABORTED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MapRunStatus {
    Running,
    Succeeded,
    Failed,
    Aborted,
}

impl MapRunStatus {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MapRunStatus::Running => "RUNNING",
            MapRunStatus::Succeeded => "SUCCEEDED",
            MapRunStatus::Failed => "FAILED",
            MapRunStatus::Aborted => "ABORTED",
        }
    }
}

/// `MapRunItemCounts` or `MapRunExecutionCounts` (an execution is one iteration: an item or a batch of items).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRunCounts {
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub aborted: u64,
    pub total: u64,
    pub results_written: u64,
}

/// A map run as DescribeMapRun and ListMapRuns show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRunRecord {
    pub arn: String,
    pub execution_arn: String,
    pub state_machine_arn: String,
    pub status: MapRunStatus,
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    /// 0 means no limit.
    pub max_concurrency: u64,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
    pub items: MapRunCounts,
    pub executions: MapRunCounts,
}

/// UpdateMapRun: the limits to change on a running map run; `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRunUpdate {
    pub map_run_arn: String,
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
}

/// Emits the record of the map run of `p` (a Distributed Map) as it stands, with `status`. Items still
/// running when the map run closes count as aborted.
pub fn report(run: &mut Run<'_>, p: &MapProgress, status: MapRunStatus) {
    let Some(track) = &p.map_run else { return };
    let closed = status != MapRunStatus::Running;
    let iterations = p.inputs.len();
    let tolerance = p.tolerance.clone().unwrap_or_default();
    let record = MapRunRecord {
        arn: track.arn.clone(),
        execution_arn: run.info.execution_arn.clone(),
        state_machine_arn: run.info.state_machine_arn.clone(),
        status,
        start_ms: track.start_ms,
        stop_ms: closed.then_some(run.now_ms),
        max_concurrency: p.max_concurrency,
        tolerated_failure_count: tolerance.count,
        tolerated_failure_percentage: tolerance.percentage,
        items: track.counts(iterations, closed, |index| track.items_of(index)),
        executions: track.counts(iterations, closed, |_| 1),
    };
    run.effects.push(Effect::MapRun(Box::new(record)));
}

/// Reports every map run still running in `thread` (and the threads under it) as ABORTED: the execution
/// ends while they run.
pub fn abort_all(run: &mut Run<'_>, thread: &Thread) {
    match &thread.position {
        Position::Parallel { branches, .. } => branches.iter().for_each(|branch| abort_all(run, branch)),
        Position::Map(progress) => {
            for (iteration, reported) in progress.iterations.iter().zip(&progress.reported) {
                if !reported {
                    abort_all(run, iteration);
                }
            }
            report(run, progress, MapRunStatus::Aborted);
        }
        _ => {}
    }
}

/// Applies `update` to the running map run it names in `thread` (or under it); whether one was found.
pub fn apply_update(run: &mut Run<'_>, thread: &mut Thread, update: &MapRunUpdate) -> bool {
    match &mut thread.position {
        Position::Parallel { branches, .. } => branches.iter_mut().any(|branch| apply_update(run, branch, update)),
        Position::Map(progress) => {
            if progress.map_run.as_ref().is_some_and(|track| track.arn == update.map_run_arn) {
                if let Some(max) = update.max_concurrency {
                    progress.max_concurrency = max;
                }
                let tolerance = progress.tolerance.get_or_insert_with(Default::default);
                if let Some(count) = update.tolerated_failure_count {
                    tolerance.count = Some(count);
                }
                if let Some(percentage) = update.tolerated_failure_percentage {
                    tolerance.percentage = Some(percentage);
                }
                report(run, progress, MapRunStatus::Running);
                return true;
            }
            let reported = progress.reported.clone();
            progress
                .iterations
                .iter_mut()
                .zip(reported)
                .any(|(iteration, reported)| !reported && apply_update(run, iteration, update))
        }
        _ => false,
    }
}
