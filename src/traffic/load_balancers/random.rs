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
