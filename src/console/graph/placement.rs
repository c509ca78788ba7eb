//! Placing a body's nodes once their layers are known: long edges broken by waypoints so they pass between
//! states, layers ordered by barycentre sweeps to uncross edges, each node pulled towards its neighbours
//! without overlapping the next one, and edges routed (loops through the gaps between layers to a lane on
//! the right, so they cross no state).

use super::layout::Block;
use super::layout::Edge;
use super::layout::Link;
use super::layout::Node;
use super::layout::NodeKind;
use super::layout::CHAR_WIDTH;

/// Room a long edge takes where it crosses a layer.
const WAYPOINT_WIDTH: f64 = 16.0;
const NODE_GAP: f64 = 36.0;
const LAYER_GAP: f64 = 58.0;
const MARGIN: f64 = 16.0;
const LOOP_LANE: f64 = 16.0;
const SWEEPS: usize = 4;

/// Nodes (real and waypoints) in ordered layers, and their placement.
pub struct Layered {
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
    pub fn new(mut sizes: Vec<(f64, f64)>, mut layer: Vec<usize>, links: &[Link], looping: &[bool]) -> Layered {
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
    pub fn block(&self, kinds: Vec<NodeKind>, links: &[Link], looping: &[bool]) -> Block {
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
