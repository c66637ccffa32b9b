//! Exact summary statistics of recorded durations.

use crate::engine::time::Nanos;

/// Mean, quantiles and maximum of a sample of durations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DurationStats {
    /// Number of values.
    pub count: u64,
    /// Arithmetic mean, seconds.
    pub mean_s: f64,
    /// Median (nearest rank), ns.
    pub p50: Nanos,
    /// 90th percentile (nearest rank), ns.
    pub p90: Nanos,
    /// 99th percentile (nearest rank), ns.
    pub p99: Nanos,
    /// Maximum, ns.
    pub max: Nanos,
}

/// The nearest-rank `q`-quantile of sorted values: the smallest value with at least a
/// fraction `q` of the sample at or below it (rank ⌈q·n⌉).
pub fn nearest_rank(sorted: &[Nanos], q: f64) -> Nanos {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

impl DurationStats {
    /// Statistics of `values`, which this sorts. `None` for an empty sample.
    pub fn of(values: &mut [Nanos]) -> Option<DurationStats> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
        Some(DurationStats {
            count: values.len() as u64,
            mean_s: sum as f64 / values.len() as f64 / 1e9,
            p50: nearest_rank(values, 0.50),
            p90: nearest_rank(values, 0.90),
            p99: nearest_rank(values, 0.99),
            max: values[values.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_definition() {
        let v: Vec<Nanos> = (1..=100).collect();
        assert_eq!(nearest_rank(&v, 0.5), 50);
        assert_eq!(nearest_rank(&v, 0.99), 99);
        assert_eq!(nearest_rank(&v, 1.0), 100);
        assert_eq!(nearest_rank(&[7], 0.99), 7);
        // n = 10: p99 rank ceil(9.9) = 10, p50 rank 5.
        let v: Vec<Nanos> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(nearest_rank(&v, 0.99), 100);
        assert_eq!(nearest_rank(&v, 0.5), 50);
    }

    #[test]
    fn stats_of_sample() {
        let mut v = vec![3_000_000_000, 1_000_000_000, 2_000_000_000];
        let s = DurationStats::of(&mut v).unwrap();
        assert_eq!(s.count, 3);
        assert_eq!(s.mean_s, 2.0);
        assert_eq!(s.p50, 2_000_000_000);
        assert_eq!(s.max, 3_000_000_000);
        assert!(DurationStats::of(&mut []).is_none());
    }
}
