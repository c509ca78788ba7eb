//! `statehouse load`: drives a statehouse cluster (or any Step Functions endpoint) with one of a few
//! scenarios and reports throughput and latency percentiles. It talks awsJson1_0 over plain HTTP, always
//! stops by itself (duration and/or count bound), and removes what it created.

pub mod args;
pub mod client;
pub mod driver;
pub mod plot;
pub mod report;
pub mod scenarios;

use std::process::ExitCode;
use std::sync::Arc;

pub use args::CommonArgs;
pub use args::LoadArgs;
pub use args::Scenario;
use client::SfnClient;
pub use report::Report;

/// What a scenario hands back: its report and, if a verification failed, why.
pub struct Outcome {
    pub report: Report,
    pub failure: Option<String>,
}

/// Runs the chosen scenario and prints its report; the exit code says whether verification passed.
pub fn run(args: LoadArgs) -> ExitCode {
    let common = match &args.scenario {
        Scenario::Heartbeat(a) => &a.common,
        Scenario::Workflow(a) => &a.common,
        Scenario::Activity(a) => &a.common,
        Scenario::Raw(a) => &a.common,
    };
    let threads = common.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(1)).enable_all().build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("statehouse load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let client = Arc::new(SfnClient::new(&common.endpoints)?);
        match &args.scenario {
            Scenario::Heartbeat(a) => scenarios::heartbeat::run(a, client).await,
            Scenario::Workflow(a) => scenarios::workflow::run(a, client).await,
            Scenario::Activity(a) => scenarios::activity::run(a, client).await,
            Scenario::Raw(a) => scenarios::raw::run(a, client).await,
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
