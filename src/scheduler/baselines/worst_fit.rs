//! Worst-fit: the feasible node left with the most capacity after placing the pod (the
//! same leftover measure as best-fit).

use super::argmin;
use super::best_fit::leftover;
use crate::engine::rng::StreamRng;
use crate::scheduler::framework::{BaselinePolicy, PodCtx};

/// Worst-fit.
#[derive(Debug, Default)]
pub struct WorstFit;

impl BaselinePolicy for WorstFit {
    fn name(&self) -> &'static str {
        "worst-fit"
    }

    fn pick(&mut self, cx: &PodCtx, feasible: &[u32], _rng: &mut StreamRng) -> u32 {
        argmin(feasible, |i| -leftover(cx, i))
    }
}
