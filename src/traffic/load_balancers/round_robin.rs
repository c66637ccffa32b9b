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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::{endpoints, rng};

    fn picks(lb: &mut RoundRobin, n: usize, count: usize) -> Vec<usize> {
        let active = vec![0u32; n];
        let mut r = rng("rr");
        (0..count)
            .map(|_| {
                lb.pick(
                    &Pick {
                        key: 0,
                        active: &active,
                    },
                    &mut r,
                )
            })
            .collect()
    }

    #[test]
    fn visits_each_endpoint_in_list_order() {
        let mut lb = RoundRobin::default();
        lb.set_endpoints(&endpoints(3));
        assert_eq!(picks(&mut lb, 3, 7), [0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn a_new_list_keeps_the_position_while_it_fits() {
        let mut lb = RoundRobin::default();
        lb.set_endpoints(&endpoints(4));
        assert_eq!(picks(&mut lb, 4, 3), [0, 1, 2]);
        // Grown: carries on from 3.
        lb.set_endpoints(&endpoints(6));
        assert_eq!(picks(&mut lb, 6, 4), [3, 4, 5, 0]);
        assert_eq!(picks(&mut lb, 6, 2), [1, 2]);
        // Shrunk below the position: starts over.
        lb.set_endpoints(&endpoints(2));
        assert_eq!(picks(&mut lb, 2, 3), [0, 1, 0]);
        lb.set_endpoints(&[]);
        lb.set_endpoints(&endpoints(1));
        assert_eq!(picks(&mut lb, 1, 2), [0, 0]);
    }
}
