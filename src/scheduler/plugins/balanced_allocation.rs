//! NodeResourcesBalancedAllocation: nodes whose requested fractions of the scored
//! resources stay close to each other score higher (v1.24–v1.35 formula, reference §2.1).

use crate::cluster::resources::{CPU, EPHEMERAL_STORAGE, MEMORY};
use crate::scheduler::config::FrameworkConfig;
use crate::scheduler::framework::{MAX_NODE_SCORE, PodCtx, ScorePlugin};

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

/// The score plugin.
pub struct Balanced {
    slots: Vec<usize>,
    req: Vec<i64>,
    alloc: Vec<i64>,
}

impl Balanced {
    /// The plugin over `config`'s balanced resources.
    pub fn new(config: &FrameworkConfig) -> Balanced {
        Balanced {
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
}
