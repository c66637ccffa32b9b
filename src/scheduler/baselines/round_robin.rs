//! Round-robin: the first feasible node after the one chosen last, wrapping.

use crate::engine::rng::StreamRng;
use crate::scheduler::framework::{BaselinePolicy, PodCtx};

/// Round-robin placement.
#[derive(Debug, Default)]
pub struct RoundRobin {
    last: Option<u32>,
}

impl BaselinePolicy for RoundRobin {
    fn name(&self) -> &'static str {
        "round-robin"
    }

    fn pick(&mut self, _cx: &PodCtx, feasible: &[u32], _rng: &mut StreamRng) -> u32 {
        let next = match self.last {
            Some(last) => feasible
                .iter()
                .copied()
                .find(|&i| i > last)
                .unwrap_or(feasible[0]),
            None => feasible[0],
        };
        self.last = Some(next);
        next
    }
}
