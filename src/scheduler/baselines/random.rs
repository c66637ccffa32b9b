//! Random: a feasible node uniformly at random, from the scheduler's stream.

use crate::engine::rng::StreamRng;
use crate::scheduler::framework::{BaselinePolicy, PodCtx};
use rand::Rng;

/// Random placement.
#[derive(Debug, Default)]
pub struct Random;

impl BaselinePolicy for Random {
    fn name(&self) -> &'static str {
        "random"
    }

    fn pick(&mut self, _cx: &PodCtx, feasible: &[u32], rng: &mut StreamRng) -> u32 {
        feasible[rng.random_range(0..feasible.len())]
    }
}
