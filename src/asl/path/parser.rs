//! The JSONPath grammar: `$`, `$$`, `$var`, `.name`, `..name`, `.*`, `[n]`, `['x']`, `[a,b]`, `[s:e:t]`,
//! `[*]`, `[?(expr)]`, `.length()`.

use super::filter;
use super::JsonPath;
use super::PathRoot;
use super::Segment;

/// Parses `text` into a [`JsonPath`].
pub fn parse(text: &str) -> Result<JsonPath, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Cursor { chars: &chars, pos: 0 };
    if p.peek() != Some('$') {
        return Err(format!("Path must start with '$': {text}"));
    }
    p.pos += 1;
    let root = if p.peek() == Some('$') {
        p.pos += 1;
        PathRoot::Context
    } else if p.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
        let start = p.pos;
        while p.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            p.pos += 1;
        }
        PathRoot::Variable(chars[start..p.pos].iter().collect())
    } else {
        PathRoot::Input
    };
    let segments = parse_segments(&mut p)?;
    if p.pos != chars.len() {
        return Err(format!("Unexpected character at position {} in path {text}", p.pos));
    }
    Ok(JsonPath { text: text.to_string(), root, segments })
}

/// A position in the path text.
pub(super) struct Cursor<'a> {
    pub chars: &'a [char],
    pub pos: usize,
}

impl Cursor<'_> {
    pub fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    pub fn rest_starts_with(&self, s: &str) -> bool {
        let n = s.chars().count();
        self.pos + n <= self.chars.len() && self.chars[self.pos..self.pos + n].iter().copied().eq(s.chars())
    }
}

/// Parses steps until the end of the text or a character that cannot continue a path (used inside filters).
pub(super) fn parse_segments(p: &mut Cursor<'_>) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    loop {
        match p.peek() {
            Some('.') if p.peek_at(1) == Some('.') => {
                p.pos += 2;
                let inner = if p.peek() == Some('[') {
                    parse_bracket(p)?
                } else if p.eat('*') {
                    Segment::Wildcard
                } else {
                    Segment::Child(parse_name(p)?)
                };
                segments.push(Segment::Descendant(Box::new(inner)));
            }
            Some('.') => {
                p.pos += 1;
                if p.eat('*') {
                    segments.push(Segment::Wildcard);
                } else if p.rest_starts_with("length()") {
                    p.pos += "length()".len();
                    segments.push(Segment::Length);
                } else {
                    segments.push(Segment::Child(parse_name(p)?));
                }
            }
            Some('[') => segments.push(parse_bracket(p)?),
            _ => return Ok(segments),
        }
    }
}

fn parse_name(p: &mut Cursor<'_>) -> Result<String, String> {
    let start = p.pos;
    while let Some(c) = p.peek() {
        if c == '.' || c == '[' || c == ']' || c == ')' || c == ' ' || c == '=' || c == '<' || c == '>' || c == '!' {
            break;
        }
        if (c == '&' && p.peek_at(1) == Some('&')) || (c == '|' && p.peek_at(1) == Some('|')) {
            break;
        }
        p.pos += 1;
    }
    if p.pos == start {
        return Err("Expected a property name".to_string());
    }
    Ok(p.chars[start..p.pos].iter().collect())
}

fn parse_bracket(p: &mut Cursor<'_>) -> Result<Segment, String> {
    p.pos += 1; // '['
    p.skip_ws();
    let segment = match p.peek() {
        Some('*') => {
            p.pos += 1;
            Segment::Wildcard
        }
        Some('?') => {
            p.pos += 1;
            p.skip_ws();
            if !p.eat('(') {
                return Err("Expected '(' after '?'".to_string());
            }
            let expr = filter::parse_or(p)?;
            p.skip_ws();
            if !p.eat(')') {
                return Err("Expected ')' to close filter".to_string());
            }
            Segment::Filter(Box::new(expr))
        }
        Some('\'') | Some('"') => {
            let mut names = vec![parse_quoted(p)?];
            p.skip_ws();
            while p.eat(',') {
                p.skip_ws();
                names.push(parse_quoted(p)?);
                p.skip_ws();
            }
            if names.len() == 1 {
                Segment::Child(names.pop().unwrap_or_default())
            } else {
                Segment::Children(names)
            }
        }
        _ => parse_index_or_slice(p)?,
    };
    p.skip_ws();
    if !p.eat(']') {
        return Err("Expected ']'".to_string());
    }
    Ok(segment)
}

/// Parses a quoted string (`'x'` or `"x"`, with backslash escapes).
pub(super) fn parse_quoted(p: &mut Cursor<'_>) -> Result<String, String> {
    let quote = p.peek().ok_or("Expected a quoted name")?;
    p.pos += 1;
    let mut out = String::new();
    loop {
        match p.peek() {
            None => return Err("Unterminated quoted name".to_string()),
            Some('\\') => {
                if let Some(next) = p.peek_at(1) {
                    out.push(next);
                }
                p.pos += 2;
            }
            Some(c) if c == quote => {
                p.pos += 1;
                return Ok(out);
            }
            Some(c) => {
                out.push(c);
                p.pos += 1;
            }
        }
    }
}

fn parse_int(p: &mut Cursor<'_>) -> Option<i64> {
    p.skip_ws();
    let start = p.pos;
    if p.peek() == Some('-') {
        p.pos += 1;
    }
    while p.peek().is_some_and(|c| c.is_ascii_digit()) {
        p.pos += 1;
    }
    let text: String = p.chars[start..p.pos].iter().collect();
    let value = text.parse().ok();
    if value.is_none() {
        p.pos = start;
    }
    p.skip_ws();
    value
}

fn parse_index_or_slice(p: &mut Cursor<'_>) -> Result<Segment, String> {
    let first = parse_int(p);
    if p.peek() == Some(':') {
        p.pos += 1;
        let end = parse_int(p);
        let step = if p.eat(':') { parse_int(p) } else { None };
        return Ok(Segment::Slice(first, end, step));
    }
    let first = first.ok_or("Expected an index")?;
    let mut indexes = vec![first];
    while p.eat(',') {
        indexes.push(parse_int(p).ok_or("Expected an index")?);
    }
    if indexes.len() == 1 {
        Ok(Segment::Index(first))
    } else {
        Ok(Segment::Indexes(indexes))
    }
}
