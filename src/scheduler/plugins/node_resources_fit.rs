//! NodeResourcesFit: the resource filter and the LeastAllocated scoring strategy
//! (`pkg/scheduler/framework/plugins/noderesources`, reference §1.1–§1.3).

use crate::cluster::exact_div::ExactDivisor;
use crate::cluster::node::NodeTable;

/// Kubernetes' `MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;

/// `leastRequestedScore`: the free fraction of one resource after placing the pod, in
/// 0..=100, floored; 0 when the pod would not fit or the node has none of it.
#[inline]
pub fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    ((capacity - requested) * MAX_NODE_SCORE) / capacity
}

/// [`least_requested_score`] with the capacity prepared as a divisor: no divide
/// instruction. Exact because validation caps amounts at 2^46, so the numerator stays
/// below 2^53.
#[inline(always)]
fn least_requested_score_fast(requested: i64, capacity: i64, divisor: ExactDivisor) -> i64 {
    let free = (capacity - requested).max(0) as u64;
    divisor.divide(free * MAX_NODE_SCORE as u64) as i64
}

/// LeastAllocated over weighted resources: `Σ score·w / Σ w` in integers, resources the node
/// lacks (allocatable 0) left out. `requested` already includes the pod.
pub fn least_allocated(requested: &[i64], allocatable: &[i64], weights: &[i64]) -> i64 {
    let mut score = 0;
    let mut weight_sum = 0;
    for ((&req, &alloc), &w) in requested.iter().zip(allocatable).zip(weights) {
        if alloc == 0 {
            continue;
        }
        score += least_requested_score(req, alloc) * w;
        weight_sum += w;
    }
    if weight_sum == 0 {
        0
    } else {
        score / weight_sum
    }
}

/// The default profile's LeastAllocated score (cpu and memory, weight 1 each) from one
/// node's allocatable, divisor and non-zero requested amounts.
#[inline(always)]
fn default_score(
    (cpu_alloc, cpu_used, cpu_div): (i64, i64, ExactDivisor),
    (mem_alloc, mem_used, mem_div): (i64, i64, ExactDivisor),
    pod_nonzero: [i64; 2],
) -> i64 {
    let cpu = least_requested_score_fast(cpu_used + pod_nonzero[0], cpu_alloc, cpu_div);
    let mem = least_requested_score_fast(mem_used + pod_nonzero[1], mem_alloc, mem_div);
    // Validation guarantees both allocatables are positive: the weight sum is 2.
    (cpu + mem) / 2
}

/// The default profile's LeastAllocated score of node `i` for a pod whose cpu and memory
/// requests with scoring defaults are `pod_nonzero`.
pub fn least_allocated_one(nodes: &NodeTable, i: usize, pod_nonzero: [i64; 2]) -> i64 {
    default_score(
        (nodes.alloc_cpu[i], nodes.nonzero_cpu[i], nodes.div_cpu[i]),
        (
            nodes.alloc_memory[i],
            nodes.nonzero_memory[i],
            nodes.div_memory[i],
        ),
        pod_nonzero,
    )
}

