//! The layered layout of one `States` body and, recursively, of the bodies nested in its Parallel and Map
//! states: the nodes and edges of a body, the edges that close a cycle, and longest-path layers over the
//! others; `placement` then orders and places the layers and routes the edges.

use std::collections::HashMap;

use super::condition_label;
use super::placement::Layered;
use crate::asl::State;
use crate::asl::StateKind;
use crate::asl::StatesBody;

/// Narrowest state box.
const STATE_WIDTH: f64 = 140.0;
/// Widest state box (longer names are cut when drawn).
const STATE_MAX_WIDTH: f64 = 320.0;
const STATE_HEIGHT: f64 = 44.0;
const MARKER_WIDTH: f64 = 60.0;
const MARKER_HEIGHT: f64 = 24.0;
/// Height of a Parallel or Map box's title.
pub const HEADER: f64 = 30.0;
const PADDING: f64 = 12.0;
const BRANCH_GAP: f64 = 16.0;
/// Estimated width of one character of a state name (12 px sans-serif).
pub const CHAR_WIDTH: f64 = 7.0;

/// A laid-out `States` body; coordinates are relative to its top-left corner.
#[derive(Debug, Clone)]
pub struct Block {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// A state or a start/end marker, with its box (top-left corner and size).
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// What a node draws.
#[derive(Debug, Clone)]
pub enum NodeKind {
    Start,
    End,
    State {
        name: String,
        type_name: &'static str,
        /// Parallel branches or the Map processor, placed relative to the state's corner.
        nested: Vec<Nested>,
    },
}

/// A body drawn inside a Parallel or Map state.
#[derive(Debug, Clone)]
pub struct Nested {
    pub x: f64,
    pub y: f64,
    pub block: Block,
}

/// Why an edge is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// `StartAt`, `Next`, or the way out of a terminal state.
    Next,
    /// A Choice rule (labelled with its condition) or its `Default`.
    Choice,
    /// A `Catch` (drawn dashed, labelled with its errors).
    Catch,
}

/// A drawn edge: a polyline from the source's border to the target's.
#[derive(Debug, Clone)]
pub struct Edge {
    pub kind: EdgeKind,
    /// The source state's name (`None`: the start marker).
    pub from: Option<String>,
    /// The target state's name (`None`: the end marker).
    pub to: Option<String>,
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    /// Where the label goes.
    pub label_at: (f64, f64),
    /// Whether the edge goes back up (a loop), routed on the right.
    pub looping: bool,
}

/// An edge before layout, between node indexes (0 is the start marker, the last one the end marker).
pub struct Link {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    pub labels: Vec<String>,
}

/// Lays out `body`, nested bodies first.
pub fn lay_out(body: &StatesBody) -> Block {
    let count = body.states.len() + 2;
    let end = count - 1;
    let index: HashMap<&str, usize> = body.states.iter().enumerate().map(|(i, s)| (s.name.as_str(), i + 1)).collect();
    let mut kinds = vec![NodeKind::Start];
    let mut sizes = vec![(MARKER_WIDTH, MARKER_HEIGHT)];
    for state in &body.states {
        let (kind, size) = state_node(state);
        kinds.push(kind);
        sizes.push(size);
    }
    kinds.push(NodeKind::End);
    sizes.push((MARKER_WIDTH, MARKER_HEIGHT));
    let links = links(body, &index, end);
    let looping = loops(count, &links);
    let layer = layers(count, &links, &looping);
    Layered::new(sizes, layer, &links, &looping).block(kinds, &links, &looping)
}

/// The node of a state: its kind (with nested bodies laid out) and size.
fn state_node(state: &State) -> (NodeKind, (f64, f64)) {
    let type_name = state.type_name();
    let bodies: Vec<&StatesBody> = match &state.kind {
        StateKind::Parallel(parallel) => parallel.branches.iter().collect(),
        StateKind::Map(map) => vec![&map.processor],
        _ => Vec::new(),
    };
    let title_width = (state.name.chars().count() + type_name.len() + 2) as f64 * CHAR_WIDTH + 2.0 * PADDING;
    if bodies.is_empty() {
        let width = (state.name.chars().count() as f64 * CHAR_WIDTH + 24.0).clamp(STATE_WIDTH, STATE_MAX_WIDTH);
        return (NodeKind::State { name: state.name.clone(), type_name, nested: Vec::new() }, (width, STATE_HEIGHT));
    }
    let blocks: Vec<Block> = bodies.into_iter().map(lay_out).collect();
    let inner_width = blocks.iter().map(|b| b.width).sum::<f64>() + BRANCH_GAP * (blocks.len() - 1) as f64;
    let width = (inner_width + 2.0 * PADDING).max(title_width.min(STATE_MAX_WIDTH));
    let height = HEADER + blocks.iter().map(|b| b.height).fold(0.0, f64::max) + PADDING;
    let mut x = (width - inner_width) / 2.0;
    let nested = blocks
        .into_iter()
        .map(|block| {
            let placed = Nested { x, y: HEADER, block };
            x += placed.block.width + BRANCH_GAP;
            placed
        })
        .collect();
    (NodeKind::State { name: state.name.clone(), type_name, nested }, (width, height))
}

