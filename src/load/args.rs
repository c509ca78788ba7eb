//! Command-line arguments of `statehouse load`: one subcommand per scenario, each with the common
//! bounds, pacing and output options.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap::Subcommand;

/// `statehouse load <scenario>`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    #[command(subcommand)]
    pub scenario: Scenario,
}

/// The load scenarios.
#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// Opens N activity tasks, then sends SendTaskHeartbeat (or, with --batch, SendTaskHeartbeats) for their
    /// tokens as fast as possible (closed loop) or at --rate (open loop); verifies that no execution failed or
    /// timed out.
    Heartbeat(HeartbeatArgs),
    /// Starts executions of a definition and waits for each to end; reports executions/s, state
    /// transitions/s and start-to-end latency.
    Workflow(WorkflowArgs),
    /// W workers start an activity-based workflow, poll its task, heartbeat once and complete it;
    /// reports the round trip.
    Activity(ActivityArgs),
    /// Sends one fixed request as fast as possible or at --rate; any HTTP 200 counts (the HTTP floor).
    Raw(RawArgs),
    /// Waits for a coordinating `statehouse load <scenario> --agent ADDR` and generates its share of the
    /// load.
    Agent(AgentArgs),
}

/// Options every scenario takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Server URL; repeat for several nodes (requests go round-robin).
    #[arg(long = "endpoint", default_value = "http://127.0.0.1:8083")]
    pub endpoints: Vec<String>,
    /// How long to measure, e.g. 30s, 500ms, 2m (default 10s unless --count is given).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Stop after this many measured operations.
    #[arg(long)]
    pub count: Option<u64>,
    /// Concurrent requests in flight (and connections).
    #[arg(short = 'c', long, default_value_t = 64)]
    pub concurrency: usize,
    /// Open loop: operations per second, each timed from its intended send time.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Print the report as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write throughput and latency over time to FILE.svg or FILE.png.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Tokio worker threads of the load generator (default: available cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Hide the live progress line.
    #[arg(long)]
    pub quiet: bool,
    /// Generate the load on the agent at ADDR (`statehouse load agent`) instead of here; repeat for
    /// several. Concurrency, --rate and --count are totals, divided evenly among the agents.
    #[arg(long = "agent", value_name = "ADDR")]
    pub agents: Vec<String>,
    /// The secret shared with the agents.
    #[arg(long, env = "STATEHOUSE_AGENT_SECRET", hide_env_values = true)]
    pub agent_secret: Option<String>,
}

/// `statehouse load heartbeat`.
#[derive(Debug, Args)]
pub struct HeartbeatArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Outstanding activity tasks (tokens) to heartbeat.
    #[arg(short = 'n', long, default_value_t = 1000)]
    pub tasks: usize,
    /// HeartbeatSeconds of the task state.
    #[arg(long, default_value_t = 60)]
    pub heartbeat_seconds: u64,
    /// Send `Statehouse.SendTaskHeartbeats` with this many tokens per request (1 to 1000) instead of one
    /// SendTaskHeartbeat per token.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub batch: Option<u16>,
}

/// `statehouse load workflow`.
#[derive(Debug, Args)]
pub struct WorkflowArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// State machine definition (ASL JSON); default: a 10-state Pass/Choice chain.
    #[arg(long)]
    pub definition: Option<PathBuf>,
    /// Execution input (JSON).
    #[arg(long, default_value = "{}")]
    pub input: String,
}

/// `statehouse load activity`.
#[derive(Debug, Args)]
pub struct ActivityArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `statehouse load raw`.
#[derive(Debug, Args)]
pub struct RawArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Operation put in `X-Amz-Target` (after `AWSStepFunctions.`).
    #[arg(long, default_value = "SendTaskHeartbeat")]
    pub operation: String,
    /// Request body.
    #[arg(
        long,
        default_value = r#"{"taskToken":"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"}"#
    )]
    pub body: String,
}

/// `statehouse load agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Address to accept the coordinator on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// The secret the coordinator signs its requests with (at least 8 characters).
    #[arg(long, env = "STATEHOUSE_AGENT_SECRET", hide_env_values = true)]
    pub secret: String,
}

/// Parses `30s`, `500ms`, `2m`, `1h` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("'{text}' is not a duration like 30s, 500ms or 2m"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown unit '{unit}' in '{text}' (use ms, s, m or h)")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("s").is_err());
    }
}
