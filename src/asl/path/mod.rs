//! JSONPath as ASL uses it: parsing (`$…` on the state input, `$$…` on the context object, `$name…` on a
//! workflow variable), evaluation for reads, and reference-path writes for `ResultPath`.

mod eval;
mod filter;
mod parser;
mod write;

pub use eval::PathError;
pub use filter::FilterExpr;
pub use write::write_reference;

/// Where a path starts.
#[derive(Debug, Clone, PartialEq)]
pub enum PathRoot {
    /// `$` — the state's (effective) input.
    Input,
    /// `$$` — the context object.
    Context,
    /// `$name` — a workflow variable.
    Variable(String),
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `.name` or `['name']`.
    Child(String),
    /// `[n]`; negative counts from the end.
    Index(i64),
    /// `.*` or `[*]`.
    Wildcard,
    /// `['a','b']`.
    Children(Vec<String>),
    /// `[1,2]`.
    Indexes(Vec<i64>),
    /// `[start:end:step]`.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `..` followed by the inner step, applied at every depth.
    Descendant(Box<Segment>),
    /// `[?(...)]`.
    Filter(Box<FilterExpr>),
    /// `.length()`.
    Length,
}

impl Segment {
    /// Whether the step selects at most one node.
    fn is_definite(&self) -> bool {
        matches!(self, Segment::Child(_) | Segment::Index(_) | Segment::Length)
    }
}

/// A parsed JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    pub text: String,
    pub root: PathRoot,
    pub segments: Vec<Segment>,
}

impl JsonPath {
    /// Parses a path string (must start with `$`).
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        parser::parse(text)
    }

    /// A path that selects at most one node (no wildcards, slices, filters, unions or descendants).
    pub fn is_definite(&self) -> bool {
        self.segments.iter().all(Segment::is_definite)
    }

    /// A Reference Path: rooted at the input, only names and indexes (what `ResultPath` accepts).
    pub fn is_reference(&self) -> bool {
        self.root == PathRoot::Input && self.segments.iter().all(|s| matches!(s, Segment::Child(_) | Segment::Index(_)))
    }

    /// The bracket-normalised spelling AWS shows in errors: `$['a'][0]`.
    pub fn normalized(&self) -> String {
        let mut out = match &self.root {
            PathRoot::Input => "$".to_string(),
            PathRoot::Context => "$$".to_string(),
            PathRoot::Variable(name) => format!("${name}"),
        };
        for segment in &self.segments {
            normalize_segment(segment, &mut out);
        }
        out
    }
}

fn normalize_segment(segment: &Segment, out: &mut String) {
    match segment {
        Segment::Child(name) => out.push_str(&format!("['{name}']")),
        Segment::Index(i) => out.push_str(&format!("[{i}]")),
        Segment::Wildcard => out.push_str("[*]"),
        Segment::Children(names) => {
            let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
            out.push_str(&format!("[{}]", quoted.join(",")));
        }
        Segment::Indexes(ix) => {
            let items: Vec<String> = ix.iter().map(|i| i.to_string()).collect();
            out.push_str(&format!("[{}]", items.join(",")));
        }
        Segment::Slice(a, b, c) => {
            let f = |v: &Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
            match c {
                Some(_) => out.push_str(&format!("[{}:{}:{}]", f(a), f(b), f(c))),
                None => out.push_str(&format!("[{}:{}]", f(a), f(b))),
            }
        }
        Segment::Descendant(inner) => {
            out.push_str("..");
            normalize_segment(inner, out);
        }
        Segment::Filter(_) => out.push_str("[?]"),
        Segment::Length => out.push_str(".length()"),
    }
}

#[cfg(test)]
mod tests;
