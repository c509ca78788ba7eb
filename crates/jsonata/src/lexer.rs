//! The tokenizer: turns expression text into tokens one at a time, on demand of the parser (whether a `/` starts
//! a regex depends on where the parser is). Positions are character offsets. It owns literal decoding (string
//! escapes, numbers, regex literals) and never builds syntax.

use crate::error::Error;

/// One token of expression text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// An operator or punctuation (`.`, `:=`, `and`, ...).
    Operator(&'static str),
    /// A field name (bare or `quoted`).
    Name(String),
    /// `$name`; the empty name is the context (`$`).
    Variable(String),
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
    /// `/pattern/flags`.
    Regex {
        pattern: String,
        flags: String,
    },
}

/// Every operator, longest first where they share a prefix.
const OPERATORS: &[&str] = &[
    "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??", ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":",
    "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&", "!", "~",
];

fn is_operator_char(c: char) -> bool {
    matches!(
        c,
        '.' | '['
            | ']'
            | '{'
            | '}'
            | '('
            | ')'
            | ','
            | '@'
            | '#'
            | ';'
            | ':'
            | '?'
            | '+'
            | '-'
            | '*'
            | '/'
            | '%'
            | '|'
            | '='
            | '<'
            | '>'
            | '^'
            | '&'
            | '!'
            | '~'
    )
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}')
}

/// A cursor over the expression's characters.
pub(crate) struct Lexer {
    chars: Vec<char>,
    position: usize,
}

impl Lexer {
    pub(crate) fn new(text: &str) -> Self {
        Self { chars: text.chars().collect(), position: 0 }
    }

