//! Reading Choice rules: exactly one comparison (or And/Or/Not) per rule, `Next` only at the top level.

use serde_json::Map;
use serde_json::Value;

use super::fields;
use super::Parser;
use crate::asl::choice::ChoiceRule;
use crate::asl::choice::Condition;
use crate::asl::choice::Operand;
use crate::asl::choice::Operator;
use crate::asl::path::JsonPath;
use crate::asl::state::QueryLanguage;
use crate::asl::timestamp::is_rfc3339;

/// Reads the `Choices` array.
pub fn parse_choice_rules(
    parser: &mut Parser,
    raw: &Value,
    location: &str,
    language: QueryLanguage,
) -> Option<Vec<ChoiceRule>> {
    let Some(items) = raw.as_array() else {
        parser.schema("Expected value of type: Array", location);
        return None;
    };
    if items.is_empty() {
        parser.schema("Value cannot be empty", location);
        return None;
    }
    let mut rules = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{location}[{i}]");
        let Some(object) = item.as_object() else {
            parser.schema("Expected value of type: Object", &at);
            return None;
        };
        let next = match object.get("Next") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                parser.schema("These fields are required: [Next]", &at);
                return None;
            }
        };
        let condition = if language == QueryLanguage::JsonAta {
            fields::check_allowed(parser, object, &["Condition", "Next", "Assign", "Output", "Comment"], &at);
            match object.get("Condition") {
                Some(c) => Condition::Expression(c.clone()),
                None => {
                    parser.schema("These fields are required: [Condition]", &at);
                    return None;
                }
            }
        } else {
            condition(parser, object, &at, true)?
        };
        if let (Some(assign), QueryLanguage::JsonPath) = (object.get("Assign"), language) {
            fields::check_template(parser, assign, &format!("{at}/Assign"));
        }
        rules.push(ChoiceRule {
            condition,
            next,
            assign: object.get("Assign").cloned(),
            output: object.get("Output").cloned(),
        });
    }
    Some(rules)
}

fn condition(parser: &mut Parser, object: &Map<String, Value>, at: &str, top: bool) -> Option<Condition> {
    let extra: &[&str] = if top { &["Next", "Assign", "Comment"] } else { &["Comment"] };
    let mut operators = Vec::new();
    for key in object.keys() {
        let k = key.as_str();
        if k == "Variable" || extra.contains(&k) {
            continue;
        }
        if k == "And" || k == "Or" || k == "Not" || Operator::from_field(k).is_some() {
            operators.push(k);
        } else {
            parser.schema(format!("Field '{key}' is not supported"), at);
            return None;
        }
    }
    if operators.len() != 1 {
        parser.schema("A Choice Rule must contain exactly one comparison operator", at);
        return None;
    }
    let op = operators[0];
    match op {
        "And" | "Or" => {
            let Some(Value::Array(items)) = object.get(op) else {
                parser.schema("Expected value of type: Array", &format!("{at}/{op}"));
                return None;
            };
            if items.is_empty() {
                parser.schema("Value cannot be empty", &format!("{at}/{op}"));
                return None;
            }
            let mut inner = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let inner_at = format!("{at}/{op}[{i}]");
                let Some(o) = item.as_object() else {
                    parser.schema("Expected value of type: Object", &inner_at);
                    return None;
                };
                inner.push(condition(parser, o, &inner_at, false)?);
            }
            Some(if op == "And" { Condition::And(inner) } else { Condition::Or(inner) })
        }
        "Not" => {
            let Some(Value::Object(o)) = object.get("Not") else {
                parser.schema("Expected value of type: Object", &format!("{at}/Not"));
                return None;
            };
            Some(Condition::Not(Box::new(condition(parser, o, &format!("{at}/Not"), false)?)))
        }
        field => comparison(parser, object, field, at),
    }
}

fn comparison(parser: &mut Parser, object: &Map<String, Value>, field: &str, at: &str) -> Option<Condition> {
    let (operator, is_path) = Operator::from_field(field)?;
    let variable = match object.get("Variable") {
        Some(Value::String(v)) => v.clone(),
        _ => {
            parser.schema("These fields are required: [Variable]", at);
            return None;
        }
    };
    if JsonPath::parse(&variable).is_err() {
        parser.schema("The value for the field 'Variable' must be a valid JSONPath", &format!("{at}/Variable"));
    }
    let value = &object[field];
    let value_at = format!("{at}/{field}");
    let operand = if is_path {
        match value.as_str() {
            Some(p) if JsonPath::parse(p).is_ok() => Operand::Path(p.to_string()),
            _ => {
                parser.schema(format!("The value for the field '{field}' must be a valid JSONPath"), &value_at);
                return None;
            }
        }
    } else {
        let ok = match operator {
            _ if operator.is_type_test() => value.is_boolean(),
            Operator::BooleanEquals => value.is_boolean(),
            Operator::NumericEquals
            | Operator::NumericLessThan
            | Operator::NumericGreaterThan
            | Operator::NumericLessThanEquals
            | Operator::NumericGreaterThanEquals => value.is_number(),
            Operator::TimestampEquals
            | Operator::TimestampLessThan
            | Operator::TimestampGreaterThan
            | Operator::TimestampLessThanEquals
            | Operator::TimestampGreaterThanEquals => value.as_str().is_some_and(is_rfc3339),
            _ => value.is_string(),
        };
        if !ok {
            parser.schema(format!("Invalid value for the field '{field}'"), &value_at);
            return None;
        }
        Operand::Literal(value.clone())
    };
    Some(Condition::Compare { variable, operator, operand })
}
