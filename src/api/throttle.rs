//! Per-operation throttling: one token bucket per operation and account on each node, configured under
//! `[throttle]`; a request beyond its bucket gets `ThrottlingException`, which SDKs retry with backoff.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::DefaultKeyedRateLimiter;
use governor::Quota;
use governor::RateLimiter;

use crate::aws_error::AwsError;
use crate::aws_error::ErrorCode;
use crate::config::ThrottleRule;

/// The buckets of every throttled operation, keyed by account.
#[derive(Default)]
pub struct Throttle {
    buckets: HashMap<String, DefaultKeyedRateLimiter<String>>,
}

impl Throttle {
    /// Buckets for the operations `rules` names (rules are checked by `Config::check`).
    pub fn new(rules: &BTreeMap<String, ThrottleRule>) -> Throttle {
        let buckets = rules
            .iter()
            .map(|(operation, rule)| {
                let burst = NonZeroU32::new(rule.burst).unwrap_or(NonZeroU32::MIN);
                let quota = Quota::with_period(Duration::from_secs_f64(1.0 / rule.rate))
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
                    .allow_burst(burst);
                (operation.clone(), RateLimiter::keyed(quota))
            })
            .collect();
        Throttle { buckets }
    }

    /// Takes a token from the bucket of `operation` for `account`, or answers ThrottlingException.
    pub fn admit(&self, operation: &str, account: &str) -> Result<(), AwsError> {
        match self.buckets.get(operation) {
            Some(bucket) if bucket.check_key(&account.to_string()).is_err() => {
                Err(AwsError::new(ErrorCode::ThrottlingException, "Rate exceeded"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_admits_its_burst_per_account_and_leaves_other_operations_alone() {
        let rules = BTreeMap::from([("StartExecution".to_string(), ThrottleRule { rate: 0.001, burst: 2 })]);
        let throttle = Throttle::new(&rules);
        assert!(throttle.admit("StartExecution", "111111111111").is_ok());
        assert!(throttle.admit("StartExecution", "111111111111").is_ok());
        let refused = throttle.admit("StartExecution", "111111111111").unwrap_err();
        assert_eq!(refused.code, ErrorCode::ThrottlingException);
        assert!(throttle.admit("StartExecution", "222222222222").is_ok(), "accounts have their own buckets");
        assert!(throttle.admit("DescribeExecution", "111111111111").is_ok(), "unlisted operations pass");
    }
}
