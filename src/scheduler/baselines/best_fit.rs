//! Best-fit: the feasible node left with the least capacity after placing the pod,
//! measured as the sum over cpu and memory of the leftover fraction of allocatable.

use super::{argmin, cpu_memory};
use crate::engine::rng::StreamRng;
use crate::scheduler::framework::{BaselinePolicy, PodCtx};

/// Leftover cpu and memory fractions after placing the pod on node `i`.
pub fn leftover(cx: &PodCtx, i: usize) -> f64 {
    cpu_memory(cx, i)
        .iter()
        .map(|&(req, free, alloc)| (free - req) / alloc)
        .sum()
}

/// Best-fit.
#[derive(Debug, Default)]
pub struct BestFit;

impl BaselinePolicy for BestFit {
    fn name(&self) -> &'static str {
        "best-fit"
    }

    fn pick(&mut self, cx: &PodCtx, feasible: &[u32], _rng: &mut StreamRng) -> u32 {
        argmin(feasible, |i| leftover(cx, i))
    }
}
