//! Intrinsic function parsing, then evaluation by the engine in a Pass state's `Parameters`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use statehouse::asl::intrinsic::IntrinsicCall;
use statehouse::asl::Definition;
use statehouse::engine::step;
use statehouse::engine::ExecutionInfo;
use statehouse::engine::ExecutionState;
use statehouse::engine::Input;
use statehouse::engine::WaitTimeScale;

const INPUT: &str =
    r#"{"a": 1, "s": "a,b,c", "n": [1, 2, 3, 2], "o": {"x": {"y": 1}}, "t": "aGVsbG8=", "j": "{\"k\": [1]}"}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if IntrinsicCall::parse(text).is_err() {
        return;
    }
    let document = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"r.$": text}, "End": true}}
    });
    let Ok(definition) = Definition::parse(&document.to_string()) else {
        return;
    };
    let mut state = ExecutionState::new(ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e".to_string(),
        execution_name: "e".to_string(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".to_string(),
        state_machine_name: "m".to_string(),
        role_arn: "arn:aws:iam::123456789012:role/r".to_string(),
        start_time_ms: 0,
        input: INPUT.to_string(),
        token_key: "key".to_string(),
        wait_time_scale: WaitTimeScale::REAL_TIME,
        redrive: Default::default(),
    });
    let _ = step(&definition, &mut state, Input::Start, 0);
});
