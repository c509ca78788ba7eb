//! Map runs as the engine reports them: the record of each change, UpdateMapRun on a running map run, the
//! close of a stopped execution, and ItemBatcher batches.

use serde_json::json;

use super::info;
use super::run;
use super::START_MS;
use crate::asl::Definition;
use crate::engine::map_run::MapRunRecord;
use crate::engine::map_run::MapRunStatus;
use crate::engine::map_run::MapRunUpdate;
use crate::engine::*;

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:work";

fn map_runs(step: &Step) -> Vec<MapRunRecord> {
    step.effects
        .iter()
        .filter_map(|e| match e {
            Effect::MapRun(record) => Some(*record.clone()),
            _ => None,
        })
        .collect()
}

fn scheduled(step: &Step) -> usize {
    step.effects.iter().filter(|e| matches!(e, Effect::ScheduleActivity { .. })).count()
}

fn distributed(limits: &str, processor: &str) -> Definition {
    let text = format!(
        r#"{{"StartAt": "M", "States": {{"M": {{"Type": "Map", {limits} "ItemProcessor": {{"ProcessorConfig": {{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}, "StartAt": "W", "States": {processor}}}, "End": true}}}}}}"#
    );
    Definition::parse(&text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_map_run_is_reported_when_it_starts_and_when_it_ends() {
    let definition = distributed(r#""MaxConcurrency": 2,"#, r#"{"W": {"Type": "Pass", "End": true}}"#);
    let mut state = ExecutionState::new(info("[1, 2, 3]"));
    let out = step(&definition, &mut state, Input::Start, START_MS);
    let reports = map_runs(&out);
    let first = reports.first().expect("a report when the map run starts");
    assert_eq!(first.status, MapRunStatus::Running);
    assert_eq!((first.items.total, first.items.pending), (3, 3));
    let last = reports.last().unwrap();
    assert_eq!(last.arn, first.arn);
    assert_eq!(last.status, MapRunStatus::Succeeded);
    assert_eq!(last.stop_ms, Some(START_MS));
    assert_eq!(last.max_concurrency, 2);
    assert_eq!((last.items.total, last.items.succeeded, last.items.running, last.items.pending), (3, 3, 0, 0));
    assert_eq!(last.executions, last.items);
    assert_eq!(last.execution_arn, info("").execution_arn);
}

#[test]
fn update_map_run_raises_the_concurrency_and_lowers_the_tolerance() {
    let processor = format!(r#"{{"W": {{"Type": "Task", "Resource": "{ACTIVITY}", "End": true}}}}"#);
    let definition = distributed(r#""MaxConcurrency": 1, "ToleratedFailureCount": 3,"#, &processor);
    let mut state = ExecutionState::new(info("[1, 2, 3, 4]"));
    let started = step(&definition, &mut state, Input::Start, START_MS);
    assert_eq!(scheduled(&started), 1);
    let arn = map_runs(&started)[0].arn.clone();

    let update = |max: Option<u64>, count: Option<u64>| {
        Input::UpdateMapRun(MapRunUpdate {
            map_run_arn: arn.clone(),
            max_concurrency: max,
            tolerated_failure_count: count,
            tolerated_failure_percentage: None,
        })
    };
    let raised = step(&definition, &mut state, update(Some(3), None), START_MS + 1);
    assert_eq!(scheduled(&raised), 2, "two more items start");
    let last = map_runs(&raised).pop().unwrap();
    assert_eq!((last.max_concurrency, last.items.running, last.items.pending), (3, 3, 1));

    let other = Input::UpdateMapRun(MapRunUpdate {
        map_run_arn: format!("{arn}-other"),
        max_concurrency: Some(9),
        tolerated_failure_count: None,
        tolerated_failure_percentage: None,
    });
    let ignored = step(&definition, &mut state, other, START_MS + 2);
    assert!(ignored.events.is_empty() && ignored.effects.is_empty(), "an unknown map run changes nothing");

    let slot = started
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::ScheduleActivity { slot, .. } => Some(*slot),
            _ => None,
        })
        .unwrap();
    let failure = TaskEvent::Failed { error: Some("E".into()), cause: None };
    let failed = step(&definition, &mut state, Input::Task { slot, event: failure }, START_MS + 3);
    let last = map_runs(&failed).pop().unwrap();
    assert_eq!((last.status, last.items.failed, last.items.running), (MapRunStatus::Running, 1, 3));

    let lowered = step(&definition, &mut state, update(None, Some(0)), START_MS + 4);
    let types: Vec<_> = lowered.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
    let last = map_runs(&lowered).pop().unwrap();
    assert_eq!(last.status, MapRunStatus::Failed);
    assert_eq!(last.tolerated_failure_count, Some(0));
    assert_eq!((last.items.failed, last.items.aborted, last.items.running), (1, 3, 0));
}

#[test]
fn stopping_the_execution_aborts_its_map_run() {
    let processor = format!(r#"{{"W": {{"Type": "Task", "Resource": "{ACTIVITY}", "End": true}}}}"#);
    let definition = distributed(r#""MaxConcurrency": 2,"#, &processor);
    let mut state = ExecutionState::new(info("[1, 2, 3]"));
    step(&definition, &mut state, Input::Start, START_MS);
    let stopped = step(&definition, &mut state, Input::Stop { error: None, cause: None }, START_MS + 5);
    let last = map_runs(&stopped).pop().expect("the map run closes");
    assert_eq!(last.status, MapRunStatus::Aborted);
    assert_eq!(last.stop_ms, Some(START_MS + 5));
    assert_eq!((last.items.aborted, last.items.pending, last.items.running), (2, 1, 0));
}

#[test]
fn item_batcher_groups_items_into_batches() {
    let outcome = run(
        r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"job.$": "$.job"}}, "ItemsPath": "$.items", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
        r#"{"job": 7, "items": [1, 2, 3, 4, 5]}"#,
    );
    assert_eq!(
        outcome.status().1,
        Some(json!([
            {"BatchInput": {"job": 7}, "Items": [1, 2]},
            {"BatchInput": {"job": 7}, "Items": [3, 4]},
            {"BatchInput": {"job": 7}, "Items": [5]},
        ]))
    );

    let definition = distributed(
        r#""ItemBatcher": {"MaxInputBytesPerBatchPath": "$.bytes"}, "ItemsPath": "$.items","#,
        r#"{"W": {"Type": "Pass", "End": true}}"#,
    );
    // `{"Items":[]}` is 12 bytes; each item of 5 bytes adds 5 and, after the first, a comma.
    let mut state = ExecutionState::new(info(r#"{"bytes": 23, "items": ["aaa", "bbb", "ccc", "ddd"]}"#));
    let out = step(&definition, &mut state, Input::Start, START_MS);
    let Some(Effect::Finished { output: Some(output), .. }) =
        out.effects.iter().find(|e| matches!(e, Effect::Finished { .. }))
    else {
        panic!("not finished: {:?}", out.effects)
    };
    let output: serde_json::Value = serde_json::from_str(output).unwrap();
    assert_eq!(output, json!([{"Items": ["aaa", "bbb"]}, {"Items": ["ccc", "ddd"]}]));
    let last = map_runs(&out).pop().unwrap();
    assert_eq!((last.items.total, last.items.succeeded), (4, 4));
    assert_eq!((last.executions.total, last.executions.succeeded), (2, 2));
}

#[test]
fn a_failed_batch_counts_all_its_items_as_failed() {
    let definition = distributed(
        r#""ItemBatcher": {"MaxItemsPerBatch": 3}, "ToleratedFailureCount": 3,"#,
        r#"{"W": {"Type": "Choice", "Choices": [{"Variable": "$.Items[0]", "NumericEquals": 4, "Next": "F"}], "Default": "P"}, "F": {"Type": "Fail", "Error": "E"}, "P": {"Type": "Pass", "End": true}}"#,
    );
    let mut state = ExecutionState::new(info("[1, 2, 3, 4, 5, 6, 7]"));
    let out = step(&definition, &mut state, Input::Start, START_MS);
    let last = map_runs(&out).pop().unwrap();
    assert_eq!(last.status, MapRunStatus::Succeeded);
    assert_eq!((last.items.failed, last.items.succeeded, last.items.total), (3, 4, 7));
    assert_eq!((last.executions.failed, last.executions.succeeded, last.executions.total), (1, 2, 3));
}

#[test]
fn a_jsonata_item_batcher_evaluates_its_fields() {
    let outcome = run(
        r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% $states.input.items %}", "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.per %}", "BatchInput": {"k": "{% $states.input.k %}"}}, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
        r#"{"items": ["a", "b", "c"], "per": 2, "k": "v"}"#,
    );
    assert_eq!(
        outcome.status().1,
        Some(json!([{"BatchInput": {"k": "v"}, "Items": ["a", "b"]}, {"BatchInput": {"k": "v"}, "Items": ["c"]}]))
    );
}
