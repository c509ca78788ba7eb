//! Short, readable labels for Choice rules (`$.kind == "express"`), shown on the Choice state's edges.

use serde_json::Value;

use crate::asl::choice::Condition;
use crate::asl::choice::Operand;
use crate::asl::choice::Operator;

/// The label of a Choice rule's condition.
pub fn label(condition: &Condition) -> String {
    match condition {
        Condition::And(parts) => joined(parts, " and "),
        Condition::Or(parts) => joined(parts, " or "),
        Condition::Not(inner) => format!("not ({})", label(inner)),
        Condition::Compare { variable, operator, operand } => compare(variable, *operator, operand),
        Condition::Expression(Value::String(text)) => text.clone(),
        Condition::Expression(value) => value.to_string(),
    }
}

fn joined(parts: &[Condition], separator: &str) -> String {
    let labels: Vec<String> = parts
        .iter()
        .map(|part| match part {
            Condition::And(_) | Condition::Or(_) => format!("({})", label(part)),
            _ => label(part),
        })
        .collect();
    labels.join(separator)
}

fn compare(variable: &str, operator: Operator, operand: &Operand) -> String {
    if operator.is_type_test() {
        let test = match operator {
            Operator::IsNull => "null",
            Operator::IsPresent => "present",
            Operator::IsNumeric => "numeric",
            Operator::IsString => "a string",
            Operator::IsBoolean => "a boolean",
            _ => "a timestamp",
        };
        let negated = matches!(operand, Operand::Literal(Value::Bool(false)));
        return format!("{variable} is {}{test}", if negated { "not " } else { "" });
    }
    let symbol = match operator {
        Operator::StringEquals | Operator::NumericEquals | Operator::BooleanEquals | Operator::TimestampEquals => "==",
        Operator::StringLessThan | Operator::NumericLessThan | Operator::TimestampLessThan => "<",
        Operator::StringGreaterThan | Operator::NumericGreaterThan | Operator::TimestampGreaterThan => ">",
        Operator::StringLessThanEquals | Operator::NumericLessThanEquals | Operator::TimestampLessThanEquals => "<=",
        Operator::StringGreaterThanEquals
        | Operator::NumericGreaterThanEquals
        | Operator::TimestampGreaterThanEquals => ">=",
        _ => "matches",
    };
    let operand = match operand {
        Operand::Literal(value) => value.to_string(),
        Operand::Path(path) => path.clone(),
    };
    format!("{variable} {symbol} {operand}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn compare(variable: &str, operator: Operator, operand: Operand) -> Condition {
        Condition::Compare { variable: variable.into(), operator, operand }
    }

    #[test]
    fn conditions_read_as_expressions() {
        let kind = compare("$.kind", Operator::StringEquals, Operand::Literal(json!("express")));
        assert_eq!(label(&kind), r#"$.kind == "express""#);
        let total = compare("$.total", Operator::NumericGreaterThanEquals, Operand::Path("$.limit".into()));
        assert_eq!(label(&total), "$.total >= $.limit");
        let missing = compare("$.x", Operator::IsPresent, Operand::Literal(json!(false)));
        assert_eq!(label(&missing), "$.x is not present");
        let both = Condition::And(vec![kind.clone(), Condition::Or(vec![total.clone(), missing])]);
        assert_eq!(label(&both), r#"$.kind == "express" and ($.total >= $.limit or $.x is not present)"#);
        assert_eq!(label(&Condition::Not(Box::new(kind))), r#"not ($.kind == "express")"#);
        assert_eq!(label(&Condition::Expression(json!("{% $x > 1 %}"))), "{% $x > 1 %}");
    }
}
