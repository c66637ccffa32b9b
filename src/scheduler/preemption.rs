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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::config::ProfileConfig;
    use crate::scheduler::testkit::{Kit, rng, template};

    // `default_preemption_test.go` priorities and resources (reference §5).
    const NEG: i32 = -100;
    const LOW: i32 = 0;
    const MID: i32 = 100;
    const HIGH: i32 = 1000;
    const SMALL: i64 = 100;
    const MEDIUM: i64 = 200;
    const LARGE: i64 = 300;
    const VERY_LARGE: i64 = 500;

    /// Builds the upstream setup: every node has capacity veryLarge, the preemptor
    /// requests veryLarge, so every lower-priority pod on the chosen node is a victim.
    /// `nodes[k]` lists `(priority, size, start)` of the pods on node k+1. Returns the
    /// chosen node (1-based) and its victims' priorities.
    fn best(nodes: &[&[(i32, i64, u64)]]) -> (usize, Vec<i32>) {
        let mut kit = Kit::new();
        let prio_templates: Vec<u32> = [NEG, LOW, MID, HIGH]
            .iter()
            .map(|&p| kit.template(template(p)))
            .collect();
        let t_of = |p: i32| {
            prio_templates[[NEG, LOW, MID, HIGH]
                .iter()
                .position(|&x| x == p)
                .unwrap_or(0)]
        };
        for pods in nodes {
            let n = kit.node(VERY_LARGE, VERY_LARGE);
            for &(p, size, start) in pods.iter() {
                kit.running(n, t_of(p), size, size, start);
            }
        }
        let preemptor = kit.pending(t_of(HIGH), VERY_LARGE, VERY_LARGE);
        let mut profile = Profile::new(&ProfileConfig::default(), None);
        let (node, victims) =
            find(&kit.cluster, &mut profile, preemptor, &mut rng()).expect("a candidate");
        let prios = victims
            .iter()
            .map(|v| kit.cluster.pods[v.index()].priority)
            .collect();
        (node.index() + 1, prios)
    }

    /// `TestSelectBestCandidate` (reference §5).
    #[test]
    fn upstream_select_best_candidate_table() {
        // "node with min highest priority pod is picked".
        let (n, _) = best(&[
            &[(MID, MEDIUM, 0), (MID, LARGE, 0)],
            &[(MID, MEDIUM, 0), (LOW, MEDIUM, 0)],
            &[(LOW, MEDIUM, 0), (LOW, MEDIUM, 0)],
        ]);
        assert_eq!(n, 3);
        // "when highest priorities are the same, minimum sum of priorities is picked".
        let (n, _) = best(&[
            &[(MID, MEDIUM, 0), (MID, MEDIUM, 0)],
            &[(MID, MEDIUM, 0), (LOW, MEDIUM, 0)],
            &[(MID, MEDIUM, 0), (MID, MEDIUM, 0)],
        ]);
        assert_eq!(n, 2);
        // "when highest priority and sum are the same, minimum number of pods is picked"
        // (the shifted sums already differ: 4, 2 and 3 shifted priorities).
        let (n, _) = best(&[
            &[
                (MID, SMALL, 0),
                (NEG, SMALL, 0),
                (MID, SMALL, 0),
                (NEG, SMALL, 0),
            ],
            &[(MID, LARGE, 0), (NEG, MEDIUM, 0)],
            &[(MID, SMALL, 0), (NEG, SMALL, 0), (LOW, SMALL, 0)],
        ]);
        assert_eq!(n, 2);
        // "sum of adjusted priorities is considered".
        let (n, _) = best(&[
            &[(MID, SMALL, 0), (NEG, SMALL, 0), (NEG, SMALL, 0)],
            &[(MID, SMALL, 0), (NEG, SMALL, 0)],
            &[(MID, SMALL, 0), (NEG, SMALL, 0), (LOW, SMALL, 0)],
        ]);
        assert_eq!(n, 2);
        // "same priority, same number of victims, different start time for each node's
        // pod": the most recently started victims are preferred.
        let (n, _) = best(&[
            &[(MID, MEDIUM, 2), (MID, MEDIUM, 2)],
            &[(MID, MEDIUM, 3), (MID, MEDIUM, 3)],
            &[(MID, MEDIUM, 1), (MID, MEDIUM, 1)],
        ]);
        assert_eq!(n, 2);
    }

    /// Hand-derived: the most important pods are reprieved first, so a node with a mid
    /// and a low pod, where the preemptor needs only one pod's room, loses the low one.
    #[test]
    fn reprieves_the_most_important_victims() {
        let mut kit = Kit::new();
        let (low, mid, high) = (
            kit.template(template(LOW)),
            kit.template(template(MID)),
            kit.template(template(HIGH)),
        );
        let n = kit.node(VERY_LARGE, VERY_LARGE);
        kit.running(n, mid, MEDIUM, MEDIUM, 0);
        let low_pod = kit.running(n, low, MEDIUM, MEDIUM, 0);
        let p = kit.pending(high, LARGE, LARGE);
        assert_eq!(select_victims(&kit.cluster, p, 0), Some(vec![low_pod]));
        // Nothing of lower priority to evict: no candidate.
        let q = kit.pending(low, LARGE, LARGE);
        assert_eq!(select_victims(&kit.cluster, q, 0), None);
    }

    /// `TestPodEligibleToPreemptOthers`: `preemptionPolicy: Never` does not preempt, nor
    /// does a pod whose nominated node still has its victims terminating.
    #[test]
    fn eligibility() {
        let mut kit = Kit::new();
        let never = kit.template(crate::cluster::pod::PodTemplate {
            preemption_policy: PreemptionPolicy::Never,
            ..template(HIGH)
        });
        let (low, high) = (kit.template(template(LOW)), kit.template(template(HIGH)));
        let n = kit.node(VERY_LARGE, VERY_LARGE);
        let victim = kit.running(n, low, VERY_LARGE, VERY_LARGE, 0);
        let p = kit.pending(never, SMALL, SMALL);
        assert!(!eligible(&kit.cluster, p));
        let q = kit.pending(high, SMALL, SMALL);
        assert!(eligible(&kit.cluster, q));
        kit.cluster.pods[q.index()].nominated_node = Some(n);
        kit.cluster.pods[victim.index()].terminating = true;
        assert!(!eligible(&kit.cluster, q));
        // A terminating pod that is not lower priority does not block it.
        kit.cluster.pods[victim.index()].priority = HIGH;
        assert!(eligible(&kit.cluster, q));
    }
}
