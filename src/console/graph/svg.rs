//! SVG text of a laid-out graph. Shapes carry classes (`state`, `container`, `edge-catch`, …) that the
//! console's stylesheet colours; the stroke pattern of Catch edges and the arrowheads are attributes, so
//! the drawing reads the same outside the console.

use std::fmt::Write;

use super::layout::Block;
use super::layout::Edge;
use super::layout::EdgeKind;
use super::layout::Node;
use super::layout::NodeKind;
use super::layout::CHAR_WIDTH;
use super::layout::HEADER;

/// Longest edge label drawn; the whole label is in its tooltip.
const LABEL_CHARS: usize = 36;
/// Estimated width of one character of an edge label (11 px sans-serif).
const LABEL_CHAR_WIDTH: f64 = 6.2;

/// The SVG document of a laid-out top-level body.
pub fn document(block: &Block) -> String {
    let (width, height) = (block.width.ceil(), block.height.ceil());
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sfn-graph\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"State machine graph\">\
         <defs><marker id=\"sh-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" \
         markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" class=\"arrowhead\"/></marker></defs>"
    );
    write_block(&mut svg, block, 0.0, 0.0);
    svg.push_str("</svg>");
    svg
}

fn write_block(svg: &mut String, block: &Block, x: f64, y: f64) {
    let _ = write!(svg, "<g class=\"block\" transform=\"translate({x:.1},{y:.1})\">");
    for edge in &block.edges {
        write_edge(svg, edge);
    }
    for node in &block.nodes {
        write_node(svg, node);
    }
    svg.push_str("</g>");
}

fn write_edge(svg: &mut String, edge: &Edge) {
    let kind = match edge.kind {
        EdgeKind::Next => "edge-next",
        EdgeKind::Choice => "edge-choice",
        EdgeKind::Catch => "edge-catch",
    };
    let looping = if edge.looping { " edge-loop" } else { "" };
    let _ = write!(svg, "<g class=\"edge {kind}{looping}\"");
    if let Some(from) = &edge.from {
        let _ = write!(svg, " data-from=\"{}\"", escape(from));
    }
    if let Some(to) = &edge.to {
        let _ = write!(svg, " data-to=\"{}\"", escape(to));
    }
    let dashes = if edge.kind == EdgeKind::Catch { " stroke-dasharray=\"6 4\"" } else { "" };
    let _ = write!(
        svg,
        "><path d=\"{}\" fill=\"none\" stroke=\"#5f6b7a\" stroke-width=\"1.4\"{dashes} marker-end=\"url(#sh-arrow)\"/>",
        path(edge)
    );
    if let Some(label) = &edge.label {
        let (x, y) = edge.label_at;
        let shown = shortened(label, LABEL_CHARS);
        let width = shown.chars().count() as f64 * LABEL_CHAR_WIDTH + 6.0;
        let (anchor, left) = if edge.looping { ("start", x - 3.0) } else { ("middle", x - width / 2.0) };
        let _ = write!(
            svg,
            "<rect class=\"edge-label-ground\" x=\"{left:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"16\" rx=\"3\" \
             fill=\"#fbfcfd\"/><text class=\"edge-label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" \
             dominant-baseline=\"middle\"><title>{}</title>{}</text>",
            y - 8.0,
            escape(label),
            escape(&shown)
        );
    }
    svg.push_str("</g>");
}

/// Straight runs for loops; for forward edges, curves leaving and entering vertically.
fn path(edge: &Edge) -> String {
    let mut d = String::new();
    let (x0, y0) = edge.points[0];
    let _ = write!(d, "M{x0:.1},{y0:.1}");
    for pair in edge.points.windows(2) {
        let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
        if edge.looping {
            let _ = write!(d, " L{bx:.1},{by:.1}");
        } else {
            let middle = (ay + by) / 2.0;
            let _ = write!(d, " C{ax:.1},{middle:.1} {bx:.1},{middle:.1} {bx:.1},{by:.1}");
        }
    }
    d
}

fn write_node(svg: &mut String, node: &Node) {
    let (x, y, w, h) = (node.x, node.y, node.width, node.height);
    match &node.kind {
        NodeKind::Start | NodeKind::End => {
            let (class, text) = if matches!(node.kind, NodeKind::Start) { ("start", "Start") } else { ("end", "End") };
            let _ = write!(
                svg,
                "<g class=\"marker marker-{class}\" transform=\"translate({x:.1},{y:.1})\">\
                 <rect width=\"{w:.1}\" height=\"{h:.1}\" rx=\"{:.1}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\">{text}</text></g>",
                h / 2.0,
                w / 2.0,
                h / 2.0
            );
        }
        NodeKind::State { name, type_name, nested } if nested.is_empty() => {
            let _ = write!(
                svg,
                "<g class=\"state\" data-state=\"{}\" data-type=\"{type_name}\" transform=\"translate({x:.1},{y:.1})\">\
                 <title>{} ({type_name})</title>\
                 <rect class=\"state-box\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"6\" fill=\"#ffffff\" stroke=\"#8a96a3\"/>\
                 <text class=\"state-name\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
                 <text class=\"state-type\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{type_name}</text></g>",
                escape(name),
                escape(name),
                w / 2.0,
                h / 2.0 - 2.0,
                escape(&shortened(name, ((w - 16.0) / CHAR_WIDTH) as usize)),
                w / 2.0,
                h / 2.0 + 13.0
            );
        }
        NodeKind::State { name, type_name, nested } => {
            let title = format!("{type_name}: {name}");
            let _ = write!(
                svg,
                "<g class=\"state container\" data-state=\"{}\" data-type=\"{type_name}\" \
                 transform=\"translate({x:.1},{y:.1})\"><title>{} ({type_name})</title>\
                 <rect class=\"state-box\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"8\" fill=\"#f7f9fb\" stroke=\"#8a96a3\"/>\
                 <text class=\"container-title\" x=\"12\" y=\"{:.1}\">{}</text>",
                escape(name),
                escape(name),
                HEADER / 2.0 + 4.0,
                escape(&shortened(&title, ((w - 24.0) / CHAR_WIDTH) as usize))
            );
            for inner in nested {
                write_block(svg, &inner.block, inner.x, inner.y);
            }
            svg.push_str("</g>");
        }
    }
}

/// `text` cut to `chars` characters, with an ellipsis when cut.
fn shortened(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Text safe inside XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::render;
    use super::*;
    use crate::asl::Definition;

    #[test]
    fn states_are_addressable_by_name_and_names_are_escaped() {
        let definition = Definition::parse(
            r#"{"StartAt":"A<b>&\"c\"","States":{"A<b>&\"c\"":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
              "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Oops"}],"End":true},
              "Oops":{"Type":"Fail"}}}"#,
        )
        .unwrap();
        let svg = render(&definition);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(r#"data-state="A&lt;b&gt;&amp;&quot;c&quot;" data-type="Task""#));
        assert!(!svg.contains("A<b>"), "no raw markup from a state name");
        assert!(svg.contains(r#"<g class="edge edge-catch" data-from="A&lt;b&gt;&amp;&quot;c&quot;" data-to="Oops">"#));
        assert!(svg.contains(r#"stroke-dasharray="6 4""#), "catch edges are dashed");
        assert_eq!(svg.matches("<g class=\"marker marker-start\"").count(), 1);
    }

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        assert_eq!(shortened("abcdef", 4), "abc…");
        assert_eq!(shortened("abc", 4), "abc");
    }
}
