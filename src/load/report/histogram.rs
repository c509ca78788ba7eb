//! `Recorder`: latencies in an HDR histogram (microseconds, 3 significant digits) overall and per
//! second of the run, plus success, error and cut-off counts, shared by every worker of a scenario. Its
//! histograms travel as a [`RecorderSnapshot`] and merge exactly, so agents' recorders add up to one.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::snapshot::decode_histogram;
use super::snapshot::encode_histogram;
use super::snapshot::RecorderSnapshot;
use super::snapshot::WindowSnapshot;

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
    cut_off: AtomicU64,
    /// The length of the finished run (the longest of merged runs).
    finished: Mutex<Option<Duration>>,
    inner: Mutex<Inner>,
}

impl Recorder {
    /// An empty recorder whose timeline starts now.
    pub fn new() -> Recorder {
        Recorder {
            started: Instant::now(),
            ops: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            cut_off: AtomicU64::new(0),
            finished: Mutex::new(None),
            inner: Mutex::new(Inner { total: histogram(3), windows: Vec::new(), errors: BTreeMap::new() }),
        }
    }

    /// When the run began.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Marks the run as finished now: [`Recorder::elapsed`] stays at its length.
    pub fn finish(&self) {
        self.finished.lock().expect("recorder lock").get_or_insert_with(|| self.started.elapsed());
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

    /// Records an operation the end of the run cut off (neither a success nor an error).
    pub fn cut_off(&self) {
        self.cut_off.fetch_add(1, Ordering::Relaxed);
    }

    /// Operations cut off by the end of the run.
    pub fn cut_offs(&self) -> u64 {
        self.cut_off.load(Ordering::Relaxed)
    }

    /// Successes so far.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    /// Errors so far.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// The length of the run: until [`Recorder::finish`], or until now.
    pub fn elapsed(&self) -> Duration {
        self.finished.lock().expect("recorder lock").unwrap_or_else(|| self.started.elapsed())
    }

    /// Everything recorded, in a form that travels (histograms in HdrHistogram's V2 encoding).
    pub fn snapshot(&self) -> RecorderSnapshot {
        let inner = self.inner.lock().expect("recorder lock");
        RecorderSnapshot {
            ops: self.ops(),
            errors: self.errors(),
            cut_off: self.cut_offs(),
            elapsed_seconds: self.elapsed().as_secs_f64(),
            errors_by_code: inner.errors.clone(),
            latency: encode_histogram(&inner.total),
            seconds: inner
                .windows
                .iter()
                .map(|w| WindowSnapshot { errors: w.errors, latency: encode_histogram(&w.latency) })
                .collect(),
        }
    }

    /// Adds a snapshot of another run that started at the same time: counts and histograms add up
    /// exactly, second by second, and the run lasts as long as the longer of the two.
    pub fn absorb(&self, snapshot: &RecorderSnapshot) -> Result<(), String> {
        let mut inner = self.inner.lock().expect("recorder lock");
        let added = |e: hdrhistogram::AdditionError| format!("cannot merge latencies: {e:?}");
        inner.total.add(decode_histogram(&snapshot.latency)?).map_err(added)?;
        for (second, window) in snapshot.seconds.iter().enumerate() {
            let latency = decode_histogram(&window.latency)?;
            let mine = Self::window(&mut inner, second);
            mine.errors += window.errors;
            mine.latency.add(latency).map_err(added)?;
        }
        for (code, n) in &snapshot.errors_by_code {
            *inner.errors.entry(code.clone()).or_default() += n;
        }
        self.ops.fetch_add(snapshot.ops, Ordering::Relaxed);
        self.errors.fetch_add(snapshot.errors, Ordering::Relaxed);
        self.cut_off.fetch_add(snapshot.cut_off, Ordering::Relaxed);
        let theirs = Duration::from_secs_f64(snapshot.elapsed_seconds.max(0.0));
        let mut finished = self.finished.lock().expect("recorder lock");
        *finished = Some(finished.map_or(theirs, |mine| mine.max(theirs)));
        Ok(())
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

    #[test]
    fn merged_snapshots_give_the_percentiles_of_all_samples() {
        let (fast, slow, all) = (Recorder::new(), Recorder::new(), Recorder::new());
        for ms in 1..=50u64 {
            fast.ok(Duration::from_millis(ms));
            all.ok(Duration::from_millis(ms));
        }
        for ms in 51..=100u64 {
            slow.ok(Duration::from_millis(ms));
            all.ok(Duration::from_millis(ms));
        }
        slow.error("ThrottlingException");
        slow.cut_off();
        let merged = Recorder::new();
        merged.absorb(&fast.snapshot()).expect("merge");
        let travelled: RecorderSnapshot =
            serde_json::from_str(&serde_json::to_string(&slow.snapshot()).expect("encode")).expect("decode");
        merged.absorb(&travelled).expect("merge");
        let (m, a) = (merged.percentiles(), all.percentiles());
        assert_eq!((m.count, m.p50, m.p99, m.max), (a.count, a.p50, a.p99, a.max), "exact, not averaged");
        assert_eq!(merged.ops(), 100);
        assert_eq!(merged.errors_by_code().get("ThrottlingException"), Some(&1));
        assert_eq!(merged.cut_offs(), 1);
        assert_eq!(merged.timeline().iter().map(|s| s.ops).sum::<u64>(), 100);
    }
}
