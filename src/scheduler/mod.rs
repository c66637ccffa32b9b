//! The scheduler: a priority queue of pending pods and a placement policy.
//!
//! This is the foundation's scheduler: the default profile's filters that the model has
//! (NodeResourcesFit, TaintToleration, `nodeSelector`) and the LeastAllocated score, with
//! ties broken uniformly at random from the scheduler's own stream. Placement goes through
//! the [`Policy`] trait so that other policies and the full plugin framework slot in.

pub mod config;
pub mod plugins;
pub mod score_cache;

use crate::cluster::ClusterState;
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::node::{Lack, NodeTable};
use crate::cluster::resources::{CPU, MAX_RESOURCES, MEMORY};
use crate::engine::rng::StreamRng;
use plugins::{node_selector, taint_toleration};
use rand::Rng;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Chooses a node for a pod.
pub trait Policy {
    /// The name scenarios and reports use.
    fn name(&self) -> &'static str;
    /// The node to bind `pod` to, or `None` if no node passes the filters.
    fn select(&mut self, cluster: &ClusterState, pod: PodId, rng: &mut StreamRng)
    -> Option<NodeId>;
}

/// One pod's filters, prepared once per scheduling attempt so that the per-node loop reads
/// only contiguous node arrays. Filters run in kube-scheduler's default order
/// (TaintToleration, NodeAffinity's `nodeSelector`, NodeResourcesFit), the cheap ones
/// first; a zero request always fits.
pub struct PodFilter<'a> {
    cpu: i64,
    memory: i64,
    /// Requested slots other than cpu and memory (rare: ephemeral storage, GPUs).
    others: Vec<(usize, i64)>,
    tolerations: &'a [crate::cluster::taints::Toleration],
    selector: &'a [(String, String)],
    /// Whether taints or a selector must be checked at all.
    slow: bool,
}

