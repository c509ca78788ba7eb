//! Evaluating Choice conditions: wrong-typed operands compare false; a missing `Variable` is an error except
//! for `IsPresent`.

use std::cmp::Ordering;

use serde_json::Value;

use crate::asl::choice::Condition;
use crate::asl::choice::Operand;
use crate::asl::choice::Operator;
use crate::asl::timestamp::parse_rfc3339;
use crate::engine::dataflow::read_text;
use crate::engine::dataflow::ReadError;
use crate::engine::env::Env;

/// Evaluates `condition`; `Err` carries the detail of a `States.Runtime` failure.
pub fn evaluate(condition: &Condition, input: &Value, env: &Env<'_>) -> Result<bool, String> {
    match condition {
        Condition::And(all) => {
            for c in all {
                if !evaluate(c, input, env)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(any) => {
            for c in any {
                if evaluate(c, input, env)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!evaluate(inner, input, env)?),
        Condition::Expression(value) => match value {
            Value::Bool(b) => Ok(*b),
            _ => Err("JSONata conditions are not supported".to_string()),
        },
        Condition::Compare { variable, operator, operand } => {
            let actual = match read_text(variable, input, env) {
                Ok(v) => Some(v),
                Err(ReadError::NotFound(_)) => None,
                Err(e) => return Err(e.to_string()),
            };
            if *operator == Operator::IsPresent {
                return Ok(actual.is_some() == (operand == &Operand::Literal(Value::Bool(true))));
            }
            let Some(actual) = actual else {
                return Err(format!(
                    "Invalid path '{variable}': The choice state's condition path references an invalid value."
                ));
            };
            let expected = match operand {
                Operand::Literal(v) => v.clone(),
                Operand::Path(p) => read_text(p, input, env).map_err(|e| e.to_string())?,
            };
            compare(*operator, &actual, &expected)
        }
    }
}

fn compare(operator: Operator, actual: &Value, expected: &Value) -> Result<bool, String> {
    use Operator::*;
    let flag = expected.as_bool();
    Ok(match operator {
        StringEquals => ordering_str(actual, expected) == Some(Ordering::Equal),
        StringLessThan => ordering_str(actual, expected) == Some(Ordering::Less),
        StringGreaterThan => ordering_str(actual, expected) == Some(Ordering::Greater),
        StringLessThanEquals => matches!(ordering_str(actual, expected), Some(Ordering::Less | Ordering::Equal)),
        StringGreaterThanEquals => matches!(ordering_str(actual, expected), Some(Ordering::Greater | Ordering::Equal)),
        StringMatches => match (actual.as_str(), expected.as_str()) {
            (Some(a), Some(pattern)) => wildcard_match(pattern, a)?,
            _ => false,
        },
        NumericEquals => ordering_num(actual, expected) == Some(Ordering::Equal),
        NumericLessThan => ordering_num(actual, expected) == Some(Ordering::Less),
        NumericGreaterThan => ordering_num(actual, expected) == Some(Ordering::Greater),
        NumericLessThanEquals => matches!(ordering_num(actual, expected), Some(Ordering::Less | Ordering::Equal)),
        NumericGreaterThanEquals => matches!(ordering_num(actual, expected), Some(Ordering::Greater | Ordering::Equal)),
        BooleanEquals => matches!((actual, expected), (Value::Bool(a), Value::Bool(b)) if a == b),
        TimestampEquals => ordering_time(actual, expected) == Some(Ordering::Equal),
        TimestampLessThan => ordering_time(actual, expected) == Some(Ordering::Less),
        TimestampGreaterThan => ordering_time(actual, expected) == Some(Ordering::Greater),
        TimestampLessThanEquals => matches!(ordering_time(actual, expected), Some(Ordering::Less | Ordering::Equal)),
        TimestampGreaterThanEquals => {
            matches!(ordering_time(actual, expected), Some(Ordering::Greater | Ordering::Equal))
        }
        IsNull => Some(actual.is_null()) == flag,
        IsNumeric => Some(actual.is_number()) == flag,
        IsString => Some(actual.is_string()) == flag,
        IsBoolean => Some(actual.is_boolean()) == flag,
        IsTimestamp => Some(actual.as_str().is_some_and(|s| parse_rfc3339(s).is_some())) == flag,
        IsPresent => true,
    })
}

fn ordering_str(a: &Value, b: &Value) -> Option<Ordering> {
    Some(a.as_str()?.cmp(b.as_str()?))
}

fn ordering_num(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        _ => None,
    }
}

fn ordering_time(a: &Value, b: &Value) -> Option<Ordering> {
    let x = parse_rfc3339(a.as_str()?)?;
    let y = parse_rfc3339(b.as_str()?)?;
    Some(x.cmp(&y))
}

/// `StringMatches`: `*` matches any run of characters, `\*` a literal star, `\\` a backslash.
pub fn wildcard_match(pattern: &str, text: &str) -> Result<bool, String> {
    #[derive(PartialEq)]
    enum Token {
        Star,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => tokens.push(Token::Char(escaped)),
                None => return Err(format!("Invalid StringMatches pattern '{pattern}': dangling escape")),
            },
            '*' => tokens.push(Token::Star),
            c => tokens.push(Token::Char(c)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Classic two-pointer wildcard matching with backtracking to the last star.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return Ok(false),
            },
        }
    }
    while tokens.get(p) == Some(&Token::Star) {
        p += 1;
    }
    Ok(p == tokens.len())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use serde_json::Map;

    use super::*;
    use crate::engine::env::Scope;

    fn check(operator: Operator, actual: Value, operand: Value) -> bool {
        let vars = Map::new();
        let scope = Scope { variables: &vars, parent: None };
        let env = Env::new(json!({}), &scope, String::new(), 0);
        let condition = Condition::Compare { variable: "$.v".into(), operator, operand: Operand::Literal(operand) };
        evaluate(&condition, &json!({ "v": actual }), &env).unwrap()
    }

    #[test]
    fn operators_follow_aws_semantics() {
        use Operator::*;
        let cases = [
            (StringEquals, json!("a"), json!("a"), true),
            (StringEquals, json!(1), json!("1"), false),
            (StringLessThan, json!("A"), json!("AB"), true),
            (StringGreaterThanEquals, json!("b"), json!("a"), true),
            (StringMatches, json!("log-2024.txt"), json!("log-*.txt"), true),
            (StringMatches, json!("a*b"), json!("a\\*b"), true),
            (StringMatches, json!("axb"), json!("a\\*b"), false),
            (NumericEquals, json!(0.0), json!(0), true),
            (NumericEquals, json!(null), json!(0), false),
            (NumericLessThan, json!(0.0), json!(0), false),
            (NumericGreaterThanEquals, json!(2), json!(1.5), true),
            (BooleanEquals, json!(false), json!(false), true),
            (BooleanEquals, json!(""), json!(false), false),
            (TimestampLessThan, json!("2016-03-14T01:59:00Z"), json!("2016-03-14T02:00:00Z"), true),
            (TimestampEquals, json!("not a time"), json!("2016-03-14T02:00:00Z"), false),
            (IsNull, json!(null), json!(true), true),
            (IsNull, json!(1), json!(true), false),
            (IsNumeric, json!(1.1), json!(true), true),
            (IsString, json!(1), json!(false), true),
            (IsBoolean, json!(1.1), json!(true), false),
            (IsTimestamp, json!("2023-02-24"), json!(true), false),
            (IsPresent, json!(null), json!(true), true),
        ];
        for (operator, actual, operand, expected) in cases {
            assert_eq!(check(operator, actual.clone(), operand.clone()), expected, "{operator:?} {actual} {operand}");
        }
    }

    #[test]
    fn missing_variable_is_false_for_is_present_and_an_error_otherwise() {
        let vars = Map::new();
        let scope = Scope { variables: &vars, parent: None };
        let env = Env::new(json!({}), &scope, String::new(), 0);
        let present = Condition::Compare {
            variable: "$.nope".into(),
            operator: Operator::IsPresent,
            operand: Operand::Literal(json!(true)),
        };
        assert!(!evaluate(&present, &json!({}), &env).unwrap());
        let equals = Condition::Compare {
            variable: "$.nope".into(),
            operator: Operator::StringEquals,
            operand: Operand::Literal(json!("x")),
        };
        assert!(evaluate(&equals, &json!({}), &env).is_err());
        assert!(wildcard_match("a\\", "a").is_err());
    }
}
