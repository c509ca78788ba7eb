//! Scaled waits for fast tests: a factor every Wait duration and Retry interval of an execution is
//! multiplied by. It is fixed when the execution starts and kept with it, so a rebuild arms the same timers.

use serde::Deserialize;
use serde::Serialize;

/// A factor in `[0, 1]` applied to Wait durations and Retry intervals; 1 (the default) is real time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WaitTimeScale(f64);

impl WaitTimeScale {
    /// Real time.
    pub const REAL_TIME: WaitTimeScale = WaitTimeScale(1.0);

    /// The scale `factor`, refused outside `[0, 1]`.
    pub fn new(factor: f64) -> Result<WaitTimeScale, String> {
        match (0.0..=1.0).contains(&factor) {
            true => Ok(WaitTimeScale(factor)),
            false => Err(format!("wait_time_scale must be between 0 and 1, not {factor}")),
        }
    }

    /// The factor.
    pub fn factor(self) -> f64 {
        self.0
    }

    /// A duration of `ms` milliseconds, scaled.
    pub fn apply(self, ms: i64) -> i64 {
        (ms as f64 * self.0).round() as i64
    }
}

impl Default for WaitTimeScale {
    fn default() -> WaitTimeScale {
        WaitTimeScale::REAL_TIME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_durations_and_refuses_factors_outside_the_unit_interval() {
        assert_eq!(WaitTimeScale::default().apply(100_000), 100_000);
        assert_eq!(WaitTimeScale::new(0.01).unwrap().apply(100_000), 1_000);
        assert_eq!(WaitTimeScale::new(0.0).unwrap().apply(100_000), 0);
        assert!(WaitTimeScale::new(1.5).is_err());
        assert!(WaitTimeScale::new(-0.1).is_err());
        assert!(WaitTimeScale::new(f64::NAN).is_err());
    }
}
