//! `Recorder`: latencies in an HDR histogram (microseconds, 3 significant digits) overall and per
//! second of the run, plus success and error counts, shared by every worker of a scenario.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Largest latency kept exactly: one hour, in microseconds.
const MAX_MICROS: u64 = 3_600_000_000;

fn histogram(digits: u8) -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, digits).expect("valid histogram bounds")
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Percentiles {
    fn of(h: &Histogram<u64>) -> Percentiles {
        let ms = |micros: u64| micros as f64 / 1000.0;
        Percentiles {
            count: h.len(),
            mean: h.mean() / 1000.0,
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
        }
    }
}

/// One second of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Second {
    pub second: u64,
    pub ops: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

struct Window {
    errors: u64,
    latency: Histogram<u64>,
}

struct Inner {
    total: Histogram<u64>,
    windows: Vec<Window>,
    errors: BTreeMap<String, u64>,
}

/// Collects the outcomes of one kind of operation.
pub struct Recorder {
    started: Instant,
    ops: AtomicU64,
    errors: AtomicU64,
    inner: Mutex<Inner>,
}

impl Recorder {
    /// An empty recorder whose timeline starts now.
    pub fn new() -> Recorder {
        Recorder {
            started: Instant::now(),
            ops: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            inner: Mutex::new(Inner { total: histogram(3), windows: Vec::new(), errors: BTreeMap::new() }),
        }
    }

    fn window(inner: &mut Inner, second: usize) -> &mut Window {
        while inner.windows.len() <= second {
            inner.windows.push(Window { errors: 0, latency: histogram(2) });
        }
        &mut inner.windows[second]
    }

    /// Records a success that took `latency` and finished now.
    pub fn ok(&self, latency: Duration) {
        let micros = (latency.as_micros() as u64).clamp(1, MAX_MICROS);
        let second = self.started.elapsed().as_secs() as usize;
        self.ops.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.inner.lock().expect("recorder lock");
        inner.total.saturating_record(micros);
        Self::window(&mut inner, second).latency.saturating_record(micros);
    }

    /// Records a failed operation with its error code.
    pub fn error(&self, code: &str) {
        let second = self.started.elapsed().as_secs() as usize;
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.inner.lock().expect("recorder lock");
        *inner.errors.entry(code.to_string()).or_default() += 1;
        Self::window(&mut inner, second).errors += 1;
    }

    /// Successes so far.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    /// Errors so far.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Time since the recorder was created.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Percentiles over every success.
    pub fn percentiles(&self) -> Percentiles {
        Percentiles::of(&self.inner.lock().expect("recorder lock").total)
    }

    /// Error counts by code.
    pub fn errors_by_code(&self) -> BTreeMap<String, u64> {
        self.inner.lock().expect("recorder lock").errors.clone()
    }

    /// Throughput and latency for each second of the run.
    pub fn timeline(&self) -> Vec<Second> {
        let inner = self.inner.lock().expect("recorder lock");
        inner
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| Second {
                second: i as u64,
                ops: w.latency.len(),
                errors: w.errors,
                p50_ms: w.latency.value_at_quantile(0.5) as f64 / 1000.0,
                p99_ms: w.latency.value_at_quantile(0.99) as f64 / 1000.0,
            })
            .collect()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_timeline() {
        let r = Recorder::new();
        for ms in 1..=100u64 {
            r.ok(Duration::from_millis(ms));
        }
        r.error("ThrottlingException");
        let p = r.percentiles();
        assert_eq!(p.count, 100);
        assert!((p.p50 - 50.0).abs() < 0.1, "p50 {}", p.p50);
        assert!((p.p99 - 99.0).abs() < 0.1, "p99 {}", p.p99);
        assert!((p.max - 100.0).abs() < 0.1, "max {}", p.max);
        assert_eq!(r.errors_by_code().get("ThrottlingException"), Some(&1));
        let timeline = r.timeline();
        assert_eq!(timeline.iter().map(|s| s.ops).sum::<u64>(), 100);
        assert_eq!(timeline.iter().map(|s| s.errors).sum::<u64>(), 1);
    }
}
