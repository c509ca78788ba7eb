//! A mocked response: the answers to a mocked Task state's calls, by invocation number (`"0"`, `"1-3"`, ...).

use serde_json::Value;

use super::MockAnswer;

/// The answers of one `MockedResponses` entry. Its ranges start at 0 and follow each other without gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct MockedResponse {
    name: String,
    /// `(first, last, answer)`, inclusive, in order.
    ranges: Vec<(u64, u64, MockAnswer)>,
}

impl MockedResponse {
    /// Parses the entry `name`; an error names the key that is wrong and why.
    pub fn parse(name: &str, entry: &Value) -> Result<MockedResponse, String> {
        let at = format!("MockedResponses.{name}");
        let Some(entry) = entry.as_object().filter(|e| !e.is_empty()) else {
            return Err(format!("{at} must be an object of answers keyed by invocation (\"0\", \"1-2\", ...)"));
        };
        let mut ranges = Vec::new();
        for (key, answer) in entry {
            let (first, last) = invocation_range(key).ok_or_else(|| {
                format!("{at}: '{key}' is not an invocation number (\"0\") or an inclusive range (\"1-3\")")
            })?;
            ranges.push((first, last, parse_answer(&format!("{at}.{key}"), answer)?));
        }
        ranges.sort_by_key(|(first, _, _)| *first);
        let mut next = 0;
        for (first, last, _) in &ranges {
            if *first != next {
                return Err(format!(
                    "{at}: the answers must be numbered consecutively from 0, but after {} comes {first}",
                    if next == 0 { "nothing".to_string() } else { format!("{}", next - 1) }
                ));
            }
            next = last + 1;
        }
        Ok(MockedResponse { name: name.to_string(), ranges })
    }

    /// The entry's name in `MockedResponses`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The answer to call number `invocation` (0 for the first), if the entry defines one.
    pub fn answer(&self, invocation: u64) -> Option<&MockAnswer> {
        self.ranges.iter().find(|(first, last, _)| (*first..=*last).contains(&invocation)).map(|(_, _, a)| a)
    }
}

/// `"3"` -> (3, 3), `"1-2"` -> (1, 2); `None` for anything else (including a range that runs backwards).
fn invocation_range(key: &str) -> Option<(u64, u64)> {
    let number = |text: &str| text.trim().parse::<u64>().ok();
    match key.split_once('-') {
        None => number(key).map(|n| (n, n)),
        Some((first, last)) => Some((number(first)?, number(last)?)).filter(|(first, last)| first <= last),
    }
}

fn parse_answer(at: &str, answer: &Value) -> Result<MockAnswer, String> {
    let fields = answer.as_object().map(|o| o.keys().map(String::as_str).collect::<Vec<_>>()).unwrap_or_default();
    match (fields.as_slice(), answer) {
        (["Return"], _) => Ok(MockAnswer::Return(answer["Return"].clone())),
        (["Throw"], _) => {
            let throw = &answer["Throw"];
            let text = |field: &str| throw.get(field).and_then(Value::as_str).map(str::to_string);
            match (text("Error"), text("Cause")) {
                (Some(error), Some(cause)) => Ok(MockAnswer::Throw { error, cause }),
                _ => Err(format!("{at}.Throw must be an object with the strings Error and Cause")),
            }
        }
        _ => Err(format!("{at} must be an object with exactly one field, Return or Throw")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ranges_cover_consecutive_invocations() {
        let entry = json!({
            "0": {"Throw": {"Error": "E0", "Cause": "c"}},
            "1-2": {"Throw": {"Error": "E1", "Cause": "c"}},
            "3": {"Return": {"ok": true}}
        });
        let response = MockedResponse::parse("R", &entry).expect("valid");
        let error = |n| match response.answer(n) {
            Some(MockAnswer::Throw { error, .. }) => error.clone(),
            other => format!("{other:?}"),
        };
        assert_eq!([error(0), error(1), error(2)], ["E0", "E1", "E1"]);
        assert_eq!(response.answer(3), Some(&MockAnswer::Return(json!({"ok": true}))));
        assert_eq!(response.answer(4), None);
    }

    #[test]
    fn malformed_entries_are_refused_with_the_key_and_reason() {
        let cases = [
            (json!({}), "must be an object of answers"),
            (json!({"x": {"Return": 1}}), "'x' is not an invocation number"),
            (json!({"2-1": {"Return": 1}}), "'2-1' is not an invocation number"),
            (json!({"1": {"Return": 1}}), "numbered consecutively from 0, but after nothing comes 1"),
            (json!({"0": {"Return": 1}, "2": {"Return": 1}}), "after 0 comes 2"),
            (json!({"0": {"Return": 1}, "0-1": {"Return": 1}}), "after 0 comes 0"),
            (json!({"0": {"Return": 1, "Throw": {}}}), "MockedResponses.R.0 must be an object with exactly one field"),
            (json!({"0": {"Throw": {"Error": "E"}}}), "MockedResponses.R.0.Throw must be an object with the strings"),
        ];
        for (entry, expected) in cases {
            let error = MockedResponse::parse("R", &entry).expect_err(&entry.to_string());
            assert!(error.contains(expected), "{entry}: {error}");
        }
    }
}
