//! `statehouse load`: drives a statehouse cluster (or any Step Functions endpoint) with one of a few
//! scenarios and reports throughput and latency percentiles. It talks awsJson1_0 over plain HTTP, always
//! stops by itself (duration and/or count bound), and removes what it created.

pub mod agent;
pub mod args;
pub mod call_error;
pub mod client;
pub mod connection;
pub mod driver;
pub mod endpoint;
pub mod measurement;
pub mod pacing;
pub mod plot;
pub mod progress;
pub mod report;
pub mod run_stop;
pub mod runner;
pub mod scenarios;
pub mod workload;

use std::process::ExitCode;

pub use args::CommonArgs;
pub use args::LoadArgs;
pub use args::Scenario;
pub use report::Report;
use runner::Runner;

/// What a scenario hands back: its report and, if a verification failed, why.
pub struct Outcome {
    pub report: Report,
    pub failure: Option<String>,
}

/// Runs the chosen scenario (or the agent) and prints its report; the exit code says whether
/// verification passed.
pub fn run(args: LoadArgs) -> ExitCode {
    let common = match &args.scenario {
        Scenario::Heartbeat(a) => &a.common,
        Scenario::Workflow(a) => &a.common,
        Scenario::Activity(a) => &a.common,
        Scenario::Raw(a) => &a.common,
        Scenario::Agent(a) => return agent::serve(a),
    };
    // Setup, verification and the progress line; the load itself runs on the generator threads.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("statehouse load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let runner = Runner::new(common)?;
        match &args.scenario {
            Scenario::Heartbeat(a) => scenarios::heartbeat::run(a, &runner).await,
            Scenario::Workflow(a) => scenarios::workflow::run(a, &runner).await,
            Scenario::Activity(a) => scenarios::activity::run(a, &runner).await,
            Scenario::Raw(a) => scenarios::raw::run(a, &runner).await,
            Scenario::Agent(_) => unreachable!("the agent returned above"),
        }
    });
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("statehouse load: {e}");
            return ExitCode::FAILURE;
        }
    };
    if common.json {
        println!("{}", serde_json::to_string_pretty(&outcome.report).expect("a report serializes"));
    } else {
        print!("{}", outcome.report.table());
    }
    if let Some(path) = &common.plot {
        if let Err(e) = plot::write(&outcome.report, path) {
            eprintln!("statehouse load: {e}");
            return ExitCode::FAILURE;
        }
    }
    match outcome.failure {
        Some(failure) => {
            eprintln!("statehouse load: verification failed: {failure}");
            ExitCode::FAILURE
        }
        None => ExitCode::SUCCESS,
    }
}
