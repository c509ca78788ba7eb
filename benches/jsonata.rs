//! JSONata against JSONPath on the same work, in the same run: a typical Task `Arguments` template (versus
//! `Parameters`), and a 1,000-item Map whose items are selected and reshaped (`Items` + `ItemSelector` versus
//! `ItemsPath` + `ItemSelector`). Each figure is the mean time of one engine step. Run with
//! `cargo bench --bench jsonata -- [ITERATIONS]` (default 2000 for the template, a tenth of it for the Map).

use std::time::Duration;
use std::time::Instant;

use serde_json::json;
use statehouse::asl::Definition;
use statehouse::engine::step;
use statehouse::engine::ExecutionInfo;
use statehouse::engine::ExecutionState;
use statehouse::engine::Input;
use statehouse::engine::WaitTimeScale;

const ARGUMENTS_JSONATA: &str = r#"{"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {
  "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
  "Arguments": {
    "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:price",
    "Payload": {
      "orderId": "{% $states.input.order.id %}",
      "customer": "{% $states.input.customer.name %}",
      "lines": "{% $states.input.order.lines %}",
      "count": "{% $count($states.input.order.lines) %}",
      "execution": "{% $states.context.Execution.Id %}",
      "channel": "web"
    }
  }}}}"#;

const ARGUMENTS_JSONPATH: &str = r#"{"StartAt": "T", "States": {"T": {
  "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
  "Parameters": {
    "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:price",
    "Payload": {
      "orderId.$": "$.order.id",
      "customer.$": "$.customer.name",
      "lines.$": "$.order.lines",
      "count.$": "States.ArrayLength($.order.lines)",
      "execution.$": "$$.Execution.Id",
      "channel": "web"
    }
  }}}}"#;

const MAP_JSONATA: &str = r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
  "Type": "Map", "End": true, "Items": "{% $states.input.items %}",
  "ItemSelector": {"sku": "{% $states.context.Map.Item.Value.sku %}", "position": "{% $states.context.Map.Item.Index %}"},
  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}"#;

const MAP_JSONPATH: &str = r#"{"StartAt": "M", "States": {"M": {
  "Type": "Map", "End": true, "ItemsPath": "$.items",
  "ItemSelector": {"sku.$": "$$.Map.Item.Value.sku", "position.$": "$$.Map.Item.Index"},
  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}"#;

fn info(input: &str) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:bench:run".into(),
        execution_name: "run".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".into(),
        state_machine_name: "bench".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        start_time_ms: 1_700_000_000_000,
        input: input.into(),
        token_key: "bench".into(),
        wait_time_scale: WaitTimeScale::REAL_TIME,
        redrive: Default::default(),
    }
}

/// The mean time of the first step (entering the state and evaluating its fields) over `iterations` runs.
fn time_start(definition: &str, input: &str, iterations: u32) -> Duration {
    let definition = Definition::parse(definition).expect("the bench definitions are valid");
    let started = Instant::now();
    for _ in 0..iterations {
        let mut state = ExecutionState::new(info(input));
        let out = step(&definition, &mut state, Input::Start, 1_700_000_000_000);
        assert!(!out.events.is_empty());
    }
    started.elapsed() / iterations
}

fn report(name: &str, jsonata: Duration, jsonpath: Duration) {
    println!(
        "{name:<28} JSONata {:>10.1} µs   JSONPath {:>10.1} µs   ratio {:.2}",
        jsonata.as_secs_f64() * 1e6,
        jsonpath.as_secs_f64() * 1e6,
        jsonata.as_secs_f64() / jsonpath.as_secs_f64()
    );
}

fn main() {
    let iterations: u32 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2000);
    let order = json!({
        "order": {"id": "o-1", "lines": (0..10).map(|i| json!({"sku": format!("s{i}"), "qty": i, "price": 9.5})).collect::<Vec<_>>()},
        "customer": {"name": "Ada", "tier": "gold"}
    })
    .to_string();
    let items =
        json!({"items": (0..1000).map(|i| json!({"sku": format!("s{i}"), "qty": i})).collect::<Vec<_>>()}).to_string();

    let warmup = (iterations / 20).max(1);
    time_start(ARGUMENTS_JSONATA, &order, warmup);
    time_start(ARGUMENTS_JSONPATH, &order, warmup);
    report(
        "Task Arguments template",
        time_start(ARGUMENTS_JSONATA, &order, iterations),
        time_start(ARGUMENTS_JSONPATH, &order, iterations),
    );

    let map_iterations = (iterations / 10).max(1);
    report(
        "1,000-item Map",
        time_start(MAP_JSONATA, &items, map_iterations),
        time_start(MAP_JSONPATH, &items, map_iterations),
    );
}
