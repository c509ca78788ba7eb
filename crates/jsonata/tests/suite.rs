//! JSONata's reference test suite (`../shared/jsonata-suite` beside the workspace): every case is evaluated
//! and compared with the result, undefined result or error code the reference implementation gives. Prints
//! the pass rate per group and overall, and requires at least 98% overall. Cases listed in
//! `suite-skips.txt` are not run; each line there says why.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;

use jsonata::Budget;
use jsonata::Environment;
use jsonata::Expression;
use serde_json::Value;

/// The evaluation timestamp the suite's `$now()` cases see.
const NOW_MS: i64 = 1_700_000_000_000;

/// Steps allowed per millisecond of a case's time limit.
const STEPS_PER_MS: u64 = 10_000;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join("../shared/jsonata-suite")
}

/// Replaces `\uD800`-style escapes of unpaired UTF-16 surrogates, which JSON text may hold but a Rust string
/// cannot, so the rest of the file still loads.
fn without_lone_surrogates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let unit = |i: usize| -> Option<u32> {
        if chars.get(i) == Some(&'\\') && chars.get(i + 1) == Some(&'u') {
            let hex: String = chars.get(i + 2..i + 6)?.iter().collect();
            u32::from_str_radix(&hex, 16).ok()
        } else {
            None
        }
    };
    while i < chars.len() {
        if chars[i] == '\\' && chars.get(i + 1) == Some(&'\\') {
            out.push_str("\\\\");
            i += 2;
            continue;
        }
        match unit(i) {
            Some(high @ 0xD800..=0xDBFF) if unit(i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) => {
                let _ = high;
                out.extend(&chars[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str("\\ufffd");
                i += 6;
            }
            _ => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

fn skips() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite-skips.txt"))
        .expect("tests/suite-skips.txt is readable");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, reason) = l.split_once(' ').expect("each skip line is `case-id reason`");
            assert!(!reason.trim().is_empty(), "skip of {id} gives no reason");
            (id.to_string(), reason.trim().to_string())
        })
        .collect()
}

/// Numbers compare by value (the suite writes `1.0` where JavaScript computes `1`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(group_dir: &Path, case: &Value, datasets: &BTreeMap<String, Value>) -> Outcome {
    let expr = match (case.get("expr").and_then(Value::as_str), case.get("expr-file").and_then(Value::as_str)) {
        (Some(e), _) => e.to_string(),
        (None, Some(file)) => std::fs::read_to_string(group_dir.join(file)).expect("expr-file is readable"),
        _ => return Outcome::Fail("no expression".into()),
    };
    let input = match case.get("data") {
        Some(data) => Some(data.clone()),
        None => case.get("dataset").and_then(Value::as_str).map(|d| datasets[d].clone()),
    };
    let mut environment = Environment::new(NOW_MS);
    if let Some(Value::Object(bindings)) = case.get("bindings") {
        for (name, value) in bindings {
            environment.bind(name, value);
        }
    }
    if let (Some(limit), Some(depth)) =
        (case.get("timelimit").and_then(Value::as_u64), case.get("depth").and_then(Value::as_u64))
    {
        environment.budget(Budget { max_steps: limit * STEPS_PER_MS, max_depth: depth as usize });
    }
    let expected_code =
        case.get("code").or_else(|| case.get("error").and_then(|e| e.get("code"))).and_then(Value::as_str);
    let result = Expression::parse(&expr).and_then(|e| e.evaluate(input.as_ref(), &environment));
    match (result, expected_code) {
        (Err(e), Some(code)) if e.code == code => Outcome::Pass,
        (Err(e), _) => Outcome::Fail(format!("error {e}, expected {expected_code:?}")),
        (Ok(got), Some(code)) => Outcome::Fail(format!("got {got:?}, expected error {code}")),
        (Ok(got), None) => {
            if case.get("undefinedResult") == Some(&Value::Bool(true)) {
                return match got {
                    None => Outcome::Pass,
                    Some(v) => Outcome::Fail(format!("got {v}, expected undefined")),
                };
            }
            let expected = case.get("result").cloned().unwrap_or(Value::Null);
            let Some(got) = got else { return Outcome::Fail(format!("got undefined, expected {expected}")) };
            let unordered = case.get("unordered") == Some(&Value::Bool(true));
            let ok = match (&got, &expected, unordered) {
                (Value::Array(g), Value::Array(e), true) => {
                    g.len() == e.len() && e.iter().all(|x| g.iter().any(|y| same(x, y)))
                }
                _ => same(&got, &expected),
            };
            if ok {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("got {got}, expected {expected}"))
            }
        }
    }
}

#[test]
fn reference_suite_passes() {
    let dir = suite_dir();
    let mut datasets = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("datasets")).expect("the suite's datasets are readable") {
        let path = entry.expect("a dataset entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let text = std::fs::read_to_string(&path).expect("a dataset is readable");
        datasets.insert(name, serde_json::from_str(&text).expect("a dataset is JSON"));
    }
    let skips = skips();
    let mut groups: Vec<PathBuf> = std::fs::read_dir(dir.join("groups"))
        .expect("the suite's groups are readable")
        .map(|e| e.expect("a group entry").path())
        .collect();
    groups.sort();
    let mut per_group: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut passed, mut total, mut skipped) = (0, 0, 0);
    for group_dir in groups {
        let group = group_dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&group_dir)
            .expect("a group is readable")
            .map(|e| e.expect("a case entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a case file is readable");
            let cases = match serde_json::from_str(&without_lone_surrogates(&text)).expect("a case file is JSON") {
                Value::Array(cases) => cases,
                single => vec![single],
            };
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            for (index, case) in cases.iter().enumerate() {
                let id = format!("{group}/{stem}#{index}");
                total += 1;
                if skips.contains_key(&id) {
                    skipped += 1;
                    continue;
                }
                let entry = per_group.entry(group.clone()).or_default();
                entry.1 += 1;
                match run_case(&group_dir, case, &datasets) {
                    Outcome::Pass => {
                        passed += 1;
                        entry.0 += 1;
                    }
                    Outcome::Fail(why) => failures.push(format!("{id}: {why}")),
                }
            }
        }
    }
    for failure in &failures {
        println!("FAIL {failure}");
    }
    for (group, (p, t)) in &per_group {
        println!("{group:<32} {p:>4}/{t:<4} {:6.1}%", 100.0 * *p as f64 / *t as f64);
    }
    let rate = 100.0 * passed as f64 / total as f64;
    println!("JSONata suite: {passed} of {total} cases pass ({rate:.1}%), {skipped} skipped");
    assert!(rate >= 98.0, "the JSONata suite pass rate {rate:.1}% is below 98%");
}
