//! Function signatures (`<s-nn?:s>`): which argument types a function accepts, which may be omitted, which may
//! come from the context value (`-`), and which are coerced to arrays. Owns parsing and checking a call's
//! arguments against a signature; never calls the function.

use crate::error::Error;
use crate::value::Value;

/// A parsed signature, ready to check calls.
#[derive(Debug)]
pub(crate) struct Signature {
    params: Vec<Param>,
    matcher: regex::Regex,
}

#[derive(Debug, Clone, Default)]
struct Param {
    pattern: String,
    kind: String,
    context: Option<regex::Regex>,
    subtype: Option<String>,
}

/// The one-letter type symbol of a value, as signatures spell types (`m` for missing).
fn symbol(value: &Value) -> char {
    match value {
        Value::Undefined => 'm',
        Value::Null => 'l',
        Value::Bool(_) => 'b',
        Value::Number(_) => 'n',
        Value::String(_) => 's',
        Value::Array(_) => 'a',
        Value::Object(_) | Value::Tuple(_) => 'o',
        Value::Function(_) => 'f',
    }
}

fn closing(chars: &[char], start: usize, open: char, close: char) -> usize {
    let mut depth = 1;
    let mut position = start;
    while position < chars.len() {
        position += 1;
        match chars.get(position) {
            Some(&c) if c == close => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Some(&c) if c == open => depth += 1,
            _ => {}
        }
    }
    position
}

impl Signature {
    /// Parses `<...>`; errors carry the offset of the offending character as their position.
    pub(crate) fn parse(text: &str) -> Result<Self, Error> {
        let chars: Vec<char> = text.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut param = Param::default();
        let mut position = 1;
        while position < chars.len() {
            let symbol = chars[position];
            if symbol == ':' {
                break;
            }
            match symbol {
                's' | 'n' | 'b' | 'l' | 'o' => {
                    param.pattern = format!("[{symbol}m]");
                    param.kind = symbol.to_string();
                    params.push(std::mem::take(&mut param));
                }
                'a' => {
                    param.pattern = "[asnblfom]".into();
                    param.kind = "a".into();
                    params.push(std::mem::take(&mut param));
                }
                'f' => {
                    param.pattern = "f".into();
                    param.kind = "f".into();
                    params.push(std::mem::take(&mut param));
                }
                'j' => {
                    param.pattern = "[asnblom]".into();
                    param.kind = "j".into();
                    params.push(std::mem::take(&mut param));
                }
                'x' => {
                    param.pattern = "[asnblfom]".into();
                    param.kind = "x".into();
                    params.push(std::mem::take(&mut param));
                }
                '-' => {
                    if let Some(previous) = params.last_mut() {
                        previous.context = regex::Regex::new(&format!("^{}$", previous.pattern)).ok();
                        previous.pattern.push('?');
                    }
                }
                '?' | '+' => {
                    if let Some(previous) = params.last_mut() {
                        previous.pattern.push(symbol);
                    }
                }
                '(' => {
                    let end = closing(&chars, position, '(', ')');
                    let choice: String = chars[position + 1..end.min(chars.len())].iter().collect();
                    if choice.contains('<') {
                        return Err(Error::new("S0402").value(choice).at(position));
                    }
                    param.pattern = format!("[{choice}m]");
                    param.kind = format!("({choice})");
                    position = end;
                    params.push(std::mem::take(&mut param));
                }
                '<' => {
                    let previous_kind = params.last().map(|p| p.kind.clone()).unwrap_or_default();
                    if previous_kind == "a" || previous_kind == "f" {
                        let end = closing(&chars, position, '<', '>');
                        let subtype: String = chars[position + 1..end.min(chars.len())].iter().collect();
                        if let Some(previous) = params.last_mut() {
                            previous.subtype = Some(subtype);
                        }
                        position = end;
                    } else {
                        return Err(Error::new("S0401").value(previous_kind).at(position));
                    }
                }
                _ => {}
            }
            position += 1;
        }
        let pattern: String = params.iter().map(|p| format!("({})", p.pattern)).collect();
        let matcher = regex::Regex::new(&format!("^{pattern}$")).map_err(|_| Error::new("S0401").at(0))?;
        Ok(Self { params, matcher })
    }

    /// Checks `args` and returns them as the function receives them: omitted context arguments filled in from
    /// `context`, single values wrapped where an array is expected.
    pub(crate) fn validate(&self, args: &[Value], context: &Value) -> Result<Vec<Value>, Error> {
        let supplied: String = args.iter().map(symbol).collect();
        let Some(captures) = self.matcher.captures(&supplied) else {
            return Err(self.mismatch(args, &supplied));
        };
        let mut validated = Vec::with_capacity(self.params.len());
        let mut arg_index = 0;
        for (index, param) in self.params.iter().enumerate() {
            let matched = captures.get(index + 1).map(|m| m.as_str()).unwrap_or_default();
            if matched.is_empty() {
                match &param.context {
                    Some(context_type) => {
                        if context_type.is_match(&symbol(context).to_string()) {
                            validated.push(context.clone());
                        } else {
                            return Err(Error::new("T0411").value(context.to_json_text()).index(arg_index + 1));
                        }
                    }
                    None => {
                        validated.push(args.get(arg_index).cloned().unwrap_or(Value::Undefined));
                        arg_index += 1;
                    }
                }
                continue;
            }
            for single in matched.chars() {
                let arg = args.get(arg_index).cloned().unwrap_or(Value::Undefined);
                if param.kind == "a" {
                    if single == 'm' {
                        validated.push(Value::Undefined);
                    } else {
                        if let Some(subtype) = &param.subtype {
                            let ok = if single != 'a' {
                                matched == subtype
                            } else {
                                let items = arg.members();
                                match items.first() {
                                    None => true,
                                    Some(first) => {
                                        let item_type = symbol(first);
                                        subtype.starts_with(item_type) && items.iter().all(|v| symbol(v) == item_type)
                                    }
                                }
                            };
                            if !ok {
                                let plural = match subtype.as_str() {
                                    "a" => "arrays",
                                    "b" => "booleans",
                                    "f" => "functions",
                                    "n" => "numbers",
                                    "o" => "objects",
                                    "s" => "strings",
                                    _ => "values",
                                };
                                return Err(Error::new("T0412")
                                    .value(arg.to_json_text())
                                    .index(arg_index + 1)
                                    .value2(plural));
                            }
                        }
                        validated.push(if single == 'a' { arg } else { Value::plain_array(vec![arg]) });
                    }
                } else {
                    validated.push(arg);
                }
                arg_index += 1;
            }
        }
        Ok(validated)
    }

    fn mismatch(&self, args: &[Value], supplied: &str) -> Error {
        let mut partial = String::from("^");
        let mut good_to = 0;
        for param in &self.params {
            partial.push_str(&param.pattern);
            let matched = regex::Regex::new(&partial).ok().and_then(|r| r.find(supplied).map(|m| m.end()));
            match matched {
                Some(end) => good_to = end,
                None => break,
            }
        }
        let value = args.get(good_to).map(Value::to_json_text).unwrap_or_default();
        Error::new("T0410").value(value).index(good_to + 1)
    }
}
