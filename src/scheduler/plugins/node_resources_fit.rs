//! NodeResourcesFit: the resource filter and the scoring strategies LeastAllocated,
//! MostAllocated and RequestedToCapacityRatio
//! (`pkg/scheduler/framework/plugins/noderesources`, reference §1).

use crate::cluster::exact_div::ExactDivisor;
use crate::cluster::ids::NodeId;
use crate::cluster::node::{Lack, NodeTable};
use crate::cluster::resources::{CPU, EPHEMERAL_STORAGE, MAX_RESOURCES, MEMORY, Resources};
use crate::scheduler::config::{FrameworkConfig, ScoringStrategy};
use crate::scheduler::framework::{FilterPlugin, PodCtx, ScorePlugin};
use crate::scheduler::score_cache::ScoreCache;

pub use crate::scheduler::framework::MAX_NODE_SCORE;

/// Kubernetes' `MaxCustomPriorityScore`: RequestedToCapacityRatio shape scores are 0..=10.
pub const MAX_CUSTOM_PRIORITY_SCORE: i64 = 10;

/// `leastRequestedScore`: the free fraction of one resource after placing the pod, in
/// 0..=100, floored; 0 when the pod would not fit or the node has none of it.
#[inline]
pub fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    ((capacity - requested) * MAX_NODE_SCORE) / capacity
}

/// `mostRequestedScore`: the used fraction after placing the pod, 0..=100, floored, with
/// requests beyond capacity clamped (since v1.22).
#[inline]
pub fn most_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    (requested.min(capacity) * MAX_NODE_SCORE) / capacity
}

/// `BuildBrokenLinearFunction` over `(utilization, score)` points, integer division.
pub fn broken_linear(shape: &[(i64, i64)], p: i64) -> i64 {
    for (i, &(u, s)) in shape.iter().enumerate() {
        if p <= u {
            if i == 0 {
                return s;
            }
            let (u0, s0) = shape[i - 1];
            return s0 + (s - s0) * (p - u0) / (u - u0);
        }
    }
    shape.last().map_or(0, |&(_, s)| s)
}

/// RequestedToCapacityRatio's per-resource score with the shape already scaled to 0..=100.
pub fn rtcr_resource_score(scaled: &[(i64, i64)], requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return broken_linear(scaled, MAX_NODE_SCORE);
    }
    // 128-bit intermediate as upstream, so large byte counts cannot overflow.
    let util = (i128::from(requested) * i128::from(MAX_NODE_SCORE) / i128::from(capacity)) as i64;
    broken_linear(scaled, util)
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
    weighted_mean(requested, allocatable, weights, least_requested_score)
}

/// MostAllocated over weighted resources, as [`least_allocated`].
pub fn most_allocated(requested: &[i64], allocatable: &[i64], weights: &[i64]) -> i64 {
    weighted_mean(requested, allocatable, weights, most_requested_score)
}

fn weighted_mean(
    requested: &[i64],
    allocatable: &[i64],
    weights: &[i64],
    score: fn(i64, i64) -> i64,
) -> i64 {
    let mut total = 0;
    let mut weight_sum = 0;
    for ((&req, &alloc), &w) in requested.iter().zip(allocatable).zip(weights) {
        if alloc == 0 {
            continue;
        }
        total += score(req, alloc) * w;
        weight_sum += w;
    }
    if weight_sum == 0 {
        0
    } else {
        total / weight_sum
    }
}

/// RequestedToCapacityRatio over weighted resources: resources scoring 0 are left out of
/// the mean, which is rounded half away from zero. `shape` is in 0..=10 score units.
pub fn requested_to_capacity_ratio(
    shape: &[(i64, i64)],
    requested: &[i64],
    allocatable: &[i64],
    weights: &[i64],
) -> i64 {
    let scaled: Vec<(i64, i64)> = shape
        .iter()
        .map(|&(u, s)| (u, s * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE)))
        .collect();
    rtcr_scaled(&scaled, requested, allocatable, weights)
}

