//! The layered layout of one `States` body and, recursively, of the bodies nested in its Parallel and Map
//! states: longest-path layers over the edges that do not loop back, long edges broken by waypoints so
//! they pass between states, layers ordered by barycentres, and each state pulled towards its neighbours
//! without overlapping the next one. Loops go up a lane on the right-hand side.

use std::collections::HashMap;

use super::condition_label;
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
/// Room a long edge takes where it crosses a layer.
const WAYPOINT_WIDTH: f64 = 16.0;
const NODE_GAP: f64 = 36.0;
const LAYER_GAP: f64 = 58.0;
const MARGIN: f64 = 16.0;
/// Height of a Parallel or Map box's title.
pub const HEADER: f64 = 30.0;
const PADDING: f64 = 12.0;
const BRANCH_GAP: f64 = 16.0;
const LOOP_LANE: f64 = 16.0;
/// Estimated width of one character of a state name (12 px sans-serif).
pub const CHAR_WIDTH: f64 = 7.0;
const SWEEPS: usize = 4;

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
struct Link {
    from: usize,
    to: usize,
    kind: EdgeKind,
    labels: Vec<String>,
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

/// Nodes (real and waypoints) in ordered layers, and their placement.
struct Layered {
    sizes: Vec<(f64, f64)>,
    layer: Vec<usize>,
    rows: Vec<Vec<usize>>,
    /// Neighbours in the layer above and below, through forward edges and waypoints.
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    /// The nodes each forward edge passes through, source and target included (empty for loops).
    chains: Vec<Vec<usize>>,
    centre: Vec<f64>,
    top: Vec<f64>,
}

impl Layered {
    fn new(mut sizes: Vec<(f64, f64)>, mut layer: Vec<usize>, links: &[Link], looping: &[bool]) -> Layered {
        let mut chains = Vec::new();
        for (link, looping) in links.iter().zip(looping) {
            if *looping {
                chains.push(Vec::new());
                continue;
            }
            let mut chain = vec![link.from];
            for l in layer[link.from] + 1..layer[link.to] {
                chain.push(sizes.len());
                sizes.push((WAYPOINT_WIDTH, 0.0));
                layer.push(l);
            }
            chain.push(link.to);
            chains.push(chain);
        }
        let count = sizes.len();
        let (mut up, mut down) = (vec![Vec::new(); count], vec![Vec::new(); count]);
        for chain in &chains {
            for pair in chain.windows(2) {
                down[pair[0]].push(pair[1]);
                up[pair[1]].push(pair[0]);
            }
        }
        let depth = layer.iter().max().map_or(1, |l| l + 1);
        let mut rows = vec![Vec::new(); depth];
        // Real nodes in declaration order, then each waypoint: a stable start for the sweeps.
        for node in 0..count {
            rows[layer[node]].push(node);
        }
        let mut layered =
            Layered { sizes, layer, rows, up, down, chains, centre: vec![0.0; count], top: vec![0.0; count] };
        layered.order();
        layered.place();
        layered
    }

    /// Barycentre sweeps, down then up, to uncross edges.
    fn order(&mut self) {
        let mut position = vec![0.0; self.sizes.len()];
        let index = |rows: &Vec<Vec<usize>>, position: &mut Vec<f64>| {
            for row in rows {
                for (i, &node) in row.iter().enumerate() {
                    position[node] = i as f64;
                }
            }
        };
        index(&self.rows, &mut position);
        for _ in 0..SWEEPS {
            for l in 1..self.rows.len() {
                sort_by_neighbours(&mut self.rows[l], &self.up, &position);
                index(&self.rows, &mut position);
            }
            for l in (0..self.rows.len().saturating_sub(1)).rev() {
                sort_by_neighbours(&mut self.rows[l], &self.down, &position);
                index(&self.rows, &mut position);
            }
        }
    }

    /// Horizontal centres (pulled towards neighbours, down, up and down again) and layer tops.
    fn place(&mut self) {
        for row in &self.rows {
            let mut x = 0.0;
            for &node in row {
                self.centre[node] = x + self.sizes[node].0 / 2.0;
                x += self.sizes[node].0 + NODE_GAP;
            }
        }
        for pass in 0..3 {
            let downwards = pass != 1;
            let order: Vec<usize> = if downwards {
                (1..self.rows.len()).collect()
            } else {
                (0..self.rows.len().saturating_sub(1)).rev().collect()
            };
            for l in order {
                let neighbours = if downwards { &self.up } else { &self.down };
                let wanted: Vec<f64> = self.rows[l]
                    .iter()
                    .map(|&n| match neighbours[n].len() {
                        0 => self.centre[n],
                        k => neighbours[n].iter().map(|&m| self.centre[m]).sum::<f64>() / k as f64,
                    })
                    .collect();
                self.spread(l, &wanted);
            }
        }
        let left = (0..self.sizes.len()).map(|n| self.centre[n] - self.sizes[n].0 / 2.0).fold(f64::INFINITY, f64::min);
        for centre in &mut self.centre {
            *centre += MARGIN - left;
        }
        let mut y = MARGIN;
        for row in &self.rows {
            let height = row.iter().map(|&n| self.sizes[n].1).fold(0.0, f64::max);
            for &node in row {
                self.top[node] = y + (height - self.sizes[node].1) / 2.0;
            }
            y += height + LAYER_GAP;
        }
    }

