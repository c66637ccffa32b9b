//! DefaultPreemption: when a pod fits nowhere, find a node where evicting lower-priority
//! pods makes room, choosing victims and node by upstream's criteria (reference §5).
//!
//! Victims are chosen for the resources and pod slots they free. The other filters are
//! evaluated on the node as it is, so a node the pod could only use once a victim's host
//! port, spread count or anti-affinity went away is not a candidate (upstream re-runs
//! every filter on the node without the victims). Pods already terminating are not
//! victims again; their resources count as freed, since they are on their way out.

use super::framework::{PodCtx, Profile};
use crate::cluster::ClusterState;
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::pod::PreemptionPolicy;
use crate::cluster::resources::{MAX_RESOURCES, Resources};
use crate::engine::rng::StreamRng;
use rand::Rng;
use std::cmp::Ordering;

/// `MinCandidateNodesPercentage`.
const MIN_CANDIDATE_PERCENTAGE: usize = 10;
/// `MinCandidateNodesAbsolute`.
const MIN_CANDIDATE_ABSOLUTE: usize = 100;

/// One candidate: a node and the pods to evict from it, most important first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The node.
    pub node: NodeId,
    /// Victims, most important first.
    pub victims: Vec<PodId>,
    /// Victims whose eviction breaks a PodDisruptionBudget (none until PDBs exist).
    pub pdb_violations: u32,
}

/// Upstream's `MoreImportantPod`: higher priority first, then the earlier start.
fn more_important(c: &ClusterState, a: PodId, b: PodId) -> Ordering {
    let (pa, pb) = (&c.pods[a.index()], &c.pods[b.index()]);
    pb.priority
        .cmp(&pa.priority)
        .then(
            pa.started
                .unwrap_or(u64::MAX)
                .cmp(&pb.started.unwrap_or(u64::MAX)),
        )
        .then(a.cmp(&b))
}

/// Whether `pod` may preempt at all: not with `preemptionPolicy: Never`, and not while the
/// node it was nominated to still has victims terminating for it.
pub fn eligible(cluster: &ClusterState, pod: PodId) -> bool {
    let p = &cluster.pods[pod.index()];
    let t = &cluster.templates[p.template as usize];
    if t.preemption_policy == PreemptionPolicy::Never {
        return false;
    }
    match p.nominated_node {
        Some(n) => !cluster.nodes.pods[n.index()].iter().any(|&q| {
            let v = &cluster.pods[q.index()];
            v.terminating && v.priority < p.priority
        }),
        None => true,
    }
}

/// Victims on node `i` for `pod`, or `None` if evicting every lower-priority pod would
/// still not make room (`SelectVictimsOnNode`, resources and pod slots).
pub fn select_victims(cluster: &ClusterState, pod: PodId, i: usize) -> Option<Vec<PodId>> {
    let nodes = &cluster.nodes;
    let p = &cluster.pods[pod.index()];
    let mut free = nodes.allocatable[i];
    for r in 0..MAX_RESOURCES {
        free.0[r] -= nodes.requested[i].0[r];
    }
    let mut slots = i64::from(nodes.max_pods[i]) - i64::from(nodes.pod_count[i]);
    let mut potential = Vec::new();
    for &q in &nodes.pods[i] {
        let v = &cluster.pods[q.index()];
        if v.terminating {
            free += v.requests;
            slots += 1;
        } else if v.priority < p.priority {
            potential.push(q);
        }
    }
    if potential.is_empty() {
        return None;
    }
    let fits = |free: &Resources, slots: i64| {
        slots >= 1 && (0..MAX_RESOURCES).all(|r| p.requests.0[r] <= free.0[r])
    };
    for &q in &potential {
        free += cluster.pods[q.index()].requests;
        slots += 1;
    }
    if !fits(&free, slots) {
        return None;
    }
    potential.sort_by(|&a, &b| more_important(cluster, a, b));
    // Reprieve as many as possible, most important first.
    let mut victims = Vec::new();
    for q in potential {
        let req = cluster.pods[q.index()].requests;
        let mut without = free;
        for r in 0..MAX_RESOURCES {
            without.0[r] -= req.0[r];
        }
        if fits(&without, slots - 1) {
            free = without;
            slots -= 1;
        } else {
            victims.push(q);
        }
    }
    Some(victims)
}

