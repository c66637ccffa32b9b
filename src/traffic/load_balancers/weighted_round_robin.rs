//! Weighted round robin by earliest deadline first, as Envoy's `EdfScheduler`: endpoint i
//! with weight wᵢ is due at 1/wᵢ, 2/wᵢ, 3/wᵢ, …; each pick takes the earliest due endpoint
//! (ties to the lower index) and moves it to its next deadline. Over every Σw picks
//! endpoint i is picked exactly wᵢ times, and picks interleave rather than come in runs.
//!
//! Deadlines are kept as exact fractions k/wᵢ (k = picks so far + 1) compared by cross
//! multiplication, so the shares stay exact however long a run is; Envoy's floating-point
//! deadlines drift by rounding. The weight is the endpoint's CPU in millicores (0 counts
//! as 1). A new endpoint list starts a fresh schedule.

use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One endpoint's next deadline, `due / weight`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    due: u64,
    weight: u32,
    index: u32,
}

impl Ord for Slot {
    /// Reversed, so that `BinaryHeap`, a max-heap, yields the earliest deadline, then the
    /// lowest index.
    fn cmp(&self, other: &Slot) -> Ordering {
        let mine = u128::from(self.due) * u128::from(other.weight);
        let theirs = u128::from(other.due) * u128::from(self.weight);
        theirs.cmp(&mine).then_with(|| other.index.cmp(&self.index))
    }
}

impl PartialOrd for Slot {
    fn partial_cmp(&self, other: &Slot) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Smooth weighted round robin over the endpoints' CPU.
#[derive(Debug, Default)]
pub struct WeightedRoundRobin {
    heap: BinaryHeap<Slot>,
}

impl LoadBalancer for WeightedRoundRobin {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        self.heap.clear();
        self.heap
            .extend(endpoints.iter().enumerate().map(|(i, e)| Slot {
                due: 1,
                weight: e.cpu_millis.max(1),
                index: i as u32,
            }));
    }

    fn pick(&mut self, _: &Pick, _: &mut StreamRng) -> usize {
        let mut top = self
            .heap
            .peek_mut()
            .expect("pick is only called with endpoints");
        top.due += 1;
        // Dropping `top` sifts the slot down to its new deadline.
        top.index as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ids::PodId;
    use crate::traffic::load_balancers::test_support::rng;

    fn build(weights: &[u32]) -> WeightedRoundRobin {
        let endpoints: Vec<Endpoint> = weights
            .iter()
            .enumerate()
            .map(|(i, &w)| Endpoint {
                pod: PodId(i as u32),
                cpu_millis: w,
            })
            .collect();
        let mut lb = WeightedRoundRobin::default();
        lb.set_endpoints(&endpoints);
        lb
    }

    fn picks(lb: &mut WeightedRoundRobin, count: usize) -> Vec<usize> {
        let mut r = rng("wrr");
        let active = [0u32; 8];
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
    fn hand_derived_sequence() {
        // Weights 2, 1 (as 1000 m and 500 m): A due at 1/2, 2/2, 3/2 …, B at 1/1, 2/1 …
        // in thousandths. Order: A(0.5), A(1.0) and B(1.0) tie → A first, B(1.0), A(1.5),
        // A(2.0), B(2.0) …
        let mut lb = build(&[1000, 500]);
        assert_eq!(picks(&mut lb, 9), [0, 0, 1, 0, 0, 1, 0, 0, 1]);
        // Weights 5, 1, 1: deadlines A k/5, B and C k/1. In a cycle of 7 picks A's
        // deadlines 0.2 … 1.0 come first (1.0 ties with B and C at 1.0, A's index wins).
        let mut lb = build(&[5, 1, 1]);
        assert_eq!(
            picks(&mut lb, 14),
            [0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 1, 2]
        );
    }

    #[test]
    fn equal_weights_interleave_as_round_robin() {
        let mut lb = build(&[300, 300, 300, 300]);
        let got = picks(&mut lb, 12);
        assert_eq!(got, [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
        assert!(got.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn every_cycle_of_sum_w_picks_has_exact_shares() {
        // 0 m counts as 1 m.
        let weights = [250u32, 1000, 0, 750, 3];
        let total: usize = weights.iter().map(|&w| w.max(1) as usize).sum();
        let mut lb = build(&weights);
        for _cycle in 0..3 {
            let got = picks(&mut lb, total);
            for (i, &w) in weights.iter().enumerate() {
                let n = got.iter().filter(|&&g| g == i).count();
                assert_eq!(n, w.max(1) as usize, "endpoint {i}");
            }
        }
    }

    #[test]
    fn picks_are_spread_not_bursty() {
        // Weights 3:1: the lighter endpoint is picked once in every window of 4 picks
        // after the start, never twice in a row.
        let mut lb = build(&[3, 1]);
        let got = picks(&mut lb, 400);
        assert!(
            got.windows(4)
                .all(|w| w.iter().filter(|&&g| g == 1).count() <= 1)
        );
        assert!(got.windows(5).all(|w| w.contains(&1)));
    }

    #[test]
    fn a_new_list_restarts_and_may_shrink() {
        let mut lb = build(&[1, 2, 3]);
        picks(&mut lb, 5);
        lb.set_endpoints(&[]);
        assert!(lb.heap.is_empty());
        let mut lb2 = build(&[7]);
        assert_eq!(picks(&mut lb2, 3), [0, 0, 0]);
    }
}
