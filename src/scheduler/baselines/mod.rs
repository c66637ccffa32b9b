//! Classic placement baselines, one file each. Each runs after the default profile's
//! filters and picks among every feasible node; ties go to the first node in node order,
//! so only `random` draws from the scheduler's stream.

pub mod best_fit;
pub mod dominant_resource_fit;
pub mod first_fit;
pub mod random;
pub mod round_robin;
pub mod tetris;
pub mod worst_fit;

use super::config::Baseline;
use super::framework::{BaselinePolicy, PodCtx};
use crate::cluster::resources::{CPU, MEMORY};

/// The registry: the policy for a baseline name.
pub fn baseline(b: Baseline) -> Box<dyn BaselinePolicy> {
    match b {
        Baseline::FirstFit => Box::new(first_fit::FirstFit),
        Baseline::Random => Box::new(random::Random),
        Baseline::RoundRobin => Box::new(round_robin::RoundRobin::default()),
        Baseline::BestFit => Box::new(best_fit::BestFit),
        Baseline::WorstFit => Box::new(worst_fit::WorstFit),
        Baseline::DominantResourceFit => Box::new(dominant_resource_fit::DominantResourceFit),
        Baseline::Tetris => Box::new(tetris::Tetris),
    }
}

/// Per node, cpu and memory as `(pod request, free after nothing placed, allocatable)`:
/// what the resource-shaped baselines compare.
pub(crate) fn cpu_memory(cx: &PodCtx, i: usize) -> [(f64, f64, f64); 2] {
    let n = &cx.cluster.nodes;
    let r = &cx.pod.requests.0;
    [CPU, MEMORY].map(|s| {
        let alloc = n.allocatable[i].0[s];
        (
            r[s] as f64,
            (alloc - n.requested[i].0[s]) as f64,
            alloc.max(1) as f64,
        )
    })
}

/// The first node of `feasible` with the lowest `key` (ties keep node order).
pub(crate) fn argmin(feasible: &[u32], mut key: impl FnMut(usize) -> f64) -> u32 {
    let mut best = feasible[0];
    let mut best_key = f64::INFINITY;
    for &i in feasible {
        let k = key(i as usize);
        if k < best_key {
            best_key = k;
            best = i;
        }
    }
    best
}