fn rtcr_scaled(
    scaled: &[(i64, i64)],
    requested: &[i64],
    allocatable: &[i64],
    weights: &[i64],
) -> i64 {
    let mut total = 0;
    let mut weight_sum = 0;
    for ((&req, &alloc), &w) in requested.iter().zip(allocatable).zip(weights) {
        if alloc == 0 {
            continue;
        }
        let s = rtcr_resource_score(scaled, req, alloc);
        if s > 0 {
            total += s * w;
            weight_sum += w;
        }
    }
    if weight_sum == 0 {
        0
    } else {
        (total as f64 / weight_sum as f64).round() as i64
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

/// The filter: every requested resource fits the node's free allocatable, and the node
/// has room for one more pod. A zero request always fits.
#[derive(Debug, Default)]
pub struct Fit {
    cpu: i64,
    memory: i64,
    /// Requested slots other than cpu and memory (rare: ephemeral storage, GPUs).
    others: Vec<(usize, i64)>,
    /// Some pod is nominated somewhere: nodes with nominations hold back the requests of
    /// those of equal or higher priority (upstream's `RunFilterPluginsWithNominatedPods`).
    nominations: bool,
}

impl Fit {
    /// The requests and pod slots held back on node `i` for pods nominated there with at
    /// least this pod's priority (other than the pod itself).
    fn reserved(&self, cx: &PodCtx, i: usize) -> (Resources, u32) {
        let mut held = Resources::ZERO;
        let mut pods = 0;
        for &q in &cx.cluster.nodes.nominated[i] {
            let p = &cx.cluster.pods[q.index()];
            if q != cx.id && p.priority >= cx.pod.priority {
                held += p.requests;
                pods += 1;
            }
        }
        (held, pods)
    }

    /// Whether the pod fits node `i` with its nominated pods' room held back.
    fn fits_beside_nominated(&self, cx: &PodCtx, i: usize) -> bool {
        let (held, pods) = self.reserved(cx, i);
        pods == 0
            || cx
                .cluster
                .nodes
                .shortfalls_reserved(NodeId(i as u32), &cx.pod.requests, held, pods)
                .next()
                .is_none()
    }
}

impl FilterPlugin for Fit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn pre_filter(&mut self, cx: &PodCtx) -> bool {
        let r = &cx.pod.requests.0;
        self.cpu = r[CPU];
        self.memory = r[MEMORY];
        self.others.clear();
        self.others.extend(
            (0..MAX_RESOURCES)
                .filter(|&s| s != CPU && s != MEMORY && r[s] > 0)
                .map(|s| (s, r[s])),
        );
        self.nominations = cx.cluster.nodes.nominated_total > 0;
        true
    }

    #[inline]
    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        let n = &cx.cluster.nodes;
        // `&` rather than `&&`: cheap checks without branches keep the loop predictable.
        let cheap = (n.pod_count[i] < n.max_pods[i])
            & (self.cpu <= n.free_cpu[i])
            & (self.memory <= n.free_memory[i]);
        cheap
            && self
                .others
                .iter()
                .all(|&(s, want)| want <= n.allocatable[i].0[s] - n.requested[i].0[s])
            && (!self.nominations || n.nominated[i].is_empty() || self.fits_beside_nominated(cx, i))
    }

    fn filter(&self, cx: &PodCtx, nodes: &mut Vec<u32>) {
        let n = &cx.cluster.nodes;
        if self.others.is_empty() && !self.nominations {
            nodes.retain(|&i| {
                let i = i as usize;
                (n.pod_count[i] < n.max_pods[i])
                    & (self.cpu <= n.free_cpu[i])
                    & (self.memory <= n.free_memory[i])
            });
        } else {
            nodes.retain(|&i| self.passes(cx, i as usize));
        }
    }

    fn select(&self, cx: &PodCtx, range: std::ops::Range<usize>, out: &mut Vec<u32>) {
        let n = &cx.cluster.nodes;
        if !self.others.is_empty() || self.nominations {
            out.extend(
                range
                    .filter(|&i| n.ready[i] && self.passes(cx, i))
                    .map(|i| i as u32),
            );
            return;
        }
        for i in range {
            if n.ready[i]
                & (n.pod_count[i] < n.max_pods[i])
                & (self.cpu <= n.free_cpu[i])
                & (self.memory <= n.free_memory[i])
            {
                out.push(i as u32);
            }
        }
    }

    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>) {
        let c = cx.cluster;
        let (held, pods) = self.reserved(cx, i);
        for lack in c
            .nodes
            .shortfalls_reserved(NodeId(i as u32), &cx.pod.requests, held, pods)
        {
            out.push(match lack {
                Lack::Pods => "Too many pods".to_string(),
                Lack::Resource(r) => format!("Insufficient {}", c.resources.name(r)),
            });
        }
    }

    fn resolvable(&self) -> bool {
        true
    }
}

