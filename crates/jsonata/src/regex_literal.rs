//! Regex literals (`/pattern/flags`): JavaScript syntax compiled to a backtracking engine with a backtrack
//! limit, so a pathological pattern fails with an error instead of hanging. Owns the translation of
//! JavaScript-only escapes and finding matches; never evaluates expressions.

use crate::error::Error;

/// How many backtracking steps one match attempt may take.
const BACKTRACK_LIMIT: usize = 1_000_000;

/// A compiled regex literal.
#[derive(Debug)]
pub(crate) struct RegexLiteral {
    /// The pattern as written, for messages.
    pub(crate) source: String,
    regex: fancy_regex::Regex,
}

/// One match: byte offsets into the searched text and the capture groups (`None` where a group did not take
/// part).
pub(crate) struct Found {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) groups: Vec<Option<String>>,
}

/// Rewrites JavaScript regex syntax where the engine's differs: ASCII `\d` and `\w`, `\uXXXX`, `\/`.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push_str("\\\\");
                    break;
                };
                match next {
                    'd' if in_class => out.push_str("0-9"),
                    'd' => out.push_str("[0-9]"),
                    'D' if !in_class => out.push_str("[^0-9]"),
                    'w' if in_class => out.push_str("a-zA-Z0-9_"),
                    'w' => out.push_str("[a-zA-Z0-9_]"),
                    'W' if !in_class => out.push_str("[^a-zA-Z0-9_]"),
                    '/' => out.push('/'),
                    'u' => {
                        let hex: String = chars.clone().take(4).collect();
                        if hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            for _ in 0..4 {
                                chars.next();
                            }
                            out.push_str(&format!("\\x{{{hex}}}"));
                        } else {
                            out.push('u');
                        }
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '[' => out.push_str("\\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

impl RegexLiteral {
    /// Compiles `pattern` with JavaScript flags (`i`, `m`).
    pub(crate) fn compile(pattern: &str, flags: &str, position: usize) -> Result<Self, Error> {
        let regex = fancy_regex::RegexBuilder::new(&translate(pattern))
            .case_insensitive(flags.contains('i'))
            .multi_line(flags.contains('m'))
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|e| Error::new("S0303").at(position).value(format!("/{pattern}/: {e}")))?;
        Ok(Self { source: pattern.to_string(), regex })
    }

    /// The first match at or after byte offset `from`.
    pub(crate) fn find(&self, text: &str, from: usize) -> Result<Option<Found>, Error> {
        if from > text.len() {
            return Ok(None);
        }
        let captures = self.regex.captures_from_pos(text, from).map_err(|_| {
            Error::new("U1001").text(format!("The regular expression /{}/ backtracks too much", self.source))
        })?;
        Ok(captures.and_then(|c| {
            let whole = c.get(0)?;
            let groups = (1..c.len()).map(|i| c.get(i).map(|m| m.as_str().to_string())).collect();
            Some(Found { start: whole.start(), end: whole.end(), groups })
        }))
    }
}