/// [`least_allocated_one`] for every node, written to `out` in node order: one pass over
/// contiguous arrays without branches. Nodes the pod does not fit get a meaningless
/// score; the caller filters.
pub fn least_allocated_all(nodes: &NodeTable, pod_nonzero: [i64; 2], out: &mut Vec<i64>) {
    out.clear();
    let cpu = nodes
        .alloc_cpu
        .iter()
        .zip(&nodes.nonzero_cpu)
        .zip(&nodes.div_cpu);
    let mem = nodes
        .alloc_memory
        .iter()
        .zip(&nodes.nonzero_memory)
        .zip(&nodes.div_memory);
    out.extend(cpu.zip(mem).map(|(((&ca, &cu), &cd), ((&ma, &mu), &md))| {
        default_score((ca, cu, cd), (ma, mu, md), pod_nonzero)
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `least_allocated_test.go` TestLeastAllocatedScoringStrategy (reference §1.3): the
    /// requested figures are node usage plus the pod, capacities in milliCPU and bytes.
    #[test]
    fn upstream_table() {
        let w = [1, 1];
        // "nothing scheduled, resources requested, differently sized nodes":
        // pod cpu 3000 mem 5000; node1 4000/10000, node2 6000/10000 -> 37, 50.
        assert_eq!(least_allocated(&[3000, 5000], &[4000, 10000], &w), 37);
        assert_eq!(least_allocated(&[3000, 5000], &[6000, 10000], &w), 50);
        // "no resources requested, pods scheduled with resources": the pod has no
        // containers (0 requests, no defaults); node1 holds (3000,0)x2, node2 (3000,0)+(3000,5000).
        assert_eq!(least_allocated(&[6000, 0], &[10000, 20000], &w), 70);
        assert_eq!(least_allocated(&[6000, 5000], &[10000, 20000], &w), 57);
        // "resources requested, pods scheduled with resources": pod 3000/5000.
        assert_eq!(least_allocated(&[6000, 5000], &[10000, 20000], &w), 57);
        assert_eq!(least_allocated(&[6000, 10000], &[10000, 20000], &w), 45);
        // "requested resources exceed node capacity": pod cpu 3000 mem 0.
        assert_eq!(least_allocated(&[6000, 0], &[4000, 10000], &w), 50);
        assert_eq!(least_allocated(&[6000, 5000], &[4000, 10000], &w), 25);
        // weights memory:2 cpu:1, pod 3000/5000 on 4000/10000 and 6000/10000 -> 41, 50.
        assert_eq!(least_allocated(&[3000, 5000], &[4000, 10000], &[1, 2]), 41);
        assert_eq!(least_allocated(&[3000, 5000], &[6000, 10000], &[1, 2]), 50);
        // "zero node resources" -> 0.
        assert_eq!(least_allocated(&[0, 0], &[0, 0], &w), 0);
    }

    #[test]
    fn hand_derived_cases() {
        // 64 cores, 256 GiB; 2 cores and 8 GiB requested: cpu (62000*100)/64000 = 96.875 -> 96,
        // memory (248*100)/256 = 96.875 -> 96; mean 96.
        let gib = 1i64 << 30;
        assert_eq!(
            least_allocated(&[2000, 8 * gib], &[64000, 256 * gib], &[1, 1]),
            96
        );
        // Exactly full: 0. One milli over: 0 (does not fit).
        assert_eq!(least_requested_score(1000, 1000), 0);
        assert_eq!(least_requested_score(1001, 1000), 0);
        // Empty: 100. One milli used of 3: (2*100)/3 = 66.
        assert_eq!(least_requested_score(0, 1000), 100);
        assert_eq!(least_requested_score(1, 3), 66);
        // Integer mean floors: cpu 37 (requested 63 of 100) and memory 100 -> 137/2 = 68.
        assert_eq!(least_allocated(&[63, 0], &[100, 100], &[1, 1]), 68);
    }

    /// The batch scorer equals the upstream formula node by node, including nodes the
    /// pod does not fit and amounts at the validation cap.
    #[test]
    fn batch_scores_match_the_reference() {
        use crate::cluster::ids::PoolId;
        use crate::cluster::node::NodeSpec;
        use crate::cluster::resources::{CPU, MEMORY, Resources};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let max = crate::scenario::limits::MAX_RESOURCE_AMOUNT;
        let mut nodes = NodeTable::default();
        for i in 0..5000 {
            let mut alloc = Resources::ZERO;
            alloc.0[CPU] = rng.random_range(1..=[100, 64_000, max][i % 3]);
            alloc.0[MEMORY] = rng.random_range(1..=[1000, 1 << 38, max][(i / 3) % 3]);
            let n = nodes.add(NodeSpec {
                name: format!("n{i}"),
                pool: PoolId(0),
                zone: 0,
                capacity: alloc,
                allocatable: alloc,
                max_pods: 110,
                labels: vec![],
                taints: vec![],
            });
            let mut used = Resources::ZERO;
            used.0[CPU] = rng.random_range(0..=alloc.0[CPU] + 10);
            used.0[MEMORY] = rng.random_range(0..=alloc.0[MEMORY]);
            nodes.add_pod(n, &used, [used.0[CPU], used.0[MEMORY]]);
        }
        let mut out = Vec::new();
        for pod in [
            [0, 0],
            [100, 200 << 20],
            [1, 1],
            [64_000, 1 << 38],
            [max, max],
        ] {
            least_allocated_all(&nodes, pod, &mut out);
            for (i, &got) in out.iter().enumerate() {
                let req = [
                    nodes.nonzero_cpu[i] + pod[0],
                    nodes.nonzero_memory[i] + pod[1],
                ];
                let alloc = [nodes.alloc_cpu[i], nodes.alloc_memory[i]];
                let want = least_allocated(&req, &alloc, &[1, 1]);
                assert_eq!(got, want, "node {i} pod {pod:?}");
                assert_eq!(least_allocated_one(&nodes, i, pod), want);
            }
        }
    }
}
