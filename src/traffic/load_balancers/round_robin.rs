//! Round robin: each endpoint in turn.

use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;

/// Round robin over the endpoint list; a new list keeps the position.
#[derive(Debug, Default)]
pub struct RoundRobin {
    len: usize,
    next: usize,
}

impl LoadBalancer for RoundRobin {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        self.len = endpoints.len();
        if self.next >= self.len {
            self.next = 0;
        }
    }

    fn pick(&mut self, _: &Pick, _: &mut StreamRng) -> usize {
        let i = self.next;
        self.next = if i + 1 >= self.len { 0 } else { i + 1 };
        i
    }
}
