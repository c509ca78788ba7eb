//! Choice rules: top-level rules with `Next`, and the boolean conditions they test.

use serde_json::Value;

/// A top-level rule of a Choice state.
#[derive(Debug, Clone)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: String,
    pub assign: Option<Value>,
    pub output: Option<Value>,
}

/// A boolean test on the state input.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// `Variable` compared with a literal or with the value at another path.
    Compare {
        variable: String,
        operator: Operator,
        operand: Operand,
    },
    /// JSONata `Condition` (`true`, `false` or `{% … %}`).
    Expression(Value),
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Literal(Value),
    Path(String),
}

/// The comparison operators (the `…Path` variants share the operator and carry an [`Operand::Path`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

/// Operator names as they appear as field names.
pub const OPERATORS: &[(&str, Operator)] = &[
    ("StringEquals", Operator::StringEquals),
    ("StringLessThan", Operator::StringLessThan),
    ("StringGreaterThan", Operator::StringGreaterThan),
    ("StringLessThanEquals", Operator::StringLessThanEquals),
    ("StringGreaterThanEquals", Operator::StringGreaterThanEquals),
    ("StringMatches", Operator::StringMatches),
    ("NumericEquals", Operator::NumericEquals),
    ("NumericLessThan", Operator::NumericLessThan),
    ("NumericGreaterThan", Operator::NumericGreaterThan),
    ("NumericLessThanEquals", Operator::NumericLessThanEquals),
    ("NumericGreaterThanEquals", Operator::NumericGreaterThanEquals),
    ("BooleanEquals", Operator::BooleanEquals),
    ("TimestampEquals", Operator::TimestampEquals),
    ("TimestampLessThan", Operator::TimestampLessThan),
    ("TimestampGreaterThan", Operator::TimestampGreaterThan),
    ("TimestampLessThanEquals", Operator::TimestampLessThanEquals),
    ("TimestampGreaterThanEquals", Operator::TimestampGreaterThanEquals),
    ("IsNull", Operator::IsNull),
    ("IsPresent", Operator::IsPresent),
    ("IsNumeric", Operator::IsNumeric),
    ("IsString", Operator::IsString),
    ("IsBoolean", Operator::IsBoolean),
    ("IsTimestamp", Operator::IsTimestamp),
];

impl Operator {
    /// Finds the operator for a field name; the flag tells whether it was the `…Path` form.
    pub fn from_field(field: &str) -> Option<(Operator, bool)> {
        if let Some((_, op)) = OPERATORS.iter().find(|(name, _)| *name == field) {
            return Some((*op, false));
        }
        let base = field.strip_suffix("Path")?;
        let (_, op) = OPERATORS.iter().find(|(name, _)| *name == base)?;
        match op {
            Operator::StringMatches
            | Operator::IsNull
            | Operator::IsPresent
            | Operator::IsNumeric
            | Operator::IsString
            | Operator::IsBoolean
            | Operator::IsTimestamp => None,
            _ => Some((*op, true)),
        }
    }

    /// Whether the literal operand is a type test taking `true`/`false`.
    pub fn is_type_test(&self) -> bool {
        matches!(
            self,
            Operator::IsNull
                | Operator::IsPresent
                | Operator::IsNumeric
                | Operator::IsString
                | Operator::IsBoolean
                | Operator::IsTimestamp
        )
    }
}