impl<'a> PodFilter<'a> {
    /// Prepares the filters of `pod`.
    pub fn new(cluster: &'a ClusterState, pod: PodId) -> PodFilter<'a> {
        let p = &cluster.pods[pod.index()];
        let t = &cluster.templates[p.template as usize];
        let others = (0..MAX_RESOURCES)
            .filter(|&r| r != CPU && r != MEMORY && p.requests.0[r] > 0)
            .map(|r| (r, p.requests.0[r]))
            .collect();
        PodFilter {
            cpu: p.requests.0[CPU],
            memory: p.requests.0[MEMORY],
            others,
            tolerations: &t.tolerations,
            selector: &t.node_selector,
            slow: cluster.nodes.any_taints || !t.node_selector.is_empty(),
        }
    }

    /// Whether the pod may go to node `i`.
    #[inline(always)]
    pub fn passes(&self, nodes: &NodeTable, i: usize) -> bool {
        // `&` rather than `&&`: cheap checks without branches keep the loop predictable.
        let cheap = nodes.ready[i]
            & (nodes.pod_count[i] < nodes.max_pods[i])
            & (self.cpu <= nodes.free_cpu[i])
            & (self.memory <= nodes.free_memory[i]);
        cheap && self.passes_rest(nodes, i)
    }

    /// The filters beyond pod count, cpu and memory: other requested resources, taints and
    /// the node selector.
    fn passes_rest(&self, nodes: &NodeTable, i: usize) -> bool {
        let free = |r: usize| nodes.allocatable[i].0[r] - nodes.requested[i].0[r];
        self.others.iter().all(|&(r, want)| want <= free(r))
            && (!self.slow || self.passes_labels(nodes, i))
    }

    /// Writes to `out` each node's score from `scores`, or −1 where the pod may not go,
    /// and returns the best. The same checks as [`PodFilter::passes`], written over zipped
    /// arrays so the common case (cpu and memory only, no taints or selector) runs
    /// without bounds checks or data-dependent branches.
    pub fn mask_scores(&self, nodes: &NodeTable, scores: &[i64], out: &mut Vec<i64>) -> i64 {
        out.clear();
        out.resize(scores.len(), -1);
        let simple = self.others.is_empty() && !self.slow;
        let mut best = -1;
        let cheap = nodes
            .ready
            .iter()
            .zip(nodes.pod_count.iter().zip(&nodes.max_pods))
            .zip(nodes.free_cpu.iter().zip(&nodes.free_memory));
        for (i, ((o, &s), ((&ready, (&count, &max)), (&cpu, &mem)))) in
            out.iter_mut().zip(scores).zip(cheap).enumerate()
        {
            let mut ok = ready & (count < max) & (self.cpu <= cpu) & (self.memory <= mem);
            if !simple && ok {
                ok = self.passes_rest(nodes, i);
            }
            let s = if ok { s } else { -1 };
            best = best.max(s);
            *o = s;
        }
        best
    }

    fn passes_labels(&self, nodes: &NodeTable, i: usize) -> bool {
        (nodes.taints[i].is_empty()
            || taint_toleration::filter(self.tolerations, &nodes.taints[i]).is_none())
            && (self.selector.is_empty()
                || node_selector::matches(nodes, NodeId(i as u32), self.selector))
    }
}

/// kube-scheduler's message for a pod no node accepts: "0/3 nodes are available:
/// 2 Insufficient cpu, 1 node(s) had untolerated taint {gpu: true}." Each node counts under
/// the first filter that rejects it; reasons are sorted as strings, as upstream sorts them.
pub fn unschedulable_message(cluster: &ClusterState, pod: PodId) -> String {
    /// A node's first failing filter, borrowed from the node so counting allocates nothing.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Reason<'a> {
        NotReady,
        Taint(&'a str, &'a str),
        Selector,
        Lack(Lack),
    }
    let nodes = &cluster.nodes;
    let p = &cluster.pods[pod.index()];
    let t = &cluster.templates[p.template as usize];
    let mut counts: BTreeMap<Reason, u32> = BTreeMap::new();
    for n in nodes.ids() {
        let i = n.index();
        let first = if !nodes.ready[i] {
            Some(Reason::NotReady)
        } else if let Some(taint) = taint_toleration::filter(&t.tolerations, &nodes.taints[i]) {
            Some(Reason::Taint(&taint.key, &taint.value))
        } else if !node_selector::matches(nodes, n, &t.node_selector) {
            Some(Reason::Selector)
        } else {
            None
        };
        match first {
            Some(r) => *counts.entry(r).or_insert(0) += 1,
            // NodeResourcesFit reports every resource the node lacks.
            None => {
                for lack in nodes.shortfalls(n, &p.requests) {
                    *counts.entry(Reason::Lack(lack)).or_insert(0) += 1;
                }
            }
        }
    }
    let mut reasons: Vec<String> = counts
        .into_iter()
        .map(|(r, c)| {
            let text = match r {
                Reason::NotReady => "node(s) were not ready".to_string(),
                Reason::Taint(key, value) => taint_toleration::reason(key, value),
                Reason::Selector => node_selector::REASON.to_string(),
                Reason::Lack(Lack::Pods) => "Too many pods".to_string(),
                Reason::Lack(Lack::Resource(r)) => {
                    format!("Insufficient {}", cluster.resources.name(r))
                }
            };
            format!("{c} {text}")
        })
        .collect();
    reasons.sort();
    let mut msg = format!("0/{} nodes are available", nodes.len());
    if !reasons.is_empty() {
        msg.push_str(": ");
        msg.push_str(&reasons.join(", "));
    }
    msg.push('.');
    msg
}

/// The default profile's resource placement: feasible nodes scored by LeastAllocated, the
/// best chosen uniformly at random among ties.
#[derive(Debug, Default)]
pub struct LeastAllocated {
    cache: score_cache::ScoreCache,
    /// Per-node score of the current pod, −1 where it is filtered out (reused buffer).
    masked: Vec<i64>,
    ties: Vec<u32>,
}

impl Policy for LeastAllocated {
    fn name(&self) -> &'static str {
        "LeastAllocated"
    }

    fn select(
        &mut self,
        cluster: &ClusterState,
        pod: PodId,
        rng: &mut StreamRng,
    ) -> Option<NodeId> {
        let nz = cluster.pods[pod.index()].nonzero_requests;
        let filter = PodFilter::new(cluster, pod);
        let nodes = &cluster.nodes;
        let scores = self.cache.scores(nodes, nz);
        // Masked scores (−1: filtered out) let the tie pass compare numbers instead of
        // running the filters again.
        let best = filter.mask_scores(nodes, scores, &mut self.masked);
        self.ties.clear();
        if best >= 0 {
            self.ties.extend(
                self.masked
                    .iter()
                    .enumerate()
                    .filter(|&(_, &s)| s == best)
                    .map(|(i, _)| i as u32),
            );
        }
        let pick = match self.ties.len() {
            0 => return None,
            // kube-scheduler binds a lone feasible node without drawing.
            1 => 0,
            n => rng.random_range(0..n),
        };
        Some(NodeId(self.ties[pick]))
    }
}

