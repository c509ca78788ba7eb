//! The redb tables of the replicated state.

use redb::TableDefinition;

/// Applied log id, membership, shard map, task-token secret.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// State machine ARN -> StateMachineRecord.
pub const STATE_MACHINES: TableDefinition<&str, &[u8]> = TableDefinition::new("state_machines");
/// (state machine ARN, revision id) -> RevisionRecord.
pub const REVISIONS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("revisions");
/// Activity ARN -> ActivityRecord.
pub const ACTIVITIES: TableDefinition<&str, &[u8]> = TableDefinition::new("activities");
/// Resource ARN -> Vec<Tag>.
pub const TAGS: TableDefinition<&str, &[u8]> = TableDefinition::new("tags");
/// Execution ARN -> ExecutionRecord.
pub const EXECUTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("executions");
/// Execution ARN -> the id its next history event gets (RUNNING executions only).
pub const PROGRESS: TableDefinition<&str, u64> = TableDefinition::new("execution_progress");
/// Execution ARN -> (next event id, encoded engine state): the last checkpoint of a RUNNING execution.
pub const CHECKPOINTS: TableDefinition<&str, &[u8]> = TableDefinition::new("execution_checkpoints");
/// (execution ARN, first event id of the decision) -> the inputs a decision consumed since the checkpoint.
pub const DECISIONS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("execution_decisions");
/// (execution ARN, timer id) -> due time (epoch ms) of every armed timer.
pub const TIMERS: TableDefinition<(&str, u64), i64> = TableDefinition::new("execution_timers");
/// (execution ARN, task slot) -> OpenTask of every outstanding task token.
pub const OPEN_TASKS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("execution_open_tasks");
/// State machine ARN -> how many of its executions are RUNNING.
pub const OPEN_BY_MACHINE: TableDefinition<&str, u64> = TableDefinition::new("open_executions_by_machine");
/// (stop time ms, execution ARN): closed executions, oldest first, for `history_retention`.
pub const CLOSED_BY_TIME: TableDefinition<(u64, &str), ()> = TableDefinition::new("closed_executions_by_time");
/// (state machine ARN, u64::MAX - start ms, execution ARN): executions newest first.
pub const EXECUTIONS_BY_MACHINE: TableDefinition<(&str, u64, &str), ()> = TableDefinition::new("executions_by_machine");
/// Execution ARN of every RUNNING execution.
pub const OPEN_EXECUTIONS: TableDefinition<&str, ()> = TableDefinition::new("open_executions");
/// Account id -> how many of its executions are RUNNING.
pub const OPEN_BY_ACCOUNT: TableDefinition<&str, u64> = TableDefinition::new("open_executions_by_account");
/// (state machine ARN, version number) -> VersionRecord.
pub const VERSIONS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("state_machine_versions");
/// (state machine ARN, alias name) -> AliasRecord.
pub const ALIASES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("state_machine_aliases");
/// State machine ARN -> the number of its last published version (kept when that version is deleted, so
/// numbers are never reused).
pub const LAST_VERSION: TableDefinition<&str, u64> = TableDefinition::new("state_machine_last_version");
/// Map run ARN -> MapRunRecord.
pub const MAP_RUNS: TableDefinition<&str, &[u8]> = TableDefinition::new("map_runs");
/// (execution ARN, start ms, map run ARN): the map runs of each execution, oldest first.
pub const MAP_RUNS_BY_EXECUTION: TableDefinition<(&str, u64, &str), ()> = TableDefinition::new("map_runs_by_execution");
/// (execution ARN, event id) -> StoredEvent.
pub const HISTORY: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("history");

pub const META_APPLIED: &str = "applied";
pub const META_MEMBERSHIP: &str = "membership";
pub const META_SHARD_MAP: &str = "shard_map";
/// The cluster secret that signs task tokens.
pub const META_TOKEN_KEY: &str = "token_key";
/// The version of the on-disk format (see [`FORMAT_VERSION`]).
pub const META_FORMAT: &str = "format";
/// The on-disk format this build writes; a data directory of another format is refused. Format 3: executions
/// record their mock test case and wait time scale; the engine state counts each Task state's calls. Format 4:
/// state machine versions and aliases (tables 18-20); executions record the version and alias they ran through.
/// Format 5: executions record their redrives; a failed thread remembers where a redrive resumes it; an execution
/// that closes without succeeding keeps its checkpoint and recorded inputs. Format 6: map runs (tables 21-22); the
/// engine state of a Distributed Map tracks its map run, and decisions carry map-run records.
pub const FORMAT_VERSION: u64 = 6;

/// Calls `$apply!` with every table of the replicated state and its one-byte tag in snapshot files. Every
/// table must be listed here, or snapshots would leave it out; tags are never reused.
macro_rules! for_every_table {
    ($apply:ident) => {
        $apply!(
            1 => META,
            2 => STATE_MACHINES,
            3 => REVISIONS,
            4 => ACTIVITIES,
            5 => TAGS,
            6 => EXECUTIONS,
            7 => EXECUTIONS_BY_MACHINE,
            8 => OPEN_EXECUTIONS,
            9 => OPEN_BY_ACCOUNT,
            10 => HISTORY,
            11 => PROGRESS,
            12 => CHECKPOINTS,
            13 => DECISIONS,
            14 => TIMERS,
            15 => OPEN_TASKS,
            16 => OPEN_BY_MACHINE,
            17 => CLOSED_BY_TIME,
            18 => VERSIONS,
            19 => ALIASES,
            20 => LAST_VERSION,
            21 => MAP_RUNS,
            22 => MAP_RUNS_BY_EXECUTION
        )
    };
}
pub(crate) use for_every_table;
