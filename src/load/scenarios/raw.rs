//! `raw`: POSTs one fixed awsJson1_0 request over and over and counts any HTTP 200 as success. It
//! measures the HTTP floor (e.g. a server that answers `{}` to everything) with exactly the client,
//! connections and pacing the other scenarios use, so their figures can be read as ratios to it.

use std::sync::Arc;

use bytes::Bytes;

use crate::load::args::RawArgs;
use crate::load::client::SfnClient;
use crate::load::driver::drive;
use crate::load::report::Recorder;
use crate::load::report::Report;
use crate::load::Outcome;

/// Runs the scenario.
pub async fn run(args: &RawArgs, client: Arc<SfnClient>) -> Result<Outcome, String> {
    let body = Bytes::from(args.body.clone());
    let operation = args.operation.clone();
    let recorder = Arc::new(Recorder::new());
    drive(&args.common, recorder.clone(), move |_k, _due| {
        let (client, body, operation) = (client.clone(), body.clone(), operation.clone());
        async move { client.call_raw(&operation, body).await.map(|_| None) }
    })
    .await;
    Ok(Outcome { report: Report::new("raw", "request", &args.common, &recorder), failure: None })
}
