//! Execution logs as Step Functions writes them to CloudWatch Logs: each committed history event of an
//! execution whose state machine has a `loggingConfiguration` level other than `OFF` becomes one JSON line
//! (`id`, `type`, `details`, `previous_event_id`, `event_timestamp`, `execution_arn`, `redrive_count`, all as
//! AWS spells them) in the node's execution log, `execution_log` in the configuration: standard output or a
//! file.
//!
//! [`record`] is the one entry point, called by an execution's owner after its events commit. It never
//! blocks an execution: lines go to a writer thread through a bounded queue, and a line that finds the
//! queue full is dropped and counted (`statehouse_execution_log_dropped_total`), as CloudWatch delivery is
//! best-effort too. Until [`install`] is called, nothing is written.

mod format;
mod logging_configuration;
mod sink;

pub use logging_configuration::LogLevel;
pub use logging_configuration::LoggingConfiguration;
pub use sink::install;
pub use sink::Destination;

use crate::history::StoredEvent;

/// Writes the committed `events` of `execution_arn`, redriven `redrive_count` times, that `logging` selects to
/// the node's execution log.
pub fn record(logging: &LoggingConfiguration, execution_arn: &str, redrive_count: u64, events: &[StoredEvent]) {
    if logging.level == LogLevel::Off {
        return;
    }
    sink::write(format::lines(logging, execution_arn, redrive_count, events));
}
