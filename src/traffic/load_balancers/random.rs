//! Uniform random choice.

use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;
use rand::Rng;

/// Picks each endpoint with equal probability.
#[derive(Debug, Default)]
pub struct Random {
    len: usize,
}

impl LoadBalancer for Random {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        self.len = endpoints.len();
    }

    fn pick(&mut self, _: &Pick, rng: &mut StreamRng) -> usize {
        rng.random_range(0..self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::{
        chi_square, chi_square_quantile, count_picks, endpoints,
    };

    #[test]
    fn uniform_over_the_endpoints() {
        // 10^6 picks over 10 endpoints against 1/10 each: below the χ²(9) 0.999 quantile
        // (27.88); against shares tilted by ±1 % (noncentrality ≈ 100) far above it.
        let mut lb = Random::default();
        lb.set_endpoints(&endpoints(10));
        let counts = count_picks(&mut lb, 10, 1_000_000);
        let limit = chi_square_quantile(9, 0.999);
        let stat = chi_square(&counts, &[0.1; 10]);
        assert!(stat < limit, "{stat} ≥ {limit}");
        let tilted: Vec<f64> = (0..10)
            .map(|i| if i % 2 == 0 { 0.101 } else { 0.099 })
            .collect();
        let stat = chi_square(&counts, &tilted);
        assert!(stat > limit, "negative control passed: {stat}");
    }
}
