//! JSON text as TestState returns it: `", "` between items and `": "` after keys.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;
use serde_json::Value;

struct Spaced;

impl Formatter for Spaced {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.begin_array_value(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// `value` as TestState's JSON text.
pub fn to_spaced_text(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Spaced);
    match value.serialize(&mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn items_and_members_are_spaced() {
        assert_eq!(to_spaced_text(&json!([1, {"a": [true, null]}, "x"])), r#"[1, {"a": [true, null]}, "x"]"#);
        assert_eq!(to_spaced_text(&json!({})), "{}");
    }
}
