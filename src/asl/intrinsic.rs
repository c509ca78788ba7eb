//! Intrinsic function calls (`States.Format('{}', $.x)`): the syntax tree and its parser. Evaluation lives in
//! the engine.

use serde_json::Number;

use crate::asl::path::JsonPath;

/// Every intrinsic function AWS offers, with its allowed argument counts.
pub const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("States.Format", 1, usize::MAX),
    ("States.StringToJson", 1, 1),
    ("States.JsonToString", 1, 1),
    ("States.Array", 0, usize::MAX),
    ("States.ArrayPartition", 2, 2),
    ("States.ArrayContains", 2, 2),
    ("States.ArrayRange", 3, 3),
    ("States.ArrayGetItem", 2, 2),
    ("States.ArrayLength", 1, 1),
    ("States.ArrayUnique", 1, 1),
    ("States.Base64Encode", 1, 1),
    ("States.Base64Decode", 1, 1),
    ("States.Hash", 2, 2),
    ("States.JsonMerge", 3, 3),
    ("States.MathRandom", 2, 3),
    ("States.MathAdd", 2, 2),
    ("States.StringSplit", 2, 2),
    ("States.UUID", 0, 0),
];

/// One argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum IntrinsicArg {
    String(String),
    Number(Number),
    Bool(bool),
    Null,
    Path(JsonPath),
    Call(IntrinsicCall),
}

/// A call `States.Name(args…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct IntrinsicCall {
    pub name: String,
    pub args: Vec<IntrinsicArg>,
}

/// Whether a `.$` value is meant as an intrinsic call rather than a path.
pub fn is_intrinsic(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

impl IntrinsicCall {
    /// Parses a whole call; the text must hold exactly one call.
    pub fn parse(text: &str) -> Result<IntrinsicCall, String> {
        let chars: Vec<char> = text.trim().chars().collect();
        let mut p = Parser { chars: &chars, pos: 0, depth: 0 };
        let call = p.call()?;
        p.skip_ws();
        if p.pos != chars.len() {
            return Err(format!("Unexpected text after intrinsic function call in '{text}'"));
        }
        Ok(call)
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn call(&mut self) -> Result<IntrinsicCall, String> {
        self.depth += 1;
        if self.depth > 10 {
            return Err("Intrinsic functions may be nested at most 10 levels deep".to_string());
        }
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_') {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        let (_, min, max) = FUNCTIONS
            .iter()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| format!("Unknown intrinsic function '{name}'"))?;
        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(format!("Expected '(' after {name}"));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                args.push(self.arg()?);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(format!("Expected ',' or ')' in arguments of {name}")),
                }
            }
        }
        if args.len() < *min || args.len() > *max {
            return Err(format!("Invalid number of arguments for {name}: {}", args.len()));
        }
        self.depth -= 1;
        Ok(IntrinsicCall { name, args })
    }

    fn arg(&mut self) -> Result<IntrinsicArg, String> {
        self.skip_ws();
        match self.peek() {
            Some('\'') => self.string(),
            Some('$') => self.path(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(_) => {
                let rest: String = self.chars[self.pos..].iter().collect();
                for (word, value) in [
                    ("true", IntrinsicArg::Bool(true)),
                    ("false", IntrinsicArg::Bool(false)),
                    ("null", IntrinsicArg::Null),
                ] {
                    if rest.starts_with(word) {
                        self.pos += word.len();
                        return Ok(value);
                    }
                }
                if rest.starts_with("States.") {
                    return Ok(IntrinsicArg::Call(self.call()?));
                }
                Err(format!("Invalid intrinsic function argument: {rest}"))
            }
            None => Err("Unexpected end of intrinsic function call".to_string()),
        }
    }

    fn string(&mut self) -> Result<IntrinsicArg, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("Unterminated string in intrinsic function".to_string()),
                Some('\\') => {
                    match self.chars.get(self.pos + 1) {
                        Some(c @ ('\'' | '{' | '}' | '\\')) => out.push(*c),
                        Some(c) => {
                            out.push('\\');
                            out.push(*c);
                        }
                        None => return Err("Unterminated escape in intrinsic function".to_string()),
                    }
                    self.pos += 2;
                }
                Some('\'') => {
                    self.pos += 1;
                    return Ok(IntrinsicArg::String(out));
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn path(&mut self) -> Result<IntrinsicArg, String> {
        let start = self.pos;
        let mut bracket = 0i32;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'') | (None, '"') => quote = Some(c),
                (None, '[') | (None, '(') => bracket += 1,
                (None, ']') => bracket -= 1,
                (None, ')') if bracket == 0 => break,
                (None, ')') => bracket -= 1,
                (None, ',') if bracket == 0 => break,
                (None, c) if c.is_whitespace() && bracket == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        JsonPath::parse(&text).map(IntrinsicArg::Path)
    }

    fn number(&mut self) -> Result<IntrinsicArg, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        serde_json::from_str::<Number>(&text).map(IntrinsicArg::Number).map_err(|_| format!("Invalid number '{text}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_calls_and_literals() {
        let call = IntrinsicCall::parse(
            "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(1, -1))",
        )
        .unwrap();
        assert_eq!(call.name, "States.ArrayGetItem");
        assert!(matches!(&call.args[0], IntrinsicArg::Call(inner) if inner.name == "States.StringSplit"));
        let call = IntrinsicCall::parse("States.Format('it\\'s {} \\{\\}', true, null, 1.5, $var.x)").unwrap();
        assert_eq!(call.args[0], IntrinsicArg::String("it's {} {}".into()));
        assert_eq!(call.args[1], IntrinsicArg::Bool(true));
        assert_eq!(call.args[2], IntrinsicArg::Null);
        assert!(matches!(&call.args[3], IntrinsicArg::Number(n) if n.to_string() == "1.5"));
        assert!(matches!(&call.args[4], IntrinsicArg::Path(p) if p.text == "$var.x"));
    }

    #[test]
    fn rejects_bad_calls() {
        for text in ["States.Nope(1)", "States.UUID(1)", "States.Format(", "States.Format('x'", "States.MathAdd(1)"] {
            assert!(IntrinsicCall::parse(text).is_err(), "{text}");
        }
    }
}
