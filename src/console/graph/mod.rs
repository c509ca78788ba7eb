//! A state machine definition drawn as an SVG graph, laid out here on the server: states in layers from
//! `StartAt` down to the end, Choice branches labelled with their conditions, Parallel branches and Map
//! processors as boxes nested in their state, Catch edges dashed, loops routed up the right-hand side.
//!
//! Every state is a `<g class="state" data-state="NAME" data-type="TYPE">` so that the console's script can
//! colour an execution's path by state name (names are unique across a whole definition). Pure: no IO.

mod condition_label;
mod layout;
mod placement;
mod svg;

use crate::asl::Definition;

/// The SVG drawing of a parsed definition.
pub fn render(definition: &Definition) -> String {
    svg::document(&layout::lay_out(&definition.body))
}
