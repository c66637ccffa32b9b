//! Dominant-resource fit: the feasible node whose dominant share (the larger of its cpu
//! and memory requested fractions) is lowest after placing the pod, so that no single
//! resource of a node runs out while the other idles.

use super::{argmin, cpu_memory};
use crate::engine::rng::StreamRng;
use crate::scheduler::framework::{BaselinePolicy, PodCtx};

/// Dominant-resource fit.
#[derive(Debug, Default)]
pub struct DominantResourceFit;

impl BaselinePolicy for DominantResourceFit {
    fn name(&self) -> &'static str {
        "dominant-resource-fit"
    }

    fn pick(&mut self, cx: &PodCtx, feasible: &[u32], _rng: &mut StreamRng) -> u32 {
        argmin(feasible, |i| {
            cpu_memory(cx, i)
                .iter()
                .map(|&(req, free, alloc)| 1.0 - (free - req) / alloc)
                .fold(f64::MIN, f64::max)
        })
    }
}
