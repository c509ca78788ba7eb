//! Draws a run's timeline (throughput and p50/p99 latency per second) as an SVG or PNG chart. PNG text is
//! drawn with the DejaVu Sans font built into the binary, so no font files or font libraries are needed.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::report::Report;

const SIZE: (u32, u32) = (1000, 700);

/// Writes the chart of `report` to `path`; the extension (`.svg` or `.png`) picks the format.
pub fn write(report: &Report, path: &Path) -> Result<(), String> {
    let failed = |e: Box<dyn std::error::Error>| format!("cannot plot to {}: {e}", path.display());
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("svg" | "png")) {
        return Err(format!("cannot plot to {}: the file name must end in .svg or .png", path.display()));
    }
    // Both backends lay text out with the font's metrics.
    register_font()?;
    match extension.as_deref() {
        Some("svg") => draw(report, SVGBackend::new(path, SIZE).into_drawing_area()).map_err(failed),
        _ => draw(report, BitMapBackend::new(path, SIZE).into_drawing_area()).map_err(failed),
    }
}

/// Makes the built-in font the "sans-serif" the charts ask for.
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "the built-in font cannot be read".to_string())
        })
        .clone()
}

fn draw<DB>(report: &Report, root: DrawingArea<DB, Shift>) -> Result<(), Box<dyn std::error::Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(SIZE.1 / 2);
    let seconds = report.timeline.len().max(1) as u64;

    // The run usually ends inside its last second: that bucket's counts are per its own length.
    let per_second = |second: u64, count: u64| {
        let length = (report.elapsed_seconds - second as f64).clamp(0.05, 1.0);
        count as f64 / length
    };
    let ops: Vec<(u64, f64)> = report.timeline.iter().map(|s| (s.second, per_second(s.second, s.ops))).collect();
    let errors: Vec<(u64, f64)> = report.timeline.iter().map(|s| (s.second, per_second(s.second, s.errors))).collect();
    let max_ops = ops.iter().chain(&errors).map(|(_, rate)| *rate).fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .caption(format!("{}: {} per second", report.scenario, report.operation), ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0u64..seconds, 0f64..max_ops)?;
    chart.configure_mesh().x_desc("second").y_desc("ok/s").draw()?;
    chart
        .draw_series(LineSeries::new(ops, &BLUE))?
        .label("ok/s")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(errors, &RED))?
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
