//! Power of d choices: sample d endpoints uniformly without replacement and take the one
//! with the fewest active requests, ties to the first sampled.
//!
//! Mitzenmacher's model samples with replacement, and so does Envoy's `LEAST_REQUEST`
//! (`random() % hosts` per choice). Distinct samples are what nginx's `random two
//! least_conn` draws (it redraws a peer equal to the first), and the better policy for
//! small n: with replacement, two choices out of two endpoints are blind half the time.
//! nginx gives ties to the second peer drawn; the two are exchangeable, so that is the same
//! distribution as ties to the first. With d ≥ n every endpoint is a candidate and the pick
//! is the first minimum in list order, as Envoy's full scan when its choice count reaches
//! the number of hosts.

use super::first_least::first_least;
use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;
use rand::Rng;

/// Best of `d` distinct endpoints drawn at random.
#[derive(Debug)]
pub struct PowerOfD {
    d: usize,
    /// A permutation of the endpoint indices. A partial Fisher–Yates shuffle of its first
    /// `d` slots draws the sample in O(d) without allocating; the permutation it starts
    /// from does not matter, so it is kept between picks.
    order: Vec<u32>,
}

impl PowerOfD {
    /// Best of `d` (at least 2).
    pub fn new(d: u32) -> PowerOfD {
        PowerOfD {
            d: d as usize,
            order: Vec::new(),
        }
    }
}

impl LoadBalancer for PowerOfD {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        self.order.clear();
        self.order.extend(0..endpoints.len() as u32);
    }

    fn pick(&mut self, request: &Pick, rng: &mut StreamRng) -> usize {
        let n = self.order.len();
        if self.d >= n {
            return first_least(request.active);
        }
        let mut best = 0;
        let mut least = u32::MAX;
        for k in 0..self.d {
            let j = rng.random_range(k..n);
            self.order.swap(k, j);
            let candidate = self.order[k] as usize;
            let load = request.active[candidate];
            if load < least {
                best = candidate;
                least = load;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::{
        chi_square, chi_square_quantile, endpoints, rng,
    };

    fn build(d: u32, n: u32) -> PowerOfD {
        let mut lb = PowerOfD::new(d);
        lb.set_endpoints(&endpoints(n));
        lb
    }

    #[test]
    fn never_picks_more_than_the_sample_minimum() {
        // Loads chosen so that every pair has a unique answer except ties on 2.
        let active = [4, 0, 2, 7, 2, 5];
        let mut r = rng("p2");
        for d in [2, 3] {
            let mut lb = build(d, 6);
            for _ in 0..10_000 {
                let i = lb.pick(
                    &Pick {
                        key: 0,
                        active: &active,
                    },
                    &mut r,
                );
                // The sample is lb.order[..d]: the pick is its minimum.
                let sample = &lb.order[..d as usize];
                let min = sample.iter().map(|&s| active[s as usize]).min().unwrap();
                assert_eq!(active[i], min);
                assert!(sample.contains(&(i as u32)));
                let distinct: std::collections::BTreeSet<_> = sample.iter().collect();
                assert_eq!(distinct.len(), d as usize, "without replacement");
            }
        }
    }

    #[test]
    fn pick_shares_match_sampling_without_replacement() {
        // n = 4, all loads distinct: active = [0, 1, 2, 3]. With d = 2 distinct samples out of
        // C(4,2) = 6 equally likely pairs, endpoint i wins every pair with a larger index:
        // P = (3, 2, 1, 0) / 6. With replacement (a wrong model) it would be
        // (7, 5, 3, 1) / 16, or (7, 5, 3) / 15 on the three that can win, which the same
        // test must reject.
        let active = [0, 1, 2, 3];
        let mut lb = build(2, 4);
        let mut r = rng("p2-shares");
        let mut counts = [0u64; 3];
        for _ in 0..600_000 {
            let i = lb.pick(
                &Pick {
                    key: 0,
                    active: &active,
                },
                &mut r,
            );
            assert!(i < 3, "the most loaded endpoint can never win a pair");
            counts[i] += 1;
        }
        let limit = chi_square_quantile(2, 0.999);
        let right = chi_square(&counts, &[3.0 / 6.0, 2.0 / 6.0, 1.0 / 6.0]);
        assert!(right < limit, "{right} ≥ {limit}");
        let s = 7.0 + 5.0 + 3.0;
        let wrong = chi_square(&counts, &[7.0 / s, 5.0 / s, 3.0 / s]);
        assert!(wrong > limit, "negative control passed: {wrong}");
    }

    #[test]
    fn d_at_least_n_is_least_connections_in_list_order() {
        let mut r = rng("p3");
        let mut lb = build(3, 3);
        assert_eq!(
            lb.pick(
                &Pick {
                    key: 0,
                    active: &[2, 1, 1]
                },
                &mut r
            ),
            1
        );
        let mut lb = build(5, 3);
        assert_eq!(
            lb.pick(
                &Pick {
                    key: 0,
                    active: &[2, 2, 0]
                },
                &mut r
            ),
            2
        );
        // A list shrinking below d.
        let mut lb = build(2, 8);
        lb.set_endpoints(&endpoints(1));
        assert_eq!(
            lb.pick(
                &Pick {
                    key: 0,
                    active: &[9]
                },
                &mut r
            ),
            0
        );
        lb.set_endpoints(&[]);
        lb.set_endpoints(&endpoints(2));
        assert_eq!(
            lb.pick(
                &Pick {
                    key: 0,
                    active: &[9, 3]
                },
                &mut r
            ),
            1
        );
    }
}
