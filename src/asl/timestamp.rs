//! RFC 3339 timestamps as ASL accepts them (uppercase `T`, `Z` or a numeric offset).

use chrono::DateTime;
use chrono::FixedOffset;

/// Parses an ASL timestamp.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes.get(10) != Some(&b'T') {
        return None;
    }
    let has_zone = text.ends_with('Z') || {
        let tail = &bytes[bytes.len().saturating_sub(6)..];
        matches!(tail.first(), Some(b'+' | b'-')) && tail.get(3) == Some(&b':')
    };
    if !has_zone {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok()
}

/// Whether `text` is a valid ASL timestamp.
pub fn is_rfc3339(text: &str) -> bool {
    parse_rfc3339(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_full_rfc3339() {
        let cases = [
            ("2016-03-14T01:59:00Z", true),
            ("2016-03-05T21:29:29.243167252Z", true),
            ("2016-03-14T01:59:00+02:00", true),
            ("2016-13-05T21:29:29Z", false),
            ("05-12-2016T21:29:29Z", false),
            ("2016-12-05T25:29:29Z", false),
            ("2016-12-05 21:29:29Z", false),
            ("2016-12-05T21:29:29", false),
            ("2016-12-05t21:29:29z", false),
            ("4032-12-0<T25\u{1a7}29:29", false),
            ("2016-12-05T21:29:29+0\u{e9}:00", false),
        ];
        for (text, valid) in cases {
            assert_eq!(is_rfc3339(text), valid, "{text}");
        }
    }
}
