//! Cached scores per pod shape (LeastAllocated, BalancedAllocation).
//!
//! A node's score depends only on its requested amounts and the pod's cpu and memory
//! requests, and between two pods of the same shape only a few nodes change. So each
//! recent shape keeps a score per node and replays the node table's change log to update
//! just the nodes that changed: the scores are exactly those a full rescore would give.

use crate::cluster::node::NodeTable;

/// One node's score for a pod shape.
pub type ScoreOne = fn(&NodeTable, usize, [i64; 2]) -> i64;
/// Every node's score for a pod shape, in node order.
pub type ScoreAll = fn(&NodeTable, [i64; 2], &mut Vec<i64>);

/// Shapes kept; the least recently used one is replaced.
const MAX_SHAPES: usize = 16;

#[derive(Debug)]
struct Entry {
    shape: [i64; 2],
    scores: Vec<i64>,
    /// The node table's `changes_end()` when `scores` were last brought up to date.
    synced: u64,
    last_used: u64,
}

/// Scores of recent pod shapes.
#[derive(Debug)]
pub struct ScoreCache {
    entries: Vec<Entry>,
    clock: u64,
    one: ScoreOne,
    all: ScoreAll,
}

impl ScoreCache {
    /// A cache of the scores `one` gives (`all` gives the same for every node at once).
    pub fn new(one: ScoreOne, all: ScoreAll) -> ScoreCache {
        ScoreCache {
            entries: Vec::new(),
            clock: 0,
            one,
            all,
        }
    }

    /// Every node's score for a pod of `shape`, up to date with `nodes`.
    pub fn scores(&mut self, nodes: &NodeTable, shape: [i64; 2]) -> &[i64] {
        self.clock += 1;
        let idx = match self.entries.iter().position(|e| e.shape == shape) {
            Some(i) => i,
            None if self.entries.len() < MAX_SHAPES => {
                self.entries.push(Entry {
                    shape,
                    scores: Vec::new(),
                    synced: 0,
                    last_used: 0,
                });
                self.entries.len() - 1
            }
            None => {
                let (i, _) = self
                    .entries
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.last_used)
                    .unwrap_or((0, &self.entries[0]));
                self.entries[i] = Entry {
                    shape,
                    scores: Vec::new(),
                    synced: 0,
                    last_used: 0,
                };
                i
            }
        };
        let e = &mut self.entries[idx];
        e.last_used = self.clock;
        if e.scores.len() != nodes.len() || e.synced < nodes.changes_base {
            (self.all)(nodes, shape, &mut e.scores);
        } else {
            let from = (e.synced - nodes.changes_base) as usize;
            for &n in &nodes.changes[from..] {
                e.scores[n as usize] = (self.one)(nodes, n as usize, shape);
            }
        }
        e.synced = nodes.changes_end();
        &e.scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ids::{NodeId, PoolId};
    use crate::cluster::node::NodeSpec;
    use crate::cluster::resources::{CPU, MEMORY, Resources};
    use crate::scheduler::plugins::node_resources_fit as fit;
    use rand::{Rng, SeedableRng};

    /// Against a full rescore after every change, through log truncation and eviction.
    #[test]
    fn cached_scores_equal_a_full_rescore() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let mut nodes = NodeTable::default();
        for i in 0..40 {
            let mut a = Resources::ZERO;
            a.0[CPU] = 4000 + 1000 * (i % 5);
            a.0[MEMORY] = 1 << (30 + i % 3);
            nodes.add(NodeSpec {
                name: format!("n{i}"),
                pool: PoolId(0),
                zone: 0,
                capacity: a,
                allocatable: a,
                max_pods: 110,
                labels: vec![],
                taints: vec![],
            });
        }
        let shapes: Vec<[i64; 2]> = (0..24).map(|k| [100 * (k + 1), (k + 1) << 26]).collect();
        let mut cache = ScoreCache::new(fit::least_allocated_one, fit::least_allocated_all);
        let mut placed: Vec<(NodeId, Resources, [i64; 2])> = Vec::new();
        let mut full = Vec::new();
        for step in 0..20_000 {
            if placed.is_empty() || rng.random_bool(0.55) {
                let n = NodeId(rng.random_range(0..40));
                let mut r = Resources::ZERO;
                r.0[CPU] = rng.random_range(0..500);
                r.0[MEMORY] = rng.random_range(0..1 << 27);
                let nz = [r.0[CPU].max(100), r.0[MEMORY]];
                nodes.add_pod(n, &r, nz);
                placed.push((n, r, nz));
            } else {
                let (n, r, nz) = placed.swap_remove(rng.random_range(0..placed.len()));
                nodes.remove_pod(n, &r, nz);
            }
            // Skewed shape choice so some shapes go stale for long and others get evicted.
            let shape = shapes[(rng.random_range(0..24usize) * rng.random_range(0..24usize)) / 24];
            fit::least_allocated_all(&nodes, shape, &mut full);
            assert_eq!(cache.scores(&nodes, shape), full.as_slice(), "step {step}");
        }
    }
}
