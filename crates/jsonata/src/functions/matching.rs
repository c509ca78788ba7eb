//! Pattern functions: `$match`, `$contains`, `$replace`, `$split`. A pattern is a string or a matcher function
//! (a regex literal, or any function returning `{match, start, end, groups, next}`); offsets count characters.

use std::rc::Rc;

use super::arg;
use crate::error::Error;
use crate::evaluator::Evaluator;
use crate::function::CallSite;
use crate::value::Map;
use crate::value::Value;

/// One match reported by a matcher function.
struct Match {
    text: String,
    start: usize,
    groups: Vec<Value>,
    next: Value,
}

/// Calls a matcher (or a match's `next`) and reads the match it reports, if any.
fn call_matcher(
    ev: &mut Evaluator,
    site: &CallSite,
    matcher: &Value,
    args: Vec<Value>,
) -> Result<Option<Match>, Error> {
    let result = ev.apply(matcher, args, &Value::Null, site.env)?;
    let Value::Object(object) = &result else {
        if result.truthy().unwrap_or(false) {
            return Err(Error::new("T1010"));
        }
        return Ok(None);
    };
    let object = object.borrow();
    let start = object.get("start").and_then(Value::as_number);
    let groups = object.get("groups").filter(|g| g.is_array());
    let next = object.get("next").filter(|n| n.is_function());
    if start.is_none() && groups.is_none() && next.is_none() {
        return Err(Error::new("T1010"));
    }
    Ok(Some(Match {
        text: object.get("match").and_then(Value::as_str).unwrap_or_default().to_string(),
        start: start.unwrap_or(0.0).max(0.0) as usize,
        groups: groups.map(Value::members).unwrap_or_default(),
        next: next.cloned().unwrap_or_default(),
    }))
}

/// The limit argument: `None` when absent, an error when negative.
fn limit(args: &[Value], n: usize, code: &'static str) -> Result<Option<f64>, Error> {
    match arg(args, n) {
        Value::Number(l) if l < 0.0 => Err(Error::new(code).value(crate::number::to_js_string(l)).index(n + 1)),
        Value::Number(l) => Ok(Some(l)),
        _ => Ok(None),
    }
}

fn under(limit: Option<f64>, count: usize) -> bool {
    limit.is_none_or(|l| (count as f64) < l)
}

/// Byte offsets of each character of `s`, and of its end.
fn char_offsets(s: &str) -> Vec<usize> {
    s.char_indices().map(|(i, _)| i).chain(std::iter::once(s.len())).collect()
}

pub(crate) fn match_(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(text) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let limit = limit(&args, 2, "D3040")?;
    let matcher = arg(&args, 1);
    let mut result = Vec::new();
    if limit.is_some_and(|l| l == 0.0) {
        return Ok(Value::sequence(result));
    }
    let mut current = call_matcher(ev, site, &matcher, vec![Value::String(text.clone())])?;
    while let Some(found) = current {
        if !under(limit, result.len()) {
            break;
        }
        let mut map = Map::new();
        map.insert(Rc::from("match"), Value::string(found.text));
        map.insert(Rc::from("index"), Value::Number(found.start as f64));
        map.insert(Rc::from("groups"), Value::plain_array(found.groups));
        result.push(Value::object(map));
        current = call_matcher(ev, site, &found.next, vec![Value::Undefined])?;
    }
    Ok(Value::sequence(result))
}

pub(crate) fn contains(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(text) = arg(&args, 0) else { return Ok(Value::Undefined) };
    Ok(match arg(&args, 1) {
        Value::Undefined => Value::Undefined,
        Value::String(token) => Value::Bool(text.contains(&*token)),
        matcher => Value::Bool(call_matcher(ev, site, &matcher, vec![Value::String(text)])?.is_some()),
    })
}

/// Expands `$0`, `$1`... in a replacement string with the match and its groups.
fn substitute(replacement: &str, found: &Match) -> String {
    let mut out = String::new();
    let chars: Vec<char> = replacement.chars().collect();
    let mut position = 0;
    while position < chars.len() {
        let Some(offset) = chars[position..].iter().position(|&c| c == '$') else { break };
        let index = position + offset;
        out.extend(&chars[position..index]);
        position = index + 1;
        match chars.get(position) {
            Some('$') => {
                out.push('$');
                position += 1;
            }
            Some('0') => {
                out.push_str(&found.text);
                position += 1;
            }
            _ => {
                let group_count = found.groups.len();
                let max_digits = if group_count == 0 { 1 } else { (group_count as f64).log10().floor() as usize + 1 };
                let parse = |digits: usize| -> Option<usize> {
                    let text: String = chars.iter().skip(position).take(digits).collect();
                    let numeric: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
                    numeric.parse().ok()
                };
                let mut group = parse(max_digits);
                if max_digits > 1 && group.is_some_and(|g| g > group_count) {
                    group = parse(max_digits - 1);
                }
                match group {
                    Some(g) => {
                        if group_count > 0 {
                            if let Some(Value::String(s)) = g.checked_sub(1).and_then(|i| found.groups.get(i)) {
                                out.push_str(s);
                            }
                        }
                        position += g.to_string().len();
                    }
                    None => out.push('$'),
                }
            }
        }
    }
    out.extend(chars.get(position..).unwrap_or_default());
    out
}

