//! The embedding API: bindings and host functions, hiding a library function, what an expression refers
//! to, deterministic time and randomness, and how undefined and function results come back.

use jsonata::Environment;
use jsonata::Expression;
use jsonata::HostFunction;
use serde_json::json;

fn evaluate(text: &str, environment: &Environment) -> Result<Option<serde_json::Value>, jsonata::Error> {
    Expression::parse(text).and_then(|e| e.evaluate(Some(&json!({"a": [1, 2, 3]})), environment))
}

#[test]
fn bindings_and_host_functions_are_visible() {
    let mut environment = Environment::new(0);
    environment.bind("base", &json!(10));
    let double = HostFunction::new("double", "<n:n>", 1, |args| {
        Ok(args[0].as_ref().and_then(|v| v.as_f64()).map(|n| json!(n * 2.0)))
    })
    .unwrap();
    environment.function(double);
    assert_eq!(evaluate("$base + $sum($map(a, $double))", &environment).unwrap(), Some(json!(22)));
    let error = evaluate("$double('x')", &environment).unwrap_err();
    assert_eq!(error.code, "T0410");
}

#[test]
fn a_hidden_function_cannot_be_called() {
    let mut environment = Environment::new(0);
    environment.without("eval");
    assert_eq!(evaluate("$eval('1 + 1')", &environment).unwrap_err().code, "T1006");
    assert_eq!(evaluate("$eval('1 + 1')", &Environment::new(0)).unwrap(), Some(json!(2)));
}

#[test]
fn references_and_read_paths_are_reported() {
    let expression = Expression::parse("$v.a.b + $sum($v.c[0]) + $w").unwrap();
    assert_eq!(expression.references().into_iter().collect::<Vec<_>>(), ["sum", "v", "w"]);
    assert_eq!(expression.variable_paths("v"), [vec!["a".to_string(), "b".to_string()], vec!["c".to_string()]]);
    let whole: [Vec<String>; 1] = [Vec::new()];
    assert_eq!(Expression::parse("$keys($v)").unwrap().variable_paths("v"), whole);
    assert_eq!(Expression::parse("$v[0].a").unwrap().variable_paths("v"), whole);
}

#[test]
fn time_and_randomness_come_from_the_environment() {
    let mut environment = Environment::new(1_700_000_000_000);
    environment.seed(7);
    let text = "[$now(), $millis(), $random(), $shuffle([1, 2, 3, 4, 5])]";
    let first = evaluate(text, &environment).unwrap();
    assert_eq!(first, evaluate(text, &environment).unwrap());
    let first = first.unwrap();
    assert_eq!(first[0], json!("2023-11-14T22:13:20.000Z"));
    assert_eq!(first[1], json!(1_700_000_000_000_i64));
    environment.seed(8);
    assert_ne!(Some(first), evaluate(text, &environment).unwrap());
}

#[test]
fn undefined_and_function_results_are_told_apart() {
    assert_eq!(evaluate("nothing.here", &Environment::new(0)).unwrap(), None);
    assert_eq!(evaluate("function($x){ $x }", &Environment::new(0)).unwrap_err().code, "U1002");
}
