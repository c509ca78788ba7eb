//! A state machine's `loggingConfiguration` as the execution log reads it: the level and whether execution
//! data (inputs, outputs, task parameters) is included.

use serde_json::Value;

/// Which history events are logged (AWS `LogLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogLevel {
    /// Every event.
    All,
    /// Failures of states, tasks and the execution (`FailStateEntered` and every `…Failed`, `…TimedOut`,
    /// `…Aborted` event).
    Error,
    /// Only the execution's own failure: `ExecutionFailed`, `ExecutionTimedOut`, `ExecutionAborted`.
    Fatal,
    /// Nothing (the default).
    #[default]
    Off,
}

impl LogLevel {
    /// Whether an event of `event_type` is logged at this level (the table of AWS's "Log levels" page).
    pub fn logs(self, event_type: &str) -> bool {
        let fatal = matches!(event_type, "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted");
        let error = fatal
            || event_type == "FailStateEntered"
            || ["Failed", "TimedOut", "Aborted"].iter().any(|suffix| event_type.ends_with(suffix));
        match self {
            LogLevel::All => true,
            LogLevel::Error => error,
            LogLevel::Fatal => fatal,
            LogLevel::Off => false,
        }
    }
}

/// What the execution log needs of a `loggingConfiguration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoggingConfiguration {
    pub level: LogLevel,
    /// `includeExecutionData`: keep inputs, outputs and task parameters in the logged details.
    pub include_execution_data: bool,
}

impl LoggingConfiguration {
    /// Reads the stored JSON text of a `loggingConfiguration`; anything unreadable logs nothing.
    pub fn parse(text: &str) -> LoggingConfiguration {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            return LoggingConfiguration::default();
        };
        let level = match value.get("level").and_then(Value::as_str) {
            Some("ALL") => LogLevel::All,
            Some("ERROR") => LogLevel::Error,
            Some("FATAL") => LogLevel::Fatal,
            _ => LogLevel::Off,
        };
        let include_execution_data = value.get("includeExecutionData").and_then(Value::as_bool).unwrap_or(false);
        LoggingConfiguration { level, include_execution_data }
    }

    /// Whether any event is logged.
    pub fn enabled(&self) -> bool {
        self.level != LogLevel::Off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_select_the_event_types_of_the_aws_table() {
        let cases = [
            ("ExecutionStarted", [true, false, false, false]),
            ("PassStateEntered", [true, false, false, false]),
            ("TaskSucceeded", [true, false, false, false]),
            ("FailStateEntered", [true, true, false, false]),
            ("TaskFailed", [true, true, false, false]),
            ("TaskTimedOut", [true, true, false, false]),
            ("LambdaFunctionScheduleFailed", [true, true, false, false]),
            ("MapIterationAborted", [true, true, false, false]),
            ("WaitStateAborted", [true, true, false, false]),
            ("ExecutionFailed", [true, true, true, false]),
            ("ExecutionTimedOut", [true, true, true, false]),
            ("ExecutionAborted", [true, true, true, false]),
        ];
        for (event_type, expected) in cases {
            let got =
                [LogLevel::All, LogLevel::Error, LogLevel::Fatal, LogLevel::Off].map(|level| level.logs(event_type));
            assert_eq!(got, expected, "{event_type} at ALL, ERROR, FATAL, OFF");
        }
    }

    #[test]
    fn parses_the_stored_configuration() {
        let all = LoggingConfiguration::parse(r#"{"level":"ALL","includeExecutionData":true,"destinations":[]}"#);
        assert_eq!(all, LoggingConfiguration { level: LogLevel::All, include_execution_data: true });
        let error = LoggingConfiguration::parse(r#"{"level":"ERROR","includeExecutionData":false}"#);
        assert_eq!(error, LoggingConfiguration { level: LogLevel::Error, include_execution_data: false });
        assert!(!LoggingConfiguration::parse(r#"{"level":"OFF","includeExecutionData":true}"#).enabled());
        assert!(!LoggingConfiguration::parse("").enabled(), "a machine without a configuration logs nothing");
    }
}
