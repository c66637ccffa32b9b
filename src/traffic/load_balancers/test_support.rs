//! Helpers the load balancers' tests share.

use super::{Endpoint, LoadBalancer, Pick};
use crate::cluster::ids::PodId;
use crate::engine::rng::{StreamKey, StreamRng};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// `n` endpoints, pods 0..n, 1000 millicores each.
pub(super) fn endpoints(n: u32) -> Vec<Endpoint> {
    (0..n)
        .map(|i| Endpoint {
            pod: PodId(i),
            cpu_millis: 1000,
        })
        .collect()
}

/// A fixed-seed stream for a test.
pub(super) fn rng(name: &str) -> StreamRng {
    StreamKey::new(20_261_127, name).rng()
}

/// `picks` picks with no active requests and key `i` for the i-th, counted per endpoint.
pub(super) fn count_picks(lb: &mut dyn LoadBalancer, n: usize, picks: u64) -> Vec<u64> {
    let active = vec![0u32; n];
    let mut r = rng("count");
    let mut counts = vec![0u64; n];
    for key in 0..picks {
        counts[lb.pick(
            &Pick {
                key,
                active: &active,
            },
            &mut r,
        )] += 1;
    }
    counts
}

/// Pearson's statistic of `counts` against the probabilities `probs`.
pub(super) fn chi_square(counts: &[u64], probs: &[f64]) -> f64 {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .zip(probs)
        .map(|(&c, &p)| {
            let expected = total as f64 * p;
            (c as f64 - expected).powi(2) / expected
        })
        .sum()
}

/// The `q` quantile of the chi-square distribution with `df` degrees of freedom.
pub(super) fn chi_square_quantile(df: usize, q: f64) -> f64 {
    ChiSquared::new(df as f64)
        .expect("positive degrees of freedom")
        .inverse_cdf(q)
}
