//! The budget keeps every expression bounded: runaway recursion, endless tail loops and values built too
//! large fail with `U1001` instead of hanging or exhausting the host, and deep results are safe to drop.

use jsonata::Budget;
use jsonata::Environment;
use jsonata::Expression;

fn evaluate(text: &str, budget: Budget) -> Result<Option<serde_json::Value>, jsonata::Error> {
    let mut environment = Environment::new(0);
    environment.budget(budget);
    Expression::parse(text).and_then(|e| e.evaluate(None, &environment))
}

#[test]
fn runaway_recursion_stops_at_the_depth_budget() {
    let error =
        evaluate("($f := function($n){ 1 + $f($n + 1) }; $f(0))", Budget { max_steps: u64::MAX, max_depth: 5_000 })
            .expect_err("unbounded recursion fails");
    assert_eq!(error.code, "U1001");
}

#[test]
fn an_endless_tail_loop_stops_at_the_step_budget() {
    let error = evaluate("($f := function($n){ $f($n + 1) }; $f(0))", Budget { max_steps: 100_000, max_depth: 100 })
        .expect_err("an endless loop fails");
    assert_eq!(error.code, "U1001");
}

#[test]
fn doubling_a_string_stops_at_the_step_budget() {
    let error = evaluate(
        "$reduce([1..40], function($acc, $i){ $acc & $acc }, 'x')",
        Budget { max_steps: 1_000_000, max_depth: 100 },
    )
    .expect_err("a string of 2^40 characters is never built");
    assert_eq!(error.code, "U1001");
}

#[test]
fn a_deeply_nested_value_built_in_a_loop_is_reported_and_dropped_safely() {
    let nested = "$reduce([1..200000], function($acc, $i){ {'next': $acc} }, {})";
    let error = evaluate(nested, Budget { max_steps: 50_000_000, max_depth: 100 }).expect_err("too deep to return");
    assert_eq!(error.code, "U1001");
    let counted = evaluate(&format!("($v := {nested}; 'built')"), Budget { max_steps: 50_000_000, max_depth: 100 });
    assert_eq!(counted.unwrap(), Some(serde_json::json!("built")));
}

#[test]
fn deeply_nested_text_is_a_syntax_error() {
    let text = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let error = evaluate(&text, Budget::default()).expect_err("nesting beyond the parser's limit fails");
    assert!(error.code.starts_with('S'), "{error}");
}
