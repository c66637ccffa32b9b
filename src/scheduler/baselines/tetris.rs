//! Tetris-style alignment (Grandl et al., SIGCOMM 2014): the feasible node whose free
//! capacity aligns best with the request, by the dot product of the two vectors, each
//! normalised by the node's allocatable.

use super::{argmin, cpu_memory};
use crate::engine::rng::StreamRng;
use crate::scheduler::framework::{BaselinePolicy, PodCtx};

/// Tetris alignment.
#[derive(Debug, Default)]
pub struct Tetris;

impl BaselinePolicy for Tetris {
    fn name(&self) -> &'static str {
        "tetris"
    }

    fn pick(&mut self, cx: &PodCtx, feasible: &[u32], _rng: &mut StreamRng) -> u32 {
        argmin(feasible, |i| {
            -cpu_memory(cx, i)
                .iter()
                .map(|&(req, free, alloc)| (req / alloc) * (free / alloc))
                .sum::<f64>()
        })
    }
}
