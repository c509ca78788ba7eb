//! Checks across a `States` body: transition targets exist, a terminal state exists, every state is
//! reachable; recursing into Parallel branches and Map processors.

use std::collections::HashSet;

use crate::asl::definition::StatesBody;
use crate::asl::diagnostic::codes;
use crate::asl::diagnostic::Diagnostic;
use crate::asl::state::StateKind;

/// Appends the graph findings for `body` located at `prefix` (`""` for the top level).
pub fn check_body(diagnostics: &mut Vec<Diagnostic>, body: &StatesBody, prefix: &str) {
    let missing = |target: &str, location: String| {
        Diagnostic::error(codes::MISSING_TRANSITION_TARGET, format!("Missing 'Next' target: {target}"), Some(location))
    };
    if body.get(&body.start_at).is_none() {
        diagnostics.push(missing(&body.start_at, format!("{prefix}/StartAt")));
    }
    for state in &body.states {
        let at = format!("{prefix}/States/{}", state.name);
        for (target, location) in targets(state, &at) {
            if body.get(&target).is_none() {
                diagnostics.push(missing(&target, location));
            }
        }
        match &state.kind {
            StateKind::Parallel(p) => {
                for (i, branch) in p.branches.iter().enumerate() {
                    check_body(diagnostics, branch, &format!("{at}/Branches[{i}]"));
                }
            }
            StateKind::Map(m) => check_body(diagnostics, &m.processor, &format!("{at}/ItemProcessor")),
            _ => {}
        }
    }
    if !body.states.iter().any(|s| s.is_terminal()) {
        diagnostics.push(Diagnostic::error(codes::MISSING_END_STATE, "Workflow has no terminal state", None));
        return;
    }
    let mut reachable = HashSet::new();
    let mut stack = vec![body.start_at.clone()];
    while let Some(name) = stack.pop() {
        let Some(state) = body.get(&name) else { continue };
        if !reachable.insert(name) {
            continue;
        }
        stack.extend(targets(state, "").into_iter().map(|(t, _)| t));
    }
    for state in &body.states {
        if !reachable.contains(&state.name) {
            diagnostics.push(Diagnostic::error(
                codes::MISSING_TRANSITION_TARGET,
                format!("State \"{}\" is not reachable.", state.name),
                Some(format!("{prefix}/States/{}", state.name)),
            ));
        }
    }
}

/// Every state name `state` may transition to, with the location of the field naming it.
fn targets(state: &crate::asl::state::State, at: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(next) = &state.next {
        out.push((next.clone(), format!("{at}/Next")));
    }
    if let StateKind::Choice(choice) = &state.kind {
        for (i, rule) in choice.choices.iter().enumerate() {
            out.push((rule.next.clone(), format!("{at}/Choices[{i}]/Next")));
        }
        if let Some(default) = &choice.default {
            out.push((default.clone(), format!("{at}/Default")));
        }
    }
    for (i, catcher) in state.catch.iter().enumerate() {
        out.push((catcher.next.clone(), format!("{at}/Catch[{i}]/Next")));
    }
    out
}
