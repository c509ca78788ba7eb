//! Where execution log lines go: a writer thread fed through a bounded queue, appending to a file or to
//! standard output and flushing whenever the queue runs empty.

use std::fs::OpenOptions;
use std::io;
use std::io::BufWriter;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::OnceLock;

/// Lines that may wait for the writer; beyond them lines are dropped rather than slowing executions.
const QUEUE_LINES: usize = 65_536;

static QUEUE: OnceLock<mpsc::SyncSender<String>> = OnceLock::new();

/// The configured destination of the execution log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Not written anywhere.
    Off,
    /// The process's standard output.
    Stdout,
    /// Appended to this file (created if missing).
    File(PathBuf),
}

impl Destination {
    /// Reads the `execution_log` setting: `stdout`, `off`, or a file path.
    pub fn parse(setting: &str) -> Destination {
        match setting {
            "stdout" => Destination::Stdout,
            "off" | "" => Destination::Off,
            path => Destination::File(PathBuf::from(path)),
        }
    }
}

/// Starts the writer for `destination`; the first call in a process decides, later calls change nothing.
/// A file that cannot be opened is an error.
pub fn install(destination: &Destination) -> io::Result<()> {
    let output: Box<dyn Write + Send> = match destination {
        Destination::Off => return Ok(()),
        Destination::Stdout => Box::new(io::stdout()),
        Destination::File(path) => Box::new(OpenOptions::new().create(true).append(true).open(path)?),
    };
    if QUEUE.get().is_some() {
        return Ok(());
    }
    let (sender, receiver) = mpsc::sync_channel::<String>(QUEUE_LINES);
    if QUEUE.set(sender).is_ok() {
        std::thread::Builder::new().name("execution-log".into()).spawn(move || drain(receiver, output))?;
    }
    Ok(())
}

/// Queues `lines` for the writer (dropping, and counting, those that do not fit).
pub fn write(lines: Vec<String>) {
    let Some(queue) = QUEUE.get() else { return };
    for line in lines {
        if queue.try_send(line).is_err() {
            metrics::counter!(crate::metrics::EXECUTION_LOG_DROPPED).increment(1);
        }
    }
}

fn drain(receiver: mpsc::Receiver<String>, output: Box<dyn Write + Send>) {
    let mut output = BufWriter::new(output);
    while let Ok(first) = receiver.recv() {
        let mut result = writeln!(output, "{first}");
        while result.is_ok() {
            match receiver.try_recv() {
                Ok(line) => result = writeln!(output, "{line}"),
                Err(_) => break,
            }
        }
        if let Err(e) = result.and_then(|()| output.flush()) {
            tracing::warn!(error = %e, "cannot write the execution log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_names_stdout_off_or_a_file() {
        assert_eq!(Destination::parse("stdout"), Destination::Stdout);
        assert_eq!(Destination::parse("off"), Destination::Off);
        assert_eq!(Destination::parse("logs/executions.jsonl"), Destination::File("logs/executions.jsonl".into()));
    }
}