/// The edges of a body; edges joining the same two nodes the same way share one line and its labels.
fn links(body: &StatesBody, index: &HashMap<&str, usize>, end: usize) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    let mut add = |from: usize, to: Option<usize>, kind: EdgeKind, label: Option<String>| {
        let Some(to) = to else { return };
        let catch = kind == EdgeKind::Catch;
        match links.iter_mut().find(|l| l.from == from && l.to == to && (l.kind == EdgeKind::Catch) == catch) {
            Some(link) => link.labels.extend(label),
            None => links.push(Link { from, to, kind, labels: label.into_iter().collect() }),
        }
    };
    add(0, index.get(body.start_at.as_str()).copied(), EdgeKind::Next, None);
    for (i, state) in body.states.iter().enumerate() {
        let from = i + 1;
        let target = |name: &str| index.get(name).copied();
        if let Some(next) = &state.next {
            add(from, target(next), EdgeKind::Next, None);
        }
        if let StateKind::Choice(choice) = &state.kind {
            for rule in &choice.choices {
                add(from, target(&rule.next), EdgeKind::Choice, Some(condition_label::label(&rule.condition)));
            }
            if let Some(default) = &choice.default {
                add(from, target(default), EdgeKind::Choice, Some("Default".into()));
            }
        }
        for catcher in &state.catch {
            add(
                from,
                target(&catcher.next),
                EdgeKind::Catch,
                Some(format!("Catch {}", catcher.error_equals.join(", "))),
            );
        }
        if state.is_terminal() {
            add(from, Some(end), EdgeKind::Next, None);
        }
    }
    links
}

/// Marks the edges that close a cycle, found by a depth-first walk from the start marker.
fn loops(count: usize, links: &[Link]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, link) in links.iter().enumerate() {
        out[link.from].push(i);
    }
    let mut looping = vec![false; links.len()];
    let mut colour = vec![0u8; count]; // 0 unvisited, 1 on the path, 2 done
    for root in 0..count {
        if colour[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        colour[root] = 1;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&edge) = out[node].get(*next) {
                *next += 1;
                let to = links[edge].to;
                match colour[to] {
                    0 => {
                        colour[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => looping[edge] = true,
                    _ => {}
                }
            } else {
                colour[node] = 2;
                stack.pop();
            }
        }
    }
    looping
}

