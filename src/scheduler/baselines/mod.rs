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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::config::{PolicyConfig, ProfileConfig};
    use crate::scheduler::framework::Profile;
    use crate::scheduler::testkit::{Kit, rng, template};

    const GI: i64 = 1 << 30;

    /// Three nodes, hand-derived leftovers for a 500m / 0.5 GiB pod (cpu + memory
    /// fractions of allocatable):
    /// node1 4 cores/4 GiB holding 3 cores/1 GiB: 0.125 + 0.625 = 0.75, dominant share
    /// 0.875, alignment 0.125·0.25 + 0.125·0.75 = 0.125;
    /// node2 4 cores/4 GiB empty: 0.875 + 0.875 = 1.75, dominant 0.125, alignment 0.25;
    /// node3 8 cores/8 GiB holding 1 core/7 GiB: 0.8125 + 0.0625 = 0.875, dominant 0.9375,
    /// alignment 0.0625·0.875 + 0.0625·0.125 = 0.0625.
    fn picks(b: Baseline, times: usize) -> Vec<usize> {
        let mut kit = Kit::new();
        let t = kit.template(template(0));
        let n1 = kit.node(4000, 4 * GI);
        kit.node(4000, 4 * GI);
        let n3 = kit.node(8000, 8 * GI);
        kit.running(n1, t, 3000, GI, 0);
        kit.running(n3, t, 1000, 7 * GI, 0);
        let pod = kit.pending(t, 500, GI / 2);
        let config = ProfileConfig {
            policy: PolicyConfig::Baseline(b),
            ..ProfileConfig::default()
        };
        let mut profile = Profile::new(&config, None);
        let mut r = rng();
        (0..times)
            .map(|_| {
                profile
                    .schedule(&kit.cluster, pod, &mut r)
                    .expect("fits")
                    .index()
                    + 1
            })
            .collect()
    }

    #[test]
    fn each_baseline_picks_its_node() {
        assert_eq!(picks(Baseline::FirstFit, 2), [1, 1]);
        assert_eq!(picks(Baseline::BestFit, 1), [1]);
        assert_eq!(picks(Baseline::WorstFit, 1), [2]);
        assert_eq!(picks(Baseline::DominantResourceFit, 1), [2]);
        assert_eq!(picks(Baseline::Tetris, 1), [2]);
        assert_eq!(picks(Baseline::RoundRobin, 4), [1, 2, 3, 1]);
        let random = picks(Baseline::Random, 3000);
        for n in 1..=3 {
            // Binomial(3000, 1/3): σ ≈ 25.8; within 4σ of 1,000.
            let c = random.iter().filter(|&&x| x == n).count() as i64;
            assert!((c - 1000).abs() < 104, "node{n}: {c}");
        }
    }

    #[test]
    fn baselines_apply_the_default_filters() {
        let mut kit = Kit::new();
        let t = kit.template(template(0));
        kit.node(100, GI);
        let n2 = kit.node(4000, 4 * GI);
        let pod = kit.pending(t, 500, GI / 2);
        for (b, _) in Baseline::ALL {
            let config = ProfileConfig {
                policy: PolicyConfig::Baseline(b),
                ..ProfileConfig::default()
            };
            let mut profile = Profile::new(&config, None);
            assert_eq!(profile.schedule(&kit.cluster, pod, &mut rng()), Some(n2));
        }
    }
}