    /// Places a layer's nodes as near their wanted centres as their order and the gaps allow.
    fn spread(&mut self, l: usize, wanted: &[f64]) {
        let row = &self.rows[l];
        let mut placed: Vec<f64> = Vec::with_capacity(row.len());
        for (i, &node) in row.iter().enumerate() {
            let centre = match i {
                0 => wanted[0],
                _ => {
                    let previous = row[i - 1];
                    let least = placed[i - 1] + (self.sizes[previous].0 + self.sizes[node].0) / 2.0 + NODE_GAP;
                    wanted[i].max(least)
                }
            };
            placed.push(centre);
        }
        let shift = placed.iter().zip(wanted).map(|(p, w)| p - w).sum::<f64>() / row.len().max(1) as f64;
        for (&node, centre) in row.iter().zip(placed) {
            self.centre[node] = centre - shift;
        }
    }

    fn bottom(&self, node: usize) -> f64 {
        self.top[node] + self.sizes[node].1
    }

    /// The block: nodes at their places and edges routed through their waypoints (loops on the right).
    fn block(&self, kinds: Vec<NodeKind>, links: &[Link], looping: &[bool]) -> Block {
        let nodes: Vec<Node> = kinds
            .into_iter()
            .enumerate()
            .map(|(n, kind)| Node {
                kind,
                x: self.centre[n] - self.sizes[n].0 / 2.0,
                y: self.top[n],
                width: self.sizes[n].0,
                height: self.sizes[n].1,
            })
            .collect();
        let right = nodes.iter().map(|n| n.x + n.width).fold(0.0, f64::max);
        let bottom = nodes.iter().map(|n| n.y + n.height).fold(0.0, f64::max);
        let name = |n: usize| match &nodes[n].kind {
            NodeKind::State { name, .. } => Some(name.clone()),
            _ => None,
        };
        let mut lanes = 0;
        let edges: Vec<Edge> = links
            .iter()
            .zip(looping)
            .zip(&self.chains)
            .map(|((link, &looping), chain)| {
                let (points, label_at) = if looping {
                    lanes += 1;
                    self.loop_route(&nodes, link, right + LOOP_LANE * lanes as f64, lanes)
                } else {
                    let mut points = vec![(self.centre[link.from], self.bottom(link.from))];
                    for &waypoint in &chain[1..chain.len() - 1] {
                        points.push((self.centre[waypoint], self.top[waypoint]));
                    }
                    points.push((self.centre[link.to], self.top[link.to]));
                    let label_at = ((points[0].0 + points[1].0) / 2.0, (points[0].1 + points[1].1) / 2.0);
                    (points, label_at)
                };
                Edge {
                    kind: link.kind,
                    from: name(link.from),
                    to: name(link.to),
                    label: (!link.labels.is_empty()).then(|| link.labels.join(" | ")),
                    points,
                    label_at,
                    looping,
                }
            })
            .collect();
        let lane_room = if lanes > 0 { LOOP_LANE * lanes as f64 + 4.0 * CHAR_WIDTH } else { 0.0 };
        Block { width: right + lane_room + MARGIN, height: bottom + MARGIN, nodes, edges }
    }
}

impl Layered {
    /// A loop's route: down out of the source, along the gap below its layer to `lane`, up the lane, along
    /// the gap above the target's layer and down into the target, so that it crosses no state.
    fn loop_route(&self, nodes: &[Node], link: &Link, lane: f64, index: usize) -> (Vec<(f64, f64)>, (f64, f64)) {
        let band = |layer: usize| {
            let members = || self.rows[layer].iter().map(|&n| (self.top[n], self.bottom(n)));
            let top = members().map(|(top, _)| top).fold(f64::INFINITY, f64::min);
            let bottom = members().map(|(_, bottom)| bottom).fold(0.0, f64::max);
            (top, bottom)
        };
        let offset = (index % 4) as f64 * 5.0;
        let (from, to) = (&nodes[link.from], &nodes[link.to]);
        let from_x = from.x + from.width * 0.75;
        let to_x = to.x + to.width * 0.75;
        let below = band(self.layer[link.from]).1 + LAYER_GAP * 0.3 + offset;
        let above = band(self.layer[link.to]).0 - LAYER_GAP * 0.3 - offset;
        let points = vec![
            (from_x, from.y + from.height),
            (from_x, below),
            (lane, below),
            (lane, above),
            (to_x, above),
            (to_x, to.y),
        ];
        (points, (lane + 4.0, (below + above) / 2.0))
    }
}

/// Sorts a layer by the mean position of each node's neighbours (nodes without any keep their place).
fn sort_by_neighbours(row: &mut [usize], neighbours: &[Vec<usize>], position: &[f64]) {
    let key = |node: usize| match neighbours[node].len() {
        0 => position[node],
        k => neighbours[node].iter().map(|&m| position[m]).sum::<f64>() / k as f64,
    };
    row.sort_by(|a, b| key(*a).total_cmp(&key(*b)));
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