    /// The number of characters in the expression.
    pub(crate) fn len(&self) -> usize {
        self.chars.len()
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// The next token and its start position, or `None` at the end. `infix` is true where an operand cannot
    /// start, so `/` means division rather than a regex.
    pub(crate) fn next(&mut self, infix: bool) -> Result<Option<(Token, usize)>, Error> {
        loop {
            while self.at(self.position).is_some_and(is_space) {
                self.position += 1;
            }
            if self.at(self.position) == Some('/') && self.at(self.position + 1) == Some('*') {
                let start = self.position;
                self.position += 2;
                loop {
                    if self.position >= self.chars.len() {
                        return Err(Error::new("S0106").at(start));
                    }
                    if self.at(self.position) == Some('*') && self.at(self.position + 1) == Some('/') {
                        self.position += 2;
                        break;
                    }
                    self.position += 1;
                }
                continue;
            }
            break;
        }
        let start = self.position;
        let Some(c) = self.at(start) else {
            return Ok(None);
        };
        if !infix && c == '/' {
            self.position += 1;
            return self.regex().map(|t| Some((t, start)));
        }
        for op in OPERATORS {
            let mut chars = op.chars();
            let first = chars.next().unwrap_or_default();
            let second = chars.next();
            if first == c && second.is_none_or(|s| self.at(start + 1) == Some(s)) {
                self.position += op.chars().count();
                return Ok(Some((Token::Operator(op), start)));
            }
        }
        if c == '"' || c == '\'' {
            return self.string(c).map(|t| Some((t, start)));
        }
        if let Some(token) = self.number()? {
            return Ok(Some((token, start)));
        }
        if c == '`' {
            let end = (start + 1..self.chars.len()).find(|&i| self.chars[i] == '`');
            return match end {
                Some(end) => {
                    let name: String = self.chars[start + 1..end].iter().collect();
                    self.position = end + 1;
                    Ok(Some((Token::Name(name), start)))
                }
                None => {
                    self.position = self.chars.len();
                    Err(Error::new("S0105").at(self.position))
                }
            };
        }
        let mut end = start;
        while let Some(ch) = self.at(end) {
            if is_space(ch) || is_operator_char(ch) {
                break;
            }
            end += 1;
        }
        self.position = end;
        if c == '$' {
            return Ok(Some((Token::Variable(self.chars[start + 1..end].iter().collect()), start)));
        }
        let name: String = self.chars[start..end].iter().collect();
        let token = match name.as_str() {
            "and" => Token::Operator("and"),
            "or" => Token::Operator("or"),
            "in" => Token::Operator("in"),
            "true" => Token::Bool(true),
            "false" => Token::Bool(false),
            "null" => Token::Null,
            _ => Token::Name(name),
        };
        Ok(Some((token, start)))
    }

    fn string(&mut self, quote: char) -> Result<Token, Error> {
        self.position += 1;
        let mut text = String::new();
        let mut pending_high: Option<u32> = None;
        while let Some(c) = self.at(self.position) {
            if c == '\\' {
                self.position += 1;
                let escaped = self.at(self.position).unwrap_or_default();
                let decoded = match escaped {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let hex: String = self.chars.iter().skip(self.position + 1).take(4).collect();
                        if hex.len() != 4 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            return Err(Error::new("S0104").at(self.position));
                        }
                        self.position += 4;
                        let unit = u32::from_str_radix(&hex, 16).unwrap_or_default();
                        if (0xD800..0xDC00).contains(&unit) {
                            pending_high = Some(unit);
                            self.position += 1;
                            continue;
                        }
                        let code = match pending_high.take() {
                            Some(high) if (0xDC00..0xE000).contains(&unit) => {
                                0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                            }
                            _ => unit,
                        };
                        char::from_u32(code).unwrap_or('\u{FFFD}')
                    }
                    other => return Err(Error::new("S0103").at(self.position).token(other.to_string())),
                };
                if pending_high.take().is_some() {
                    text.push('\u{FFFD}');
                }
                text.push(decoded);
            } else if c == quote {
                self.position += 1;
                if pending_high.is_some() {
                    text.push('\u{FFFD}');
                }
                return Ok(Token::Str(text));
            } else {
                if pending_high.take().is_some() {
                    text.push('\u{FFFD}');
                }
                text.push(c);
            }
            self.position += 1;
        }
        Err(Error::new("S0101").at(self.position))
    }

    /// A number literal: `(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?`.
    fn number(&mut self) -> Result<Option<Token>, Error> {
        let start = self.position;
        let mut i = start;
        match self.at(i) {
            Some('0') => i += 1,
            Some('1'..='9') => {
                while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
            }
            _ => return Ok(None),
        }
        if self.at(i) == Some('.') && self.at(i + 1).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
            while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('+' | '-')) {
                j += 1;
            }
            if self.at(j).is_some_and(|c| c.is_ascii_digit()) {
                while self.at(j).is_some_and(|c| c.is_ascii_digit()) {
                    j += 1;
                }
                i = j;
            }
        }
        let text: String = self.chars[start..i].iter().collect();
        let value: f64 = text.parse().unwrap_or(f64::NAN);
        if !value.is_finite() {
            return Err(Error::new("S0102").at(start).token(text));
        }
        self.position = i;
        Ok(Some(Token::Number(value)))
    }

    /// A regex literal; the opening `/` is already consumed. The closing `/` is the first unescaped one outside
    /// brackets; flags are any of `i` and `m`.
    fn regex(&mut self) -> Result<Token, Error> {
        let start = self.position;
        let mut depth: i64 = 0;
        while self.position < self.chars.len() {
            let c = self.chars[self.position];
            if c == '/' && depth == 0 {
                let mut backslashes = 0;
                while self.position > backslashes && self.chars[self.position - backslashes - 1] == '\\' {
                    backslashes += 1;
                }
                if backslashes % 2 == 0 {
                    let pattern: String = self.chars[start..self.position].iter().collect();
                    if pattern.is_empty() {
                        return Err(Error::new("S0301").at(self.position));
                    }
                    self.position += 1;
                    let mut flags = String::new();
                    while let Some(f @ ('i' | 'm')) = self.at(self.position) {
                        flags.push(f);
                        self.position += 1;
                    }
                    return Ok(Token::Regex { pattern, flags });
                }
            }
            let escaped = self.position > 0 && self.chars[self.position - 1] == '\\';
            if matches!(c, '(' | '[' | '{') && !escaped {
                depth += 1;
            }
            if matches!(c, ')' | ']' | '}') && !escaped {
                depth -= 1;
            }
            self.position += 1;
        }
        Err(Error::new("S0302").at(self.position))
    }
}
