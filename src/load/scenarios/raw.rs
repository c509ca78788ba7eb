//! `raw`: POSTs one fixed awsJson1_0 request over and over and counts any HTTP 200 as success. It
//! measures the HTTP floor (e.g. a server that answers `{}` to everything) with exactly the client,
//! connections and pacing the other scenarios use, so their figures can be read as ratios to it.

use std::time::Instant;

use bytes::Bytes;

use crate::load::args::RawArgs;
use crate::load::connection::Connection;
use crate::load::connection::Target;
use crate::load::measurement::Measurement;
use crate::load::runner::Runner;
use crate::load::workload::Generator;
use crate::load::workload::Workload;
use crate::load::Outcome;

/// Runs the scenario.
pub async fn run(args: &RawArgs, runner: &Runner) -> Result<Outcome, String> {
    Target::new(&args.operation)?;
    let workload = Workload::Raw { operation: args.operation.clone(), body: args.body.clone() };
    let measured = runner.measure(&workload).await?;
    Ok(Outcome { report: measured.report("raw", "request", &args.common), failure: None })
}

/// The measured phase: the request, as fast as the pacing allows.
pub async fn measure(
    generator: &Generator<'_>,
    measurement: &mut Measurement,
    operation: &str,
    body: &str,
) -> Result<(), String> {
    let (target, body) = (Target::new(operation)?, Bytes::from(body.to_string()));
    generator
        .drive(measurement.main.clone(), async move |connection: &mut Connection, _k: u64, _due: Instant| {
            connection.send(&target, body.clone()).await.map(|_| None)
        })
        .await
}
