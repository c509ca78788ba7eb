//! Reading the states that nest other `States` bodies: Parallel branches and Map processors.

use serde_json::Map;
use serde_json::Value;

use super::fields;
use super::parse_body;
use super::Parser;
use crate::asl::state::Dynamic;
use crate::asl::state::Map as MapState;
use crate::asl::state::Parallel;
use crate::asl::state::PathField;
use crate::asl::state::ProcessorMode;
use crate::asl::state::QueryLanguage;

pub fn parallel(
    parser: &mut Parser,
    object: &Map<String, Value>,
    location: &str,
    language: QueryLanguage,
) -> Option<Parallel> {
    let at = format!("{location}/Branches");
    let branches = match object.get("Branches") {
        None => {
            parser.schema("These fields are required: [Branches]", location);
            return None;
        }
        Some(Value::Array(items)) if items.is_empty() => {
            parser.schema("Value cannot be empty", &at);
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            parser.schema("Expected value of type: Array", &at);
            return None;
        }
    };
    let mut bodies = Vec::new();
    for (i, branch) in branches.iter().enumerate() {
        let branch_at = format!("{at}[{i}]");
        let Some(branch_object) = branch.as_object() else {
            parser.schema("Expected value of type: Object", &branch_at);
            return None;
        };
        fields::check_allowed(parser, branch_object, &["StartAt", "States", "Comment", "QueryLanguage"], &branch_at);
        bodies.push(parse_body(parser, branch_object, &branch_at, language)?);
    }
    Some(Parallel { branches: bodies })
}

pub fn map(
    parser: &mut Parser,
    object: &Map<String, Value>,
    location: &str,
    language: QueryLanguage,
) -> Option<MapState> {
    let (field, processor) = match (object.get("ItemProcessor"), object.get("Iterator")) {
        (Some(p), None) => ("ItemProcessor", p),
        (None, Some(p)) => ("Iterator", p),
        (Some(_), Some(_)) => {
            parser.schema("There should only be one of the following fields: [ItemProcessor, Iterator]", location);
            return None;
        }
        (None, None) => {
            parser.schema("These fields are required: [ItemProcessor]", location);
            return None;
        }
    };
    let at = format!("{location}/{field}");
    let Some(processor_object) = processor.as_object() else {
        parser.schema("Expected value of type: Object", &at);
        return None;
    };
    fields::check_allowed(parser, processor_object, &["StartAt", "States", "Comment", "ProcessorConfig"], &at);
    let mode = match processor_object.get("ProcessorConfig").and_then(|c| c.get("Mode")).and_then(Value::as_str) {
        Some("DISTRIBUTED") => ProcessorMode::Distributed,
        _ => ProcessorMode::Inline,
    };
    let body = parse_body(parser, processor_object, &at, language)?;
    if object.contains_key("ItemSelector") && object.contains_key("Parameters") {
        parser.schema("There should only be one of the following fields: [ItemSelector, Parameters]", location);
    }
    let item_selector = object.get("ItemSelector").or_else(|| object.get("Parameters")).cloned();
    if let (Some(selector), QueryLanguage::JsonPath) = (&item_selector, language) {
        fields::check_template(parser, selector, &format!("{location}/ItemSelector"));
    }
    let label = fields::opt_string(parser, object, "Label", location);
    if let Some(label) = &label {
        if label.chars().count() > 40
            || label.chars().any(|c| "{}[]?*\"#%\\^|~`$&,;:/<>".contains(c) || c.is_whitespace() || c.is_control())
        {
            parser.schema(format!("Label contains invalid characters: '{label}'"), &format!("{location}/Label"));
        }
    }
    let items_path = match object.get("ItemsPath") {
        Some(Value::String(text)) => {
            if crate::asl::path::JsonPath::parse(text).is_err() {
                parser.schema(
                    "The value for the field 'ItemsPath' must be a valid JSONPath",
                    &format!("{location}/ItemsPath"),
                );
            }
            PathField::Path(text.clone())
        }
        Some(Value::Null) => PathField::Null,
        _ => PathField::Default,
    };
    Some(MapState {
        processor: body,
        mode,
        items_path,
        items: object.get("Items").cloned(),
        item_selector,
        max_concurrency: fields::dynamic_integer(parser, object, "MaxConcurrency", (0, u64::MAX), location),
        tolerated_failure_count: dynamic_value(object, "ToleratedFailureCount"),
        tolerated_failure_percentage: dynamic_value(object, "ToleratedFailurePercentage"),
        label,
        item_reader: object.get("ItemReader").cloned(),
        item_batcher: object.get("ItemBatcher").cloned(),
        result_writer: object.get("ResultWriter").cloned(),
    })
}

fn dynamic_value(object: &Map<String, Value>, field: &str) -> Option<Dynamic<Value>> {
    if let Some(v) = object.get(field) {
        return Some(Dynamic::Literal(v.clone()));
    }
    object.get(&format!("{field}Path")).and_then(Value::as_str).map(|p| Dynamic::Path(p.to_string()))
}
