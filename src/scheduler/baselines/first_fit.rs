//! First-fit: the first feasible node in node order.

use crate::engine::rng::StreamRng;
use crate::scheduler::framework::{BaselinePolicy, PodCtx};

/// First-fit.
#[derive(Debug, Default)]
pub struct FirstFit;

impl BaselinePolicy for FirstFit {
    fn name(&self) -> &'static str {
        "first-fit"
    }

    fn pick(&mut self, _cx: &PodCtx, feasible: &[u32], _rng: &mut StreamRng) -> u32 {
        feasible[0]
    }
}
