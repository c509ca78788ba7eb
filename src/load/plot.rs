//! Draws a run's timeline (throughput and p50/p99 latency per second) as an SVG chart. SVG keeps text as
//! text, so no font files or font libraries are needed.

use std::path::Path;

use plotters::prelude::*;

use super::report::Report;

/// Writes the chart of `report` to `path` (`.svg`).
pub fn write(report: &Report, path: &Path) -> Result<(), String> {
    if path.extension().and_then(|e| e.to_str()) != Some("svg") {
        return Err(format!("cannot plot to {}: only .svg output is supported", path.display()));
    }
    draw(report, path).map_err(|e| format!("cannot plot to {}: {e}", path.display()))
}

fn draw(report: &Report, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (1000, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(350);
    let seconds = report.timeline.len().max(1) as u64;

    let max_ops = report.timeline.iter().map(|s| s.ops).max().unwrap_or(0).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .caption(format!("{}: {} per second", report.scenario, report.operation), ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0u64..seconds, 0f64..max_ops)?;
    chart.configure_mesh().x_desc("second").y_desc("ok/s").draw()?;
    chart
        .draw_series(LineSeries::new(report.timeline.iter().map(|s| (s.second, s.ops as f64)), &BLUE))?
        .label("ok/s")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(report.timeline.iter().map(|s| (s.second, s.errors as f64)), &RED))?
        .label("errors/s")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw()?;

    let max_ms = report.timeline.iter().map(|s| s.p99_ms).fold(0.0, f64::max).max(0.001) * 1.1;
    let mut chart = ChartBuilder::on(&bottom)
        .caption("latency (ms)", ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0u64..seconds, 0f64..max_ms)?;
    chart.configure_mesh().x_desc("second").y_desc("ms").draw()?;
    let live = || report.timeline.iter().filter(|s| s.ops > 0);
    chart
        .draw_series(LineSeries::new(live().map(|s| (s.second, s.p50_ms)), &GREEN))?
        .label("p50")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN));
    chart
        .draw_series(LineSeries::new(live().map(|s| (s.second, s.p99_ms)), &MAGENTA))?
        .label("p99")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MAGENTA));
    chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw()?;
    root.present()?;
    Ok(())
}
