//! Least connections: the endpoint with the fewest active requests. Ties go to the first
//! minimum scanning from a start position that moves on by one every pick, which spreads
//! them without drawing random numbers.

use super::first_least::least;
use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;

/// Fewest active requests, ties rotated.
#[derive(Debug, Default)]
pub struct LeastConnections {
    len: usize,
    start: usize,
}

impl LoadBalancer for LeastConnections {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        self.len = endpoints.len();
        if self.start >= self.len {
            self.start = 0;
        }
    }

    fn pick(&mut self, request: &Pick, _: &mut StreamRng) -> usize {
        let s = self.start;
        self.start = if s + 1 >= self.len { 0 } else { s + 1 };
        let active = request.active;
        let least = least(active);
        // The first minimum at or after the start, else the first before it.
        match active[s..].iter().position(|&a| a == least) {
            Some(i) => s + i,
            None => active[..s].iter().position(|&a| a == least).unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::{endpoints, rng};
    use rand::Rng;

    fn build(n: u32) -> LeastConnections {
        let mut lb = LeastConnections::default();
        lb.set_endpoints(&endpoints(n));
        lb
    }

    #[test]
    fn picks_the_minimum() {
        let mut r = rng("lc");
        let mut lb = build(4);
        for active in [[3, 1, 2, 4], [0, 5, 5, 5], [9, 9, 9, 2], [4, 3, 0, 1]] {
            let i = lb.pick(
                &Pick {
                    key: 0,
                    active: &active,
                },
                &mut r,
            );
            assert_eq!(active[i], *active.iter().min().unwrap(), "{active:?}");
        }
        // Many random loads: always a minimum.
        let mut lb = build(7);
        for _ in 0..10_000 {
            let active: Vec<u32> = (0..7).map(|_| r.random_range(0..5)).collect();
            let i = lb.pick(
                &Pick {
                    key: 0,
                    active: &active,
                },
                &mut r,
            );
            assert_eq!(active[i], *active.iter().min().unwrap());
        }
    }

    #[test]
    fn ties_rotate_with_the_start() {
        let mut r = rng("lc");
        let mut lb = build(4);
        // Endpoints 1 and 3 tie. Starts 0, 1, 2, 3, 0: the first minimum from each.
        let active = [2, 1, 2, 1];
        let got: Vec<usize> = (0..5)
            .map(|_| {
                lb.pick(
                    &Pick {
                        key: 0,
                        active: &active,
                    },
                    &mut r,
                )
            })
            .collect();
        assert_eq!(got, [1, 1, 3, 3, 1]);
        // All equal: plain round robin.
        let active = [0; 4];
        let got: Vec<usize> = (0..5)
            .map(|_| {
                lb.pick(
                    &Pick {
                        key: 0,
                        active: &active,
                    },
                    &mut r,
                )
            })
            .collect();
        assert_eq!(got, [1, 2, 3, 0, 1]);
    }

    #[test]
    fn a_shorter_list_resets_the_start() {
        let mut r = rng("lc");
        let mut lb = build(5);
        let active = [0; 5];
        for _ in 0..4 {
            lb.pick(
                &Pick {
                    key: 0,
                    active: &active,
                },
                &mut r,
            );
        }
        lb.set_endpoints(&endpoints(2));
        let i = lb.pick(
            &Pick {
                key: 0,
                active: &[0, 0],
            },
            &mut r,
        );
        assert_eq!(i, 0);
        lb.set_endpoints(&[]);
        lb.set_endpoints(&endpoints(1));
        assert_eq!(
            lb.pick(
                &Pick {
                    key: 0,
                    active: &[3]
                },
                &mut r
            ),
            0
        );
    }
}
