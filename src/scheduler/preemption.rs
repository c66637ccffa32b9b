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
use crate::cluster::disruption::{pdb_of, status};
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
    /// Victims whose eviction breaks a PodDisruptionBudget.
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

/// Victims on node `i` for `pod`, with how many of them break their disruption budget,
/// or `None` if evicting every lower-priority pod would still not make room
/// (`SelectVictimsOnNode`, resources and pod slots). `allowed` holds each budget's
/// `disruptionsAllowed`.
pub fn select_victims(
    cluster: &ClusterState,
    pod: PodId,
    i: usize,
    allowed: &[u32],
) -> Option<(Vec<PodId>, u32)> {
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
    let (violating, rest) = split_by_pdb(cluster, &potential, allowed);
    // Reprieve as many as possible: budget-violating pods first, then the others, each
    // group most important first.
    let mut victims = Vec::new();
    let mut violations = 0;
    let order = violating.iter().map(|&q| (q, true));
    for (q, violates) in order.chain(rest.iter().map(|&q| (q, false))) {
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
            violations += u32::from(violates);
        }
    }
    if !violating.is_empty() && !rest.is_empty() {
        victims.sort_by(|&a, &b| more_important(cluster, a, b));
    }
    Some((victims, violations))
}

/// `filterPodsWithPDBViolation`: splits `pods` (most important first) into those whose
/// eviction would take their budget below zero disruptions, counting down a copy of each
/// budget's `allowed` pod by pod, and the others.
fn split_by_pdb(
    cluster: &ClusterState,
    pods: &[PodId],
    allowed: &[u32],
) -> (Vec<PodId>, Vec<PodId>) {
    if cluster.pdbs.is_empty() {
        return (Vec::new(), pods.to_vec());
    }
    let mut left: Vec<i64> = allowed.iter().map(|&a| i64::from(a)).collect();
    let (mut violating, mut rest) = (Vec::new(), Vec::new());
    for &q in pods {
        let template = cluster.pods[q.index()].template;
        match pdb_of(&cluster.pdbs, template) {
            Some(k) => {
                left[k] -= 1;
                if left[k] < 0 {
                    violating.push(q);
                } else {
                    rest.push(q);
                }
            }
            None => rest.push(q),
        }
    }
    (violating, rest)
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
/// nominate, the victims to evict there and how many budgets that breaks.
pub fn find(
    cluster: &ClusterState,
    profile: &mut Profile,
    pod: PodId,
    rng: &mut StreamRng,
) -> Option<Candidate> {
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
    // Each budget's status once per preemption, as upstream lists them once.
    let allowed: Vec<u32> = cluster
        .pdbs
        .iter()
        .map(|b| status(cluster, b).disruptions_allowed)
        .collect();
    let mut candidates = Vec::new();
    for k in 0..n {
        let i = (offset + k) % n;
        if !cluster.nodes.ready[i] || !profile.passes_non_resource(&cx, i) {
            continue;
        }
        if let Some((victims, pdb_violations)) = select_victims(cluster, pod, i, &allowed) {
            candidates.push(Candidate {
                node: NodeId(i as u32),
                victims,
                pdb_violations,
            });
            if candidates.len() >= want {
                break;
            }
        }
    }
    let k = pick(cluster, &candidates)?;
    Some(candidates.swap_remove(k))
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
        let c = find(&kit.cluster, &mut profile, preemptor, &mut rng()).expect("a candidate");
        let (node, victims) = (c.node, c.victims);
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
        assert_eq!(
            select_victims(&kit.cluster, p, 0, &[]),
            Some((vec![low_pod], 0))
        );
        // Nothing of lower priority to evict: no candidate.
        let q = kit.pending(low, LARGE, LARGE);
        assert_eq!(select_victims(&kit.cluster, q, 0, &[]), None);
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

    /// A budget that allows no disruption of the pods of `t` (minAvailable 1 with none
    /// Ready: `disruptionsAllowed` 0).
    fn strict_budget(t: u32) -> crate::cluster::disruption::Pdb {
        use crate::cluster::disruption::{Budget, IntOrPercent, Pdb};
        Pdb {
            name: "strict".into(),
            templates: vec![t],
            budget: Budget::MinAvailable(IntOrPercent::Int(1)),
            always_allow_unhealthy: false,
        }
    }

    /// `pickOneNodeForPreemption`'s first criterion, as upstream's "pick the node with the
    /// fewest PDB violations" cases: the node whose victim has the lowest priority would
    /// win, but its victim is under a budget that allows no disruption, so the other
    /// node is picked.
    #[test]
    fn fewest_pdb_violations_come_first() {
        let run = |with_budget: bool| {
            let mut kit = Kit::new();
            let (neg, low, high) = (
                kit.template(template(NEG)),
                kit.template(template(LOW)),
                kit.template(template(HIGH)),
            );
            let n1 = kit.node(VERY_LARGE, VERY_LARGE);
            kit.running(n1, neg, VERY_LARGE, VERY_LARGE, 0);
            let n2 = kit.node(VERY_LARGE, VERY_LARGE);
            kit.running(n2, low, VERY_LARGE, VERY_LARGE, 0);
            if with_budget {
                kit.cluster.pdbs.push(strict_budget(neg));
            }
            let p = kit.pending(high, VERY_LARGE, VERY_LARGE);
            let mut profile = Profile::new(&ProfileConfig::default(), None);
            let c = find(&kit.cluster, &mut profile, p, &mut rng()).expect("a candidate");
            (c.node.index() + 1, c.pdb_violations)
        };
        // Without the budget: the lowest highest victim priority (node 1, NEG) wins.
        assert_eq!(run(false), (1, 0));
        // With it: node 2, no violation.
        assert_eq!(run(true), (2, 0));
    }

    /// `selectVictimsOnNode` reprieves budget-violating pods first: the less important pod
    /// under a budget stays and the more important one goes.
    #[test]
    fn violating_victims_are_reprieved_first() {
        let run = |with_budget: bool| {
            let mut kit = Kit::new();
            let (low, mid, high) = (
                kit.template(template(LOW)),
                kit.template(template(MID)),
                kit.template(template(HIGH)),
            );
            let n = kit.node(VERY_LARGE, VERY_LARGE);
            let a = kit.running(n, mid, MEDIUM, MEDIUM, 0);
            let b = kit.running(n, low, MEDIUM, MEDIUM, 0);
            if with_budget {
                kit.cluster.pdbs.push(strict_budget(low));
            }
            let p = kit.pending(high, LARGE, LARGE);
            // 500 − 2·200 = 100 free; the preemptor needs 300: one 200 pod must go.
            let allowed = if with_budget { vec![0] } else { vec![] };
            let (victims, v) = select_victims(&kit.cluster, p, 0, &allowed).expect("room");
            (victims == vec![a], victims == vec![b], v)
        };
        assert_eq!(run(false), (false, true, 0));
        assert_eq!(run(true), (true, false, 0));
    }

    /// A victim that must go although its budget forbids it is counted.
    #[test]
    fn unavoidable_violation_is_counted() {
        let mut kit = Kit::new();
        let (low, high) = (kit.template(template(LOW)), kit.template(template(HIGH)));
        let n = kit.node(VERY_LARGE, VERY_LARGE);
        let v = kit.running(n, low, VERY_LARGE, VERY_LARGE, 0);
        kit.cluster.pdbs.push(strict_budget(low));
        let p = kit.pending(high, VERY_LARGE, VERY_LARGE);
        assert_eq!(select_victims(&kit.cluster, p, 0, &[0]), Some((vec![v], 1)));
    }
}
