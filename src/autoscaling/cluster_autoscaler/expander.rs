//! Expanders: which of the node groups that would help a scale-up takes it
//! (`--expander`). Ties go to a uniform draw among the best.

use super::estimator::Estimate;
use crate::autoscaling::spec::Expander;
use crate::engine::rng::StreamRng;
use rand::Rng;

/// One group that would help.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleUpOption {
    /// The group's index.
    pub group: usize,
    /// What its scale-up would do.
    pub estimate: Estimate,
    /// One new node's allocatable CPU (millicores) and memory (bytes).
    pub node: [i64; 2],
    /// One node's price per hour (0 without one).
    pub price: f64,
}

/// `least-waste`'s score (`expander/waste/waste.go`): the unrequested share of the new
/// nodes' CPU plus that of their memory; lower is better.
pub fn waste(o: &ScaleUpOption) -> f64 {
    let n = f64::from(o.estimate.nodes);
    let part = |k: usize| {
        let total = o.node[k] as f64 * n;
        if total > 0.0 {
            (total - o.estimate.requested[k] as f64) / total
        } else {
            0.0
        }
    };
    part(0) + part(1)
}

/// `price`'s score: what the new nodes cost per hour for each pod they take; lower is
/// better.
pub fn price_per_pod(o: &ScaleUpOption) -> f64 {
    o.price * f64::from(o.estimate.nodes) / o.estimate.pods.len().max(1) as f64
}

/// The index in `options` (non-empty) that `expander` picks.
pub fn choose(expander: Expander, options: &[ScaleUpOption], rng: &mut StreamRng) -> usize {
    let scores: Vec<f64> = options
        .iter()
        .map(|o| match expander {
            Expander::Random => 0.0,
            Expander::LeastWaste => waste(o),
            Expander::MostPods => -(o.estimate.pods.len() as f64),
            Expander::Price => price_per_pod(o),
        })
        .collect();
    let best = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let tied: Vec<usize> = (0..options.len()).filter(|&k| scores[k] == best).collect();
    match tied.len() {
        0 | 1 => tied.first().copied().unwrap_or(0),
        n => tied[rng.random_range(0..n)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ids::PodId;
    use crate::engine::rng::StreamKey;

    const MIB: i64 = 1 << 20;

    /// One new node taking one pod of 500m / 1000 MiB.
    fn option(group: usize, cpu: i64, memory_mib: i64) -> ScaleUpOption {
        ScaleUpOption {
            group,
            estimate: Estimate {
                nodes: 1,
                pods: vec![PodId(0)],
                requested: [500, 1000 * MIB],
            },
            node: [cpu, memory_mib * MIB],
            price: 0.0,
        }
    }

    /// `TestLeastWaste` (reference §7): balanced 8000m/16000Mi wastes 1.875, high-memory
    /// 8000m/32000Mi 1.906, low-CPU 4000m/16000Mi 1.8125 and wins; without it, the
    /// balanced node wins.
    #[test]
    fn least_waste_matches_upstream_test() {
        let options = [
            option(0, 8000, 16000),
            option(1, 8000, 32000),
            option(2, 4000, 16000),
        ];
        assert_eq!(waste(&options[0]), 1.875);
        assert!((waste(&options[1]) - 1.90625).abs() < 1e-12);
        assert_eq!(waste(&options[2]), 1.8125);
        let mut rng = StreamKey::new(1, "t").rng();
        assert_eq!(choose(Expander::LeastWaste, &options, &mut rng), 2);
        assert_eq!(choose(Expander::LeastWaste, &options[..2], &mut rng), 0);
    }

    /// `most-pods` takes the option scheduling the most pods; `price` the cheapest per
    /// pod: 2 nodes at 1.0 for 4 pods (0.5) beat 1 node at 0.8 for 1 pod.
    #[test]
    fn most_pods_and_price_pick_their_best() {
        let mut a = option(0, 4000, 8000);
        a.estimate.nodes = 2;
        a.estimate.pods = (0..4).map(PodId).collect();
        a.price = 1.0;
        let mut b = option(1, 4000, 8000);
        b.price = 0.8;
        let mut rng = StreamKey::new(1, "t").rng();
        let options = [b, a];
        assert_eq!(choose(Expander::MostPods, &options, &mut rng), 1);
        assert_eq!(choose(Expander::Price, &options, &mut rng), 1);
    }

    /// `random` (and any tie) is a uniform draw: over 4000 draws among 4 options each is
    /// taken 1000 ± 4σ (σ = √(4000·¼·¾) ≈ 27.4) times.
    #[test]
    fn random_is_uniform() {
        let options: Vec<ScaleUpOption> = (0..4).map(|g| option(g, 4000, 8000)).collect();
        let mut rng = StreamKey::new(7, "t").rng();
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            counts[choose(Expander::Random, &options, &mut rng)] += 1;
        }
        for c in counts {
            assert!((f64::from(c) - 1000.0).abs() < 4.0 * 27.4, "{counts:?}");
        }
    }
}