/// The layer of each node: the longest path to it over forward edges, with the end marker last.
fn layers(count: usize, links: &[Link], looping: &[bool]) -> Vec<usize> {
    let forward: Vec<&Link> = links.iter().zip(looping).filter(|(_, l)| !**l).map(|(link, _)| link).collect();
    let mut incoming = vec![0usize; count];
    for link in &forward {
        incoming[link.to] += 1;
    }
    let mut layer = vec![0usize; count];
    let mut ready: Vec<usize> = (0..count).filter(|&n| incoming[n] == 0).collect();
    while let Some(node) = ready.pop() {
        for link in forward.iter().filter(|l| l.from == node) {
            layer[link.to] = layer[link.to].max(layer[node] + 1);
            incoming[link.to] -= 1;
            if incoming[link.to] == 0 {
                ready.push(link.to);
            }
        }
    }
    let end = count - 1;
    layer[end] = (0..end).map(|n| layer[n] + 1).max().unwrap_or(1);
    layer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::Definition;

    const ORDERS: &str = r#"{
      "StartAt": "CheckKind",
      "States": {
        "CheckKind": {"Type": "Choice", "Choices": [
            {"Variable": "$.kind", "StringEquals": "express", "Next": "Fan"},
            {"Variable": "$.kind", "StringEquals": "manual", "Next": "Approve"}],
          "Default": "Reject"},
        "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
          {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": true}}},
          {"StartAt": "Right", "States": {"Right": {"Type": "Wait", "Seconds": 0, "End": true}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "Next": "Done",
          "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}},
        "Approve": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:approve",
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}], "Next": "Done"},
        "Recover": {"Type": "Pass", "Next": "Retry?"},
        "Retry?": {"Type": "Choice", "Choices": [{"Variable": "$.again", "BooleanEquals": true, "Next": "Approve"}],
          "Default": "Done"},
        "Reject": {"Type": "Fail", "Error": "OrderRejected"},
        "Done": {"Type": "Succeed"}
      }
    }"#;

    fn orders() -> Block {
        lay_out(&Definition::parse(ORDERS).expect("valid definition").body)
    }

    fn states(block: &Block) -> Vec<&Node> {
        block.nodes.iter().filter(|n| matches!(n.kind, NodeKind::State { .. })).collect()
    }

    fn name(node: &Node) -> &str {
        match &node.kind {
            NodeKind::State { name, .. } => name,
            _ => "",
        }
    }

    fn overlap(a: &Node, b: &Node) -> bool {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    }

    fn assert_sound(block: &Block) {
        for (i, a) in block.nodes.iter().enumerate() {
            assert!(a.x >= 0.0 && a.y >= 0.0, "{} inside the block", name(a));
            assert!(a.x + a.width <= block.width && a.y + a.height <= block.height, "{} inside the block", name(a));
            for b in &block.nodes[i + 1..] {
                assert!(!overlap(a, b), "{} and {} overlap", name(a), name(b));
            }
            if let NodeKind::State { nested, .. } = &a.kind {
                for inner in nested {
                    assert!(
                        inner.x >= 0.0 && inner.x + inner.block.width <= a.width + 0.001,
                        "{} holds its body",
                        name(a)
                    );
                    assert!(inner.y >= HEADER && inner.y + inner.block.height <= a.height + 0.001);
                    assert_sound(&inner.block);
                }
            }
        }
    }

    #[test]
    fn every_state_is_placed_without_overlap_and_nested_bodies_fit_their_box() {
        let block = orders();
        let names: Vec<&str> = states(&block).iter().map(|n| name(n)).collect();
        assert_eq!(names, ["CheckKind", "Fan", "Each", "Approve", "Recover", "Retry?", "Reject", "Done"]);
        assert_sound(&block);
        let fan = states(&block).into_iter().find(|n| name(n) == "Fan").unwrap();
        let NodeKind::State { nested, type_name, .. } = &fan.kind else { unreachable!() };
        assert_eq!(*type_name, "Parallel");
        assert_eq!(nested.len(), 2, "one box per branch");
        assert!(nested[0].x + nested[0].block.width <= nested[1].x, "branches side by side");
    }

    #[test]
    fn states_flow_downwards_from_the_start() {
        let block = orders();
        let y = |wanted: &str| states(&block).iter().find(|n| name(n) == wanted).unwrap().y;
        assert!(y("CheckKind") < y("Fan") && y("Fan") < y("Each") && y("Each") < y("Done"));
        assert!(y("Approve") < y("Recover") && y("Recover") < y("Retry?"));
        let start = block.nodes.iter().find(|n| matches!(n.kind, NodeKind::Start)).unwrap();
        let end = block.nodes.iter().find(|n| matches!(n.kind, NodeKind::End)).unwrap();
        assert!(block.nodes.iter().all(|n| n.y >= start.y && n.y <= end.y), "start on top, end at the bottom");
    }

    #[test]
    fn edges_carry_choice_labels_catches_and_loops() {
        let block = orders();
        let edge = |from: &str, to: &str| {
            block
                .edges
                .iter()
                .find(|e| e.from.as_deref() == Some(from) && e.to.as_deref() == Some(to))
                .unwrap_or_else(|| panic!("edge {from} -> {to}"))
        };
        assert_eq!(edge("CheckKind", "Fan").label.as_deref(), Some(r#"$.kind == "express""#));
        assert_eq!(edge("CheckKind", "Reject").label.as_deref(), Some("Default"));
        assert_eq!(edge("CheckKind", "Fan").kind, EdgeKind::Choice);
        let catch = edge("Approve", "Recover");
        assert_eq!(catch.kind, EdgeKind::Catch);
        assert_eq!(catch.label.as_deref(), Some("Catch States.ALL"));
        let back = edge("Retry?", "Approve");
        assert!(back.looping, "the edge back up to Approve closes a loop");
        assert!(back.points.iter().all(|(x, _)| *x <= block.width), "the loop lane is inside the block");
        for pair in back.points.windows(2) {
            let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
            let (left, right, top, bottom) = (ax.min(bx), ax.max(bx), ay.min(by), ay.max(by));
            for node in &block.nodes {
                let crosses =
                    left < node.x + node.width && right > node.x && top < node.y + node.height && bottom > node.y;
                assert!(!crosses, "the loop crosses {}", name(node));
            }
        }
        assert!(!edge("Approve", "Done").looping);
        for edge in block.edges.iter().filter(|e| !e.looping) {
            assert!(edge.points.windows(2).all(|p| p[0].1 <= p[1].1), "forward edges go down: {edge:?}");
        }
        let to_end = block.edges.iter().filter(|e| e.to.is_none()).count();
        assert_eq!(to_end, 2, "Reject and Done end the machine");
    }

    #[test]
    fn layout_is_deterministic() {
        let (a, b) = (orders(), orders());
        let coordinates = |block: &Block| block.nodes.iter().map(|n| (n.x, n.y)).collect::<Vec<_>>();
        assert_eq!(coordinates(&a), coordinates(&b));
    }
}