/// The scheduling queue and the policy.
pub struct Scheduler {
    policy: Box<dyn Policy>,
    rng: StreamRng,
    /// Pods to try, highest priority first, then first enqueued (PrioritySort).
    active: BinaryHeap<(i32, Reverse<u64>, PodId)>,
    /// Pods that fit nowhere, waiting for a change that could help, grouped by what the
    /// filters read (template and requests): a group passes or fails a node as one, so a
    /// freed node costs one filter per group, not per pod. Within a group, enqueue order.
    unschedulable: BTreeMap<(u32, [i64; MAX_RESOURCES]), BTreeMap<u64, PodId>>,
    next_seq: u64,
}

/// What one scheduling attempt did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Bind the pod to the node.
    Bind(PodId, NodeId),
    /// No node fits; the pod waits in the unschedulable pool.
    Unschedulable(PodId),
}

impl Scheduler {
    /// A scheduler with `policy`, drawing its tie-breaks from `rng`.
    pub fn new(policy: Box<dyn Policy>, rng: StreamRng) -> Scheduler {
        Scheduler {
            policy,
            rng,
            active: BinaryHeap::new(),
            unschedulable: BTreeMap::new(),
            next_seq: 0,
        }
    }

    /// Adds a new pending pod to the active queue.
    pub fn enqueue(&mut self, cluster: &ClusterState, pod: PodId) {
        let prio = cluster.pods[pod.index()].priority;
        self.active.push((prio, Reverse(self.next_seq), pod));
        self.next_seq += 1;
    }

    /// Whether pods wait in the active queue.
    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// Node `n` gained room (a pod left it): pods that now pass the filters on `n` go back
    /// to the active queue. Nothing else changed, so a pod that fit nowhere before can only
    /// fit on `n` now; other pods stay put without a full scheduling cycle.
    pub fn node_freed(&mut self, cluster: &ClusterState, n: NodeId) {
        let movable: Vec<(u32, [i64; MAX_RESOURCES])> =
            self.unschedulable
                .iter()
                .filter(|(_, group)| {
                    // Every pod of the group has the same filters; any one stands for all (even
                    // one deleted meanwhile: deleted pods are dropped when taken off the queue).
                    group.values().next().is_some_and(|&p| {
                        PodFilter::new(cluster, p).passes(&cluster.nodes, n.index())
                    })
                })
                .map(|(key, _)| *key)
                .collect();
        for key in movable {
            if let Some(group) = self.unschedulable.remove(&key) {
                self.activate(cluster, group);
            }
        }
    }

    /// Nodes joined the cluster: every waiting pod is retried.
    pub fn nodes_added(&mut self, cluster: &ClusterState) {
        for (_, group) in std::mem::take(&mut self.unschedulable) {
            self.activate(cluster, group);
        }
    }

    fn activate(&mut self, cluster: &ClusterState, group: BTreeMap<u64, PodId>) {
        for (seq, p) in group {
            let prio = cluster.pods[p.index()].priority;
            self.active.push((prio, Reverse(seq), p));
        }
    }

    /// Takes the next pod off the active queue and decides where it goes. The caller binds
    /// it (or records it as unschedulable) before the next call, so each decision sees the
    /// cluster as the previous one left it.
    pub fn next(&mut self, cluster: &ClusterState) -> Option<Attempt> {
        let (seq, pod) = loop {
            let (_, Reverse(seq), pod) = self.active.pop()?;
            // A pod deleted while it waited is dropped here rather than searched for.
            if cluster.pods[pod.index()].phase == crate::cluster::pod::PodPhase::Pending {
                break (seq, pod);
            }
        };
        Some(match self.policy.select(cluster, pod, &mut self.rng) {
            Some(n) => Attempt::Bind(pod, n),
            None => {
                let p = &cluster.pods[pod.index()];
                self.unschedulable
                    .entry((p.template, p.requests.0))
                    .or_default()
                    .insert(seq, pod);
                Attempt::Unschedulable(pod)
            }
        })
    }
}
