//! Turning ASL text into the typed model while collecting AWS-worded diagnostics.

mod choice;
mod fields;
mod nested;
mod retry;
mod state;

use std::collections::HashSet;

use serde_json::Map;
use serde_json::Value;

use crate::asl::definition::Definition;
use crate::asl::definition::StatesBody;
use crate::asl::diagnostic::codes;
use crate::asl::diagnostic::Diagnostic;
use crate::asl::graph;
use crate::asl::scopes;
use crate::asl::state::QueryLanguage;

/// Collects diagnostics while a document is read.
pub(crate) struct Parser {
    pub diagnostics: Vec<Diagnostic>,
    seen_names: HashSet<String>,
    /// The `QueryLanguage` of the whole machine (a JSONata machine may hold no JSONPath state).
    machine_language: QueryLanguage,
}

impl Parser {
    pub fn schema(&mut self, message: impl Into<String>, location: &str) {
        self.diagnostics.push(Diagnostic::schema(message, location));
    }
}

/// Parses `text`; returns the model when it could be built, and every diagnostic found.
pub(crate) fn parse_document(text: &str) -> (Option<Definition>, Vec<Diagnostic>) {
    let mut parser =
        Parser { diagnostics: Vec::new(), seen_names: HashSet::new(), machine_language: QueryLanguage::JsonPath };
    if text.trim().is_empty() {
        parser.diagnostics.push(Diagnostic::error(
            codes::SCHEMA_VALIDATION_FAILED,
            "Definition must be a valid JSON object",
            None,
        ));
        return (None, parser.diagnostics);
    }
    let source: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            parser.diagnostics.push(Diagnostic::error(codes::INVALID_JSON_DESCRIPTION, e.to_string(), None));
            return (None, parser.diagnostics);
        }
    };
    let Some(object) = source.as_object() else {
        parser.diagnostics.push(Diagnostic::error(
            codes::SCHEMA_VALIDATION_FAILED,
            "Definition must be a valid JSON object",
            None,
        ));
        return (None, parser.diagnostics);
    };
    fields::check_allowed(
        &mut parser,
        object,
        &["Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"],
        "/",
    );
    let query_language = fields::query_language(&mut parser, object, "/").unwrap_or(QueryLanguage::JsonPath);
    parser.machine_language = query_language;
    let comment = fields::opt_string(&mut parser, object, "Comment", "/");
    let version = fields::opt_string(&mut parser, object, "Version", "/");
    if let Some(v) = &version {
        if v != "1.0" {
            parser.schema("Value is not a valid version. Only '1.0' is supported", "/Version");
        }
    }
    let timeout_seconds = match object.get("TimeoutSeconds") {
        None => None,
        Some(v) => fields::integer_in(&mut parser, v, 0, 99_999_999, "/TimeoutSeconds"),
    };
    let body = parse_body(&mut parser, object, "", query_language);
    let definition = body.map(|body| Definition { comment, version, timeout_seconds, query_language, body, source });
    if let Some(definition) = &definition {
        graph::check_body(&mut parser.diagnostics, &definition.body, "");
        scopes::check_body(&mut parser.diagnostics, &definition.body, "");
    }
    (definition, parser.diagnostics)
}

/// Reads `StartAt` + `States` of the object at `prefix` (`""` for the top level).
pub(crate) fn parse_body(
    parser: &mut Parser,
    object: &Map<String, Value>,
    prefix: &str,
    query_language: QueryLanguage,
) -> Option<StatesBody> {
    let at = if prefix.is_empty() { "/".to_string() } else { prefix.to_string() };
    let missing: Vec<&str> = ["States", "StartAt"].into_iter().filter(|f| !object.contains_key(*f)).collect();
    if !missing.is_empty() {
        parser.schema(format!("These fields are required: [{}]", missing.join(", ")), &at);
        return None;
    }
    let start_at = match object.get("StartAt") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            parser.schema("Field 'StartAt' must be a string", &format!("{prefix}/StartAt"));
            return None;
        }
    };
    let states_object = match object.get("States") {
        Some(Value::Object(o)) => o,
        _ => {
            parser.schema("Field 'States' must be an object", &format!("{prefix}/States"));
            return None;
        }
    };
    if states_object.is_empty() {
        parser.schema("Value cannot be empty", &format!("{prefix}/States"));
        return None;
    }
    let comment = fields::opt_string(parser, object, "Comment", &at);
    let mut states = Vec::new();
    for (name, raw) in states_object {
        let location = format!("{prefix}/States/{name}");
        if name.is_empty() || name.chars().count() > 80 {
            parser.diagnostics.push(Diagnostic::error(
                codes::INVALID_STATE_NAME,
                format!("State name '{name}' must be between 1 and 80 characters long"),
                Some(location.clone()),
            ));
        }
        if !parser.seen_names.insert(name.clone()) {
            parser.diagnostics.push(Diagnostic::error(
                codes::DUPLICATE_STATE_NAME,
                format!("Duplicate State name: {name}"),
                Some(location.clone()),
            ));
        }
        if let Some(state) = state::parse_state(parser, name, raw, &location, query_language) {
            states.push(state);
        }
    }
    if states.len() != states_object.len() {
        return None;
    }
    Some(StatesBody { start_at, states, comment })
}