/// The scoring strategy, with the resources it weighs.
pub struct FitScore {
    strategy: ScoringStrategy,
    /// The shape scaled to 0..=100 (RequestedToCapacityRatio only).
    scaled: Vec<(i64, i64)>,
    slots: Vec<usize>,
    weights: Vec<i64>,
    /// The default configuration (LeastAllocated, cpu 1, memory 1) reads cached scores.
    default: bool,
    cache: ScoreCache,
    req: Vec<i64>,
    alloc: Vec<i64>,
    w: Vec<i64>,
}

impl FitScore {
    /// The score plugin `config` configures.
    pub fn new(config: &FrameworkConfig) -> FitScore {
        let scaled = match &config.strategy {
            ScoringStrategy::RequestedToCapacityRatio(shape) => shape
                .iter()
                .map(|&(u, s)| (u, s * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE)))
                .collect(),
            _ => Vec::new(),
        };
        FitScore {
            default: config.strategy == ScoringStrategy::LeastAllocated
                && config.fit_resources == [(CPU, 1), (MEMORY, 1)],
            strategy: config.strategy.clone(),
            scaled,
            slots: config.fit_resources.iter().map(|&(s, _)| s).collect(),
            weights: config.fit_resources.iter().map(|&(_, w)| w).collect(),
            cache: ScoreCache::new(least_allocated_one, least_allocated_all),
            req: Vec::new(),
            alloc: Vec::new(),
            w: Vec::new(),
        }
    }

    /// One node's score: each configured resource's requested amount after placing the
    /// pod (non-zero defaults for cpu and memory; extended resources only if the pod asks
    /// for them) against its allocatable.
    fn node_score(&mut self, cx: &PodCtx, i: usize) -> i64 {
        let n = &cx.cluster.nodes;
        let pod = cx.pod;
        self.req.clear();
        self.alloc.clear();
        self.w.clear();
        for (&s, &w) in self.slots.iter().zip(&self.weights) {
            let requested = match s {
                CPU => n.nonzero_cpu[i] + pod.nonzero_requests[0],
                MEMORY => n.nonzero_memory[i] + pod.nonzero_requests[1],
                EPHEMERAL_STORAGE => n.requested[i].0[s] + pod.requests.0[s],
                _ if pod.requests.0[s] == 0 => continue,
                _ => n.requested[i].0[s] + pod.requests.0[s],
            };
            self.req.push(requested);
            self.alloc.push(n.allocatable[i].0[s]);
            self.w.push(w);
        }
        match self.strategy {
            ScoringStrategy::LeastAllocated => least_allocated(&self.req, &self.alloc, &self.w),
            ScoringStrategy::MostAllocated => most_allocated(&self.req, &self.alloc, &self.w),
            ScoringStrategy::RequestedToCapacityRatio(_) => {
                rtcr_scaled(&self.scaled, &self.req, &self.alloc, &self.w)
            }
        }
    }
}

impl ScorePlugin for FitScore {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn pre_score(&mut self, _cx: &PodCtx, _feasible: &[u32]) -> bool {
        true
    }

    fn score(&mut self, cx: &PodCtx, feasible: &[u32], out: &mut [i64]) {
        if self.default {
            let all = self
                .cache
                .scores(&cx.cluster.nodes, cx.pod.nonzero_requests);
            for (o, &i) in out.iter_mut().zip(feasible) {
                *o = all[i as usize];
            }
        } else {
            for (o, &i) in out.iter_mut().zip(feasible) {
                *o = self.node_score(cx, i as usize);
            }
        }
    }
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

    /// MostAllocated (reference §1.4): pod 3000m/5000 on empty 4000/10000 and 6000/10000
    /// nodes gives (75+50)/2 = 62 and (50+50)/2 = 50; requests beyond capacity clamp.
    #[test]
    fn most_allocated_cases() {
        let w = [1, 1];
        assert_eq!(most_allocated(&[3000, 5000], &[4000, 10000], &w), 62);
        assert_eq!(most_allocated(&[3000, 5000], &[6000, 10000], &w), 50);
        assert_eq!(most_requested_score(6000, 4000), 100);
        assert_eq!(most_requested_score(1, 0), 0);
        // Hand-derived: 1 of 3 -> 33; weights cpu 1, memory 3: (33 + 3*100)/4 = 83.
        assert_eq!(most_allocated(&[1, 7], &[3, 7], &[1, 3]), 83);
    }

