//! The live progress line of a run on this machine: successes, rate and errors, four times a second.

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use indicatif::ProgressBar;
use indicatif::ProgressStyle;

use super::pacing::Pacing;
use super::report::Recorder;

/// Shows the progress of `recorder` until the returned bar is finished; hidden when `quiet`.
pub fn show(pacing: &Pacing, quiet: bool, recorder: Arc<Recorder>) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = match pacing.count {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner()
            .with_style(ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}").expect("valid template")),
    };
    let ticker = bar.clone();
    let limit = pacing.bound().map(|d| format!(" of {}s", d.as_secs())).unwrap_or_default();
    tokio::spawn(async move {
        let mut last = (Instant::now(), 0u64);
        while !ticker.is_finished() {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let (ops, now) = (recorder.ops(), Instant::now());
            let rate = (ops - last.1) as f64 / now.duration_since(last.0).as_secs_f64().max(1e-6);
            last = (now, ops);
            ticker.set_position(ops);
            ticker.set_message(format!(
                "{ops} ok  {rate:.0}/s  {} errors  ({:.0}s{limit})",
                recorder.errors(),
                recorder.elapsed().as_secs_f64()
            ));
        }
    });
    bar
}
