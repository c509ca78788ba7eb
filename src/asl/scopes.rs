//! Variable scopes: the states of a Parallel branch or an inline Map iteration read the variables of the
//! scopes around them but may not assign any of their names. A Distributed Map's children see no outer
//! variables, so they start afresh.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::asl::definition::StatesBody;
use crate::asl::diagnostic::Diagnostic;
use crate::asl::state::ProcessorMode;
use crate::asl::state::State;
use crate::asl::state::StateKind;

/// Appends a finding for every assignment in a nested scope of `body` to a name of a scope around it.
pub fn check_body(diagnostics: &mut Vec<Diagnostic>, body: &StatesBody, prefix: &str) {
    check(diagnostics, body, prefix, &BTreeSet::new());
}

fn check(diagnostics: &mut Vec<Diagnostic>, body: &StatesBody, prefix: &str, outer: &BTreeSet<String>) {
    for state in &body.states {
        let at = format!("{prefix}/States/{}", state.name);
        for (name, location) in assignments(state, &at) {
            if outer.contains(&name) {
                diagnostics.push(Diagnostic::schema(
                    format!(
                        "Variable '{name}' is assigned in an enclosing scope; a Parallel branch or Map iteration \
                         can read it but cannot assign it"
                    ),
                    &location,
                ));
            }
        }
    }
    let visible: BTreeSet<String> = outer
        .iter()
        .cloned()
        .chain(body.states.iter().flat_map(|state| assignments(state, "").into_iter().map(|(name, _)| name)))
        .collect();
    for state in &body.states {
        let at = format!("{prefix}/States/{}", state.name);
        match &state.kind {
            StateKind::Parallel(parallel) => {
                for (i, branch) in parallel.branches.iter().enumerate() {
                    check(diagnostics, branch, &format!("{at}/Branches[{i}]"), &visible);
                }
            }
            StateKind::Map(map) if map.mode == ProcessorMode::Distributed => {
                check(diagnostics, &map.processor, &format!("{at}/ItemProcessor"), &BTreeSet::new());
            }
            StateKind::Map(map) => check(diagnostics, &map.processor, &format!("{at}/ItemProcessor"), &visible),
            _ => {}
        }
    }
}

/// The variable names `state` assigns (its own Assign, its Choice rules' and its catchers'), each with
/// the location of the assigning key.
fn assignments(state: &State, at: &str) -> Vec<(String, String)> {
    let mut blocks = vec![(state.assign.as_ref(), format!("{at}/Assign"))];
    if let StateKind::Choice(choice) = &state.kind {
        for (i, rule) in choice.choices.iter().enumerate() {
            blocks.push((rule.assign.as_ref(), format!("{at}/Choices[{i}]/Assign")));
        }
    }
    for (i, catcher) in state.catch.iter().enumerate() {
        blocks.push((catcher.assign.as_ref(), format!("{at}/Catch[{i}]/Assign")));
    }
    let mut names = Vec::new();
    for (block, location) in blocks {
        if let Some(Value::Object(fields)) = block {
            for key in fields.keys() {
                let name = key.strip_suffix(".$").unwrap_or(key);
                names.push((name.to_string(), format!("{location}/{key}")));
            }
        }
    }
    names
}