    /// `TestBrokenLinearFunction` (reference §1.5).
    #[test]
    fn broken_linear_function_table() {
        let a = [(10, 1), (90, 9)];
        for (p, want) in [
            (-10, 1),
            (0, 1),
            (9, 1),
            (10, 1),
            (15, 1),
            (19, 1),
            (20, 2),
            (89, 8),
            (90, 9),
            (99, 9),
            (100, 9),
            (110, 9),
        ] {
            assert_eq!(broken_linear(&a, p), want, "p={p}");
        }
        let b = [(0, 2), (40, 10), (100, 0)];
        for (p, want) in [
            (-10, 2),
            (0, 2),
            (20, 6),
            (30, 8),
            (40, 10),
            (70, 5),
            (100, 0),
            (110, 0),
        ] {
            assert_eq!(broken_linear(&b, p), want, "p={p}");
        }
    }

    /// `TestRequestedToCapacityRatioScoringStrategy` and the bin-packing tables
    /// (reference §1.5).
    #[test]
    fn requested_to_capacity_ratio_tables() {
        let least_like = [(0, 10), (100, 0)];
        let w = [1, 1];
        // Pod 3000m/5000 on 4000/10000 and 6000/10000: 38 (round 37.5), 50.
        assert_eq!(
            requested_to_capacity_ratio(&least_like, &[3000, 5000], &[4000, 10000], &w),
            38
        );
        assert_eq!(
            requested_to_capacity_ratio(&least_like, &[3000, 5000], &[6000, 10000], &w),
            50
        );
        // Nothing requested: 100 on both.
        assert_eq!(
            requested_to_capacity_ratio(&least_like, &[0, 0], &[4000, 10000], &w),
            100
        );
        // Single extended resource foo, shape (0,0),(100,1): node1 foo=8, node2 foo=4.
        let pack = [(0, 0), (100, 1)];
        assert_eq!(requested_to_capacity_ratio(&pack, &[2], &[8], &[1]), 2);
        assert_eq!(requested_to_capacity_ratio(&pack, &[2], &[4], &[1]), 5);
        assert_eq!(requested_to_capacity_ratio(&pack, &[4], &[4], &[1]), 10);
        assert_eq!(requested_to_capacity_ratio(&pack, &[4], &[8], &[1]), 5);
        // Multiple extended: foo weight 3, bar weight 5; node1 foo=8 bar=4, node2 foo=4
        // bar=8; pod foo=2 bar=2 -> 4, 3.
        assert_eq!(
            requested_to_capacity_ratio(&pack, &[2, 2], &[8, 4], &[3, 5]),
            4
        );
        assert_eq!(
            requested_to_capacity_ratio(&pack, &[2, 2], &[4, 8], &[3, 5]),
            3
        );
    }

    /// A pod nominated by a preemption holds its room on the node against pods of equal
    /// or lower priority (upstream filters with nominated pods added), not against itself
    /// or higher-priority pods; the reason names what is short.
    #[test]
    fn nominated_pods_hold_their_room() {
        use crate::scheduler::config::ProfileConfig;
        use crate::scheduler::framework::Profile;
        use crate::scheduler::testkit::{Kit, rng, template};
        let mut kit = Kit::new();
        let (low, high, top) = (
            kit.template(template(0)),
            kit.template(template(1000)),
            kit.template(template(2000)),
        );
        let n = kit.node(1000, 1 << 30);
        let preemptor = kit.pending(high, 1000, 0);
        kit.cluster.nominate(preemptor, n);
        let small = kit.pending(low, 500, 0);
        let peer = kit.pending(high, 500, 0);
        let urgent = kit.pending(top, 500, 0);
        let mut profile = Profile::new(&ProfileConfig::default(), None);
        let mut r = rng();
        assert_eq!(profile.schedule(&kit.cluster, small, &mut r), None);
        assert_eq!(profile.schedule(&kit.cluster, peer, &mut r), None);
        assert_eq!(profile.schedule(&kit.cluster, urgent, &mut r), Some(n));
        assert_eq!(profile.schedule(&kit.cluster, preemptor, &mut r), Some(n));
        assert_eq!(
            profile
                .diagnose(&kit.cluster, small)
                .get("Insufficient cpu"),
            Some(&1)
        );
        // Bound, the preemptor no longer holds a nomination.
        kit.cluster.bind(preemptor, n, 0);
        assert_eq!(kit.cluster.nodes.nominated_total, 0);
        assert_eq!(kit.cluster.check_invariants(), Ok(()));
    }
}
