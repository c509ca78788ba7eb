//! The Pratt (top-down operator precedence) parser: tokens to a syntax tree that still mirrors the source
//! (`a.b[c]` is nested binary nodes). [`crate::ast`] turns it into the tree the evaluator runs. Owns operator
//! binding powers and the grammar; never evaluates.

use crate::error::Error;
use crate::lexer::Lexer;
use crate::lexer::Token;
use crate::signature::Signature;

/// How deep the parser may recurse (nested parentheses, operators); deeper text is rejected, not a crash.
const MAX_NESTING: usize = 2_000;

/// A syntax tree node as parsed.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub(crate) kind: RawKind,
    pub(crate) position: usize,
    /// `[]` followed this step: keep singleton results as arrays.
    pub(crate) keep_array: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum RawKind {
    /// A binary operator: `.`, `[`, arithmetic, comparison, `and`, `:=`, `@`, `#`, `~>`, `..`, ...
    Binary {
        op: &'static str,
        lhs: Box<Raw>,
        rhs: Box<Raw>,
    },
    /// `lhs^(terms)`: each term is (descending, expression).
    Sort {
        lhs: Box<Raw>,
        terms: Vec<(bool, Raw)>,
    },
    /// `lhs{k: v, ...}`.
    Group {
        lhs: Box<Raw>,
        pairs: Vec<(Raw, Raw)>,
    },
    Object(Vec<(Raw, Raw)>),
    Array(Vec<Raw>),
    Negate(Box<Raw>),
    Name(String),
    Variable(String),
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
    Regex {
        pattern: String,
        flags: String,
    },
    Wildcard,
    Descendant,
    Parent,
    Condition {
        condition: Box<Raw>,
        then: Box<Raw>,
        otherwise: Option<Box<Raw>>,
    },
    Block(Vec<Raw>),
    Call {
        procedure: Box<Raw>,
        args: Vec<Raw>,
        partial: bool,
    },
    /// `?` standing for an argument in a partial application.
    Placeholder,
    Lambda {
        params: Vec<String>,
        signature: Option<std::sync::Arc<Signature>>,
        body: Box<Raw>,
    },
    Transform {
        pattern: Box<Raw>,
        update: Box<Raw>,
        delete: Option<Box<Raw>>,
    },
    /// The end of the text where an operand was expected.
    End,
}

/// The left binding power of an operator token.
fn binding_power(op: &str) -> u8 {
    match op {
        "." => 75,
        "[" | "(" | "@" | "#" => 80,
        "{" => 70,
        "*" | "/" | "%" => 60,
        "+" | "-" | "&" => 50,
        "=" | "<" | ">" | "!=" | "<=" | ">=" | "^" | "~>" | "?:" | "??" | "in" => 40,
        "and" => 30,
        "or" => 25,
        "?" => 20,
        ":=" => 10,
        _ => 0,
    }
}

/// The text a token stands for (how a signature is reassembled from tokens).
fn token_text(token: &Token) -> String {
    match token {
        Token::Operator(op) => op.to_string(),
        Token::Name(s) | Token::Str(s) => s.clone(),
        Token::Variable(s) => format!("${s}"),
        Token::Number(n) => crate::number::to_js_string(*n),
        Token::Bool(b) => b.to_string(),
        Token::Null => "null".into(),
        Token::Regex { pattern, .. } => pattern.clone(),
    }
}

pub(crate) struct Parser {
    lexer: Lexer,
    /// The current token; `None` at the end of the text.
    current: Option<Token>,
    position: usize,
    depth: usize,
}

/// Parses `text` into a syntax tree.
pub(crate) fn parse(text: &str) -> Result<Raw, Error> {
    let mut parser = Parser { lexer: Lexer::new(text), current: None, position: 0, depth: 0 };
    parser.advance(None, false)?;
    let tree = parser.expression(0)?;
    if let Some(token) = &parser.current {
        return Err(Error::new("S0201").at(parser.position).token(token_text(token)));
    }
    Ok(tree)
}

impl Parser {
    fn is_op(&self, op: &str) -> bool {
        matches!(&self.current, Some(Token::Operator(o)) if *o == op)
    }

    /// Moves to the next token, first checking the current one is `expected` (when given).
    fn advance(&mut self, expected: Option<&'static str>, infix: bool) -> Result<(), Error> {
        if let Some(expected) = expected {
            if !self.is_op(expected) {
                return Err(match &self.current {
                    None => Error::new("S0203").at(self.position).value(expected),
                    Some(token) => Error::new("S0202").at(self.position).token(token_text(token)).value(expected),
                });
            }
        }
        match self.lexer.next(infix)? {
            None => {
                self.current = None;
                self.position = self.lexer.len();
            }
            Some((token, position)) => {
                if let Token::Operator(op @ ("!" | "~")) = token {
                    return Err(Error::new("S0204").at(position).token(op));
                }
                self.current = Some(token);
                self.position = position;
            }
        }
        Ok(())
    }

