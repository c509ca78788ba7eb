//! `Pacing`: how a run sends its operations — concurrency, closed or open loop, bounds, generator
//! threads — taken from the command line and split evenly when agents share the run.

use std::time::Duration;

use serde::Deserialize;
use serde::Serialize;

use super::CommonArgs;

/// The default bound when neither a duration nor a count is given.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);

/// How one generator paces its operations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pacing {
    /// Operations in flight (one connection each).
    pub concurrency: usize,
    /// Open loop: operations per second; `None` for the closed loop.
    pub rate: Option<f64>,
    pub duration: Option<Duration>,
    pub count: Option<u64>,
    /// Generator threads; `None` for one per available core.
    pub threads: Option<usize>,
}

impl Pacing {
    /// The pacing the command line asks for.
    pub fn of(common: &CommonArgs) -> Pacing {
        Pacing {
            concurrency: common.concurrency.max(1),
            rate: common.rate,
            duration: common.duration,
            count: common.count,
            threads: common.threads,
        }
    }

    /// How long the run may last: the duration, else [`DEFAULT_DURATION`] unless a count bounds it.
    pub fn bound(&self) -> Option<Duration> {
        match (self.duration, self.count) {
            (None, None) => Some(DEFAULT_DURATION),
            (duration, _) => duration,
        }
    }

    /// Generator threads: as asked, else one per core, never more than the concurrency.
    pub fn threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        self.threads.unwrap_or(cores).clamp(1, self.concurrency.max(1))
    }

    /// Part `part` of `parts` of this pacing: concurrency, rate and count divided as evenly as whole
    /// numbers allow (every part keeps at least one connection); duration and threads unchanged.
    pub fn share(&self, part: usize, parts: usize) -> Pacing {
        let split = |total: u64| total / parts as u64 + u64::from((part as u64) < total % parts as u64);
        Pacing {
            concurrency: (split(self.concurrency as u64) as usize).max(1),
            rate: self.rate.map(|r| r / parts as f64),
            duration: self.duration,
            count: self.count.map(split),
            threads: self.threads,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_whole() {
        let whole = Pacing { concurrency: 65, rate: Some(1000.0), duration: None, count: Some(1001), threads: None };
        let parts: Vec<Pacing> = (0..2).map(|i| whole.share(i, 2)).collect();
        assert_eq!(parts.iter().map(|p| p.concurrency).sum::<usize>(), 65);
        assert_eq!(parts.iter().map(|p| p.count.unwrap_or(0)).sum::<u64>(), 1001);
        assert_eq!(parts.iter().map(|p| p.rate.unwrap_or(0.0)).sum::<f64>(), 1000.0);
        assert_eq!(whole.share(0, 3).bound(), None, "a count alone bounds the run");
    }
}