/// `pickOneNodeForPreemption`: fewest PDB violations, then the lowest highest victim
/// priority, the lowest sum of priorities, the fewest victims, the latest start among the
/// most important victims; else the first candidate.
pub fn pick(cluster: &ClusterState, candidates: &[Candidate]) -> Option<usize> {
    let prio = |q: &PodId| i64::from(cluster.pods[q.index()].priority);
    let highest = |c: &Candidate| c.victims.first().map_or(i64::MIN, prio);
    // Each priority shifted by MaxInt32 + 1, so negative priorities still add up upwards.
    let sum = |c: &Candidate| {
        c.victims
            .iter()
            .map(|q| prio(q) + i64::from(i32::MAX) + 1)
            .sum::<i64>()
    };
    // The earliest start among the victims of the highest priority; later is better.
    let earliest_start = |c: &Candidate| {
        let top = highest(c);
        c.victims
            .iter()
            .filter(|q| prio(q) == top)
            .map(|q| cluster.pods[q.index()].started.unwrap_or(u64::MAX))
            .min()
            .unwrap_or(u64::MAX)
    };
    let mut best: Vec<usize> = (0..candidates.len()).collect();
    let keep_min = |best: &mut Vec<usize>, key: &dyn Fn(&Candidate) -> i128| {
        let m = best.iter().map(|&k| key(&candidates[k])).min();
        if let Some(m) = m {
            best.retain(|&k| key(&candidates[k]) == m);
        }
    };
    keep_min(&mut best, &|c| i128::from(c.pdb_violations));
    keep_min(&mut best, &|c| i128::from(highest(c)));
    keep_min(&mut best, &|c| i128::from(sum(c)));
    keep_min(&mut best, &|c| c.victims.len() as i128);
    keep_min(&mut best, &|c| -i128::from(earliest_start(c)));
    best.first().copied()
}

/// Runs preemption for `pod`, which no node accepts under `profile`: the node to
/// nominate and the victims to evict there.
pub fn find(
    cluster: &ClusterState,
    profile: &mut Profile,
    pod: PodId,
    rng: &mut StreamRng,
) -> Option<(NodeId, Vec<PodId>)> {
    if !eligible(cluster, pod) {
        return None;
    }
    let p = &cluster.pods[pod.index()];
    // No pod can have a lower priority than every template's: skip the dry run.
    let n = cluster.nodes.len();
    let lowest = cluster.templates.iter().map(|t| t.priority).min();
    if n == 0 || p.priority <= lowest.unwrap_or(i32::MAX) {
        return None;
    }
    let want = (n * MIN_CANDIDATE_PERCENTAGE / 100)
        .max(MIN_CANDIDATE_ABSOLUTE)
        .min(n);
    let offset = rng.random_range(0..n);
    let cx = PodCtx::new(cluster, pod);
    profile.prepare(&cx);
    let mut candidates = Vec::new();
    for k in 0..n {
        let i = (offset + k) % n;
        if !cluster.nodes.ready[i] || !profile.passes_non_resource(&cx, i) {
            continue;
        }
        if let Some(victims) = select_victims(cluster, pod, i) {
            candidates.push(Candidate {
                node: NodeId(i as u32),
                victims,
                pdb_violations: 0,
            });
            if candidates.len() >= want {
                break;
            }
        }
    }
    let k = pick(cluster, &candidates)?;
    let c = candidates.swap_remove(k);
    Some((c.node, c.victims))
}
