//! NodeResourcesBalancedAllocation: nodes whose requested fractions of the scored
//! resources stay close to each other score higher (v1.24–v1.35 formula, reference §2.1).

use crate::cluster::node::NodeTable;
use crate::cluster::resources::{CPU, EPHEMERAL_STORAGE, MEMORY};
use crate::scheduler::config::FrameworkConfig;
use crate::scheduler::framework::{MAX_NODE_SCORE, PodCtx, ScorePlugin};
use crate::scheduler::score_cache::ScoreCache;

/// The score from requested and allocatable amounts (pod included, real requests):
/// `(1 − std of min(1, requested/allocatable)) × 100`, truncated.
pub fn balanced_score(requested: &[i64], allocatable: &[i64]) -> i64 {
    let mut fractions = [0f64; crate::cluster::resources::MAX_RESOURCES];
    let mut len = 0;
    for (&r, &a) in requested.iter().zip(allocatable) {
        if a == 0 {
            continue;
        }
        fractions[len] = (r as f64 / a as f64).min(1.0);
        len += 1;
    }
    let f = &fractions[..len];
    let std = match len {
        0 | 1 => 0.0,
        2 => (f[0] - f[1]).abs() / 2.0,
        _ => {
            let mean = f.iter().sum::<f64>() / len as f64;
            (f.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / len as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// [`balanced_score`] for cpu and memory alone, written out so the common case runs as
/// a tight loop over the node arrays (the same operations, so the same result).
#[inline(always)]
fn balanced_cpu_memory(cpu: (i64, i64), memory: (i64, i64)) -> i64 {
    let f0 = (cpu.0 as f64 / cpu.1 as f64).min(1.0);
    let f1 = (memory.0 as f64 / memory.1 as f64).min(1.0);
    let std = (f0 - f1).abs() / 2.0;
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// The cpu-and-memory score of node `i` for a pod requesting `pod` (real requests).
fn node_cpu_memory(n: &NodeTable, i: usize, pod: [i64; 2]) -> i64 {
    let (ac, am) = (n.alloc_cpu[i], n.alloc_memory[i]);
    balanced_cpu_memory(
        (ac - n.free_cpu[i] + pod[0], ac),
        (am - n.free_memory[i] + pod[1], am),
    )
}

fn all_cpu_memory(n: &NodeTable, pod: [i64; 2], out: &mut Vec<i64>) {
    out.clear();
    out.extend((0..n.len()).map(|i| node_cpu_memory(n, i, pod)));
}

/// The score plugin.
pub struct Balanced {
    /// Scored resources are exactly cpu and memory: scores come from a per-shape cache.
    cpu_memory: Option<ScoreCache>,
    slots: Vec<usize>,
    req: Vec<i64>,
    alloc: Vec<i64>,
}

impl Balanced {
    /// The plugin over `config`'s balanced resources.
    pub fn new(config: &FrameworkConfig) -> Balanced {
        Balanced {
            cpu_memory: (config.balanced_resources == [CPU, MEMORY])
                .then(|| ScoreCache::new(node_cpu_memory, all_cpu_memory)),
            slots: config.balanced_resources.clone(),
            req: Vec::new(),
            alloc: Vec::new(),
        }
    }
}

impl ScorePlugin for Balanced {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    /// Skips best-effort pods (no requests at all), as upstream since v1.32.
    fn pre_score(&mut self, cx: &PodCtx, _feasible: &[u32]) -> bool {
        cx.pod.requests.0.iter().any(|&r| r > 0)
    }

    fn score(&mut self, cx: &PodCtx, feasible: &[u32], out: &mut [i64]) {
        let n = &cx.cluster.nodes;
        let pod = &cx.pod.requests.0;
        if let Some(cache) = &mut self.cpu_memory {
            // Validation keeps cpu and memory allocatable positive on every node.
            let all = cache.scores(n, [pod[CPU], pod[MEMORY]]);
            for (o, &i) in out.iter_mut().zip(feasible) {
                *o = all[i as usize];
            }
            return;
        }
        for (o, &i) in out.iter_mut().zip(feasible) {
            let i = i as usize;
            self.req.clear();
            self.alloc.clear();
            for &s in &self.slots {
                // Extended resources count only when the pod asks for them.
                if !matches!(s, CPU | MEMORY | EPHEMERAL_STORAGE) && pod[s] == 0 {
                    continue;
                }
                self.req.push(n.requested[i].0[s] + pod[s]);
                self.alloc.push(n.allocatable[i].0[s]);
            }
            *o = balanced_score(&self.req, &self.alloc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TestNodeResourcesBalancedAllocation` (reference §2.1): cpuAndMemory = 3000m/5000,
    /// cpuOnly = 3000m/0.
    #[test]
    fn upstream_table() {
        // Nothing scheduled, differently sized nodes.
        assert_eq!(balanced_score(&[3000, 5000], &[4000, 10000]), 87);
        assert_eq!(balanced_score(&[3000, 5000], &[6000, 10000]), 100);
        // Pods scheduled with resources: node1 holds cpuOnly, node2 cpuAndMemory.
        assert_eq!(balanced_score(&[6000, 5000], &[10000, 20000]), 82);
        assert_eq!(balanced_score(&[6000, 10000], &[10000, 20000]), 95);
        assert_eq!(balanced_score(&[6000, 10000], &[10000, 50000]), 80);
        // Requested at capacity: the pod is cpuOnly.
        assert_eq!(balanced_score(&[6000, 0], &[6000, 10000]), 50);
        assert_eq!(balanced_score(&[6000, 5000], &[6000, 10000]), 75);
        // Scalar resource included: cpu, memory, gpu.
        assert_eq!(balanced_score(&[3000, 5000, 4], &[3500, 40000, 8]), 70);
        assert_eq!(balanced_score(&[3000, 5000, 1], &[3500, 40000, 8]), 65);
        // A node without the scalar resource skips it: both 63.
        assert_eq!(balanced_score(&[3000, 5000], &[3500, 40000]), 63);
    }

    /// The cpu-and-memory fast path computes exactly the general formula.
    #[test]
    fn fast_path_equals_general_formula() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..100_000 {
            let a = [
                rng.random_range(1..1i64 << 46),
                rng.random_range(1..1i64 << 46),
            ];
            let r = [
                rng.random_range(0..=a[0] + 5),
                rng.random_range(0..=a[1] + 5),
            ];
            assert_eq!(
                balanced_cpu_memory((r[0], a[0]), (r[1], a[1])),
                balanced_score(&r, &a)
            );
        }
    }
}
