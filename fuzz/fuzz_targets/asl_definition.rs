//! The ASL parser and validator, as CreateStateMachine and ValidateStateMachineDefinition run them.

#![no_main]

use libfuzzer_sys::fuzz_target;
use statehouse::asl::Definition;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(definition) = Definition::parse(text) {
        for state in definition.states() {
            let _ = definition.body.get(&state.name);
        }
    }
});
