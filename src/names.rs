//! Resource name rules (state machines, activities, executions) as AWS enforces them.

/// Whether `name` is an acceptable Step Functions resource name: 1..=80 characters and none of the
/// characters AWS forbids (whitespace, brackets, wildcards, punctuation that has meaning in ARNs, control
/// characters and non-characters).
pub fn is_valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=80).contains(&count) && !name.chars().any(is_forbidden)
}

fn is_forbidden(c: char) -> bool {
    c.is_whitespace()
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        || ('\u{0000}'..='\u{001f}').contains(&c)
        || ('\u{007f}'..='\u{009f}').contains(&c)
        || c == '\u{fffe}'
        || c == '\u{ffff}'
}

/// Whether a tag key or value uses only the characters AWS allows: letters, digits, whitespace and `_.:/=+-@`.
pub fn is_valid_tag_text(text: &str) -> bool {
    text.chars().all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_aws_rules() {
        for ok in ["a", "my-machine_1", "ümlaut", &"x".repeat(80), "a.b(c)"] {
            assert!(is_valid_name(ok), "{ok:?} should be valid");
        }
        for bad in ["", "a b", "a?b", "a*", "a:b", "a/b", "a\u{1}", &"x".repeat(81), "{x}", "a$"] {
            assert!(!is_valid_name(bad), "{bad:?} should be invalid");
        }
    }
}
