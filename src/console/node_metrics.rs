//! The figures the cluster page shows per node, read from a node's Prometheus text: API requests served
//! and Raft commits with their total and 99th-percentile time. Counters since the node started; the page
//! turns two readings into rates.

use serde::Serialize;

/// What the cluster page shows of one node's metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeMetrics {
    /// API requests served, every operation and outcome.
    pub requests: f64,
    /// Proposals committed and applied.
    pub commits: f64,
    /// Their summed proposal-to-apply time, in seconds.
    pub commit_seconds: f64,
    /// The bucket bound under which 99 % of commits completed, in seconds.
    pub commit_p99_seconds: Option<f64>,
}

/// Reads the figures out of Prometheus text.
pub fn read(text: &str) -> NodeMetrics {
    let mut metrics = NodeMetrics::default();
    let mut buckets: Vec<(f64, f64)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let Ok(value) = value.parse::<f64>() else { continue };
        let (name, labels) = series.split_once('{').unwrap_or((series, ""));
        match name {
            crate::metrics::API_REQUESTS => metrics.requests += value,
            "statehouse_raft_commit_duration_seconds_count" => metrics.commits += value,
            "statehouse_raft_commit_duration_seconds_sum" => metrics.commit_seconds += value,
            "statehouse_raft_commit_duration_seconds_bucket" => {
                let bound = labels.split("le=\"").nth(1).and_then(|rest| rest.split('"').next());
                if let Some(bound) = bound.and_then(|b| b.parse::<f64>().ok()) {
                    buckets.push((bound, value));
                }
            }
            _ => {}
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if metrics.commits > 0.0 {
        metrics.commit_p99_seconds =
            buckets.iter().find(|(_, count)| *count >= 0.99 * metrics.commits).map(|(b, _)| *b);
    }
    metrics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requests_and_commit_times() {
        let text = "\
# TYPE statehouse_api_requests_total counter
statehouse_api_requests_total{operation=\"StartExecution\",code=\"ok\"} 7
statehouse_api_requests_total{operation=\"DescribeExecution\",code=\"ExecutionDoesNotExist\"} 3
statehouse_raft_commit_duration_seconds_bucket{le=\"0.001\"} 50
statehouse_raft_commit_duration_seconds_bucket{le=\"0.005\"} 99
statehouse_raft_commit_duration_seconds_bucket{le=\"0.01\"} 100
statehouse_raft_commit_duration_seconds_bucket{le=\"+Inf\"} 100
statehouse_raft_commit_duration_seconds_sum 0.25
statehouse_raft_commit_duration_seconds_count 100
";
        let metrics = read(text);
        assert_eq!(metrics.requests, 10.0);
        assert_eq!(metrics.commits, 100.0);
        assert_eq!(metrics.commit_seconds, 0.25);
        assert_eq!(metrics.commit_p99_seconds, Some(0.005));
        assert_eq!(read("").commit_p99_seconds, None, "no commits, no percentile");
    }
}