    fn raw(kind: RawKind, position: usize) -> Raw {
        Raw { kind, position, keep_array: false }
    }

    fn expression(&mut self, rbp: u8) -> Result<Raw, Error> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Error::new("S0201").at(self.position).text("The expression nests too deeply"));
        }
        let result = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expression_inner(rbp));
        self.depth -= 1;
        result
    }

    fn expression_inner(&mut self, rbp: u8) -> Result<Raw, Error> {
        let token = self.current.clone();
        let position = self.position;
        self.advance(None, true)?;
        let mut left = self.nud(token, position)?;
        while let Some(Token::Operator(op)) = self.current.clone() {
            if rbp >= binding_power(op) {
                break;
            }
            let position = self.position;
            self.advance(None, false)?;
            left = self.led(op, left, position)?;
        }
        Ok(left)
    }

    fn nud(&mut self, token: Option<Token>, position: usize) -> Result<Raw, Error> {
        let Some(token) = token else {
            return Ok(Self::raw(RawKind::End, position));
        };
        let kind = match token {
            Token::Name(name) => RawKind::Name(name),
            Token::Variable(name) => RawKind::Variable(name),
            Token::Str(s) => RawKind::Str(s),
            Token::Number(n) => RawKind::Number(n),
            Token::Bool(b) => RawKind::Bool(b),
            Token::Null => RawKind::Null,
            Token::Regex { pattern, flags } => RawKind::Regex { pattern, flags },
            Token::Operator(op @ ("and" | "or" | "in")) => RawKind::Name(op.to_string()),
            Token::Operator("-") => RawKind::Negate(Box::new(self.expression(70)?)),
            Token::Operator("*") => RawKind::Wildcard,
            Token::Operator("**") => RawKind::Descendant,
            Token::Operator("%") => RawKind::Parent,
            Token::Operator("(") => {
                let mut expressions = Vec::new();
                while !self.is_op(")") {
                    expressions.push(self.expression(0)?);
                    if !self.is_op(";") {
                        break;
                    }
                    self.advance(Some(";"), false)?;
                }
                self.advance(Some(")"), true)?;
                RawKind::Block(expressions)
            }
            Token::Operator("[") => {
                let mut items = Vec::new();
                if !self.is_op("]") {
                    loop {
                        let mut item = self.expression(0)?;
                        if self.is_op("..") {
                            let range_position = self.position;
                            self.advance(Some(".."), false)?;
                            let rhs = self.expression(0)?;
                            item = Self::raw(
                                RawKind::Binary { op: "..", lhs: Box::new(item), rhs: Box::new(rhs) },
                                range_position,
                            );
                        }
                        items.push(item);
                        if !self.is_op(",") {
                            break;
                        }
                        self.advance(Some(","), false)?;
                    }
                }
                self.advance(Some("]"), true)?;
                RawKind::Array(items)
            }
            Token::Operator("{") => RawKind::Object(self.object_pairs()?),
            Token::Operator("|") => {
                let pattern = self.expression(0)?;
                self.advance(Some("|"), false)?;
                let update = self.expression(0)?;
                let mut delete = None;
                if self.is_op(",") {
                    self.advance(Some(","), false)?;
                    delete = Some(Box::new(self.expression(0)?));
                }
                self.advance(Some("|"), false)?;
                RawKind::Transform { pattern: Box::new(pattern), update: Box::new(update), delete }
            }
            Token::Operator(op) => return Err(Error::new("S0211").at(position).token(op)),
        };
        Ok(Self::raw(kind, position))
    }

    fn object_pairs(&mut self) -> Result<Vec<(Raw, Raw)>, Error> {
        let mut pairs = Vec::new();
        if !self.is_op("}") {
            loop {
                let key = self.expression(0)?;
                self.advance(Some(":"), false)?;
                let value = self.expression(0)?;
                pairs.push((key, value));
                if !self.is_op(",") {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some("}"), true)?;
        Ok(pairs)
    }

    fn led(&mut self, op: &'static str, left: Raw, position: usize) -> Result<Raw, Error> {
        let binary = |lhs: Raw, rhs: Raw| RawKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) };
        let kind = match op {
            "??" => {
                let condition = Self::raw(
                    RawKind::Call {
                        procedure: Box::new(Self::raw(RawKind::Variable("exists".into()), position)),
                        args: vec![left.clone()],
                        partial: false,
                    },
                    position,
                );
                let otherwise = self.expression(0)?;
                RawKind::Condition {
                    condition: Box::new(condition),
                    then: Box::new(left),
                    otherwise: Some(Box::new(otherwise)),
                }
            }
            "?:" => {
                let otherwise = self.expression(0)?;
                RawKind::Condition {
                    condition: Box::new(left.clone()),
                    then: Box::new(left),
                    otherwise: Some(Box::new(otherwise)),
                }
            }
            "?" => {
                let then = self.expression(0)?;
                let mut otherwise = None;
                if self.is_op(":") {
                    self.advance(Some(":"), false)?;
                    otherwise = Some(Box::new(self.expression(0)?));
                }
                RawKind::Condition { condition: Box::new(left), then: Box::new(then), otherwise }
            }
            "(" => return self.call(left, position),
            "[" => {
                if self.is_op("]") {
                    let mut left = left;
                    let mut step = &mut left;
                    while let RawKind::Binary { op: "[", lhs, .. } = &mut step.kind {
                        step = lhs;
                    }
                    step.keep_array = true;
                    self.advance(Some("]"), false)?;
                    return Ok(left);
                }
                let rhs = self.expression(0)?;
                self.advance(Some("]"), true)?;
                binary(left, rhs)
            }
            "^" => {
                self.advance(Some("("), false)?;
                let mut terms = Vec::new();
                loop {
                    let mut descending = false;
                    if self.is_op("<") {
                        self.advance(Some("<"), false)?;
                    } else if self.is_op(">") {
                        descending = true;
                        self.advance(Some(">"), false)?;
                    }
                    terms.push((descending, self.expression(0)?));
                    if !self.is_op(",") {
                        break;
                    }
                    self.advance(Some(","), false)?;
                }
                self.advance(Some(")"), false)?;
                RawKind::Sort { lhs: Box::new(left), terms }
            }
            "{" => RawKind::Group { lhs: Box::new(left), pairs: self.object_pairs()? },
            ":=" => {
                if !matches!(left.kind, RawKind::Variable(_)) {
                    return Err(Error::new("S0212").at(left.position));
                }
                let rhs = self.expression(binding_power(":=") - 1)?;
                binary(left, rhs)
            }
            "@" | "#" => {
                let rhs = self.expression(binding_power(op))?;
                if !matches!(rhs.kind, RawKind::Variable(_)) {
                    return Err(Error::new("S0214").at(rhs.position).token(op));
                }
                binary(left, rhs)
            }
            _ => {
                let rhs = self.expression(binding_power(op))?;
                binary(left, rhs)
            }
        };
        Ok(Self::raw(kind, position))
    }

    /// A call `f(args)`, a partial application `f(?, x)`, or a lambda definition `function($x)<sig>{body}`.
    fn call(&mut self, procedure: Raw, position: usize) -> Result<Raw, Error> {
        let mut args = Vec::new();
        let mut partial = false;
        if !self.is_op(")") {
            loop {
                if self.is_op("?") {
                    partial = true;
                    args.push(Self::raw(RawKind::Placeholder, self.position));
                    self.advance(Some("?"), false)?;
                } else {
                    args.push(self.expression(0)?);
                }
                if !self.is_op(",") {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some(")"), true)?;
        let is_lambda = matches!(&procedure.kind, RawKind::Name(n) if n == "function" || n == "\u{3bb}");
        if !is_lambda {
            return Ok(Self::raw(RawKind::Call { procedure: Box::new(procedure), args, partial }, position));
        }
        let mut params = Vec::new();
        for (index, arg) in args.iter().enumerate() {
            match &arg.kind {
                RawKind::Variable(name) => params.push(name.clone()),
                _ => {
                    let token = match &arg.kind {
                        RawKind::Name(n) | RawKind::Str(n) => n.clone(),
                        _ => String::new(),
                    };
                    return Err(Error::new("S0208").at(arg.position).token(token).value((index + 1).to_string()));
                }
            }
        }
        let mut signature = None;
        if self.is_op("<") {
            let signature_position = self.position;
            let mut depth = 1;
            let mut text = String::from("<");
            while depth > 0 && !self.is_op("{") && self.current.is_some() {
                self.advance(None, false)?;
                match &self.current {
                    Some(Token::Operator(">")) => depth -= 1,
                    Some(Token::Operator("<")) => depth += 1,
                    _ => {}
                }
                if let Some(token) = &self.current {
                    text.push_str(&token_text(token));
                }
            }
            self.advance(Some(">"), false)?;
            let parsed = Signature::parse(&text).map_err(|e| {
                let offset = e.position().unwrap_or(0);
                e.at(signature_position + offset)
            })?;
            signature = Some(std::sync::Arc::new(parsed));
        }
        self.advance(Some("{"), false)?;
        let body = self.expression(0)?;
        self.advance(Some("}"), false)?;
        Ok(Self::raw(RawKind::Lambda { params, signature, body: Box::new(body) }, position))
    }
}