pub(crate) fn replace(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(text) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let pattern = arg(&args, 1);
    if pattern.as_str() == Some("") {
        return Err(Error::new("D3010").value("\"\"").index(2));
    }
    let limit = limit(&args, 3, "D3011")?;
    let replacement = arg(&args, 2);
    if limit.is_some_and(|l| l == 0.0) {
        return Ok(Value::String(text));
    }
    if let Value::String(pattern) = &pattern {
        let replacement = replacement.as_str().unwrap_or_default();
        let mut result = String::new();
        let mut rest: &str = &text;
        let mut count = 0;
        while let Some(i) = rest.find(&**pattern) {
            if !under(limit, count) {
                break;
            }
            result.push_str(&rest[..i]);
            result.push_str(replacement);
            rest = &rest[i + pattern.len()..];
            count += 1;
            ev.charge(replacement.len() as u64 / 16 + 1)?;
        }
        result.push_str(rest);
        return Ok(Value::string(result));
    }
    let offsets = char_offsets(&text);
    let byte_at = |chars: usize| offsets[chars.min(offsets.len() - 1)];
    let mut result = String::new();
    let mut position = 0;
    let mut count = 0;
    let mut current = call_matcher(ev, site, &pattern, vec![Value::String(text.clone())])?;
    if current.is_none() {
        return Ok(Value::String(text));
    }
    while let Some(found) = current {
        if !under(limit, count) {
            break;
        }
        result.push_str(text.get(byte_at(position)..byte_at(found.start)).unwrap_or_default());
        let replaced = match &replacement {
            Value::String(r) => substitute(r, &found),
            function => {
                let mut map = Map::new();
                map.insert(Rc::from("match"), Value::string(found.text.as_str()));
                map.insert(Rc::from("start"), Value::Number(found.start as f64));
                map.insert(Rc::from("end"), Value::Number((found.start + found.text.chars().count()) as f64));
                map.insert(Rc::from("groups"), Value::plain_array(found.groups.clone()));
                map.insert(Rc::from("next"), found.next.clone());
                match ev.apply(function, vec![Value::object(map)], &Value::Null, site.env)? {
                    Value::String(s) => s.to_string(),
                    other => return Err(Error::new("D3012").value(other.to_json_text())),
                }
            }
        };
        ev.charge(replaced.len() as u64 / 16 + 1)?;
        result.push_str(&replaced);
        position = found.start + found.text.chars().count();
        count += 1;
        current = call_matcher(ev, site, &found.next, vec![Value::Undefined])?;
    }
    result.push_str(text.get(byte_at(position)..).unwrap_or_default());
    Ok(Value::string(result))
}

pub(crate) fn split(ev: &mut Evaluator, site: &CallSite, args: Vec<Value>) -> Result<Value, Error> {
    let Value::String(text) = arg(&args, 0) else { return Ok(Value::Undefined) };
    let limit = limit(&args, 2, "D3020")?.map(f64::trunc);
    let separator = arg(&args, 1);
    let mut result: Vec<Value> = Vec::new();
    if limit.is_some_and(|l| l == 0.0) {
        return Ok(Value::plain_array(result));
    }
    if let Value::String(separator) = &separator {
        let parts: Vec<String> = if separator.is_empty() {
            text.chars().map(String::from).collect()
        } else {
            text.split(&**separator).map(String::from).collect()
        };
        let take = limit.map(|l| l as usize).unwrap_or(parts.len());
        ev.charge(parts.len() as u64)?;
        return Ok(Value::plain_array(parts.into_iter().take(take).map(Value::string).collect()));
    }
    let offsets = char_offsets(&text);
    let byte_at = |chars: usize| offsets[chars.min(offsets.len() - 1)];
    let mut start = 0;
    let mut current = call_matcher(ev, site, &separator, vec![Value::String(text.clone())])?;
    if current.is_none() {
        return Ok(Value::plain_array(vec![Value::String(text)]));
    }
    while let Some(found) = current {
        if !under(limit, result.len()) {
            break;
        }
        result.push(Value::string(text.get(byte_at(start)..byte_at(found.start)).unwrap_or_default()));
        start = found.start + found.text.chars().count();
        current = call_matcher(ev, site, &found.next, vec![Value::Undefined])?;
    }
    if under(limit, result.len()) {
        result.push(Value::string(text.get(byte_at(start)..).unwrap_or_default()));
    }
    Ok(Value::plain_array(result))
}
